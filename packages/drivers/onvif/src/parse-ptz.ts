import type { PtzVector } from '@argus/core';
import type { XmlObject } from '@argus/driver-kit';
import { attr, bool, elements, first, isXmlObject, num, protocolError, responseElement, text } from './xml-values.js';

/** One preset of a `GetPresetsResponse`. */
export interface OnvifPreset {
  /** Preset token (what GotoPreset and RemovePreset take). */
  readonly token: string;
  /** Preset name, where the device stores one. */
  readonly name?: string;
  /** Stored position, where the device reports it (generic space). */
  readonly position?: PtzVector;
}

/** What a PTZ node (`GetNodesResponse`) says it can do. */
export interface OnvifPtzNode {
  /** Node token. */
  readonly token: string;
  /** Absolute pan/tilt position space listed. */
  readonly absolute: boolean;
  /** Relative pan/tilt translation space listed. */
  readonly relative: boolean;
  /** Continuous pan/tilt velocity space listed. */
  readonly continuous: boolean;
  /** Highest number of presets; undefined when not reported. */
  readonly maxPresets?: number;
  /** The node has a home position. */
  readonly home: boolean;
}

/**
 * The presets of a `GetPresetsResponse`.
 *
 * @throws ARGUS_ERR_DRIVER_PROTOCOL when the response element is missing or a preset has no token.
 * @example
 * ```ts
 * parsePresets(body, endpoint).map((p) => p.name); // ['Entrance', 'Parking']
 * ```
 */
export function parsePresets(body: XmlObject, endpoint = 'onvif'): OnvifPreset[] {
  const response = responseElement(body, 'GetPresetsResponse', endpoint);
  return elements(response, 'Preset').map((preset) => {
    const token = attr(preset, 'token');
    if (token === undefined || token === '') throw protocolError(endpoint, 'a preset has no token');
    const name = text(preset, 'Name');
    const position = first(preset['PTZPosition']);
    const panTilt = isXmlObject(position) ? first(position['PanTilt']) : undefined;
    const zoom = isXmlObject(position) ? first(position['Zoom']) : undefined;
    const pan = num(attr(panTilt, 'x'));
    const tilt = num(attr(panTilt, 'y'));
    const z = num(attr(zoom, 'x'));
    return {
      token,
      ...(name === undefined || name === '' ? {} : { name }),
      ...(pan === undefined || tilt === undefined ? {} : { position: { pan, tilt, zoom: z ?? 0 } }),
    };
  });
}

/**
 * The token of the preset a `SetPresetResponse` stored.
 *
 * @throws ARGUS_ERR_DRIVER_PROTOCOL when the response or its PresetToken is missing.
 */
export function parseSetPresetResponse(body: XmlObject, endpoint = 'onvif'): string {
  const token = text(responseElement(body, 'SetPresetResponse', endpoint), 'PresetToken');
  if (token === undefined || token === '') throw protocolError(endpoint, 'SetPresetResponse has no PresetToken');
  return token;
}

/**
 * The PTZ nodes of a `GetNodesResponse`: supported spaces, preset count and home support.
 *
 * @throws ARGUS_ERR_DRIVER_PROTOCOL when the response element is missing.
 */
export function parsePtzNodes(body: XmlObject, endpoint = 'onvif'): OnvifPtzNode[] {
  const response = responseElement(body, 'GetNodesResponse', endpoint);
  return elements(response, 'PTZNode').map((node) => {
    const spaces = first(node['SupportedPTZSpaces']);
    const has = (name: string): boolean => text(spaces, name, 'URI') !== undefined;
    const maxPresets = num(text(node, 'MaximumNumberOfPresets'));
    return {
      token: attr(node, 'token') ?? '',
      absolute: has('AbsolutePanTiltPositionSpace'),
      relative: has('RelativePanTiltTranslationSpace'),
      continuous: has('ContinuousPanTiltVelocitySpace'),
      ...(maxPresets === undefined ? {} : { maxPresets }),
      home: bool(text(node, 'HomeSupported')) ?? false,
    };
  });
}
