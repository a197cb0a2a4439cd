// Restream and reconnect end to end: camera (RtspServer) -> rtspSource -> StreamHub -> hubMount -> RtspServer -> ffmpeg.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { filter, firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamHub } from '../../stream/stream-hub.js';
import { ffmpegPath } from '../ffmpeg/binaries.js';
import { testSource, type TestSource } from '../loop-source.test-helper.js';
import { parseRtp } from '../rtp/rtp-packet.js';
import { ffprobe } from '../test-media.test-helper.js';
import { hubMount } from './hub-mount.js';
import { RtspClient } from './rtsp-client.js';
import { RtspServer } from './rtsp-server.js';
import { rtspSource } from './rtsp-source.js';

const run = promisify(execFile);
const credentials = { username: 'restream', password: 'R3stream!pass' };
let camera: RtspServer;
let cameraSource: TestSource;
let restream: RtspServer;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'argus-restream-'));
  cameraSource = await testSource('h264', { audio: true, periodMs: 20 });
  camera = new RtspServer({ port: 0 });
  camera.mount('/cam', cameraSource);
  await camera.listen();
  restream = new RtspServer({ port: 0 });
  await restream.listen();
});

afterAll(async () => {
  await restream.close();
  await camera.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('hubMount: RTSP restream of a stream hub', () => {
  it('serves two ffmpeg clients from one upstream connection to the camera, with auth', async () => {
    const hub = new StreamHub({ id: 'cam/main', upstream: () => rtspSource({ url: camera.url('/cam') }) });
    const unmount = restream.mount('/restream/cam', hubMount(hub), { credentials });
    const url = restream.url('/restream/cam').replace('rtsp://', `rtsp://${credentials.username}:${encodeURIComponent(credentials.password)}@`);
    const before = cameraSource.subscriptions;
    const outputs = [join(dir, 'a.mp4'), join(dir, 'b.mp4')];
    await Promise.all(
      outputs.map((out) => run(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-rtsp_transport', 'tcp', '-i', url, '-t', '2', '-c', 'copy', '-y', out], { timeout: 30_000 })),
    );
    for (const out of outputs) {
      const report = await ffprobe(out);
      expect(report.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 320, height: 240 });
      expect(report.streams.some((s) => s.codec_type === 'audio' && s.codec_name === 'aac')).toBe(true);
      // Every frame decodes. (ffmpeg gives the GOP-cache burst at session start one timestamp when it records, so
      // its own muxer may warn about dts; the RTP timestamps on the wire are exact: see the next test.)
      await run(ffmpegPath(), ['-v', 'error', '-xerror', '-i', out, '-map', '0:v', '-f', 'null', '-']);
    }
    // Two RTSP clients on the restream, each DESCRIBE + PLAY: still one session with the camera.
    expect(cameraSource.subscriptions - before).toBe(1);
    expect(hub.stats().upstreamConnections).toBe(1);
    unmount();
    hub.close();
  });

  it('starts a client at the cached keyframe with exact RTP timestamps, one access unit per 90 kHz frame step', async () => {
    const hub = new StreamHub({ id: 'cam/timing', upstream: () => rtspSource({ url: camera.url('/cam'), audio: false }) });
    const warm = hub.live$().subscribe();
    await firstValueFrom(hub.live$().pipe(filter(() => hub.stats().gopCachedPackets >= 5)));
    const unmount = restream.mount('/restream/timing', hubMount(hub));
    const marks: { timestamp: number; nal: number }[] = [];
    let first = true;
    const client = new RtspClient({
      url: restream.url('/restream/timing'),
      onPacket: ({ kind, data }) => {
        if (kind !== 'rtp') return;
        const rtp = parseRtp(data);
        // The first NAL type of the first packet tells whether the session starts at a keyframe (IDR, or SPS first).
        if (first) marks.push({ timestamp: rtp.timestamp, nal: rtp.payload[0]! & 0x1f });
        first = false;
        if (rtp.marker) marks.push({ timestamp: rtp.timestamp, nal: -1 });
      },
    });
    const description = await client.describe();
    await client.setup(description.tracks[0]!, 'tcp');
    await client.play();
    await firstValueFrom(hub.live$().pipe(filter(() => marks.length >= 12)));
    await client.close();
    expect([5, 7, 9, 24, 28]).toContain(marks[0]!.nal); // IDR, SPS, AUD, or one packed/fragmented around them
    const ends = marks.slice(1).map((m) => m.timestamp);
    const steps = ends.slice(1).map((t, i) => (t - ends[i]! + 2 ** 32) % 2 ** 32);
    expect(new Set(steps)).toEqual(new Set([3600]));
    expect(ends[0]).toBe(marks[0]!.timestamp);
    unmount();
    warm.unsubscribe();
    hub.close();
  });

  it('refuses a restream client without credentials', async () => {
    const hub = new StreamHub({ id: 'cam/locked', upstream: () => rtspSource({ url: camera.url('/cam') }) });
    const unmount = restream.mount('/restream/locked', hubMount(hub), { credentials });
    const denied = await run(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-rtsp_transport', 'tcp', '-i', restream.url('/restream/locked'), '-t', '1', '-f', 'null', '-'], { timeout: 30_000 }).catch((e: { code?: number; stderr?: string }) => e);
    expect((denied as { code?: number }).code).not.toBe(0);
    expect((denied as { stderr?: string }).stderr).toMatch(/401|Unauthorized/i);
    unmount();
    hub.close();
  });
});

describe('stream hub on rtspSource: reconnect with backoff', () => {
  it('reconnects after the camera drops the session, and consumers keep receiving', async () => {
    const hub = new StreamHub({
      id: 'cam/reconnect',
      upstream: () => rtspSource({ url: camera.url('/cam') }),
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    });
    let received = 0;
    const viewer = hub.live$().subscribe(() => (received += 1));
    await firstValueFrom(hub.live$().pipe(filter(() => received >= 10)));
    expect(camera.dropSessions('/cam')).toBeGreaterThanOrEqual(1);
    const atDrop = received;
    await firstValueFrom(hub.live$().pipe(filter(() => hub.stats().upstreamConnections >= 2 && received >= atDrop + 10)));
    expect(hub.stats().reconnects).toBeGreaterThanOrEqual(1);
    expect(hub.stats().state).toBe('live');
    viewer.unsubscribe();
    hub.close();
  });
});
