/**
 * Extends 16-bit RTP sequence numbers to a monotonic count across wraparounds (65535 -> 0), judging each new value
 * by its shortest distance to the highest one seen, so reordered packets near a wrap land on the right cycle.
 *
 * @example
 * ```ts
 * const seq = new SequenceUnwrapper();
 * seq.unwrap(65535); // 65535
 * seq.unwrap(0);     // 65536
 * ```
 */
export class SequenceUnwrapper {
  #highest = -1;

  /** Extended sequence number of `sequence` (16-bit). */
  unwrap(sequence: number): number {
    if (this.#highest < 0) {
      this.#highest = sequence;
      return sequence;
    }
    const delta = (((sequence - this.#highest) & 0xffff) << 16) >> 16;
    const extended = this.#highest + delta;
    if (delta > 0) this.#highest = extended;
    return extended;
  }

  /** Highest extended sequence number seen, -1 before the first. */
  get highest(): number {
    return this.#highest;
  }

  /** Forgets the history (a new source). */
  reset(): void {
    this.#highest = -1;
  }
}

/**
 * Extends 32-bit RTP timestamps across wraparounds (2^32 -> 0) to a number relative to the first timestamp
 * seen, so media time keeps growing for as long as a stream lives. Steps backwards (B-frames) are kept signed.
 *
 * @example
 * ```ts
 * const ts = new TimestampUnwrapper();
 * ts.unwrap(0xffff_fff0); // 0
 * ts.unwrap(0x10);        // 32
 * ```
 */
export class TimestampUnwrapper {
  #last = 0;
  #lastExtended = 0;
  #started = false;

  /** Unwrapped timestamp of `timestamp` (32-bit), relative to the first one (which gives 0). */
  unwrap(timestamp: number): number {
    if (!this.#started) {
      this.#started = true;
      this.#last = timestamp >>> 0;
      this.#lastExtended = 0;
      return 0;
    }
    const delta = ((timestamp - this.#last) | 0);
    this.#last = timestamp >>> 0;
    this.#lastExtended += delta;
    return this.#lastExtended;
  }

  /** Forgets the history: the next timestamp becomes 0 again. */
  reset(): void {
    this.#started = false;
  }
}

/** Signed distance `a - b` between two 16-bit sequence numbers, in -32768..32767. */
export function sequenceDelta(a: number, b: number): number {
  return (((a - b) & 0xffff) << 16) >> 16;
}
