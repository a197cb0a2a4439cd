import type { PtzVector } from '@argus/core';
import type { AxisPtzLimits } from './parse-ptz-params.js';

/** VAPIX continuous speeds are integers in -100..100 on every axis. */
export const VAPIX_MAX_SPEED = 100;

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function finite(value: number, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`${what} must be a finite number, got ${String(value)}`);
  return value;
}

/**
 * A generic velocity component (-1..1) as a VAPIX speed (-100..100, integer). Out-of-range input is clamped;
 * positive pan is right, positive tilt up, positive zoom in (tele), as in VAPIX.
 *
 * @throws RangeError for a value that is not a finite number.
 * @example
 * ```ts
 * toVapixSpeed(0.5); // 50
 * ```
 */
export function toVapixSpeed(value: number): number {
  return Math.round(clamp(finite(value, 'velocity'), -1, 1) * VAPIX_MAX_SPEED) + 0;
}

/** A VAPIX speed (-100..100) as a generic velocity component (-1..1). */
export function fromVapixSpeed(value: number): number {
  return clamp(finite(value, 'speed'), -VAPIX_MAX_SPEED, VAPIX_MAX_SPEED) / VAPIX_MAX_SPEED;
}

/** A position or translation in VAPIX units: pan and tilt in degrees, zoom in steps. */
export interface VapixPosition {
  /** Pan, degrees. */
  pan: number;
  /** Tilt, degrees. */
  tilt: number;
  /** Zoom step. */
  zoom: number;
}

/** Limits with every bound needed for absolute positions, filled with VAPIX's usual defaults where absent. */
export interface AxisPtzRange {
  /** Lowest pan angle, degrees. */
  readonly minPan: number;
  /** Highest pan angle, degrees. */
  readonly maxPan: number;
  /** Lowest tilt angle, degrees. */
  readonly minTilt: number;
  /** Highest tilt angle, degrees. */
  readonly maxTilt: number;
  /** Widest zoom step. */
  readonly minZoom: number;
  /** Longest zoom step. */
  readonly maxZoom: number;
}

/** The usual VAPIX range where a device does not report a limit: pan -180..180°, tilt -90..90°, zoom 1..9999. */
export const DEFAULT_PTZ_RANGE: AxisPtzRange = Object.freeze({ minPan: -180, maxPan: 180, minTilt: -90, maxTilt: 90, minZoom: 1, maxZoom: 9999 });

/** The device's limits with defaults for what it does not report. */
export function ptzRange(limits: AxisPtzLimits | undefined): AxisPtzRange {
  return {
    minPan: limits?.minPan ?? DEFAULT_PTZ_RANGE.minPan,
    maxPan: limits?.maxPan ?? DEFAULT_PTZ_RANGE.maxPan,
    minTilt: limits?.minTilt ?? DEFAULT_PTZ_RANGE.minTilt,
    maxTilt: limits?.maxTilt ?? DEFAULT_PTZ_RANGE.maxTilt,
    minZoom: limits?.minZoom ?? DEFAULT_PTZ_RANGE.minZoom,
    maxZoom: limits?.maxZoom ?? DEFAULT_PTZ_RANGE.maxZoom,
  };
}

function lerp(t: number, min: number, max: number): number {
  return min + t * (max - min);
}

/**
 * A generic absolute position (pan, tilt -1..1; zoom 0..1) in VAPIX units: degrees within the device's pan and
 * tilt limits, zoom steps within its zoom limits (rounded to an integer).
 *
 * @example
 * ```ts
 * toVapixPosition({ pan: 1, tilt: 0, zoom: 0 }, ptzRange({ minPan: -170, maxPan: 170, minTilt: -20, maxTilt: 90 }));
 * // { pan: 170, tilt: 35, zoom: 1 }
 * ```
 */
export function toVapixPosition(position: PtzVector, range: AxisPtzRange): VapixPosition {
  const pan = clamp(finite(position.pan, 'pan'), -1, 1);
  const tilt = clamp(finite(position.tilt, 'tilt'), -1, 1);
  const zoom = clamp(finite(position.zoom, 'zoom'), 0, 1);
  return {
    pan: round3(lerp((pan + 1) / 2, range.minPan, range.maxPan)),
    tilt: round3(lerp((tilt + 1) / 2, range.minTilt, range.maxTilt)),
    zoom: Math.round(lerp(zoom, range.minZoom, range.maxZoom)),
  };
}

/** VAPIX units (degrees, zoom steps) back to the generic space, clamped to it. */
export function fromVapixPosition(position: Partial<VapixPosition>, range: AxisPtzRange): PtzVector {
  const unit = (value: number | undefined, min: number, max: number, fallback: number): number =>
    value === undefined || max === min ? fallback : clamp((value - min) / (max - min), 0, 1);
  return {
    pan: unit(position.pan, range.minPan, range.maxPan, 0.5) * 2 - 1,
    tilt: unit(position.tilt, range.minTilt, range.maxTilt, 0.5) * 2 - 1,
    zoom: unit(position.zoom, range.minZoom, range.maxZoom, 0),
  };
}

/** A generic translation (pan, tilt -1..1 of the half range; zoom -1..1 of the range) as VAPIX `rpan`/`rtilt`/`rzoom`. */
export function toVapixTranslation(translation: PtzVector, range: AxisPtzRange): VapixPosition {
  return {
    pan: round3((clamp(finite(translation.pan, 'pan'), -2, 2) * (range.maxPan - range.minPan)) / 2),
    tilt: round3((clamp(finite(translation.tilt, 'tilt'), -2, 2) * (range.maxTilt - range.minTilt)) / 2),
    zoom: Math.round(clamp(finite(translation.zoom, 'zoom'), -1, 1) * (range.maxZoom - range.minZoom)),
  };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000 + 0;
}
