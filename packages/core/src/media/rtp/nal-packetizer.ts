import type { MediaPacket } from '../../stream/media-packet.js';
import { RtpPacketizer, type RtpPacketizerOptions } from './rtp-packetizer.js';

/** Options of the H.264 and H.265 packetizers. */
export interface NalPacketizerOptions extends RtpPacketizerOptions {
  /** Aggregate consecutive small NAL units (SPS, PPS, SEI...) into one STAP-A / AP packet. Default false. */
  readonly aggregate?: boolean;
}

/**
 * NAL units to RTP: single NAL unit packets when they fit, fragmentation units when not, optional aggregation;
 * marker bit on the last packet of the access unit. The codec supplies the fragmentation/aggregation headers.
 * @internal
 */
export abstract class NalPacketizer extends RtpPacketizer {
  readonly #aggregate: boolean;

  protected constructor(options: NalPacketizerOptions, private readonly nalHeaderBytes: 1 | 2) {
    super(options, nalHeaderBytes + 2 + 16);
    this.#aggregate = options.aggregate ?? false;
  }

  /** RTP packets of one access unit (its `units` are NAL units without start codes). */
  process(packet: MediaPacket): Uint8Array[] {
    const out: Uint8Array[] = [];
    const timestamp = this.rtpTimestamp(packet.pts);
    const units = packet.units;
    let last = units.length - 1;
    while (last >= 0 && units[last]!.byteLength <= this.nalHeaderBytes) last -= 1;
    this.stats.accessUnits += 1;
    let i = 0;
    while (i <= last) {
      const nal = units[i]!;
      if (nal.byteLength <= this.nalHeaderBytes) {
        i += 1;
        continue;
      }
      if (this.#aggregate) {
        const end = this.#aggregationEnd(units, i, last);
        if (end > i + 1) {
          this.emit(out, end - 1 === last, timestamp, undefined, this.#aggregationPayload(units, i, end));
          i = end;
          continue;
        }
      }
      if (nal.byteLength <= this.mtu) {
        this.emit(out, i === last, timestamp, undefined, nal);
      } else {
        this.#fragment(out, nal, i === last, timestamp);
      }
      i += 1;
    }
    return out;
  }

  /** The aggregation packet's own NAL header for units [from, to). */
  protected abstract aggregationHeader(first: Uint8Array): Uint8Array;

  /** The FU prefix (indicator/payload header + FU header) of one fragment. */
  protected abstract fragmentPrefix(nal: Uint8Array, start: boolean, end: boolean): Uint8Array;

  #aggregationEnd(units: readonly Uint8Array[], from: number, last: number): number {
    let size = this.nalHeaderBytes;
    let end = from;
    while (end <= last) {
      const unit = units[end]!;
      if (unit.byteLength <= this.nalHeaderBytes) break;
      if (size + 2 + unit.byteLength > this.mtu) break;
      size += 2 + unit.byteLength;
      end += 1;
    }
    return end;
  }

  #aggregationPayload(units: readonly Uint8Array[], from: number, to: number): Uint8Array {
    let size = this.nalHeaderBytes;
    for (let i = from; i < to; i++) size += 2 + units[i]!.byteLength;
    const payload = new Uint8Array(size);
    payload.set(this.aggregationHeader(units[from]!), 0);
    let at = this.nalHeaderBytes;
    for (let i = from; i < to; i++) {
      const unit = units[i]!;
      payload[at] = unit.byteLength >> 8;
      payload[at + 1] = unit.byteLength & 0xff;
      payload.set(unit, at + 2);
      at += 2 + unit.byteLength;
    }
    return payload;
  }

  #fragment(out: Uint8Array[], nal: Uint8Array, lastOfUnit: boolean, timestamp: number): void {
    const prefixBytes = this.nalHeaderBytes + 1;
    const chunk = this.mtu - prefixBytes;
    const body = nal.subarray(this.nalHeaderBytes);
    for (let at = 0; at < body.byteLength; at += chunk) {
      const end = at + chunk >= body.byteLength;
      this.emit(out, end && lastOfUnit, timestamp, this.fragmentPrefix(nal, at === 0, end), body.subarray(at, at + chunk));
    }
  }
}
