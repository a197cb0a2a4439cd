// Agency isolation on every route that takes a camera id, found in the server's own OpenAPI document so a route added
// later is covered without touching this test: a user of agency A gets 404 for agency B's camera, whatever the method,
// body or further path parameters, exactly as for a camera that does not exist.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '@argus/server';
import { apiClient, startDemoServer } from '../api-client.test-helper.js';

const ADMIN = { username: 'admin', password: 'Initial#Admin1' };
let server: RunningServer;
const { api, loginFresh } = apiClient(() => server.url);
let dir: string;
let officer: string;
let routes: { method: string; path: string }[] = [];

const FILLERS: Record<string, string> = { preset: '1', stream: 'main', file: '0.mp4' };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'argus-isolation-'));
  server = await startDemoServer(dir, 2, ADMIN.password);
  const admin = await loginFresh(ADMIN.username, ADMIN.password, 'Changed#Admin2');
  expect((await api('/api/v1/users', admin, { method: 'POST', body: JSON.stringify({ username: 'officer', agency: 'police', password: 'Police#Pass1' }) })).status).toBe(201);
  officer = await loginFresh('officer', 'Police#Pass1', 'Police#Pass2');
  const doc = (await (await fetch(`${server.url}/api/docs/json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  routes = Object.entries(doc.paths)
    .filter(([path]) => path.startsWith('/api/v1/cameras/{id}'))
    .flatMap(([path, methods]) => Object.keys(methods).filter((m) => m !== 'parameters').map((method) => ({ method: method.toUpperCase(), path })));
}, 180_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('agency isolation on every camera route', () => {
  it('finds the camera routes in the OpenAPI document', () => {
    // Live (ws, webrtc, hls), health, recordings, timeline, playback, events, PTZ...
    expect(routes.length).toBeGreaterThanOrEqual(20);
    expect(routes.map((r) => r.path)).toEqual(expect.arrayContaining(['/api/v1/cameras/{id}', '/api/v1/cameras/{id}/ptz/move', '/api/v1/cameras/{id}/live/webrtc', '/api/v1/cameras/{id}/timeline']));
  });

  it("answers 404 ARGUS_ERR_DEVICE_NOT_FOUND for another agency's camera and for a missing one, on every method and path", async () => {
    const own = (await api<{ items: { id: string; agency: string }[] }>('/api/v1/cameras', officer)).body.items;
    expect(own.map((c) => c.agency)).toEqual(['police']);
    for (const target of ['demo-cam-02', 'no-such-camera']) {
      for (const route of routes) {
        const path = route.path.replace('{id}', target).replace(/\{(\w+)\}/g, (_, name: string) => FILLERS[name] ?? 'x');
        const res = await fetch(`${server.url}${path}`, {
          method: route.method,
          headers: { authorization: `Bearer ${officer}`, ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { 'content-type': 'application/json' }) },
          ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { body: '{}' }),
        });
        const body = (await res.json()) as { code: string };
        expect([res.status, body.code], `${route.method} ${path}`).toEqual([404, 'ARGUS_ERR_DEVICE_NOT_FOUND']);
      }
    }
  });

  it("still serves the user's own camera", async () => {
    expect((await api('/api/v1/cameras/demo-cam-01', officer)).status).toBe(200);
    expect((await api('/api/v1/cameras/demo-cam-01/health', officer)).status).toBe(200);
  });
});
