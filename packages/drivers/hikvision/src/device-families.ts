/**
 * What the driver does differently per kind of ISAPI device, as data (vendor quirks are a table, not branches):
 * which camera type a device is, whether it is a recorder (channels addressed as `N01`/`N02`), which parts of
 * ISAPI it speaks.
 */
export interface IsapiDeviceFamily {
  /** Short name for logs and details: `camera`, `recorder`, `ezviz`. */
  readonly name: string;
  /** Camera type of the city's catalogue: 1 camera/PTZ, 3 NVR/DVR channel, 4 Ezviz. */
  readonly cameraType: 1 | 3 | 4;
  /** Manufacturer reported when the device's `deviceInfo` has no `<manufacturer>`. */
  readonly manufacturer: string;
  /** True for recorders: the session's channel is an input of the recorder. */
  readonly recorder: boolean;
  /** True when the family serves `/ISAPI/Event/notification/alertStream`. */
  readonly alertStream: boolean;
  /** A row applies when every given pattern matches. */
  readonly match: {
    readonly manufacturer?: RegExp;
    readonly model?: RegExp;
    readonly deviceType?: RegExp;
  };
}

/**
 * Rows are tried in order; the last one matches every device.
 *
 * - Ezviz is Hikvision's consumer brand: `CS-` models, `manufacturer` EZVIZ; it serves RTSP and a subset of
 *   ISAPI (deviceInfo, streaming, picture) and no alertStream on the LAN.
 * - Recorders report `deviceType` NVR, DVR, `HybirdNVR` (sic), DVS; models DS-71xx..99xx and iDS-7xxx.
 * - Everything else is an IP camera or PTZ dome (DS-2CD, DS-2DE, DS-2SE, DS-2TD... and HDParagon OEM models).
 */
export const ISAPI_DEVICE_FAMILIES: readonly IsapiDeviceFamily[] = [
  { name: 'ezviz', cameraType: 4, manufacturer: 'EZVIZ', recorder: false, alertStream: false, match: { manufacturer: /ezviz/i } },
  { name: 'ezviz', cameraType: 4, manufacturer: 'EZVIZ', recorder: false, alertStream: false, match: { model: /^CS-/i } },
  {
    name: 'recorder',
    cameraType: 3,
    manufacturer: 'Hikvision',
    recorder: true,
    alertStream: true,
    match: { deviceType: /^(?:NVR|DVR|XVR|DVS|HybirdNVR|HybridNVR|NVS)$/i },
  },
  {
    name: 'recorder',
    cameraType: 3,
    manufacturer: 'Hikvision',
    recorder: true,
    alertStream: true,
    match: { model: /^i?DS-(?:7[1-9]|8[0-9]|9[0-9])\d{2}/i },
  },
  { name: 'camera', cameraType: 1, manufacturer: 'Hikvision', recorder: false, alertStream: true, match: {} },
];

/** What the device said about itself, as far as the family table looks. */
export interface DeviceFamilyKey {
  readonly manufacturer?: string;
  readonly model?: string;
  readonly deviceType?: string;
}

/** True when each pattern of a table row's `match` matches the field of the same name (a missing field does not). */
export function rowMatches<K extends string>(match: Readonly<Partial<Record<K, RegExp>>>, device: Readonly<Partial<Record<K, string>>>): boolean {
  return (Object.keys(match) as K[]).every((field) => {
    const pattern = match[field];
    const value = device[field];
    return pattern === undefined || (value !== undefined && pattern.test(value));
  });
}

/** The first row of `families` whose patterns all match `device`. */
export function deviceFamily(device: DeviceFamilyKey, families: readonly IsapiDeviceFamily[] = ISAPI_DEVICE_FAMILIES): IsapiDeviceFamily {
  const found = families.find((row) => rowMatches(row.match, device));
  // The default table ends with a catch-all; a custom table without one still gets a camera.
  return found ?? ISAPI_DEVICE_FAMILIES[ISAPI_DEVICE_FAMILIES.length - 1]!;
}

/** Spellings devices use in `<manufacturer>`, mapped to the brand's usual name. */
const MANUFACTURER_NAMES: Readonly<Record<string, string>> = {
  hikvision: 'Hikvision',
  ezviz: 'EZVIZ',
  hdparagon: 'HDParagon',
};

/** `hikvision` -> `Hikvision`; unknown names are kept as the device wrote them. */
export function manufacturerName(raw: string): string {
  return MANUFACTURER_NAMES[raw.trim().toLowerCase()] ?? raw.trim();
}
