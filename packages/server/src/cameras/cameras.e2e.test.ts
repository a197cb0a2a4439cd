// The demo camera farm inside the server, and the camera routes with agency isolation, over a real port.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedactedCamera } from '@argus/core';
import type { CameraPage, RunningServer } from '@argus/server';
import { apiClient, startDemoServer } from '../api-client.test-helper.js';

const ADMIN = { username: 'admin', password: 'Initial#Admin1' };
let server: RunningServer;
const { api, loginFresh } = apiClient(() => server.url);
let dir: string;
let adminToken: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'argus-cameras-'));
  server = await startDemoServer(dir, 4, ADMIN.password);
  adminToken = await loginFresh(ADMIN.username, ADMIN.password, 'Changed#Admin2');
}, 180_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('demo farm in the server', () => {
  it('adds the farm cameras as devices of their families, and they stream through those drivers', async () => {
    expect(server.kernel.plugins.state('demo-farm')?.state).toBe('running');
    const { status, body } = await api<CameraPage>('/api/v1/cameras', adminToken);
    expect(status).toBe(200);
    expect(body.items.map((c) => [c.id, c.cameraType, c.driver, c.ptz])).toEqual([
      ['demo-cam-01', 23, 'onvif', true],
      ['demo-cam-02', 1, 'hikvision', true],
      ['demo-cam-03', 1, 'hikvision', false],
      ['demo-cam-04', 5, 'dahua', false],
    ]);
    expect(body.items.every((c) => c.tags.includes('demo') && c.connection.host === '127.0.0.1' && !('password' in c.connection))).toBe(true);
    // Through the Dahua driver: its API, Digest auth, then RTSP at /cam/realmonitor from the emulator.
    const packet = await firstValueFrom(server.kernel.streams.hub('demo-cam-04').live$());
    expect(packet).toMatchObject({ keyframe: true, track: { codec: 'h265', width: 640, height: 360 } });
    const info = await (await server.kernel.sessions.get('demo-cam-02')).require('deviceInfo').getDeviceInfo();
    expect(info).toMatchObject({ manufacturer: 'Hikvision', model: 'DS-2DE4425IW-DE' });
  });
});

describe('GET /api/v1/cameras', () => {
  it('filters, searches and pages by cursor', async () => {
    const traffic = await api<CameraPage>('/api/v1/cameras?category=traffic', adminToken);
    expect(traffic.body.items.map((c) => c.id)).toEqual(['demo-cam-02']);
    const search = await api<CameraPage>('/api/v1/cameras?q=street%203', adminToken);
    expect(search.body.items.map((c) => c.id)).toEqual(['demo-cam-03']);
    const page1 = await api<CameraPage>('/api/v1/cameras?limit=3', adminToken);
    expect(page1.body.items).toHaveLength(3);
    expect(page1.body.next).toBe('demo-cam-03');
    const page2 = await api<CameraPage>(`/api/v1/cameras?limit=3&cursor=${page1.body.next}`, adminToken);
    expect(page2.body.items.map((c) => c.id)).toEqual(['demo-cam-04']);
    expect(page2.body.next).toBeUndefined();
  });

  it('rejects bad queries with a registry error', async () => {
    for (const query of ['type=99', 'category=space', 'limit=0', 'colour=red']) {
      const res = await api<{ code: string }>(`/api/v1/cameras?${query}`, adminToken);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('ARGUS_ERR_API_INVALID_REQUEST');
    }
  });

  it('requires authentication on every camera route', async () => {
    for (const path of ['/api/v1/cameras', '/api/v1/cameras/demo-cam-01']) {
      const res = await api<{ code: string }>(path);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('ARGUS_ERR_API_UNAUTHORIZED');
    }
  });

  it("isolates agencies: a user sees only their agency's cameras, and 404 for any other", async () => {
    const created = await api('/api/v1/users', adminToken, { method: 'POST', body: JSON.stringify({ username: 'officer', agency: 'police', password: 'Police#Pass1' }) });
    expect(created.status).toBe(201);
    const officer = await loginFresh('officer', 'Police#Pass1', 'Police#Pass2');
    const list = await api<CameraPage>('/api/v1/cameras', officer);
    expect(list.body.items.map((c) => c.agency)).toEqual(['police']);
    const own = await api<RedactedCamera>(`/api/v1/cameras/${list.body.items[0]!.id}`, officer);
    expect(own.status).toBe(200);
    const other = await api<{ code: string }>('/api/v1/cameras/demo-cam-02', officer);
    expect(other.status).toBe(404);
    expect(other.body.code).toBe('ARGUS_ERR_DEVICE_NOT_FOUND');
    const missing = await api<{ code: string }>('/api/v1/cameras/no-such-camera', officer);
    expect(missing).toEqual({ status: 404, body: { code: 'ARGUS_ERR_DEVICE_NOT_FOUND', message: 'Camera "no-such-camera" does not exist' } });
    expect(other.body).toEqual({ code: 'ARGUS_ERR_DEVICE_NOT_FOUND', message: 'Camera "demo-cam-02" does not exist' });
  });

  it('never returns connection passwords', async () => {
    await server.kernel.devices.update('demo-cam-01', { connection: { username: 'viewer', password: 'Camera#Secret9' } });
    const one = await fetch(`${server.url}/api/v1/cameras/demo-cam-01`, { headers: { authorization: `Bearer ${adminToken}` } });
    const text = await one.text();
    expect(text).toContain('"username":"viewer"');
    expect(text).not.toContain('Camera#Secret9');
    const all = await (await fetch(`${server.url}/api/v1/cameras`, { headers: { authorization: `Bearer ${adminToken}` } })).text();
    expect(all).not.toContain('Camera#Secret9');
  });
});
