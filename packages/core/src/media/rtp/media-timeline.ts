import type { SenderReportClock } from './rtcp.js';
import { TimestampUnwrapper } from './sequence.js';

/**
 * RTP timestamps of one track to MediaPacket times: unwrapped, relative to the first, scaled from the clock rate
 * to the track's timescale, and mapped to wall clock when a sender report clock is attached.
 * @internal
 */
export class MediaTimeline {
  readonly #unwrapper = new TimestampUnwrapper();
  readonly #scale: number;
  readonly #srClock: SenderReportClock | undefined;

  constructor(clockRate: number, timescale: number, srClock: SenderReportClock | undefined) {
    if (!(clockRate > 0)) throw new RangeError(`clockRate must be positive, got ${clockRate}`);
    this.#scale = timescale / clockRate;
    this.#srClock = srClock;
  }

  /** Unwrapped RTP time (clock-rate units, relative to the first call) of a 32-bit timestamp. */
  unwrap(rtpTimestamp: number): number {
    return this.#unwrapper.unwrap(rtpTimestamp);
  }

  /** Converts unwrapped RTP time to the track's timescale. */
  toPts(unwrapped: number): number {
    return this.#scale === 1 ? unwrapped : Math.round(unwrapped * this.#scale);
  }

  /** Wall clock of a 32-bit RTP timestamp, if known. */
  wallClockOf(rtpTimestamp: number): number | undefined {
    return this.#srClock?.wallClockOf(rtpTimestamp);
  }
}
