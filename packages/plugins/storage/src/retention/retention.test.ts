import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { EventBus, ManualClock, hasErrorCode, silentLogger, type AnyArgusEvent, type Logger } from '@argus/core';
import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { Catalogue } from '../catalogue/catalogue.js';
import type { SegmentRecord } from '../catalogue/records.js';
import { EvidenceLocks } from './evidence-locks.js';
import { Retention, type RetentionOptions, type RetentionPolicy } from './retention.js';
import type { StorageTier } from '../writer/storage-tier.js';

const MIN = 60_000;
const DAY = 86_400_000;
const NOW = Date.parse('2026-11-21T12:00:00Z');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Bytes of every file under `dir`: the used space of a fake volume that holds only that folder. */
function usedBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  if (statSync(dir).isFile()) return statSync(dir).size;
  let sum = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) sum += statSync(join(entry.parentPath, entry.name)).size;
  }
  return sum;
}

interface Rig {
  dir: string;
  fast: StorageTier;
  archive: StorageTier;
  catalogue: Catalogue;
  clock: ManualClock;
  bus: EventBus;
  events: AnyArgusEvent[];
  locks: EvidenceLocks;
  /** Capacity of each tier's fake volume, by root. */
  capacity: Map<string, number>;
  statfsCalls: number;
  logged: unknown[];
  retention(policy: RetentionPolicy | ((camera: string) => RetentionPolicy), options?: Partial<RetentionOptions>): Retention;
  /** Writes a real file of `size` random bytes for a segment and catalogues it. */
  record(camera: string, start: number, options?: { size?: number; tier?: StorageTier; complete?: boolean; span?: number }): Promise<SegmentRecord>;
  fileOf(segment: SegmentRecord, tier?: StorageTier): string;
  starts(camera?: string): Promise<string[]>;
}

async function rig(): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'argus-retention-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const fast: StorageTier = { name: 'fast', root: join(dir, 'fast') };
  const archive: StorageTier = { name: 'archive', root: join(dir, 'archive') };
  mkdirSync(fast.root);
  mkdirSync(archive.root);
  const catalogue = await Catalogue.open(join(dir, 'db'));
  cleanups.push(() => catalogue.close());
  const clock = new ManualClock(NOW);
  const bus = new EventBus({ clock });
  const events: AnyArgusEvent[] = [];
  bus.events$.subscribe((event) => events.push(event));
  const locks = await EvidenceLocks.open({ catalogue, bus, clock });
  const logged: unknown[] = [];
  const logger: Logger = { ...silentLogger(), error: (obj: object | string) => void logged.push(obj) };
  const r: Rig = {
    dir,
    fast,
    archive,
    catalogue,
    clock,
    bus,
    events,
    locks,
    capacity: new Map([
      [fast.root, 1_000_000],
      [archive.root, 1_000_000],
    ]),
    statfsCalls: 0,
    logged,
    retention(policy, options = {}) {
      const retention = new Retention({
        catalogue,
        tiers: [fast, archive],
        policyFor: typeof policy === 'function' ? policy : () => policy,
        locks,
        floor: { percent: 0, bytes: 0 },
        statfs: async (path) => {
          r.statfsCalls += 1;
          const total = r.capacity.get(path);
          if (total === undefined) throw new Error(`no fake volume at ${path}`);
          return { total, free: total - usedBytes(path) };
        },
        clock,
        bus,
        logger,
        ...options,
      });
      cleanups.push(() => retention.stop());
      return retention;
    },
    async record(camera, start, { size = 1000, tier = fast, complete = true, span = MIN } = {}) {
      const segment: SegmentRecord = {
        camera,
        stream: 'main',
        start,
        end: start + span,
        tier: tier.name,
        file: `${camera}/${start}.mp4`,
        size,
        initSize: 100,
        fragments: [{ offset: 100, size: size - 100, time: start, duration: span }],
        complete,
        codec: 'h264',
      };
      const path = join(tier.root, segment.file);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, randomBytes(size));
      await catalogue.putSegment(segment);
      return segment;
    },
    fileOf(segment, tier) {
      return join((tier ?? (segment.tier === fast.name ? fast : archive)).root, segment.file);
    },
    async starts(camera) {
      const out: string[] = [];
      for await (const s of catalogue.oldestSegments()) {
        if (camera === undefined || s.camera === camera) out.push(`${s.camera}@${(s.start - NOW) / MIN}`);
      }
      return out;
    },
  };
  return r;
}

const ofType = (events: AnyArgusEvent[], type: string): AnyArgusEvent[] => events.filter((e) => e.type === type);

describe('Retention', () => {
  it('deletes footage older than the maximum age, files and records, and reports it per rule', async () => {
    const r = await rig();
    const segments: SegmentRecord[] = [];
    for (let day = 10; day >= 1; day--) segments.push(await r.record('a', NOW - day * DAY));
    await r.record('b', NOW - 10 * DAY);
    const retention = r.retention((camera) => (camera === 'a' ? { maxAgeDays: 5 } : {}));
    const report = await retention.runOnce();
    // Days 10..6 end before the cutoff; day 5's segment ends one minute after it, so it is kept.
    expect(report.deleted['max-age']).toEqual({ segments: 5, bytes: 5000 });
    expect(await r.starts('a')).toEqual([5, 4, 3, 2, 1].map((d) => `a@${(-d * DAY) / MIN}`));
    expect(await r.starts('b')).toHaveLength(1);
    for (const s of segments.slice(0, 5)) expect(existsSync(r.fileOf(s))).toBe(false);
    for (const s of segments.slice(5)) expect(existsSync(r.fileOf(s))).toBe(true);
    const deleted = ofType(r.events, 'footageDeleted').map((e) => e.payload);
    expect(deleted).toHaveLength(5);
    expect(deleted[0]).toEqual({ camera: 'a', start: NOW - 10 * DAY, end: NOW - 10 * DAY + MIN, bytes: 1000, rule: 'max-age' });
    expect(report.failures).toEqual([]);
  });

  it('deletes a camera oldest first until its usage is within its maximum size', async () => {
    const r = await rig();
    for (let i = 0; i < 10; i++) await r.record('a', NOW - (10 - i) * MIN);
    for (let i = 0; i < 3; i++) await r.record('b', NOW - 20 * MIN + i * MIN);
    const retention = r.retention((camera) => (camera === 'a' ? { maxBytes: 4500 } : { maxBytes: 5000 }));
    const report = await retention.runOnce();
    expect(report.deleted['max-size']).toEqual({ segments: 6, bytes: 6000 });
    expect(await r.starts('a')).toEqual(['a@-4', 'a@-3', 'a@-2', 'a@-1']);
    expect(await r.starts('b')).toHaveLength(3);
    expect(r.catalogue.usage().find((u) => u.camera === 'a')).toEqual({ camera: 'a', tier: 'fast', bytes: 4000, segments: 4 });
    expect((await retention.runOnce()).deleted['max-size'].segments).toBe(0);
  });

  it('moves footage past archiveAfterDays to the archive tier byte for byte, re-catalogued with its usage', async () => {
    const r = await rig();
    const old = await r.record('a', NOW - 3 * DAY, { size: 4096 });
    const older = await r.record('a', NOW - 4 * DAY, { size: 2048 });
    const recent = await r.record('a', NOW - DAY, { size: 1000 });
    const bytes = readFileSync(r.fileOf(old));
    const retention = r.retention({ archiveAfterDays: 2, maxAgeDays: 30 });
    const report = await retention.runOnce();
    expect(report.archived).toEqual({ segments: 2, bytes: 6144 });
    expect(readFileSync(r.fileOf(old, r.archive)).equals(bytes)).toBe(true);
    expect(existsSync(r.fileOf(old, r.fast))).toBe(false);
    expect(existsSync(r.fileOf(older, r.fast))).toBe(false);
    expect(existsSync(`${r.fileOf(old, r.archive)}.part`)).toBe(false);
    expect(await r.catalogue.segment(old)).toEqual({ ...old, tier: 'archive' });
    expect((await r.catalogue.segment(recent))?.tier).toBe('fast');
    const usage = r.catalogue.usage().sort((x, y) => x.tier.localeCompare(y.tier));
    expect(usage).toEqual([
      { camera: 'a', tier: 'archive', bytes: 6144, segments: 2 },
      { camera: 'a', tier: 'fast', bytes: 1000, segments: 1 },
    ]);
    expect(ofType(r.events, 'footageArchived').map((e) => e.payload)).toContainEqual({
      camera: 'a', start: old.start, end: old.end, bytes: 4096, from: 'fast', to: 'archive',
    });
    // Archived footage is still subject to max age, on the archive tier.
    r.clock.advance(28 * DAY);
    const later = await retention.runOnce();
    expect(later.deleted['max-age'].segments).toBe(2);
    expect(later.archived.segments).toBe(1);
    expect(existsSync(r.fileOf(old, r.archive))).toBe(false);
  });

  it('archives footage held back by a lock once it is unlocked, and new footage as it ages', async () => {
    const r = await rig();
    const held = await r.record('a', NOW - 5 * DAY);
    const moved = await r.record('a', NOW - 4 * DAY);
    const lock = await r.locks.lock({ camera: 'a', start: held.start, end: held.end, reason: 'case', owner: 'ann' });
    const retention = r.retention({ archiveAfterDays: 2 });
    expect((await retention.runOnce()).archived.segments).toBe(1);
    expect((await r.catalogue.segment(held))?.tier).toBe('fast');
    const young = await r.record('a', NOW - DAY);
    expect((await retention.runOnce()).archived.segments).toBe(0);
    await r.locks.unlock(lock.id, 'ann');
    r.clock.advance(DAY + MIN);
    expect((await retention.runOnce()).archived.segments).toBe(2);
    for (const s of [held, moved, young]) expect((await r.catalogue.segment(s))?.tier).toBe('archive');
    expect(usedBytes(r.fast.root)).toBe(0);
  });

  it('leaves the footage on the fast tier when the archive cannot be written', async () => {
    const r = await rig();
    rmSync(r.archive.root, { recursive: true });
    writeFileSync(r.archive.root, 'not a folder');
    const old = await r.record('a', NOW - 3 * DAY);
    const report = await r.retention({ archiveAfterDays: 2 }).runOnce();
    expect(report.archived.segments).toBe(0);
    expect(report.failures).toHaveLength(1);
    expect(hasErrorCode(report.failures[0], 'ARGUS_ERR_STORAGE_IO')).toBe(true);
    expect(report.failures[0]?.operation).toBe('archive (copy)');
    expect(await r.catalogue.segment(old)).toEqual(old);
    expect(existsSync(r.fileOf(old))).toBe(true);
  });

  it('keeps the free-space floor by deleting the oldest unlocked footage first, across cameras', async () => {
    const r = await rig();
    // a@0 b@1 a@2 b@3 ... eight 1000-byte files on a 9000-byte volume: 1000 free, the floor is 30 % (2700).
    for (let i = 0; i < 8; i++) await r.record(i % 2 === 0 ? 'a' : 'b', NOW - DAY + i * MIN);
    r.capacity.set(r.fast.root, 9000);
    await r.locks.lock({ camera: 'a', start: NOW - DAY, end: NOW - DAY + 1, reason: 'case', owner: 'ann' });
    const retention = r.retention({}, { floor: { percent: 30, bytes: 0 } });
    const report = await retention.runOnce();
    expect(report.deleted['free-space']).toEqual({ segments: 2, bytes: 2000 });
    expect(report.lockedSkipped).toBe(1);
    expect(await r.starts()).toEqual(['a@-1440', 'b@-1437', 'a@-1436', 'b@-1435', 'a@-1434', 'b@-1433']);
    expect(usedBytes(r.fast.root)).toBe(6000);
    expect(report.spaceLow).toEqual([]);
    expect(ofType(r.events, 'storageAlarmRaised')).toEqual([]);
    expect(ofType(r.events, 'footageDeleted').map((e) => (e.payload as { rule: string }).rule)).toEqual(['free-space', 'free-space']);
  });

  it('raises space-low when only locked or open footage is left, and clears it once space is back', async () => {
    const r = await rig();
    const locked = await r.record('a', NOW - DAY, { size: 3000 });
    const open = await r.record('b', NOW - MIN, { size: 3000, complete: false });
    r.capacity.set(r.fast.root, 6500);
    const lock = await r.locks.lock({ camera: 'a', start: NOW - 2 * DAY, end: NOW, reason: 'case', owner: 'ann' });
    const retention = r.retention({}, { floor: { percent: 0, bytes: 1000 } });
    const report = await retention.runOnce();
    expect(report.spaceLow).toEqual(['fast']);
    expect(report.lockedSkipped).toBe(1);
    expect(report.writingSkipped).toBe(1);
    expect(await r.catalogue.segment(locked)).toEqual(locked);
    expect(await r.catalogue.segment(open)).toEqual(open);
    const raised = ofType(r.events, 'storageAlarmRaised');
    expect(raised).toHaveLength(1);
    expect(raised[0]?.payload).toMatchObject({ kind: 'space-low', path: r.fast.root });
    // Still low: no second alarm for the same condition.
    await retention.runOnce();
    expect(ofType(r.events, 'storageAlarmRaised')).toHaveLength(1);
    await r.locks.unlock(lock.id, 'ann');
    const after = await retention.runOnce();
    expect(after.deleted['free-space'].segments).toBe(1);
    expect(existsSync(r.fileOf(locked))).toBe(false);
    expect(existsSync(r.fileOf(open))).toBe(true);
    expect(ofType(r.events, 'storageAlarmCleared').map((e) => e.payload)).toEqual([{ kind: 'space-low', path: r.fast.root }]);
  });

  it('never deletes or moves locked footage, whatever the rule', async () => {
    const r = await rig();
    const held = await r.record('a', NOW - 40 * DAY, { size: 5000 });
    const free = await r.record('a', NOW - 39 * DAY, { size: 5000 });
    await r.locks.lock({ camera: 'a', start: held.start + 1000, end: held.start + 2000, reason: 'case 9', owner: 'ann' });
    r.capacity.set(r.fast.root, 10_000);
    const retention = r.retention({ maxAgeDays: 30, maxBytes: 1, archiveAfterDays: 1 }, { floor: { percent: 50, bytes: 0 } });
    const report = await retention.runOnce();
    expect(report.lockedSkipped).toBe(1);
    expect(report.archived.segments).toBe(0);
    expect(report.deleted['max-age'].segments).toBe(1);
    expect(await r.catalogue.segment(held)).toEqual(held);
    expect(readFileSync(r.fileOf(held)).length).toBe(5000);
    expect(await r.catalogue.segment(free)).toBeUndefined();
    expect(report.spaceLow).toEqual([]);
  });

  it('deletes footage once its lock has expired', async () => {
    const r = await rig();
    const old = await r.record('a', NOW - 40 * DAY);
    const lock = await r.locks.lock({ camera: 'a', start: old.start, end: old.end, reason: 'case', owner: 'ann', expires: NOW + DAY });
    const retention = r.retention({ maxAgeDays: 30 });
    expect((await retention.runOnce()).deleted['max-age'].segments).toBe(0);
    expect(await r.catalogue.segment(old)).toEqual(old);
    r.clock.advance(DAY);
    const report = await retention.runOnce();
    expect(report.expiredLocks).toBe(1);
    expect(report.deleted['max-age'].segments).toBe(1);
    expect(existsSync(r.fileOf(old))).toBe(false);
    const order = r.events.map((e) => e.type).filter((t) => t === 'evidenceUnlocked' || t === 'footageDeleted');
    expect(order).toEqual(['evidenceUnlocked', 'footageDeleted']);
    expect(ofType(r.events, 'evidenceUnlocked')[0]?.payload).toEqual({ lock, by: 'expiry' });
  });

  it('never deletes the segment being written, by default nor with an injected isWriting', async () => {
    const r = await rig();
    const open = await r.record('a', NOW - 40 * DAY, { complete: false });
    const current = await r.record('a', NOW - 39 * DAY);
    const policy = { maxAgeDays: 30, maxBytes: 0, archiveAfterDays: 1 };
    const first = await r.retention(policy).runOnce();
    expect(first.writingSkipped).toBe(1);
    expect(await r.catalogue.segment(open)).toEqual(open);
    expect(await r.catalogue.segment(current)).toBeUndefined();
    const next = await r.record('a', NOW - 38 * DAY);
    const second = await r.retention(policy, { isWriting: (s) => s.start === next.start }).runOnce();
    expect(await r.catalogue.segment(next)).toEqual(next);
    expect(await r.catalogue.segment(open)).toBeUndefined();
    expect(second.writingSkipped).toBe(1);
  });

  it('coalesces concurrent freeSpace calls into one pass', async () => {
    const r = await rig();
    for (let i = 0; i < 6; i++) await r.record(`cam-${i % 3}`, NOW - DAY + i * MIN);
    r.capacity.set(r.fast.root, 6000);
    const retention = r.retention({}, { floor: { percent: 0, bytes: 2500 } });
    const calls = [retention.freeSpace(), retention.freeSpace(), retention.freeSpace()];
    expect(calls[1]).toBe(calls[0]);
    expect(calls[2]).toBe(calls[0]);
    await Promise.all(calls);
    // One pass: asked the volume once per tier, then once after each of the three deletions.
    expect(r.statfsCalls).toBe(2 + 3);
    expect(ofType(r.events, 'footageDeleted')).toHaveLength(3);
    expect(await r.starts()).toEqual(['cam-0@-1437', 'cam-1@-1436', 'cam-2@-1435']);
    await retention.freeSpace();
    expect(ofType(r.events, 'footageDeleted')).toHaveLength(3);
  });

  it('goes on past a file that cannot be unlinked, with a typed, logged failure', async () => {
    const r = await rig();
    const stuck = await r.record('a', NOW - 40 * DAY);
    const next = await r.record('a', NOW - 39 * DAY);
    // A non-empty folder where the file should be: unlink fails, even for root.
    rmSync(r.fileOf(stuck));
    mkdirSync(r.fileOf(stuck));
    writeFileSync(join(r.fileOf(stuck), 'x'), 'x');
    const report = await r.retention({ maxAgeDays: 30 }).runOnce();
    expect(report.deleted['max-age'].segments).toBe(2);
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]).toMatchObject({ code: 'ARGUS_ERR_STORAGE_IO', operation: 'unlink', path: r.fileOf(stuck) });
    expect(r.logged.some((entry) => hasErrorCode((entry as { err?: unknown }).err, 'ARGUS_ERR_STORAGE_IO'))).toBe(true);
    expect(existsSync(r.fileOf(next))).toBe(false);
    expect(await r.catalogue.segment(stuck)).toBeUndefined();
  });

  it.skipIf(process.getuid?.() === 0)('goes on past a file in a read-only folder', async () => {
    const r = await rig();
    const stuck = await r.record('a', NOW - 40 * DAY);
    const next = await r.record('b', NOW - 39 * DAY);
    chmodSync(dirname(r.fileOf(stuck)), 0o500);
    cleanups.push(() => chmodSync(dirname(r.fileOf(stuck)), 0o700));
    const report = await r.retention({ maxAgeDays: 30 }).runOnce();
    expect(report.failures.map((f) => f.operation)).toEqual(['unlink']);
    expect(existsSync(r.fileOf(stuck))).toBe(true);
    expect(existsSync(r.fileOf(next))).toBe(false);
  });

  it('shares one run between concurrent runOnce calls', async () => {
    const r = await rig();
    await r.record('a', NOW - 40 * DAY);
    const retention = r.retention({ maxAgeDays: 30 });
    const [one, two] = [retention.runOnce(), retention.runOnce()];
    expect(two).toBe(one);
    expect((await one).deleted['max-age'].segments).toBe(1);
    expect(ofType(r.events, 'footageDeleted')).toHaveLength(1);
  });

  it('runs periodically and turns a failing run into a write-failed alarm instead of throwing', async () => {
    const r = await rig();
    await r.record('a', NOW - 40 * DAY);
    const retention = r.retention({ maxAgeDays: 30 });
    const deleted = firstValueFrom(r.bus.on$('footageDeleted'));
    retention.start(60_000);
    retention.start(60_000);
    expect((await deleted).payload.rule).toBe('max-age');
    await retention.stop();
    await r.record('a', NOW - 40 * DAY);
    await r.catalogue.close();
    const alarm = firstValueFrom(r.bus.on$('storageAlarmRaised'));
    retention.start(60_000);
    expect((await alarm).payload).toMatchObject({ kind: 'write-failed' });
    await retention.stop();
  });

  it('skips a camera whose policy is unusable and goes on with the others', async () => {
    const r = await rig();
    const kept = await r.record('bad', NOW - 40 * DAY);
    await r.record('good', NOW - 40 * DAY);
    const retention = r.retention((camera) => {
      if (camera === 'bad') return { maxAgeDays: Number.NaN };
      return { maxAgeDays: 30 };
    });
    const report = await retention.runOnce();
    expect(report.deleted['max-age'].segments).toBe(1);
    expect(await r.catalogue.segment(kept)).toEqual(kept);
    expect(r.logged).toHaveLength(1);
  });

  it('rejects bad options as programmer misuse', async () => {
    const r = await rig();
    expect(() => r.retention({}, { tiers: [] })).toThrow(RangeError);
    expect(() => r.retention({}, { tiers: [r.fast, { ...r.archive, name: 'fast' }] })).toThrow(RangeError);
    expect(() => r.retention({}, { floor: { percent: 120 } })).toThrow(RangeError);
  });
});
