import { ArgusError, type DeviceInfo } from '@argus/core';
import { deviceFamily, manufacturerName, type IsapiDeviceFamily } from './device-families.js';
import { isIsapiNamespace, parseIsapiDocument, textAt } from './isapi-document.js';

/** `GET /ISAPI/System/deviceInfo`, field by field (only what Argus uses; all strings as the device wrote them). */
export interface IsapiDeviceInfo {
  readonly deviceName?: string;
  readonly deviceId?: string;
  readonly model: string;
  readonly serialNumber: string;
  readonly macAddress?: string;
  readonly firmwareVersion: string;
  readonly firmwareReleasedDate?: string;
  readonly encoderVersion?: string;
  readonly hardwareVersion?: string;
  /** `IPCamera`, `IPDome`, `NVR`, `DVR`, `HybirdNVR`...; absent on some old firmware. */
  readonly deviceType?: string;
  /** Present on newer firmware (`hikvision`). */
  readonly manufacturer?: string;
  /** Default namespace of the document. */
  readonly namespace?: string;
  /** True when the namespace is one of Hikvision's/ISAPI's: the strongest sign of a genuine ISAPI device. */
  readonly isapiNamespace: boolean;
}

/**
 * Parses the reply of `GET /ISAPI/System/deviceInfo`. A document that is not a `<DeviceInfo>`, or one without a
 * model, throws `ARGUS_ERR_DRIVER_PROTOCOL`.
 *
 * @example
 * ```ts
 * const info = parseDeviceInfo(await http.text({ path: '/ISAPI/System/deviceInfo' }));
 * info.model; // 'DS-2CD2386G2-IU'
 * ```
 */
export function parseDeviceInfo(text: string, endpoint = 'isapi'): IsapiDeviceInfo {
  const doc = parseIsapiDocument(text, ['DeviceInfo'], { endpoint });
  const node = doc.node;
  const model = textAt(node, 'model');
  if (model === undefined) {
    throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint, reason: '<DeviceInfo> has no <model>' });
  }
  const optional = (key: keyof IsapiDeviceInfo, tag: string): Partial<IsapiDeviceInfo> => {
    const value = textAt(node, tag);
    return value === undefined ? {} : { [key]: value };
  };
  return {
    ...optional('deviceName', 'deviceName'),
    ...optional('deviceId', 'deviceID'),
    model,
    serialNumber: textAt(node, 'serialNumber') ?? '',
    ...optional('macAddress', 'macAddress'),
    firmwareVersion: textAt(node, 'firmwareVersion') ?? '',
    ...optional('firmwareReleasedDate', 'firmwareReleasedDate'),
    ...optional('encoderVersion', 'encoderVersion'),
    ...optional('hardwareVersion', 'hardwareVersion'),
    ...optional('deviceType', 'deviceType'),
    ...optional('manufacturer', 'manufacturer'),
    ...(doc.namespace === undefined ? {} : { namespace: doc.namespace }),
    isapiNamespace: isIsapiNamespace(doc.namespace),
  };
}

/** The family row (camera, recorder, Ezviz) of a device. */
export function familyOf(info: IsapiDeviceInfo, families?: readonly IsapiDeviceFamily[]): IsapiDeviceFamily {
  return deviceFamily(
    {
      ...(info.manufacturer === undefined ? {} : { manufacturer: info.manufacturer }),
      model: info.model,
      ...(info.deviceType === undefined ? {} : { deviceType: info.deviceType }),
    },
    families,
  );
}

/** Normalises a MAC to lower-case `aa:bb:cc:dd:ee:ff`; anything else is returned trimmed. */
export function normaliseMac(mac: string): string {
  const hex = mac.replace(/[^0-9a-f]/gi, '');
  if (hex.length !== 12) return mac.trim();
  return hex.toLowerCase().replace(/(..)(?!$)/g, '$1:');
}

/**
 * The Argus `DeviceInfo` of an ISAPI device: manufacturer from `<manufacturer>` (normalised, `hikvision`
 * -> `Hikvision`) or from the family, firmware from `<firmwareVersion>`, hardware id from `<hardwareVersion>`.
 */
export function toDeviceInfo(info: IsapiDeviceInfo, families?: readonly IsapiDeviceFamily[]): DeviceInfo {
  const manufacturer = info.manufacturer === undefined ? familyOf(info, families).manufacturer : manufacturerName(info.manufacturer);
  return {
    manufacturer,
    model: info.model,
    firmware: info.firmwareVersion,
    serial: info.serialNumber,
    ...(info.hardwareVersion === undefined ? {} : { hardwareId: info.hardwareVersion }),
    ...(info.macAddress === undefined ? {} : { mac: normaliseMac(info.macAddress) }),
  };
}
