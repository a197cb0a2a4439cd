import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasErrorCode } from '@argus/core';
import { CameraFarm } from '@argus/driver-simulated';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegReadLive, ffprobeStreams } from '../ffmpeg-hls.test-helper.js';
import { parsePlaylist, type HlsMasterPlaylist, type HlsMediaPlaylist } from '../parse-playlist.js';
import { SegmentReader } from '../segment-reader.js';
import { HlsEmulator, type HlsEmulatorOptions } from './hls-emulator.js';

let farm: CameraFarm;
const emulators: HlsEmulator[] = [];

beforeAll(async () => {
  farm = new CameraFarm({
    cameras: [
      { id: 'hls-main', codec: 'h264', width: 320, height: 240, fps: 10, gopSeconds: 1, loopSeconds: 2, bitrateKbps: 300 },
      { id: 'hls-sub', codec: 'h264', width: 160, height: 120, fps: 10, gopSeconds: 1, loopSeconds: 2, bitrateKbps: 150 },
    ],
    cacheDir: join(tmpdir(), 'argus-test-loops'),
  });
  await farm.start();
}, 180_000);

afterAll(async () => {
  for (const emulator of emulators) await emulator.stop();
  await farm.close();
});

async function origin(options: Partial<HlsEmulatorOptions> = {}): Promise<HlsEmulator> {
  const emulator = new HlsEmulator({ farm, cameraId: 'hls-main', subCameraId: 'hls-sub', ...options });
  emulators.push(emulator);
  await emulator.start();
  return emulator;
}

async function get(emulator: HlsEmulator, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`http://127.0.0.1:${emulator.httpPort}${path}`, { headers });
}

function media(text: string): HlsMediaPlaylist {
  const playlist = parsePlaylist(text);
  if (playlist.kind !== 'media') throw new Error('expected a media playlist');
  return playlist;
}

describe('HlsEmulator: a live HLS origin fed by the camera farm', () => {
  it('fMP4: ffprobe reads the master playlist over HTTP, both variants at their sizes', async () => {
    const emulator = await origin({ auth: 'none' });
    await emulator.waitForSegments(2, 'main');
    await emulator.waitForSegments(2, 'sub');
    const streams = await ffprobeStreams(`http://127.0.0.1:${emulator.httpPort}/live/index.m3u8`);
    const video = streams.filter((s) => s.codec === 'h264').map((s) => `${s.width}x${s.height}`);
    expect(video).toEqual(expect.arrayContaining(['320x240', '160x120']));
    expect((await ffprobeStreams(`http://127.0.0.1:${emulator.httpPort}/live/main/index.m3u8`))[0]).toEqual({ codec: 'h264', width: 320, height: 240 });
  }, 90_000);

  it('fMP4 with Basic auth: ffprobe reads with the credentials in the URL, and gets 401 without them', async () => {
    const emulator = await origin({ auth: 'basic' });
    await emulator.waitForSegments(2);
    const { username, password } = emulator.connection();
    const streams = await ffprobeStreams(`http://${username}:${password}@127.0.0.1:${emulator.httpPort}/live/main/index.m3u8`);
    expect(streams[0]).toEqual({ codec: 'h264', width: 320, height: 240 });
    expect((await get(emulator, '/live/main/index.m3u8')).status).toBe(401);
    await expect(ffprobeStreams(`http://127.0.0.1:${emulator.httpPort}/live/main/index.m3u8`)).rejects.toThrow();
  }, 90_000);

  it('MPEG-TS: ffmpeg reads the live playlist over HTTP (the bundled ffprobe crashes on any TS input)', async () => {
    const emulator = await origin({ auth: 'none', format: 'ts' });
    await emulator.waitForSegments(3);
    const read = await ffmpegReadLive(`http://127.0.0.1:${emulator.httpPort}/live/main/index.m3u8`, 2);
    expect(read).toMatchObject({ codec: 'h264', width: 320, height: 240 });
    expect(read.packets).toBeGreaterThanOrEqual(15);
    expect(read.keyframes).toBeGreaterThanOrEqual(1);
  }, 90_000);

  it('serves a sliding-window media playlist: MAP, PROGRAM-DATE-TIME, sequence numbers, 1 s segments', async () => {
    const emulator = await origin({ auth: 'none', windowSegments: 3 });
    await emulator.waitForSegments(5);
    const playlist = media(await (await get(emulator, '/live/main/index.m3u8')).text());
    expect(playlist.targetDuration).toBe(1);
    expect(playlist.segments).toHaveLength(3);
    expect(playlist.endList).toBe(false);
    expect(playlist.mediaSequence).toBe(emulator.segments().at(-1)!.sequence - 2);
    for (const segment of playlist.segments) {
      expect(segment.duration).toBeCloseTo(1, 5);
      expect(segment.map?.uri).toBe('init-1.mp4');
      expect(Math.abs((segment.programDateTime ?? 0) - Date.now())).toBeLessThan(60_000);
    }
    const master = parsePlaylist(await (await get(emulator, '/live/index.m3u8')).text()) as HlsMasterPlaylist;
    expect(master.variants.map((v) => [v.uri, v.resolution, v.codecs.length])).toEqual([
      ['main/index.m3u8', { width: 320, height: 240 }, 1],
      ['sub/index.m3u8', { width: 160, height: 120 }, 1],
    ]);
    expect(master.variants[0]!.bandwidth).toBeGreaterThan(master.variants[1]!.bandwidth);
    // Segments decode with the driver's reader: one GOP of 10 frames from a keyframe.
    const reader = new SegmentReader();
    const init = new Uint8Array(await (await get(emulator, '/live/main/init-1.mp4')).arrayBuffer());
    const bytes = new Uint8Array(await (await get(emulator, `/live/main/${playlist.segments[0]!.uri}`)).arrayBuffer());
    const packets = reader.read(bytes, init);
    expect(packets).toHaveLength(10);
    expect(packets[0]?.keyframe).toBe(true);
    expect(packets[0]?.track).toMatchObject({ width: 320, height: 240 });
  }, 60_000);

  it('answers Range requests with 206 and the asked bytes; unknown segments with 404', async () => {
    const emulator = await origin({ auth: 'none', format: 'ts' });
    await emulator.waitForSegments(1);
    const segment = emulator.segments()[0]!;
    const res = await get(emulator, `/live/main/seg-${segment.sequence}.ts`, { range: 'bytes=188-375' });
    expect(res.status).toBe(206);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.from(segment.data.subarray(188, 376)));
    expect((await get(emulator, '/live/main/seg-999999.ts')).status).toBe(404);
    expect((await get(emulator, '/live/main/init-1.mp4')).status).toBe(404);
  }, 60_000);

  it("the 'malformed' fault serves a playlist the parser rejects, then service resumes", async () => {
    const emulator = await origin({ auth: 'none' });
    await emulator.waitForSegments(1);
    emulator.setFault('malformed');
    const broken = await (await get(emulator, '/live/index.m3u8')).text();
    let error: unknown;
    try {
      parsePlaylist(broken);
    } catch (err) {
      error = err;
    }
    expect(hasErrorCode(error, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    emulator.setFault('none');
    expect(parsePlaylist(await (await get(emulator, '/live/index.m3u8')).text()).kind).toBe('master');
  }, 60_000);

  it('a restart loses the segments; the sequence continues after an EXT-X-DISCONTINUITY, or restarts at 0', async () => {
    const continuing = await origin({ auth: 'none' });
    await continuing.waitForSegments(2);
    const before = continuing.segments().at(-1)!.sequence;
    await continuing.restart(200);
    await continuing.waitForSegments(2);
    const after = media(await (await get(continuing, '/live/main/index.m3u8')).text());
    expect(after.segments[0]!.mediaSequence).toBeGreaterThan(before);
    expect(after.segments[0]).toMatchObject({ discontinuity: true, discontinuitySequence: 1 });
    expect(after.segments[1]).toMatchObject({ discontinuity: false, discontinuitySequence: 1 });
    expect(after.segments[0]!.map?.uri).toBe('init-2.mp4');

    const resetting = await origin({ auth: 'none', restartSequence: 'reset' });
    await resetting.waitForSegments(3);
    await resetting.restart(200);
    await resetting.waitForSegments(1);
    expect(media(await (await get(resetting, '/live/main/index.m3u8')).text()).mediaSequence).toBe(0);
  }, 60_000);

  it('follows its farm camera through a farm restart: a new init segment after an EXT-X-DISCONTINUITY', async () => {
    const emulator = await origin({ auth: 'none' });
    await emulator.waitForSegments(2, 'sub');
    const before = emulator.segments('sub').at(-1)!.sequence;
    await farm.restart('hls-sub', 300);
    const deadline = Date.now() + 30_000;
    while (!emulator.segments('sub').some((s) => s.sequence > before && s.discontinuity)) {
      if (Date.now() > deadline) throw new Error('no segment after the farm restart');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const after = emulator.segments('sub').find((s) => s.sequence > before && s.discontinuity)!;
    expect(after.initId).toBeGreaterThan(1);
    expect(media(await (await get(emulator, '/live/sub/index.m3u8')).text()).segments.some((s) => s.discontinuity && s.map?.uri === `init-${after.initId}.mp4`)).toBe(true);
  }, 60_000);
});
