import { ArgusError, type DeviceEvent } from '@argus/core';
import { xmlArray, type XmlValue } from '@argus/driver-kit';
import { alertTypeRule } from './alert-quirks.js';
import { intAt, parseIsapiDocument, textAt } from './isapi-document.js';

/** One `<EventNotificationAlert>` of the alertStream (or of an HTTP push to an alarm server). */
export interface IsapiEventAlert {
  /** As the device wrote it: `VMD`, `tamperdetection`, `linedetection`, `fielddetection`, `videoloss`, `ANPR`... */
  readonly eventType: string;
  /** `active` or `inactive` (lower-cased). */
  readonly eventState: 'active' | 'inactive';
  /** `channelID`, else `dynChannelID` (recorders' IP channels). */
  readonly channel?: number;
  /** `inputIOPortID` / `dynInputIOPortID` of I/O alarms. */
  readonly ioPort?: number;
  /** The `dateTime` text as sent. */
  readonly dateTime?: string;
  /** `dateTime` in ms since epoch, when it carries a zone offset (device times without a zone are ambiguous). */
  readonly time?: number;
  /** How many alerts of this kind the device has posted while active (0 on heartbeats). */
  readonly activePostCount?: number;
  readonly description?: string;
  readonly channelName?: string;
  readonly macAddress?: string;
  /** Detection target where the device classifies (`human`, `vehicle`). */
  readonly targetType?: string;
  /** `regionID`s of a detection region list (line and field detection). */
  readonly regions?: readonly string[];
  /** ANPR read, when `eventType` is `ANPR`. */
  readonly anpr?: {
    readonly licensePlate?: string;
    readonly confidence?: number;
    readonly direction?: string;
    readonly country?: string;
    readonly vehicleType?: string;
  };
}

/**
 * Reads an ISAPI `dateTime` (`2019-02-20T15:22:34-8:00`, `2023-01-13T19:16:39+01:00`, `...Z`) as ms since epoch.
 * Devices write one-digit hour offsets (`-8:00`); a time without a zone is local to the device and unknown
 * here, so it gives `undefined`.
 */
export function parseIsapiTime(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{1,2}(?::?\d{2})?)$/i.exec(text.trim());
  if (match === null) return undefined;
  let zone = match[3]!.toUpperCase();
  if (zone !== 'Z') {
    const offset = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(zone)!;
    zone = `${offset[1]}${offset[2]!.padStart(2, '0')}:${offset[3] ?? '00'}`;
  }
  const ms = Date.parse(`${match[1]}T${match[2]}${zone}`);
  return Number.isNaN(ms) ? undefined : ms;
}

function anprOf(node: XmlValue | undefined): IsapiEventAlert['anpr'] {
  if (node === undefined) return undefined;
  const plate = textAt(node, 'licensePlate');
  const confidence = intAt(node, 'confidenceLevel');
  const direction = textAt(node, 'direction');
  const country = textAt(node, 'country');
  const vehicleType = textAt(node, 'vehicleType');
  return {
    ...(plate === undefined ? {} : { licensePlate: plate }),
    ...(confidence === undefined ? {} : { confidence }),
    ...(direction === undefined ? {} : { direction }),
    ...(country === undefined ? {} : { country }),
    ...(vehicleType === undefined ? {} : { vehicleType }),
  };
}

/**
 * Parses one `<EventNotificationAlert>`. Malformed XML, another root, or an alert without `eventType` throws
 * `ARGUS_ERR_DRIVER_PROTOCOL`.
 *
 * @example
 * ```ts
 * const alert = parseEventAlert(partText);
 * // { eventType: 'VMD', eventState: 'active', channel: 1, time: 1741171660000, activePostCount: 1, ... }
 * ```
 */
export function parseEventAlert(text: string, endpoint = 'isapi'): IsapiEventAlert {
  const doc = parseIsapiDocument(text, ['EventNotificationAlert'], { endpoint });
  const node = doc.node;
  const eventType = textAt(node, 'eventType');
  if (eventType === undefined) {
    throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint, reason: '<EventNotificationAlert> has no <eventType>' });
  }
  const eventState = textAt(node, 'eventState')?.toLowerCase() === 'inactive' ? 'inactive' : 'active';
  const channel = intAt(node, 'channelID') ?? intAt(node, 'dynChannelID');
  const ioPort = intAt(node, 'inputIOPortID') ?? intAt(node, 'dynInputIOPortID');
  const dateTime = textAt(node, 'dateTime');
  const time = parseIsapiTime(dateTime);
  const activePostCount = intAt(node, 'activePostCount');
  const description = textAt(node, 'eventDescription');
  const channelName = textAt(node, 'channelName');
  const macAddress = textAt(node, 'macAddress');
  const targetType = textAt(node, 'targetType') ?? textAt(node, 'DetectionRegionList', 'DetectionRegionEntry', 'TargetRect', 'targetType');
  const regions = xmlArray(node, 'DetectionRegionList', 'DetectionRegionEntry')
    .map((entry) => textAt(entry, 'regionID'))
    .filter((id): id is string => id !== undefined);
  const anpr = eventType.toLowerCase() === 'anpr' ? anprOf(node['ANPR']) : undefined;
  return {
    eventType,
    eventState,
    ...(channel === undefined ? {} : { channel }),
    ...(ioPort === undefined ? {} : { ioPort }),
    ...(dateTime === undefined ? {} : { dateTime }),
    ...(time === undefined ? {} : { time }),
    ...(activePostCount === undefined ? {} : { activePostCount }),
    ...(description === undefined ? {} : { description }),
    ...(channelName === undefined ? {} : { channelName }),
    ...(macAddress === undefined ? {} : { macAddress }),
    ...(targetType === undefined ? {} : { targetType }),
    ...(regions.length === 0 ? {} : { regions }),
    ...(anpr === undefined ? {} : { anpr }),
  };
}

/**
 * The Argus event of one alert, taken on its own (no memory of earlier alerts): kind from
 * {@link ISAPI_EVENT_TYPES}, `active` -> `start`, `inactive` -> `stop`, `pulse` for instant types; channel from
 * `channelID`/`dynChannelID` (I/O alarms: the input port); `at` from the device's `dateTime` when it has a zone,
 * else `receivedAt`. Which of these events a session emits (repeats, heartbeats, derived stops) is
 * {@link AlertTracker}'s job.
 *
 * @example
 * ```ts
 * alertToDeviceEvent(parseEventAlert(xml), Date.now()); // { kind: 'motion', state: 'start', channel: 1, at, data }
 * ```
 */
export function alertToDeviceEvent(alert: IsapiEventAlert, receivedAt: number): DeviceEvent {
  const rule = alertTypeRule(alert.eventType);
  const state = rule.mode === 'pulse' ? 'pulse' : alert.eventState === 'active' ? 'start' : 'stop';
  const channel = rule.kind === 'io' ? (alert.ioPort ?? alert.channel) : (alert.channel ?? alert.ioPort);
  const data: Record<string, unknown> = { ...rule.data, eventType: alert.eventType, eventState: alert.eventState };
  if (alert.description !== undefined) data['description'] = alert.description;
  if (alert.activePostCount !== undefined) data['activePostCount'] = alert.activePostCount;
  if (alert.channelName !== undefined) data['channelName'] = alert.channelName;
  if (alert.targetType !== undefined) data['targetType'] = alert.targetType;
  if (alert.regions !== undefined) data['regions'] = alert.regions;
  if (alert.anpr?.licensePlate !== undefined) data['plate'] = alert.anpr.licensePlate;
  if (alert.anpr !== undefined) data['anpr'] = alert.anpr;
  if (alert.time === undefined && alert.dateTime !== undefined) data['deviceTime'] = alert.dateTime;
  return {
    kind: rule.kind,
    state,
    ...(channel === undefined ? {} : { channel }),
    at: alert.time ?? receivedAt,
    data,
  };
}
