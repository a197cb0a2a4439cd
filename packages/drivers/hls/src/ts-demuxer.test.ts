import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hasErrorCode } from '@argus/core';
import { describe, expect, it } from 'vitest';
import { crc32Mpeg2, TsSegmentMuxer } from './emulator/ts-segment-muxer.js';
import { ffmpegHls } from './ffmpeg-hls.test-helper.js';
import { SegmentReader } from './segment-reader.js';
import { TS_STREAM_TYPE, TsDemuxer, type TsPes } from './ts-demuxer.js';

async function firstSegment(): Promise<Uint8Array> {
  const ts = await ffmpegHls('ts', 4);
  return new Uint8Array(await readFile(join(ts.dir, ts.segments[0] as string)));
}

function summary(pes: readonly TsPes[]): string[] {
  return pes.map((p) => `${p.pid}/${p.streamType}/${p.pts}/${p.dts}/${p.data.length}/${Buffer.from(p.data.subarray(0, 8)).toString('hex')}`);
}

describe('TsDemuxer', () => {
  it('finds PAT, PMT and the H.264 and AAC streams of an ffmpeg segment; PES timestamps', async () => {
    const demuxer = new TsDemuxer();
    const pes = [...demuxer.process(await firstSegment()), ...demuxer.flush()];
    expect(demuxer.streams.map((s) => s.streamType).sort()).toEqual([TS_STREAM_TYPE.AAC, TS_STREAM_TYPE.H264].sort());
    const video = pes.filter((p) => p.streamType === TS_STREAM_TYPE.H264);
    expect(video).toHaveLength(10);
    expect(video.every((p) => p.pts !== undefined)).toBe(true);
    expect(video.some((p) => p.dts !== undefined && p.dts !== p.pts)).toBe(true);
    expect(demuxer.toJSON()).toMatchObject({ discontinuities: 0, resyncBytes: 0 });
  });

  it('gives the same PES packets whatever the chunking', async () => {
    const bytes = await firstSegment();
    const whole = new TsDemuxer();
    const expected = summary([...whole.process(bytes), ...whole.flush()]);
    const chunked = new TsDemuxer();
    const got: TsPes[] = [];
    for (let i = 0; i < bytes.length; i += 7) got.push(...chunked.process(bytes.subarray(i, i + 7)));
    got.push(...chunked.flush());
    expect(summary(got)).toEqual(expected);
  });

  it('counts a lost packet (continuity counter) and goes on', async () => {
    const bytes = await firstSegment();
    const lost = Buffer.concat([bytes.subarray(0, 188 * 20), bytes.subarray(188 * 21)]);
    const demuxer = new TsDemuxer();
    const pes = [...demuxer.process(lost), ...demuxer.flush()];
    expect(pes.length).toBeGreaterThan(10);
    expect(demuxer.toJSON().discontinuities).toBeGreaterThanOrEqual(1);
  });

  it('a payload_unit_start without a PES start code -> ARGUS_ERR_DRIVER_PROTOCOL', async () => {
    const bytes = Uint8Array.from(await firstSegment());
    const demuxer = new TsDemuxer({ endpoint: 'http://127.0.0.1:1' });
    demuxer.process(bytes);
    demuxer.flush();
    const videoPid = demuxer.streams.find((s) => s.streamType === TS_STREAM_TYPE.H264)?.pid as number;
    const packet = new Uint8Array(188).fill(0x55);
    packet.set([0x47, 0x40 | (videoPid >> 8), videoPid & 0xff, 0x10]);
    let error: unknown;
    try {
      demuxer.process(packet);
    } catch (err) {
      error = err;
    }
    expect(hasErrorCode(error, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    expect((error as Error).message).toMatch(/without a start code/);
  });
});

describe('TsSegmentMuxer (the emulator side)', () => {
  it('CRC-32/MPEG-2 check value', () => {
    expect(crc32Mpeg2(new TextEncoder().encode('123456789'))).toBe(0x0376e6e7);
  });

  it('what it writes reads back through the driver: same access units, timestamps and keyframes', async () => {
    const ts = await ffmpegHls('ts', 4);
    const reader = new SegmentReader();
    const source = (await Promise.all(ts.segments.map((name) => readFile(join(ts.dir, name))))).flatMap((b) => reader.read(new Uint8Array(b))).filter((p) => p.track.kind === 'video');
    const muxer = new TsSegmentMuxer();
    const packets = source.map((p) => ({ track: p.track, pts: p.pts, ...(p.dts === p.pts ? {} : { dts: p.dts }), keyframe: p.keyframe, units: p.units }));
    const bytes = [muxer.segment(packets.slice(0, 20)), muxer.segment(packets.slice(20))];
    expect(bytes.every((b) => b.length % 188 === 0)).toBe(true);
    const back = new SegmentReader();
    const read = bytes.flatMap((b) => back.read(b));
    expect(read.map((p) => [p.dts, p.pts, p.keyframe])).toEqual(source.map((p) => [p.dts, p.pts, p.keyframe]));
    expect(read[0]?.track).toMatchObject({ width: 320, height: 240 });
  });
});
