// `argus audit verify` on a log written by a real server, then on copies tampered with in LevelDB directly.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServerConfig, main, startServer, type CliIo } from '@argus/server';

let root: string;
const source = () => join(root, 'source');

async function verify(dataDir: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t), env: {} };
  const code = await main(['audit', 'verify', '--data-dir', dataDir], io);
  return { code, out, err };
}

const key = (seq: number) => `audit!${String(seq).padStart(16, '0')}`;

async function tampered(name: string, change: (db: ClassicLevel<string, string>) => Promise<void>): Promise<string> {
  const dir = join(root, name);
  await cp(source(), dir, { recursive: true });
  const db = new ClassicLevel<string, string>(join(dir, 'db'));
  await db.open();
  await change(db);
  await db.close();
  return dir;
}

let entries = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'argus-audit-'));
  const config = await loadServerConfig({ env: { ARGUS_PORT: '0', ARGUS_HOST: '127.0.0.1', ARGUS_DATA_DIR: source(), ARGUS_LOG_LEVEL: 'silent' } });
  const server = await startServer({ config, adminPassword: 'Initial-pass-1', authRateLimit: false });
  const post = (path: string, body: unknown, token?: string) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  await post('/api/v1/auth/login', { username: 'admin', password: 'Wrong-pass-1' });
  const first = (await (await post('/api/v1/auth/login', { username: 'admin', password: 'Initial-pass-1' })).json()) as { token: string };
  await post('/api/v1/auth/password', { currentPassword: 'Initial-pass-1', newPassword: 'Changed-pass-2' }, first.token);
  const { token } = (await (await post('/api/v1/auth/login', { username: 'admin', password: 'Changed-pass-2' })).json()) as { token: string };
  expect((await post('/api/v1/users', { username: 'lan', agency: 'police', password: 'Operator-pw-1' }, token)).status).toBe(201);
  await post('/api/v1/auth/logout', {}, token);
  const running = await verify(source());
  expect(running.code).toBe(1);
  expect(running.err).toMatch(/^argus: ARGUS_ERR_DATA_LOCKED: .*is the server running\?\)\n$/);
  await server.close();
  entries = 7; // user.create, failed login, login, password, login, user.create, logout
});
afterAll(async () => rm(root, { recursive: true, force: true }));

describe('argus audit verify', () => {
  it('reports an intact log', async () => {
    expect(await verify(source())).toEqual({ code: 0, out: `audit log OK: ${entries} entries\n`, err: '' });
  });

  it('stores argon2id hashes and no plain password', async () => {
    const db = new ClassicLevel<string, string>(join(source(), 'db'));
    const admin = JSON.parse((await db.get('user!admin'))!) as { passwordHash: string };
    const all: string[] = [];
    for await (const value of db.values()) all.push(value);
    await db.close();
    expect(admin.passwordHash).toMatch(/^\$argon2id\$/);
    expect(all.join('\n')).not.toContain('Changed-pass-2');
  });

  const cases: [string, (db: ClassicLevel<string, string>) => Promise<void>, number, string][] = [
    ['edited', async (db) => {
      const entry = JSON.parse((await db.get(key(3)))!) as Record<string, unknown>;
      await db.put(key(3), JSON.stringify({ ...entry, actor: 'someone-else' }));
    }, 3, 'entry edited'],
    ['swapped', async (db) => {
      const [a, b] = [(await db.get(key(4)))!, (await db.get(key(5)))!];
      await db.batch([{ type: 'put', key: key(4), value: b }, { type: 'put', key: key(5), value: a }]);
    }, 4, 'entry moved'],
    ['deleted-middle', (db) => db.del(key(3)), 3, 'entry deleted'],
    ['deleted-tail', (db) => db.del(key(7)), 7, 'entries deleted at the end'],
  ];
  for (const [name, change, seq, reason] of cases) {
    it(`detects an ${name} entry`, async () => {
      const { code, out, err } = await verify(await tampered(name, change));
      expect(code).toBe(1);
      expect(out).toBe('');
      expect(err).toMatch(new RegExp(`^argus: ARGUS_ERR_AUDIT_TAMPERED: .* at entry ${seq} \\(${reason}`));
    });
  }

  it('detects an entry rewritten with a recomputed hash (the chain breaks at the next one)', async () => {
    const { auditEntryHash } = await import('./audit-log.js');
    const dir = await tampered('rehashed', async (db) => {
      const entry = JSON.parse((await db.get(key(2)))!) as Parameters<typeof auditEntryHash>[0];
      const forged = { ...entry, outcome: 'success' as const };
      await db.put(key(2), JSON.stringify({ ...forged, hash: auditEntryHash(forged) }));
    });
    const { code, err } = await verify(dir);
    expect(code).toBe(1);
    expect(err).toContain('at entry 3 (chain broken)');
  });
});
