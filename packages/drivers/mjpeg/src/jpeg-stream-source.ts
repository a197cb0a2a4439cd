import { Observable } from 'rxjs';
import { ArgusError, silentLogger, type Clock, type Logger, type MediaPacket } from '@argus/core';
import { jpegPollingSource } from '@argus/core/media';
import type { JpegFrame } from './mjpeg-frames.js';

/** Options of {@link jpegStreamSource}. */
export interface JpegStreamSourceOptions {
  /** Highest frame rate encoded; when JPEGs come faster the newest is taken and the others are dropped. */
  readonly maxFps: number;
  /** Keyframe interval in encoded frames; default two seconds at `maxFps`. */
  readonly gop?: number;
  /** Shown in errors and logs: where the JPEGs come from, without credentials. */
  readonly endpoint: string;
  /**
   * Fails the stream with `ARGUS_ERR_DRIVER_TIMEOUT` when no JPEG arrived for this long; default 10 000 ms.
   * (A source that ends completes the stream instead.)
   */
  readonly stallTimeoutMs?: number;
  /** Called with every JPEG read, encoded or not (snapshots taken from a running stream). */
  readonly onFrame?: (frame: JpegFrame) => void;
  /** Where the source logs (debug only). */
  readonly logger?: Logger;
}

/** Holds the newest JPEG not yet handed to the encoder, and the one request waiting for it. */
class NewestFrame {
  #frame: JpegFrame | undefined;
  #waiter: { resolve: (frame: JpegFrame) => void; reject: (err: unknown) => void } | undefined;
  dropped = 0;

  put(frame: JpegFrame): void {
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter.resolve(frame);
      return;
    }
    if (this.#frame !== undefined) this.dropped++;
    this.#frame = frame;
  }

  take(signal: AbortSignal): Promise<JpegFrame> {
    const frame = this.#frame;
    if (frame !== undefined) {
      this.#frame = undefined;
      return Promise.resolve(frame);
    }
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        if (this.#waiter?.resolve === done) this.#waiter = undefined;
        reject(signal.reason);
      };
      const done = (value: JpegFrame): void => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiter = { resolve: done, reject };
    });
  }
}

/**
 * H.264 from a stream of JPEGs (an MJPEG camera), encoded by core's `jpegPollingSource` (one ffmpeg, libx264
 * ultrafast/zerolatency, per subscription) fed through its `fetch` hook: each poll takes the newest JPEG not yet
 * encoded, waiting for the next one when there is none, so the output follows the camera's rate up to `maxFps`.
 * Every packet is re-stamped with the capture time of its JPEG (`wallClock`; `pts` in 90 kHz from the first frame,
 * strictly increasing). Subscribing starts `frames`, unsubscribing aborts it; the stream completes when `frames`
 * ends and errors with its typed error when it fails.
 *
 * @example
 * ```ts
 * const packets$ = jpegStreamSource((signal) => openMjpegFrames(http, '/mjpg/video.mjpg', { signal }), { maxFps: 15, endpoint });
 * ```
 */
export function jpegStreamSource(frames: (signal: AbortSignal) => AsyncIterable<JpegFrame>, options: JpegStreamSourceOptions): Observable<MediaPacket> {
  const { maxFps, endpoint, stallTimeoutMs = 10_000, logger = silentLogger() } = options;
  if (!(maxFps > 0)) throw new RangeError(`maxFps must be positive, got ${maxFps}`);
  const intervalMs = 1000 / maxFps;
  const gop = options.gop ?? Math.max(1, Math.round(2 * maxFps));

  return new Observable<MediaPacket>((subscriber) => {
    const abort = new AbortController();
    const newest = new NewestFrame();
    // jpegPollingSource stamps each frame with its clock's time at the start of the poll; this clock hands out
    // unique poll times so each encoded packet can be traced back to the JPEG its poll returned.
    const captureOfPoll = new Map<number, number>();
    let pollTime = 0;
    const pollClock: Clock = { now: () => (pollTime = Math.max(Date.now(), pollTime + 1)) };
    const fetchNewest: typeof fetch = async (_input, init) => {
      const poll = pollTime;
      const frame = await newest.take(init?.signal ?? abort.signal);
      captureOfPoll.set(poll, frame.capturedAt);
      return new Response(frame.jpeg, { status: 200, headers: { 'content-type': 'image/jpeg' } });
    };

    let firstCapture: number | undefined;
    let lastPts = -1;
    const encoded = jpegPollingSource(endpoint, {
      intervalMs,
      gop,
      fetch: fetchNewest,
      clock: pollClock,
      // A poll waits for the camera's next frame; the stall watchdog, not the request timeout, judges silence.
      requestTimeoutMs: stallTimeoutMs,
      logger,
    }).subscribe({
      next: (packet) => {
        const poll = packet.wallClock ?? 0;
        const captured = captureOfPoll.get(poll) ?? poll;
        // Polls are stamped in increasing order: everything up to this one is answered or was dropped.
        for (const key of captureOfPoll.keys()) {
          if (key > poll) break;
          captureOfPoll.delete(key);
        }
        firstCapture ??= captured;
        const pts = Math.max(Math.round((captured - firstCapture) * 90), lastPts + 1);
        lastPts = pts;
        subscriber.next({ ...packet, pts, dts: pts, wallClock: captured });
      },
      error: (err: unknown) => subscriber.error(err),
      complete: () => subscriber.complete(),
    });

    let stallTimer: NodeJS.Timeout | undefined;
    const armStall = (): void => {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => {
        abort.abort();
        subscriber.error(new ArgusError('ARGUS_ERR_DRIVER_TIMEOUT', { endpoint, reason: 'no JPEG arrived', timeoutMs: stallTimeoutMs }));
      }, stallTimeoutMs);
    };
    armStall();

    void (async () => {
      for await (const frame of frames(abort.signal)) {
        armStall();
        options.onFrame?.(frame);
        newest.put(frame);
      }
    })().then(
      () => {
        if (abort.signal.aborted) return;
        logger.debug({ endpoint, dropped: newest.dropped }, 'JPEG stream ended');
        subscriber.complete();
      },
      (err: unknown) => {
        if (!abort.signal.aborted) subscriber.error(err);
      },
    );

    return () => {
      clearTimeout(stallTimer);
      abort.abort();
      encoded.unsubscribe();
    };
  });
}
