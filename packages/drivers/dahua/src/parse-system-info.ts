import { ArgusError } from '@argus/core';
import { dahuaString, dahuaTable, parseKeyValueLines, parseKeyValueTable, type KeyValueParseOptions } from './parse-key-value.js';

/** What `magicBox.cgi?action=getSystemInfo` reports. */
export interface DahuaSystemInfo {
  /** Model, `IPC-HDW5831R-ZE`, `IP4M-1041B`, `DHI-NVR4108HS-4KS2`... */
  readonly deviceType: string;
  readonly serialNumber: string;
  /** `hardwareVersion`, `1.00` on most devices. */
  readonly hardwareVersion?: string;
  /** SoC name, `S3LM`, `SSC327DE`. */
  readonly processor?: string;
  /** Firmware upgrade family, often the OEM's own model (`IPC-AW46WN-S2` on an Amcrest `IP4M-1041B`). */
  readonly updateSerial?: string;
  /** Every pair of the reply, for what the fields above leave out. */
  readonly raw: Readonly<Record<string, string>>;
}

function protocolError(options: KeyValueParseOptions, reason: string): ArgusError {
  return new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint: options.endpoint ?? 'dahua', reason });
}

function optional(raw: Record<string, string>, key: string): string | undefined {
  const value = raw[key]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Parses `magicBox.cgi?action=getSystemInfo`.
 *
 * @throws ArgusError `ARGUS_ERR_DRIVER_PROTOCOL` when the reply is not key=value or lacks `deviceType` or
 *   `serialNumber`.
 * @example
 * ```ts
 * parseSystemInfo('deviceType=IPC-HDW5831R-ZE\r\nserialNumber=4X7C5A1ZAG21L3F\r\n').deviceType; // 'IPC-HDW5831R-ZE'
 * ```
 */
export function parseSystemInfo(body: string | Uint8Array, options: KeyValueParseOptions = {}): DahuaSystemInfo {
  const raw = parseKeyValueLines(body, options);
  const deviceType = optional(raw, 'deviceType');
  const serialNumber = optional(raw, 'serialNumber');
  if (deviceType === undefined) throw protocolError(options, 'getSystemInfo has no deviceType');
  if (serialNumber === undefined) throw protocolError(options, 'getSystemInfo has no serialNumber');
  const hardwareVersion = optional(raw, 'hardwareVersion');
  const processor = optional(raw, 'processor');
  const updateSerial = optional(raw, 'updateSerial');
  return {
    deviceType,
    serialNumber,
    ...(hardwareVersion === undefined ? {} : { hardwareVersion }),
    ...(processor === undefined ? {} : { processor }),
    ...(updateSerial === undefined ? {} : { updateSerial }),
    raw,
  };
}

function single(body: string | Uint8Array, key: string, options: KeyValueParseOptions, what: string): string {
  const value = optional(parseKeyValueLines(body, options), key);
  if (value === undefined) throw protocolError(options, `${what} has no "${key}"`);
  return value;
}

/** Firmware of `magicBox.cgi?action=getSoftwareVersion`: `version=2.800.0000016.0.R,build:2020-06-05`. */
export interface DahuaSoftwareVersion {
  /** The version before `,build:`: `2.800.0000016.0.R`. */
  readonly version: string;
  /** The build date after `,build:`, when present: `2020-06-05`. */
  readonly build?: string;
}

/**
 * Parses `magicBox.cgi?action=getSoftwareVersion`.
 * @throws ArgusError `ARGUS_ERR_DRIVER_PROTOCOL` for a reply without `version`.
 */
export function parseSoftwareVersion(body: string | Uint8Array, options: KeyValueParseOptions = {}): DahuaSoftwareVersion {
  const value = single(body, 'version', options, 'getSoftwareVersion');
  const at = value.indexOf(',build:');
  if (at < 0) return { version: value };
  const build = value.slice(at + ',build:'.length).trim();
  return { version: value.slice(0, at).trim(), ...(build === '' ? {} : { build }) };
}

/**
 * Parses `magicBox.cgi?action=getDeviceType` (`type=IPC-HDW5831R-ZE`; some firmware answers a generic `IP Camera`).
 * @throws ArgusError `ARGUS_ERR_DRIVER_PROTOCOL` for a reply without `type`.
 */
export function parseDeviceType(body: string | Uint8Array, options: KeyValueParseOptions = {}): string {
  return single(body, 'type', options, 'getDeviceType');
}

/**
 * Parses `magicBox.cgi?action=getMachineName` (`name=FrontDoorCam`).
 * @throws ArgusError `ARGUS_ERR_DRIVER_PROTOCOL` for a reply without `name`.
 */
export function parseMachineName(body: string | Uint8Array, options: KeyValueParseOptions = {}): string {
  return single(body, 'name', options, 'getMachineName');
}

/**
 * Parses `magicBox.cgi?action=getVendor` (`vendor=Dahua`; OEM firmware answers its own brand).
 * @throws ArgusError `ARGUS_ERR_DRIVER_PROTOCOL` for a reply without `vendor`.
 */
export function parseVendor(body: string | Uint8Array, options: KeyValueParseOptions = {}): string {
  return single(body, 'vendor', options, 'getVendor');
}

/**
 * The MAC address of `configManager.cgi?action=getConfig&name=Network`: the default interface's
 * `PhysicalAddress` (else the first interface that has one), lower case; `undefined` when none is reported.
 * @throws ArgusError `ARGUS_ERR_DRIVER_PROTOCOL` for a reply that is not key=value.
 */
export function parseNetworkMac(body: string | Uint8Array, options: KeyValueParseOptions = {}): string | undefined {
  const tree = parseKeyValueTable(body, options);
  const network = dahuaTable(tree, 'table', 'Network');
  if (network === undefined) return undefined;
  const preferred = dahuaString(network, 'DefaultInterface');
  const names = [...(preferred === undefined ? [] : [preferred]), ...Object.keys(network)];
  for (const name of names) {
    const mac = dahuaString(network, name, 'PhysicalAddress')?.trim().toLowerCase().replaceAll('-', ':');
    if (mac !== undefined && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac)) return mac;
  }
  return undefined;
}
