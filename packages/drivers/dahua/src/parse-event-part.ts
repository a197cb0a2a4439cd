import { ArgusError, type DeviceEvent, type DeviceEventKind } from '@argus/core';
import { asText } from './parse-key-value.js';

/** One event of an `eventManager.cgi?action=attach` part: `Code=VideoMotion;action=Start;index=0[;data={json}]`. */
export interface DahuaEvent {
  /** Event code: `VideoMotion`, `CrossLineDetection`, `TimeChange`... */
  readonly code: string;
  /** `Start`, `Stop`, `Pulse` (or another word some firmware sends). */
  readonly action: string;
  /** Channel or input index, from 0. */
  readonly index: number;
  /** The JSON after `data=`, parsed; absent when the part has none. */
  readonly data?: unknown;
  /** Any other `key=value` field of the head, as sent. */
  readonly fields: Readonly<Record<string, string>>;
}

/** Options of {@link parseEventPart}. */
export interface EventPartParseOptions {
  /** Device endpoint named in errors; default `dahua`. */
  readonly endpoint?: string;
}

function protocolError(options: EventPartParseOptions, reason: string): ArgusError {
  return new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint: options.endpoint ?? 'dahua', reason });
}

function isHeartbeatText(trimmed: string): boolean {
  return trimmed === '' || trimmed === 'Heartbeat';
}

/** True for the keep-alive parts of an event stream (body `Heartbeat`, or empty). */
export function isHeartbeat(body: string | Uint8Array): boolean {
  return isHeartbeatText(asText(body).trim());
}

function parseOne(chunk: string, options: EventPartParseOptions): DahuaEvent {
  // The JSON after `data=` may itself contain `;` and `=`: split the head from it at the first `;data=` only.
  const at = chunk.indexOf(';data=');
  const head = at < 0 ? chunk : chunk.slice(0, at);
  const fields: Record<string, string> = {};
  for (const pair of head.split(';')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw protocolError(options, `event field ${JSON.stringify(pair.slice(0, 80))} is not key=value`);
    Object.defineProperty(fields, pair.slice(0, eq).trim(), { value: pair.slice(eq + 1).trim(), enumerable: true, writable: true, configurable: true });
  }
  const { Code: code, action, index: indexText, ...rest } = fields;
  if (code === undefined || code === '') throw protocolError(options, `event ${JSON.stringify(chunk.slice(0, 80))} has no Code`);
  if (indexText !== undefined && !/^-?\d{1,6}$/.test(indexText)) throw protocolError(options, `event ${code} has a bad index "${indexText.slice(0, 20)}"`);
  let data: unknown;
  if (at >= 0) {
    const json = chunk.slice(at + ';data='.length).trim();
    try {
      data = JSON.parse(json);
    } catch (err) {
      throw new ArgusError(
        'ARGUS_ERR_DRIVER_PROTOCOL',
        { endpoint: options.endpoint ?? 'dahua', reason: `event ${code} has malformed data JSON: ${err instanceof Error ? err.message : String(err)}` },
        { cause: err },
      );
    }
  }
  return {
    code,
    action: action === undefined || action === '' ? 'Pulse' : action,
    index: indexText === undefined ? 0 : Number(indexText),
    ...(at >= 0 ? { data } : {}),
    fields: rest,
  };
}

/**
 * Parses the body of one `eventManager.cgi?action=attach` part into its events: none for a heartbeat, usually
 * one, several when the firmware batches them (each starts a line with `Code=`). The JSON after `data=` may hold
 * `;`, `=` and line breaks.
 *
 * @throws ArgusError `ARGUS_ERR_DRIVER_PROTOCOL` for an event without `Code`, a field that is not `key=value`, a
 *   non-numeric index, or `data` that is not JSON.
 * @example
 * ```ts
 * parseEventPart('Code=VideoMotion;action=Start;index=0');
 * // [{ code: 'VideoMotion', action: 'Start', index: 0, fields: {} }]
 * ```
 */
export function parseEventPart(body: string | Uint8Array, options: EventPartParseOptions = {}): DahuaEvent[] {
  const text = asText(body).trim();
  if (isHeartbeatText(text)) return [];
  if (!text.startsWith('Code=')) throw protocolError(options, `event part does not start with Code=: ${JSON.stringify(text.slice(0, 80))}`);
  return text.split(/\r?\n(?=Code=)/).map((chunk) => parseOne(chunk.trim(), options));
}

/** Dahua event codes to the shared event kinds; codes not listed keep their Dahua name as the kind. */
export const DAHUA_EVENT_KINDS: Readonly<Record<string, DeviceEventKind>> = Object.freeze({
  VideoMotion: 'motion',
  SmartMotionHuman: 'motion',
  SmartMotionVehicle: 'motion',
  VideoBlind: 'tamper',
  SceneChange: 'tamper',
  VideoAbnormalDetection: 'tamper',
  VideoLoss: 'videoLoss',
  AlarmLocal: 'io',
  AlarmExtended: 'io',
  CrossLineDetection: 'lineCrossing',
  CrossRegionDetection: 'intrusion',
});

const STATES: Readonly<Record<string, DeviceEvent['state']>> = { start: 'start', stop: 'stop', pulse: 'pulse' };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The shared `DeviceEvent` of a Dahua event. `channel` is `index + 1` (the RTSP `channel=` numbering; inputs
 * of `AlarmLocal` count from 1 too). `at` is the payload's `UTC` (seconds, plus `UTCMS`) when it has one, else
 * `receivedAt`. `data` keeps the code, the raw action and index, the rule name and object type of IVS events, and
 * the whole payload.
 *
 * @example
 * ```ts
 * toDeviceEvent({ code: 'VideoMotion', action: 'Start', index: 0, fields: {} }, Date.now());
 * // { kind: 'motion', state: 'start', channel: 1, at: ..., data: { code: 'VideoMotion', action: 'Start', index: 0 } }
 * ```
 */
export function toDeviceEvent(event: DahuaEvent, receivedAt: number): DeviceEvent {
  const kind = Object.hasOwn(DAHUA_EVENT_KINDS, event.code) ? (DAHUA_EVENT_KINDS[event.code] as DeviceEventKind) : event.code;
  const state = STATES[event.action.toLowerCase()] ?? 'pulse';
  const payload = event.data;
  let at = receivedAt;
  const data: Record<string, unknown> = { code: event.code, action: event.action, index: event.index };
  if (isRecord(payload)) {
    const utc = payload['UTC'];
    const ms = payload['UTCMS'];
    if (typeof utc === 'number' && Number.isFinite(utc) && utc > 0) at = utc * 1000 + (typeof ms === 'number' && Number.isFinite(ms) ? ms : 0);
    if (typeof payload['Name'] === 'string') data['rule'] = payload['Name'];
    const object = payload['Object'];
    if (isRecord(object) && typeof object['ObjectType'] === 'string') data['objectType'] = object['ObjectType'];
  }
  if (payload !== undefined) data['payload'] = payload;
  if (Object.keys(event.fields).length > 0) data['fields'] = event.fields;
  return { kind, state, ...(event.index >= 0 ? { channel: event.index + 1 } : {}), at, data };
}
