import { isVideoKeyframe, packetByteLength, type MediaPacket } from '@argus/core';

/** Options of {@link PreBuffer}. */
export interface PreBufferOptions {
  /** Seconds of packets held, measured by packet timestamps; 0 keeps just the current GOP. */
  seconds: number;
  /** Most payload bytes held; default 64 MiB. Past it, whole GOPs are dropped from the front. */
  maxBytes?: number;
}

/** What a {@link PreBuffer} holds now. */
export interface PreBufferStats {
  packets: number;
  bytes: number;
  /** Span from its first keyframe to its newest video packet, by packet timestamps. */
  seconds: number;
  /** GOPs dropped to keep under `maxBytes`. */
  droppedForBytes: number;
}

interface Gop {
  readonly packets: MediaPacket[];
  bytes: number;
  /** Time of its keyframe, seconds of the video track's clock. */
  readonly start: number;
}

/** Seconds of a packet on its track's clock. */
function secondsOf(packet: MediaPacket): number {
  return (packet.dts ?? packet.pts) / packet.track.timescale;
}

/**
 * The rolling memory of an event recorder: the last `seconds` of packets, always starting at a video keyframe
 * so a recording opened from it is decodable.
 *
 * It holds whole GOPs: every GOP whose keyframe is at most `seconds` older than the newest video packet, and
 * always at least the current GOP (a recording cannot start between keyframes), so it may hold up to one GOP
 * less than `seconds`, or more than `seconds` when a single GOP is longer. Time is packet time, not wall time,
 * so a stalled or bursty stream keeps what the camera filmed. Bytes are bounded too: over `maxBytes` it drops
 * the oldest GOPs, and when the current GOP alone is over the bound, everything up to the next keyframe.
 *
 * @example
 * ```ts
 * const buffer = new PreBuffer({ seconds: 5 });
 * for (const packet of packets) buffer.push(packet);
 * sink.write(...buffer.take()); // starts at a keyframe at most 5 s before the newest packet
 * ```
 */
export class PreBuffer {
  readonly #seconds: number;
  readonly #maxBytes: number;
  #gops: Gop[] = [];
  #bytes = 0;
  #newest = Number.NEGATIVE_INFINITY;
  #droppedForBytes = 0;

  constructor(options: PreBufferOptions) {
    if (!(options.seconds >= 0) || !Number.isFinite(options.seconds)) throw new RangeError(`seconds must be >= 0, got ${options.seconds}`);
    const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    if (!(maxBytes > 0)) throw new RangeError(`maxBytes must be positive, got ${maxBytes}`);
    this.#seconds = options.seconds;
    this.#maxBytes = maxBytes;
  }

  /** True when it holds something a recording can start from. */
  get ready(): boolean {
    return this.#gops.length > 0;
  }

  /**
   * Adds a packet. Returns `true` when the byte bound made it drop a GOP (for the caller to warn), else `false`.
   * Packets before the first keyframe are ignored.
   */
  push(packet: MediaPacket): boolean {
    const bytes = packetByteLength(packet);
    if (isVideoKeyframe(packet)) {
      this.#gops.push({ packets: [packet], bytes, start: secondsOf(packet) });
    } else {
      const current = this.#gops.at(-1);
      if (current === undefined) return false;
      current.packets.push(packet);
      current.bytes += bytes;
    }
    this.#bytes += bytes;
    if (packet.track.kind === 'video') this.#newest = secondsOf(packet);
    this.#trimByTime();
    return this.#trimByBytes();
  }

  /** Empties it, returning its packets in order (the first is a video keyframe). */
  take(): MediaPacket[] {
    const packets = this.#gops.flatMap((gop) => gop.packets);
    this.clear();
    return packets;
  }

  /** Drops everything (a new connection: timestamps and codec parameters may start over). */
  clear(): void {
    this.#gops = [];
    this.#bytes = 0;
    this.#newest = Number.NEGATIVE_INFINITY;
  }

  stats(): PreBufferStats {
    const first = this.#gops[0];
    return {
      packets: this.#gops.reduce((sum, gop) => sum + gop.packets.length, 0),
      bytes: this.#bytes,
      seconds: first === undefined ? 0 : Math.max(0, this.#newest - first.start),
      droppedForBytes: this.#droppedForBytes,
    };
  }

  #trimByTime(): void {
    // Drop the oldest GOP while the next one still starts early enough to cover what is asked.
    while (this.#gops.length > 1 && this.#gops[0]!.start < this.#newest - this.#seconds) this.#dropFirst();
  }

  #trimByBytes(): boolean {
    if (this.#bytes <= this.#maxBytes) return false;
    while (this.#bytes > this.#maxBytes && this.#gops.length > 0) {
      this.#dropFirst();
      this.#droppedForBytes += 1;
    }
    return true;
  }

  #dropFirst(): void {
    const gop = this.#gops.shift();
    if (gop !== undefined) this.#bytes -= gop.bytes;
  }
}
