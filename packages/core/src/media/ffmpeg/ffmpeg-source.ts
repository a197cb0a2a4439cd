import { Observable } from 'rxjs';
import { hasErrorCode } from '../../errors/argus-error.js';
import { silentLogger, type Logger } from '../../logging/logger.js';
import type { MediaPacket } from '../../stream/media-packet.js';
import { ffmpegFailure, redactCredentials } from './ffmpeg-errors.js';
import { FlvDemuxer } from './flv-demuxer.js';
import { probeWithFfprobe } from './ffprobe-source.js';
import { isNetworkInput, networkInputOptions, runFfmpeg, type FfmpegRun } from './run-ffmpeg.js';

/** What ffmpeg does with the video: copy H.264 as it comes, or encode to H.264. */
export type FfmpegVideoMode = 'copy' | 'h264';

/** What ffmpeg does with the audio. */
export type FfmpegAudioMode = 'copy' | 'aac' | 'none';

/** Options of {@link ffmpegSource}. */
export interface FfmpegSourceOptions {
  /** Forces copy or encode; by default an ffprobe of the input decides (copy when it is H.264). */
  videoCodec?: FfmpegVideoMode;
  /** `false` drops audio; by default AAC is copied and other audio encoded to AAC. */
  audio?: boolean;
  /** Keyframe interval in frames when encoding. Default 50. */
  gop?: number;
  /** Forces the input format (`-f`), e.g. `mpjpeg`. */
  inputFormat?: string;
  /**
   * Adds `-fflags nobuffer` to network inputs: less start-up delay on steady live streams, but it loses data
   * from servers that send in bursts (an RTMP server flushing its GOP), so it is off by default.
   */
  lowLatency?: boolean;
  /** Reads a file input at its native rate (`-re`), as a live source would deliver it. */
  realtime?: boolean;
  /** Network I/O timeout (ms) of ffmpeg and of the probe. Default 10 000. */
  timeoutMs?: number;
  /** Milliseconds between SIGTERM and SIGKILL when a subscription ends. Default 2000. */
  killGraceMs?: number;
  logger?: Logger;
}

/** Figures of the latest subscription of an {@link ffmpegSource}. */
export interface FfmpegSourceStats {
  /** ffmpeg's process id while it runs (and after, for diagnosis). */
  pid?: number;
  videoMode?: FfmpegVideoMode;
  audioMode?: FfmpegAudioMode;
  /** Width and height of the probed input video. */
  inputWidth?: number;
  inputHeight?: number;
  bytes: number;
  videoPackets: number;
  audioPackets: number;
}

/** The Observable returned by {@link ffmpegSource}, with the stats of its latest subscription. */
export interface FfmpegSourceObservable extends Observable<MediaPacket> {
  stats(): FfmpegSourceStats;
}

interface Plan {
  video: FfmpegVideoMode;
  audio: FfmpegAudioMode;
  width?: number;
  height?: number;
}

async function plan(input: string, options: FfmpegSourceOptions, timeoutMs: number): Promise<Plan> {
  const audioWanted = options.audio !== false;
  if (options.videoCodec !== undefined) return { video: options.videoCodec, audio: audioWanted ? 'aac' : 'none' };
  const probed = await probeWithFfprobe(input, {
    timeoutMs,
    ...(options.inputFormat !== undefined && { inputFormat: options.inputFormat }),
  });
  if (probed.video === undefined) throw ffmpegFailure(input, 'the input has no video stream', 'the input has no video stream');
  const audio = probed.audio;
  return {
    video: probed.video.codec === 'h264' ? 'copy' : 'h264',
    audio: !audioWanted || audio === undefined ? 'none' : audio.codec === 'aac' ? 'copy' : 'aac',
    width: probed.video.width,
    height: probed.video.height,
  };
}

/** Output options for FLV on stdout with the chosen video and audio handling. */
export function flvOutputOptions(video: FfmpegVideoMode, audio: FfmpegAudioMode, gop: number): string[] {
  const args = ['-map', '0:v:0'];
  if (video === 'copy') args.push('-c:v', 'copy');
  else args.push(...h264EncodeOptions(gop));
  if (audio === 'none') args.push('-an');
  else args.push('-map', '0:a:0?', ...(audio === 'copy' ? ['-c:a', 'copy', '-bsf:a', 'aac_adtstoasc'] : ['-c:a', 'aac', '-b:a', '64k']));
  args.push('-f', 'flv', '-flvflags', 'no_duration_filesize', '-flush_packets', '1');
  return args;
}

/** libx264 settings for live normalisation: fast, no B-frames, fixed GOP, 4:2:0 for every player. */
export function h264EncodeOptions(gop: number): string[] {
  return ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', String(gop), '-bf', '0'];
}

/**
 * Media from anything ffmpeg reads that the native path does not cover: MJPEG over HTTP, HLS, RTMP, SRT, files.
 * Each subscription runs one ffmpeg writing FLV to stdout (H.264 copied when the input is H.264, else encoded
 * with libx264; AAC copied, other audio encoded or dropped), demuxed into {@link MediaPacket}s. Unsubscribing
 * kills ffmpeg. Failures error the stream with `ARGUS_ERR_DRIVER_UNREACHABLE`, `ARGUS_ERR_DRIVER_AUTH`,
 * `ARGUS_ERR_MEDIA_SOURCE_NOT_FOUND` or `ARGUS_ERR_MEDIA_FFMPEG_FAILED` (with redacted stderr lines).
 *
 * @example
 * ```ts
 * const packets$ = ffmpegSource('http://127.0.0.1:8080/video.mjpg', { gop: 25 });
 * packets$.subscribe((packet) => hub.push(packet));
 * packets$.stats(); // { videoMode: 'h264', pid: 1234, videoPackets: 42, ... }
 * ```
 */
export function ffmpegSource(input: string, options: FfmpegSourceOptions = {}): FfmpegSourceObservable {
  const { gop = 50, timeoutMs = 10_000, realtime = false, logger = silentLogger() } = options;
  if (!Number.isInteger(gop) || gop <= 0) throw new RangeError('gop must be a positive integer');
  if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
  let latest: FfmpegSourceStats = { bytes: 0, videoPackets: 0, audioPackets: 0 };
  const source = redactCredentials(input);

  const packets$ = new Observable<MediaPacket>((subscriber) => {
    const stats: FfmpegSourceStats = { bytes: 0, videoPackets: 0, audioPackets: 0 };
    latest = stats;
    let run: FfmpegRun | undefined;
    let closed = false;

    plan(input, options, timeoutMs).then(
      (chosen) => {
        if (closed) return;
        stats.videoMode = chosen.video;
        stats.audioMode = chosen.audio;
        if (chosen.width !== undefined) stats.inputWidth = chosen.width;
        if (chosen.height !== undefined) stats.inputHeight = chosen.height;
        const demuxer = new FlvDemuxer();
        const inputOptions = [
          ...(options.lowLatency === true && isNetworkInput(input) ? ['-fflags', 'nobuffer'] : []),
          ...networkInputOptions(input, timeoutMs),
          ...(realtime ? ['-re'] : []),
          ...(options.inputFormat === undefined ? [] : ['-f', options.inputFormat]),
          '-nostdin',
        ];
        run = runFfmpeg({
          input,
          inputOptions,
          outputOptions: flvOutputOptions(chosen.video, chosen.audio, gop),
          ...(options.killGraceMs !== undefined && { killGraceMs: options.killGraceMs }),
          onSpawn(pid) {
            if (pid !== undefined) stats.pid = pid;
            logger.debug({ source, pid, video: chosen.video, audio: chosen.audio }, 'ffmpeg source started');
          },
          onData(chunk) {
            stats.bytes += chunk.byteLength;
            const out = demuxer.process(chunk);
            for (const packet of out) {
              if (packet.track.kind === 'video') stats.videoPackets++;
              else stats.audioPackets++;
              subscriber.next(packet);
            }
          },
          onExit(failure) {
            if (failure === undefined) {
              try {
                demuxer.end();
              } catch (err) {
                subscriber.error(err);
                return;
              }
              subscriber.complete();
              return;
            }
            const error = hasErrorCode(failure.cause) ? failure.cause : ffmpegFailure(input, failure.stderr, failure.message, failure.cause);
            logger.warn({ source, code: error.code, err: error.message }, 'ffmpeg source failed');
            subscriber.error(error);
          },
        });
      },
      (err: unknown) => {
        if (!closed) subscriber.error(err);
      },
    );

    return () => {
      closed = true;
      run?.stop();
    };
  });
  return Object.assign(packets$, { stats: () => ({ ...latest }) });
}

