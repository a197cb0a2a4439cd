import { randomBytes, randomInt } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Logger } from '@argus/core';
import {
  digestChallenge,
  makeNonce,
  parseTransport,
  RtspHeaders,
  RtspMessageParser,
  serializeInterleavedFrame,
  serializeRtp,
  serializeRtspResponse,
  verifyDigestAuthorization,
  type RtspRequest,
} from '@argus/core/media';

/** What a metadata session needs from its emulator. */
export interface MetadataSessionHost {
  /** Digest realm, `AXIS_<MAC>`. */
  readonly realm: string;
  /** User name the session accepts. */
  readonly username: string;
  /** Its password. */
  readonly password: string;
  /** `host:port` the client connected to, for the URLs of the SDP. */
  readonly authority: string;
  /** Where the session logs. */
  readonly logger: Logger;
  /** Called once the session plays: returns the documents to send first and subscribes to later ones. */
  play(send: (xml: string) => void): () => void;
}

const PUBLIC = 'OPTIONS, DESCRIBE, ANNOUNCE, GET_PARAMETER, PAUSE, PLAY, RECORD, SETUP, SET_PARAMETER, TEARDOWN';
const REASONS: Readonly<Record<number, string>> = { 200: 'OK', 400: 'Bad Request', 401: 'Unauthorized', 454: 'Session Not Found', 455: 'Method Not Valid in This State', 461: 'Unsupported transport', 501: 'Not Implemented' };
const PAYLOAD_TYPE = 98;
const MAX_PAYLOAD = 1200;
const CLOCK_RATE = 90_000;

/**
 * One RTSP connection asking for `/axis-media/media.amp?...&event=on`: the emulator's side of an Axis metadata
 * stream, answering like the captured GStreamer-based server (`Server: GStreamer RTSP server`, Digest without qop,
 * an SDP with one `m=application` track of `vnd.onvif.metadata/90000`), then sending each event document as RTP
 * payload type 98 over the TCP-interleaved channel, the marker bit on the last packet of a document.
 * Only TCP transport is offered (UDP SETUP gets 461).
 */
export class MetadataRtspSession {
  readonly #socket: Socket;
  readonly #host: MetadataSessionHost;
  readonly #parser: RtspMessageParser;
  readonly #nonce = makeNonce();
  readonly #sessionId = randomBytes(8).toString('base64url');
  readonly #ssrc = randomInt(1, 0xffffffff);
  #sequence = randomInt(0, 0xffff);
  readonly #rtpBase = randomInt(0, 0xffffffff);
  readonly #startedAt = Date.now();
  readonly #originId = `${randomInt(1, 2 ** 47)}${randomInt(0, 2 ** 47)}`;
  #channel: number | undefined;
  #setUp = false;
  #stopPlaying: (() => void) | undefined;
  #closed = false;

  constructor(socket: Socket, host: MetadataSessionHost, initial: Buffer) {
    this.#socket = socket;
    this.#host = host;
    this.#parser = new RtspMessageParser({ endpoint: `${socket.remoteAddress ?? ''}:${socket.remotePort ?? 0}` });
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('close', () => this.close());
    socket.on('error', () => this.close());
    this.#onData(initial);
  }

  /** Ends the session and the connection. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopPlaying?.();
    this.#stopPlaying = undefined;
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    if (this.#closed) return;
    let messages;
    try {
      messages = this.#parser.process(chunk);
    } catch {
      this.#socket.end(serializeRtspResponse({ status: 400, reason: REASONS[400], headers: { CSeq: 0 } }));
      return;
    }
    for (const message of messages) if (message.kind === 'request') this.#handle(message);
  }

  #reply(request: RtspRequest, status: number, headers: Record<string, string> = {}, body?: string): void {
    if (this.#closed || this.#socket.destroyed) return;
    const all = new RtspHeaders({ CSeq: request.headers.get('cseq') ?? '0', ...headers, Server: 'GStreamer RTSP server', Date: new Date().toUTCString() });
    this.#socket.write(serializeRtspResponse({ status, reason: REASONS[status] ?? 'Error', headers: all, ...(body === undefined ? {} : { body }) }));
  }

  #authorized(request: RtspRequest): boolean {
    const user = verifyDigestAuthorization(request.headers.get('authorization'), {
      method: request.method,
      realm: this.#host.realm,
      nonce: this.#nonce,
      password: (name) => (name === this.#host.username ? this.#host.password : undefined),
    });
    if (user !== undefined) return true;
    const challenge = digestChallenge({ realm: this.#host.realm, nonce: this.#nonce }) + ', stale=FALSE';
    this.#reply(request, 401, { 'WWW-Authenticate': challenge });
    return false;
  }

  #handle(request: RtspRequest): void {
    const base = `rtsp://${this.#host.authority}/axis-media/media.amp`;
    const query = '?video=0&audio=0&event=on';
    switch (request.method) {
      case 'OPTIONS':
        this.#reply(request, 200, { Public: PUBLIC });
        return;
      case 'DESCRIBE': {
        if (!this.#authorized(request)) return;
        const host = this.#host.authority.replace(/:\d+$/, '');
        const sdp = [
          'v=0',
          `o=- ${this.#originId} 1 IN IP4 ${host}`,
          's=Session streamed with GStreamer',
          'i=rtsp-server',
          't=0 0',
          'a=tool:GStreamer',
          'a=type:broadcast',
          'a=range:npt=now-',
          `a=control:${base}${query}`,
          `m=application 0 RTP/AVP ${PAYLOAD_TYPE}`,
          'c=IN IP4 0.0.0.0',
          `a=rtpmap:${PAYLOAD_TYPE} vnd.onvif.metadata/${CLOCK_RATE}`,
          'a=ts-refclk:local',
          'a=mediaclk:sender',
          `a=control:${base}/stream=0${query}`,
          '',
        ].join('\r\n');
        this.#reply(request, 200, { 'Content-Type': 'application/sdp', 'Content-Base': `${base}/` }, sdp);
        return;
      }
      case 'SETUP': {
        if (!this.#authorized(request)) return;
        const { protocol, params } = parseTransport(request.headers.get('transport') ?? '');
        const channels = /^(\d{1,3})-(\d{1,3})$/.exec(params['interleaved'] ?? '0-1');
        if (protocol.toUpperCase() !== 'RTP/AVP/TCP' || channels === null || Number(channels[1]) > 254) {
          this.#reply(request, 461);
          return;
        }
        this.#channel = Number(channels[1]);
        this.#setUp = true;
        this.#reply(request, 200, {
          Transport: `RTP/AVP/TCP;unicast;interleaved=${channels[1]}-${channels[2]};ssrc=${this.#ssrc.toString(16).toUpperCase().padStart(8, '0')};mode="PLAY"`,
          Session: `${this.#sessionId};timeout=60`,
        });
        return;
      }
      case 'PLAY': {
        if (!this.#authorized(request)) return;
        if (!this.#setUp) {
          this.#reply(request, 455);
          return;
        }
        this.#reply(request, 200, {
          'RTP-Info': `url=${base}/stream=0${query};seq=${this.#sequence};rtptime=${this.#rtpBase}`,
          Range: 'npt=now-',
          Session: `${this.#sessionId};timeout=60`,
        });
        this.#stopPlaying ??= this.#host.play((xml) => this.#send(xml));
        return;
      }
      case 'TEARDOWN':
        this.#reply(request, 200, { Session: this.#sessionId });
        this.#stopPlaying?.();
        this.#stopPlaying = undefined;
        return;
      case 'GET_PARAMETER':
      case 'SET_PARAMETER':
        this.#reply(request, 200, { Session: `${this.#sessionId};timeout=60` });
        return;
      default:
        this.#reply(request, 501);
    }
  }

  /** One document as RTP packets: same timestamp, the marker on the last. */
  #send(xml: string): void {
    if (this.#closed || this.#channel === undefined) return;
    const bytes = Buffer.from(xml, 'utf8');
    const timestamp = (this.#rtpBase + Math.round(((Date.now() - this.#startedAt) * CLOCK_RATE) / 1000)) >>> 0;
    for (let offset = 0; offset < bytes.length; offset += MAX_PAYLOAD) {
      const payload = bytes.subarray(offset, offset + MAX_PAYLOAD);
      const packet = serializeRtp({
        payloadType: PAYLOAD_TYPE,
        marker: offset + MAX_PAYLOAD >= bytes.length,
        sequence: this.#sequence,
        timestamp,
        ssrc: this.#ssrc,
        payload,
      });
      this.#sequence = (this.#sequence + 1) & 0xffff;
      this.#socket.write(serializeInterleavedFrame(this.#channel, packet));
    }
  }
}
