import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ArgusError } from '../errors/argus-error.js';

/** Reads a key file, refusing one that is not a regular file or that group or others may read. */
async function readKeyFile(path: string): Promise<Buffer> {
  const info = await stat(path);
  if (!info.isFile()) throw new ArgusError('ARGUS_ERR_DATA_KEY_INVALID', { path, reason: 'not a regular file' });
  // POSIX modes mean nothing on Windows, where the folder's ACL protects the file instead.
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    throw new ArgusError('ARGUS_ERR_DATA_KEY_INSECURE', { path, mode: (info.mode & 0o777).toString(8).padStart(4, '0') });
  }
  return readFile(path);
}

/**
 * Writes a new key without ever exposing a partial or readable file: a private temporary file first, hard-linked
 * into place. `link` fails when the key already exists, so two processes starting at once both end up with the one
 * that won.
 */
async function createKeyFile(path: string, bytes: Uint8Array | string): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(bytes);
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
 * Reads the secret key kept at `path` (mode 0600), creating it first with `make()` when there is none (its folder
 * too, mode 0700). Whoever wins a race to create it, every caller gets the same key.
 *
 * @throws ArgusError `ARGUS_ERR_DATA_KEY_INSECURE` for a key file that group or others may read,
 *   `ARGUS_ERR_DATA_KEY_INVALID` for a path that is not a regular file.
 *
 * @example
 * ```ts
 * const key = await loadOrCreateKeyFile(join(dataDir, 'secret.key'), () => randomBytes(32));
 * ```
 */
export async function loadOrCreateKeyFile(path: string, make: () => Uint8Array | string): Promise<Buffer> {
  try {
    return await readKeyFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await createKeyFile(path, make());
  return readKeyFile(path);
}
