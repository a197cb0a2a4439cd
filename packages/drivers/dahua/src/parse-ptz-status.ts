import type { PtzPreset } from '@argus/core';
import { asText, dahuaList, dahuaNumber, dahuaString, dahuaTable, parseKeyValueTable, type KeyValueParseOptions } from './parse-key-value.js';

/** What `ptz.cgi?action=getStatus` reports. */
export interface DahuaPtzStatus {
  /** Pan in degrees, 0..360 (`status.Postion[0]`; the device spells it `Postion`, some firmware `Position`). */
  readonly panDegrees?: number;
  /** Tilt in degrees (`status.Postion[1]`). */
  readonly tiltDegrees?: number;
  /** Zoom as a magnification (`status.Postion[2]`, 1 = wide). */
  readonly zoom?: number;
  /** `Idle` or `Moving`. */
  readonly moveStatus?: string;
  /** `Idle` or `Zooming`. */
  readonly zoomStatus?: string;
  /** What the head last did: `Preset`, `Tour`, `Continuously`... */
  readonly action?: string;
  /** Preset the head went to last. */
  readonly presetId?: number;
}

/**
 * Parses `ptz.cgi?action=getStatus`, accepting the device's `Postion` typo and the corrected `Position`.
 * @throws ArgusError `ARGUS_ERR_DRIVER_PROTOCOL` for a reply that is not key=value.
 * @example
 * ```ts
 * parsePtzStatus('status.Postion[0]=91.600000\r\nstatus.MoveStatus=Idle\r\n'); // { panDegrees: 91.6, moveStatus: 'Idle' }
 * ```
 */
export function parsePtzStatus(body: string | Uint8Array, options: KeyValueParseOptions = {}): DahuaPtzStatus {
  const status = dahuaTable(parseKeyValueTable(body, options), 'status') ?? {};
  const position = dahuaList(status, 'Postion').length > 0 ? 'Postion' : 'Position';
  const fields: Record<string, string | number | undefined> = {
    panDegrees: dahuaNumber(status, position, 0),
    tiltDegrees: dahuaNumber(status, position, 1),
    zoom: dahuaNumber(status, position, 2),
    moveStatus: dahuaString(status, 'MoveStatus'),
    zoomStatus: dahuaString(status, 'ZoomStatus'),
    action: dahuaString(status, 'Action'),
    presetId: dahuaNumber(status, 'PresetID'),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as DahuaPtzStatus;
}

/**
 * Parses `ptz.cgi?action=getPresets` (`presets[0].Index=1`, `presets[0].Name=Gate`) into presets with the index as
 * id; entries without an index are skipped. An empty reply (no presets) gives `[]`.
 * @throws ArgusError `ARGUS_ERR_DRIVER_PROTOCOL` for a reply that is not key=value.
 */
export function parsePresets(body: string | Uint8Array, options: KeyValueParseOptions = {}): PtzPreset[] {
  const text = asText(body);
  if (text.trim() === '') return [];
  const presets: PtzPreset[] = [];
  for (const entry of dahuaList(parseKeyValueTable(text, options), 'presets')) {
    const index = dahuaString(entry, 'Index')?.trim();
    if (index === undefined || index === '') continue;
    const name = dahuaString(entry, 'Name');
    presets.push({ id: index, ...(name === undefined || name === '' ? {} : { name }) });
  }
  return presets;
}

/** What `ptz.cgi?action=getCurrentProtocolCaps` says the head can do. */
export interface DahuaPtzCaps {
  readonly pan: boolean;
  readonly tilt: boolean;
  readonly zoom: boolean;
  /** Whether presets are stored (`caps.Preset`; assumed when the head pans or tilts and the key is absent). */
  readonly presets: boolean;
  /** Highest preset number (`caps.PresetMax`), where reported. */
  readonly presetMax?: number;
}

function flag(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const normalised = value.trim().toLowerCase();
  return normalised === 'true' || normalised === '1';
}

/**
 * Parses `ptz.cgi?action=getCurrentProtocolCaps` (`caps.Pan=true`, `caps.Tile=true` (sic; `caps.Tilt` accepted),
 * `caps.Zoom=true`, `caps.PresetMax=255`).
 * @throws ArgusError `ARGUS_ERR_DRIVER_PROTOCOL` for a reply that is not key=value.
 */
export function parsePtzCaps(body: string | Uint8Array, options: KeyValueParseOptions = {}): DahuaPtzCaps {
  const caps = dahuaTable(parseKeyValueTable(body, options), 'caps') ?? {};
  const pan = flag(dahuaString(caps, 'Pan')) ?? false;
  const tilt = flag(dahuaString(caps, 'Tile')) ?? flag(dahuaString(caps, 'Tilt')) ?? false;
  const zoom = flag(dahuaString(caps, 'Zoom')) ?? false;
  const presets = flag(dahuaString(caps, 'Preset')) ?? (pan || tilt);
  const presetMax = dahuaNumber(caps, 'PresetMax');
  return { pan, tilt, zoom, presets, ...(presetMax === undefined || presetMax < 1 ? {} : { presetMax }) };
}
