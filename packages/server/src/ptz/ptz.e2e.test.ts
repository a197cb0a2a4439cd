// PTZ over the API through real drivers and device emulators (an ONVIF dome and a Hikvision dome of the demo farm):
// moves reach the device's head, presets round-trip, control is arbitrated by priority and idle time, every action is
// audited; and device events (motion on the Hikvision alertStream) come out of the bus as camera events.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceEmulator } from '@argus/driver-kit/emulator';
import type { RunningServer } from '@argus/server';
import { apiClient, startDemoServer } from '../api-client.test-helper.js';

const ADMIN = { username: 'admin', password: 'Initial#Admin1' };
let server: RunningServer;
const { api, loginFresh } = apiClient(() => server.url);
let dir: string;
let admin: string;
let officer: string;
let colleague: string;
let chief: string;
let emulators: ReadonlyMap<string, DeviceEmulator>;

const post = (body?: unknown): RequestInit => ({ method: 'POST', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 25));
  expect(check()).toBe(true);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'argus-ptz-'));
  server = await startDemoServer(dir, 3, ADMIN.password, { onStarted: (demo) => (emulators = demo.emulators) });
  admin = await loginFresh(ADMIN.username, ADMIN.password, 'Changed#Admin2');
  const chiefRole = { id: 'ptz-chief', name: 'PTZ chief', rules: [{ effect: 'allow', features: ['live', 'ptz', 'ptz.priority'], scope: { ownAgency: true } }] };
  expect((await api('/api/v1/roles', admin, post(chiefRole))).status).toBe(201);
  for (const [username, roles] of [['officer', ['operator']], ['colleague', ['operator']], ['chief', ['ptz-chief']]] as const) {
    expect((await api('/api/v1/users', admin, post({ username, agency: 'police', roles, password: 'Police#Pass1' }))).status).toBe(201);
  }
  officer = await loginFresh('officer', 'Police#Pass1', 'Police#Pass2');
  colleague = await loginFresh('colleague', 'Police#Pass1', 'Police#Pass2');
  chief = await loginFresh('chief', 'Police#Pass1', 'Police#Pass2');
}, 180_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('PTZ through the ONVIF driver (demo-cam-01, police)', () => {
  it('moves the head of the device and stops it', async () => {
    const head = emulators.get('demo-cam-01')!.ptz!;
    const status = await api<{ features: { presets: boolean }; holder: unknown; idleSeconds: number; yourPriority: number }>('/api/v1/cameras/demo-cam-01/ptz', officer);
    expect(status.body).toMatchObject({ features: { presets: true }, holder: null, idleSeconds: 30, yourPriority: 10 });
    const before = head.position.pan;
    expect((await api('/api/v1/cameras/demo-cam-01/ptz/move', officer, post({ pan: 0.8, tilt: 0 }))).status).toBe(204);
    await until(() => head.position.pan > before);
    expect((await api('/api/v1/cameras/demo-cam-01/ptz/stop', officer, post())).status).toBe(204);
    await until(() => head.velocity === null || (head.velocity.pan === 0 && head.velocity.tilt === 0 && head.velocity.zoom === 0));
  });

  it('sets, lists, goes to and removes presets on the device', async () => {
    const created = await api<{ id: string }>('/api/v1/cameras/demo-cam-01/ptz/presets', officer, post({ name: 'gate' }));
    expect(created.status).toBe(201);
    const listed = await api<{ presets: { id: string; name?: string }[] }>('/api/v1/cameras/demo-cam-01/ptz/presets', officer);
    expect(listed.body.presets).toContainEqual(expect.objectContaining({ id: created.body.id, name: 'gate' }));
    expect((await api(`/api/v1/cameras/demo-cam-01/ptz/presets/${created.body.id}/goto`, officer, post())).status).toBe(204);
    expect((await api(`/api/v1/cameras/demo-cam-01/ptz/presets/${created.body.id}`, officer, { method: 'DELETE' })).status).toBe(204);
    const after = await api<{ presets: { id: string }[] }>('/api/v1/cameras/demo-cam-01/ptz/presets', officer);
    expect(after.body.presets.map((p) => p.id)).not.toContain(created.body.id);
    expect((await api('/api/v1/cameras/demo-cam-01/ptz/home', officer, post())).status).toBe(204);
  });

  it('makes an equal priority wait, lets a higher one take over, and frees the camera after its idle time', async () => {
    const busy = await api<{ code: string; message: string }>('/api/v1/cameras/demo-cam-01/ptz/move', colleague, post({ pan: -0.5, tilt: 0 }));
    expect([busy.status, busy.body.code]).toEqual([409, 'ARGUS_ERR_PTZ_BUSY']);
    expect(busy.body.message).toContain('officer');
    expect((await api('/api/v1/cameras/demo-cam-01/ptz/move', chief, post({ pan: -0.5, tilt: 0.2, timeoutMs: 500 }))).status).toBe(204);
    expect((await api<{ holder: { user: string; priority: number } }>('/api/v1/cameras/demo-cam-01/ptz', officer)).body.holder).toMatchObject({ user: 'chief', priority: 50 });
    expect((await api<{ code: string }>('/api/v1/cameras/demo-cam-01/ptz/stop', officer, post())).body.code).toBe('ARGUS_ERR_PTZ_BUSY');
    // The camera's own idle time (a per-camera setting) frees it for others.
    server.kernel.config.update({ cameras: { 'demo-cam-01': { settings: { ptz: { idleReleaseSeconds: 1 } } } } });
    expect((await api('/api/v1/cameras/demo-cam-01/ptz/stop', chief, post())).status).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await api('/api/v1/cameras/demo-cam-01/ptz/stop', colleague, post())).status).toBe(204);
    expect((await api<{ released: boolean }>('/api/v1/cameras/demo-cam-01/ptz/release', colleague, post())).body.released).toBe(true);

    const audit = await api<{ entries: { actor: string; action: string; outcome: string; details?: Record<string, unknown> }[] }>('/api/v1/audit?limit=1000', admin);
    const ptz = audit.body.entries.filter((e) => e.action.startsWith('ptz.'));
    expect(ptz.map((e) => e.action)).toEqual(expect.arrayContaining(['ptz.move', 'ptz.stop', 'ptz.preset.set', 'ptz.preset.goto', 'ptz.preset.remove', 'ptz.home', 'ptz.release']));
    expect(ptz).toContainEqual(expect.objectContaining({ actor: 'colleague', action: 'ptz.move', outcome: 'failure', details: expect.objectContaining({ code: 'ARGUS_ERR_PTZ_BUSY', holder: 'officer' }) }));
    expect(ptz).toContainEqual(expect.objectContaining({ actor: 'chief', action: 'ptz.move', outcome: 'success', details: expect.objectContaining({ tookOverFrom: 'officer', reason: 'priority' }) }));
  });

  it('refuses bad bodies, other agencies, cameras without PTZ, and no session', async () => {
    for (const body of [{ pan: 2, tilt: 0 }, { pan: 0 }, { pan: 0, tilt: 0, spin: 1 }, { pan: 0, tilt: 0, timeoutMs: 10 }]) {
      const res = await api<{ code: string }>('/api/v1/cameras/demo-cam-01/ptz/move', officer, post(body));
      expect([res.status, res.body.code], JSON.stringify(body)).toEqual([400, 'ARGUS_ERR_API_INVALID_REQUEST']);
    }
    const other = await api<{ code: string }>('/api/v1/cameras/demo-cam-02/ptz/move', officer, post({ pan: 0.1, tilt: 0 }));
    expect([other.status, other.body.code]).toEqual([404, 'ARGUS_ERR_DEVICE_NOT_FOUND']);
    const fixed = await api<{ code: string }>('/api/v1/cameras/demo-cam-03/ptz/move', admin, post({ pan: 0.1, tilt: 0 }));
    expect([fixed.status, fixed.body.code]).toEqual([501, 'ARGUS_ERR_DRIVER_UNSUPPORTED']);
    expect((await api('/api/v1/cameras/demo-cam-01/ptz/stop', undefined, post())).status).toBe(401);
  });
});

describe('PTZ through the Hikvision driver (demo-cam-02, transport)', () => {
  it('moves the ISAPI head for an administrator', async () => {
    const head = emulators.get('demo-cam-02')!.ptz!;
    const before = head.position.tilt;
    expect((await api('/api/v1/cameras/demo-cam-02/ptz/move', admin, post({ pan: 0, tilt: 0.6, timeoutMs: 300 }))).status).toBe(204);
    await until(() => head.position.tilt > before);
  });
});

describe('device events through the bridge', () => {
  it('turns motion on the Hikvision alertStream into camera events on the bus', async () => {
    const started = firstValueFrom(
      server.kernel.bus.on$('cameraEventStarted').pipe(
        filter((e) => e.cameraId === 'demo-cam-02' && e.payload.type === 'motion'),
        timeout(10_000),
      ),
    );
    // The bridge opens the channel on its own (events.subscribe is on for the demo cameras): wait until it is there.
    await until(() => emulators.get('demo-cam-02')!.eventSubscribers > 0, 10_000);
    emulators.get('demo-cam-02')!.triggerEvent({ kind: 'motion', state: 'start' });
    const event = await started;
    expect(event.payload.source).toBe('driver:hikvision');
    expect(event.source).toBe('driver:hikvision');
  });
});
