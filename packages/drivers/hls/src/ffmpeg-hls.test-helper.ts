import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ffmpegPath, ffprobePath } from '@argus/core/media';

const run = promisify(execFile);

/** An HLS presentation written by ffmpeg's own HLS muxer: an independent producer of real segments. */
export interface FfmpegHls {
  readonly dir: string;
  readonly format: 'ts' | 'fmp4';
  /** Segment file names in order. */
  readonly segments: readonly string[];
  /** The init segment's name (fMP4). */
  readonly init?: string;
  /** ffmpeg's own media playlist. */
  readonly playlist: string;
}

/**
 * ffmpeg (testsrc 320x240 at 10 fps, H.264 with B-frames, 1 s GOP, and a 48 kHz AAC sine) cut into 1 s HLS segments,
 * cached under the OS temp folder so test files share it.
 */
export async function ffmpegHls(format: 'ts' | 'fmp4', seconds = 4): Promise<FfmpegHls> {
  const dir = join(tmpdir(), 'argus-hls-test-media', `${format}-${seconds}s-v1`);
  const ext = format === 'ts' ? 'ts' : 'm4s';
  if (!existsSync(join(dir, 'index.m3u8'))) {
    await mkdir(join(tmpdir(), 'argus-hls-test-media'), { recursive: true });
    const work = await mkdtemp(join(tmpdir(), 'argus-hls-test-media', 'work-'));
    await run(ffmpegPath(), [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=10',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-t', String(seconds),
      '-c:v', 'libx264', '-preset', 'veryfast', '-bf', '2', '-g', '10', '-keyint_min', '10', '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-b:a', '64k',
      '-f', 'hls', '-hls_time', '1', '-hls_list_size', '0',
      ...(format === 'fmp4' ? ['-hls_segment_type', 'fmp4', '-hls_fmp4_init_filename', 'init.mp4'] : []),
      '-hls_segment_filename', join(work, `seg-%d.${ext}`),
      join(work, 'index.m3u8'),
    ], { cwd: work });
    try {
      await rename(work, dir);
    } catch {
      // Another test file finished first: use its copy.
      await rm(work, { recursive: true, force: true });
    }
  }
  const playlist = await readFile(join(dir, 'index.m3u8'), 'utf8');
  const segments = playlist.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
  return { dir, format, segments, ...(format === 'fmp4' ? { init: 'init.mp4' } : {}), playlist };
}

/** One packet as ffmpeg's demuxer reads it. */
export interface ProbedPacket {
  readonly stream: 'video' | 'audio';
  /** Timestamps in the stream's time base (`timeBase` units per second). */
  readonly pts: number;
  readonly dts: number;
  readonly timeBase: number;
  readonly keyframe: boolean;
  readonly size: number;
}

/**
 * The packets ffmpeg's own demuxer reads from a file (`-c copy -f framecrc`, original timestamps). ffmpeg rather than
 * ffprobe: the bundled ffprobe build crashes (SIGSEGV) on any MPEG-TS input.
 */
export async function ffmpegPackets(file: string): Promise<ProbedPacket[]> {
  const { stdout } = await run(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-copyts', '-i', file, '-map', '0', '-c', 'copy', '-f', 'framecrc', '-'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const timeBases = new Map<number, number>();
  const kinds = new Map<number, 'video' | 'audio'>();
  const out: ProbedPacket[] = [];
  for (const line of stdout.split('\n')) {
    const tb = /^#tb (\d+): 1\/(\d+)/.exec(line);
    if (tb !== null) timeBases.set(Number(tb[1]), Number(tb[2]));
    const kind = /^#media_type (\d+): (\w+)/.exec(line);
    if (kind !== null) kinds.set(Number(kind[1]), kind[2] === 'audio' ? 'audio' : 'video');
    if (line.startsWith('#') || line.trim() === '') continue;
    const fields = line.split(',').map((f) => f.trim());
    const index = Number(fields[0]);
    out.push({
      stream: kinds.get(index) ?? 'video',
      dts: Number(fields[1]),
      pts: Number(fields[2]),
      timeBase: timeBases.get(index) ?? 1,
      size: Number(fields[4]),
      keyframe: !fields.some((f) => /^F=0x[0-9a-f]*$/i.test(f) && (Number.parseInt(f.slice(4), 16) & 1) === 0),
    });
  }
  return out;
}

/** What ffprobe says about the streams of an input (a file or a URL). */
export async function ffprobeStreams(input: string): Promise<{ codec: string; width?: number; height?: number }[]> {
  const { stdout } = await run(ffprobePath(), ['-v', 'error', '-rw_timeout', '15000000', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', input], { timeout: 60_000 });
  const parsed = JSON.parse(stdout) as { streams: { codec_name: string; width?: number; height?: number }[] };
  return parsed.streams.map((s) => ({ codec: s.codec_name, ...(s.width === undefined ? {} : { width: s.width, height: s.height }) }));
}

/** What ffmpeg reads from a live input (a URL) in `seconds`: the video stream's codec and size, and its packets. */
export async function ffmpegReadLive(input: string, seconds = 2): Promise<{ codec: string; width: number; height: number; packets: number; keyframes: number }> {
  const { stdout } = await run(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-rw_timeout', '15000000', '-i', input, '-map', '0:v:0', '-c', 'copy', '-t', String(seconds), '-f', 'framecrc', '-'], {
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const codec = /^#codec_id 0: (\w+)/m.exec(stdout)?.[1] ?? '';
  const size = /^#dimensions 0: (\d+)x(\d+)/m.exec(stdout);
  const lines = stdout.split('\n').filter((l) => /^0,/.test(l));
  return {
    codec,
    width: Number(size?.[1] ?? 0),
    height: Number(size?.[2] ?? 0),
    packets: lines.length,
    keyframes: lines.filter((l) => !/F=0x[0-9a-f]*[02468ace]\b/i.test(l)).length,
  };
}
