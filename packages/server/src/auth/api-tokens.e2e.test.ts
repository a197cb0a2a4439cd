// Long-lived API tokens for integrations over a real listening port: creation, use, expiry, revocation, the limit,
// what a token may not do, and that a secret never shows again (in answers, the audit log or the log).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, ManualClock } from '@argus/core';
import { loadServerConfig, startServer, type RunningServer } from '@argus/server';
import { apiClient, type ApiAnswer } from '../api-client.test-helper.js';

const START = Date.parse('2026-03-01T08:00:00Z');
const DAY = 86_400_000;
const ADMIN = { username: 'admin', password: 'Initial#Admin1', changed: 'Changed#Admin2' };
const BRIDGE = { username: 'bridge', password: 'Bridge#Pass1', changed: 'Bridge#Pass2' };
const TOKEN_FORMAT = /^argus_at_[\w-]{43}$/;

interface TokenView {
  id: string;
  name: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt?: string;
}
type Created = TokenView & { token: string };
type Failure = { code: string; message: string };

const clock = new ManualClock(START);
const logLines: string[] = [];
const answers: { route: string; status: number; text: string }[] = [];
const secrets: string[] = [];
let server: RunningServer;
let dir: string;
const client = apiClient(() => server.url);
let admin: string;
let bridge: string;

/** The API client, remembering every answer so the end can check that no secret came back twice. */
async function api<T>(path: string, token?: string, init: RequestInit = {}): Promise<ApiAnswer<T>> {
  const res = await client.api<T>(path, token, init);
  answers.push({ route: `${init.method ?? 'GET'} ${path}`, status: res.status, text: JSON.stringify(res.body ?? null) });
  return res;
}
const json = (method: string, body: unknown): RequestInit => ({ method, body: JSON.stringify(body) });

async function createToken(session: string, body: unknown = { name: 'integration' }): Promise<Created> {
  const res = await api<Created>('/api/v1/auth/tokens', session, json('POST', body));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  secrets.push(res.body.token);
  return res.body;
}
const listTokens = async (session: string) => (await api<{ tokens: TokenView[] }>('/api/v1/auth/tokens', session)).body.tokens;
const cameraIds = async (token: string) => (await api<{ items: { id: string }[] }>('/api/v1/cameras', token)).body.items.map((c) => c.id);
const camera = (id: string, agency: string) => ({ id, name: id, agency, category: 'security', cameraType: 26, driver: 'rtsp', ptz: false, connection: { host: '127.0.0.1', port: 9, path: `/${id}` } });
const newUser = async (username: string, password: string, roles = ['operator']) =>
  expect((await api('/api/v1/users', admin, json('POST', { username, agency: 'police', roles, password }))).status).toBe(201);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'argus-api-tokens-'));
  const config = await loadServerConfig({ env: { ARGUS_PORT: '0', ARGUS_HOST: '127.0.0.1', ARGUS_DATA_DIR: dir } });
  // The most verbose log there is, kept to check at the end that no token secret reached it.
  const logger = createLogger({ level: 'trace', destination: { write: (line: string) => void logLines.push(line) } });
  server = await startServer({ config, clock, logger, adminPassword: ADMIN.password, authRateLimit: false });
  admin = await client.loginFresh(ADMIN.username, ADMIN.password, ADMIN.changed);
  for (const c of [camera('p-1', 'police'), camera('t-1', 'transport')]) expect((await api('/api/v1/cameras', admin, json('POST', c))).status).toBe(201);
  await newUser(BRIDGE.username, BRIDGE.password);
  bridge = await client.loginFresh(BRIDGE.username, BRIDGE.password, BRIDGE.changed);
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('creating and using an API token', () => {
  it('shows a recognisable secret once, and the token acts as its user', async () => {
    const created = await createToken(bridge, { name: 'vms-bridge' });
    expect(Object.keys(created).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'name', 'token']);
    expect(created.token).toMatch(TOKEN_FORMAT);
    expect(created).toMatchObject({ name: 'vms-bridge', createdAt: new Date(START).toISOString(), expiresAt: new Date(START + 365 * DAY).toISOString() });

    const me = await api('/api/v1/auth/me', created.token);
    expect(me).toEqual({ status: 200, body: { username: 'bridge', agency: 'police', roles: ['operator'], mustChangePassword: false } });
    expect(await cameraIds(created.token)).toEqual(['p-1']);
    expect((await api('/api/v1/users', created.token)).status).toBe(403);

    const short = await createToken(bridge, { name: 'monthly', expiresInDays: 30 });
    expect(short.expiresAt).toBe(new Date(START + 30 * DAY).toISOString());
    expect(short.id).not.toBe(created.id);
  });

  it('lists the caller’s tokens, oldest first, with their last use and never a secret', async () => {
    const tokens = await listTokens(bridge);
    expect(tokens.map((t) => t.name)).toEqual(['vms-bridge', 'monthly']);
    expect(tokens[0]).toEqual({ id: expect.any(String), name: 'vms-bridge', createdAt: new Date(START).toISOString(), expiresAt: new Date(START + 365 * DAY).toISOString(), lastUsedAt: new Date(START).toISOString() });
    expect(tokens[1]).not.toHaveProperty('lastUsedAt');
    const text = JSON.stringify(tokens);
    expect(text).not.toMatch(/argus_at_|token"|hash/);
    expect(await listTokens(admin)).toEqual([]);
  });

  it('is accepted as a bearer token only, not in the session cookie', async () => {
    const [token] = secrets;
    const viaCookie = await fetch(`${server.url}/api/v1/auth/me`, { headers: { cookie: `argus_session=${token!}` } });
    expect(viaCookie.status).toBe(401);
    const unknown = await api<Failure>('/api/v1/auth/me', `argus_at_${'x'.repeat(43)}`);
    expect([unknown.status, unknown.body.code]).toEqual([401, 'ARGUS_ERR_API_UNAUTHORIZED']);
  });

  it('refuses bad bodies with 400 ARGUS_ERR_API_INVALID_REQUEST', async () => {
    const bad = [
      {},
      { name: '' },
      { name: 'x'.repeat(65) },
      { name: '   ' },
      { name: 'line\nbreak' },
      { name: { text: 'x' } },
      { name: 'x', expiresInDays: 0 },
      { name: 'x', expiresInDays: 3651 },
      { name: 'x', expiresInDays: 1.5 },
      { name: 'x', expiresInDays: 'soon' },
      { name: 'x', scope: 'all' },
    ];
    for (const body of bad) {
      const res = await api<Failure>('/api/v1/auth/tokens', bridge, json('POST', body));
      expect([res.status, res.body.code], JSON.stringify(body)).toEqual([400, 'ARGUS_ERR_API_INVALID_REQUEST']);
    }
    const longest = await createToken(bridge, { name: `${'n'.repeat(63)}é`, expiresInDays: 3650 });
    expect(longest.expiresAt).toBe(new Date(START + 3650 * DAY).toISOString());
    expect((await api(`/api/v1/auth/tokens/${longest.id}`, bridge, { method: 'DELETE' })).status).toBe(204);
  });
});

describe('what an API token may not do', () => {
  let token: Created;
  beforeAll(async () => {
    token = await createToken(bridge, { name: 'restricted' });
  });

  it('cannot create or list API tokens (403, before looking at the body)', async () => {
    for (const body of [{ name: 'more' }, {}]) {
      const res = await api<Failure>('/api/v1/auth/tokens', token.token, json('POST', body));
      expect([res.status, res.body.code]).toEqual([403, 'ARGUS_ERR_API_FORBIDDEN']);
    }
    const list = await api<Failure>('/api/v1/auth/tokens', token.token);
    expect([list.status, list.body.code]).toEqual([403, 'ARGUS_ERR_API_FORBIDDEN']);
  });

  it('cannot change the password', async () => {
    const res = await api<Failure>('/api/v1/auth/password', token.token, json('POST', { currentPassword: BRIDGE.changed, newPassword: 'Stolen#Pass9' }));
    expect([res.status, res.body.code]).toEqual([403, 'ARGUS_ERR_API_FORBIDDEN']);
    expect((await api('/api/v1/auth/login', undefined, json('POST', { username: BRIDGE.username, password: BRIDGE.changed }))).status).toBe(200);
  });

  it('is not revoked by logout, which answers 400 and changes nothing', async () => {
    const res = await api<Failure>('/api/v1/auth/logout', token.token, { method: 'POST' });
    expect([res.status, res.body.code]).toEqual([400, 'ARGUS_ERR_API_INVALID_REQUEST']);
    expect(res.body.message).toMatch(/DELETE \/api\/v1\/auth\/tokens\/:id/);
    expect((await api('/api/v1/auth/me', token.token)).status).toBe(200);
  });

  it('cannot revoke its sibling tokens, nor use the admin token routes even as an admin', async () => {
    const sibling = (await listTokens(bridge)).find((t) => t.name === 'vms-bridge')!;
    const res = await api<Failure>(`/api/v1/auth/tokens/${sibling.id}`, token.token, { method: 'DELETE' });
    expect([res.status, res.body.code]).toEqual([403, 'ARGUS_ERR_API_FORBIDDEN']);
    const adminToken = await createToken(admin, { name: 'admin-automation' });
    expect((await api('/api/v1/users', adminToken.token)).status).toBe(200);
    for (const [method, path] of [['GET', '/api/v1/users/bridge/tokens'], ['DELETE', `/api/v1/users/bridge/tokens/${sibling.id}`]] as const) {
      const denied = await api<Failure>(path, adminToken.token, { method });
      expect([denied.status, denied.body.code], `${method} ${path}`).toEqual([403, 'ARGUS_ERR_API_FORBIDDEN']);
    }
    expect((await listTokens(bridge)).map((t) => t.id)).toContain(sibling.id);
  });
});

describe('an API token follows its user', () => {
  it('acts with the user’s current roles', async () => {
    const token = await createToken(bridge, { name: 'roles' });
    expect((await api('/api/v1/users/bridge', admin, json('PATCH', { roles: ['admin'] }))).status).toBe(200);
    expect(await cameraIds(token.token)).toEqual(['p-1', 't-1']);
    expect((await api('/api/v1/users', token.token)).status).toBe(200);
    expect((await api('/api/v1/users/bridge', admin, json('PATCH', { roles: ['operator'] }))).status).toBe(200);
    expect(await cameraIds(token.token)).toEqual(['p-1']);
    expect((await api('/api/v1/users', token.token)).status).toBe(403);
  });

  it('survives a password change and an admin reset, and is not held by the forced change', async () => {
    const token = await createToken(bridge, { name: 'survivor' });
    const changed = await api('/api/v1/auth/password', bridge, json('POST', { currentPassword: BRIDGE.changed, newPassword: 'Bridge#Pass3' }));
    expect(changed.status).toBe(204);
    expect((await api('/api/v1/auth/me', bridge)).status).toBe(401);
    expect((await api('/api/v1/auth/me', token.token)).status).toBe(200);

    expect((await api('/api/v1/users/bridge', admin, json('PATCH', { password: BRIDGE.password }))).status).toBe(200);
    expect(await cameraIds(token.token)).toEqual(['p-1']);
    const session = (await api<{ token: string; mustChangePassword: boolean }>('/api/v1/auth/login', undefined, json('POST', { username: BRIDGE.username, password: BRIDGE.password }))).body;
    expect(session.mustChangePassword).toBe(true);
    const held = await api<Failure>('/api/v1/auth/tokens', session.token, json('POST', { name: 'while-held' }));
    expect([held.status, held.body.code]).toEqual([403, 'ARGUS_ERR_AUTH_PASSWORD_CHANGE_REQUIRED']);
    bridge = await client.loginFresh(BRIDGE.username, BRIDGE.password, BRIDGE.changed);
  });

  it('stops working when the user is deleted, and does not come back with a user of the same name', async () => {
    await newUser('temp', 'Temp#Pass1');
    const session = await client.loginFresh('temp', 'Temp#Pass1', 'Temp#Pass2');
    const token = await createToken(session, { name: 'short-lived' });
    expect((await api('/api/v1/auth/me', token.token)).status).toBe(200);
    expect((await api('/api/v1/users/temp', admin, { method: 'DELETE' })).status).toBe(204);
    expect((await api('/api/v1/auth/me', token.token)).status).toBe(401);
    await newUser('temp', 'Temp#Pass1');
    expect((await api('/api/v1/auth/me', token.token)).status).toBe(401);
    expect((await api<{ tokens: unknown[] }>('/api/v1/users/temp/tokens', admin)).body.tokens).toEqual([]);
  });
});

describe('revoking', () => {
  it('revokes an own token at once; a revoked or foreign id is 404', async () => {
    const token = await createToken(bridge, { name: 'to-revoke' });
    expect((await api(`/api/v1/auth/tokens/${token.id}`, bridge, { method: 'DELETE' })).status).toBe(204);
    const gone = await api<Failure>('/api/v1/auth/me', token.token);
    expect([gone.status, gone.body.code]).toEqual([401, 'ARGUS_ERR_API_UNAUTHORIZED']);
    const again = await api<Failure>(`/api/v1/auth/tokens/${token.id}`, bridge, { method: 'DELETE' });
    expect([again.status, again.body.code]).toEqual([404, 'ARGUS_ERR_AUTH_TOKEN_NOT_FOUND']);

    const other = await createToken(bridge, { name: 'not-yours' });
    const foreign = await api<Failure>(`/api/v1/auth/tokens/${other.id}`, admin, { method: 'DELETE' });
    expect([foreign.status, foreign.body.code]).toEqual([404, 'ARGUS_ERR_AUTH_TOKEN_NOT_FOUND']);
    expect((await api('/api/v1/auth/me', other.token)).status).toBe(200);
  });

  it('lets a token revoke itself', async () => {
    const token = await createToken(bridge, { name: 'self-revoking' });
    expect((await api(`/api/v1/auth/tokens/${token.id}`, token.token, { method: 'DELETE' })).status).toBe(204);
    expect((await api('/api/v1/auth/me', token.token)).status).toBe(401);
  });

  it('lets an admin list and revoke another user’s tokens, and no one else', async () => {
    const token = await createToken(bridge, { name: 'admin-revokes' });
    const listed = await api<{ tokens: TokenView[] }>('/api/v1/users/bridge/tokens', admin);
    expect(listed.status).toBe(200);
    expect(listed.body.tokens).toEqual(await listTokens(bridge));
    expect(JSON.stringify(listed.body)).not.toContain('argus_at_');

    for (const [method, path] of [['GET', '/api/v1/users/admin/tokens'], ['DELETE', `/api/v1/users/bridge/tokens/${token.id}`]] as const) {
      const denied = await api<Failure>(path, bridge, { method });
      expect([denied.status, denied.body.code], `${method} ${path}`).toEqual([403, 'ARGUS_ERR_API_FORBIDDEN']);
    }
    expect((await api<Failure>('/api/v1/users/nobody/tokens', admin)).body.code).toBe('ARGUS_ERR_AUTH_USER_NOT_FOUND');
    expect((await api<Failure>('/api/v1/users/bridge/tokens/0123456789abcdef', admin, { method: 'DELETE' })).body.code).toBe('ARGUS_ERR_AUTH_TOKEN_NOT_FOUND');
    expect((await api<Failure>(`/api/v1/users/admin/tokens/${token.id}`, admin, { method: 'DELETE' })).body.code).toBe('ARGUS_ERR_AUTH_TOKEN_NOT_FOUND');

    expect((await api(`/api/v1/users/bridge/tokens/${token.id}`, admin, { method: 'DELETE' })).status).toBe(204);
    expect((await api('/api/v1/auth/me', token.token)).status).toBe(401);
  });
});

describe('the limit of 20 tokens per user', () => {
  it('refuses the 21st with 409 ARGUS_ERR_AUTH_TOKEN_LIMIT, even when asked for all at once', async () => {
    await newUser('busy', 'Busy#Pass1');
    const session = await client.loginFresh('busy', 'Busy#Pass1', 'Busy#Pass2');
    const results = await Promise.all(Array.from({ length: 23 }, (_, i) => api<Created & Failure>('/api/v1/auth/tokens', session, json('POST', { name: `t${i}` }))));
    for (const res of results) if (res.status === 201) secrets.push(res.body.token);
    expect(results.filter((res) => res.status === 201)).toHaveLength(20);
    const refused = results.filter((res) => res.status !== 201);
    expect(refused.map((res) => [res.status, res.body.code])).toEqual(Array(3).fill([409, 'ARGUS_ERR_AUTH_TOKEN_LIMIT']));
    expect(refused[0]!.body.message).toBe('At most 20 API tokens per user: revoke one first');

    const tokens = await listTokens(session);
    expect(tokens).toHaveLength(20);
    expect((await api(`/api/v1/auth/tokens/${tokens[0]!.id}`, session, { method: 'DELETE' })).status).toBe(204);
    await createToken(session, { name: 'replacement' });
    expect((await api<Failure>('/api/v1/auth/tokens', session, json('POST', { name: 'one-too-many' }))).body.code).toBe('ARGUS_ERR_AUTH_TOKEN_LIMIT');
  });
});

describe('the audit log and the log', () => {
  it('audits every creation and revocation with the token id and name, never the secret', async () => {
    const res = await api<{ entries: { actor: string; action: string; target?: string; details?: { id?: string; name?: string } }[] }>('/api/v1/audit?limit=1000', admin);
    const entries = res.body.entries.filter((e) => e.action.startsWith('token.'));
    const created = entries.filter((e) => e.action === 'token.create');
    expect(created.length).toBe(secrets.length);
    expect(created.find((e) => e.details?.name === 'vms-bridge')).toMatchObject({ actor: 'bridge', target: 'bridge', details: { id: expect.any(String) } });
    expect(entries.find((e) => e.action === 'token.revoke' && e.details?.name === 'admin-revokes')).toMatchObject({ actor: 'admin', target: 'bridge' });
    expect(entries.find((e) => e.action === 'token.revoke' && e.details?.name === 'self-revoking')).toMatchObject({ actor: 'bridge', target: 'bridge' });
    for (const entry of entries) expect(Object.keys(entry.details ?? {})).toEqual(expect.arrayContaining(['id', 'name']));
    const text = JSON.stringify(res.body);
    expect(text).not.toContain('argus_at_');
    const deleted = res.body.entries.find((e) => e.action === 'user.delete' && e.target === 'temp');
    expect(deleted).toMatchObject({ details: { apiTokensRevoked: 1 } });
  });

  it('never shows a secret again: not in other answers, not in the log', async () => {
    expect(secrets.length).toBeGreaterThan(25);
    const creations = answers.filter((a) => a.route === 'POST /api/v1/auth/tokens' && a.status === 201);
    for (const answer of answers.filter((a) => !creations.includes(a))) expect(answer.text, answer.route).not.toContain('argus_at_');
    for (const secret of secrets) expect(creations.filter((a) => a.text.includes(secret))).toHaveLength(1);
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) expect(line).not.toContain('argus_at_');
  });
});

// Last: it moves the clock by days, which also ends every session.
describe('expiry', () => {
  it('ends a token at its expiry, drops it from the list and from the count', async () => {
    const day = await createToken(bridge, { name: 'one-day', expiresInDays: 1 });
    const year = (await listTokens(bridge)).find((t) => t.name === 'vms-bridge')!;
    clock.advance(DAY - 1000);
    expect((await api('/api/v1/auth/me', day.token)).status).toBe(200);
    clock.advance(1000);
    const expired = await api<Failure>('/api/v1/auth/me', day.token);
    expect([expired.status, expired.body.code]).toEqual([401, 'ARGUS_ERR_API_UNAUTHORIZED']);

    const session = (await api<{ token: string }>('/api/v1/auth/login', undefined, json('POST', { username: BRIDGE.username, password: BRIDGE.changed }))).body.token;
    const tokens = await listTokens(session);
    expect(tokens.map((t) => t.name)).not.toContain('one-day');
    expect(tokens.find((t) => t.id === year.id)).toBeDefined();
    const gone = await api<Failure>(`/api/v1/auth/tokens/${day.id}`, session, { method: 'DELETE' });
    expect([gone.status, gone.body.code]).toEqual([404, 'ARGUS_ERR_AUTH_TOKEN_NOT_FOUND']);

    // The 30-day token of the first test ends on day 30; the one-year token still works then.
    clock.advance(29 * DAY);
    const monthly = secrets[1]!;
    expect((await api('/api/v1/auth/me', monthly)).status).toBe(401);
    expect((await api('/api/v1/auth/me', secrets[0]!)).status).toBe(200);

    const busyLogin = async () => (await api<{ token: string }>('/api/v1/auth/login', undefined, json('POST', { username: 'busy', password: 'Busy#Pass2' }))).body.token;
    expect((await listTokens(await busyLogin())).length).toBe(20);
    clock.advance(336 * DAY);
    const busy = await busyLogin();
    expect(await listTokens(busy)).toEqual([]);
    await createToken(busy, { name: 'after-expiry' });
    expect((await api('/api/v1/auth/me', secrets[0]!)).status).toBe(401);
  });
});
