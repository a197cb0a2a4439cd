import { positive } from './gop-cache.js';
import type { ConsumerQueue, ConsumerQueueStats, QueuedPacket, QueueSignal } from './consumer-queue.js';
import { isVideoKeyframe, type MediaPacket } from './media-packet.js';

/** Options of {@link LiveQueue}. */
export interface LiveQueueOptions {
  /** Most packets waiting before the viewer skips ahead; default 100 (4 s at 25 fps). */
  maxQueue?: number;
}

/**
 * The queue of a live viewer: a viewer wants now, not everything. When its backlog would exceed `maxQueue`
 * packets, it discards the backlog and skips to the next keyframe, so the camera is never slowed and the viewer
 * resumes from a decodable picture. Every dropped packet is counted.
 *
 * @example
 * ```ts
 * const queue = new LiveQueue({ maxQueue: 50 });
 * const signal = queue.push(packet); // { type: 'skipped', dropped } when it skipped ahead
 * const next = queue.shift()?.packet;
 * ```
 */
export class LiveQueue implements ConsumerQueue {
  readonly #maxQueue: number;
  #queue: MediaPacket[] = [];
  #skipping = false;
  #dropped = 0;
  #skips = 0;

  constructor(options: LiveQueueOptions = {}) {
    this.#maxQueue = positive(options.maxQueue ?? 100, 'maxQueue');
  }

  push(packet: MediaPacket): QueueSignal | undefined {
    const keyframe = isVideoKeyframe(packet);
    if (this.#skipping) {
      if (!keyframe) {
        this.#dropped += 1;
        return undefined;
      }
      this.#skipping = false;
    }
    if (this.#queue.length < this.#maxQueue) {
      this.#queue.push(packet);
      return undefined;
    }
    let dropped = this.#queue.length;
    this.#queue = [];
    this.#skips += 1;
    if (keyframe) {
      this.#queue.push(packet);
    } else {
      dropped += 1;
      this.#skipping = true;
    }
    this.#dropped += dropped;
    return { type: 'skipped', dropped };
  }

  shift(): QueuedPacket | undefined {
    const packet = this.#queue.shift();
    return packet === undefined ? undefined : { packet };
  }

  get size(): number {
    return this.#queue.length;
  }

  /** True while waiting for a keyframe after a skip. */
  get skipping(): boolean {
    return this.#skipping;
  }

  toJSON(): ConsumerQueueStats {
    return { queued: this.#queue.length, dropped: this.#dropped, skips: this.#skips, overflows: 0 };
  }
}
