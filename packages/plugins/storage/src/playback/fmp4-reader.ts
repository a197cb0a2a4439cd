// Reads planned fragments from segment files by byte range and joins them into one fMP4 stream per init segment.
import { open, type FileHandle } from 'node:fs/promises';
import { ArgusError, errorMessage } from '@argus/core';
import { sameBytes } from '@argus/core/media';
import type { SegmentRecord } from '../catalogue/records.js';
import { FragmentRetimer, parseInit, type InitInfo } from './fmp4-boxes.js';
import type { StorageTier } from '../writer/storage-tier.js';
import { segmentPath, type PlannedFragment } from './fragment-plan.js';

function damaged(segment: SegmentRecord, reason: string, cause?: unknown): ArgusError {
  return new ArgusError('ARGUS_ERR_STORAGE_SEGMENT_DAMAGED', { file: segment.file, reason }, cause === undefined ? {} : { cause });
}

/** A segment file open for byte-range reads. */
class SegmentFile {
  readonly segment: SegmentRecord;
  readonly #handle: FileHandle;
  readonly #path: string;

  private constructor(segment: SegmentRecord, path: string, handle: FileHandle) {
    this.segment = segment;
    this.#path = path;
    this.#handle = handle;
  }

  /**
   * @throws ArgusError `ARGUS_ERR_STORAGE_SEGMENT_DAMAGED` when the file is missing, `ARGUS_ERR_STORAGE_IO` when it
   *   cannot be opened (or its tier is unknown).
   */
  static async open(tiers: ReadonlyMap<string, StorageTier>, segment: SegmentRecord): Promise<SegmentFile> {
    const path = segmentPath(tiers, segment);
    try {
      return new SegmentFile(segment, path, await open(path, 'r'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw damaged(segment, 'the file is missing', err);
      throw new ArgusError('ARGUS_ERR_STORAGE_IO', { operation: 'open segment', path, reason: errorMessage(err) }, { cause: err });
    }
  }

  /** Reads exactly `size` bytes at `offset` into a fresh buffer (the caller rewrites it in place). */
  async read(offset: number, size: number): Promise<Uint8Array> {
    const buffer = new Uint8Array(size);
    let done = 0;
    try {
      while (done < size) {
        const { bytesRead } = await this.#handle.read(buffer, done, size - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
    } catch (err) {
      throw new ArgusError('ARGUS_ERR_STORAGE_IO', { operation: 'read segment', path: this.#path, reason: errorMessage(err) }, { cause: err });
    }
    if (done < size) throw damaged(this.segment, `the file ends at byte ${offset + done}, inside the catalogued range ${offset}..${offset + size}`);
    return buffer;
  }

  /** Reads the init segment at the head of the file. */
  async readInit(): Promise<Uint8Array> {
    if (this.segment.initSize <= 0) throw damaged(this.segment, 'the catalogue lists no init segment');
    return this.read(0, this.segment.initSize);
  }

  async close(): Promise<void> {
    await this.#handle.close().catch(() => undefined);
  }
}

/** Reads a segment's init segment with a short-lived handle. */
async function readInit(tiers: ReadonlyMap<string, StorageTier>, segment: SegmentRecord): Promise<Uint8Array> {
  const file = await SegmentFile.open(tiers, segment);
  try {
    return await file.readInit();
  } finally {
    await file.close();
  }
}

/** Where a {@link Fmp4Part} ended, known once its chunks have been read to the end. */
export interface PartEnd {
  /** Wall-clock end (ms) of the last fragment sent. */
  readonly endTime: number;
  /** Index in the plan of the first fragment not sent because its segment has another init segment; absent when the part reached the end of the plan. */
  readonly next?: number;
  /** Samples (frames, for video) sent, all tracks together. */
  readonly samples: number;
  /** Bytes sent, init segment included. */
  readonly bytes: number;
}

/**
 * One continuous fMP4 stream: an init segment and the fragments after it that share it. Its `chunks` can be read once.
 */
export interface Fmp4Part {
  readonly init: Uint8Array;
  readonly info: InitInfo;
  /** The segment whose init segment this is. */
  readonly segment: SegmentRecord;
  /** Wall-clock time (ms) of the first fragment: a keyframe. */
  readonly startTime: number;
  /** The init segment, then each fragment with rewritten `tfdt`/`mfhd`; stops before a segment with another init. */
  readonly chunks: AsyncIterable<Uint8Array>;
  /** Set when `chunks` has been read to its end. */
  readonly end: () => PartEnd | undefined;
}

/**
 * Opens the part of `plan` that starts at `start`: reads its init segment now (so that a missing or damaged first file
 * fails here), and the fragments lazily, one read each, as `chunks` is consumed.
 *
 * @throws ArgusError `ARGUS_ERR_STORAGE_SEGMENT_DAMAGED` / `ARGUS_ERR_STORAGE_IO` for the first file (and, from
 *   `chunks`, for later ones).
 */
export async function openPart(plan: readonly PlannedFragment[], start: number, tiers: ReadonlyMap<string, StorageTier>): Promise<Fmp4Part> {
  const first = plan[start];
  if (first === undefined) throw new RangeError(`plan has no fragment ${start}`);
  const init = await readInit(tiers, first.segment);
  let info: InitInfo;
  try {
    info = parseInit(init);
  } catch (err) {
    throw damaged(first.segment, `unreadable init segment: ${errorMessage(err)}`, err);
  }
  let end: PartEnd | undefined;

  async function* chunks(): AsyncGenerator<Uint8Array> {
    const retimer = new FragmentRetimer(info);
    let file: SegmentFile | undefined;
    let endTime = first?.fragment.time ?? 0;
    let samples = 0;
    let bytes = init.byteLength;
    let next: number | undefined;
    try {
      yield init;
      for (let i = start; i < plan.length; i++) {
        const { segment, fragment } = plan[i] as PlannedFragment;
        if (file?.segment !== segment) {
          await file?.close();
          // One handle per file: it checks the init segment, then reads the fragments.
          file = await SegmentFile.open(tiers, segment);
          if (segment !== first?.segment && !sameBytes(await file.readInit(), init)) {
            next = i;
            break;
          }
        }
        const data = await file.read(fragment.offset, fragment.size);
        try {
          samples += retimer.retime(data, segment);
        } catch (err) {
          // Bytes that are not the boxes the catalogue promised (BoxFormatError, or a read past a box's end).
          throw damaged(segment, `fragment at byte ${fragment.offset}: ${errorMessage(err)}`, err);
        }
        endTime = fragment.time + fragment.duration;
        bytes += data.byteLength;
        yield data;
      }
      end = { endTime, samples, bytes, ...(next === undefined ? {} : { next }) };
    } finally {
      await file?.close();
    }
  }

  return { init, info, segment: first.segment, startTime: first.fragment.time, chunks: chunks(), end: () => end };
}
