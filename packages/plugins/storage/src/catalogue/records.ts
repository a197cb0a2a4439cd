// The records of the recording catalogue. Times are wall-clock milliseconds since the epoch (UTC) throughout.

/** Which of a camera's streams is recorded. */
export type StreamChoice = 'main' | 'sub';

/** One `moof` + `mdat` fragment of a segment file: every fragment opens on a keyframe, so these are the seek points. */
export interface FragmentEntry {
  /** Byte offset of the fragment's `moof` in the segment file. */
  readonly offset: number;
  readonly size: number;
  /** Wall-clock time of its first sample, ms. */
  readonly time: number;
  /** Its duration, ms. */
  readonly duration: number;
}

/**
 * One segment file: an fMP4 init segment followed by one fragment per GOP, for one camera and stream, covering
 * `[start, end)`. A segment being written has `complete: false` and lists the fragments already on disk (flushed).
 */
export interface SegmentRecord {
  readonly camera: string;
  readonly stream: StreamChoice;
  readonly start: number;
  readonly end: number;
  /** Name of the storage tier that holds the file (`fast`, `archive`...). */
  readonly tier: string;
  /** Path of the file relative to the tier's root, `/`-separated. */
  readonly file: string;
  /** Bytes of the file that the catalogue vouches for: the init segment plus the listed fragments. */
  readonly size: number;
  /** Bytes of the init segment at the head of the file. */
  readonly initSize: number;
  readonly fragments: readonly FragmentEntry[];
  readonly complete: boolean;
  /** e.g. `h264`; with the picture size where known. */
  readonly codec: string;
  readonly width?: number;
  readonly height?: number;
}

/** A {@link SegmentRecord} without its fragment list, as timelines read it. */
export type SegmentSummary = Omit<SegmentRecord, 'fragments'> & {
  /** Fragments the full record lists. */
  readonly fragmentCount: number;
};

/** Something that happened on a camera and is marked on its timeline (motion, an alarm input, an operator's mark). */
export interface EventMark {
  readonly camera: string;
  readonly id: string;
  readonly time: number;
  /** End of the event where it has one. */
  readonly end?: number;
  /** e.g. `motion`, `alarm`, `manual`. */
  readonly type: string;
  /** Who or what raised it (a driver, a rule, a user). */
  readonly source?: string;
  readonly note?: string;
}

/** Why a camera has no recording for a while. */
export type GapReason = 'no-signal' | 'disk-full' | 'crash' | 'write-error' | 'stopped';

/** A span with no recording while recording was wanted; spans between recording sessions are not gaps. */
export interface GapRecord {
  readonly camera: string;
  readonly start: number;
  readonly end: number;
  readonly reason: GapReason;
}

/** A camera's time range that retention must not delete until the lock is removed or expires. */
export interface EvidenceLock {
  readonly id: string;
  readonly camera: string;
  readonly start: number;
  readonly end: number;
  readonly reason: string;
  /** The user who placed it. */
  readonly owner: string;
  /** When the lock lapses by itself, ms; absent: held until unlocked. */
  readonly expires?: number;
  readonly created: number;
}

/** Bytes and segment count of one camera on one tier. */
export interface UsageRecord {
  readonly camera: string;
  readonly tier: string;
  readonly bytes: number;
  readonly segments: number;
}
