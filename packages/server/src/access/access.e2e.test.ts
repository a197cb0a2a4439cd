// Agencies and roles over a real port: CRUD with refusals, and roles deciding what each user sees and may do.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServerConfig, startServer, type RunningServer } from '@argus/server';
import { apiClient } from '../api-client.test-helper.js';

const ADMIN = { username: 'admin', password: 'Initial#Admin1' };
let server: RunningServer;
const { api, loginFresh } = apiClient(() => server.url);
let dir: string;
let admin: string;

const json = (method: string, body: unknown): RequestInit => ({ method, body: JSON.stringify(body) });
const camera = (id: string, agency: string, groups: string[] = []) => ({
  id,
  name: id,
  agency,
  category: 'security',
  cameraType: 26,
  driver: 'rtsp',
  ptz: false,
  connection: { host: '127.0.0.1', port: 9, path: `/${id}` },
  groups,
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'argus-access-'));
  const config = await loadServerConfig({ env: { ARGUS_PORT: '0', ARGUS_HOST: '127.0.0.1', ARGUS_DATA_DIR: dir, ARGUS_LOG_LEVEL: 'silent' } });
  server = await startServer({ config, adminPassword: ADMIN.password, authRateLimit: false });
  admin = await loginFresh(ADMIN.username, ADMIN.password, 'Changed#Admin2');
  for (const c of [camera('p-1', 'police'), camera('p-gate', 'police', ['gates']), camera('t-1', 'transport')]) {
    expect((await api('/api/v1/cameras', admin, json('POST', c))).status).toBe(201);
  }
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('agencies', () => {
  it('creates, lists, reads, changes and refuses duplicates and bad bodies', async () => {
    expect((await api('/api/v1/agencies', admin, json('POST', { id: 'police', name: 'City police', contact: 'ops@police.example' }))).status).toBe(201);
    expect((await api('/api/v1/agencies', admin, json('POST', { id: 'transport', name: 'Transport department' }))).status).toBe(201);
    expect((await api('/api/v1/agencies', admin, json('POST', { id: 'empty', name: 'Nobody' }))).status).toBe(201);
    const dup = await api<{ code: string }>('/api/v1/agencies', admin, json('POST', { id: 'police', name: 'Again' }));
    expect([dup.status, dup.body.code]).toEqual([409, 'ARGUS_ERR_AUTH_AGENCY_EXISTS']);
    for (const bad of [{ id: 'x' }, { id: '', name: 'x' }, { id: 'x', name: 'x', colour: 'red' }]) {
      const res = await api<{ code: string }>('/api/v1/agencies', admin, json('POST', bad));
      expect([res.status, res.body.code]).toEqual([400, 'ARGUS_ERR_API_INVALID_REQUEST']);
    }
    const list = await api<{ agencies: { id: string }[] }>('/api/v1/agencies', admin);
    expect(list.body.agencies.map((a) => a.id)).toEqual(['empty', 'police', 'transport']);
    const changed = await api<{ name: string; contact: string }>('/api/v1/agencies/police', admin, json('PATCH', { name: 'Police department' }));
    expect(changed.body).toMatchObject({ name: 'Police department', contact: 'ops@police.example' });
    expect((await api<{ code: string }>('/api/v1/agencies/nowhere', admin)).body.code).toBe('ARGUS_ERR_AUTH_AGENCY_NOT_FOUND');
  });

  it('refuses to delete an agency that still has cameras, and deletes an empty one', async () => {
    const busy = await api<{ code: string }>('/api/v1/agencies/police', admin, { method: 'DELETE' });
    expect([busy.status, busy.body.code]).toEqual([409, 'ARGUS_ERR_AUTH_AGENCY_IN_USE']);
    expect((await api('/api/v1/agencies/empty', admin, { method: 'DELETE' })).status).toBe(204);
  });
});

describe('roles', () => {
  it('lists the built-in roles, keeps them read-only, and validates custom ones', async () => {
    const list = await api<{ roles: { id: string; builtIn?: boolean }[] }>('/api/v1/roles', admin);
    expect(list.body.roles.filter((r) => r.builtIn).map((r) => r.id)).toEqual(['admin', 'operator', 'viewer', 'auditor']);
    const builtIn = await api<{ code: string }>('/api/v1/roles/operator', admin, json('PUT', { name: 'x', rules: [{ effect: 'allow', features: ['live'], scope: { all: true } }] }));
    expect([builtIn.status, builtIn.body.code]).toEqual([409, 'ARGUS_ERR_AUTH_ROLE_BUILT_IN']);
    for (const bad of [
      { id: 'x', name: 'x', rules: [] },
      { id: 'x', name: 'x', rules: [{ effect: 'maybe', features: ['live'], scope: { all: true } }] },
      { id: 'x', name: 'x', rules: [{ effect: 'allow', features: ['fly'], scope: { all: true } }] },
      { id: 'x', name: 'x', rules: [{ effect: 'allow', features: ['live'], scope: { agencies: [] } }] },
      { id: 'x', name: 'x', rules: [{ effect: 'allow', features: ['live'], scope: { all: true, agencies: ['a'] } }] },
      { id: 'Bad Id', name: 'x', rules: [{ effect: 'allow', features: ['live'], scope: { all: true } }] },
    ]) {
      const res = await api<{ code: string }>('/api/v1/roles', admin, json('POST', bad));
      expect([res.status, res.body.code], JSON.stringify(bad)).toEqual([400, 'ARGUS_ERR_API_INVALID_REQUEST']);
    }
  });

  it('decides what a user sees and may do: allow over scopes, deny overriding, 404 outside and 403 without the feature', async () => {
    const desk = {
      id: 'traffic-desk',
      name: 'Traffic desk',
      rules: [
        { effect: 'allow', features: ['live', 'ptz'], scope: { agencies: ['transport'] } },
        { effect: 'allow', features: ['live'], scope: { agencies: ['police'] } },
        { effect: 'deny', features: ['live'], scope: { groups: ['gates'] } },
      ],
    };
    expect((await api('/api/v1/roles', admin, json('POST', desk))).status).toBe(201);
    expect((await api<{ code: string }>('/api/v1/roles', admin, json('POST', desk))).body.code).toBe('ARGUS_ERR_AUTH_ROLE_EXISTS');
    const ghost = await api<{ code: string }>('/api/v1/users', admin, json('POST', { username: 'ghost', agency: 'police', roles: ['no-such-role'], password: 'Ghost#Pass1' }));
    expect([ghost.status, ghost.body.code]).toEqual([400, 'ARGUS_ERR_API_INVALID_REQUEST']);
    expect((await api('/api/v1/users', admin, json('POST', { username: 'desk', agency: 'environment', roles: ['traffic-desk'], password: 'Desk#Pass1' }))).status).toBe(201);
    const user = await loginFresh('desk', 'Desk#Pass1', 'Desk#Pass2');

    const seen = await api<{ items: { id: string }[] }>('/api/v1/cameras', user);
    expect(seen.body.items.map((c) => c.id)).toEqual(['p-1', 't-1']);
    expect((await api<{ code: string }>('/api/v1/cameras/p-gate', user)).status).toBe(404);
    const range = `from=${new Date(Date.now() - 60_000).toISOString()}&to=${new Date().toISOString()}`;
    const playback = await api<{ code: string }>(`/api/v1/cameras/t-1/recordings/timeline?${range}`, user);
    expect([playback.status, playback.body.code]).toEqual([403, 'ARGUS_ERR_API_FORBIDDEN']);
    const hidden = await api<{ code: string }>(`/api/v1/cameras/p-gate/recordings/timeline?${range}`, user);
    expect([hidden.status, hidden.body.code]).toEqual([404, 'ARGUS_ERR_DEVICE_NOT_FOUND']);
    const roles = await api<{ code: string }>('/api/v1/roles', user);
    expect([roles.status, roles.body.code]).toEqual([403, 'ARGUS_ERR_API_FORBIDDEN']);
    expect((await api('/api/v1/audit', user)).status).toBe(403);

    // A change of the role applies to the next request of the same session.
    const widened = { name: desk.name, rules: [...desk.rules.slice(0, 2), { effect: 'allow', features: ['playback', 'audit.read'], scope: { all: true } }] };
    expect((await api('/api/v1/roles/traffic-desk', admin, json('PUT', widened))).status).toBe(200);
    expect((await api(`/api/v1/cameras/t-1/recordings/timeline?${range}`, user)).status).toBe(200);
    expect((await api<{ items: { id: string }[] }>('/api/v1/cameras', user)).body.items.map((c) => c.id)).toEqual(['p-1', 'p-gate', 't-1']);
    expect((await api('/api/v1/audit', user)).status).toBe(200);
  });

  it('gives new users the operator role by default, and refuses to delete a role in use', async () => {
    expect((await api<{ roles: string[] }>('/api/v1/users', admin, json('POST', { username: 'officer', agency: 'police', password: 'Police#Pass1' }))).body.roles).toEqual(['operator']);
    const officer = await loginFresh('officer', 'Police#Pass1', 'Police#Pass2');
    expect((await api<{ items: { id: string }[] }>('/api/v1/cameras', officer)).body.items.map((c) => c.id)).toEqual(['p-1', 'p-gate']);
    const inUse = await api<{ code: string }>('/api/v1/roles/traffic-desk', admin, { method: 'DELETE' });
    expect([inUse.status, inUse.body.code]).toEqual([409, 'ARGUS_ERR_AUTH_ROLE_IN_USE']);
    expect((await api('/api/v1/users/desk', admin, json('PATCH', { roles: ['viewer'] }))).status).toBe(200);
    expect((await api('/api/v1/roles/traffic-desk', admin, { method: 'DELETE' })).status).toBe(204);
    const audit = await api<{ entries: { action: string; target: string }[] }>('/api/v1/audit?limit=1000', admin);
    const actions = audit.body.entries.map((e) => `${e.action} ${e.target}`);
    expect(actions).toEqual(expect.arrayContaining(['agency.create police', 'agency.delete empty', 'role.create traffic-desk', 'role.update traffic-desk', 'role.delete traffic-desk']));
  });
});
