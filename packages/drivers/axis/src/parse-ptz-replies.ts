import { ArgusError } from '@argus/core';

/** One server preset from `ptz.cgi?query=presetposall`. */
export interface AxisPresetEntry {
  /** Preset number (`gotoserverpresetno=<n>`). */
  readonly number: number;
  /** Name as stored (may be empty). */
  readonly name: string;
}

/** Options of the `ptz.cgi` reply parsers. */
export interface ParsePtzReplyOptions {
  /** Device endpoint for error messages. */
  readonly endpoint?: string;
}

function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '');
}

/**
 * Parses the reply of `ptz.cgi?query=presetposall`: an optional header (`Preset Positions for camera 1`) and one
 * `presetposno<n>=<name>` per preset, in any order. Entries come back sorted by number; unnamed presets are kept.
 *
 * @throws ArgusError `ARGUS_ERR_DRIVER_REQUEST_FAILED` when the device answered a VAPIX error text
 *   (`Error: ...`), `ARGUS_ERR_DRIVER_PROTOCOL` for any other line that is not a preset.
 * @example
 * ```ts
 * parsePresetList('Preset Positions for camera 1\npresetposno2=Gate\npresetposno1=Home\n');
 * // [{ number: 1, name: 'Home' }, { number: 2, name: 'Gate' }]
 * ```
 */
export function parsePresetList(text: string, options: ParsePtzReplyOptions = {}): AxisPresetEntry[] {
  const endpoint = options.endpoint ?? 'device';
  const out: AxisPresetEntry[] = [];
  for (const line of lines(text)) {
    if (/^preset positions for camera/i.test(line.trim())) continue;
    throwIfVapixError(line, endpoint, 'query=presetposall');
    const match = /^presetposno(\d+)=(.*)$/.exec(line.trim());
    if (match === null) throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint, reason: 'query=presetposall line is not presetposno<n>=<name>' });
    out.push({ number: Number(match[1]), name: (match[2] ?? '').trim() });
  }
  return out.sort((a, b) => a.number - b.number);
}

/**
 * Parses `key=value` lines of `ptz.cgi?query=position` (`pan=12.5`, `tilt=-3`, `zoom=1`, `autofocus=on`...): numbers
 * where they parse, strings otherwise.
 *
 * @throws ArgusError like {@link parsePresetList}.
 */
export function parsePtzPosition(text: string, options: ParsePtzReplyOptions = {}): Record<string, number | string> {
  const endpoint = options.endpoint ?? 'device';
  const out: Record<string, number | string> = {};
  for (const line of lines(text)) {
    throwIfVapixError(line, endpoint, 'query=position');
    const eq = line.indexOf('=');
    if (eq <= 0) throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint, reason: 'query=position line is not key=value' });
    const key = line.slice(0, eq).trim();
    const raw = line.slice(eq + 1).trim();
    const n = raw === '' ? Number.NaN : Number(raw);
    out[key] = Number.isFinite(n) ? n : raw;
  }
  return out;
}

/**
 * Throws when a `ptz.cgi` or other CGI reply is a VAPIX error text (`Error: ...`, sometimes wrapped in HTML) rather
 * than the expected answer; control commands normally answer `204 No Content` or an empty `200`.
 *
 * @throws ArgusError `ARGUS_ERR_DRIVER_REQUEST_FAILED` with the device's message as `reason`.
 */
export function throwIfVapixError(text: string, endpoint: string, what: string): void {
  const plain = text.replace(/<[^>]*>/g, ' ').trim();
  const match = /^(?:#\s*)?Error\b[:\s-]*(.*)$/im.exec(plain);
  if (match !== null) {
    throw new ArgusError('ARGUS_ERR_DRIVER_REQUEST_FAILED', {
      endpoint,
      method: 'GET',
      path: `/axis-cgi/com/ptz.cgi?${what}`,
      status: 'Error',
      reason: (match[1] ?? '').trim().slice(0, 200),
    });
  }
}
