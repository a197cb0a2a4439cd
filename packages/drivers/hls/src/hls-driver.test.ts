import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Observable } from 'rxjs';
import { hasErrorCode, silentLogger, systemClock, type Driver, type MediaPacket } from '@argus/core';
import { unusedPort } from '@argus/core/testing';
import { CameraFarm } from '@argus/driver-simulated';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HlsEmulator, type HlsEmulatorOptions } from './emulator/index.js';
import { ffmpegHls } from './ffmpeg-hls.test-helper.js';
import { HlsFetcher } from './hls-fetcher.js';
import { hls, HLS_DEFAULT_PATHS } from './hls-driver.js';
import { hlsSource } from './hls-source.js';
import { ScriptedOrigin } from './scripted-origin.test-helper.js';

let farm: CameraFarm;
let driver: Driver;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  farm = new CameraFarm({
    cameras: [
      { id: 'drv-main', codec: 'h264', width: 320, height: 240, fps: 10, gopSeconds: 1, loopSeconds: 2, bitrateKbps: 300 },
      { id: 'drv-sub', codec: 'h264', width: 160, height: 120, fps: 10, gopSeconds: 1, loopSeconds: 2, bitrateKbps: 150 },
      { id: 'drv-h265', codec: 'h265', width: 320, height: 240, fps: 10, gopSeconds: 1, loopSeconds: 2, bitrateKbps: 300 },
    ],
    cacheDir: join(tmpdir(), 'argus-test-loops'),
  });
  await farm.start();
  driver = hls({ timeoutMs: 5000 })({ logger: silentLogger(), clock: systemClock });
}, 180_000);

afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

afterAll(async () => {
  await farm.close();
});

async function origin(options: Partial<HlsEmulatorOptions> = {}): Promise<HlsEmulator> {
  const emulator = new HlsEmulator({ farm, cameraId: 'drv-main', subCameraId: 'drv-sub', ...options });
  await emulator.start();
  stops.push(() => emulator.stop());
  await emulator.waitForSegments(2);
  await emulator.waitForSegments(2, 'sub');
  return emulator;
}

async function scripted(): Promise<ScriptedOrigin> {
  const server = new ScriptedOrigin();
  await server.start();
  stops.push(() => server.close());
  return server;
}

const probeOptions = { signal: AbortSignal.timeout(20_000), timeoutMs: 10_000 };

function videoFrames(packets$: Observable<MediaPacket>, count: number, ms = 30_000): Promise<MediaPacket[]> {
  return new Promise((resolve, reject) => {
    const out: MediaPacket[] = [];
    const timer = setTimeout(() => {
      subscription.unsubscribe();
      reject(new Error(`only ${out.length} of ${count} frames in ${ms} ms`));
    }, ms);
    const subscription = packets$.subscribe({
      next: (packet) => {
        if (packet.track.kind !== 'video') return;
        out.push(packet);
        if (out.length >= count) {
          clearTimeout(timer);
          subscription.unsubscribe();
          resolve(out);
        }
      },
      error: (err: unknown) => {
        clearTimeout(timer);
        reject(err as Error);
      },
    });
  });
}

describe('HlsDriver.probe', () => {
  it('finds the emulator at a default path without being told the path', async () => {
    const emulator = await origin();
    const { host, port, username, password } = emulator.connection();
    expect(HLS_DEFAULT_PATHS).toContain('/live/index.m3u8');
    const match = await driver.probe({ host, port, username, password }, probeOptions);
    expect(match).toEqual({ driver: 'hls', score: 90, cameraType: 30, details: { path: '/live/index.m3u8', contentType: 'application/vnd.apple.mpegurl', playlist: 'master', variants: 2 } });
  }, 60_000);

  it('an explicit path to a media playlist; wrong credentials there -> ARGUS_ERR_DRIVER_AUTH', async () => {
    const emulator = await origin();
    const { host, port, username, password } = emulator.connection();
    const match = await driver.probe({ host, port, username, password, path: '/live/main/index.m3u8' }, probeOptions);
    expect(match).toMatchObject({ score: 90, details: { playlist: 'media', live: true, targetDuration: 1, fmp4: true } });
    await expect(driver.probe({ host, port, username, password: 'nope', path: '/live/main/index.m3u8' }, probeOptions)).rejects.toSatisfy((err) =>
      hasErrorCode(err, 'ARGUS_ERR_DRIVER_AUTH'),
    );
    // On the default paths, a 401 says nothing about HLS: no match rather than an auth failure.
    expect(await driver.probe({ host, port, username, password: 'nope' }, probeOptions)).toBeNull();
    // No credentials at all, explicit .m3u8 path: a weak hint that it wants some.
    expect(await driver.probe({ host, port, path: '/live/index.m3u8' }, probeOptions)).toMatchObject({ score: 30, details: { authRequired: true } });
  }, 60_000);

  it('an HTTP server without playlists is not HLS; a playlist content type alone is a hint', async () => {
    const server = await scripted();
    server.routes.set('/index.html', () => ({ type: 'text/html', body: '<html></html>' }));
    server.routes.set('/live.m3u8', () => ({ status: 404 }));
    expect(await driver.probe({ host: '127.0.0.1', port: server.port }, probeOptions)).toBeNull();
    server.routes.set('/stream.m3u8', () => ({ type: 'application/x-mpegURL', body: 'nothing yet' }));
    expect(await driver.probe({ host: '127.0.0.1', port: server.port }, probeOptions)).toMatchObject({ score: 50, details: { path: '/stream.m3u8', valid: false } });
    server.routes.set('/broken.m3u8', () => ({ body: '#EXTM3U\n#EXTINF:oops\n' }));
    expect(await driver.probe({ host: '127.0.0.1', port: server.port, path: 'broken.m3u8' }, probeOptions)).toMatchObject({ score: 70 });
    expect(await driver.probe({ host: '127.0.0.1', port: server.port, scheme: 'rtsp' }, probeOptions)).toBeNull();
  });

  it('a closed port -> ARGUS_ERR_DRIVER_UNREACHABLE', async () => {
    await expect(driver.probe({ host: '127.0.0.1', port: await unusedPort() }, probeOptions)).rejects.toSatisfy((err) =>
      hasErrorCode(err, 'ARGUS_ERR_DRIVER_UNREACHABLE'),
    );
  });
});

describe('HlsDriver sessions', () => {
  it('connect without a path discovers the master playlist; profiles main (highest) and sub (lowest)', async () => {
    const emulator = await origin();
    const { host, port, username, password } = emulator.connection();
    const session = await driver.connect({ host, port, username, password });
    stops.push(() => session.close());
    expect([...session.capabilities]).toEqual(['streams', 'liveMedia', 'snapshot']);
    const profiles = await session.require('streams').getStreamProfiles();
    expect(profiles.map((p) => [p.id, p.codec, p.width, p.height, p.fps])).toEqual([
      ['main', 'h264', 320, 240, 10],
      ['sub', 'h264', 160, 120, 10],
    ]);
    expect(profiles[0]?.uri).toBe(`http://127.0.0.1:${port}/live/main/index.m3u8`);
    expect(profiles[0]?.bitrateKbps).toBeGreaterThan(profiles[1]?.bitrateKbps ?? Infinity);
    expect(() => session.require('liveMedia').openStream('nope')).toThrow(TypeError);
  }, 60_000);

  it('MPEG-TS origin with Basic auth: live frames of both profiles, wall clock, and a snapshot', async () => {
    const emulator = await origin({ format: 'ts', auth: 'basic' });
    const session = await driver.connect(emulator.connection());
    stops.push(() => session.close());
    const main = await videoFrames(session.require('liveMedia').openStream('main'), 25);
    expect(main[0]?.keyframe).toBe(true);
    expect(main[0]?.track).toMatchObject({ codec: 'h264', width: 320, height: 240 });
    for (let i = 1; i < main.length; i++) expect(main[i]!.pts).toBeGreaterThan(main[i - 1]!.pts);
    expect(Math.abs((main.at(-1)?.wallClock ?? 0) - Date.now())).toBeLessThan(60_000);
    const sub = await videoFrames(session.require('liveMedia').openStream('sub'), 5);
    expect(sub[0]?.track).toMatchObject({ width: 160, height: 120 });
    const snapshot = await session.require('snapshot').snapshot('sub');
    expect(snapshot.contentType).toBe('image/jpeg');
    expect([snapshot.data[0], snapshot.data[1], snapshot.data.at(-2), snapshot.data.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
  }, 90_000);

  it('H.265 feeds, fMP4 (hvcC) and MPEG-TS: profiles, live frames and a snapshot', async () => {
    for (const format of ['fmp4', 'ts'] as const) {
      const emulator = await origin({ format, cameraId: 'drv-h265', subCameraId: 'drv-h265', auth: 'none' });
      const { host, port } = emulator.connection();
      const session = await driver.connect({ host, port, path: '/live/main/index.m3u8' });
      stops.push(() => session.close());
      expect((await session.require('streams').getStreamProfiles()).map((p) => [p.codec, p.width, p.height])).toEqual([['h265', 320, 240]]);
      const frames = await videoFrames(session.require('liveMedia').openStream('main'), 12);
      expect(frames[0]?.keyframe).toBe(true);
      expect(frames[0]?.track).toMatchObject({ codec: 'h265', width: 320, height: 240 });
      expect(frames[0]?.track.parameterSets).toHaveLength(3);
      const snapshot = await session.require('snapshot').snapshot();
      expect([snapshot.data[0], snapshot.data[1]]).toEqual([0xff, 0xd8]);
    }
  }, 120_000);

  it('a public feed given as one media playlist: one profile; a subPath adds the sub profile', async () => {
    const emulator = await origin({ auth: 'none' });
    const { host, port } = emulator.connection();
    const session = await driver.connect({ host, port, path: '/live/main/index.m3u8', options: { subPath: '/live/sub/index.m3u8' } });
    stops.push(() => session.close());
    const profiles = await session.require('streams').getStreamProfiles();
    // No RESOLUTION in a media playlist: the size comes from the init segment's SPS.
    expect(profiles.map((p) => [p.id, p.width, p.height])).toEqual([
      ['main', 320, 240],
      ['sub', 160, 120],
    ]);
    await expect(driver.connect({ host, port, path: '/live/none.m3u8' })).rejects.toSatisfy((err) => hasErrorCode(err, 'ARGUS_ERR_DRIVER_REQUEST_FAILED'));
    await expect(driver.connect({ host, port, options: { bogus: 1 } })).rejects.toSatisfy((err) => hasErrorCode(err, 'ARGUS_ERR_DRIVER_CONFIG_INVALID'));
  }, 60_000);

  it('a master playlist without RESOLUTION or CODECS (Wowza style, TS): the profile is read from a segment', async () => {
    const ts = await ffmpegHls('ts', 4);
    const server = await scripted();
    for (const name of ts.segments) server.files.set(name, new Uint8Array(await readFile(join(ts.dir, name))));
    server.endList = true;
    server.segments = ts.segments.map((uri, sequence) => ({ sequence, uri }));
    server.routes.set('/playlist.m3u8', () => ({
      type: 'application/vnd.apple.mpegurl',
      body: '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:PROGRAM-ID=1,BANDWIDTH=600000\nlive.m3u8?wowzasessionid=1\n',
    }));
    const session = await driver.connect({ host: '127.0.0.1', port: server.port });
    stops.push(() => session.close());
    expect(await session.require('streams').getStreamProfiles()).toEqual([
      { id: 'main', name: 'main (600 kbit/s)', codec: 'h264', width: 320, height: 240, fps: 10, bitrateKbps: 600, uri: `http://127.0.0.1:${server.port}/live.m3u8?wowzasessionid=1` },
    ]);
    const snapshot = await session.require('snapshot').snapshot();
    expect([snapshot.data[0], snapshot.data[1]]).toEqual([0xff, 0xd8]);
  }, 60_000);

  it("the 'malformed' and 'garbage' faults fail connect with ARGUS_ERR_DRIVER_PROTOCOL", async () => {
    const emulator = await origin();
    for (const fault of ['malformed', 'garbage'] as const) {
      emulator.setFault(fault);
      await expect(driver.connect(emulator.connection())).rejects.toSatisfy((err) => hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL'));
    }
    emulator.setFault('none');
    const session = await driver.connect(emulator.connection());
    await session.close();
  }, 60_000);

  it('a live stream survives an origin restart that resets the media sequence (rollover), monotonic', async () => {
    const emulator = await origin({ restartSequence: 'reset', auth: 'none' });
    const fetcher = new HlsFetcher({ baseUrl: `http://127.0.0.1:${emulator.httpPort}` });
    stops.push(() => fetcher.close());
    const packets$ = hlsSource({ fetcher, url: `http://127.0.0.1:${emulator.httpPort}/live/main/index.m3u8`, liveStartSegments: 1, maxReloadFailures: 10 });
    const packets: MediaPacket[] = [];
    let failure: unknown;
    const subscription = packets$.subscribe({ next: (p) => packets.push(p), error: (err: unknown) => (failure = err) });
    stops.push(async () => subscription.unsubscribe());
    const waitFor = async (condition: () => boolean, what: string): Promise<void> => {
      const deadline = Date.now() + 30_000;
      while (!condition()) {
        if (failure !== undefined) throw failure;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; ${JSON.stringify(packets$.stats())}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    await waitFor(() => packets.length >= 20, '20 frames');
    await emulator.restart(300);
    await waitFor(() => (packets$.stats().tracker?.resets ?? 0) >= 1, 'the tracker to see the reset sequence');
    const count = packets.length;
    await waitFor(() => packets.length >= count + 10, 'frames after the restart');
    for (let i = 1; i < packets.length; i++) expect(packets[i]!.pts).toBeGreaterThan(packets[i - 1]!.pts);
  }, 90_000);
});
