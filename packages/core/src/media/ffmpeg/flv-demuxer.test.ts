import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../errors/argus-error.js';
import type { MediaPacket } from '../../stream/media-packet.js';
import { ffprobe, sampleMedia } from '../test-media.test-helper.js';
import { ffmpegPath } from './binaries.js';
import { FlvDemuxer } from './flv-demuxer.js';

const run = promisify(execFile);

function demuxInChunks(bytes: Uint8Array, seed: number): MediaPacket[] {
  const demuxer = new FlvDemuxer();
  const packets: MediaPacket[] = [];
  let state = seed;
  let offset = 0;
  while (offset < bytes.length) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const size = 1 + (state % 3000);
    packets.push(...demuxer.process(bytes.subarray(offset, offset + size)));
    offset += size;
  }
  demuxer.end();
  return packets;
}

describe('FlvDemuxer', () => {
  let dir: string;
  let flv: Uint8Array;
  let videoFrames: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'argus-flv-'));
    const video = await sampleMedia({ codec: 'h264', seconds: 2, gop: 10 });
    const audio = await sampleMedia({ codec: 'aac', seconds: 2 });
    const file = join(dir, 'sample.flv');
    await run(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', '-r', '25', '-f', 'h264', '-i', video, '-i', audio, '-c', 'copy', '-bsf:a', 'aac_adtstoasc', '-f', 'flv', file]);
    flv = new Uint8Array(readFileSync(file));
    const report = await ffprobe(file);
    videoFrames = Number(report.streams.find((stream) => stream.codec_type === 'video')?.nb_read_frames);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([1, 2, 3])('demuxes the same frames whatever the chunking (seed %i)', (seed) => {
    const packets = demuxInChunks(flv, seed);
    const video = packets.filter((packet) => packet.track.kind === 'video');
    const audio = packets.filter((packet) => packet.track.kind === 'audio');
    expect(videoFrames).toBe(50);
    expect(video).toHaveLength(videoFrames);
    expect(video.filter((packet) => packet.keyframe).map((packet) => video.indexOf(packet))).toEqual([0, 10, 20, 30, 40]);
    for (let i = 1; i < video.length; i++) expect(video[i]!.pts).toBeGreaterThan(video[i - 1]!.pts);
    expect(video[1]!.pts - video[0]!.pts).toBe(3600);
    const track = video[0]!.track;
    expect(track).toMatchObject({ id: 0, codec: 'h264', timescale: 90000, width: 320, height: 240 });
    expect(track.parameterSets?.map((set) => set[0]! & 0x1f)).toEqual([7, 8]);
    // An IDR access unit holds a slice of type 5.
    expect(video[0]!.units.some((unit) => (unit[0]! & 0x1f) === 5)).toBe(true);

    expect(audio.length).toBeGreaterThan(80);
    expect(audio[0]!.track).toMatchObject({ id: 1, codec: 'aac', timescale: 48000, sampleRate: 48000, channels: 1 });
    expect(audio[0]!.track.config?.byteLength).toBe(2);
    for (let i = 1; i < audio.length; i++) expect(audio[i]!.pts).toBeGreaterThan(audio[i - 1]!.pts);
  });

  it('unwraps 32-bit millisecond timestamps', () => {
    // Header + one AVC config tag at 0xFFFFFFF0 ms and NALU tags before and after the 2^32 wrap.
    const parts: number[][] = [[0x46, 0x4c, 0x56, 1, 1, 0, 0, 0, 9, 0, 0, 0, 0]];
    const tag = (ms: number, body: number[]): number[] => {
      const size = body.length;
      const header = [9, size >> 16, (size >> 8) & 0xff, size & 0xff, (ms >> 16) & 0xff, (ms >> 8) & 0xff, ms & 0xff, (ms >>> 24) & 0xff, 0, 0, 0];
      const total = size + 11;
      return [...header, ...body, total >>> 24, (total >> 16) & 0xff, (total >> 8) & 0xff, total & 0xff];
    };
    const config = [0x17, 0, 0, 0, 0, 1, 0x42, 0, 0x1e, 0xff, 0xe1, 0, 2, 0x67, 0x42, 1, 0, 2, 0x68, 0xce];
    const nalu = (key: boolean): number[] => [key ? 0x17 : 0x27, 1, 0, 0, 0, 0, 0, 0, 2, key ? 0x65 : 0x41, 0x88];
    parts.push(tag(0xfffffff0, config), tag(0xfffffff0, nalu(true)), tag(0x10, nalu(false)));
    const packets = new FlvDemuxer().process(Uint8Array.from(parts.flat()));
    expect(packets.map((packet) => packet.pts)).toEqual([0xfffffff0 * 90, (0x1_0000_0000 + 0x10) * 90]);
    expect(packets[0]!.track.parameterSets).toHaveLength(2);
  });

  it('rejects garbage with a typed error and stays failed', () => {
    const demuxer = new FlvDemuxer();
    const garbage = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251);
    expect(() => demuxer.process(garbage)).toThrow(expect.objectContaining({ code: 'ARGUS_ERR_MEDIA_BITSTREAM' }));
    let error: unknown;
    try {
      demuxer.process(flv);
    } catch (err) {
      error = err;
    }
    expect(hasErrorCode(error, 'ARGUS_ERR_MEDIA_BITSTREAM')).toBe(true);
  });

  it('rejects a corrupted tag inside a valid stream', () => {
    const corrupt = flv.slice();
    // The first tag after the header: make its type invalid.
    corrupt[13] = 0x0f;
    expect(() => new FlvDemuxer().process(corrupt)).toThrow(expect.objectContaining({ code: 'ARGUS_ERR_MEDIA_BITSTREAM' }));
  });

  it('refuses a declared tag size above the bound instead of buffering it', () => {
    const demuxer = new FlvDemuxer({ maxTagBytes: 1000 });
    expect(() => demuxer.process(flv)).toThrow(expect.objectContaining({ code: 'ARGUS_ERR_MEDIA_BITSTREAM' }));
  });

  it('reports a truncated stream at end()', () => {
    const demuxer = new FlvDemuxer();
    const packets = demuxer.process(flv.subarray(0, Math.floor(flv.length / 2)));
    expect(packets.length).toBeGreaterThan(10);
    expect(() => demuxer.end()).toThrow(expect.objectContaining({ code: 'ARGUS_ERR_MEDIA_BITSTREAM' }));
    expect(demuxer.toJSON().bytes).toBe(Math.floor(flv.length / 2));
  });
});
