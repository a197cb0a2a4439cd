import { Observable } from 'rxjs';
import { ArgusError, errorMessage, hasErrorCode, reconnectWithBackoff, silentLogger, systemClock, type Clock, type DeviceEvent, type Logger } from '@argus/core';
import { parseRtp, RtspClient, type SdpTrack } from '@argus/core/media';
import { toDeviceEvent, type AxisTopicRule } from './axis-device-event.js';
import { EventStateFilter } from './event-state-filter.js';
import { MetadataAssembler } from './metadata-assembler.js';
import { parseMetadataStream } from './parse-event-message.js';

/** Options of {@link metadataEvents$}. */
export interface MetadataEventsOptions {
  /** `rtsp://host:port/axis-media/media.amp?video=0&audio=0&event=on` (no credentials). */
  readonly url: string;
  /** User name for RTSP Digest. */
  readonly username?: string;
  /** Password for RTSP Digest. */
  readonly password?: string;
  /** Per-request RTSP timeout; default 10 s. */
  readonly timeoutMs?: number;
  /** First reconnection delay; doubles up to `maxBackoffMs`. Default 250 ms. */
  readonly minBackoffMs?: number;
  /** Longest reconnection delay; default 10 s. */
  readonly maxBackoffMs?: number;
  /** Topic table; default {@link AXIS_TOPIC_RULES}. */
  readonly rules?: readonly AxisTopicRule[];
  /** Where connection problems and skipped documents are logged; default silent. */
  readonly logger?: Logger;
  /** Time of receipt for events without a device time; default the system clock. */
  readonly clock?: Clock;
}

/** The metadata track of a DESCRIBE answer: `vnd.onvif.metadata`, else the first `application` track. */
export function findMetadataTrack(tracks: readonly SdpTrack[]): SdpTrack | undefined {
  return tracks.find((t) => t.encoding.toLowerCase() === 'vnd.onvif.metadata') ?? tracks.find((t) => t.type === 'application');
}

/**
 * Device events from an Axis RTSP metadata stream: a cold Observable that, on subscribe, opens an RTSP session
 * to the metadata URL (DESCRIBE, SETUP of the `vnd.onvif.metadata` track over TCP, PLAY), reassembles the XML
 * documents from RTP, maps their notifications with {@link toDeviceEvent} and filters repeated `Initialized`
 * states ({@link EventStateFilter}). When the session fails or the device goes away it reconnects with backoff,
 * forever; only a rejected login (`ARGUS_ERR_DRIVER_AUTH`) ends the Observable with an error. Unsubscribing
 * tears the session down. Malformed documents are logged and skipped.
 *
 * @example
 * ```ts
 * metadataEvents$({ url: 'rtsp://10.0.0.9:554/axis-media/media.amp?video=0&audio=0&event=on', username, password })
 *   .pipe(filter((e) => e.kind === 'motion'))
 *   .subscribe((e) => console.log(e.state, e.channel));
 * ```
 */
export function metadataEvents$(options: MetadataEventsOptions): Observable<DeviceEvent> {
  const logger = (options.logger ?? silentLogger()).child({ component: 'axis-events' });
  const clock = options.clock ?? systemClock;
  const endpoint = new URL(options.url).host;
  const initialDelayMs = options.minBackoffMs ?? 250;
  return new Observable<DeviceEvent>((subscriber) => {
    const filter = new EventStateFilter();

    /** One RTSP session: `[]` once it plays (which resets the backoff), then the events of each document. */
    const session$ = new Observable<readonly DeviceEvent[]>((attempt) => {
      const assembler = new MetadataAssembler({ endpoint });
      let trackIndex = -1;
      const session = new RtspClient({
        url: options.url,
        ...(options.username === undefined ? {} : { username: options.username }),
        ...(options.password === undefined ? {} : { password: options.password }),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        logger,
        onPacket: (packet) => {
          if (packet.kind !== 'rtp' || packet.trackIndex !== trackIndex) return;
          const events: DeviceEvent[] = [];
          try {
            for (const xml of assembler.process(parseRtp(packet.data))) {
              for (const message of parseMetadataStream(xml, { endpoint })) {
                const event = toDeviceEvent(message, clock.now(), options.rules);
                if (event !== undefined) events.push(...filter.process(event));
              }
            }
          } catch (err) {
            // Called from the socket's data handler: nothing may escape, one bad document must not end the stream.
            logger.warn({ code: hasErrorCode(err) ? err.code : undefined, reason: errorMessage(err) }, 'skipping a malformed metadata document');
          }
          if (events.length > 0) attempt.next(events);
        },
      });
      void (async () => {
        const description = await session.describe();
        const track = findMetadataTrack(description.tracks);
        if (track === undefined) {
          throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint, reason: 'the event stream has no vnd.onvif.metadata track' });
        }
        trackIndex = (await session.setup(track, 'tcp')).trackIndex;
        session.packets$.subscribe({ error: (err: unknown) => attempt.error(err), complete: () => attempt.complete() });
        await session.play();
        attempt.next([]);
        logger.debug({ url: options.url }, 'metadata stream playing');
      })().catch((err: unknown) => attempt.error(err));
      return () => void session.close().catch(() => undefined);
    });

    return session$
      .pipe(
        reconnectWithBackoff({
          initialDelayMs,
          maxDelayMs: Math.max(initialDelayMs, options.maxBackoffMs ?? 10_000),
          jitter: 0,
          // A rejected login ends the stream; anything else (the device went away, a broken session) is retried.
          shouldRetry: (err) => !hasErrorCode(err, 'ARGUS_ERR_DRIVER_AUTH'),
          onRetry: (_attempt, retryInMs, err) =>
            logger.debug(
              { code: hasErrorCode(err) ? err.code : undefined, reason: err === undefined ? 'metadata stream ended' : errorMessage(err), retryInMs },
              'metadata stream down, reconnecting',
            ),
        }),
      )
      .subscribe({ next: (events) => events.forEach((event) => subscriber.next(event)), error: (err: unknown) => subscriber.error(err) });
  });
}
