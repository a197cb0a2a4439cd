import { ArgusError, hasErrorCode, silentLogger, type Logger } from '@argus/core';
import type { DeviceHttpClient } from '../http/device-http-client.js';
import { parseXml, xmlPath, xmlString, type XmlObject } from '../xml/parse-xml.js';
import { ClockOffset } from './clock-offset.js';
import { parseSoapFault, type SoapFault } from './parse-soap-fault.js';
import { soapEnvelope } from './soap-envelope.js';
import { wsseUsernameToken } from './wsse-username-token.js';

/** Options of {@link SoapClient}. */
export interface SoapClientOptions {
  /** The device's HTTP client (it may carry Digest credentials too; ONVIF devices may ask for both). */
  readonly http: DeviceHttpClient;
  /** User name for the WS-Security UsernameToken; without it calls go unsigned. */
  readonly username?: string;
  /** Password for the UsernameToken digest. */
  readonly password?: string;
  /** Device clock offset for `Created`; default a new {@link ClockOffset} (see {@link SoapClient.syncClock}). */
  readonly clock?: ClockOffset;
  /** Debug lines (service path, action, status, fault codes); never credentials. */
  readonly logger?: Logger;
}

/** Options of one {@link SoapClient.call}. */
export interface SoapCallOptions {
  /** SOAP action URI, sent as the `action` parameter of the Content-Type. */
  readonly action?: string;
  /** Cancels the call. */
  readonly signal?: AbortSignal;
  /** Add the WS-Security header; default true when a user name was given. */
  readonly auth?: boolean;
  /** Per-call time limit (default: the HTTP client's). */
  readonly timeoutMs?: number;
}

/** Result of {@link SoapClient.callNamed}. */
export interface SoapNamedResult {
  /** Local name of the Body's child element (`GetDeviceInformationResponse`); `''` for an empty Body. */
  readonly name: string;
  /** Its content, as {@link SoapClient.call} returns it. */
  readonly value: XmlObject;
}

/** Fault (sub)codes that mean the credentials or the token were refused. */
const AUTH_FAULTS = new Set([
  'NotAuthorized',
  'FailedAuthentication',
  'InvalidSecurity',
  'InvalidSecurityToken',
  'SecurityTokenUnavailable',
  'FailedCheck',
  'MessageExpired',
  'Unauthorized',
  'AuthenticationFailed',
  'SenderNotAuthorized',
]);

/** Fault (sub)codes that mean the device does not implement the operation. */
const UNSUPPORTED_FAULTS = new Set([
  'ActionNotSupported',
  'ActionNotSupportedFault',
  'NotImplemented',
  'NoSuchService',
  'OperationNotSupported',
  'NotSupported',
  'PTZNotSupported',
  'NoPTZProfile',
  'NoImagingForSource',
  'AudioNotSupported',
  'AudioOutputNotSupported',
  'AudioDecodingNotSupported',
  'IncompleteConfiguration',
]);

/** The request target of a service: a path, or the path and query of an absolute XAddr (its host is not used). */
function servicePathOf(service: string): string {
  if (/^https?:\/\//i.test(service)) {
    const url = new URL(service);
    return `${url.pathname}${url.search}`;
  }
  if (!service.startsWith('/')) throw new TypeError(`service path must start with "/" or be an http(s) URL, got ${JSON.stringify(service)}`);
  return service;
}

/**
 * SOAP 1.2 client for ONVIF-style services over a {@link DeviceHttpClient}: POSTs an envelope with a WS-Security
 * UsernameToken (PasswordDigest, `Created` corrected by the device clock offset) as `application/soap+xml`,
 * and returns the Body's child element. Faults become typed errors: `NotAuthorized` / `FailedAuthentication`
 * (and other WS-Security failures) -> `ARGUS_ERR_DRIVER_AUTH`; `ActionNotSupported` and other "not implemented"
 * subcodes -> `ARGUS_ERR_DRIVER_UNSUPPORTED`; any other fault (`NoProfile`, `InvalidArgVal`...) ->
 * `ARGUS_ERR_DRIVER_REQUEST_FAILED` with `faultCode`, `faultSubcode` and `reason` in the details. A reply that
 * is not a SOAP envelope -> `ARGUS_ERR_DRIVER_PROTOCOL`.
 *
 * @example
 * ```ts
 * const soap = new SoapClient({ http, username: 'admin', password: 'secret' });
 * await soap.syncClock('/onvif/device_service');
 * const info = await soap.call('/onvif/device_service', '<tds:GetDeviceInformation/>');
 * xmlString(info, 'Model'); // the child of Body is GetDeviceInformationResponse: its fields are at the top
 * ```
 */
export class SoapClient {
  /** The device clock offset used for `Created`. */
  readonly clock: ClockOffset;
  readonly #http: DeviceHttpClient;
  readonly #username: string | undefined;
  readonly #password: string;
  readonly #logger: Logger;

  constructor(options: SoapClientOptions) {
    this.#http = options.http;
    this.#username = options.username === '' ? undefined : options.username;
    this.#password = options.password ?? '';
    this.clock = options.clock ?? new ClockOffset();
    this.#logger = (options.logger ?? silentLogger()).child({ device: this.#http.endpoint });
  }

  /**
   * Calls an operation and returns the parsed child element of the SOAP Body (e.g. the
   * `GetDeviceInformationResponse` element's content: `{ Manufacturer, Model, ... }`; `{}` for an empty
   * response such as `<tptz:StopResponse/>`).
   *
   * @param servicePath - the service's path (`/onvif/device_service`) or its XAddr URL (only path and query are used).
   * @param body - the Body content, e.g. `<tds:GetDeviceInformation/>` (the ONVIF prefixes are declared).
   */
  async call(servicePath: string, body: string, options: SoapCallOptions = {}): Promise<XmlObject> {
    const { element } = await this.#exchange(servicePath, body, options);
    return element;
  }

  /**
   * Like {@link call}, but returns the Body's child with its element name: `{ name: 'GetDeviceInformationResponse',
   * value }`, for callers that must check which response came back.
   */
  async callNamed(servicePath: string, body: string, options: SoapCallOptions = {}): Promise<SoapNamedResult> {
    const { name, element } = await this.#exchange(servicePath, body, options);
    return { name, value: element };
  }

  /**
   * Reads the device's UTC time with `GetSystemDateAndTime` (sent without authentication, as ONVIF allows),
   * updates {@link clock} and returns the device time.
   */
  async syncClock(servicePath = '/onvif/device_service', options: { signal?: AbortSignal } = {}): Promise<Date> {
    const response = await this.call(servicePath, '<tds:GetSystemDateAndTime/>', {
      auth: false,
      action: 'http://www.onvif.org/ver10/device/wsdl/GetSystemDateAndTime',
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    });
    const utc = xmlPath(response, 'SystemDateAndTime', 'UTCDateTime');
    const part = (...path: string[]): number => Number(xmlString(utc, ...path));
    const time = Date.UTC(
      part('Date', 'Year'),
      part('Date', 'Month') - 1,
      part('Date', 'Day'),
      part('Time', 'Hour'),
      part('Time', 'Minute'),
      part('Time', 'Second'),
    );
    if (!Number.isFinite(time)) {
      throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', {
        endpoint: this.#http.endpoint,
        reason: 'GetSystemDateAndTime has no usable UTCDateTime',
      });
    }
    const deviceTime = new Date(time);
    this.clock.update(deviceTime);
    this.#logger.debug({ offsetMs: this.clock.offsetMs }, 'device clock offset');
    return deviceTime;
  }

  async #exchange(servicePath: string, body: string, options: SoapCallOptions): Promise<{ name: string; element: XmlObject }> {
    const path = servicePathOf(servicePath);
    const sign = (options.auth ?? true) && this.#username !== undefined;
    const header = sign ? wsseUsernameToken(this.#username ?? '', this.#password, { created: this.clock.now() }) : undefined;
    const envelope = soapEnvelope(body, header === undefined ? {} : { header });
    const contentType = `application/soap+xml; charset=utf-8${options.action === undefined ? '' : `; action="${options.action}"`}`;
    const res = await this.#http.request({
      method: 'POST',
      path,
      headers: { 'content-type': contentType },
      body: envelope,
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
    const endpoint = this.#http.endpoint;
    const text = res.text();
    let doc: XmlObject | undefined;
    try {
      doc = parseXml(text, { endpoint });
    } catch (err) {
      if (!hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL')) throw err;
      doc = undefined;
    }
    const fault = doc === undefined ? undefined : parseSoapFault(doc);
    this.#logger.debug(
      { path, action: options.action, status: res.status, fault: fault === undefined ? undefined : [fault.code, ...fault.subcodes].join('/') },
      'soap call',
    );
    if (fault !== undefined) throw this.#faultError(fault, path, res.status, options.action);
    if (res.status === 401) {
      throw new ArgusError('ARGUS_ERR_DRIVER_AUTH', { endpoint, method: 'POST', path, reason: 'HTTP 401 without a SOAP fault' });
    }
    if (res.status < 200 || res.status > 299) {
      throw new ArgusError('ARGUS_ERR_DRIVER_REQUEST_FAILED', {
        endpoint,
        method: 'POST',
        path,
        status: res.status,
        body: text.length > 512 ? `${text.slice(0, 512)}...` : text,
      });
    }
    const envelopeBody = doc === undefined ? undefined : xmlPath(doc, 'Envelope', 'Body');
    if (doc === undefined || envelopeBody === undefined || Array.isArray(envelopeBody)) {
      throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', {
        endpoint,
        reason: `${path} did not answer with a SOAP envelope (Content-Type: ${res.headers['content-type'] ?? 'none'})`,
      });
    }
    if (typeof envelopeBody === 'string') return { name: '', element: {} };
    const [name, value] = Object.entries(envelopeBody).find(([key]) => !key.startsWith('@_') && key !== '#text') ?? ['', {}];
    if (Array.isArray(value)) return { name, element: (typeof value[0] === 'object' && !Array.isArray(value[0]) ? value[0] : {}) as XmlObject };
    if (typeof value === 'string') return { name, element: value === '' ? {} : { '#text': value } };
    return { name, element: value };
  }

  #faultError(fault: SoapFault, path: string, status: number, action: string | undefined): ArgusError {
    const endpoint = this.#http.endpoint;
    const names = [fault.code, ...fault.subcodes];
    const details = { faultCode: fault.code, faultSubcode: fault.subcode, reason: fault.reason };
    if (names.some((n) => AUTH_FAULTS.has(n))) {
      return new ArgusError('ARGUS_ERR_DRIVER_AUTH', { endpoint, method: 'POST', path, ...details });
    }
    if (names.some((n) => UNSUPPORTED_FAULTS.has(n))) {
      return new ArgusError('ARGUS_ERR_DRIVER_UNSUPPORTED', {
        endpoint,
        capability: action ?? path,
        path,
        ...details,
      });
    }
    return new ArgusError('ARGUS_ERR_DRIVER_REQUEST_FAILED', { endpoint, method: 'POST', path, status, ...details });
  }
}
