import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus, ManualClock, type ArgusEvent, type MediaPacket } from '@argus/core';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalogue } from '../catalogue/catalogue.js';
import type { SegmentRecord } from '../catalogue/records.js';
import { segmentFilePath } from './segment-file-path.js';
import { SegmentWriter, type SegmentWriterOptions } from './segment-writer.js';
import type { StorageTier } from './storage-tier.js';
import {
  aacSample,
  decodeWithFfmpeg,
  fakeDisk,
  ffprobe,
  h264Sample,
  interleave,
  readAacPackets,
  readH264Packets,
  videoFrames,
} from './writer-media.test-helper.js';

const T0 = Date.parse('2026-11-21T08:00:00.000Z');
const FRAME_MS = 40;
const root = mkdtempSync(join(tmpdir(), 'argus-writer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dir: string;
let tier: StorageTier;
let catalogue: Catalogue;
let clock: ManualClock;
let bus: EventBus;
let events: ArgusEvent[];

beforeEach(async () => {
  dir = mkdtempSync(join(root, 'case-'));
  tier = { name: 'fast', root: join(dir, 'fast') };
  catalogue = await Catalogue.open(join(dir, 'catalogue'));
  clock = new ManualClock(T0);
  bus = new EventBus({ clock });
  events = [];
  bus.subscribe('*', (e) => events.push(e));
});

afterEach(async () => {
  await catalogue.close();
});

function writer(options: Partial<SegmentWriterOptions> = {}): SegmentWriter {
  return new SegmentWriter({ camera: 'gate/1', stream: 'main', catalogue, tier, clock, bus, segmentSeconds: 2, ...options });
}

/** Feeds packets as a camera would: serially, the clock moving one frame per video packet. */
async function feed(target: SegmentWriter, packets: readonly MediaPacket[]): Promise<void> {
  for (const packet of packets) {
    await target.write(packet);
    if (packet.track.kind === 'video') clock.advance(FRAME_MS);
  }
}

async function allSegments(): Promise<SegmentRecord[]> {
  return catalogue.segments('gate/1', 0, Number.MAX_SAFE_INTEGER);
}

/** Checks a catalogued segment against its file: size, moof at every offset, contiguous times; and ffprobe/ffmpeg. */
async function checkSegment(segment: SegmentRecord): Promise<number> {
  const path = join(tier.root, ...segment.file.split('/'));
  const bytes = readFileSync(path);
  expect(segment.complete).toBe(true);
  expect(statSync(path).size).toBe(segment.size);
  expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
  let expected = segment.initSize;
  let time = segment.start;
  for (const fragment of segment.fragments) {
    expect(fragment.offset).toBe(expected);
    expect(bytes.subarray(fragment.offset + 4, fragment.offset + 8).toString('latin1')).toBe('moof');
    expect(Math.abs(fragment.time - time)).toBeLessThanOrEqual(1);
    expected += fragment.size;
    time = fragment.time + fragment.duration;
  }
  expect(expected).toBe(segment.size);
  expect(segment.end).toBe(time);
  expect(await decodeWithFfmpeg(path)).toBe('');
  return videoFrames(path);
}

describe('SegmentWriter', () => {
  it('rotates files at the first keyframe after segmentSeconds, in the dated layout, each one playable', async () => {
    const file = await h264Sample({ seconds: 6, gop: 25 });
    const { packets } = readH264Packets(file);
    const w = writer();
    await feed(w, packets);
    expect(w.stats().currentFile).toBe(segmentFilePath('gate/1', 'main', T0 + 4000));
    await w.close();

    const segments = await allSegments();
    expect(segments.map((s) => s.start)).toEqual([T0, T0 + 2000, T0 + 4000]);
    expect(segments.map((s) => s.file)).toEqual(['gate%2F1/2026-11-21/080000-000-main.mp4', 'gate%2F1/2026-11-21/080002-000-main.mp4', 'gate%2F1/2026-11-21/080004-000-main.mp4']);
    expect(segments.map((s) => s.end)).toEqual([T0 + 2000, T0 + 4000, T0 + 6000]);
    expect(segments.every((s) => s.fragments.length === 2 && s.codec === 'h264' && s.width === 320 && s.height === 240)).toBe(true);
    let frames = 0;
    for (const segment of segments) frames += await checkSegment(segment);
    expect(frames).toBe(packets.length);
    expect(await catalogue.openSegments()).toEqual([]);
    const closed = events.filter((e) => e.type === 'segmentClosed').map((e) => e.payload);
    expect(closed).toEqual(segments.map((s) => ({ camera: 'gate/1', file: s.file, tier: 'fast', start: s.start, end: s.end, bytes: s.size })));
    expect(w.stats()).toMatchObject({ segments: 3, fragments: 6, droppedFragments: 0, currentFile: undefined });
  });

  it('lists each fragment in the catalogue as soon as it is on disk, while the segment is still open', async () => {
    const { packets } = readH264Packets(await h264Sample({ seconds: 6, gop: 25 }));
    const w = writer({ segmentSeconds: 60 });
    await feed(w, packets.slice(0, 76));
    const [open] = await catalogue.openSegments();
    expect(open).toMatchObject({ complete: false, start: T0, end: T0 + 3000 });
    expect(open?.fragments).toHaveLength(3);
    const path = join(tier.root, ...(open?.file ?? '').split('/'));
    expect(statSync(path).size).toBe(open?.size);
    await w.close();
  });

  it('starts a new file when the video parameters change, so that each file has the right init segment', async () => {
    const small = readH264Packets(await h264Sample({ seconds: 2, gop: 25 }));
    const large = readH264Packets(await h264Sample({ seconds: 2, gop: 25, width: 640, height: 360 }));
    const step = 90_000 / 25;
    const w = writer({ segmentSeconds: 60 });
    await feed(w, small.packets);
    await feed(w, large.packets.map((p) => ({ ...p, pts: p.pts + small.packets.length * step })));
    await w.close();
    const segments = await allSegments();
    expect(segments.map((s) => [s.width, s.height])).toEqual([[320, 240], [640, 360]]);
    expect(segments[1]?.start).toBe(T0 + 2000);
    for (const segment of segments) {
      expect(await checkSegment(segment)).toBe(50);
      const report = await ffprobe(join(tier.root, segment.file));
      expect(report.streams[0]?.width).toBe(segment.width);
    }
  });

  it('records audio with the video when the camera sends it', async () => {
    const video = readH264Packets(await h264Sample({ seconds: 3, gop: 25 }));
    const audio = readAacPackets(await aacSample(3));
    const w = writer({ segmentSeconds: 60 });
    // The audio track is known before the first keyframe: the first packet of the session is an audio frame.
    await feed(w, interleave(audio.packets, video.packets));
    await w.close();
    const [segment] = await allSegments();
    expect(segment).toBeDefined();
    const path = join(tier.root, segment?.file ?? '');
    const report = await ffprobe(path);
    expect(report.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(await decodeWithFfmpeg(path)).toBe('');
  });

  it('survives a full disk: alarm, a disk-full gap for the dropped fragments, and recording resumes once space frees', async () => {
    const { packets } = readH264Packets(await h264Sample({ seconds: 8, gop: 25 }));
    const disk = fakeDisk(Infinity);
    const w = writer({ segmentSeconds: 60, openFile: disk.open });
    await feed(w, packets.slice(0, 76)); // init + 3 fragments on disk, the 4th GOP in the muxer
    disk.free = 1000; // less than one fragment: the next write lands partly, then ENOSPC
    await feed(w, packets.slice(76, 126)); // fragments of seconds 3 and 4 dropped
    expect(events.filter((e) => e.type === 'storageAlarmRaised').map((e) => e.payload)).toEqual([
      { kind: 'disk-full', camera: 'gate/1', path: expect.stringContaining('080000-000-main.mp4'), message: expect.stringContaining('ENOSPC') },
    ]);
    disk.free = Infinity;
    await feed(w, packets.slice(126));
    await w.close();

    expect(events.filter((e) => e.type === 'storageAlarmCleared').map((e) => e.payload)).toEqual([
      { kind: 'disk-full', camera: 'gate/1', path: expect.stringContaining('080000-000-main.mp4') },
    ]);
    expect(w.stats()).toMatchObject({ droppedFragments: 2, fragments: 6 });
    expect(await catalogue.gaps('gate/1', 0, Number.MAX_SAFE_INTEGER)).toEqual([{ camera: 'gate/1', start: T0 + 3000, end: T0 + 5000, reason: 'disk-full' }]);
    const [segment] = await allSegments();
    expect(segment?.fragments.map((f) => f.time)).toEqual([0, 1000, 2000, 5000, 6000, 7000].map((ms) => T0 + ms));
    // The torn bytes of the failed writes were cut: the file is the catalogued fragments and nothing else.
    expect(await checkSegmentWithHole(segment)).toBe(150);
  });

  it('cuts the torn bytes of a dropped last fragment off the file before closing it', async () => {
    const { packets } = readH264Packets(await h264Sample({ seconds: 4, gop: 25 }));
    const disk = fakeDisk(Infinity);
    const w = writer({ segmentSeconds: 60, openFile: disk.open });
    await feed(w, packets);
    disk.free = 2000;
    await expect(w.close()).resolves.toBeUndefined();
    const [segment] = await allSegments();
    expect(segment?.fragments).toHaveLength(3);
    expect(await checkSegment(segment as SegmentRecord)).toBe(75);
    expect(await catalogue.gaps('gate/1', 0, Number.MAX_SAFE_INTEGER)).toEqual([{ camera: 'gate/1', start: T0 + 3000, end: T0 + 4000, reason: 'disk-full' }]);
  });

  it('keeps trying to start a segment while the disk is full, and resumes at the first keyframe with space', async () => {
    const { packets } = readH264Packets(await h264Sample({ seconds: 6, gop: 25 }));
    const disk = fakeDisk(Infinity);
    const w = writer({ openFile: disk.open });
    await feed(w, packets.slice(0, 26));
    disk.free = 0; // from here nothing lands: the fragment [1 s, 2 s) and the next segment's init fail
    await feed(w, packets.slice(26, 100));
    expect(w.stats()).toMatchObject({ currentFile: undefined, droppedFragments: 1 });
    disk.free = Infinity;
    await feed(w, packets.slice(100));
    await w.close();
    const segments = await allSegments();
    expect(segments.map((s) => [s.start, s.end])).toEqual([
      [T0, T0 + 1000],
      [T0 + 4000, T0 + 6000],
    ]);
    expect(await catalogue.gaps('gate/1', 0, Number.MAX_SAFE_INTEGER)).toEqual([{ camera: 'gate/1', start: T0 + 1000, end: T0 + 4000, reason: 'disk-full' }]);
    expect(events.map((e) => e.type).filter((t) => t.startsWith('storageAlarm'))).toEqual(['storageAlarmRaised', 'storageAlarmCleared']);
    for (const segment of segments) await checkSegment(segment);
  });

  it('asks freeSpace to make room and retries once, losing nothing when that works', async () => {
    const { packets } = readH264Packets(await h264Sample({ seconds: 4, gop: 25 }));
    const disk = fakeDisk(Infinity);
    let calls = 0;
    const w = writer({
      segmentSeconds: 60,
      openFile: disk.open,
      freeSpace: async () => {
        calls += 1;
        disk.free = Infinity;
      },
    });
    await feed(w, packets.slice(0, 51));
    disk.free = 10;
    await feed(w, packets.slice(51));
    await w.close();
    expect(calls).toBe(1);
    expect(w.stats()).toMatchObject({ droppedFragments: 0, fragments: 4 });
    expect(events.map((e) => e.type).filter((t) => t.startsWith('storageAlarm'))).toEqual(['storageAlarmRaised', 'storageAlarmCleared']);
    const [segment] = await allSegments();
    expect(await checkSegment(segment as SegmentRecord)).toBe(100);
  });

  it('closes the segment on another write error and starts a new one from the keyframe, with a write-error gap', async () => {
    const { packets } = readH264Packets(await h264Sample({ seconds: 4, gop: 25 }));
    const disk = fakeDisk(Infinity);
    const w = writer({ segmentSeconds: 60, openFile: disk.open });
    await feed(w, packets.slice(0, 50));
    disk.failNextWith = 'EIO';
    await feed(w, packets.slice(50));
    await w.close();
    const raised = events.filter((e) => e.type === 'storageAlarmRaised').map((e) => e.payload);
    expect(raised).toEqual([expect.objectContaining({ kind: 'write-failed', camera: 'gate/1' })]);
    const segments = await allSegments();
    expect(segments.map((s) => [s.start, s.end])).toEqual([
      [T0, T0 + 1000],
      [T0 + 2000, T0 + 4000],
    ]);
    expect(await catalogue.gaps('gate/1', 0, Number.MAX_SAFE_INTEGER)).toEqual([{ camera: 'gate/1', start: T0 + 1000, end: T0 + 2000, reason: 'write-error' }]);
    for (const segment of segments) await checkSegment(segment);
  });

  it('never rejects when no file can be created at all, and raises write-failed', async () => {
    writeFileSync(join(dir, 'not-a-folder'), '');
    const { packets } = readH264Packets(await h264Sample({ seconds: 2, gop: 25 }));
    const w = writer({ tier: { name: 'fast', root: join(dir, 'not-a-folder') } });
    await expect(feed(w, packets)).resolves.toBeUndefined();
    await w.close();
    expect(events.filter((e) => e.type === 'storageAlarmRaised').map((e) => e.payload)).toEqual([expect.objectContaining({ kind: 'write-failed' })]);
    expect(w.stats()).toMatchObject({ fragments: 0, droppedPackets: packets.length });
    expect(await allSegments()).toEqual([]);
  });

  it('ends the segment when the camera falls silent and records a no-signal gap for the hole', async () => {
    const { packets } = readH264Packets(await h264Sample({ seconds: 4, gop: 25 }));
    const w = writer({ segmentSeconds: 60 });
    await feed(w, packets.slice(0, 50));
    clock.advance(20_000); // nothing arrives for 20 s; the camera's timestamps go on where they were
    await feed(w, packets.slice(50));
    await w.close();
    const segments = await allSegments();
    const resumed = T0 + 50 * FRAME_MS + 20_000;
    expect(segments.map((s) => [s.start, s.end])).toEqual([
      [T0, T0 + 2000],
      [resumed, resumed + 2000],
    ]);
    expect(await catalogue.gaps('gate/1', 0, Number.MAX_SAFE_INTEGER)).toEqual([{ camera: 'gate/1', start: T0 + 2000, end: resumed, reason: 'no-signal' }]);
    for (const segment of segments) expect(await checkSegment(segment)).toBe(50);
  });

  it('uses the packets’ own wall-clock times when the source maps them', async () => {
    const { packets } = readH264Packets(await h264Sample({ seconds: 2, gop: 25 }));
    const base = Date.parse('2026-11-20T23:59:59.500Z');
    const w = writer({ segmentSeconds: 60 });
    await feed(w, packets.map((p, i) => ({ ...p, wallClock: base + i * FRAME_MS })));
    await w.close();
    const [segment] = await allSegments();
    expect(segment).toMatchObject({ start: base, end: base + 2000, file: 'gate%2F1/2026-11-20/235959-500-main.mp4' });
  });

  it('rejects misuse with RangeError', () => {
    expect(() => writer({ camera: '' })).toThrow(RangeError);
    expect(() => writer({ segmentSeconds: 0 })).toThrow(RangeError);
  });
});

/** Like checkSegment, but allowing a hole in the fragment times (dropped fragments). */
async function checkSegmentWithHole(segment: SegmentRecord | undefined): Promise<number> {
  if (segment === undefined) throw new Error('no segment');
  const path = join(tier.root, ...segment.file.split('/'));
  const bytes = readFileSync(path);
  expect(statSync(path).size).toBe(segment.size);
  let expected = segment.initSize;
  for (const fragment of segment.fragments) {
    expect(fragment.offset).toBe(expected);
    expect(bytes.subarray(fragment.offset + 4, fragment.offset + 8).toString('latin1')).toBe('moof');
    expected += fragment.size;
  }
  expect(expected).toBe(segment.size);
  expect(await decodeWithFfmpeg(path)).toBe('');
  return videoFrames(path);
}
