import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hasErrorCode, type MediaPacket } from '@argus/core';
import { Fmp4Muxer, H264_NAL, h264NalType, joinChunks } from '@argus/core/media';
import { describe, expect, it } from 'vitest';
import { ffmpegHls } from './ffmpeg-hls.test-helper.js';
import { Fmp4Demuxer, parseFmp4Init, type Fmp4Init, type Fmp4TrackInit } from './fmp4-demuxer.js';
import { SegmentReader } from './segment-reader.js';

function box(type: string, ...parts: Uint8Array[]): Uint8Array {
  const size = 8 + parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, size);
  out.set(new TextEncoder().encode(type), 4);
  let at = 8;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function u32(...values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  values.forEach((v, i) => new DataView(out.buffer).setUint32(i * 4, v >>> 0));
  return out;
}

const init: Fmp4Init = {
  tracks: [{ trackId: 7, kind: 'audio', codec: 'aac', timescale: 1000, lengthSize: 4, parameterSets: [], defaultDuration: 0, defaultSize: 0, defaultFlags: 0 }],
};

/** moof (tfhd with defaults: duration 20, size 3, flags; no tfdt; trun with only a data offset) + mdat. */
function fragment(samples: number, payload: number): Uint8Array {
  const tfhd = box('tfhd', u32(0x020038, 7, 20, 3, 0));
  const build = (offset: number): Uint8Array => box('moof', box('mfhd', u32(0, 1)), box('traf', tfhd, box('trun', u32(0x000001, samples, offset))));
  const moof = build(build(0).length + 8);
  const mdat = box('mdat', new Uint8Array(samples * 3).fill(payload));
  return Buffer.concat([moof, mdat]);
}

/** Byte offset of the tfhd track_ID in {@link fragment}: moof header, mfhd, traf header, tfhd header, version+flags. */
const TFHD_TRACK_ID = 8 + 16 + 8 + 8 + 4;

function protocolError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('accepted bad fMP4');
}

describe('Fmp4Demuxer', () => {
  it("reads back what the core's Fmp4Muxer wrote: NAL units, decode times, composition offsets, sync samples", async () => {
    const ts = await ffmpegHls('ts', 4);
    const reader = new SegmentReader();
    const source: MediaPacket[] = [];
    for (const name of ts.segments) {
      for (const p of reader.read(new Uint8Array(await readFile(join(ts.dir, name))))) {
        if (p.track.kind === 'video') source.push({ track: p.track, pts: p.pts, ...(p.pts === p.dts ? {} : { dts: p.dts }), keyframe: p.keyframe, units: p.units });
      }
    }
    const track = (source[0] as MediaPacket).track;
    const muxer = new Fmp4Muxer([track]);
    const fragments = [...source.flatMap((p) => muxer.process(p)), ...muxer.flush()];
    const parsed = parseFmp4Init(muxer.initSegment());
    expect(parsed.tracks).toHaveLength(1);
    expect(parsed.tracks[0]).toMatchObject({ trackId: 1, kind: 'video', codec: 'h264', timescale: 90000, lengthSize: 4, width: 320, height: 240 });
    expect(parsed.tracks[0]?.parameterSets).toEqual(track.parameterSets);
    const demuxer = new Fmp4Demuxer(parsed);
    // The muxer keeps AUDs and parameter sets out of the samples (they live in avcC).
    const outOfBand: number[] = [H264_NAL.AUD, H264_NAL.SPS, H264_NAL.PPS];
    const samples = fragments.flatMap((f) => demuxer.process(joinChunks(f.chunks)));
    expect(samples).toHaveLength(source.length);
    const first = (source[0] as MediaPacket).dts ?? (source[0] as MediaPacket).pts;
    samples.forEach((sample, i) => {
      const packet = source[i] as MediaPacket;
      const dts = packet.dts ?? packet.pts;
      expect(sample.dts).toBe(dts - first);
      expect(sample.cto).toBe(packet.pts - dts);
      expect(sample.sync).toBe(packet.keyframe);
      const units = demuxer.units(parsed.tracks[0] as Fmp4TrackInit, sample);
      const kept = packet.units.filter((u) => !outOfBand.includes(h264NalType(u)));
      expect(units.map((u) => Buffer.from(u).toString('hex'))).toEqual(kept.map((u) => Buffer.from(u).toString('hex')));
    });
    expect(demuxer.toJSON()).toEqual({ fragments: fragments.length, samples: source.length });
  });

  it('tfhd defaults, no tfdt (the decode time continues from the previous fragment), default-base-is-moof', () => {
    const demuxer = new Fmp4Demuxer(init);
    const a = demuxer.process(fragment(4, 0xaa));
    const b = demuxer.process(fragment(2, 0xbb));
    expect(a.map((s) => [s.dts, s.duration, s.data.length, s.sync])).toEqual([
      [0, 20, 3, true],
      [20, 20, 3, true],
      [40, 20, 3, true],
      [60, 20, 3, true],
    ]);
    expect(b.map((s) => s.dts)).toEqual([80, 100]);
    expect([...(b[0]?.data ?? [])]).toEqual([0xbb, 0xbb, 0xbb]);
  });

  it('bad input -> ARGUS_ERR_DRIVER_PROTOCOL, never a crash', () => {
    const demuxer = new Fmp4Demuxer(init, { endpoint: 'http://127.0.0.1:1' });
    expect(protocolError(() => demuxer.process(box('mdat', u32(1))))).toMatch(/no "moof"/);
    const good = fragment(4, 1);
    expect(protocolError(() => demuxer.process(good.subarray(0, good.length - 2)))).toMatch(/overruns|runs past/);
    const lying = Uint8Array.from(good);
    new DataView(lying.buffer).setUint32(0, 0xffffff);
    expect(protocolError(() => demuxer.process(lying))).toMatch(/overruns/);
    const otherTrack = Uint8Array.from(good);
    otherTrack.set(u32(8), TFHD_TRACK_ID);
    expect(protocolError(() => demuxer.process(otherTrack))).toMatch(/track 8/);
    expect(protocolError(() => parseFmp4Init(box('ftyp', u32(0))))).toMatch(/no "moov"/);
    expect(protocolError(() => parseFmp4Init(box('moov', box('trak', box('tkhd', u32(0))))))).toMatch(/truncated "tkhd"/);
    expect(protocolError(() => parseFmp4Init(new TextEncoder().encode('<html>not mp4</html>')))).toMatch(/not a box|overruns|truncated/);
  });
});
