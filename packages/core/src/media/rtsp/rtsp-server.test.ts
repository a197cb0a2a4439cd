import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { firstValueFrom, Observable, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../errors/argus-error.js';
import { createLogger } from '../../logging/logger.js';
import type { MediaPacket, TrackInfo } from '../../stream/media-packet.js';
import { ffmpegPath, ffprobePath } from '../ffmpeg/binaries.js';
import { parseRtcp } from '../rtp/rtcp.js';
import { parseRtp } from '../rtp/rtp-packet.js';
import { decodeWithFfmpeg, ffprobe } from '../test-media.test-helper.js';
import { testSource } from '../loop-source.test-helper.js';
import { RtspClient, type RtspPacket } from './rtsp-client.js';
import { RtspServerAuth } from './rtsp-server-auth.js';
import { RtspServer, type RtspMountSource, type RtspServerOptions } from './rtsp-server.js';
import { digestAuthorization } from './rtsp-auth.js';

// ---- helpers -----------------------------------------------------------------------------------------------

const servers: RtspServer[] = [];
const clients: RtspClient[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function startServer(source: RtspMountSource, options: RtspServerOptions = {}, credentials?: { username: string; password: string }): Promise<RtspServer> {
  const server = new RtspServer({ port: 0, ...options });
  servers.push(server);
  server.mount('cam1', source, credentials === undefined ? {} : { credentials });
  await server.listen();
  return server;
}

function run(binary: string, args: string[], timeoutMs = 20_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(binary, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

async function probeUrl(url: string, transport: 'tcp' | 'udp' = 'tcp'): Promise<{ code: number; streams: { codec_name: string; width?: number; height?: number }[]; stderr: string }> {
  const result = await run(ffprobePath(), ['-v', 'error', '-rtsp_transport', transport, '-show_streams', '-of', 'json', url]);
  const streams = result.code === 0 ? (JSON.parse(result.stdout) as { streams: { codec_name: string; width?: number; height?: number }[] }).streams : [];
  return { code: result.code, streams, stderr: result.stderr };
}

async function record(url: string, transport: 'tcp' | 'udp'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'argus-rtsp-server-'));
  dirs.push(dir);
  const out = join(dir, 'out.mp4');
  const result = await run(ffmpegPath(), ['-hide_banner', '-v', 'error', '-rtsp_transport', transport, '-i', url, '-t', '2', '-c', 'copy', '-y', out]);
  expect(result.code, result.stderr).toBe(0);
  return out;
}

async function until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A raw RTSP connection: write bytes, read what comes back. */
class RawConnection {
  readonly socket: Socket;
  received = Buffer.alloc(0);
  closed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
    });
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => undefined);
  }

  static async open(port: number): Promise<RawConnection> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawConnection(socket);
  }

  /** Sends a request and waits for a response whose CSeq matches. */
  async request(method: string, url: string, cseq: number, headers: Record<string, string> = {}): Promise<string> {
    const lines = [`${method} ${url} RTSP/1.0`, `CSeq: ${cseq}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    this.socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    let text = '';
    await until(() => {
      text = this.received.toString('latin1');
      return text.includes(`CSeq: ${cseq}\r\n`) && text.includes('\r\n\r\n', text.indexOf(`CSeq: ${cseq}\r\n`));
    });
    const start = text.lastIndexOf('RTSP/1.0 ', text.indexOf(`CSeq: ${cseq}\r\n`));
    return text.slice(start);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function sessionOf(response: string): string {
  const match = /Session: ([^;\r]+)/.exec(response);
  if (match?.[1] === undefined) throw new Error(`no session in ${response}`);
  return match[1];
}

// ---- tests -------------------------------------------------------------------------------------------------

describe('RtspServer with ffmpeg as the client', { timeout: 30_000 }, () => {
  it('is probed as H.264 320x240 over TCP', async () => {
    const server = await startServer(await testSource('h264'));
    const probe = await probeUrl(server.url('cam1'));
    expect(probe.code, probe.stderr).toBe(0);
    expect(probe.streams).toEqual([expect.objectContaining({ codec_name: 'h264', width: 320, height: 240 })]);
  });

  it('is probed as HEVC 320x240 over TCP', async () => {
    const server = await startServer(await testSource('h265'));
    const probe = await probeUrl(server.url('cam1'));
    expect(probe.code, probe.stderr).toBe(0);
    expect(probe.streams).toEqual([expect.objectContaining({ codec_name: 'hevc', width: 320, height: 240 })]);
  });

  it.each(['tcp', 'udp'] as const)('records 2 s over %s that decode cleanly', async (transport) => {
    const source = await testSource('h264');
    const server = await startServer(source);
    const file = await record(server.url('cam1'), transport);
    const report = await ffprobe(file);
    expect(report.streams[0]).toMatchObject({ codec_name: 'h264', width: 320, height: 240 });
    expect(Number(report.streams[0]?.nb_read_frames)).toBeGreaterThan(10);
    await expect(decodeWithFfmpeg(file)).resolves.toBe('');
    expect(server.stats().packetsSent).toBeGreaterThan(0);
    expect(server.stats().byPath['cam1']?.bytesSent).toBeGreaterThan(0);
    await until(() => source.active === 0);
  });

  it('records H.265 with AAC audio', async () => {
    const server = await startServer(await testSource('h265', { audio: true }));
    const file = await record(server.url('cam1'), 'tcp');
    const report = await ffprobe(file);
    const codecs = report.streams.map((s) => s.codec_name).sort();
    expect(codecs).toEqual(['aac', 'hevc']);
    await expect(decodeWithFfmpeg(file)).resolves.toBe('');
  });

  it('serves Digest auth to ffmpeg, refuses a wrong password with 401, and never logs secrets', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'debug',
      destination: new Writable({
        write(chunk: Buffer, _encoding, callback) {
          lines.push(chunk.toString());
          callback();
        },
      }),
    });
    const server = await startServer(await testSource('h264'), { logger }, { username: 'viewer', password: 's3cret-pw' });
    const good = await probeUrl(server.url('cam1').replace('rtsp://', 'rtsp://viewer:s3cret-pw@'));
    expect(good.code, good.stderr).toBe(0);
    expect(good.streams[0]?.codec_name).toBe('h264');

    const bad = await probeUrl(server.url('cam1').replace('rtsp://', 'rtsp://viewer:wrong-pw@'));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/401/);
    expect(lines.some((l) => l.includes('RTSP authentication failed'))).toBe(true);
    expect(lines.join('')).not.toMatch(/s3cret-pw|wrong-pw|Digest /);
  });
});

describe('RtspServer with RtspClient', { timeout: 30_000 }, () => {
  async function playWith(url: string, transport: 'tcp' | 'udp' = 'tcp'): Promise<{ client: RtspClient; packets: Promise<RtspPacket[]> }> {
    const client = new RtspClient({ url });
    clients.push(client);
    const { tracks } = await client.describe();
    for (const track of tracks) await client.setup(track, transport);
    const packets = firstValueFrom(client.packets$.pipe(take(30), toArray()));
    const response = await client.play();
    expect(response.headers.get('rtp-info')).toMatch(/url=.*trackID=0;seq=\d+;rtptime=\d+/);
    expect(response.headers.get('session')).toMatch(/;timeout=60$/);
    return { client, packets };
  }

  it.each([
    ['SHA-256', ['SHA-256', 'MD5']],
    ['MD5', ['MD5']],
  ] as const)('authenticates with Digest %s', async (_name, algorithms) => {
    const server = await startServer(await testSource('h264'), { digestAlgorithms: [...algorithms] }, { username: 'u', password: 'p' });
    const { packets } = await playWith(server.url('cam1').replace('rtsp://', 'rtsp://u:p@'));
    const received = await packets;
    const rtp = received.filter((p) => p.kind === 'rtp').map((p) => parseRtp(p.data));
    expect(rtp.length).toBeGreaterThan(0);
    expect(rtp[0]?.payloadType).toBe(96);
    // A session starts at a keyframe: its parameter sets (7, 8) and IDR slice (5) come before any other slice.
    const types = rtp.map((p) => (p.payload[0] ?? 0) & 0x1f);
    expect(types.indexOf(7)).toBeGreaterThanOrEqual(0);
    expect(types.find((t) => t === 1 || t === 5 || t === 28)).toBe(28); // the IDR is fragmented (FU-A)
    expect((rtp.find((p) => ((p.payload[0] ?? 0) & 0x1f) === 28)?.payload[1] ?? 0) & 0x1f).toBe(5);
    const sr = received.filter((p) => p.kind === 'rtcp').flatMap((p) => parseRtcp(p.data));
    expect(sr[0]).toMatchObject({ type: 'sr', ssrc: rtp[0]?.ssrc });
  });

  it('authenticates with Basic when configured, and refuses Digest-less wrong credentials', async () => {
    const server = await startServer(await testSource('h264'), { authModes: ['basic'] }, { username: 'u', password: 'p' });
    const { packets } = await playWith(server.url('cam1').replace('rtsp://', 'rtsp://u:p@'), 'udp');
    expect((await packets).length).toBe(30);
    const wrong = new RtspClient({ url: server.url('cam1').replace('rtsp://', 'rtsp://u:x@') });
    clients.push(wrong);
    const err: unknown = await wrong.describe().catch((e: unknown) => e);
    expect(hasErrorCode(err, 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
  });

  it('serves two viewers at once and unsubscribes a viewer that disconnects mid-play', async () => {
    const source = await testSource('h264');
    const server = await startServer(source);
    const a = await playWith(server.url('cam1'));
    const b = await playWith(server.url('cam1'), 'udp');
    expect((await a.packets).length).toBe(30);
    expect((await b.packets).length).toBe(30);
    expect(source.active).toBe(2);
    expect(server.stats()).toMatchObject({ sessions: 2, playing: 2 });

    const raw = await RawConnection.open(server.port);
    const setup = await raw.request('SETUP', `${server.url('cam1')}/trackID=0`, 1, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
    expect(setup).toMatch(/^RTSP\/1.0 200/);
    expect(setup).toMatch(/Transport: RTP\/AVP\/TCP;unicast;interleaved=0-1;ssrc=[0-9A-F]{8}/);
    await raw.request('PLAY', server.url('cam1'), 2, { Session: sessionOf(setup) });
    await until(() => raw.received.includes(0x24));
    expect(source.active).toBe(3);
    raw.destroy();
    await until(() => source.active === 2);
    expect(source.subscriptions).toBe(3);

    await a.client.close(); // TEARDOWN
    await until(() => source.active === 1 && server.stats().sessions === 1);
  });

  it('drops the sessions of a mount on dropSessions()', async () => {
    const source = await testSource('h264');
    const server = await startServer(source);
    const { client, packets } = await playWith(server.url('cam1'));
    await packets;
    const ended = new Promise<unknown>((resolve) => client.packets$.subscribe({ error: resolve, complete: () => resolve('complete') }));
    await until(() => source.active === 1);
    expect(server.dropSessions('other')).toBe(0);
    expect(server.dropSessions('cam1')).toBe(1);
    expect(hasErrorCode(await ended, 'ARGUS_ERR_RTSP_CLOSED')).toBe(true);
    expect(source.active).toBe(0);
    expect(server.stats().sessions).toBe(0);
  });
});

describe('RtspServer robustness', { timeout: 30_000 }, () => {
  it('answers malformed and out-of-state requests with the right status and keeps serving', async () => {
    const server = await startServer(await testSource('h264'));
    const url = server.url('cam1');

    const garbage = await RawConnection.open(server.port);
    garbage.socket.write(Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a]));
    await until(() => garbage.closed);
    expect(garbage.received.toString('latin1')).toMatch(/^RTSP\/1.0 400/);

    const huge = await RawConnection.open(server.port);
    huge.socket.write(`OPTIONS ${url} RTSP/1.0\r\nCSeq: 1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    await until(() => huge.closed);
    expect(huge.received.toString('latin1')).toMatch(/^RTSP\/1.0 400/);

    const raw = await RawConnection.open(server.port);
    expect(await raw.request('OPTIONS', url, 1)).toMatch(/^RTSP\/1.0 200 OK\r\nPublic: OPTIONS, DESCRIBE, SETUP, PLAY/);
    expect(await raw.request('FOO', url, 2)).toMatch(/^RTSP\/1.0 501/);
    expect(await raw.request('SETUP', `${url}/trackID=0`, 3)).toMatch(/^RTSP\/1.0 461/);
    expect(await raw.request('SETUP', `${url}/trackID=0`, 4, { Transport: 'RTP/AVP;multicast' })).toMatch(/^RTSP\/1.0 461/);
    expect(await raw.request('PLAY', url, 5)).toMatch(/^RTSP\/1.0 454/);
    expect(await raw.request('TEARDOWN', url, 6, { Session: 'nope' })).toMatch(/^RTSP\/1.0 454/);
    expect(await raw.request('DESCRIBE', server.url('nothing-here'), 7)).toMatch(/^RTSP\/1.0 404/);
    expect(await raw.request('SETUP', `${url}/trackID=9`, 8, { Transport: 'RTP/AVP/TCP;interleaved=0-1' })).toMatch(/^RTSP\/1.0 404/);
    expect(await raw.request('DESCRIBE', 'not-a-url', 9)).toMatch(/^RTSP\/1.0 400/);
    expect(await raw.request('RECORD', url, 10)).toMatch(/^RTSP\/1.0 405/);
    const setup = await raw.request('SETUP', `${url}/trackID=0`, 11, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
    expect(setup).toMatch(/^RTSP\/1.0 200/);
    expect(await raw.request('SETUP', `${url}/trackID=0`, 12, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1', Session: 'other' })).toMatch(/^RTSP\/1.0 454/);
    expect(await raw.request('GET_PARAMETER', url, 13, { Session: sessionOf(setup) })).toMatch(/^RTSP\/1.0 200/);
    raw.destroy();

    const probe = await probeUrl(url);
    expect(probe.code, probe.stderr).toBe(0);
  });

  it('ends a session that sends nothing for its timeout', async () => {
    const source = await testSource('h264');
    const server = await startServer(source, { sessionTimeoutSec: 1 });
    const raw = await RawConnection.open(server.port);
    const setup = await raw.request('SETUP', `${server.url('cam1')}/trackID=0`, 1, { Transport: 'RTP/AVP;unicast;client_port=40000-40001' });
    expect(setup).toMatch(/Session: [0-9a-f]+;timeout=1/);
    expect(setup).toMatch(/server_port=\d+-\d+/);
    expect(server.stats().sessions).toBe(1);
    await until(() => server.stats().sessions === 0);
    await until(() => raw.closed); // the idle connection goes with its last session
    const later = await RawConnection.open(server.port);
    expect(await later.request('PLAY', server.url('cam1'), 2, { Session: sessionOf(setup) })).toMatch(/^RTSP\/1.0 454/);
    later.destroy();
  });

  it('refuses sessions beyond maxSessions with 503', async () => {
    const server = await startServer(await testSource('h264'), { maxSessions: 1 });
    const raw = await RawConnection.open(server.port);
    const transport = { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' };
    expect(await raw.request('SETUP', `${server.url('cam1')}/trackID=0`, 1, transport)).toMatch(/^RTSP\/1.0 200/);
    const other = await RawConnection.open(server.port);
    expect(await other.request('SETUP', `${server.url('cam1')}/trackID=0`, 1, transport)).toMatch(/^RTSP\/1.0 503/);
    raw.destroy();
    other.destroy();
  });

  it('skips to the next keyframe when a TCP viewer stops reading', async () => {
    const big = new Uint8Array(60_000).fill(0x11);
    big[0] = 0x41; // H.264 non-IDR slice header byte
    const idr = new Uint8Array(60_000).fill(0x22);
    idr[0] = 0x65;
    const track: TrackInfo = { id: 0, kind: 'video', codec: 'h264', timescale: 90000 };
    let sent = 0;
    const source: RtspMountSource = {
      describe: async () => [track],
      packets$: () =>
        new Observable<MediaPacket>((subscriber) => {
          const timer = setInterval(() => {
            for (let i = 0; i < 20; i++, sent++) {
              subscriber.next({ track, pts: sent * 3600, keyframe: sent % 50 === 0, units: [sent % 50 === 0 ? idr : big] });
            }
          }, 5);
          return () => clearInterval(timer);
        }),
    };
    const server = await startServer(source);
    const raw = await RawConnection.open(server.port);
    const setup = await raw.request('SETUP', `${server.url('cam1')}/trackID=0`, 1, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
    await raw.request('PLAY', server.url('cam1'), 2, { Session: sessionOf(setup) });
    raw.socket.pause();
    await until(() => server.stats().skipped > 0, 20_000);
    expect(server.stats().byPath['cam1']?.skipped).toBeGreaterThan(0);
    raw.destroy();
  });
});

describe('RtspServerAuth', { timeout: 30_000 }, () => {
  it('accepts a fresh nonce, answers stale for an expired one, and refuses forged nonces and wrong passwords', () => {
    let now = 1_000_000;
    const auth = new RtspServerAuth({ realm: 'Argus', modes: ['digest'], algorithms: ['MD5'], nonceTtlMs: 60_000, now: () => now });
    const [challenge] = auth.challenges(false);
    const nonce = /nonce="([^"]+)"/.exec(challenge ?? '')?.[1] ?? '';
    const url = 'rtsp://127.0.0.1/cam1';
    const sign = (password: string, n = nonce): string =>
      digestAuthorization({ username: 'u', password, realm: 'Argus', nonce: n, method: 'DESCRIBE', uri: url, algorithm: 'MD5' });
    const credentials = { username: 'u', password: 'p' };
    expect(auth.check(sign('p'), 'DESCRIBE', url, credentials)).toEqual({ ok: true, username: 'u' });
    expect(auth.check(sign('x'), 'DESCRIBE', url, credentials)).toEqual({ ok: false, stale: false });
    // Forge by changing the last character (to one it is not: setting '0' left a nonce ending in '0' unchanged).
    const forged = `${nonce.slice(0, -1)}${nonce.endsWith('0') ? '1' : '0'}`;
    expect(forged).not.toBe(nonce);
    expect(auth.check(sign('p', forged), 'DESCRIBE', url, credentials)).toEqual({ ok: false, stale: false });
    expect(auth.check(sign('p'), 'DESCRIBE', 'rtsp://127.0.0.1/other', credentials)).toEqual({ ok: false, stale: false });
    now += 61_000;
    expect(auth.check(sign('p'), 'DESCRIBE', url, credentials)).toEqual({ ok: false, stale: true });
    expect(auth.challenges(true)[0]).toMatch(/stale=TRUE/);
  });
});
