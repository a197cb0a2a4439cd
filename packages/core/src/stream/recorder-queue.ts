import { positive } from './gop-cache.js';
import type { ConsumerQueue, ConsumerQueueStats, QueuedPacket, QueueSignal } from './consumer-queue.js';
import { isVideoKeyframe, type MediaPacket } from './media-packet.js';

/** Options of {@link RecorderQueue}. */
export interface RecorderQueueOptions {
  /** Most packets waiting; default 3000 (2 min at 25 fps). */
  limit?: number;
}

/**
 * The queue of a recorder: it buffers everything up to `limit` packets. Past the bound it signals `overflowed`
 * once (the hub raises the alarm), drops packets up to the next keyframe that fits so what is written stays
 * decodable, and counts each drop; it signals `recovered` once the backlog is back below half the limit.
 *
 * @example
 * ```ts
 * const queue = new RecorderQueue({ limit: 1000 });
 * if (queue.push(packet)?.type === 'overflowed') raiseAlarm();
 * const next = queue.shift(); // { packet, signal?: { type: 'recovered', ... } }
 * ```
 */
export class RecorderQueue implements ConsumerQueue {
  readonly #limit: number;
  #queue: MediaPacket[] = [];
  #dropping = false;
  #alarm = false;
  #dropped = 0;
  #overflows = 0;

  constructor(options: RecorderQueueOptions = {}) {
    this.#limit = positive(options.limit ?? 3_000, 'limit');
  }

  push(packet: MediaPacket): QueueSignal | undefined {
    if (this.#dropping) {
      if (isVideoKeyframe(packet) && this.#queue.length < this.#limit) {
        this.#dropping = false;
        this.#queue.push(packet);
      } else {
        this.#dropped += 1;
      }
      return undefined;
    }
    if (this.#queue.length < this.#limit) {
      this.#queue.push(packet);
      return undefined;
    }
    this.#dropped += 1;
    this.#dropping = true;
    if (this.#alarm) return undefined;
    this.#alarm = true;
    this.#overflows += 1;
    return { type: 'overflowed', limit: this.#limit, dropped: this.#dropped };
  }

  shift(): QueuedPacket | undefined {
    const packet = this.#queue.shift();
    if (packet === undefined) return undefined;
    if (this.#alarm && !this.#dropping && this.#queue.length < this.#limit / 2) {
      this.#alarm = false;
      return { packet, signal: { type: 'recovered', limit: this.#limit, dropped: this.#dropped } };
    }
    return { packet };
  }

  get size(): number {
    return this.#queue.length;
  }

  /** True from an overflow until the backlog is back below half the limit. */
  get overflowing(): boolean {
    return this.#alarm;
  }

  toJSON(): ConsumerQueueStats {
    return { queued: this.#queue.length, dropped: this.#dropped, skips: 0, overflows: this.#overflows };
  }
}
