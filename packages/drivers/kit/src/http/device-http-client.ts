import { ArgusError, deviceUrl, formatEndpoint, silentLogger, toDriverError, type Logger } from '@argus/core';
import { Pool, type Dispatcher } from 'undici';
import { HttpAuthenticator } from '../auth/http-authenticator.js';
import { parseXml, type XmlObject } from '../xml/parse-xml.js';

/** Options of {@link DeviceHttpClient}. */
export interface DeviceHttpClientOptions {
  /** Origin of the device, optionally with a path prefix: `http://127.0.0.1:8080`. Credentials in it are ignored. */
  readonly baseUrl: string;
  /** User name for Digest/Basic; without it no Authorization is ever sent. */
  readonly username?: string;
  /** Password for Digest/Basic. */
  readonly password?: string;
  /** Per-request time limit until the response headers (and, for buffered calls, the whole body); default 10 s. */
  readonly timeoutMs?: number;
  /** Receives debug lines (method, path without query, status); never passwords, Authorization headers or nonces. */
  readonly logger?: Logger;
  /** Largest buffered response body; beyond it `ARGUS_ERR_DRIVER_PROTOCOL`. Default 16 MiB. */
  readonly maxBodyBytes?: number;
  /** TLS settings for `https:` devices; cameras usually have self-signed certificates. */
  readonly tls?: {
    /** Verify the device certificate; default true. */
    readonly rejectUnauthorized?: boolean;
  };
  /** Largest number of parallel connections to the device; default 8 (long-lived streams hold one each). */
  readonly connections?: number;
}

/**
 * Where a device is and who to be, for {@link DeviceHttpClient.forDevice}: a camera's `ConnectConfig` or a
 * `ProbeEndpoint` fits as it is (their other fields are ignored).
 */
export interface DeviceAddress {
  /** Host name, IPv4 address, or IPv6 literal with or without brackets. */
  readonly host: string;
  /** The port; default the scheme's (80, 443). */
  readonly port?: number;
  /** User name for Digest/Basic; without it no Authorization is ever sent. */
  readonly username?: string;
  /** Password for Digest/Basic. */
  readonly password?: string;
}

/** One request to a device. */
export interface DeviceRequest {
  /** HTTP method; default GET. */
  readonly method?: string;
  /** Path on the device, may carry a query: `/ISAPI/System/deviceInfo`. */
  readonly path: string;
  /** Query parameters appended to `path` (URL-encoded). */
  readonly query?: Readonly<Record<string, string | number | boolean>>;
  /** Extra request headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Request body (kept for the authentication retry). */
  readonly body?: string | Uint8Array;
  /** Cancels the request; the rejection is the signal's reason. */
  readonly signal?: AbortSignal;
  /** Overrides the client's `timeoutMs` for this request. */
  readonly timeoutMs?: number;
  /**
   * For {@link DeviceHttpClient.stream} only: fail the body with `ARGUS_ERR_DRIVER_TIMEOUT` when no byte arrived
   * for this long. Default 0 (never), as event streams may be quiet.
   */
  readonly idleTimeoutMs?: number;
}

/** A buffered response. */
export interface DeviceResponse {
  /** HTTP status. */
  readonly status: number;
  /** Response headers with lower-case names; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** The whole body. */
  readonly body: Uint8Array;
  /** The body decoded as UTF-8. */
  text(): string;
}

/** A response whose body is read as it arrives (multipart event streams, MJPEG). */
export interface DeviceStreamResponse {
  /** HTTP status (always 2xx: other statuses are thrown). */
  readonly status: number;
  /** Response headers with lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Body chunks; ends quietly after {@link DeviceStreamResponse.close}, throws a typed error on failures. */
  readonly body: AsyncIterable<Uint8Array>;
  /** Aborts the request and releases the connection. Idempotent. */
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BODY = 16 * 1024 * 1024;

/** Marks an abort caused by this client's own deadline (as opposed to the caller's signal). */
class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
}

/**
 * A request path for messages and logs: without its query, which may carry secrets.
 *
 * @example
 * ```ts
 * pathForMessages('/snapshot.cgi?user=admin&pwd=secret'); // '/snapshot.cgi'
 * ```
 */
export function pathForMessages(target: string): string {
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
}

function isParserError(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 4) return false;
  const { code, name } = err as { code?: unknown; name?: unknown };
  if (name === 'HTTPParserError') return true;
  if (typeof code === 'string' && (code.startsWith('HPE_') || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH')) return true;
  return isParserError((err as { cause?: unknown }).cause, depth + 1);
}

/** Headers with lower-case names and repeated headers joined with `, ` (undici's and node:http's alike). */
export function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Destroys a response body without an unhandled 'error' event (undici emits one on destroy). */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

function bodyText(body: Uint8Array): string {
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
}

/**
 * HTTP client for one device, on an undici `Pool`: Digest (MD5, MD5-sess, SHA-256, SHA-256-sess with qop=auth,
 * incrementing nonce counts, the nonce reused for later requests, one retry on a fresh 401 or `stale=true`) and
 * Basic only when the device offers it. Failures are typed: refused/unreachable -> `ARGUS_ERR_DRIVER_UNREACHABLE`,
 * no answer in time -> `ARGUS_ERR_DRIVER_TIMEOUT`, a reply that is not HTTP or an oversize body ->
 * `ARGUS_ERR_DRIVER_PROTOCOL`, a 401 after authenticating -> `ARGUS_ERR_DRIVER_AUTH`, and for the checked calls
 * (`text`, `json`, `xml`, `bytes`, `stream`) any other non-2xx status -> `ARGUS_ERR_DRIVER_REQUEST_FAILED`.
 *
 * @example
 * ```ts
 * const http = new DeviceHttpClient({ baseUrl: 'http://127.0.0.1:8080', username: 'admin', password: 'secret' });
 * const info = await http.xml({ path: '/ISAPI/System/deviceInfo' });
 * const model = xmlString(info, 'DeviceInfo', 'model');
 * const events = await http.stream({ path: '/ISAPI/Event/notification/alertStream' });
 * for await (const chunk of events.body) handle(chunk); // events.close() ends it
 * await http.close();
 * ```
 */
export class DeviceHttpClient {
  /** Where the device is, for error messages: `http://127.0.0.1:8080`, never with credentials. */
  readonly endpoint: string;
  readonly #origin: string;
  readonly #prefix: string;
  readonly #pool: Pool;
  readonly #auth: HttpAuthenticator | undefined;
  readonly #timeoutMs: number;
  readonly #maxBodyBytes: number;
  readonly #logger: Logger;
  #closed = false;

  /**
   * A client for the device at `address`: `baseUrl` from `scheme`, host and port (core's `deviceUrl`: an IPv6
   * literal in brackets, the scheme's default port), the address's credentials.
   *
   * @example
   * ```ts
   * const http = DeviceHttpClient.forDevice(config, 'https', { timeoutMs: 8000, tls: { rejectUnauthorized: false } });
   * const anonymous = DeviceHttpClient.forDevice({ host: endpoint.host, port: endpoint.port }, 'http');
   * ```
   */
  static forDevice(
    address: DeviceAddress,
    scheme: 'http' | 'https',
    options: Omit<DeviceHttpClientOptions, 'baseUrl' | 'username' | 'password'> = {},
  ): DeviceHttpClient {
    const { host, port, username, password } = address;
    return new DeviceHttpClient({ ...options, baseUrl: deviceUrl({ scheme, host, port }), username, password });
  }

  constructor(options: DeviceHttpClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new TypeError(`baseUrl is not a URL: ${JSON.stringify(options.baseUrl)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`baseUrl must be http: or https:, got ${url.protocol}`);
    }
    this.#origin = url.origin;
    this.#prefix = url.pathname.replace(/\/+$/, '');
    this.endpoint = formatEndpoint(`${url.origin}${this.#prefix}`);
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
    this.#logger = (options.logger ?? silentLogger()).child({ device: this.endpoint });
    this.#auth =
      options.username === undefined || options.username === ''
        ? undefined
        : new HttpAuthenticator(options.username, options.password ?? '');
    this.#pool = new Pool(this.#origin, {
      connections: options.connections ?? 8,
      pipelining: 1,
      ...(url.protocol === 'https:' ? { connect: { rejectUnauthorized: options.tls?.rejectUnauthorized ?? true } } : {}),
    });
  }

  /**
   * Sends a request, authenticating as needed, and buffers the body. Resolves with any status, except a 401
   * after authenticating (`ARGUS_ERR_DRIVER_AUTH`). Without a user name a 401 is returned as is.
   */
  async request(req: DeviceRequest): Promise<DeviceResponse> {
    const { res, deadline } = await this.#send(req, req.timeoutMs ?? this.#timeoutMs, false);
    try {
      const body = await this.#readBody(res, req, deadline);
      const headers = flattenHeaders(res.headers);
      return { status: res.statusCode, headers, body, text: () => bodyText(body) };
    } finally {
      deadline.clear();
    }
  }

  /** GET (or `req.method`) and the body as UTF-8 text; non-2xx -> `ARGUS_ERR_DRIVER_REQUEST_FAILED`. */
  async text(req: DeviceRequest): Promise<string> {
    return (await this.bytes(req)).text();
  }

  /** The body parsed as JSON; non-2xx -> `ARGUS_ERR_DRIVER_REQUEST_FAILED`, bad JSON -> `ARGUS_ERR_DRIVER_PROTOCOL`. */
  async json<T = unknown>(req: DeviceRequest): Promise<T> {
    const text = await this.text(req);
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new ArgusError(
        'ARGUS_ERR_DRIVER_PROTOCOL',
        { endpoint: this.endpoint, reason: `invalid JSON from ${pathForMessages(req.path)}: ${(err as Error).message}` },
        { cause: err },
      );
    }
  }

  /** The body parsed with {@link parseXml}; non-2xx -> `ARGUS_ERR_DRIVER_REQUEST_FAILED`, malformed -> PROTOCOL. */
  async xml(req: DeviceRequest): Promise<XmlObject> {
    return parseXml(await this.text(req), { endpoint: this.endpoint });
  }

  /** The whole response of a 2xx; non-2xx -> `ARGUS_ERR_DRIVER_REQUEST_FAILED` (401 -> `ARGUS_ERR_DRIVER_AUTH`). */
  async bytes(req: DeviceRequest): Promise<DeviceResponse> {
    const res = await this.request(req);
    this.#check(req, res.status, res.text());
    return res;
  }

  /**
   * Opens a long-lived response (multipart event stream, MJPEG): authenticates like {@link request}, checks the
   * status (non-2xx -> `ARGUS_ERR_DRIVER_REQUEST_FAILED`), then hands the body over as it arrives. The time limit
   * covers only the wait for the headers; see {@link DeviceRequest.idleTimeoutMs} for the body.
   */
  async stream(req: DeviceRequest): Promise<DeviceStreamResponse> {
    const { res, deadline } = await this.#send(req, req.timeoutMs ?? this.#timeoutMs, true);
    deadline.clear();
    const headers = flattenHeaders(res.headers);
    if (res.statusCode < 200 || res.statusCode > 299) {
      let excerpt = '';
      try {
        excerpt = bodyText(await this.#readBody(res, { ...req, timeoutMs: this.#timeoutMs }, undefined, 4096));
      } catch {
        // The status is the error; the body was only for context.
      }
      deadline.abort();
      this.#check(req, res.statusCode, excerpt);
    }
    let closed = false;
    const endpoint = this.endpoint;
    const source = res.body;
    const idleMs = req.idleTimeoutMs ?? 0;
    const signal = req.signal;
    const close = (): void => {
      if (closed) return;
      closed = true;
      signal?.removeEventListener('abort', close);
      deadline.abort();
      discard(source);
    };
    signal?.addEventListener('abort', close, { once: true });
    async function* chunks(): AsyncGenerator<Uint8Array> {
      let idleTimer: NodeJS.Timeout | undefined;
      let idleFired = false;
      const arm = (): void => {
        if (idleMs <= 0) return;
        clearTimeout(idleTimer);
        idleTimer = setTimeout(() => {
          idleFired = true;
          discard(source);
        }, idleMs);
      };
      try {
        arm();
        for await (const chunk of source as AsyncIterable<Buffer>) {
          // Only the wait for the device counts as idle, not the time the consumer spends on a chunk.
          clearTimeout(idleTimer);
          yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
          arm();
        }
        if (idleFired) throw new ArgusError('ARGUS_ERR_DRIVER_TIMEOUT', { endpoint, reason: 'idle', timeoutMs: idleMs });
      } catch (err) {
        if (closed) return;
        if (idleFired) throw new ArgusError('ARGUS_ERR_DRIVER_TIMEOUT', { endpoint, reason: 'idle', timeoutMs: idleMs });
        if (isParserError(err)) {
          throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint, reason: (err as Error).message }, { cause: err });
        }
        throw toDriverError(err, endpoint);
      } finally {
        clearTimeout(idleTimer);
        close();
      }
    }
    return { status: res.statusCode, headers, body: chunks(), close };
  }

  /** Closes the connection pool, aborting open requests and streams. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.destroy();
  }

  /** Throws the typed error for a non-2xx status of a checked call. */
  #check(req: DeviceRequest, status: number, body: string): void {
    if (status >= 200 && status <= 299) return;
    const method = (req.method ?? 'GET').toUpperCase();
    if (status === 401) {
      throw new ArgusError('ARGUS_ERR_DRIVER_AUTH', {
        endpoint: this.endpoint,
        method,
        path: pathForMessages(req.path),
        reason: this.#auth === undefined ? 'credentials required' : 'credentials rejected',
      });
    }
    throw new ArgusError('ARGUS_ERR_DRIVER_REQUEST_FAILED', {
      endpoint: this.endpoint,
      method,
      path: pathForMessages(req.path),
      status,
      body: body.length > 512 ? `${body.slice(0, 512)}...` : body,
    });
  }

  #target(req: DeviceRequest): string {
    if (!req.path.startsWith('/')) throw new TypeError(`path must start with "/", got ${JSON.stringify(req.path)}`);
    let target = `${this.#prefix}${req.path}`;
    const query = req.query === undefined ? [] : Object.entries(req.query);
    if (query.length > 0) {
      const qs = query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&');
      target += (target.includes('?') ? '&' : '?') + qs;
    }
    return target;
  }

  /** Sends with authentication and the retry rules; resolves once headers of the final response arrived. */
  async #send(
    req: DeviceRequest,
    timeoutMs: number,
    streaming: boolean,
  ): Promise<{ res: Dispatcher.ResponseData; deadline: Deadline }> {
    if (this.#closed) throw new TypeError('DeviceHttpClient is closed');
    const method = (req.method ?? 'GET').toUpperCase();
    const target = this.#target(req);
    const deadline = new Deadline(timeoutMs, req.signal);
    const auth = this.#auth;
    try {
      for (let attempt = 1; ; attempt++) {
        const authorization = auth?.authorization(method, target);
        const headers: Record<string, string> = { ...req.headers };
        if (authorization !== undefined) headers['authorization'] = authorization;
        const res = await this.#dispatch(method, target, headers, req.body, deadline, streaming);
        this.#logger.debug(
          { method, path: pathForMessages(target), status: res.statusCode, attempt, scheme: authorization === undefined ? 'none' : auth?.scheme },
          'device http',
        );
        if (res.statusCode !== 401 || auth === undefined) return { res, deadline };
        const outcome = auth.accept(res.headers['www-authenticate'], authorization !== undefined);
        if (outcome === 'retry' && attempt === 1) {
          await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
          continue;
        }
        discard(res.body);
        if (outcome === 'retry' || outcome === 'rejected') auth.reset();
        throw new ArgusError('ARGUS_ERR_DRIVER_AUTH', {
          endpoint: this.endpoint,
          method,
          path: pathForMessages(target),
          reason: outcome === 'unsupported' ? 'no supported authentication scheme offered' : 'credentials rejected',
        });
      }
    } catch (err) {
      deadline.clear();
      throw this.#mapError(err, deadline, timeoutMs);
    }
  }

  async #dispatch(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string | Uint8Array | undefined,
    deadline: Deadline,
    streaming: boolean,
  ): Promise<Dispatcher.ResponseData> {
    return this.#pool.request({
      method: method as Dispatcher.HttpMethod,
      path,
      headers,
      body: body ?? null,
      signal: deadline.signal,
      // The deadline governs the wait; undici's own limits are a backstop.
      headersTimeout: deadline.timeoutMs + 1000,
      bodyTimeout: streaming ? 0 : deadline.timeoutMs + 1000,
    });
  }

  /** Reads a whole body within the deadline and the size limit. */
  async #readBody(
    res: Dispatcher.ResponseData,
    req: DeviceRequest,
    deadline: Deadline | undefined,
    limit = this.#maxBodyBytes,
  ): Promise<Uint8Array> {
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      discard(res.body);
      throw this.#oversize(req, limit);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        total += chunk.byteLength;
        if (total > limit) {
          discard(res.body);
          throw this.#oversize(req, limit);
        }
        chunks.push(chunk);
      }
    } catch (err) {
      throw this.#mapError(err, deadline, deadline?.timeoutMs ?? this.#timeoutMs);
    }
    const buf = Buffer.concat(chunks, total);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  #oversize(req: DeviceRequest, limit: number): ArgusError {
    return new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', {
      endpoint: this.endpoint,
      reason: `response body of ${pathForMessages(req.path)} exceeds ${limit} bytes`,
      maxBodyBytes: limit,
    });
  }

  #mapError(err: unknown, deadline: Deadline | undefined, timeoutMs: number): unknown {
    if (err instanceof ArgusError) return err;
    if (deadline?.expired === true) {
      return new ArgusError('ARGUS_ERR_DRIVER_TIMEOUT', { endpoint: this.endpoint, reason: 'deadline', timeoutMs }, { cause: err });
    }
    if (deadline?.callerAborted === true) return deadline.callerReason;
    if (isParserError(err)) {
      return new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint: this.endpoint, reason: `not HTTP: ${(err as Error).message}` }, { cause: err });
    }
    return toDriverError(err, this.endpoint, { timeoutMs });
  }
}

/** A per-request abort signal combining the caller's signal with this client's time limit. */
class Deadline {
  readonly timeoutMs: number;
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;
  readonly #caller: AbortSignal | undefined;
  readonly #onCallerAbort: () => void;
  expired = false;

  constructor(timeoutMs: number, caller: AbortSignal | undefined) {
    this.timeoutMs = timeoutMs;
    this.#caller = caller;
    this.#timer = setTimeout(() => {
      this.expired = true;
      this.#controller.abort(new DeadlineExceeded(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    this.#onCallerAbort = () => this.#controller.abort(caller?.reason);
    if (caller?.aborted === true) this.#controller.abort(caller.reason);
    else caller?.addEventListener('abort', this.#onCallerAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get callerAborted(): boolean {
    return this.#caller?.aborted === true;
  }

  get callerReason(): unknown {
    return this.#caller?.reason;
  }

  /** Stops the timer (the request finished or the stream is open); the signal stays usable for abort(). */
  clear(): void {
    clearTimeout(this.#timer);
    this.#caller?.removeEventListener('abort', this.#onCallerAbort);
  }

  abort(): void {
    this.clear();
    this.#controller.abort(new DeadlineExceeded('closed'));
  }
}
