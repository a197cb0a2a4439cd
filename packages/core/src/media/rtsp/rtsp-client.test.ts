import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { firstValueFrom, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hasErrorCode } from '../../errors/argus-error.js';
import { createLogger } from '../../logging/logger.js';
import { buildSdp, serializeSdp } from '../sdp/serialize-sdp.js';
import { digestChallenge, verifyBasicAuthorization, verifyDigestAuthorization, type DigestAlgorithm } from './rtsp-auth.js';
import { RtspClient, type RtspPacket } from './rtsp-client.js';
import {
  RtspMessageParser,
  serializeInterleavedFrame,
  serializeRtspResponse,
  type RtspHeadersInit,
  type RtspRequest,
} from './rtsp-message.js';

// ---- a scripted RTSP server on 127.0.0.1 ------------------------------------------------------------------

interface Reply {
  status: number;
  reason?: string;
  headers?: Record<string, string | number>;
  body?: string;
}

/** What a handler returns: a reply (CSeq is added), raw bytes, or nothing (stay silent). */
type Answer = Reply | Buffer | undefined;
type Handler = (request: RtspRequest, socket: Socket) => Answer | Promise<Answer>;

interface ScriptedServer {
  readonly port: number;
  readonly requests: RtspRequest[];
  url(path?: string, userinfo?: string): string;
  close(): Promise<void>;
}

const servers: { close(): Promise<void> }[] = [];
const clients: RtspClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function scriptedServer(handler: Handler): Promise<ScriptedServer> {
  const requests: RtspRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const parser = new RtspMessageParser({ endpoint: 'client' });
    socket.on('data', (chunk: Buffer) => {
      void (async () => {
        for (const message of parser.process(chunk)) {
          if (message.kind !== 'request') continue;
          requests.push(message);
          const answer = await handler(message, socket);
          if (answer === undefined || socket.destroyed) continue;
          if (Buffer.isBuffer(answer)) {
            socket.write(answer);
            continue;
          }
          const headers: RtspHeadersInit = { CSeq: message.headers.get('cseq') ?? '0', ...answer.headers };
          socket.write(
            serializeRtspResponse({
              status: answer.status,
              reason: answer.reason ?? 'OK',
              headers,
              ...(answer.body !== undefined ? { body: answer.body } : {}),
            }),
          );
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const scripted: ScriptedServer = {
    port,
    requests,
    url: (path = '/stream', userinfo = '') => `rtsp://${userinfo === '' ? '' : `${userinfo}@`}127.0.0.1:${port}${path}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  servers.push(scripted);
  return scripted;
}

function client(url: string, options: Partial<ConstructorParameters<typeof RtspClient>[0]> = {}): RtspClient {
  const c = new RtspClient({ url, timeoutMs: 2000, udpBindAddress: '127.0.0.1', ...options });
  clients.push(c);
  return c;
}

const SPS = Buffer.from('Z2QAFqzGoCgPaEAAAAMAQAAAB6E=', 'base64');
const PPS = Buffer.from('aOqPLA==', 'base64');
const SDP = serializeSdp(
  buildSdp({
    tracks: [
      { codec: 'h264', parameterSets: [SPS, PPS] },
      { codec: 'pcma' },
    ],
  }),
);

function rtpPacket(seq: number): Buffer {
  const packet = Buffer.alloc(13);
  packet[0] = 0x80;
  packet[1] = 96;
  packet.writeUInt16BE(seq, 2);
  packet[12] = 0x65;
  return packet;
}

/** A camera-like answer to the usual methods; `extra` takes precedence. */
function camera(options: { transport?: 'tcp' | 'udp'; timeout?: number; udp?: UdpSocket[] } = {}): Handler {
  return (request): Answer => {
    switch (request.method) {
      case 'OPTIONS':
        return { status: 200, headers: { Public: 'OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER' } };
      case 'DESCRIBE':
        return {
          status: 200,
          headers: { 'Content-Type': 'application/sdp', 'Content-Base': `${request.url}/` },
          body: SDP,
        };
      case 'SETUP': {
        const transport = request.headers.get('transport') ?? '';
        const session = `ABC123;timeout=${options.timeout ?? 60}`;
        if (transport.includes('interleaved')) return { status: 200, headers: { Transport: transport, Session: session } };
        const rtp = options.udp?.[0]?.address().port ?? 0;
        return {
          status: 200,
          headers: { Transport: `${transport};server_port=${rtp}-${rtp + 1};ssrc=1A2B3C4D`, Session: session },
        };
      }
      case 'PLAY':
      case 'TEARDOWN':
      case 'GET_PARAMETER':
        return { status: 200, headers: { Session: 'ABC123' } };
      default:
        return { status: 501, reason: 'Not Implemented' };
    }
  };
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

// ---- tests ----------------------------------------------------------------------------------------------

describe('RtspClient over TCP', () => {
  it('runs OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN and delivers interleaved RTP and RTCP per track', async () => {
    const base = camera();
    const server = await scriptedServer((request, socket) => {
      if (request.method === 'PLAY') {
        setImmediate(() => {
          socket.write(Buffer.concat([serializeInterleavedFrame(0, rtpPacket(1)), serializeInterleavedFrame(2, rtpPacket(2))]));
          socket.write(serializeInterleavedFrame(3, Buffer.from([0x81, 0xc8, 0, 0])));
          socket.write(serializeInterleavedFrame(9, Buffer.from([1]))); // An unknown channel is dropped.
          socket.write(serializeInterleavedFrame(0, rtpPacket(3)));
        });
      }
      return base(request, socket);
    });
    const c = client(server.url('/live'));
    const received: RtspPacket[] = [];
    const seen = firstValueFrom(c.packets$.pipe(take(4), toArray()));
    const options = await c.options();
    expect(options.headers.get('public')).toContain('GET_PARAMETER');
    const { tracks, contentBase, controlUrl } = await c.describe();
    expect(contentBase).toBe(`${server.url('/live')}/`);
    expect(controlUrl).toBe(contentBase);
    expect(tracks.map((t) => [t.codec, t.control])).toEqual([
      ['h264', `${server.url('/live')}/trackID=0`],
      ['pcma', `${server.url('/live')}/trackID=1`],
    ]);
    const video = await c.setup(tracks[0]!, 'tcp');
    const audio = await c.setup(tracks[1]!, 'tcp');
    expect(video).toEqual({ trackIndex: 0, transport: 'tcp', channels: [0, 1] });
    expect(audio).toMatchObject({ trackIndex: 1, channels: [2, 3] });
    expect(c.sessionId).toBe('ABC123');
    c.packets$.subscribe((p) => received.push(p));
    await c.play();
    const packets = await seen;
    expect(packets.map((p) => [p.trackIndex, p.kind, p.data.length])).toEqual([
      [0, 'rtp', 13],
      [1, 'rtp', 13],
      [1, 'rtcp', 4],
      [0, 'rtp', 13],
    ]);
    expect(packets[3]?.data[3]).toBe(3);
    c.sendRtcp(0, Buffer.from([0x81, 0xc9, 0, 1]));
    await c.teardown();
    await c.close();
    expect(server.requests.map((r) => r.method)).toEqual(['OPTIONS', 'DESCRIBE', 'SETUP', 'SETUP', 'PLAY', 'TEARDOWN']);
    expect(server.requests.map((r) => Number(r.headers.get('cseq')))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(server.requests[2]?.headers.get('transport')).toBe('RTP/AVP/TCP;unicast;interleaved=0-1');
    expect(server.requests[3]?.headers.get('session')).toBe('ABC123');
    expect(server.requests[2]?.headers.get('session')).toBeUndefined();
    expect(server.requests[4]?.url).toBe(`${server.url('/live')}/`);
    expect(received.length).toBeGreaterThanOrEqual(4);
  });

  const axisFile = fileURLToPath(
    new URL('../../../../../../shared/fixtures/axis-vapix/rtsp/axis_rtsp_metadata_session_server_responses.txt', import.meta.url),
  );
  it.skipIf(!existsSync(axisFile))('plays the captured Axis session (OPTIONS, 401 Digest, DESCRIBE, PLAY) as the server script', async () => {
    const [options, challenge, described, play] = readFileSync(axisFile, 'latin1')
      .split(/^#### server response \d+: .*\n/m)
      .filter((p) => p.trim() !== '')
      .map((p) => p.replace(/\n$/, ''));
    const nonce = /nonce="([^"]+)"/.exec(challenge ?? '')?.[1] ?? '';
    const realm = /realm="([^"]+)"/.exec(challenge ?? '')?.[1] ?? '';
    const withCSeq = (text: string, cseq: string): Buffer => Buffer.from(text.replace(/^CSeq: \d+/m, `CSeq: ${cseq}`), 'latin1');
    const server = await scriptedServer((request) => {
      const cseq = request.headers.get('cseq') ?? '0';
      switch (request.method) {
        case 'OPTIONS':
          return withCSeq(options ?? '', cseq);
        case 'DESCRIBE': {
          const user = verifyDigestAuthorization(request.headers.get('authorization'), {
            method: 'DESCRIBE',
            realm,
            nonce,
            password: (u) => (u === 'root' ? 'pass' : undefined),
          });
          if (user === undefined) return withCSeq(challenge ?? '', cseq);
          // The capture's Content-Length (440) overstates its 435-byte body; serve the body it declares.
          return withCSeq(`${described ?? ''}\r\n\r\n\r`, cseq);
        }
        case 'SETUP':
          return { status: 200, headers: { Transport: request.headers.get('transport') ?? '', Session: 'ghLlkf_I9pCBP24t;timeout=60' } };
        case 'PLAY':
          return withCSeq(play ?? '', cseq);
        default:
          return { status: 200 };
      }
    });
    const c = client(server.url('/axis-media/media.amp?video=0&audio=0&event=on', 'root:pass'));
    await c.options();
    const { tracks, controlUrl } = await c.describe();
    expect(tracks).toHaveLength(1);
    expect(tracks[0]).toMatchObject({ type: 'application', encoding: 'vnd.onvif.metadata', codec: 'other' });
    // Absolute controls in the capture name 127.0.0.1 without our port: a real client would SETUP there.
    expect(controlUrl).toBe('rtsp://127.0.0.1/axis-media/media.amp?video=0&audio=0&event=on');
    await c.setup({ control: server.url('/axis-media/media.amp/stream=0?video=0&audio=0&event=on') }, 'tcp');
    const played = await c.play();
    expect(played.headers.get('rtp-info')).toContain('seq=13114');
    expect(server.requests.map((r) => r.method)).toEqual(['OPTIONS', 'DESCRIBE', 'DESCRIBE', 'SETUP', 'PLAY']);
    expect(server.requests[2]?.headers.get('authorization')).toMatch(/^Digest username="root", realm="AXIS_ACCC8E012345"/);
  });
});

describe('RtspClient over UDP', () => {
  it('binds an even/odd client port pair, receives RTP and RTCP there, and sends RTCP to server_port+1', async () => {
    const serverRtp = createSocket('udp4');
    const serverRtcp = createSocket('udp4');
    await new Promise<void>((resolve) => serverRtp.bind(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => serverRtcp.bind(serverRtp.address().port + 1, '127.0.0.1', resolve));
    servers.push({
      close: async () => {
        serverRtp.close();
        serverRtcp.close();
      },
    });
    const rtcpFromClient = new Promise<Buffer>((resolve) => serverRtcp.once('message', (m) => resolve(m)));
    let clientPorts: number[] = [];
    const base = camera({ udp: [serverRtp] });
    const server = await scriptedServer((request, socket) => {
      if (request.method === 'SETUP') {
        const match = /client_port=(\d+)-(\d+)/.exec(request.headers.get('transport') ?? '');
        clientPorts = [Number(match?.[1]), Number(match?.[2])];
      }
      if (request.method === 'PLAY') {
        setImmediate(() => {
          serverRtp.send(rtpPacket(7), clientPorts[0] ?? 0, '127.0.0.1');
          serverRtcp.send(Buffer.from([0x80, 0xc8, 0, 0]), clientPorts[1] ?? 0, '127.0.0.1');
        });
      }
      return base(request, socket);
    });
    const c = client(server.url());
    const { tracks } = await c.describe();
    const setup = await c.setup(tracks[0]!, 'udp');
    expect(setup.transport).toBe('udp');
    expect(setup.ssrc).toBe(0x1a2b3c4d);
    expect(setup.serverPorts).toEqual([serverRtp.address().port, serverRtp.address().port + 1]);
    const [rtp, rtcp] = setup.clientPorts ?? [1, 1];
    expect(rtp % 2).toBe(0);
    expect(rtcp).toBe(rtp + 1);
    expect(clientPorts).toEqual([rtp, rtcp]);
    const packets = firstValueFrom(c.packets$.pipe(take(2), toArray()));
    await c.play();
    const got = await packets;
    expect(got.map((p) => p.kind).sort()).toEqual(['rtcp', 'rtp']);
    expect(got.find((p) => p.kind === 'rtp')?.data[3]).toBe(7);
    c.sendRtcp(0, Buffer.from([0x81, 0xc9, 0, 7]));
    expect(Array.from(await rtcpFromClient)).toEqual([0x81, 0xc9, 0, 7]);
  });
});

describe('RtspClient authentication', () => {
  const password = (u: string): string | undefined => (u === 'admin' ? 'S3cret!x' : undefined);

  async function digestServer(algorithm: DigestAlgorithm | undefined, qop: 'auth' | undefined): Promise<ScriptedServer> {
    const base = camera();
    return scriptedServer((request, socket) => {
      const user = verifyDigestAuthorization(request.headers.get('authorization'), {
        method: request.method,
        realm: 'cam',
        nonce: 'nonce-1',
        password,
      });
      if (user === undefined) {
        return {
          status: 401,
          reason: 'Unauthorized',
          headers: {
            'WWW-Authenticate': digestChallenge({
              realm: 'cam',
              nonce: 'nonce-1',
              ...(algorithm !== undefined ? { algorithm } : {}),
              ...(qop !== undefined ? { qop } : {}),
            }),
          },
        };
      }
      return base(request, socket);
    });
  }

  for (const [algorithm, qop] of [
    ['MD5', 'auth'],
    ['SHA-256', 'auth'],
    [undefined, undefined],
  ] as const) {
    it(`answers a Digest ${algorithm ?? 'MD5 (RFC 2069)'} challenge that the server verifies, once, then signs every request`, async () => {
      const server = await digestServer(algorithm, qop);
      const c = client(server.url('/s', 'admin:S3cret!x'));
      await c.describe();
      await c.options();
      expect(server.requests.map((r) => [r.method, r.headers.has('authorization')])).toEqual([
        ['DESCRIBE', false],
        ['DESCRIBE', true],
        ['OPTIONS', true],
      ]);
      if (qop === 'auth') expect(server.requests[2]?.headers.get('authorization')).toContain('nc=00000002');
      expect(server.requests[1]?.url).toBe(server.url('/s'));
    });
  }

  it('answers Basic', async () => {
    const base = camera();
    const server = await scriptedServer((request, socket) =>
      verifyBasicAuthorization(request.headers.get('authorization'), password) === undefined
        ? { status: 401, reason: 'Unauthorized', headers: { 'WWW-Authenticate': 'Basic realm="cam"' } }
        : base(request, socket),
    );
    const c = client(server.url('/s'), { username: 'admin', password: 'S3cret!x' });
    await c.describe();
    expect(server.requests).toHaveLength(2);
  });

  it('rejects wrong credentials with ARGUS_ERR_DRIVER_AUTH after one retry, with no secret in the error or logs', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'trace',
      destination: new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    });
    const server = await digestServer('MD5', 'auth');
    const c = client(server.url('/s', 'admin:Wr0ngPassw0rd'), { logger });
    const err = await caught(c.describe());
    expect(hasErrorCode(err, 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
    expect(server.requests).toHaveLength(2);
    expect(JSON.stringify([String(err), (err as { details?: unknown }).details, lines])).not.toContain('Wr0ngPassw0rd');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('')).not.toContain('admin:');
    expect(server.requests[0]?.url).not.toContain('Wr0ng');
  });

  it('re-authenticates when the server sends a new nonce mid-session (stale)', async () => {
    let nonce = 'nonce-1';
    const base = camera();
    const server = await scriptedServer((request, socket) => {
      if (request.method === 'PLAY' && nonce === 'nonce-1') nonce = 'nonce-2';
      const ok = verifyDigestAuthorization(request.headers.get('authorization'), { method: request.method, realm: 'cam', nonce, password });
      if (ok === undefined) {
        return {
          status: 401,
          reason: 'Unauthorized',
          headers: { 'WWW-Authenticate': digestChallenge({ realm: 'cam', nonce, qop: 'auth', stale: nonce !== 'nonce-1' }) },
        };
      }
      return base(request, socket);
    });
    const c = client(server.url('/s', 'admin:S3cret!x'));
    const { tracks } = await c.describe();
    await c.setup(tracks[0]!, 'tcp');
    await c.play();
    expect(server.requests.map((r) => r.method)).toEqual(['DESCRIBE', 'DESCRIBE', 'SETUP', 'PLAY', 'PLAY']);
    expect(server.requests[4]?.headers.get('authorization')).toContain('nonce="nonce-2"');
    expect(server.requests[4]?.headers.get('session')).toBe('ABC123');
  });
});

describe('RtspClient failures', () => {
  it('follows a redirect to another server, and gives up on a redirect loop', async () => {
    const target = await scriptedServer(camera());
    const redirector = await scriptedServer((request) =>
      request.url.endsWith('/loop')
        ? { status: 302, reason: 'Found', headers: { Location: request.url } }
        : { status: 302, reason: 'Found', headers: { Location: target.url('/moved') } },
    );
    const c = client(redirector.url('/old'));
    const { tracks } = await c.describe();
    expect(c.url).toBe(target.url('/moved'));
    expect(tracks[0]?.control).toBe(`${target.url('/moved')}/trackID=0`);
    expect(target.requests.map((r) => [r.method, r.url])).toEqual([['DESCRIBE', target.url('/moved')]]);

    const loop = client(redirector.url('/loop'), { maxRedirects: 2 });
    const err = await caught(loop.describe());
    expect(hasErrorCode(err, 'ARGUS_ERR_RTSP_REDIRECT')).toBe(true);
    expect(redirector.requests.filter((r) => r.url.endsWith('/loop'))).toHaveLength(3);
  });

  it('maps 404 to ARGUS_ERR_RTSP_NOT_FOUND and 454/461 to ARGUS_ERR_RTSP_STATUS, URLs without userinfo', async () => {
    const server = await scriptedServer((request) => {
      if (request.method === 'DESCRIBE') return { status: 404, reason: 'Not Found' };
      if (request.method === 'SETUP') return { status: 461, reason: 'Unsupported Transport' };
      return { status: 454, reason: 'Session Not Found' };
    });
    const c = client(server.url('/nope', 'admin:Sup3rSecret'));
    const notFound = await caught(c.describe());
    expect(hasErrorCode(notFound, 'ARGUS_ERR_RTSP_NOT_FOUND')).toBe(true);
    expect(String(notFound)).toContain(server.url('/nope'));
    expect(String(notFound)).not.toContain('Sup3rSecret');
    const unsupported = await caught(c.setup({ control: server.url('/nope/trackID=0') }, 'tcp'));
    expect(hasErrorCode(unsupported, 'ARGUS_ERR_RTSP_STATUS')).toBe(true);
    expect((unsupported as { details: { status: number } }).details.status).toBe(461);
    const noSession = await caught(c.play());
    expect((noSession as { details: { status: number } }).details.status).toBe(454);
  });

  it('times out with ARGUS_ERR_DRIVER_TIMEOUT when the server never answers', async () => {
    const server = await scriptedServer(() => undefined);
    const c = client(server.url(), { timeoutMs: 200 });
    const err = await caught(c.options());
    expect(hasErrorCode(err, 'ARGUS_ERR_DRIVER_TIMEOUT')).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it('reports a refused port as ARGUS_ERR_DRIVER_UNREACHABLE', async () => {
    const probe = await scriptedServer(() => undefined);
    const url = probe.url('/s', 'u:Secr3tPass');
    await probe.close();
    servers.splice(servers.indexOf(probe), 1);
    const err = await caught(client(url).options());
    expect(hasErrorCode(err, 'ARGUS_ERR_DRIVER_UNREACHABLE')).toBe(true);
    expect(String(err)).not.toContain('Secr3tPass');
  });

  it('sends keep-alives (GET_PARAMETER when offered) within the session timeout', async () => {
    const server = await scriptedServer(camera({ timeout: 2 }));
    const c = client(server.url());
    await c.options();
    const { tracks } = await c.describe();
    await c.setup(tracks[0]!, 'tcp');
    await c.play();
    await vi.waitFor(() => expect(server.requests.some((r) => r.method === 'GET_PARAMETER')).toBe(true), {
      timeout: 5000,
      interval: 50,
    });
    const keepAlive = server.requests.find((r) => r.method === 'GET_PARAMETER');
    expect(keepAlive?.headers.get('session')).toBe('ABC123');
  });

  const malformed: [string, Buffer][] = [
    ['garbage', Buffer.from([0x00, 0x01, 0xfe, 0xff, 0x10])],
    ['huge headers', Buffer.from(`RTSP/1.0 200 OK\r\nX-Pad: ${'a'.repeat(40_000)}`)],
    ['a bad Content-Length', Buffer.from('RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: lots\r\n\r\n')],
    ['an HTML page', Buffer.from('<html><body>Hello</body></html>\r\n\r\n')],
  ];
  for (const [label, bytes] of malformed) {
    it(`rejects ${label} with ARGUS_ERR_RTSP_MALFORMED and survives`, async () => {
      const server = await scriptedServer(() => bytes);
      const c = client(server.url());
      const err = await caught(c.options());
      expect(hasErrorCode(err, 'ARGUS_ERR_RTSP_MALFORMED')).toBe(true);
      // The connection was dropped; the next request reconnects and fails the same typed way.
      const again = await caught(c.options());
      expect(hasErrorCode(again, 'ARGUS_ERR_RTSP_MALFORMED')).toBe(true);
      expect(server.requests).toHaveLength(2);
    });
  }

  it('errors packets$ with ARGUS_ERR_RTSP_CLOSED when the server drops a playing session', async () => {
    const base = camera();
    const server = await scriptedServer((request, socket) => {
      if (request.method === 'PLAY') setImmediate(() => socket.destroy());
      return base(request, socket);
    });
    const c = client(server.url());
    const { tracks } = await c.describe();
    await c.setup(tracks[0]!, 'tcp');
    const ended = firstValueFrom(c.packets$).catch((err: unknown) => err);
    await c.play();
    expect(hasErrorCode(await ended, 'ARGUS_ERR_RTSP_CLOSED')).toBe(true);
    const after = await caught(c.options());
    expect(hasErrorCode(after, 'ARGUS_ERR_RTSP_CLOSED')).toBe(true);
  });

  it('completes packets$ on close() after a TEARDOWN', async () => {
    const server = await scriptedServer(camera());
    const c = client(server.url());
    const { tracks } = await c.describe();
    await c.setup(tracks[0]!, 'udp');
    const all = firstValueFrom(c.packets$.pipe(toArray()));
    await c.close();
    expect(await all).toEqual([]);
    expect(server.requests.at(-1)?.method).toBe('TEARDOWN');
  });
});
