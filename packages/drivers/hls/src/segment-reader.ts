import { ArgusError, type TrackInfo } from '@argus/core';
import {
  AAC_SAMPLE_RATES,
  AnnexBAccessUnitReader,
  buildAudioSpecificConfig,
  H264_NAL,
  h264NalType,
  H265_NAL,
  h265NalType,
  isH264Keyframe,
  isH265Keyframe,
  pickParameterSets,
  sameBytes,
  videoTrackFromParameterSets,
  type AccessUnit,
} from '@argus/core/media';
import { Fmp4Demuxer, parseFmp4Init, type Fmp4TrackInit } from './fmp4-demuxer.js';
import { TS_STREAM_TYPE, TsDemuxer, type TsPes } from './ts-demuxer.js';

/** One access unit of a segment with the segment's own timestamps (before the timeline makes them continuous). */
export interface SegmentPacket {
  /** The track; the same object for as long as its parameters do not change. */
  readonly track: TrackInfo;
  /** Decode time in `track.timescale`, as the segment writes it (33-bit TS time unwrapped). */
  readonly dts: number;
  /** Presentation time in `track.timescale`. */
  readonly pts: number;
  /** Duration in `track.timescale`, where the container says it (fMP4). */
  readonly duration?: number;
  /** IDR/IRAP for video; every audio frame. */
  readonly keyframe: boolean;
  /** NAL units without start codes or length prefixes (video), or one raw AAC frame (audio). */
  readonly units: readonly Uint8Array[];
}

/** Container of a segment. */
export type SegmentFormat = 'ts' | 'fmp4';

/** Counters of a {@link SegmentReader}. */
export interface SegmentReaderStats {
  segments: number;
  tsSegments: number;
  fmp4Segments: number;
  videoPackets: number;
  audioPackets: number;
  /** Video access units dropped because no parameter sets were known yet (TS before its first keyframe). */
  droppedBeforeKeyframe: number;
}

/** Options of a {@link SegmentReader}. */
export interface SegmentReaderOptions {
  /** Where segments come from, for error messages. */
  readonly endpoint?: string;
}

/** Track ids of the packets: stable whatever the container numbers its streams. */
const VIDEO_TRACK_ID = 0;
const AUDIO_TRACK_ID = 1;
const TS_CLOCK = 90_000;
const WRAP = 2 ** 33;
const ISO_BOXES = new Set(['ftyp', 'styp', 'moof', 'moov', 'sidx', 'emsg', 'prft', 'free', 'mdat']);

/** True when `sets` hold an SPS and a PPS (and a VPS for H.265): enough to replace the init segment's. */
function completeSets(codec: 'h264' | 'h265', sets: readonly Uint8Array[]): boolean {
  const types = new Set(sets.map((nal) => (codec === 'h264' ? h264NalType(nal) : h265NalType(nal))));
  return codec === 'h264' ? types.has(H264_NAL.SPS) && types.has(H264_NAL.PPS) : types.has(H265_NAL.VPS) && types.has(H265_NAL.SPS) && types.has(H265_NAL.PPS);
}

/**
 * Says whether segment bytes are MPEG-TS or fragmented MP4, or `undefined` when they are neither.
 *
 * @example
 * ```ts
 * segmentFormat(bytes); // 'ts' | 'fmp4' | undefined
 * ```
 */
export function segmentFormat(bytes: Uint8Array): SegmentFormat | undefined {
  if (bytes.length >= 8) {
    const type = String.fromCharCode(bytes[4] as number, bytes[5] as number, bytes[6] as number, bytes[7] as number);
    if (ISO_BOXES.has(type)) return 'fmp4';
  }
  // TS: a sync byte every 188 bytes (check a few packets; the segment may end early).
  if (bytes.length >= 188 && bytes[0] === 0x47) {
    for (let i = 188; i < Math.min(bytes.length, 188 * 4); i += 188) if (bytes[i] !== 0x47) return undefined;
    return 'ts';
  }
  return undefined;
}

/**
 * Turns HLS media segments (MPEG-TS or fMP4, demuxed natively) into access units with their TrackInfo: H.264/H.265
 * video (TS: Annex B grouped by `AnnexBAccessUnitReader`, parameter sets from the keyframes; fMP4: length-prefixed
 * samples split into NAL units, parameter sets from the init segment's avcC/hvcC or in-band ones) and AAC audio
 * (TS: ADTS frames; fMP4: raw frames with the `esds` config). Track objects stay the same while their parameters do,
 * so consumers can compare by identity. Timestamps are the segment's own; {@link HlsTimeline} makes them continuous.
 *
 * @example
 * ```ts
 * const reader = new SegmentReader({ endpoint: http.endpoint });
 * const packets = reader.read(segmentBytes, initBytes); // initBytes for fMP4 (EXT-X-MAP), undefined for TS
 * ```
 */
export class SegmentReader {
  readonly #endpoint: string;
  #video: TrackInfo | undefined;
  #audio: TrackInfo | undefined;
  #ts: TsDemuxer | undefined;
  #tsReaders = new Map<number, AnnexBAccessUnitReader>();
  #tsUnwrap = new Map<number, { last: number; base: number }>();
  #adtsCarry: Uint8Array = new Uint8Array(0);
  #videoFrameTicks = 3000;
  #fmp4: { init: Uint8Array; demuxer: Fmp4Demuxer } | undefined;
  readonly #stats: SegmentReaderStats = { segments: 0, tsSegments: 0, fmp4Segments: 0, videoPackets: 0, audioPackets: 0, droppedBeforeKeyframe: 0 };

  constructor(options: SegmentReaderOptions = {}) {
    this.#endpoint = options.endpoint ?? 'HLS origin';
  }

  /** The current video track, once known. */
  get videoTrack(): TrackInfo | undefined {
    return this.#video;
  }

  /**
   * The access units of one segment, in decode order per track.
   *
   * @param segment The segment's bytes.
   * @param init The EXT-X-MAP init segment, for fMP4 segments.
   * @throws ArgusError `ARGUS_ERR_DRIVER_PROTOCOL` when the bytes are neither MPEG-TS nor fMP4, or are malformed;
   *   `ARGUS_ERR_MEDIA_UNSUPPORTED_CODEC` when an fMP4 video track is neither H.264 nor H.265.
   */
  read(segment: Uint8Array, init?: Uint8Array): SegmentPacket[] {
    const format = segmentFormat(segment);
    if (format === undefined) {
      throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', {
        endpoint: this.#endpoint,
        reason: `a segment of ${segment.length} bytes that is neither MPEG-TS nor fragmented MP4`,
      });
    }
    this.#stats.segments += 1;
    if (format === 'ts') {
      this.#stats.tsSegments += 1;
      return this.#readTs(segment);
    }
    this.#stats.fmp4Segments += 1;
    return this.#readFmp4(segment, init);
  }

  /**
   * Forgets timestamp state after a discontinuity (a new encoder session restarts its clocks); tracks are kept.
   */
  discontinuity(): void {
    this.#tsUnwrap.clear();
    this.#adtsCarry = new Uint8Array(0);
  }

  /** Counters since construction. */
  toJSON(): SegmentReaderStats {
    return { ...this.#stats };
  }

  #bad(reason: string): never {
    throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint: this.#endpoint, reason });
  }

  // ---- fMP4 ----

  #readFmp4(segment: Uint8Array, init: Uint8Array | undefined): SegmentPacket[] {
    // An fMP4 segment may carry its own moov (a self-initialising segment) when the playlist has no EXT-X-MAP.
    const initBytes = init ?? (this.#fmp4 === undefined ? segment : this.#fmp4.init);
    if (this.#fmp4 === undefined || (this.#fmp4.init !== initBytes && !sameBytes(this.#fmp4.init, initBytes))) {
      this.#fmp4 = { init: initBytes, demuxer: new Fmp4Demuxer(parseFmp4Init(initBytes, { endpoint: this.#endpoint }), { endpoint: this.#endpoint }) };
    }
    const { demuxer } = this.#fmp4;
    const tracks = new Map(demuxer.init.tracks.map((t) => [t.trackId, t] as const));
    const out: SegmentPacket[] = [];
    for (const sample of demuxer.process(segment)) {
      const source = tracks.get(sample.trackId) as Fmp4TrackInit;
      if (source.kind === 'video') {
        if (source.codec !== 'h264' && source.codec !== 'h265') {
          throw new ArgusError('ARGUS_ERR_MEDIA_UNSUPPORTED_CODEC', { codec: source.codec, reason: 'HLS video must be H.264 or H.265' });
        }
        const units = demuxer.units(source, sample);
        const keyframe = source.codec === 'h264' ? isH264Keyframe(units) : isH265Keyframe(units);
        const inBand = keyframe ? pickParameterSets(source.codec, units) : [];
        const track = this.#videoTrack(source.codec, completeSets(source.codec, inBand) ? inBand : source.parameterSets, source.timescale);
        if (track === undefined) {
          this.#stats.droppedBeforeKeyframe += 1;
          continue;
        }
        this.#stats.videoPackets += 1;
        out.push({ track, dts: sample.dts, pts: sample.dts + sample.cto, duration: sample.duration, keyframe, units });
      } else if (source.kind === 'audio' && source.codec === 'aac' && source.config !== undefined) {
        const track = this.#audioTrack(source.config, source.sampleRate ?? source.timescale, source.channels ?? 1, source.timescale);
        this.#stats.audioPackets += 1;
        out.push({ track, dts: sample.dts, pts: sample.dts + sample.cto, duration: sample.duration, keyframe: true, units: [sample.data] });
      }
    }
    return out;
  }

  // ---- MPEG-TS ----

  #readTs(segment: Uint8Array): SegmentPacket[] {
    this.#ts ??= new TsDemuxer({ endpoint: this.#endpoint });
    const ts = this.#ts;
    const pes = [...ts.process(segment), ...ts.flush()];
    if (ts.streams.length === 0) this.#bad('an MPEG-TS segment without a PAT/PMT announcing H.264, H.265 or AAC');
    const out: SegmentPacket[] = [];
    for (const packet of pes) {
      if (packet.streamType === TS_STREAM_TYPE.AAC) this.#tsAudio(packet, out);
      else this.#tsVideo(packet, packet.streamType === TS_STREAM_TYPE.H265 ? 'h265' : 'h264', out);
    }
    return out;
  }

  #unwrap(pid: number, raw: number): number {
    const state = this.#tsUnwrap.get(pid);
    if (state === undefined) {
      this.#tsUnwrap.set(pid, { last: raw, base: 0 });
      return raw;
    }
    if (raw < state.last - WRAP / 2) state.base += WRAP;
    else if (raw > state.last + WRAP / 2) state.base -= WRAP;
    state.last = raw;
    return raw + state.base;
  }

  #tsVideo(pes: TsPes, codec: 'h264' | 'h265', out: SegmentPacket[]): void {
    let reader = this.#tsReaders.get(pes.pid);
    if (reader === undefined || reader.codec !== codec) {
      reader = new AnnexBAccessUnitReader(codec);
      this.#tsReaders.set(pes.pid, reader);
    }
    let units: AccessUnit[];
    try {
      units = [...reader.process(pes.data), ...reader.flush()];
    } catch (err) {
      this.#bad(`bad ${codec} in PID ${pes.pid}: ${(err as Error).message}`);
    }
    const pts = pes.pts === undefined ? undefined : this.#unwrap(pes.pid, pes.pts);
    const dts = pes.dts === undefined ? pts : pts === undefined ? undefined : pts - ((pes.pts as number) - pes.dts + WRAP) % WRAP;
    const previous = out.findLast((p) => p.track.kind === 'video');
    const baseDts = dts ?? (previous === undefined ? 0 : previous.dts + this.#videoFrameTicks);
    const basePts = pts ?? baseDts;
    if (previous !== undefined && baseDts > previous.dts) this.#videoFrameTicks = baseDts - previous.dts;
    units.forEach((au, i) => {
      const sets = au.keyframe ? pickParameterSets(codec, au.units) : [];
      const track = this.#videoTrack(codec, sets, TS_CLOCK);
      if (track === undefined) {
        this.#stats.droppedBeforeKeyframe += 1;
        return;
      }
      const shift = i * this.#videoFrameTicks;
      this.#stats.videoPackets += 1;
      out.push({ track, dts: baseDts + shift, pts: basePts + shift, keyframe: au.keyframe, units: au.units });
    });
  }

  #tsAudio(pes: TsPes, out: SegmentPacket[]): void {
    let data = pes.data;
    if (this.#adtsCarry.length > 0) {
      data = new Uint8Array(this.#adtsCarry.length + pes.data.length);
      data.set(this.#adtsCarry);
      data.set(pes.data, this.#adtsCarry.length);
    }
    const carried = this.#adtsCarry.length > 0;
    let offset = 0;
    const frames: { payload: Uint8Array; sampleRate: number; channels: number; objectType: number }[] = [];
    while (offset + 7 <= data.length) {
      const b1 = data[offset + 1] as number;
      if (data[offset] !== 0xff || (b1 & 0xf0) !== 0xf0) this.#bad(`no ADTS sync word in PID ${pes.pid} at byte ${offset}`);
      const b2 = data[offset + 2] as number;
      const b3 = data[offset + 3] as number;
      const length = ((b3 & 0x03) << 11) | ((data[offset + 4] as number) << 3) | ((data[offset + 5] as number) >> 5);
      const header = (b1 & 1) === 1 ? 7 : 9;
      if (length < header) this.#bad(`ADTS frame of ${length} bytes in PID ${pes.pid}`);
      if (offset + length > data.length) break;
      const sampleRate = AAC_SAMPLE_RATES[(b2 >> 2) & 0x0f];
      if (sampleRate === undefined) this.#bad(`reserved ADTS sampling frequency in PID ${pes.pid}`);
      frames.push({ payload: data.subarray(offset + header, offset + length), sampleRate, channels: ((b2 & 1) << 2) | (b3 >> 6), objectType: (b2 >> 6) + 1 });
      offset += length;
    }
    this.#adtsCarry = data.slice(offset);
    const first = frames[0];
    if (first === undefined) return;
    const track = this.#audioTrack(
      buildAudioSpecificConfig({ objectType: first.objectType, sampleRate: first.sampleRate, channels: first.channels }),
      first.sampleRate,
      first.channels,
      first.sampleRate,
    );
    const pts90 = pes.pts === undefined ? undefined : this.#unwrap(pes.pid, pes.pts);
    const previous = out.findLast((p) => p.track === track);
    // A frame carried over from the previous PES started before this PES's timestamp.
    const startIndex = carried ? -1 : 0;
    const base = pts90 === undefined ? (previous === undefined ? 0 : previous.pts + 1024) : Math.round((pts90 * first.sampleRate) / TS_CLOCK);
    frames.forEach((frame, i) => {
      const pts = base + (i + startIndex) * 1024;
      this.#stats.audioPackets += 1;
      out.push({ track, dts: pts, pts, duration: 1024, keyframe: true, units: [frame.payload] });
    });
  }

  // ---- tracks ----

  /** The video track for these parameter sets (the same object while they do not change); undefined before any. */
  #videoTrack(codec: 'h264' | 'h265', sets: readonly Uint8Array[], timescale: number): TrackInfo | undefined {
    const current = this.#video;
    if (sets.length === 0) return current?.codec === codec ? current : undefined;
    if (
      current !== undefined &&
      current.codec === codec &&
      current.timescale === timescale &&
      current.parameterSets?.length === sets.length &&
      current.parameterSets.every((set, i) => sameBytes(set, sets[i]))
    ) {
      return current;
    }
    let track: TrackInfo;
    try {
      track = { ...videoTrackFromParameterSets(codec, sets, VIDEO_TRACK_ID), timescale };
    } catch (err) {
      this.#bad(`bad ${codec} parameter sets: ${(err as Error).message}`);
    }
    this.#video = track;
    return track;
  }

  #audioTrack(config: Uint8Array, sampleRate: number, channels: number, timescale: number): TrackInfo {
    const current = this.#audio;
    if (current !== undefined && current.timescale === timescale && sameBytes(current.config, config)) return current;
    const track: TrackInfo = { id: AUDIO_TRACK_ID, kind: 'audio', codec: 'aac', timescale, sampleRate, channels, config };
    this.#audio = track;
    return track;
  }
}
