import type { MediaPacket } from '../../stream/media-packet.js';
import { RtpPacketizer, type RtpPacketizerOptions } from './rtp-packetizer.js';

/**
 * AAC frames to RTP (RFC 3640 `mpeg4-generic`, AAC-hbr: sizelength 13, indexlength 3), one frame per packet with
 * the marker bit set. The frame is the raw AAC payload (no ADTS header); pts in the sample rate's units.
 *
 * @example
 * ```ts
 * const packetizer = new AacPacketizer({ payloadType: 97 });
 * socket.send(packetizer.process(frame)[0]);
 * ```
 */
export class AacPacketizer extends RtpPacketizer {
  readonly #header = new Uint8Array(4);

  constructor(options: RtpPacketizerOptions) {
    super(options, 16);
  }

  /**
   * One RTP packet per frame unit.
   * @throws RangeError for a frame over 8191 bytes (the 13-bit AU size).
   */
  process(packet: MediaPacket): Uint8Array[] {
    const out: Uint8Array[] = [];
    const timestamp = this.rtpTimestamp(packet.pts);
    this.stats.accessUnits += 1;
    for (const frame of packet.units) {
      if (frame.byteLength > 8191) throw new RangeError(`AAC frame of ${frame.byteLength} bytes exceeds 8191`);
      const header = this.#header;
      header[0] = 0;
      header[1] = 16; // one 16-bit AU header
      header[2] = frame.byteLength >> 5;
      header[3] = (frame.byteLength & 0x1f) << 3;
      this.emit(out, true, timestamp, header, frame);
    }
    return out;
  }
}

/**
 * G.711 (PCMA/PCMU) frames to RTP: the payload is the frame as is (payload type 8 or 0, 8 kHz timestamps).
 *
 * @example
 * ```ts
 * const packetizer = new G711Packetizer({ payloadType: 8 });
 * socket.send(packetizer.process(frame)[0]);
 * ```
 */
export class G711Packetizer extends RtpPacketizer {
  constructor(options: RtpPacketizerOptions) {
    super(options, 16);
  }

  /** One RTP packet per frame unit. */
  process(packet: MediaPacket): Uint8Array[] {
    const out: Uint8Array[] = [];
    const timestamp = this.rtpTimestamp(packet.pts);
    this.stats.accessUnits += 1;
    for (const frame of packet.units) this.emit(out, false, timestamp, undefined, frame);
    return out;
  }
}
