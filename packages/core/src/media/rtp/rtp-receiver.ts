import { systemClock, type Clock } from '../../time/clock.js';
import type { RtpPacket } from './rtp-packet.js';
import type { ReportBlock } from './rtcp.js';

/** Options of an {@link RtpReceiver}. */
export interface RtpReceiverOptions {
  /** RTP clock rate of the track (90 000 for video), for jitter. */
  readonly clockRate: number;
  /**
   * Packets held while waiting for a missing one (UDP). 0 disables reordering (TCP-interleaved): every packet is
   * released at once and a gap is a loss. Default 64.
   */
  readonly reorderWindow?: number;
  /** Longest a packet waits for a missing predecessor before the gap is declared lost, in ms. Default 100. */
  readonly maxReorderDelayMs?: number;
  /** Source of arrival times when `process` is not given one. */
  readonly clock?: Clock;
}

/** Counters of an {@link RtpReceiver}. */
export interface RtpReceiverStats {
  ssrc: number | undefined;
  /** Packets received, including late and duplicate ones (RFC 3550 `received`). */
  received: number;
  /** Packets expected from the first to the highest sequence number. */
  expected: number;
  /** Cumulative loss: expected - received (negative with duplicates, as RFC 3550 allows). */
  lost: number;
  /** Packets that arrived after their gap had been given up, and were dropped. */
  late: number;
  /** Packets received twice, dropped. */
  duplicates: number;
  /** Packets given up as lost by the reorder window. */
  skipped: number;
  /** Extended highest sequence number, -1 before the first packet. */
  highestSequence: number;
  /** Interarrival jitter in RTP timestamp units (RFC 3550 A.8). */
  jitter: number;
  /** Packets waiting in the reorder window. */
  held: number;
  /** Times the sequence restarted far away and the receiver followed. */
  resyncs: number;
}

const HISTORY = 4096;
const MAX_DROPOUT = 3000;
const EXT_START = 0x10000;

/**
 * Receiver stage for one SSRC: extends sequence numbers, puts UDP packets back in order within a bounded window,
 * drops duplicates and late arrivals, and keeps the RFC 3550 reception statistics (loss, jitter) that receiver
 * reports carry. Outputs the packets in sequence order, ready for a depacketizer.
 *
 * @example
 * ```ts
 * const receiver = new RtpReceiver({ clockRate: 90000 });
 * for (const packet of receiver.process(parseRtp(datagram))) depacketizer.process(packet);
 * setInterval(() => { for (const p of receiver.flush()) depacketizer.process(p); }, 50); // release after a gap
 * ```
 */
export class RtpReceiver {
  readonly #clockRate: number;
  readonly #window: number;
  readonly #maxDelay: number;
  readonly #clock: Clock;

  #ssrc: number | undefined;
  #highestExt = -1;
  #baseExt = 0;
  #nextExt = 0;
  #received = 0;
  #late = 0;
  #duplicates = 0;
  #skipped = 0;
  #resyncs = 0;
  #jitter = 0;
  #lastTransit: number | undefined;
  #expectedPrior = 0;
  #receivedPrior = 0;
  #badExt: number | undefined;
  #expectedBefore = 0;
  #lastSr = 0;
  #lastSrArrival: number | undefined;

  readonly #seen = new Float64Array(HISTORY).fill(-1);
  readonly #slots: (RtpPacket | undefined)[];
  readonly #arrivals: Float64Array;
  #held = 0;
  /** Until the first release (UDP): the first packet to arrive need not be the first sent. */
  #starting = true;

  constructor(options: RtpReceiverOptions) {
    if (!(options.clockRate > 0)) throw new RangeError(`clockRate must be positive, got ${options.clockRate}`);
    const window = options.reorderWindow ?? 64;
    if (!Number.isInteger(window) || window < 0 || window > 2048) {
      throw new RangeError(`reorderWindow must be an integer in 0..2048, got ${window}`);
    }
    this.#clockRate = options.clockRate;
    this.#window = window;
    this.#maxDelay = options.maxReorderDelayMs ?? 100;
    this.#clock = options.clock ?? systemClock;
    this.#slots = new Array<RtpPacket | undefined>(Math.max(window, 1));
    this.#arrivals = new Float64Array(Math.max(window, 1));
  }

  /**
   * Takes one received packet (arrival time in ms, default the clock's now) and returns the packets now
   * releasable, in sequence order.
   */
  process(packet: RtpPacket, arrivalMs: number = this.#clock.now()): RtpPacket[] {
    this.#ssrc ??= packet.ssrc;
    const ext = this.#extend(packet.sequence);
    this.#received += 1;
    this.#updateJitter(packet.timestamp, arrivalMs);

    if (ext < 0) {
      this.#late += 1;
      return [];
    }
    if (this.#seen[ext % HISTORY] === ext) {
      this.#duplicates += 1;
      return [];
    }
    this.#seen[ext % HISTORY] = ext;

    if (ext < this.#nextExt) {
      // Before anything is released, an earlier packet that overtook nothing yet simply becomes the new start.
      if (!this.#starting || this.#highestExt - ext >= this.#window) {
        this.#late += 1;
        return [];
      }
      this.#nextExt = ext;
      if (ext < this.#baseExt) this.#baseExt = ext;
    }
    if (this.#window === 0) {
      // TCP: nothing is held, so the packet goes straight out; an exact one-element array, no growth, no sort.
      this.#skipped += ext - this.#nextExt;
      this.#nextExt = ext + 1;
      return [packet];
    }
    const out: RtpPacket[] = [];
    while (ext - this.#nextExt >= this.#window) {
      this.#starting = false;
      if (this.#held === 0) {
        this.#skipped += ext - this.#nextExt;
        this.#nextExt = ext;
      } else {
        this.#skipGap(out);
      }
    }
    const slot = ext % this.#window;
    this.#slots[slot] = packet;
    this.#arrivals[slot] = arrivalMs;
    this.#held += 1;
    if (!this.#starting) this.#release(out);
    this.#expire(arrivalMs, out);
    return out;
  }

  /** Releases packets whose missing predecessors waited longer than `maxReorderDelayMs`; call on a timer. */
  flush(nowMs: number = this.#clock.now()): RtpPacket[] {
    const out: RtpPacket[] = [];
    this.#expire(nowMs, out);
    return out;
  }

  /** Releases everything held, giving up every gap (end of stream). */
  drain(): RtpPacket[] {
    const out: RtpPacket[] = [];
    this.#starting = false;
    while (this.#held > 0) this.#skipGap(out);
    return out;
  }

  /** Records the arrival of a sender report from this source, for the LSR/DLSR fields of the next report block. */
  noteSenderReport(ntpMiddle32: number, arrivalMs: number = this.#clock.now()): void {
    this.#lastSr = ntpMiddle32 >>> 0;
    this.#lastSrArrival = arrivalMs;
  }

  /**
   * The values of an RTCP report block for this source; starts a new interval for `fractionLost`.
   * `undefined` before the first packet.
   */
  reportBlock(nowMs: number = this.#clock.now()): ReportBlock | undefined {
    if (this.#ssrc === undefined) return undefined;
    const expected = this.#expected();
    const expectedInterval = expected - this.#expectedPrior;
    const receivedInterval = this.#received - this.#receivedPrior;
    this.#expectedPrior = expected;
    this.#receivedPrior = this.#received;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost = expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval * 256) / expectedInterval);
    const cumulative = Math.max(-0x800000, Math.min(0x7fffff, expected - this.#received));
    const delay =
      this.#lastSrArrival === undefined ? 0 : Math.max(0, Math.round(((nowMs - this.#lastSrArrival) * 65536) / 1000));
    return {
      ssrc: this.#ssrc,
      fractionLost: Math.min(255, fractionLost),
      cumulativeLost: cumulative,
      highestSequence: (this.#highestExt - EXT_START) >>> 0,
      jitter: Math.floor(this.#jitter) >>> 0,
      lastSenderReport: this.#lastSr,
      delaySinceLastSenderReport: delay >>> 0,
    };
  }

  /** Counters, for stats and logs. */
  toJSON(): RtpReceiverStats {
    const expected = this.#expected();
    return {
      ssrc: this.#ssrc,
      received: this.#received,
      expected,
      lost: expected - this.#received,
      late: this.#late,
      duplicates: this.#duplicates,
      skipped: this.#skipped,
      highestSequence: this.#highestExt < 0 ? -1 : this.#highestExt - EXT_START,
      jitter: this.#jitter,
      held: this.#held,
      resyncs: this.#resyncs,
    };
  }

  #expected(): number {
    return this.#highestExt < 0 ? 0 : this.#expectedBefore + this.#highestExt - this.#baseExt + 1;
  }

  #extend(sequence: number): number {
    if (this.#highestExt < 0) {
      // Start away from 0 so extended numbers of packets reordered before the first stay positive.
      const ext = sequence + EXT_START;
      this.#highestExt = ext;
      this.#baseExt = ext;
      this.#nextExt = ext;
      return ext;
    }
    const delta = (((sequence - this.#highestExt) & 0xffff) << 16) >> 16;
    let ext = this.#highestExt + delta;
    if (delta > MAX_DROPOUT || delta < -MAX_DROPOUT) {
      // A far jump: a restarted sender, or garbage. Follow it only when the next packet confirms it.
      if (this.#badExt !== undefined && ext === this.#badExt + 1) {
        this.#resync(ext);
        ext = this.#highestExt;
      } else {
        this.#badExt = ext;
        return -1;
      }
    }
    this.#badExt = undefined;
    if (ext > this.#highestExt) this.#highestExt = ext;
    return ext;
  }

  #resync(ext: number): void {
    this.#resyncs += 1;
    // Packets still held belong to the old numbering; they are dropped with the rest of that history.
    this.#slots.fill(undefined);
    this.#held = 0;
    this.#seen.fill(-1);
    this.#expectedBefore += this.#highestExt - this.#baseExt + 1;
    // The packet that announced the jump (ext - 1) was counted as received: it starts the new numbering.
    this.#baseExt = ext - 1;
    this.#highestExt = ext;
    this.#nextExt = ext;
    this.#starting = this.#window > 0;
  }

  #updateJitter(timestamp: number, arrivalMs: number): void {
    const arrival = (arrivalMs * this.#clockRate) / 1000;
    const transit = arrival - timestamp;
    if (this.#lastTransit !== undefined) {
      // Timestamps wrap at 2^32: fold the transit difference back into a signed 32-bit range.
      let d = transit - this.#lastTransit;
      d = d - Math.round(d / 4294967296) * 4294967296;
      this.#jitter += (Math.abs(d) - this.#jitter) / 16;
    }
    this.#lastTransit = transit;
  }

  #release(out: RtpPacket[]): void {
    for (;;) {
      const slot = this.#nextExt % this.#window;
      const packet = this.#slots[slot];
      if (packet === undefined) return;
      this.#slots[slot] = undefined;
      this.#held -= 1;
      this.#nextExt += 1;
      out.push(packet);
    }
  }

  /** Gives up the first gap: moves past missing numbers to the next held packet and releases the run from it. */
  #skipGap(out: RtpPacket[]): void {
    if (this.#held === 0) return;
    while (this.#slots[this.#nextExt % this.#window] === undefined) {
      this.#nextExt += 1;
      this.#skipped += 1;
    }
    this.#release(out);
  }

  #expire(nowMs: number, out: RtpPacket[]): void {
    while (this.#held > 0) {
      let oldest = Infinity;
      for (let i = 0; i < this.#window; i++) {
        if (this.#slots[i] !== undefined && this.#arrivals[i]! < oldest) oldest = this.#arrivals[i]!;
      }
      if (nowMs - oldest < this.#maxDelay) return;
      this.#starting = false;
      this.#skipGap(out);
    }
  }
}
