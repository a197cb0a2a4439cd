import type { Observable, Subscription } from 'rxjs';
import type { Logger } from '../logging/logger.js';
import type { ConsumerQueue, QueueSignal } from './consumer-queue.js';
import { KeyframeGate } from './keyframe-gate.js';
import { LiveQueue } from './live-queue.js';
import type { MediaPacket } from './media-packet.js';
import { RecorderQueue } from './recorder-queue.js';

/** How a hub treats a consumer that falls behind: a live viewer skips ahead, a recorder buffers then alarms. */
export type ConsumerKind = 'live' | 'recorder';

/** Options of {@link StreamHub.attach}. */
export interface AttachOptions {
  kind: ConsumerKind;
  /** Name in stats, logs and events (e.g. `recorder`, `webrtc:session-12`). */
  name: string;
  /**
   * Receives each packet, serially: the next call comes only after the promise it returned settles. A sink that
   * throws or rejects is detached.
   */
  sink: (packet: MediaPacket) => void | PromiseLike<void>;
  /** Live: most packets waiting before skipping to the next keyframe; default 100. */
  maxQueue?: number;
  /** Recorder: most packets buffered before the overflow alarm; default 3000. */
  limit?: number;
  /** Called once if the consumer ends on an error: its sink failed, or the upstream failed for good. */
  onError?: (err: unknown) => void;
}

/** State of an attached consumer. */
export type ConsumerState = 'active' | 'draining' | 'detached' | 'failed';

/** Statistics of an attached consumer. */
export interface ConsumerStats {
  name: string;
  kind: ConsumerKind;
  state: ConsumerState;
  /** Packets waiting in its queue. */
  queued: number;
  /** Packets its sink accepted. */
  delivered: number;
  /** Packets dropped by its queue policy. */
  dropped: number;
  /** Live: times it skipped to the next keyframe. */
  skips: number;
  /** Recorder: overflow alarms raised. */
  overflows: number;
  /** Packets held back before its first keyframe. */
  awaitingKeyframe: number;
}

/**
 * An attached consumer, as returned by {@link StreamHub.attach}.
 *
 * @example
 * ```ts
 * const handle = hub.attach({ kind: 'recorder', name: 'recorder', sink: (p) => writer.write(p) });
 * handle.stats(); // { queued, delivered, dropped, overflows, ... }
 * handle.detach();
 * ```
 */
export interface ConsumerHandle {
  readonly name: string;
  readonly kind: ConsumerKind;
  stats(): ConsumerStats;
  /** Stops delivery at once and drops what is queued; idempotent. */
  detach(): void;
}

/** What a consumer reports to its hub. */
export interface ConsumerEvents {
  signal(consumer: StreamConsumer, signal: QueueSignal): void;
  ended(consumer: StreamConsumer): void;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Pumps packets from a hub into a sink through a policy queue. Internal to the hub (exported for it only).
 */
export class StreamConsumer implements ConsumerHandle {
  readonly name: string;
  readonly kind: ConsumerKind;
  readonly #sink: AttachOptions['sink'];
  readonly #onError: AttachOptions['onError'];
  readonly #events: ConsumerEvents;
  readonly #logger: Logger;
  readonly #gate = new KeyframeGate();
  readonly #queue: ConsumerQueue;
  #subscription: Subscription | undefined;
  #state: ConsumerState = 'active';
  #busy = false;
  #delivered = 0;
  #ended = false;
  #endError: { err: unknown } | undefined;

  constructor(options: AttachOptions, events: ConsumerEvents, logger: Logger) {
    if (options.kind !== 'live' && options.kind !== 'recorder') {
      throw new TypeError(`attach() kind must be 'live' or 'recorder', got ${String(options.kind)}`);
    }
    if (typeof options.sink !== 'function') throw new TypeError('attach() needs a sink function');
    this.name = options.name;
    this.kind = options.kind;
    this.#sink = options.sink;
    this.#onError = options.onError;
    this.#events = events;
    this.#logger = logger.child({ consumer: options.name, kind: options.kind });
    this.#queue =
      options.kind === 'live' ? new LiveQueue({ maxQueue: options.maxQueue }) : new RecorderQueue({ limit: options.limit });
  }

  /** Subscribes to the hub's packets (replay of the GOP cache, then live). */
  start(packets$: Observable<MediaPacket>): void {
    const subscription = packets$.subscribe({
      next: (packet) => this.#accept(packet),
      error: (err: unknown) => this.#end({ err }),
      complete: () => this.#end(undefined),
    });
    if (this.#state === 'detached' || this.#state === 'failed') subscription.unsubscribe();
    else this.#subscription = subscription;
  }

  stats(): ConsumerStats {
    const queue = this.#queue.toJSON();
    return {
      name: this.name,
      kind: this.kind,
      state: this.#state,
      queued: queue.queued,
      delivered: this.#delivered,
      dropped: queue.dropped,
      skips: queue.skips,
      overflows: queue.overflows,
      awaitingKeyframe: this.#gate.toJSON().dropped,
    };
  }

  detach(): void {
    if (this.#state === 'detached' || this.#state === 'failed') return;
    this.#stop('detached');
  }

  #accept(packet: MediaPacket): void {
    for (const admitted of this.#gate.process(packet)) {
      const signal = this.#queue.push(admitted);
      if (signal !== undefined) this.#events.signal(this, signal);
    }
    this.#drain();
  }

  #end(error: { err: unknown } | undefined): void {
    this.#ended = true;
    this.#endError = error;
    if (this.#state === 'active') this.#state = 'draining';
    this.#drain();
  }

  #drain(): void {
    if (this.#busy) return;
    this.#busy = true;
    while (this.#state === 'active' || this.#state === 'draining') {
      const item = this.#queue.shift();
      if (item === undefined) break;
      if (item.signal !== undefined) this.#events.signal(this, item.signal);
      let result: unknown;
      try {
        result = this.#sink(item.packet);
      } catch (err) {
        this.#busy = false;
        this.#fail(err, 'consumer sink threw; detached');
        return;
      }
      if (isPromiseLike(result)) {
        result.then(
          () => {
            this.#delivered += 1;
            this.#busy = false;
            this.#drain();
          },
          (err: unknown) => {
            this.#busy = false;
            this.#fail(err, 'consumer sink rejected; detached');
          },
        );
        return;
      }
      this.#delivered += 1;
    }
    this.#busy = false;
    if (this.#ended && this.#state === 'draining' && this.#queue.size === 0) {
      if (this.#endError === undefined) this.#stop('detached');
      else this.#fail(this.#endError.err, 'upstream failed; consumer ended');
    }
  }

  #fail(err: unknown, message: string): void {
    if (this.#state === 'detached' || this.#state === 'failed') return;
    this.#logger.error({ err }, message);
    this.#stop('failed');
    try {
      this.#onError?.(err);
    } catch (callbackErr) {
      this.#logger.error({ err: callbackErr }, 'consumer onError callback threw');
    }
  }

  #stop(state: 'detached' | 'failed'): void {
    this.#state = state;
    this.#subscription?.unsubscribe();
    this.#subscription = undefined;
    while (this.#queue.shift() !== undefined) {
      // Drop what is left: the consumer is gone.
    }
    this.#events.ended(this);
  }
}
