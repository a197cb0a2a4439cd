// Just enough ISO BMFF reading for recorded fMP4: the tracks of an init segment, and the decode times of a fragment,
// checked box by box so that crash repair can tell a whole fragment from a torn one (scanFragments), and rewritten in
// place so that fragments of many segment files play as one continuous stream.
import type { TrackInfo } from '@argus/core';
import { codecsParam } from '@argus/core/media';

/** What playback needs to know of one track of an init segment. */
export interface InitTrack {
  readonly trackId: number;
  readonly timescale: number;
  /** `trex` default sample duration, used when neither `tfhd` nor `trun` give one. */
  readonly defaultDuration: number;
  /** Handler type (`hdlr`): `vide`, `soun`... */
  readonly handler: string;
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

/** A box header: its type and where it, and its payload, lie. */
export interface Box {
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

function fourcc(dv: DataView, at: number): string {
  return String.fromCharCode(dv.getUint8(at), dv.getUint8(at + 1), dv.getUint8(at + 2), dv.getUint8(at + 3));
}

/**
 * The box at `offset` when its header is readable and it lies wholly within `[offset, limit)`; `undefined` otherwise.
 * Size 0 ("to the end of the file") counts as unreadable: Argus never writes it, and in a torn file it cannot be
 * trusted.
 */
export function boxAt(dv: DataView, offset: number, limit: number): Box | undefined {
  if (limit - offset < 8) return undefined;
  let size = dv.getUint32(offset);
  let body = offset + 8;
  if (size === 1) {
    if (limit - offset < 16) return undefined;
    size = Number(dv.getBigUint64(offset + 8));
    body = offset + 16;
  }
  if (size < body - offset || offset + size > limit) return undefined;
  return { type: fourcc(dv, offset + 4), start: offset, body, end: offset + size };
}

/**
 * The boxes laid end to end in `[start, end)`.
 *
 * @throws BoxFormatError when one is unreadable or overruns `end`.
 */
function children(dv: DataView, start: number, end: number): Box[] {
  const out: Box[] = [];
  for (let at = start; at < end; ) {
    const box = boxAt(dv, at, end);
    if (box === undefined) throw new BoxFormatError(`no whole box at byte ${at} (its parent ends at ${end})`);
    out.push(box);
    at = box.end;
  }
  return out;
}

function child(dv: DataView, parent: Box, type: string): Box | undefined {
  return children(dv, parent.body, parent.end).find((b) => b.type === type);
}

function need(box: Box | undefined, what: string): Box {
  if (box === undefined) throw new BoxFormatError(`no ${what} box`);
  return box;
}

/** Throws unless the payload of `box` holds `bytes` bytes from `at`. */
function fits(box: Box, at: number, bytes: number): void {
  if (at + bytes > box.end) throw new BoxFormatError(`${box.type} box at byte ${box.start} is too short`);
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
  const dv = view(bytes);
  if (entry.type === 'avc1' || entry.type === 'avc3' || entry.type === 'hvc1' || entry.type === 'hev1') {
    const h264 = entry.type.startsWith('avc');
    const configs = children(dv, entry.body + 78, entry.end);
    const config = configs.find((b) => b.type === (h264 ? 'avcC' : 'hvcC'));
    if (config === undefined) return undefined;
    const parameterSets = h264 ? avcParameterSets(bytes, config) : hevcParameterSets(bytes, config);
    return { id, kind: 'video', codec: h264 ? 'h264' : 'h265', timescale, parameterSets };
  }
  if (entry.type === 'mp4a') {
    const esds = children(dv, entry.body + 28, entry.end).find((b) => b.type === 'esds');
    const config = esds === undefined ? undefined : esdsConfig(bytes, esds);
    return config === undefined ? undefined : { id, kind: 'audio', codec: 'aac', timescale, config };
  }
  return undefined;
}

/**
 * Reads the tracks of an init segment (`ftyp` + `moov`).
 *
 * @throws BoxFormatError when there is no `moov`, a box is unreadable, or a track lacks `tkhd`, `mdhd`, `hdlr` or
 *   `minf`.
 */
export function parseInit(bytes: Uint8Array): InitInfo {
  const dv = view(bytes);
  const moov = need(children(dv, 0, bytes.byteLength).find((b) => b.type === 'moov'), 'moov');
  const inMoov = children(dv, moov.body, moov.end);
  const trex = new Map<number, number>();
  const mvex = inMoov.find((b) => b.type === 'mvex');
  if (mvex !== undefined) {
    for (const box of children(dv, mvex.body, mvex.end)) {
      if (box.type === 'trex' && box.body + 16 <= box.end) trex.set(dv.getUint32(box.body + 4), dv.getUint32(box.body + 12));
    }
  }
  const tracks: InitTrack[] = [];
  for (const trak of inMoov) {
    if (trak.type !== 'trak') continue;
    const tkhd = need(child(dv, trak, 'tkhd'), 'tkhd');
    const idAt = tkhd.body + (dv.getUint8(tkhd.body) === 1 ? 20 : 12);
    fits(tkhd, idAt, 4);
    const trackId = dv.getUint32(idAt);
    const mdia = need(child(dv, trak, 'mdia'), 'mdia');
    const inMdia = children(dv, mdia.body, mdia.end);
    const mdhd = need(inMdia.find((b) => b.type === 'mdhd'), 'mdhd');
    const scaleAt = mdhd.body + (dv.getUint8(mdhd.body) === 1 ? 20 : 12);
    fits(mdhd, scaleAt, 4);
    const timescale = dv.getUint32(scaleAt);
    if (timescale === 0) throw new BoxFormatError(`track ${trackId} has timescale 0`);
    const hdlr = need(inMdia.find((b) => b.type === 'hdlr'), 'hdlr');
    fits(hdlr, hdlr.body, 12);
    const stbl = child(dv, need(inMdia.find((b) => b.type === 'minf'), 'minf'), 'stbl');
    const stsd = stbl === undefined ? undefined : child(dv, stbl, 'stsd');
    const entry = stsd === undefined ? undefined : children(dv, stsd.body + 8, stsd.end)[0];
    const info = entry === undefined ? undefined : safely(() => trackInfoOf(bytes, entry, trackId, timescale));
    tracks.push({
      trackId,
      timescale,
      handler: fourcc(dv, hdlr.body + 8),
      defaultDuration: trex.get(trackId) ?? 0,
      format: entry?.type ?? '',
      ...(info === undefined ? {} : { info }),
    });
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
 * Reads a fragment's `mfhd` and, per `traf`, its `tfdt` and the summed sample durations of its `trun`s. Every field
 * read is checked against its box, and the samples against the `mdat` (offsets from the `moof`, as Argus and MSE
 * write them), so that a torn or corrupt fragment is refused rather than read past.
 *
 * @throws BoxFormatError when the bytes do not open with a `moof` and its `mdat`, the `moof` lacks an `mfhd` or a
 *   `traf`, a `traf` lacks `tfhd`/`tfdt` or names a track the init segment does not have, or a sample lies outside
 *   its box or the `mdat`.
 */
export function parseFragment(bytes: Uint8Array, init: InitInfo): FragmentInfo {
  const dv = view(bytes);
  const [moof, mdat] = children(dv, 0, bytes.byteLength);
  if (moof?.type !== 'moof') throw new BoxFormatError(`expected a moof, found "${moof?.type ?? 'nothing'}"`);
  if (mdat?.type !== 'mdat') throw new BoxFormatError(`expected an mdat after the moof, found "${mdat?.type ?? 'nothing'}"`);
  let mfhdAt = -1;
  const runs: TrackRun[] = [];
  for (const box of children(dv, moof.body, moof.end)) {
    if (box.type === 'mfhd') {
      fits(box, box.body, 8);
      mfhdAt = box.body;
    }
    if (box.type !== 'traf') continue;
    const parts = children(dv, box.body, box.end);
    const tfhd = need(parts.find((b) => b.type === 'tfhd'), 'tfhd');
    const tfdt = need(parts.find((b) => b.type === 'tfdt'), 'tfdt');
    fits(tfhd, tfhd.body, 8);
    const tfhdFlags = dv.getUint32(tfhd.body) & 0xffffff;
    const trackId = dv.getUint32(tfhd.body + 4);
    const track = init.tracks.find((t) => t.trackId === trackId);
    if (track === undefined) throw new BoxFormatError(`traf of track ${trackId}, which the init segment does not have`);
    let defaultDuration = track.defaultDuration;
    if (tfhdFlags & 0x08) {
      const at = tfhd.body + 8 + (tfhdFlags & 0x01 ? 8 : 0) + (tfhdFlags & 0x02 ? 4 : 0);
      fits(tfhd, at, 4);
      defaultDuration = dv.getUint32(at);
    }
    const v1 = dv.getUint8(tfdt.body) === 1;
    fits(tfdt, tfdt.body, v1 ? 12 : 8);
    const decodeTime = v1 ? Number(dv.getBigUint64(tfdt.body + 4)) : dv.getUint32(tfdt.body + 4);
    let duration = 0;
    let samples = 0;
    for (const trun of parts) {
      if (trun.type !== 'trun') continue;
      fits(trun, trun.body, 8);
      const flags = dv.getUint32(trun.body) & 0xffffff;
      const count = dv.getUint32(trun.body + 4);
      let p = trun.body + 8 + (flags & 0x01 ? 4 : 0) + (flags & 0x04 ? 4 : 0);
      const stride = (flags & 0x100 ? 4 : 0) + (flags & 0x200 ? 4 : 0) + (flags & 0x400 ? 4 : 0) + (flags & 0x800 ? 4 : 0);
      fits(trun, p, count * stride);
      let sampleBytes = 0;
      for (let i = 0; i < count; i++, p += stride) {
        duration += flags & 0x100 ? dv.getUint32(p) : defaultDuration;
        if (flags & 0x200) sampleBytes += dv.getUint32(p + (flags & 0x100 ? 4 : 0));
      }
      const dataAt = flags & 0x01 ? moof.start + dv.getInt32(trun.body + 8) : mdat.body;
      if (dataAt < mdat.body || dataAt + sampleBytes > mdat.end) {
        throw new BoxFormatError(`trun of track ${trackId} places ${sampleBytes} bytes of samples outside the mdat`);
      }
      samples += count;
    }
    runs.push({ trackId, tfdtAt: tfdt.body, decodeTime, duration, samples });
  }
  if (mfhdAt < 0) throw new BoxFormatError('the moof has no mfhd');
  if (runs.length === 0) throw new BoxFormatError('the moof has no traf');
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
      if (dv.getUint8(run.tfdtAt) === 1) dv.setBigUint64(run.tfdtAt + 4, BigInt(time));
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
