import { ArgusError } from '../../errors/argus-error.js';
import { H264_NAL, h264NalType, isH264Vcl } from './h264.js';
import { H265_NAL, h265NalType, isH265Irap, isH265Vcl } from './h265.js';

/** Video codecs whose byte streams {@link AnnexBAccessUnitReader} understands. */
export type AnnexBCodec = 'h264' | 'h265';

function trimTrailingZeros(buf: Uint8Array, start: number, end: number): number {
  while (end > start && buf[end - 1] === 0) end -= 1;
  return end;
}

/**
 * Splits an Annex B byte stream into NAL units (without start codes), as subarrays of `buf`: nothing is copied.
 * Handles 3- and 4-byte start codes and trailing zero bytes; bytes before the first start code are ignored.
 */
export function splitAnnexB(buf: Uint8Array): Uint8Array[] {
  const units: Uint8Array[] = [];
  const length = buf.length;
  let unitStart = -1;
  let i = 0;
  while (i + 2 < length) {
    const third = buf[i + 2] as number;
    if (third > 1) {
      i += 3;
    } else if (third === 1 && buf[i] === 0 && buf[i + 1] === 0) {
      if (unitStart >= 0) {
        const end = trimTrailingZeros(buf, unitStart, i);
        if (end > unitStart) units.push(buf.subarray(unitStart, end));
      }
      unitStart = i + 3;
      i += 3;
    } else {
      i += 1;
    }
  }
  if (unitStart >= 0) {
    const end = trimTrailingZeros(buf, unitStart, length);
    if (end > unitStart) units.push(buf.subarray(unitStart, end));
  }
  return units;
}

/** Joins NAL units into one Annex B buffer with 4-byte start codes. */
export function joinAnnexB(units: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const unit of units) total += 4 + unit.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const unit of units) {
    out[offset + 3] = 1;
    out.set(unit, offset + 4);
    offset += 4 + unit.length;
  }
  return out;
}

function checkLengthSize(size: number): void {
  if (size !== 1 && size !== 2 && size !== 4) throw new RangeError(`length size ${size} must be 1, 2 or 4`);
}

/** Writes NAL units with a big-endian length prefix of `size` bytes (1, 2 or 4), as in MP4 samples. */
export function toLengthPrefixed(units: readonly Uint8Array[], size = 4): Uint8Array {
  checkLengthSize(size);
  let total = 0;
  for (const unit of units) total += size + unit.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const unit of units) {
    const length = unit.length;
    if (length >= 2 ** (8 * size)) throw new RangeError(`NAL unit of ${length} bytes does not fit a ${size}-byte length`);
    for (let b = size - 1; b >= 0; b--) out[offset + (size - 1 - b)] = Math.floor(length / 2 ** (8 * b)) & 0xff;
    out.set(unit, offset + size);
    offset += size + length;
  }
  return out;
}

/**
 * Reads length-prefixed NAL units (MP4/AVCC form) as subarrays of `buf`.
 *
 * @throws ArgusError `ARGUS_ERR_MEDIA_BITSTREAM` when a length runs past the end of the buffer.
 */
export function fromLengthPrefixed(buf: Uint8Array, size = 4): Uint8Array[] {
  checkLengthSize(size);
  const units: Uint8Array[] = [];
  let offset = 0;
  while (offset < buf.length) {
    if (offset + size > buf.length) {
      throw new ArgusError('ARGUS_ERR_MEDIA_BITSTREAM', { codec: 'NAL', reason: `truncated length prefix at byte ${offset}` });
    }
    let length = 0;
    for (let b = 0; b < size; b++) length = length * 256 + (buf[offset + b] as number);
    offset += size;
    if (length === 0 || offset + length > buf.length) {
      throw new ArgusError('ARGUS_ERR_MEDIA_BITSTREAM', {
        codec: 'NAL',
        reason: `NAL length ${length} at byte ${offset - size} does not fit the ${buf.length}-byte buffer`,
      });
    }
    units.push(buf.subarray(offset, offset + length));
    offset += length;
  }
  return units;
}

/** One coded picture with the parameter sets and SEI that preceded it. */
export interface AccessUnit {
  readonly codec: AnnexBCodec;
  /** NAL units without start codes, in stream order. */
  readonly units: Uint8Array[];
  /** True for an IDR (H.264) or IRAP (H.265) picture. */
  readonly keyframe: boolean;
}

/** Options of an {@link AnnexBAccessUnitReader}. */
export interface AnnexBAccessUnitReaderOptions {
  /** Largest access unit (and so largest pending buffer) accepted, in bytes; default 8 MiB. */
  maxAccessUnitBytes?: number;
}

/** Counters of an {@link AnnexBAccessUnitReader}. */
export interface AnnexBAccessUnitReaderStats {
  bytes: number;
  nalUnits: number;
  accessUnits: number;
  keyframes: number;
}

const enum Role {
  /** Starts a new access unit when the current one has a picture (AUD, parameter sets, prefix SEI). */
  Leading,
  /** A slice: starts a new access unit when it is the first slice of a picture and one is pending. */
  Slice,
  /** Belongs to the current access unit (suffix SEI, end of sequence, filler, unknown). */
  Trailing,
}

/**
 * Groups an Annex B byte stream, cut at arbitrary chunk boundaries (a pipe, a file), into access units.
 *
 * Boundaries come from AUDs when present, otherwise from the first slice of each picture (H.264
 * `first_mb_in_slice == 0`, H.265 `first_slice_segment_in_pic_flag`); SPS/PPS/VPS/SEI attach to the picture that
 * follows them. NAL units are subarrays of internal buffers that are never rewritten, so they stay valid.
 *
 * @example
 * ```ts
 * const reader = new AnnexBAccessUnitReader('h264');
 * for await (const chunk of process.stdin) for (const au of reader.process(chunk)) send(au);
 * for (const au of reader.flush()) send(au);
 * ```
 */
export class AnnexBAccessUnitReader {
  readonly codec: AnnexBCodec;
  readonly #maxBytes: number;
  #buf = new Uint8Array(64 * 1024);
  #end = 0;
  /** Start of the NAL unit being received, or -1 before the first start code. */
  #unitStart = -1;
  #scan = 0;
  #units: Uint8Array[] = [];
  #unitsBytes = 0;
  #hasPicture = false;
  #keyframe = false;
  #stats: AnnexBAccessUnitReaderStats = { bytes: 0, nalUnits: 0, accessUnits: 0, keyframes: 0 };

  constructor(codec: AnnexBCodec, options: AnnexBAccessUnitReaderOptions = {}) {
    if (codec !== 'h264' && codec !== 'h265') throw new TypeError(`codec must be h264 or h265, not ${String(codec)}`);
    const max = options.maxAccessUnitBytes ?? 8 * 1024 * 1024;
    if (!Number.isInteger(max) || max <= 0) throw new RangeError('maxAccessUnitBytes must be a positive integer');
    this.codec = codec;
    this.#maxBytes = max;
  }

  /** Takes the next chunk of the byte stream; returns the access units it completed. */
  process(chunk: Uint8Array): AccessUnit[] {
    this.#stats.bytes += chunk.length;
    this.#append(chunk);
    const out: AccessUnit[] = [];
    const buf = this.#buf;
    const end = this.#end;
    let i = this.#scan;
    while (i + 2 < end) {
      const third = buf[i + 2] as number;
      if (third > 1) {
        i += 3;
      } else if (third === 1 && buf[i] === 0 && buf[i + 1] === 0) {
        if (this.#unitStart >= 0) this.#onUnit(buf, this.#unitStart, i, out);
        this.#unitStart = i + 3;
        i += 3;
      } else {
        i += 1;
      }
    }
    this.#scan = i;
    if (this.#unitStart < 0) {
      // No start code yet: keep only the bytes that could begin one.
      this.#scan = 0;
      const keep = Math.min(2, this.#end);
      this.#buf.copyWithin(0, this.#end - keep, this.#end);
      this.#end = keep;
    } else if (this.#end - this.#unitStart + this.#unitsBytes > this.#maxBytes) {
      this.#overflow();
    }
    return out;
  }

  /** Ends the stream: returns the last access unit, if any, and resets the reader. */
  flush(): AccessUnit[] {
    const out: AccessUnit[] = [];
    if (this.#unitStart >= 0) this.#onUnit(this.#buf, this.#unitStart, this.#end, out);
    if (this.#hasPicture) this.#emit(out);
    this.#reset();
    return out;
  }

  /** Counters since construction. */
  toJSON(): AnnexBAccessUnitReaderStats {
    return { ...this.#stats };
  }

  #append(chunk: Uint8Array): void {
    const needed = this.#end + chunk.length;
    if (needed > this.#buf.length) {
      // A new buffer rather than compacting in place: units already handed out are views of the old one.
      const from = this.#unitStart < 0 ? 0 : this.#unitStart;
      const pending = this.#end - from;
      const size = Math.max(this.#buf.length, (pending + chunk.length) * 2);
      const next = new Uint8Array(size);
      next.set(this.#buf.subarray(from, this.#end));
      this.#buf = next;
      this.#end = pending;
      this.#scan -= from;
      if (this.#unitStart >= 0) this.#unitStart = 0;
    }
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  #onUnit(buf: Uint8Array, start: number, end: number, out: AccessUnit[]): void {
    end = trimTrailingZeros(buf, start, end);
    if (end <= start) return;
    const unit = buf.subarray(start, end);
    this.#stats.nalUnits += 1;
    const [role, firstSlice, keyframe, aud] = this.#classify(unit);
    if (this.#hasPicture && (role === Role.Leading || (role === Role.Slice && firstSlice))) this.#emit(out);
    else if (aud && this.#units.length > 0 && !this.#hasPicture) this.#dropPending();
    if (role === Role.Slice) {
      this.#hasPicture = true;
      if (keyframe) this.#keyframe = true;
    }
    this.#units.push(unit);
    this.#unitsBytes += unit.length;
    if (this.#unitsBytes > this.#maxBytes) this.#overflow();
  }

  /** [role, first slice of a picture, keyframe slice, AUD] */
  #classify(unit: Uint8Array): [Role, boolean, boolean, boolean] {
    if (this.codec === 'h264') {
      const type = h264NalType(unit);
      if (isH264Vcl(type)) return [Role.Slice, unit.length > 1 && ((unit[1] as number) & 0x80) !== 0, type === H264_NAL.IDR, false];
      if (type === H264_NAL.AUD) return [Role.Leading, false, false, true];
      if (type === H264_NAL.SPS || type === H264_NAL.PPS || type === H264_NAL.SEI || (type >= 14 && type <= 18)) {
        return [Role.Leading, false, false, false];
      }
      return [Role.Trailing, false, false, false];
    }
    const type = h265NalType(unit);
    if (isH265Vcl(type)) return [Role.Slice, unit.length > 2 && ((unit[2] as number) & 0x80) !== 0, isH265Irap(type), false];
    if (type === H265_NAL.AUD) return [Role.Leading, false, false, true];
    if (
      type === H265_NAL.VPS ||
      type === H265_NAL.SPS ||
      type === H265_NAL.PPS ||
      type === H265_NAL.PREFIX_SEI ||
      (type >= 41 && type <= 44) ||
      (type >= 48 && type <= 55)
    ) {
      return [Role.Leading, false, false, false];
    }
    return [Role.Trailing, false, false, false];
  }

  #emit(out: AccessUnit[]): void {
    out.push({ codec: this.codec, units: this.#units, keyframe: this.#keyframe });
    this.#stats.accessUnits += 1;
    if (this.#keyframe) this.#stats.keyframes += 1;
    this.#units = [];
    this.#unitsBytes = 0;
    this.#hasPicture = false;
    this.#keyframe = false;
  }

  /** A second AUD with no picture since the first: the first one's group was empty, so keep only its SPS/PPS. */
  #dropPending(): void {
    const isAud = this.codec === 'h264' ? (u: Uint8Array) => h264NalType(u) === H264_NAL.AUD : (u: Uint8Array) => h265NalType(u) === H265_NAL.AUD;
    this.#units = this.#units.filter((u) => !isAud(u));
    this.#unitsBytes = 0;
    for (const u of this.#units) this.#unitsBytes += u.length;
  }

  #overflow(): never {
    const codec = this.codec;
    this.#reset();
    throw new ArgusError('ARGUS_ERR_MEDIA_ACCESS_UNIT_TOO_LARGE', { limit: this.#maxBytes, codec });
  }

  #reset(): void {
    this.#buf = new Uint8Array(64 * 1024);
    this.#end = 0;
    this.#unitStart = -1;
    this.#scan = 0;
    this.#units = [];
    this.#unitsBytes = 0;
    this.#hasPicture = false;
    this.#keyframe = false;
  }
}
