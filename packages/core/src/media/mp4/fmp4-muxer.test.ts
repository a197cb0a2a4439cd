import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../errors/argus-error.js';
import type { MediaPacket, TrackInfo } from '../../stream/media-packet.js';
import { buildAudioSpecificConfig, parseAdts } from '../codec/aac.js';
import { AnnexBAccessUnitReader } from '../codec/annexb.js';
import { BitReader, unescapeRbsp } from '../codec/bit-reader.js';
import { H264_NAL, h264NalType, isH264Vcl, parseH264Sps, type H264Sps } from '../codec/h264.js';
import { pickParameterSets, videoTrackFromParameterSets } from '../codec/track-info.js';
import { decodeWithFfmpeg, ffprobe, sampleMedia } from '../test-media.test-helper.js';
import { joinChunks } from './chunked-bytes.js';
import { codecsParam, Fmp4Muxer, type Fmp4Fragment } from './fmp4-muxer.js';

const dir = mkdtempSync(join(tmpdir(), 'argus-fmp4-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Source {
  track: TrackInfo;
  packets: MediaPacket[];
}

/** pic_order_cnt_lsb of an H.264 slice (POC type 0, progressive), to put B-frames back in display order. */
function pocLsb(sps: H264Sps, units: readonly Uint8Array[]): number {
  const slice = units.find((u) => isH264Vcl(h264NalType(u))) as Uint8Array;
  const reader = new BitReader(unescapeRbsp(slice), 'h264');
  reader.skipBits(8);
  reader.readUe();
  reader.readUe();
  reader.readUe();
  if (sps.separateColourPlane) reader.skipBits(2);
  reader.skipBits(sps.log2MaxFrameNum);
  if (h264NalType(slice) === H264_NAL.IDR) reader.readUe();
  return reader.readBits(sps.log2MaxPicOrderCntLsb);
}

/**
 * Video packets in decode order, dts = index * frame time. With B-frames (H.264, POC type 0), pts comes from the
 * picture order count, shifted by two frames so that pts >= dts: that exercises composition offsets.
 */
function videoSource(file: string, codec: 'h264' | 'h265', fps: number, reorder = false): Source {
  const reader = new AnnexBAccessUnitReader(codec);
  const bytes = new Uint8Array(readFileSync(file));
  const units = [...reader.process(bytes), ...reader.flush()];
  const first = units[0];
  if (first === undefined) throw new Error('no access units');
  const track = videoTrackFromParameterSets(codec, pickParameterSets(codec, first.units), 1);
  const step = 90_000 / fps;
  const sps = codec === 'h264' ? parseH264Sps(first.units.find((u) => h264NalType(u) === H264_NAL.SPS) as Uint8Array) : undefined;
  let gopStart = 0;
  const packets = units.map((au, i) => {
    if (au.keyframe) gopStart = i;
    if (!reorder || sps === undefined) return { track, pts: i * step, keyframe: au.keyframe, units: au.units };
    const pts = (gopStart + pocLsb(sps, au.units) / 2 + 2) * step;
    return { track, dts: i * step, pts, keyframe: au.keyframe, units: au.units };
  });
  if (reorder) expect(packets.some((p) => p.pts - (p.dts ?? p.pts) !== 2 * step)).toBe(true);
  return { track, packets };
}

function audioSource(file: string): Source {
  const frames = parseAdts(new Uint8Array(readFileSync(file)));
  const head = frames[0];
  if (head === undefined) throw new Error('no ADTS frames');
  const track: TrackInfo = {
    id: 2,
    kind: 'audio',
    codec: 'aac',
    timescale: 48_000,
    sampleRate: head.sampleRate,
    channels: head.channels,
    config: buildAudioSpecificConfig(head),
  };
  return { track, packets: frames.map((f, i) => ({ track, pts: i * 1024, keyframe: true, units: [f.payload] })) };
}

/** Interleaves packets by time, as a camera delivers them. */
function interleave(...sources: Source[]): MediaPacket[] {
  const all = sources.flatMap((s) => s.packets);
  return all.sort((a, b) => (a.dts ?? a.pts) / a.track.timescale - (b.dts ?? b.pts) / b.track.timescale);
}

function mux(name: string, tracks: TrackInfo[], packets: MediaPacket[]): { file: string; muxer: Fmp4Muxer; fragments: Fmp4Fragment[] } {
  const muxer = new Fmp4Muxer(tracks);
  const fragments: Fmp4Fragment[] = [];
  for (const packet of packets) fragments.push(...muxer.process(packet));
  fragments.push(...muxer.flush());
  const file = join(dir, name);
  writeFileSync(file, Buffer.concat([muxer.initSegment(), ...fragments.flatMap((f) => f.chunks)]));
  return { file, muxer, fragments };
}

function findBox(data: Uint8Array, type: string): number {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).indexOf(type, 0, 'latin1');
}

const CASES = [
  { name: 'h264 baseline', codec: 'h264', width: 320, height: 240, bframes: false },
  { name: 'h264 main with B-frames at 1366x768', codec: 'h264', width: 1366, height: 768, bframes: true },
  { name: 'h265', codec: 'h265', width: 320, height: 240, bframes: false },
] as const;

describe('Fmp4Muxer on ffmpeg-made streams', () => {
  for (const c of CASES) {
    it(`muxes ${c.name} into a file ffprobe reads back frame for frame and ffmpeg decodes clean`, async () => {
      const fps = 25;
      const source = await sampleMedia({ codec: c.codec, seconds: 2, fps, width: c.width, height: c.height, gop: 10, bframes: c.bframes });
      const video = videoSource(source, c.codec, fps, c.bframes);
      const { file, muxer, fragments } = mux(`${c.codec}-${c.width}.mp4`, [video.track], video.packets);
      const sourceProbe = await ffprobe(source);
      const probe = await ffprobe(file);
      const stream = probe.streams[0];
      expect(stream?.codec_name).toBe(c.codec === 'h264' ? 'h264' : 'hevc');
      expect([stream?.width, stream?.height]).toEqual([c.width, c.height]);
      expect(stream?.nb_read_frames).toBe(sourceProbe.streams[0]?.nb_read_frames);
      expect(Math.abs(Number(probe.format.duration) - video.packets.length / fps)).toBeLessThanOrEqual(1 / fps + 1e-6);
      await expect(decodeWithFfmpeg(file)).resolves.toBe('');
      expect(fragments.length).toBe(Math.ceil(video.packets.length / 10));
      expect(muxer.toJSON()).toMatchObject({ fragments: fragments.length, samples: video.packets.length, dropped: 0 });
      expect(muxer.toJSON().bytes).toBe(fragments.reduce((n, f) => n + f.byteLength, 0));
    });
  }

  it('numbers MP4 tracks from 1 even when TrackInfo ids start at 0 (regression: track_ID 0 made files unreadable)', async () => {
    const source = await sampleMedia({ codec: 'h264', seconds: 1, fps: 25, gop: 10 });
    const video = videoSource(source, 'h264', 25);
    const track: TrackInfo = { ...video.track, id: 0 };
    const packets = video.packets.map((p) => ({ ...p, track }));
    const { file } = mux('track-id-0.mp4', [track], packets);
    const probe = await ffprobe(file);
    expect(probe.streams[0]).toMatchObject({ codec_name: 'h264', nb_read_frames: `${packets.length}` });
  });

  it('muxes H.264 + AAC into a file with both streams intact', async () => {
    const fps = 25;
    const video = videoSource(await sampleMedia({ codec: 'h264', seconds: 2, fps, gop: 25 }), 'h264', fps);
    const audioFile = await sampleMedia({ codec: 'aac', seconds: 2 });
    const audio = audioSource(audioFile);
    const { file } = mux('av.mp4', [video.track, audio.track], interleave(video, audio));
    const probe = await ffprobe(file);
    const byType = (t: string) => probe.streams.find((s) => s.codec_type === t);
    expect(byType('video')?.nb_read_frames).toBe(String(video.packets.length));
    expect(byType('audio')).toMatchObject({ codec_name: 'aac', sample_rate: '48000' });
    expect(Number(byType('audio')?.nb_read_frames)).toBe(audio.packets.length);
    await expect(decodeWithFfmpeg(file)).resolves.toBe('');
    const avc = parseH264Sps(pickParameterSets('h264', video.packets[0]?.units ?? [])[0] as Uint8Array).codecString;
    expect(avc).toMatch(/^avc1\.42C0[0-9A-F]{2}$/);
    expect(codecsParam([video.track, audio.track])).toBe(`video/mp4; codecs="${avc},mp4a.40.2"`);
  });

  it('cuts audio-only streams about every second', async () => {
    const audio = audioSource(await sampleMedia({ codec: 'aac', seconds: 3 }));
    const { file, fragments } = mux('audio.mp4', [audio.track], audio.packets);
    expect(fragments.length).toBeGreaterThanOrEqual(3);
    expect(fragments.length).toBeLessThanOrEqual(4);
    expect(Number((await ffprobe(file)).streams[0]?.nb_read_frames)).toBe(audio.packets.length);
    expect(codecsParam([audio.track])).toBe('audio/mp4; codecs="mp4a.40.2"');
  });

  it('writes an H.265 init segment with hvc1/hvcC that plays with its fragments', async () => {
    const video = videoSource(await sampleMedia({ codec: 'h265', seconds: 1, fps: 25, gop: 25 }), 'h265', 25);
    const muxer = new Fmp4Muxer([video.track]);
    const init = muxer.initSegment();
    expect(findBox(init, 'hvc1')).toBeGreaterThan(0);
    expect(findBox(init, 'hvcC')).toBeGreaterThan(0);
    expect(findBox(init, 'avc1')).toBe(-1);
    expect(muxer.mimeType).toMatch(/^video\/mp4; codecs="hvc1\.1\.6\.L\d+\.90"$/);
    const { file } = mux('hevc-init.mp4', [video.track], video.packets);
    await expect(decodeWithFfmpeg(file)).resolves.toBe('');
  });
});

describe('Fmp4Muxer contract', () => {
  const sps = Uint8Array.of(0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00, 0xa0, 0x3d, 0xa1, 0x00, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x03, 0x00, 0x32, 0x8f, 0x16, 0x2e, 0x48);
  const pps = Uint8Array.of(0x68, 0xce, 0x3c, 0x80);
  const track: TrackInfo = { id: 1, kind: 'video', codec: 'h264', timescale: 90_000, parameterSets: [sps, pps] };

  it('rejects packets of unknown tracks, missing parameter sets and unsupported codecs with typed errors', () => {
    const muxer = new Fmp4Muxer([track]);
    const stranger = { ...track, id: 9 };
    const errors: unknown[] = [];
    const attempt = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        errors.push(err);
      }
    };
    attempt(() => muxer.process({ track: stranger, pts: 0, keyframe: true, units: [Uint8Array.of(0x65, 0x88)] }));
    attempt(() => new Fmp4Muxer([{ ...track, parameterSets: [pps] }]));
    attempt(() => new Fmp4Muxer([{ id: 3, kind: 'audio', codec: 'pcma', timescale: 8000 }]));
    expect(hasErrorCode(errors[0], 'ARGUS_ERR_MEDIA_UNKNOWN_TRACK')).toBe(true);
    expect(hasErrorCode(errors[1], 'ARGUS_ERR_MEDIA_MISSING_PARAMETER_SETS')).toBe(true);
    expect(hasErrorCode(errors[2], 'ARGUS_ERR_MEDIA_UNSUPPORTED_CODEC')).toBe(true);
  });

  it('drops packets before the first keyframe, numbers fragments and writes composition offsets', () => {
    const muxer = new Fmp4Muxer([track]);
    const packet = (i: number, keyframe: boolean, cts = 0): MediaPacket => ({
      track,
      dts: i * 3000,
      pts: i * 3000 + cts,
      keyframe,
      units: [Uint8Array.of(0x09, 0xf0), keyframe ? Uint8Array.of(0x65, 0x88, 1) : Uint8Array.of(0x41, 0x9a, 2)],
    });
    expect(muxer.process(packet(0, false))).toEqual([]);
    const fragments: Fmp4Fragment[] = [];
    fragments.push(...muxer.process(packet(1, true)), ...muxer.process(packet(2, false, 6000)), ...muxer.process(packet(3, true)));
    fragments.push(...muxer.flush());
    expect(fragments.map((f) => [f.sequence, f.keyframe, f.startSeconds, f.durationSeconds])).toEqual([
      [1, true, 0, 6000 / 90_000],
      [2, true, 6000 / 90_000, 3000 / 90_000],
    ]);
    const out = fragments.map((f) => joinChunks(f.chunks));
    for (const [i, f] of fragments.entries()) expect(out[i]?.byteLength).toBe(f.byteLength);
    expect(out).toHaveLength(2);
    const first = Buffer.from(out[0] as Uint8Array);
    expect(first.readUInt32BE(first.indexOf('mfhd') + 8)).toBe(1);
    expect(Buffer.from(out[1] as Uint8Array).readUInt32BE(Buffer.from(out[1] as Uint8Array).indexOf('mfhd') + 8)).toBe(2);
    const trun = first.indexOf('trun');
    expect(first.readUInt32BE(trun + 4) & 0xfff).toBe(0xf01);
    expect(first.readUInt32BE(trun + 8)).toBe(2);
    // sample 2: duration 3000, size 4+3 (AUD dropped), non-sync flags, cts 6000
    expect([first.readUInt32BE(trun + 32), first.readUInt32BE(trun + 36), first.readUInt32BE(trun + 40), first.readUInt32BE(trun + 44)]).toEqual([
      3000, 7, 0x01010000, 6000,
    ]);
    const second = Buffer.from(out[1] as Uint8Array);
    expect(second.readUInt32BE(second.indexOf('tfdt') + 8) * 2 ** 32 + second.readUInt32BE(second.indexOf('tfdt') + 12)).toBe(6000);
    expect(muxer.toJSON()).toMatchObject({ fragments: 2, samples: 3, dropped: 1 });
  });
});
