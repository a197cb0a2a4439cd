/** Kinds of elementary stream a camera delivers. */
export type TrackKind = 'video' | 'audio' | 'metadata';

/** Codec names as used across Argus (RTP/SDP encoding names, lower case). */
export type CodecName = 'h264' | 'h265' | 'mjpeg' | 'aac' | 'pcma' | 'pcmu' | 'opus' | (string & {});

/**
 * Description of one elementary stream. A packet refers to the track it belongs to, so a consumer that joins
 * late learns the codec parameters from its first packet; a parameter change comes as a new track object.
 */
export interface TrackInfo {
  /** Track number within its stream, stable for the life of the upstream connection. */
  readonly id: number;
  readonly kind: TrackKind;
  readonly codec: CodecName;
  /** Units per second of `pts`/`dts` (90 000 for video over RTP; the sample rate for audio). */
  readonly timescale: number;
  readonly width?: number;
  readonly height?: number;
  /** Nominal frame rate where the source declares it. */
  readonly fps?: number;
  readonly sampleRate?: number;
  readonly channels?: number;
  /** Out-of-band codec configuration: SPS/PPS (VPS) NAL units for H.264/H.265. */
  readonly parameterSets?: readonly Uint8Array[];
  /** Codec-specific configuration bytes (AAC AudioSpecificConfig). */
  readonly config?: Uint8Array;
}

/**
 * One compressed access unit: a video frame's NAL units, an audio frame, or a JPEG.
 *
 * Timestamps are in the track's `timescale`, unwrapped (they never jump back at 2^32) and monotonic per track.
 */
export interface MediaPacket {
  readonly track: TrackInfo;
  /** Presentation time in `track.timescale` units. */
  readonly pts: number;
  /** Decode time where it differs from `pts` (B-frames). */
  readonly dts?: number;
  /** True for a random access point: an IDR/IRAP video frame; every audio frame. */
  readonly keyframe: boolean;
  /** NAL units without start codes (H.264/H.265), or the single frame payload for other codecs. */
  readonly units: readonly Uint8Array[];
  /** Wall-clock capture time in ms since epoch, where the source maps it (RTCP sender reports). */
  readonly wallClock?: number;
}

/** Total payload bytes of a packet. */
export function packetByteLength(packet: MediaPacket): number {
  let total = 0;
  for (const unit of packet.units) total += unit.byteLength;
  return total;
}

/**
 * True for a video random access point: the packets from which a decoder can start, and so where a viewer may
 * join, a GOP cache starts and a skipping consumer resumes.
 */
export function isVideoKeyframe(packet: MediaPacket): boolean {
  return packet.keyframe && packet.track.kind === 'video';
}
