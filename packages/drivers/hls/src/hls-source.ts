import { createDecipheriv } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Observable } from 'rxjs';
import { ArgusError, errorMessage, hasErrorCode, isTransient, silentLogger, type Logger, type MediaPacket } from '@argus/core';
import type { HlsFetcher } from './hls-fetcher.js';
import { HlsTimeline, type HlsTimelineStats } from './hls-timeline.js';
import { parsePlaylist, resolvePlaylistUri, type HlsMasterPlaylist, type HlsMediaPlaylist, type HlsSegment, type HlsVariant } from './parse-playlist.js';
import { PlaylistTracker, type PlaylistTrackerStats } from './playlist-tracker.js';
import { SegmentReader, type SegmentPacket, type SegmentReaderStats } from './segment-reader.js';

/** Which variant of a master playlist to play. */
export type HlsVariantChoice = 'highest' | 'lowest' | number;

/** Options of {@link hlsSource}. */
export interface HlsSourceOptions {
  /** Fetches playlists and segments (owned by the caller: the source does not close it). */
  readonly fetcher: HlsFetcher;
  /** Absolute URL of a media playlist, or of a master playlist (then `variant` picks one). */
  readonly url: string;
  /** Variant of a master playlist: highest or lowest BANDWIDTH, or an index in playlist order. Default highest. */
  readonly variant?: HlsVariantChoice;
  /** Segments from the end of a live playlist to start with; default 3 (RFC 8216's advice). */
  readonly liveStartSegments?: number;
  /**
   * Failed reloads in a row (network errors, timeouts, broken playlists) tolerated once the stream has started;
   * default 3. The first load fails at once.
   */
  readonly maxReloadFailures?: number;
  /** Segments in a row that could not be fetched (404...) before the stream fails; default 6. */
  readonly maxSegmentFailures?: number;
  /** Where warnings about skipped segments and retries go. */
  readonly logger?: Logger;
}

/** Figures of the latest subscription of an {@link hlsSource}. */
export interface HlsSourceStats {
  /** The media playlist being followed. */
  playlistUrl?: string;
  playlistLoads: number;
  playlistFailures: number;
  segmentsLoaded: number;
  /** Segments that could not be fetched (404...), skipped. */
  segmentsFailed: number;
  segmentBytes: number;
  tracker?: PlaylistTrackerStats;
  reader?: SegmentReaderStats;
  timeline?: HlsTimelineStats;
}

/** The Observable returned by {@link hlsSource}, with the stats of its latest subscription. */
export interface HlsSourceObservable extends Observable<MediaPacket> {
  /** Figures of the latest subscription. */
  stats(): HlsSourceStats;
}

/** A media playlist and the URL it was loaded from (after following a master playlist). */
export interface LoadedMediaPlaylist {
  /** The media playlist's URL, to reload. */
  readonly url: string;
  /** Where it came from after redirects: its URIs resolve against this. */
  readonly baseUrl: string;
  readonly playlist: HlsMediaPlaylist;
  /** The master playlist it was chosen from, if any. */
  readonly master?: HlsMasterPlaylist;
}

/**
 * Picks a variant of a master playlist.
 *
 * @throws RangeError for an index outside the playlist.
 */
export function pickVariant(master: HlsMasterPlaylist, choice: HlsVariantChoice = 'highest'): HlsVariant {
  if (typeof choice === 'number') {
    const variant = master.variants[choice];
    if (variant === undefined) throw new RangeError(`variant ${choice} of ${master.variants.length}`);
    return variant;
  }
  const sorted = [...master.variants].sort((a, b) => a.bandwidth - b.bandwidth);
  return (choice === 'lowest' ? sorted[0] : sorted.at(-1)) as HlsVariant;
}

/**
 * Loads the media playlist at `url`, following a master playlist to the chosen variant (one level, as the RFC allows).
 *
 * @throws ArgusError `ARGUS_ERR_DRIVER_PROTOCOL` for a bad playlist, and the fetcher's typed errors.
 */
export async function loadMediaPlaylist(fetcher: HlsFetcher, url: string, variant: HlsVariantChoice = 'highest', signal?: AbortSignal): Promise<LoadedMediaPlaylist> {
  const abort = signal === undefined ? {} : { signal };
  const res = await fetcher.get(url, abort);
  const first = parsePlaylist(res.text(), { endpoint: redact(res.url) });
  if (first.kind === 'media') return { url, baseUrl: res.url, playlist: first };
  const mediaUrl = resolvePlaylistUri(res.url, pickVariant(first, variant).uri);
  const mediaRes = await fetcher.get(mediaUrl, abort);
  const second = parsePlaylist(mediaRes.text(), { endpoint: redact(mediaRes.url) });
  if (second.kind !== 'media') {
    throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint: redact(mediaUrl), reason: 'a variant URI points to another master playlist' });
  }
  return { url: mediaUrl, baseUrl: mediaRes.url, playlist: second, master: first };
}

/** A URL for messages: no credentials, no query (it may carry tokens). */
function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'HLS origin';
  }
}

/** Reads segments with their init segment and key, caching init segments and keys by URL. */
export class SegmentLoader {
  readonly #fetcher: HlsFetcher;
  readonly #inits = new Map<string, Uint8Array>();
  readonly #keys = new Map<string, Uint8Array>();

  constructor(fetcher: HlsFetcher) {
    this.#fetcher = fetcher;
  }

  /** The bytes of `segment` (decrypted for AES-128) and of its init segment (EXT-X-MAP), if any. */
  async load(playlistUrl: string, segment: HlsSegment, signal?: AbortSignal): Promise<{ data: Uint8Array; init?: Uint8Array }> {
    const url = resolvePlaylistUri(playlistUrl, segment.uri);
    const abort = signal === undefined ? {} : { signal };
    const res = await this.#fetcher.get(url, { ...abort, ...(segment.byteRange === undefined ? {} : { range: segment.byteRange }) });
    let data = res.body;
    if (segment.key !== undefined) data = await this.#decrypt(playlistUrl, segment, data, signal);
    if (segment.map === undefined) return { data };
    const mapUrl = resolvePlaylistUri(playlistUrl, segment.map.uri);
    const cacheKey = segment.map.byteRange === undefined ? mapUrl : `${mapUrl}#${segment.map.byteRange.offset}+${segment.map.byteRange.length}`;
    let init = this.#inits.get(cacheKey);
    if (init === undefined) {
      init = (await this.#fetcher.get(mapUrl, { ...abort, ...(segment.map.byteRange === undefined ? {} : { range: segment.map.byteRange }) })).body;
      if (this.#inits.size >= 8) this.#inits.clear();
      this.#inits.set(cacheKey, init);
    }
    return { data, init };
  }

  async #decrypt(playlistUrl: string, segment: HlsSegment, data: Uint8Array, signal: AbortSignal | undefined): Promise<Uint8Array> {
    const key = segment.key as NonNullable<HlsSegment['key']>;
    if (key.method !== 'AES-128' || key.uri === undefined) {
      throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', {
        endpoint: this.#fetcher.endpoint,
        reason: `segments encrypted with ${key.method}${key.uri === undefined ? ' without a key URI' : ''} are not supported (AES-128 is)`,
      });
    }
    const keyUrl = resolvePlaylistUri(playlistUrl, key.uri);
    let secret = this.#keys.get(keyUrl);
    if (secret === undefined) {
      secret = (await this.#fetcher.get(keyUrl, signal === undefined ? {} : { signal })).body;
      if (secret.length !== 16) throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint: this.#fetcher.endpoint, reason: `an AES-128 key of ${secret.length} bytes` });
      if (this.#keys.size >= 8) this.#keys.clear();
      this.#keys.set(keyUrl, secret);
    }
    let iv = key.iv;
    if (iv === undefined) {
      iv = new Uint8Array(16);
      new DataView(iv.buffer).setBigUint64(8, BigInt(segment.mediaSequence));
    }
    try {
      const decipher = createDecipheriv('aes-128-cbc', secret, iv);
      return new Uint8Array(Buffer.concat([decipher.update(data), decipher.final()]));
    } catch (err) {
      throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint: this.#fetcher.endpoint, reason: `AES-128 segment does not decrypt: ${(err as Error).message}` }, { cause: err });
    }
  }
}

/** Waits `ms`, or less when `signal` aborts; never rejects. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return delay(Math.max(0, ms), undefined, { signal }).catch(() => undefined);
}

/** Errors after which a later reload may succeed: the network, a timeout, a broken or missing playlist. */
function retryable(err: unknown): boolean {
  return isTransient(err) || hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL') || hasErrorCode(err, 'ARGUS_ERR_DRIVER_REQUEST_FAILED');
}

/**
 * Live media from an HLS playlist, natively (no ffmpeg): the playlist loader reloads the media playlist (after the
 * target duration when it changed, half of it when it did not), hands each new segment out once by media sequence
 * (gaps, a restarted or rolled-over sequence, stale copies handled by {@link PlaylistTracker}), fetches it with
 * its byte range, init segment and AES-128 key, demuxes MPEG-TS or fMP4 ({@link SegmentReader}), and makes the
 * timestamps one monotonic timeline across segments, reloads and discontinuities, with `wallClock` from
 * EXT-X-PROGRAM-DATE-TIME ({@link HlsTimeline}). A segment that cannot be fetched (404) or read is skipped as a gap. The
 * stream completes after EXT-X-ENDLIST; it fails with the typed error when the first load fails, or after
 * `maxReloadFailures` failed reloads or `maxSegmentFailures` failed segments in a row. Unsubscribing aborts the
 * requests in flight.
 *
 * @example
 * ```ts
 * const fetcher = new HlsFetcher({ baseUrl: 'http://127.0.0.1:8080', username: 'admin', password: 'secret' });
 * const packets$ = hlsSource({ fetcher, url: 'http://127.0.0.1:8080/live/index.m3u8' });
 * const subscription = packets$.subscribe((packet) => hub.push(packet));
 * packets$.stats(); // { playlistLoads: 4, segmentsLoaded: 6, ... }
 * ```
 */
export function hlsSource(options: HlsSourceOptions): HlsSourceObservable {
  const maxReloadFailures = options.maxReloadFailures ?? 3;
  const maxSegmentFailures = options.maxSegmentFailures ?? 6;
  const logger = options.logger ?? silentLogger();
  let latest: HlsSourceStats = { playlistLoads: 0, playlistFailures: 0, segmentsLoaded: 0, segmentsFailed: 0, segmentBytes: 0 };
  const packets$ = new Observable<MediaPacket>((subscriber) => {
    const controller = new AbortController();
    const signal = controller.signal;
    const stats: HlsSourceStats = { playlistLoads: 0, playlistFailures: 0, segmentsLoaded: 0, segmentsFailed: 0, segmentBytes: 0 };
    latest = stats;
    const tracker = new PlaylistTracker(options.liveStartSegments === undefined ? {} : { liveStartSegments: options.liveStartSegments });
    const reader = new SegmentReader({ endpoint: options.fetcher.endpoint });
    const timeline = new HlsTimeline();
    const segments = new SegmentLoader(options.fetcher);
    stats.tracker = tracker.toJSON();

    const run = async (): Promise<void> => {
      let playlistUrl = options.url;
      let baseUrl = options.url;
      let reloadFailures = 0;
      let segmentFailures = 0;
      let missedSeconds = 0;
      let carriedDiscontinuity = false;
      let loaded = false;
      while (!signal.aborted) {
        const started = performance.now();
        let update: ReturnType<PlaylistTracker['update']>;
        try {
          const media = await loadMediaPlaylist(options.fetcher, playlistUrl, options.variant ?? 'highest', signal);
          playlistUrl = media.url;
          baseUrl = media.baseUrl;
          stats.playlistUrl = redact(media.url);
          stats.playlistLoads += 1;
          update = tracker.update(media.playlist);
          reloadFailures = 0;
          loaded = true;
        } catch (err) {
          if (signal.aborted) return;
          stats.playlistFailures += 1;
          reloadFailures += 1;
          if (!loaded || !retryable(err) || reloadFailures >= maxReloadFailures) throw err;
          logger.warn({ playlist: redact(playlistUrl), failures: reloadFailures, reason: errorMessage(err) }, 'HLS playlist reload failed; retrying');
          await sleep(tracker.reloadDelayMs(false), signal);
          continue;
        }
        for (const tracked of update.segments) {
          if (signal.aborted) return;
          const segment = tracked.segment;
          let packets: SegmentPacket[] | undefined;
          if (!segment.gap) {
            try {
              const bytes = await segments.load(baseUrl, segment, signal);
              stats.segmentBytes += bytes.data.length;
              if (tracked.discontinuity || carriedDiscontinuity) reader.discontinuity();
              packets = reader.read(bytes.data, bytes.init);
            } catch (err) {
              if (signal.aborted) return;
              stats.segmentsFailed += 1;
              segmentFailures += 1;
              if (!retryable(err) || segmentFailures >= maxSegmentFailures) throw err;
              logger.warn({ segment: segment.mediaSequence, failures: segmentFailures, reason: errorMessage(err) }, 'HLS segment skipped');
            }
          }
          if (packets === undefined) {
            // A gap: the next segment's timestamps may jump by the missed time, and inherit a discontinuity.
            missedSeconds += segment.duration;
            carriedDiscontinuity ||= tracked.discontinuity;
            continue;
          }
          segmentFailures = 0;
          stats.segmentsLoaded += 1;
          const out = timeline.process(
            {
              discontinuity: tracked.discontinuity || carriedDiscontinuity,
              gapSeconds: tracked.gapSeconds + missedSeconds,
              duration: segment.duration,
              ...(segment.programDateTime === undefined ? {} : { programDateTime: segment.programDateTime }),
            },
            packets,
          );
          missedSeconds = 0;
          carriedDiscontinuity = false;
          for (const packet of out) {
            if (signal.aborted) return;
            subscriber.next(packet);
          }
        }
        stats.tracker = tracker.toJSON();
        stats.reader = reader.toJSON();
        stats.timeline = timeline.toJSON();
        if (update.ended) return;
        await sleep(started + tracker.reloadDelayMs(update.changed) - performance.now(), signal);
      }
    };

    run().then(
      () => {
        if (!signal.aborted) subscriber.complete();
      },
      (err: unknown) => {
        if (!signal.aborted) subscriber.error(err);
      },
    );
    return () => controller.abort();
  });
  return Object.assign(packets$, { stats: () => ({ ...latest }) });
}
