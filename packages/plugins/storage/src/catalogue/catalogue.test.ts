import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasErrorCode } from '@argus/core';
import { afterEach, describe, expect, it } from 'vitest';
import { Catalogue } from './catalogue.js';
import type { SegmentRecord } from './records.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function location(): string {
  const dir = mkdtempSync(join(tmpdir(), 'argus-catalogue-'));
  dirs.push(dir);
  return join(dir, 'db');
}

const MIN = 60_000;
const T0 = Date.parse('2026-11-21T00:00:00Z');

function segment(camera: string, start: number, overrides: Partial<SegmentRecord> = {}): SegmentRecord {
  return {
    camera,
    stream: 'main',
    start,
    end: start + MIN,
    tier: 'fast',
    file: `${camera}/${start}.mp4`,
    size: 1000,
    initSize: 100,
    fragments: [{ offset: 100, size: 900, time: start, duration: MIN }],
    complete: true,
    codec: 'h264',
    ...overrides,
  };
}

describe('Catalogue', () => {
  it('finds the segments overlapping a range, including one that starts before it, without other cameras', async () => {
    const catalogue = await Catalogue.open(location());
    for (let i = 0; i < 5; i++) await catalogue.putSegment(segment('gate!1', T0 + i * MIN));
    await catalogue.putSegment(segment('gate!10', T0));
    const found = await catalogue.segments('gate!1', T0 + MIN + 30_000, T0 + 3 * MIN);
    expect(found.map((s) => (s.start - T0) / MIN)).toEqual([1, 2]);
    expect(await catalogue.segments('gate!1', T0 + 10 * MIN, T0 + 11 * MIN)).toEqual([]);
    expect((await catalogue.lastSegment('gate!1', 'main'))?.start).toBe(T0 + 4 * MIN);
    await catalogue.close();
  });

  it('keeps usage counters and the open-segment index in step across replace, delete and reopen', async () => {
    const where = location();
    let catalogue = await Catalogue.open(where);
    await catalogue.putSegment(segment('a', T0, { complete: false, size: 500, end: T0 + 1000 }));
    expect((await catalogue.openSegments()).map((s) => s.start)).toEqual([T0]);
    await catalogue.putSegment(segment('a', T0, { size: 2000 }));
    await catalogue.putSegment(segment('a', T0 + MIN, { tier: 'archive' }));
    await catalogue.putSegment(segment('b', T0 - MIN));
    expect(await catalogue.openSegments()).toEqual([]);
    await catalogue.close();
    catalogue = await Catalogue.open(where);
    expect(catalogue.usage().sort((x, y) => (x.camera + x.tier).localeCompare(y.camera + y.tier))).toEqual([
      { camera: 'a', tier: 'archive', bytes: 1000, segments: 1 },
      { camera: 'a', tier: 'fast', bytes: 2000, segments: 1 },
      { camera: 'b', tier: 'fast', bytes: 1000, segments: 1 },
    ]);
    expect(['a', 'b', 'c'].map((camera) => catalogue.cameraBytes(camera))).toEqual([3000, 1000, 0]);
    const oldest: string[] = [];
    for await (const s of catalogue.oldestSegments()) oldest.push(`${s.camera}@${(s.start - T0) / MIN}`);
    expect(oldest).toEqual(['b@-1', 'a@0', 'a@1']);
    expect((await catalogue.deleteSegment({ camera: 'a', start: T0, stream: 'main' }))?.size).toBe(2000);
    expect(await catalogue.deleteSegment({ camera: 'a', start: T0, stream: 'main' })).toBeUndefined();
    expect(catalogue.usage().find((u) => u.camera === 'a' && u.tier === 'fast')).toBeUndefined();
    expect(catalogue.cameraBytes('a')).toBe(1000);
    await catalogue.close();
  });

  it('stores a growing segment one fragment at a time, summarises it without fragments, and rewrites it when it closes', async () => {
    const catalogue = await Catalogue.open(location());
    const fragments = Array.from({ length: 4 }, (_, i) => ({ offset: 100 + i * 10, size: 10, time: T0 + i * 2000, duration: 2000 }));
    for (let n = 1; n <= 4; n++) {
      await catalogue.putSegment(segment('a', T0, { complete: false, fragments: fragments.slice(0, n), end: T0 + n * 2000, size: 100 + n * 10 }));
    }
    expect((await catalogue.segment({ camera: 'a', start: T0, stream: 'main' }))?.fragments).toEqual(fragments);
    const [summary] = await catalogue.summaries('a', T0, T0 + MIN);
    expect(summary).toMatchObject({ fragmentCount: 4, end: T0 + 8000 });
    expect(summary).not.toHaveProperty('fragments');
    // Repair may close it with fewer fragments than were listed: the extra ones go.
    await catalogue.putSegment(segment('a', T0, { complete: true, fragments: fragments.slice(0, 2), end: T0 + 4000, size: 120 }));
    expect((await catalogue.segments('a', T0, T0 + MIN))[0]?.fragments).toEqual(fragments.slice(0, 2));
    await catalogue.deleteSegment({ camera: 'a', start: T0, stream: 'main' });
    await catalogue.putSegment(segment('a', T0, { complete: false, fragments: [] }));
    expect((await catalogue.segment({ camera: 'a', start: T0, stream: 'main' }))?.fragments).toEqual([]);
    await catalogue.close();
  });

  it('stores marks, gaps and locks by camera and time', async () => {
    const catalogue = await Catalogue.open(location());
    await catalogue.putMark({ camera: 'a', id: 'm1', time: T0 + 5, type: 'motion' });
    await catalogue.putMark({ camera: 'a', id: 'm2', time: T0 + MIN, type: 'alarm' });
    await catalogue.putGap({ camera: 'a', start: T0 - 10, end: T0 + 10, reason: 'no-signal' });
    await catalogue.putLock({ id: 'case-7', camera: 'a', start: T0, end: T0 + MIN, reason: 'case 7', owner: 'ann', created: T0 });
    expect((await catalogue.marks('a', T0, T0 + MIN)).map((m) => m.id)).toEqual(['m1']);
    expect(await catalogue.gaps('a', T0, T0 + MIN)).toHaveLength(1);
    expect(await catalogue.gaps('a', T0 + 10, T0 + MIN)).toHaveLength(0);
    expect((await catalogue.locks('a')).map((l) => l.id)).toEqual(['case-7']);
    expect(await catalogue.locks('b')).toEqual([]);
    expect((await catalogue.deleteLock('case-7'))?.owner).toBe('ann');
    expect(await catalogue.lock('case-7')).toBeUndefined();
    await catalogue.close();
  });

  it('reports a catalogue held by another process as a typed error', async () => {
    const where = location();
    const first = await Catalogue.open(where);
    const second = await Catalogue.open(where).catch((err: unknown) => err);
    expect(hasErrorCode(second, 'ARGUS_ERR_STORAGE_IO')).toBe(true);
    await first.close();
  });
});
