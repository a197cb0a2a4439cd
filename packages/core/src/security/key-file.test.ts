import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hasErrorCode } from '../errors/argus-error.js';
import { loadOrCreateKeyFile } from './key-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'argus-key-file-'));
  dirs.push(dir);
  return dir;
}

describe('loadOrCreateKeyFile', () => {
  it('creates the key once with mode 0600 in a 0700 folder, and every concurrent caller gets the same one', async () => {
    const path = join(folder(), 'keys', 'k.key');
    let made = 0;
    const keys = await Promise.all(Array.from({ length: 5 }, () => loadOrCreateKeyFile(path, () => Buffer.from(`key-${++made}`))));
    expect(new Set(keys.map((k) => k.toString())).size).toBe(1);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
    expect((await loadOrCreateKeyFile(path, () => 'never')).toString()).toBe(keys[0]?.toString());
  });

  it('refuses a key that group or others may read, and a path that is not a file', async () => {
    const dir = folder();
    const path = join(dir, 'k.key');
    await loadOrCreateKeyFile(path, () => 'secret');
    chmodSync(path, 0o644);
    expect(hasErrorCode(await loadOrCreateKeyFile(path, () => 'x').catch((e: unknown) => e), 'ARGUS_ERR_DATA_KEY_INSECURE')).toBe(true);
    mkdirSync(join(dir, 'folder.key'));
    expect(hasErrorCode(await loadOrCreateKeyFile(join(dir, 'folder.key'), () => 'x').catch((e: unknown) => e), 'ARGUS_ERR_DATA_KEY_INVALID')).toBe(true);
  });
});
