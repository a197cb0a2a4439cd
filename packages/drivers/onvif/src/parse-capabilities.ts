import type { XmlObject } from '@argus/driver-kit';
import { bool, elements, first, isXmlObject, responseElement, text } from './xml-values.js';

/** Where a device serves each ONVIF service (absolute XAddr URLs as the device reports them). */
export interface OnvifServiceAddresses {
  /** Device management service. */
  readonly device?: string;
  /** Media (ver10) service: profiles, stream and snapshot URIs. */
  readonly media?: string;
  /** Media2 (ver20) service, present on Profile T devices. */
  readonly media2?: string;
  /** PTZ service; absent on fixed cameras. */
  readonly ptz?: string;
  /** Event service (PullPoint subscriptions). */
  readonly events?: string;
  /** Imaging service. */
  readonly imaging?: string;
  /** Whether the event service says it supports PullPoint (`WSPullPointSupport`), where it says so. */
  readonly pullPoint?: boolean;
}

const SERVICE_NAMESPACES: Readonly<Record<string, keyof Omit<OnvifServiceAddresses, 'pullPoint'>>> = {
  'http://www.onvif.org/ver10/device/wsdl': 'device',
  'http://www.onvif.org/ver10/media/wsdl': 'media',
  'http://www.onvif.org/ver20/media/wsdl': 'media2',
  'http://www.onvif.org/ver20/ptz/wsdl': 'ptz',
  'http://www.onvif.org/ver10/events/wsdl': 'events',
  'http://www.onvif.org/ver20/imaging/wsdl': 'imaging',
};

function xaddr(node: XmlObject, name: string): string | undefined {
  const value = text(node, name, 'XAddr');
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Service addresses from a `GetCapabilitiesResponse` (device service, ONVIF 1.x style; every Profile S device
 * answers it).
 *
 * @throws ARGUS_ERR_DRIVER_PROTOCOL when the response element is missing.
 * @example
 * ```ts
 * const { media, ptz, events } = parseCapabilities(body, endpoint);
 * ```
 */
export function parseCapabilities(body: XmlObject, endpoint = 'onvif'): OnvifServiceAddresses {
  const response = responseElement(body, 'GetCapabilitiesResponse', endpoint);
  const capabilities = first(response['Capabilities']);
  if (!isXmlObject(capabilities)) return {};
  const found: Record<string, string | boolean> = {};
  for (const [element, key] of [
    ['Device', 'device'],
    ['Media', 'media'],
    ['PTZ', 'ptz'],
    ['Events', 'events'],
    ['Imaging', 'imaging'],
  ] as const) {
    const address = xaddr(capabilities, element);
    if (address !== undefined) found[key] = address;
  }
  const pullPoint = bool(text(capabilities, 'Events', 'WSPullPointSupport'));
  if (pullPoint !== undefined) found['pullPoint'] = pullPoint;
  return found as OnvifServiceAddresses;
}

/**
 * Service addresses from a `GetServicesResponse` (ONVIF 2.x; adds Media2 for Profile T), keyed by the services'
 * WSDL namespaces. Services the driver does not use are left out.
 *
 * @throws ARGUS_ERR_DRIVER_PROTOCOL when the response element is missing.
 */
export function parseServices(body: XmlObject, endpoint = 'onvif'): OnvifServiceAddresses {
  const response = responseElement(body, 'GetServicesResponse', endpoint);
  const found: Record<string, string> = {};
  for (const service of elements(response, 'Service')) {
    const namespace = text(service, 'Namespace');
    const address = text(service, 'XAddr');
    const key = namespace === undefined ? undefined : SERVICE_NAMESPACES[namespace];
    if (key !== undefined && address !== undefined && address !== '' && found[key] === undefined) found[key] = address;
  }
  return found as OnvifServiceAddresses;
}
