import { paramFlag, paramGroup, paramNumber, paramValue, type ParamList, type ParamTree } from './parse-param-list.js';

/** Mechanical limits of one PTZ camera (`root.PTZ.Limit.L<n>`), in VAPIX units: degrees for pan/tilt, 1..9999 zoom. */
export interface AxisPtzLimits {
  /** Lowest pan angle, degrees. */
  readonly minPan?: number;
  /** Highest pan angle, degrees. */
  readonly maxPan?: number;
  /** Lowest tilt angle, degrees. */
  readonly minTilt?: number;
  /** Highest tilt angle, degrees. */
  readonly maxTilt?: number;
  /** Widest zoom step (usually 1). */
  readonly minZoom?: number;
  /** Longest zoom step (usually 9999). */
  readonly maxZoom?: number;
  /** Nearest focus step. */
  readonly minFocus?: number;
  /** Farthest focus step. */
  readonly maxFocus?: number;
  /** Smallest iris step. */
  readonly minIris?: number;
  /** Largest iris step. */
  readonly maxIris?: number;
  /** Narrowest field of view, tenths of a degree. */
  readonly minFieldAngle?: number;
  /** Widest field of view, tenths of a degree. */
  readonly maxFieldAngle?: number;
}

/** What one PTZ camera supports (`root.PTZ.Support.S<n>`); every flag of the group by its VAPIX name. */
export interface AxisPtzSupport {
  /** `continuouspantiltmove` pans. */
  readonly continuousPan: boolean;
  /** `continuouspantiltmove` tilts. */
  readonly continuousTilt: boolean;
  /** `continuouszoommove` works. */
  readonly continuousZoom: boolean;
  /** `pan=<degrees>` works. */
  readonly absolutePan: boolean;
  /** `tilt=<degrees>` works. */
  readonly absoluteTilt: boolean;
  /** `zoom=<step>` works. */
  readonly absoluteZoom: boolean;
  /** `rpan=` works. */
  readonly relativePan: boolean;
  /** `rtilt=` works. */
  readonly relativeTilt: boolean;
  /** `rzoom=` works. */
  readonly relativeZoom: boolean;
  /** Presets stored by the VAPIX server (`gotoserverpresetno`...). */
  readonly serverPreset: boolean;
  /** Presets stored in the PTZ device itself (`gotodevicepreset`). */
  readonly devicePreset: boolean;
  /** Every `Support.S<n>` flag as sent (`AreaZoom`, `AutoFocus`, `IrCutFilter`...). */
  readonly flags: Readonly<Record<string, boolean>>;
}

/** One stored position of a preset group (`root.PTZ.Preset.P<g>.Position.P<n>`). */
export interface AxisPtzPresetPosition {
  /** The preset number (`gotoserverpresetno=<n>`). */
  readonly number: number;
  /** Preset name (may be empty). */
  readonly name: string;
  /** Axis's `Data`, e.g. `{ pan: 0, tilt: 0, zoom: 1 }` from `tilt=0.000000:pan=0.000000:zoom=1.000000`. */
  readonly data: Readonly<Record<string, number>>;
}

/** A preset group (`root.PTZ.Preset.P<g>`): the presets of one image source. */
export interface AxisPtzPresetGroup {
  /** Group index `g` of `Preset.P<g>`. */
  readonly index: number;
  /** Image source (0-based) the presets belong to. */
  readonly imageSource?: number;
  /** Number of the preset that is the home position; `undefined` when none (`-1`). */
  readonly homePosition?: number;
  /** The stored presets of the group. */
  readonly positions: readonly AxisPtzPresetPosition[];
}

/** One PTZ camera of the device: `camera=<n>` of `ptz.cgi`, with its limits and abilities. */
export interface AxisPtzCamera {
  /** Camera number, 1-based (`Limit.L<n>`, `Support.S<n>`). */
  readonly camera: number;
  /** `Limit.L<n>` (empty when the device reports none). */
  readonly limits: AxisPtzLimits;
  /** `Support.S<n>`, when reported. */
  readonly support?: AxisPtzSupport;
}

/** The `root.PTZ` group of a device. */
export interface AxisPtzParams {
  /** `NbrOfCameras` (absent on some firmware: then the number of `Limit`/`Support` entries). */
  readonly cameraCount: number;
  /** `ImageSource.I0.PTZEnabled`: false on fixed cameras whose digital PTZ is off. */
  readonly enabled: boolean;
  /** Every camera number that has limits or abilities, or is counted by `NbrOfCameras`. */
  readonly cameras: readonly AxisPtzCamera[];
  /** `Preset.P<g>` groups, one per image source. */
  readonly presetGroups: readonly AxisPtzPresetGroup[];
  /** `Various.V1.HomePresetSet`. */
  readonly homePresetSet: boolean;
  /** `PresetNameMaxLen` where the firmware reports it. */
  readonly presetNameMaxLength?: number;
}

const LIMIT_KEYS: Readonly<Record<string, keyof AxisPtzLimits>> = {
  MinPan: 'minPan',
  MaxPan: 'maxPan',
  MinTilt: 'minTilt',
  MaxTilt: 'maxTilt',
  MinZoom: 'minZoom',
  MaxZoom: 'maxZoom',
  MinFocus: 'minFocus',
  MaxFocus: 'maxFocus',
  MinIris: 'minIris',
  MaxIris: 'maxIris',
  MinFieldAngle: 'minFieldAngle',
  MaxFieldAngle: 'maxFieldAngle',
};

/** Entries `<prefix><n>` of a group, e.g. `L1`, `L12` of `Limit`, by number. */
function numbered(group: ParamTree | undefined, prefix: string): Map<number, ParamTree> {
  const out = new Map<number, ParamTree>();
  if (group === undefined) return out;
  const pattern = new RegExp(`^${prefix}(\\d+)$`);
  for (const [key, value] of Object.entries(group)) {
    const match = pattern.exec(key);
    if (match !== null && typeof value === 'object') out.set(Number(match[1]), value);
  }
  return new Map([...out.entries()].sort((a, b) => a[0] - b[0]));
}

function leaf(group: ParamTree, key: string): string | undefined {
  const value = group[key];
  return typeof value === 'string' ? value : undefined;
}

function parseLimits(group: ParamTree): AxisPtzLimits {
  const out: Partial<Record<keyof AxisPtzLimits, number>> = {};
  for (const [vapix, key] of Object.entries(LIMIT_KEYS)) {
    const n = paramNumber(leaf(group, vapix));
    if (n !== undefined) out[key] = n;
  }
  return out;
}

function parseSupport(group: ParamTree): AxisPtzSupport {
  const flags: Record<string, boolean> = {};
  for (const [key, value] of Object.entries(group)) {
    const flag = typeof value === 'string' ? paramFlag(value) : undefined;
    if (flag !== undefined) flags[key] = flag;
  }
  const has = (key: string): boolean => flags[key] === true;
  return {
    continuousPan: has('ContinuousPan'),
    continuousTilt: has('ContinuousTilt'),
    continuousZoom: has('ContinuousZoom'),
    absolutePan: has('AbsolutePan'),
    absoluteTilt: has('AbsoluteTilt'),
    absoluteZoom: has('AbsoluteZoom'),
    relativePan: has('RelativePan'),
    relativeTilt: has('RelativeTilt'),
    relativeZoom: has('RelativeZoom'),
    serverPreset: has('ServerPreset'),
    devicePreset: has('DevicePreset'),
    flags,
  };
}

/** Parses a preset's `Data` (`tilt=0.000000:pan=0.000000:zoom=1.000000`) into numbers; unknown parts are skipped. */
export function parsePresetData(data: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (data === undefined) return out;
  for (const part of data.split(':')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const n = paramNumber(part.slice(eq + 1));
    if (n !== undefined) out[part.slice(0, eq).trim()] = n;
  }
  return out;
}

function parsePresetGroup(index: number, group: ParamTree): AxisPtzPresetGroup {
  const positions: AxisPtzPresetPosition[] = [];
  const positionGroup = group['Position'];
  for (const [number, position] of numbered(typeof positionGroup === 'object' ? positionGroup : undefined, 'P')) {
    positions.push({ number, name: leaf(position, 'Name') ?? '', data: parsePresetData(leaf(position, 'Data')) });
  }
  const home = paramNumber(leaf(group, 'HomePosition'));
  const imageSource = paramNumber(leaf(group, 'ImageSource'));
  return {
    index,
    ...(imageSource === undefined ? {} : { imageSource }),
    ...(home === undefined || home < 0 ? {} : { homePosition: home }),
    positions,
  };
}

/**
 * Reads the `root.PTZ` group of a `param.cgi` listing: per camera its limits (`Limit.L<n>`) and abilities
 * (`Support.S<n>`), the preset groups, and whether PTZ is enabled on image source 0. Returns `undefined` when
 * the listing has no `PTZ` group (the device has no PTZ, or the group was not asked for).
 *
 * @example
 * ```ts
 * const ptz = parsePtzParams(parseParamList(await http.text({ path: '/axis-cgi/param.cgi?action=list&group=root.PTZ' })));
 * ptz?.cameras[0]?.limits.maxPan; // 170
 * ```
 */
export function parsePtzParams(list: ParamList): AxisPtzParams | undefined {
  const ptz = paramGroup(list, 'PTZ');
  if (ptz === undefined) return undefined;
  const limitGroup = ptz['Limit'];
  const supportGroup = ptz['Support'];
  const limits = numbered(typeof limitGroup === 'object' ? limitGroup : undefined, 'L');
  const supports = numbered(typeof supportGroup === 'object' ? supportGroup : undefined, 'S');
  const declared = paramNumber(paramValue(list, 'PTZ.NbrOfCameras'));
  const numbers = new Set<number>([...limits.keys(), ...supports.keys()]);
  const cameraCount = declared ?? (numbers.size === 0 ? 0 : Math.max(...numbers));
  for (let n = 1; n <= cameraCount; n++) numbers.add(n);
  const cameras: AxisPtzCamera[] = [...numbers]
    .sort((a, b) => a - b)
    .map((camera) => {
      const limit = limits.get(camera);
      const support = supports.get(camera);
      return { camera, limits: limit === undefined ? {} : parseLimits(limit), ...(support === undefined ? {} : { support: parseSupport(support) }) };
    });
  const presetGroup = ptz['Preset'];
  const presetGroups = [...numbered(typeof presetGroup === 'object' ? presetGroup : undefined, 'P')].map(([index, group]) => parsePresetGroup(index, group));
  const maxLen = paramNumber(paramValue(list, 'PTZ.PresetNameMaxLen'));
  return {
    cameraCount,
    enabled: paramFlag(paramValue(list, 'PTZ.ImageSource.I0.PTZEnabled')) ?? true,
    cameras,
    presetGroups,
    homePresetSet: paramFlag(paramValue(list, 'PTZ.Various.V1.HomePresetSet')) ?? false,
    ...(maxLen === undefined ? {} : { presetNameMaxLength: maxLen }),
  };
}
