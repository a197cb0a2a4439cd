// Test-only: real recordings without the writer. ffmpeg encodes H.264, AnnexBAccessUnitReader cuts it into access
// units, Fmp4Muxer writes segment files under a temporary tier root, and the Catalogue gets their records.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { MediaPacket, TrackInfo } from '@argus/core';
import { AnnexBAccessUnitReader, ffmpegPath, ffprobePath, Fmp4Muxer, pickParameterSets, videoTrackFromParameterSets } from '@argus/core/media';
import type { Catalogue } from '../catalogue/catalogue.js';
import type { FragmentEntry, SegmentRecord, StreamChoice } from '../catalogue/records.js';
import type { StorageTier } from '../writer/storage-tier.js';

const run = promisify(execFile);
const CACHE = join(tmpdir(), 'argus-storage-test-media-v1');

/** 2026-11-21T00:00:00Z: the day the fixtures record. */
export const T0 = Date.parse('2026-11-21T00:00:00Z');

/** What to encode. */
export interface H264SampleOptions {
  readonly seconds?: number;
  readonly fps?: number;
  readonly gop?: number;
  readonly width?: number;
  readonly height?: number;
}

/** An Annex B H.264 file (baseline, no B-frames, fixed GOP) encoded by ffmpeg from a test pattern; cached per machine. */
export async function h264Sample(options: H264SampleOptions = {}): Promise<string> {
  const { seconds = 10, fps = 25, gop = 25, width = 320, height = 240 } = options;
  mkdirSync(CACHE, { recursive: true });
  const file = join(CACHE, `h264-${seconds}s-${fps}fps-${width}x${height}-g${gop}.h264`);
  if (existsSync(file)) return file;
  const partial = `${file}.${process.pid}.part`;
  await run(ffmpegPath(), [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=${fps}:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p',
    '-g', `${gop}`, '-keyint_min', `${gop}`, '-sc_threshold', '0', '-bf', '0',
    '-bsf:v', 'h264_mp4toannexb', '-x264-params', 'aud=1', '-f', 'h264', partial,
  ]);
  renameSync(partial, file);
  return file;
}

/** Video packets of an Annex B file, pts = index * frame time at 90 kHz. */
export function packetsOf(file: string, fps: number): { track: TrackInfo; packets: MediaPacket[] } {
  const reader = new AnnexBAccessUnitReader('h264');
  const units = [...reader.process(new Uint8Array(readFileSync(file))), ...reader.flush()];
  const first = units[0];
  if (first === undefined) throw new Error(`no access units in ${file}`);
  const track = videoTrackFromParameterSets('h264', pickParameterSets('h264', first.units), 1);
  const step = 90_000 / fps;
  return { track, packets: units.map((au, i) => ({ track, pts: i * step, keyframe: au.keyframe, units: au.units })) };
}

/** A segment written by {@link recordSegments}, with the frames of each of its fragments. */
export interface RecordedSegment {
  readonly record: SegmentRecord;
  readonly framesPerFragment: readonly number[];
}

/** Options of {@link recordSegments}. */
export interface RecordOptions {
  readonly catalogue: Catalogue;
  readonly tier: StorageTier;
  readonly camera: string;
  readonly stream?: StreamChoice;
  /** Wall-clock time of the first packet, ms. */
  readonly start: number;
  readonly packets: readonly MediaPacket[];
  /** Frames per segment file, rounded up to the next keyframe; default all in one. */
  readonly segmentFrames?: number;
  /**
   * Mux each file on its own, decode times from 0 in every file; default: one muxer for the session, as a writer that
   * keeps its muxer across files does, so that decode times run on from file to file.
   */
  readonly restartDecodeTime?: boolean;
}

interface MuxedGop {
  readonly chunks: readonly Uint8Array[];
  readonly bytes: number;
  readonly time: number;
  readonly duration: number;
  readonly frames: number;
}

/** One GOP per fragment, with wall-clock times from `origin` (the time of the first packet given). */
function muxGops(packets: readonly MediaPacket[], origin: number): { init: Uint8Array; gops: MuxedGop[] } {
  const head = packets[0] as MediaPacket;
  const muxer = new Fmp4Muxer([head.track]);
  const frames: number[] = [];
  for (const packet of packets) {
    if (packet.keyframe || frames.length === 0) frames.push(0);
    frames[frames.length - 1] = (frames.at(-1) ?? 0) + 1;
  }
  const fragments = [...packets.flatMap((p) => muxer.process(p)), ...muxer.flush()];
  const at = origin + Math.round((head.pts / 90_000) * 1000);
  const gops = fragments.map((f, i) => ({
    chunks: f.chunks,
    bytes: f.byteLength,
    time: at + Math.round(f.startSeconds * 1000),
    duration: Math.round(f.durationSeconds * 1000),
    frames: frames[i] ?? 0,
  }));
  return { init: muxer.initSegment(), gops };
}

/**
 * Writes `packets` as segment files (init + one fragment per GOP, files cut only before keyframes) and catalogues them,
 * as the writer would: fragment times in wall-clock ms from `start`.
 */
export async function recordSegments(options: RecordOptions): Promise<RecordedSegment[]> {
  const { start, packets } = options;
  const per = options.segmentFrames ?? packets.length;
  const files: MediaPacket[][] = [];
  for (let i = 0; i < packets.length; ) {
    let j = Math.min(packets.length, i + per);
    while (j < packets.length && !(packets[j] as MediaPacket).keyframe) j++;
    files.push(packets.slice(i, j));
    i = j;
  }
  const out: RecordedSegment[] = [];
  if (options.restartDecodeTime === true) {
    for (const file of files) {
      const { init, gops } = muxGops(file, start);
      out.push(await writeSegment(options, init, gops));
    }
    return out;
  }
  const { init, gops } = muxGops(packets, start);
  let next = 0;
  for (const file of files) {
    const count = file.filter((p) => p.keyframe).length;
    out.push(await writeSegment(options, init, gops.slice(next, next + count)));
    next += count;
  }
  return out;
}

async function writeSegment(options: RecordOptions, init: Uint8Array, gops: readonly MuxedGop[]): Promise<RecordedSegment> {
  const { catalogue, tier, camera, stream = 'main' } = options;
  const head = (options.packets[0] as MediaPacket).track;
  const fragments: FragmentEntry[] = [];
  let offset = init.byteLength;
  for (const gop of gops) {
    fragments.push({ offset, size: gop.bytes, time: gop.time, duration: gop.duration });
    offset += gop.bytes;
  }
  const first = fragments[0] as FragmentEntry;
  const last = fragments.at(-1) as FragmentEntry;
  const stamp = new Date(first.time).toISOString().replaceAll(':', '-');
  const file = `${encodeURIComponent(camera)}/${stamp.slice(0, 10)}/${stamp.slice(11)}-${stream}.mp4`;
  await mkdir(dirname(join(tier.root, file)), { recursive: true });
  await writeFile(join(tier.root, file), Buffer.concat([init, ...gops.flatMap((g) => g.chunks)]));
  const record: SegmentRecord = {
    camera,
    stream,
    start: first.time,
    end: last.time + last.duration,
    tier: tier.name,
    file,
    size: offset,
    initSize: init.byteLength,
    fragments,
    complete: true,
    codec: 'h264',
    ...(head.width === undefined ? {} : { width: head.width }),
    ...(head.height === undefined ? {} : { height: head.height }),
  };
  await catalogue.putSegment(record);
  return { record, framesPerFragment: gops.map((g) => g.frames) };
}

/** ffprobe's view of a file: codec, size and counted frames of its first video stream. */
export interface ProbedVideo {
  readonly codec: string;
  readonly width: number;
  readonly height: number;
  readonly frames: number;
  readonly duration: number;
}

/** Runs ffprobe (counting frames); rejects when ffprobe cannot read the file. */
export async function probeVideo(file: string): Promise<ProbedVideo> {
  const { stdout } = await run(ffprobePath(), ['-v', 'error', '-count_frames', '-show_streams', '-show_format', '-of', 'json', file]);
  const report = JSON.parse(stdout) as { streams: { codec_type: string; codec_name: string; width: number; height: number; nb_read_frames: string }[]; format: { duration?: string } };
  const video = report.streams.find((s) => s.codec_type === 'video');
  if (video === undefined) throw new Error(`${file} has no video stream`);
  return { codec: video.codec_name, width: video.width, height: video.height, frames: Number(video.nb_read_frames), duration: Number(report.format.duration) };
}

/** Decodes a file (or URL) completely with ffmpeg, failing on the first error; resolves to the frames decoded. */
export async function decodeFrames(input: string, ffmpeg = ffmpegPath()): Promise<number> {
  const { stdout, stderr } = await run(ffmpeg, ['-hide_banner', '-v', 'error', '-xerror', '-i', input, '-progress', 'pipe:1', '-f', 'null', '-'], { maxBuffer: 16 * 1024 * 1024 });
  if (stderr.trim() !== '') throw new Error(`ffmpeg reported: ${stderr}`);
  const frames = [...stdout.matchAll(/^frame=(\d+)$/gm)].at(-1)?.[1];
  if (frames === undefined) throw new Error(`ffmpeg printed no frame count: ${stdout}`);
  return Number(frames);
}

/** Joins a stream's chunks. */
export async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}
