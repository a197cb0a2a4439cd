import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeviceRegistry, type Camera } from '@argus/core';
import { recordingLogger } from '@argus/core/testing';
import { openDatabase, type Database } from '../open-database.js';
import { LevelDeviceStore } from './level-device-store.js';
import { SecretBox } from './secret-box.js';

const PASSWORD = 'Camera#Secret9';

const camera: Camera = {
  id: 'q1-gate-03',
  name: 'Gate 3',
  agency: 'police-q1',
  category: 'security',
  cameraType: 7,
  driver: 'hikvision',
  ptz: true,
  location: { district: 'Hoan Kiem', ward: 'Hang Bac', address: '1 Hang Bac', lat: 21.03, lon: 105.85 },
  connection: { host: '10.1.2.3', port: 8080, username: 'admin', password: PASSWORD, path: '/ISAPI', options: { tls: false, retries: 3 } },
  streams: [{ profile: 'main', uri: 'rtsp://10.1.2.3/Streaming/Channels/101' }, { profile: 'sub' }],
  externalId: 'INV-0042',
  vendor: 'Hikvision',
  model: 'DS-2DE4425IW',
  enabled: false,
  tags: ['gate', 'north'],
  groups: ['q1'],
  createdAt: 1_700_000_000_000,
  updatedAt: 1_700_000_100_000,
};

let dir: string;
let db: Database;
let secrets: SecretBox;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'argus-inventory-'));
  secrets = await SecretBox.open(dir);
  db = await openDatabase(dir);
});
afterEach(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('LevelDeviceStore', () => {
  it('round-trips every field of a camera, password included', async () => {
    const store = new LevelDeviceStore({ db, secrets });
    await store.put(camera);
    await store.put({ ...camera, id: 'no-password', connection: { host: '10.1.2.4' } });
    const loaded = await store.load();
    expect(loaded).toEqual([{ ...camera, id: 'no-password', connection: { host: '10.1.2.4' } }, camera]); // in key order
  });

  it('stores the password sealed, never in plain text', async () => {
    const store = new LevelDeviceStore({ db, secrets });
    await store.put(camera);
    const raw = (await db.get(`camera!${camera.id}`)) as { connection: Record<string, unknown> };
    expect(raw.connection).not.toHaveProperty('password');
    expect(raw.connection['passwordSealed']).toMatch(/^v1:/);
    expect(JSON.stringify(raw)).not.toContain(PASSWORD);
  });

  it('leaves no plaintext password in any file of the database', async () => {
    const store = new LevelDeviceStore({ db, secrets });
    await store.put(camera);
    await store.put({ ...camera, name: 'Gate 3 (renamed)' });
    await db.close();
    const files = await filesUnder(join(dir, 'db'));
    expect(files.length).toBeGreaterThan(0);
    const needle = Buffer.from(PASSWORD, 'utf8');
    let scanned = 0;
    for (const file of files) {
      const bytes = await readFile(file);
      scanned += bytes.length;
      expect(bytes.includes(needle), file).toBe(false);
    }
    // The camera's other fields did reach the disk, so the scan looked at the right bytes.
    const all = Buffer.concat(await Promise.all(files.map((f) => readFile(f))));
    expect(all.includes(Buffer.from('DS-2DE4425IW'))).toBe(true);
    expect(scanned).toBeGreaterThan(0);
    db = await openDatabase(dir);
  });

  it('deletes, and deleting a missing id is not an error', async () => {
    const store = new LevelDeviceStore({ db, secrets });
    await store.put(camera);
    await store.delete(camera.id);
    await store.delete('never-there');
    expect(await store.load()).toEqual([]);
  });

  it('loads only camera records, not the other data of the database', async () => {
    await db.put('audit!0000000000000001', { seq: 1 });
    await db.put('user!admin', { username: 'admin' });
    await db.put('cameraz', { id: 'not-a-camera' });
    const store = new LevelDeviceStore({ db, secrets });
    await store.put(camera);
    expect(await store.load()).toEqual([camera]);
  });

  it('loads a camera whose password cannot be opened without it, and logs why', async () => {
    const logger = recordingLogger();
    const store = new LevelDeviceStore({ db, secrets, logger });
    await store.put(camera);
    const other = await mkdtemp(join(tmpdir(), 'argus-inventory-'));
    try {
      const foreign = new LevelDeviceStore({ db, secrets: await SecretBox.open(other), logger });
      const loaded = (await foreign.load()) as Camera[];
      expect(loaded).toHaveLength(1);
      const { password: _password, ...connection } = camera.connection;
      expect(loaded[0]).toEqual({ ...camera, connection });
      const warning = logger.lines.find((l) => l.level === 'warn');
      expect(warning?.obj).toMatchObject({ cameraId: camera.id, reason: expect.stringContaining('authentication failed') });
      expect(JSON.stringify(logger.lines)).not.toContain(PASSWORD);
      expect(JSON.stringify(logger.lines)).not.toContain('v1:');
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('does not open a sealed password moved to another camera', async () => {
    const logger = recordingLogger();
    const store = new LevelDeviceStore({ db, secrets, logger });
    await store.put(camera);
    const raw = (await db.get(`camera!${camera.id}`)) as Camera;
    await db.put('camera!intruder', { ...raw, id: 'intruder' });
    const loaded = (await store.load()) as Camera[];
    expect(loaded.find((c) => c.id === 'intruder')?.connection).not.toHaveProperty('password');
    expect(loaded.find((c) => c.id === camera.id)?.connection.password).toBe(PASSWORD);
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.obj)).toEqual([expect.objectContaining({ cameraId: 'intruder' })]);
  });

  it('backs a DeviceRegistry across reopen', async () => {
    const registry = new DeviceRegistry({ store: new LevelDeviceStore({ db, secrets }) });
    await registry.init();
    const { createdAt: _c, updatedAt: _u, ...input } = camera;
    await registry.add(input);
    await db.close();

    db = await openDatabase(dir);
    const reopened = new DeviceRegistry({ store: new LevelDeviceStore({ db, secrets: await SecretBox.open(dir) }) });
    expect(await reopened.init()).toEqual({ loaded: 1, skipped: [] });
    expect(reopened.get(camera.id)).toMatchObject(input);
    expect(reopened.get(camera.id).connection.password).toBe(PASSWORD);
  });
});
