// A reader of fragmented MP4 files just deep enough to tell complete fragments from a torn tail: box headers,
// the track table of the init segment, and each moof's tfdt/trun. It never throws on bad bytes; it stops there.

/** One track of the init segment (`moov/trak`). */
export interface ScannedTrack {
  /** MP4 `track_ID` (from `tkhd`). */
  readonly id: number;
  /** Units per second of the track's times (from `mdhd`). */
  readonly timescale: number;
  /** `vide`, `soun`... (from `hdlr`). */
  readonly handler: string;
}

/** One complete `moof` + `mdat` pair found by {@link scanFragments}. */
export interface ScannedFragment {
  /** Byte offset of the `moof`. */
  readonly offset: number;
  /** Bytes of `moof` + `mdat`. */
  readonly size: number;
  /** The `mfhd` sequence number. */
  readonly sequence: number;
  /** The leading track's `tfdt` decode time, in {@link FragmentScan.timescale} units. */
  readonly baseDecodeTime: number;
  /** Sum of the leading track's sample durations, in {@link FragmentScan.timescale} units. */
  readonly duration: number;
  /** Samples of every track in the fragment. */
  readonly samples: number;
}

/** What {@link scanFragments} found in a file's bytes. */
export interface FragmentScan {
  /** Bytes of the init segment (`ftyp` ... `moov`); 0 when there is no complete, readable `moov`. */
  readonly initSize: number;
  readonly tracks: readonly ScannedTrack[];
  /** `track_ID` of the leading track (the first video track, else the first track); 0 without an init. */
  readonly leader: number;
  /** Timescale of the leading track; 0 without an init. */
  readonly timescale: number;
  readonly fragments: readonly ScannedFragment[];
  /** End of the last complete fragment (or of the init segment): where a torn file should be truncated. */
  readonly end: number;
  /** Bytes after {@link end}: a torn or unreadable tail. */
  readonly trailingBytes: number;
}

interface Box {
  readonly type: string;
  readonly start: number;
  /** Start of the payload (after the header). */
  readonly body: number;
  readonly end: number;
}

/** The box at `offset` if its header is readable and it lies wholly within `[offset, limit)`. */
function boxAt(view: DataView, offset: number, limit: number): Box | undefined {
  if (limit - offset < 8) return undefined;
  let size = view.getUint32(offset);
  const type = String.fromCharCode(view.getUint8(offset + 4), view.getUint8(offset + 5), view.getUint8(offset + 6), view.getUint8(offset + 7));
  let body = offset + 8;
  if (size === 1) {
    if (limit - offset < 16) return undefined;
    size = Number(view.getBigUint64(offset + 8));
    body = offset + 16;
  }
  // size 0 ("to the end of the file") is never written by Argus; in a torn file it cannot be trusted.
  if (size < body - offset || offset + size > limit) return undefined;
  return { type, start: offset, body, end: offset + size };
}

function children(view: DataView, parent: Box): Box[] | undefined {
  const out: Box[] = [];
  let at = parent.body;
  while (at < parent.end) {
    const box = boxAt(view, at, parent.end);
    if (box === undefined) return undefined;
    out.push(box);
    at = box.end;
  }
  return out;
}

function parseTracks(view: DataView, moov: Box): { tracks: ScannedTrack[]; defaults: Map<number, number> } | undefined {
  const tracks: ScannedTrack[] = [];
  const defaults = new Map<number, number>();
  const boxes = children(view, moov);
  if (boxes === undefined) return undefined;
  for (const box of boxes) {
    if (box.type === 'trak') {
      const trak = children(view, box);
      const tkhd = trak?.find((b) => b.type === 'tkhd');
      const mdia = trak?.find((b) => b.type === 'mdia');
      const inMdia = mdia === undefined ? undefined : children(view, mdia);
      const mdhd = inMdia?.find((b) => b.type === 'mdhd');
      const hdlr = inMdia?.find((b) => b.type === 'hdlr');
      if (tkhd === undefined || mdhd === undefined || hdlr === undefined) return undefined;
      const tkhdVersion = view.getUint8(tkhd.body);
      const mdhdVersion = view.getUint8(mdhd.body);
      const idAt = tkhd.body + 4 + (tkhdVersion === 1 ? 16 : 8);
      const scaleAt = mdhd.body + 4 + (mdhdVersion === 1 ? 16 : 8);
      if (idAt + 4 > tkhd.end || scaleAt + 4 > mdhd.end || hdlr.body + 12 > hdlr.end) return undefined;
      const handlerAt = hdlr.body + 8;
      const handler = String.fromCharCode(view.getUint8(handlerAt), view.getUint8(handlerAt + 1), view.getUint8(handlerAt + 2), view.getUint8(handlerAt + 3));
      const timescale = view.getUint32(scaleAt);
      if (timescale === 0) return undefined;
      tracks.push({ id: view.getUint32(idAt), timescale, handler });
    } else if (box.type === 'mvex') {
      for (const trex of children(view, box) ?? []) {
        if (trex.type === 'trex' && trex.body + 16 <= trex.end) defaults.set(view.getUint32(trex.body + 4), view.getUint32(trex.body + 12));
      }
    }
  }
  return tracks.length === 0 ? undefined : { tracks, defaults };
}

interface ParsedMoof {
  readonly sequence: number;
  readonly samples: number;
  readonly leaderTime: number | undefined;
  readonly leaderDuration: number;
}

/**
 * Reads a `moof` against the `mdat` that follows it; `undefined` when anything is out of bounds (a sample table
 * longer than its box, sample data beyond the `mdat`): such a fragment is torn or corrupt and cannot be kept.
 */
function parseMoof(view: DataView, moof: Box, mdat: Box, leader: number, defaults: Map<number, number>): ParsedMoof | undefined {
  const boxes = children(view, moof);
  const mfhd = boxes?.find((b) => b.type === 'mfhd');
  if (boxes === undefined || mfhd === undefined || mfhd.body + 8 > mfhd.end) return undefined;
  let samples = 0;
  let leaderTime: number | undefined;
  let leaderDuration = 0;
  let trafs = 0;
  for (const traf of boxes) {
    if (traf.type !== 'traf') continue;
    trafs += 1;
    const parts = children(view, traf);
    const tfhd = parts?.find((b) => b.type === 'tfhd');
    if (parts === undefined || tfhd === undefined || tfhd.body + 8 > tfhd.end) return undefined;
    const tfhdFlags = view.getUint32(tfhd.body) & 0xffffff;
    const trackId = view.getUint32(tfhd.body + 4);
    let at = tfhd.body + 8 + (tfhdFlags & 0x01 ? 8 : 0) + (tfhdFlags & 0x02 ? 4 : 0);
    let defaultDuration = defaults.get(trackId) ?? 0;
    if (tfhdFlags & 0x08) {
      if (at + 4 > tfhd.end) return undefined;
      defaultDuration = view.getUint32(at);
    }
    let decodeTime: number | undefined;
    let duration = 0;
    for (const part of parts) {
      if (part.type === 'tfdt') {
        const v1 = view.getUint8(part.body) === 1;
        if (part.body + (v1 ? 12 : 8) > part.end) return undefined;
        decodeTime = v1 ? Number(view.getBigUint64(part.body + 4)) : view.getUint32(part.body + 4);
      } else if (part.type === 'trun') {
        if (part.body + 8 > part.end) return undefined;
        const flags = view.getUint32(part.body) & 0xffffff;
        const count = view.getUint32(part.body + 4);
        at = part.body + 8;
        let dataOffset: number | undefined;
        if (flags & 0x01) {
          if (at + 4 > part.end) return undefined;
          dataOffset = view.getInt32(at);
          at += 4;
        }
        if (flags & 0x04) at += 4;
        const fields = [0x100, 0x200, 0x400, 0x800].filter((f) => flags & f).length;
        if (at + count * fields * 4 > part.end) return undefined;
        let bytes = 0;
        for (let i = 0; i < count; i++) {
          if (flags & 0x100) {
            duration += view.getUint32(at);
            at += 4;
          } else duration += defaultDuration;
          if (flags & 0x200) {
            bytes += view.getUint32(at);
            at += 4;
          }
          at += (flags & 0x400 ? 4 : 0) + (flags & 0x800 ? 4 : 0);
        }
        // Offsets count from the moof (default-base-is-moof, as Argus and MSE write them): data must be in the mdat.
        if (dataOffset !== undefined && (moof.start + dataOffset < mdat.body || moof.start + dataOffset + bytes > mdat.end)) return undefined;
        if (bytes > mdat.end - mdat.body) return undefined;
        samples += count;
      }
    }
    if (trackId === leader) {
      leaderTime = decodeTime;
      leaderDuration = duration;
    }
  }
  if (trafs === 0) return undefined;
  return { sequence: view.getUint32(mfhd.body + 4), samples, leaderTime, leaderDuration };
}

/**
 * Walks the top-level boxes of a fragmented MP4 file: the init segment, then `moof` + `mdat` pairs, keeping each
 * complete and sane one and stopping at the first that is not (a torn write, a truncated file, garbage).
 * Crash repair truncates a file at {@link FragmentScan.end}; playback can use it to index a file the catalogue
 * does not know.
 *
 * @example
 * ```ts
 * const scan = scanFragments(new Uint8Array(await readFile(path)));
 * if (scan.trailingBytes > 0) await truncate(path, scan.end);
 * ```
 */
export function scanFragments(bytes: Uint8Array): FragmentScan {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const limit = bytes.byteLength;
  const empty: FragmentScan = { initSize: 0, tracks: [], leader: 0, timescale: 0, fragments: [], end: 0, trailingBytes: limit };
  let at = 0;
  let init: { tracks: ScannedTrack[]; defaults: Map<number, number> } | undefined;
  let initSize = 0;
  while (init === undefined) {
    const box = boxAt(view, at, limit);
    if (box === undefined || box.type === 'moof' || box.type === 'mdat') return empty;
    if (box.type === 'moov') {
      init = parseTracks(view, box);
      if (init === undefined) return empty;
      initSize = box.end;
    }
    at = box.end;
  }
  const { tracks, defaults } = init;
  const lead = tracks.find((t) => t.handler === 'vide') ?? (tracks[0] as ScannedTrack);
  const fragments: ScannedFragment[] = [];
  let end = initSize;
  let nextTime = 0;
  while (at < limit) {
    const box = boxAt(view, at, limit);
    if (box === undefined) break;
    if (box.type === 'moof') {
      const mdat = boxAt(view, box.end, limit);
      if (mdat === undefined || mdat.type !== 'mdat') break;
      const parsed = parseMoof(view, box, mdat, lead.id, defaults);
      if (parsed === undefined) break;
      const baseDecodeTime = parsed.leaderTime ?? nextTime;
      fragments.push({ offset: box.start, size: mdat.end - box.start, sequence: parsed.sequence, baseDecodeTime, duration: parsed.leaderDuration, samples: parsed.samples });
      nextTime = baseDecodeTime + parsed.leaderDuration;
      at = mdat.end;
      end = at;
    } else if (box.type === 'mdat' || box.type === 'moov' || box.type === 'ftyp') {
      break;
    } else {
      // styp, sidx, prft, emsg, free...: allowed between fragments, but only count once a fragment follows.
      at = box.end;
    }
  }
  return { initSize, tracks, leader: lead.id, timescale: lead.timescale, fragments, end, trailingBytes: limit - end };
}
