import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { ArgusError, loadOrCreateKeyFile } from '@argus/core';

/** Name of the export signing key file in its directory. */
export const EXPORT_SIGNING_KEY_FILE = 'export-signing.key';

/** The key id of a public key: the first 16 hex digits of the SHA-256 of its DER SubjectPublicKeyInfo. */
export function exportKeyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

/** The Ed25519 private key in a key file's bytes. */
function privateKeyOf(path: string, pem: Buffer): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem.toString('utf8'));
  } catch (err) {
    throw new ArgusError('ARGUS_ERR_DATA_KEY_INVALID', { path, reason: 'not a PKCS#8 PEM private key' }, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ArgusError('ARGUS_ERR_DATA_KEY_INVALID', { path, reason: `an ${String(key.asymmetricKeyType)} key, not Ed25519` });
  }
  return key;
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
    const pem = await loadOrCreateKeyFile(path, () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    return new ExportSigner(privateKeyOf(path, pem));
  }

  /** The Ed25519 signature (64 bytes) of `bytes`. */
  sign(bytes: Uint8Array): Uint8Array {
    return new Uint8Array(sign(null, bytes, this.#privateKey));
  }
}
