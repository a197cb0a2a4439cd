import type { MonoTypeOperatorFunction } from 'rxjs';
import { processWith } from './process-with.js';
import { systemClock, type Clock } from '../time/clock.js';
import { positive } from './gop-cache.js';
import { packetByteLength, type MediaPacket } from './media-packet.js';

/** Options of {@link StreamMeter}. */
export interface StreamMeterOptions {
  clock?: Clock;
  /** Width of the sliding window for rates, ms; default 2000. */
  windowMs?: number;
}

/** Live statistics of a stream. */
export interface StreamMeterStats {
  /** Video packets per second over the window. */
  fps: number;
  /** Payload bits per second over the window (video and audio). */
  bitrateBps: number;
  /** Packets since creation. */
  packets: number;
  /** Payload bytes since creation. */
  bytes: number;
  /** Clock time of the last packet, or `null` before the first. */
  lastPacketAt: number | null;
}

interface Sample {
  at: number;
  bytes: number;
  video: boolean;
}

/**
 * Measures a packet flow: frame rate and bitrate over a sliding window of the injected clock, plus totals.
 * Rates decay to 0 when packets stop, since they are computed when read.
 *
 * @example
 * ```ts
 * const meter = new StreamMeter({ clock, windowMs: 1000 });
 * packets$.pipe(streamMeter(meter)).subscribe(forward);
 * meter.toJSON(); // { fps: 25, bitrateBps: 2_000_000, packets, bytes, lastPacketAt }
 * ```
 */
export class StreamMeter {
  readonly #clock: Clock;
  readonly #windowMs: number;
  #samples: Sample[] = [];
  #head = 0;
  #windowBytes = 0;
  #windowVideo = 0;
  #packets = 0;
  #bytes = 0;
  #lastPacketAt: number | null = null;

  constructor(options: StreamMeterOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#windowMs = positive(options.windowMs ?? 2_000, 'windowMs');
  }

  /** Counts a packet and passes it on unchanged. */
  process(packet: MediaPacket): MediaPacket[] {
    const at = this.#clock.now();
    const bytes = packetByteLength(packet);
    const video = packet.track.kind === 'video';
    this.#packets += 1;
    this.#bytes += bytes;
    this.#lastPacketAt = at;
    this.#samples.push({ at, bytes, video });
    this.#windowBytes += bytes;
    if (video) this.#windowVideo += 1;
    this.#expire(at);
    return [packet];
  }

  /** Current rates and totals. */
  toJSON(): StreamMeterStats {
    this.#expire(this.#clock.now());
    const seconds = this.#windowMs / 1_000;
    return {
      fps: this.#windowVideo / seconds,
      bitrateBps: (this.#windowBytes * 8) / seconds,
      packets: this.#packets,
      bytes: this.#bytes,
      lastPacketAt: this.#lastPacketAt,
    };
  }

  #expire(now: number): void {
    const oldest = now - this.#windowMs;
    while (this.#head < this.#samples.length) {
      const sample = this.#samples[this.#head]!;
      if (sample.at > oldest) break;
      this.#windowBytes -= sample.bytes;
      if (sample.video) this.#windowVideo -= 1;
      this.#head += 1;
    }
    // Compact now and then so the array does not grow for the life of the stream.
    if (this.#head > 1_024 && this.#head * 2 > this.#samples.length) {
      this.#samples = this.#samples.slice(this.#head);
      this.#head = 0;
    }
  }
}

/** RxJS operator that counts each packet in `meter` and passes it on. */
export function streamMeter(meter: StreamMeter): MonoTypeOperatorFunction<MediaPacket> {
  return processWith(meter);
}
