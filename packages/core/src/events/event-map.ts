/**
 * The typed catalogue of events on the bus: event name -> payload type.
 *
 * Names are past tense (`deviceAdded`, `motionStarted`). Each core module adds its own events by declaration
 * merging, and so can plugins:
 *
 * @example
 * ```ts
 * declare module '@argus/core' {
 *   interface ArgusEventMap {
 *     exportCompleted: { exportId: string; files: number };
 *   }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface ArgusEventMap {}

/** Name of any event in {@link ArgusEventMap}. */
export type EventType = keyof ArgusEventMap & string;

/** An event as it travels on the bus: its name, payload and envelope. */
export interface ArgusEvent<K extends EventType = EventType> {
  readonly type: K;
  readonly payload: ArgusEventMap[K];
  /** Wall-clock time of emission, ms since epoch (from the bus's clock). */
  readonly at: number;
  /** Position in the bus's emission order, from 1. */
  readonly seq: number;
  /** Who emitted it: a plugin, a driver, `core`... */
  readonly source: string;
  /** The camera the event is about, when it is about one (used to filter by camera scope). */
  readonly cameraId?: string;
}

/** Union of every event envelope, discriminated by `type`. */
export type AnyArgusEvent = { [K in EventType]: ArgusEvent<K> }[EventType];
