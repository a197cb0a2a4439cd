import { ArgusError, hasErrorCode } from '@argus/core';
import type { DeviceHttpClient, DeviceResponse } from '@argus/driver-kit';
import { dahuaErrorReason, isDahuaErrorReply } from './parse-key-value.js';

function pathOnly(path: string): string {
  const q = path.indexOf('?');
  return q < 0 ? path : path.slice(0, q);
}

/**
 * The Dahua HTTP API over a `DeviceHttpClient` of the kit: CGI calls whose replies are `key=value` text, `OK`, or Dahua's
 * `Error` answer (sent with status 400, and by some firmware with 200).
 */
export class DahuaApi {
  /** The HTTP client (Digest auth, typed network errors). */
  readonly http: DeviceHttpClient;

  constructor(http: DeviceHttpClient) {
    this.http = http;
  }

  /** Where the device is, for errors. */
  get endpoint(): string {
    return this.http.endpoint;
  }

  /**
   * GETs a CGI path (with its query) and returns the text; Dahua's `Error` answer, whatever the status, becomes
   * `ARGUS_ERR_DRIVER_REQUEST_FAILED` with the reason line.
   */
  async text(path: string, signal?: AbortSignal): Promise<string> {
    const text = await this.http.text({ path, ...(signal === undefined ? {} : { signal }) });
    if (isDahuaErrorReply(text)) throw this.#failed(path, 200, dahuaErrorReason(text));
    return text;
  }

  /**
   * GETs a control CGI (`ptz.cgi?action=start...`) whose success answer is `OK`.
   * @throws ArgusError `ARGUS_ERR_DRIVER_REQUEST_FAILED` for `Error`, `ARGUS_ERR_DRIVER_PROTOCOL` for anything else.
   */
  async ok(path: string, signal?: AbortSignal): Promise<void> {
    const text = (await this.text(path, signal)).trim();
    if (text !== 'OK') {
      throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', {
        endpoint: this.endpoint,
        reason: `${pathOnly(path)} answered ${JSON.stringify(text.slice(0, 80))} instead of OK`,
      });
    }
  }

  /** GETs binary content (snapshots); non-2xx becomes `ARGUS_ERR_DRIVER_REQUEST_FAILED`. */
  bytes(path: string, signal?: AbortSignal): Promise<DeviceResponse> {
    return this.http.bytes({ path, ...(signal === undefined ? {} : { signal }) });
  }

  /** Closes the HTTP client. */
  close(): Promise<void> {
    return this.http.close();
  }

  #failed(path: string, status: number, reason: string): ArgusError {
    return new ArgusError('ARGUS_ERR_DRIVER_REQUEST_FAILED', { endpoint: this.endpoint, method: 'GET', path: pathOnly(path), status, reason });
  }
}

/** True when `err` is a device's refusal of a request (an unknown CGI action or channel), not a transport failure. */
export function isRequestRefused(err: unknown): boolean {
  return hasErrorCode(err, 'ARGUS_ERR_DRIVER_REQUEST_FAILED');
}
