import { ArgusError } from '../../errors/argus-error.js';

/** Largest SDP body {@link parseSdp} accepts; real camera SDPs are a few kilobytes. */
export const MAX_SDP_BYTES = 64 * 1024;

/** The `o=` line of an SDP. */
export interface SdpOrigin {
  readonly username: string;
  readonly sessionId: string;
  readonly sessionVersion: string;
  readonly netType: string;
  readonly addrType: string;
  readonly address: string;
}

/** The `c=` line; cameras send `c=IN` with no address, so the address may be empty. */
export interface SdpConnection {
  readonly netType: string;
  readonly addrType: string;
  readonly address: string;
}

/** One `a=rtpmap:` entry: `<encoding>/<clockRate>[/<channels>]`. */
export interface SdpRtpMap {
  readonly payloadType: number;
  readonly encoding: string;
  readonly clockRate: number;
  readonly channels?: number;
}

/** One `a=` line; `value` is undefined for a flag such as `a=recvonly`. */
export interface SdpAttribute {
  readonly name: string;
  readonly value?: string;
}

/** Media direction from `a=sendrecv|sendonly|recvonly|inactive`. */
export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** One `m=` section of an SDP. */
export interface SdpMedia {
  /** `video`, `audio`, `application`, or whatever the camera wrote (`vana`, `application/MERCURY`). */
  readonly type: string;
  readonly port: number;
  readonly protocol: string;
  /** Format tokens as written; payload types for RTP/AVP. */
  readonly formats: readonly string[];
  readonly connection?: SdpConnection;
  readonly control?: string;
  /** Per payload type; the first `a=rtpmap` for a payload type wins. */
  readonly rtpmap: ReadonlyMap<number, SdpRtpMap>;
  /** Per payload type, parameters with lower-cased keys; the first `a=fmtp` for a payload type wins. */
  readonly fmtp: ReadonlyMap<number, Readonly<Record<string, string>>>;
  readonly direction?: SdpDirection;
  readonly framerate?: number;
  readonly dimensions?: { readonly width: number; readonly height: number };
  /** Every `a=` line not listed above, in order (duplicates kept). */
  readonly attributes: readonly SdpAttribute[];
}

/** A parsed session description. */
export interface SessionDescription {
  readonly version: number;
  readonly origin?: SdpOrigin;
  readonly name: string;
  readonly connection?: SdpConnection;
  readonly control?: string;
  /** Value of the session-level `a=range:`, e.g. `npt=0-`. */
  readonly range?: string;
  readonly direction?: SdpDirection;
  /** Every session `a=` line not listed above, in order. */
  readonly attributes: readonly SdpAttribute[];
  readonly media: readonly SdpMedia[];
}

interface MediaBuilder {
  type: string;
  port: number;
  protocol: string;
  formats: string[];
  connection?: SdpConnection;
  control?: string;
  rtpmap: Map<number, SdpRtpMap>;
  fmtp: Map<number, Record<string, string>>;
  direction?: SdpDirection;
  framerate?: number;
  dimensions?: { width: number; height: number };
  attributes: SdpAttribute[];
}

const DIRECTIONS: ReadonlySet<string> = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

function malformed(reason: string): ArgusError {
  return new ArgusError('ARGUS_ERR_SDP_MALFORMED', { reason });
}

function parseConnection(value: string): SdpConnection {
  const [netType = '', addrType = '', address = ''] = value.split(/\s+/);
  return { netType, addrType, address: address.split('/')[0] ?? '' };
}

function parseOrigin(value: string): SdpOrigin {
  // Cameras send short origins (`o=- 1001 1 IN`, `o= 2890842807 IN IP4 ...`): keep what is there.
  const parts = value.split(/\s+/);
  return {
    username: parts[0] ?? '',
    sessionId: parts[1] ?? '',
    sessionVersion: parts[2] ?? '',
    netType: parts[3] ?? '',
    addrType: parts[4] ?? '',
    address: parts.slice(5).join(' '),
  };
}

function parseMediaLine(value: string): MediaBuilder {
  const parts = value.split(/\s+/);
  const [type, portToken, protocol] = parts;
  if (type === undefined || portToken === undefined || protocol === undefined || type === '') {
    throw malformed(`bad m= line "${value.slice(0, 80)}"`);
  }
  const port = Number.parseInt(portToken.split('/')[0] ?? '', 10);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw malformed(`bad port in m= line "${value.slice(0, 80)}"`);
  return {
    type,
    port,
    protocol,
    formats: parts.slice(3).filter((f) => f !== ''),
    rtpmap: new Map(),
    fmtp: new Map(),
    attributes: [],
  };
}

function parseRtpMap(value: string): SdpRtpMap | undefined {
  const space = value.indexOf(' ');
  if (space < 0) return undefined;
  const payloadType = Number.parseInt(value.slice(0, space), 10);
  if (!Number.isInteger(payloadType) || payloadType < 0 || payloadType > 127) return undefined;
  const [encoding = '', rate = '', channels] = value.slice(space + 1).trim().split('/');
  const clockRate = Number.parseInt(rate, 10);
  if (encoding === '' || !Number.isFinite(clockRate)) return undefined;
  const channelCount = channels === undefined ? undefined : Number.parseInt(channels, 10);
  return {
    payloadType,
    encoding,
    clockRate,
    ...(channelCount !== undefined && Number.isFinite(channelCount) ? { channels: channelCount } : {}),
  };
}

/**
 * Parses `a=fmtp` parameters (`key=value;key=value`, keys lower-cased). Tolerates spaces after `;`, a trailing
 * `;`, and space-separated pairs (`DecoderTag=h3c-v3 RTCP=0`).
 */
export function parseFmtpParameters(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/[;\s]+/)) {
    if (raw === '') continue;
    const eq = raw.indexOf('=');
    const key = (eq < 0 ? raw : raw.slice(0, eq)).toLowerCase();
    if (key === '' || Object.hasOwn(out, key)) continue;
    // base64 values keep their '=' padding: only the first '=' separates key from value.
    out[key] = eq < 0 ? '' : raw.slice(eq + 1);
  }
  return out;
}

function applyMediaAttribute(media: MediaBuilder, name: string, value: string | undefined): void {
  const lower = name.toLowerCase();
  if (value === undefined && DIRECTIONS.has(lower)) {
    media.direction ??= lower as SdpDirection;
    return;
  }
  if (value !== undefined) {
    if (lower === 'control') {
      media.control ??= value;
      return;
    }
    if (lower === 'rtpmap') {
      const map = parseRtpMap(value);
      if (map !== undefined && !media.rtpmap.has(map.payloadType)) media.rtpmap.set(map.payloadType, map);
      if (map !== undefined) return;
    } else if (lower === 'fmtp') {
      const space = value.search(/\s/);
      const pt = Number.parseInt(space < 0 ? value : value.slice(0, space), 10);
      if (Number.isInteger(pt) && pt >= 0 && pt <= 127) {
        if (!media.fmtp.has(pt)) media.fmtp.set(pt, parseFmtpParameters(space < 0 ? '' : value.slice(space + 1)));
        return;
      }
    } else if (lower === 'framerate') {
      const fps = Number.parseFloat(value);
      if (Number.isFinite(fps) && fps > 0) {
        media.framerate ??= fps;
        return;
      }
    } else if (lower === 'x-dimensions') {
      const [w, h] = value.split(',').map((n) => Number.parseInt(n, 10));
      if (w !== undefined && h !== undefined && w > 0 && h > 0) {
        media.dimensions ??= { width: w, height: h };
        return;
      }
    }
  }
  media.attributes.push(value === undefined ? { name } : { name, value });
}

/**
 * Some servers write an `a=fmtp`/`a=rtpmap` under the wrong section (after the next `m=` line); hand each such
 * line to the section that lists its payload type and lacks one.
 */
function relocateStrayFormats(media: readonly MediaBuilder[]): void {
  for (const section of media) {
    for (const key of ['fmtp', 'rtpmap'] as const) {
      for (const pt of [...section[key].keys()]) {
        if (section.formats.includes(String(pt))) continue;
        const owner = media.find((m) => m !== section && m.formats.includes(String(pt)) && !m[key].has(pt));
        if (owner === undefined) continue;
        (owner[key] as Map<number, unknown>).set(pt, section[key].get(pt));
        section[key].delete(pt);
      }
    }
  }
}

/**
 * Parses an SDP (RFC 4566) as cameras send it: CRLF or LF, trailing spaces, duplicate lines, session lines
 * repeated inside media sections, vendor attributes and odd media types are accepted. Garbage is not: no
 * `v=` first, no media section, or a bad `m=` line throws `ARGUS_ERR_SDP_MALFORMED`.
 *
 * @example
 * ```ts
 * const sdp = parseSdp(describeResponse.body);
 * sdp.media[0]?.rtpmap.get(96); // { payloadType: 96, encoding: 'H264', clockRate: 90000 }
 * ```
 */
export function parseSdp(text: string): SessionDescription {
  if (typeof text !== 'string') throw new TypeError('parseSdp() takes a string');
  if (text.length > MAX_SDP_BYTES) throw malformed(`longer than ${MAX_SDP_BYTES} bytes`);
  const lines = text.split(/\r\n|\r|\n/);
  let version: number | undefined;
  let origin: SdpOrigin | undefined;
  let name: string | undefined;
  let connection: SdpConnection | undefined;
  let control: string | undefined;
  let range: string | undefined;
  let direction: SdpDirection | undefined;
  const attributes: SdpAttribute[] = [];
  const media: MediaBuilder[] = [];
  let current: MediaBuilder | undefined;

  for (const rawLine of lines) {
    const line = rawLine.trim();
    if (line === '') continue;
    if (line.length < 2 || line[1] !== '=') {
      if (version === undefined) throw malformed('does not start with v=');
      continue; // A stray line inside a known SDP is skipped, as ffmpeg and live555 do.
    }
    const kind = line[0];
    const value = line.slice(2).trim();
    if (version === undefined) {
      if (kind !== 'v') throw malformed('does not start with v=');
      version = Number.parseInt(value, 10);
      if (!Number.isInteger(version)) throw malformed(`bad version "${value.slice(0, 20)}"`);
      continue;
    }
    switch (kind) {
      case 'm':
        current = parseMediaLine(value);
        media.push(current);
        break;
      case 'o':
        if (current === undefined) origin ??= parseOrigin(value);
        break;
      case 's':
        if (current === undefined) name ??= value;
        break;
      case 'c':
        if (current === undefined) connection ??= parseConnection(value);
        else current.connection ??= parseConnection(value);
        break;
      case 'a': {
        const colon = value.indexOf(':');
        const attrName = colon < 0 ? value : value.slice(0, colon);
        const attrValue = colon < 0 ? undefined : value.slice(colon + 1).trim();
        if (current !== undefined) {
          applyMediaAttribute(current, attrName, attrValue);
        } else if (attrName === 'control' && attrValue !== undefined) {
          control ??= attrValue;
        } else if (attrName === 'range' && attrValue !== undefined) {
          range ??= attrValue;
        } else if (attrValue === undefined && DIRECTIONS.has(attrName)) {
          direction ??= attrName as SdpDirection;
        } else {
          attributes.push(attrValue === undefined ? { name: attrName } : { name: attrName, value: attrValue });
        }
        break;
      }
      default:
        break; // i=, t=, b=, e=, k=, z=... carry nothing the media plane uses.
    }
  }
  if (version === undefined) throw malformed('does not start with v=');
  if (media.length === 0) throw malformed('no m= section');
  relocateStrayFormats(media);
  return {
    version,
    name: name ?? '',
    attributes,
    media,
    ...(origin !== undefined ? { origin } : {}),
    ...(connection !== undefined ? { connection } : {}),
    ...(control !== undefined ? { control } : {}),
    ...(range !== undefined ? { range } : {}),
    ...(direction !== undefined ? { direction } : {}),
  };
}
