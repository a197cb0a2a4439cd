import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ArgusError } from '@argus/core';

/** Name of the export signing key file in its directory. */
export const EXPORT_SIGNING_KEY_FILE = 'export-signing.key';

/** The key id of a public key: the first 16 hex digits of the SHA-256 of its DER SubjectPublicKeyInfo. */
export function exportKeyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

async function readKey(path: string): Promise<KeyObject> {
  const info = await stat(path);
  if (!info.isFile()) throw new ArgusError('ARGUS_ERR_DATA_KEY_INVALID', { path, reason: 'not a regular file' });
  // POSIX modes mean nothing on Windows, where the directory's ACL protects the file instead.
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    throw new ArgusError('ARGUS_ERR_DATA_KEY_INSECURE', { path, mode: (info.mode & 0o777).toString(8).padStart(4, '0') });
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ArgusError('ARGUS_ERR_DATA_KEY_INVALID', { path, reason: 'not a PKCS#8 PEM private key' }, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ArgusError('ARGUS_ERR_DATA_KEY_INVALID', { path, reason: `an ${String(key.asymmetricKeyType)} key, not Ed25519` });
  }
  return key;
}

/**
 * Writes a new key without ever exposing a partial or readable file: a private temporary file first, hard-linked into
 * place. `link` fails when the key already exists, so two processes starting at once both end up with the one that won.
 */
async function createKey(path: string): Promise<void> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temporary, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

/**
 * The server's Ed25519 key for signing export manifests, kept as PKCS#8 PEM in `<dir>/export-signing.key` (mode 0600).
 * A key file that group or others may read is refused with `ARGUS_ERR_DATA_KEY_INSECURE`; one that is not an Ed25519
 * private key with `ARGUS_ERR_DATA_KEY_INVALID`.
 *
 * @example
 * ```ts
 * const signer = await ExportSigner.loadOrCreate(dataDir);
 * const signature = signer.sign(new TextEncoder().encode('manifest'));
 * // publish signer.publicKeyPem (and signer.keyId) so that anyone can verify exports
 * ```
 */
export class ExportSigner {
  /** First 16 hex digits of the SHA-256 of the public key (DER SPKI). */
  readonly keyId: string;
  /** The public key as SPKI PEM. */
  readonly publicKeyPem: string;
  readonly publicKey: KeyObject;
  readonly #privateKey: KeyObject;

  private constructor(privateKey: KeyObject) {
    this.#privateKey = privateKey;
    this.publicKey = createPublicKey(privateKey);
    this.publicKeyPem = this.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    this.keyId = exportKeyId(this.publicKey);
  }

  /**
   * Loads the key of `dir`, creating `dir` (mode 0700) and a new key first when there is none.
   *
   * @throws ArgusError `ARGUS_ERR_DATA_KEY_INSECURE` for a key file open to group or others,
   *   `ARGUS_ERR_DATA_KEY_INVALID` for one that is not an Ed25519 PKCS#8 PEM key.
   */
  static async loadOrCreate(dir: string): Promise<ExportSigner> {
    const path = join(dir, EXPORT_SIGNING_KEY_FILE);
    try {
      return new ExportSigner(await readKey(path));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await createKey(path);
    return new ExportSigner(await readKey(path));
  }

  /** The Ed25519 signature (64 bytes) of `bytes`. */
  sign(bytes: Uint8Array): Uint8Array {
    return new Uint8Array(sign(null, bytes, this.#privateKey));
  }
}
