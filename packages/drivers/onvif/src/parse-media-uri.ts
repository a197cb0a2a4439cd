import type { XmlObject } from '@argus/driver-kit';
import { bool, protocolError, responseElement, text } from './xml-values.js';

/** A `MediaUri` of GetStreamUri or GetSnapshotUri. */
export interface OnvifMediaUri {
  /** The URI exactly as the device gave it, trimmed of surrounding white space. */
  readonly uri: string;
  /** The URI stops working once a client connected to it. */
  readonly invalidAfterConnect?: boolean;
  /** The URI stops working after the device reboots. */
  readonly invalidAfterReboot?: boolean;
  /** How long the URI stays valid (xs:duration, `PT0S` for ever). */
  readonly timeout?: string;
}

function checkedUri(uri: string | undefined, response: string, what: string, endpoint: string): string {
  if (uri === undefined || uri === '') throw protocolError(endpoint, `${response} has no ${what}`);
  try {
    new URL(uri);
  } catch (err) {
    throw protocolError(endpoint, `${response} has an invalid URI`, err);
  }
  return uri;
}

function mediaUri(body: XmlObject, response: string, endpoint: string): OnvifMediaUri {
  const element = responseElement(body, response, endpoint);
  const uri = checkedUri(text(element, 'MediaUri', 'Uri'), response, 'MediaUri/Uri', endpoint);
  const invalidAfterConnect = bool(text(element, 'MediaUri', 'InvalidAfterConnect'));
  const invalidAfterReboot = bool(text(element, 'MediaUri', 'InvalidAfterReboot'));
  const timeout = text(element, 'MediaUri', 'Timeout');
  return {
    uri,
    ...(invalidAfterConnect === undefined ? {} : { invalidAfterConnect }),
    ...(invalidAfterReboot === undefined ? {} : { invalidAfterReboot }),
    ...(timeout === undefined || timeout === '' ? {} : { timeout }),
  };
}

/**
 * The RTSP URI of a `GetStreamUriResponse`. Nothing is rewritten: host and port are the device's (the RTSP port
 * comes from here).
 *
 * @throws ARGUS_ERR_DRIVER_PROTOCOL when the URI is missing or not a URI.
 * @example
 * ```ts
 * parseStreamUri(body, endpoint).uri; // 'rtsp://192.168.1.123:554/cam/realmonitor?channel=1&subtype=1'
 * ```
 */
export function parseStreamUri(body: XmlObject, endpoint = 'onvif'): OnvifMediaUri {
  return mediaUri(body, 'GetStreamUriResponse', endpoint);
}

/**
 * The HTTP URI of a `GetSnapshotUriResponse` (white space some devices put around it is trimmed).
 *
 * @throws ARGUS_ERR_DRIVER_PROTOCOL when the URI is missing or not a URI.
 */
export function parseSnapshotUri(body: XmlObject, endpoint = 'onvif'): OnvifMediaUri {
  return mediaUri(body, 'GetSnapshotUriResponse', endpoint);
}

/** Media2 answers with a bare `Uri`; a `MediaUri/Uri` (the ver10 shape some firmwares keep) is accepted too. */
function media2Uri(body: XmlObject, response: string, endpoint: string): OnvifMediaUri {
  const element = responseElement(body, response, endpoint);
  return { uri: checkedUri(text(element, 'Uri') ?? text(element, 'MediaUri', 'Uri'), response, 'Uri', endpoint) };
}

/**
 * The stream URI of a Media2 (ver20) `GetStreamUriResponse` (`<tr2:Uri>`), untouched like {@link parseStreamUri}.
 *
 * @throws ARGUS_ERR_DRIVER_PROTOCOL when the URI is missing or not a URI.
 * @example
 * ```ts
 * parseMedia2StreamUri({ GetStreamUriResponse: { Uri: 'rtsp://10.0.0.7:554/Streaming/Channels/101' } }).uri;
 * ```
 */
export function parseMedia2StreamUri(body: XmlObject, endpoint = 'onvif'): OnvifMediaUri {
  return media2Uri(body, 'GetStreamUriResponse', endpoint);
}

/**
 * The snapshot URI of a Media2 (ver20) `GetSnapshotUriResponse` (`<tr2:Uri>`).
 *
 * @throws ARGUS_ERR_DRIVER_PROTOCOL when the URI is missing or not a URI.
 */
export function parseMedia2SnapshotUri(body: XmlObject, endpoint = 'onvif'): OnvifMediaUri {
  return media2Uri(body, 'GetSnapshotUriResponse', endpoint);
}
