// Camera health over a real port, with the demo farm: a viewed camera is online, an unviewed one unknown.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, type Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '@argus/server';
import type { CameraHealth } from './health-monitor.js';
import type { CameraHealthPage, HealthSummary } from './health-routes.js';
import { apiClient, startDemoServer } from '../api-client.test-helper.js';

const ADMIN = { username: 'admin', password: 'Initial#Admin1' };
let server: RunningServer;
const { api, loginFresh } = apiClient(() => server.url);
let dir: string;
let adminToken: string;
let viewer: Subscription | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'argus-health-'));
  server = await startDemoServer(dir, 2, ADMIN.password);
  adminToken = await loginFresh(ADMIN.username, ADMIN.password, 'Changed#Admin2');
}, 180_000);

afterAll(async () => {
  viewer?.unsubscribe();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('camera health', () => {
  it('is unknown for every camera before anything was asked of them', async () => {
    server.health.sampleNow();
    const { status, body } = await api<CameraHealthPage>('/api/v1/health/cameras', adminToken);
    expect(status).toBe(200);
    expect(body.items.map((c) => [c.id, c.status, c.availability24h])).toEqual([
      ['demo-cam-01', 'unknown', null],
      ['demo-cam-02', 'unknown', null],
    ]);
  });

  it('shows a viewed camera online with its rate, and the other unknown; the summary counts match', async () => {
    const hub = server.kernel.streams.hub('demo-cam-01');
    viewer = hub.live$().subscribe();
    await firstValueFrom(hub.live$());
    // The meter needs more than one packet for a rate.
    while (hub.stats().fps === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    server.health.sampleNow();

    const { body } = await api<CameraHealthPage>('/api/v1/health/cameras', adminToken);
    const [cam1, cam2] = body.items;
    expect(cam1).toMatchObject({ id: 'demo-cam-01', status: 'online', recording: 'not-recording', availability24h: 100, availability7d: 100 });
    expect(cam1!.fps).toBeGreaterThan(0);
    expect(cam1!.bitrateKbps).toBeGreaterThan(0);
    expect(Date.parse(cam1!.lastFrameAt!)).toBeGreaterThan(0);
    expect(cam2).toMatchObject({ id: 'demo-cam-02', status: 'unknown', fps: 0, lastFrameAt: null, availability24h: null });

    const one = await api<CameraHealth>('/api/v1/cameras/demo-cam-01/health', adminToken);
    expect(one.status).toBe(200);
    expect(one.body.status).toBe('online');

    const summary = await api<HealthSummary>('/api/v1/health/summary', adminToken);
    expect(summary.status).toBe(200);
    expect(summary.body.cameras).toEqual({ total: 2, online: 1, offline: 0, unknown: 1 });
    expect(summary.body.streams).toMatchObject({ total: 1, live: 1 });
    expect(summary.body.streams.consumers).toBeGreaterThanOrEqual(1);
    expect(summary.body.plugins).toMatchObject({ failed: [] });
    expect(summary.body.plugins.running).toBe(summary.body.plugins.total);
    expect(summary.body.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });

  it('answers 401 without a session', async () => {
    for (const path of ['/api/v1/health/cameras', '/api/v1/health/summary', '/api/v1/cameras/demo-cam-01/health']) {
      const res = await api<{ code: string }>(path);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('ARGUS_ERR_API_UNAUTHORIZED');
    }
  });

  it("scopes health to the caller's agency: another agency's camera is 404", async () => {
    const created = await api('/api/v1/users', adminToken, { method: 'POST', body: JSON.stringify({ username: 'officer', agency: 'police', password: 'Police#Pass1' }) });
    expect(created.status).toBe(201);
    const officer = await loginFresh('officer', 'Police#Pass1', 'Police#Pass2');
    const list = await api<CameraHealthPage>('/api/v1/health/cameras', officer);
    expect(list.body.items.map((c) => c.id)).toEqual(['demo-cam-01']);
    const other = await api<{ code: string }>('/api/v1/cameras/demo-cam-02/health', officer);
    expect(other.status).toBe(404);
    expect(other.body.code).toBe('ARGUS_ERR_DEVICE_NOT_FOUND');
    const summary = await api<HealthSummary>('/api/v1/health/summary', officer);
    expect(summary.body.cameras).toEqual({ total: 1, online: 1, offline: 0, unknown: 0 });
  });
});
