import { Observable } from 'rxjs';
import { hasErrorCode, type Clock, type DeviceEvent, type Logger } from '@argus/core';
import { multipartBoundary, multipartParts, type DeviceStreamResponse, type MultipartPart } from '@argus/driver-kit';
import type { AlertTracker } from './alert-tracker.js';
import { bodyText } from './isapi-document.js';
import type { IsapiClient } from './isapi-client.js';
import { parseEventAlert } from './parse-event-alert.js';

/** Path of the ISAPI event channel. */
export const ALERT_STREAM_PATH = '/ISAPI/Event/notification/alertStream';

/** Options of {@link alertStream$}. */
export interface AlertStreamOptions {
  /** The device. */
  readonly client: IsapiClient;
  /** A fresh tracker for each subscription (quiet period from the quirk table). */
  readonly tracker: () => AlertTracker;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Which events the session keeps (a recorder channel keeps its own channel's); default all. */
  readonly filter?: (event: DeviceEvent) => boolean;
  /** First reconnection delay; doubles up to `maxBackoffMs`. Default 1000 ms. */
  readonly backoffMs?: number;
  /** Longest reconnection delay; default 30 000 ms. */
  readonly maxBackoffMs?: number;
  /** Reconnect when nothing (not even a heartbeat) arrived for this long; default 120 000 ms, 0 never. */
  readonly idleTimeoutMs?: number;
  /** Largest part accepted; default 2 MiB (ANPR alerts carry pictures). */
  readonly maxPartBytes?: number;
}

const XML_START = /^\s*(?:<\?xml[^>]*>\s*)?<EventNotificationAlert\b/;

/**
 * The device's alertStream as Argus events: a cold Observable that opens `GET /ISAPI/Event/notification/alertStream`
 * on subscribe, parses the multipart parts, runs them through an {@link AlertTracker} (repeats swallowed,
 * heartbeats dropped, motion stops derived from the quiet period by a timer), and closes the request on
 * unsubscribe. When the stream drops, ends or is silent past `idleTimeoutMs`, it reconnects with exponential
 * backoff; only `ARGUS_ERR_DRIVER_AUTH` ends the Observable with an error. Parts whose XML is broken are logged
 * and skipped; pictures (ANPR) are skipped.
 *
 * @example
 * ```ts
 * const events$ = alertStream$({ client, tracker: () => new AlertTracker(quirk), clock, logger });
 * const sub = events$.subscribe((e) => console.log(e.kind, e.state));
 * ```
 */
export function alertStream$(options: AlertStreamOptions): Observable<DeviceEvent> {
  const backoffMs = options.backoffMs ?? 1000;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 120_000;
  const logger = options.logger;
  const endpoint = options.client.endpoint;

  return new Observable<DeviceEvent>((subscriber) => {
    const tracker = options.tracker();
    let closed = false;
    let current: DeviceStreamResponse | undefined;
    let expiryTimer: NodeJS.Timeout | undefined;
    let wake: (() => void) | undefined;
    let retryTimer: NodeJS.Timeout | undefined;
    const abort = new AbortController();

    const emit = (events: readonly DeviceEvent[]): void => {
      for (const event of events) {
        if (closed) return;
        if (options.filter === undefined || options.filter(event)) subscriber.next(event);
      }
    };
    const armExpiry = (): void => {
      clearTimeout(expiryTimer);
      expiryTimer = undefined;
      const due = tracker.nextDeadline();
      if (due === undefined || closed) return;
      expiryTimer = setTimeout(
        () => {
          emit(tracker.expire(options.clock.now()));
          armExpiry();
        },
        Math.max(0, due - options.clock.now()),
      );
    };
    const onPart = (part: MultipartPart): void => {
      if (part.body.byteLength === 0) return;
      const type = (part.headers['content-type'] ?? '').toLowerCase();
      const text = type.startsWith('image/') ? '' : bodyText(part.body);
      if (!XML_START.test(text)) return;
      try {
        emit(tracker.process({ alert: parseEventAlert(text, endpoint), receivedAt: options.clock.now() }));
      } catch (err) {
        if (!hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL')) throw err;
        logger.warn({ code: err.code, reason: err.details?.['reason'] }, 'skipped a malformed alertStream part');
      }
      armExpiry();
    };
    const sleep = (ms: number): Promise<void> =>
      new Promise((resolve) => {
        wake = resolve;
        retryTimer = setTimeout(resolve, ms);
      });

    const run = async (): Promise<void> => {
      let delay = backoffMs;
      while (!closed) {
        try {
          const res = await options.client.stream(ALERT_STREAM_PATH, { signal: abort.signal, ...(idleTimeoutMs > 0 ? { idleTimeoutMs } : {}) });
          if (closed) {
            res.close();
            return;
          }
          current = res;
          delay = backoffMs;
          logger.debug({ endpoint }, 'alertStream open');
          const boundary = multipartBoundary(res.headers['content-type']) ?? 'boundary';
          for await (const part of multipartParts(res.body, boundary, { endpoint, maxPartBytes: options.maxPartBytes ?? 2 * 1024 * 1024 })) {
            onPart(part);
            if (closed) break;
          }
          if (!closed) logger.info({ endpoint }, 'alertStream ended; reconnecting');
        } catch (err) {
          if (closed) return;
          if (hasErrorCode(err, 'ARGUS_ERR_DRIVER_AUTH')) {
            subscriber.error(err);
            return;
          }
          logger.warn({ endpoint, code: hasErrorCode(err) ? err.code : undefined, reason: (err as Error).message, retryInMs: delay }, 'alertStream failed; reconnecting');
        } finally {
          current?.close();
          current = undefined;
        }
        if (closed) return;
        await sleep(delay);
        delay = Math.min(delay * 2, maxBackoffMs);
      }
    };
    run().catch((err: unknown) => {
      if (!closed) subscriber.error(err);
    });

    return () => {
      closed = true;
      abort.abort();
      current?.close();
      clearTimeout(expiryTimer);
      clearTimeout(retryTimer);
      wake?.();
    };
  });
}
