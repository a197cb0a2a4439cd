import type { DahuaSystemInfo } from './parse-system-info.js';

/**
 * Dahua model quirks as data: which city camera type a `deviceType` (or vendor) belongs to, and which model names
 * are placeholders rather than models. Rules are tried in order; the first match wins.
 */
export interface DahuaModelRule {
  /** Tested against `deviceType` from `getSystemInfo`. */
  readonly deviceType?: RegExp;
  /** Tested against `vendor` from `getVendor`, when the device answers it. */
  readonly vendor?: RegExp;
  /** City camera type: 5 Dahua IP camera and PTZ, 7 NVR/XVR channel, 8 Imou. */
  readonly cameraType: 5 | 7 | 8;
  /** Why the rule exists. */
  readonly note: string;
}

/** The rules {@link dahuaCameraType} applies, first match wins; anything else is type 5. */
export const DAHUA_MODEL_RULES: readonly DahuaModelRule[] = [
  { deviceType: /^(?:DHI-|DH-)?(?:NVR|XVR|HCVR|DVR|IVSS|EVS|HVR)/i, cameraType: 7, note: 'Dahua and KBVision recorders' },
  { deviceType: /^(?:NV\d|AMDV)/i, cameraType: 7, note: 'Amcrest recorders (NV4108E, AMDV10814)' },
  { vendor: /^(?:Imou|LeChange)$/i, cameraType: 8, note: 'consumer firmware that names its brand' },
  { deviceType: /^(?:DH-)?IPC-(?:[ACFGKST]\d|G[KS]\d)/i, cameraType: 8, note: 'Imou/LeChange consumer model ranges (IPC-A22, IPC-C26, IPC-K35, IPC-GK2D...)' },
];

/** `deviceType` values that name a device class rather than a model; the model is read elsewhere then. */
export const GENERIC_DEVICE_TYPES: ReadonlySet<string> = new Set(['ip camera', 'ipc', 'ipcamera', 'nvr', 'dvr', 'xvr', 'ptz', 'speed dome']);

/**
 * The city camera type of a Dahua device: 7 for recorders, 8 for Imou consumer models, 5 otherwise.
 *
 * @example
 * ```ts
 * dahuaCameraType('DHI-NVR4108HS-4KS2'); // 7
 * dahuaCameraType('IPC-HDW5831R-ZE'); // 5
 * ```
 */
export function dahuaCameraType(deviceType: string, vendor?: string): 5 | 7 | 8 {
  for (const rule of DAHUA_MODEL_RULES) {
    if (rule.deviceType !== undefined && !rule.deviceType.test(deviceType)) continue;
    if (rule.vendor !== undefined && (vendor === undefined || !rule.vendor.test(vendor))) continue;
    return rule.cameraType;
  }
  return 5;
}

/** True when a `deviceType` is a placeholder such as `IP Camera` instead of a model number. */
export function isGenericDeviceType(deviceType: string): boolean {
  return GENERIC_DEVICE_TYPES.has(deviceType.trim().toLowerCase());
}

/**
 * The model of a device: its `deviceType`, unless that is a placeholder (`IP Camera`), then the firmware family
 * `updateSerial` when the device reports one.
 */
export function dahuaModel(info: Pick<DahuaSystemInfo, 'deviceType' | 'updateSerial'>): string {
  return isGenericDeviceType(info.deviceType) ? (info.updateSerial ?? info.deviceType) : info.deviceType;
}
