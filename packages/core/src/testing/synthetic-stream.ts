import { asyncScheduler, interval, map, type Observable, type SchedulerLike } from 'rxjs';
import type { MediaPacket, TrackInfo } from '../stream/media-packet.js';

/** Options of {@link syntheticStream}. */
export interface SyntheticStreamOptions {
  /** Frames per second; default 25. */
  fps?: number;
  /** Frames per GOP (keyframe interval); default 50 (2 s at 25 fps). */
  gopFrames?: number;
  /** Payload bytes of a non-key frame; keyframes are 8x larger. Default 1000. */
  frameBytes?: number;
  width?: number;
  height?: number;
  /** Track id; default 0. */
  trackId?: number;
  /** Scheduler that paces frames; default the async scheduler (real time). */
  scheduler?: SchedulerLike;
}

/**
 * Builds the packet for frame `index` of a synthetic video track: a keyframe every `gopFrames`, `pts` in 90 kHz
 * units, and the frame index written into the first four payload bytes so tests can check order and continuity.
 * The payload is not decodable video: the codec is named `synthetic` so nothing mistakes it for H.264.
 */
export function syntheticPacket(track: TrackInfo, index: number, gopFrames: number, frameBytes: number): MediaPacket {
  const keyframe = index % gopFrames === 0;
  const payload = new Uint8Array(keyframe ? frameBytes * 8 : frameBytes);
  new DataView(payload.buffer).setUint32(0, index >>> 0);
  payload[4] = keyframe ? 1 : 0;
  const fps = track.fps ?? 25;
  return { track, pts: Math.round((index * track.timescale) / fps), keyframe, units: [payload] };
}

/** Reads back the frame index that {@link syntheticPacket} wrote into a packet. */
export function syntheticFrameIndex(packet: MediaPacket): number {
  const unit = packet.units[0];
  if (unit === undefined || unit.byteLength < 4) throw new RangeError('not a synthetic packet');
  return new DataView(unit.buffer, unit.byteOffset, unit.byteLength).getUint32(0);
}

/**
 * A synthetic camera stream for tests and benchmarks: paced frames with a keyframe every GOP. Each subscription
 * is an independent "connection" starting at frame 0.
 *
 * @example
 * ```ts
 * const packets = await firstValueFrom(syntheticStream({ fps: 50, gopFrames: 10 }).pipe(take(20), toArray()));
 * ```
 */
export function syntheticStream(options: SyntheticStreamOptions = {}): Observable<MediaPacket> {
  const fps = options.fps ?? 25;
  const gopFrames = options.gopFrames ?? 50;
  const frameBytes = options.frameBytes ?? 1000;
  if (!(fps > 0)) throw new RangeError(`fps must be positive, got ${fps}`);
  if (!Number.isInteger(gopFrames) || gopFrames < 1) throw new RangeError(`gopFrames must be a positive integer`);
  if (!Number.isInteger(frameBytes) || frameBytes < 8) throw new RangeError(`frameBytes must be an integer >= 8`);
  const track: TrackInfo = {
    id: options.trackId ?? 0,
    kind: 'video',
    codec: 'synthetic',
    timescale: 90_000,
    fps,
    width: options.width ?? 1920,
    height: options.height ?? 1080,
  };
  return interval(1000 / fps, options.scheduler ?? asyncScheduler).pipe(
    map((index) => syntheticPacket(track, index, gopFrames, frameBytes)),
  );
}
