import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasErrorCode } from '@argus/core';
import { afterEach, describe, expect, it } from 'vitest';
import { EXPORT_SIGNING_KEY_FILE, ExportSigner } from './export-signer.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'argus-signer-'));
  dirs.push(dir);
  return dir;
}

describe('ExportSigner', () => {
  it('creates a 0600 PKCS#8 Ed25519 key once and loads the same key again', async () => {
    const dir = join(tempDir(), 'keys');
    const signer = await ExportSigner.loadOrCreate(dir);
    const path = join(dir, EXPORT_SIGNING_KEY_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(signer.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const spki = signer.publicKey.export({ type: 'spki', format: 'der' });
    expect(signer.keyId).toBe(createHash('sha256').update(spki).digest('hex').slice(0, 16));
    const again = await ExportSigner.loadOrCreate(dir);
    expect(again.keyId).toBe(signer.keyId);
    const message = new TextEncoder().encode('evidence');
    const signature = again.sign(message);
    expect(signature.byteLength).toBe(64);
    expect(verify(null, message, signer.publicKey, signature)).toBe(true);
    expect(verify(null, new TextEncoder().encode('evidencE'), signer.publicKey, signature)).toBe(false);
  });

  it('refuses a key file open to group or others with ARGUS_ERR_DATA_KEY_INSECURE', async () => {
    const dir = tempDir();
    await ExportSigner.loadOrCreate(dir);
    chmodSync(join(dir, EXPORT_SIGNING_KEY_FILE), 0o640);
    await expect(ExportSigner.loadOrCreate(dir)).rejects.toSatisfy((err) => hasErrorCode(err, 'ARGUS_ERR_DATA_KEY_INSECURE'));
  });

  it('refuses a key file that is not an Ed25519 PKCS#8 key with ARGUS_ERR_DATA_KEY_INVALID', async () => {
    const dir = tempDir();
    const path = join(dir, EXPORT_SIGNING_KEY_FILE);
    writeFileSync(path, 'not a key', { mode: 0o600 });
    await expect(ExportSigner.loadOrCreate(dir)).rejects.toSatisfy((err) => hasErrorCode(err, 'ARGUS_ERR_DATA_KEY_INVALID'));
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    await expect(ExportSigner.loadOrCreate(dir)).rejects.toSatisfy((err) => hasErrorCode(err, 'ARGUS_ERR_DATA_KEY_INVALID'));
  });
});
