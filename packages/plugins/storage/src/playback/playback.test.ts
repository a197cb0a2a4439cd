import { mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasErrorCode } from '@argus/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalogue } from '../catalogue/catalogue.js';
import { scanFragments } from '../writer/scan-fragments.js';
import type { StorageTier } from '../writer/storage-tier.js';
import { Playback } from './playback.js';
import { collect, decodeFrames, h264Sample, packetsOf, probeVideo, recordSegments, T0, type RecordedSegment } from './recording-fixture.test-helper.js';

const S = 1000;
const H = 3600 * S;
const EIGHT = T0 + 8 * H;
const NINE = T0 + 9 * H;

let dir: string;
let catalogue: Catalogue;
let tier: StorageTier;
let playback: Playback;
let gate3: RecordedSegment[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'argus-playback-'));
  tier = { name: 'fast', root: join(dir, 'fast') };
  catalogue = await Catalogue.open(join(dir, 'catalogue'));
  const twenty = packetsOf(await h264Sample({ seconds: 20, fps: 25, gop: 25 }), 25).packets;
  const ten = packetsOf(await h264Sample({ seconds: 10, fps: 25, gop: 25 }), 25).packets;
  const wide = packetsOf(await h264Sample({ seconds: 4, fps: 25, gop: 25, width: 640, height: 360 }), 25).packets;
  // gate-1: 08:00:00-08:00:20 in four 5 s files (each muxed from decode time 0), 08:00:21-08:00:31 (a 1 s hole),
  // 09:00:00-09:00:10.
  await recordSegments({ catalogue, tier, camera: 'gate-1', start: EIGHT, packets: twenty, segmentFrames: 125, restartDecodeTime: true });
  await recordSegments({ catalogue, tier, camera: 'gate-1', start: EIGHT + 21 * S, packets: ten });
  await recordSegments({ catalogue, tier, camera: 'gate-1', start: NINE, packets: ten });
  await catalogue.putGap({ camera: 'gate-1', start: EIGHT + 31 * S, end: T0 + 8.5 * H, reason: 'no-signal' });
  await catalogue.putGap({ camera: 'gate-1', start: T0 - 2 * H, end: T0 - H, reason: 'crash' });
  await catalogue.putMark({ camera: 'gate-1', id: 'm1', time: EIGHT + 5 * S, type: 'motion', end: EIGHT + 9 * S });
  await catalogue.putMark({ camera: 'gate-1', id: 'm2', time: NINE + 2 * S, type: 'manual', source: 'operator-7' });
  await catalogue.putMark({ camera: 'gate-1', id: 'm0', time: T0 - S, type: 'motion' });
  // gate-2: 320x240 for 10 s, then 640x360 for 4 s straight after (a new init segment).
  await recordSegments({ catalogue, tier, camera: 'gate-2', start: EIGHT, packets: ten });
  await recordSegments({ catalogue, tier, camera: 'gate-2', start: EIGHT + 10 * S, packets: wide });
  // gate-3: three 2 s files, for damage tests; sub-cam: the sub stream only.
  gate3 = await recordSegments({ catalogue, tier, camera: 'gate-3', start: EIGHT, packets: ten.slice(0, 150), segmentFrames: 50 });
  await recordSegments({ catalogue, tier, camera: 'sub-cam', stream: 'sub', start: EIGHT, packets: ten.slice(0, 50) });
  playback = new Playback({ catalogue, tiers: [tier, { name: 'archive', root: join(dir, 'archive') }] });
});

afterAll(async () => {
  await catalogue?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Plays a range to a file; returns the file and the stream. */
async function playToFile(name: string, camera: string, from: number, to: number) {
  const stream = await playback.open(camera, from, to);
  const bytes = await collect(stream.chunks);
  const file = join(dir, name);
  await writeFile(file, bytes);
  return { file, stream, bytes };
}

/** Decode time and duration (track units) and sequence number of each fragment of an fMP4 file held in memory. */
function fragmentTimes(bytes: Buffer): { time: number; duration: number; sequence: number }[] {
  return scanFragments(bytes).fragments.map((f) => ({ time: f.baseDecodeTime, duration: f.duration, sequence: f.sequence }));
}

describe('Playback.timeline', () => {
  it('returns a day as two recorded spans (merging a 1 s hole), a catalogued gap, an unexplained hole and the marks', async () => {
    const day = await playback.timeline('gate-1', T0, T0 + 24 * H);
    expect(day.spans).toEqual([
      { start: EIGHT, end: EIGHT + 31 * S, streams: ['main'] },
      { start: NINE, end: NINE + 10 * S, streams: ['main'] },
    ]);
    expect(day.gaps).toEqual([
      { start: EIGHT + 31 * S, end: T0 + 8.5 * H, reason: 'no-signal' },
      { start: T0 + 8.5 * H, end: NINE },
    ]);
    expect(day.marks.map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(day.marks[0]).toMatchObject({ type: 'motion', end: EIGHT + 9 * S });
  });

  it('clips spans and gaps to the range and keeps a catalogued gap that is not between spans', async () => {
    const part = await playback.timeline('gate-1', EIGHT + 10 * S, T0 + 8.25 * H);
    expect(part.spans).toEqual([{ start: EIGHT + 10 * S, end: EIGHT + 31 * S, streams: ['main'] }]);
    expect(part.gaps).toEqual([{ start: EIGHT + 31 * S, end: T0 + 8.25 * H, reason: 'no-signal' }]);
    expect(part.marks).toEqual([]);
    const night = await playback.timeline('gate-1', T0 - 3 * H, T0);
    expect(night).toMatchObject({ spans: [], gaps: [{ start: T0 - 2 * H, end: T0 - H, reason: 'crash' }] });
  });

  it('filters by stream and rejects bad ranges', async () => {
    expect((await playback.timeline('sub-cam', T0, T0 + 24 * H, { stream: 'main' })).spans).toEqual([]);
    expect((await playback.timeline('sub-cam', T0, T0 + 24 * H)).spans).toEqual([{ start: EIGHT, end: EIGHT + 2 * S, streams: ['sub'] }]);
    for (const [from, to] of [[T0, T0], [T0 + S, T0], [T0, T0 + 7 * 24 * H + 1], [Number.NaN, T0]] as const) {
      await expect(playback.timeline('gate-1', from, to)).rejects.toSatisfy((err) => hasErrorCode(err, 'ARGUS_ERR_STORAGE_RANGE_INVALID'));
    }
    await expect(playback.timeline('gate-1', T0, T0 + 7 * 24 * H)).resolves.toBeTruthy();
  });
});

describe('Playback.open', () => {
  it('streams from the keyframe at or before `from` through the fragment covering `to`, across segment files', async () => {
    const { file, stream, bytes } = await playToFile('a.mp4', 'gate-1', EIGHT + 2.5 * S, EIGHT + 7.5 * S);
    expect(stream).toMatchObject({ camera: 'gate-1', stream: 'main', codec: 'h264', startTime: EIGHT + 2 * S, width: 320, height: 240 });
    expect(stream.mimeType).toMatch(/^video\/mp4; codecs="avc1\.42C0[0-9A-F]{2}"$/);
    expect(bytes.toString('latin1', 4, 8)).toBe('ftyp');
    // Fragments 2, 3, 4 of the first file and 5, 6, 7 of the second: 6 GOPs of 25 frames.
    const probe = await probeVideo(file);
    expect(probe).toMatchObject({ codec: 'h264', width: 320, height: 240, frames: 150 });
    expect(probe.duration).toBeCloseTo(6, 1);
    expect(await decodeFrames(file)).toBe(150);
    expect(stream.endTime).toBe(EIGHT + 8 * S);
    expect(stream.resumeAt).toBeUndefined();
    const times = fragmentTimes(bytes);
    expect(times.map((t) => t.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(times[0]?.time).toBe(0);
    for (let i = 1; i < times.length; i++) expect(times[i]?.time).toBe((times[i - 1]?.time ?? 0) + (times[i - 1]?.duration ?? 0));
  });

  it('joins recordings either side of a hole into one continuous timeline', async () => {
    const { file, bytes, stream } = await playToFile('hole.mp4', 'gate-1', EIGHT + 18 * S, EIGHT + 23 * S);
    expect(stream.startTime).toBe(EIGHT + 18 * S);
    expect((await probeVideo(file)).frames).toBe(100);
    const times = fragmentTimes(bytes);
    expect(times.map((t) => t.time)).toEqual([0, 90_000, 180_000, 270_000]);
  });

  it('starts at the first keyframe after `from` when `from` is in a hole, and at `from` exactly on a keyframe', async () => {
    const inHole = await playToFile('in-hole.mp4', 'gate-1', EIGHT + 20.5 * S, EIGHT + 22 * S);
    expect(inHole.stream.startTime).toBe(EIGHT + 21 * S);
    expect((await probeVideo(inHole.file)).frames).toBe(25);
    const exact = await playToFile('exact.mp4', 'gate-1', NINE + 3 * S, NINE + 4 * S);
    expect(exact.stream.startTime).toBe(NINE + 3 * S);
    expect((await probeVideo(exact.file)).frames).toBe(25);
  });

  it('stops where the init segment changes and says where to resume; the rest opens with the new size', async () => {
    const first = await playToFile('before-change.mp4', 'gate-2', EIGHT, EIGHT + 14 * S);
    expect(first.stream.resumeAt).toBe(EIGHT + 10 * S);
    expect(first.stream.endTime).toBe(EIGHT + 10 * S);
    expect(await probeVideo(first.file)).toMatchObject({ width: 320, height: 240, frames: 250 });
    const rest = await playToFile('after-change.mp4', 'gate-2', first.stream.resumeAt ?? 0, EIGHT + 14 * S);
    expect(rest.stream).toMatchObject({ startTime: EIGHT + 10 * S, width: 640, height: 360 });
    expect(await probeVideo(rest.file)).toMatchObject({ width: 640, height: 360, frames: 100 });
    expect(rest.stream.resumeAt).toBeUndefined();
  });

  it('picks the sub stream when only it has footage, and honours an explicit stream', async () => {
    const sub = await playback.open('sub-cam', EIGHT, EIGHT + S);
    expect(sub.stream).toBe('sub');
    await expect(playback.open('sub-cam', EIGHT, EIGHT + S, { stream: 'main' })).rejects.toSatisfy((err) => hasErrorCode(err, 'ARGUS_ERR_STORAGE_NO_RECORDING'));
  });

  it('rejects bad ranges and ranges without recording with typed errors', async () => {
    const cases: [number, number, string][] = [
      [EIGHT, EIGHT, 'ARGUS_ERR_STORAGE_RANGE_INVALID'],
      [EIGHT + S, EIGHT, 'ARGUS_ERR_STORAGE_RANGE_INVALID'],
      [EIGHT, EIGHT + 24 * H + 1, 'ARGUS_ERR_STORAGE_RANGE_INVALID'],
      [T0 + 8.6 * H, T0 + 8.7 * H, 'ARGUS_ERR_STORAGE_NO_RECORDING'],
      [T0 + 20 * H, T0 + 21 * H, 'ARGUS_ERR_STORAGE_NO_RECORDING'],
    ];
    for (const [from, to, code] of cases) {
      await expect(playback.open('gate-1', from, to)).rejects.toSatisfy((err) => hasErrorCode(err, code as 'ARGUS_ERR_STORAGE_RANGE_INVALID'));
    }
    await expect(playback.open('nobody', EIGHT, EIGHT + H)).rejects.toSatisfy((err) => hasErrorCode(err, 'ARGUS_ERR_STORAGE_NO_RECORDING'));
  });

  it('fails with SEGMENT_DAMAGED for a missing first file, and from the stream for a truncated later file', async () => {
    const [one, two] = gate3;
    if (one === undefined || two === undefined) throw new Error('fixture');
    truncateSync(join(tier.root, two.record.file), (two.record.fragments[1]?.offset ?? 0) + 10);
    const stream = await playback.open('gate-3', EIGHT, EIGHT + 6 * S);
    const got: Uint8Array[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream.chunks) got.push(chunk);
      })(),
    ).rejects.toSatisfy((err) => hasErrorCode(err, 'ARGUS_ERR_STORAGE_SEGMENT_DAMAGED'));
    // The init, the first file's fragment and the second file's first fragment went out before the damage.
    expect(got.length).toBe(1 + 2 + 1);
    rmSync(join(tier.root, one.record.file));
    await expect(playback.open('gate-3', EIGHT, EIGHT + S)).rejects.toSatisfy((err) => hasErrorCode(err, 'ARGUS_ERR_STORAGE_SEGMENT_DAMAGED'));
  });

  it('fails with STORAGE_IO for a segment on a tier that is not configured', async () => {
    const [, , three] = gate3;
    if (three === undefined) throw new Error('fixture');
    await catalogue.putSegment({ ...three.record, tier: 'cold' });
    await expect(playback.open('gate-3', EIGHT + 4 * S, EIGHT + 5 * S)).rejects.toSatisfy((err) => hasErrorCode(err, 'ARGUS_ERR_STORAGE_IO'));
  });

  it('reports a fragment that is not a moof as SEGMENT_DAMAGED', async () => {
    const [, , three] = gate3;
    if (three === undefined) throw new Error('fixture');
    const moved = three.record.fragments.map((f) => ({ ...f, offset: f.offset + 4 }));
    await catalogue.putSegment({ ...three.record, fragments: moved, size: three.record.size + 4 });
    truncateSync(join(tier.root, three.record.file), three.record.size + 4);
    const stream = await playback.open('gate-3', EIGHT + 4 * S, EIGHT + 5 * S);
    await expect(collect(stream.chunks)).rejects.toSatisfy((err) => hasErrorCode(err, 'ARGUS_ERR_STORAGE_SEGMENT_DAMAGED'));
  });
});
