import { createHash, randomUUID } from 'node:crypto';
import { cameraFileName } from '../writer/segment-file-path.js';
import { mkdir, open, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ArgusError, errorMessage, silentLogger, systemClock, type Clock, type EventBus, type Logger } from '@argus/core';
import type { Catalogue } from '../catalogue/catalogue.js';
import type { StreamChoice } from '../catalogue/records.js';
import { openPart } from '../playback/fmp4-reader.js';
import { checkRange, MAX_PLAY_RANGE_MS, planRange, tierMap } from '../playback/fragment-plan.js';
import type { StorageTier } from '../writer/storage-tier.js';
import { MANIFEST_FILE, signedBytes, type ExportManifest, type ManifestCamera, type ManifestFile, type ManifestTime } from './export-manifest.js';
import type { ExportSigner } from './export-signer.js';

/** Options of {@link exportCase}. */
export interface ExportCaseOptions {
  readonly catalogue: Catalogue;
  readonly tiers: readonly StorageTier[];
  readonly cameras: readonly string[];
  /** Range start, ms: each camera's file starts at the keyframe at or before it. */
  readonly from: number;
  /** Range end, ms (at most 24 h after `from`). */
  readonly to: number;
  /** The user who exports, recorded in the signed manifest. */
  readonly exportedBy: string;
  /** Directory to create; it must not exist, or be empty. */
  readonly outDir: string;
  readonly signer: ExportSigner;
  /** Default a random UUID. */
  readonly exportId?: string;
  /** Which stream to export; default `main` where it has footage, else `sub` (per camera). */
  readonly stream?: StreamChoice;
  readonly bus?: EventBus;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

/** What {@link exportCase} produced. */
export interface ExportCaseResult {
  readonly exportId: string;
  readonly dir: string;
  readonly manifest: ExportManifest;
  /** Bytes of the MP4 files. */
  readonly bytes: number;
}

/** Progress events at most every this fraction of a camera's bytes (and at its start and end). */
const PROGRESS_STEP = 0.01;

function timeOf(ms: number): ManifestTime {
  return { iso: new Date(ms).toISOString(), ms };
}

/** Whether `dir` is absent or an empty directory. */
async function isFreeDir(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

/**
 * Exports cameras × a time range as evidence: one MP4 per camera (`<camera>.mp4`, fragmented MP4 built as
 * `Playback.open` streams it: from the keyframe at or before `from`, decode times continuous across segment files),
 * and a `manifest.json` with the SHA-256 of every file, the cameras, the range, who exported it and when, signed
 * with the server's Ed25519 key ({@link ExportSigner}).
 *
 * - Where a camera's recording changes init segment (resolution, codec settings) inside the range, its footage goes
 *   on in `<camera>-part2.mp4`, `-part3`...; each file plays on its own.
 * - A camera with no recording in the range is listed in the manifest with no files; the case does not fail.
 * - Files are written into `<outDir>.partial-<exportId>` and renamed to `outDir` once the manifest is signed, so
 *   `outDir` never holds a half export. On any failure the partial directory is removed, `exportFailed` is emitted,
 *   and `ARGUS_ERR_STORAGE_EXPORT_FAILED` thrown.
 * - Emits `exportProgressed` (bytes done / total per camera, about every 1 %), then `exportCompleted`.
 *
 * @throws ArgusError `ARGUS_ERR_STORAGE_RANGE_INVALID` for `to <= from` or a range over 24 h (before anything is
 *   written or emitted); `ARGUS_ERR_STORAGE_EXPORT_FAILED` for anything else, with the cause.
 *
 * @example
 * ```ts
 * const signer = await ExportSigner.loadOrCreate(dataDir);
 * const result = await exportCase({ catalogue, tiers, signer, bus, cameras: ['gate-1', 'gate-2'],
 *   from: Date.parse('2026-11-21T08:00Z'), to: Date.parse('2026-11-21T08:10Z'), exportedBy: 'officer-12',
 *   outDir: '/exports/case-2026-114' });
 * (await verifyExport(result.dir)).ok; // true
 * ```
 */
export async function exportCase(options: ExportCaseOptions): Promise<ExportCaseResult> {
  const { from, to, outDir, signer, bus } = options;
  if (!Array.isArray(options.cameras) || options.cameras.length === 0 || options.cameras.some((c) => typeof c !== 'string' || c === '')) {
    throw new TypeError('exportCase needs a non-empty list of camera ids');
  }
  if (typeof options.exportedBy !== 'string' || options.exportedBy === '') throw new TypeError('exportCase needs exportedBy');
  checkRange(from, to, MAX_PLAY_RANGE_MS);
  const cameras = [...new Set(options.cameras)];
  const exportId = options.exportId ?? randomUUID();
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger();
  const tiers = tierMap(options.tiers);
  const work = join(dirname(outDir), `.${basename(outDir)}.partial-${exportId}`);
  let created = false;

  try {
    if (!(await isFreeDir(outDir))) throw new Error(`${outDir} exists and is not empty`);
    await mkdir(work, { recursive: true });
    created = true;
    const files: ManifestFile[] = [];
    const entries: ManifestCamera[] = [];
    for (const camera of cameras) {
      const written = await exportCamera({ ...options, camera, exportId, work }, tiers);
      files.push(...written);
      entries.push({ camera, files: written.map((f) => f.name) });
      if (written.length === 0) logger.info({ exportId, camera }, 'camera has no recording in the export range');
    }
    const unsigned = {
      version: 1 as const,
      exportId,
      cameras: entries,
      from: timeOf(from),
      to: timeOf(to),
      exportedBy: options.exportedBy,
      exportedAt: timeOf(clock.now()),
      files,
    };
    const manifest: ExportManifest = {
      ...unsigned,
      signature: {
        algorithm: 'Ed25519',
        keyId: signer.keyId,
        publicKey: signer.publicKeyPem,
        value: Buffer.from(signer.sign(signedBytes(unsigned))).toString('base64'),
      },
    };
    await writeFile(join(work, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
    await rmdir(outDir).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    await rename(work, outDir);
    created = false;
    const bytes = files.reduce((n, f) => n + f.bytes, 0);
    bus?.emit('exportCompleted', { exportId, dir: outDir, files: files.length, bytes, by: options.exportedBy }, { source: 'storage' });
    logger.info({ exportId, dir: outDir, files: files.length, bytes }, 'export completed');
    return { exportId, dir: outDir, manifest, bytes };
  } catch (err) {
    if (created) await rm(work, { recursive: true, force: true }).catch((cleanup: unknown) => logger.error({ err: cleanup, dir: work }, 'could not remove a failed export'));
    const reason = errorMessage(err);
    logger.warn({ err, exportId }, 'export failed');
    bus?.emit('exportFailed', { exportId, reason }, { source: 'storage' });
    throw new ArgusError('ARGUS_ERR_STORAGE_EXPORT_FAILED', { id: exportId, reason }, { cause: err });
  }
}

interface CameraJob extends ExportCaseOptions {
  readonly camera: string;
  readonly exportId: string;
  readonly work: string;
}

/** Writes one camera's file(s); returns them, none when it has no recording in the range. */
async function exportCamera(job: CameraJob, tiers: ReadonlyMap<string, StorageTier>): Promise<ManifestFile[]> {
  const { catalogue, camera, from, to, exportId, bus } = job;
  const { plan } = await planRange(catalogue, camera, from, to, job.stream);
  let bytesTotal = plan.reduce((n, p) => n + p.fragment.size, 0) + (plan[0]?.segment.initSize ?? 0);
  let bytesDone = 0;
  let reported = -1;
  const progress = (force: boolean): void => {
    if (!force && bytesDone - reported < bytesTotal * PROGRESS_STEP) return;
    reported = bytesDone;
    bus?.emit('exportProgressed', { exportId, camera, bytesDone, bytesTotal }, { source: 'storage', cameraId: camera });
  };
  progress(true);
  const files: ManifestFile[] = [];
  let index = 0;
  while (index < plan.length) {
    const part = await openPart(plan, index, tiers);
    if (index > 0) bytesTotal += part.init.byteLength;
    const name = `${cameraFileName(camera)}${files.length === 0 ? '' : `-part${files.length + 1}`}.mp4`;
    const hash = createHash('sha256');
    const handle = await open(join(job.work, name), 'wx', 0o644);
    let bytes = 0;
    try {
      for await (const chunk of part.chunks) {
        await handle.write(chunk);
        hash.update(chunk);
        bytes += chunk.byteLength;
        bytesDone += chunk.byteLength;
        progress(false);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    const end = part.end();
    if (end === undefined) throw new Error(`the stream of ${camera} ended early`);
    files.push({ name, bytes, sha256: hash.digest('hex'), camera, start: part.startTime, end: end.endTime });
    index = end.next ?? plan.length;
  }
  if (reported !== bytesDone) progress(true);
  return files;
}
