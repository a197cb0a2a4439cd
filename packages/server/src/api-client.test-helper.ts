// Test-only: a JSON client for the reference server's API, and the first-login dance every e2e test needs.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { demoFarmPlugin, type DemoFarmOptions } from './demo-farm.js';
import { loadServerConfig } from './load-config.js';
import { startServer, type RunningServer } from './start-server.js';

/** Status and parsed JSON body of an API answer. */
export interface ApiAnswer<T> {
  status: number;
  body: T;
}

/**
 * A client for the server at `baseUrl()` (read at each call, so tests can start the server in `beforeAll`).
 * `loginFresh` logs in with an initial password, makes the required change, logs in again and returns the token.
 */
export function apiClient(baseUrl: () => string): {
  api: <T>(path: string, token?: string, init?: RequestInit) => Promise<ApiAnswer<T>>;
  loginFresh: (username: string, initial: string, changed: string) => Promise<string>;
} {
  async function api<T>(path: string, token?: string, init: RequestInit = {}): Promise<ApiAnswer<T>> {
    const res = await fetch(`${baseUrl()}${path}`, {
      ...init,
      headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    });
    const text = await res.text();
    return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
  }

  async function loginFresh(username: string, initial: string, changed: string): Promise<string> {
    const first = await api<{ token: string }>('/api/v1/auth/login', undefined, { method: 'POST', body: JSON.stringify({ username, password: initial }) });
    expect(first.status).toBe(200);
    const change = await api('/api/v1/auth/password', first.body.token, { method: 'POST', body: JSON.stringify({ currentPassword: initial, newPassword: changed }) });
    expect(change.status).toBe(204);
    const second = await api<{ token: string; mustChangePassword: boolean }>('/api/v1/auth/login', undefined, { method: 'POST', body: JSON.stringify({ username, password: changed }) });
    expect(second.body.mustChangePassword).toBe(false);
    return second.body.token;
  }

  return { api, loginFresh };
}

/**
 * Starts the reference server on a free loopback port with its data in `dataDir`, the given initial admin password,
 * no auth rate limit, and a demo farm of `cameras` simulated cameras (loops cached across test runs), recorded only
 * when `options.record` is set.
 */
export async function startDemoServer(
  dataDir: string,
  cameras: number,
  adminPassword: string,
  options: { record?: boolean; motionEverySeconds?: number; onStarted?: DemoFarmOptions['onStarted'] } = {},
): Promise<RunningServer> {
  const config = await loadServerConfig({ env: { ARGUS_PORT: '0', ARGUS_HOST: '127.0.0.1', ARGUS_DATA_DIR: dataDir, ARGUS_LOG_LEVEL: 'silent' } });
  return startServer({
    config,
    adminPassword,
    authRateLimit: false,
    plugins: [
      demoFarmPlugin({
        cameras,
        port: 0,
        cacheDir: join(tmpdir(), 'argus-farm-cache-tests'),
        record: options.record ?? false,
        motionEverySeconds: options.motionEverySeconds ?? 0,
        ...(options.onStarted === undefined ? {} : { onStarted: options.onStarted }),
      }),
    ],
  });
}
