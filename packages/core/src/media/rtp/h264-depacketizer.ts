import { NalDepacketizer, decodeSpropList, type NalCodec, type NalDepacketizerOptions } from './nal-depacketizer.js';

/** Options of an {@link H264Depacketizer}. */
export interface H264DepacketizerOptions extends NalDepacketizerOptions {
  /** SDP fmtp `sprop-parameter-sets` (base64 SPS,PPS): prepended to the first keyframe if not sent in band. */
  readonly spropParameterSets?: string;
}

const H264: NalCodec = {
  isKeyframe: (nal) => (nal[0]! & 0x1f) === 5,
  parameterSetSlot(nal) {
    const type = nal[0]! & 0x1f;
    return type === 7 ? 0 : type === 8 ? 1 : -1;
  },
  parameterSetKinds: 2,
};

const STAP_A = 24;
const FU_A = 28;

/**
 * RTP H.264 depacketizer (RFC 6184, non-interleaved mode): single NAL unit, STAP-A and FU-A packets to access
 * units. An access unit ends on the marker bit or a timestamp change. After a loss the broken access unit is
 * dropped and nothing is emitted until the next IDR; output starts at the first IDR.
 *
 * @example
 * ```ts
 * const depacketizer = new H264Depacketizer({ track, spropParameterSets: fmtp['sprop-parameter-sets'] });
 * for (const rtp of receiver.process(parseRtp(datagram))) for (const au of depacketizer.process(rtp)) hub.push(au);
 * ```
 */
export class H264Depacketizer extends NalDepacketizer {
  constructor(options: H264DepacketizerOptions) {
    super(options, H264, decodeSpropList(options.spropParameterSets));
  }

  protected depacketize(payload: Uint8Array): void {
    if (payload.byteLength === 0) return;
    const type = payload[0]! & 0x1f;
    if (type >= 1 && type <= 23) {
      this.addNal(payload);
    } else if (type === STAP_A) {
      let at = 1;
      while (at + 2 <= payload.byteLength) {
        at = this.takeSizedNal(payload, at);
        if (at < 0) return;
      }
    } else if (type === FU_A) {
      if (payload.byteLength < 3) {
        this.badPayload();
        return;
      }
      const fu = payload[1]!;
      const data = payload.subarray(2);
      if ((fu & 0x80) !== 0) {
        const header = new Uint8Array(1);
        header[0] = (payload[0]! & 0xe0) | (fu & 0x1f);
        this.startFragment(header, data);
      } else {
        this.continueFragment(data);
      }
      if ((fu & 0x40) !== 0) this.endFragment();
    } else {
      // STAP-B, MTAP and FU-B belong to the interleaved mode, which cameras do not use.
      this.badPayload();
    }
  }
}
