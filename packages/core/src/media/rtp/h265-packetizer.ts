import { NalPacketizer, type NalPacketizerOptions } from './nal-packetizer.js';

/** Options of an {@link H265Packetizer}. */
export type H265PacketizerOptions = NalPacketizerOptions;

/**
 * H.265 access units to RTP (RFC 7798, no DONL): single NAL unit packets, FU (type 49) for units over the MTU,
 * AP (type 48) for runs of small units when `aggregate` is set; the marker bit ends each access unit.
 *
 * @example
 * ```ts
 * const packetizer = new H265Packetizer({ payloadType: 97 });
 * for (const rtp of packetizer.process(accessUnit)) socket.send(rtp);
 * ```
 */
export class H265Packetizer extends NalPacketizer {
  constructor(options: H265PacketizerOptions) {
    super(options, 2);
  }

  protected aggregationHeader(first: Uint8Array): Uint8Array {
    return Uint8Array.of((first[0]! & 0x81) | (48 << 1), first[1]!);
  }

  protected fragmentPrefix(nal: Uint8Array, start: boolean, end: boolean): Uint8Array {
    const type = (nal[0]! >> 1) & 0x3f;
    return Uint8Array.of((nal[0]! & 0x81) | (49 << 1), nal[1]!, (start ? 0x80 : 0) | (end ? 0x40 : 0) | type);
  }
}
