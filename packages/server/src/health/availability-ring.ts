/** Options of {@link AvailabilityRing}. */
export interface AvailabilityRingOptions {
  /** Width of one bucket, ms; default one minute. */
  bucketMs?: number;
  /** Span the ring remembers, ms; default 7 days. Older samples are overwritten. */
  spanMs?: number;
}

const MINUTE = 60_000;
const WEEK = 7 * 24 * 60 * MINUTE;

/**
 * Availability samples of one camera in fixed time buckets (a ring of `spanMs / bucketMs` buckets, so memory is
 * bounded whatever the uptime): each bucket counts the samples that were online and the samples whose status was
 * known. Buckets are stamped with their index, so a bucket left over from an earlier lap is never counted.
 *
 * @example
 * ```ts
 * const ring = new AvailabilityRing();
 * ring.record(clock.now(), true);
 * ring.availability(clock.now(), 24 * 3_600_000); // 100
 * ```
 */
export class AvailabilityRing {
  readonly #bucketMs: number;
  readonly #online: Uint16Array;
  readonly #known: Uint16Array;
  // Bucket index since the epoch + 1; 0 marks a bucket never written.
  readonly #stamp: Float64Array;

  constructor(options: AvailabilityRingOptions = {}) {
    const bucketMs = options.bucketMs ?? MINUTE;
    const spanMs = options.spanMs ?? WEEK;
    if (!Number.isInteger(bucketMs) || bucketMs <= 0) throw new RangeError('bucketMs must be a positive integer');
    if (!Number.isInteger(spanMs) || spanMs < bucketMs) throw new RangeError('spanMs must be an integer of at least bucketMs');
    this.#bucketMs = bucketMs;
    const size = Math.ceil(spanMs / bucketMs);
    this.#online = new Uint16Array(size);
    this.#known = new Uint16Array(size);
    this.#stamp = new Float64Array(size);
  }

  /** Records one sample whose status was known at `at` (ms since the epoch). */
  record(at: number, online: boolean): void {
    const index = Math.floor(at / this.#bucketMs);
    const slot = index % this.#stamp.length;
    if (this.#stamp[slot] !== index + 1) {
      this.#stamp[slot] = index + 1;
      this.#online[slot] = 0;
      this.#known[slot] = 0;
    }
    // Saturate rather than wrap: a 16-bit bucket holds 65535 samples, far beyond any sane interval.
    if (this.#known[slot]! === 0xffff) return;
    this.#known[slot]! += 1;
    if (online) this.#online[slot]! += 1;
  }

  /**
   * Percentage (0..100, two decimals) of the known samples in the `windowMs` up to `now` that were online;
   * `null` when no sample in that window was known. A window longer than the ring is cut to the ring's span.
   */
  availability(now: number, windowMs: number): number | null {
    const current = Math.floor(now / this.#bucketMs);
    const buckets = Math.min(this.#stamp.length, Math.max(1, Math.ceil(windowMs / this.#bucketMs)));
    let online = 0;
    let known = 0;
    for (let slot = 0; slot < this.#stamp.length; slot++) {
      const index = this.#stamp[slot]! - 1;
      if (index < 0 || index > current || index <= current - buckets) continue;
      online += this.#online[slot]!;
      known += this.#known[slot]!;
    }
    return known === 0 ? null : Math.round((online / known) * 10_000) / 100;
  }
}
