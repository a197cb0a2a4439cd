// Test-only helpers: real encoded media made with ffmpeg (cached per machine), and ffprobe as a checker.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ffmpegPath, ffprobePath } from './ffmpeg/binaries.js';

const run = promisify(execFile);
const CACHE = join(tmpdir(), 'argus-test-media-v1');

/** What to encode. */
export interface SampleOptions {
  codec: 'h264' | 'h265' | 'aac' | 'pcma' | 'pcmu' | 'mjpeg';
  seconds?: number;
  fps?: number;
  width?: number;
  height?: number;
  /** Frames per GOP (video). */
  gop?: number;
  /** Add B-frames (H.264/H.265); default none, as cameras send. */
  bframes?: boolean;
}

/**
 * A sample elementary stream file encoded by ffmpeg from a test pattern (or a sine tone for audio), cached in the
 * OS temp dir: `.h264`/`.h265` Annex B with AUDs, `.aac` ADTS, `.pcma`/`.pcmu` raw 8 kHz mono, `.mjpeg`.
 */
export async function sampleMedia(options: SampleOptions): Promise<string> {
  const { codec, seconds = 2, fps = 25, width = 320, height = 240, gop = 25, bframes = false } = options;
  mkdirSync(CACHE, { recursive: true });
  const name = `${codec}-${seconds}s-${fps}fps-${width}x${height}-g${gop}${bframes ? '-b' : ''}.${codec}`;
  const file = join(CACHE, name);
  if (existsSync(file)) return file;
  const video = ['-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=${fps}:duration=${seconds}`];
  const audio = ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${codec === 'aac' ? 48000 : 8000}:duration=${seconds}`];
  const args: Record<SampleOptions['codec'], string[]> = {
    h264: [...video, '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', bframes ? 'main' : 'baseline', '-pix_fmt', 'yuv420p', '-g', `${gop}`, '-keyint_min', `${gop}`, '-sc_threshold', '0', '-bf', bframes ? '2' : '0', '-bsf:v', 'h264_mp4toannexb', '-x264-params', 'aud=1', '-f', 'h264'],
    h265: [...video, '-c:v', 'libx265', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-x265-params', `keyint=${gop}:min-keyint=${gop}:scenecut=0:bframes=${bframes ? 2 : 0}:aud=1:repeat-headers=1:log-level=error`, '-f', 'hevc'],
    aac: [...audio, '-c:a', 'aac', '-b:a', '64k', '-ac', '1', '-f', 'adts'],
    pcma: [...audio, '-c:a', 'pcm_alaw', '-ac', '1', '-ar', '8000', '-f', 'alaw'],
    pcmu: [...audio, '-c:a', 'pcm_mulaw', '-ac', '1', '-ar', '8000', '-f', 'mulaw'],
    mjpeg: [...video, '-c:v', 'mjpeg', '-q:v', '5', '-pix_fmt', 'yuvj420p', '-f', 'mjpeg'],
  };
  const partial = `${file}.${process.pid}.part`;
  await run(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', ...args[codec], partial]);
  renameSync(partial, file);
  return file;
}

/** What ffprobe says of a file's streams and format. */
export interface ProbeReport {
  streams: { codec_name: string; codec_type: string; width?: number; height?: number; nb_read_frames?: string; r_frame_rate?: string; sample_rate?: string }[];
  format: { format_name: string; duration?: string };
}

/** Runs ffprobe (counting frames) and returns its JSON report; rejects when ffprobe cannot read the file. */
export async function ffprobe(file: string): Promise<ProbeReport> {
  const { stdout } = await run(ffprobePath(), ['-v', 'error', '-count_frames', '-show_streams', '-show_format', '-of', 'json', file]);
  return JSON.parse(stdout) as ProbeReport;
}

/** Decodes a file completely with ffmpeg; resolves to stderr (empty when clean), rejects when decoding fails. */
export async function decodeWithFfmpeg(file: string): Promise<string> {
  const { stderr } = await run(ffmpegPath(), ['-hide_banner', '-v', 'error', '-xerror', '-i', file, '-f', 'null', '-']);
  return stderr;
}
