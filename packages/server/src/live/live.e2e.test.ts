// Live view as fMP4 over WebSocket, through a real port, from the demo camera farm; checked with ffprobe and ffmpeg.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ffmpegPath, ffprobePath } from '@argus/core/media';
import type { AuditEntry, RunningServer } from '@argus/server';
import { apiClient, startDemoServer } from '../api-client.test-helper.js';

const run = promisify(execFile);
const ADMIN = { username: 'admin', password: 'Initial#Admin1' };
const WAIT_MS = 30_000;
let server: RunningServer;
const { api, loginFresh } = apiClient(() => server.url);
let dir: string;
let adminToken: string;

function wsUrl(path: string): string {
  return `${server.url.replace(/^http/, 'ws')}${path}`;
}

/** Opens a live view and collects the init message, then `binaries` binary messages (init segment + fragments). */
function collect(path: string, token: string, binaries: number): Promise<{ init: { type: string; mimeType: string }; chunks: Buffer[] }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl(path), { headers: { authorization: `Bearer ${token}` } });
    const chunks: Buffer[] = [];
    let init: { type: string; mimeType: string } | undefined;
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`timed out with ${chunks.length} binary messages`));
    }, WAIT_MS);
    socket.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) {
        init = JSON.parse(data.toString()) as { type: string; mimeType: string };
        return;
      }
      if (init === undefined) return reject(new Error('binary message before the init message'));
      chunks.push(data);
      if (chunks.length === binaries) {
        clearTimeout(timer);
        socket.close(1000);
        resolve({ init, chunks });
      }
    });
    socket.on('close', (code, reason) => {
      clearTimeout(timer);
      if (chunks.length < binaries) reject(new Error(`closed ${code} ${reason.toString()} after ${chunks.length} binary messages`));
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Opens a WebSocket expected to be refused; returns the HTTP status and body of the refusal. */
function refusal(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: { code?: string } }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl(path), { headers });
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error('timed out waiting for the refusal'));
    }, WAIT_MS);
    socket.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: (text === '' ? {} : JSON.parse(text)) as { code?: string } });
      });
    });
    socket.on('open', () => {
      clearTimeout(timer);
      socket.close();
      reject(new Error('the upgrade was accepted'));
    });
    socket.on('error', () => undefined);
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'argus-live-'));
  server = await startDemoServer(dir, 2, ADMIN.password);
  adminToken = await loginFresh(ADMIN.username, ADMIN.password, 'Changed#Admin2');
}, 180_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/v1/cameras/:id/live/ws', () => {
  it('streams fMP4 (init message, init segment, one fragment per GOP) that ffprobe and ffmpeg accept', async () => {
    const camera = server.kernel.devices.tryGet('demo-cam-01')!;
    const [, width, height] = /(\d+)x(\d+)/.exec(camera.name)!;
    const { init, chunks } = await collect('/api/v1/cameras/demo-cam-01/live/ws?profile=main', adminToken, 3);
    expect(init.type).toBe('init');
    expect(init.mimeType).toMatch(/^video\/mp4; codecs="(avc1|hvc1|hev1)\./);
    expect(chunks[0]!.subarray(4, 8).toString()).toBe('ftyp');
    expect(chunks.slice(1).every((chunk) => chunk.subarray(4, 8).toString() === 'moof')).toBe(true);
    const file = join(dir, 'live.mp4');
    writeFileSync(file, Buffer.concat(chunks));

    const { stdout } = await run(ffprobePath(), ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_streams', '-of', 'json', file]);
    const stream = (JSON.parse(stdout) as { streams: { codec_name: string; width: number; height: number; nb_read_frames: string }[] }).streams[0]!;
    expect(['h264', 'hevc']).toContain(stream.codec_name);
    expect({ width: stream.width, height: stream.height }).toEqual({ width: Number(width), height: Number(height) });
    expect(Number(stream.nb_read_frames)).toBeGreaterThan(0);
    await expect(run(ffmpegPath(), ['-v', 'error', '-xerror', '-i', file, '-f', 'null', '-'])).resolves.toBeDefined();

    const audit = await api<{ entries: AuditEntry[] }>('/api/v1/audit?limit=1000', adminToken);
    const view = audit.body.entries.find((e) => e.action === 'live.view' && e.target === 'demo-cam-01');
    expect(view).toMatchObject({ actor: 'admin', outcome: 'success', details: { profile: 'main', transport: 'ws' } });
  }, 60_000);

  it('audits the end of a view with its duration', async () => {
    let end: AuditEntry | undefined;
    for (let i = 0; i < 50 && end === undefined; i++) {
      const audit = await api<{ entries: AuditEntry[] }>('/api/v1/audit?limit=1000', adminToken);
      end = audit.body.entries.find((e) => e.action === 'live.view.end' && e.target === 'demo-cam-01');
      if (end === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(end).toMatchObject({ actor: 'admin', details: { profile: 'main', transport: 'ws' } });
    expect(end!.details!['durationMs']).toEqual(expect.any(Number));
  });

  it('accepts ?token= on the upgrade', async () => {
    const { init, chunks } = await new Promise<{ init: string; chunks: number }>((resolve, reject) => {
      const socket = new WebSocket(wsUrl(`/api/v1/cameras/demo-cam-02/live/ws?token=${encodeURIComponent(adminToken)}`));
      let first = '';
      const timer = setTimeout(() => reject(new Error('timed out')), WAIT_MS);
      socket.on('message', (data: Buffer, isBinary) => {
        if (!isBinary) first = data.toString();
        else {
          clearTimeout(timer);
          socket.close(1000);
          resolve({ init: first, chunks: 1 });
        }
      });
      socket.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    expect(JSON.parse(init)).toMatchObject({ type: 'init' });
    expect(chunks).toBe(1);
  }, 60_000);

  it('refuses the upgrade without a session (401)', async () => {
    const res = await refusal('/api/v1/cameras/demo-cam-01/live/ws');
    expect(res).toEqual({ status: 401, body: expect.objectContaining({ code: 'ARGUS_ERR_API_UNAUTHORIZED' }) });
    const bad = await refusal('/api/v1/cameras/demo-cam-01/live/ws?token=not-a-session');
    expect(bad.status).toBe(401);
  });

  it("refuses another agency's camera and unknown cameras with 404 before upgrading", async () => {
    const created = await api('/api/v1/users', adminToken, { method: 'POST', body: JSON.stringify({ username: 'officer', agency: 'police', password: 'Police#Pass1' }) });
    expect(created.status).toBe(201);
    const officer = await loginFresh('officer', 'Police#Pass1', 'Police#Pass2');
    expect(server.kernel.devices.tryGet('demo-cam-02')!.agency).not.toBe('police');
    for (const id of ['demo-cam-02', 'no-such-camera']) {
      const res = await refusal(`/api/v1/cameras/${id}/live/ws`, { authorization: `Bearer ${officer}` });
      expect(res).toEqual({ status: 404, body: expect.objectContaining({ code: 'ARGUS_ERR_DEVICE_NOT_FOUND' }) });
    }
    const badProfile = await refusal('/api/v1/cameras/demo-cam-01/live/ws?profile=hd', { authorization: `Bearer ${officer}` });
    expect(badProfile.status).toBe(400);
  });
});
