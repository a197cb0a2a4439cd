import { PassThrough } from 'node:stream';
import { Observable } from 'rxjs';
import { ArgusError, hasErrorCode } from '../../errors/argus-error.js';
import { silentLogger, type Logger } from '../../logging/logger.js';
import type { MediaPacket, TrackInfo } from '../../stream/media-packet.js';
import { systemClock, type Clock } from '../../time/clock.js';
import { isJpeg } from '../codec/jpeg.js';
import { h264EncodeOptions } from './ffmpeg-source.js';
import { ffmpegFailure, redactCredentials } from './ffmpeg-errors.js';
import { FlvDemuxer } from './flv-demuxer.js';
import { runFfmpeg } from './run-ffmpeg.js';

/** Options of {@link jpegPollingSource}. */
export interface JpegPollingOptions {
  /** Milliseconds between polls (the frame interval of the output). */
  intervalMs: number;
  /** The fetch to use; default Node's global fetch. */
  fetch?: typeof fetch;
  /** Credentials sent as HTTP Basic auth. */
  auth?: { username: string; password: string };
  /** Keyframe interval in frames. Default: one every 2 s. */
  gop?: number;
  /** Timeout of one HTTP request. Default 5000 ms. */
  requestTimeoutMs?: number;
  /** Clock of the capture times (`wallClock`, and pts relative to the first frame). */
  clock?: Clock;
  /** Milliseconds between SIGTERM and SIGKILL at teardown. Default 2000. */
  killGraceMs?: number;
  logger?: Logger;
}

/** Counters of the latest subscription of a {@link jpegPollingSource}. */
export interface JpegPollingStats {
  polls: number;
  /** JPEGs handed to the encoder. */
  frames: number;
  /** Polls that failed (network, HTTP status, not a JPEG); each is retried at the next tick. */
  failedPolls: number;
  /** Ticks skipped because the previous request was still running. */
  skippedPolls: number;
  /** JPEGs not encoded because the encoder was still busy. */
  droppedFrames: number;
  packets: number;
  pid?: number;
  lastError?: string;
}

/** The Observable returned by {@link jpegPollingSource}, with the stats of its latest subscription. */
export interface JpegPollingObservable extends Observable<MediaPacket> {
  stats(): JpegPollingStats;
}

/**
 * Turns a camera's JPEG snapshot URL into an H.264 stream: polls the URL every `intervalMs` with fetch and feeds
 * the JPEGs to one ffmpeg (libx264) per subscription. Each output frame takes the capture time of its JPEG.
 * A failed poll is counted and retried at the next tick; 401/403 errors the stream with `ARGUS_ERR_DRIVER_AUTH`
 * (retrying cannot fix credentials).
 *
 * @example
 * ```ts
 * const packets$ = jpegPollingSource('http://cam.local/snapshot.jpg', { intervalMs: 500, auth: { username, password } });
 * ```
 */
export function jpegPollingSource(url: string, options: JpegPollingOptions): JpegPollingObservable {
  const { intervalMs, requestTimeoutMs = 5000, clock = systemClock, logger = silentLogger() } = options;
  if (!(intervalMs > 0)) throw new RangeError('intervalMs must be positive');
  const gop = options.gop ?? Math.max(1, Math.round(2000 / intervalMs));
  if (!Number.isInteger(gop) || gop <= 0) throw new RangeError('gop must be a positive integer');
  const fetchImpl = options.fetch ?? fetch;
  const headers: Record<string, string> = {};
  if (options.auth !== undefined) {
    headers['authorization'] = `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`;
  }
  const endpoint = redactCredentials(url);
  let latest: JpegPollingStats = emptyStats();

  const packets$ = new Observable<MediaPacket>((subscriber) => {
    const stats = emptyStats();
    latest = stats;
    const stdin = new PassThrough();
    const demuxer = new FlvDemuxer();
    const abort = new AbortController();
    const captureTimes: number[] = [];
    let firstCapture: number | undefined;
    let inFlight = false;
    let demuxedTrack: TrackInfo | undefined;
    let outputTrack: TrackInfo | undefined;
    const fps = 1000 / intervalMs;

    const run = runFfmpeg({
      input: stdin,
      inputOptions: ['-f', 'image2pipe', '-framerate', String(fps), '-c:v', 'mjpeg', '-probesize', '32', '-analyzeduration', '0'],
      outputOptions: ['-map', '0:v:0', '-vsync', '0', ...h264EncodeOptions(gop), '-an', '-f', 'flv', '-flvflags', 'no_duration_filesize', '-flush_packets', '1'],
      ...(options.killGraceMs !== undefined && { killGraceMs: options.killGraceMs }),
      onSpawn(pid) {
        if (pid !== undefined) stats.pid = pid;
      },
      onData(chunk) {
        for (const packet of demuxer.process(chunk)) {
          const captured = captureTimes.shift() ?? clock.now();
          firstCapture ??= captured;
          if (packet.track !== demuxedTrack) {
            demuxedTrack = packet.track;
            outputTrack = { ...packet.track, fps };
          }
          stats.packets++;
          const pts = Math.round((captured - firstCapture) * 90);
          subscriber.next({ track: outputTrack!, pts, dts: pts, keyframe: packet.keyframe, units: packet.units, wallClock: captured });
        }
      },
      onExit(failure) {
        clearInterval(timer);
        if (failure === undefined) subscriber.complete();
        else subscriber.error(hasErrorCode(failure.cause) ? failure.cause : ffmpegFailure(url, failure.stderr, failure.message, failure.cause));
      },
    });

    const poll = async (): Promise<void> => {
      const captured = clock.now();
      const response = await fetchImpl(url, { headers, signal: AbortSignal.any([abort.signal, AbortSignal.timeout(requestTimeoutMs)]) });
      if (response.status === 401 || response.status === 403) {
        throw new ArgusError('ARGUS_ERR_DRIVER_AUTH', { endpoint, status: response.status });
      }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const jpeg = new Uint8Array(await response.arrayBuffer());
      if (!isJpeg(jpeg)) throw new Error('the response is not a JPEG');
      if (abort.signal.aborted) return;
      if (stdin.writableNeedDrain) {
        stats.droppedFrames++;
        return;
      }
      captureTimes.push(captured);
      stats.frames++;
      stdin.write(jpeg);
    };

    const tick = (): void => {
      if (inFlight) {
        stats.skippedPolls++;
        return;
      }
      inFlight = true;
      stats.polls++;
      poll().then(
        () => {
          inFlight = false;
        },
        (err: unknown) => {
          inFlight = false;
          if (abort.signal.aborted) return;
          if (hasErrorCode(err, 'ARGUS_ERR_DRIVER_AUTH')) {
            subscriber.error(err);
            return;
          }
          stats.failedPolls++;
          stats.lastError = err instanceof Error ? redactCredentials(err.message) : String(err);
          logger.debug({ endpoint, err: stats.lastError }, 'JPEG poll failed; retrying at the next tick');
        },
      );
    };
    const timer = setInterval(tick, intervalMs);
    tick();

    return () => {
      clearInterval(timer);
      abort.abort();
      run.stop();
    };
  });
  return Object.assign(packets$, { stats: () => ({ ...latest }) });
}

function emptyStats(): JpegPollingStats {
  return { polls: 0, frames: 0, failedPolls: 0, skippedPolls: 0, droppedFrames: 0, packets: 0 };
}
