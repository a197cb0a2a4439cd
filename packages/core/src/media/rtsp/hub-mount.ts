import { firstValueFrom, last, scan, takeWhile, timeout, type Observable } from 'rxjs';
import type { MediaPacket, TrackInfo } from '../../stream/media-packet.js';
import type { StreamHub } from '../../stream/stream-hub.js';
import type { RtspMountSource } from './rtsp-server.js';

/** Options of {@link hubMount}. */
export interface HubMountOptions {
  /** How long DESCRIBE waits for the hub to deliver a keyframe; default 8 s (the server gives up at 10). */
  describeTimeoutMs?: number;
  /** Video frames to wait for an audio track after the keyframe before describing video alone; default 25. */
  audioWaitFrames?: number;
  /**
   * How long the upstream stays held after DESCRIBE, so the PLAY that follows finds it connected instead of
   * opening the camera a second time; default 5 s.
   */
  holdMs?: number;
}

interface Seen {
  readonly tracks: Map<number, TrackInfo>;
  readonly keyed: boolean;
  readonly videoAfterKey: number;
}

/**
 * Serves a stream hub through an {@link RtspServer} (RTSP restream): however many RTSP clients play the mount,
 * the camera keeps its one upstream connection, and each client starts at a keyframe from the hub's GOP cache.
 *
 * @example
 * ```ts
 * const restream = new RtspServer({ port: 8554 });
 * restream.mount('/cam-1', hubMount(kernel.streams.hub('cam-1')), { credentials });
 * ```
 */
export function hubMount(hub: StreamHub, options: HubMountOptions = {}): RtspMountSource {
  const describeTimeoutMs = options.describeTimeoutMs ?? 8_000;
  const audioWaitFrames = options.audioWaitFrames ?? 25;
  const holdMs = options.holdMs ?? 5_000;
  return {
    async describe(): Promise<readonly TrackInfo[]> {
      const hold = hub.live$({ name: 'rtsp-describe' }).subscribe({ error: () => undefined });
      setTimeout(() => hold.unsubscribe(), holdMs).unref();
      const seen = await firstValueFrom(
        hub.live$({ name: 'rtsp-describe' }).pipe(
          scan<MediaPacket, Seen>(
            (state, packet) => {
              state.tracks.set(packet.track.id, packet.track);
              const isKey = packet.track.kind === 'video' && packet.keyframe && (packet.track.parameterSets?.length ?? 0) > 0;
              const keyed = state.keyed || isKey;
              const videoAfterKey = state.videoAfterKey + (keyed && packet.track.kind === 'video' ? 1 : 0);
              return { tracks: state.tracks, keyed, videoAfterKey };
            },
            { tracks: new Map(), keyed: false, videoAfterKey: 0 },
          ),
          takeWhile((state) => !(state.keyed && ([...state.tracks.values()].some((t) => t.kind === 'audio') || state.videoAfterKey >= audioWaitFrames)), true),
          last(),
          timeout(describeTimeoutMs),
        ),
      );
      return [...seen.tracks.values()].sort((a, b) => a.id - b.id);
    },
    packets$(): Observable<MediaPacket> {
      return hub.live$({ name: 'rtsp-client' });
    },
  };
}
