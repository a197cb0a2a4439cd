import { firstValueFrom, takeWhile, timeout, toArray, TimeoutError, catchError, throwError } from 'rxjs';
import { ArgusError } from '../../errors/argus-error.js';
import type { Logger } from '../../logging/logger.js';
import type { MediaPacket, TrackInfo } from '../../stream/media-packet.js';
import { h264NalType, H264_NAL, parseH264Sps } from '../codec/h264.js';
import { h265NalType, H265_NAL, parseH265Sps } from '../codec/h265.js';
import { probeWithFfprobe } from '../ffmpeg/ffprobe-source.js';
import { redactUrl } from '../rtsp/rtsp-client.js';
import { rtspSource, type RtspSourceSession } from '../rtsp/rtsp-source.js';

/**
 * What `argus probe` reports about a stream (the `--json` shape). Fields a source does not reveal are absent.
 */
export interface StreamProbe {
  /** The URL probed, credentials removed. */
  url: string;
  protocol: 'rtsp' | 'http' | 'https' | 'rtmp' | 'srt' | 'file';
  /** `native`: measured through Argus's RTSP/RTP path; `ffmpeg`: read by ffprobe. */
  path: 'native' | 'ffmpeg';
  /** True when credentials were given and the source accepted them (a refusal is an error, not `false`). */
  authenticated: boolean;
  /** RTP transport used by the native path. */
  transport?: 'tcp' | 'udp';
  video: {
    codec: string;
    width?: number;
    height?: number;
    /** Frames per second measured over the sample (native) or declared by the source (ffmpeg). */
    fps?: number;
    profile?: string;
    level?: string;
    /** RFC 6381 codec string, e.g. `avc1.4D401F`. */
    codecString?: string;
  } | null;
  audio: { codec: string; sampleRate?: number; channels?: number } | null;
  /** Measured over the sample (native) or declared by the source (ffmpeg), in kbit/s. */
  bitrateKbps?: number;
  /** Seconds of media measured (native). */
  sampledSeconds?: number;
  /** Video frames received during the sample (native). */
  frames?: number;
  /** Tracks the native path does not take, with why. */
  skipped?: { codec: string; reason: string }[];
}

/** Options of {@link probeStream}. */
export interface ProbeStreamOptions {
  /** Seconds of media to measure on the native path; default 3. */
  seconds?: number;
  username?: string;
  password?: string;
  transport?: 'tcp' | 'udp';
  /** Per-request timeout and the bound on waiting for media; default 10 s. */
  timeoutMs?: number;
  logger?: Logger;
}

const H264_PROFILES: Record<number, string> = { 66: 'Baseline', 77: 'Main', 88: 'Extended', 100: 'High', 110: 'High 10', 122: 'High 4:2:2', 244: 'High 4:4:4' };
const H265_PROFILES: Record<number, string> = { 1: 'Main', 2: 'Main 10', 3: 'Main Still Picture', 4: 'Range Extensions' };

function protocolOf(url: string): StreamProbe['protocol'] {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) return 'file';
  if (scheme === 'rtsp' || scheme === 'rtsps') return 'rtsp';
  if (scheme === 'http' || scheme === 'https' || scheme === 'rtmp' || scheme === 'srt') return scheme;
  throw new ArgusError('ARGUS_ERR_MEDIA_UNSUPPORTED_CODEC', { codec: scheme, reason: 'unsupported URL scheme' });
}

function hasCredentials(url: string, options: ProbeStreamOptions): boolean {
  if (options.username !== undefined) return true;
  try {
    return new URL(url).username !== '';
  } catch {
    return false;
  }
}

function describeVideo(track: TrackInfo): NonNullable<StreamProbe['video']> {
  const video: NonNullable<StreamProbe['video']> = { codec: track.codec };
  if (track.width !== undefined) video.width = track.width;
  if (track.height !== undefined) video.height = track.height;
  const sets = track.parameterSets ?? [];
  if (track.codec === 'h264') {
    const sps = sets.find((nal) => h264NalType(nal) === H264_NAL.SPS);
    if (sps !== undefined) {
      const parsed = parseH264Sps(sps);
      Object.assign(video, { width: parsed.width, height: parsed.height, profile: H264_PROFILES[parsed.profileIdc] ?? `${parsed.profileIdc}`, level: (parsed.levelIdc / 10).toFixed(1), codecString: parsed.codecString });
    }
  } else if (track.codec === 'h265') {
    const sps = sets.find((nal) => h265NalType(nal) === H265_NAL.SPS);
    if (sps !== undefined) {
      const parsed = parseH265Sps(sps);
      Object.assign(video, { width: parsed.width, height: parsed.height, profile: H265_PROFILES[parsed.profileIdc] ?? `${parsed.profileIdc}`, level: (parsed.levelIdc / 30).toFixed(1), codecString: parsed.codecString });
    }
  }
  return video;
}

async function probeNative(url: string, options: ProbeStreamOptions): Promise<StreamProbe> {
  const seconds = options.seconds ?? 3;
  const timeoutMs = options.timeoutMs ?? 10_000;
  let session: RtspSourceSession | undefined;
  let firstVideoPts: number | undefined;
  const source$ = rtspSource({
    url,
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(options.transport === undefined ? {} : { transport: options.transport }),
    timeoutMs,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    onSession: (s) => (session = s),
  });
  const packets: MediaPacket[] = await firstValueFrom(
    source$.pipe(
      takeWhile((packet) => {
        if (packet.track.kind !== 'video') return true;
        firstVideoPts ??= packet.pts;
        return packet.pts - firstVideoPts < seconds * packet.track.timescale;
      }, true),
      timeout({ first: timeoutMs, each: timeoutMs }),
      toArray(),
      catchError((err: unknown) =>
        throwError(() => (err instanceof TimeoutError ? new ArgusError('ARGUS_ERR_DRIVER_TIMEOUT', { endpoint: redactUrl(url), timeoutMs }) : err)),
      ),
    ),
  );
  const video = packets.filter((p) => p.track.kind === 'video');
  const audio = packets.find((p) => p.track.kind === 'audio')?.track ?? session?.tracks.find((t) => t.kind === 'audio');
  const videoTrack = video.at(-1)?.track ?? session?.tracks.find((t) => t.kind === 'video');
  const bytes = packets.reduce((sum, p) => sum + p.units.reduce((s, u) => s + u.byteLength, 0), 0);
  const span = video.length > 1 ? (video.at(-1)!.pts - video[0]!.pts) / video[0]!.track.timescale : 0;
  const result: StreamProbe = {
    url: redactUrl(url),
    protocol: 'rtsp',
    path: 'native',
    authenticated: hasCredentials(url, options),
    transport: session?.transport ?? options.transport ?? 'tcp',
    video: videoTrack === undefined ? null : describeVideo(videoTrack),
    audio: audio === undefined ? null : { codec: audio.codec, ...(audio.sampleRate === undefined ? {} : { sampleRate: audio.sampleRate }), ...(audio.channels === undefined ? {} : { channels: audio.channels }) },
    frames: video.length,
    sampledSeconds: Math.round(span * 1000) / 1000,
    ...(session === undefined || session.skipped.length === 0 ? {} : { skipped: [...session.skipped] }),
  };
  if (span > 0) {
    if (result.video !== null) result.video.fps = Math.round(((video.length - 1) / span) * 100) / 100;
    result.bitrateKbps = Math.round((bytes * 8) / span / 1000);
  }
  return result;
}

async function probeFfmpeg(url: string, protocol: StreamProbe['protocol'], options: ProbeStreamOptions): Promise<StreamProbe> {
  const found = await probeWithFfprobe(url, { timeoutMs: options.timeoutMs ?? 10_000 });
  return {
    url: redactUrl(url),
    protocol,
    path: 'ffmpeg',
    authenticated: hasCredentials(url, options),
    video: found.video === undefined ? null : { codec: found.video.codec, width: found.video.width, height: found.video.height, ...(found.video.fps === undefined ? {} : { fps: found.video.fps }) },
    audio: found.audio === undefined ? null : { codec: found.audio.codec, sampleRate: found.audio.sampleRate, channels: found.audio.channels },
    ...(found.bitrate === undefined ? {} : { bitrateKbps: Math.round(found.bitrate / 1000) }),
  };
}

/**
 * Probes a stream URL: `rtsp://` through the native path (DESCRIBE, SETUP, PLAY, then a few seconds of media
 * measured: codec, resolution and profile from the SPS, fps, bitrate, audio); `http(s)://` (MJPEG, HLS),
 * `rtmp://`, `srt://` and files through ffprobe. Failures are typed: `ARGUS_ERR_DRIVER_UNREACHABLE`,
 * `ARGUS_ERR_DRIVER_AUTH`, `ARGUS_ERR_RTSP_NOT_FOUND`, `ARGUS_ERR_MEDIA_UNSUPPORTED_CODEC`, `ARGUS_ERR_SDP_MALFORMED`,
 * `ARGUS_ERR_DRIVER_TIMEOUT`.
 *
 * @example
 * ```ts
 * const probe = await probeStream('rtsp://127.0.0.1:8554/cam-1', { seconds: 2 });
 * console.log(probe.video?.codec, probe.video?.width, probe.video?.fps, probe.bitrateKbps);
 * ```
 */
export async function probeStream(url: string, options: ProbeStreamOptions = {}): Promise<StreamProbe> {
  const protocol = protocolOf(url);
  return protocol === 'rtsp' ? probeNative(url, options) : probeFfmpeg(url, protocol, options);
}
