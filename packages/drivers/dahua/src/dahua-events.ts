import { Observable } from 'rxjs';
import { ArgusError, hasErrorCode, reconnectWithBackoff, type Clock, type DeviceEvent, type DeviceEventKind, type Logger } from '@argus/core';
import { multipartBoundary, multipartParts, type DeviceStreamResponse } from '@argus/driver-kit';
import type { DahuaApi } from './dahua-api.js';
import { parseEventPart, toDeviceEvent } from './parse-event-part.js';

/** Options of {@link dahuaEvents$}. */
export interface DahuaEventsOptions {
  /** The device API. */
  readonly api: DahuaApi;
  /** Channel of the session (from 1); per-channel events of other channels are dropped. Default: keep all. */
  readonly channel?: number;
  /** `heartbeat=` seconds asked of the device; the channel is reopened after three missed heartbeats. Default 5. */
  readonly heartbeatSec?: number;
  /** Event codes to attach to; default `['All']`. */
  readonly codes?: readonly string[];
  /** Delay before the first reconnection, ms; default 500. */
  readonly initialDelayMs?: number;
  /** Longest delay between reconnections, ms; default 10 000. */
  readonly maxDelayMs?: number;
  /** Time of receipt for events without a device time. */
  readonly clock: Clock;
  /** Where dropped parts and reconnections are logged. */
  readonly logger: Logger;
}

/** Kinds that belong to one video channel (the others, such as alarm inputs or time changes, belong to the device). */
const CHANNEL_KINDS: ReadonlySet<DeviceEventKind> = new Set(['motion', 'tamper', 'videoLoss', 'lineCrossing', 'intrusion']);

/** Statuses that say the device has no event channel at all: retrying cannot help. */
const FINAL_STATUSES: ReadonlySet<number> = new Set([400, 403, 404, 405, 501]);

function shouldRetry(err: unknown): boolean {
  if (hasErrorCode(err, 'ARGUS_ERR_DRIVER_AUTH')) return false;
  if (hasErrorCode(err, 'ARGUS_ERR_DRIVER_REQUEST_FAILED')) {
    const status = (err as { details?: { status?: unknown } }).details?.status;
    return !(typeof status === 'number' && FINAL_STATUSES.has(status));
  }
  // Network failures, timeouts (missed heartbeats) and garbled streams: the device may recover; so will we.
  return true;
}

/**
 * The device's events from `eventManager.cgi?action=attach&codes=[All]&heartbeat=N`: a cold Observable that opens
 * the multipart stream on subscribe and closes it on unsubscribe. Heartbeat parts are skipped; a part that does not
 * parse is logged and skipped; a dropped, silent (three missed heartbeats) or garbled stream is reopened with
 * exponential backoff, so a device restart does not end it. Wrong credentials (and a device without the API) end it
 * with the typed error.
 *
 * @example
 * ```ts
 * dahuaEvents$({ api, channel: 1, clock: systemClock, logger }).subscribe((event) => {
 *   if (event.kind === 'motion') console.log(event.state);
 * });
 * ```
 */
export function dahuaEvents$(options: DahuaEventsOptions): Observable<DeviceEvent> {
  const { api, clock, logger } = options;
  const heartbeatSec = options.heartbeatSec ?? 5;
  if (!(Number.isInteger(heartbeatSec) && heartbeatSec >= 1)) throw new RangeError(`heartbeatSec must be a whole number >= 1, got ${heartbeatSec}`);
  const codes = options.codes ?? ['All'];
  const path = `/cgi-bin/eventManager.cgi?action=attach&codes=[${codes.join(',')}]&heartbeat=${heartbeatSec}`;
  const endpoint = api.endpoint;

  const attempt$ = new Observable<DeviceEvent>((subscriber) => {
    const abort = new AbortController();
    let response: DeviceStreamResponse | undefined;
    void (async () => {
      response = await api.http.stream({ path, signal: abort.signal, idleTimeoutMs: heartbeatSec * 3000 });
      const boundary = multipartBoundary(response.headers['content-type']);
      if (boundary === undefined) {
        throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', {
          endpoint,
          reason: `eventManager answered ${JSON.stringify(response.headers['content-type'] ?? '')} instead of a multipart stream`,
        });
      }
      logger.debug({ endpoint }, 'Dahua event channel open');
      for await (const part of multipartParts(response.body, boundary, { endpoint })) {
        let events;
        try {
          events = parseEventPart(part.body, { endpoint });
        } catch (err) {
          if (!hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL')) throw err;
          logger.warn({ endpoint, reason: err.message }, 'Dahua event part skipped');
          continue;
        }
        for (const raw of events) {
          const event = toDeviceEvent(raw, clock.now());
          if (options.channel !== undefined && CHANNEL_KINDS.has(event.kind) && event.channel !== options.channel) continue;
          subscriber.next(event);
        }
      }
    })().then(
      () => subscriber.complete(),
      (err: unknown) => {
        if (!abort.signal.aborted) subscriber.error(err);
      },
    );
    return () => {
      abort.abort();
      response?.close();
    };
  });

  return attempt$.pipe(
    reconnectWithBackoff({
      initialDelayMs: options.initialDelayMs ?? 500,
      maxDelayMs: options.maxDelayMs ?? 10_000,
      shouldRetry,
      onRetry: (attempt, delayMs, err) =>
        logger.debug({ endpoint, attempt, delayMs, reason: err instanceof Error ? err.message : 'stream ended' }, 'Dahua event channel reconnecting'),
    }),
  );
}
