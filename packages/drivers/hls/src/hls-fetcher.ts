import { ArgusError, type Logger } from '@argus/core';
import { DeviceHttpClient, type DeviceResponse } from '@argus/driver-kit';
import type { HlsByteRange } from './parse-playlist.js';

/** Options of an {@link HlsFetcher}. */
export interface HlsFetcherOptions {
  /** Origin of the HLS server (`http://127.0.0.1:8080`); credentials are sent to this origin only. */
  readonly baseUrl: string;
  /** User name for Basic/Digest. */
  readonly username?: string;
  /** Password for Basic/Digest. */
  readonly password?: string;
  /** Per-request time limit; default 10 s. */
  readonly timeoutMs?: number;
  /** Verify HTTPS certificates; default true. */
  readonly rejectUnauthorized?: boolean;
  /** Largest playlist or segment accepted; default 64 MiB. */
  readonly maxBodyBytes?: number;
  /** Debug lines (never credentials). */
  readonly logger?: Logger;
}

/** Options of one {@link HlsFetcher.get}. */
export interface HlsGetOptions {
  /** Only these bytes of the resource (EXT-X-BYTERANGE): a `Range` request, or a slice when the server ignores it. */
  readonly range?: HlsByteRange;
  /** Cancels the request. */
  readonly signal?: AbortSignal;
}

/** Other origins a playlist may point to (CDN hosts) kept open at once. */
const MAX_ORIGINS = 4;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/** An answer of {@link HlsFetcher}, with the URL it finally came from. */
export interface HlsResponse extends DeviceResponse {
  /** Where the answer came from after redirects (resolve a playlist's URIs against it). */
  readonly url: string;
}

/**
 * GETs playlists, segments and keys by absolute URL over the kit's `DeviceHttpClient` (Basic/Digest, typed
 * errors: 401 -> `ARGUS_ERR_DRIVER_AUTH`, other non-2xx -> `ARGUS_ERR_DRIVER_REQUEST_FAILED`, refused ->
 * `ARGUS_ERR_DRIVER_UNREACHABLE`, not HTTP -> `ARGUS_ERR_DRIVER_PROTOCOL`). URIs on another origin (a CDN) get their
 * own client, without the credentials, which never leave the configured origin. Redirects (CDN edges) are followed.
 *
 * @example
 * ```ts
 * const fetcher = new HlsFetcher({ baseUrl: 'http://127.0.0.1:8080', username: 'admin', password: 'secret' });
 * const text = (await fetcher.get('http://127.0.0.1:8080/live/index.m3u8')).text();
 * await fetcher.close();
 * ```
 */
export class HlsFetcher {
  /** The configured origin, for error messages (no credentials). */
  readonly endpoint: string;
  readonly #origin: string;
  readonly #options: HlsFetcherOptions;
  readonly #clients = new Map<string, DeviceHttpClient>();
  #closed = false;

  constructor(options: HlsFetcherOptions) {
    const url = new URL(options.baseUrl);
    this.#origin = url.origin;
    this.#options = options;
    this.endpoint = this.#client(this.#origin).endpoint;
  }

  /** The origin of the configured server, `http://host:port`. */
  get origin(): string {
    return this.#origin;
  }

  /**
   * The resource at `url` (absolute), following redirects: status 2xx, or a typed error (401 ->
   * `ARGUS_ERR_DRIVER_AUTH`, other non-2xx -> `ARGUS_ERR_DRIVER_REQUEST_FAILED`). `url` of the answer is where it
   * came from after redirects: resolve the URIs of a playlist against it.
   *
   * @throws ArgusError `ARGUS_ERR_DRIVER_PROTOCOL` when a byte range is not in the answer or a URI is not HTTP.
   */
  async get(url: string, options: HlsGetOptions = {}): Promise<HlsResponse> {
    const range = options.range;
    const res = await this.request(url, {
      ...options,
      ...(range === undefined ? {} : { headers: { range: `bytes=${range.offset}-${range.offset + range.length - 1}` } }),
    });
    const path = new URL(res.url).pathname;
    if (res.status < 200 || res.status > 299) {
      if (res.status === 401) {
        throw new ArgusError('ARGUS_ERR_DRIVER_AUTH', { endpoint: this.endpoint, method: 'GET', path, reason: 'credentials required' });
      }
      throw new ArgusError('ARGUS_ERR_DRIVER_REQUEST_FAILED', { endpoint: this.endpoint, method: 'GET', path, status: res.status });
    }
    if (range === undefined || res.status === 206) {
      if (range !== undefined && res.body.length !== range.length) {
        throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint: this.endpoint, reason: `asked ${range.length} bytes of ${path}, got ${res.body.length}` });
      }
      return res;
    }
    // The server ignored Range and sent the whole resource.
    if (res.body.length < range.offset + range.length) {
      throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', {
        endpoint: this.endpoint,
        reason: `byte range ${range.offset}+${range.length} beyond the ${res.body.length} bytes of ${path}`,
      });
    }
    const body = res.body.subarray(range.offset, range.offset + range.length);
    return { status: res.status, headers: res.headers, body, url: res.url, text: () => Buffer.from(body).toString('utf8') };
  }

  /**
   * The answer at `url` whatever its status (for probing), after up to 5 redirects (a redirect to another origin
   * carries no credentials), except a 401 after authenticating (`ARGUS_ERR_DRIVER_AUTH`).
   */
  async request(url: string, options: HlsGetOptions & { headers?: Readonly<Record<string, string>> } = {}): Promise<HlsResponse> {
    let target = this.#check(url);
    for (let hop = 0; ; hop++) {
      if (this.#closed) throw new TypeError('HlsFetcher is closed');
      const res = await this.#client(target.origin).request({ path: `${target.pathname}${target.search}`, headers: options.headers, signal: options.signal });
      const location = res.headers['location'];
      if (REDIRECTS.has(res.status) && location !== undefined && hop < MAX_REDIRECTS) {
        target = this.#check(new URL(location, target).toString());
        continue;
      }
      return { ...res, url: target.toString() };
    }
  }

  #check(url: string): URL {
    const target = new URL(url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint: this.endpoint, reason: `a URI with the ${target.protocol} scheme` });
    }
    return target;
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    this.#closed = true;
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(clients.map((c) => c.close()));
  }

  #client(origin: string): DeviceHttpClient {
    let client = this.#clients.get(origin);
    if (client !== undefined) return client;
    const own = origin === this.#origin;
    if (!own && this.#clients.size > MAX_ORIGINS) {
      for (const [key, old] of this.#clients) {
        if (key === this.#origin) continue;
        this.#clients.delete(key);
        void old.close();
        break;
      }
    }
    const o = this.#options;
    // Credentials go to the configured origin only, never to a CDN a playlist or a redirect points to.
    client = new DeviceHttpClient({
      baseUrl: origin,
      ...(own ? { username: o.username, password: o.password } : {}),
      timeoutMs: o.timeoutMs,
      maxBodyBytes: o.maxBodyBytes ?? 64 * 1024 * 1024,
      logger: o.logger,
      connections: 4,
      tls: { rejectUnauthorized: o.rejectUnauthorized },
    });
    this.#clients.set(origin, client);
    return client;
  }
}
