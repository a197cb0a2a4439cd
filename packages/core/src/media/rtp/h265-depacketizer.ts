import { NalDepacketizer, decodeSpropList, type NalCodec, type NalDepacketizerOptions } from './nal-depacketizer.js';

/** Options of an {@link H265Depacketizer}. */
export interface H265DepacketizerOptions extends NalDepacketizerOptions {
  /** SDP fmtp `sprop-vps` (base64). */
  readonly spropVps?: string;
  /** SDP fmtp `sprop-sps` (base64). */
  readonly spropSps?: string;
  /** SDP fmtp `sprop-pps` (base64). */
  readonly spropPps?: string;
  /** SDP fmtp `sprop-max-don-diff`: above 0, packets carry DONL/DOND fields (skipped; decoding order is kept). */
  readonly spropMaxDonDiff?: number;
}

const nalType = (nal: Uint8Array): number => (nal[0]! >> 1) & 0x3f;

const H265: NalCodec = {
  isKeyframe(nal) {
    const type = nalType(nal);
    return type >= 16 && type <= 23;
  },
  parameterSetSlot(nal) {
    const type = nalType(nal);
    return type >= 32 && type <= 34 ? type - 32 : -1;
  },
  parameterSetKinds: 3,
};

const AP = 48;
const FU = 49;

/**
 * RTP H.265 depacketizer (RFC 7798): single NAL unit, aggregation (AP) and fragmentation (FU) packets to access
 * units; keyframes are IRAP pictures (NAL types 16-23). Loss handling as for H.264: the broken access unit is
 * dropped and output resumes at the next IRAP.
 *
 * @example
 * ```ts
 * const depacketizer = new H265Depacketizer({ track, spropVps: fmtp['sprop-vps'], spropSps: fmtp['sprop-sps'], spropPps: fmtp['sprop-pps'] });
 * const units = depacketizer.process(rtpPacket);
 * ```
 */
export class H265Depacketizer extends NalDepacketizer {
  readonly #donl: boolean;

  constructor(options: H265DepacketizerOptions) {
    super(options, H265, [
      ...decodeSpropList(options.spropVps),
      ...decodeSpropList(options.spropSps),
      ...decodeSpropList(options.spropPps),
    ]);
    this.#donl = (options.spropMaxDonDiff ?? 0) > 0;
  }

  protected depacketize(payload: Uint8Array): void {
    if (payload.byteLength < 3) {
      this.badPayload();
      return;
    }
    const type = nalType(payload);
    if (type < AP) {
      if (!this.#donl) {
        this.addNal(payload);
      } else if (payload.byteLength < 5) {
        this.badPayload();
      } else {
        // The DONL sits between the NAL header and its body: rebuild the unit without it.
        this.startFragment(payload.subarray(0, 2), payload.subarray(4));
        this.endFragment();
      }
    } else if (type === AP) {
      let at = 2;
      let first = true;
      while (at < payload.byteLength) {
        if (this.#donl) at += first ? 2 : 1;
        first = false;
        at = this.takeSizedNal(payload, at);
        if (at < 0) return;
      }
    } else if (type === FU) {
      const fu = payload[2]!;
      const start = (fu & 0x80) !== 0;
      const skip = 3 + (start && this.#donl ? 2 : 0);
      if (payload.byteLength <= skip) {
        this.badPayload();
        return;
      }
      const data = payload.subarray(skip);
      if (start) {
        const header = new Uint8Array(2);
        header[0] = (payload[0]! & 0x81) | ((fu & 0x3f) << 1);
        header[1] = payload[1]!;
        this.startFragment(header, data);
      } else {
        this.continueFragment(data);
      }
      if ((fu & 0x40) !== 0) this.endFragment();
    } else {
      // PACI (50) and reserved types.
      this.badPayload();
    }
  }
}
