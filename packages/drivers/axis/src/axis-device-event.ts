import type { DeviceEvent, DeviceEventKind } from '@argus/core';
import { itemValue, type AxisEventMessage } from './parse-event-message.js';

/** Where a rule finds the channel: a 1-based regex group of the topic, or a numeric `Source` item. */
export type AxisChannelSource =
  | {
      /** Index of the topic regex group holding the number (`Camera(\d+)` -> 1). */
      readonly group: number;
    }
  | {
      /** Name of the `Source` item holding the number (`port`, `RelayToken`). */
      readonly source: string;
    };

/** How one family of Axis topics maps to a {@link DeviceEvent}. Vendor quirks as data, not branches. */
export interface AxisTopicRule {
  /** Matches the topic with namespace prefixes removed (`Device/IO/Port`); groups feed `channel`/`data`. */
  readonly topic: RegExp;
  /** The event kind the topic maps to. */
  readonly kind: DeviceEventKind;
  /** Name of the `Data` item holding the state (`active`, `state`, `LogicalState`...). */
  readonly stateItem: string;
  /** Stateless event: only an active value is reported, as `pulse`. */
  readonly pulse?: boolean;
  /** Channel: a 1-based topic group number (`Camera1...` -> group 1), or the name of a numeric `Source` item. */
  readonly channel?: AxisChannelSource;
  /** Names for the topic's regex groups, copied into `data` (`['camera', 'profile']`). */
  readonly groups?: readonly string[];
  /** `Source` or `Data` items copied into `data` under their own names. */
  readonly items?: readonly string[];
  /** Constant payload (e.g. `{ application: 'VMD4' }`). */
  readonly data?: Readonly<Record<string, unknown>>;
}

/**
 * The topics Argus maps, first match wins. Motion detection in all its Axis forms (VMD 4, VMD 3, the ONVIF motion
 * region detector and motion alarm, the PIR sensor, Motion Guard, Object Analytics) is `motion`; Fence Guard is
 * `lineCrossing`; Loitering Guard `loitering`; tampering (`tnsaxis:Tampering`) and the ONVIF global scene change
 * are `tamper`; `SignalLoss` is `videoLoss`; input ports, digital inputs, virtual inputs, manual triggers and relays are `io`;
 * the audio trigger level is `audio`. Other topics (PTZ moves and presets, day/night, lights, storage) are left out.
 */
export const AXIS_TOPIC_RULES: readonly AxisTopicRule[] = [
  { topic: /^CameraApplicationPlatform\/VMD\/Camera(\d+)Profile(\w+)$/, kind: 'motion', stateItem: 'active', channel: { group: 1 }, groups: ['camera', 'profile'], data: { application: 'VMD4' } },
  { topic: /^RuleEngine\/VMD3\/vmd3_video_(\d+)$/, kind: 'motion', stateItem: 'active', channel: { group: 1 }, items: ['areaid'], data: { application: 'VMD3' } },
  { topic: /^RuleEngine\/MotionRegionDetector\/Motion$/, kind: 'motion', stateItem: 'State', items: ['VideoSource', 'RuleName'], data: { application: 'MotionRegionDetector' } },
  { topic: /^VideoSource\/MotionAlarm$/, kind: 'motion', stateItem: 'State', items: ['Source', 'VideoSourceConfigurationToken'], data: { application: 'MotionAlarm' } },
  { topic: /^Device\/Sensor\/PIR$/, kind: 'motion', stateItem: 'state', items: ['sensor'], data: { application: 'PIR' } },
  { topic: /^CameraApplicationPlatform\/MotionGuard\/Camera(\d+)Profile(\w+)$/, kind: 'motion', stateItem: 'active', channel: { group: 1 }, groups: ['camera', 'profile'], data: { application: 'MotionGuard' } },
  { topic: /^CameraApplicationPlatform\/ObjectAnalytics\/Device(\d+)Scenario(\w+)$/, kind: 'motion', stateItem: 'active', channel: { group: 1 }, groups: ['device', 'scenario'], items: ['classTypes', 'objectId'], data: { application: 'ObjectAnalytics' } },
  { topic: /^CameraApplicationPlatform\/FenceGuard\/Camera(\d+)Profile(\w+)$/, kind: 'lineCrossing', stateItem: 'active', channel: { group: 1 }, groups: ['camera', 'profile'], data: { application: 'FenceGuard' } },
  { topic: /^CameraApplicationPlatform\/LoiteringGuard\/Camera(\d+)Profile(\w+)$/, kind: 'loitering', stateItem: 'active', channel: { group: 1 }, groups: ['camera', 'profile'], data: { application: 'LoiteringGuard' } },
  { topic: /^VideoSource\/Tampering$/, kind: 'tamper', stateItem: 'tampering', pulse: true, channel: { source: 'channel' } },
  { topic: /^VideoSource\/GlobalSceneChange\/\w+$/, kind: 'tamper', stateItem: 'State', items: ['Source'], data: { application: 'GlobalSceneChange' } },
  { topic: /^VideoSource\/SignalLoss$/, kind: 'videoLoss', stateItem: 'State', items: ['Source', 'VideoSourceConfigurationToken'] },
  { topic: /^Device\/IO\/Port$/, kind: 'io', stateItem: 'state', channel: { source: 'port' }, items: ['port'], data: { direction: 'input' } },
  { topic: /^Device\/IO\/VirtualPort$/, kind: 'io', stateItem: 'state', channel: { source: 'port' }, items: ['port'], data: { direction: 'manual' } },
  { topic: /^Device\/IO\/VirtualInput$/, kind: 'io', stateItem: 'active', channel: { source: 'port' }, items: ['port'], data: { direction: 'virtual' } },
  { topic: /^Device\/Trigger\/DigitalInput$/, kind: 'io', stateItem: 'LogicalState', channel: { source: 'InputToken' }, items: ['InputToken'], data: { direction: 'input' } },
  { topic: /^Device\/Trigger\/Relay$/, kind: 'io', stateItem: 'LogicalState', channel: { source: 'RelayToken' }, items: ['RelayToken'], data: { direction: 'output' } },
  { topic: /^AudioSource\/TriggerLevel$/, kind: 'audio', stateItem: 'triggered', channel: { source: 'channel' } },
];

const ACTIVE = new Set(['1', 'true', 'active', 'yes', 'on']);
const INACTIVE = new Set(['0', 'false', 'inactive', 'no', 'off']);

/** A topic without its namespace prefixes: `tns1:Device/tnsaxis:IO/Port` -> `Device/IO/Port`. */
export function plainTopic(topic: string): string {
  return topic
    .split('/')
    .map((part) => part.replace(/^[A-Za-z_][\w.-]*:/, ''))
    .join('/');
}

/**
 * Maps one metadata notification to the shared {@link DeviceEvent} vocabulary with {@link AXIS_TOPIC_RULES};
 * `undefined` for topics Argus does not map, deleted properties, and state values it cannot read. `at` is the
 * device's `UtcTime` when present, else `receivedAt`. `data` keeps the topic, the operation (`Initialized` marks the
 * state the device reports when the stream opens) and the rule's payload.
 *
 * @example
 * ```ts
 * toDeviceEvent(parseMetadataStream(xml)[0]!, Date.now());
 * // { kind: 'motion', state: 'start', channel: 1, at: 1552435410256, data: { topic: '...', application: 'VMD4', ... } }
 * ```
 */
export function toDeviceEvent(message: AxisEventMessage, receivedAt: number, rules: readonly AxisTopicRule[] = AXIS_TOPIC_RULES): DeviceEvent | undefined {
  if (message.operation === 'Deleted') return undefined;
  const topic = plainTopic(message.topic);
  for (const rule of rules) {
    const match = rule.topic.exec(topic);
    if (match === null) continue;
    const raw = itemValue(message.data, rule.stateItem)?.trim().toLowerCase();
    if (raw === undefined) return undefined;
    let state: DeviceEvent['state'];
    if (ACTIVE.has(raw)) state = rule.pulse === true ? 'pulse' : 'start';
    else if (INACTIVE.has(raw) && rule.pulse !== true) state = 'stop';
    else return undefined;
    const data: Record<string, unknown> = { topic: message.topic, ...(rule.data ?? {}) };
    if (message.operation !== undefined) data['operation'] = message.operation;
    rule.groups?.forEach((name, i) => {
      const value = match[i + 1];
      if (value !== undefined) data[name] = value;
    });
    for (const name of rule.items ?? []) {
      const value = itemValue(message.source, name) ?? itemValue(message.data, name);
      if (value !== undefined) data[name] = value;
    }
    const channel = channelOf(rule, match, message);
    return {
      kind: rule.kind,
      state,
      ...(channel === undefined ? {} : { channel }),
      at: message.utcTime ?? receivedAt,
      data,
    };
  }
  return undefined;
}

function channelOf(rule: AxisTopicRule, match: RegExpExecArray, message: AxisEventMessage): number | undefined {
  if (rule.channel === undefined) return undefined;
  const raw = 'group' in rule.channel ? match[rule.channel.group] : itemValue(message.source, rule.channel.source);
  if (raw === undefined || !/^\d+$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}
