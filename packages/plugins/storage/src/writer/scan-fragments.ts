// Tells the complete fragments of a fragmented MP4 file from a torn tail, with the box reader playback uses. It never
// throws on bad bytes; it stops there.
import { boxAt, parseFragment, parseInit, type InitInfo, type InitTrack } from '../playback/fmp4-boxes.js';

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
  /** Timescale of the leading track (the first video track, else the first track); 0 without an init. */
  readonly timescale: number;
  readonly fragments: readonly ScannedFragment[];
  /** End of the last complete fragment (or of the init segment): where a torn file should be truncated. */
  readonly end: number;
  /** Bytes after {@link end}: a torn or unreadable tail. */
  readonly trailingBytes: number;
}

/** What `read` returns, or `undefined` when the bytes are not what it expects. */
function readable<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/**
 * Walks the top-level boxes of a fragmented MP4 file: the init segment, then `moof` + `mdat` pairs, keeping each
 * complete and sane one (as {@link parseFragment} checks it) and stopping at the first that is not (a torn write, a
 * truncated file, garbage). Crash repair truncates a file at {@link FragmentScan.end}.
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
  const empty: FragmentScan = { initSize: 0, timescale: 0, fragments: [], end: 0, trailingBytes: limit };
  let at = 0;
  let init: InitInfo | undefined;
  while (init === undefined) {
    const box = boxAt(view, at, limit);
    if (box === undefined || box.type === 'moof' || box.type === 'mdat') return empty;
    at = box.end;
    if (box.type === 'moov') {
      init = readable(() => parseInit(bytes.subarray(0, at)));
      if (init === undefined) return empty;
    }
  }
  const known = init;
  const lead = known.tracks.find((t) => t.handler === 'vide') ?? (known.tracks[0] as InitTrack);
  const initSize = at;
  const fragments: ScannedFragment[] = [];
  let end = initSize;
  let nextTime = 0;
  while (at < limit) {
    const box = boxAt(view, at, limit);
    if (box === undefined || box.type === 'mdat' || box.type === 'moov' || box.type === 'ftyp') break;
    if (box.type !== 'moof') {
      // styp, sidx, prft, emsg, free...: allowed between fragments, but only count once a fragment follows.
      at = box.end;
      continue;
    }
    const mdat = boxAt(view, box.end, limit);
    if (mdat?.type !== 'mdat') break;
    const info = readable(() => parseFragment(bytes.subarray(box.start, mdat.end), known));
    if (info === undefined) break;
    const run = info.runs.find((r) => r.trackId === lead.trackId);
    const baseDecodeTime = run?.decodeTime ?? nextTime;
    const duration = run?.duration ?? 0;
    const samples = info.runs.reduce((sum, r) => sum + r.samples, 0);
    fragments.push({ offset: box.start, size: mdat.end - box.start, sequence: view.getUint32(box.start + info.mfhdAt + 4), baseDecodeTime, duration, samples });
    nextTime = baseDecodeTime + duration;
    at = mdat.end;
    end = at;
  }
  return { initSize, timescale: lead.timescale, fragments, end, trailingBytes: limit - end };
}
