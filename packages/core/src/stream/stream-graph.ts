import type { Observable, SchedulerLike } from 'rxjs';
import type { EventBus } from '../events/event-bus.js';
import { silentLogger, type Logger } from '../logging/logger.js';
import type { Clock } from '../time/clock.js';
import type { MediaPacket } from './media-packet.js';
import { StreamHub, type StreamHubOptions, type StreamHubStats } from './stream-hub.js';

/** Hub settings shared by every hub of a {@link StreamGraph}. */
export type StreamHubDefaults = Pick<StreamHubOptions, 'reconnect' | 'gopCache' | 'meterWindowMs'>;

/** Options of {@link StreamGraph}. */
export interface StreamGraphOptions {
  /** Gives the upstream factory of a camera stream (typically the driver session's stream of that profile). */
  resolveUpstream: (cameraId: string, profile: string) => () => Observable<MediaPacket>;
  bus?: EventBus;
  clock?: Clock;
  logger?: Logger;
  scheduler?: SchedulerLike;
  hubDefaults?: StreamHubDefaults;
}

/**
 * The registry of stream hubs: one {@link StreamHub} per camera stream, id `${cameraId}/${profile}`, created on
 * first use. Creating a hub opens nothing: the upstream connects when a consumer comes.
 *
 * @example
 * ```ts
 * const graph = new StreamGraph({ resolveUpstream: (cameraId, profile) => () => sessions.get(cameraId).stream$(profile), bus });
 * graph.hub('cam-1').live$().subscribe(render);          // cam-1/main
 * graph.hub('cam-1', 'sub').attach({ kind: 'recorder', name: 'recorder', sink });
 * graph.stats(); // one entry per hub
 * await graph.close();
 * ```
 */
export class StreamGraph {
  readonly #options: StreamGraphOptions;
  readonly #logger: Logger;
  readonly #hubs = new Map<string, StreamHub>();

  constructor(options: StreamGraphOptions) {
    if (typeof options.resolveUpstream !== 'function') throw new TypeError('StreamGraph needs resolveUpstream');
    this.#options = options;
    this.#logger = options.logger ?? silentLogger();
  }

  /** Id of the stream of a camera's profile. */
  static streamId(cameraId: string, profile = 'main'): string {
    return `${cameraId}/${profile}`;
  }

  /** The hub of a camera stream, created (without connecting) on first use. */
  hub(cameraId: string, profile = 'main'): StreamHub {
    if (typeof cameraId !== 'string' || cameraId === '') throw new TypeError('hub() needs a non-empty cameraId');
    const id = StreamGraph.streamId(cameraId, profile);
    let hub = this.#hubs.get(id);
    if (hub === undefined) {
      const options = this.#options;
      hub = new StreamHub({
        ...options.hubDefaults,
        id,
        cameraId,
        // Resolved per connection, so a reconnect picks up a changed configuration.
        upstream: () => options.resolveUpstream(cameraId, profile)(),
        bus: options.bus,
        clock: options.clock,
        scheduler: options.scheduler,
        logger: this.#logger,
      });
      this.#hubs.set(id, hub);
    }
    return hub;
  }

  /** The hub with this stream id, if it exists. */
  get(streamId: string): StreamHub | undefined {
    return this.#hubs.get(streamId);
  }

  /** Closes and forgets the hub of one profile, or of every profile of the camera when `profile` is omitted. */
  remove(cameraId: string, profile?: string): void {
    for (const [id, hub] of this.#hubs) {
      if (hub.cameraId !== cameraId || (profile !== undefined && id !== StreamGraph.streamId(cameraId, profile))) continue;
      this.#hubs.delete(id);
      hub.close();
    }
  }

  /** Every hub. */
  hubs(): StreamHub[] {
    return [...this.#hubs.values()];
  }

  /** Statistics of every hub. */
  stats(): StreamHubStats[] {
    return this.hubs().map((hub) => hub.stats());
  }

  /** Closes every hub and empties the registry. */
  async close(): Promise<void> {
    const hubs = this.hubs();
    this.#hubs.clear();
    for (const hub of hubs) hub.close();
  }
}
