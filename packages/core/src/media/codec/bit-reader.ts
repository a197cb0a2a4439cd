import { ArgusError } from '../../errors/argus-error.js';

/**
 * Removes the emulation-prevention bytes of a NAL unit (`00 00 03` -> `00 00`), giving its raw byte sequence
 * payload. Returns the input itself when there is nothing to remove, so the common case copies nothing.
 */
export function unescapeRbsp(nal: Uint8Array): Uint8Array {
  const length = nal.length;
  let first = -1;
  for (let i = 2; i < length; i++) {
    if (nal[i] === 3 && nal[i - 1] === 0 && nal[i - 2] === 0) {
      first = i;
      break;
    }
  }
  if (first < 0) return nal;
  const out = new Uint8Array(length);
  out.set(nal.subarray(0, first));
  let written = first;
  let zeros = 0;
  for (let i = first + 1; i < length; i++) {
    const byte = nal[i] as number;
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    out[written++] = byte;
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return out.subarray(0, written);
}

/**
 * MSB-first bit reader over an RBSP, with the Exp-Golomb codes of H.264/H.265 headers.
 *
 * Reading past the end throws `ARGUS_ERR_MEDIA_BITSTREAM`: parameter sets come from cameras and SDPs, so a
 * truncated one is bad input, not a programming error.
 *
 * @example
 * ```ts
 * const reader = new BitReader(unescapeRbsp(sps), 'h264');
 * reader.skipBits(8); // NAL header
 * const profileIdc = reader.readBits(8);
 * const spsId = reader.readUe();
 * ```
 */
export class BitReader {
  readonly #data: Uint8Array;
  readonly #codec: string;
  #position = 0;

  /** `codec` only names the stream in error messages. */
  constructor(data: Uint8Array, codec = 'media') {
    this.#data = data;
    this.#codec = codec;
  }

  /** Bits not read yet. */
  get bitsLeft(): number {
    return this.#data.length * 8 - this.#position;
  }

  /** Current position in bits from the start. */
  get position(): number {
    return this.#position;
  }

  /** Reads one bit. */
  readBit(): number {
    if (this.#position >= this.#data.length * 8) this.#overrun(1);
    const byte = this.#data[this.#position >> 3] as number;
    const bit = (byte >> (7 - (this.#position & 7))) & 1;
    this.#position += 1;
    return bit;
  }

  /** Reads a flag bit as a boolean. */
  readFlag(): boolean {
    return this.readBit() === 1;
  }

  /** Reads `count` (0..32) bits as an unsigned number. */
  readBits(count: number): number {
    if (count < 0 || count > 32) throw new RangeError(`readBits(${count}): count must be 0..32`);
    if (count > this.bitsLeft) this.#overrun(count);
    let value = 0;
    for (let i = 0; i < count; i++) value = value * 2 + this.readBit();
    return value;
  }

  /** Skips `count` bits. */
  skipBits(count: number): void {
    if (count > this.bitsLeft) this.#overrun(count);
    this.#position += count;
  }

  /** Reads an unsigned Exp-Golomb code, ue(v). */
  readUe(): number {
    let zeros = 0;
    while (this.readBit() === 0) {
      zeros += 1;
      if (zeros > 31) {
        throw new ArgusError('ARGUS_ERR_MEDIA_BITSTREAM', { codec: this.#codec, reason: 'Exp-Golomb code longer than 32 bits' });
      }
    }
    return zeros === 0 ? 0 : 2 ** zeros - 1 + this.readBits(zeros);
  }

  /** Reads a signed Exp-Golomb code, se(v). */
  readSe(): number {
    const code = this.readUe();
    return code % 2 === 1 ? (code + 1) / 2 : -(code / 2);
  }

  #overrun(wanted: number): never {
    throw new ArgusError('ARGUS_ERR_MEDIA_BITSTREAM', {
      codec: this.#codec,
      reason: `read of ${wanted} bit(s) past the end at bit ${this.#position} of ${this.#data.length * 8}`,
    });
  }
}

/** A cropping window (H.264 `frame_crop_*_offset`, H.265 `conf_win_*_offset`), in the codec's crop units. */
export interface CropWindow {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/** Reads the flag and, when set, the four Exp-Golomb offsets of an SPS cropping window; zeros when absent. */
export function readCropWindow(reader: BitReader): CropWindow {
  if (!reader.readFlag()) return { left: 0, right: 0, top: 0, bottom: 0 };
  const left = reader.readUe();
  const right = reader.readUe();
  const top = reader.readUe();
  const bottom = reader.readUe();
  return { left, right, top, bottom };
}
