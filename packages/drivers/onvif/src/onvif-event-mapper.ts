import type { DeviceEvent, DeviceEventKind } from '@argus/core';
import type { OnvifNotification } from './parse-notifications.js';

/** How one ONVIF topic becomes a {@link DeviceEvent}. */
export interface OnvifTopicRule {
  /** Topic without its namespace prefix, compared case-insensitively (`RuleEngine/CellMotionDetector/Motion`). */
  readonly topic: string;
  /** Argus event kind. */
  readonly kind: DeviceEventKind;
  /** `tt:Data` item holding the state (`IsMotion`, `State`); without one the event is a `pulse`. */
  readonly stateItem?: string;
}

/**
 * The topic table: ONVIF topics (core spec and what Hikvision, Dahua, Axis, Milesight send) to Argus kinds.
 * Vendor quirks are data: add a row, not a branch.
 */
export const ONVIF_TOPIC_RULES: readonly OnvifTopicRule[] = Object.freeze([
  { topic: 'VideoSource/MotionAlarm', kind: 'motion', stateItem: 'State' },
  { topic: 'RuleEngine/CellMotionDetector/Motion', kind: 'motion', stateItem: 'IsMotion' },
  { topic: 'RuleEngine/MotionRegionDetector/Motion', kind: 'motion', stateItem: 'State' },
  { topic: 'RuleEngine/TamperDetector/Tamper', kind: 'tamper', stateItem: 'IsTamper' },
  { topic: 'VideoSource/GlobalSceneChange/ImagingService', kind: 'tamper', stateItem: 'State' },
  { topic: 'VideoSource/GlobalSceneChange/AnalyticsService', kind: 'tamper', stateItem: 'State' },
  { topic: 'VideoSource/SignalLoss', kind: 'videoLoss', stateItem: 'State' },
  { topic: 'RuleEngine/FieldDetector/ObjectsInside', kind: 'intrusion', stateItem: 'IsInside' },
  { topic: 'RuleEngine/LineDetector/Crossed', kind: 'lineCrossing' },
  { topic: 'Device/Trigger/DigitalInput', kind: 'io', stateItem: 'LogicalState' },
  { topic: 'Device/Trigger/Relay', kind: 'io', stateItem: 'LogicalState' },
]);

/** Source items that name the video source or input, in the order they are tried for the channel number. */
const CHANNEL_ITEMS = ['VideoSourceToken', 'VideoSource', 'Source', 'VideoSourceConfigurationToken', 'InputToken', 'RelayToken'];

/** `true`/`1`/`active` is on, `false`/`0`/`inactive` is off; anything else is unknown. */
function stateOf(value: string | undefined): boolean | undefined {
  switch (value?.trim().toLowerCase()) {
    case 'true':
    case '1':
    case 'active':
      return true;
    case 'false':
    case '0':
    case 'inactive':
      return false;
    default:
      return undefined;
  }
}

/** The channel a notification is about: the trailing number of its video source or input token (`VideoSource_1`). */
export function notificationChannel(notification: OnvifNotification): number | undefined {
  for (const name of CHANNEL_ITEMS) {
    const match = /(\d+)\s*$/.exec(notification.source[name] ?? '');
    if (match?.[1] !== undefined) return Number(match[1]);
  }
  return undefined;
}

/** Counters of an {@link OnvifEventMapper}. */
export interface OnvifEventMapperStats {
  /** Notifications seen. */
  readonly notifications: number;
  /** Events emitted. */
  readonly events: number;
  /** Notifications whose topic has no rule. */
  readonly unmapped: number;
  /** State notifications dropped because the state had not changed (a second topic for the same thing). */
  readonly repeated: number;
}

/**
 * A stream stage: ONVIF notifications in, {@link DeviceEvent}s out, through {@link ONVIF_TOPIC_RULES}.
 *
 * Stateful topics become `start`/`stop`; the mapper keeps the last state per kind and channel and drops repeats,
 * because devices announce one motion on several topics (Hikvision sends both `VideoSource/MotionAlarm` and
 * `RuleEngine/CellMotionDetector/Motion`). `Initialized` messages (the state at subscription time) only emit when
 * the state is active; `Deleted` messages are ignored.
 *
 * @example
 * ```ts
 * const mapper = new OnvifEventMapper();
 * for (const n of parsePullMessages(body).notifications) for (const e of mapper.process(n, Date.now())) emit(e);
 * ```
 */
export class OnvifEventMapper {
  readonly #rules: ReadonlyMap<string, OnvifTopicRule>;
  readonly #states = new Map<string, boolean>();
  #notifications = 0;
  #events = 0;
  #unmapped = 0;
  #repeated = 0;

  constructor(rules: readonly OnvifTopicRule[] = ONVIF_TOPIC_RULES) {
    this.#rules = new Map(rules.map((rule) => [rule.topic.toLowerCase(), rule]));
  }

  /** Maps one notification; `now` (ms since epoch) stamps events whose message has no `UtcTime`. */
  process(notification: OnvifNotification, now: number): DeviceEvent[] {
    this.#notifications += 1;
    const rule = this.#rules.get(notification.topicPath.toLowerCase());
    if (rule === undefined || notification.propertyOperation === 'Deleted') {
      if (rule === undefined) this.#unmapped += 1;
      return [];
    }
    const channel = notificationChannel(notification);
    const at = notification.at ?? now;
    const data: Record<string, unknown> = { topic: notification.topic, ...notification.source };
    for (const [name, value] of Object.entries(notification.data)) if (name !== rule.stateItem) data[name] = value;
    const base = { kind: rule.kind, at, data, ...(channel === undefined ? {} : { channel }) };
    if (rule.stateItem === undefined) {
      if (notification.propertyOperation === 'Initialized') return [];
      this.#events += 1;
      return [{ ...base, state: 'pulse' }];
    }
    const active = stateOf(notification.data[rule.stateItem]);
    if (active === undefined) {
      this.#unmapped += 1;
      return [];
    }
    const key = `${rule.kind}:${channel ?? 1}`;
    const previous = this.#states.get(key);
    this.#states.set(key, active);
    if (previous === active || (previous === undefined && !active && notification.propertyOperation === 'Initialized')) {
      this.#repeated += 1;
      return [];
    }
    this.#events += 1;
    return [{ ...base, state: active ? 'start' : 'stop' }];
  }

  /** Forgets the states seen (the next notification of each kind is emitted whatever it says). */
  reset(): void {
    this.#states.clear();
  }

  /** Counters, for logs and tests. */
  toJSON(): OnvifEventMapperStats {
    return { notifications: this.#notifications, events: this.#events, unmapped: this.#unmapped, repeated: this.#repeated };
  }
}
