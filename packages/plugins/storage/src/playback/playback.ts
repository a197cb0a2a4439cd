import { ArgusError, silentLogger, type Logger } from '@argus/core';
import type { Catalogue } from '../catalogue/catalogue.js';
import type { EventMark, GapReason, SegmentRecord, StreamChoice } from '../catalogue/records.js';
import { openPart } from './fmp4-reader.js';
import { checkRange, MAX_PLAY_RANGE_MS, MAX_TIMELINE_RANGE_MS, planRange, tierMap, type PlannedFragment } from './fragment-plan.js';
import type { StorageTier } from '../writer/storage-tier.js';

/** Segments closer than this are one recorded span on a timeline: a hole this short is not worth showing. */
export const SPAN_MERGE_MS = 1500;

/** Options of {@link Playback}. */
export interface PlaybackOptions {
  readonly catalogue: Catalogue;
  /** Where segment files live, by the tier names the catalogue records. */
  readonly tiers: readonly StorageTier[];
  readonly logger?: Logger;
}

/** A stretch of time with recording, made of segments less than {@link SPAN_MERGE_MS} apart. */
export interface RecordedSpan {
  readonly start: number;
  readonly end: number;
  /** The streams recorded in it. */
  readonly streams: readonly StreamChoice[];
}

/** A stretch without recording: a catalogued gap (with its reason), or a hole between two recorded spans. */
export interface TimelineGap {
  readonly start: number;
  readonly end: number;
  /** Why, where the recorder catalogued it; absent for a hole it did not explain (recording was off, say). */
  readonly reason?: GapReason;
}

/** One camera's recording over a range: everything a timeline widget draws. All times are wall-clock ms. */
export interface Timeline {
  readonly camera: string;
  readonly from: number;
  readonly to: number;
  /** Recorded spans clipped to the range, by start. */
  readonly spans: readonly RecordedSpan[];
  /** Gaps clipped to the range, by start. */
  readonly gaps: readonly TimelineGap[];
  /** Event marks with `time` in the range, by time. */
  readonly marks: readonly EventMark[];
}

/** Options of {@link Playback.timeline}. */
export interface TimelineOptions {
  /** Only this stream's segments; default both. */
  readonly stream?: StreamChoice;
}

/** Options of {@link Playback.open}. */
export interface OpenOptions {
  /** Which stream to play; default `main` when it has footage in the range, else `sub`. */
  readonly stream?: StreamChoice;
}

/**
 * A recorded range as one fMP4 stream, for Media Source Extensions, a download or a remux: the init segment, then
 * fragments whose decode times run on from 0 without a break, even across segment files.
 */
export interface PlaybackStream {
  readonly camera: string;
  readonly stream: StreamChoice;
  /** e.g. `video/mp4; codecs="avc1.42C01E"`, for `MediaSource.addSourceBuffer`; absent if the codec setup is unreadable. */
  readonly mimeType?: string;
  /** Codec as catalogued (`h264`, `h265`). */
  readonly codec: string;
  readonly width?: number;
  readonly height?: number;
  /** Wall-clock time (ms) of the first keyframe sent: media time 0. */
  readonly startTime: number;
  /** The init segment, then the fragments. Read it once. */
  readonly chunks: AsyncIterable<Uint8Array>;
  /** Wall-clock end (ms) of the last fragment sent; set once `chunks` has ended. */
  readonly endTime: number | undefined;
  /**
   * Set once `chunks` has ended early because the recording's init segment changed (new resolution or codec
   * settings) before `to`: open again from this time to play the rest.
   */
  readonly resumeAt: number | undefined;
}

/** Options of {@link Playback.hlsPlaylist}. */
export interface HlsPlaylistOptions {
  /** The URI a player fetches a segment file by (byte ranges of it), absolute or relative to the playlist. */
  readonly mediaUri: (segment: SegmentRecord) => string;
  /** Which stream; default as {@link Playback.open}. */
  readonly stream?: StreamChoice;
}

/**
 * Plays recordings back by time, from the catalogue only: never by listing folders.
 *
 * - {@link Playback.timeline}: one camera's spans, gaps and marks over up to 7 days, from three catalogue range reads.
 * - {@link Playback.open}: a range (up to 24 h) as one continuous fMP4 stream from the keyframe at or before `from`,
 *   read by byte range (one catalogue read, then one file read for the init and one per fragment).
 *   When the init segment changes inside the range (the camera changed resolution or codec), the stream stops at that
 *   point and `resumeAt` says where to open again: one MSE source buffer cannot take another init mid-stream safely.
 * - {@link Playback.hlsPlaylist}: the same range as an HLS VOD playlist over the segment files by byte range.
 *
 * @example
 * ```ts
 * const playback = new Playback({ catalogue, tiers: [{ name: 'fast', root: '/var/lib/argus/fast' }] });
 * const day = await playback.timeline('gate-1', Date.parse('2026-11-21T00:00Z'), Date.parse('2026-11-22T00:00Z'));
 * const video = await playback.open('gate-1', Date.parse('2026-11-21T08:15Z'), Date.parse('2026-11-21T08:20Z'));
 * for await (const chunk of video.chunks) socket.send(chunk);
 * ```
 */
export class Playback {
  readonly #catalogue: Catalogue;
  readonly #tiers: ReadonlyMap<string, StorageTier>;
  readonly #logger: Logger;

  constructor(options: PlaybackOptions) {
    this.#catalogue = options.catalogue;
    this.#tiers = tierMap(options.tiers);
    this.#logger = options.logger ?? silentLogger();
  }

  /**
   * One camera's recorded spans, gaps and event marks over `[from, to)` (at most 7 days): catalogue reads only.
   *
   * @throws ArgusError `ARGUS_ERR_STORAGE_RANGE_INVALID` for `to <= from` or a range over 7 days.
   */
  async timeline(camera: string, from: number, to: number, options: TimelineOptions = {}): Promise<Timeline> {
    checkRange(from, to, MAX_TIMELINE_RANGE_MS);
    const [segments, catalogued, marks] = await Promise.all([
      this.#catalogue.summaries(camera, from, to, options.stream),
      this.#catalogue.gaps(camera, from, to),
      this.#catalogue.marks(camera, from, to),
    ]);
    const spans = mergeSpans(segments, from, to);
    return { camera, from, to, spans, gaps: timelineGaps(spans, catalogued, from, to), marks };
  }

  /**
   * Opens `[from, to)` of a camera (at most 24 h) as one fMP4 stream, from the fragment at or before `from` (every
   * fragment opens on a keyframe) through the one covering `to`.
   *
   * @throws ArgusError `ARGUS_ERR_STORAGE_RANGE_INVALID` for `to <= from` or a range over 24 h;
   *   `ARGUS_ERR_STORAGE_NO_RECORDING` when no recording overlaps the range; `ARGUS_ERR_STORAGE_SEGMENT_DAMAGED` or
   *   `ARGUS_ERR_STORAGE_IO` when the first file cannot be read (later files fail the same way from `chunks`).
   */
  async open(camera: string, from: number, to: number, options: OpenOptions = {}): Promise<PlaybackStream> {
    const { stream, plan } = await this.#plan(camera, from, to, options.stream);
    const part = await openPart(plan, 0, this.#tiers);
    const { segment } = part;
    const logger = this.#logger;
    const chunks = part.chunks;
    return {
      camera,
      stream,
      ...(part.info.mimeType === undefined ? {} : { mimeType: part.info.mimeType }),
      codec: segment.codec,
      ...(segment.width === undefined ? {} : { width: segment.width }),
      ...(segment.height === undefined ? {} : { height: segment.height }),
      startTime: part.startTime,
      chunks: {
        async *[Symbol.asyncIterator]() {
          yield* chunks;
          const end = part.end();
          if (end?.next !== undefined) logger.info({ camera, at: plan[end.next]?.fragment.time }, 'playback stopped where the init segment changes');
        },
      },
      get endTime() {
        return part.end()?.endTime;
      },
      get resumeAt() {
        const next = part.end()?.next;
        return next === undefined ? undefined : plan[next]?.fragment.time;
      },
    };
  }

  /**
   * `[from, to)` of a camera (at most 24 h) as an HLS VOD playlist (version 7) over the segment files by byte range:
   * per segment file an `EXT-X-MAP` (its init segment), an `EXT-X-PROGRAM-DATE-TIME` and one `EXT-X-BYTERANGE` per
   * fragment; `EXT-X-DISCONTINUITY` between files, since each file's decode times start again from 0.
   *
   * @throws ArgusError `ARGUS_ERR_STORAGE_RANGE_INVALID`, `ARGUS_ERR_STORAGE_NO_RECORDING` as {@link Playback.open}.
   */
  async hlsPlaylist(camera: string, from: number, to: number, options: HlsPlaylistOptions): Promise<string> {
    const { plan } = await this.#plan(camera, from, to, options.stream);
    return buildHlsPlaylist(plan, options.mediaUri);
  }

  /** One catalogue range read, the stream choice, and the fragments to play. */
  async #plan(camera: string, from: number, to: number, stream: StreamChoice | undefined): Promise<{ stream: StreamChoice; plan: PlannedFragment[] }> {
    checkRange(from, to, MAX_PLAY_RANGE_MS);
    const planned = await planRange(this.#catalogue, camera, from, to, stream);
    if (planned.plan.length === 0) {
      throw new ArgusError('ARGUS_ERR_STORAGE_NO_RECORDING', { camera, from: new Date(from).toISOString(), to: new Date(to).toISOString() });
    }
    return planned;
  }
}

/** Segments as spans, merging those less than {@link SPAN_MERGE_MS} apart, clipped to `[from, to)`. */
function mergeSpans(segments: readonly Pick<SegmentRecord, 'start' | 'end' | 'stream'>[], from: number, to: number): RecordedSpan[] {
  const ordered = [...segments].sort((a, b) => a.start - b.start);
  const spans: { start: number; end: number; streams: Set<StreamChoice> }[] = [];
  for (const segment of ordered) {
    const start = Math.max(from, segment.start);
    const end = Math.min(to, segment.end);
    if (end <= start) continue;
    const last = spans.at(-1);
    if (last !== undefined && start - last.end < SPAN_MERGE_MS) {
      last.end = Math.max(last.end, end);
      last.streams.add(segment.stream);
    } else {
      spans.push({ start, end, streams: new Set([segment.stream]) });
    }
  }
  return spans.map((s) => ({ start: s.start, end: s.end, streams: [...s.streams].sort() }));
}

/** Catalogued gaps clipped to the range, plus the parts of holes between spans that no catalogued gap explains. */
function timelineGaps(spans: readonly RecordedSpan[], catalogued: readonly { start: number; end: number; reason: GapReason }[], from: number, to: number): TimelineGap[] {
  const known = catalogued
    .map((g) => ({ start: Math.max(from, g.start), end: Math.min(to, g.end), reason: g.reason }))
    .filter((g) => g.end > g.start)
    .sort((a, b) => a.start - b.start);
  const out: TimelineGap[] = [...known];
  for (let i = 1; i < spans.length; i++) {
    let start = (spans[i - 1] as RecordedSpan).end;
    const end = (spans[i] as RecordedSpan).start;
    for (const gap of known) {
      if (gap.end <= start || gap.start >= end) continue;
      if (gap.start > start) out.push({ start, end: gap.start });
      start = Math.max(start, gap.end);
    }
    if (end > start) out.push({ start, end });
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}

/** Seconds with millisecond precision, as EXTINF wants them. */
function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** The HLS VOD playlist of planned fragments; one discontinuity and one map per segment file. */
function buildHlsPlaylist(plan: readonly PlannedFragment[], mediaUri: (segment: SegmentRecord) => string): string {
  const target = Math.max(1, ...plan.map((p) => Math.ceil(p.fragment.duration / 1000)));
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', `#EXT-X-TARGETDURATION:${target}`, '#EXT-X-PLAYLIST-TYPE:VOD', '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-INDEPENDENT-SEGMENTS'];
  let current: SegmentRecord | undefined;
  let uri = '';
  for (const { segment, fragment } of plan) {
    if (segment !== current) {
      if (current !== undefined) lines.push('#EXT-X-DISCONTINUITY');
      current = segment;
      uri = mediaUri(segment);
      // A quoted-string of HLS cannot hold these, and a URI line cannot hold a line break.
      if (/["\r\n]/.test(uri)) throw new TypeError(`mediaUri gave ${JSON.stringify(uri)}: a URI with a quote or line break`);
      lines.push(`#EXT-X-MAP:URI="${uri}",BYTERANGE="${segment.initSize}@0"`);
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(fragment.time).toISOString()}`);
    }
    lines.push(`#EXTINF:${seconds(fragment.duration)},`, `#EXT-X-BYTERANGE:${fragment.size}@${fragment.offset}`, uri);
  }
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}
