import type { DeviceEvent } from '@argus/core';

/** Counters of an {@link EventStateFilter}. */
export interface EventStateFilterStats {
  /** Events passed on. */
  readonly passed: number;
  /** `Initialized` reports dropped because they only repeated the known state. */
  readonly repeated: number;
}

/**
 * A stream stage between the metadata stream and `events$`: every time the stream (re)opens, an Axis device first
 * reports the current state of each property event (`PropertyOperation="Initialized"`). Those reports are passed
 * on only when they differ from the state last passed for the same source (unknown counts as `stop`), so a quiet
 * camera does not flood subscribers with `stop` events on every reconnect, while a motion that started or ended
 * during a disconnection is still reported. `Changed` and stateless events always pass.
 *
 * @example
 * ```ts
 * const filter = new EventStateFilter();
 * filter.process(initializedStop);   // [] (nothing was known to be active)
 * filter.process(changedStart);      // [changedStart]
 * ```
 */
export class EventStateFilter {
  readonly #states = new Map<string, DeviceEvent['state']>();
  #passed = 0;
  #repeated = 0;

  /** The events to emit for one mapped event (zero or one). */
  process(event: DeviceEvent): DeviceEvent[] {
    const key = keyOf(event);
    if (event.state !== 'pulse') {
      const known = this.#states.get(key) ?? 'stop';
      this.#states.set(key, event.state);
      if (event.data?.['operation'] === 'Initialized' && known === event.state) {
        this.#repeated += 1;
        return [];
      }
    }
    this.#passed += 1;
    return [event];
  }

  /** Counters for diagnostics. */
  toJSON(): EventStateFilterStats {
    return { passed: this.#passed, repeated: this.#repeated };
  }
}

function keyOf(event: DeviceEvent): string {
  const data = event.data ?? {};
  const parts = [event.kind, String(event.channel ?? ''), String(data['topic'] ?? '')];
  for (const name of ['port', 'sensor', 'areaid', 'RelayToken', 'InputToken', 'VideoSource', 'Source', 'RuleName']) {
    if (data[name] !== undefined) parts.push(`${name}=${String(data[name])}`);
  }
  return parts.join('|');
}
