import { randomInt } from 'node:crypto';
import type { MediaPacket } from '../../stream/media-packet.js';
import { buildRtp } from './rtp-packet.js';

/** Options common to every packetizer. */
export interface RtpPacketizerOptions {
  /** RTP payload type (dynamic 96-127 for H.264/H.265/AAC; 0 PCMU, 8 PCMA). */
  readonly payloadType: number;
  /** SSRC of the outgoing stream; default random. */
  readonly ssrc?: number;
  /** Largest RTP payload in bytes (the RTP header comes on top); default 1200. */
  readonly mtu?: number;
  /** First sequence number; default random. */
  readonly initialSequence?: number;
  /** Added to every packet's pts (mod 2^32) to make the RTP timestamp; default random. */
  readonly timestampOffset?: number;
}

/** Counters of a packetizer. */
export interface PacketizerStats {
  /** MediaPackets taken. */
  accessUnits: number;
  /** RTP packets made. */
  packets: number;
  /** RTP payload bytes made. */
  payloadBytes: number;
}

/**
 * Shared RTP header state of the packetizers: SSRC, the running sequence number, the timestamp offset.
 * @internal
 */
export abstract class RtpPacketizer {
  /** SSRC put in every packet. */
  readonly ssrc: number;
  /** Payload type put in every packet. */
  readonly payloadType: number;
  protected readonly mtu: number;
  readonly #timestampOffset: number;
  #sequence: number;
  protected readonly stats: PacketizerStats = { accessUnits: 0, packets: 0, payloadBytes: 0 };

  protected constructor(options: RtpPacketizerOptions, minimumMtu: number) {
    const mtu = options.mtu ?? 1200;
    if (!Number.isInteger(mtu) || mtu < minimumMtu || mtu > 65_000) {
      throw new RangeError(`mtu must be an integer in ${minimumMtu}..65000, got ${mtu}`);
    }
    if (!Number.isInteger(options.payloadType) || options.payloadType < 0 || options.payloadType > 127) {
      throw new RangeError(`payloadType must be in 0..127, got ${options.payloadType}`);
    }
    this.mtu = mtu;
    this.payloadType = options.payloadType;
    this.ssrc = (options.ssrc ?? randomInt(0, 0xffffffff)) >>> 0;
    this.#sequence = (options.initialSequence ?? randomInt(0, 0x10000)) & 0xffff;
    this.#timestampOffset = (options.timestampOffset ?? randomInt(0, 0xffffffff)) >>> 0;
  }

  /** Sequence number the next packet gets. */
  get nextSequence(): number {
    return this.#sequence;
  }

  /** RTP timestamp of a media time: pts + offset, mod 2^32. */
  rtpTimestamp(pts: number): number {
    return (Math.round(pts) + this.#timestampOffset) % 4294967296 >>> 0;
  }

  /** Serialized RTP packets for one access unit or frame. */
  abstract process(packet: MediaPacket): Uint8Array[];

  /** Counters, for stats and logs. */
  toJSON(): PacketizerStats {
    return { ...this.stats };
  }

  protected emit(out: Uint8Array[], marker: boolean, timestamp: number, prefix: Uint8Array | undefined, body: Uint8Array): void {
    out.push(buildRtp(this.payloadType, marker, this.#sequence, timestamp, this.ssrc, prefix, body));
    this.#sequence = (this.#sequence + 1) & 0xffff;
    this.stats.packets += 1;
    this.stats.payloadBytes += (prefix?.byteLength ?? 0) + body.byteLength;
  }
}
