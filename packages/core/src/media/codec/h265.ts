import { ArgusError } from '../../errors/argus-error.js';
import { BitReader, readCropWindow, unescapeRbsp } from './bit-reader.js';
import { readTiming, skipVuiPrefix } from './h264.js';

/** H.265 NAL unit types used by Argus. */
export const H265_NAL = Object.freeze({
  BLA_W_LP: 16,
  IDR_W_RADL: 19,
  IDR_N_LP: 20,
  CRA: 21,
  VPS: 32,
  SPS: 33,
  PPS: 34,
  AUD: 35,
  END_OF_SEQUENCE: 36,
  END_OF_BITSTREAM: 37,
  FILLER: 38,
  PREFIX_SEI: 39,
  SUFFIX_SEI: 40,
} as const);

/** NAL unit type of an H.265 NAL unit (`(byte0 >> 1) & 0x3f`); -1 for a unit too short to have one. */
export function h265NalType(nal: Uint8Array): number {
  return nal.length < 2 ? -1 : ((nal[0] as number) >> 1) & 0x3f;
}

/** True for an H.265 VCL NAL unit (types 0..31). */
export function isH265Vcl(type: number): boolean {
  return type >= 0 && type <= 31;
}

/** True for an intra random access point picture (types 16..23: BLA, IDR, CRA). */
export function isH265Irap(type: number): boolean {
  return type >= 16 && type <= 23;
}

/** True when the access unit's NAL units contain an IRAP slice. */
export function isH265Keyframe(units: readonly Uint8Array[]): boolean {
  for (const unit of units) if (isH265Irap(h265NalType(unit))) return true;
  return false;
}

/** What {@link parseH265Sps} reads from an H.265 sequence parameter set. */
export interface H265Sps {
  readonly generalProfileSpace: number;
  readonly tierFlag: number;
  readonly profileIdc: number;
  /** general_profile_compatibility_flag[0..31] as read, flag 0 in the most significant bit. */
  readonly profileCompatibilityFlags: number;
  /** The 48 constraint indicator bits (progressive_source_flag first). */
  readonly constraintIndicatorFlags: Uint8Array;
  readonly levelIdc: number;
  readonly maxSubLayers: number;
  readonly temporalIdNesting: boolean;
  readonly chromaFormatIdc: number;
  /** Displayed size in pixels, after the conformance window. */
  readonly width: number;
  readonly height: number;
  readonly bitDepthLuma: number;
  readonly bitDepthChroma: number;
  /** Frame rate from the VUI timing info, when present. */
  readonly fps?: number;
  /** RFC 6381 / ISO 14496-15 codec string, e.g. `hvc1.1.6.L93.B0`. */
  readonly codecString: string;
}

const MAX_DIMENSION = 16_384;

function bad(reason: string): never {
  throw new ArgusError('ARGUS_ERR_MEDIA_BITSTREAM', { codec: 'h265', reason });
}

function reverseBits32(value: number): number {
  let out = 0;
  for (let i = 0; i < 32; i++) out = out * 2 + ((value >>> i) & 1);
  return out;
}

/** The codec string of ISO/IEC 14496-15 annex E: `hvc1.<space><profile>.<compat>.<tier><level>.<constraints>`. */
function h265CodecString(sps: Omit<H265Sps, 'codecString' | 'fps'>): string {
  const space = ['', 'A', 'B', 'C'][sps.generalProfileSpace] ?? '';
  const compat = reverseBits32(sps.profileCompatibilityFlags).toString(16).toUpperCase();
  const bytes = Array.from(sps.constraintIndicatorFlags);
  while (bytes.length > 0 && bytes[bytes.length - 1] === 0) bytes.pop();
  const constraints = bytes.map((b) => `.${b.toString(16).toUpperCase()}`).join('');
  return `hvc1.${space}${sps.profileIdc}.${compat}.${sps.tierFlag ? 'H' : 'L'}${sps.levelIdc}${constraints}`;
}

function skipScalingListData(reader: BitReader): void {
  for (let sizeId = 0; sizeId < 4; sizeId++) {
    for (let matrixId = 0; matrixId < 6; matrixId += sizeId === 3 ? 3 : 1) {
      if (!reader.readFlag()) {
        reader.readUe();
      } else {
        const coefficients = Math.min(64, 1 << (4 + (sizeId << 1)));
        if (sizeId > 1) reader.readSe();
        for (let i = 0; i < coefficients; i++) reader.readSe();
      }
    }
  }
}

function skipShortTermRefPicSets(reader: BitReader, count: number): void {
  const deltaPocs: number[] = [];
  for (let idx = 0; idx < count; idx++) {
    const interPrediction = idx !== 0 && reader.readFlag();
    if (interPrediction) {
      reader.skipBits(1);
      reader.readUe();
      const reference = deltaPocs[idx - 1] ?? 0;
      let used = 0;
      for (let j = 0; j <= reference; j++) {
        const usedByCurrPic = reader.readFlag();
        const useDelta = usedByCurrPic || reader.readFlag();
        if (useDelta) used += 1;
      }
      deltaPocs.push(used);
    } else {
      const negative = reader.readUe();
      const positive = reader.readUe();
      if (negative > 16 || positive > 16) bad('short-term reference picture set larger than 16');
      for (let i = 0; i < negative + positive; i++) {
        reader.readUe();
        reader.skipBits(1);
      }
      deltaPocs.push(negative + positive);
    }
  }
}

function readVuiFps(reader: BitReader): number | undefined {
  try {
    skipVuiPrefix(reader);
    reader.skipBits(3);
    if (reader.readFlag()) for (let i = 0; i < 4; i++) reader.readUe();
    return readTiming(reader, 1);
  } catch {
    return undefined;
  }
}

/**
 * Parses an H.265 sequence parameter set NAL unit (2-byte header included, no start code), including the
 * sub-layer fields of profile_tier_level when `sps_max_sub_layers_minus1 > 0`.
 *
 * @throws ArgusError `ARGUS_ERR_MEDIA_BITSTREAM` when the unit is not an SPS, is truncated or holds impossible
 *   values; a truncated VUI only loses `fps`.
 * @example
 * ```ts
 * const sps = parseH265Sps(spsNal); // { width: 1920, height: 1080, codecString: 'hvc1.1.6.L120.B0', ... }
 * ```
 */
export function parseH265Sps(nal: Uint8Array): H265Sps {
  if (h265NalType(nal) !== H265_NAL.SPS) bad(`NAL unit type ${h265NalType(nal)} is not an SPS`);
  const reader = new BitReader(unescapeRbsp(nal), 'h265');
  reader.skipBits(16);
  reader.skipBits(4);
  const maxSubLayers = reader.readBits(3) + 1;
  if (maxSubLayers > 7) bad('sps_max_sub_layers_minus1 is 7');
  const temporalIdNesting = reader.readFlag();
  const generalProfileSpace = reader.readBits(2);
  const tierFlag = reader.readBit();
  const profileIdc = reader.readBits(5);
  const profileCompatibilityFlags = reader.readBits(32);
  const constraintIndicatorFlags = new Uint8Array(6);
  for (let i = 0; i < 6; i++) constraintIndicatorFlags[i] = reader.readBits(8);
  const levelIdc = reader.readBits(8);
  const subLayerProfile: boolean[] = [];
  const subLayerLevel: boolean[] = [];
  for (let i = 0; i < maxSubLayers - 1; i++) {
    subLayerProfile.push(reader.readFlag());
    subLayerLevel.push(reader.readFlag());
  }
  if (maxSubLayers > 1) reader.skipBits(2 * (9 - maxSubLayers));
  for (let i = 0; i < maxSubLayers - 1; i++) {
    if (subLayerProfile[i] === true) reader.skipBits(88);
    if (subLayerLevel[i] === true) reader.skipBits(8);
  }
  const spsId = reader.readUe();
  if (spsId > 15) bad(`sps_seq_parameter_set_id ${spsId} > 15`);
  const chromaFormatIdc = reader.readUe();
  if (chromaFormatIdc > 3) bad(`chroma_format_idc ${chromaFormatIdc} > 3`);
  const separateColourPlane = chromaFormatIdc === 3 && reader.readFlag();
  const picWidth = reader.readUe();
  const picHeight = reader.readUe();
  const crop = readCropWindow(reader);
  const bitDepthLuma = reader.readUe() + 8;
  const bitDepthChroma = reader.readUe() + 8;
  if (bitDepthLuma > 16 || bitDepthChroma > 16) bad('bit depth > 16');
  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
  const subWidth = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
  const subHeight = chromaArrayType === 1 ? 2 : 1;
  const width = picWidth - subWidth * (crop.left + crop.right);
  const height = picHeight - subHeight * (crop.top + crop.bottom);
  if (width <= 0 || height <= 0 || width > MAX_DIMENSION || height > MAX_DIMENSION) {
    bad(`implausible picture size ${width}x${height}`);
  }
  const base = {
    generalProfileSpace,
    tierFlag,
    profileIdc,
    profileCompatibilityFlags,
    constraintIndicatorFlags,
    levelIdc,
    maxSubLayers,
    temporalIdNesting,
    chromaFormatIdc,
    width,
    height,
    bitDepthLuma,
    bitDepthChroma,
  };
  const codecString = h265CodecString(base);

  // Everything below only leads to the VUI frame rate: a failure there must not lose the size.
  let fps: number | undefined;
  try {
    const log2MaxPocLsb = reader.readUe() + 4;
    const orderingInfoPresent = reader.readFlag();
    for (let i = orderingInfoPresent ? 0 : maxSubLayers - 1; i < maxSubLayers; i++) {
      reader.readUe();
      reader.readUe();
      reader.readUe();
    }
    for (let i = 0; i < 6; i++) reader.readUe();
    if (reader.readFlag() && reader.readFlag()) skipScalingListData(reader);
    reader.skipBits(2);
    if (reader.readFlag()) {
      reader.skipBits(8);
      reader.readUe();
      reader.readUe();
      reader.skipBits(1);
    }
    const shortTermSets = reader.readUe();
    if (shortTermSets > 64) bad('num_short_term_ref_pic_sets > 64');
    skipShortTermRefPicSets(reader, shortTermSets);
    if (reader.readFlag()) {
      const longTerm = reader.readUe();
      if (longTerm > 32) bad('num_long_term_ref_pics_sps > 32');
      for (let i = 0; i < longTerm; i++) reader.skipBits(log2MaxPocLsb + 1);
    }
    reader.skipBits(2);
    if (reader.readFlag()) fps = readVuiFps(reader);
  } catch {
    fps = undefined;
  }
  return { ...base, ...(fps === undefined ? {} : { fps }), codecString };
}
