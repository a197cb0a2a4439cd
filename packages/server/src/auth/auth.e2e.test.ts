// Accounts, sessions, lockout and authorisation over a real listening port.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '@argus/core';
import { loadServerConfig, startServer, type RunningServer } from '@argus/server';

const ADMIN_PASSWORD = 'Initial-pass-1';
const NEW_PASSWORD = 'Changed-pass-2';

let root: string;
const bodies: string[] = [];
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'argus-auth-'));
});
afterAll(async () => rm(root, { recursive: true, force: true }));
// Every body any test received: none may carry a password hash, nor a token outside the login answer.
afterAll(() => {
  expect(bodies.length).toBeGreaterThan(20);
  for (const body of bodies) {
    expect(body).not.toMatch(/passwordHash|\$argon2/i);
    if (!body.includes('"mustChangePassword":') || !body.includes('"expiresAt":')) expect(body).not.toContain('"token"');
  }
});

async function start(name: string, clock = new ManualClock(Date.parse('2026-03-01T08:00:00Z'))): Promise<RunningServer> {
  const config = await loadServerConfig({ env: { ARGUS_PORT: '0', ARGUS_HOST: '127.0.0.1', ARGUS_DATA_DIR: join(root, name), ARGUS_LOG_LEVEL: 'silent' } });
  return startServer({ config, clock, adminPassword: ADMIN_PASSWORD, authRateLimit: false });
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

function client(server: RunningServer) {
  return async (method: string, path: string, options: { token?: string; cookie?: string; body?: unknown } = {}): Promise<Answer> => {
    const headers: Record<string, string> = {};
    if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
    if (options.cookie !== undefined) headers['cookie'] = options.cookie;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${server.url}${path}`, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) });
    const text = await res.text();
    bodies.push(text);
    return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>), headers: res.headers };
  };
}

async function login(call: ReturnType<typeof client>, username: string, password: string): Promise<string> {
  const res = await call('POST', '/api/v1/auth/login', { body: { username, password } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body['token'] as string;
}

describe('the initial administrator and the forced password change', () => {
  let server: RunningServer;
  let call: ReturnType<typeof client>;
  beforeAll(async () => {
    server = await start('initial');
    call = client(server);
  });
  afterAll(async () => server?.close());

  it('logs in with ARGUS_ADMIN_PASSWORD, must change it, and the change revokes the old token', async () => {
    expect(server.initialAdminPassword).toBeUndefined();
    const res = await call('POST', '/api/v1/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD } });
    expect(res.status).toBe(200);
    expect(res.body['mustChangePassword']).toBe(true);
    expect(res.body['token']).toMatch(/^[\w-]{43}$/);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^argus_session=[\w-]{43};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/); // plain HTTP with the 'auto' default
    const token = res.body['token'] as string;

    expect((await call('GET', '/api/v1/auth/me', { token })).body).toEqual({ username: 'admin', agency: 'city', roles: ['admin'], mustChangePassword: true });
    for (const [method, path] of [['GET', '/api/v1/users'], ['GET', '/api/v1/audit'], ['GET', '/api/v1/users/admin']] as const) {
      const denied = await call(method, path, { token });
      expect(denied.status).toBe(403);
      expect(denied.body['code']).toBe('ARGUS_ERR_AUTH_PASSWORD_CHANGE_REQUIRED');
    }

    const weak: [string, string][] = [
      ['Ab1-', 'ARGUS_ERR_AUTH_PASSWORD_TOO_SHORT'],
      ['alllowercase', 'ARGUS_ERR_AUTH_PASSWORD_TOO_SIMPLE'],
      ['lowerand123', 'ARGUS_ERR_AUTH_PASSWORD_TOO_SIMPLE'],
      [ADMIN_PASSWORD, 'ARGUS_ERR_AUTH_PASSWORD_REUSED'],
    ];
    for (const [newPassword, code] of weak) {
      const rejected = await call('POST', '/api/v1/auth/password', { token, body: { currentPassword: ADMIN_PASSWORD, newPassword } });
      expect(rejected.status, newPassword).toBe(400);
      expect(rejected.body['code'], newPassword).toBe(code);
    }
    const wrongCurrent = await call('POST', '/api/v1/auth/password', { token, body: { currentPassword: 'Not-the-one-9', newPassword: NEW_PASSWORD } });
    expect(wrongCurrent.body['code']).toBe('ARGUS_ERR_AUTH_CURRENT_PASSWORD_WRONG');
    const missing = await call('POST', '/api/v1/auth/password', { token, body: { newPassword: NEW_PASSWORD } });
    expect(missing.status).toBe(400);
    expect(missing.body['code']).toBe('ARGUS_ERR_API_INVALID_REQUEST');

    const changed = await call('POST', '/api/v1/auth/password', { token, body: { currentPassword: ADMIN_PASSWORD, newPassword: NEW_PASSWORD } });
    expect(changed.status).toBe(204);
    expect((await call('GET', '/api/v1/auth/me', { token })).status).toBe(401);

    const old = await call('POST', '/api/v1/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD } });
    expect(old.body['code']).toBe('ARGUS_ERR_AUTH_INVALID_CREDENTIALS');
    const fresh = await call('POST', '/api/v1/auth/login', { body: { username: 'admin', password: NEW_PASSWORD } });
    expect(fresh.body['mustChangePassword']).toBe(false);
    expect((await call('GET', '/api/v1/users', { token: fresh.body['token'] as string })).status).toBe(200);
  });

  it('keeps the accounts across a restart and does not create a second admin', async () => {
    await server.close();
    server = await start('initial');
    call = client(server);
    const token = await login(call, 'admin', NEW_PASSWORD);
    const users = (await call('GET', '/api/v1/users', { token })).body['users'] as { username: string }[];
    expect(users.map((u) => u.username)).toEqual(['admin']);
  });

  it('makes a random initial password when none is given', async () => {
    const config = await loadServerConfig({ env: { ARGUS_PORT: '0', ARGUS_HOST: '127.0.0.1', ARGUS_DATA_DIR: join(root, 'random'), ARGUS_LOG_LEVEL: 'silent' } });
    const other = await startServer({ config, authRateLimit: false });
    try {
      const password = other.initialAdminPassword!;
      expect(password).toMatch(/^[\w-]{24}$/);
      const res = await client(other)('POST', '/api/v1/auth/login', { body: { username: 'admin', password } });
      expect(res.body['mustChangePassword']).toBe(true);
    } finally {
      await other.close();
    }
  });
});

describe('lockout after repeated failures (5 within 30 s locks for 5 minutes)', () => {
  let server: RunningServer;
  let call: ReturnType<typeof client>;
  const clock = new ManualClock(Date.parse('2026-03-01T08:00:00Z'));
  beforeAll(async () => {
    server = await start('lockout', clock);
    call = client(server);
  });
  afterAll(async () => server?.close());

  const attempt = (username: string, password: string) => call('POST', '/api/v1/auth/login', { body: { username, password } });

  it('answers an unknown user exactly like a wrong password', async () => {
    const unknown = await attempt('nobody', 'Whatever-1');
    const wrong = await attempt('admin', 'Whatever-1');
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(unknown.body['code']).toBe('ARGUS_ERR_AUTH_INVALID_CREDENTIALS');
    clock.advance(60_000);
  });

  it('does not lock for 5 failures spread over more than 30 s', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await attempt('admin', 'Wrong-pass-1')).body['code']).toBe('ARGUS_ERR_AUTH_INVALID_CREDENTIALS');
      clock.advance(8_000);
    }
    await login(call, 'admin', ADMIN_PASSWORD);
  });

  it('locks after 5 failures within 30 s, refuses the right password, and opens after 5 minutes', async () => {
    for (let i = 0; i < 4; i++) {
      expect((await attempt('admin', 'Wrong-pass-1')).body['code']).toBe('ARGUS_ERR_AUTH_INVALID_CREDENTIALS');
      clock.advance(5_000);
    }
    const fifth = await attempt('admin', 'Wrong-pass-1');
    expect(fifth.body['code']).toBe('ARGUS_ERR_AUTH_INVALID_CREDENTIALS');
    const locked = await attempt('admin', ADMIN_PASSWORD);
    expect(locked.status).toBe(423);
    expect(locked.body['code']).toBe('ARGUS_ERR_AUTH_ACCOUNT_LOCKED');
    clock.advance(4 * 60_000 + 59_000);
    expect((await attempt('admin', ADMIN_PASSWORD)).body['code']).toBe('ARGUS_ERR_AUTH_ACCOUNT_LOCKED');
    clock.advance(1_000);
    await login(call, 'admin', ADMIN_PASSWORD);
  });

  it('locks unknown names the same way, so a lock reveals nothing', async () => {
    for (let i = 0; i < 5; i++) await attempt('ghost', 'Wrong-pass-1');
    expect((await attempt('ghost', 'Wrong-pass-1')).body['code']).toBe('ARGUS_ERR_AUTH_ACCOUNT_LOCKED');
  });
});

describe('authorisation of the /api/v1 routes', () => {
  let server: RunningServer;
  let call: ReturnType<typeof client>;
  let admin: string;
  const routes = [
    ['POST', '/api/v1/auth/logout'],
    ['POST', '/api/v1/auth/password'],
    ['GET', '/api/v1/auth/me'],
    ['GET', '/api/v1/users'],
    ['POST', '/api/v1/users'],
    ['GET', '/api/v1/users/admin'],
    ['PATCH', '/api/v1/users/admin'],
    ['DELETE', '/api/v1/users/admin'],
    ['GET', '/api/v1/audit'],
  ] as const;
  beforeAll(async () => {
    server = await start('authz');
    call = client(server);
    const first = await login(call, 'admin', ADMIN_PASSWORD);
    await call('POST', '/api/v1/auth/password', { token: first, body: { currentPassword: ADMIN_PASSWORD, newPassword: NEW_PASSWORD } });
    admin = await login(call, 'admin', NEW_PASSWORD);
  });
  afterAll(async () => server?.close());

  it('answers 401 without a token, with a bad token, and with a malformed header on every route', async () => {
    for (const [method, path] of routes) {
      for (const auth of [{}, { token: 'x'.repeat(43) }, { cookie: 'argus_session=nope' }]) {
        const res = await call(method, path, { ...auth, ...(method === 'GET' ? {} : { body: {} }) });
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(res.body).toEqual({ code: 'ARGUS_ERR_API_UNAUTHORIZED', message: 'Authentication is required' });
      }
    }
  });

  it('lets an admin manage users, forbids the rest to a non-admin, and never returns a hash', async () => {
    const created = await call('POST', '/api/v1/users', { token: admin, body: { username: 'lan', agency: 'police-d1', roles: ['operator'], password: 'Operator-pw-1' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: 'lan', agency: 'police-d1', roles: ['operator'], mustChangePassword: true });
    expect((await call('POST', '/api/v1/users', { token: admin, body: { username: 'lan', agency: 'x', password: 'Operator-pw-1' } })).body['code']).toBe('ARGUS_ERR_AUTH_USER_EXISTS');
    const bad = await call('POST', '/api/v1/users', { token: admin, body: { username: 'Bad Name', agency: 'x', password: 'Operator-pw-1' } });
    expect(bad.status).toBe(400);
    expect(bad.body['code']).toBe('ARGUS_ERR_API_INVALID_REQUEST');
    expect((await call('POST', '/api/v1/users', { token: admin, body: { username: 'weak', agency: 'x', password: 'weakweak' } })).body['code']).toBe('ARGUS_ERR_AUTH_PASSWORD_TOO_SIMPLE');
    expect((await call('PATCH', '/api/v1/users/lan', { token: admin, body: {} })).status).toBe(400);
    expect((await call('GET', '/api/v1/users/nobody', { token: admin })).body['code']).toBe('ARGUS_ERR_AUTH_USER_NOT_FOUND');

    const first = await login(call, 'lan', 'Operator-pw-1');
    await call('POST', '/api/v1/auth/password', { token: first, body: { currentPassword: 'Operator-pw-1', newPassword: 'Operator-pw-2' } });
    const lan = await login(call, 'lan', 'Operator-pw-2');
    expect((await call('GET', '/api/v1/auth/me', { token: lan })).body).toEqual({ username: 'lan', agency: 'police-d1', roles: ['operator'], mustChangePassword: false });
    for (const [method, path] of routes.filter(([, p]) => !p.startsWith('/api/v1/auth/'))) {
      const res = await call(method, path, { token: lan, ...(method === 'POST' || method === 'PATCH' ? { body: { agency: 'x', username: 'zz', password: 'Operator-pw-3' } } : {}) });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body['code']).toBe('ARGUS_ERR_API_FORBIDDEN');
    }

    const patched = await call('PATCH', '/api/v1/users/lan', { token: admin, body: { roles: ['operator', 'admin'] } });
    expect(patched.body['roles']).toEqual(['operator', 'admin']);
    expect((await call('GET', '/api/v1/users', { token: lan })).status).toBe(200);
    const list = await call('GET', '/api/v1/users', { token: admin });
    expect((list.body['users'] as unknown[]).length).toBe(2);
    expect((await call('DELETE', '/api/v1/users/lan', { token: admin })).status).toBe(204);
    expect((await call('GET', '/api/v1/auth/me', { token: lan })).status).toBe(401);
    expect((await call('DELETE', '/api/v1/users/admin', { token: admin })).body['code']).toBe('ARGUS_ERR_AUTH_LAST_ADMIN');
  });

  it('accepts the session cookie as well as the bearer token, and logout revokes the session', async () => {
    const res = await call('POST', '/api/v1/auth/login', { body: { username: 'admin', password: NEW_PASSWORD } });
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect((await call('GET', '/api/v1/auth/me', { cookie })).status).toBe(200);
    const out = await call('POST', '/api/v1/auth/logout', { cookie });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^argus_session=;/);
    expect((await call('GET', '/api/v1/auth/me', { cookie })).status).toBe(401);
    expect((await call('GET', '/api/v1/auth/me', { token: res.body['token'] as string })).status).toBe(401);
    expect((await call('GET', '/api/v1/auth/me', { token: admin })).status).toBe(200);
  });

  it('pages the audit log for an admin', async () => {
    const first = await call('GET', '/api/v1/audit?limit=2', { token: admin });
    const entries = first.body['entries'] as { seq: number; action: string }[];
    expect(entries.map((e) => e.seq)).toEqual([1, 2]);
    expect(entries[0]!.action).toBe('user.create');
    expect(first.body['next']).toBe(3);
    const rest = await call('GET', '/api/v1/audit?from=3&limit=1000', { token: admin });
    const actions = (rest.body['entries'] as { action: string }[]).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['auth.login', 'auth.password', 'user.update', 'user.delete', 'auth.logout']));
    expect((await call('GET', '/api/v1/audit?limit=0', { token: admin })).status).toBe(400);
  });
});

describe('the auth rate limit', () => {
  let server: RunningServer | undefined;
  afterEach(async () => server?.close());

  it('answers 429 with a typed code past the configured limit', async () => {
    const config = await loadServerConfig({ env: { ARGUS_PORT: '0', ARGUS_HOST: '127.0.0.1', ARGUS_DATA_DIR: join(root, 'rate'), ARGUS_LOG_LEVEL: 'silent' } });
    server = await startServer({ config, adminPassword: ADMIN_PASSWORD, authRateLimit: { max: 2, timeWindowMs: 60_000 } });
    const call = client(server);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await call('POST', '/api/v1/auth/login', { body: { username: 'x', password: 'y' } })).status);
    expect(statuses).toEqual([401, 401, 429]);
    const limited = await call('POST', '/api/v1/auth/login', { body: { username: 'x', password: 'y' } });
    expect(limited.body['code']).toBe('ARGUS_ERR_AUTH_RATE_LIMITED');
  });
});
