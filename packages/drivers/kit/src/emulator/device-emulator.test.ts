import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode, ManualClock } from '@argus/core';
import { RtspClient, videoTrackFromParameterSets } from '@argus/core/media';
import { CameraFarm } from '@argus/driver-simulated';
import { basicAuthorization, digestAuthorization, parseAuthChallenges } from '../auth/http-digest.js';
import {
  DeviceEmulator,
  type EmulatorFamily,
  type EmulatorHttpReply,
  type EmulatorHttpRequest,
  type EmulatorOptions,
  type EmulatorRtspMount,
  type EmulatorRtspRequest,
  type EmulatorRtspRoute,
  type StreamingReply,
} from './device-emulator.js';

class TestEmulator extends DeviceEmulator {
  constructor(options: EmulatorOptions, family: Partial<EmulatorFamily> = {}) {
    super(options, { realm: 'Argus Test', authSchemes: ['digest', 'basic'], ...family });
  }

  protected rtspMounts(): readonly EmulatorRtspMount[] {
    return [
      { path: '/live/main', stream: 'main' },
      { path: '/live/sub', stream: 'sub' },
    ];
  }

  protected override publicPaths(): readonly string[] {
    return ['/public'];
  }

  protected async handle(req: EmulatorHttpRequest): Promise<EmulatorHttpReply | StreamingReply | undefined> {
    switch (req.path) {
      case '/public':
        return { body: 'hello' };
      case '/info':
        return { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ...this.identity, query: req.query.get('q') }) };
      case '/echo':
        return { headers: { 'Content-Type': 'application/octet-stream' }, body: req.body };
      case '/boom':
        throw new Error('handler bug');
      case '/snapshot':
        return { headers: { 'Content-Type': 'image/jpeg' }, body: await this.snapshotJpeg('sub') };
      case '/events':
        return {
          streaming: true,
          headers: { 'Content-Type': 'application/x-ndjson' },
          start: (write) => {
            write('{"hello":true}\n');
            const sub = this.events$.subscribe((event) => write(`${JSON.stringify(event)}\n`));
            return () => sub.unsubscribe();
          },
        };
      case '/short-stream':
        return {
          streaming: true,
          headers: { 'Content-Type': 'text/plain' },
          start: (write, end) => {
            write('one\n');
            end();
            return () => undefined;
          },
        };
      default:
        return undefined;
    }
  }
}

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

function get(port: number, path: string, init: { method?: string; authorization?: string; body?: string; timeoutMs?: number } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: init.method ?? 'GET',
        headers: init.authorization === undefined ? {} : { Authorization: init.authorization },
        agent: false,
        ...(init.timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(init.timeoutMs) }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Answers the Digest challenge of a first unauthenticated request, like a client would. */
async function digestGet(emulator: DeviceEmulator, path: string, password = emulator.password): Promise<Answer> {
  const first = await get(emulator.httpPort, path);
  expect(first.status).toBe(401);
  const challenge = parseAuthChallenges(first.headers['www-authenticate']).find((c) => c.scheme === 'digest');
  if (challenge === undefined) throw new Error('no Digest challenge');
  const authorization = digestAuthorization({
    username: emulator.username,
    password,
    realm: challenge.params['realm'] ?? '',
    nonce: challenge.params['nonce'] ?? '',
    method: 'GET',
    uri: path,
    algorithm: 'MD5',
    qop: 'auth',
    nc: '00000001',
    cnonce: 'abcdef0123456789',
    ...(challenge.params['opaque'] === undefined ? {} : { opaque: challenge.params['opaque'] }),
  });
  return get(emulator.httpPort, path, { authorization });
}

function rawExchange(port: number, request: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
  });
}

function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (check()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 10);
  });
}

async function describeRtsp(url: string, username: string, password: string, timeoutMs = 5000): Promise<{ width: number; height: number }> {
  const client = new RtspClient({ url, username, password, timeoutMs });
  try {
    const description = await client.describe();
    const video = description.tracks.find((t) => t.type === 'video');
    if (video === undefined || (video.codec !== 'h264' && video.codec !== 'h265')) throw new Error('no H.264/H.265 video track');
    const track = videoTrackFromParameterSets(video.codec, video.parameterSets, 0);
    return { width: track.width ?? 0, height: track.height ?? 0 };
  } finally {
    await client.close().catch(() => undefined);
  }
}

const farm = new CameraFarm({
  cameras: [
    { id: 'emu-main', codec: 'h264', width: 320, height: 240, fps: 10, gopSeconds: 1, loopSeconds: 2, bitrateKbps: 300 },
    { id: 'emu-sub', codec: 'h264', width: 160, height: 120, fps: 10, gopSeconds: 1, loopSeconds: 2, bitrateKbps: 150 },
  ],
  cacheDir: join(tmpdir(), 'argus-test-loops'),
});

beforeAll(async () => {
  await farm.start();
}, 120_000);

afterAll(async () => {
  await farm.close();
});

describe('DeviceEmulator', () => {
  let emulator: TestEmulator;

  beforeAll(async () => {
    emulator = new TestEmulator({ farm, cameraId: 'emu-main', subCameraId: 'emu-sub', identity: { model: 'TEST-1', mac: 'AA-BB-CC-DD-EE-FF' } });
    await emulator.start();
  });

  afterAll(async () => {
    await emulator.stop();
  });

  it('merges the identity over the defaults and normalises the MAC address', () => {
    expect(emulator.identity).toMatchObject({ manufacturer: 'Argus', model: 'TEST-1', mac: 'aa:bb:cc:dd:ee:ff' });
    expect(() => new TestEmulator({ farm, cameraId: 'emu-main', identity: { mac: 'not-a-mac' } })).toThrow(RangeError);
  });

  it('answers 401 with Digest and Basic challenges in the family realm without credentials', async () => {
    const answer = await get(emulator.httpPort, '/info');
    expect(answer.status).toBe(401);
    const challenges = parseAuthChallenges(answer.headers['www-authenticate']);
    expect(challenges.map((c) => c.scheme)).toEqual(['digest', 'basic']);
    expect(challenges[0]?.params['realm']).toBe('Argus Test');
    expect(challenges[0]?.params['algorithm']).toBe('MD5');
    expect(emulator.requests.at(-1)).toEqual({ method: 'GET', path: '/info', status: 401 });
  });

  it('serves the handler after Digest or Basic authentication, and rejects a wrong password', async () => {
    const digest = await digestGet(emulator, '/info?q=1');
    expect(digest.status).toBe(200);
    expect(JSON.parse(digest.body.toString('utf8'))).toMatchObject({ model: 'TEST-1', query: '1' });
    expect((await digestGet(emulator, '/info', 'wrong')).status).toBe(401);
    const basic = await get(emulator.httpPort, '/info', { authorization: basicAuthorization('admin', 'Argus-Demo-1') });
    expect(basic.status).toBe(200);
    expect((await get(emulator.httpPort, '/info', { authorization: basicAuthorization('admin', 'nope') })).status).toBe(401);
  });

  it('passes the request body to the handler', async () => {
    const answer = await get(emulator.httpPort, '/echo', { method: 'POST', body: '<xml>body</xml>', authorization: basicAuthorization('admin', 'Argus-Demo-1') });
    expect(answer.body.toString('utf8')).toBe('<xml>body</xml>');
  });

  it('answers 404 for paths the family does not serve, 500 when the handler throws, and public paths without auth', async () => {
    const auth = basicAuthorization('admin', 'Argus-Demo-1');
    expect((await get(emulator.httpPort, '/nope', { authorization: auth })).status).toBe(404);
    expect((await get(emulator.httpPort, '/boom', { authorization: auth })).status).toBe(500);
    const open = await get(emulator.httpPort, '/public');
    expect([open.status, open.body.toString()]).toEqual([200, 'hello']);
  });

  it('serves a snapshot JPEG of the sub camera', async () => {
    const answer = await get(emulator.httpPort, '/snapshot', { authorization: basicAuthorization('admin', 'Argus-Demo-1') });
    expect(answer.headers['content-type']).toBe('image/jpeg');
    expect([...answer.body.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    expect([...answer.body.subarray(-2)]).toEqual([0xff, 0xd9]);
  });

  it('truncates replies under the malformed fault and serves normally after setFault("none")', async () => {
    const auth = basicAuthorization('admin', 'Argus-Demo-1');
    const whole = (await get(emulator.httpPort, '/info', { authorization: auth })).body.toString('utf8');
    emulator.setFault('malformed');
    try {
      const broken = await get(emulator.httpPort, '/info', { authorization: auth });
      expect(broken.status).toBe(200);
      expect(broken.body.length).toBe(Math.floor(Buffer.byteLength(whole) / 2));
      expect(() => JSON.parse(broken.body.toString('utf8'))).toThrow(SyntaxError);
      // Errors are not "malformed": a 401 stays a proper 401.
      expect((await get(emulator.httpPort, '/info')).status).toBe(401);
    } finally {
      emulator.setFault('none');
    }
    expect(JSON.parse((await get(emulator.httpPort, '/info', { authorization: auth })).body.toString('utf8'))).toMatchObject({ model: 'TEST-1' });
  });

  it('answers bytes that are not HTTP under the garbage fault', async () => {
    emulator.setFault('garbage');
    try {
      const bytes = await rawExchange(emulator.httpPort, 'GET /info HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(bytes.length).toBeGreaterThan(0);
      expect(bytes.subarray(0, 5).toString('latin1')).not.toBe('HTTP/');
      await expect(get(emulator.httpPort, '/public')).rejects.toThrow();
    } finally {
      emulator.setFault('none');
    }
    expect((await get(emulator.httpPort, '/public')).status).toBe(200);
  });

  it('accepts and never answers under the hang fault', async () => {
    emulator.setFault('hang');
    try {
      await expect(get(emulator.httpPort, '/public', { timeoutMs: 300 })).rejects.toMatchObject({ name: 'AbortError' });
      expect(emulator.requests.at(-1)).toEqual({ method: 'GET', path: '/public', status: 0 });
    } finally {
      emulator.setFault('none');
    }
    expect((await get(emulator.httpPort, '/public')).status).toBe(200);
    expect(() => emulator.setFault('bogus' as never)).toThrow(RangeError);
  });

  it('writes triggered events into an open streaming reply; the producer can end it', async () => {
    const lines: string[] = [];
    const req = httpRequest({ host: '127.0.0.1', port: emulator.httpPort, path: '/events', headers: { Authorization: basicAuthorization('admin', 'Argus-Demo-1') }, agent: false });
    const response = new Promise<IncomingMessage>((resolve, reject) => {
      req.on('response', resolve);
      req.on('error', reject);
    });
    req.end();
    const res = await response;
    expect(res.statusCode).toBe(200);
    res.on('data', (c: Buffer) => lines.push(...c.toString('utf8').split('\n').filter((l) => l !== '')));
    await waitFor(() => emulator.eventSubscribers === 1 && lines.length === 1, 5000, 'the stream to open');
    expect(emulator.openStreams).toBe(1);
    emulator.triggerEvent({ kind: 'motion', state: 'start' });
    emulator.triggerEvent({ kind: 'io', state: 'stop', channel: 2 });
    await waitFor(() => lines.length === 3, 5000, 'two events');
    expect(JSON.parse(lines[1] ?? '')).toMatchObject({ kind: 'motion', state: 'start', channel: 1 });
    expect(JSON.parse(lines[2] ?? '')).toMatchObject({ kind: 'io', state: 'stop', channel: 2 });
    res.destroy();
    await waitFor(() => emulator.eventSubscribers === 0 && emulator.openStreams === 0, 5000, 'the stream teardown');

    const short = await get(emulator.httpPort, '/short-stream', { authorization: basicAuthorization('admin', 'Argus-Demo-1') });
    expect(short.body.toString()).toBe('one\n');
    expect(emulator.openStreams).toBe(0);
  });

  it('serves the farm cameras over RTSP at the vendor paths with the emulator credentials', async () => {
    expect(emulator.rtspPort).toBeGreaterThan(0);
    expect(await describeRtsp(emulator.rtspUrl('/live/main'), 'admin', 'Argus-Demo-1')).toEqual({ width: 320, height: 240 });
    expect(await describeRtsp(emulator.rtspUrl('/live/sub'), 'admin', 'Argus-Demo-1')).toEqual({ width: 160, height: 120 });
    const wrong = await describeRtsp(emulator.rtspUrl('/live/main'), 'admin', 'wrong').catch((err: unknown) => err);
    expect(hasErrorCode(wrong, 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
  });

  it('restarts on the same ports, ending open streaming replies', async () => {
    const { httpPort, rtspPort } = emulator;
    const req = httpRequest({ host: '127.0.0.1', port: httpPort, path: '/events', headers: { Authorization: basicAuthorization('admin', 'Argus-Demo-1') }, agent: false });
    const ended = new Promise<string>((resolve) => {
      req.on('response', (res) => {
        res.on('data', () => undefined);
        res.on('close', () => resolve('closed'));
        res.on('error', () => resolve('error'));
      });
      req.on('error', () => resolve('error'));
    });
    req.end();
    await waitFor(() => emulator.eventSubscribers === 1, 5000, 'the stream to open');
    const restarted = emulator.restart(200);
    expect(await ended).toMatch(/closed|error/);
    await restarted;
    expect(emulator.eventSubscribers).toBe(0);
    expect(emulator.openStreams).toBe(0);
    expect([emulator.httpPort, emulator.rtspPort]).toEqual([httpPort, rtspPort]);
    expect(emulator.running).toBe(true);
    expect((await get(httpPort, '/public')).status).toBe(200);
    expect(await describeRtsp(emulator.rtspUrl('/live/main'), 'admin', 'Argus-Demo-1')).toEqual({ width: 320, height: 240 });
  });

  it('is unreachable while stopped and after stop', async () => {
    const port = emulator.httpPort;
    await emulator.stop();
    await emulator.stop();
    await expect(get(port, '/public')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await emulator.start();
    expect(emulator.httpPort).toBe(port);
  });

  it('changes its password', async () => {
    const other = new TestEmulator({ farm, cameraId: 'emu-main', password: 'first' });
    await other.start();
    try {
      expect(other.connection()).toEqual({ host: '127.0.0.1', port: other.httpPort, username: 'admin', password: 'first' });
      other.setPassword('second');
      expect((await get(other.httpPort, '/info', { authorization: basicAuthorization('admin', 'first') })).status).toBe(401);
      expect((await digestGet(other, '/info')).status).toBe(200);
      await other.restart();
      expect(await describeRtsp(other.rtspUrl('/live/main'), 'admin', 'second')).toEqual({ width: 320, height: 240 });
    } finally {
      await other.stop();
    }
  });

  it('stamps events with its clock and channel 1 by default', () => {
    const clock = new ManualClock(1_700_000_000_000);
    const other = new TestEmulator({ farm, cameraId: 'emu-main', clock, ptz: true });
    const seen: unknown[] = [];
    const sub = other.events$.subscribe((e) => seen.push(e));
    other.triggerEvent({ kind: 'tamper', state: 'start' });
    sub.unsubscribe();
    other.triggerEvent({ kind: 'tamper', state: 'stop' });
    expect(seen).toEqual([{ kind: 'tamper', state: 'start', channel: 1, at: 1_700_000_000_000 }]);
    expect(other.ptz).toBeDefined();
    expect(new TestEmulator({ farm, cameraId: 'emu-main' }).ptz).toBeUndefined();
  });
});

describe('DeviceEmulator with RTSP faults and no HTTP', () => {
  let emulator: TestEmulator;

  beforeAll(async () => {
    emulator = new TestEmulator({ farm, cameraId: 'emu-main', subCameraId: 'emu-sub' }, { http: false, rtspFaults: true });
    await emulator.start();
  });

  afterAll(async () => {
    await emulator.stop();
  });

  it('answers no HTTP and connects through the RTSP port', async () => {
    expect(emulator.httpPort).toBe(0);
    expect(emulator.connection().port).toBe(emulator.rtspPort);
    expect(await describeRtsp(emulator.rtspUrl('/live/sub'), 'admin', 'Argus-Demo-1')).toEqual({ width: 160, height: 120 });
  });

  it('injects garbage, malformed and hanging RTSP replies, then serves again', async () => {
    const url = emulator.rtspUrl('/live/main');
    for (const fault of ['garbage', 'malformed'] as const) {
      emulator.setFault(fault);
      const err = await describeRtsp(url, 'admin', 'Argus-Demo-1').catch((e: unknown) => e);
      expect(hasErrorCode(err, 'ARGUS_ERR_RTSP_MALFORMED'), `${fault}: ${String(err)}`).toBe(true);
    }
    emulator.setFault('hang');
    const hung = await describeRtsp(url, 'admin', 'Argus-Demo-1', 300).catch((e: unknown) => e);
    expect(hasErrorCode(hung, 'ARGUS_ERR_DRIVER_TIMEOUT')).toBe(true);
    emulator.setFault('none');
    expect(await describeRtsp(url, 'admin', 'Argus-Demo-1')).toEqual({ width: 320, height: 240 });
  });

  it('keeps its RTSP port across a restart', async () => {
    const port = emulator.rtspPort;
    await emulator.restart(100);
    expect(emulator.rtspPort).toBe(port);
    expect(await describeRtsp(emulator.rtspUrl('/live/main'), 'admin', 'Argus-Demo-1')).toEqual({ width: 320, height: 240 });
  });
});

/** What a hook saw: whether the base's HTTP server answered and the RTSP port accepted a connection at that moment. */
interface HookCall {
  readonly hook: 'start' | 'stop';
  readonly running: boolean;
  readonly http: number;
  readonly rtsp: boolean;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/**
 * A family with query-routed RTSP (both streams at `/media`, `?stream=sub` picks the sub stream), a connection
 * handler of its own at `/meta`, lifecycle hooks that probe the base's servers, a vendor 401 page and a Server header.
 */
class RoutedEmulator extends DeviceEmulator {
  readonly hookCalls: HookCall[] = [];
  /** Connections the `/meta` handler holds. */
  readonly held = new Set<Socket>();
  failStart = false;
  failStop = false;

  constructor(options: EmulatorOptions) {
    super(options, { realm: 'Routed', authSchemes: ['basic'], rtspRouting: true, serverHeader: 'Routed-Webs/1.0' });
  }

  protected rtspMounts(): readonly EmulatorRtspMount[] {
    return [
      { path: '/media', stream: 'main' },
      { path: '/media', stream: 'sub' },
    ];
  }

  protected override routeRtsp(request: EmulatorRtspRequest): EmulatorRtspRoute {
    if (request.path === '/meta') return (socket, initial) => this.#meta(socket, initial);
    if (request.path === '/media') return request.query.get('stream') === 'sub' ? 'sub' : 'main';
    return super.routeRtsp(request);
  }

  protected override async onStart(): Promise<void> {
    this.hookCalls.push({ hook: 'start', running: this.running, http: (await get(this.httpPort, '/public')).status, rtsp: await canConnect(this.rtspPort) });
    if (this.failStart) throw new Error('onStart failed');
  }

  protected override async onStop(): Promise<void> {
    this.hookCalls.push({ hook: 'stop', running: this.running, http: (await get(this.httpPort, '/public')).status, rtsp: await canConnect(this.rtspPort) });
    if (this.failStop) throw new Error('onStop failed');
  }

  protected override unauthorizedReply(req: EmulatorHttpRequest): EmulatorHttpReply {
    return {
      headers: { 'Content-Type': 'application/xml', 'WWW-Authenticate': 'Basic realm="ignored"' },
      body: `<ResponseStatus><requestURL>${req.path}</requestURL><statusCode>4</statusCode></ResponseStatus>`,
    };
  }

  protected override publicPaths(): readonly string[] {
    return ['/public', '/stream'];
  }

  protected async handle(req: EmulatorHttpRequest): Promise<EmulatorHttpReply | StreamingReply | undefined> {
    if (req.path === '/public') return { body: 'hello' };
    if (req.path === '/own-server') return { headers: { Server: 'Other/2' }, body: 'x' };
    if (req.path === '/stream') {
      return { streaming: true, headers: { 'Content-Type': 'text/plain' }, start: (write, end) => (write('s\n'), end(), () => undefined) };
    }
    return undefined;
  }

  /** Answers every request of the connection with a 200 naming the handler; keeps the connection open. */
  #meta(socket: Socket, initial: Buffer): void {
    this.held.add(socket);
    socket.on('close', () => this.held.delete(socket));
    const answer = (chunk: Buffer): void => {
      const cseq = /^CSeq:\s*(\d+)/im.exec(chunk.toString('latin1'))?.[1] ?? '0';
      socket.write(`RTSP/1.0 200 OK\r\nCSeq: ${cseq}\r\nServer: meta-handler\r\nContent-Length: 0\r\n\r\n`);
    };
    socket.on('data', answer);
    answer(initial);
  }
}

/** Sends one RTSP request on a new connection; resolves to the first reply's bytes, or '' when the server closes. */
function rtspRequest(port: number, request: string, keep?: (socket: Socket) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let text = '';
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      if (text.includes('\r\n\r\n')) {
        if (keep === undefined) socket.destroy();
        else keep(socket);
        resolve(text);
      }
    });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

describe('DeviceEmulator hooks, RTSP routing and the 401 page', () => {
  let emulator: RoutedEmulator;

  beforeAll(async () => {
    emulator = new RoutedEmulator({ farm, cameraId: 'emu-main', subCameraId: 'emu-sub' });
    await emulator.start();
  });

  afterAll(async () => {
    await emulator.stop();
  });

  it('calls onStart after its servers listen, and onStop before they close, on start, stop and restart', async () => {
    expect(emulator.hookCalls).toEqual([{ hook: 'start', running: true, http: 200, rtsp: true }]);
    await emulator.start();
    expect(emulator.hookCalls).toHaveLength(1);
    await emulator.restart(50);
    await emulator.stop();
    await emulator.stop();
    expect(emulator.hookCalls.map((c) => c.hook)).toEqual(['start', 'stop', 'start', 'stop']);
    expect(emulator.hookCalls.every((c) => c.running && c.http === 200 && c.rtsp)).toBe(true);
    await emulator.start();
    expect(emulator.hookCalls.map((c) => c.hook)).toEqual(['start', 'stop', 'start', 'stop', 'start']);
  });

  it('serves two streams at one path through the front on rtspPort, told apart by routeRtsp', async () => {
    const port = emulator.rtspPort;
    expect(port).toBeGreaterThan(0);
    expect(await describeRtsp(emulator.rtspUrl('/media'), 'admin', 'Argus-Demo-1')).toEqual({ width: 320, height: 240 });
    expect(await describeRtsp(emulator.rtspUrl('/media?stream=sub'), 'admin', 'Argus-Demo-1')).toEqual({ width: 160, height: 120 });
    const wrong = await describeRtsp(emulator.rtspUrl('/media?stream=sub'), 'admin', 'wrong').catch((err: unknown) => err);
    expect(hasErrorCode(wrong, 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
    await emulator.restart();
    expect(emulator.rtspPort).toBe(port);
    expect(await describeRtsp(emulator.rtspUrl('/media?stream=sub'), 'admin', 'Argus-Demo-1')).toEqual({ width: 160, height: 120 });
  });

  it('answers 404 for unrouted paths and 400 for a request line that is not RTSP', async () => {
    expect(await rtspRequest(emulator.rtspPort, `DESCRIBE ${emulator.rtspUrl('/nowhere')} RTSP/1.0\r\nCSeq: 3\r\n\r\n`)).toBe('RTSP/1.0 404 Not Found\r\nCSeq: 3\r\nContent-Length: 0\r\n\r\n');
    expect(await rtspRequest(emulator.rtspPort, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')).toMatch(/^RTSP\/1\.0 400 Bad Request\r\n/);
    // OPTIONS * goes to the main stream's server (the default route).
    expect(await rtspRequest(emulator.rtspPort, 'OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n')).toMatch(/^RTSP\/1\.0 200 OK\r\n[\s\S]*Public:/i);
  });

  it('hands a connection to the subclass handler with the bytes read, and cuts it when the emulator restarts', async () => {
    let held: Socket | undefined;
    const first = await rtspRequest(emulator.rtspPort, `OPTIONS ${emulator.rtspUrl('/meta')} RTSP/1.0\r\nCSeq: 9\r\n\r\n`, (socket) => (held = socket));
    expect(first).toBe('RTSP/1.0 200 OK\r\nCSeq: 9\r\nServer: meta-handler\r\nContent-Length: 0\r\n\r\n');
    const closed = new Promise<void>((resolve) => held?.on('close', () => resolve()));
    expect(emulator.held.size).toBe(1);
    await emulator.restart();
    await closed;
    await waitFor(() => emulator.held.size === 0, 5000, 'the handler connection to close');
  });

  it('sends the subclass 401 page with the base challenges and the family Server header on every reply', async () => {
    const denied = await get(emulator.httpPort, '/secret');
    expect(denied.status).toBe(401);
    expect(denied.headers['content-type']).toBe('application/xml');
    expect(denied.body.toString('utf8')).toBe('<ResponseStatus><requestURL>/secret</requestURL><statusCode>4</statusCode></ResponseStatus>');
    expect(parseAuthChallenges(denied.headers['www-authenticate']).map((c) => [c.scheme, c.params['realm']])).toEqual([['basic', 'Routed']]);
    expect(denied.headers['server']).toBe('Routed-Webs/1.0');
    const auth = basicAuthorization('admin', 'Argus-Demo-1');
    expect((await get(emulator.httpPort, '/public')).headers['server']).toBe('Routed-Webs/1.0');
    expect((await get(emulator.httpPort, '/nope', { authorization: auth })).headers['server']).toBe('Routed-Webs/1.0');
    expect((await get(emulator.httpPort, '/stream')).headers['server']).toBe('Routed-Webs/1.0');
    expect((await get(emulator.httpPort, '/own-server', { authorization: auth })).headers['server']).toBe('Other/2');
  });

  it('stops again when onStart throws, calling onStop once, and rejects stop() when onStop throws with its servers down', async () => {
    const other = new RoutedEmulator({ farm, cameraId: 'emu-main', subCameraId: 'emu-sub' });
    other.failStart = true;
    await expect(other.start()).rejects.toThrow('onStart failed');
    expect(other.running).toBe(false);
    expect(other.hookCalls.map((c) => c.hook)).toEqual(['start', 'stop']);
    await expect(get(other.httpPort, '/public')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(await canConnect(other.rtspPort)).toBe(false);
    other.failStart = false;
    await other.start();
    other.failStop = true;
    await expect(other.stop()).rejects.toThrow('onStop failed');
    expect(other.running).toBe(false);
    await expect(get(other.httpPort, '/public')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(await canConnect(other.rtspPort)).toBe(false);
    await other.stop();
    expect(other.hookCalls.map((c) => c.hook)).toEqual(['start', 'stop', 'start', 'stop']);
  });
});
