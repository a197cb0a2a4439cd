import { open } from 'node:fs/promises';
import { Subscription, type Observable } from 'rxjs';
import { ArgusError } from '../../errors/argus-error.js';
import type { Logger } from '../../logging/logger.js';
import type { MediaPacket, TrackInfo } from '../../stream/media-packet.js';
import { ffmpegSource } from '../ffmpeg/ffmpeg-source.js';
import { Fmp4Muxer } from '../mp4/fmp4-muxer.js';
import { redactUrl } from '../rtsp/rtsp-client.js';
import { rtspSource } from '../rtsp/rtsp-source.js';

/** Options of {@link recordStream}. */
export interface RecordStreamOptions {
  /** Seconds of media to record (measured on video timestamps). */
  seconds: number;
  /** Output file; written as fragmented MP4. */
  out: string;
  username?: string;
  password?: string;
  transport?: 'tcp' | 'udp';
  /** Bound on connecting and on waiting for media; default 10 s. */
  timeoutMs?: number;
  logger?: Logger;
}

/** What {@link recordStream} wrote. */
export interface RecordResult {
  file: string;
  bytes: number;
  /** Video frames (or audio frames for audio-only sources) written. */
  frames: number;
  fragments: number;
  /** Media time covered, in seconds. */
  durationSeconds: number;
  /** `native` for rtsp:// (no ffmpeg process), `ffmpeg` for other sources. */
  path: 'native' | 'ffmpeg';
  mimeType: string;
}

/** Packets held before the muxer can be built (waiting for a keyframe with parameter sets); bounds memory. */
const MAX_PENDING = 3_000;

function sourceFor(url: string, options: RecordStreamOptions): { source$: Observable<MediaPacket>; path: RecordResult['path'] } {
  if (/^rtsps?:/i.test(url)) {
    return {
      path: 'native',
      source$: rtspSource({
        url,
        ...(options.username === undefined ? {} : { username: options.username }),
        ...(options.password === undefined ? {} : { password: options.password }),
        ...(options.transport === undefined ? {} : { transport: options.transport }),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.logger === undefined ? {} : { logger: options.logger }),
      }),
    };
  }
  return {
    path: 'ffmpeg',
    source$: ffmpegSource(url, {
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    }),
  };
}

/**
 * Records `seconds` of a stream into a fragmented MP4 file: `rtsp://` through the native path (RTSP, RTP,
 * depacketizers, fMP4 muxer: no ffmpeg process), other sources through the ffmpeg adapter. The file starts at a
 * keyframe; one fragment per GOP. Rejects with the source's typed error; a partial file is left as written.
 *
 * @example
 * ```ts
 * const result = await recordStream('rtsp://127.0.0.1:8554/cam-1', { seconds: 10, out: 'cam-1.mp4' });
 * ```
 */
export async function recordStream(url: string, options: RecordStreamOptions): Promise<RecordResult> {
  if (!(options.seconds > 0)) throw new RangeError(`seconds must be positive, got ${options.seconds}`);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const { source$, path } = sourceFor(url, options);
  const file = await open(options.out, 'w');
  let bytes = 0;
  let writing: Promise<unknown> = Promise.resolve();
  const write = (...chunks: Uint8Array[]): void => {
    for (const chunk of chunks) bytes += chunk.byteLength;
    writing = writing.then(() => file.writev(chunks));
  };

  let muxer: Fmp4Muxer | undefined;
  let tracks: TrackInfo[] = [];
  const pending: MediaPacket[] = [];
  let first: MediaPacket | undefined;
  let last: MediaPacket | undefined;
  let frames = 0;

  const outcome = await new Promise<'done' | Error>((resolve) => {
    // Created first so that a source failing synchronously inside subscribe() is still torn down.
    const subscription = new Subscription();
    let settled = false;
    const deadline = setTimeout(
      () => resolve(new ArgusError('ARGUS_ERR_DRIVER_TIMEOUT', { endpoint: redactUrl(url), timeoutMs })),
      options.seconds * 1000 + 2 * timeoutMs,
    );
    const finish = (result: 'done' | Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      subscription.unsubscribe();
      resolve(result);
    };
    const startMuxer = (): void => {
      const key = pending.find((p) => p.track.kind === 'video' && p.keyframe && (p.track.parameterSets?.length ?? 0) > 0);
      const audio = pending.find((p) => p.track.kind === 'audio')?.track;
      tracks = key === undefined ? (audio === undefined ? [] : [audio]) : audio === undefined ? [key.track] : [key.track, audio];
      muxer = new Fmp4Muxer(tracks);
      write(muxer.initSegment());
      for (const packet of pending.splice(0)) accept(packet);
    };
    const accept = (packet: MediaPacket): void => {
      if (muxer === undefined || !tracks.some((t) => t.id === packet.track.id)) return;
      const main = tracks[0]!;
      if (packet.track.id === main.id) {
        if (first === undefined && !(main.kind === 'video' && !packet.keyframe)) first = packet;
        if (first !== undefined) {
          frames += 1;
          last = packet;
        }
      }
      for (const fragment of muxer.process(packet)) write(...fragment.chunks);
      if (first !== undefined && last !== undefined && (last.pts - first.pts) / main.timescale >= options.seconds) finish('done');
    };
    subscription.add(
      source$.subscribe({
      next(packet) {
        try {
          if (muxer !== undefined) return accept(packet);
          pending.push(packet);
          const video = pending.filter((p) => p.track.kind === 'video');
          const keyed = video.some((p) => p.keyframe && (p.track.parameterSets?.length ?? 0) > 0);
          const audio = pending.some((p) => p.track.kind === 'audio');
          // Wait for audio for up to a second of video after the keyframe, then go without it.
          if (keyed && (audio || video.length >= 25)) startMuxer();
          else if (!keyed && video.length === 0 && pending.length >= 50) startMuxer();
          else if (pending.length > MAX_PENDING) finish(new ArgusError('ARGUS_ERR_MEDIA_MISSING_PARAMETER_SETS', { track: 0, codec: 'video', what: 'a keyframe with SPS/PPS' }));
        } catch (err) {
          finish(err as Error);
        }
      },
      error: (err: unknown) => finish(err as Error),
      complete: () => finish(first === undefined ? new ArgusError('ARGUS_ERR_MEDIA_NO_MEDIA', { url: redactUrl(url) }) : 'done'),
      }),
    );
  });

  try {
    if (muxer !== undefined) for (const fragment of muxer.flush()) write(...fragment.chunks);
    await writing;
  } finally {
    await file.close();
  }
  if (outcome !== 'done') throw outcome;
  const main = tracks[0]!;
  return {
    file: options.out,
    bytes,
    frames,
    fragments: muxer?.toJSON().fragments ?? 0,
    durationSeconds: first !== undefined && last !== undefined ? Math.round(((last.pts - first.pts) / main.timescale) * 1000) / 1000 : 0,
    path,
    mimeType: muxer?.mimeType ?? '',
  };
}
