// LiveHlsPackager on arrays of real H.264/H.265 packets (encoded once by ffmpeg, cached), checked with ffprobe.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { concat, from, NEVER } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode, ManualClock, StreamHub, type MediaPacket, type TrackInfo } from '@argus/core';
import { AnnexBAccessUnitReader, ffmpegPath, ffprobePath, pickParameterSets, videoTrackFromParameterSets } from '@argus/core/media';
import { LiveHlsPackager, type LiveHlsSegment } from './hls-packager.js';

const run = promisify(execFile);
const CACHE = join(tmpdir(), 'argus-hls-test-media-v1');
const FPS = 10;
const STEP = 90_000 / FPS;
const T0 = Date.parse('2026-03-01T08:00:00.000Z');
const dir = mkdtempSync(join(tmpdir(), 'argus-hls-'));

interface Clip {
  codec: 'h264' | 'h265';
  track: TrackInfo;
  /** Access units in decode order (no B-frames), keyframe flags from the bitstream. */
  units: { keyframe: boolean; units: Uint8Array[] }[];
}

/** An Annex B test-pattern clip, 320x240 at 10 fps, a keyframe every `gop` frames; encoded once per machine. */
async function clip(codec: 'h264' | 'h265', seconds: number, gop: number, size = '320x240'): Promise<Clip> {
  mkdirSync(CACHE, { recursive: true });
  const file = join(CACHE, `${codec}-${seconds}s-g${gop}-${size}.${codec}`);
  if (!existsSync(file)) {
    const input = ['-f', 'lavfi', '-i', `testsrc=size=${size}:rate=${FPS}:duration=${seconds}`, '-pix_fmt', 'yuv420p'];
    const encode =
      codec === 'h264'
        ? ['-c:v', 'libx264', '-preset', 'veryfast', '-g', `${gop}`, '-keyint_min', `${gop}`, '-sc_threshold', '0', '-bf', '0', '-f', 'h264']
        : ['-c:v', 'libx265', '-preset', 'veryfast', '-x265-params', `keyint=${gop}:min-keyint=${gop}:scenecut=0:bframes=0:repeat-headers=1:log-level=error`, '-f', 'hevc'];
    const partial = `${file}.${process.pid}.part`;
    await run(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', ...input, ...encode, partial]);
    renameSync(partial, file);
  }
  const reader = new AnnexBAccessUnitReader(codec);
  const units = [...reader.process(new Uint8Array(readFileSync(file))), ...reader.flush()];
  const track = videoTrackFromParameterSets(codec, pickParameterSets(codec, units[0]!.units), 0);
  return { codec, track, units: units.map((au) => ({ keyframe: au.keyframe, units: au.units })) };
}

/** The clip as camera packets from frame `first`, on `track` (a new object models a new upstream connection). */
function packets(source: Clip, options: { first?: number; track?: TrackInfo; wallClock?: boolean } = {}): MediaPacket[] {
  const { first = 0, track = source.track, wallClock = true } = options;
  return source.units.map((au, i) => ({
    track,
    pts: (first + i) * STEP,
    keyframe: au.keyframe,
    units: au.units,
    ...(wallClock ? { wallClock: T0 + ((first + i) * 1000) / FPS } : {}),
  }));
}

function feed(packager: LiveHlsPackager, input: readonly MediaPacket[]): LiveHlsSegment[] {
  return input.flatMap((packet) => packager.process(packet));
}

/** The sample flags of the first sample of each `trun` (one per fragment) in a segment. */
function firstSampleFlags(segment: LiveHlsSegment): number[] {
  const bytes = Buffer.concat(segment.chunks.map((chunk) => Buffer.from(chunk)));
  const flags: number[] = [];
  for (let at = bytes.indexOf('trun'); at >= 0; at = bytes.indexOf('trun', at + 4)) {
    const trunFlags = bytes.readUInt32BE(at + 4) & 0xffffff;
    let offset = at + 12 + (trunFlags & 0x1 ? 4 : 0) + (trunFlags & 0x4 ? 4 : 0);
    if (trunFlags & 0x100) offset += 4;
    if (trunFlags & 0x200) offset += 4;
    flags.push(bytes.readUInt32BE(offset));
  }
  return flags;
}

const SYNC = 0x02000000;

async function probe(init: Uint8Array, segments: readonly LiveHlsSegment[], name: string): Promise<{ codec_name: string; width: number; height: number; nb_read_frames: string }> {
  const file = join(dir, name);
  writeFileSync(file, Buffer.concat([init, ...segments.flatMap((s) => s.chunks)]));
  const { stdout } = await run(ffprobePath(), ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_streams', '-of', 'json', file]);
  return (JSON.parse(stdout) as { streams: { codec_name: string; width: number; height: number; nb_read_frames: string }[] }).streams[0]!;
}

let h264: Clip;
let h264Long: Clip;
let h265: Clip;

beforeAll(async () => {
  [h264, h264Long, h265] = await Promise.all([clip('h264', 16, 10), clip('h264', 9, 30), clip('h265', 6, 10)]);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('LiveHlsPackager', () => {
  it('cuts 2 s segments of whole GOPs, each opening on a keyframe, that ffprobe decodes frame for frame', async () => {
    const packager = new LiveHlsPackager({ id: 'cam-1/main' });
    expect(packager.playlist()).toBeUndefined();
    const segments = feed(packager, packets(h264));
    expect(segments.length).toBe(7); // 16 s of 1 s GOPs: the 8th segment waits for a keyframe that never comes
    for (const segment of segments) {
      expect(segment.durationSeconds).toBeCloseTo(2, 6);
      expect(Buffer.from(segment.chunks[0]!).subarray(4, 8).toString()).toBe('moof');
      expect(firstSampleFlags(segment)).toEqual([SYNC, SYNC]);
    }
    expect(segments.map((s) => s.programDateTime)).toEqual(segments.map((_, i) => T0 + i * 2000));
    const last = packager.flush();
    expect(last.map((s) => s.durationSeconds)).toEqual([2]);

    const stream = await probe(packager.init()!, [...segments, ...last].slice(-6), 'h264.mp4');
    expect(stream).toMatchObject({ codec_name: 'h264', width: 320, height: 240 });
    expect(Number(stream.nb_read_frames)).toBe(6 * 2 * FPS);
    expect(packager.toJSON()).toMatchObject({ state: 'live', codec: expect.stringMatching(/^avc1\./), segments: 8, listed: 6, mediaSequence: 2, inits: 1 });
  });

  it('writes a version 7 media playlist over a sliding window, with the query on every URI', () => {
    const packager = new LiveHlsPackager({ id: 'cam-1/main', windowSegments: 3 });
    const input = packets(h264);
    feed(packager, input.slice(0, 61)); // three segments, the fourth begun
    const first = packager.playlist('profile=main&token=abc')!;
    expect(first.split('\n')).toEqual([
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-TARGETDURATION:2',
      '#EXT-X-MEDIA-SEQUENCE:0',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-MAP:URI="init-0.mp4?profile=main&token=abc"',
      '#EXT-X-PROGRAM-DATE-TIME:2026-03-01T08:00:00.000Z',
      '#EXTINF:2.000,',
      'seg-0.m4s?profile=main&token=abc',
      '#EXT-X-PROGRAM-DATE-TIME:2026-03-01T08:00:02.000Z',
      '#EXTINF:2.000,',
      'seg-1.m4s?profile=main&token=abc',
      '#EXT-X-PROGRAM-DATE-TIME:2026-03-01T08:00:04.000Z',
      '#EXTINF:2.000,',
      'seg-2.m4s?profile=main&token=abc',
      '',
    ]);
    feed(packager, input.slice(61, 121));
    const later = packager.playlist()!;
    expect(later).toContain('#EXT-X-MEDIA-SEQUENCE:3');
    expect(later.match(/^seg-\d+\.m4s$/gm)).toEqual(['seg-3.m4s', 'seg-4.m4s', 'seg-5.m4s']);
    // Just out of the window, a segment stays fetchable for a player that read the previous playlist.
    expect(packager.segment(2)?.sequence).toBe(2);
    feed(packager, input.slice(121));
    expect(packager.segment(1)).toBeUndefined(); // 7 segments made: the window of 3 and 2 more are held
    expect(packager.segment(99)).toBeUndefined();
  });

  it('makes a segment of one GOP when GOPs are longer than the segment length, and sizes the target duration to it', () => {
    const packager = new LiveHlsPackager({ id: 'cam-1/main' });
    const segments = feed(packager, packets(h264Long));
    expect(segments.map((s) => s.durationSeconds)).toEqual([3, 3]);
    expect(packager.playlist()).toContain('#EXT-X-TARGETDURATION:3');
  });

  it('packages H.265 in an hvc1 sample entry', async () => {
    const packager = new LiveHlsPackager({ id: 'cam-2/main' });
    const segments = feed(packager, packets(h265));
    const init = Buffer.from(packager.init()!);
    expect(init.includes('hvc1')).toBe(true);
    expect(init.includes('hvcC')).toBe(true);
    expect(packager.toJSON().codec).toMatch(/^hvc1\./);
    const stream = await probe(packager.init()!, segments, 'h265.mp4');
    expect(stream).toMatchObject({ codec_name: 'hevc', width: 320, height: 240 });
    expect(Number(stream.nb_read_frames)).toBe(segments.length * 2 * FPS);
  });

  it('marks a new connection as a discontinuity, with a new init segment only when the parameters changed', async () => {
    const packager = new LiveHlsPackager({ id: 'cam-1/main', windowSegments: 3 });
    feed(packager, packets(h264).slice(0, 45)); // two segments; the GOP from 4 s is cut short by the reconnection
    const reconnected = { ...h264.track };
    const after = feed(packager, packets(h264, { first: 1000, track: reconnected }).slice(0, 41));
    expect(after.map((s) => [s.sequence, s.init, s.discontinuity, s.durationSeconds])).toEqual([
      [2, 0, false, 0.5],
      [3, 0, true, 2],
      [4, 0, false, 2],
    ]);
    let playlist = packager.playlist()!;
    expect(playlist.match(/#EXT-X-DISCONTINUITY$/gm)).toHaveLength(1);
    expect(playlist.match(/#EXT-X-MAP/g)).toHaveLength(1);

    const hevc = feed(packager, packets(h265, { first: 5000 }).slice(0, 21));
    expect(hevc.map((s) => [s.sequence, s.init, s.discontinuity])).toEqual([
      [5, 0, false],
      [6, 1, true],
    ]);
    playlist = packager.playlist()!;
    expect(playlist).toContain('#EXT-X-MAP:URI="init-0.mp4"');
    expect(playlist).toContain('#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="init-1.mp4"');
    expect(Buffer.from(packager.init(1)!).includes('hvc1')).toBe(true);
    expect(packager.init()).toBe(packager.init(1));

    // The first discontinuity (before segment 3) has left the playlist: the discontinuity sequence counts it.
    expect(playlist).toContain('#EXT-X-MEDIA-SEQUENCE:4');
    expect(playlist).toContain('#EXT-X-DISCONTINUITY-SEQUENCE:1');
  });

  it('dates segments from arrival times when packets carry no wall clock', () => {
    const clock = new ManualClock(T0);
    const packager = new LiveHlsPackager({ id: 'cam-1/main', clock });
    const input = packets(h264, { wallClock: false });
    // The first GOP arrives at once (a hub's cached GOP) a second after its keyframe was taken; then live packets,
    // each 20 ms after it was taken.
    clock.set(T0 + 1000);
    const segments: LiveHlsSegment[] = [];
    input.forEach((packet, i) => {
      if (i >= 10) clock.set(T0 + i * 100 + 20);
      segments.push(...packager.process(packet));
    });
    expect(segments[0]!.programDateTime).toBe(T0 + 20);
    expect(segments[3]!.programDateTime).toBe(T0 + 6020);
  });

  it('holds at most maxBytes of segments, dropping the oldest but never the newest', () => {
    const size = feed(new LiveHlsPackager({ id: 'probe' }), packets(h264))[0]!.byteLength;
    const maxBytes = Math.floor(size * 2.5);
    const packager = new LiveHlsPackager({ id: 'cam-1/main', maxBytes });
    const segments = feed(packager, packets(h264));
    const held = segments.filter((segment) => packager.segment(segment.sequence) !== undefined);
    expect(held.at(-1)).toBe(segments.at(-1));
    expect(held.length).toBeGreaterThanOrEqual(2);
    expect(held.length).toBeLessThan(6);
    expect(held.reduce((sum, segment) => sum + segment.byteLength, 0)).toBeLessThanOrEqual(maxBytes);
    expect(packager.toJSON()).toMatchObject({ listed: held.length, mediaSequence: held[0]!.sequence });

    const tiny = new LiveHlsPackager({ id: 'cam-1/main', maxBytes: 1 });
    feed(tiny, packets(h264));
    expect(tiny.toJSON().listed).toBe(1);
  });

  it('cuts a GOP larger than maxSegmentBytes, drops its rest and keeps every segment opening on a keyframe', () => {
    const gop = feed(new LiveHlsPackager({ id: 'probe', segmentSeconds: 1 }), packets(h264))[1]!.byteLength;
    const packager = new LiveHlsPackager({ id: 'cam-1/main', segmentSeconds: 1, maxSegmentBytes: Math.floor(gop / 2) });
    const segments = feed(packager, packets(h264));
    expect(segments.length).toBeGreaterThan(5);
    for (const segment of segments) {
      expect(firstSampleFlags(segment)[0]).toBe(SYNC);
      expect(segment.durationSeconds).toBeLessThan(1);
    }
    expect(segments.slice(1).every((s) => s.discontinuity)).toBe(true);
    expect(packager.toJSON().droppedFragments).toBeGreaterThan(0);
  });

  it('continues the numbering of a packager whose stream ended', () => {
    const first = new LiveHlsPackager({ id: 'cam-1/main' });
    feed(first, packets(h264).slice(0, 41));
    first.close();
    const next = new LiveHlsPackager({ id: 'cam-1/main', continueAfter: first });
    const segments = feed(next, packets(h264, { track: { ...h264.track } }).slice(0, 41));
    expect(segments.map((s) => [s.sequence, s.init, s.discontinuity])).toEqual([
      [2, 1, true],
      [3, 1, false],
    ]);
    expect(next.playlist()).toContain('#EXT-X-MEDIA-SEQUENCE:2');
    expect(next.playlist()).not.toContain('#EXT-X-DISCONTINUITY-SEQUENCE');
  });

  it('lets a first request wait for a segment, and answers false on timeout or close', async () => {
    const packager = new LiveHlsPackager({ id: 'cam-1/main' });
    expect(await packager.waitForSegment(1)).toBe(false);
    const waiting = packager.waitForSegment(60_000);
    feed(packager, packets(h264).slice(0, 21));
    expect(await waiting).toBe(true);
    expect(await packager.waitForSegment(60_000)).toBe(true);

    const closed = new LiveHlsPackager({ id: 'cam-1/main' });
    const pending = closed.waitForSegment(60_000);
    closed.close();
    expect(await pending).toBe(false);
    expect(closed.state).toBe('closed');
    expect(closed.process(packets(h264)[0]!)).toEqual([]);
  });

  it('refuses bad options', () => {
    expect(() => new LiveHlsPackager({ id: '' })).toThrow(TypeError);
    expect(() => new LiveHlsPackager({ id: 'x', windowSegments: 0 })).toThrow(RangeError);
    expect(() => new LiveHlsPackager({ id: 'x', segmentSeconds: -1 })).toThrow(RangeError);
    expect(() => new LiveHlsPackager({ id: 'x', maxBytes: 1.5 })).toThrow(RangeError);
  });
});

describe('LiveHlsPackager attached to a hub', () => {
  it('packages what the hub delivers and ends when the hub closes', async () => {
    const hub = new StreamHub({ id: 'cam-1/main', cameraId: 'cam-1', upstream: () => concat(from(packets(h264).slice(0, 41)), NEVER) });
    const packager = new LiveHlsPackager({ id: hub.id });
    packager.attach(hub, 'hls:cam-1/main');
    expect(await packager.waitForSegment(30_000)).toBe(true);
    expect(packager.state).toBe('live');
    expect(hub.stats().attached.map((c) => [c.name, c.kind])).toEqual([['hls:cam-1/main', 'live']]);
    hub.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(packager.state).toBe('ended');
    expect(packager.playlist()).toContain('seg-1.m4s');
    packager.close();
    expect(hub.stats().attached).toEqual([]);
  });

  it('fails on video the muxer cannot take, with its error', async () => {
    const track: TrackInfo = { id: 0, kind: 'video', codec: 'mjpeg', timescale: 90_000, parameterSets: [new Uint8Array([1])] };
    const hub = new StreamHub({ id: 'cam-3/main', upstream: () => concat(from([{ track, pts: 0, keyframe: true, units: [new Uint8Array([0xff, 0xd8])] }]), NEVER) });
    const packager = new LiveHlsPackager({ id: hub.id });
    packager.attach(hub, 'hls:cam-3/main');
    expect(await packager.waitForSegment(30_000)).toBe(false);
    expect(packager.state).toBe('failed');
    expect(hasErrorCode(packager.error, 'ARGUS_ERR_MEDIA_UNSUPPORTED_CODEC')).toBe(true);
    hub.close();
  });
});
