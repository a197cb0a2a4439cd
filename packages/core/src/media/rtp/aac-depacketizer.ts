import { ArgusError } from '../../errors/argus-error.js';
import type { MediaPacket, TrackInfo } from '../../stream/media-packet.js';
import type { AudioDepacketizerStats } from './g711-depacketizer.js';
import { MediaTimeline } from './media-timeline.js';
import type { SenderReportClock } from './rtcp.js';
import type { RtpPacket } from './rtp-packet.js';
import { sequenceDelta } from './sequence.js';

/** Options of an {@link AacDepacketizer}: the SDP fmtp values of an `mpeg4-generic` stream. */
export interface AacDepacketizerOptions {
  /** Track emitted for (codec `aac`, timescale = sample rate). */
  readonly track: TrackInfo;
  /** RTP clock rate; default `track.timescale`. */
  readonly clockRate?: number;
  /** fmtp `config`: the AudioSpecificConfig, as hex text or bytes; set on the emitted track. */
  readonly config?: string | Uint8Array;
  /** fmtp `sizelength`; default 13 (AAC-hbr). */
  readonly sizeLength?: number;
  /** fmtp `indexlength`; default 3. */
  readonly indexLength?: number;
  /** fmtp `indexdeltalength`; default 3. */
  readonly indexDeltaLength?: number;
  /** Samples per AAC frame; default 1024. */
  readonly frameLength?: number;
  /** Largest access unit reassembled from fragments, in bytes; default 64 KiB. */
  readonly maxFrameBytes?: number;
  readonly senderReportClock?: SenderReportClock;
}

/**
 * RTP AAC depacketizer (RFC 3640, `mpeg4-generic` mode AAC-hbr): reads the AU headers, emits one raw AAC frame
 * (no ADTS header) per access unit, several per packet, each at `timestamp + index * frameLength`; reassembles
 * an access unit fragmented over packets, and drops the fragment on loss.
 *
 * @throws ArgusError `ARGUS_ERR_MEDIA_UNSUPPORTED_CODEC` (from the constructor) when `config` is not hex.
 * @example
 * ```ts
 * const depacketizer = new AacDepacketizer({ track, config: fmtp.config });
 * for (const frame of depacketizer.process(rtpPacket)) hub.push(frame);
 * ```
 */
export class AacDepacketizer {
  readonly #track: TrackInfo;
  readonly #timeline: MediaTimeline;
  readonly #sizeLength: number;
  readonly #indexLength: number;
  readonly #indexDeltaLength: number;
  readonly #frameLength: number;
  readonly #maxFrameBytes: number;
  readonly #stats: AudioDepacketizerStats = { packets: 0, lost: 0, outOfOrder: 0, emitted: 0, badPayloads: 0 };
  #lastSequence = -1;
  #fragments: Uint8Array[] = [];
  #fragmentBytes = 0;
  #fragmentSize = 0;

  constructor(options: AacDepacketizerOptions) {
    const config = typeof options.config === 'string' ? hexBytes(options.config) : options.config;
    this.#track = config === undefined ? options.track : { ...options.track, config };
    this.#timeline = new MediaTimeline(options.clockRate ?? options.track.timescale, options.track.timescale, options.senderReportClock);
    this.#sizeLength = options.sizeLength ?? 13;
    this.#indexLength = options.indexLength ?? 3;
    this.#indexDeltaLength = options.indexDeltaLength ?? 3;
    this.#frameLength = options.frameLength ?? 1024;
    this.#maxFrameBytes = options.maxFrameBytes ?? 65536;
    if (this.#sizeLength < 1 || this.#sizeLength > 16 || this.#indexLength > 8 || this.#indexDeltaLength > 8) {
      throw new RangeError('sizeLength must be 1..16, indexLength and indexDeltaLength 0..8');
    }
  }

  /** The track emitted for (with `config` from the options). */
  get track(): TrackInfo {
    return this.#track;
  }

  /** The frames of one packet, or none while a fragmented frame is incomplete. */
  process(packet: RtpPacket): MediaPacket[] {
    const out: MediaPacket[] = [];
    this.#stats.packets += 1;
    if (this.#lastSequence >= 0) {
      const delta = sequenceDelta(packet.sequence, this.#lastSequence);
      if (delta <= 0) {
        this.#stats.outOfOrder += 1;
        return out;
      }
      if (delta > 1) {
        this.#stats.lost += delta - 1;
        if (this.#fragmentSize > 0) this.#dropFragment();
      }
    }
    this.#lastSequence = packet.sequence;
    const payload = packet.payload;
    if (payload.byteLength < 2) return this.#bad(out);
    const headerBits = (payload[0]! << 8) | payload[1]!;
    const dataStart = 2 + Math.ceil(headerBits / 8);
    if (dataStart > payload.byteLength) return this.#bad(out);

    const base = this.#timeline.unwrap(packet.timestamp);
    let bit = 16;
    const headerEnd = 16 + headerBits;
    let at = dataStart;
    let index = 0;
    let first = true;
    while (headerEnd - bit >= this.#sizeLength + (first ? this.#indexLength : this.#indexDeltaLength)) {
      const size = readBits(payload, bit, this.#sizeLength);
      bit += this.#sizeLength;
      const indexBits = first ? this.#indexLength : this.#indexDeltaLength;
      const idx = indexBits === 0 ? 0 : readBits(payload, bit, indexBits);
      bit += indexBits;
      index = first ? idx : index + 1 + idx;
      first = false;
      const available = payload.byteLength - at;
      if (size > available) {
        // One AU header and less data than it announces: a fragment of a large access unit (RFC 3640 3.2.3).
        if (at !== dataStart || headerEnd - bit >= this.#sizeLength) return this.#bad(out);
        this.#addFragment(payload.subarray(at), size);
        if (packet.marker && this.#fragmentBytes === this.#fragmentSize) {
          out.push(this.#frame(this.#joinFragments(), base, 0, packet.timestamp));
        }
        return out;
      }
      if (this.#fragmentSize > 0) this.#dropFragment();
      out.push(this.#frame(payload.subarray(at, at + size), base, index, packet.timestamp));
      at += size;
    }
    return out;
  }

  /** Counters, for stats and logs. */
  toJSON(): AudioDepacketizerStats {
    return { ...this.#stats };
  }

  #frame(unit: Uint8Array, base: number, index: number, rtpTimestamp: number): MediaPacket {
    this.#stats.emitted += 1;
    const step = index * this.#frameLength;
    const pts = this.#timeline.toPts(base + step);
    const wallClock = this.#timeline.wallClockOf(rtpTimestamp + step);
    return wallClock === undefined
      ? { track: this.#track, pts, keyframe: true, units: [unit] }
      : { track: this.#track, pts, keyframe: true, units: [unit], wallClock };
  }

  #addFragment(data: Uint8Array, size: number): void {
    if (this.#fragmentSize !== 0 && this.#fragmentSize !== size) this.#dropFragment();
    if (size > this.#maxFrameBytes || this.#fragmentBytes + data.byteLength > size) {
      this.#dropFragment();
      return;
    }
    this.#fragmentSize = size;
    this.#fragments.push(data);
    this.#fragmentBytes += data.byteLength;
  }

  #joinFragments(): Uint8Array {
    const unit = new Uint8Array(this.#fragmentBytes);
    let at = 0;
    for (const part of this.#fragments) {
      unit.set(part, at);
      at += part.byteLength;
    }
    this.#fragments = [];
    this.#fragmentBytes = 0;
    this.#fragmentSize = 0;
    return unit;
  }

  #dropFragment(): void {
    this.#stats.badPayloads += 1;
    this.#fragments = [];
    this.#fragmentBytes = 0;
    this.#fragmentSize = 0;
  }

  #bad(out: MediaPacket[]): MediaPacket[] {
    this.#stats.badPayloads += 1;
    return out;
  }
}

function readBits(bytes: Uint8Array, bitOffset: number, count: number): number {
  let value = 0;
  for (let i = 0; i < count; i++) {
    const bit = bitOffset + i;
    value = (value << 1) | ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1);
  }
  return value;
}

function hexBytes(hex: string): Uint8Array {
  const clean = hex.trim();
  if (clean === '' || clean.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(clean)) {
    throw new ArgusError('ARGUS_ERR_MEDIA_UNSUPPORTED_CODEC', { codec: 'aac', reason: `config "${hex}" is not hex` });
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}
