import { copyFile, mkdir, open, rename, stat, statfs as nodeStatfs, unlink } from 'node:fs/promises';
import type { StorageTier } from '../writer/storage-tier.js';
import { dirname, join } from 'node:path';
import { ArgusError, errorMessage, silentLogger, systemClock, type Clock, type EventBus, type Logger } from '@argus/core';
import type { Catalogue, SegmentId } from '../catalogue/catalogue.js';
import type { SegmentSummary } from '../catalogue/records.js';
import type {} from '../storage-events.js';
import type { EvidenceLocks } from './evidence-locks.js';

const DAY = 86_400_000;
const GIB = 1024 ** 3;
/** Span of catalogue read at once by the archive scan: some hundreds of one-minute segments. */
const SCAN_WINDOW = 6 * 3_600_000;

/** Retention of one camera group; the caller resolves a camera's group to its policy. Absent fields: no such rule. */
export interface RetentionPolicy {
  /** Delete footage older than this (by its end), on any tier. */
  readonly maxAgeDays?: number;
  /** Delete a camera's oldest footage while its bytes (all tiers) exceed this. */
  readonly maxBytes?: number;
  /** Move footage older than this (by its end) from the fast tier to the first archive tier. */
  readonly archiveAfterDays?: number;
}

/** Free space and size of the volume holding a path, bytes. */
export interface VolumeSpace {
  readonly free: number;
  readonly total: number;
}

/** The rule behind a deletion. */
export type RetentionRule = 'max-age' | 'max-size' | 'free-space';

/** Options of {@link Retention}. */
export interface RetentionOptions {
  readonly catalogue: Catalogue;
  /** `tiers[0]` is the fast tier recording writes to; then archive tiers in order (footage moves to `tiers[1]`). */
  readonly tiers: readonly StorageTier[];
  /** The policy of a camera's group. */
  readonly policyFor: (camera: string) => RetentionPolicy;
  readonly locks: EvidenceLocks;
  /** Free space to keep on every tier's volume: the larger of `percent` of its size (default 5) and `bytes` (default 5 GiB). */
  readonly floor?: { readonly percent?: number; readonly bytes?: number };
  /** Space of the volume holding a path; default `fs.promises.statfs` (free = bavail × bsize). */
  readonly statfs?: (path: string) => Promise<VolumeSpace>;
  /** True while a segment is being written; such a segment is never deleted or moved. Default: `!segment.complete`. */
  readonly isWriting?: (segment: SegmentSummary) => boolean;
  readonly clock?: Clock;
  readonly bus?: EventBus;
  readonly logger?: Logger;
}

/** Segments and bytes one rule handled in a run. */
export interface RuleTally {
  segments: number;
  bytes: number;
}

/** An I/O failure a run met and went past. */
export interface RetentionFailure {
  readonly code: 'ARGUS_ERR_STORAGE_IO';
  readonly operation: string;
  readonly path: string;
  readonly message: string;
}

/** What one retention run did. */
export interface RetentionReport {
  /** Locks that lapsed and were removed. */
  expiredLocks: number;
  archived: RuleTally;
  deleted: Record<RetentionRule, RuleTally>;
  /** Distinct segments a rule wanted but an evidence lock held. */
  lockedSkipped: number;
  /** Distinct segments a rule wanted but that were being written. */
  writingSkipped: number;
  /** Tiers (by name) still under the free-space floor after the run. */
  spaceLow: string[];
  /** I/O errors met (each logged, typed `ARGUS_ERR_STORAGE_IO`); the run went on past them. */
  failures: RetentionFailure[];
}

/**
 * Retention of recorded footage: moves old footage from the fast tier to the archive tier, deletes it by age and by a
 * camera group's size budget, and keeps a free-space floor on every tier by deleting the oldest footage first.
 * Footage under an evidence lock, and a segment being written, is never deleted or moved.
 *
 * Reads go through the catalogue (its age index and usage counters), never by listing folders. A file is deleted
 * catalogue-first, so a crash leaves at worst an orphaned file, never a record pointing at nothing. A move copies to a
 * temporary name, fsyncs, renames, re-catalogues, then unlinks the source, so a crash at any step leaves one valid
 * copy that the catalogue points at (at worst an extra copy or a `.part` file left over).
 *
 * @example
 * ```ts
 * const retention = new Retention({
 *   catalogue,
 *   tiers: [{ name: 'fast', root: '/srv/argus/fast' }, { name: 'archive', root: '/mnt/archive/argus' }],
 *   policyFor: (camera) => ({ maxAgeDays: 30, archiveAfterDays: 3 }),
 *   locks: await EvidenceLocks.open({ catalogue, bus }),
 *   bus,
 * });
 * retention.start(); // every minute
 * // the segment writer, on ENOSPC:
 * await retention.freeSpace();
 * ```
 */
export class Retention {
  readonly #catalogue: Catalogue;
  readonly #tiers: readonly StorageTier[];
  readonly #tierByName: ReadonlyMap<string, StorageTier>;
  readonly #policyFor: (camera: string) => RetentionPolicy;
  readonly #locks: EvidenceLocks;
  readonly #floorPercent: number;
  readonly #floorBytes: number;
  readonly #statfs: (path: string) => Promise<VolumeSpace>;
  readonly #isWriting: (segment: SegmentSummary) => boolean;
  readonly #clock: Clock;
  readonly #bus: EventBus | undefined;
  readonly #logger: Logger;
  /** Segments being moved or deleted now, so that a concurrent {@link freeSpace} leaves them alone. */
  readonly #busy = new Set<string>();
  /** Tiers with a `space-low` alarm raised and not yet cleared. */
  readonly #lowTiers = new Set<string>();
  /** camera -> start before which none of its footage waits to be archived (in memory: a restart rescans once). */
  readonly #archiveFrom = new Map<string, number>();
  #running: Promise<RetentionReport> | undefined;
  #freeing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #started = false;

  constructor(options: RetentionOptions) {
    if (options.tiers.length === 0) throw new RangeError('Retention needs at least one storage tier');
    const names = new Set(options.tiers.map((tier) => tier.name));
    if (names.size !== options.tiers.length) throw new RangeError('Retention tiers need distinct names');
    const percent = options.floor?.percent ?? 5;
    const bytes = options.floor?.bytes ?? 5 * GIB;
    if (!(percent >= 0 && percent < 100)) throw new RangeError(`floor.percent must be in [0, 100), got ${percent}`);
    if (!(bytes >= 0)) throw new RangeError(`floor.bytes must be non-negative, got ${bytes}`);
    this.#catalogue = options.catalogue;
    this.#tiers = [...options.tiers];
    this.#tierByName = new Map(options.tiers.map((tier) => [tier.name, tier]));
    this.#policyFor = options.policyFor;
    this.#locks = options.locks;
    this.#floorPercent = percent;
    this.#floorBytes = bytes;
    this.#statfs = options.statfs ?? realStatfs;
    this.#isWriting = options.isWriting ?? ((segment) => !segment.complete);
    this.#clock = options.clock ?? systemClock;
    this.#bus = options.bus;
    this.#logger = options.logger ?? silentLogger();
  }

  /**
   * One full run: expire locks, archive, delete by age, by size, then keep the free-space floor. A call while a run is
   * under way returns that run. Per-file I/O errors are logged and reported, and the run goes on; a failing catalogue
   * rejects the run.
   */
  runOnce(): Promise<RetentionReport> {
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /**
   * Keeps the free-space floor now (only that rule), for the segment writer on ENOSPC. Concurrent calls share one
   * pass. Never rejects: failures are logged and raised as a `write-failed` alarm.
   */
  freeSpace(): Promise<void> {
    this.#freeing ??= (async () => {
      const report = emptyReport();
      try {
        await this.#keepFloor(report, new Set(), new Set());
      } catch (err) {
        this.#failed(err, 'free space');
      } finally {
        this.#freeing = undefined;
      }
    })();
    return this.#freeing;
  }

  /** Runs {@link runOnce} now and then every `intervalMs`, one run at a time; failures are logged and raised as alarms. */
  start(intervalMs = 60_000): void {
    if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${intervalMs}`);
    if (this.#started) return;
    this.#started = true;
    const tick = (): void => {
      this.#timer = undefined;
      void this.runOnce()
        .catch((err: unknown) => this.#failed(err, 'retention run'))
        .finally(() => {
          // The next run is scheduled when this one ends, so runs never overlap however long one takes.
          if (this.#started) this.#timer = setTimeout(tick, intervalMs).unref();
        });
    };
    tick();
  }

  /** Stops the periodic runs and waits for one under way (so the catalogue can be closed after). */
  async stop(): Promise<void> {
    this.#started = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await Promise.allSettled([this.#running, this.#freeing]);
  }

  async #run(): Promise<RetentionReport> {
    const report = emptyReport();
    const now = this.#clock.now();
    const locked = new Set<string>();
    const writing = new Set<string>();
    report.expiredLocks = (await this.#locks.expire(now)).length;
    const cameras = [...new Set(this.#catalogue.usage().map((usage) => usage.camera))].sort();
    const policies = new Map<string, RetentionPolicy>();
    for (const camera of cameras) {
      try {
        policies.set(camera, checkedPolicy(this.#policyFor(camera)));
      } catch (err) {
        // A bad group policy must not stop retention of the other cameras; the free-space floor still covers this one.
        this.#logger.error({ err, camera }, 'no usable retention policy for camera; its age, size and archive rules skipped');
      }
    }
    const skip = (segment: SegmentSummary): Promise<boolean> => this.#held(segment, now, locked, writing);

    const archive = this.#tiers[1];
    const fast = this.#tiers[0]!;
    if (archive !== undefined) {
      for (const [camera, policy] of policies) {
        if (policy.archiveAfterDays === undefined) continue;
        const cutoff = now - policy.archiveAfterDays * DAY;
        // Footage that max-age deletes in this same run is not worth copying first.
        const expiry = policy.maxAgeDays === undefined ? -Infinity : now - policy.maxAgeDays * DAY;
        // Only segments from the camera's watermark on are looked at, so a steady run reads the few new ones, not
        // days of footage already archived; whatever stays behind on the fast tier holds the watermark back.
        let watermark = cutoff;
        for await (const segment of this.#segmentsFrom(camera, this.#archiveFrom.get(camera), cutoff)) {
          if (segment.tier !== fast.name || segment.end <= expiry) continue;
          if (segment.end > cutoff || (await skip(segment)) || !(await this.#archive(segment, fast, archive, report))) {
            watermark = Math.min(watermark, segment.start);
          }
        }
        this.#archiveFrom.set(camera, watermark);
      }
    }

    for (const [camera, policy] of policies) {
      if (policy.maxAgeDays === undefined) continue;
      const cutoff = now - policy.maxAgeDays * DAY;
      for await (const segment of this.#catalogue.cameraSegments(camera, Math.max(0, cutoff))) {
        if (segment.end > cutoff || (await skip(segment))) continue;
        await this.#delete(segment, 'max-age', report);
      }
    }

    for (const [camera, policy] of policies) {
      if (policy.maxBytes === undefined) continue;
      let used = this.#catalogue.cameraBytes(camera);
      if (used <= policy.maxBytes) continue;
      for await (const segment of this.#catalogue.cameraSegments(camera)) {
        if (used <= policy.maxBytes) break;
        if (await skip(segment)) continue;
        const removed = await this.#delete(segment, 'max-size', report);
        if (removed !== undefined) used -= removed.size;
      }
    }

    await this.#keepFloor(report, locked, writing, now);
    report.lockedSkipped = locked.size;
    report.writingSkipped = writing.size;
    this.#logger.info({ report }, 'retention run done');
    return report;
  }

  /** Deletes the oldest footage of each tier under its floor, across cameras, until above it; raises or clears alarms. */
  async #keepFloor(report: RetentionReport, locked: Set<string>, writing: Set<string>, now = this.#clock.now()): Promise<void> {
    for (const tier of this.#tiers) {
      let space = await this.#space(tier, report);
      if (space === undefined) continue;
      let floor = this.#floorOf(space);
      if (space.free < floor) {
        for await (const segment of this.#catalogue.oldestSegments()) {
          if (segment.tier !== tier.name || (await this.#held(segment, now, locked, writing))) continue;
          if ((await this.#delete(segment, 'free-space', report)) === undefined) continue;
          // The volume is asked again rather than trusting the record's size: the file may have been bigger or gone.
          space = await this.#space(tier, report);
          if (space === undefined) break;
          floor = this.#floorOf(space);
          if (space.free >= floor) break;
        }
      }
      if (space !== undefined && space.free < floor) {
        report.spaceLow.push(tier.name);
        if (!this.#lowTiers.has(tier.name)) {
          this.#lowTiers.add(tier.name);
          const message = `tier ${tier.name} has ${space.free} bytes free, under its floor of ${Math.ceil(floor)}, and no unlocked, finished footage is left to delete there`;
          this.#logger.warn({ tier: tier.name, free: space.free, floor }, 'storage space low');
          this.#bus?.emit('storageAlarmRaised', { kind: 'space-low', path: tier.root, message }, { source: 'storage' });
        }
      } else if (space !== undefined && this.#lowTiers.delete(tier.name)) {
        this.#logger.info({ tier: tier.name, free: space.free }, 'storage space back above floor');
        this.#bus?.emit('storageAlarmCleared', { kind: 'space-low', path: tier.root }, { source: 'storage' });
      }
    }
  }

  /** Whether a segment must stay: being written, or under an evidence lock at `now` (noted in `writing` / `locked`). */
  async #held(segment: SegmentSummary, now: number, locked: Set<string>, writing: Set<string>): Promise<boolean> {
    if (this.#isWriting(segment)) {
      writing.add(idOf(segment));
      return true;
    }
    if ((await this.#locks.holding(segment.camera, segment.start, segment.end, now)) === undefined) return false;
    locked.add(idOf(segment));
    return true;
  }

  #floorOf(space: VolumeSpace): number {
    return Math.max((space.total * this.#floorPercent) / 100, this.#floorBytes);
  }

  async #space(tier: StorageTier, report: RetentionReport): Promise<VolumeSpace | undefined> {
    try {
      return await this.#statfs(tier.root);
    } catch (err) {
      this.#ioFailure(report, 'statfs', tier.root, err);
      return undefined;
    }
  }

  /**
   * Deletes a segment: its catalogue record first (the record removed says which file), then the file; a file already
   * gone is fine. Returns the record removed, if this call removed it (its bytes no longer count against the camera).
   */
  async #delete(segment: SegmentSummary, rule: RetentionRule, report: RetentionReport): Promise<SegmentSummary | undefined> {
    const id = idOf(segment);
    if (this.#busy.has(id)) return undefined;
    const tier = this.#tierByName.get(segment.tier);
    if (tier === undefined) {
      this.#ioFailure(report, 'delete', segment.file, new Error(`unknown storage tier ${segment.tier}`));
      return undefined;
    }
    this.#busy.add(id);
    try {
      const removed = await this.#catalogue.deleteSegment(segment);
      if (removed === undefined) return undefined;
      const path = join((this.#tierByName.get(removed.tier) ?? tier).root, removed.file);
      try {
        await unlink(path);
      } catch (err) {
        // The record is gone already: the footage is no longer served, and the file is left for an operator.
        if (!isMissing(err)) this.#ioFailure(report, 'unlink', path, err);
      }
      report.deleted[rule].segments += 1;
      report.deleted[rule].bytes += removed.size;
      this.#logger.debug({ camera: removed.camera, start: removed.start, file: removed.file, rule }, 'footage deleted');
      this.#bus?.emit(
        'footageDeleted',
        { camera: removed.camera, start: removed.start, end: removed.end, bytes: removed.size, rule },
        { source: 'storage', cameraId: removed.camera },
      );
      return removed;
    } finally {
      this.#busy.delete(id);
    }
  }

  /**
   * Moves a segment's file to the archive tier. Each step leaves one valid copy that the catalogue points at:
   * 1. copy to `<file>.part` on the archive tier and fsync it: a crash leaves a stray `.part`, the catalogue still
   *    points at the fast copy (the next attempt overwrites the same `.part`);
   * 2. rename to the final name and fsync the folder: a crash leaves two copies, the catalogue at the fast one;
   * 3. re-catalogue on the archive tier (one atomic batch that moves the usage counters too): from here the catalogue
   *    points at the archive copy;
   * 4. unlink the fast copy: a crash before it leaves an orphaned fast copy, never a missing one.
   */
  async #archive(segment: SegmentSummary, from: StorageTier, to: StorageTier, report: RetentionReport): Promise<boolean> {
    const id = idOf(segment);
    if (this.#busy.has(id)) return false;
    this.#busy.add(id);
    const source = join(from.root, segment.file);
    const target = join(to.root, segment.file);
    const part = `${target}.part`;
    let step = 'copy';
    try {
      const current = await this.#catalogue.segment(segment);
      if (current === undefined || current.tier !== from.name) {
        this.#busy.delete(id);
        return true;
      }
      await mkdir(dirname(target), { recursive: true });
      await copyFile(source, part);
      step = 'fsync';
      const handle = await open(part, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      const [copied, original] = await Promise.all([stat(part), stat(source)]);
      if (copied.size !== original.size) throw new Error(`copied ${copied.size} of ${original.size} bytes`);
      step = 'rename';
      await rename(part, target);
      await syncFolder(dirname(target));
      step = 'catalogue';
      await this.#catalogue.putSegment({ ...current, tier: to.name });
    } catch (err) {
      this.#ioFailure(report, `archive (${step})`, step === 'copy' ? source : target, err);
      await unlink(part).catch(() => undefined);
      this.#busy.delete(id);
      return false;
    }
    try {
      await unlink(source);
    } catch (err) {
      if (!isMissing(err)) this.#ioFailure(report, 'unlink', source, err);
    } finally {
      this.#busy.delete(id);
    }
    report.archived.segments += 1;
    report.archived.bytes += segment.size;
    this.#logger.debug({ camera: segment.camera, start: segment.start, file: segment.file, to: to.name }, 'footage archived');
    this.#bus?.emit(
      'footageArchived',
      { camera: segment.camera, start: segment.start, end: segment.end, bytes: segment.size, from: from.name, to: to.name },
      { source: 'storage', cameraId: segment.camera },
    );
    return true;
  }

  /**
   * A camera's segments starting in `[from, to)`, oldest first, read a window at a time so that memory stays bounded
   * however many there are. With no `from`, starts at the camera's oldest segment.
   */
  async *#segmentsFrom(camera: string, from: number | undefined, to: number): AsyncGenerator<SegmentSummary> {
    if (from === undefined) {
      for await (const first of this.#catalogue.cameraSegments(camera)) {
        from = first.start;
        break;
      }
      if (from === undefined) return;
    }
    for (let windowStart = from; windowStart < to; windowStart += SCAN_WINDOW) {
      const windowEnd = Math.min(windowStart + SCAN_WINDOW, to);
      // `summaries()` also returns those overlapping the window from before it: the previous window had them.
      for (const segment of await this.#catalogue.summaries(camera, windowStart, windowEnd)) {
        if (segment.start >= windowStart) yield segment;
      }
    }
  }

  #ioFailure(report: RetentionReport, operation: string, path: string, err: unknown): void {
    const error = new ArgusError('ARGUS_ERR_STORAGE_IO', { operation, path, reason: errorMessage(err) }, { cause: err });
    report.failures.push({ code: error.code, operation, path, message: error.message });
    this.#logger.error({ err: error }, 'retention I/O failed');
  }

  #failed(err: unknown, what: string): void {
    const message = `${what} failed: ${errorMessage(err)}`;
    this.#logger.error({ err }, message);
    this.#bus?.emit('storageAlarmRaised', { kind: 'write-failed', message }, { source: 'storage' });
  }
}

/** The policy itself, when every rule it sets is a usable number of days or bytes. */
function checkedPolicy(policy: RetentionPolicy): RetentionPolicy {
  for (const [rule, value] of Object.entries(policy) as [string, unknown][]) {
    if (value !== undefined && !(typeof value === 'number' && value >= 0 && Number.isFinite(value))) {
      throw new RangeError(`retention ${rule} must be a non-negative number, got ${String(value)}`);
    }
  }
  return policy;
}

function emptyReport(): RetentionReport {
  const tally = (): RuleTally => ({ segments: 0, bytes: 0 });
  return {
    expiredLocks: 0,
    archived: tally(),
    deleted: { 'max-age': tally(), 'max-size': tally(), 'free-space': tally() },
    lockedSkipped: 0,
    writingSkipped: 0,
    spaceLow: [],
    failures: [],
  };
}

function idOf(segment: SegmentId): string {
  return `${segment.camera}\u0000${segment.stream}\u0000${segment.start}`;
}

async function realStatfs(path: string): Promise<VolumeSpace> {
  const stats = await nodeStatfs(path);
  return { free: stats.bavail * stats.bsize, total: stats.blocks * stats.bsize };
}

/** Makes a rename durable; some filesystems refuse fsync on a folder, which costs durability, not correctness. */
async function syncFolder(path: string): Promise<void> {
  try {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort, see above
  }
}

function isMissing(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'ENOENT';
}

