import { Subject, merge, type Observable, type Subscription } from 'rxjs';
import { silentLogger, type Logger } from '../logging/logger.js';
import { systemClock, type Clock } from '../time/clock.js';
import type { AnyArgusEvent, ArgusEvent, ArgusEventMap, EventType } from './event-map.js';

/** Envelope fields a publisher may set besides the payload. */
export interface EmitOptions {
  /** Who emits the event; default the bus's `defaultSource`. */
  source?: string;
  /** The camera the event is about. */
  cameraId?: string;
}

/** Options of {@link EventBus}. */
export interface EventBusOptions {
  clock?: Clock;
  logger?: Logger;
  /** Source recorded when `emit` is given none; default `core`. */
  defaultSource?: string;
}

/** Counters of an {@link EventBus}. */
export interface EventBusStats {
  emitted: number;
  handlerErrors: number;
  byType: Record<string, number>;
}

/**
 * The in-process, typed event bus (RxJS). Devices, analytics and the system publish; rules, audit, metrics and
 * the API subscribe.
 *
 * Use {@link EventBus.on$} to compose with RxJS operators, and {@link EventBus.subscribe} for plain handlers:
 * a handler that throws is logged and counted, and never stops delivery to the others.
 *
 * @example
 * ```ts
 * const bus = new EventBus();
 * bus.subscribe('deviceAdded', (event) => log.info(event.payload));
 * bus.on$('streamConnected', 'streamDisconnected').pipe(take(2)).subscribe(console.log);
 * bus.emit('deviceAdded', { id: 'cam-1', device }, { source: 'api', cameraId: 'cam-1' });
 * ```
 */
export class EventBus {
  readonly #all = new Subject<AnyArgusEvent>();
  readonly #byType = new Map<string, Subject<AnyArgusEvent>>();
  readonly #counts = new Map<string, number>();
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #defaultSource: string;
  #seq = 0;
  #handlerErrors = 0;
  #closed = false;

  constructor(options: EventBusOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger();
    this.#defaultSource = options.defaultSource ?? 'core';
  }

  /** Every event, in emission order. */
  get events$(): Observable<AnyArgusEvent> {
    return this.#all.asObservable();
  }

  /**
   * Publishes an event to every subscriber, synchronously, and returns its envelope. After {@link complete}
   * events are dropped.
   */
  emit<K extends EventType>(type: K, payload: ArgusEventMap[K], options: EmitOptions = {}): ArgusEvent<K> {
    const event: ArgusEvent<K> = {
      type,
      payload,
      at: this.#clock.now(),
      seq: ++this.#seq,
      source: options.source ?? this.#defaultSource,
      ...(options.cameraId === undefined ? {} : { cameraId: options.cameraId }),
    };
    if (this.#closed) return event;
    this.#counts.set(type, (this.#counts.get(type) ?? 0) + 1);
    const anyEvent = event as unknown as AnyArgusEvent;
    this.#byType.get(type)?.next(anyEvent);
    this.#all.next(anyEvent);
    return event;
  }

  /** Events of the given types (all events when none is given), as an Observable. */
  on$<K extends EventType>(...types: K[]): Observable<ArgusEvent<K>> {
    if (types.length === 0) return this.events$ as unknown as Observable<ArgusEvent<K>>;
    const streams = types.map((type) => this.#subjectFor(type).asObservable());
    return (streams.length === 1 ? streams[0]! : merge(...streams)) as unknown as Observable<ArgusEvent<K>>;
  }

  /**
   * Calls `handler` for each event of the given type(s), or of every type with `'*'`. Errors thrown by the
   * handler are caught, logged and counted in {@link stats}.
   */
  subscribe<K extends EventType>(types: K | readonly K[] | '*', handler: (event: ArgusEvent<K>) => void): Subscription {
    const source$ = types === '*' ? this.on$<K>() : this.on$<K>(...(typeof types === 'string' ? [types] : types));
    return source$.subscribe((event) => {
      try {
        handler(event);
      } catch (err) {
        this.#handlerErrors += 1;
        this.#logger.error({ err, event: event.type, seq: event.seq }, 'event handler failed');
      }
    });
  }

  /** Counters since creation. */
  stats(): EventBusStats {
    return { emitted: this.#seq, handlerErrors: this.#handlerErrors, byType: Object.fromEntries(this.#counts) };
  }

  /** Completes every stream; later emits are dropped. Called when the host stops. */
  complete(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const subject of this.#byType.values()) subject.complete();
    this.#all.complete();
  }

  #subjectFor(type: string): Subject<AnyArgusEvent> {
    let subject = this.#byType.get(type);
    if (subject === undefined) {
      subject = new Subject<AnyArgusEvent>();
      if (this.#closed) subject.complete();
      this.#byType.set(type, subject);
    }
    return subject;
  }
}
