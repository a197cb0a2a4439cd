import type { PtzPreset, PtzVector } from '@argus/core';
import { xmlArray, xmlEscape, type XmlValue } from '@argus/driver-kit';
import { boolAt, intAt, ISAPI_NAMESPACE, parseIsapiDocument, textAt } from './isapi-document.js';

/** An integer range of an ISAPI PTZ space. */
export interface IsapiRange {
  readonly min: number;
  readonly max: number;
}

/** What `GET /ISAPI/PTZCtrl/channels/<ch>/capabilities` (`<PTZChanelCap>`, sic) says, as far as Argus uses it. */
export interface IsapiPtzCapabilities {
  /** Continuous pan speed range; ISAPI's is -100..100. */
  readonly pan: IsapiRange;
  readonly tilt: IsapiRange;
  readonly zoom: IsapiRange;
  /** Highest preset number, where the device says. */
  readonly maxPresets?: number;
  /** True when the device accepts `/momentary` (a move for a duration, timed on the device). */
  readonly momentary: boolean;
}

/** ISAPI's continuous-move scale: -100..100 on every axis (zeros stop). */
export const ISAPI_SPEED_RANGE: IsapiRange = { min: -100, max: 100 };

function range(node: XmlValue, ...path: string[]): IsapiRange {
  const min = intAt(node, ...path, 'Min');
  const max = intAt(node, ...path, 'Max');
  return min === undefined || max === undefined || min >= max ? ISAPI_SPEED_RANGE : { min, max };
}

/**
 * Parses `<PTZChanelCap>` (Hikvision spells it so; `<PTZChannelCap>` is accepted too). Missing ranges default
 * to -100..100.
 *
 * @example
 * ```ts
 * parsePtzCapabilities(xml); // { pan: { min: -100, max: 100 }, ..., maxPresets: 300, momentary: true }
 * ```
 */
export function parsePtzCapabilities(text: string, endpoint = 'isapi'): IsapiPtzCapabilities {
  const doc = parseIsapiDocument(text, ['PTZChanelCap', 'PTZChannelCap'], { endpoint });
  const node = doc.node;
  const maxPresets = intAt(node, 'maxPresetNum') ?? intAt(node, 'PresetCap', 'maxPresetNum');
  return {
    pan: range(node, 'ContinuousPanTiltSpace', 'XRange'),
    tilt: range(node, 'ContinuousPanTiltSpace', 'YRange'),
    zoom: range(node, 'ContinuousZoomSpace', 'ZRange'),
    ...(maxPresets === undefined ? {} : { maxPresets }),
    momentary: 'MomentaryPanTiltSpace' in node || boolAt(node, 'isSupportMomentary') === true,
  };
}

/**
 * Parses `<PTZPresetList>` into presets (`enabled` false entries, which some domes list for unused slots, are
 * left out).
 */
export function parsePtzPresets(text: string, endpoint = 'isapi'): PtzPreset[] {
  const doc = parseIsapiDocument(text, ['PTZPresetList', 'PTZPreset'], { endpoint });
  const nodes = doc.root === 'PTZPreset' ? [doc.node] : xmlArray(doc.node, 'PTZPreset');
  const out: PtzPreset[] = [];
  for (const node of nodes) {
    const id = textAt(node, 'id');
    if (id === undefined || boolAt(node, 'enabled') === false) continue;
    const name = textAt(node, 'presetName');
    out.push({ id, ...(name === undefined ? {} : { name }) });
  }
  return out;
}

function scale(value: number, r: IsapiRange): number {
  const v = Number.isFinite(value) ? Math.max(-1, Math.min(1, value)) : 0;
  return Math.round(v >= 0 ? v * r.max : -v * r.min);
}

function unscale(value: number, r: IsapiRange): number {
  if (value === 0) return 0;
  return Math.max(-1, Math.min(1, value > 0 ? value / r.max : -value / r.min));
}

/** Generic velocity (-1..1) -> ISAPI speeds (default -100..100, rounded). */
export function toIsapiSpeed(velocity: PtzVector, caps?: Pick<IsapiPtzCapabilities, 'pan' | 'tilt' | 'zoom'>): PtzVector {
  return {
    pan: scale(velocity.pan, caps?.pan ?? ISAPI_SPEED_RANGE),
    tilt: scale(velocity.tilt, caps?.tilt ?? ISAPI_SPEED_RANGE),
    zoom: scale(velocity.zoom, caps?.zoom ?? ISAPI_SPEED_RANGE),
  };
}

/** ISAPI speeds (default -100..100) -> generic velocity (-1..1). */
export function fromIsapiSpeed(speed: PtzVector, caps?: Pick<IsapiPtzCapabilities, 'pan' | 'tilt' | 'zoom'>): PtzVector {
  return {
    pan: unscale(speed.pan, caps?.pan ?? ISAPI_SPEED_RANGE),
    tilt: unscale(speed.tilt, caps?.tilt ?? ISAPI_SPEED_RANGE),
    zoom: unscale(speed.zoom, caps?.zoom ?? ISAPI_SPEED_RANGE),
  };
}

/** The body of a continuous (or, with `durationMs`, momentary) move: `<PTZData><pan/><tilt/><zoom/></PTZData>`. */
export function ptzDataXml(speed: PtzVector, durationMs?: number): string {
  const momentary = durationMs === undefined ? '' : `<Momentary><duration>${Math.max(1, Math.round(durationMs))}</duration></Momentary>`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<PTZData version="2.0" xmlns="${ISAPI_NAMESPACE}"><pan>${Math.round(speed.pan)}</pan><tilt>${Math.round(speed.tilt)}</tilt>` +
    `<zoom>${Math.round(speed.zoom)}</zoom>${momentary}</PTZData>`
  );
}

/** The `<PTZData>` of a move request: speeds (missing axes are 0) and the momentary duration. */
export interface IsapiPtzData {
  readonly speed: PtzVector;
  readonly durationMs?: number;
}

/** Parses a `<PTZData>` request body (the emulator's side of {@link ptzDataXml}). */
export function parsePtzData(text: string, endpoint = 'isapi'): IsapiPtzData {
  const doc = parseIsapiDocument(text, ['PTZData'], { endpoint });
  const duration = intAt(doc.node, 'Momentary', 'duration');
  return {
    speed: { pan: intAt(doc.node, 'pan') ?? 0, tilt: intAt(doc.node, 'tilt') ?? 0, zoom: intAt(doc.node, 'zoom') ?? 0 },
    ...(duration === undefined ? {} : { durationMs: duration }),
  };
}

/** The body of `PUT /ISAPI/PTZCtrl/channels/<ch>/presets/<id>`. */
export function presetXml(id: string, name: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<PTZPreset version="2.0" xmlns="${ISAPI_NAMESPACE}"><enabled>true</enabled><id>${xmlEscape(id)}</id>` +
    `<presetName>${xmlEscape(name)}</presetName></PTZPreset>`
  );
}
