import type { DeviceInfo } from '@argus/core';
import type { XmlObject } from '@argus/driver-kit';
import { elements, protocolError, responseElement, text } from './xml-values.js';

/**
 * Reads a `GetDeviceInformationResponse` (device service) into the shared {@link DeviceInfo}.
 *
 * @param body - the SOAP Body of the reply (the object holding `GetDeviceInformationResponse`).
 * @throws ARGUS_ERR_DRIVER_PROTOCOL when the response element or its Manufacturer/Model is missing.
 * @example
 * ```ts
 * const info = parseDeviceInformation(soapBody(xml, endpoint), endpoint);
 * info.model; // 'MS-C8165-PE'
 * ```
 */
export function parseDeviceInformation(body: XmlObject, endpoint = 'onvif'): DeviceInfo {
  const response = responseElement(body, 'GetDeviceInformationResponse', endpoint);
  const manufacturer = text(response, 'Manufacturer');
  const model = text(response, 'Model');
  if (manufacturer === undefined || model === undefined) {
    throw protocolError(endpoint, 'GetDeviceInformationResponse has no Manufacturer or Model');
  }
  const hardwareId = text(response, 'HardwareId');
  return {
    manufacturer,
    model,
    firmware: text(response, 'FirmwareVersion') ?? '',
    serial: text(response, 'SerialNumber') ?? '',
    ...(hardwareId === undefined || hardwareId === '' ? {} : { hardwareId }),
  };
}

/**
 * The MAC address of the first enabled interface in a `GetNetworkInterfacesResponse`, lower case with colons,
 * or undefined when the device lists none.
 *
 * @throws ARGUS_ERR_DRIVER_PROTOCOL when the response element is missing.
 */
export function parseNetworkInterfacesMac(body: XmlObject, endpoint = 'onvif'): string | undefined {
  const response = responseElement(body, 'GetNetworkInterfacesResponse', endpoint);
  const interfaces = elements(response, 'NetworkInterfaces');
  const enabled = interfaces.find((i) => text(i, 'Enabled') !== 'false') ?? interfaces[0];
  const mac = text(enabled, 'Info', 'HwAddress');
  if (mac === undefined || mac === '') return undefined;
  const normalised = mac.toLowerCase().replaceAll('-', ':');
  return /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(normalised) ? normalised : undefined;
}
