// The camera inventory survives a server restart, with its passwords sealed at rest.
import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode } from '@argus/core';
import { loadServerConfig } from '../load-config.js';
import { startServer, type RunningServer } from '../start-server.js';

const ADMIN_PASSWORD = 'Initial-pass-1';
const CAMERA_PASSWORD = 'Camera#Secret9';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'argus-inventory-e2e-'));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

async function start(dataDir: string): Promise<RunningServer> {
  const config = await loadServerConfig({ env: { ARGUS_PORT: '0', ARGUS_HOST: '127.0.0.1', ARGUS_DATA_DIR: dataDir, ARGUS_LOG_LEVEL: 'silent' } });
  return startServer({ config, adminPassword: ADMIN_PASSWORD, authRateLimit: false });
}

describe('startServer with a persistent inventory', () => {
  it('keeps a camera and its usable password across a restart', async () => {
    const dataDir = join(root, 'restart');
    const first = await start(dataDir);
    try {
      await first.kernel.devices.add({
        id: 'q1-gate-03',
        name: 'Gate 3',
        agency: 'police-q1',
        category: 'security',
        cameraType: 7,
        driver: 'hikvision',
        ptz: true,
        connection: { host: '10.1.2.3', username: 'admin', password: CAMERA_PASSWORD },
        tags: ['gate'],
      });
    } finally {
      await first.close();
    }
    if (process.platform !== 'win32') expect((await stat(join(dataDir, 'secret.key'))).mode & 0o777).toBe(0o600);

    const entries = await readdir(join(dataDir, 'db'), { withFileTypes: true, recursive: true });
    for (const entry of entries.filter((e) => e.isFile())) {
      expect((await readFile(join(entry.parentPath, entry.name))).includes(Buffer.from(CAMERA_PASSWORD))).toBe(false);
    }

    const second = await start(dataDir);
    try {
      const camera = second.kernel.devices.get('q1-gate-03');
      expect(camera).toMatchObject({ name: 'Gate 3', agency: 'police-q1', tags: ['gate'], connection: { host: '10.1.2.3', username: 'admin' } });
      expect(camera.connection.password).toBe(CAMERA_PASSWORD);
      expect(second.kernel.devices.size).toBe(1);
    } finally {
      await second.close();
    }
  });

  it.runIf(process.platform !== 'win32')('refuses to start when the key file is open to others, and can start again once fixed', async () => {
    const dataDir = join(root, 'insecure');
    await (await start(dataDir)).close();
    await chmod(join(dataDir, 'secret.key'), 0o644);
    const err = await start(dataDir).catch((e: unknown) => e);
    expect(hasErrorCode(err, 'ARGUS_ERR_DATA_KEY_INSECURE')).toBe(true);
    await chmod(join(dataDir, 'secret.key'), 0o600);
    await (await start(dataDir)).close();
  });
});
