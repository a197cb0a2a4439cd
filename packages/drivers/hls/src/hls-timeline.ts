import type { MediaPacket, TrackInfo } from '@argus/core';
import type { SegmentPacket } from './segment-reader.js';

/** What the timeline needs to know about the segment its packets came from. */
export interface TimelineSegment {
  /** True when the segment's timestamps need not follow the previous segment's (see `TrackedSegment`). */
  readonly discontinuity: boolean;
  /** Seconds of media missed before the segment. */
  readonly gapSeconds?: number;
  /** EXT-X-PROGRAM-DATE-TIME of the segment, ms since epoch. */
  readonly programDateTime?: number;
  /** EXTINF duration, seconds: the tolerance for a jump between segments that were not marked discontinuous. */
  readonly duration?: number;
}

/** Counters of an {@link HlsTimeline}. */
export interface HlsTimelineStats {
  segments: number;
  packets: number;
  /** Re-anchorings: discontinuities announced by the playlist or found in the timestamps. */
  discontinuities: number;
  /** Jumps found in the timestamps of segments the playlist did not mark. */
  unannounced: number;
  /** Packets whose decode time had to be nudged forward to stay monotonic. */
  nudged: number;
}

interface TrackClock {
  lastDts: number;
  lastDuration: number;
}

/** A jump forward beyond the expected position larger than this (plus the segment length and any gap) re-anchors. */
const MAX_FORWARD_JUMP_SECONDS = 5;
/** A step back larger than this re-anchors (small overlaps are B-frame reordering or rounding). */
const MAX_BACKWARD_STEP_SECONDS = 0.5;

/**
 * Makes the timestamps of consecutive HLS segments one monotonic timeline per track, whatever the origin did: the
 * first segment starts at 0; a discontinuity (announced, or found as a jump back or far forward) re-anchors the next
 * segment at the end of the previous one (plus any gap of missed segments), keeping audio and video aligned with
 * one offset; a decode time that would not advance is nudged. `wallClock` comes from EXT-X-PROGRAM-DATE-TIME: the
 * segment's date plus the packet's distance from the segment's first video presentation time, carried forward to
 * segments without a date until the next discontinuity. A stream stage: `process(segment, packets) -> packets`.
 *
 * @example
 * ```ts
 * const timeline = new HlsTimeline();
 * for (const packet of timeline.process({ discontinuity, programDateTime }, reader.read(bytes, init))) subscriber.next(packet);
 * ```
 */
export class HlsTimeline {
  /** Seconds added to a segment's own timestamps. */
  #offset: number | undefined;
  readonly #clocks = new Map<TrackInfo, TrackClock>();
  #endSeconds = 0;
  #wall: { wallMs: number; seconds: number } | undefined;
  readonly #stats: HlsTimelineStats = { segments: 0, packets: 0, discontinuities: 0, unannounced: 0, nudged: 0 };

  /** The packets of one segment with continuous timestamps and wall clock. */
  process(segment: TimelineSegment, packets: readonly SegmentPacket[]): MediaPacket[] {
    this.#stats.segments += 1;
    if (packets.length === 0) return [];
    let firstDts = Infinity;
    let firstPts = Infinity;
    let firstVideoPts = Infinity;
    for (const p of packets) {
      firstDts = Math.min(firstDts, p.dts / p.track.timescale);
      firstPts = Math.min(firstPts, p.pts / p.track.timescale);
      if (p.track.kind === 'video') firstVideoPts = Math.min(firstVideoPts, p.pts / p.track.timescale);
    }
    // PROGRAM-DATE-TIME dates the segment's first picture (audio frames often start a little before it).
    const anchorPts = Number.isFinite(firstVideoPts) ? firstVideoPts : firstPts;
    const gap = segment.gapSeconds ?? 0;
    if (this.#offset === undefined) {
      this.#offset = -firstDts;
    } else {
      const jump = firstDts + this.#offset - this.#endSeconds;
      const tolerance = gap + Math.max(segment.duration ?? 0, 0) + MAX_FORWARD_JUMP_SECONDS;
      const unannounced = !segment.discontinuity && (jump < -MAX_BACKWARD_STEP_SECONDS || jump > tolerance);
      if (segment.discontinuity || unannounced) {
        this.#offset = this.#endSeconds + gap - firstDts;
        this.#stats.discontinuities += 1;
        if (unannounced) this.#stats.unannounced += 1;
        this.#wall = undefined;
      }
    }
    const offset = this.#offset;
    if (segment.programDateTime !== undefined) this.#wall = { wallMs: segment.programDateTime, seconds: anchorPts + offset };
    const out: MediaPacket[] = [];
    for (const p of packets) {
      const timescale = p.track.timescale;
      const shift = Math.round(offset * timescale);
      let dts = p.dts + shift;
      let pts = p.pts + shift;
      const clock = this.#clocks.get(p.track) ?? this.#clockFor(p.track);
      if (dts <= clock.lastDts) {
        const nudge = clock.lastDts + 1 - dts;
        dts += nudge;
        pts += nudge;
        this.#stats.nudged += 1;
      }
      const duration = p.duration !== undefined && p.duration > 0 ? p.duration : dts - clock.lastDts > 0 && Number.isFinite(clock.lastDts) ? dts - clock.lastDts : clock.lastDuration;
      clock.lastDts = dts;
      clock.lastDuration = duration;
      this.#endSeconds = Math.max(this.#endSeconds, (dts + duration) / timescale);
      const wallClock = this.#wall === undefined ? undefined : this.#wall.wallMs + (pts / timescale - this.#wall.seconds) * 1000;
      out.push({
        track: p.track,
        pts,
        ...(dts === pts ? {} : { dts }),
        keyframe: p.keyframe,
        units: p.units,
        ...(wallClock === undefined ? {} : { wallClock }),
      });
    }
    this.#stats.packets += out.length;
    return out;
  }

  /** Counters since construction. */
  toJSON(): HlsTimelineStats {
    return { ...this.#stats };
  }

  /**
   * The clock of a track seen for the first time. A new track object of the same kind (new parameter sets)
   * continues the old one's clock, so timestamps stay monotonic per kind.
   */
  #clockFor(track: TrackInfo): TrackClock {
    for (const [known, clock] of this.#clocks) {
      if (known.kind === track.kind && known.timescale === track.timescale) {
        this.#clocks.delete(known);
        this.#clocks.set(track, clock);
        return clock;
      }
    }
    const fresh: TrackClock = { lastDts: -Infinity, lastDuration: track.kind === 'video' ? Math.round(track.timescale / (track.fps ?? 25)) : 1024 };
    this.#clocks.set(track, fresh);
    return fresh;
  }
}
