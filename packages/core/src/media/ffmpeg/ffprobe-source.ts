import { execFile } from 'node:child_process';
import { ArgusError } from '../../errors/argus-error.js';
import { errorMessage } from '../../errors/error-message.js';
import { ffmpegPath } from './binaries.js';
import { ffmpegFailure, redactCredentials } from './ffmpeg-errors.js';
import { networkInputOptions, runFfprobe, type FfprobeData } from './run-ffmpeg.js';

/** What {@link probeWithFfprobe} learns of a media URL. */
export interface FfprobeResult {
  /** Container or protocol format as ffmpeg names it (`hls`, `flv`, `mpjpeg`, `mov,mp4,...`). */
  format: string;
  /** Duration of finite media (files, VOD playlists); absent for live sources. */
  durationSec?: number;
  /** Overall bit rate in bit/s where known. */
  bitrate?: number;
  video?: { codec: string; width: number; height: number; fps?: number };
  audio?: { codec: string; sampleRate: number; channels: number };
}

/** Options of {@link probeWithFfprobe}. */
export interface ProbeOptions {
  /** Upper bound of the probe; also the network I/O timeout given to ffprobe. Default 10 000 ms. */
  timeoutMs?: number;
  /** Forces the input format (`-f`). */
  inputFormat?: string;
}

function positive(value: unknown): number | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(number) && number > 0 ? number : undefined;
}

function rate(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const [num, den] = text.split('/').map(Number);
  if (num === undefined || !Number.isFinite(num)) return undefined;
  return positive(den === undefined ? num : den === 0 ? NaN : Math.round((num / den) * 1000) / 1000);
}

function fromFfprobe(data: FfprobeData): FfprobeResult {
  const video = data.streams.find((stream) => stream.codec_type === 'video');
  const audio = data.streams.find((stream) => stream.codec_type === 'audio');
  const durationSec = positive(data.format.duration);
  const bitrate = positive(data.format.bit_rate);
  const fps = rate(video?.avg_frame_rate) ?? rate(video?.r_frame_rate);
  return {
    format: data.format.format_name ?? 'unknown',
    ...(durationSec !== undefined && { durationSec }),
    ...(bitrate !== undefined && { bitrate }),
    ...(video !== undefined && {
      video: { codec: video.codec_name ?? 'unknown', width: video.width ?? 0, height: video.height ?? 0, ...(fps !== undefined && { fps }) },
    }),
    ...(audio !== undefined && {
      audio: { codec: audio.codec_name ?? 'unknown', sampleRate: positive(audio.sample_rate) ?? 0, channels: audio.channels ?? 0 },
    }),
  };
}

const INPUT_LINE = /Input #0, ([^ ]+), from/;
const DURATION_LINE = /Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)/;
const BITRATE = /bitrate: (\d+) kb\/s/;
const VIDEO_LINE = /Stream #0:\d+[^:]*: Video: (\w+)[^\n]*?, (\d{2,5})x(\d{2,5})/;
const FPS = /Video:[^\n]*?, ([\d.]+) fps/;
const AUDIO_LINE = /Stream #0:\d+[^:]*: Audio: (\w+)[^\n]*?, (\d+) Hz, ([^,\n]+)/;

/** Parses the input report ffmpeg prints to stderr (the fallback when ffprobe itself crashes). */
export function parseFfmpegInputReport(stderr: string): FfprobeResult | undefined {
  const input = INPUT_LINE.exec(stderr);
  if (input === null) return undefined;
  const result: FfprobeResult = { format: input[1]!.replace(/,$/, '') };
  const duration = DURATION_LINE.exec(stderr);
  if (duration !== null) {
    const seconds = Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3]);
    if (seconds > 0) result.durationSec = seconds;
  }
  const bitrate = BITRATE.exec(stderr);
  if (bitrate !== null) result.bitrate = Number(bitrate[1]) * 1000;
  const video = VIDEO_LINE.exec(stderr);
  if (video !== null) {
    const fps = FPS.exec(stderr);
    result.video = { codec: video[1]!, width: Number(video[2]), height: Number(video[3]), ...(fps !== null && { fps: Number(fps[1]) }) };
  }
  const audio = AUDIO_LINE.exec(stderr);
  if (audio !== null) {
    const layout = audio[3]!.trim();
    const channels = layout === 'mono' ? 1 : layout === 'stereo' ? 2 : layout.startsWith('5.1') ? 6 : Number.parseInt(layout, 10) || 0;
    result.audio = { codec: audio[1]!, sampleRate: Number(audio[2]), channels };
  }
  return result;
}

function probeWithFfmpeg(url: string, args: readonly string[], timeoutMs: number): Promise<FfprobeResult> {
  return new Promise((resolve, reject) => {
    execFile(
      ffmpegPath(),
      ['-hide_banner', '-nostdin', ...args, '-i', url],
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024 },
      (_err, _stdout, stderr) => {
        // Without an output file ffmpeg always exits 1 after printing the input report: the report decides.
        const result = parseFfmpegInputReport(stderr);
        if (result !== undefined) resolve(result);
        else reject(ffmpegFailure(url, stderr, 'ffmpeg could not open the input'));
      },
    );
  });
}

/**
 * Probes a media URL or file with ffprobe (through fluent-ffmpeg, configured binary): format, duration, bit rate,
 * first video and audio stream. Used by `argus probe` for non-RTSP URLs and by {@link ffmpegSource} to decide
 * between copy and encode. When ffprobe crashes (the npm-shipped build segfaults on MPEG-TS), the input report
 * of ffmpeg is used instead. Errors as {@link ffmpegSource}: `ARGUS_ERR_DRIVER_UNREACHABLE`, `..._AUTH`,
 * `ARGUS_ERR_MEDIA_SOURCE_NOT_FOUND`, `ARGUS_ERR_MEDIA_FFMPEG_FAILED`; `ARGUS_ERR_DRIVER_TIMEOUT` after `timeoutMs`.
 *
 * @example
 * ```ts
 * const info = await probeWithFfprobe('http://cam.local/live/index.m3u8', { timeoutMs: 5000 });
 * // { format: 'hls', video: { codec: 'h264', width: 1920, height: 1080, fps: 25 }, ... }
 * ```
 */
export async function probeWithFfprobe(url: string, options: ProbeOptions = {}): Promise<FfprobeResult> {
  const { timeoutMs = 10_000 } = options;
  if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
  const args = [
    ...networkInputOptions(url, timeoutMs),
    ...(options.inputFormat === undefined ? [] : ['-f', options.inputFormat]),
  ];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new ArgusError('ARGUS_ERR_DRIVER_TIMEOUT', { endpoint: redactCredentials(url) })), timeoutMs);
  });
  const probe = runFfprobe(url, args).then(fromFfprobe, (err: unknown) => {
    const message = errorMessage(err);
    if (/killed with signal SIG(SEGV|BUS|ILL|ABRT)/.test(message)) return probeWithFfmpeg(url, args, timeoutMs);
    throw ffmpegFailure(url, message, 'ffprobe failed', err);
  });
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
    // A probe that lost the race still ends by itself: ffprobe's I/O timeout is the same bound.
    probe.catch(() => undefined);
  }
}
