import { NalPacketizer, type NalPacketizerOptions } from './nal-packetizer.js';

/** Options of an {@link H264Packetizer}. */
export type H264PacketizerOptions = NalPacketizerOptions;

/**
 * H.264 access units to RTP (RFC 6184, non-interleaved): single NAL unit packets, FU-A for units over the MTU,
 * STAP-A for runs of small units when `aggregate` is set; the marker bit ends each access unit.
 *
 * @example
 * ```ts
 * const packetizer = new H264Packetizer({ payloadType: 96, mtu: 1200 });
 * for (const rtp of packetizer.process(accessUnit)) socket.send(rtp);
 * ```
 */
export class H264Packetizer extends NalPacketizer {
  constructor(options: H264PacketizerOptions) {
    super(options, 1);
  }

  protected aggregationHeader(first: Uint8Array): Uint8Array {
    return Uint8Array.of((first[0]! & 0x60) | 24);
  }

  protected fragmentPrefix(nal: Uint8Array, start: boolean, end: boolean): Uint8Array {
    const header = nal[0]!;
    return Uint8Array.of((header & 0xe0) | 28, (start ? 0x80 : 0) | (end ? 0x40 : 0) | (header & 0x1f));
  }
}
