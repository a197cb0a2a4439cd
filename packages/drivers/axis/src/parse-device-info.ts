import { ArgusError, type DeviceInfo } from '@argus/core';
import { paramValue, type ParamList } from './parse-param-list.js';

/** What an Axis device says about itself, from `basicdeviceinfo.cgi` or the `Brand`/`Properties` parameters. */
export interface AxisDeviceProperties {
  /** `Brand`: `AXIS` on Axis-branded devices. */
  readonly brand: string;
  /** `ProdNbr`: the model number (`M1065-LW`). */
  readonly model: string;
  /** `ProdFullName` (`AXIS M1065-LW Network Camera`). */
  readonly fullName?: string;
  /** `ProdShortName` (`AXIS M1065-LW`). */
  readonly shortName?: string;
  /** `ProdType` (`Network Camera`, `PTZ Dome Network Camera`, `Network Door Controller`...). */
  readonly productType?: string;
  /** `Version`/`Firmware.Version`: the firmware (AXIS OS) version. */
  readonly firmware?: string;
  /** `SerialNumber`: on Axis devices the MAC address of the first interface, 12 hex digits. */
  readonly serial?: string;
  /** `HardwareID` (`70E`). */
  readonly hardwareId?: string;
  /** CPU architecture (`armv7hf`, `mips`...). */
  readonly architecture?: string;
  /** System on chip (`Ambarella S2L`, `Axis Artpec-5`). */
  readonly soc?: string;
  /** Firmware build date as written by the device. */
  readonly buildDate?: string;
}

/** Options of the device-info parsers. */
export interface ParseDeviceInfoOptions {
  /** Device endpoint for error messages. */
  readonly endpoint?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The `error` member of a VAPIX JSON API reply. */
export interface VapixJsonError {
  /** Axis error code (`2101` invalid JSON, `2102` method not supported, ...). */
  readonly code: number;
  /** The device's message. */
  readonly message: string;
}

/**
 * A VAPIX JSON API error reply (`{"apiVersion":"1.0","error":{"code":4002,"message":"..."}}`), or `undefined`
 * when the body is not one.
 */
export function vapixJsonError(json: unknown): VapixJsonError | undefined {
  if (!isRecord(json) || !isRecord(json['error'])) return undefined;
  const code = Number(json['error']['code']);
  return { code: Number.isFinite(code) ? code : 0, message: typeof json['error']['message'] === 'string' ? json['error']['message'] : '' };
}

/**
 * Parses the JSON reply of `POST /axis-cgi/basicdeviceinfo.cgi` (`getAllProperties` or
 * `getAllUnrestrictedProperties`): `data.propertyList` with `Brand`, `ProdNbr`, `Version`, `SerialNumber`...
 *
 * @throws ArgusError `ARGUS_ERR_DRIVER_REQUEST_FAILED` for a JSON API error reply (`error.code`), and
 *   `ARGUS_ERR_DRIVER_PROTOCOL` when the body is not a property list with at least `Brand` and `ProdNbr`.
 * @example
 * ```ts
 * const props = parseBasicDeviceInfo(await http.json({ method: 'POST', path: '/axis-cgi/basicdeviceinfo.cgi', body }));
 * props.model; // 'M1065-LW'
 * ```
 */
export function parseBasicDeviceInfo(json: unknown, options: ParseDeviceInfoOptions = {}): AxisDeviceProperties {
  const endpoint = options.endpoint ?? 'device';
  const apiError = vapixJsonError(json);
  if (apiError !== undefined) {
    throw new ArgusError('ARGUS_ERR_DRIVER_REQUEST_FAILED', {
      endpoint,
      method: 'POST',
      path: '/axis-cgi/basicdeviceinfo.cgi',
      status: `JSON API error ${apiError.code}`,
      apiError,
    });
  }
  const list = isRecord(json) && isRecord(json['data']) ? json['data']['propertyList'] : undefined;
  if (!isRecord(list)) {
    throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint, reason: 'basicdeviceinfo reply without data.propertyList' });
  }
  const brand = str(list['Brand']);
  const model = str(list['ProdNbr']);
  if (brand === undefined || model === undefined) {
    throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint, reason: 'basicdeviceinfo propertyList without Brand or ProdNbr' });
  }
  return compact({
    brand,
    model,
    fullName: str(list['ProdFullName']),
    shortName: str(list['ProdShortName']),
    productType: str(list['ProdType']),
    firmware: str(list['Version']),
    serial: str(list['SerialNumber']),
    hardwareId: str(list['HardwareID']),
    architecture: str(list['Architecture']),
    soc: str(list['Soc']),
    buildDate: str(list['BuildDate']),
  });
}

/**
 * Reads the same properties from `param.cgi` groups `root.Brand` and `root.Properties` (firmware before 8.x has no
 * `basicdeviceinfo.cgi`).
 *
 * @throws ArgusError `ARGUS_ERR_DRIVER_PROTOCOL` when `Brand.Brand` or `Brand.ProdNbr` is missing.
 */
export function parseParamDeviceInfo(list: ParamList, options: ParseDeviceInfoOptions = {}): AxisDeviceProperties {
  const brand = str(paramValue(list, 'Brand.Brand'));
  const model = str(paramValue(list, 'Brand.ProdNbr'));
  if (brand === undefined || model === undefined) {
    throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint: options.endpoint ?? 'device', reason: 'param.cgi reply without Brand.Brand or Brand.ProdNbr' });
  }
  return compact({
    brand,
    model,
    fullName: str(paramValue(list, 'Brand.ProdFullName')),
    shortName: str(paramValue(list, 'Brand.ProdShortName')),
    productType: str(paramValue(list, 'Brand.ProdType')),
    firmware: str(paramValue(list, 'Properties.Firmware.Version')),
    serial: str(paramValue(list, 'Properties.System.SerialNumber')),
    hardwareId: str(paramValue(list, 'Properties.System.HardwareID')),
    architecture: str(paramValue(list, 'Properties.System.Architecture')),
    soc: str(paramValue(list, 'Properties.System.Soc')),
    buildDate: str(paramValue(list, 'Properties.Firmware.BuildDate')),
  });
}

/**
 * Normalises a MAC address to `aa:bb:cc:dd:ee:ff`: accepts `AC:CC:12:34:56:78`, `ac-cc-...` and the bare
 * 12 hex digits of an Axis serial number. `undefined` for anything else.
 */
export function normalizeMac(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const hex = value.trim().replace(/[:-]/g, '').toLowerCase();
  if (!/^[0-9a-f]{12}$/.test(hex)) return undefined;
  return hex.match(/../g)?.join(':');
}

/**
 * The driver-neutral {@link DeviceInfo}: manufacturer is the `Brand` as sent (`AXIS`); the MAC comes from
 * `Network.eth0.MACAddress` when known, else from the serial number (Axis serials are the MAC).
 */
export function toDeviceInfo(props: AxisDeviceProperties, macAddress?: string): DeviceInfo {
  const mac = normalizeMac(macAddress) ?? normalizeMac(props.serial);
  return {
    manufacturer: props.brand,
    model: props.model,
    firmware: props.firmware ?? '',
    serial: props.serial ?? '',
    ...(props.hardwareId === undefined ? {} : { hardwareId: props.hardwareId }),
    ...(mac === undefined ? {} : { mac }),
  };
}
