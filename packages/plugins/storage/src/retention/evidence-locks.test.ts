import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus, ManualClock, hasErrorCode, type AnyArgusEvent } from '@argus/core';
import { afterEach, describe, expect, it } from 'vitest';
import { Catalogue } from '../catalogue/catalogue.js';
import { EvidenceLocks } from './evidence-locks.js';

const MIN = 60_000;
const T0 = Date.parse('2026-11-21T00:00:00Z');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(): Promise<{ where: string; catalogue: Catalogue; clock: ManualClock; bus: EventBus; events: AnyArgusEvent[]; locks: EvidenceLocks }> {
  const dir = mkdtempSync(join(tmpdir(), 'argus-locks-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const where = join(dir, 'db');
  const catalogue = await Catalogue.open(where);
  cleanups.push(() => catalogue.close());
  const clock = new ManualClock(T0);
  const bus = new EventBus({ clock });
  const events: AnyArgusEvent[] = [];
  bus.events$.subscribe((event) => events.push(event));
  const locks = await EvidenceLocks.open({ catalogue, bus, clock });
  return { where, catalogue, clock, bus, events, locks };
}

describe('EvidenceLocks', () => {
  it('locks a range, finds it by overlap, stores it in the catalogue and emits evidenceLocked', async () => {
    const { catalogue, events, locks } = await setup();
    const lock = await locks.lock({ camera: 'gate-1', start: T0, end: T0 + 10 * MIN, reason: ' case 118 ', owner: 'ann' });
    expect(lock.id).toMatch(/^lock-[0-9a-f]{12}$/);
    expect(lock).toMatchObject({ camera: 'gate-1', reason: 'case 118', owner: 'ann', created: T0 });
    expect(await catalogue.lock(lock.id)).toEqual(lock);
    expect(await locks.get(lock.id)).toEqual(lock);
    expect(await locks.list('gate-1')).toEqual([lock]);
    expect(await locks.list('gate-2')).toEqual([]);
    // Ranges are half-open: a segment ending where the lock starts, or starting where it ends, is not held.
    expect(await locks.holding('gate-1', T0 - MIN, T0)).toBeUndefined();
    expect(await locks.holding('gate-1', T0 + 10 * MIN, T0 + 11 * MIN)).toBeUndefined();
    expect((await locks.holding('gate-1', T0 + 9 * MIN, T0 + 11 * MIN))?.id).toBe(lock.id);
    expect(await locks.holding('gate-2', T0, T0 + MIN)).toBeUndefined();
    expect(events.map((e) => [e.type, e.cameraId, (e.payload as { by: string }).by])).toEqual([['evidenceLocked', 'gate-1', 'ann']]);
  });

  it('loads stored locks when opened again on the same catalogue', async () => {
    const { catalogue, clock, locks } = await setup();
    const a = await locks.lock({ camera: 'a', start: T0 + MIN, end: T0 + 2 * MIN, reason: 'r', owner: 'ann' });
    const b = await locks.lock({ camera: 'a', start: T0, end: T0 + 3 * MIN, reason: 'r', owner: 'bob' });
    const again = new EvidenceLocks({ catalogue, clock });
    expect((await again.list('a')).map((l) => l.id)).toEqual([b.id, a.id]);
    expect((await again.holding('a', T0 + 2 * MIN, T0 + 3 * MIN))?.id).toBe(b.id);
  });

  it('rejects a bad range or a past expiry with a typed error, and misuse with RangeError', async () => {
    const { locks, events } = await setup();
    const base = { camera: 'a', start: T0, end: T0 + MIN, reason: 'case', owner: 'ann' };
    const backwards = await locks.lock({ ...base, end: T0 }).catch((err: unknown) => err);
    expect(hasErrorCode(backwards, 'ARGUS_ERR_STORAGE_RANGE_INVALID')).toBe(true);
    const lapsed = await locks.lock({ ...base, expires: T0 }).catch((err: unknown) => err);
    expect(hasErrorCode(lapsed, 'ARGUS_ERR_STORAGE_RANGE_INVALID')).toBe(true);
    await expect(locks.lock({ ...base, reason: '  ' })).rejects.toThrow(RangeError);
    await expect(locks.lock({ ...base, owner: '' })).rejects.toThrow(RangeError);
    await expect(locks.lock({ ...base, start: 1.5 })).rejects.toThrow(RangeError);
    expect(await locks.list()).toEqual([]);
    expect(events).toEqual([]);
  });

  it('unlocks with evidenceUnlocked, and reports an unknown id as LOCK_NOT_FOUND', async () => {
    const { catalogue, events, locks } = await setup();
    const lock = await locks.lock({ camera: 'a', start: T0, end: T0 + MIN, reason: 'case', owner: 'ann' });
    expect(await locks.unlock(lock.id, 'bob')).toEqual(lock);
    expect(await catalogue.lock(lock.id)).toBeUndefined();
    expect(await locks.holding('a', T0, T0 + MIN)).toBeUndefined();
    expect(events.at(-1)).toMatchObject({ type: 'evidenceUnlocked', payload: { lock, by: 'bob' } });
    const missing = await locks.unlock(lock.id, 'bob').catch((err: unknown) => err);
    expect(hasErrorCode(missing, 'ARGUS_ERR_STORAGE_LOCK_NOT_FOUND')).toBe(true);
    expect((missing as { details?: { id?: string } }).details?.id).toBe(lock.id);
  });

  it('stops holding at expiry and removes lapsed locks with by: expiry', async () => {
    const { catalogue, clock, events, locks } = await setup();
    const short = await locks.lock({ camera: 'a', start: T0, end: T0 + MIN, reason: 'case', owner: 'ann', expires: T0 + 60 * MIN });
    const forever = await locks.lock({ camera: 'a', start: T0, end: T0 + MIN, reason: 'case', owner: 'ann' });
    expect((await locks.holding('a', T0, T0 + MIN))?.id).toBe(short.id);
    expect(await locks.expire()).toEqual([]);
    clock.advance(60 * MIN);
    // Lapsed but not yet expired out: it no longer holds anything.
    expect((await locks.holding('a', T0, T0 + MIN))?.id).toBe(forever.id);
    expect(await locks.expire()).toEqual([short]);
    expect(await catalogue.lock(short.id)).toBeUndefined();
    expect((await locks.list()).map((l) => l.id)).toEqual([forever.id]);
    expect(events.at(-1)).toMatchObject({ type: 'evidenceUnlocked', payload: { lock: short, by: 'expiry' } });
  });

  it('reports a catalogue that cannot store the lock as a typed I/O error', async () => {
    const { catalogue, locks } = await setup();
    await catalogue.close();
    const failed = await locks.lock({ camera: 'a', start: T0, end: T0 + MIN, reason: 'case', owner: 'ann' }).catch((err: unknown) => err);
    expect(hasErrorCode(failed, 'ARGUS_ERR_STORAGE_IO')).toBe(true);
    expect(await locks.list()).toEqual([]);
  });
});
