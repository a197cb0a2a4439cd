import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { Subject, type Observable } from 'rxjs';
import { ArgusError, hasErrorCode } from '../../errors/argus-error.js';
import { silentLogger, type Logger } from '../../logging/logger.js';
import { parseSdp, type SessionDescription } from '../sdp/parse-sdp.js';
import { sdpTracks, sessionControlUrl, type SdpTrack } from '../sdp/sdp-tracks.js';
import { RtspAuthenticator } from './rtsp-auth.js';
import {
  RtspHeaders,
  RtspMessageParser,
  serializeInterleavedFrame,
  serializeRtspRequest,
  serializeRtspResponse,
  type RtspMessage,
  type RtspResponse,
} from './rtsp-message.js';

/** One RTP or RTCP packet received for a set-up track. `data` is a view into the received bytes. */
export interface RtspPacket {
  /** Order of the `setup()` call that created the track (0, 1, ...). */
  readonly trackIndex: number;
  readonly kind: 'rtp' | 'rtcp';
  readonly data: Uint8Array;
}

/** Options of {@link RtspClient}. */
export interface RtspClientOptions {
  /** `rtsp://[user:pass@]host[:port]/path`; credentials in the URL are used for auth and never sent in it. */
  readonly url: string;
  /** Overrides credentials of the URL. */
  readonly username?: string;
  readonly password?: string;
  /** Per-request timeout (connect included); default 10 s. */
  readonly timeoutMs?: number;
  /** Redirect hops followed; default 3. */
  readonly maxRedirects?: number;
  /** Local address UDP sockets bind to; default `0.0.0.0`. */
  readonly udpBindAddress?: string;
  readonly userAgent?: string;
  /** Called for every packet before `packets$` emits: the cheapest path for hot consumers. */
  readonly onPacket?: (packet: RtspPacket) => void;
  readonly logger?: Logger;
}

/** The result of {@link RtspClient.describe}. */
export interface RtspDescription {
  readonly sdp: SessionDescription;
  readonly tracks: readonly SdpTrack[];
  /** Base URL for relative controls (Content-Base, else Content-Location, else the request URL). */
  readonly contentBase: string;
  /** Aggregate control URL for PLAY and TEARDOWN. */
  readonly controlUrl: string;
}

/** How a track was set up. */
export interface RtspSetupResult {
  readonly trackIndex: number;
  readonly transport: 'tcp' | 'udp';
  /** TCP: interleaved channels of RTP and RTCP. */
  readonly channels?: readonly [number, number];
  /** UDP: local ports of RTP and RTCP. */
  readonly clientPorts?: readonly [number, number];
  /** UDP: the server's ports of RTP and RTCP. */
  readonly serverPorts?: readonly [number, number];
  readonly ssrc?: number;
}

interface TrackState {
  readonly transport: 'tcp' | 'udp';
  readonly channels?: readonly [number, number];
  readonly serverPorts?: readonly [number, number];
  readonly sockets?: readonly [UdpSocket, UdpSocket];
}

interface PendingRequest {
  readonly cseq: number;
  readonly method: string;
  resolve(response: RtspResponse): void;
  reject(err: unknown): void;
}

/** Returns the URL without userinfo: the only form that may reach logs, errors or the wire. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}

function parseRtspUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`Not a URL: ${redactUrl(url)}`);
  }
  if (parsed.protocol !== 'rtsp:') throw new TypeError(`Not an rtsp:// URL: ${redactUrl(url)}`);
  return parsed;
}

function parsePortPair(value: string | undefined): [number, number] | undefined {
  if (value === undefined) return undefined;
  const [a, b] = value.split('-').map((n) => Number.parseInt(n, 10));
  if (a === undefined || !Number.isInteger(a) || a < 0 || a > 65535) return undefined;
  const second = b !== undefined && Number.isInteger(b) && b >= 0 && b <= 65535 ? b : a + 1;
  return [a, second];
}

/** Parses a Transport header into lower-cased parameters (first transport spec only). */
export function parseTransport(value: string): { protocol: string; params: Record<string, string> } {
  const spec = value.split(',')[0] ?? '';
  const [protocol = '', ...rest] = spec.split(';').map((p) => p.trim());
  const params: Record<string, string> = {};
  for (const part of rest) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    params[(eq < 0 ? part : part.slice(0, eq)).toLowerCase()] = eq < 0 ? '' : part.slice(eq + 1).replace(/^"|"$/g, '');
  }
  return { protocol, params };
}

/** Parses a Session header: `id[;timeout=N]`; timeout in seconds, default 60 (RFC 2326 12.37). */
export function parseSessionHeader(value: string): { id: string; timeout: number } {
  const [id = '', ...params] = value.split(';').map((p) => p.trim());
  let timeout = 60;
  for (const p of params) {
    const match = /^timeout\s*=\s*(\d+)$/i.exec(p);
    if (match !== null) timeout = Number(match[1]);
  }
  return { id, timeout: timeout > 0 ? timeout : 60 };
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 305 || status === 307;
}

/**
 * RTSP 1.0 client (RFC 2326) over `node:net`, with RTP over TCP-interleaved or UDP: OPTIONS, DESCRIBE, SETUP,
 * PLAY, TEARDOWN, Basic and Digest (MD5, SHA-256, qop=auth) auth with re-authentication on a new nonce,
 * redirects, per-request timeouts and keep-alives. Received RTP/RTCP packets are delivered raw per track; the
 * depacketizers sit downstream.
 *
 * Errors: unreachable host `ARGUS_ERR_DRIVER_UNREACHABLE`, no answer `ARGUS_ERR_DRIVER_TIMEOUT`, refused
 * credentials `ARGUS_ERR_DRIVER_AUTH`, 404 `ARGUS_ERR_RTSP_NOT_FOUND`, other failures `ARGUS_ERR_RTSP_STATUS`,
 * bad bytes `ARGUS_ERR_RTSP_MALFORMED`, a lost connection `ARGUS_ERR_RTSP_CLOSED`. Credentials never appear in
 * logs or errors.
 *
 * @example
 * ```ts
 * const client = new RtspClient({ url: 'rtsp://admin:secret@127.0.0.1:554/Streaming/Channels/101' });
 * const { tracks } = await client.describe();
 * for (const track of tracks.filter((t) => t.codec !== 'other')) await client.setup(track, 'tcp');
 * client.packets$.subscribe(({ trackIndex, kind, data }) => depacketize(trackIndex, kind, data));
 * await client.play();
 * // ...
 * await client.close();
 * ```
 */
export class RtspClient {
  readonly #log: Logger;
  readonly #timeoutMs: number;
  readonly #maxRedirects: number;
  readonly #udpBindAddress: string;
  readonly #userAgent: string;
  readonly #onPacket: ((packet: RtspPacket) => void) | undefined;
  readonly #auth: RtspAuthenticator | undefined;
  readonly #packets = new Subject<RtspPacket>();
  /** Current URL without credentials (changes on redirects). */
  #url: URL;
  #socket: Socket | undefined;
  #connecting: Promise<Socket> | undefined;
  #cseq = 0;
  #pending: PendingRequest | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #session: string | undefined;
  #sessionTimeout = 60;
  #keepAlive: ReturnType<typeof setInterval> | undefined;
  #publicMethods = new Set<string>();
  #controlUrl: string | undefined;
  #tracks: TrackState[] = [];
  /** Interleaved channel -> track index * 2 + (0 rtp | 1 rtcp). */
  #channelMap = new Map<number, number>();
  #closed = false;
  #dropped = 0;

  /** Every received RTP/RTCP packet. Completes on `close()`, errors when the connection fails. */
  readonly packets$: Observable<RtspPacket> = this.#packets.asObservable();

  constructor(options: RtspClientOptions) {
    const parsed = parseRtspUrl(options.url);
    const username = options.username ?? decodeURIComponent(parsed.username);
    const password = options.password ?? decodeURIComponent(parsed.password);
    parsed.username = '';
    parsed.password = '';
    this.#url = parsed;
    this.#auth = username === '' ? undefined : new RtspAuthenticator({ username, password });
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#maxRedirects = options.maxRedirects ?? 3;
    this.#udpBindAddress = options.udpBindAddress ?? '0.0.0.0';
    this.#userAgent = options.userAgent ?? 'Argus';
    this.#onPacket = options.onPacket;
    this.#log = (options.logger ?? silentLogger()).child({ rtsp: this.#endpoint() });
  }

  /** The current URL (after redirects), without credentials. */
  get url(): string {
    return this.#url.toString();
  }

  /** The session id once SETUP succeeded. */
  get sessionId(): string | undefined {
    return this.#session;
  }

  /** Counters for diagnostics. */
  toJSON(): { url: string; session?: string; tracks: number; droppedPackets: number } {
    return {
      url: this.url,
      tracks: this.#tracks.length,
      droppedPackets: this.#dropped,
      ...(this.#session !== undefined ? { session: this.#session } : {}),
    };
  }

  /** OPTIONS; remembers the `Public` methods (to choose GET_PARAMETER for keep-alives). */
  async options(): Promise<RtspResponse> {
    return this.request('OPTIONS', this.url);
  }

  /** DESCRIBE: the SDP, its tracks with control URLs resolved, and the base URL. */
  async describe(): Promise<RtspDescription> {
    const response = await this.request('DESCRIBE', this.url, { Accept: 'application/sdp' });
    const text = Buffer.from(response.body.buffer, response.body.byteOffset, response.body.byteLength).toString('utf8');
    const sdp = parseSdp(text);
    const contentBase = response.headers.get('content-base') ?? response.headers.get('content-location') ?? this.url;
    const controlUrl = sessionControlUrl(sdp, contentBase);
    this.#controlUrl = controlUrl;
    return { sdp, tracks: sdpTracks(sdp, contentBase), contentBase, controlUrl };
  }

  /**
   * SETUP of one track. TCP asks for interleaved channels 2n/2n+1; UDP binds an even/odd local port pair. The
   * server's answer decides the final channels or ports.
   */
  async setup(track: Pick<SdpTrack, 'control'>, transport: 'tcp' | 'udp'): Promise<RtspSetupResult> {
    const trackIndex = this.#tracks.length;
    let sockets: [UdpSocket, UdpSocket] | undefined;
    let header: string;
    if (transport === 'tcp') {
      header = `RTP/AVP/TCP;unicast;interleaved=${trackIndex * 2}-${trackIndex * 2 + 1}`;
    } else {
      sockets = await this.#bindUdpPair();
      const rtpPort = sockets[0].address().port;
      header = `RTP/AVP;unicast;client_port=${rtpPort}-${rtpPort + 1}`;
    }
    let response: RtspResponse;
    try {
      response = await this.request('SETUP', track.control, { Transport: header });
    } catch (err) {
      if (sockets !== undefined) for (const s of sockets) s.close();
      throw err;
    }
    const transportHeader = response.headers.get('transport');
    if (transportHeader === undefined) {
      if (sockets !== undefined) for (const s of sockets) s.close();
      throw this.#malformed('SETUP answer without Transport');
    }
    const { params } = parseTransport(transportHeader);
    const ssrc = params['ssrc'] === undefined ? undefined : Number.parseInt(params['ssrc'], 16);
    const ssrcField = ssrc !== undefined && Number.isFinite(ssrc) ? { ssrc } : {};
    const interleaved = parsePortPair(params['interleaved']);
    if (interleaved !== undefined) {
      if (sockets !== undefined) for (const s of sockets) s.close();
      this.#channelMap.set(interleaved[0], trackIndex * 2);
      this.#channelMap.set(interleaved[1], trackIndex * 2 + 1);
      this.#tracks.push({ transport: 'tcp', channels: interleaved });
      return { trackIndex, transport: 'tcp', channels: interleaved, ...ssrcField };
    }
    if (sockets === undefined) throw this.#malformed('SETUP answer without interleaved channels');
    const serverPorts = parsePortPair(params['server_port']);
    if (serverPorts === undefined) {
      for (const s of sockets) s.close();
      throw this.#malformed('SETUP answer without server_port');
    }
    this.#listenUdp(sockets, trackIndex);
    this.#tracks.push({ transport: 'udp', serverPorts, sockets });
    const clientPorts: [number, number] = [sockets[0].address().port, sockets[1].address().port];
    return { trackIndex, transport: 'udp', clientPorts, serverPorts, ...ssrcField };
  }

  /** PLAY of the aggregate control URL; `range` defaults to `npt=0.000-`. */
  async play(range = 'npt=0.000-'): Promise<RtspResponse> {
    return this.request('PLAY', this.#controlUrl ?? this.url, { Range: range });
  }

  /** TEARDOWN of the session; stops keep-alives. The connection stays open until `close()`. */
  async teardown(): Promise<void> {
    if (this.#session === undefined) return;
    this.#stopKeepAlive();
    try {
      await this.request('TEARDOWN', this.#controlUrl ?? this.url);
    } finally {
      this.#session = undefined;
    }
  }

  /** Sends RTCP bytes (e.g. a receiver report) for a set-up track, on its channel or UDP port. */
  sendRtcp(trackIndex: number, bytes: Uint8Array): void {
    // A report due while the session closes is dropped: after close() the tracks are gone.
    if (this.#closed) return;
    const track = this.#tracks[trackIndex];
    if (track === undefined) throw new RangeError(`No track ${trackIndex} was set up`);
    if (track.transport === 'tcp' && track.channels !== undefined) {
      this.#socket?.write(serializeInterleavedFrame(track.channels[1], bytes));
    } else if (track.sockets !== undefined && track.serverPorts !== undefined) {
      track.sockets[1].send(bytes, track.serverPorts[1], this.#serverAddress());
    }
  }

  /**
   * Sends any request with CSeq, Session, User-Agent and Authorization filled in; retries once on a 401 with a
   * new challenge and follows redirects. Non-2xx answers reject with typed errors.
   */
  async request(method: string, url: string, headers: Record<string, string> = {}, body?: string): Promise<RtspResponse> {
    const run = async (): Promise<RtspResponse> => this.#requestWithRetries(method, url, headers, body);
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /** Tears the session down (best effort) and releases sockets and timers. `packets$` completes. */
  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#session !== undefined && this.#socket !== undefined && !this.#socket.destroyed) {
      await this.teardown().catch((err: unknown) => this.#log.debug({ err: String(err) }, 'teardown on close failed'));
    }
    this.#closed = true;
    this.#shutdown();
    this.#packets.complete();
  }

  // ---- request machinery ----

  async #requestWithRetries(
    method: string,
    url: string,
    headers: Record<string, string>,
    body: string | undefined,
  ): Promise<RtspResponse> {
    if (this.#closed) throw new ArgusError('ARGUS_ERR_RTSP_CLOSED', { endpoint: this.#endpoint(), reason: 'client closed' });
    let target = redactUrl(url);
    let authRetried = false;
    for (let hops = 0; ; ) {
      const response = await this.#exchange(method, target, headers, body);
      if (response.status >= 200 && response.status < 300) {
        this.#afterSuccess(method, response);
        return response;
      }
      if (response.status === 401) {
        const challenges = response.headers.getAll('www-authenticate');
        if (!authRetried && this.#auth !== undefined && this.#auth.accept(challenges)) {
          authRetried = true;
          continue;
        }
        throw new ArgusError('ARGUS_ERR_DRIVER_AUTH', { endpoint: this.#endpoint(), method, url: target });
      }
      if (isRedirect(response.status)) {
        const location = response.headers.get('location');
        if (location === undefined) {
          throw new ArgusError('ARGUS_ERR_RTSP_REDIRECT', { url: target, reason: 'no Location header' });
        }
        if (++hops > this.#maxRedirects) {
          throw new ArgusError('ARGUS_ERR_RTSP_REDIRECT', { url: target, reason: `more than ${this.#maxRedirects} hops` });
        }
        target = this.#redirect(target, location);
        continue;
      }
      if (response.status === 404) throw new ArgusError('ARGUS_ERR_RTSP_NOT_FOUND', { url: target, method });
      throw new ArgusError('ARGUS_ERR_RTSP_STATUS', { method, url: target, status: response.status, reason: response.reason });
    }
  }

  #redirect(from: string, location: string): string {
    let next: URL;
    try {
      next = new URL(location, from);
    } catch {
      throw new ArgusError('ARGUS_ERR_RTSP_REDIRECT', { url: from, reason: 'bad Location header' });
    }
    if (next.protocol !== 'rtsp:') throw new ArgusError('ARGUS_ERR_RTSP_REDIRECT', { url: from, reason: 'not an rtsp:// Location' });
    next.username = '';
    next.password = '';
    const sameServer = next.host === this.#url.host;
    const wasBase = from === this.url;
    if (wasBase) this.#url = next;
    if (!sameServer) {
      // A session is bound to its server: reconnect to the new one.
      this.#log.info({ to: next.toString() }, 'following RTSP redirect');
      this.#dropConnection();
      if (!wasBase) this.#url = new URL(`rtsp://${next.host}${this.#url.pathname}${this.#url.search}`);
    }
    return next.toString();
  }

  #afterSuccess(method: string, response: RtspResponse): void {
    if (method === 'OPTIONS') {
      const methods = response.headers.get('public');
      if (methods !== undefined) this.#publicMethods = new Set(methods.split(',').map((m) => m.trim().toUpperCase()));
    }
    const session = response.headers.get('session');
    if (session !== undefined && method === 'SETUP') {
      const parsed = parseSessionHeader(session);
      const first = this.#session === undefined;
      this.#session = parsed.id;
      this.#sessionTimeout = parsed.timeout;
      if (first) this.#startKeepAlive();
    }
  }

  async #exchange(method: string, url: string, extra: Record<string, string>, body: string | undefined): Promise<RtspResponse> {
    const socket = await this.#connect();
    const cseq = ++this.#cseq;
    const headers = new RtspHeaders({ CSeq: cseq, 'User-Agent': this.#userAgent, ...extra });
    if (this.#session !== undefined) headers.set('Session', this.#session);
    const authorization = this.#auth?.authorization(method, url);
    if (authorization !== undefined) headers.set('Authorization', authorization);
    this.#log.debug({ method, url, cseq }, 'RTSP request');
    return new Promise<RtspResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.#pending?.cseq === cseq) this.#pending = undefined;
        reject(new ArgusError('ARGUS_ERR_DRIVER_TIMEOUT', { endpoint: this.#endpoint(), method, url }));
      }, this.#timeoutMs);
      this.#pending = {
        cseq,
        method,
        resolve: (response) => {
          clearTimeout(timer);
          resolve(response);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      socket.write(serializeRtspRequest({ method, url, headers, ...(body !== undefined ? { body } : {}) }));
    });
  }

  async #connect(): Promise<Socket> {
    if (this.#socket !== undefined && !this.#socket.destroyed) return this.#socket;
    this.#connecting ??= this.#openSocket().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  #openSocket(): Promise<Socket> {
    const host = this.#url.hostname.replace(/^\[|\]$/g, '');
    const port = this.#url.port === '' ? 554 : Number(this.#url.port);
    const endpoint = this.#endpoint();
    return new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host, port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ArgusError('ARGUS_ERR_DRIVER_TIMEOUT', { endpoint, method: 'connect', url: this.url }));
      }, this.#timeoutMs);
      const onError = (err: Error): void => {
        clearTimeout(timer);
        reject(new ArgusError('ARGUS_ERR_DRIVER_UNREACHABLE', { endpoint, reason: (err as NodeJS.ErrnoException).code ?? err.message }, { cause: err }));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        this.#attach(socket);
        resolve(socket);
      });
    });
  }

  #attach(socket: Socket): void {
    const parser = new RtspMessageParser({ endpoint: this.#endpoint() });
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      if (this.#socket !== socket) return;
      let messages: RtspMessage[];
      try {
        messages = parser.process(chunk);
      } catch (err) {
        this.#fail(err);
        return;
      }
      for (const message of messages) this.#dispatch(message, socket);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (this.#socket !== socket) return;
      this.#fail(new ArgusError('ARGUS_ERR_RTSP_CLOSED', { endpoint: this.#endpoint(), reason: err.code ?? err.message }, { cause: err }));
    });
    socket.on('close', () => {
      if (this.#socket !== socket) return;
      this.#fail(new ArgusError('ARGUS_ERR_RTSP_CLOSED', { endpoint: this.#endpoint(), reason: 'connection closed by the server' }));
    });
  }

  #dispatch(message: RtspMessage, socket: Socket): void {
    if (message.kind === 'interleaved') {
      const slot = this.#channelMap.get(message.channel);
      if (slot === undefined) {
        this.#dropped++;
        return;
      }
      this.#emit({ trackIndex: slot >> 1, kind: (slot & 1) === 0 ? 'rtp' : 'rtcp', data: message.data });
      return;
    }
    if (message.kind === 'request') {
      // Servers may ping us (OPTIONS, GET_PARAMETER): answer so they keep the session.
      const cseq = message.headers.get('cseq') ?? '0';
      const ok = message.method === 'OPTIONS' || message.method === 'GET_PARAMETER';
      socket.write(serializeRtspResponse({ status: ok ? 200 : 501, reason: ok ? 'OK' : 'Not Implemented', headers: { CSeq: cseq } }));
      return;
    }
    const pending = this.#pending;
    if (pending === undefined) return;
    const cseq = message.headers.get('cseq');
    if (cseq !== undefined && Number(cseq) !== pending.cseq) {
      this.#log.debug({ cseq, expected: pending.cseq }, 'ignoring RTSP response with another CSeq');
      return;
    }
    this.#pending = undefined;
    pending.resolve(message);
  }

  #emit(packet: RtspPacket): void {
    this.#onPacket?.(packet);
    this.#packets.next(packet);
  }

  /** A fatal connection failure: reject the request in flight and error the packet stream. */
  #fail(err: unknown): void {
    const pending = this.#pending;
    this.#pending = undefined;
    const hadSession = this.#session !== undefined;
    this.#dropConnection();
    this.#session = undefined;
    this.#stopKeepAlive();
    if (hasErrorCode(err)) this.#log.warn({ code: err.code, reason: err.message }, 'RTSP connection failed');
    pending?.reject(err);
    if (hadSession && !this.#closed) {
      this.#closed = true;
      this.#shutdown();
      this.#packets.error(err);
    }
  }

  #dropConnection(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.destroy();
  }

  #shutdown(): void {
    this.#stopKeepAlive();
    this.#dropConnection();
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(new ArgusError('ARGUS_ERR_RTSP_CLOSED', { endpoint: this.#endpoint(), reason: 'client closed' }));
    for (const track of this.#tracks) for (const s of track.sockets ?? []) s.close();
    this.#tracks = [];
    this.#channelMap.clear();
  }

  // ---- keep-alive ----

  #startKeepAlive(): void {
    this.#stopKeepAlive();
    const periodMs = Math.max(1000, (this.#sessionTimeout * 1000) / 2);
    this.#keepAlive = setInterval(() => {
      if (this.#pending !== undefined || this.#session === undefined) return; // A request in flight already shows life.
      const method = this.#publicMethods.has('GET_PARAMETER') ? 'GET_PARAMETER' : 'OPTIONS';
      this.request(method, this.#controlUrl ?? this.url).catch((err: unknown) => {
        this.#log.warn({ code: hasErrorCode(err) ? err.code : undefined }, 'RTSP keep-alive failed');
      });
    }, periodMs);
    this.#keepAlive.unref();
  }

  #stopKeepAlive(): void {
    if (this.#keepAlive !== undefined) clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
  }

  // ---- UDP ----

  async #bindUdpPair(): Promise<[UdpSocket, UdpSocket]> {
    const bind = (port: number): Promise<UdpSocket> =>
      new Promise((resolve, reject) => {
        const socket = createSocket({ type: this.#udpBindAddress.includes(':') ? 'udp6' : 'udp4' });
        socket.once('error', (err) => {
          socket.close();
          reject(err);
        });
        socket.bind(port, this.#udpBindAddress, () => {
          socket.removeAllListeners('error');
          resolve(socket);
        });
      });
    for (let attempt = 0; attempt < 20; attempt++) {
      const rtp = await bind(0);
      const port = rtp.address().port;
      if (port % 2 !== 0 || port === 65534) {
        rtp.close();
        continue;
      }
      try {
        const rtcp = await bind(port + 1);
        return [rtp, rtcp];
      } catch {
        rtp.close();
      }
    }
    throw new ArgusError('ARGUS_ERR_RTSP_CLOSED', { endpoint: this.#endpoint(), reason: 'no free even/odd UDP port pair' });
  }

  #listenUdp(sockets: readonly [UdpSocket, UdpSocket], trackIndex: number): void {
    const server = this.#serverAddress();
    const [rtp, rtcp] = sockets;
    // Packets from anyone but the server would let a third party inject media.
    rtp.on('message', (data, info) => {
      if (info.address === server) this.#emit({ trackIndex, kind: 'rtp', data });
      else this.#dropped++;
    });
    rtcp.on('message', (data, info) => {
      if (info.address === server) this.#emit({ trackIndex, kind: 'rtcp', data });
      else this.#dropped++;
    });
    for (const s of sockets) s.on('error', (err) => this.#log.warn({ reason: err.message }, 'RTP UDP socket error'));
  }

  #serverAddress(): string {
    return this.#socket?.remoteAddress?.replace(/^::ffff:/, '') ?? this.#url.hostname;
  }

  #endpoint(): string {
    return this.#url.host;
  }

  #malformed(reason: string): ArgusError {
    return new ArgusError('ARGUS_ERR_RTSP_MALFORMED', { endpoint: this.#endpoint(), reason });
  }
}
