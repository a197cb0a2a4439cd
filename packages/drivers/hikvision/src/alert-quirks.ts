import type { DeviceEventKind } from '@argus/core';
import { rowMatches } from './device-families.js';

/**
 * How an ISAPI event type behaves on the alertStream:
 * - `held`: the device repeats `active` alerts (about once a second) while the condition lasts and usually
 *   sends nothing when it ends; the end is derived from a quiet period (an explicit `inactive` also ends it).
 * - `state`: the device sends `active` when it starts and `inactive` when it ends; an `inactive` with no
 *   `active` before it is not an event (for `videoloss` it is the stream's heartbeat).
 * - `pulse`: each alert is one instant event (a line crossed, a plate read).
 */
export type AlertMode = 'held' | 'state' | 'pulse';

/** What an `eventType` becomes in Argus. */
export interface AlertTypeRule {
  /** Argus event kind. */
  readonly kind: DeviceEventKind;
  readonly mode: AlertMode;
  /** Extra fields copied into `DeviceEvent.data` (e.g. the sensor that saw the motion). */
  readonly data?: Readonly<Record<string, string>>;
}

/**
 * ISAPI `eventType`, lower-cased (`VMD` -> `vmd`), -> Argus event. Types not listed become a `pulse` with the type as the kind.
 */
export const ISAPI_EVENT_TYPES: Readonly<Record<string, AlertTypeRule>> = {
  vmd: { kind: 'motion', mode: 'held' },
  motiondetection: { kind: 'motion', mode: 'held' },
  pir: { kind: 'motion', mode: 'held', data: { sensor: 'pir' } },
  piralarm: { kind: 'motion', mode: 'held', data: { sensor: 'pir' } },
  tamperdetection: { kind: 'tamper', mode: 'held' },
  shelteralarm: { kind: 'tamper', mode: 'held' },
  fielddetection: { kind: 'intrusion', mode: 'held' },
  regionentrance: { kind: 'intrusion', mode: 'pulse', data: { rule: 'regionEntrance' } },
  regionexiting: { kind: 'intrusion', mode: 'pulse', data: { rule: 'regionExiting' } },
  linedetection: { kind: 'lineCrossing', mode: 'pulse' },
  videoloss: { kind: 'videoLoss', mode: 'state' },
  io: { kind: 'io', mode: 'held' },
  anpr: { kind: 'anpr', mode: 'pulse' },
};

/** The rule of an event type (case-insensitive); unknown types are pulses of their own kind. */
export function alertTypeRule(eventType: string): AlertTypeRule {
  const key = eventType.trim().toLowerCase();
  return ISAPI_EVENT_TYPES[key] ?? { kind: eventType.trim(), mode: 'pulse' };
}

/**
 * One row of the alertStream quirk table: for devices matching `match`, how long a `held` event may stay
 * silent before it is taken as ended, and what a heartbeat looks like.
 */
export interface AlertStreamQuirk {
  /** Why the row exists (shown in logs and docs). */
  readonly name: string;
  /** The row applies when every given pattern matches the device's `deviceInfo`. */
  readonly match: { readonly model?: RegExp; readonly firmware?: RegExp; readonly deviceType?: RegExp };
  /** Silence after the last `active` alert of a `held` event before its `stop` is emitted. */
  readonly heldQuietMs: number;
  /** The alert that is the stream's keep-alive when nothing is going on. */
  readonly heartbeat: { readonly eventType: string; readonly eventState: 'active' | 'inactive' };
}

/**
 * Rows are tried in order; the last one is the default and matches every device.
 *
 * The default follows what ISAPI devices are known to do and what the widely used pyHik client settled on:
 * motion (`VMD`), tamper, intrusion and I/O alerts repeat while active and stop without an `inactive`, so an
 * event that has been silent for 5 s is over; `videoloss`/`inactive` alerts arrive while nothing happens and
 * are the heartbeat (the captured alertStream is two such parts).
 */
export const ALERT_STREAM_QUIRKS: readonly AlertStreamQuirk[] = [
  { name: 'isapi-default', match: {}, heldQuietMs: 5_000, heartbeat: { eventType: 'videoloss', eventState: 'inactive' } },
];

/** What the quirk table looks at. */
export interface AlertQuirkKey {
  readonly model?: string;
  readonly firmware?: string;
  readonly deviceType?: string;
}

/** The first row of `extra` then {@link ALERT_STREAM_QUIRKS} that matches `device`. */
export function alertStreamQuirk(device: AlertQuirkKey, extra: readonly AlertStreamQuirk[] = []): AlertStreamQuirk {
  const rows = [...extra, ...ALERT_STREAM_QUIRKS];
  return rows.find((row) => rowMatches(row.match, device)) ?? ALERT_STREAM_QUIRKS[ALERT_STREAM_QUIRKS.length - 1]!;
}
