import type { MediaPacket } from './media-packet.js';

/**
 * What a consumer queue tells its owner besides packets: a live viewer skipped ahead, a recorder overflowed its
 * bound, or a recorder drained back below half of it.
 */
export type QueueSignal =
  | { readonly type: 'skipped'; readonly dropped: number }
  | { readonly type: 'overflowed'; readonly limit: number; readonly dropped: number }
  | { readonly type: 'recovered'; readonly limit: number; readonly dropped: number };

/** A packet taken from a queue, with the signal the taking raised, if any. */
export interface QueuedPacket {
  readonly packet: MediaPacket;
  readonly signal?: QueueSignal;
}

/** Counters of a consumer queue. */
export interface ConsumerQueueStats {
  /** Packets waiting. */
  queued: number;
  /** Packets dropped by the queue's policy, each one counted. */
  dropped: number;
  /** Live: times the backlog was discarded to skip ahead. */
  skips: number;
  /** Recorder: overflow episodes (each raised one alarm). */
  overflows: number;
}

/**
 * The per-consumer buffer between a hub and a consumer that takes packets at its own pace: it decides what to
 * drop when the consumer falls behind ({@link LiveQueue}, {@link RecorderQueue}).
 */
export interface ConsumerQueue {
  /** Offers a packet; the result signals a policy decision the owner must report. */
  push(packet: MediaPacket): QueueSignal | undefined;
  /** Takes the oldest packet, or `undefined` when empty. */
  shift(): QueuedPacket | undefined;
  /** Packets waiting. */
  readonly size: number;
  toJSON(): ConsumerQueueStats;
}
