import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ArgusError, errorMessage } from '@argus/core';
import { MANIFEST_FILE, signedBytes } from './export-manifest.js';
import { exportKeyId } from './export-signer.js';

/** What is wrong with an export. */
export type ExportProblemKind = 'missing' | 'changed' | 'unlisted' | 'bad-signature' | 'bad-manifest' | 'wrong-key';

/** One thing wrong with an export. */
export interface ExportProblem {
  /** The file concerned, where the problem is one file's. */
  readonly file?: string;
  readonly problem: ExportProblemKind;
  readonly detail: string;
}

/** The outcome of {@link verifyExport}. */
export interface ExportVerification {
  /** True when there is no problem at all. */
  readonly ok: boolean;
  readonly exportId?: string;
  readonly problems: readonly ExportProblem[];
  /** Files the manifest lists (and so were checked). */
  readonly files: number;
}

/** Options of {@link verifyExport}. */
export interface VerifyExportOptions {
  /**
   * The key the export must be signed with (the server's, SPKI PEM, base64 DER SPKI or a KeyObject). Without it, the
   * manifest's own key is trusted: that proves the files match the manifest, not who made it.
   */
  readonly publicKey?: string | KeyObject;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** A public key from SPKI PEM, base64 DER SPKI or a KeyObject. */
function publicKeyOf(key: string | KeyObject): KeyObject {
  if (typeof key !== 'string') return key.type === 'private' ? createPublicKey(key) : key;
  if (key.includes('-----BEGIN')) return createPublicKey(key);
  return createPublicKey({ key: Buffer.from(key.trim(), 'base64'), format: 'der', type: 'spki' });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A plain file name: no folders, nothing that leaves the directory. */
function isPlainName(name: unknown): name is string {
  return typeof name === 'string' && name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

interface ListedFile {
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** The files of a manifest, or the problems that keep it from listing them. */
function listedFiles(manifest: Record<string, unknown>, problems: ExportProblem[]): ListedFile[] {
  const files = manifest['files'];
  if (!Array.isArray(files)) {
    problems.push({ problem: 'bad-manifest', detail: 'files is not a list' });
    return [];
  }
  const out: ListedFile[] = [];
  const seen = new Set<string>();
  for (const [i, file] of files.entries()) {
    if (!isRecord(file) || !isPlainName(file['name']) || file['name'] === MANIFEST_FILE || typeof file['bytes'] !== 'number' || typeof file['sha256'] !== 'string' || !SHA256.test(file['sha256'])) {
      problems.push({ problem: 'bad-manifest', detail: `files[${i}] is not { name, bytes, sha256 } with a plain file name and a hex SHA-256` });
      continue;
    }
    if (seen.has(file['name'])) {
      problems.push({ file: file['name'], problem: 'bad-manifest', detail: 'listed twice' });
      continue;
    }
    seen.add(file['name']);
    out.push({ name: file['name'], bytes: file['bytes'], sha256: file['sha256'] });
  }
  const cameras = manifest['cameras'];
  if (!Array.isArray(cameras) || cameras.some((c) => !isRecord(c) || typeof c['camera'] !== 'string' || !Array.isArray(c['files']))) {
    problems.push({ problem: 'bad-manifest', detail: 'cameras is not a list of { camera, files }' });
  } else {
    for (const camera of cameras as { camera: string; files: unknown[] }[]) {
      for (const name of camera.files) {
        if (typeof name !== 'string' || !seen.has(name)) problems.push({ problem: 'bad-manifest', detail: `camera ${camera.camera} names ${String(name)}, which files does not list` });
      }
    }
  }
  if (manifest['version'] !== 1) problems.push({ problem: 'bad-manifest', detail: `version is ${JSON.stringify(manifest['version'])}, not 1` });
  return out;
}

/** Checks the signature (and the expected key); pushes what is wrong. */
function checkSignature(manifest: Record<string, unknown>, expected: KeyObject | undefined, problems: ExportProblem[]): void {
  const signature = manifest['signature'];
  if (!isRecord(signature) || signature['algorithm'] !== 'Ed25519' || typeof signature['publicKey'] !== 'string' || typeof signature['value'] !== 'string') {
    problems.push({ problem: 'bad-signature', detail: 'no Ed25519 signature with a public key and a value' });
    return;
  }
  let key: KeyObject;
  try {
    key = publicKeyOf(signature['publicKey']);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`an ${String(key.asymmetricKeyType)} key`);
  } catch (err) {
    problems.push({ problem: 'bad-signature', detail: `the manifest's public key is unusable: ${errorMessage(err)}` });
    return;
  }
  let good = false;
  try {
    good = verify(null, signedBytes(manifest), key, Buffer.from(signature['value'], 'base64'));
  } catch {
    good = false;
  }
  if (!good) problems.push({ problem: 'bad-signature', detail: 'the signature does not match the manifest: a field was changed after signing' });
  const keyId = exportKeyId(key);
  if (signature['keyId'] !== keyId) problems.push({ problem: 'bad-signature', detail: `keyId ${String(signature['keyId'])} is not the id of the manifest's key (${keyId})` });
  if (expected !== undefined) {
    const want = expected.export({ type: 'spki', format: 'der' });
    if (!want.equals(key.export({ type: 'spki', format: 'der' }))) {
      problems.push({ problem: 'wrong-key', detail: `signed with key ${keyId}, not the expected ${exportKeyId(expected)}` });
    }
  }
}

/**
 * Verifies an evidence export directory (what `argus verify-export DIR` runs): recomputes the SHA-256 of every listed
 * file (streamed), checks sizes, reports files missing from the directory and files in it the manifest does not list,
 * and checks the manifest's Ed25519 signature (so any edited field shows), and, given `publicKey`, that the export was
 * signed with that key. A bad export is reported, not thrown.
 *
 * @throws ArgusError `ARGUS_ERR_STORAGE_EXPORT_INVALID` only when `dir` has no readable `manifest.json` at all.
 *
 * @example
 * ```ts
 * const result = await verifyExport('/exports/case-2026-114', { publicKey: signer.publicKeyPem });
 * if (!result.ok) for (const p of result.problems) console.log(p.problem, p.file ?? '', p.detail);
 * ```
 */
export async function verifyExport(dir: string, options: VerifyExportOptions = {}): Promise<ExportVerification> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch (err) {
    throw new ArgusError('ARGUS_ERR_STORAGE_EXPORT_INVALID', { dir, reason: `no readable ${MANIFEST_FILE}: ${errorMessage(err)}` }, { cause: err });
  }
  const expected = options.publicKey === undefined ? undefined : publicKeyOf(options.publicKey);
  const problems: ExportProblem[] = [];
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (err) {
    problems.push({ problem: 'bad-manifest', detail: `${MANIFEST_FILE} is not JSON: ${errorMessage(err)}` });
  }
  if (!isRecord(manifest)) {
    if (manifest !== undefined) problems.push({ problem: 'bad-manifest', detail: `${MANIFEST_FILE} is not an object` });
    return { ok: false, problems, files: 0 };
  }
  const exportId = typeof manifest['exportId'] === 'string' ? manifest['exportId'] : undefined;
  const files = listedFiles(manifest, problems);
  checkSignature(manifest, expected, problems);
  for (const file of files) {
    const path = join(dir, file.name);
    try {
      const info = await stat(path);
      if (!info.isFile()) {
        problems.push({ file: file.name, problem: 'missing', detail: 'not a regular file' });
        continue;
      }
      if (info.size !== file.bytes) {
        // A file of another size has changed whatever its hash: it is not read.
        problems.push({ file: file.name, problem: 'changed', detail: `${info.size} bytes, the manifest says ${file.bytes}` });
        continue;
      }
      const sha256 = await sha256Of(path);
      if (sha256 !== file.sha256) problems.push({ file: file.name, problem: 'changed', detail: `SHA-256 ${sha256}, the manifest says ${file.sha256}` });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      problems.push({ file: file.name, problem: 'missing', detail: code === 'ENOENT' ? 'not in the directory' : `unreadable: ${errorMessage(err)}` });
    }
  }
  const listed = new Set([MANIFEST_FILE, ...files.map((f) => f.name)]);
  for (const name of (await readdir(dir)).sort()) {
    if (!listed.has(name)) problems.push({ file: name, problem: 'unlisted', detail: 'in the directory but not in the manifest' });
  }
  return { ok: problems.length === 0, ...(exportId === undefined ? {} : { exportId }), problems, files: files.length };
}
