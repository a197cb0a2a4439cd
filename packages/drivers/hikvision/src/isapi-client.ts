import { ArgusError, hasErrorCode } from '@argus/core';
import type { DeviceHttpClient, DeviceResponse, DeviceStreamResponse } from '@argus/driver-kit';
import { tryParseResponseStatus } from './parse-response-status.js';

/** `statusCode`s of a successful `<ResponseStatus>`: 1 OK, 7 reboot required (the change is stored). */
const SUCCESS_CODES = new Set([1, 7]);

/**
 * ISAPI over a `DeviceHttpClient`: non-2xx answers become `ARGUS_ERR_DRIVER_REQUEST_FAILED` with the
 * device's `<ResponseStatus>` reason (`statusString`, `subStatusCode`) in the details, a 401 becomes
 * `ARGUS_ERR_DRIVER_AUTH`, and a 2xx `<ResponseStatus>` answering a PUT/DELETE with a status other than 1 (OK) or 7 (reboot
 * required) fails too.
 */
export class IsapiClient {
  /** The underlying HTTP client. */
  readonly http: DeviceHttpClient;

  constructor(http: DeviceHttpClient) {
    this.http = http;
  }

  /** Device endpoint for error messages. */
  get endpoint(): string {
    return this.http.endpoint;
  }

  /** `GET path` as text. */
  async get(path: string, signal?: AbortSignal): Promise<string> {
    return (await this.#checked('GET', path, undefined, signal)).text();
  }

  /** `GET path` as a whole response (pictures). */
  async getBytes(path: string, signal?: AbortSignal): Promise<DeviceResponse> {
    return this.#checked('GET', path, undefined, signal);
  }

  /** `PUT path` with an XML body (or none); resolves when the device answered OK. */
  async put(path: string, body?: string): Promise<void> {
    await this.#checked('PUT', path, body);
  }

  /** `DELETE path`; resolves when the device answered OK. */
  async delete(path: string): Promise<void> {
    await this.#checked('DELETE', path);
  }

  /** Opens a long-lived `GET` (the alertStream). */
  async stream(path: string, options: { idleTimeoutMs?: number; signal?: AbortSignal } = {}): Promise<DeviceStreamResponse> {
    try {
      return await this.http.stream({
        path,
        ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } catch (err) {
      throw this.#withStatus(err, 'GET', path);
    }
  }

  async #checked(method: string, path: string, body?: string, signal?: AbortSignal): Promise<DeviceResponse> {
    const res = await this.http.request({
      method,
      path,
      ...(body === undefined ? {} : { body, headers: { 'Content-Type': 'application/xml; charset="UTF-8"' } }),
      ...(signal === undefined ? {} : { signal }),
    });
    const isXml = (res.headers['content-type'] ?? '').includes('xml');
    const status = res.status >= 200 && res.status <= 299 && isXml && method !== 'GET' ? tryParseResponseStatus(res.text(), this.endpoint) : undefined;
    if (res.status === 401) {
      throw new ArgusError('ARGUS_ERR_DRIVER_AUTH', { endpoint: this.endpoint, method, path, reason: 'credentials required' });
    }
    if (res.status < 200 || res.status > 299 || (status !== undefined && !SUCCESS_CODES.has(status.statusCode))) {
      const reason = status ?? tryParseResponseStatus(res.text(), this.endpoint);
      throw new ArgusError('ARGUS_ERR_DRIVER_REQUEST_FAILED', {
        endpoint: this.endpoint,
        method,
        path,
        status: res.status,
        ...(reason === undefined ? {} : { statusCode: reason.statusCode, statusString: reason.statusString, subStatusCode: reason.subStatusCode }),
      });
    }
    return res;
  }

  #withStatus(err: unknown, method: string, path: string): unknown {
    if (!hasErrorCode(err, 'ARGUS_ERR_DRIVER_REQUEST_FAILED')) return err;
    const details = err.details ?? {};
    const reason = typeof details['body'] === 'string' ? tryParseResponseStatus(details['body'], this.endpoint) : undefined;
    return new ArgusError(
      'ARGUS_ERR_DRIVER_REQUEST_FAILED',
      {
        endpoint: this.endpoint,
        method,
        path,
        status: details['status'],
        ...(reason === undefined ? {} : { statusCode: reason.statusCode, statusString: reason.statusString, subStatusCode: reason.subStatusCode }),
      },
      { cause: err },
    );
  }
}
