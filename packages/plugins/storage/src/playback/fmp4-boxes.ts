// Just enough ISO BMFF reading to play recorded fMP4 back: the tracks of an init segment, and the decode times of a
// fragment, rewritten in place so that fragments of many segment files make one continuous stream.
import type { TrackInfo } from '@argus/core';
import { codecsParam } from '@argus/core/media';

/** What playback needs to know of one track of an init segment. */
export interface InitTrack {
  readonly trackId: number;
  readonly timescale: number;
  /** `trex` default sample duration, used when neither `tfhd` nor `trun` give one. */
  readonly defaultDuration: number;
  /** Sample entry type: `avc1`, `hvc1`, `mp4a`... */
  readonly format: string;
  /** The track as Argus describes it, when its codec configuration could be read (for the MIME type). */
  readonly info?: TrackInfo;
}

/** The tracks and MIME type of an init segment. */
export interface InitInfo {
  readonly tracks: readonly InitTrack[];
  /** e.g. `video/mp4; codecs="avc1.42C01E"`; absent when a codec configuration could not be read. */
  readonly mimeType?: string;
}

interface Box {
  readonly type: string;
  /** Offset of the box header. */
  readonly start: number;
  /** Offset of the payload (after size, type and any 64-bit size). */
  readonly body: number;
  readonly end: number;
}

/** Thrown (as a plain Error) for bytes that are not the boxes expected; callers turn it into a typed error. */
export class BoxFormatError extends Error {
  override readonly name = 'BoxFormatError';
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function fourcc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at] ?? 0, bytes[at + 1] ?? 0, bytes[at + 2] ?? 0, bytes[at + 3] ?? 0);
}

/** The boxes laid end to end in `[start, end)`. */
function children(bytes: Uint8Array, start: number, end: number): Box[] {
  const dv = view(bytes);
  const out: Box[] = [];
  let at = start;
  while (at + 8 <= end) {
    let size = dv.getUint32(at);
    let body = at + 8;
    if (size === 1) {
      if (at + 16 > end) throw new BoxFormatError(`truncated 64-bit box size at ${at}`);
      size = Number(dv.getBigUint64(at + 8));
      body = at + 16;
    } else if (size === 0) {
      size = end - at;
    }
    if (size < body - at || at + size > end) throw new BoxFormatError(`box "${fourcc(bytes, at + 4)}" at ${at} overruns its parent`);
    out.push({ type: fourcc(bytes, at + 4), start: at, body, end: at + size });
    at += size;
  }
  return out;
}

function child(bytes: Uint8Array, parent: Box, type: string): Box | undefined {
  return children(bytes, parent.body, parent.end).find((b) => b.type === type);
}

function need(box: Box | undefined, what: string): Box {
  if (box === undefined) throw new BoxFormatError(`no ${what} box`);
  return box;
}

/** Parameter sets in an `avcC`. */
function avcParameterSets(bytes: Uint8Array, box: Box): Uint8Array[] {
  const dv = view(bytes);
  const sets: Uint8Array[] = [];
  let at = box.body + 5;
  const groups = [(bytes[at++] ?? 0) & 0x1f];
  const read = (count: number): void => {
    for (let i = 0; i < count; i++) {
      const length = dv.getUint16(at);
      sets.push(bytes.subarray(at + 2, at + 2 + length));
      at += 2 + length;
    }
  };
  read(groups[0] ?? 0);
  read(bytes[at++] ?? 0);
  return sets;
}

/** Parameter sets in an `hvcC`. */
function hevcParameterSets(bytes: Uint8Array, box: Box): Uint8Array[] {
  const dv = view(bytes);
  const sets: Uint8Array[] = [];
  let at = box.body + 22;
  const arrays = bytes[at++] ?? 0;
  for (let a = 0; a < arrays; a++) {
    const count = dv.getUint16(at + 1);
    at += 3;
    for (let i = 0; i < count; i++) {
      const length = dv.getUint16(at);
      sets.push(bytes.subarray(at + 2, at + 2 + length));
      at += 2 + length;
    }
  }
  return sets;
}

/** The AudioSpecificConfig (DecoderSpecificInfo, tag 5) in an `esds`. */
function esdsConfig(bytes: Uint8Array, box: Box): Uint8Array | undefined {
  let at = box.body + 4;
  while (at < box.end) {
    const tag = bytes[at++] ?? 0;
    let length = 0;
    for (let i = 0; i < 4; i++) {
      const b = bytes[at++] ?? 0;
      length = (length << 7) | (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
    if (tag === 0x05) return bytes.subarray(at, at + length);
    // ES_Descriptor and DecoderConfigDescriptor hold the others: step into them past their fixed fields.
    if (tag === 0x03) at += 3;
    else if (tag === 0x04) at += 13;
    else at += length;
  }
  return undefined;
}

function trackInfoOf(bytes: Uint8Array, entry: Box, id: number, timescale: number): TrackInfo | undefined {
  if (entry.type === 'avc1' || entry.type === 'avc3' || entry.type === 'hvc1' || entry.type === 'hev1') {
    const h264 = entry.type.startsWith('avc');
    const configs = children(bytes, entry.body + 78, entry.end);
    const config = configs.find((b) => b.type === (h264 ? 'avcC' : 'hvcC'));
    if (config === undefined) return undefined;
    const parameterSets = h264 ? avcParameterSets(bytes, config) : hevcParameterSets(bytes, config);
    return { id, kind: 'video', codec: h264 ? 'h264' : 'h265', timescale, parameterSets };
  }
  if (entry.type === 'mp4a') {
    const esds = children(bytes, entry.body + 28, entry.end).find((b) => b.type === 'esds');
    const config = esds === undefined ? undefined : esdsConfig(bytes, esds);
    return config === undefined ? undefined : { id, kind: 'audio', codec: 'aac', timescale, config };
  }
  return undefined;
}

/**
 * Reads the tracks of an init segment (`ftyp` + `moov`).
 *
 * @throws BoxFormatError when there is no `moov`, or a track lacks `tkhd`/`mdhd`.
 */
export function parseInit(bytes: Uint8Array): InitInfo {
  const dv = view(bytes);
  const moov = need(children(bytes, 0, bytes.byteLength).find((b) => b.type === 'moov'), 'moov');
  const trex = new Map<number, number>();
  const mvex = child(bytes, moov, 'mvex');
  if (mvex !== undefined) {
    for (const box of children(bytes, mvex.body, mvex.end)) if (box.type === 'trex') trex.set(dv.getUint32(box.body + 4), dv.getUint32(box.body + 12));
  }
  const tracks: InitTrack[] = [];
  for (const trak of children(bytes, moov.body, moov.end)) {
    if (trak.type !== 'trak') continue;
    const tkhd = need(child(bytes, trak, 'tkhd'), 'tkhd');
    const trackId = dv.getUint32(tkhd.body + (bytes[tkhd.body] === 1 ? 20 : 12));
    const mdia = need(child(bytes, trak, 'mdia'), 'mdia');
    const mdhd = need(child(bytes, mdia, 'mdhd'), 'mdhd');
    const timescale = dv.getUint32(mdhd.body + (bytes[mdhd.body] === 1 ? 20 : 12));
    if (timescale === 0) throw new BoxFormatError(`track ${trackId} has timescale 0`);
    const stbl = child(bytes, need(child(bytes, mdia, 'minf'), 'minf'), 'stbl');
    const stsd = stbl === undefined ? undefined : child(bytes, stbl, 'stsd');
    const entry = stsd === undefined ? undefined : children(bytes, stsd.body + 8, stsd.end)[0];
    const info = entry === undefined ? undefined : safely(() => trackInfoOf(bytes, entry, trackId, timescale));
    tracks.push({ trackId, timescale, defaultDuration: trex.get(trackId) ?? 0, format: entry?.type ?? '', ...(info === undefined ? {} : { info }) });
  }
  if (tracks.length === 0) throw new BoxFormatError('the moov has no tracks');
  const infos = tracks.flatMap((t) => (t.info === undefined ? [] : [t.info]));
  const mimeType = infos.length === tracks.length ? safely(() => codecsParam(infos)) : undefined;
  return { tracks, ...(mimeType === undefined ? {} : { mimeType }) };
}

function safely<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

/** One track run of a fragment: where its `tfdt` is, its decode time and its duration, in track units. */
export interface TrackRun {
  readonly trackId: number;
  /** Offset of the `tfdt` payload (version byte) in the fragment. */
  readonly tfdtAt: number;
  readonly decodeTime: number;
  readonly duration: number;
  readonly samples: number;
}

/** What {@link parseFragment} finds in a `moof` + `mdat`. */
export interface FragmentInfo {
  /** Offset of the `mfhd` payload. */
  readonly mfhdAt: number;
  readonly runs: readonly TrackRun[];
}

/**
 * Reads a fragment's `mfhd` and, per `traf`, its `tfdt` and the summed sample durations of its `trun`s.
 *
 * @throws BoxFormatError when the bytes do not open with a `moof` holding an `mfhd` and `traf`s with `tfhd`/`tfdt`.
 */
export function parseFragment(bytes: Uint8Array, init: InitInfo): FragmentInfo {
  const dv = view(bytes);
  const top = children(bytes, 0, bytes.byteLength);
  const moof = top[0];
  if (moof?.type !== 'moof') throw new BoxFormatError(`expected a moof, found "${moof?.type ?? 'nothing'}"`);
  let mfhdAt = -1;
  const runs: TrackRun[] = [];
  for (const box of children(bytes, moof.body, moof.end)) {
    if (box.type === 'mfhd') mfhdAt = box.body;
    if (box.type !== 'traf') continue;
    const parts = children(bytes, box.body, box.end);
    const tfhd = need(parts.find((b) => b.type === 'tfhd'), 'tfhd');
    const tfdt = need(parts.find((b) => b.type === 'tfdt'), 'tfdt');
    const tfhdFlags = dv.getUint32(tfhd.body) & 0xffffff;
    const trackId = dv.getUint32(tfhd.body + 4);
    let at = tfhd.body + 8;
    if (tfhdFlags & 0x01) at += 8;
    if (tfhdFlags & 0x02) at += 4;
    const track = init.tracks.find((t) => t.trackId === trackId);
    if (track === undefined) throw new BoxFormatError(`traf of track ${trackId}, which the init segment does not have`);
    const defaultDuration = tfhdFlags & 0x08 ? dv.getUint32(at) : track.defaultDuration;
    const decodeTime = bytes[tfdt.body] === 1 ? Number(dv.getBigUint64(tfdt.body + 4)) : dv.getUint32(tfdt.body + 4);
    let duration = 0;
    let samples = 0;
    for (const trun of parts) {
      if (trun.type !== 'trun') continue;
      const flags = dv.getUint32(trun.body) & 0xffffff;
      const count = dv.getUint32(trun.body + 4);
      let p = trun.body + 8 + (flags & 0x01 ? 4 : 0) + (flags & 0x04 ? 4 : 0);
      const stride = (flags & 0x100 ? 4 : 0) + (flags & 0x200 ? 4 : 0) + (flags & 0x400 ? 4 : 0) + (flags & 0x800 ? 4 : 0);
      if (p + count * stride > trun.end) throw new BoxFormatError(`trun of track ${trackId} overruns its box`);
      if (flags & 0x100) {
        for (let i = 0; i < count; i++, p += stride) duration += dv.getUint32(p);
      } else {
        duration += count * defaultDuration;
      }
      samples += count;
    }
    runs.push({ trackId, tfdtAt: tfdt.body, decodeTime, duration, samples });
  }
  if (mfhdAt < 0) throw new BoxFormatError('the moof has no mfhd');
  return { mfhdAt, runs };
}

/**
 * Rewrites fragment decode times (`tfdt`) and sequence numbers (`mfhd`) in place so that the fragments of several
 * segment files, each muxed with decode times from 0, play as one continuous, monotonic stream starting at 0.
 *
 * Within a segment, fragments keep their exact decode-time distances; a new segment starts where the previous one
 * ended (per track, taking the latest track end so that no track steps back). A hole in the recording between two
 * segments therefore disappears from the media timeline: the wall-clock time of each fragment is in the catalogue.
 */
export class FragmentRetimer {
  readonly #init: InitInfo;
  readonly #ends = new Map<number, number>();
  #segmentKey: unknown;
  #shiftSeconds = 0;
  #sequence = 0;

  constructor(init: InitInfo) {
    this.#init = init;
  }

  /**
   * Rewrites one fragment of `segmentKey`'s segment (any value that changes with the segment); returns the samples it
   * holds.
   *
   * @throws BoxFormatError for a fragment that cannot be read, or a 32-bit `tfdt` the new time does not fit.
   */
  retime(bytes: Uint8Array, segmentKey: unknown): number {
    const info = parseFragment(bytes, this.#init);
    const dv = view(bytes);
    if (segmentKey !== this.#segmentKey || this.#sequence === 0) {
      this.#segmentKey = segmentKey;
      let first = Infinity;
      for (const run of info.runs) first = Math.min(first, run.decodeTime / this.#timescale(run.trackId));
      let resume = 0;
      for (const [trackId, end] of this.#ends) resume = Math.max(resume, end / this.#timescale(trackId));
      this.#shiftSeconds = resume - (Number.isFinite(first) ? first : 0);
    }
    this.#sequence += 1;
    dv.setUint32(info.mfhdAt + 4, this.#sequence);
    let samples = 0;
    for (const run of info.runs) {
      const timescale = this.#timescale(run.trackId);
      const end = this.#ends.get(run.trackId) ?? 0;
      const time = Math.max(end, run.decodeTime + Math.round(this.#shiftSeconds * timescale));
      if (bytes[run.tfdtAt] === 1) dv.setBigUint64(run.tfdtAt + 4, BigInt(time));
      else if (time <= 0xffffffff) dv.setUint32(run.tfdtAt + 4, time);
      else throw new BoxFormatError(`decode time ${time} of track ${run.trackId} does not fit a 32-bit tfdt`);
      this.#ends.set(run.trackId, time + run.duration);
      samples += run.samples;
    }
    return samples;
  }

  #timescale(trackId: number): number {
    return this.#init.tracks.find((t) => t.trackId === trackId)?.timescale ?? 1;
  }
}
