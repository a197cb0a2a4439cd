import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ArgusError, loadOrCreateKeyFile } from '@argus/core';

/** Name of the key file in the data directory. */
export const SECRET_KEY_FILE = 'secret.key';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function unreadable(reason: string, cause?: unknown): ArgusError<'ARGUS_ERR_DATA_SECRET_UNREADABLE'> {
  return new ArgusError('ARGUS_ERR_DATA_SECRET_UNREADABLE', { reason }, cause === undefined ? {} : { cause });
}

function decodeBase64(text: string, what: string): Buffer {
  if (!BASE64.test(text) || text.length % 4 !== 0) throw unreadable(`${what} is not base64`);
  return Buffer.from(text, 'base64');
}

/**
 * Seals secrets (camera passwords) with AES-256-GCM under a key kept in `<dataDir>/secret.key`.
 *
 * The key file holds 32 random bytes, is created on first open with mode 0600, and is refused (with
 * `ARGUS_ERR_DATA_KEY_INSECURE`) when group or others may read it, or (with `ARGUS_ERR_DATA_KEY_INVALID`) when it
 * is not 32 bytes. Each {@link SecretBox.seal} uses a fresh random 12-byte IV; {@link SecretBox.open} rejects a
 * tampered text or one sealed under another key with `ARGUS_ERR_DATA_SECRET_UNREADABLE`, never returning garbage.
 *
 * @example
 * ```ts
 * const box = await SecretBox.open(dataDir);
 * const sealed = box.seal('Camera#Secret9'); // 'v1:<iv>:<tag>:<ciphertext>', base64 parts
 * box.open(sealed); // 'Camera#Secret9'
 * ```
 */
export class SecretBox {
  readonly #key: Buffer;

  private constructor(key: Buffer) {
    this.#key = key;
  }

  /** Opens the key of `dataDir` (which must exist), creating it first when there is none. */
  static async open(dataDir: string): Promise<SecretBox> {
    const path = join(dataDir, SECRET_KEY_FILE);
    const key = await loadOrCreateKeyFile(path, () => randomBytes(KEY_BYTES));
    if (key.length !== KEY_BYTES) {
      throw new ArgusError('ARGUS_ERR_DATA_KEY_INVALID', { path, reason: `expected ${KEY_BYTES} bytes, found ${key.length}` });
    }
    return new SecretBox(key);
  }

  /**
   * Seals `plaintext` as `v1:<iv>:<tag>:<ciphertext>` (base64 parts). `context`, when given, is authenticated
   * but not stored: {@link SecretBox.open} must be given the same one, so a sealed value copied to another
   * record (another camera id) does not open there.
   */
  seal(plaintext: string, context = ''): string {
    if (typeof plaintext !== 'string') throw new TypeError('seal() needs a string');
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), ciphertext.toString('base64')].join(':');
  }

  /** Opens a value made by {@link SecretBox.seal} with the same `context`; throws `ARGUS_ERR_DATA_SECRET_UNREADABLE`. */
  open(sealed: string, context = ''): string {
    if (typeof sealed !== 'string') throw unreadable('not a string');
    const parts = sealed.split(':');
    if (parts.length !== 4 || parts[0] !== VERSION) throw unreadable(`not a ${VERSION} sealed value`);
    const iv = decodeBase64(parts[1]!, 'IV');
    const tag = decodeBase64(parts[2]!, 'tag');
    const ciphertext = decodeBase64(parts[3]!, 'ciphertext');
    if (iv.length !== IV_BYTES) throw unreadable(`IV must be ${IV_BYTES} bytes`);
    if (tag.length !== TAG_BYTES) throw unreadable(`tag must be ${TAG_BYTES} bytes`);
    const decipher = createDecipheriv(ALGORITHM, this.#key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw unreadable('authentication failed (tampered, or sealed under another key)', cause);
    }
  }
}
