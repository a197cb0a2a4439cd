import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { firstValueFrom, take, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode, ManualClock } from '@argus/core';
import { ffmpegPath, ffprobePath, RtspClient } from '@argus/core/media';
import { CameraFarm } from './camera-farm.js';
import { cameraFarmPreset } from './camera-farm-preset.js';
import type { FarmTimers } from './farm-ticker.js';

const run = promisify(execFile);
const cacheDir = mkdtempSync(join(tmpdir(), 'argus-farm-e2e-'));
const small = { width: 320, height: 240, fps: 10, gopSeconds: 1, loopSeconds: 2, bitrateKbps: 300 } as const;
const credentials = { username: 'viewer', password: 'S3cret:pa ss' };

async function probe(url: string): Promise<{ codec_name: string; width: number; height: number }> {
  const { stdout } = await run(ffprobePath(), ['-v', 'error', '-rtsp_transport', 'tcp', '-show_streams', '-of', 'json', url], { timeout: 20_000 });
  return (JSON.parse(stdout) as { streams: { codec_name: string; width: number; height: number }[] }).streams[0] as never;
}

async function play(url: string, options: { username?: string; password?: string } = {}): Promise<RtspClient> {
  const client = new RtspClient({ url, timeoutMs: 5000, ...options });
  const description = await client.describe();
  for (const track of description.tracks) await client.setup(track, 'tcp');
  await client.play();
  return client;
}

describe('CameraFarm (end to end)', () => {
  const farm = new CameraFarm({
    cameras: [
      { id: 'avc', codec: 'h264', ...small },
      { id: 'hevc', codec: 'h265', ...small },
      { id: 'secure', codec: 'h264', ...small, credentials },
    ],
    cacheDir,
  });
  let port = 0;
  beforeAll(async () => {
    port = await farm.start();
  });
  afterAll(async () => {
    await farm.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('serves each camera at rtsp://host:port/<id>, without credentials in the URL', () => {
    expect(port).toBeGreaterThan(0);
    expect(farm.url('secure')).toBe(`rtsp://127.0.0.1:${port}/secure`);
    expect(farm.cameras().map((c) => c.id)).toEqual(['avc', 'hevc', 'secure']);
    expect(() => farm.url('nope')).toThrow(RangeError);
    const stats = farm.stats();
    expect(stats.loops).toBe(2); // the credentialed camera shares the h264 loop
    expect(stats.loopsGenerated).toBe(2);
  });

  it('is read by ffprobe over TCP as H.264 and H.265 of the configured size', async () => {
    expect(await probe(farm.url('avc'))).toMatchObject({ codec_name: 'h264', width: 320, height: 240 });
    expect(await probe(farm.url('hevc'))).toMatchObject({ codec_name: 'hevc', width: 320, height: 240 });
  });

  it('requires the credentials of a protected camera', async () => {
    const url = farm.url('secure').replace('rtsp://', `rtsp://${credentials.username}:${encodeURIComponent(credentials.password)}@`);
    expect(await probe(url)).toMatchObject({ codec_name: 'h264', width: 320, height: 240 });
    await expect(probe(farm.url('secure'))).rejects.toThrow();
  });

  it('records 2 s with ffmpeg -c copy into an mp4 that decodes clean', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'argus-farm-rec-'));
    try {
      const out = join(dir, 'rec.mp4');
      await run(ffmpegPath(), ['-v', 'error', '-rtsp_transport', 'tcp', '-i', farm.url('hevc'), '-t', '2', '-c', 'copy', '-y', out], { timeout: 30_000 });
      const { stderr } = await run(ffmpegPath(), ['-v', 'error', '-xerror', '-i', out, '-f', 'null', '-']);
      expect(stderr).toBe('');
      const frames = await run(ffprobePath(), ['-v', 'error', '-count_frames', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', out]);
      expect(Number(frames.stdout.trim())).toBeGreaterThanOrEqual(15);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('snapshot() is a JPEG of the current picture, decoded at the size asked for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'argus-farm-snap-'));
    try {
      const jpeg = await farm.snapshot('hevc', { width: 160 });
      expect([jpeg[0], jpeg[1], jpeg.at(-2), jpeg.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
      const file = join(dir, 'snap.jpg');
      writeFileSync(file, jpeg);
      const { stdout } = await run(ffprobePath(), ['-v', 'error', '-show_streams', '-of', 'json', file]);
      expect((JSON.parse(stdout) as { streams: { codec_name: string; width: number }[] }).streams[0]).toMatchObject({ codec_name: 'mjpeg', width: 160 });
      expect(() => farm.snapshot('nope')).toThrow(RangeError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('source() is the camera for an emulator to mount: its first packet is a keyframe of the camera', async () => {
    const source = farm.source('avc');
    const [track] = await source.describe();
    expect(track).toMatchObject({ codec: 'h264', width: 320, height: 240 });
    const packet = await firstValueFrom(source.packets$());
    expect(packet.keyframe).toBe(true);
  });

  it('drop() ends a connected client', async () => {
    const client = await play(farm.url('avc'));
    const ended = new Promise<string>((resolve) => client.packets$.subscribe({ error: () => resolve('error'), complete: () => resolve('complete') }));
    await firstValueFrom(client.packets$);
    expect(farm.stats().cameras.find((c) => c.id === 'avc')?.clients).toBe(1);
    expect(farm.drop('avc')).toBe(1);
    expect(['error', 'complete']).toContain(await ended);
    await client.close();
  });

  it('restart() answers 404 while down, then serves again', async () => {
    const client = await play(farm.url('hevc'));
    const ended = new Promise<void>((resolve) => client.packets$.subscribe({ error: () => resolve(), complete: () => resolve() }));
    const back = farm.restart('hevc', 3000);
    await ended;
    expect(farm.stats().cameras.find((c) => c.id === 'hevc')?.state).toBe('down');
    const during = new RtspClient({ url: farm.url('hevc'), timeoutMs: 5000 });
    const err = await during.describe().catch((e: unknown) => e);
    expect(hasErrorCode(err, 'ARGUS_ERR_RTSP_NOT_FOUND')).toBe(true);
    await during.close();
    await back;
    expect(farm.stats().cameras.find((c) => c.id === 'hevc')?.state).toBe('running');
    const after = await play(farm.url('hevc'));
    expect(await firstValueFrom(after.packets$.pipe(take(3), toArray()))).toHaveLength(3);
    await after.close();
    await client.close();
  });
});

/** Timers the test fires by hand, so the farm's clock and ticks are fully under test control. */
class ManualTimers implements FarmTimers {
  callback: (() => void) | undefined;
  setInterval(callback: () => void): unknown {
    this.callback = callback;
    return 1;
  }
  clearInterval(): void {
    this.callback = undefined;
  }
}

describe('CameraFarm stall (virtual clock)', () => {
  const clock = new ManualClock(1_700_000_000_000);
  const timers = new ManualTimers();
  const farm = new CameraFarm({ cameras: [{ id: 'cam', ...small }], cacheDir: mkdtempSync(join(tmpdir(), 'argus-farm-stall-')), clock, timers });
  beforeAll(() => farm.start());
  afterAll(() => farm.close());

  const step = (ms: number): void => {
    for (let t = 0; t < ms; t += 50) {
      clock.advance(50);
      timers.callback?.();
    }
  };

  it('stall() keeps the connection but sends nothing, then resumes', async () => {
    const client = await play(farm.url('cam'));
    let received = 0;
    client.packets$.subscribe(() => (received += 1));
    const sent = (): number => farm.stats().cameras[0]?.framesSent ?? 0;
    step(500);
    expect(sent()).toBeGreaterThan(0);
    farm.stall('cam', 3000);
    expect(farm.stats().cameras[0]?.state).toBe('stalled');
    const before = sent();
    step(2900);
    expect(sent()).toBe(before);
    expect(farm.stats().cameras[0]?.clients).toBe(1);
    step(1100);
    expect(farm.stats().cameras[0]?.state).toBe('running');
    expect(sent()).toBeGreaterThan(before);
    const receivedBefore = received;
    step(500);
    await firstValueFrom(client.packets$);
    expect(received).toBeGreaterThan(receivedBefore);
    await client.close();
  });
});

describe('cameraFarmPreset', () => {
  it('mixes codecs, sizes and rates with at most 8 distinct loops', () => {
    const cameras = cameraFarmPreset(24);
    expect(cameras).toHaveLength(24);
    expect(cameras[0]).toMatchObject({ id: 'cam-01', codec: 'h264', width: 640, height: 360, fps: 25 });
    expect(cameras.filter((c) => c.codec === 'h265')).toHaveLength(6);
    expect(cameras.filter((c) => c.width === 1280)).toHaveLength(8);
    expect(cameras.filter((c) => c.fps === 15)).toHaveLength(9);
    const profiles = (list: typeof cameras): number => new Set(list.map((c) => `${c.codec}${c.width}${c.fps}`)).size;
    expect(profiles(cameras)).toBeLessThanOrEqual(8);
    expect(profiles(cameraFarmPreset(60))).toBe(8);
    expect(new Set(cameras.map((c) => c.id)).size).toBe(24);
    expect(cameraFarmPreset(3, { codec: 'h265', fps: 5 }).every((c) => c.codec === 'h265' && c.fps === 5)).toBe(true);
    expect(() => cameraFarmPreset(-1)).toThrow(RangeError);
  });

  it('rejects duplicate ids', () => {
    expect(() => new CameraFarm({ cameras: [{ id: 'a' }, { id: 'a' }] })).toThrow(TypeError);
  });
});
