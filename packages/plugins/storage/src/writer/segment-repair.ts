import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ArgusError, errorMessage, silentLogger, systemClock, type Clock, type Logger } from '@argus/core';
import type { Catalogue } from '../catalogue/catalogue.js';
import type { FragmentEntry, GapRecord, SegmentRecord, StreamChoice } from '../catalogue/records.js';
import { scanFragments, type FragmentScan } from './scan-fragments.js';
import type { StorageTier } from './storage-tier.js';

/** A crash gap is only recorded when the crash ended recording less than this long ago (else: a node kept off). */
const MAX_CRASH_GAP_MS = 24 * 60 * 60 * 1000;

/** Which segment file a report line is about. */
export interface RepairTarget {
  readonly camera: string;
  readonly stream: StreamChoice;
  readonly tier: string;
  readonly file: string;
}

/** A segment left open by a dead process, now truncated to its last complete fragment and catalogued complete. */
export interface RepairedSegment extends RepairTarget {
  readonly fragments: number;
  /** Fragments found on disk that the catalogue had not listed yet. */
  readonly recoveredFragments: number;
  /** Fragments the catalogue listed that were not (wholly) on disk. */
  readonly lostFragments: number;
  /** Bytes of torn tail cut off the file. */
  readonly trimmedBytes: number;
  readonly start: number;
  readonly end: number;
}

/** A segment record removed because nothing playable was left of it (its file is removed too). */
export interface RemovedSegment extends RepairTarget {
  /** `missing`: no file; `no-init`: no complete init segment; `empty`: an init but no complete fragment. */
  readonly reason: 'missing' | 'no-init' | 'empty';
}

/** A segment that could not be repaired and was left as it is (typed error inside). */
export interface FailedRepair extends RepairTarget {
  readonly error: ArgusError;
}

/** What {@link repairSegments} did. */
export interface RepairReport {
  readonly repaired: RepairedSegment[];
  readonly removed: RemovedSegment[];
  readonly failed: FailedRepair[];
  /**
   * `crash` gaps recorded, from each repaired end (or removed segment's start) to the restart, or to the camera's
   * next segment.
   */
  readonly gaps: GapRecord[];
}

/** Options of {@link repairSegments}. */
export interface RepairOptions {
  readonly logger?: Logger;
  readonly clock?: Clock;
}

/**
 * The fragment list of a repaired segment: catalogued entries where the file still holds them unchanged, and
 * entries for fragments written but not yet catalogued, timed by their `tfdt` from the last catalogued one.
 */
function rebuildFragments(record: SegmentRecord, scan: FragmentScan): { fragments: FragmentEntry[]; recovered: number } {
  const known = new Map(record.fragments.map((f) => [f.offset, f]));
  const ms = (units: number): number => (units * 1000) / scan.timescale;
  const first = scan.fragments[0];
  let ref = { time: record.start, decodeTime: first?.baseDecodeTime ?? 0 };
  let recovered = 0;
  const fragments: FragmentEntry[] = [];
  for (const found of scan.fragments) {
    const entry = known.get(found.offset);
    if (entry !== undefined && entry.size === found.size) {
      fragments.push(entry);
      ref = { time: entry.time, decodeTime: found.baseDecodeTime };
      continue;
    }
    recovered += 1;
    const time = Math.round(ref.time + ms(found.baseDecodeTime - ref.decodeTime));
    fragments.push({ offset: found.offset, size: found.size, time, duration: Math.round(ms(found.duration)) });
  }
  return { fragments, recovered };
}

/** Cuts a file to `length` and syncs it, so that the repair itself survives the next power cut. */
async function truncateFile(path: string, length: number): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.truncate(length);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/**
 * Crash repair, run at startup before recording: every segment the catalogue still has open (`complete: false`,
 * left by a process that died) is read box by box; the file is truncated after its last complete `moof` + `mdat`,
 * its fragment list rebuilt (fragments written after the last catalogue update are recovered from their `tfdt`),
 * and it is catalogued complete, with a `crash` gap from its end to now. A file that is missing, or holds no
 * complete init segment or fragment, loses its record (and the file). Nothing here throws for one bad segment:
 * it is reported in `failed` and left for an operator.
 *
 * @example
 * ```ts
 * const catalogue = await Catalogue.open(join(dataDir, 'recordings.db'));
 * const report = await repairSegments(catalogue, [{ name: 'fast', root: '/var/lib/argus/recordings' }], { logger });
 * logger.info({ repaired: report.repaired.length, removed: report.removed.length }, 'crash repair done');
 * ```
 */
export async function repairSegments(catalogue: Catalogue, tiers: readonly StorageTier[], options: RepairOptions = {}): Promise<RepairReport> {
  const logger = options.logger ?? silentLogger();
  const clock = options.clock ?? systemClock;
  const report: RepairReport = { repaired: [], removed: [], failed: [], gaps: [] };
  for (const record of await catalogue.openSegments()) {
    const target: RepairTarget = { camera: record.camera, stream: record.stream, tier: record.tier, file: record.file };
    const tier = tiers.find((t) => t.name === record.tier);
    if (tier === undefined) {
      const error = new ArgusError('ARGUS_ERR_STORAGE_SEGMENT_DAMAGED', { file: record.file, reason: `storage tier ${record.tier} is not configured` });
      logger.error({ err: error }, 'segment not repaired');
      report.failed.push({ ...target, error });
      continue;
    }
    const path = join(tier.root, ...record.file.split('/'));
    try {
      const outcome = await repairOne(catalogue, record, path, clock);
      if ('reason' in outcome) {
        report.removed.push({ ...target, reason: outcome.reason });
        // Nothing of it survived: the hole runs from where it would have begun.
        const gap = await crashGap(catalogue, record, record.start, clock.now());
        if (gap !== undefined) report.gaps.push(gap);
        logger.warn({ ...target, reason: outcome.reason }, 'unplayable segment removed');
      } else {
        report.repaired.push({ ...target, ...outcome.repaired });
        if (outcome.gap !== undefined) report.gaps.push(outcome.gap);
        logger.info({ ...target, ...outcome.repaired }, 'segment repaired');
      }
    } catch (err) {
      const error = err instanceof ArgusError ? err : new ArgusError('ARGUS_ERR_STORAGE_IO', { operation: 'repair segment', path, reason: errorMessage(err) }, { cause: err });
      logger.error({ err: error, ...target }, 'segment not repaired');
      report.failed.push({ ...target, error });
    }
  }
  return report;
}

type RepairOutcome =
  | { reason: RemovedSegment['reason'] }
  | { repaired: Omit<RepairedSegment, keyof RepairTarget>; gap: GapRecord | undefined };

async function repairOne(catalogue: Catalogue, record: SegmentRecord, path: string, clock: Clock): Promise<RepairOutcome> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ENOENT') throw err;
    await catalogue.deleteSegment(record);
    return { reason: 'missing' };
  }
  const scan = scanFragments(bytes);
  if (scan.initSize === 0 || scan.fragments.length === 0) {
    await unlink(path).catch(() => undefined);
    await catalogue.deleteSegment(record);
    return { reason: scan.initSize === 0 ? 'no-init' : 'empty' };
  }
  if (scan.trailingBytes > 0) await truncateFile(path, scan.end);
  const { fragments, recovered } = rebuildFragments(record, scan);
  const last = fragments.at(-1) as FragmentEntry;
  const end = Math.max(record.start, last.time + last.duration);
  const kept = new Set(fragments.map((f) => f.offset));
  const lost = record.fragments.filter((f) => !kept.has(f.offset)).length;
  await catalogue.putSegment({ ...record, fragments, size: scan.end, initSize: scan.initSize, end, complete: true });
  const gap = await crashGap(catalogue, record, end, clock.now());
  return {
    repaired: { fragments: fragments.length, recoveredFragments: recovered, lostFragments: lost, trimmedBytes: scan.trailingBytes, start: record.start, end },
    gap,
  };
}

/** The `crash` gap from a repaired end to now, or to the camera's next segment if recording went on elsewhere. */
async function crashGap(catalogue: Catalogue, record: SegmentRecord, end: number, now: number): Promise<GapRecord | undefined> {
  if (now <= end || now - end > MAX_CRASH_GAP_MS) return undefined;
  let until = now;
  for (const later of await catalogue.summaries(record.camera, end, now)) {
    if (later.start >= end && later.start < until) until = later.start;
  }
  if (until <= end) return undefined;
  const gap: GapRecord = { camera: record.camera, start: end, end: until, reason: 'crash' };
  await catalogue.putGap(gap);
  return gap;
}
