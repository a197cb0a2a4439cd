// Live HLS through a real port, from a simulated camera farm (one H.264 and one H.265 camera), read by ffprobe and
// ffmpeg's HLS demuxer; access, refusals and audit over the API.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '@argus/core';
import { ffmpegPath, ffprobePath } from '@argus/core/media';
import { CameraFarm } from '@argus/driver-simulated';
import { loadServerConfig, startServer, type AuditEntry, type RunningServer } from '@argus/server';
import { apiClient } from '../api-client.test-helper.js';

const run = promisify(execFile);
const ADMIN = { username: 'admin', password: 'Initial#Admin1' };
const WAIT_MS = 45_000;
const H264 = 'hls-h264';
const H265 = 'hls-h265';
/** A camera whose RTSP path the farm does not serve. */
const MISSING = 'hls-missing';
/** The server's clock: real time plus a skew the last test moves forward, to make views idle without waiting. */
let skewMs = 0;
const clock: Clock = { now: () => Date.now() + skewMs };
let farm: CameraFarm;
let server: RunningServer;
const { api, loginFresh } = apiClient(() => server.url);
let dir: string;
let admin: string;
let officer: string;

const hls = (camera: string, file = 'index.m3u8', query = '') => `/api/v1/cameras/${camera}/live/hls/${file}${query}`;
const json = (method: string, body: unknown): RequestInit => ({ method, body: JSON.stringify(body) });

interface Answer {
  status: number;
  type: string | null;
  cache: string | null;
  retryAfter: string | null;
  bytes: Buffer;
}

async function get(path: string, token?: string): Promise<Answer> {
  const res = await fetch(`${server.url}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  const header = (name: string) => res.headers.get(name);
  return { status: res.status, type: header('content-type'), cache: header('cache-control'), retryAfter: header('retry-after'), bytes: Buffer.from(await res.arrayBuffer()) };
}

async function errorOf(path: string, token?: string): Promise<[number, string | undefined]> {
  const res = await get(path, token);
  return [res.status, (JSON.parse(res.bytes.toString()) as { code?: string }).code];
}

function mediaSequence(playlist: string): number {
  return Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(playlist)?.[1]);
}

function segmentUris(playlist: string): string[] {
  return playlist.split('\n').filter((line) => line.startsWith('seg-'));
}

function lastSegment(playlist: string): number {
  return Number(/^seg-(\d+)/.exec(segmentUris(playlist).at(-1)!)![1]);
}

async function auditEntries(): Promise<AuditEntry[]> {
  return (await api<{ entries: AuditEntry[] }>('/api/v1/audit?limit=1000', admin)).body.entries;
}

interface ProbedStream {
  codec_name: string;
  codec_tag_string: string;
  width: number;
  height: number;
  nb_read_frames?: string;
}

/**
 * ffprobe's report of the first video stream; frames counted for files. (Over http, the 2018 ffmpeg's HLS demuxer
 * takes `.m4s` URIs with a query as they are: its `allowed_extensions` check applies to local files only.)
 */
async function probe(input: string, countFrames: boolean): Promise<ProbedStream> {
  const { stdout } = await run(
    ffprobePath(),
    ['-v', 'error', ...(countFrames ? ['-count_frames'] : []), '-select_streams', 'v:0', '-show_streams', '-of', 'json', input],
    { timeout: WAIT_MS },
  );
  return (JSON.parse(stdout) as { streams: ProbedStream[] }).streams[0]!;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'argus-live-hls-'));
  const small = { width: 320, height: 240, fps: 10, gopSeconds: 1, loopSeconds: 2 };
  farm = new CameraFarm({
    cameras: [
      { id: 'farm-264', codec: 'h264', ...small },
      { id: 'farm-265', codec: 'h265', ...small },
    ],
    cacheDir: join(tmpdir(), 'argus-farm-cache-tests'),
  });
  await farm.start();
  const config = await loadServerConfig({ env: { ARGUS_PORT: '0', ARGUS_HOST: '127.0.0.1', ARGUS_DATA_DIR: dir, ARGUS_LOG_LEVEL: 'silent' } });
  server = await startServer({ config, clock, adminPassword: ADMIN.password, authRateLimit: false, storage: false });
  admin = await loginFresh(ADMIN.username, ADMIN.password, 'Changed#Admin2');
  const cameras = [
    { id: H264, agency: 'police', path: '/farm-264' },
    { id: H265, agency: 'transport', path: '/farm-265' },
    { id: MISSING, agency: 'police', path: '/nothing-here' },
  ];
  for (const { id, agency, path } of cameras) {
    const body = { id, name: id, agency, category: 'security', cameraType: 26, driver: 'rtsp', ptz: false, connection: { host: '127.0.0.1', port: farm.port, path } };
    expect((await api('/api/v1/cameras', admin, json('POST', body))).status).toBe(201);
  }
  expect((await api('/api/v1/users', admin, json('POST', { username: 'officer', agency: 'police', password: 'Police#Pass1' }))).status).toBe(201);
  officer = await loginFresh('officer', 'Police#Pass1', 'Police#Pass2');
}, 180_000);

afterAll(async () => {
  await server?.close();
  await farm?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/v1/cameras/:id/live/hls/index.m3u8', () => {
  it('serves an H.264 camera that ffprobe reads, and ffmpeg copies 3 s of', async () => {
    const url = `${server.url}${hls(H264, 'index.m3u8', `?token=${encodeURIComponent(admin)}`)}`;
    expect(await probe(url, false)).toMatchObject({ codec_name: 'h264', width: 320, height: 240 });

    const out = join(dir, 'h264.mp4');
    await run(ffmpegPath(), ['-v', 'error', '-y', '-i', url, '-t', '3', '-c', 'copy', out], { timeout: WAIT_MS });
    const copied = await probe(out, true);
    expect(copied).toMatchObject({ codec_name: 'h264', width: 320, height: 240 });
    expect(Number(copied.nb_read_frames)).toBeGreaterThanOrEqual(20);
  }, 120_000);

  it('serves an H.265 camera in an hvc1 sample entry', async () => {
    const url = `${server.url}${hls(H265, 'index.m3u8', `?profile=main&token=${encodeURIComponent(admin)}`)}`;
    expect(await probe(url, false)).toMatchObject({ codec_name: 'hevc', codec_tag_string: 'hvc1', width: 320, height: 240 });
    const init = await get(hls(H265, 'init.mp4'), admin);
    expect(init.status).toBe(200);
    expect(init.bytes.subarray(4, 8).toString()).toBe('ftyp');
    expect(init.bytes.includes('hvcC')).toBe(true);
  }, 120_000);

  it('writes a version 7 playlist whose URIs carry the query token on, and only when it came that way', async () => {
    const viaQuery = await get(hls(H264, 'index.m3u8', `?token=${encodeURIComponent(admin)}`));
    expect(viaQuery.status).toBe(200);
    expect(viaQuery.type).toMatch(/^application\/vnd\.apple\.mpegurl/);
    expect(viaQuery.cache).toBe('no-store');
    const text = viaQuery.bytes.toString();
    for (const tag of ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:2', '#EXT-X-INDEPENDENT-SEGMENTS', '#EXT-X-PROGRAM-DATE-TIME:']) expect(text).toContain(tag);
    const map = /#EXT-X-MAP:URI="([^"]+)"/.exec(text)![1]!;
    expect(map).toMatch(/^init-\d+\.mp4\?profile=main&token=/);
    const uri = segmentUris(text).at(-1)!;
    expect(uri).toMatch(/^seg-\d+\.m4s\?profile=main&token=/);
    // Fetched as the player would: relative to the playlist, no header.
    const segment = await get(hls(H264, uri));
    expect(segment.status).toBe(200);
    expect(segment.type).toBe('video/mp4');
    expect(segment.bytes.subarray(4, 8).toString()).toBe('moof');
    expect((await get(hls(H264, map))).bytes.subarray(4, 8).toString()).toBe('ftyp');

    const viaHeader = (await get(hls(H264), admin)).bytes.toString();
    expect(viaHeader).not.toContain('token=');
    expect(segmentUris(viaHeader).at(-1)).toMatch(/^seg-\d+\.m4s\?profile=main$/);
  }, 60_000);

  it('lets the officer watch their agency camera, and hides the other agency camera (404)', async () => {
    expect((await get(hls(H264), officer)).status).toBe(200);
    const playlist = (await get(hls(H264), admin)).bytes.toString();
    expect((await get(hls(H264, segmentUris(playlist).at(-1)!), officer)).status).toBe(200);
    expect(await errorOf(hls(H265), officer)).toEqual([404, 'ARGUS_ERR_DEVICE_NOT_FOUND']);
    expect(await errorOf(hls(H265, 'init.mp4'), officer)).toEqual([404, 'ARGUS_ERR_DEVICE_NOT_FOUND']);
    expect(await errorOf(hls('no-such-camera'), officer)).toEqual([404, 'ARGUS_ERR_DEVICE_NOT_FOUND']);
  }, 60_000);

  it('refuses requests without a session (401), bad queries (400) and unknown files (404)', async () => {
    expect(await errorOf(hls(H264))).toEqual([401, 'ARGUS_ERR_API_UNAUTHORIZED']);
    expect(await errorOf(hls(H264, 'seg-0.m4s'))).toEqual([401, 'ARGUS_ERR_API_UNAUTHORIZED']);
    expect(await errorOf(hls(H264, 'index.m3u8', '?token=not-a-session'))).toEqual([401, 'ARGUS_ERR_API_UNAUTHORIZED']);
    for (const query of ['?profile=hd', '?start=0', `?profile=main&quality=high&token=${encodeURIComponent(admin)}`]) {
      expect(await errorOf(hls(H264, 'index.m3u8', query), admin), query).toEqual([400, 'ARGUS_ERR_API_INVALID_REQUEST']);
    }
    expect(await errorOf(hls(H264, 'seg-0.m4s', '?profile=4k'), admin)).toEqual([400, 'ARGUS_ERR_API_INVALID_REQUEST']);
    for (const file of ['seg-999999999.m4s', 'init-77.mp4', 'seg-x.m4s', 'index.ts', 'seg-1.m4s?profile=sub']) {
      expect(await errorOf(hls(H264, file), admin), file).toEqual([404, 'ARGUS_ERR_API_NOT_FOUND']);
    }
    const unknown = await get(hls(H264, 'seg-999999999.m4s', `?token=${encodeURIComponent(admin)}`));
    expect(unknown.bytes.toString()).not.toContain(admin);
  }, 60_000);

  it('answers 502 when the camera stream fails', async () => {
    const res = await get(hls(MISSING), admin);
    expect(res.status).toBe(502);
    expect(res.retryAfter).toBe('2');
    expect((JSON.parse(res.bytes.toString()) as { code: string }).code).toBe('ARGUS_ERR_STREAM_UPSTREAM_FAILED');
  }, 60_000);

  it('slides its window across reloads', async () => {
    const first = (await get(hls(H264), admin)).bytes.toString();
    let latest = first;
    for (let i = 0; i < WAIT_MS / 500 && mediaSequence(latest) <= mediaSequence(first); i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      latest = (await get(hls(H264), admin)).bytes.toString();
    }
    expect(mediaSequence(latest)).toBeGreaterThan(mediaSequence(first));
    expect(segmentUris(latest)).toHaveLength(6);
    expect(lastSegment(latest)).toBeGreaterThan(lastSegment(first));
  }, 60_000);

  it('goes on after a discontinuity when the camera stream is replaced (as after a change of the camera)', async () => {
    const before = (await get(hls(H264), admin)).bytes.toString();
    server.kernel.streams.remove(H264, 'main');
    const after = (await get(hls(H264), admin)).bytes.toString();
    expect(mediaSequence(after)).toBeGreaterThan(lastSegment(before));
    expect(after.split('\n').slice(4, 6)).toEqual(['#EXT-X-INDEPENDENT-SEGMENTS', '#EXT-X-DISCONTINUITY']);
    expect(after).toMatch(/#EXT-X-MAP:URI="init-1\.mp4/);
  }, 60_000);

  it('audits one live.view per user and packager, and live.view.end once their requests stop', async () => {
    let entries = await auditEntries();
    const views = (actor: string, target: string) =>
      entries.filter((e) => e.action === 'live.view' && e.actor === actor && e.target === target && e.details?.['transport'] === 'hls');
    expect(views('admin', H264)).toHaveLength(1);
    expect(views('admin', H265)).toHaveLength(1);
    expect(views('officer', H264)).toHaveLength(1);
    expect(views('admin', H264)[0]).toMatchObject({ outcome: 'success', details: { profile: 'main', transport: 'hls' } });

    skewMs += 31_000;
    const ends = () => entries.filter((e) => e.action === 'live.view.end' && e.details?.['transport'] === 'hls' && e.target !== MISSING);
    for (let i = 0; i < 100 && ends().length < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      entries = await auditEntries();
    }
    expect(ends().map((e) => `${e.actor} ${e.target}`).sort()).toEqual([`admin ${H264}`, `admin ${H265}`, `officer ${H264}`]);
    const adminEnd = ends().find((e) => e.actor === 'admin' && e.target === H264)!;
    expect(adminEnd.details).toMatchObject({ profile: 'main', transport: 'hls', reason: 'idle' });
    expect(adminEnd.details!['durationMs']).toBeGreaterThan(0);

    // The packager went with its viewers: the next playlist request starts another, and another view.
    expect((await get(hls(H264, 'seg-0.m4s'), admin)).status).toBe(404);
    expect((await get(hls(H264), admin)).status).toBe(200);
    entries = await auditEntries();
    expect(views('admin', H264)).toHaveLength(2);
  }, 60_000);
});
