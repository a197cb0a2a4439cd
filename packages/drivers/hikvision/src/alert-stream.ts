import { Observable } from 'rxjs';
import { errorMessage, hasErrorCode, reconnectWithBackoff, type Clock, type DeviceEvent, type Logger } from '@argus/core';
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
  const idleTimeoutMs = options.idleTimeoutMs ?? 120_000;
  const maxPartBytes = options.maxPartBytes ?? 2 * 1024 * 1024;
  const { client, clock, logger } = options;
  const endpoint = client.endpoint;

  return new Observable<DeviceEvent>((subscriber) => {
    const tracker = options.tracker();
    let expiryTimer: NodeJS.Timeout | undefined;

    const emit = (events: readonly DeviceEvent[]): void => {
      for (const event of events) if (options.filter === undefined || options.filter(event)) subscriber.next(event);
    };
    const armExpiry = (): void => {
      clearTimeout(expiryTimer);
      expiryTimer = undefined;
      const due = tracker.nextDeadline();
      if (due === undefined || subscriber.closed) return;
      expiryTimer = setTimeout(
        () => {
          emit(tracker.expire(clock.now()));
          armExpiry();
        },
        Math.max(0, due - clock.now()),
      );
    };
    const eventsOf = (part: MultipartPart): readonly DeviceEvent[] => {
      if (part.body.byteLength === 0) return [];
      const type = (part.headers['content-type'] ?? '').toLowerCase();
      const text = type.startsWith('image/') ? '' : bodyText(part.body);
      if (!XML_START.test(text)) return [];
      try {
        return tracker.process({ alert: parseEventAlert(text, endpoint), receivedAt: clock.now() });
      } catch (err) {
        if (!hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL')) throw err;
        logger.warn({ code: err.code, reason: err.details?.['reason'] }, 'skipped a malformed alertStream part');
        return [];
      } finally {
        armExpiry();
      }
    };

    /** One connection: `[]` once it is open (which resets the backoff), then the events of each part. */
    const connection$ = new Observable<readonly DeviceEvent[]>((attempt) => {
      const abort = new AbortController();
      let response: DeviceStreamResponse | undefined;
      void (async () => {
        response = await client.stream(ALERT_STREAM_PATH, { signal: abort.signal, ...(idleTimeoutMs > 0 ? { idleTimeoutMs } : {}) });
        if (abort.signal.aborted) {
          response.close();
          return;
        }
        logger.debug({ endpoint }, 'alertStream open');
        attempt.next([]);
        const boundary = multipartBoundary(response.headers['content-type']) ?? 'boundary';
        for await (const part of multipartParts(response.body, boundary, { endpoint, maxPartBytes })) {
          if (abort.signal.aborted) return;
          attempt.next(eventsOf(part));
        }
      })().then(
        () => attempt.complete(),
        (err: unknown) => {
          if (!abort.signal.aborted) attempt.error(err);
        },
      );
      return () => {
        abort.abort();
        response?.close();
      };
    });

    const initialDelayMs = options.backoffMs ?? 1000;
    const subscription = connection$
      .pipe(
        reconnectWithBackoff({
          initialDelayMs,
          maxDelayMs: Math.max(initialDelayMs, options.maxBackoffMs ?? 30_000),
          jitter: 0,
          // Wrong credentials end the stream; anything else (a drop, a silent or garbled stream) is retried.
          shouldRetry: (err) => !hasErrorCode(err, 'ARGUS_ERR_DRIVER_AUTH'),
          onRetry: (_attempt, retryInMs, err) => {
            if (err === undefined) logger.info({ endpoint }, 'alertStream ended; reconnecting');
            else logger.warn({ endpoint, code: hasErrorCode(err) ? err.code : undefined, reason: errorMessage(err), retryInMs }, 'alertStream failed; reconnecting');
          },
        }),
      )
      .subscribe({ next: emit, error: (err: unknown) => subscriber.error(err) });

    return () => {
      subscription.unsubscribe();
      clearTimeout(expiryTimer);
    };
  });
}
