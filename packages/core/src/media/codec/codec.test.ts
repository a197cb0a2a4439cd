import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../errors/argus-error.js';
import { ffprobe, sampleMedia } from '../test-media.test-helper.js';
import { AAC_SAMPLE_RATES, buildAudioSpecificConfig, parseAdts, parseAudioSpecificConfig } from './aac.js';
import { AnnexBAccessUnitReader, fromLengthPrefixed, joinAnnexB, splitAnnexB, toLengthPrefixed, type AccessUnit } from './annexb.js';
import { BitReader, unescapeRbsp } from './bit-reader.js';
import { H264_NAL, h264NalType, isH264Keyframe, parseH264Sps } from './h264.js';
import { H265_NAL, h265NalType, isH265Keyframe, parseH265Sps } from './h265.js';
import { pickParameterSets, videoTrackFromParameterSets } from './track-info.js';

const SDP_DIR = fileURLToPath(new URL('../../../../../../shared/fixtures/rtsp/sdp/', import.meta.url));

function readAll(file: string, codec: 'h264' | 'h265', chunk = 4096): AccessUnit[] {
  const bytes = new Uint8Array(readFileSync(file));
  const reader = new AnnexBAccessUnitReader(codec);
  const units: AccessUnit[] = [];
  for (let i = 0; i < bytes.length; i += chunk) units.push(...reader.process(bytes.subarray(i, i + chunk)));
  units.push(...reader.flush());
  return units;
}

function fps(rate: string | undefined): number {
  const [n, d] = (rate ?? '0/1').split('/').map(Number);
  return (n ?? 0) / (d ?? 1);
}

describe('BitReader', () => {
  it('reads bits and Exp-Golomb codes MSB first', () => {
    // 1 | 010 | 011 | 00100 | 00101 -> ue 0, 1, 2, 3, 4 ; then se from 011 = -1
    const reader = new BitReader(Uint8Array.of(0b10100110, 0b01000010, 0b10110000));
    expect([reader.readUe(), reader.readUe(), reader.readUe(), reader.readUe(), reader.readUe()]).toEqual([0, 1, 2, 3, 4]);
    expect(reader.readSe()).toBe(-1);
    expect(reader.bitsLeft).toBe(4);
  });

  it('throws a typed error when reading past the end', () => {
    const reader = new BitReader(Uint8Array.of(0xff), 'h264');
    reader.readBits(6);
    expect(() => reader.readBits(3)).toThrow(expect.objectContaining({ code: 'ARGUS_ERR_MEDIA_BITSTREAM' }));
    expect(() => new BitReader(Uint8Array.of(0, 0, 0, 0, 0)).readUe()).toThrow(expect.objectContaining({ code: 'ARGUS_ERR_MEDIA_BITSTREAM' }));
  });

  it('removes emulation-prevention bytes and copies nothing when there are none', () => {
    expect(Array.from(unescapeRbsp(Uint8Array.of(0x67, 0, 0, 3, 1, 0, 0, 3, 0, 0, 3)))).toEqual([0x67, 0, 0, 1, 0, 0, 0, 0]);
    const plain = Uint8Array.of(1, 2, 3, 0, 0, 1);
    expect(unescapeRbsp(plain)).toBe(plain);
  });
});

describe('Annex B', () => {
  it('splits 3- and 4-byte start codes and trailing zeros without copying', () => {
    const buf = Uint8Array.of(9, 0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 0, 0, 1, 0x65, 4, 0, 0);
    const units = splitAnnexB(buf);
    expect(units.map((u) => Array.from(u))).toEqual([[0x67, 1, 2], [0x68, 3], [0x65, 4]]);
    expect(units[0]?.buffer).toBe(buf.buffer);
    expect(splitAnnexB(joinAnnexB(units)).map((u) => Array.from(u))).toEqual(units.map((u) => Array.from(u)));
  });

  it('round-trips length-prefixed units and rejects bad lengths with a typed error', () => {
    const units = [Uint8Array.of(0x67, 1), Uint8Array.of(0x65, 1, 2, 3)];
    for (const size of [1, 2, 4]) {
      expect(fromLengthPrefixed(toLengthPrefixed(units, size), size).map((u) => Array.from(u))).toEqual([[0x67, 1], [0x65, 1, 2, 3]]);
    }
    let caught: unknown;
    try {
      fromLengthPrefixed(Uint8Array.of(0, 0, 0, 9, 1, 2));
    } catch (err) {
      caught = err;
    }
    expect(hasErrorCode(caught, 'ARGUS_ERR_MEDIA_BITSTREAM')).toBe(true);
    expect(() => toLengthPrefixed(units, 3)).toThrow(RangeError);
  });

  it('groups AUD-less H.264 by first_mb_in_slice and attaches SPS/PPS/SEI to the next picture', () => {
    const sps = Uint8Array.of(0x67, 0x42);
    const pps = Uint8Array.of(0x68, 0xce);
    const sei = Uint8Array.of(0x06, 0x05);
    const idr = Uint8Array.of(0x65, 0x88); // first_mb_in_slice = 0
    const idr2 = Uint8Array.of(0x65, 0x40); // first_mb_in_slice = 1: same picture
    const p = Uint8Array.of(0x41, 0x9a);
    const stream = joinAnnexB([sps, pps, sei, idr, idr2, p, p, sps, pps, idr]);
    const reader = new AnnexBAccessUnitReader('h264');
    const out: AccessUnit[] = [];
    for (const byte of stream) out.push(...reader.process(Uint8Array.of(byte)));
    out.push(...reader.flush());
    expect(out.map((au) => au.units.map((u) => u[0]))).toEqual([[0x67, 0x68, 0x06, 0x65, 0x65], [0x41], [0x41], [0x67, 0x68, 0x65]]);
    expect(out.map((au) => au.keyframe)).toEqual([true, false, false, true]);
    expect(reader.toJSON()).toMatchObject({ accessUnits: 4, keyframes: 2, nalUnits: 10 });
  });

  it('bounds its buffer with a typed error', () => {
    const reader = new AnnexBAccessUnitReader('h264', { maxAccessUnitBytes: 1000 });
    reader.process(Uint8Array.of(0, 0, 1, 0x65, 0x88));
    expect(() => reader.process(new Uint8Array(2000).fill(7))).toThrow(expect.objectContaining({ code: 'ARGUS_ERR_MEDIA_ACCESS_UNIT_TOO_LARGE' }));
  });
});

const VIDEO_CASES = [
  { codec: 'h264', width: 320, height: 240, fps: 25, bframes: false, profile: 66 },
  { codec: 'h264', width: 1366, height: 768, fps: 30, bframes: true, profile: 77 },
  { codec: 'h265', width: 320, height: 240, fps: 25, bframes: false, profile: 1 },
  { codec: 'h265', width: 1366, height: 768, fps: 30, bframes: true, profile: 1 },
] as const;

describe('SPS parsing and access units on ffmpeg-made streams', () => {
  for (const c of VIDEO_CASES) {
    it(`${c.codec} ${c.width}x${c.height}${c.bframes ? ' with B-frames' : ''} matches ffprobe`, async () => {
      const file = await sampleMedia({ codec: c.codec, seconds: 1, fps: c.fps, width: c.width, height: c.height, gop: 10, bframes: c.bframes });
      const probe = await ffprobe(file);
      const stream = probe.streams[0];
      const units = readAll(file, c.codec, 1000);
      expect(units.length).toBe(Number(stream?.nb_read_frames));
      expect(units.filter((au) => au.keyframe).length).toBe(Math.ceil(units.length / 10));
      const first = units[0] as AccessUnit;
      expect(first.keyframe).toBe(true);
      expect(c.codec === 'h264' ? isH264Keyframe(first.units) : isH265Keyframe(first.units)).toBe(true);
      expect(c.codec === 'h264' ? isH264Keyframe(units[1]?.units ?? []) : isH265Keyframe(units[1]?.units ?? [])).toBe(false);
      const track = videoTrackFromParameterSets(c.codec, pickParameterSets(c.codec, first.units), 1);
      expect([track.width, track.height]).toEqual([stream?.width, stream?.height]);
      // ffprobe reports a raw H.264 stream's tick rate (time_scale / num_units_in_tick: twice the frame rate).
      expect(track.fps).toBe(c.codec === 'h264' ? fps(stream?.r_frame_rate) / 2 : fps(stream?.r_frame_rate));
      expect(track.fps).toBe(c.fps);
      if (c.codec === 'h264') {
        const sps = parseH264Sps(first.units.find((u) => h264NalType(u) === H264_NAL.SPS) as Uint8Array);
        expect(sps.profileIdc).toBe(c.profile);
        expect(sps.codecString).toMatch(/^avc1\.[0-9A-F]{6}$/);
      } else {
        const sps = parseH265Sps(first.units.find((u) => h265NalType(u) === H265_NAL.SPS) as Uint8Array);
        expect(sps.profileIdc).toBe(c.profile);
        expect(sps.bitDepthLuma).toBe(8);
        expect(sps.chromaFormatIdc).toBe(1);
        expect(sps.codecString).toBe(`hvc1.1.6.L${sps.levelIdc}.90`);
      }
    });
  }

  it('gives the same access units whatever the chunk size', async () => {
    const file = await sampleMedia({ codec: 'h264', seconds: 1, fps: 25, width: 320, height: 240, gop: 10 });
    const sizes = (list: AccessUnit[]) => list.map((au) => au.units.reduce((n, u) => n + u.length, 0));
    expect(sizes(readAll(file, 'h264', 7))).toEqual(sizes(readAll(file, 'h264', 1 << 20)));
  });

  it('rejects truncated and malformed SPSs with a typed error, never a RangeError', async () => {
    const file = await sampleMedia({ codec: 'h264', seconds: 1, fps: 25, width: 320, height: 240, gop: 10 });
    const sps = (readAll(file, 'h264')[0] as AccessUnit).units.find((u) => h264NalType(u) === H264_NAL.SPS) as Uint8Array;
    const file5 = await sampleMedia({ codec: 'h265', seconds: 1, fps: 25, width: 320, height: 240, gop: 10 });
    const sps5 = (readAll(file5, 'h265')[0] as AccessUnit).units.find((u) => h265NalType(u) === H265_NAL.SPS) as Uint8Array;
    const bad: [(nal: Uint8Array) => unknown, Uint8Array][] = [
      [parseH264Sps, sps.subarray(0, 5)],
      [parseH264Sps, Uint8Array.of(0x67)],
      [parseH264Sps, Uint8Array.of(0x68, 1, 2, 3)],
      [parseH264Sps, Uint8Array.of(0x67, 100, 0, 40, 0x80 | 0x3f, 0xff, 0xff, 0xff)],
      [parseH265Sps, sps5.subarray(0, 12)],
      [parseH265Sps, Uint8Array.of(0x42)],
      [parseH265Sps, new Uint8Array(0)],
    ];
    for (const [parse, nal] of bad) {
      let caught: unknown;
      try {
        parse(nal);
      } catch (err) {
        caught = err;
      }
      expect(hasErrorCode(caught, 'ARGUS_ERR_MEDIA_BITSTREAM'), String(caught)).toBe(true);
    }
    for (let cut = 1; cut < sps.length; cut++) {
      try {
        parseH264Sps(sps.subarray(0, cut));
      } catch (err) {
        expect(hasErrorCode(err, 'ARGUS_ERR_MEDIA_BITSTREAM')).toBe(true);
      }
    }
  });
});

describe.skipIf(!existsSync(SDP_DIR))('SPS/PPS from real camera SDPs', () => {
  if (!existsSync(SDP_DIR)) it.skip(`fixtures missing: ${SDP_DIR}`, () => undefined);

  it('decodes every sprop-parameter-sets to a plausible size, matching a declared one', () => {
    let parsed = 0;
    for (const name of readdirSync(SDP_DIR)) {
      const text = readFileSync(`${SDP_DIR}${name}`, 'utf8');
      const sprop = /sprop-parameter-sets=([^;\s]+)/.exec(text)?.[1];
      if (sprop === undefined) continue;
      const sets = sprop.split(',').map((b64) => new Uint8Array(Buffer.from(b64, 'base64')));
      const track = videoTrackFromParameterSets('h264', sets, 0);
      expect(track.width, name).toBeGreaterThanOrEqual(160);
      expect(track.height, name).toBeGreaterThanOrEqual(120);
      expect(track.width! % 8, name).toBe(0);
      const declared = /a=x-dimensions:(\d+),(\d+)/.exec(text);
      if (declared) expect([track.width, track.height], name).toEqual([Number(declared[1]), Number(declared[2])]);
      const profileLevelId = /profile-level-id=([0-9A-Fa-f]{6})/.exec(text)?.[1];
      if (profileLevelId !== undefined) expect(parseH264Sps(sets[0] as Uint8Array).profileIdc, name).toBeGreaterThan(0);
      parsed += 1;
    }
    expect(parsed).toBeGreaterThanOrEqual(7);
  });

  it('parses the Hikvision 3200x1800 main stream SPS exactly', () => {
    const text = readFileSync(`${SDP_DIR}hikvision_Media-Presentation_PCM-MEDIAINFO.sdp`, 'utf8');
    const sps = Buffer.from(/sprop-parameter-sets=([^,]+),/.exec(text)?.[1] ?? '', 'base64');
    expect(parseH264Sps(new Uint8Array(sps))).toMatchObject({ profileIdc: 100, levelIdc: 51, width: 3200, height: 1800, fps: 30, codecString: 'avc1.640033' });
  });
});

describe('AAC', () => {
  it('builds and parses AudioSpecificConfig, including an explicit sample rate', () => {
    expect(Array.from(buildAudioSpecificConfig({ objectType: 2, sampleRate: 48000, channels: 1 }))).toEqual([0x11, 0x88]);
    expect(parseAudioSpecificConfig(Uint8Array.of(0x15, 0x88))).toEqual({ objectType: 2, sampleRate: 8000, channels: 1 });
    expect(parseAudioSpecificConfig(Uint8Array.of(0x14, 0x08))).toEqual({ objectType: 2, sampleRate: 16000, channels: 1 });
    const odd = buildAudioSpecificConfig({ objectType: 2, sampleRate: 50000, channels: 2 });
    expect(parseAudioSpecificConfig(odd)).toEqual({ objectType: 2, sampleRate: 50000, channels: 2 });
    expect(AAC_SAMPLE_RATES[3]).toBe(48000);
    expect(() => parseAudioSpecificConfig(Uint8Array.of(0x10))).toThrow(expect.objectContaining({ code: 'ARGUS_ERR_MEDIA_BITSTREAM' }));
  });

  it('splits an ffmpeg ADTS stream into as many frames as ffprobe counts', async () => {
    const file = await sampleMedia({ codec: 'aac', seconds: 1 });
    const bytes = new Uint8Array(readFileSync(file));
    const frames = parseAdts(bytes);
    const probe = await ffprobe(file);
    expect(frames.length).toBe(Number(probe.streams[0]?.nb_read_frames));
    expect(frames[0]).toMatchObject({ objectType: 2, sampleRate: 48000, channels: 1 });
    expect(() => parseAdts(bytes.subarray(0, bytes.length - 3))).toThrow(expect.objectContaining({ code: 'ARGUS_ERR_MEDIA_BITSTREAM' }));
    expect(() => parseAdts(bytes.subarray(1))).toThrow(expect.objectContaining({ code: 'ARGUS_ERR_MEDIA_BITSTREAM' }));
  });
});
