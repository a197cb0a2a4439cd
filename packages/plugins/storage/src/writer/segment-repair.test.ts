import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasErrorCode, ManualClock } from '@argus/core';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalogue } from '../catalogue/catalogue.js';
import type { SegmentRecord } from '../catalogue/records.js';
import { repairSegments } from './segment-repair.js';
import { SegmentWriter } from './segment-writer.js';
import { scanFragments } from './scan-fragments.js';
import type { StorageTier } from './storage-tier.js';
import { decodeWithFfmpeg, ffprobe, h264Sample, readH264Packets, videoFrames } from './writer-media.test-helper.js';

const T0 = Date.parse('2026-11-21T08:00:00.000Z');
const REPO = fileURLToPath(new URL('../../../../../', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'argus-repair-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dir: string;
let tier: StorageTier;
let catalogue: Catalogue;

beforeEach(async () => {
  dir = mkdtempSync(join(root, 'case-'));
  tier = { name: 'fast', root: join(dir, 'fast') };
  catalogue = await Catalogue.open(join(dir, 'catalogue'));
});

afterEach(async () => {
  await catalogue.close();
});

const pathOf = (segment: Pick<SegmentRecord, 'file'>): string => join(tier.root, ...segment.file.split('/'));

/** Records `seconds` of real H.264 (GOP 1 s) into one closed segment and returns its record. */
async function recordSegment(seconds: number, start = T0): Promise<SegmentRecord> {
  const clock = new ManualClock(start);
  const writer = new SegmentWriter({ camera: 'cam-1', stream: 'main', catalogue, tier, clock, segmentSeconds: 600 });
  for (const packet of readH264Packets(await h264Sample({ seconds, gop: 25 })).packets) {
    await writer.write(packet);
    clock.advance(40);
  }
  await writer.close();
  const segment = await catalogue.lastSegment('cam-1', 'main');
  if (segment === undefined) throw new Error('nothing recorded');
  return segment;
}

describe('scanFragments', () => {
  it('keeps exactly the fragments that are whole, wherever the file is cut', async () => {
    const segment = await recordSegment(4);
    const bytes = new Uint8Array(readFileSync(pathOf(segment)));
    const whole = scanFragments(bytes);
    expect(whole).toMatchObject({ initSize: segment.initSize, timescale: 90_000, end: bytes.byteLength, trailingBytes: 0 });
    expect(whole.fragments.map((f) => [f.offset, f.size])).toEqual(segment.fragments.map((f) => [f.offset, f.size]));
    expect(whole.fragments.map((f) => [f.baseDecodeTime, f.duration, f.samples])).toEqual([0, 1, 2, 3].map((s) => [s * 90_000, 90_000, 25]));
    for (const cut of [10, segment.initSize - 1, segment.initSize, segment.initSize + 9, ...segment.fragments.flatMap((f) => [f.offset + f.size - 1, f.offset + f.size, f.offset + 100])]) {
      if (cut > bytes.byteLength) continue;
      const scan = scanFragments(bytes.subarray(0, cut));
      const complete = segment.fragments.filter((f) => f.offset + f.size <= cut);
      expect(scan.fragments).toHaveLength(cut < segment.initSize ? 0 : complete.length);
      expect(scan.initSize).toBe(cut < segment.initSize ? 0 : segment.initSize);
      expect(scan.end + scan.trailingBytes).toBe(cut);
    }
  });

  it('stops at a moof whose sample table points outside its mdat', async () => {
    const segment = await recordSegment(3);
    const bytes = new Uint8Array(readFileSync(pathOf(segment)));
    const second = segment.fragments[1];
    if (second === undefined) throw new Error('expected fragments');
    // Grow the first sample size of the second fragment's trun far beyond its mdat.
    const trun = Buffer.from(bytes).indexOf('trun', second.offset);
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(trun + 4 + 4 + 4 + 4 + 4, 0x7fffffff); // version/flags, count, data offset, duration
    const scan = scanFragments(bytes);
    expect(scan.fragments).toHaveLength(1);
    expect(scan.end).toBe(second.offset);
  });
});

describe('repairSegments', () => {
  it('truncates a torn tail, recovers fragments the catalogue missed and closes the segment with a crash gap', async () => {
    const whole = await recordSegment(4);
    const path = pathOf(whole);
    // The state after a crash: the catalogue saw two fragments, the file holds four and half of a fifth.
    const copied = whole.fragments[1] ?? { offset: 0, size: 0 };
    const torn = readFileSync(path).subarray(copied.offset, copied.offset + Math.floor(copied.size / 2));
    appendFileSync(path, torn);
    await catalogue.putSegment({ ...whole, fragments: whole.fragments.slice(0, 2), end: T0 + 2000, size: whole.fragments[2]?.offset ?? 0, complete: false });
    expect(await catalogue.openSegments()).toHaveLength(1);

    const clock = new ManualClock(T0 + 60_000);
    const report = await repairSegments(catalogue, [tier], { clock });
    expect(report.failed).toEqual([]);
    expect(report.repaired).toEqual([
      { camera: 'cam-1', stream: 'main', tier: 'fast', file: whole.file, fragments: 4, recoveredFragments: 2, lostFragments: 0, trimmedBytes: torn.byteLength, start: T0, end: T0 + 4000 },
    ]);
    expect(report.gaps).toEqual([{ camera: 'cam-1', start: T0 + 4000, end: T0 + 60_000, reason: 'crash' }]);
    expect(await catalogue.gaps('cam-1', 0, T0 + 100_000)).toEqual(report.gaps);
    expect(await catalogue.openSegments()).toEqual([]);
    expect(await catalogue.lastSegment('cam-1', 'main')).toEqual(whole);
    expect(statSync(path).size).toBe(whole.size);
    expect(await videoFrames(path)).toBe(100);
    expect(await decodeWithFfmpeg(path)).toBe('');
  });

  it('ends the crash gap where the camera recorded again', async () => {
    const first = await recordSegment(2);
    await recordSegment(2, T0 + 10_000);
    await catalogue.putSegment({ ...first, complete: false });
    const report = await repairSegments(catalogue, [tier], { clock: new ManualClock(T0 + 60_000) });
    expect(report.gaps).toEqual([{ camera: 'cam-1', start: T0 + 2000, end: T0 + 10_000, reason: 'crash' }]);
  });

  it('removes records whose file is gone, has no whole init segment, or no whole fragment', async () => {
    const a = await recordSegment(2);
    const b = await recordSegment(2, T0 + 10_000);
    const c = await recordSegment(2, T0 + 20_000);
    rmSync(pathOf(a));
    truncateSync(pathOf(b), 100);
    truncateSync(pathOf(c), c.initSize + 50);
    for (const s of [a, b, c]) await catalogue.putSegment({ ...s, complete: false });
    const report = await repairSegments(catalogue, [tier], { clock: new ManualClock(T0 + 60_000) });
    expect(report.gaps.map((g) => [g.start, g.end])).toEqual([
      [T0, T0 + 10_000],
      [T0 + 10_000, T0 + 20_000],
      [T0 + 20_000, T0 + 60_000],
    ]);
    expect(report.removed.map((r) => [r.file, r.reason])).toEqual([
      [a.file, 'missing'],
      [b.file, 'no-init'],
      [c.file, 'empty'],
    ]);
    expect(existsSync(pathOf(b))).toBe(false);
    expect(existsSync(pathOf(c))).toBe(false);
    expect(await catalogue.segments('cam-1', 0, Number.MAX_SAFE_INTEGER)).toEqual([]);
  });

  it('reports, and leaves alone, a segment on a tier that is not configured', async () => {
    const segment = await recordSegment(2);
    await catalogue.putSegment({ ...segment, complete: false });
    const report = await repairSegments(catalogue, [{ name: 'archive', root: tier.root }]);
    expect(report.failed).toHaveLength(1);
    expect(hasErrorCode(report.failed[0]?.error, 'ARGUS_ERR_STORAGE_SEGMENT_DAMAGED')).toBe(true);
    expect(await catalogue.openSegments()).toHaveLength(1);
  });

  it('reports an unreadable file as a storage I/O error', async () => {
    const segment = await recordSegment(2);
    rmSync(pathOf(segment));
    // A folder where the file should be: reading it fails with EISDIR, not ENOENT.
    mkdirSync(pathOf(segment));
    await catalogue.putSegment({ ...segment, complete: false });
    const report = await repairSegments(catalogue, [tier]);
    expect(hasErrorCode(report.failed[0]?.error, 'ARGUS_ERR_STORAGE_IO')).toBe(true);
  });

  it('after kill -9 mid-write, leaves every file playable and loses at most the last fragment', async () => {
    const sample = await h264Sample({ seconds: 12, gop: 12 });
    await catalogue.close(); // the child holds the LevelDB lock until it dies
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@argus/source', fileURLToPath(new URL('./segment-writer-crash.test-helper.ts', import.meta.url)), dir, sample], {
      cwd: REPO,
      env: { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.tools.json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let written = 0;
    let ready = false;
    let stderr = '';
    let buffered = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<string | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [word, frames, fragments] = line.split(' ');
        if (word === 'written') {
          written = Number(frames);
          ready = Number(fragments) >= 8;
        } else if (word === 'keyframe' && ready && child.exitCode === null) {
          // A few segments (1 s each, GOP 0.48 s) are down: kill as the child writes the next fragment.
          child.kill('SIGKILL');
        }
      }
    });
    const signal = await exited;
    expect(stderr).toBe('');
    expect(signal).toBe('SIGKILL');
    expect(written).toBeGreaterThan(8 * 12);
    expect(written).toBeLessThan(300);

    catalogue = await Catalogue.open(join(dir, 'catalogue'));
    expect(await catalogue.openSegments()).toHaveLength(1);
    const report = await repairSegments(catalogue, [tier]);
    expect(report.failed).toEqual([]);
    expect(report.repaired.length + report.removed.length).toBe(1);
    const lastEnd = Math.max(...(await catalogue.segments('cam-1', 0, Number.MAX_SAFE_INTEGER)).map((s) => s.end));
    expect(report.gaps).toEqual([{ camera: 'cam-1', start: lastEnd, end: expect.any(Number), reason: 'crash' }]);
    expect(await catalogue.openSegments()).toEqual([]);

    const segments = await catalogue.segments('cam-1', 0, Number.MAX_SAFE_INTEGER);
    expect(segments.length).toBeGreaterThanOrEqual(3);
    let onDisk = 0;
    let previousEnd: number | undefined;
    for (const segment of segments) {
      const path = pathOf(segment);
      expect(segment.complete).toBe(true);
      expect(statSync(path).size).toBe(segment.size);
      const last = segment.fragments.at(-1);
      expect((last?.offset ?? 0) + (last?.size ?? 0)).toBe(segment.size);
      const report = await ffprobe(path);
      const frames = Number(report.streams[0]?.nb_read_frames);
      expect(await decodeWithFfmpeg(path)).toBe('');
      // The catalogue's span is the frames the file holds (40 ms each).
      expect(Math.abs(segment.end - segment.start - frames * 40)).toBeLessThanOrEqual(1);
      if (previousEnd !== undefined) expect(Math.abs(segment.start - previousEnd)).toBeLessThanOrEqual(1);
      previousEnd = segment.end;
      onDisk += frames;
    }
    const lost = written - onDisk;
    expect(lost).toBeGreaterThanOrEqual(0);
    // The GOP still in the muxer plus the fragment being written: two GOPs of 12 frames, ≤ 2 s.
    expect(lost).toBeLessThanOrEqual(25);
  }, 20_000);
});
