import type { DeviceEvent } from '@argus/core';
import { alertTypeRule, type AlertStreamQuirk, ALERT_STREAM_QUIRKS } from './alert-quirks.js';
import { alertToDeviceEvent, type IsapiEventAlert } from './parse-event-alert.js';

/** One alert as it arrived, with the local time of arrival. */
export interface ReceivedAlert {
  readonly alert: IsapiEventAlert;
  /** Local time of receipt, ms since epoch. */
  readonly receivedAt: number;
}

/** Counters of an {@link AlertTracker}. */
export interface AlertTrackerStats {
  /** Alerts processed. */
  alerts: number;
  /** Heartbeats seen (and not emitted). */
  heartbeats: number;
  /** `active` repeats of a `held` or `state` event already started (not emitted). */
  repeats: number;
  /** `inactive` alerts of events that were not active (not emitted, heartbeats excepted). */
  orphanStops: number;
  /** `stop` events derived from a quiet period. */
  derivedStops: number;
  /** Events emitted. */
  emitted: number;
  /** Events active now. */
  active: number;
}

interface Held {
  readonly start: DeviceEvent;
  readonly mode: 'held' | 'state';
  /** Local time of the last `active` alert. */
  lastSeen: number;
  /** `at` of the last `active` alert. */
  lastAt: number;
}

/**
 * Turns the alertStream's alerts into start/stop/pulse events (a framework-free stream stage).
 *
 * ISAPI devices repeat `active` alerts while motion lasts and send nothing when it stops; the tracker emits
 * `start` on the first alert, swallows the repeats, and emits `stop` once the event has been silent for the
 * quirk row's `heldQuietMs` ({@link AlertTracker.expire}, called by a timer at {@link AlertTracker.nextDeadline}).
 * `videoloss`/`inactive` alerts with no video loss going on are heartbeats and are dropped. Pulses pass through.
 *
 * @example
 * ```ts
 * const tracker = new AlertTracker(alertStreamQuirk(deviceInfo));
 * tracker.process({ alert, receivedAt: Date.now() }); // [{ kind: 'motion', state: 'start', ... }] or []
 * tracker.expire(Date.now());                          // derived stops of events silent for too long
 * ```
 */
export class AlertTracker {
  readonly #quirk: AlertStreamQuirk;
  readonly #held = new Map<string, Held>();
  readonly #stats: Omit<AlertTrackerStats, 'active'> = { alerts: 0, heartbeats: 0, repeats: 0, orphanStops: 0, derivedStops: 0, emitted: 0 };

  constructor(quirk: AlertStreamQuirk = ALERT_STREAM_QUIRKS[ALERT_STREAM_QUIRKS.length - 1]!) {
    this.#quirk = quirk;
  }

  /** The quirk row in force. */
  get quirk(): AlertStreamQuirk {
    return this.#quirk;
  }

  /** Events to emit for one alert (derived stops that fell due before it come first). */
  process(input: ReceivedAlert): DeviceEvent[] {
    const { alert, receivedAt } = input;
    this.#stats.alerts += 1;
    const out = this.expire(receivedAt);
    const rule = alertTypeRule(alert.eventType);
    const event = alertToDeviceEvent(alert, receivedAt);
    if (rule.mode === 'pulse') return this.#emit(out, event);

    const key = `${alert.eventType.toLowerCase()}|${event.channel ?? ''}`;
    const held = this.#held.get(key);
    if (alert.eventState === 'active') {
      if (held !== undefined) {
        held.lastSeen = receivedAt;
        held.lastAt = event.at;
        this.#stats.repeats += 1;
        return out;
      }
      this.#held.set(key, { start: event, mode: rule.mode, lastSeen: receivedAt, lastAt: event.at });
      return this.#emit(out, event);
    }
    if (held === undefined) {
      const heartbeat = this.#quirk.heartbeat;
      if (alert.eventType.toLowerCase() === heartbeat.eventType.toLowerCase() && alert.eventState === heartbeat.eventState) {
        this.#stats.heartbeats += 1;
      } else {
        this.#stats.orphanStops += 1;
      }
      return out;
    }
    this.#held.delete(key);
    return this.#emit(out, event);
  }

  /** `stop` events of `held` events silent for the quiet period at `now`; they are forgotten. */
  expire(now: number): DeviceEvent[] {
    const out: DeviceEvent[] = [];
    for (const [key, held] of this.#held) {
      if (held.mode !== 'held' || now - held.lastSeen < this.#quirk.heldQuietMs) continue;
      this.#held.delete(key);
      this.#stats.derivedStops += 1;
      this.#emit(out, {
        ...held.start,
        state: 'stop',
        at: held.lastAt,
        data: { ...held.start.data, eventState: 'inactive', derived: true, quietMs: this.#quirk.heldQuietMs },
      });
    }
    return out;
  }

  /** Local time at which the next derived stop falls due, `undefined` when no `held` event is active. */
  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const held of this.#held.values()) {
      if (held.mode !== 'held') continue;
      const due = held.lastSeen + this.#quirk.heldQuietMs;
      if (next === undefined || due < next) next = due;
    }
    return next;
  }

  /** Counters, for logs and metrics. */
  toJSON(): AlertTrackerStats {
    return { ...this.#stats, active: this.#held.size };
  }

  #emit(out: DeviceEvent[], event: DeviceEvent): DeviceEvent[] {
    out.push(event);
    this.#stats.emitted += 1;
    return out;
  }
}
