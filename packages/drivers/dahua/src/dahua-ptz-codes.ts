import type { PtzVector } from '@argus/core';

/** Direction codes of `ptz.cgi` (pan and tilt). */
export type DahuaDirectionCode = 'Up' | 'Down' | 'Left' | 'Right' | 'LeftUp' | 'RightUp' | 'LeftDown' | 'RightDown';

/** Zoom codes of `ptz.cgi`. */
export type DahuaZoomCode = 'ZoomTele' | 'ZoomWide';

/** Preset codes of `ptz.cgi`. */
export type DahuaPresetCode = 'GotoPreset' | 'SetPreset' | 'ClearPreset';

/** The `ptz.cgi` codes the driver sends and the emulator understands. */
export type DahuaPtzCode = DahuaDirectionCode | DahuaZoomCode | DahuaPresetCode;

/** One `ptz.cgi?action=start|stop&code=...&arg1=&arg2=&arg3=` command. */
export interface DahuaPtzCommand {
  readonly code: DahuaPtzCode;
  readonly arg1: number;
  readonly arg2: number;
  readonly arg3: number;
}

/** Dahua speeds run 1 (slowest) to 8 (fastest). */
export const DAHUA_MAX_SPEED = 8;

/** Velocities closer to 0 than this are treated as 0 (floating-point dust, not a request to move). */
const STILL = 1e-6;

/** Direction code for the signs of pan and tilt (`[pan sign + 1][tilt sign + 1]`). */
const DIRECTIONS: readonly (readonly (DahuaDirectionCode | undefined)[])[] = [
  ['LeftDown', 'Left', 'LeftUp'],
  ['Down', undefined, 'Up'],
  ['RightDown', 'Right', 'RightUp'],
];

const DIAGONALS: ReadonlySet<string> = new Set(['LeftUp', 'RightUp', 'LeftDown', 'RightDown']);

function sign(value: number): -1 | 0 | 1 {
  return Math.abs(value) < STILL ? 0 : value < 0 ? -1 : 1;
}

/**
 * Dahua speed 1..8 of a generic velocity component (-1..1): `|v| * 8` rounded, at least 1 for any movement;
 * 0 when the component is still.
 * @throws RangeError for a component outside -1..1 or not a number.
 */
export function dahuaSpeed(velocity: number): number {
  if (!Number.isFinite(velocity) || velocity < -1 || velocity > 1) throw new RangeError(`a velocity must be in -1..1, got ${velocity}`);
  if (sign(velocity) === 0) return 0;
  return Math.min(DAHUA_MAX_SPEED, Math.max(1, Math.round(Math.abs(velocity) * DAHUA_MAX_SPEED)));
}

/**
 * The `ptz.cgi` start commands for a generic velocity: one direction command for pan and tilt (a diagonal code when
 * both move, with `arg1` = vertical speed and `arg2` = horizontal speed; `arg2` = speed for the four straight codes)
 * and one zoom command (`arg2` = speed). A still vector gives no command.
 *
 * @throws RangeError for a component outside -1..1.
 * @example
 * ```ts
 * ptzMoveCommands({ pan: 0.5, tilt: 0, zoom: 0 }); // [{ code: 'Right', arg1: 0, arg2: 4, arg3: 0 }]
 * ptzMoveCommands({ pan: -1, tilt: 0.25, zoom: 1 }); // LeftUp 2/8, then ZoomTele 8
 * ```
 */
export function ptzMoveCommands(velocity: PtzVector): DahuaPtzCommand[] {
  const pan = dahuaSpeed(velocity.pan);
  const tilt = dahuaSpeed(velocity.tilt);
  const zoom = dahuaSpeed(velocity.zoom);
  const commands: DahuaPtzCommand[] = [];
  const code = DIRECTIONS[sign(velocity.pan) + 1]?.[sign(velocity.tilt) + 1];
  if (code !== undefined) {
    const diagonal = pan > 0 && tilt > 0;
    commands.push(diagonal ? { code, arg1: tilt, arg2: pan, arg3: 0 } : { code, arg1: 0, arg2: Math.max(pan, tilt), arg3: 0 });
  }
  if (zoom > 0) commands.push({ code: velocity.zoom > 0 ? 'ZoomTele' : 'ZoomWide', arg1: 0, arg2: zoom, arg3: 0 });
  return commands;
}

/** The command that stops a move started with `code` (Dahua stops by code, with zero arguments). */
export function ptzStopCommand(code: DahuaDirectionCode | DahuaZoomCode): DahuaPtzCommand {
  return { code, arg1: 0, arg2: 0, arg3: 0 };
}

/**
 * A preset command; Dahua puts the preset number in `arg2`.
 * @throws RangeError for a preset id that is not a whole number 1..65535.
 */
export function ptzPresetCommand(code: DahuaPresetCode, id: string | number): DahuaPtzCommand {
  const preset = typeof id === 'number' ? id : /^\d{1,5}$/.test(id) ? Number(id) : Number.NaN;
  if (!Number.isInteger(preset) || preset < 1 || preset > 65_535) throw new RangeError(`a Dahua preset id is a number 1..65535, got "${String(id)}"`);
  return { code, arg1: 0, arg2: preset, arg3: 0 };
}

/** True for the codes that move pan and tilt. */
export function isDirectionCode(code: string): code is DahuaDirectionCode {
  return DIRECTIONS.some((row) => row.includes(code as DahuaDirectionCode));
}

/** True for the zoom codes. */
export function isZoomCode(code: string): code is DahuaZoomCode {
  return code === 'ZoomTele' || code === 'ZoomWide';
}

/**
 * The generic velocity components a start command asks for (the inverse of {@link ptzMoveCommands}): pan and tilt
 * for a direction code, zoom for a zoom code, speed `s` as `s / 8`. `undefined` for other codes.
 * Speeds outside 1..8 are clamped.
 */
export function velocityOfCommand(code: string, arg1: number, arg2: number): Partial<PtzVector> | undefined {
  const speed = (value: number): number => Math.min(DAHUA_MAX_SPEED, Math.max(1, Number.isFinite(value) ? Math.round(value) : 1)) / DAHUA_MAX_SPEED;
  if (isZoomCode(code)) return { zoom: code === 'ZoomTele' ? speed(arg2) : -speed(arg2) };
  if (!isDirectionCode(code)) return undefined;
  const diagonal = DIAGONALS.has(code);
  const horizontal = speed(arg2);
  const vertical = diagonal ? speed(arg1) : speed(arg2);
  const pan = code.startsWith('Left') ? -horizontal : code.startsWith('Right') ? horizontal : 0;
  const tilt = code.endsWith('Up') ? vertical : code.endsWith('Down') ? -vertical : 0;
  return { pan, tilt };
}
