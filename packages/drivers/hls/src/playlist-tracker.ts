import type { HlsMediaPlaylist, HlsSegment } from './parse-playlist.js';

/** A segment the loader should fetch next, with what the timeline needs to know about it. */
export interface TrackedSegment {
  /** The segment as the playlist lists it. */
  readonly segment: HlsSegment;
  /**
   * True when timestamps may not continue from the previous segment: an EXT-X-DISCONTINUITY, a new discontinuity
   * sequence, the first segment after a restart of the media sequence, or after segments were missed.
   */
  readonly discontinuity: boolean;
  /** Seconds of media missed just before this segment (segments that left the window unseen), else 0. */
  readonly gapSeconds: number;
}

/** What one reload of the playlist brought. */
export interface TrackerUpdate {
  /** New segments to fetch, in order. */
  readonly segments: readonly TrackedSegment[];
  /** True when the playlist changed since the last reload (it has a new segment, or ENDLIST appeared). */
  readonly changed: boolean;
  /** Segments that left the sliding window before this client saw them. */
  readonly skipped: number;
  /** True when the media sequence went back (the origin restarted or its counter rolled over). */
  readonly reset: boolean;
  /** True when the playlist has EXT-X-ENDLIST and every segment has been handed out: the stream is over. */
  readonly ended: boolean;
}

/** Options of a {@link PlaylistTracker}. */
export interface PlaylistTrackerOptions {
  /**
   * Where to join a live playlist: this many segments from its end (RFC 8216 advises three target durations;
   * fewer means less delay). Default 3. A playlist with EXT-X-ENDLIST is played from its start.
   */
  readonly liveStartSegments?: number;
  /**
   * Reloads in a row whose newest segment is older than what was already handed out (a lagging CDN edge) before the
   * tracker takes it as a restart of the media sequence. Default 3.
   */
  readonly staleReloadsBeforeReset?: number;
}

/** Counters of a {@link PlaylistTracker}. */
export interface PlaylistTrackerStats {
  reloads: number;
  unchanged: number;
  segments: number;
  skipped: number;
  resets: number;
  staleReloads: number;
}

/**
 * Follows a live media playlist across reloads (RFC 8216 section 6.3): hands out each segment once, by media
 * sequence number; counts segments that slid out of the window unseen (a gap); recognises a media sequence that
 * went back (an origin restart or a rollover of its counter: the newest segment is far behind the last one handed
 * out, or a sequence number now names another URI) and starts again from the live edge; ignores a stale copy of
 * the playlist for a few reloads; marks discontinuities for the timeline; and says when to reload. Pure: no I/O,
 * no timers.
 *
 * @example
 * ```ts
 * const tracker = new PlaylistTracker();
 * for (;;) {
 *   const started = Date.now();
 *   const update = tracker.update(parsePlaylist(await http.text({ path })) as HlsMediaPlaylist);
 *   for (const next of update.segments) await fetchSegment(next);
 *   if (update.ended) break;
 *   await sleep(started + tracker.reloadDelayMs(update.changed) - Date.now());
 * }
 * ```
 */
export class PlaylistTracker {
  readonly #liveStart: number;
  readonly #staleLimit: number;
  /** Highest media sequence handed out, and its URI. */
  #last: { sequence: number; uri: string; discontinuitySequence: number } | undefined;
  #newest: number | undefined;
  #endList = false;
  #targetDuration = 0;
  #stale = 0;
  /** Set after a gap or a reset: the next segment handed out is a discontinuity. */
  #pendingDiscontinuity = false;
  readonly #stats: PlaylistTrackerStats = { reloads: 0, unchanged: 0, segments: 0, skipped: 0, resets: 0, staleReloads: 0 };

  constructor(options: PlaylistTrackerOptions = {}) {
    const liveStart = options.liveStartSegments ?? 3;
    if (!Number.isInteger(liveStart) || liveStart < 1) throw new RangeError('liveStartSegments must be a positive integer');
    const staleLimit = options.staleReloadsBeforeReset ?? 3;
    if (!Number.isInteger(staleLimit) || staleLimit < 1) throw new RangeError('staleReloadsBeforeReset must be a positive integer');
    this.#liveStart = liveStart;
    this.#staleLimit = staleLimit;
  }

  /** Target duration of the last playlist, in seconds (0 before the first). */
  get targetDuration(): number {
    return this.#targetDuration;
  }

  /** Media sequence of the last segment handed out, if any. */
  get lastSequence(): number | undefined {
    return this.#last?.sequence;
  }

  /**
   * Takes a freshly loaded playlist; returns the segments not handed out yet.
   *
   * @example
   * ```ts
   * const { segments, skipped, reset } = tracker.update(playlist);
   * ```
   */
  update(playlist: HlsMediaPlaylist): TrackerUpdate {
    this.#stats.reloads += 1;
    this.#targetDuration = playlist.targetDuration;
    const segments = playlist.segments;
    const newestSegment = segments.at(-1);
    const newest = newestSegment?.mediaSequence;
    const changed = newest !== this.#newest || playlist.endList !== this.#endList;
    this.#newest = newest;
    this.#endList = playlist.endList;
    if (!changed) this.#stats.unchanged += 1;
    const last = this.#last;
    if (last === undefined) {
      return this.#handOut(this.#startIndex(playlist), playlist, changed, 0, false);
    }
    if (newest === undefined) return this.#result([], changed, 0, false, playlist.endList);

    const known = segments.find((s) => s.mediaSequence === last.sequence);
    const renamed = known !== undefined && known.uri !== last.uri && !sameResource(known.uri, last.uri);
    const behind = newest < last.sequence;
    const farBehind = behind && newest < last.sequence - Math.max(segments.length, 1) - 1;
    if (behind && !farBehind && !renamed) {
      this.#stale += 1;
      this.#stats.staleReloads += 1;
      if (this.#stale < this.#staleLimit) return this.#result([], false, 0, false, false);
    }
    if (renamed || behind) {
      this.#stale = 0;
      this.#stats.resets += 1;
      this.#pendingDiscontinuity = true;
      return this.#handOut(this.#startIndex(playlist), playlist, true, 0, true);
    }
    this.#stale = 0;
    const first = segments[0] as HlsSegment;
    let skipped = 0;
    let gapSeconds = 0;
    if (first.mediaSequence > last.sequence + 1) {
      skipped = first.mediaSequence - last.sequence - 1;
      gapSeconds = skipped * playlist.targetDuration;
      this.#stats.skipped += skipped;
      this.#pendingDiscontinuity = true;
    }
    const index = segments.findIndex((s) => s.mediaSequence > last.sequence);
    return this.#handOut(index < 0 ? segments.length : index, playlist, changed, skipped, false, gapSeconds);
  }

  /**
   * Milliseconds from the start of the last load to the next one (RFC 8216 section 6.3.4): the target duration
   * after a playlist that changed, half of it after one that did not.
   */
  reloadDelayMs(changed: boolean): number {
    const target = Math.max(this.#targetDuration, 0.1) * 1000;
    return changed ? target : target / 2;
  }

  /** Counters since construction. */
  toJSON(): PlaylistTrackerStats {
    return { ...this.#stats };
  }

  #startIndex(playlist: HlsMediaPlaylist): number {
    if (playlist.endList) return 0;
    return Math.max(0, playlist.segments.length - this.#liveStart);
  }

  #handOut(index: number, playlist: HlsMediaPlaylist, changed: boolean, skipped: number, reset: boolean, gapSeconds = 0): TrackerUpdate {
    const out: TrackedSegment[] = [];
    const segments = playlist.segments;
    for (let i = index; i < segments.length; i++) {
      const segment = segments[i] as HlsSegment;
      const previous = this.#last;
      const newDiscontinuity = previous !== undefined && segment.discontinuitySequence !== previous.discontinuitySequence;
      const discontinuity = segment.discontinuity || newDiscontinuity || this.#pendingDiscontinuity;
      out.push({ segment, discontinuity: previous === undefined ? false : discontinuity, gapSeconds: out.length === 0 ? gapSeconds : 0 });
      this.#pendingDiscontinuity = false;
      this.#last = { sequence: segment.mediaSequence, uri: segment.uri, discontinuitySequence: segment.discontinuitySequence };
    }
    this.#stats.segments += out.length;
    return this.#result(out, changed, skipped, reset, playlist.endList);
  }

  #result(segments: TrackedSegment[], changed: boolean, skipped: number, reset: boolean, endList: boolean): TrackerUpdate {
    return { segments, changed, skipped, reset, ended: endList };
  }
}

/** Two URIs of the same resource that differ only in a session query (Wowza adds `?wowzasessionid=`). */
function sameResource(a: string, b: string): boolean {
  const strip = (uri: string): string => uri.split('?')[0] ?? uri;
  return strip(a) === strip(b);
}
