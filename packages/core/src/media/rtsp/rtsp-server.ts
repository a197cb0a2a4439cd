import { randomBytes } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import type { Observable } from 'rxjs';
import { hasErrorCode } from '../../errors/argus-error.js';
import { errorMessage } from '../../errors/error-message.js';
import { silentLogger, type Logger } from '../../logging/logger.js';
import type { MediaPacket, TrackInfo } from '../../stream/media-packet.js';
import { buildSdp, serializeSdp } from '../sdp/serialize-sdp.js';
import { parseSessionHeader, parseTransport } from './rtsp-client.js';
import { RtspHeaders, RtspMessageParser, serializeRtspResponse, type RtspMessage, type RtspRequest } from './rtsp-message.js';
import { RtspServerAuth } from './rtsp-server-auth.js';
import {
  offerTracks,
  RtspServerSession,
  type OfferedTrack,
  type RtspSessionHost,
  type RtspTrafficCounters,
  type TrackTransport,
} from './rtsp-server-session.js';

/** What a mount serves. */
export interface RtspMountSource {
  /** The tracks to describe in the SDP (with parameter sets); may wait until the source knows them. */
  describe(): Promise<readonly TrackInfo[]>;
  /**
   * Packets for one playing session: subscribing starts delivery, unsubscribing stops it. `packet.track.id`
   * matches a described track's id. The first video packet of a subscription should be a keyframe.
   */
  packets$(): Observable<MediaPacket>;
}

/** Options of one mount. */
export interface RtspMountOptions {
  /** Credentials this mount requires (Digest by default, Basic accepted when authModes includes it). */
  credentials?: { username: string; password: string };
}

/** Options of {@link RtspServer}. */
export interface RtspServerOptions {
  /** Address to listen on; default `127.0.0.1`. */
  host?: string;
  /** Port; default 8554; 0 = any free port. */
  port?: number;
  /** Authentication realm; default `Argus`. */
  realm?: string;
  /** Schemes accepted on mounts with credentials; default `['digest']`; the first is offered first. */
  authModes?: ('digest' | 'basic')[];
  /** Digest algorithms, one `WWW-Authenticate` each; default `['SHA-256', 'MD5']`. */
  digestAlgorithms?: ('MD5' | 'SHA-256')[];
  /** Seconds without a request or RTCP after which a session ends; default 60. */
  sessionTimeoutSec?: number;
  /** Most sessions at once; SETUP beyond it gets 503. Default 1000. */
  maxSessions?: number;
  logger?: Logger;
}

/** Traffic of the server or of one mount. */
export interface RtspTrafficStats {
  /** Sessions now open. */
  sessions: number;
  /** Sessions now playing. */
  playing: number;
  /** RTP and RTCP bytes sent since start. */
  bytesSent: number;
  /** RTP packets sent since start. */
  packetsSent: number;
  /** Packets not sent because a viewer fell behind or was waiting for a keyframe. */
  skipped: number;
}

/** What {@link RtspServer.stats} returns: totals and one entry per mounted path. */
export interface RtspServerStats extends RtspTrafficStats {
  byPath: Record<string, RtspTrafficStats>;
}

interface Mount {
  readonly path: string;
  readonly source: RtspMountSource;
  readonly credentials: { readonly username: string; readonly password: string } | undefined;
  readonly sessions: Set<RtspServerSession>;
  readonly counters: RtspTrafficCounters;
}

interface Connection {
  readonly socket: Socket;
  readonly parser: RtspMessageParser;
  readonly remoteAddress: string;
  readonly localAddress: string;
  readonly sessions: Set<RtspServerSession>;
  /** Offered tracks of the last DESCRIBE per path, for the SETUPs that follow. */
  readonly described: Map<string, OfferedTrack[]>;
  queue: Promise<void>;
  queued: number;
}

interface Reply {
  status: number;
  headers?: RtspHeaders;
  body?: string;
  session?: RtspServerSession;
}

const REASONS: Readonly<Record<number, string>> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  454: 'Session Not Found',
  455: 'Method Not Valid in This State',
  459: 'Aggregate Operation Not Allowed',
  461: 'Unsupported Transport',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  505: 'RTSP Version Not Supported',
};

const PUBLIC_METHODS = 'OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER';
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const MAX_QUEUED_REQUESTS = 16;
const MAX_DESCRIBED_PATHS = 8;
const DESCRIBE_TIMEOUT_MS = 10_000;
const TRACK_SUFFIX = /^(.*?)\/?trackID=(\d{1,3})$/;

function normalizePath(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

function plainAddress(address: string | undefined): string {
  return (address ?? '').replace(/^::ffff:/, '');
}

function parsePair(value: string | undefined, max: number): [number, number] | undefined {
  if (value === undefined || !/^\d{1,5}(-\d{1,5})?$/.test(value)) return undefined;
  const [a, b] = value.split('-').map(Number);
  if (a === undefined || a > max) return undefined;
  const second = b ?? a + 1;
  return second > max ? undefined : [a, second];
}

/**
 * RTSP 1.0 server (RFC 2326) that restreams mounted sources to viewers: OPTIONS, DESCRIBE, SETUP (TCP interleaved
 * or UDP unicast), PLAY, PAUSE, TEARDOWN, GET_PARAMETER; Digest (SHA-256, MD5) and Basic auth per mount; session
 * timeouts; RTCP sender reports. Media goes out without transcoding: each playing session subscribes to its
 * mount's `packets$()` and packetizes H.264, H.265, AAC and G.711 (other tracks are not offered). A TCP viewer
 * that falls more than 4 MiB behind skips to the next keyframe; the source is never slowed.
 *
 * @example
 * ```ts
 * const server = new RtspServer({ port: 0 });
 * server.mount('cam1', { describe: async () => [videoTrack], packets$: () => hub.packets$ }, {
 *   credentials: { username: 'viewer', password: 'secret' },
 * });
 * await server.listen();
 * console.log(server.url('cam1')); // rtsp://127.0.0.1:40123/cam1
 * // ...
 * await server.close();
 * ```
 */
export class RtspServer {
  readonly #host: string;
  readonly #requestedPort: number;
  readonly #realm: string;
  readonly #timeoutSec: number;
  readonly #maxSessions: number;
  readonly #log: Logger;
  readonly #auth: RtspServerAuth;
  readonly #mounts = new Map<string, Mount>();
  readonly #sessions = new Map<string, RtspServerSession>();
  readonly #connections = new Set<Connection>();
  readonly #totals: RtspTrafficCounters = { bytesSent: 0, packetsSent: 0, skipped: 0 };
  #server: Server | undefined;
  #port = 0;
  #sweep: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(options: RtspServerOptions = {}) {
    const timeout = options.sessionTimeoutSec ?? 60;
    const maxSessions = options.maxSessions ?? 1000;
    if (!(timeout > 0)) throw new RangeError(`sessionTimeoutSec must be positive, got ${timeout}`);
    if (!Number.isInteger(maxSessions) || maxSessions < 1) throw new RangeError(`maxSessions must be a positive integer`);
    const modes = options.authModes ?? ['digest'];
    const algorithms = options.digestAlgorithms ?? ['SHA-256', 'MD5'];
    if (modes.length === 0) throw new RangeError('authModes must not be empty');
    if (modes.includes('digest') && algorithms.length === 0) throw new RangeError('digestAlgorithms must not be empty');
    this.#host = options.host ?? '127.0.0.1';
    this.#requestedPort = options.port ?? 8554;
    this.#realm = options.realm ?? 'Argus';
    this.#timeoutSec = timeout;
    this.#maxSessions = maxSessions;
    this.#log = (options.logger ?? silentLogger()).child({ component: 'rtsp-server' });
    this.#auth = new RtspServerAuth({ realm: this.#realm, modes, algorithms });
  }

  /** The bound port once `listen()` resolved; 0 before. */
  get port(): number {
    return this.#port;
  }

  /**
   * Serves `source` at `rtsp://host:port/<path>`. Returns the unmount function, which also ends the mount's
   * sessions.
   * @throws TypeError when the path is already mounted.
   */
  mount(path: string, source: RtspMountSource, options: RtspMountOptions = {}): () => void {
    const key = normalizePath(path);
    if (this.#mounts.has(key)) throw new TypeError(`RTSP path "${key}" is already mounted`);
    if (TRACK_SUFFIX.test(key)) throw new TypeError(`RTSP path "${key}" must not end in trackID=N`);
    const mount: Mount = {
      path: key,
      source,
      credentials: options.credentials,
      sessions: new Set(),
      counters: { bytesSent: 0, packetsSent: 0, skipped: 0 },
    };
    this.#mounts.set(key, mount);
    return () => {
      if (this.#mounts.get(key) !== mount) return;
      this.#mounts.delete(key);
      for (const session of [...mount.sessions]) session.end('unmounted');
    };
  }

  /** Starts listening; resolves to the bound port. */
  async listen(): Promise<number> {
    if (this.#closed) throw new TypeError('RtspServer is closed');
    if (this.#server !== undefined) return this.#port;
    const server = createServer((socket) => this.#accept(socket));
    server.maxConnections = Math.max(64, this.#maxSessions * 2);
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#requestedPort, this.#host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.#log.error({ reason: err.message }, 'RTSP server error'));
    const address = server.address();
    this.#port = typeof address === 'object' && address !== null ? address.port : this.#requestedPort;
    this.#sweep = setInterval(() => this.#expireSessions(), Math.min(1000, this.#timeoutSec * 250));
    this.#sweep.unref();
    this.#log.info({ host: this.#host, port: this.#port }, 'RTSP server listening');
    return this.#port;
  }

  /** `rtsp://host:port/<path>` of a mount. */
  url(path: string): string {
    const host = this.#host === '0.0.0.0' ? '127.0.0.1' : this.#host === '::' ? '[::1]' : this.#host.includes(':') ? `[${this.#host}]` : this.#host;
    return `rtsp://${host}:${this.#port}/${normalizePath(path)}`;
  }

  /**
   * Fault injection: destroys the connections and ends the sessions of one mount (every mount without a path).
   * Returns the number of sessions dropped.
   */
  dropSessions(path?: string): number {
    const key = path === undefined ? undefined : normalizePath(path);
    let dropped = 0;
    for (const session of [...this.#sessions.values()]) {
      if (key !== undefined && session.path !== key) continue;
      dropped += 1;
      session.socket.destroy();
      session.end('dropped');
    }
    return dropped;
  }

  /** Live session counts and cumulative traffic, in total and per mounted path. */
  stats(): RtspServerStats {
    const byPath: Record<string, RtspTrafficStats> = {};
    let playing = 0;
    for (const mount of this.#mounts.values()) {
      let mountPlaying = 0;
      for (const session of mount.sessions) if (session.playing) mountPlaying += 1;
      byPath[mount.path] = { sessions: mount.sessions.size, playing: mountPlaying, ...mount.counters };
    }
    for (const session of this.#sessions.values()) if (session.playing) playing += 1;
    return { sessions: this.#sessions.size, playing, ...this.#totals, byPath };
  }

  /** Stops listening, ends every session and closes every connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#sweep !== undefined) clearInterval(this.#sweep);
    for (const session of [...this.#sessions.values()]) session.end('server closed');
    for (const connection of this.#connections) connection.socket.destroy();
    this.#connections.clear();
    const server = this.#server;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.#log.info({ port: this.#port }, 'RTSP server closed');
  }

  // ---- connections ----

  #accept(socket: Socket): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    const remoteAddress = plainAddress(socket.remoteAddress);
    const connection: Connection = {
      socket,
      parser: new RtspMessageParser({ endpoint: `${remoteAddress}:${socket.remotePort ?? 0}` }),
      remoteAddress,
      localAddress: plainAddress(socket.localAddress),
      sessions: new Set(),
      described: new Map(),
      queue: Promise.resolve(),
      queued: 0,
    };
    this.#connections.add(connection);
    socket.setNoDelay(true);
    // A connection that never sets up a session may not linger (slow-loris); sessions have their own timeout.
    socket.setTimeout(this.#timeoutSec * 1000, () => {
      if (connection.sessions.size === 0) socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => this.#onData(connection, chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => this.#log.debug({ remote: remoteAddress, reason: err.code ?? err.message }, 'RTSP connection error'));
    socket.on('close', () => {
      this.#connections.delete(connection);
      for (const session of [...connection.sessions]) {
        if (session.usesTcp) session.end('connection closed');
      }
    });
  }

  #onData(connection: Connection, chunk: Buffer): void {
    let messages: RtspMessage[];
    try {
      messages = connection.parser.process(chunk);
    } catch (err) {
      this.#log.debug({ remote: connection.remoteAddress, reason: hasErrorCode(err) ? err.message : String(err) }, 'malformed RTSP input');
      this.#rejectConnection(connection);
      return;
    }
    for (const session of connection.sessions) session.touch();
    for (const message of messages) {
      if (message.kind !== 'request') continue; // RTCP receiver reports (interleaved) only show the viewer is alive.
      if (connection.queued >= MAX_QUEUED_REQUESTS) {
        this.#rejectConnection(connection);
        return;
      }
      connection.queued += 1;
      connection.queue = connection.queue
        .then(() => this.#handle(connection, message))
        .catch((err: unknown) => {
          this.#log.warn({ method: message.method, reason: errorMessage(err) }, 'RTSP request failed');
          this.#write(connection, message, { status: 500 });
        })
        .finally(() => {
          connection.queued -= 1;
        });
    }
  }

  /** The stream can no longer be parsed: answer 400 and close. */
  #rejectConnection(connection: Connection): void {
    const socket = connection.socket;
    if (socket.destroyed || socket.writableEnded) return;
    socket.end(serializeRtspResponse({ status: 400, reason: REASONS[400], headers: { CSeq: 0 } }));
    setTimeout(() => socket.destroy(), 2000).unref();
  }

  #write(connection: Connection, request: RtspRequest, reply: Reply): void {
    const socket = connection.socket;
    if (socket.destroyed || socket.writableEnded) return;
    const headers = reply.headers ?? new RtspHeaders();
    const cseq = request.headers.get('cseq');
    headers.set('CSeq', cseq !== undefined && /^\d{1,10}$/.test(cseq) ? cseq : '0');
    headers.set('Server', 'Argus');
    if (reply.session !== undefined) headers.set('Session', `${reply.session.id};timeout=${reply.session.timeoutSec}`);
    socket.write(
      serializeRtspResponse({
        status: reply.status,
        reason: REASONS[reply.status] ?? 'Error',
        headers,
        ...(reply.body !== undefined ? { body: reply.body } : {}),
      }),
    );
  }

  // ---- requests ----

  async #handle(connection: Connection, request: RtspRequest): Promise<void> {
    if (connection.socket.destroyed) return;
    this.#log.debug({ method: request.method, remote: connection.remoteAddress, cseq: request.headers.get('cseq') }, 'RTSP request');
    const reply = await this.#dispatch(connection, request);
    this.#write(connection, request, reply);
    if (request.method === 'PLAY' && reply.status === 200 && reply.session !== undefined) {
      // After the answer, so no RTP precedes it on the connection.
      reply.session.play();
    }
  }

  async #dispatch(connection: Connection, request: RtspRequest): Promise<Reply> {
    const cseq = request.headers.get('cseq');
    if (cseq === undefined || !/^\d{1,10}$/.test(cseq)) return { status: 400 };
    if (request.version !== 'RTSP/1.0') return { status: 505 };
    switch (request.method) {
      case 'OPTIONS':
        this.#touchSession(request);
        return { status: 200, headers: new RtspHeaders({ Public: PUBLIC_METHODS }) };
      case 'DESCRIBE':
        return this.#describe(connection, request);
      case 'SETUP':
        return this.#setup(connection, request);
      case 'PLAY':
      case 'PAUSE':
      case 'TEARDOWN':
      case 'GET_PARAMETER':
        return this.#sessionRequest(request);
      case 'ANNOUNCE':
      case 'RECORD':
      case 'SET_PARAMETER':
      case 'REDIRECT':
        return { status: 405, headers: new RtspHeaders({ Allow: PUBLIC_METHODS }) };
      default:
        return { status: 501 };
    }
  }

  /** The mount and track index a request URL names; undefined for a bad URL. */
  #resolve(url: string): { mount: Mount | undefined; trackIndex: number | undefined; base: string } | undefined {
    let parsed: URL;
    let path: string;
    try {
      parsed = new URL(url);
      path = normalizePath(decodeURIComponent(parsed.pathname));
    } catch {
      return undefined;
    }
    if (parsed.protocol !== 'rtsp:' && parsed.protocol !== 'rtsps:') return undefined;
    let trackIndex: number | undefined;
    if (path.endsWith('/*')) path = path.slice(0, -2);
    const match = TRACK_SUFFIX.exec(path);
    if (match !== null) {
      path = normalizePath(match[1] ?? '');
      trackIndex = Number(match[2]);
    }
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    parsed.hash = '';
    parsed.pathname = `/${path}/`;
    return { mount: this.#mounts.get(path), trackIndex, base: parsed.toString() };
  }

  /** Undefined when the request may proceed, else the 401 to send. */
  #authorize(connection: Connection, request: RtspRequest, mount: Mount): Reply | undefined {
    const credentials = mount.credentials;
    if (credentials === undefined) return undefined;
    const outcome = this.#auth.check(request.headers.get('authorization'), request.method, request.url, credentials);
    if (outcome.ok) return undefined;
    if (request.headers.has('authorization')) {
      this.#log.warn({ path: mount.path, remote: connection.remoteAddress, method: request.method, stale: outcome.stale }, 'RTSP authentication failed');
    }
    const headers = new RtspHeaders();
    for (const challenge of this.#auth.challenges(outcome.stale)) headers.append('WWW-Authenticate', challenge);
    return { status: 401, headers };
  }

  /** The mount (and track) a DESCRIBE or SETUP names, once the request may use it; else the 400, 404 or 401 to send. */
  #authorizedTarget(connection: Connection, request: RtspRequest): Reply | { mount: Mount; trackIndex: number | undefined; base: string } {
    const target = this.#resolve(request.url);
    if (target === undefined) return { status: 400 };
    const { mount } = target;
    if (mount === undefined) return { status: 404 };
    return this.#authorize(connection, request, mount) ?? { ...target, mount };
  }

  async #describeMount(mount: Mount): Promise<OfferedTrack[]> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('describe() timed out')), DESCRIBE_TIMEOUT_MS);
    });
    try {
      return offerTracks(await Promise.race([mount.source.describe(), timeout]));
    } finally {
      clearTimeout(timer);
    }
  }

  async #describe(connection: Connection, request: RtspRequest): Promise<Reply> {
    const target = this.#authorizedTarget(connection, request);
    if ('status' in target) return target;
    const { mount } = target;
    let offered: OfferedTrack[];
    try {
      offered = await this.#describeMount(mount);
    } catch (err) {
      this.#log.warn({ path: mount.path, reason: errorMessage(err) }, 'RTSP mount could not describe its tracks');
      return { status: 503 };
    }
    if (offered.length === 0) {
      this.#log.warn({ path: mount.path }, 'RTSP mount has no track the server can packetize');
      return { status: 503 };
    }
    if (connection.described.size >= MAX_DESCRIBED_PATHS) connection.described.clear();
    connection.described.set(mount.path, offered);
    const sdp = serializeSdp(
      buildSdp({
        address: connection.localAddress === '' ? '127.0.0.1' : connection.localAddress,
        sessionId: String(Date.now()),
        sessionName: mount.path === '' ? 'Argus' : mount.path,
        tracks: offered.map((t) => t.offer),
      }),
    );
    return {
      status: 200,
      headers: new RtspHeaders({ 'Content-Type': 'application/sdp', 'Content-Base': target.base }),
      body: sdp,
    };
  }

  async #setup(connection: Connection, request: RtspRequest): Promise<Reply> {
    const target = this.#authorizedTarget(connection, request);
    if ('status' in target) return target;
    const { mount } = target;
    const transportHeader = request.headers.get('transport');
    if (transportHeader === undefined) return { status: 461 };
    let session: RtspServerSession | undefined;
    const sessionHeader = request.headers.get('session');
    if (sessionHeader !== undefined) {
      session = this.#sessions.get(parseSessionHeader(sessionHeader).id);
      if (session === undefined) return { status: 454 };
      if (session.path !== mount.path) return { status: 459 };
      if (session.playing) return { status: 455 };
      session.touch();
    }
    let offered = connection.described.get(mount.path);
    if (offered === undefined) {
      try {
        offered = await this.#describeMount(mount);
      } catch {
        return { status: 503 };
      }
    }
    const trackIndex = target.trackIndex ?? (offered.length === 1 ? 0 : undefined);
    if (trackIndex === undefined) return { status: 459 };
    const track = offered[trackIndex];
    if (track === undefined) return { status: 404 };
    const inUse = new Set<number>();
    for (const other of connection.sessions) for (const c of other.channelsInUse(other === session ? track.index : undefined)) inUse.add(c);
    const choice = chooseTransport(transportHeader, inUse);
    if (choice === undefined) return { status: 461 };
    if (session === undefined && this.#sessions.size >= this.#maxSessions) {
      this.#log.warn({ path: mount.path, max: this.#maxSessions }, 'RTSP session limit reached');
      return { status: 503 };
    }
    let transport: TrackTransport;
    let transportReply: string;
    if (choice.kind === 'tcp') {
      transport = { kind: 'tcp', channels: choice.channels };
      transportReply = `RTP/AVP/TCP;unicast;interleaved=${choice.channels[0]}-${choice.channels[1]}`;
    } else {
      const address = connection.remoteAddress;
      const sockets = await bindUdpPair(connection.localAddress || this.#host, address.includes(':'));
      const serverPorts: [number, number] = [sockets[0].address().port, sockets[1].address().port];
      for (const socket of sockets) socket.on('error', (err) => this.#log.debug({ reason: err.message }, 'RTP UDP send failed'));
      transport = { kind: 'udp', sockets, address, clientPorts: choice.clientPorts, serverPorts };
      transportReply = `RTP/AVP;unicast;client_port=${choice.clientPorts[0]}-${choice.clientPorts[1]};server_port=${serverPorts[0]}-${serverPorts[1]}`;
      // The session may have ended while binding (connection closed, unmounted): do not leak the sockets.
      if (session?.ended === true || connection.socket.destroyed || this.#closed) {
        for (const socket of sockets) socket.close();
        return { status: session?.ended === true ? 454 : 503 };
      }
    }
    if (session === undefined) {
      if (this.#sessions.size >= this.#maxSessions) return { status: 503 };
      session = this.#createSession(connection, mount);
    }
    const ssrc = session.addTrack(track, transport);
    return {
      status: 200,
      headers: new RtspHeaders({ Transport: `${transportReply};ssrc=${ssrc.toString(16).padStart(8, '0').toUpperCase()};mode="PLAY"` }),
      session,
    };
  }

  #createSession(connection: Connection, mount: Mount): RtspServerSession {
    const host: RtspSessionHost = {
      log: this.#log,
      maxBufferedBytes: MAX_BUFFERED_BYTES,
      counters: [this.#totals, mount.counters],
      onEnded: (ended, reason) => {
        this.#sessions.delete(ended.id);
        mount.sessions.delete(ended);
        connection.sessions.delete(ended);
        this.#log.debug({ session: ended.id, path: ended.path, reason }, 'RTSP session ended');
        if (reason.startsWith('source') && ended.usesTcp) connection.socket.destroy();
        // An idle connection whose last session timed out would otherwise linger until the socket timeout.
        if (reason === 'timeout' && connection.sessions.size === 0) connection.socket.destroy();
      },
    };
    const source = mount.source;
    const session = new RtspServerSession(randomBytes(8).toString('hex'), mount.path, this.#timeoutSec, connection.socket, () => source.packets$(), host);
    this.#sessions.set(session.id, session);
    mount.sessions.add(session);
    connection.sessions.add(session);
    this.#log.debug({ session: session.id, path: mount.path, remote: connection.remoteAddress }, 'RTSP session created');
    return session;
  }

  #touchSession(request: RtspRequest): RtspServerSession | undefined {
    const header = request.headers.get('session');
    if (header === undefined) return undefined;
    const session = this.#sessions.get(parseSessionHeader(header).id);
    session?.touch();
    return session;
  }

  #sessionRequest(request: RtspRequest): Reply {
    const hasHeader = request.headers.has('session');
    const session = this.#touchSession(request);
    if (session === undefined) {
      if (request.method === 'GET_PARAMETER' && !hasHeader) return { status: 200 };
      return { status: 454 };
    }
    switch (request.method) {
      case 'PLAY': {
        if (session.trackCount === 0) return { status: 455, session };
        const target = this.#resolve(request.url);
        const base = target?.base ?? `${this.url(session.path)}/`;
        return { status: 200, headers: new RtspHeaders({ Range: 'npt=now-', 'RTP-Info': session.rtpInfo(base) }), session };
      }
      case 'PAUSE':
        session.pause();
        return { status: 200, session };
      case 'TEARDOWN':
        session.end('teardown');
        return { status: 200, session };
      default:
        return { status: 200, session };
    }
  }

  #expireSessions(): void {
    const now = Date.now();
    for (const session of [...this.#sessions.values()]) {
      if (now - session.lastActivity > session.timeoutSec * 1000) {
        this.#log.info({ session: session.id, path: session.path }, 'RTSP session timed out');
        session.end('timeout');
      }
    }
  }
}

type TransportChoice =
  | { readonly kind: 'tcp'; readonly channels: readonly [number, number] }
  | { readonly kind: 'udp'; readonly clientPorts: readonly [number, number] };

/** The first transport spec of a Transport header the server supports (RTP over TCP, or unicast UDP). */
function chooseTransport(header: string, channelsInUse: ReadonlySet<number>): TransportChoice | undefined {
  for (const spec of header.split(',').slice(0, 8)) {
    const { protocol, params } = parseTransport(spec);
    const mode = params['mode'];
    if (mode !== undefined && !mode.toUpperCase().includes('PLAY')) continue;
    if ('multicast' in params) continue;
    const upper = protocol.toUpperCase();
    if (upper === 'RTP/AVP/TCP') {
      let channels = parsePair(params['interleaved'], 255);
      if (channels === undefined && params['interleaved'] === undefined) {
        for (let c = 0; c < 254 && channels === undefined; c += 2) {
          if (!channelsInUse.has(c) && !channelsInUse.has(c + 1)) channels = [c, c + 1];
        }
      }
      if (channels === undefined || channelsInUse.has(channels[0]) || channelsInUse.has(channels[1])) continue;
      return { kind: 'tcp', channels };
    }
    if (upper === 'RTP/AVP' || upper === 'RTP/AVP/UDP') {
      const ports = parsePair(params['client_port'], 65535);
      if (ports === undefined || ports[0] === 0) continue;
      return { kind: 'udp', clientPorts: ports };
    }
  }
  return undefined;
}

/** An even/odd pair of UDP ports on the server's address (RTP, RTCP). */
async function bindUdpPair(address: string, ipv6: boolean): Promise<[UdpSocket, UdpSocket]> {
  const bind = (port: number): Promise<UdpSocket> =>
    new Promise((resolve, reject) => {
      const socket = createSocket({ type: ipv6 ? 'udp6' : 'udp4' });
      socket.once('error', (err) => {
        socket.close();
        reject(err);
      });
      socket.bind(port, address, () => {
        socket.removeAllListeners('error');
        resolve(socket);
      });
    });
  for (let attempt = 0; attempt < 20; attempt++) {
    const rtp = await bind(0);
    const port = rtp.address().port;
    if (port % 2 !== 0 || port >= 65534) {
      rtp.close();
      continue;
    }
    try {
      return [rtp, await bind(port + 1)];
    } catch {
      rtp.close();
    }
  }
  throw new Error('no free even/odd UDP port pair');
}
