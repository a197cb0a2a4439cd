import { ArgusError } from '../../errors/argus-error.js';
import { BitReader, readCropWindow, unescapeRbsp } from './bit-reader.js';

/** H.264 NAL unit types used by Argus. */
export const H264_NAL = Object.freeze({
  SLICE: 1,
  IDR: 5,
  SEI: 6,
  SPS: 7,
  PPS: 8,
  AUD: 9,
  END_OF_SEQUENCE: 10,
  END_OF_STREAM: 11,
  FILLER: 12,
} as const);

/** NAL unit type of an H.264 NAL unit (the low 5 bits of its header byte); -1 for an empty unit. */
export function h264NalType(nal: Uint8Array): number {
  return nal.length === 0 ? -1 : (nal[0] as number) & 0x1f;
}

/** True for an H.264 VCL NAL unit (a coded slice, types 1..5). */
export function isH264Vcl(type: number): boolean {
  return type >= 1 && type <= 5;
}

/** True when the access unit's NAL units contain an IDR slice. */
export function isH264Keyframe(units: readonly Uint8Array[]): boolean {
  for (const unit of units) if (h264NalType(unit) === H264_NAL.IDR) return true;
  return false;
}

/** What {@link parseH264Sps} reads from an H.264 sequence parameter set. */
export interface H264Sps {
  readonly profileIdc: number;
  /** The constraint_set flags byte (second byte of `profile-level-id`). */
  readonly constraintFlags: number;
  readonly levelIdc: number;
  readonly spsId: number;
  readonly chromaFormatIdc: number;
  readonly bitDepthLuma: number;
  readonly bitDepthChroma: number;
  /** Displayed size in pixels, after cropping. */
  readonly width: number;
  readonly height: number;
  readonly frameMbsOnly: boolean;
  readonly separateColourPlane: boolean;
  /** Slice-header field widths, for reading frame_num and pic_order_cnt_lsb (e.g. to recover B-frame order). */
  readonly log2MaxFrameNum: number;
  readonly picOrderCntType: number;
  readonly log2MaxPicOrderCntLsb: number;
  /** Frame rate from the VUI timing info, when present. */
  readonly fps?: number;
  /** RFC 6381 codec string, `avc1.PPCCLL`. */
  readonly codecString: string;
}

const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);
const MAX_DIMENSION = 16_384;

function bad(reason: string): never {
  throw new ArgusError('ARGUS_ERR_MEDIA_BITSTREAM', { codec: 'h264', reason });
}

function hex2(value: number): string {
  return value.toString(16).toUpperCase().padStart(2, '0');
}

function skipScalingList(reader: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) {
      const delta = reader.readSe();
      next = (last + delta + 256) % 256;
    }
    last = next === 0 ? last : next;
  }
}

/** Frame rate from VUI timing, or undefined where the VUI lacks it or is cut short (cameras do that). */
function readVuiFps(reader: BitReader, ticksPerFrame: number): number | undefined {
  try {
    skipVuiPrefix(reader);
    return readTiming(reader, ticksPerFrame);
  } catch {
    return undefined;
  }
}

/**
 * Skips the VUI fields that H.264 and H.265 share before their codec-specific ones: aspect ratio, overscan, video
 * signal type and chroma sample location.
 */
export function skipVuiPrefix(reader: BitReader): void {
  if (reader.readFlag() && reader.readBits(8) === 255) reader.skipBits(32);
  if (reader.readFlag()) reader.skipBits(1);
  if (reader.readFlag()) {
    reader.skipBits(4);
    if (reader.readFlag()) reader.skipBits(24);
  }
  if (reader.readFlag()) {
    reader.readUe();
    reader.readUe();
  }
}

/** Reads `timing_info_present_flag` and what follows; shared with H.265 (which counts one tick per frame). */
export function readTiming(reader: BitReader, ticksPerFrame: number): number | undefined {
  if (!reader.readFlag()) return undefined;
  const numUnitsInTick = reader.readBits(32);
  const timeScale = reader.readBits(32);
  if (numUnitsInTick === 0 || timeScale === 0) return undefined;
  return Math.round((timeScale / (ticksPerFrame * numUnitsInTick)) * 1000) / 1000;
}

/**
 * Parses an H.264 sequence parameter set NAL unit (header byte included, no start code).
 *
 * @throws ArgusError `ARGUS_ERR_MEDIA_BITSTREAM` when the unit is not an SPS, is truncated or holds impossible
 *   values. A truncated VUI only loses `fps`, since cameras ship such SPSs and the size is still right.
 * @example
 * ```ts
 * const sps = parseH264Sps(spsNal); // { width: 1920, height: 1080, codecString: 'avc1.640028', ... }
 * ```
 */
export function parseH264Sps(nal: Uint8Array): H264Sps {
  if (h264NalType(nal) !== H264_NAL.SPS) bad(`NAL unit type ${h264NalType(nal)} is not an SPS`);
  const reader = new BitReader(unescapeRbsp(nal), 'h264');
  reader.skipBits(8);
  const profileIdc = reader.readBits(8);
  const constraintFlags = reader.readBits(8);
  const levelIdc = reader.readBits(8);
  const spsId = reader.readUe();
  if (spsId > 31) bad(`seq_parameter_set_id ${spsId} > 31`);
  let chromaFormatIdc = 1;
  let separateColourPlane = false;
  let bitDepthLuma = 8;
  let bitDepthChroma = 8;
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = reader.readUe();
    if (chromaFormatIdc > 3) bad(`chroma_format_idc ${chromaFormatIdc} > 3`);
    if (chromaFormatIdc === 3) separateColourPlane = reader.readFlag();
    bitDepthLuma = reader.readUe() + 8;
    bitDepthChroma = reader.readUe() + 8;
    if (bitDepthLuma > 14 || bitDepthChroma > 14) bad('bit depth > 14');
    reader.skipBits(1);
    if (reader.readFlag()) {
      const lists = chromaFormatIdc === 3 ? 12 : 8;
      for (let i = 0; i < lists; i++) if (reader.readFlag()) skipScalingList(reader, i < 6 ? 16 : 64);
    }
  }
  const log2MaxFrameNum = reader.readUe() + 4;
  const pocType = reader.readUe();
  let log2MaxPicOrderCntLsb = 0;
  if (pocType === 0) {
    log2MaxPicOrderCntLsb = reader.readUe() + 4;
    if (log2MaxPicOrderCntLsb > 16) bad('log2_max_pic_order_cnt_lsb > 16');
  } else if (pocType === 1) {
    reader.skipBits(1);
    reader.readSe();
    reader.readSe();
    const cycle = reader.readUe();
    if (cycle > 255) bad(`num_ref_frames_in_pic_order_cnt_cycle ${cycle} > 255`);
    for (let i = 0; i < cycle; i++) reader.readSe();
  } else if (pocType !== 2) {
    bad(`pic_order_cnt_type ${pocType} > 2`);
  }
  reader.readUe();
  reader.skipBits(1);
  const widthMbs = reader.readUe() + 1;
  const heightMapUnits = reader.readUe() + 1;
  const frameMbsOnly = reader.readFlag();
  if (!frameMbsOnly) reader.skipBits(1);
  reader.skipBits(1);
  const crop = readCropWindow(reader);
  const vuiPresent = reader.readFlag();

  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
  const cropUnitX = chromaArrayType === 0 || chromaArrayType === 3 ? 1 : 2;
  const cropUnitY = (chromaArrayType === 1 ? 2 : 1) * (frameMbsOnly ? 1 : 2);
  const width = widthMbs * 16 - cropUnitX * (crop.left + crop.right);
  const height = (frameMbsOnly ? 1 : 2) * heightMapUnits * 16 - cropUnitY * (crop.top + crop.bottom);
  if (width <= 0 || height <= 0 || width > MAX_DIMENSION || height > MAX_DIMENSION) {
    bad(`implausible picture size ${width}x${height}`);
  }
  const fps = vuiPresent ? readVuiFps(reader, 2) : undefined;
  return {
    profileIdc,
    constraintFlags,
    levelIdc,
    spsId,
    chromaFormatIdc,
    bitDepthLuma,
    bitDepthChroma,
    width,
    height,
    frameMbsOnly,
    separateColourPlane,
    log2MaxFrameNum,
    picOrderCntType: pocType,
    log2MaxPicOrderCntLsb,
    ...(fps === undefined ? {} : { fps }),
    codecString: `avc1.${hex2(profileIdc)}${hex2(constraintFlags)}${hex2(levelIdc)}`,
  };
}
