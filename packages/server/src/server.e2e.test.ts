// The reference server over a real listening port, and the `argus` command as a child process.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode } from '@argus/core';
import { loadServerConfig, startServer, type RunningServer } from '@argus/server';

const bin = fileURLToPath(new URL('../bin/argus.js', import.meta.url));
const distCli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'argus-server-'));
});
afterAll(async () => rm(dataDir, { recursive: true, force: true }));

describe('startServer over a real port', () => {
  let server: RunningServer;
  beforeAll(async () => {
    const config = await loadServerConfig({ env: { ARGUS_PORT: '0', ARGUS_HOST: '127.0.0.1', ARGUS_DATA_DIR: join(dataDir, 'a'), ARGUS_LOG_LEVEL: 'silent' } });
    server = await startServer({ config, metricsToken: 'scrape-token-1' });
  });
  afterAll(async () => server?.close());

  it('creates the data directory', async () => {
    expect((await stat(join(dataDir, 'a'))).isDirectory()).toBe(true);
  });

  it('answers /healthz', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', version: '0.1.0', plugins: { total: 1, running: 1, failed: [] } });
  });

  it('serves Prometheus metrics to a holder of the token only', async () => {
    const denied = await fetch(`${server.url}/metrics`);
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({ code: 'ARGUS_ERR_API_UNAUTHORIZED', message: 'Authentication is required' });
    const wrong = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer scrape-token-2' } });
    expect(wrong.status).toBe(401);

    const res = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer scrape-token-1' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain('# TYPE argus_cameras gauge');
    expect(text).toMatch(/^argus_cameras 0$/m);
    expect(text).toMatch(/^argus_process_resident_memory_bytes \d+/m);
  });

  it('answers unknown routes with a registry error', async () => {
    const res = await fetch(`${server.url}/api/v1/nothing?x=1`, { method: 'POST' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ code: 'ARGUS_ERR_API_NOT_FOUND', message: 'No route POST /api/v1/nothing' });
  });

  it('close() is idempotent and stops listening', async () => {
    const config = await loadServerConfig({ env: { ARGUS_PORT: '0', ARGUS_HOST: '127.0.0.1', ARGUS_DATA_DIR: join(dataDir, 'b'), ARGUS_LOG_LEVEL: 'silent' } });
    const other = await startServer({ config });
    await Promise.all([other.close(), other.close()]);
    await expect(fetch(`${other.url}/healthz`)).rejects.toThrow();
  });
});

describe('loadServerConfig', () => {
  it('layers defaults, file, env and overrides', async () => {
    const file = join(dataDir, 'argus.yaml');
    await writeFile(file, 'server:\n  port: 9000\n  dataDir: /srv/argus\nlog:\n  level: warn\n');
    const config = await loadServerConfig({ file, env: { ARGUS_PORT: '9100' }, overrides: { server: { host: '127.0.0.1' } } });
    expect(config.server).toEqual({ port: 9100, host: '127.0.0.1', dataDir: '/srv/argus' });
    expect(config.log.level).toBe('warn');
  });

  it('rejects unreadable, malformed and invalid files with ARGUS_ERR_CONFIG_INVALID', async () => {
    const bad = join(dataDir, 'bad.yaml');
    await writeFile(bad, 'server: [unclosed\n');
    const invalid = join(dataDir, 'invalid.yaml');
    await writeFile(invalid, 'server:\n  port: seventy\n');
    for (const file of [join(dataDir, 'missing.yaml'), bad, invalid]) {
      const error = await loadServerConfig({ file }).catch((e: unknown) => e);
      expect(hasErrorCode(error, 'ARGUS_ERR_CONFIG_INVALID')).toBe(true);
    }
    const error = await loadServerConfig({ file: invalid }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('/server/port');
  });
});

describe('the argus command', () => {
  const built = existsSync(distCli);

  function run(args: string[], env: Record<string, string>): { done: Promise<{ code: number | null; stdout: string; stderr: string }>; stdout: () => string; kill: () => void } {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.on('close', (code) => resolve({ code, stdout, stderr })),
    );
    return { done, stdout: () => stdout, kill: () => child.kill('SIGTERM') };
  }

  it.runIf(built)('starts, serves /healthz, and stops cleanly on SIGTERM', async () => {
    const proc = run(['start', '--port', '0', '--host', '127.0.0.1', '--data-dir', join(dataDir, 'cli')], { ARGUS_LOG_LEVEL: 'silent' });
    let url: string | undefined;
    for (let i = 0; i < 200 && url === undefined; i++) {
      url = /listening on (http:\/\/\S+)/.exec(proc.stdout())?.[1];
      if (url === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    expect(url).toBeDefined();
    const res = await fetch(`${url}/healthz`);
    expect((await res.json()) as object).toMatchObject({ status: 'ok' });
    proc.kill();
    expect((await proc.done).code).toBe(0);
  });

  it.runIf(built)('fails with one clear line and exit code 1 on a bad config', async () => {
    const bad = join(dataDir, 'cli-bad.yaml');
    await writeFile(bad, 'server:\n  port: 70000\n');
    const { code, stderr } = await run(['start', '--config', bad], {}).done;
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^argus: ARGUS_ERR_CONFIG_INVALID: Invalid configuration at \/server\/port/);
  });

  it.runIf(built)('rejects an unknown command and a bad flag', async () => {
    const unknown = await run(['launch'], {}).done;
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "launch"');
    const flag = await run(['start', '--colour'], {}).done;
    expect(flag.code).toBe(1);
    expect(flag.stderr).toMatch(/^argus: .*--colour/);
  });

  it('needs the build that `npm install` and `npm test` make', () => {
    expect(built, `${distCli} is missing: run "npx tsc -b" (npm test does it first)`).toBe(true);
  });
});
