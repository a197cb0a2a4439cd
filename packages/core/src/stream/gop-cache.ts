import type { MonoTypeOperatorFunction } from 'rxjs';
import { processWith } from './process-with.js';
import { isVideoKeyframe, packetByteLength, type MediaPacket } from './media-packet.js';

/** Bounds of a {@link GopCache}. */
export interface GopCacheOptions {
  /** Most packets kept (video and audio); default 1500 (a 60 s GOP at 25 fps). */
  maxPackets?: number;
  /** Most payload bytes kept; default 32 MiB. */
  maxBytes?: number;
}

/** Counters of a {@link GopCache}. */
export interface GopCacheStats {
  packets: number;
  bytes: number;
  maxPackets: number;
  maxBytes: number;
  /** Keyframes that started a new cached GOP. */
  keyframes: number;
  /** Times the cache went over a bound and emptied itself until the next keyframe. */
  overflows: number;
}

/**
 * Keeps the packets since the last video keyframe (audio in between included), so a new viewer starts at once
 * from a decodable point instead of waiting for the next keyframe.
 *
 * Over a bound it empties until the next keyframe rather than hold a partial GOP, which a decoder could not use.
 *
 * @example
 * ```ts
 * const cache = new GopCache({ maxPackets: 500 });
 * packets$.pipe(gopCache(cache)).subscribe(forward);
 * const startHere = cache.snapshot(); // [keyframe, ...]
 * ```
 */
export class GopCache {
  readonly #maxPackets: number;
  readonly #maxBytes: number;
  #packets: MediaPacket[] = [];
  #bytes = 0;
  #keyframes = 0;
  #overflows = 0;

  constructor(options: GopCacheOptions = {}) {
    this.#maxPackets = positive(options.maxPackets ?? 1_500, 'maxPackets');
    this.#maxBytes = positive(options.maxBytes ?? 32 * 1024 * 1024, 'maxBytes');
  }

  /** Records a packet and passes it on unchanged. */
  process(packet: MediaPacket): MediaPacket[] {
    this.push(packet);
    return [packet];
  }

  /** Records a packet. */
  push(packet: MediaPacket): void {
    if (isVideoKeyframe(packet)) {
      this.#keyframes += 1;
      this.#packets = [packet];
      this.#bytes = packetByteLength(packet);
    } else {
      if (this.#packets.length === 0) return;
      this.#packets.push(packet);
      this.#bytes += packetByteLength(packet);
    }
    if (this.#packets.length > this.#maxPackets || this.#bytes > this.#maxBytes) {
      this.#overflows += 1;
      this.clear();
    }
  }

  /** The cached packets, starting at a keyframe; empty when none is cached. */
  snapshot(): MediaPacket[] {
    return this.#packets.slice();
  }

  /** Forgets the cached GOP (e.g. on a new upstream connection, whose parameters may differ). */
  clear(): void {
    this.#packets = [];
    this.#bytes = 0;
  }

  /** Number of cached packets. */
  get size(): number {
    return this.#packets.length;
  }

  /** Counters, for stats and logs. */
  toJSON(): GopCacheStats {
    return {
      packets: this.#packets.length,
      bytes: this.#bytes,
      maxPackets: this.#maxPackets,
      maxBytes: this.#maxBytes,
      keyframes: this.#keyframes,
      overflows: this.#overflows,
    };
  }
}

/** RxJS operator that records each packet in `cache` and passes it on. */
export function gopCache(cache: GopCache): MonoTypeOperatorFunction<MediaPacket> {
  return processWith(cache);
}

/** Checks a bound given by a programmer. */
export function positive(value: number, name: string): number {
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}
