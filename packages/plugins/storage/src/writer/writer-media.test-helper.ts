// Test-only helpers of the writer: real H.264/AAC made by ffmpeg (cached per machine), packets read from it,
// ffprobe/ffmpeg as checkers, and a fake disk that fills up after a given number of bytes.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { MediaPacket, TrackInfo } from '@argus/core';
import { AnnexBAccessUnitReader, buildAudioSpecificConfig, ffmpegPath, ffprobePath, parseAdts, pickParameterSets, videoTrackFromParameterSets } from '@argus/core/media';
import type { OpenSegmentFile, SegmentFileHandle } from './segment-writer.js';

const run = promisify(execFile);
const CACHE = join(tmpdir(), 'argus-storage-test-media-v1');

/** What H.264 to encode. */
export interface H264SampleOptions {
  seconds: number;
  fps?: number;
  /** Frames per GOP. */
  gop: number;
  width?: number;
  height?: number;
}

/** An Annex B H.264 file (baseline, no B-frames, AUDs) of a test pattern, made by ffmpeg and cached. */
export async function h264Sample(options: H264SampleOptions): Promise<string> {
  const { seconds, fps = 25, gop, width = 320, height = 240 } = options;
  mkdirSync(CACHE, { recursive: true });
  const file = join(CACHE, `h264-${seconds}s-${fps}fps-${width}x${height}-g${gop}.h264`);
  if (existsSync(file)) return file;
  const partial = `${file}.${process.pid}.part`;
  await run(ffmpegPath(), [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=${fps}:duration=${seconds}`],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p', '-g', `${gop}`, '-keyint_min', `${gop}`],
    ...['-sc_threshold', '0', '-bf', '0', '-bsf:v', 'h264_mp4toannexb', '-x264-params', 'aud=1', '-f', 'h264', partial],
  ]);
  renameSync(partial, file);
  return file;
}

/** An ADTS AAC file (48 kHz mono sine), made by ffmpeg and cached. */
export async function aacSample(seconds: number): Promise<string> {
  mkdirSync(CACHE, { recursive: true });
  const file = join(CACHE, `aac-${seconds}s.aac`);
  if (existsSync(file)) return file;
  const partial = `${file}.${process.pid}.part`;
  await run(ffmpegPath(), [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`],
    ...['-c:a', 'aac', '-b:a', '64k', '-ac', '1', '-f', 'adts', partial],
  ]);
  renameSync(partial, file);
  return file;
}

/** Video packets of an Annex B file, pts = index × frame time (90 kHz), as a camera without B-frames sends. */
export function readH264Packets(file: string, fps = 25, id = 0): { track: TrackInfo; packets: MediaPacket[] } {
  const reader = new AnnexBAccessUnitReader('h264');
  const units = [...reader.process(new Uint8Array(readFileSync(file))), ...reader.flush()];
  const first = units[0];
  if (first === undefined) throw new Error(`no access units in ${file}`);
  const track = videoTrackFromParameterSets('h264', pickParameterSets('h264', first.units), id);
  const step = 90_000 / fps;
  return { track, packets: units.map((au, i) => ({ track, pts: i * step, keyframe: au.keyframe, units: au.units })) };
}

/** AAC packets of an ADTS file, pts in samples (48 kHz). */
export function readAacPackets(file: string, id = 1): { track: TrackInfo; packets: MediaPacket[] } {
  const frames = parseAdts(new Uint8Array(readFileSync(file)));
  const head = frames[0];
  if (head === undefined) throw new Error(`no ADTS frames in ${file}`);
  const track: TrackInfo = { id, kind: 'audio', codec: 'aac', timescale: 48_000, sampleRate: head.sampleRate, channels: head.channels, config: buildAudioSpecificConfig(head) };
  return { track, packets: frames.map((f, i) => ({ track, pts: i * 1024, keyframe: true, units: [f.payload] })) };
}

/** Merges packet lists by time, as a camera interleaves its tracks (audio first at equal times). */
export function interleave(...lists: MediaPacket[][]): MediaPacket[] {
  const rank = (p: MediaPacket): number => (p.track.kind === 'audio' ? 0 : 1);
  return lists.flat().sort((a, b) => a.pts / a.track.timescale - b.pts / b.track.timescale || rank(a) - rank(b));
}

/** What ffprobe says of a file. */
export interface ProbeReport {
  streams: { codec_name: string; codec_type: string; width?: number; height?: number; nb_read_frames?: string }[];
  format: { format_name: string; duration?: string };
}

/** ffprobe with frame counting; rejects when ffprobe cannot read the file or reports any error. */
export async function ffprobe(file: string): Promise<ProbeReport> {
  const { stdout, stderr } = await run(ffprobePath(), ['-v', 'error', '-count_frames', '-show_streams', '-show_format', '-of', 'json', file]);
  if (stderr.trim() !== '') throw new Error(`ffprobe ${file}: ${stderr}`);
  return JSON.parse(stdout) as ProbeReport;
}

/** Decodes the whole file with ffmpeg; resolves to its stderr (empty when clean). */
export async function decodeWithFfmpeg(file: string): Promise<string> {
  const { stderr } = await run(ffmpegPath(), ['-hide_banner', '-v', 'error', '-xerror', '-i', file, '-f', 'null', '-']);
  return stderr;
}

/** Video frames in a file, by ffprobe. */
export async function videoFrames(file: string): Promise<number> {
  const report = await ffprobe(file);
  return Number(report.streams.find((s) => s.codec_type === 'video')?.nb_read_frames ?? 0);
}

/** A disk shared by the files a {@link fakeDisk} opens: bytes it still takes, and how to fail other writes. */
export interface FakeDisk {
  readonly open: OpenSegmentFile;
  /** Bytes that can still be written; `Infinity` for no limit. */
  free: number;
  /** When set, the next write throws this error code instead (once). */
  failNextWith: string | undefined;
}

/**
 * Real files whose `writev` fails as a full disk does: bytes up to the free space land (a short write), then it
 * throws a real `ENOSPC` error. Truncating gives the space back.
 */
export function fakeDisk(free: number): FakeDisk {
  const disk: FakeDisk = {
    free,
    failNextWith: undefined,
    open: async (path, flags) => {
      const { open } = await import('node:fs/promises');
      const real = await open(path, flags);
      let size = 0;
      const handle: SegmentFileHandle = {
        async writev(buffers, position) {
          if (disk.failNextWith !== undefined) {
            const code = disk.failNextWith;
            disk.failNextWith = undefined;
            throw Object.assign(new Error(`${code}: injected failure, write`), { code });
          }
          const wanted = buffers.reduce((n, b) => n + b.byteLength, 0);
          const growth = Math.max(0, position + wanted - size);
          if (growth > disk.free) {
            const fits = Math.max(0, Math.min(wanted, disk.free + Math.max(0, size - position)));
            if (fits > 0) await real.write(Buffer.concat(buffers).subarray(0, fits), 0, fits, position);
            disk.free -= Math.max(0, position + fits - size);
            size = Math.max(size, position + fits);
            throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
          }
          const result = await real.writev(buffers, position);
          disk.free -= growth;
          size = Math.max(size, position + result.bytesWritten);
          return result;
        },
        async truncate(length) {
          await real.truncate(length);
          if (length < size) disk.free += size - length;
          size = length;
        },
        datasync: () => real.datasync(),
        close: () => real.close(),
      };
      return handle;
    },
  };
  return disk;
}
