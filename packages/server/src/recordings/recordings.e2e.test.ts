// Recording, playback, evidence lock and export through a real port: the demo farm's cameras are recorded by the
// storage plugin, played back as fMP4 and HLS (checked with ffprobe/ffmpeg), locked, exported and verified.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegPath, ffprobePath } from '@argus/core/media';
import { verifyExport, type EvidenceLock, type ExportStatus, type Timeline } from '@argus/plugin-storage';
import { main, type AuditEntry, type RunningServer } from '@argus/server';
import { apiClient, startDemoServer } from '../api-client.test-helper.js';

const run = promisify(execFile);
const ADMIN = { username: 'admin', password: 'Initial#Admin1' };
const CAMERA = 'demo-cam-01'; // agency police
let server: RunningServer;
const { api, loginFresh } = apiClient(() => server.url);
let dir: string;
let admin: string;
let officer: string;
let span: { start: number; end: number };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const iso = (ms: number): string => new Date(ms).toISOString();

async function fetchBytes(path: string, token: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

async function frames(file: string): Promise<number> {
  const { stdout } = await run(ffprobePath(), ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file]);
  return Number(stdout.trim());
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'argus-recordings-e2e-'));
  server = await startDemoServer(join(dir, 'data'), 2, ADMIN.password, { record: true });
  admin = await loginFresh(ADMIN.username, ADMIN.password, 'Changed#Admin2');
  expect((await api('/api/v1/users', admin, { method: 'POST', body: JSON.stringify({ username: 'tram', agency: 'transport', password: 'Transport#Pw1' }) })).status).toBe(201);
  officer = await loginFresh('tram', 'Transport#Pw1', 'Transport#Pw2');
  // Wait until the recorder has catalogued a few seconds of the camera.
  const started = Date.now();
  for (;;) {
    const now = Date.now();
    const answer = await api<Timeline>(`/api/v1/cameras/${CAMERA}/recordings/timeline?from=${iso(started - 60_000)}&to=${iso(now + 60_000)}`, admin);
    expect(answer.status).toBe(200);
    const first = answer.body.spans[0];
    if (first !== undefined && first.end - first.start >= 5_000) {
      span = { start: first.start, end: first.end };
      break;
    }
    if (now - started > 45_000) throw new Error(`no 5 s span recorded in 45 s: ${JSON.stringify(answer.body)}`);
    await sleep(500);
  }
}, 90_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('recordings over the API', () => {
  it('shows the recorder in the camera health', async () => {
    const health = await api<{ recording: string }>(`/api/v1/cameras/${CAMERA}/health`, admin);
    expect(health.body.recording).toBe('recording');
  });

  it('plays a recorded range back as one fMP4 stream that ffprobe reads and ffmpeg decodes, and audits it', async () => {
    const answer = await fetchBytes(`/api/v1/cameras/${CAMERA}/recordings/play?from=${iso(span.start + 1_000)}&to=${iso(span.end)}`, admin);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^video\/mp4/);
    // Playback starts at the keyframe at or before `from`.
    expect(Date.parse(answer.headers.get('x-argus-start-time') ?? '')).toBeLessThanOrEqual(span.start + 1_000);
    const file = join(dir, 'play.mp4');
    writeFileSync(file, answer.bytes);
    expect(await frames(file)).toBeGreaterThan(25);
    await run(ffmpegPath(), ['-v', 'error', '-i', file, '-f', 'null', '-']);
    const audit = await api<{ entries: AuditEntry[] }>('/api/v1/audit?limit=1000', admin);
    expect(audit.body.entries.some((e) => e.action === 'playback.view' && e.target === CAMERA && e.details?.['transport'] === 'fmp4')).toBe(true);
  });

  it("answers the issue's paths: a camera-day's timeline and playback.mp4", async () => {
    const day = iso(span.start).slice(0, 10);
    const byDay = await api<Timeline>(`/api/v1/cameras/${CAMERA}/timeline?day=${day}`, admin);
    expect(byDay.status).toBe(200);
    expect(byDay.body.spans.some((s) => s.start <= span.start + 1_000 && s.end >= span.start + 1_000)).toBe(true);
    const local = await api<Timeline>(`/api/v1/cameras/${CAMERA}/timeline?day=${day}&tz=UTC`, admin);
    expect(local.body.spans.length).toBe(byDay.body.spans.length);
    for (const query of ['day=2026-02-30', `day=${day}&tz=Mars/Olympus`, 'day=today', `day=${day}&colour=red`]) {
      const res = await api<{ code: string }>(`/api/v1/cameras/${CAMERA}/timeline?${query}`, admin);
      expect(res.status, query).toBe(400);
    }
    const video = await fetchBytes(`/api/v1/cameras/${CAMERA}/playback.mp4?from=${iso(span.start + 1_000)}&to=${iso(span.end)}`, admin);
    expect(video.status).toBe(200);
    expect(video.headers.get('content-type')).toMatch(/^video\/mp4/);
    expect(video.bytes.byteLength).toBeGreaterThan(10_000);
    expect((await api(`/api/v1/cameras/${CAMERA}/timeline?day=${day}`, officer)).status).toBe(404);
  });

  it('serves an HLS VOD playlist whose segment files answer byte ranges', async () => {
    const playlist = await fetchBytes(`/api/v1/cameras/${CAMERA}/recordings/playlist.m3u8?from=${iso(span.start)}&to=${iso(span.end)}`, admin);
    expect(playlist.status).toBe(200);
    const text = playlist.bytes.toString();
    expect(text).toMatch(/^#EXTM3U/);
    expect(text).toContain('#EXT-X-ENDLIST');
    const map = /#EXT-X-MAP:URI="([^"]+)",BYTERANGE="(\d+)@0"/.exec(text);
    expect(map).not.toBeNull();
    const media = `/api/v1/cameras/${CAMERA}/recordings/${map![1]}`;
    const ranged = await fetchBytes(media, admin, { range: `bytes=0-${Number(map![2]) - 1}` });
    expect(ranged.status).toBe(206);
    expect(ranged.bytes.length).toBe(Number(map![2]));
    expect(ranged.bytes.subarray(4, 8).toString()).toBe('ftyp');
    expect((await fetchBytes(media, admin, { range: 'bytes=999999999-' })).status).toBe(416);
    expect((await api(`/api/v1/cameras/${CAMERA}/recordings/segments/main/../../x.mp4`, admin)).status).toBe(404);
    expect((await api<{ code: string }>(`/api/v1/cameras/${CAMERA}/recordings/segments/main/abc.mp4`, admin)).status).toBe(400);
  });

  it('locks evidence, keeps it listed, audits lock and unlock, and lets only the owner or an admin unlock', async () => {
    const placed = await api<EvidenceLock>('/api/v1/evidence-locks', admin, {
      method: 'POST',
      body: JSON.stringify({ camera: CAMERA, from: iso(span.start), to: iso(span.end), reason: 'case 2026-118: incident at the gate' }),
    });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ camera: CAMERA, owner: 'admin', start: span.start, end: span.end });
    const listed = await api<{ items: EvidenceLock[] }>(`/api/v1/evidence-locks?camera=${CAMERA}`, admin);
    expect(listed.body.items.map((l) => l.id)).toContain(placed.body.id);
    // Another agency sees neither the lock nor the camera.
    expect((await api<{ items: EvidenceLock[] }>('/api/v1/evidence-locks', officer)).body.items).toEqual([]);
    expect((await api<{ code: string }>(`/api/v1/evidence-locks/${placed.body.id}`, officer, { method: 'DELETE' })).body.code).toBe('ARGUS_ERR_STORAGE_LOCK_NOT_FOUND');
    const removed = await api<EvidenceLock>(`/api/v1/evidence-locks/${placed.body.id}`, admin, { method: 'DELETE' });
    expect(removed.status).toBe(200);
    const audit = await api<{ entries: AuditEntry[] }>('/api/v1/audit?limit=1000', admin);
    const actions = audit.body.entries.filter((e) => e.details?.['id'] === placed.body.id).map((e) => e.action);
    expect(actions.sort()).toEqual(['evidence.lock', 'evidence.unlock']);
  });

  it('exports a signed case that verify-export accepts, and reports a changed byte', async () => {
    const started = await api<ExportStatus>('/api/v1/exports', admin, {
      method: 'POST',
      body: JSON.stringify({ cameras: [CAMERA, 'demo-cam-02'], from: iso(span.start), to: iso(span.end) }),
    });
    expect(started.status).toBe(202);
    let status = started.body;
    for (let i = 0; i < 100 && status.state === 'running'; i++) {
      await sleep(200);
      status = (await api<ExportStatus>(`/api/v1/exports/${started.body.id}`, admin)).body;
    }
    expect(status.state).toBe('completed');
    expect(status).not.toHaveProperty('dir');
    expect(status.files).toContain('manifest.json');
    const out = join(dir, 'case');
    mkdirSync(out);
    for (const name of status.files ?? []) {
      const file = await fetchBytes(`/api/v1/exports/${status.id}/files/${name}`, admin);
      expect(file.status).toBe(200);
      writeFileSync(join(out, name), file.bytes, { flag: 'w' });
    }
    expect((await verifyExport(out)).ok).toBe(true);
    const lines: string[] = [];
    const io = { out: (t: string) => lines.push(t), err: (t: string) => lines.push(t), env: {} };
    expect(await main(['verify-export', out], io)).toBe(0);
    const mp4 = (status.files ?? []).find((n) => n.endsWith('.mp4'))!;
    const bytes = readFileSync(join(out, mp4));
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
    writeFileSync(join(out, mp4), bytes);
    lines.length = 0;
    expect(await main(['verify-export', out], io)).toBe(1);
    expect(lines.join('')).toMatch(new RegExp(`changed ${mp4.replace('.', '\\.')}`));
    // The export belongs to its author: another user gets 404.
    expect((await api(`/api/v1/exports/${status.id}`, officer)).status).toBe(404);
  }, 60_000);

  it('records around a camera event in event mode, from the pre-buffer to the post-buffer, and marks it', async () => {
    const camera = 'demo-cam-02';
    server.kernel.config.update({ cameras: { [camera]: { settings: { recording: { mode: 'event', preBufferSeconds: 2, postBufferSeconds: 1 } } } } });
    const status = () => api<{ mode: string; recording: boolean; preBufferSeconds: number }>(`/api/v1/cameras/${camera}/recordings/status`, admin);
    // The continuous recording winds down; then the pre-buffer fills.
    for (let i = 0; i < 100 && (await status()).body.recording; i++) await sleep(100);
    expect((await status()).body).toMatchObject({ mode: 'event', recording: false });
    // The pre-buffer keeps whole GOPs covering 2 s (up to 4 s with the farm's 2 s GOP), and the timeline merges spans
    // less than 1.5 s apart: wait longer than both, so the event's recording is a span of its own.
    await sleep(7_000);
    const before = await api<Timeline>(`/api/v1/cameras/${camera}/recordings/timeline?from=${iso(Date.now() - 600_000)}&to=${iso(Date.now() + 60_000)}`, admin);
    const quietUntil = Math.max(0, ...before.body.spans.map((s) => s.end));
    const t = Date.now();
    const raised = await api<{ id: string }>(`/api/v1/cameras/${camera}/events`, admin, { method: 'POST', body: JSON.stringify({ type: 'motion', durationSeconds: 1, note: 'gate' }) });
    expect(raised.status).toBe(202);
    let timeline: Timeline | undefined;
    for (let i = 0; i < 150; i++) {
      await sleep(200);
      timeline = (await api<Timeline>(`/api/v1/cameras/${camera}/recordings/timeline?from=${iso(t - 600_000)}&to=${iso(Date.now() + 60_000)}`, admin)).body;
      if (!(await status()).body.recording && timeline.spans.some((s) => s.start > quietUntil)) break;
    }
    const recorded = timeline!.spans.find((s) => s.start > quietUntil);
    expect(recorded).toBeDefined();
    // Pre-buffer: it starts before the event (at a keyframe up to 2 s before); post-buffer: it runs past event end + 1 s.
    expect(recorded!.start).toBeLessThan(t);
    expect(recorded!.start).toBeGreaterThanOrEqual(t - 4_000 - 500);
    expect(recorded!.end).toBeGreaterThanOrEqual(t + 1_500);
    expect(timeline!.marks).toContainEqual(expect.objectContaining({ id: raised.body.id, type: 'motion', note: 'gate', source: 'user:admin' }));
  }, 90_000);

  it('refuses what it should: other agencies, bad times, empty ranges, non-admin storage usage', async () => {
    expect((await api<{ code: string }>(`/api/v1/cameras/${CAMERA}/recordings/timeline?from=${iso(span.start)}&to=${iso(span.end)}`, officer)).body.code).toBe(
      'ARGUS_ERR_DEVICE_NOT_FOUND',
    );
    const bad = await api<{ code: string }>(`/api/v1/cameras/${CAMERA}/recordings/timeline?from=yesterday&to=${iso(span.end)}`, admin);
    expect([bad.status, bad.body.code]).toEqual([400, 'ARGUS_ERR_STORAGE_RANGE_INVALID']);
    const empty = await api<{ code: string }>(`/api/v1/cameras/${CAMERA}/recordings/play?from=2001-01-01T00:00:00Z&to=2001-01-01T00:01:00Z`, admin);
    expect([empty.status, empty.body.code]).toEqual([404, 'ARGUS_ERR_STORAGE_NO_RECORDING']);
    expect((await api<{ code: string }>('/api/v1/storage', officer)).status).toBe(403);
    const usage = await api<{ usage: { camera: string; bytes: number }[]; recorders: { camera: string; recording: boolean }[] }>('/api/v1/storage', admin);
    expect(usage.body.usage.find((u) => u.camera === CAMERA)?.bytes).toBeGreaterThan(0);
    expect(usage.body.recorders.find((r) => r.camera === CAMERA)?.recording).toBe(true);
    expect((await api(`/api/v1/exports`, admin, { method: 'POST', body: JSON.stringify({ cameras: [CAMERA], from: iso(span.end), to: iso(span.start) }) })).status).toBe(400);
  });

  it('answers bad requests with typed errors and changes nothing', async () => {
    const post = (path: string, body: unknown, token: string | undefined = admin) =>
      api<{ code: string }>(path, token, { method: 'POST', body: JSON.stringify(body) });
    const lock = { camera: CAMERA, from: iso(span.start), to: iso(span.end), reason: 'case' };
    expect((await post('/api/v1/evidence-locks', { ...lock, reason: undefined })).body.code).toBe('ARGUS_ERR_API_INVALID_REQUEST');
    expect((await post('/api/v1/evidence-locks', { ...lock, owner: 'someone-else' })).body.code).toBe('ARGUS_ERR_API_INVALID_REQUEST');
    expect((await post('/api/v1/evidence-locks', { ...lock, from: iso(span.end), to: iso(span.start) })).body.code).toBe('ARGUS_ERR_STORAGE_RANGE_INVALID');
    expect((await post('/api/v1/evidence-locks', { ...lock, expires: '2001-01-01T00:00:00Z' })).body.code).toBe('ARGUS_ERR_STORAGE_RANGE_INVALID');
    expect((await post('/api/v1/evidence-locks', { ...lock, camera: 'no-such-camera' })).body.code).toBe('ARGUS_ERR_DEVICE_NOT_FOUND');
    expect((await api<{ items: EvidenceLock[] }>(`/api/v1/evidence-locks?camera=${CAMERA}`, admin)).body.items).toEqual([]);
    expect((await post('/api/v1/exports', { cameras: [CAMERA, 'no-such-camera'], from: iso(span.start), to: iso(span.end) })).body.code).toBe('ARGUS_ERR_DEVICE_NOT_FOUND');
    expect((await post('/api/v1/exports', { cameras: [], from: iso(span.start), to: iso(span.end) })).status).toBe(400);
    expect((await post(`/api/v1/cameras/${CAMERA}/events`, { type: 'Motion!' })).status).toBe(400);
    expect((await post(`/api/v1/cameras/${CAMERA}/recordings/manual`, { action: 'pause' })).status).toBe(400);
    expect((await api<{ code: string }>('/api/v1/exports/no-such-export', admin)).status).toBe(404);
    expect((await api<{ code: string }>(`/api/v1/cameras/${CAMERA}/recordings/timeline?from=${iso(span.start)}&to=${iso(span.end)}`)).status).toBe(401);
    expect((await api<{ code: string }>(`/api/v1/cameras/${CAMERA}/recordings/timeline?from=${iso(span.start)}`, admin)).status).toBe(400);
  });
});
