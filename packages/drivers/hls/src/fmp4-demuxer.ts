import { ArgusError, hasErrorCode } from '@argus/core';
import { fromLengthPrefixed, parseAudioSpecificConfig } from '@argus/core/media';

/** One track of an fMP4 init segment (`moov`). */
export interface Fmp4TrackInit {
  /** MP4 `track_ID`. */
  readonly trackId: number;
  /** From the handler: `vide` -> video, `soun` -> audio. */
  readonly kind: 'video' | 'audio' | 'other';
  /** `h264` (avc1/avc3), `h265` (hvc1/hev1), `aac` (mp4a with AAC), else the sample entry's fourcc. */
  readonly codec: string;
  /** `mdhd` timescale: units per second of the track's decode times. */
  readonly timescale: number;
  /** Bytes of the NAL unit length prefix (avcC/hvcC lengthSizeMinusOne + 1); 4 for non-video tracks. */
  readonly lengthSize: number;
  /** SPS/PPS (and VPS) NAL units from avcC/hvcC. */
  readonly parameterSets: readonly Uint8Array[];
  /** Width and height of the visual sample entry. */
  readonly width?: number;
  readonly height?: number;
  /** AAC AudioSpecificConfig from `esds`. */
  readonly config?: Uint8Array;
  readonly sampleRate?: number;
  readonly channels?: number;
  /** `trex` defaults for fragments that do not repeat them. */
  readonly defaultDuration: number;
  readonly defaultSize: number;
  readonly defaultFlags: number;
}

/** What {@link parseFmp4Init} reads from an init segment. */
export interface Fmp4Init {
  readonly tracks: readonly Fmp4TrackInit[];
}

/** One sample of a fragment: a video access unit or an audio frame. */
export interface Fmp4Sample {
  readonly trackId: number;
  /** Decode time in the track's timescale (from `tfdt`, or following the previous fragment). */
  readonly dts: number;
  /** Composition offset (pts - dts) in the track's timescale. */
  readonly cto: number;
  readonly duration: number;
  /** A sync sample (`sample_is_non_sync_sample` clear). */
  readonly sync: boolean;
  /** The sample's bytes: length-prefixed NAL units for video, a raw frame for audio (a view of the input). */
  readonly data: Uint8Array;
}

/** Options of the fMP4 readers. */
export interface Fmp4ReadOptions {
  /** Where the bytes came from, for error messages. */
  readonly endpoint?: string;
}

/** Largest sample accepted, in bytes, so a corrupt size field cannot allocate the heap away. */
const MAX_SAMPLE_BYTES = 64 * 1024 * 1024;
/** Largest number of samples in one `trun`. */
const MAX_RUN_SAMPLES = 1_000_000;

class BoxError {
  constructor(readonly reason: string) {}
}

function bad(reason: string): never {
  throw new BoxError(reason);
}

function wrap(err: unknown, endpoint: string | undefined, what: string): unknown {
  if (err instanceof BoxError) {
    return new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint: endpoint ?? 'HLS origin', reason: `bad fMP4 ${what}: ${err.reason}` });
  }
  if (hasErrorCode(err, 'ARGUS_ERR_MEDIA_BITSTREAM')) {
    return new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint: endpoint ?? 'HLS origin', reason: `bad fMP4 ${what}: ${err.message}` }, { cause: err });
  }
  return err;
}

interface Box {
  readonly type: string;
  /** Offset of the box header in the buffer. */
  readonly start: number;
  /** Offset of the payload (after size, type, and a 64-bit size). */
  readonly payload: number;
  readonly end: number;
}

/** The boxes between `start` and `end` of `buf`. */
function boxes(buf: Uint8Array, start = 0, end = buf.length): Box[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: Box[] = [];
  let offset = start;
  while (offset < end) {
    if (offset + 8 > end) bad(`truncated box header at byte ${offset}`);
    let size = view.getUint32(offset);
    const type = String.fromCharCode(buf[offset + 4] as number, buf[offset + 5] as number, buf[offset + 6] as number, buf[offset + 7] as number);
    let payload = offset + 8;
    if (size === 1) {
      if (offset + 16 > end) bad(`truncated 64-bit box size of "${printable(type)}" at byte ${offset}`);
      size = Number(view.getBigUint64(offset + 8));
      payload = offset + 16;
    } else if (size === 0) {
      size = end - offset;
    }
    if (!/^[\x20-\x7e]{4}$/.test(type)) bad(`not a box at byte ${offset}`);
    if (size < payload - offset || offset + size > end) bad(`box "${type}" of ${size} bytes at byte ${offset} overruns its ${end - offset}-byte container`);
    out.push({ type, start: offset, payload, end: offset + size });
    offset += size;
  }
  return out;
}

function printable(type: string): string {
  return type.replace(/[^\x20-\x7e]/g, '?');
}

function child(buf: Uint8Array, parent: Box, type: string, headerBytes = 0): Box | undefined {
  return boxes(buf, parent.payload + headerBytes, parent.end).find((b) => b.type === type);
}

function need(buf: Uint8Array, parent: Box, type: string, headerBytes = 0): Box {
  const found = child(buf, parent, type, headerBytes);
  if (found === undefined) bad(`"${parent.type}" has no "${type}"`);
  return found;
}

class Reader {
  readonly #view: DataView;
  offset: number;
  readonly #end: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    end: number,
    readonly what: string,
  ) {
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.offset = start;
    this.#end = end;
  }
  #take(n: number): number {
    if (this.offset + n > this.#end) bad(`truncated "${this.what}"`);
    const at = this.offset;
    this.offset += n;
    return at;
  }
  u8(): number {
    return this.#view.getUint8(this.#take(1));
  }
  u16(): number {
    return this.#view.getUint16(this.#take(2));
  }
  u32(): number {
    return this.#view.getUint32(this.#take(4));
  }
  i32(): number {
    return this.#view.getInt32(this.#take(4));
  }
  u64(): number {
    const value = this.#view.getBigUint64(this.#take(8));
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) bad(`64-bit value of "${this.what}" beyond 2^53`);
    return Number(value);
  }
  skip(n: number): void {
    this.#take(n);
  }
  bytes(n: number): Uint8Array {
    const at = this.#take(n);
    return this.buf.slice(at, at + n);
  }
  /** version (8 bits) and flags (24 bits) of a full box. */
  full(): { version: number; flags: number } {
    const word = this.u32();
    return { version: word >>> 24, flags: word & 0xffffff };
  }
}

/**
 * Reads the tracks of an fMP4 init segment (the EXT-X-MAP resource): ids, handlers, timescales, codecs, avcC/hvcC
 * parameter sets and NAL length size, AAC config from `esds`, and the `trex` defaults.
 *
 * @throws ArgusError `ARGUS_ERR_DRIVER_PROTOCOL` when the bytes are not an init segment (no `moov`, truncated boxes).
 * @example
 * ```ts
 * const init = parseFmp4Init(initBytes);
 * init.tracks[0]; // { trackId: 1, kind: 'video', codec: 'h264', timescale: 90000, parameterSets: [sps, pps], ... }
 * ```
 */
export function parseFmp4Init(bytes: Uint8Array, options: Fmp4ReadOptions = {}): Fmp4Init {
  try {
    return readInit(bytes);
  } catch (err) {
    throw wrap(err, options.endpoint, 'init segment');
  }
}

function readInit(buf: Uint8Array): Fmp4Init {
  const top = boxes(buf);
  const moov = top.find((b) => b.type === 'moov');
  if (moov === undefined) bad(`no "moov" box (found ${top.map((b) => b.type).join(', ') || 'nothing'})`);
  const inner = boxes(buf, moov.payload, moov.end);
  const trex = new Map<number, { duration: number; size: number; flags: number }>();
  const mvex = inner.find((b) => b.type === 'mvex');
  if (mvex !== undefined) {
    for (const box of boxes(buf, mvex.payload, mvex.end)) {
      if (box.type !== 'trex') continue;
      const r = new Reader(buf, box.payload, box.end, 'trex');
      r.full();
      const trackId = r.u32();
      r.u32();
      trex.set(trackId, { duration: r.u32(), size: r.u32(), flags: r.u32() });
    }
  }
  const tracks = inner.filter((b) => b.type === 'trak').map((trak) => readTrak(buf, trak, trex));
  if (tracks.length === 0) bad('"moov" has no track');
  return { tracks };
}

function readTrak(buf: Uint8Array, trak: Box, trex: Map<number, { duration: number; size: number; flags: number }>): Fmp4TrackInit {
  const tkhd = need(buf, trak, 'tkhd');
  const t = new Reader(buf, tkhd.payload, tkhd.end, 'tkhd');
  const { version: tkhdVersion } = t.full();
  t.skip(tkhdVersion === 1 ? 16 : 8);
  const trackId = t.u32();
  const mdia = need(buf, trak, 'mdia');
  const mdhd = need(buf, mdia, 'mdhd');
  const m = new Reader(buf, mdhd.payload, mdhd.end, 'mdhd');
  const { version: mdhdVersion } = m.full();
  m.skip(mdhdVersion === 1 ? 16 : 8);
  const timescale = m.u32();
  if (timescale === 0) bad(`track ${trackId} has a timescale of 0`);
  const hdlr = need(buf, mdia, 'hdlr');
  const h = new Reader(buf, hdlr.payload, hdlr.end, 'hdlr');
  h.full();
  h.u32();
  const handler = String.fromCharCode(h.u8(), h.u8(), h.u8(), h.u8());
  const kind = handler === 'vide' ? 'video' : handler === 'soun' ? 'audio' : 'other';
  const stbl = need(buf, need(buf, mdia, 'minf'), 'stbl');
  // stsd is a full box with an entry count before its sample entries.
  const stsd = need(buf, stbl, 'stsd');
  const entry = boxes(buf, stsd.payload + 8, stsd.end)[0];
  const defaults = trex.get(trackId) ?? { duration: 0, size: 0, flags: 0 };
  const base = { trackId, kind, timescale, defaultDuration: defaults.duration, defaultSize: defaults.size, defaultFlags: defaults.flags } as const;
  if (entry === undefined) bad(`track ${trackId} has no sample entry`);
  if (kind === 'video') return { ...base, ...readVisualEntry(buf, entry) };
  if (kind === 'audio' && entry.type === 'mp4a') return { ...base, ...readAudioEntry(buf, entry) };
  return { ...base, codec: entry.type, lengthSize: 4, parameterSets: [] };
}

/** Bytes of a VisualSampleEntry before its child boxes. */
const VISUAL_ENTRY_BYTES = 78;
/** Bytes of an AudioSampleEntry (version 0) before its child boxes. */
const AUDIO_ENTRY_BYTES = 28;

function readVisualEntry(buf: Uint8Array, entry: Box): Pick<Fmp4TrackInit, 'codec' | 'lengthSize' | 'parameterSets' | 'width' | 'height'> {
  const r = new Reader(buf, entry.payload, entry.end, entry.type);
  r.skip(24);
  const width = r.u16();
  const height = r.u16();
  const type = entry.type;
  if (type === 'avc1' || type === 'avc3') {
    const avcC = need(buf, entry, 'avcC', VISUAL_ENTRY_BYTES);
    return { codec: 'h264', width, height, ...readAvcC(buf, avcC) };
  }
  if (type === 'hvc1' || type === 'hev1') {
    const hvcC = need(buf, entry, 'hvcC', VISUAL_ENTRY_BYTES);
    return { codec: 'h265', width, height, ...readHvcC(buf, hvcC) };
  }
  return { codec: type, width, height, lengthSize: 4, parameterSets: [] };
}

function readAvcC(buf: Uint8Array, box: Box): { lengthSize: number; parameterSets: Uint8Array[] } {
  const r = new Reader(buf, box.payload, box.end, 'avcC');
  r.skip(4);
  const lengthSize = (r.u8() & 0x03) + 1;
  const sets: Uint8Array[] = [];
  const spsCount = r.u8() & 0x1f;
  for (let i = 0; i < spsCount; i++) sets.push(r.bytes(r.u16()));
  const ppsCount = r.u8();
  for (let i = 0; i < ppsCount; i++) sets.push(r.bytes(r.u16()));
  if (lengthSize === 3) bad('avcC NAL length size of 3 bytes');
  return { lengthSize, parameterSets: sets.filter((s) => s.length > 0) };
}

function readHvcC(buf: Uint8Array, box: Box): { lengthSize: number; parameterSets: Uint8Array[] } {
  const r = new Reader(buf, box.payload, box.end, 'hvcC');
  r.skip(21);
  const lengthSize = (r.u8() & 0x03) + 1;
  const arrays = r.u8();
  const sets: Uint8Array[] = [];
  for (let a = 0; a < arrays; a++) {
    r.u8();
    const count = r.u16();
    for (let i = 0; i < count; i++) sets.push(r.bytes(r.u16()));
  }
  if (lengthSize === 3) bad('hvcC NAL length size of 3 bytes');
  return { lengthSize, parameterSets: sets.filter((s) => s.length > 0) };
}

function readAudioEntry(buf: Uint8Array, entry: Box): Pick<Fmp4TrackInit, 'codec' | 'lengthSize' | 'parameterSets' | 'config' | 'sampleRate' | 'channels'> {
  const r = new Reader(buf, entry.payload, entry.end, 'mp4a');
  r.skip(16);
  const channels = r.u16();
  r.skip(6);
  const sampleRate = r.u32() >>> 16;
  const esds = child(buf, entry, 'esds', AUDIO_ENTRY_BYTES);
  const config = esds === undefined ? undefined : readEsds(buf, esds);
  if (config === undefined) return { codec: 'mp4a', lengthSize: 4, parameterSets: [], sampleRate, channels };
  const asc = parseAudioSpecificConfig(config);
  return { codec: 'aac', lengthSize: 4, parameterSets: [], config, sampleRate: asc.sampleRate, channels: asc.channels || channels };
}

/** The DecoderSpecificInfo (AudioSpecificConfig) inside an `esds`, when the object type is MPEG-4 audio. */
function readEsds(buf: Uint8Array, box: Box): Uint8Array | undefined {
  const r = new Reader(buf, box.payload, box.end, 'esds');
  r.full();
  const descriptor = (): { tag: number; length: number } => {
    const tag = r.u8();
    let length = 0;
    for (let i = 0; i < 4; i++) {
      const byte = r.u8();
      length = (length << 7) | (byte & 0x7f);
      if ((byte & 0x80) === 0) break;
    }
    return { tag, length };
  };
  const es = descriptor();
  if (es.tag !== 0x03) return undefined;
  r.skip(2);
  const flags = r.u8();
  if ((flags & 0x80) !== 0) r.skip(2);
  if ((flags & 0x40) !== 0) r.skip(r.u8());
  if ((flags & 0x20) !== 0) r.skip(2);
  const dc = descriptor();
  if (dc.tag !== 0x04) return undefined;
  const objectType = r.u8();
  r.skip(12);
  if (objectType !== 0x40) return undefined;
  const dsi = descriptor();
  if (dsi.tag !== 0x05 || dsi.length === 0) return undefined;
  return r.bytes(dsi.length);
}

/**
 * Reads the samples of fMP4 media segments (one or more `moof` + `mdat` pairs, as `.m4s` HLS segments carry) against
 * the tracks of an init segment: `tfhd`/`trex` defaults, `tfdt` decode times (or the previous fragment's end when a
 * fragment has none), `trun` durations, sizes, flags and composition offsets (signed in version 1), data offsets
 * from the `moof` or an explicit base. A stream stage: it remembers each track's next decode time across segments.
 *
 * @example
 * ```ts
 * const demuxer = new Fmp4Demuxer(parseFmp4Init(init));
 * for (const sample of demuxer.process(segment)) console.log(sample.trackId, sample.dts, sample.sync);
 * ```
 */
export class Fmp4Demuxer {
  /** The tracks of the init segment. */
  readonly init: Fmp4Init;
  readonly #endpoint: string | undefined;
  readonly #next = new Map<number, number>();
  #fragments = 0;
  #samples = 0;

  constructor(init: Fmp4Init, options: Fmp4ReadOptions = {}) {
    this.init = init;
    this.#endpoint = options.endpoint;
  }

  /**
   * The samples of one segment, in file order per fragment.
   *
   * @throws ArgusError `ARGUS_ERR_DRIVER_PROTOCOL` for truncated or inconsistent boxes, a sample outside the
   *   buffer, or a fragment of a track the init segment does not have.
   */
  process(segment: Uint8Array): Fmp4Sample[] {
    try {
      return this.#read(segment);
    } catch (err) {
      throw wrap(err, this.#endpoint, 'segment');
    }
  }

  /** Splits a video sample into NAL units with the track's length size. */
  units(track: Fmp4TrackInit, sample: Fmp4Sample): Uint8Array[] {
    try {
      return fromLengthPrefixed(sample.data, track.lengthSize);
    } catch (err) {
      throw wrap(err, this.#endpoint, 'segment');
    }
  }

  /** Fragments and samples read so far. */
  toJSON(): { fragments: number; samples: number } {
    return { fragments: this.#fragments, samples: this.#samples };
  }

  #read(buf: Uint8Array): Fmp4Sample[] {
    const out: Fmp4Sample[] = [];
    const top = boxes(buf);
    if (!top.some((b) => b.type === 'moof')) bad(`no "moof" box (found ${top.map((b) => b.type).join(', ') || 'nothing'})`);
    for (const moof of top) {
      if (moof.type !== 'moof') continue;
      this.#fragments += 1;
      let previousEnd: number | undefined;
      for (const traf of boxes(buf, moof.payload, moof.end)) {
        if (traf.type !== 'traf') continue;
        previousEnd = this.#readTraf(buf, moof, traf, previousEnd, out);
      }
    }
    this.#samples += out.length;
    return out;
  }

  #readTraf(buf: Uint8Array, moof: Box, traf: Box, previousEnd: number | undefined, out: Fmp4Sample[]): number | undefined {
    const inner = boxes(buf, traf.payload, traf.end);
    const tfhd = inner.find((b) => b.type === 'tfhd');
    if (tfhd === undefined) bad('"traf" without "tfhd"');
    const h = new Reader(buf, tfhd.payload, tfhd.end, 'tfhd');
    const { flags } = h.full();
    const trackId = h.u32();
    const track = this.init.tracks.find((t) => t.trackId === trackId);
    if (track === undefined) bad(`fragment of track ${trackId}, which the init segment does not have`);
    let base = (flags & 0x020000) !== 0 || previousEnd === undefined ? moof.start : previousEnd;
    if ((flags & 0x000001) !== 0) base = h.u64();
    if ((flags & 0x000002) !== 0) h.u32();
    const defaultDuration = (flags & 0x000008) !== 0 ? h.u32() : track.defaultDuration;
    const defaultSize = (flags & 0x000010) !== 0 ? h.u32() : track.defaultSize;
    const defaultFlags = (flags & 0x000020) !== 0 ? h.u32() : track.defaultFlags;
    const tfdt = inner.find((b) => b.type === 'tfdt');
    let decodeTime = this.#next.get(trackId) ?? 0;
    if (tfdt !== undefined) {
      const r = new Reader(buf, tfdt.payload, tfdt.end, 'tfdt');
      const { version } = r.full();
      decodeTime = version === 1 ? r.u64() : r.u32();
    }
    let dataEnd: number | undefined;
    let cursor = base;
    for (const trun of inner) {
      if (trun.type !== 'trun') continue;
      const r = new Reader(buf, trun.payload, trun.end, 'trun');
      const { version, flags: runFlags } = r.full();
      const count = r.u32();
      if (count > MAX_RUN_SAMPLES) bad(`"trun" of ${count} samples`);
      if ((runFlags & 0x000001) !== 0) cursor = base + r.i32();
      const firstFlags = (runFlags & 0x000004) !== 0 ? r.u32() : undefined;
      for (let i = 0; i < count; i++) {
        const duration = (runFlags & 0x000100) !== 0 ? r.u32() : defaultDuration;
        const size = (runFlags & 0x000200) !== 0 ? r.u32() : defaultSize;
        const sampleFlags = (runFlags & 0x000400) !== 0 ? r.u32() : i === 0 && firstFlags !== undefined ? firstFlags : defaultFlags;
        const cto = (runFlags & 0x000800) !== 0 ? (version === 0 ? r.u32() : r.i32()) : 0;
        if (size > MAX_SAMPLE_BYTES) bad(`sample of ${size} bytes`);
        if (cursor < 0 || cursor + size > buf.length) bad(`sample of ${size} bytes at byte ${cursor} runs past the ${buf.length}-byte segment`);
        out.push({ trackId, dts: decodeTime, cto, duration, sync: (sampleFlags & 0x00010000) === 0, data: buf.subarray(cursor, cursor + size) });
        cursor += size;
        decodeTime += duration;
      }
      dataEnd = cursor;
    }
    this.#next.set(trackId, decodeTime);
    return dataEnd;
  }
}
