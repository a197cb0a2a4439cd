import {
  Subject,
  asyncScheduler,
  concat,
  defer,
  finalize,
  from,
  share,
  takeUntil,
  tap,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import { ArgusError } from '../errors/argus-error.js';
import type { EventBus } from '../events/event-bus.js';
import type { ArgusEventMap } from '../events/event-map.js';
import { silentLogger, type Logger } from '../logging/logger.js';
import { systemClock, type Clock } from '../time/clock.js';
import type { QueueSignal } from './consumer-queue.js';
import { GopCache, type GopCacheOptions } from './gop-cache.js';
import { KeyframeGate, keyframeGate } from './keyframe-gate.js';
import type { MediaPacket } from './media-packet.js';
import { reconnectWithBackoff, type ReconnectWithBackoffOptions } from './reconnect-with-backoff.js';
import { StreamConsumer, type AttachOptions, type ConsumerHandle, type ConsumerStats } from './stream-consumer.js';
import { StreamMeter, streamMeter } from './stream-meter.js';

/** Why an upstream connection ended. */
export type StreamDisconnectReason = 'error' | 'ended' | 'idle' | 'closed';

declare module '../events/event-map.js' {
  interface ArgusEventMap {
    /** The upstream of a stream delivered its first packet on a new connection. */
    streamConnected: { stream: string; connection: number };
    /** An upstream connection that had delivered packets ended: `idle` when its last consumer left. */
    streamDisconnected: { stream: string; reason: StreamDisconnectReason; code?: string; message?: string };
    /** The hub waits `delayMs` before reconnecting attempt `attempt`. */
    streamReconnecting: { stream: string; attempt: number; delayMs: number; code?: string; message: string };
    /** A recorder fell behind past its buffer bound; packets are dropped up to the next keyframe. */
    streamBufferOverflowed: { stream: string; consumer: string; limit: number; dropped: number };
    /** A recorder's backlog is back below half its bound. */
    streamBufferRecovered: { stream: string; consumer: string; limit: number; dropped: number };
  }
}

/** Life cycle of a hub's upstream. `failed`: it stopped on an error no retry will fix; a new consumer tries again. */
export type StreamHubState = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'failed' | 'closed';

/** Reconnect policy of a hub (the hub schedules and reports the retries itself). */
export type StreamReconnectOptions = Omit<ReconnectWithBackoffOptions, 'scheduler' | 'onRetry'>;

/** Options of {@link StreamHub}. */
export interface StreamHubOptions {
  /** Stream id, `${cameraId}/${profile}` in a {@link StreamGraph}. */
  id: string;
  cameraId?: string;
  /** Opens the upstream: each subscription is one connection to the camera. */
  upstream: () => Observable<MediaPacket>;
  bus?: EventBus;
  clock?: Clock;
  /** Scheduler of reconnect delays; default `asyncScheduler`. */
  scheduler?: SchedulerLike;
  logger?: Logger;
  reconnect?: StreamReconnectOptions;
  gopCache?: GopCacheOptions;
  /** Sliding window of the fps and bitrate, ms; default 2000. */
  meterWindowMs?: number;
}

/** Options of {@link StreamHub.live$}. */
export interface LiveOptions {
  /** Viewer name, for logs. */
  name?: string;
}

/** Statistics of a hub. */
export interface StreamHubStats {
  id: string;
  cameraId: string | null;
  state: StreamHubState;
  /** Consumers of every kind: `live$` subscribers and attached consumers, recorders included. */
  consumers: number;
  /** Attached recorders. */
  recorders: number;
  /** Times the upstream factory was subscribed (connections opened). */
  upstreamConnections: number;
  /** Retries scheduled after a drop or an error. */
  reconnects: number;
  fps: number;
  bitrateBps: number;
  packets: number;
  bytes: number;
  lastPacketAt: number | null;
  gopCachedPackets: number;
  /** Attached consumers, each with its queue counters. */
  attached: ConsumerStats[];
}

/**
 * One camera stream fanned out to any number of consumers over ONE upstream connection.
 *
 * The upstream connects lazily with the first consumer and disconnects with the last (ref-counted), unless a
 * recorder is attached. A GOP cache lets a new viewer start at once from the last keyframe. Drops and errors
 * reconnect with exponential backoff and jitter. Slow consumers never slow the camera: attached consumers
 * each have a queue: a live one skips to the next keyframe, a recorder buffers to a bound and then raises
 * `streamBufferOverflowed`.
 *
 * @example
 * ```ts
 * const hub = new StreamHub({ id: 'cam-1/main', cameraId: 'cam-1', upstream: () => rtsp.packets$(url), bus });
 * const viewer = hub.live$({ name: 'wall-3' }).subscribe(render); // connects; replays from the last keyframe
 * const recorder = hub.attach({ kind: 'recorder', name: 'recorder', sink: (p) => segmenter.write(p) });
 * viewer.unsubscribe(); // stays connected: the recorder holds the upstream
 * hub.stats(); // { state: 'live', consumers: 1, recorders: 1, upstreamConnections: 1, fps: 25, ... }
 * hub.close();
 * ```
 */
export class StreamHub {
  /** Stream id. */
  readonly id: string;
  /** Camera the stream belongs to, when known. */
  readonly cameraId: string | undefined;
  readonly #upstream: () => Observable<MediaPacket>;
  readonly #bus: EventBus | undefined;
  readonly #logger: Logger;
  readonly #gop: GopCache;
  readonly #meter: StreamMeter;
  readonly #closed$ = new Subject<void>();
  readonly #shared$: Observable<MediaPacket>;
  readonly #attached = new Set<StreamConsumer>();
  #state: StreamHubState = 'idle';
  #liveViewers = 0;
  #upstreamConnections = 0;
  #reconnects = 0;

  constructor(options: StreamHubOptions) {
    if (typeof options.id !== 'string' || options.id === '') throw new TypeError('StreamHub needs a non-empty id');
    if (typeof options.upstream !== 'function') throw new TypeError('StreamHub needs an upstream factory');
    this.id = options.id;
    this.cameraId = options.cameraId;
    this.#upstream = options.upstream;
    this.#bus = options.bus;
    this.#logger = (options.logger ?? silentLogger()).child({ stream: options.id });
    this.#gop = new GopCache(options.gopCache);
    this.#meter = new StreamMeter({ clock: options.clock ?? systemClock, windowMs: options.meterWindowMs });
    this.#shared$ = defer(() => this.#connect()).pipe(
      reconnectWithBackoff<MediaPacket>({
        ...options.reconnect,
        scheduler: options.scheduler ?? asyncScheduler,
        onRetry: (attempt, delayMs, err) => this.#retrying(attempt, delayMs, err),
      }),
      tap({
        next: (packet) => this.#gop.push(packet),
        error: (err: unknown) => this.#failed(err),
      }),
      finalize(() => {
        if (this.#state !== 'closed' && this.#state !== 'failed') this.#state = 'idle';
        this.#gop.clear();
      }),
      share({ resetOnError: true, resetOnComplete: true, resetOnRefCountZero: true }),
    );
  }

  /** Current state of the upstream. */
  get state(): StreamHubState {
    return this.#state;
  }

  /**
   * Packets for a live viewer: the cached GOP (from its keyframe) at once, then live packets. With an empty
   * cache, the first packet is the next keyframe. Subscribing connects the upstream if needed; unsubscribing the
   * last consumer disconnects it. Delivery is synchronous: a consumer that may be slow uses {@link attach}.
   * Errors with the upstream's error when it fails for good; completes when the hub closes.
   *
   * @throws ArgusError `ARGUS_ERR_STREAM_CLOSED` after {@link close}.
   */
  live$(options: LiveOptions = {}): Observable<MediaPacket> {
    this.#assertOpen();
    return defer(() => {
      this.#assertOpen();
      this.#liveViewers += 1;
      this.#logger.debug({ viewer: options.name }, 'live viewer joined');
      return this.#packets$().pipe(
        keyframeGate(new KeyframeGate()),
        finalize(() => {
          this.#liveViewers -= 1;
          this.#logger.debug({ viewer: options.name }, 'live viewer left');
        }),
      );
    });
  }

  /**
   * Attaches an asynchronous consumer with its own queue and drop policy, and starts delivery (GOP cache first).
   * A recorder holds the upstream connected even with no viewer.
   *
   * @throws ArgusError `ARGUS_ERR_STREAM_CLOSED` after {@link close}.
   */
  attach(options: AttachOptions): ConsumerHandle {
    this.#assertOpen();
    const consumer = new StreamConsumer(
      options,
      {
        signal: (consumer, signal) => this.#queueSignal(consumer, signal),
        ended: (consumer) => this.#attached.delete(consumer),
      },
      this.#logger,
    );
    this.#attached.add(consumer);
    consumer.start(this.#packets$());
    return consumer;
  }

  /** Statistics, computed now. */
  stats(): StreamHubStats {
    const meter = this.#meter.toJSON();
    const attached = [...this.#attached].map((consumer) => consumer.stats());
    return {
      id: this.id,
      cameraId: this.cameraId ?? null,
      state: this.#state,
      consumers: this.#liveViewers + attached.length,
      recorders: attached.filter((consumer) => consumer.kind === 'recorder').length,
      upstreamConnections: this.#upstreamConnections,
      reconnects: this.#reconnects,
      fps: meter.fps,
      bitrateBps: meter.bitrateBps,
      packets: meter.packets,
      bytes: meter.bytes,
      lastPacketAt: meter.lastPacketAt,
      gopCachedPackets: this.#gop.size,
      attached,
    };
  }

  /** Same as {@link stats}. */
  toJSON(): StreamHubStats {
    return this.stats();
  }

  /**
   * Completes every consumer and disconnects the upstream. Attached consumers still receive what they had
   * queued. Idempotent.
   */
  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#closed$.next();
    this.#closed$.complete();
    this.#logger.debug('stream hub closed');
  }

  /** The cached GOP then the shared live packets, ending when the hub closes. */
  #packets$(): Observable<MediaPacket> {
    return defer(() => {
      const cached = this.#gop.snapshot();
      return cached.length === 0 ? this.#shared$ : concat(from(cached), this.#shared$);
    }).pipe(takeUntil(this.#closed$));
  }

  /** One upstream connection, reporting its life cycle. */
  #connect(): Observable<MediaPacket> {
    const connection = ++this.#upstreamConnections;
    if (this.#state !== 'reconnecting') this.#state = 'connecting';
    // A new connection may bring new codec parameters: never replay the previous one's GOP.
    this.#gop.clear();
    this.#logger.debug({ connection }, 'connecting upstream');
    let connected = false;
    const disconnected = (reason: StreamDisconnectReason, err?: unknown): void => {
      if (!connected) return;
      connected = false;
      this.#emit('streamDisconnected', { stream: this.id, reason, ...describeError(err) });
      this.#logger.info({ connection, reason }, 'upstream disconnected');
    };
    return this.#upstream().pipe(
      tap({
        next: () => {
          if (connected) return;
          connected = true;
          this.#state = 'live';
          this.#emit('streamConnected', { stream: this.id, connection });
          this.#logger.info({ connection }, 'upstream connected');
        },
        error: (err: unknown) => disconnected('error', err),
        complete: () => disconnected('ended'),
        unsubscribe: () => disconnected(this.#state === 'closed' ? 'closed' : 'idle'),
      }),
      streamMeter(this.#meter),
      // Whatever precedes the first keyframe of a connection is undecodable for every consumer.
      keyframeGate(new KeyframeGate()),
    );
  }

  #retrying(attempt: number, delayMs: number, err: unknown): void {
    this.#reconnects += 1;
    if (this.#state !== 'closed') this.#state = 'reconnecting';
    const { code, message = 'upstream ended' } = describeError(err);
    this.#emit('streamReconnecting', { stream: this.id, attempt, delayMs, message, ...(code === undefined ? {} : { code }) });
    this.#logger.warn({ attempt, delayMs, err }, 'upstream dropped; reconnecting');
  }

  #failed(err: unknown): void {
    if (this.#state !== 'closed') this.#state = 'failed';
    this.#logger.error({ err }, 'upstream failed; not retrying');
  }

  #queueSignal(consumer: StreamConsumer, signal: QueueSignal): void {
    switch (signal.type) {
      case 'skipped':
        this.#logger.debug({ consumer: consumer.name, dropped: signal.dropped }, 'live consumer fell behind; skipped to next keyframe');
        return;
      case 'overflowed':
        this.#logger.warn({ consumer: consumer.name, limit: signal.limit, dropped: signal.dropped }, 'recorder buffer overflowed');
        this.#emit('streamBufferOverflowed', { stream: this.id, consumer: consumer.name, limit: signal.limit, dropped: signal.dropped });
        return;
      case 'recovered':
        this.#logger.info({ consumer: consumer.name, dropped: signal.dropped }, 'recorder buffer recovered');
        this.#emit('streamBufferRecovered', { stream: this.id, consumer: consumer.name, limit: signal.limit, dropped: signal.dropped });
        return;
    }
  }

  #emit<K extends keyof ArgusEventMap & string>(type: K, payload: ArgusEventMap[K]): void {
    this.#bus?.emit(type, payload, this.cameraId === undefined ? {} : { cameraId: this.cameraId });
  }

  #assertOpen(): void {
    if (this.#state === 'closed') throw new ArgusError('ARGUS_ERR_STREAM_CLOSED', { stream: this.id });
  }
}

function describeError(err: unknown): { code?: string; message?: string } {
  if (err === undefined) return {};
  if (typeof err === 'object' && err !== null) {
    const { code, message } = err as { code?: unknown; message?: unknown };
    return {
      ...(typeof code === 'string' ? { code } : {}),
      message: typeof message === 'string' ? message : String(err),
    };
  }
  return { message: String(err) };
}
