import { ArgusError } from '../../errors/argus-error.js';
import type { TrackInfo } from '../../stream/media-packet.js';
import { H264_NAL, h264NalType, parseH264Sps } from './h264.js';
import { H265_NAL, h265NalType, parseH265Sps } from './h265.js';

/** True for an H.264 SPS/PPS or an H.265 VPS/SPS/PPS. */
export function isParameterSet(codec: 'h264' | 'h265', nal: Uint8Array): boolean {
  if (codec === 'h264') {
    const type = h264NalType(nal);
    return type === H264_NAL.SPS || type === H264_NAL.PPS;
  }
  const type = h265NalType(nal);
  return type === H265_NAL.VPS || type === H265_NAL.SPS || type === H265_NAL.PPS;
}

/** The parameter sets among an access unit's NAL units (e.g. of a keyframe, when the SDP had none). */
export function pickParameterSets(codec: 'h264' | 'h265', units: readonly Uint8Array[]): Uint8Array[] {
  return units.filter((unit) => isParameterSet(codec, unit));
}

/**
 * Builds the `TrackInfo` of a video track from its parameter sets, with width, height and fps read from the SPS.
 *
 * @throws ArgusError `ARGUS_ERR_MEDIA_MISSING_PARAMETER_SETS` when there is no SPS, `ARGUS_ERR_MEDIA_BITSTREAM`
 *   when the SPS is malformed.
 * @example
 * ```ts
 * const track = videoTrackFromParameterSets('h264', [sps, pps], 0); // { width: 1920, height: 1080, ... }
 * ```
 */
export function videoTrackFromParameterSets(codec: 'h264' | 'h265', parameterSets: readonly Uint8Array[], id: number): TrackInfo {
  const spsType = codec === 'h264' ? H264_NAL.SPS : H265_NAL.SPS;
  const typeOf = codec === 'h264' ? h264NalType : h265NalType;
  const sps = parameterSets.find((nal) => typeOf(nal) === spsType);
  if (sps === undefined) throw new ArgusError('ARGUS_ERR_MEDIA_MISSING_PARAMETER_SETS', { track: id, codec, what: 'SPS' });
  const parsed = codec === 'h264' ? parseH264Sps(sps) : parseH265Sps(sps);
  return {
    id,
    kind: 'video',
    codec,
    timescale: 90_000,
    width: parsed.width,
    height: parsed.height,
    ...(parsed.fps === undefined ? {} : { fps: parsed.fps }),
    parameterSets: [...parameterSets],
  };
}
