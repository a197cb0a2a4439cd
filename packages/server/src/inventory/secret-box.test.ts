import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasErrorCode } from '@argus/core';
import { SECRET_KEY_FILE, SecretBox } from './secret-box.js';

const posix = process.platform !== 'win32';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'argus-secret-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

/** Flips one byte of a base64 part of a sealed value. */
function flip(sealed: string, part: number): string {
  const parts = sealed.split(':');
  const bytes = Buffer.from(parts[part]!, 'base64');
  bytes[0] = bytes[0]! ^ 0x01;
  parts[part] = bytes.toString('base64');
  return parts.join(':');
}

describe('SecretBox key file', () => {
  it.runIf(posix)('creates a 32-byte key with mode 0600 on first open and reuses it on the next', async () => {
    const first = await SecretBox.open(dir);
    const path = join(dir, SECRET_KEY_FILE);
    const info = await stat(path);
    expect(info.mode & 0o777).toBe(0o600);
    const key = await readFile(path);
    expect(key.length).toBe(32);
    expect(await readdir(dir)).toEqual([SECRET_KEY_FILE]);

    const sealed = first.seal('Camera#Secret9');
    const second = await SecretBox.open(dir);
    expect(await readFile(path)).toEqual(key);
    expect(second.open(sealed)).toBe('Camera#Secret9');
  });

  it.runIf(posix)('refuses a key file that group or others may read', async () => {
    await SecretBox.open(dir);
    const path = join(dir, SECRET_KEY_FILE);
    await chmod(path, 0o644);
    const err = await SecretBox.open(dir).catch((e: unknown) => e);
    expect(hasErrorCode(err, 'ARGUS_ERR_DATA_KEY_INSECURE')).toBe(true);
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toContain('0644');
  });

  it('refuses a key file of the wrong size', async () => {
    await writeFile(join(dir, SECRET_KEY_FILE), Buffer.alloc(16, 7), { mode: 0o600 });
    const err = await SecretBox.open(dir).catch((e: unknown) => e);
    expect(hasErrorCode(err, 'ARGUS_ERR_DATA_KEY_INVALID')).toBe(true);
    expect((err as Error).message).toContain('found 16');
  });

  it('creates one key when two opens race', async () => {
    const [a, b] = await Promise.all([SecretBox.open(dir), SecretBox.open(dir)]);
    expect(b.open(a.seal('same key'))).toBe('same key');
    expect(await readdir(dir)).toEqual([SECRET_KEY_FILE]);
  });
});

describe('SecretBox seal/open', () => {
  it('round-trips, with a fresh IV on every seal', async () => {
    const box = await SecretBox.open(dir);
    const a = box.seal('Camera#Secret9');
    const b = box.seal('Camera#Secret9');
    expect(a).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(Buffer.from(a.split(':')[1]!, 'base64').length).toBe(12);
    expect(a.split(':')[1]).not.toBe(b.split(':')[1]);
    expect(a).not.toBe(b);
    expect(a).not.toContain('Camera#Secret9');
    expect(box.open(a)).toBe('Camera#Secret9');
    expect(box.open(b)).toBe('Camera#Secret9');
    expect(box.open(box.seal(''))).toBe('');
    expect(box.open(box.seal('mật khẩu ✓'))).toBe('mật khẩu ✓');
  });

  it('rejects a tampered ciphertext, tag or IV with a typed error', async () => {
    const box = await SecretBox.open(dir);
    const sealed = box.seal('Camera#Secret9');
    for (const part of [1, 2, 3]) {
      const err = caught(() => box.open(flip(sealed, part)));
      expect(hasErrorCode(err, 'ARGUS_ERR_DATA_SECRET_UNREADABLE')).toBe(true);
    }
  });

  it('rejects malformed values with a typed error', async () => {
    const box = await SecretBox.open(dir);
    const sealed = box.seal('x');
    for (const bad of ['', 'plain', sealed.replace(/^v1/, 'v2'), `${sealed}:extra`, sealed.replace(/:[^:]+:/, ':!!!!:'), 'v1:AAAA:AAAA:AAAA']) {
      const err = caught(() => box.open(bad));
      expect(hasErrorCode(err, 'ARGUS_ERR_DATA_SECRET_UNREADABLE')).toBe(true);
    }
  });

  it('rejects a value sealed under another key, or for another context', async () => {
    const other = await mkdtemp(join(tmpdir(), 'argus-secret-'));
    try {
      const box = await SecretBox.open(dir);
      const foreign = await SecretBox.open(other);
      const err = caught(() => box.open(foreign.seal('Camera#Secret9')));
      expect(hasErrorCode(err, 'ARGUS_ERR_DATA_SECRET_UNREADABLE')).toBe(true);

      const bound = box.seal('Camera#Secret9', 'camera:a');
      expect(box.open(bound, 'camera:a')).toBe('Camera#Secret9');
      expect(hasErrorCode(caught(() => box.open(bound, 'camera:b')), 'ARGUS_ERR_DATA_SECRET_UNREADABLE')).toBe(true);
      expect(hasErrorCode(caught(() => box.open(bound)), 'ARGUS_ERR_DATA_SECRET_UNREADABLE')).toBe(true);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
