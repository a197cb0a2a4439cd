import { ArgusError } from '@argus/core';

/** A byte range of a resource: `length` bytes from `offset` (EXT-X-BYTERANGE, EXT-X-MAP BYTERANGE). */
export interface HlsByteRange {
  /** First byte, from 0. */
  readonly offset: number;
  /** Number of bytes. */
  readonly length: number;
}

/** The Media Initialization Section of fMP4 segments (EXT-X-MAP). */
export interface HlsMap {
  /** URI of the init segment, as written (relative to the playlist). */
  readonly uri: string;
  /** Sub-range of the resource, when the tag has a BYTERANGE. */
  readonly byteRange?: HlsByteRange;
}

/** Encryption of the segments that follow an EXT-X-KEY. */
export interface HlsKey {
  /** `NONE`, `AES-128`, `SAMPLE-AES`... */
  readonly method: string;
  /** URI of the key, when the method is not NONE. */
  readonly uri?: string;
  /** The IV attribute (16 bytes), when present; otherwise AES-128 uses the media sequence number. */
  readonly iv?: Uint8Array;
}

/** One media segment of a media playlist. */
export interface HlsSegment {
  /** URI as written (relative to the playlist); resolve with {@link resolvePlaylistUri}. */
  readonly uri: string;
  /** EXTINF duration in seconds. */
  readonly duration: number;
  /** EXTINF title, when not empty. */
  readonly title?: string;
  /** Media sequence number: the playlist's EXT-X-MEDIA-SEQUENCE plus the segment's position. */
  readonly mediaSequence: number;
  /** Discontinuity sequence number: EXT-X-DISCONTINUITY-SEQUENCE plus the EXT-X-DISCONTINUITY tags before it. */
  readonly discontinuitySequence: number;
  /** True when an EXT-X-DISCONTINUITY precedes the segment. */
  readonly discontinuity: boolean;
  /**
   * Wall-clock time of the segment's first sample, ms since epoch: its own EXT-X-PROGRAM-DATE-TIME, or the last
   * one seen in the same discontinuity sequence plus the durations in between.
   */
  readonly programDateTime?: number;
  /** Sub-range of the resource (EXT-X-BYTERANGE), with the offset filled in when the tag left it out. */
  readonly byteRange?: HlsByteRange;
  /** Init segment (EXT-X-MAP) in force for this segment: present for fMP4 segments. */
  readonly map?: HlsMap;
  /** Encryption in force, when an EXT-X-KEY other than NONE applies. */
  readonly key?: HlsKey;
  /** True when an EXT-X-GAP marks the segment as missing. */
  readonly gap: boolean;
}

/** A media playlist: the segments of one rendition. */
export interface HlsMediaPlaylist {
  /** Discriminant. */
  readonly kind: 'media';
  /** EXT-X-VERSION, when present. */
  readonly version?: number;
  /** EXT-X-TARGETDURATION in seconds (when the tag is missing: the longest segment, rounded up, and a warning). */
  readonly targetDuration: number;
  /** EXT-X-MEDIA-SEQUENCE (0 when absent): the sequence number of the first segment. */
  readonly mediaSequence: number;
  /** EXT-X-DISCONTINUITY-SEQUENCE (0 when absent). */
  readonly discontinuitySequence: number;
  /** True when EXT-X-ENDLIST is present: no segment will be added (VOD or an ended event). */
  readonly endList: boolean;
  /** EXT-X-PLAYLIST-TYPE (`VOD`, `EVENT`), when present. */
  readonly playlistType?: string;
  /** True when EXT-X-INDEPENDENT-SEGMENTS is present. */
  readonly independentSegments: boolean;
  /** The segments, in order. */
  readonly segments: readonly HlsSegment[];
  /** Deviations from RFC 8216 that were tolerated (a missing target duration, junk before the header...). */
  readonly warnings: readonly string[];
}

/** One variant stream of a master playlist (EXT-X-STREAM-INF plus its URI line). */
export interface HlsVariant {
  /** URI of the variant's media playlist, as written. */
  readonly uri: string;
  /** BANDWIDTH: peak bits per second. */
  readonly bandwidth: number;
  /** AVERAGE-BANDWIDTH, when present. */
  readonly averageBandwidth?: number;
  /** RESOLUTION, when present. */
  readonly resolution?: { readonly width: number; readonly height: number };
  /** CODECS split at commas (`['avc1.42c015', 'mp4a.40.2']`); empty when absent. */
  readonly codecs: readonly string[];
  /** FRAME-RATE, when present. */
  readonly frameRate?: number;
  /** NAME (a Wowza extension), when present. */
  readonly name?: string;
  /** Every attribute as written, unquoted. */
  readonly attributes: Readonly<Record<string, string>>;
}

/** An alternative rendition (EXT-X-MEDIA). */
export interface HlsRendition {
  /** TYPE: `AUDIO`, `VIDEO`, `SUBTITLES`, `CLOSED-CAPTIONS`. */
  readonly type: string;
  /** GROUP-ID. */
  readonly groupId: string;
  /** NAME. */
  readonly name: string;
  /** URI, when the rendition has its own media playlist. */
  readonly uri?: string;
  /** Every attribute as written, unquoted. */
  readonly attributes: Readonly<Record<string, string>>;
}

/** A master (multivariant) playlist: the variants of one presentation. */
export interface HlsMasterPlaylist {
  /** Discriminant. */
  readonly kind: 'master';
  /** EXT-X-VERSION, when present. */
  readonly version?: number;
  /** True when EXT-X-INDEPENDENT-SEGMENTS is present. */
  readonly independentSegments: boolean;
  /** The variants, in playlist order. */
  readonly variants: readonly HlsVariant[];
  /** EXT-X-MEDIA renditions. */
  readonly renditions: readonly HlsRendition[];
  /** URIs of EXT-X-I-FRAME-STREAM-INF playlists. */
  readonly iFrameUris: readonly string[];
  /** Deviations from RFC 8216 that were tolerated. */
  readonly warnings: readonly string[];
}

/** What {@link parsePlaylist} returns. */
export type HlsPlaylist = HlsMasterPlaylist | HlsMediaPlaylist;

/** Options of {@link parsePlaylist}. */
export interface ParsePlaylistOptions {
  /** Where the playlist came from, for error messages (no credentials). */
  readonly endpoint?: string;
}

/** Largest playlist accepted, in characters; a live playlist is a few KiB. */
export const MAX_PLAYLIST_CHARS = 4 * 1024 * 1024;

const MASTER_TAGS = new Set(['EXT-X-STREAM-INF', 'EXT-X-I-FRAME-STREAM-INF', 'EXT-X-MEDIA', 'EXT-X-SESSION-DATA', 'EXT-X-SESSION-KEY']);
const MEDIA_TAGS = new Set([
  'EXTINF',
  'EXT-X-TARGETDURATION',
  'EXT-X-MEDIA-SEQUENCE',
  'EXT-X-DISCONTINUITY-SEQUENCE',
  'EXT-X-DISCONTINUITY',
  'EXT-X-ENDLIST',
  'EXT-X-PLAYLIST-TYPE',
  'EXT-X-BYTERANGE',
  'EXT-X-MAP',
  'EXT-X-PROGRAM-DATE-TIME',
  'EXT-X-KEY',
  'EXT-X-GAP',
  'EXT-X-I-FRAMES-ONLY',
]);

const DECIMAL_INTEGER = /^\d{1,20}$/;
const DECIMAL_FLOAT = /^-?\d+(\.\d*)?$/;
/** RFC 3339 / ISO 8601 date-time as HLS writes it (`2018-12-31T09:47:22+08:00`, `...22.123Z`, `+0800`). */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i;

class PlaylistError {
  constructor(readonly reason: string) {}
}

function fail(reason: string, line?: number): never {
  throw new PlaylistError(line === undefined ? reason : `${reason} (line ${line})`);
}

/**
 * Parses an attribute list (`BANDWIDTH=300000,CODECS="avc1.42c015,mp4a.40.2",RESOLUTION=640x360`) into
 * name -> value, quotes removed. Names are upper-case letters, digits and `-`; quoted values may hold commas.
 *
 * @throws ArgusError `ARGUS_ERR_DRIVER_PROTOCOL` on an unterminated quote or a malformed entry.
 * @example
 * ```ts
 * parseAttributeList('BANDWIDTH=300000,CODECS="avc1.42c015,mp4a.40.2"'); // { BANDWIDTH: '300000', CODECS: 'avc1.42c015,mp4a.40.2' }
 * ```
 */
export function parseAttributeList(text: string, options: ParsePlaylistOptions = {}): Record<string, string> {
  try {
    return attributes(text);
  } catch (err) {
    throw toProtocolError(err, options.endpoint);
  }
}

function attributes(text: string, line?: number): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
    if (i >= n) break;
    const eq = text.indexOf('=', i);
    if (eq < 0) fail(`attribute without a value in "${clip(text)}"`, line);
    const name = text.slice(i, eq).trim();
    if (!/^[A-Z0-9-]+$/i.test(name)) fail(`bad attribute name "${clip(name)}"`, line);
    i = eq + 1;
    let value: string;
    if (text[i] === '"') {
      const close = text.indexOf('"', i + 1);
      if (close < 0) fail(`unterminated quoted value of ${name}`, line);
      value = text.slice(i + 1, close);
      i = close + 1;
      while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
      if (i < n && text[i] !== ',') fail(`junk after the quoted value of ${name}`, line);
    } else {
      const comma = text.indexOf(',', i);
      const end = comma < 0 ? n : comma;
      value = text.slice(i, end).trim();
      i = end;
    }
    out[name.toUpperCase()] = value;
    if (text[i] === ',') i++;
  }
  return out;
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function toProtocolError(err: unknown, endpoint: string | undefined): unknown {
  if (err instanceof PlaylistError) {
    return new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint: endpoint ?? 'HLS origin', reason: `bad playlist: ${err.reason}` });
  }
  return err;
}

function integer(value: string, what: string, line: number): number {
  if (!DECIMAL_INTEGER.test(value)) fail(`${what} "${clip(value)}" is not a decimal integer`, line);
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) fail(`${what} ${value} is out of range`, line);
  return parsed;
}

function decimal(value: string, what: string, line: number): number {
  if (!DECIMAL_FLOAT.test(value)) fail(`${what} "${clip(value)}" is not a number`, line);
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) fail(`${what} ${value} is out of range`, line);
  return parsed;
}

function byteRange(value: string, line: number): { length: number; offset?: number } {
  const match = /^(\d+)(?:@(\d+))?$/.exec(value.trim());
  if (match === null) fail(`byte range "${clip(value)}" is not n[@o]`, line);
  const length = integer(match[1] as string, 'byte range length', line);
  if (length === 0) fail('byte range of 0 bytes', line);
  return match[2] === undefined ? { length } : { length, offset: integer(match[2], 'byte range offset', line) };
}

function dateTime(value: string, line: number): number {
  const text = value.trim();
  if (!DATE_TIME.test(text)) fail(`EXT-X-PROGRAM-DATE-TIME "${clip(text)}" is not an ISO 8601 date-time`, line);
  // Date.parse wants `+08:00`; some encoders write `+0800`.
  const normalized = text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(normalized);
  if (!Number.isFinite(ms)) fail(`EXT-X-PROGRAM-DATE-TIME "${clip(text)}" is not a valid date`, line);
  return ms;
}

function hexIv(value: string, line: number): Uint8Array {
  const match = /^0[xX]([0-9a-fA-F]{1,32})$/.exec(value.trim());
  if (match === null) fail(`EXT-X-KEY IV "${clip(value)}" is not a hexadecimal 128-bit number`, line);
  return Uint8Array.from(Buffer.from((match[1] as string).padStart(32, '0'), 'hex'));
}

function resolution(value: string, line: number): { width: number; height: number } {
  const match = /^(\d{1,5})[xX](\d{1,5})$/.exec(value.trim());
  if (match === null) fail(`RESOLUTION "${clip(value)}" is not WIDTHxHEIGHT`, line);
  return { width: Number(match[1]), height: Number(match[2]) };
}

interface Line {
  readonly text: string;
  readonly number: number;
}

function tagOf(text: string): { name: string; value: string } {
  const colon = text.indexOf(':');
  return colon < 0 ? { name: text.slice(1), value: '' } : { name: text.slice(1, colon), value: text.slice(colon + 1) };
}

/**
 * Parses an HLS playlist (RFC 8216) into a master or a media playlist.
 *
 * Master: EXT-X-STREAM-INF variants (BANDWIDTH, AVERAGE-BANDWIDTH, RESOLUTION, CODECS, FRAME-RATE, NAME), EXT-X-MEDIA,
 * EXT-X-I-FRAME-STREAM-INF. Media: EXT-X-TARGETDURATION, EXT-X-MEDIA-SEQUENCE, EXT-X-DISCONTINUITY(-SEQUENCE),
 * EXT-X-PROGRAM-DATE-TIME (carried forward over the segments that have none), EXT-X-BYTERANGE (before or after
 * EXTINF; an omitted offset continues the previous range of the same resource), EXT-X-MAP, EXT-X-KEY, EXT-X-GAP,
 * EXT-X-ENDLIST, EXT-X-PLAYLIST-TYPE. Unknown tags and comments are ignored, as the RFC asks.
 *
 * Tolerated, with a warning: comment lines before `#EXTM3U` (Apple's own sample has them), a missing
 * EXT-X-TARGETDURATION (the longest segment, rounded up), a segment longer than the target duration.
 *
 * @throws ArgusError `ARGUS_ERR_DRIVER_PROTOCOL` (`details.reason` says what and where) for anything that is not a
 *   playlist: no `#EXTM3U`, master and media tags mixed, a URI line without EXTINF or EXT-X-STREAM-INF, an EXTINF
 *   without a URI, a malformed number, attribute list, byte range or date, an EXT-X-STREAM-INF without BANDWIDTH.
 * @example
 * ```ts
 * const playlist = parsePlaylist(await http.text({ path: '/live/index.m3u8' }), { endpoint: http.endpoint });
 * if (playlist.kind === 'master') for (const v of playlist.variants) console.log(v.bandwidth, v.resolution, v.uri);
 * else for (const s of playlist.segments) console.log(s.mediaSequence, s.duration, s.uri);
 * ```
 */
export function parsePlaylist(text: string, options: ParsePlaylistOptions = {}): HlsPlaylist {
  try {
    return parse(text);
  } catch (err) {
    throw toProtocolError(err, options.endpoint);
  }
}

function parse(input: string): HlsPlaylist {
  if (typeof input !== 'string') throw new TypeError('parsePlaylist() takes the playlist text');
  if (input.length > MAX_PLAYLIST_CHARS) fail(`larger than ${MAX_PLAYLIST_CHARS} characters`);
  if (input.includes('\0')) fail('binary data, not a text playlist');
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const lines: Line[] = [];
  text.split(/\r\n|\r|\n/).forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed !== '') lines.push({ text: trimmed, number: index + 1 });
  });
  const warnings: string[] = [];
  const header = lines.findIndex((line) => !(line.text.startsWith('#') && !line.text.startsWith('#EXT')));
  const first = lines[header];
  if (first === undefined || first.text !== '#EXTM3U') {
    fail(first === undefined ? 'empty, no #EXTM3U header' : `no #EXTM3U header (first line "${clip(first.text)}")`);
  }
  if (header > 0) warnings.push(`${header} comment line(s) before #EXTM3U`);
  const body = lines.slice(header + 1);

  let master = false;
  let media = false;
  for (const line of body) {
    if (!line.text.startsWith('#EXT')) continue;
    const { name } = tagOf(line.text);
    if (MASTER_TAGS.has(name)) master = true;
    if (MEDIA_TAGS.has(name)) media = true;
  }
  if (master && media) fail('mixes master playlist tags (EXT-X-STREAM-INF, EXT-X-MEDIA) with media playlist tags');
  if (master) return parseMaster(body, warnings);
  if (media) return parseMedia(body, warnings);
  if (body.some((line) => !line.text.startsWith('#'))) fail('URI lines without EXTINF or EXT-X-STREAM-INF');
  fail('neither a master playlist (no EXT-X-STREAM-INF) nor a media playlist (no EXTINF or EXT-X-TARGETDURATION)');
}

function parseMaster(body: readonly Line[], warnings: string[]): HlsMasterPlaylist {
  let version: number | undefined;
  let independentSegments = false;
  const variants: HlsVariant[] = [];
  const renditions: HlsRendition[] = [];
  const iFrameUris: string[] = [];
  let pending: { attributes: Record<string, string>; line: number } | undefined;
  for (const line of body) {
    if (!line.text.startsWith('#')) {
      if (pending === undefined) fail(`URI "${clip(line.text)}" without EXT-X-STREAM-INF`, line.number);
      variants.push(variantOf(line.text, pending.attributes, pending.line));
      pending = undefined;
      continue;
    }
    if (!line.text.startsWith('#EXT')) continue;
    const { name, value } = tagOf(line.text);
    if (pending !== undefined && name === 'EXT-X-STREAM-INF') fail('EXT-X-STREAM-INF without a URI line', pending.line);
    switch (name) {
      case 'EXTM3U':
        fail('a second #EXTM3U header', line.number);
        break;
      case 'EXT-X-VERSION':
        version = integer(value, 'EXT-X-VERSION', line.number);
        break;
      case 'EXT-X-INDEPENDENT-SEGMENTS':
        independentSegments = true;
        break;
      case 'EXT-X-STREAM-INF':
        pending = { attributes: attributes(value, line.number), line: line.number };
        break;
      case 'EXT-X-MEDIA': {
        const attrs = attributes(value, line.number);
        const { TYPE: type, 'GROUP-ID': groupId, NAME: renditionName, URI: uri } = attrs;
        if (type === undefined || groupId === undefined || renditionName === undefined) {
          fail('EXT-X-MEDIA without TYPE, GROUP-ID or NAME', line.number);
        }
        renditions.push({ type, groupId, name: renditionName, ...(uri === undefined ? {} : { uri }), attributes: attrs });
        break;
      }
      case 'EXT-X-I-FRAME-STREAM-INF': {
        const uri = attributes(value, line.number).URI;
        if (uri === undefined) fail('EXT-X-I-FRAME-STREAM-INF without URI', line.number);
        iFrameUris.push(uri);
        break;
      }
      default:
        break;
    }
  }
  if (pending !== undefined) fail('EXT-X-STREAM-INF without a URI line', pending.line);
  if (variants.length === 0) fail('a master playlist without any EXT-X-STREAM-INF variant');
  return { kind: 'master', ...(version === undefined ? {} : { version }), independentSegments, variants, renditions, iFrameUris, warnings };
}

function variantOf(uri: string, attrs: Record<string, string>, line: number): HlsVariant {
  const bandwidthText = attrs.BANDWIDTH;
  if (bandwidthText === undefined) fail('EXT-X-STREAM-INF without BANDWIDTH', line);
  const bandwidth = integer(bandwidthText, 'BANDWIDTH', line);
  const codecs = attrs.CODECS === undefined ? [] : attrs.CODECS.split(',').map((c) => c.trim()).filter((c) => c !== '');
  return {
    uri,
    bandwidth,
    ...(attrs['AVERAGE-BANDWIDTH'] === undefined ? {} : { averageBandwidth: integer(attrs['AVERAGE-BANDWIDTH'], 'AVERAGE-BANDWIDTH', line) }),
    ...(attrs.RESOLUTION === undefined ? {} : { resolution: resolution(attrs.RESOLUTION, line) }),
    codecs,
    ...(attrs['FRAME-RATE'] === undefined ? {} : { frameRate: decimal(attrs['FRAME-RATE'], 'FRAME-RATE', line) }),
    ...(attrs.NAME === undefined ? {} : { name: attrs.NAME }),
    attributes: attrs,
  };
}

interface PendingSegment {
  duration?: number;
  title?: string;
  line: number;
  discontinuity: boolean;
  programDateTime?: number;
  byteRange?: { length: number; offset?: number };
  gap: boolean;
}

function parseMedia(body: readonly Line[], warnings: string[]): HlsMediaPlaylist {
  let version: number | undefined;
  let targetDuration: number | undefined;
  let mediaSequence = 0;
  let discontinuitySequence = 0;
  let endList = false;
  let playlistType: string | undefined;
  let independentSegments = false;
  let map: HlsMap | undefined;
  let key: HlsKey | undefined;
  let sawSegment = false;
  const segments: HlsSegment[] = [];
  let next: PendingSegment = { line: 0, discontinuity: false, gap: false };
  let discontinuities = 0;
  /** End of the previous segment's byte range, per resource URI, for ranges without an offset. */
  let lastRange: { uri: string; end: number } | undefined;
  /** Last explicit PROGRAM-DATE-TIME carried forward: the time at the end of the previous segment. */
  let clock: number | undefined;

  const beforeSegments = (tag: string, line: number): void => {
    if (sawSegment) fail(`${tag} after the first segment`, line);
  };

  for (const line of body) {
    if (!line.text.startsWith('#')) {
      if (next.duration === undefined) fail(`URI "${clip(line.text)}" without #EXTINF`, line.number);
      const uri = line.text;
      let range: HlsByteRange | undefined;
      if (next.byteRange !== undefined) {
        let offset = next.byteRange.offset;
        if (offset === undefined) {
          if (lastRange === undefined || lastRange.uri !== uri) {
            fail('EXT-X-BYTERANGE without an offset that does not follow a range of the same resource', line.number);
          }
          offset = lastRange.end;
        }
        range = { offset, length: next.byteRange.length };
        lastRange = { uri, end: offset + range.length };
      } else {
        lastRange = undefined;
      }
      if (next.discontinuity) {
        discontinuities += 1;
        clock = undefined;
      }
      const programDateTime = next.programDateTime ?? clock;
      clock = programDateTime === undefined ? undefined : programDateTime + next.duration * 1000;
      segments.push({
        uri,
        duration: next.duration,
        ...(next.title === undefined || next.title === '' ? {} : { title: next.title }),
        mediaSequence: mediaSequence + segments.length,
        discontinuitySequence: discontinuitySequence + discontinuities,
        discontinuity: next.discontinuity,
        ...(programDateTime === undefined ? {} : { programDateTime }),
        ...(range === undefined ? {} : { byteRange: range }),
        ...(map === undefined ? {} : { map }),
        ...(key === undefined || key.method === 'NONE' ? {} : { key }),
        gap: next.gap,
      });
      next = { line: 0, discontinuity: false, gap: false };
      continue;
    }
    if (!line.text.startsWith('#EXT')) continue;
    const { name, value } = tagOf(line.text);
    switch (name) {
      case 'EXTM3U':
        fail('a second #EXTM3U header', line.number);
        break;
      case 'EXT-X-VERSION':
        version = integer(value, 'EXT-X-VERSION', line.number);
        break;
      case 'EXT-X-TARGETDURATION':
        targetDuration = integer(value, 'EXT-X-TARGETDURATION', line.number);
        if (targetDuration === 0) fail('EXT-X-TARGETDURATION of 0', line.number);
        break;
      case 'EXT-X-MEDIA-SEQUENCE':
        beforeSegments(name, line.number);
        mediaSequence = integer(value, 'EXT-X-MEDIA-SEQUENCE', line.number);
        break;
      case 'EXT-X-DISCONTINUITY-SEQUENCE':
        beforeSegments(name, line.number);
        discontinuitySequence = integer(value, 'EXT-X-DISCONTINUITY-SEQUENCE', line.number);
        break;
      case 'EXT-X-ENDLIST':
        endList = true;
        break;
      case 'EXT-X-PLAYLIST-TYPE':
        playlistType = value.trim().toUpperCase();
        break;
      case 'EXT-X-INDEPENDENT-SEGMENTS':
        independentSegments = true;
        break;
      case 'EXTINF': {
        if (next.duration !== undefined) fail('#EXTINF without a URI line', next.line);
        const comma = value.indexOf(',');
        const durationText = (comma < 0 ? value : value.slice(0, comma)).trim();
        next.duration = decimal(durationText, 'EXTINF duration', line.number);
        next.line = line.number;
        const title = comma < 0 ? '' : value.slice(comma + 1).trim();
        if (title !== '') next.title = title;
        sawSegment = true;
        break;
      }
      case 'EXT-X-BYTERANGE':
        next.byteRange = byteRange(value, line.number);
        break;
      case 'EXT-X-DISCONTINUITY':
        next.discontinuity = true;
        break;
      case 'EXT-X-PROGRAM-DATE-TIME':
        next.programDateTime = dateTime(value, line.number);
        break;
      case 'EXT-X-GAP':
        next.gap = true;
        break;
      case 'EXT-X-MAP': {
        const attrs = attributes(value, line.number);
        if (attrs.URI === undefined || attrs.URI === '') fail('EXT-X-MAP without URI', line.number);
        if (attrs.BYTERANGE !== undefined) {
          const range = byteRange(attrs.BYTERANGE, line.number);
          map = { uri: attrs.URI, byteRange: { offset: range.offset ?? 0, length: range.length } };
        } else {
          map = { uri: attrs.URI };
        }
        break;
      }
      case 'EXT-X-KEY': {
        const attrs = attributes(value, line.number);
        const method = attrs.METHOD;
        if (method === undefined) fail('EXT-X-KEY without METHOD', line.number);
        key = {
          method: method.toUpperCase(),
          ...(attrs.URI === undefined ? {} : { uri: attrs.URI }),
          ...(attrs.IV === undefined ? {} : { iv: hexIv(attrs.IV, line.number) }),
        };
        break;
      }
      default:
        break;
    }
  }
  if (next.duration !== undefined) fail('#EXTINF without a URI line', next.line);
  const longest = segments.reduce((max, s) => Math.max(max, s.duration), 0);
  if (targetDuration === undefined) {
    if (segments.length === 0) fail('a media playlist without EXT-X-TARGETDURATION or any segment');
    targetDuration = Math.max(1, Math.ceil(longest));
    warnings.push(`no EXT-X-TARGETDURATION; using ${targetDuration} s from the longest segment`);
  } else if (Math.round(longest) > targetDuration) {
    warnings.push(`a segment of ${longest} s exceeds EXT-X-TARGETDURATION ${targetDuration}`);
  }
  return {
    kind: 'media',
    ...(version === undefined ? {} : { version }),
    targetDuration,
    mediaSequence,
    discontinuitySequence,
    endList,
    ...(playlistType === undefined ? {} : { playlistType }),
    independentSegments,
    segments,
    warnings,
  };
}

/**
 * Resolves a URI of a playlist (a variant, a segment, an EXT-X-MAP) against the playlist's own URL.
 *
 * @example
 * ```ts
 * resolvePlaylistUri('http://127.0.0.1:8080/live/index.m3u8', 'main/index.m3u8'); // 'http://127.0.0.1:8080/live/main/index.m3u8'
 * ```
 */
export function resolvePlaylistUri(playlistUrl: string, uri: string): string {
  return new URL(uri, playlistUrl).toString();
}
