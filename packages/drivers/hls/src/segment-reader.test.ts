import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasErrorCode } from '@argus/core';
import { H264_NAL, h264NalType } from '@argus/core/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegHls, ffmpegPackets, type FfmpegHls, type ProbedPacket } from './ffmpeg-hls.test-helper.js';
import { SegmentReader, segmentFormat, type SegmentPacket } from './segment-reader.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'argus-hls-reader-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function readAll(hls: FfmpegHls): Promise<{ packets: SegmentPacket[]; concatenated: string }> {
  const reader = new SegmentReader({ endpoint: 'http://127.0.0.1:1' });
  const init = hls.init === undefined ? undefined : new Uint8Array(await readFile(join(hls.dir, hls.init)));
  const parts: Uint8Array[] = init === undefined ? [] : [init];
  const packets: SegmentPacket[] = [];
  for (const name of hls.segments) {
    const bytes = new Uint8Array(await readFile(join(hls.dir, name)));
    expect(segmentFormat(bytes)).toBe(hls.format);
    parts.push(bytes);
    packets.push(...reader.read(bytes, init));
  }
  const concatenated = join(work, `all.${hls.format === 'ts' ? 'ts' : 'mp4'}`);
  await writeFile(concatenated, Buffer.concat(parts));
  return { packets, concatenated };
}

function relative(values: readonly number[]): number[] {
  const first = values[0] ?? 0;
  return values.map((v) => v - first);
}

/** Our packets of one kind against ffmpeg's: same count, same decode times and composition offsets, same keyframes. */
function compareWithFfmpeg(mine: readonly SegmentPacket[], probed: readonly ProbedPacket[], kind: 'video' | 'audio'): void {
  const ours = mine.filter((p) => p.track.kind === kind);
  const theirs = probed.filter((p) => p.stream === kind).sort((a, b) => a.dts - b.dts);
  expect(ours.length).toBe(theirs.length);
  expect(ours.length).toBeGreaterThan(0);
  const scale = (ours[0] as SegmentPacket).track.timescale / (theirs[0] as ProbedPacket).timeBase;
  expect(relative(ours.map((p) => p.dts))).toEqual(relative(theirs.map((p) => Math.round(p.dts * scale))));
  expect(ours.map((p) => p.pts - p.dts)).toEqual(theirs.map((p) => Math.round((p.pts - p.dts) * scale)));
  if (kind === 'video') expect(ours.map((p) => p.keyframe)).toEqual(theirs.map((p) => p.keyframe));
}

describe('SegmentReader on segments written by ffmpeg (H.264 with B-frames + AAC)', () => {
  it('MPEG-TS: every access unit with the PTS/DTS ffmpeg reads, keyframes, parameter sets, ADTS audio', async () => {
    const hls = await ffmpegHls('ts');
    const { packets, concatenated } = await readAll(hls);
    const probed = await ffmpegPackets(concatenated);
    compareWithFfmpeg(packets, probed, 'video');
    compareWithFfmpeg(packets, probed, 'audio');
    const audio = packets.filter((p) => p.track.kind === 'audio');
    expect(audio[0]?.track).toMatchObject({ codec: 'aac', sampleRate: 48000, channels: 1, timescale: 48000 });
    const video = packets.filter((p) => p.track.kind === 'video');
    expect(video.length).toBe(40);
    expect(video[0]?.keyframe).toBe(true);
    expect(video[0]?.track).toMatchObject({ codec: 'h264', width: 320, height: 240, timescale: 90000 });
    expect(video.filter((p) => p.keyframe).length).toBe(4);
    expect(video.some((p) => p.pts !== p.dts)).toBe(true);
    // One track object for the whole stream: parameters never changed.
    expect(new Set(video.map((p) => p.track)).size).toBe(1);
    for (const p of video) expect(p.units.every((u) => u.length > 0 && h264NalType(u) !== 0)).toBe(true);
  });

  it('fMP4: samples split into NAL units, avcC parameter sets, tfdt/trun times equal to what ffmpeg reads', async () => {
    const hls = await ffmpegHls('fmp4');
    const { packets, concatenated } = await readAll(hls);
    const probed = await ffmpegPackets(concatenated);
    compareWithFfmpeg(packets, probed, 'video');
    compareWithFfmpeg(packets, probed, 'audio');
    const video = packets.filter((p) => p.track.kind === 'video');
    expect(video.length).toBe(40);
    const sizes = video.map((p) => p.units.reduce((n, u) => n + 4 + u.length, 0));
    expect(sizes).toEqual(probed.filter((p) => p.stream === 'video').sort((a, b) => a.dts - b.dts).map((p) => p.size));
    const track = video[0]?.track;
    expect(track).toMatchObject({ codec: 'h264', width: 320, height: 240 });
    expect(track?.parameterSets?.map((s) => h264NalType(s))).toEqual([H264_NAL.SPS, H264_NAL.PPS]);
    const audio = packets.filter((p) => p.track.kind === 'audio');
    expect(audio[0]?.track).toMatchObject({ codec: 'aac', sampleRate: 48000, channels: 1 });
    expect(audio[0]?.track.config?.length).toBeGreaterThanOrEqual(2);
  });
});

describe('SegmentReader: bad segments -> ARGUS_ERR_DRIVER_PROTOCOL', () => {
  const reader = (): SegmentReader => new SegmentReader({ endpoint: 'http://127.0.0.1:1' });
  const protocol = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      expect(hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
      return (err as Error).message;
    }
    throw new Error('accepted a bad segment');
  };

  it('an HTML error page, JSON, or nothing', () => {
    expect(protocol(() => reader().read(new TextEncoder().encode('<html><body>Service Unavailable</body></html>')))).toMatch(/neither MPEG-TS nor fragmented MP4/);
    expect(protocol(() => reader().read(new Uint8Array(0)))).toMatch(/neither/);
  });

  it('a TS segment cut short, with junk, or without PAT/PMT', async () => {
    const hls = await ffmpegHls('ts');
    const bytes = new Uint8Array(await readFile(join(hls.dir, hls.segments[0] as string)));
    // Cut mid-PES: the reader returns what is complete and does not throw or hang.
    const cut = reader().read(bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect(cut.length).toBeGreaterThan(0);
    // Without its first two packets (ffmpeg writes SDT, then PAT) no program is known.
    expect(protocol(() => reader().read(bytes.subarray(188 * 2)))).toMatch(/PAT\/PMT/);
    // Junk in the middle: the demuxer resynchronises on 0x47.
    const junk = new Uint8Array(bytes.length + 100);
    junk.set(bytes.subarray(0, 188 * 10));
    junk.fill(0x11, 188 * 10, 188 * 10 + 100);
    junk.set(bytes.subarray(188 * 10), 188 * 10 + 100);
    expect(reader().read(junk).filter((p) => p.track.kind === 'video').length).toBeGreaterThan(0);
  });

  it('an fMP4 segment cut short, or without its init segment', async () => {
    const hls = await ffmpegHls('fmp4');
    const init = new Uint8Array(await readFile(join(hls.dir, hls.init as string)));
    const bytes = new Uint8Array(await readFile(join(hls.dir, hls.segments[0] as string)));
    expect(protocol(() => reader().read(bytes.subarray(0, Math.floor(bytes.length / 2)), init))).toMatch(/bad fMP4 segment/);
    expect(protocol(() => reader().read(bytes))).toMatch(/no "moov"/);
    expect(protocol(() => reader().read(bytes, init.subarray(0, 100)))).toMatch(/bad fMP4 init segment/);
  });
});
