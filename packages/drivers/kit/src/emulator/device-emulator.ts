import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createConnection, createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { Observable, Subject } from 'rxjs';
import { errorMessage, silentLogger, systemClock, type Clock, type Logger } from '@argus/core';
import { RtspServer } from '@argus/core/media';
import type { CameraFarm } from '@argus/driver-simulated';
import { HttpAuthServer } from '../auth/http-auth-server.js';
import { flattenHeaders } from '../http/device-http-client.js';
import { emulatorIdentity, type EmulatorIdentity } from './emulator-identity.js';
import { PtzModel } from './ptz-model.js';

/** Options every device emulator takes (subclasses may add their own). */
export interface EmulatorOptions {
  /** A started farm: the emulator's video comes from it. */
  readonly farm: CameraFarm;
  /** Farm camera of the main stream. */
  readonly cameraId: string;
  /** Farm camera of the sub stream; default the main stream's camera. */
  readonly subCameraId?: string;
  /** User name the device accepts; default `admin`. */
  readonly username?: string;
  /** Its password; default `Argus-Demo-1`. */
  readonly password?: string;
  /** Listen address; default `127.0.0.1`. */
  readonly host?: string;
  /** HTTP port; default 0 (any free port, then kept across restarts). */
  readonly httpPort?: number;
  /** RTSP port; default 0 (any free port, then kept across restarts). */
  readonly rtspPort?: number;
  /** Overrides of the default identity. */
  readonly identity?: Partial<EmulatorIdentity>;
  /** True to emulate a PTZ head ({@link DeviceEmulator.ptz}); default false. */
  readonly ptz?: boolean;
  /** Where the emulator logs; default silent. */
  readonly logger?: Logger;
  /** Time source of event timestamps, PTZ motion and Digest nonces; default the system clock. */
  readonly clock?: Clock;
}

/** What a family tells the base about its wire protocol. */
export interface EmulatorFamily {
  /** Realm of HTTP (and RTSP) authentication challenges, e.g. `IP Camera(C1234)`. */
  readonly realm: string;
  /** HTTP schemes offered, in challenge order; default `['digest']`. */
  readonly authSchemes?: ('digest' | 'basic')[];
  /** Digest algorithms offered over HTTP, one challenge each; default `['MD5']`. */
  readonly algorithms?: ('MD5' | 'SHA-256')[];
  /** RTSP schemes accepted; default `['digest']`. */
  readonly rtspAuthSchemes?: ('digest' | 'basic')[];
  /** RTSP Digest algorithms; default `['MD5']` (what cameras offer). */
  readonly rtspAlgorithms?: ('MD5' | 'SHA-256')[];
  /** False for a device that answers no HTTP at all (a plain RTSP camera); default true. */
  readonly http?: boolean;
  /**
   * True to apply fault injection to RTSP connections too (for families whose device API is RTSP itself); the
   * RTSP server then sits behind a small TCP front on {@link DeviceEmulator.rtspPort}. Default false.
   */
  readonly rtspFaults?: boolean;
  /**
   * True for a family whose RTSP streams share a path and differ by query (Dahua
   * `/cam/realmonitor?channel=1&subtype=1`, Axis `/axis-media/media.amp?resolution=...`), which core's path-keyed
   * `RtspServer` cannot tell apart, or whose RTSP port also serves connections of its own (Axis metadata streams).
   * The base then runs one inner `RtspServer` per stream (each with that stream's {@link DeviceEmulator.rtspMounts})
   * on ephemeral ports, behind a TCP front that owns {@link DeviceEmulator.rtspPort} and sends each connection where
   * {@link DeviceEmulator.routeRtsp} says from its first request line. Default false.
   */
  readonly rtspRouting?: boolean;
  /** `Server` header of every HTTP reply (e.g. Hikvision's `App-webs/`), unless a reply sets its own; default none. */
  readonly serverHeader?: string;
}

/**
 * Fault injected into the emulator's answers.
 * - `none`: normal service.
 * - `malformed`: the family's replies are syntactically broken (the subclass decides how: truncated XML, bad JSON).
 * - `garbage`: the socket answers bytes that are not HTTP (or RTSP).
 * - `hang`: connections are accepted and requests never answered.
 */
export type EmulatorFault = 'none' | 'malformed' | 'garbage' | 'hang';

/** An event raised on the emulator with {@link DeviceEmulator.triggerEvent}. */
export interface EmulatorEvent {
  /** What happened. */
  readonly kind: 'motion' | 'tamper' | 'videoLoss' | 'io';
  /** Whether the condition began or ended. */
  readonly state: 'start' | 'stop';
  /** Channel (or input number for `io`); 1 when not given. */
  readonly channel: number;
  /** When it was raised, ms since epoch (the emulator's clock). */
  readonly at: number;
}

/** One HTTP request as the subclass's {@link DeviceEmulator.handle} sees it (after authentication passed). */
export interface EmulatorHttpRequest {
  /** Upper-case method. */
  readonly method: string;
  /** Decoded path without the query, e.g. `/ISAPI/System/deviceInfo`. */
  readonly path: string;
  /** The query parameters. */
  readonly query: URLSearchParams;
  /** Request headers, lower-case names, repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** The request body (empty when none). */
  readonly body: Buffer;
  /** The request target as sent (path and query). */
  readonly url: string;
}

/** A complete HTTP answer of an emulator. */
export interface EmulatorHttpReply {
  /** Default 200. */
  readonly status?: number;
  /** Response headers (Content-Length is set by the base). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Default empty. */
  readonly body?: string | Uint8Array;
}

/**
 * A long-lived HTTP answer (an event stream, MJPEG): the base sends the status and headers, then calls `start`
 * with a writer; `start` returns a function the base calls when the response ends for any other reason (the client
 * went away, or the emulator stopped or restarted). Call `end` to finish the response from the emulator's side.
 *
 * @example
 * ```ts
 * return {
 *   streaming: true,
 *   headers: { 'Content-Type': 'multipart/mixed; boundary=boundary' },
 *   start: (write) => {
 *     const sub = this.events$.subscribe((e) => write(`--boundary\r\n...${e.kind}...\r\n`));
 *     return () => sub.unsubscribe();
 *   },
 * };
 * ```
 */
export interface StreamingReply {
  /** Marks the reply as streaming. */
  readonly streaming: true;
  /** Default 200. */
  readonly status?: number;
  /** Response headers (sent chunked, without Content-Length). */
  readonly headers: Readonly<Record<string, string>>;
  /** Starts producing; returns the teardown the base calls when the response ends. */
  start(write: (chunk: string | Uint8Array) => void, end: () => void): () => void;
}

/** One entry of {@link DeviceEmulator.requests}. */
export interface EmulatorRequestLogEntry {
  /** Request method. */
  readonly method: string;
  /** Request path (without the query). */
  readonly path: string;
  /** Status answered; 0 when a fault answered (`garbage`) or nothing was answered (`hang`). */
  readonly status: number;
}

/** What a driver needs to reach the emulator: the basics of a `ConnectConfig`. */
export interface EmulatorConnection {
  /** Host the emulator listens on. */
  readonly host: string;
  /** Port of the device API (HTTP, or RTSP for a device without HTTP). */
  readonly port: number;
  /** User name the emulator accepts. */
  readonly username: string;
  /** Its password. */
  readonly password: string;
  /** Path of the main stream, for devices addressed by URL (plain RTSP); absent otherwise. */
  readonly path?: string;
}

/** One RTSP path the emulator serves. */
export interface EmulatorRtspMount {
  /** Vendor path, e.g. `/Streaming/Channels/101`. */
  readonly path: string;
  /** Which farm camera it shows. */
  readonly stream: 'main' | 'sub';
}

/** The first request line of an RTSP connection, which {@link DeviceEmulator.routeRtsp} routes on. */
export interface EmulatorRtspRequest {
  /** Method, e.g. `OPTIONS` or `DESCRIBE`. */
  readonly method: string;
  /** Request target as sent: an absolute `rtsp://` URL, or `*`. */
  readonly url: string;
  /** Path of the URL, e.g. `/cam/realmonitor`; `*` for `OPTIONS *`; empty when the target is not a URL. */
  readonly path: string;
  /** Query of the URL (empty when none). */
  readonly query: URLSearchParams;
}

/**
 * Takes over an RTSP connection that no inner `RtspServer` serves (Axis's metadata stream). `initial` holds the bytes
 * read so far (at least the first request line), to be processed before anything the socket delivers; the base
 * resumes the socket once the handler returns and destroys it when the emulator stops.
 */
export type EmulatorRtspHandler = (socket: Socket, initial: Buffer) => void;

/**
 * Where the RTSP front sends a connection: to the inner `RtspServer` of a stream (`main`, `sub`), to a handler of the
 * subclass, or nowhere (`undefined`: `404 Not Found`, then closed).
 */
export type EmulatorRtspRoute = 'main' | 'sub' | EmulatorRtspHandler | undefined;

const DEFAULT_USERNAME = 'admin';
const DEFAULT_PASSWORD = 'Argus-Demo-1';
const MAX_REQUEST_BODY = 1024 * 1024;
const MAX_LOG_ENTRIES = 10_000;
const GARBAGE = Buffer.from('\u0000\u00ff\u00fe\u0013\u0037 this is not a protocol reply \u0001\u0002\u0003\r\n\r\n\u00ff\u0000', 'latin1');
const STATUS_TEXT: Readonly<Record<number, string>> = { 401: 'Unauthorized', 404: 'Not Found', 413: 'Payload Too Large', 500: 'Internal Server Error' };
/** Longest first request line the RTSP front reads before routing; beyond it the connection is closed. */
const MAX_RTSP_REQUEST_LINE = 8 * 1024;
const RTSP_REQUEST_LINE = /^([A-Z_]+) (\S+) RTSP\/\d\.\d$/;

function isStreaming(reply: EmulatorHttpReply | StreamingReply): reply is StreamingReply {
  return (reply as StreamingReply).streaming === true;
}

/** A reply body as bytes, without copying one that already is. */
function bodyBytes(body: string | Uint8Array | undefined): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return body === undefined ? Buffer.alloc(0) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BODY) {
        reject(new RangeError('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Parses an RTSP request line (`DESCRIBE rtsp://host/path?q RTSP/1.0`); `undefined` when it is not one. */
function rtspRequestLine(line: string): EmulatorRtspRequest | undefined {
  const match = RTSP_REQUEST_LINE.exec(line);
  if (match === null) return undefined;
  const method = match[1]!;
  const url = match[2]!;
  if (url === '*') return { method, url, path: '*', query: new URLSearchParams() };
  try {
    const parsed = new URL(url);
    return { method, url, path: decodeURIComponent(parsed.pathname), query: parsed.searchParams };
  } catch {
    return { method, url, path: '', query: new URLSearchParams() };
  }
}

/** Listens a TCP (or HTTP) server on host:port (0 = any); resolves with the port it got. */
async function listenTcp(server: TcpServer, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : port;
}

/** Listens with a few retries: a port just released by `stop()` can take a moment to be free again. */
async function listenWithRetry<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || tries >= 40) throw err;
      await delay(50);
    }
  }
}

/**
 * Base of the device emulators: a real HTTP server on 127.0.0.1 with the family's authentication (Digest and/or
 * Basic through {@link HttpAuthServer}: 401 with challenges), 404 for paths the family does not answer, fault
 * injection, start/stop/restart on the same ports, a request log, long-lived streaming replies that stop and restart
 * end, an event source for the family's event channel, a PTZ head, and an RTSP server (core's `RtspServer`) that
 * serves the farm's cameras at the family's vendor paths with the emulator's credentials.
 *
 * A subclass speaks its family's wire protocol in {@link DeviceEmulator.handle} and names its RTSP paths in
 * {@link DeviceEmulator.rtspMounts}. Its event channel must subscribe to {@link DeviceEmulator.events$} when the
 * channel opens (a stream starts, a subscription is created), so {@link DeviceEmulator.eventSubscribers} tells when a
 * driver listens.
 *
 * Subclasses never override `start`, `stop` or `restart`: what they run beside the base's servers (a discovery
 * responder, a state that a reboot resets) goes into {@link DeviceEmulator.onStart} and {@link DeviceEmulator.onStop},
 * which every start, stop and restart calls. A family whose RTSP streams differ by query sets
 * {@link EmulatorFamily.rtspRouting} and routes connections in {@link DeviceEmulator.routeRtsp}; its 401 page comes
 * from {@link DeviceEmulator.unauthorizedReply} and its `Server` header from {@link EmulatorFamily.serverHeader}.
 *
 * @example
 * ```ts
 * class TinyEmulator extends DeviceEmulator {
 *   constructor(options: EmulatorOptions) { super(options, { realm: 'tiny' }); }
 *   protected rtspMounts() { return [{ path: '/live/main', stream: 'main' }, { path: '/live/sub', stream: 'sub' }] as const; }
 *   protected async handle(req: EmulatorHttpRequest) {
 *     if (req.path === '/info') return { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(this.identity) };
 *     return undefined; // 404
 *   }
 * }
 * const emulator = new TinyEmulator({ farm, cameraId: 'cam-main' });
 * await emulator.start();
 * const { host, port, username, password } = emulator.connection();
 * await emulator.restart(500);
 * await emulator.stop();
 * ```
 */
export abstract class DeviceEmulator {
  /** What the device says it is. */
  readonly identity: EmulatorIdentity;
  /** The PTZ head; present when `options.ptz`. */
  readonly ptz: PtzModel | undefined;
  /** The farm the video comes from. */
  readonly farm: CameraFarm;
  /** Farm camera of the main stream. */
  readonly cameraId: string;
  /** Farm camera of the sub stream. */
  readonly subCameraId: string;
  /** Where the emulator logs. */
  protected readonly logger: Logger;
  /** The emulator's time source. */
  protected readonly clock: Clock;
  /** The family description given to the constructor. */
  protected readonly family: Readonly<EmulatorFamily>;

  readonly #host: string;
  readonly #username: string;
  #password: string;
  readonly #auth: HttpAuthServer;
  readonly #events = new Subject<EmulatorEvent>();
  readonly #events$: Observable<EmulatorEvent>;
  #eventSubscribers = 0;
  readonly #requests: EmulatorRequestLogEntry[] = [];
  readonly #streams = new Set<{ res: ServerResponse; teardown: () => void }>();
  readonly #rawSockets = new Set<Socket>();
  #httpPort: number;
  #rtspPort: number;
  #fault: EmulatorFault = 'none';
  #http: Server | undefined;
  /** Inner RTSP servers: `all` serves every mount; with `rtspRouting`, one per stream. */
  readonly #rtspServers = new Map<'all' | 'main' | 'sub', RtspServer>();
  /** The mounts of the current run (asked once per start). */
  #rtspMounts: readonly EmulatorRtspMount[] = [];
  #rtspFront: TcpServer | undefined;
  #running = false;
  /** True once `onStart` was called and until `onStop` is: every `onStart` gets exactly one `onStop`. */
  #hooksStarted = false;
  #transition: Promise<void> = Promise.resolve();

  constructor(options: EmulatorOptions, family: EmulatorFamily) {
    if (typeof options.cameraId !== 'string' || options.cameraId === '') throw new TypeError('cameraId is required');
    this.farm = options.farm;
    this.cameraId = options.cameraId;
    this.subCameraId = options.subCameraId ?? options.cameraId;
    this.family = Object.freeze({ ...family });
    this.identity = emulatorIdentity(options.identity);
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger()).child({ component: 'device-emulator', realm: family.realm });
    this.ptz = options.ptz === true ? new PtzModel({ clock: this.clock }) : undefined;
    this.#host = options.host ?? '127.0.0.1';
    this.#username = options.username ?? DEFAULT_USERNAME;
    this.#password = options.password ?? DEFAULT_PASSWORD;
    this.#httpPort = options.httpPort ?? 0;
    this.#rtspPort = options.rtspPort ?? 0;
    for (const [name, port] of [['httpPort', this.#httpPort], ['rtspPort', this.#rtspPort]] as const) {
      if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`${name} must be 0..65535, got ${port}`);
    }
    this.#auth = new HttpAuthServer({
      realm: family.realm,
      username: this.#username,
      password: this.#password,
      ...(family.authSchemes === undefined ? {} : { schemes: family.authSchemes }),
      algorithms: family.algorithms ?? ['MD5'],
      clock: this.clock,
    });
    this.#events$ = new Observable<EmulatorEvent>((subscriber) => {
      this.#eventSubscribers += 1;
      const subscription = this.#events.subscribe(subscriber);
      return () => {
        this.#eventSubscribers -= 1;
        subscription.unsubscribe();
      };
    });
  }

  /** Listen address. */
  get host(): string {
    return this.#host;
  }

  /** HTTP port (0 before the first `start()` when picked automatically, and for a device without HTTP). */
  get httpPort(): number {
    return this.#httpPort;
  }

  /**
   * The public RTSP port: the RTSP server's, or the front's when there is one (`rtspFaults`, `rtspRouting`). 0 before
   * the first `start()` when picked automatically, and for a device without RTSP mounts.
   */
  get rtspPort(): number {
    return this.#rtspPort;
  }

  /** User name the device accepts. */
  get username(): string {
    return this.#username;
  }

  /** Password the device accepts. */
  get password(): string {
    return this.#password;
  }

  /** The fault being injected. */
  get fault(): EmulatorFault {
    return this.#fault;
  }

  /** True between `start()` and `stop()`. */
  get running(): boolean {
    return this.#running;
  }

  /**
   * Events raised with {@link DeviceEmulator.triggerEvent}, for the subclass's event channel(s). Hot: events raised
   * while nobody listens are lost, as on a device. Survives restarts.
   */
  get events$(): Observable<EmulatorEvent> {
    return this.#events$;
  }

  /** Subscriptions to {@link DeviceEmulator.events$} now open: how many event channels a driver holds open. */
  get eventSubscribers(): number {
    return this.#eventSubscribers;
  }

  /** The HTTP requests received, oldest first (the last 10 000), for tests. */
  get requests(): readonly EmulatorRequestLogEntry[] {
    return this.#requests;
  }

  /** Streaming replies now open (event streams, MJPEG). */
  get openStreams(): number {
    return this.#streams.size;
  }

  /** What a driver needs to connect: host, port of the device API, and the credentials. */
  connection(): EmulatorConnection {
    return { host: this.#host, port: this.family.http === false ? this.#rtspPort : this.#httpPort, username: this.#username, password: this.#password };
  }

  /** `rtsp://host:port/path` of a vendor path on this emulator (no credentials). */
  rtspUrl(path: string): string {
    return `rtsp://${this.#host}:${this.#rtspPort}/${path.replace(/^\/+/, '')}`;
  }

  /** Changes the password the device accepts (HTTP at once; RTSP from the next start). */
  setPassword(password: string): void {
    this.#password = password;
    this.#auth.setPassword(password);
  }

  /** Starts injecting `fault` (`none` to stop). */
  setFault(fault: EmulatorFault): void {
    if (!['none', 'malformed', 'garbage', 'hang'].includes(fault)) throw new RangeError(`unknown fault "${String(fault)}"`);
    this.#fault = fault;
    this.logger.debug({ fault }, 'emulator fault set');
  }

  /**
   * Raises an event: emitted on {@link DeviceEmulator.events$} for the subclass to write into its event channel.
   *
   * @example
   * ```ts
   * emulator.triggerEvent({ kind: 'motion', state: 'start' });
   * ```
   */
  triggerEvent(event: { kind: EmulatorEvent['kind']; state: EmulatorEvent['state']; channel?: number }): void {
    this.#events.next({ kind: event.kind, state: event.state, channel: event.channel ?? 1, at: this.clock.now() });
  }

  /**
   * Starts the HTTP server and the RTSP server(s) (mounts from {@link DeviceEmulator.rtspMounts}), then calls
   * {@link DeviceEmulator.onStart}. Idempotent. When anything fails, what was started is stopped again.
   */
  start(): Promise<void> {
    return this.#serialize(() => this.#start());
  }

  /**
   * Calls {@link DeviceEmulator.onStop}, then closes the servers, ends open streaming replies and drops every
   * connection. Idempotent.
   */
  stop(): Promise<void> {
    return this.#serialize(() => this.#stop());
  }

  /** Stops, waits `downMs` (default 0), and starts again on the same ports (both hooks run, as on a reboot). */
  restart(downMs = 0): Promise<void> {
    if (!(downMs >= 0)) throw new RangeError(`downMs must be non-negative, got ${downMs}`);
    return this.#serialize(async () => {
      await this.#stop();
      await delay(downMs);
      await this.#start();
    });
  }

  /** The farm camera's current picture as JPEG, for snapshot endpoints. */
  protected snapshotJpeg(stream: 'main' | 'sub' = 'main', width?: number): Promise<Uint8Array> {
    return this.farm.snapshot(stream === 'main' ? this.cameraId : this.subCameraId, width === undefined ? {} : { width });
  }

  /** Size and rate of the farm camera behind a stream, for device APIs that report stream settings. */
  protected streamFormat(stream: 'main' | 'sub'): { codec: 'h264' | 'h265'; width: number; height: number; fps: number } {
    const id = stream === 'main' ? this.cameraId : this.subCameraId;
    const camera = this.farm.stats().cameras.find((c) => c.id === id);
    if (camera === undefined) throw new RangeError(`the farm has no camera "${id}"`);
    return { codec: camera.codec, width: camera.width, height: camera.height, fps: camera.fps };
  }

  /** The family's RTSP paths and which farm camera each shows. */
  protected abstract rtspMounts(): readonly EmulatorRtspMount[];

  /**
   * Answers one authenticated request; `undefined` means "no such path" (the base answers 404). Return a
   * {@link StreamingReply} to keep the response open.
   */
  protected abstract handle(req: EmulatorHttpRequest): Promise<EmulatorHttpReply | StreamingReply | undefined>;

  /** Paths served without authentication (exact match on the path); default none. */
  protected publicPaths(): readonly string[] {
    return [];
  }

  /** Whether `path` is served without authentication; default: it is one of {@link DeviceEmulator.publicPaths}. */
  protected isPublicPath(path: string): boolean {
    return this.publicPaths().includes(path);
  }

  /**
   * Called on every start (`start()` and the start half of `restart()`), once the base's HTTP and RTSP servers
   * listen: start what the family runs beside them, or reset what a rebooting device forgets. When it throws, the
   * start fails and the emulator is stopped again ({@link DeviceEmulator.onStop} included). Default: nothing.
   */
  protected async onStart(): Promise<void> {
    // Nothing beyond the base's servers by default.
  }

  /**
   * Called on every stop (`stop()`, the stop half of `restart()`, a start that failed after
   * {@link DeviceEmulator.onStart} was called), before the base's servers go down; once per `onStart`. Stop what
   * `onStart` started. When it throws, the base's servers still go down and `stop()` rejects with the error.
   * Default: nothing.
   */
  protected async onStop(): Promise<void> {
    // Nothing beyond the base's servers by default.
  }

  /**
   * Where the RTSP front sends a new connection, from its first request line; only asked with
   * {@link EmulatorFamily.rtspRouting}. Default: the stream of the first mount whose path is the request's (`main`
   * for `OPTIONS *`), `undefined` (404) for other paths. Override to route by query, or to serve a connection
   * yourself with an {@link EmulatorRtspHandler}.
   *
   * @example
   * ```ts
   * // Dahua: /cam/realmonitor?channel=1&subtype=0|1
   * protected override routeRtsp(req: EmulatorRtspRequest): EmulatorRtspRoute {
   *   if (req.path === '*') return 'main';
   *   if (req.path !== '/cam/realmonitor') return undefined;
   *   const subtype = req.query.get('subtype') ?? '0';
   *   return subtype === '0' ? 'main' : subtype === '1' ? 'sub' : undefined;
   * }
   * ```
   */
  protected routeRtsp(request: EmulatorRtspRequest): EmulatorRtspRoute {
    if (request.path === '*') return 'main';
    const path = request.path.replace(/^\/+/, '').replace(/\/+$/, '');
    return this.#rtspMounts.find((m) => m.path.replace(/^\/+/, '').replace(/\/+$/, '') === path)?.stream;
  }

  /**
   * The 401 answer to a request without valid credentials (status 401 whatever this says; the base adds one
   * `WWW-Authenticate` per challenge and the family's `Server` header). Default: a small HTML page. Override for the
   * vendor's page, which probes may recognise.
   */
  protected unauthorizedReply(_req: EmulatorHttpRequest): EmulatorHttpReply {
    return { headers: { 'Content-Type': 'text/html' }, body: '<html><body><h1>401 Unauthorized</h1></body></html>' };
  }

  /** How a reply looks under the `malformed` fault; default: the body cut in half. */
  protected malformed(reply: EmulatorHttpReply): EmulatorHttpReply {
    const body = bodyBytes(reply.body);
    return { ...reply, body: body.subarray(0, Math.floor(body.length / 2)) };
  }

  // ---- lifecycle ----

  #serialize(task: () => Promise<void>): Promise<void> {
    const next = this.#transition.then(task, task);
    this.#transition = next.catch(() => undefined);
    return next;
  }

  async #start(): Promise<void> {
    if (this.#running) return;
    try {
      if (this.family.http !== false) await this.#startHttp();
      await this.#startRtsp();
      this.#running = true;
      this.#hooksStarted = true;
      await this.onStart();
    } catch (err) {
      await this.#stop().catch((stopErr: unknown) => this.logger.warn({ reason: errorMessage(stopErr) }, 'emulator cleanup after a failed start failed'));
      throw err;
    }
    this.logger.info({ httpPort: this.#httpPort, rtspPort: this.#rtspPort }, 'emulator started');
  }

  async #stop(): Promise<void> {
    let hookError: unknown;
    if (this.#hooksStarted) {
      this.#hooksStarted = false;
      try {
        await this.onStop();
      } catch (err) {
        hookError = err;
      }
    }
    this.#running = false;
    for (const stream of [...this.#streams]) this.#endStream(stream, true);
    for (const socket of this.#rawSockets) socket.destroy();
    this.#rawSockets.clear();
    const http = this.#http;
    this.#http = undefined;
    if (http !== undefined) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
    const front = this.#rtspFront;
    this.#rtspFront = undefined;
    if (front !== undefined) await new Promise<void>((resolve) => front.close(() => resolve()));
    const servers = [...this.#rtspServers.values()];
    this.#rtspServers.clear();
    await Promise.all(servers.map((server) => server.close()));
    if (hookError !== undefined) throw hookError;
  }

  async #startHttp(): Promise<void> {
    const server = await listenWithRetry(async () => {
      const candidate = createServer((req, res) => void this.#onRequest(req, res));
      candidate.on('connection', (socket: Socket) => socket.on('error', () => undefined));
      this.#httpPort = await listenTcp(candidate, this.#httpPort, this.#host);
      return candidate;
    });
    server.on('error', (err) => this.logger.error({ reason: err.message }, 'emulator HTTP server error'));
    this.#http = server;
  }

  async #startRtsp(): Promise<void> {
    const mounts = this.rtspMounts();
    this.#rtspMounts = mounts;
    if (mounts.length === 0) return;
    const routing = this.family.rtspRouting === true;
    const front = routing || this.family.rtspFaults === true;
    if (routing) {
      for (const stream of ['main', 'sub'] as const) {
        const own = mounts.filter((m) => m.stream === stream);
        if (own.length > 0) this.#rtspServers.set(stream, await this.#listenRtsp(own, 0));
      }
    } else {
      const server = await this.#listenRtsp(mounts, front ? 0 : this.#rtspPort);
      this.#rtspServers.set('all', server);
      if (!front) {
        this.#rtspPort = server.port;
        return;
      }
    }
    const server = await listenWithRetry(async () => {
      const candidate = createTcpServer((socket) => this.#onRtspConnection(socket));
      this.#rtspPort = await listenTcp(candidate, this.#rtspPort, this.#host);
      return candidate;
    });
    server.on('error', (err) => this.logger.error({ reason: err.message }, 'emulator RTSP front error'));
    this.#rtspFront = server;
  }

  /** An RtspServer with `mounts` (the farm cameras, the emulator's credentials), listening. */
  #listenRtsp(mounts: readonly EmulatorRtspMount[], port: number): Promise<RtspServer> {
    return listenWithRetry(async () => {
      const candidate = new RtspServer({
        host: this.#host,
        port,
        realm: this.family.realm,
        authModes: this.family.rtspAuthSchemes ?? ['digest'],
        digestAlgorithms: this.family.rtspAlgorithms ?? ['MD5'],
        logger: this.logger,
      });
      for (const mount of mounts) {
        const id = mount.stream === 'main' ? this.cameraId : this.subCameraId;
        candidate.mount(mount.path, this.farm.source(id), { credentials: { username: this.#username, password: this.#password } });
      }
      try {
        await candidate.listen();
      } catch (err) {
        await candidate.close();
        throw err;
      }
      return candidate;
    });
  }

  // ---- HTTP ----

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    const url = new URL(target, 'http://emulator.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    const fault = this.#fault;
    if (fault === 'hang') {
      // Never answered: stop() (or the client) closes the connection.
      this.#log(method, path, 0);
      return;
    }
    if (fault === 'garbage') {
      this.#log(method, path, 0);
      req.socket.end(GARBAGE);
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      this.#send(res, method, path, { status: 413 });
      return;
    }
    const request: EmulatorHttpRequest = { method, path, query: url.searchParams, headers: flattenHeaders(req.headers), body, url: target };
    if (!this.isPublicPath(path)) {
      const verdict = this.#auth.check(method, target, req.headers.authorization);
      if (!verdict.ok) {
        let page: EmulatorHttpReply;
        try {
          page = this.unauthorizedReply(request);
        } catch (err) {
          this.logger.error({ method, path, reason: errorMessage(err) }, 'emulator 401 page failed');
          page = {};
        }
        const headers = Object.fromEntries(Object.entries(page.headers ?? {}).filter(([name]) => name.toLowerCase() !== 'www-authenticate'));
        res.setHeader('WWW-Authenticate', verdict.challenges);
        this.#send(res, method, path, { ...page, status: 401, headers });
        return;
      }
    }
    let reply: EmulatorHttpReply | StreamingReply | undefined;
    try {
      reply = await this.handle(request);
    } catch (err) {
      this.logger.error({ method, path, reason: errorMessage(err) }, 'emulator handler failed');
      this.#send(res, method, path, { status: 500 });
      return;
    }
    if (reply === undefined) {
      this.#send(res, method, path, { status: 404, headers: { 'Content-Type': 'text/html' }, body: '<html><body><h1>404 Not Found</h1></body></html>' });
    } else if (isStreaming(reply)) {
      this.#startStream(res, method, path, reply);
    } else {
      const status = reply.status ?? 200;
      this.#send(res, method, path, this.#fault === 'malformed' && status >= 200 && status < 300 ? this.malformed(reply) : reply);
    }
  }

  #send(res: ServerResponse, method: string, path: string, reply: EmulatorHttpReply): void {
    const status = reply.status ?? 200;
    if (res.destroyed || res.headersSent) return;
    const body = bodyBytes(reply.body);
    res.statusCode = status;
    res.statusMessage = STATUS_TEXT[status] ?? (status < 300 ? 'OK' : 'Error');
    for (const [name, value] of Object.entries(this.#withServer(reply.headers))) res.setHeader(name, value);
    res.setHeader('Content-Length', body.length);
    res.end(method === 'HEAD' ? undefined : body);
    this.#log(method, path, status);
  }

  #startStream(res: ServerResponse, method: string, path: string, reply: StreamingReply): void {
    if (res.destroyed) return;
    const status = reply.status ?? 200;
    res.writeHead(status, this.#withServer(reply.headers));
    res.flushHeaders();
    const entry = { res, teardown: (): void => undefined };
    this.#streams.add(entry);
    res.on('close', () => this.#endStream(entry, false));
    this.#log(method, path, status);
    const write = (chunk: string | Uint8Array): void => {
      if (this.#streams.has(entry) && !res.destroyed) res.write(chunk);
    };
    const end = (): void => {
      if (!this.#streams.has(entry)) return;
      this.#streams.delete(entry);
      entry.teardown();
      res.end();
    };
    try {
      entry.teardown = reply.start(write, end);
    } catch (err) {
      this.logger.error({ path, reason: errorMessage(err) }, 'emulator stream failed to start');
      this.#endStream(entry, true);
    }
  }

  /** Ends a streaming reply: the producer's teardown runs once; `abort` cuts the connection (stop, restart). */
  #endStream(entry: { res: ServerResponse; teardown: () => void }, abort: boolean): void {
    if (!this.#streams.delete(entry)) return;
    try {
      entry.teardown();
    } catch (err) {
      this.logger.warn({ reason: errorMessage(err) }, 'emulator stream teardown failed');
    }
    if (abort) entry.res.destroy();
  }

  /** The reply's headers with the family's `Server` header, unless the reply has one. */
  #withServer(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
    const server = this.family.serverHeader;
    const out = { ...headers };
    if (server !== undefined && !Object.keys(out).some((name) => name.toLowerCase() === 'server')) out['Server'] = server;
    return out;
  }

  #log(method: string, path: string, status: number): void {
    if (this.#requests.length >= MAX_LOG_ENTRIES) this.#requests.shift();
    this.#requests.push({ method, path, status });
  }

  // ---- RTSP front (fault injection and routing on RTSP) ----

  #track(socket: Socket): void {
    this.#rawSockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.#rawSockets.delete(socket));
  }

  #onRtspConnection(socket: Socket): void {
    this.#track(socket);
    const fault = this.family.rtspFaults === true ? this.#fault : 'none';
    if (fault === 'hang') return;
    if (fault === 'garbage') {
      socket.once('data', () => socket.end(GARBAGE));
      return;
    }
    if (fault === 'malformed') {
      socket.once('data', (chunk: Buffer) => {
        const cseq = /^CSeq:\s*(\d+)/im.exec(chunk.toString('latin1'))?.[1] ?? '1';
        // A status line whose code is not a number: what a broken RTSP stack answers.
        socket.end(`RTSP/1.0 2OO OK\r\nCSeq: ${cseq}\r\nContent-Length: 0\r\n\r\n`);
      });
      return;
    }
    if (this.family.rtspRouting !== true) {
      this.#splice(socket, this.#rtspServers.get('all'), Buffer.alloc(0));
      return;
    }
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\n');
      if (end < 0) {
        if (buffered.length > MAX_RTSP_REQUEST_LINE) socket.destroy();
        return;
      }
      socket.off('data', onData);
      socket.pause();
      this.#route(socket, buffered, buffered.subarray(0, end).toString('latin1').replace(/\r$/, ''));
    };
    socket.on('data', onData);
  }

  #route(socket: Socket, initial: Buffer, line: string): void {
    const request = rtspRequestLine(line);
    const refuse = (status: string): void => {
      const cseq = /^CSeq:\s*(\d+)/im.exec(initial.toString('latin1'))?.[1] ?? '0';
      socket.end(`RTSP/1.0 ${status}\r\nCSeq: ${cseq}\r\nContent-Length: 0\r\n\r\n`);
    };
    if (request === undefined) {
      refuse('400 Bad Request');
      return;
    }
    let route: EmulatorRtspRoute;
    try {
      route = this.routeRtsp(request);
    } catch (err) {
      this.logger.warn({ url: request.url, reason: errorMessage(err) }, 'emulator could not route an RTSP connection');
      route = undefined;
    }
    if (typeof route === 'function') {
      try {
        route(socket, initial);
      } catch (err) {
        this.logger.error({ url: request.url, reason: errorMessage(err) }, 'emulator RTSP handler failed');
        socket.destroy();
        return;
      }
      socket.resume();
      return;
    }
    const server = route === undefined ? undefined : this.#rtspServers.get(route);
    if (server === undefined) {
      refuse('404 Not Found');
      return;
    }
    this.#splice(socket, server, initial);
  }

  /** Joins a client connection to an inner RTSP server, after writing the bytes already read from the client. */
  #splice(socket: Socket, server: RtspServer | undefined, initial: Buffer): void {
    if (server === undefined) {
      socket.destroy();
      return;
    }
    const inner = createConnection({ host: this.#host === '0.0.0.0' ? '127.0.0.1' : this.#host, port: server.port });
    this.#track(inner);
    inner.on('error', () => socket.destroy());
    inner.on('close', () => socket.destroy());
    socket.on('close', () => inner.destroy());
    if (initial.length > 0) inner.write(initial);
    socket.pipe(inner);
    inner.pipe(socket);
    socket.resume();
  }
}
