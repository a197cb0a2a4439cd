import { ArgusError } from '../../errors/argus-error.js';
import type { MediaPacket, TrackInfo } from '../../stream/media-packet.js';
import { buildAudioSpecificConfig, parseAudioSpecificConfig } from '../codec/aac.js';
import { H264_NAL, h264NalType, parseH264Sps, type H264Sps } from '../codec/h264.js';
import { H265_NAL, h265NalType, parseH265Sps, type H265Sps } from '../codec/h265.js';
import { BoxWriter } from './box-writer.js';

/** Options of an {@link Fmp4Muxer}. */
export interface Fmp4MuxerOptions {
  /** Fragment length for audio-only streams, in seconds; default 1. Video streams cut at each keyframe. */
  audioFragmentSeconds?: number;
  /** A GOP larger than this many bytes is cut early, bounding memory; default 32 MiB. */
  maxFragmentBytes?: number;
}

/** Counters of an {@link Fmp4Muxer}. */
export interface Fmp4MuxerStats {
  fragments: number;
  samples: number;
  /** Bytes of fragments emitted (the init segment excluded). */
  bytes: number;
  /** Packets dropped before the first video keyframe. */
  dropped: number;
}

interface Sample {
  readonly units: readonly Uint8Array[];
  readonly size: number;
  readonly duration: number;
  readonly cto: number;
  readonly keyframe: boolean;
}

interface Held {
  readonly packet: MediaPacket;
  readonly dts: number;
}

interface TrackState {
  readonly info: TrackInfo;
  /** MP4 track_ID: the track's position from 1 (TrackInfo ids start at 0, which MP4 does not allow). */
  readonly trackId: number;
  readonly video: boolean;
  readonly h264?: H264Sps;
  readonly h265?: H265Sps;
  readonly vps: Uint8Array[];
  readonly sps: Uint8Array[];
  readonly pps: Uint8Array[];
  readonly audioConfig?: Uint8Array;
  readonly defaultDuration: number;
  held: Held | undefined;
  pending: Sample[];
  pendingDuration: number;
  decodeTime: number;
  lastDuration: number;
  started: boolean;
}

const SYNC_FLAGS = 0x02000000;
const NON_SYNC_FLAGS = 0x01010000;
const MATRIX = [0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000];

function typeOf(state: TrackState, nal: Uint8Array): number {
  return state.info.codec === 'h264' ? h264NalType(nal) : h265NalType(nal);
}

/** NAL units that stay out of samples: AUDs, and parameter sets, which live in avcC/hvcC. */
function isOutOfBand(state: TrackState, nal: Uint8Array): boolean {
  const type = typeOf(state, nal);
  if (state.info.codec === 'h264') return type === H264_NAL.AUD || type === H264_NAL.SPS || type === H264_NAL.PPS;
  return type === H265_NAL.AUD || type === H265_NAL.VPS || type === H265_NAL.SPS || type === H265_NAL.PPS;
}

function missing(track: TrackInfo, what: string): never {
  throw new ArgusError('ARGUS_ERR_MEDIA_MISSING_PARAMETER_SETS', { track: track.id, codec: track.codec, what });
}

function audioConfigOf(track: TrackInfo): Uint8Array {
  if (track.config !== undefined) return track.config;
  return buildAudioSpecificConfig({ objectType: 2, sampleRate: track.sampleRate ?? track.timescale, channels: track.channels ?? 1 });
}

function createState(track: TrackInfo, index: number): TrackState {
  const base = { info: track, trackId: index + 1, held: undefined, pending: [], pendingDuration: 0, decodeTime: 0, lastDuration: 0, started: false };
  if (track.codec === 'h264' || track.codec === 'h265') {
    const sets = track.parameterSets ?? [];
    const pick = (type: number) => sets.filter((nal) => (track.codec === 'h264' ? h264NalType(nal) : h265NalType(nal)) === type);
    const h264 = track.codec === 'h264';
    const sps = pick(h264 ? H264_NAL.SPS : H265_NAL.SPS);
    const pps = pick(h264 ? H264_NAL.PPS : H265_NAL.PPS);
    const vps = h264 ? [] : pick(H265_NAL.VPS);
    const first = sps[0];
    if (first === undefined) missing(track, 'SPS');
    if (pps.length === 0) missing(track, 'PPS');
    if (!h264 && vps.length === 0) missing(track, 'VPS');
    const parsed = h264 ? { h264: parseH264Sps(first) } : { h265: parseH265Sps(first) };
    const fps = track.fps ?? parsed.h264?.fps ?? parsed.h265?.fps ?? 25;
    return { ...base, ...parsed, video: true, vps, sps, pps, defaultDuration: Math.max(1, Math.round(track.timescale / fps)) };
  }
  if (track.codec === 'aac') {
    const audioConfig = audioConfigOf(track);
    const sampleRate = parseAudioSpecificConfig(audioConfig).sampleRate;
    return { ...base, video: false, vps: [], sps: [], pps: [], audioConfig, defaultDuration: Math.max(1, Math.round((1024 * track.timescale) / sampleRate)) };
  }
  throw new ArgusError('ARGUS_ERR_MEDIA_UNSUPPORTED_CODEC', { codec: track.codec, reason: 'the fMP4 muxer takes H.264, H.265 and AAC' });
}

/** The RFC 6381 codec string of a track, as MSE and HLS want it. */
function codecStringOf(state: TrackState): string {
  if (state.h264 !== undefined) return state.h264.codecString;
  if (state.h265 !== undefined) return state.h265.codecString;
  return `mp4a.40.${parseAudioSpecificConfig(state.audioConfig ?? new Uint8Array(0)).objectType}`;
}

/**
 * The MIME type with codecs for Media Source Extensions, e.g. `video/mp4; codecs="avc1.42C01E,mp4a.40.2"`.
 *
 * @throws ArgusError `ARGUS_ERR_MEDIA_UNSUPPORTED_CODEC` / `ARGUS_ERR_MEDIA_MISSING_PARAMETER_SETS` as the muxer.
 */
export function codecsParam(tracks: readonly TrackInfo[]): string {
  const states = tracks.map(createState);
  const kind = states.some((s) => s.video) ? 'video' : 'audio';
  return `${kind}/mp4; codecs="${states.map(codecStringOf).join(',')}"`;
}

/**
 * Muxes media packets into fragmented MP4: an init segment (`ftyp` + `moov`) and one `moof` + `mdat` fragment per
 * GOP (per ~1 s for audio-only streams), ready for a file, Media Source Extensions or HLS fMP4.
 *
 * A sample's duration is the distance to the next sample of its track, so each track holds back its newest packet
 * until the next one arrives (the last one at {@link flush} takes the previous duration). Packets before the first
 * video keyframe are dropped, since no decoder could use them.
 *
 * @example
 * ```ts
 * const muxer = new Fmp4Muxer([videoTrack, audioTrack]);
 * socket.send(muxer.initSegment());
 * for (const packet of packets) for (const fragment of muxer.process(packet)) socket.send(fragment);
 * for (const fragment of muxer.flush()) socket.send(fragment);
 * ```
 */
export class Fmp4Muxer {
  readonly #states: TrackState[];
  readonly #byId = new Map<number, TrackState>();
  readonly #leader: TrackState;
  readonly #hasVideo: boolean;
  readonly #audioFragmentSeconds: number;
  readonly #maxFragmentBytes: number;
  #pendingBytes = 0;
  #sequence = 0;
  #originSeconds: number | undefined;
  #sawKeyframe = false;
  #init: Uint8Array | undefined;
  readonly #stats: Fmp4MuxerStats = { fragments: 0, samples: 0, bytes: 0, dropped: 0 };

  /**
   * @throws ArgusError `ARGUS_ERR_MEDIA_UNSUPPORTED_CODEC` for a codec other than H.264/H.265/AAC,
   *   `ARGUS_ERR_MEDIA_MISSING_PARAMETER_SETS` for a video track without SPS/PPS (and VPS for H.265).
   */
  constructor(tracks: readonly TrackInfo[], options: Fmp4MuxerOptions = {}) {
    if (tracks.length === 0) throw new RangeError('Fmp4Muxer needs at least one track');
    this.#states = tracks.map((track, index) => createState(track, index));
    for (const state of this.#states) {
      if (this.#byId.has(state.info.id)) throw new RangeError(`duplicate track id ${state.info.id}`);
      this.#byId.set(state.info.id, state);
    }
    this.#hasVideo = this.#states.some((s) => s.video);
    this.#leader = this.#states.find((s) => s.video) ?? (this.#states[0] as TrackState);
    this.#audioFragmentSeconds = options.audioFragmentSeconds ?? 1;
    this.#maxFragmentBytes = options.maxFragmentBytes ?? 32 * 1024 * 1024;
  }

  /** The MIME type with codecs of this muxer's tracks, for `MediaSource.addSourceBuffer`. */
  get mimeType(): string {
    const kind = this.#hasVideo ? 'video' : 'audio';
    return `${kind}/mp4; codecs="${this.#states.map(codecStringOf).join(',')}"`;
  }

  /** `ftyp` + `moov` (with `mvex`/`trex`): what a player needs before the first fragment. */
  initSegment(): Uint8Array {
    this.#init ??= this.#writeInit();
    return this.#init;
  }

  /**
   * Adds a packet; returns the fragments it completed (zero or one).
   *
   * @throws ArgusError `ARGUS_ERR_MEDIA_UNKNOWN_TRACK` for a packet of a track not given to the constructor.
   */
  process(packet: MediaPacket): Uint8Array[] {
    const state = this.#byId.get(packet.track.id);
    if (state === undefined) throw new ArgusError('ARGUS_ERR_MEDIA_UNKNOWN_TRACK', { track: packet.track.id });
    if (this.#hasVideo && !this.#sawKeyframe) {
      if (!(state.video && packet.keyframe)) {
        this.#stats.dropped += 1;
        return [];
      }
      this.#sawKeyframe = true;
    }
    const dts = packet.dts ?? packet.pts;
    if (!state.started) {
      state.started = true;
      this.#originSeconds ??= dts / state.info.timescale;
      state.decodeTime = Math.max(0, Math.round(dts - this.#originSeconds * state.info.timescale));
    }
    const out: Uint8Array[] = [];
    const held = state.held;
    if (held !== undefined) this.#commit(state, held, dts - held.dts);
    const cut =
      this.#pendingBytes > 0 &&
      (this.#pendingBytes >= this.#maxFragmentBytes ||
        (state === this.#leader &&
          (state.video ? packet.keyframe : state.pendingDuration >= this.#audioFragmentSeconds * state.info.timescale)));
    if (cut) out.push(this.#fragment());
    state.held = { packet, dts };
    return out;
  }

  /** Ends the stream: writes the held-back packets (with their track's previous duration) as a last fragment. */
  flush(): Uint8Array[] {
    for (const state of this.#states) {
      if (state.held !== undefined) this.#commit(state, state.held, 0);
      state.held = undefined;
    }
    return this.#pendingBytes > 0 || this.#states.some((s) => s.pending.length > 0) ? [this.#fragment()] : [];
  }

  /** Counters since construction. */
  toJSON(): Fmp4MuxerStats {
    return { ...this.#stats };
  }

  #commit(state: TrackState, held: Held, duration: number): void {
    if (duration <= 0) duration = state.lastDuration > 0 ? state.lastDuration : state.defaultDuration;
    state.lastDuration = duration;
    const packet = held.packet;
    let units: readonly Uint8Array[] = packet.units;
    let size = 0;
    if (state.video) {
      units = packet.units.filter((nal) => nal.length > 0 && !isOutOfBand(state, nal));
      for (const unit of units) size += 4 + unit.length;
    } else {
      for (const unit of units) size += unit.length;
    }
    state.pending.push({ units, size, duration, cto: packet.pts - held.dts, keyframe: packet.keyframe });
    state.pendingDuration += duration;
    this.#pendingBytes += size;
  }

  #fragment(): Uint8Array {
    this.#sequence += 1;
    let samples = 0;
    for (const state of this.#states) samples += state.pending.length;
    const w = new BoxWriter(this.#pendingBytes + 256 + 16 * samples + 64 * this.#states.length);
    w.begin('moof');
    w.beginFull('mfhd', 0, 0).u32(this.#sequence).end();
    const offsets: number[] = [];
    for (const state of this.#states) {
      if (state.pending.length === 0) continue;
      let withCto = false;
      let negative = false;
      for (const s of state.pending) {
        if (s.cto !== 0) withCto = true;
        if (s.cto < 0) negative = true;
      }
      w.begin('traf');
      // default-base-is-moof: data offsets count from the moof, as MSE requires.
      w.beginFull('tfhd', 0, 0x020000).u32(state.trackId).end();
      w.beginFull('tfdt', 1, 0).u64(state.decodeTime).end();
      w.beginFull('trun', negative ? 1 : 0, 0x000701 | (withCto ? 0x800 : 0)).u32(state.pending.length);
      offsets.push(w.length);
      w.u32(0);
      for (const s of state.pending) {
        w.u32(s.duration).u32(s.size).u32(!state.video || s.keyframe ? SYNC_FLAGS : NON_SYNC_FLAGS);
        if (withCto) w.i32(s.cto);
      }
      w.end().end();
    }
    w.end();
    w.begin('mdat');
    let next = 0;
    for (const state of this.#states) {
      if (state.pending.length === 0) continue;
      w.patchU32(offsets[next++] as number, w.length);
      for (const s of state.pending) {
        for (const unit of s.units) {
          if (state.video) w.u32(unit.length);
          w.bytes(unit);
        }
      }
      this.#stats.samples += state.pending.length;
      state.decodeTime += state.pendingDuration;
      state.pending = [];
      state.pendingDuration = 0;
    }
    w.end();
    this.#pendingBytes = 0;
    const fragment = w.finish();
    this.#stats.fragments += 1;
    this.#stats.bytes += fragment.length;
    return fragment;
  }

  #writeInit(): Uint8Array {
    const w = new BoxWriter(2048);
    w.begin('ftyp').fourcc('isom').u32(0x200).fourcc('isom').fourcc('iso5').fourcc('iso6').fourcc('mp41').end();
    w.begin('moov');
    w.beginFull('mvhd', 0, 0).u32(0).u32(0).u32(1000).u32(0).u32(0x00010000).u16(0x0100).zeros(10);
    for (const m of MATRIX) w.u32(m);
    w.zeros(24).u32(this.#states.length + 1).end();
    for (const state of this.#states) this.#writeTrak(w, state);
    w.begin('mvex');
    for (const state of this.#states) w.beginFull('trex', 0, 0).u32(state.trackId).u32(1).u32(0).u32(0).u32(0).end();
    w.end();
    w.end();
    return w.finish();
  }

  #writeTrak(w: BoxWriter, state: TrackState): void {
    const { info } = state;
    const width = state.h264?.width ?? state.h265?.width ?? info.width ?? 0;
    const height = state.h264?.height ?? state.h265?.height ?? info.height ?? 0;
    w.begin('trak');
    w.beginFull('tkhd', 0, 3).u32(0).u32(0).u32(state.trackId).u32(0).u32(0).zeros(8).u16(0).u16(0).u16(state.video ? 0 : 0x0100).u16(0);
    for (const m of MATRIX) w.u32(m);
    w.u32(width * 0x10000).u32(height * 0x10000).end();
    w.begin('mdia');
    w.beginFull('mdhd', 0, 0).u32(0).u32(0).u32(info.timescale).u32(0).u16(0x55c4).u16(0).end();
    const handler = state.video ? 'vide' : 'soun';
    w.beginFull('hdlr', 0, 0).u32(0).fourcc(handler).zeros(12).bytes(new TextEncoder().encode(state.video ? 'VideoHandler\0' : 'SoundHandler\0')).end();
    w.begin('minf');
    if (state.video) w.beginFull('vmhd', 0, 1).zeros(8).end();
    else w.beginFull('smhd', 0, 0).zeros(4).end();
    w.begin('dinf').beginFull('dref', 0, 0).u32(1).beginFull('url ', 0, 1).end().end().end();
    w.begin('stbl');
    w.beginFull('stsd', 0, 0).u32(1);
    if (state.video) this.#writeVisualEntry(w, state, width, height);
    else this.#writeAudioEntry(w, state);
    w.end();
    w.beginFull('stts', 0, 0).u32(0).end();
    w.beginFull('stsc', 0, 0).u32(0).end();
    w.beginFull('stsz', 0, 0).u32(0).u32(0).end();
    w.beginFull('stco', 0, 0).u32(0).end();
    w.end().end().end().end();
  }

  #writeVisualEntry(w: BoxWriter, state: TrackState, width: number, height: number): void {
    w.begin(state.h264 !== undefined ? 'avc1' : 'hvc1').zeros(6).u16(1).zeros(16).u16(width).u16(height);
    w.u32(0x00480000).u32(0x00480000).u32(0).u16(1).zeros(32).u16(0x0018).u16(0xffff);
    if (state.h264 !== undefined) {
      const sps = state.h264;
      w.begin('avcC').u8(1).u8(sps.profileIdc).u8(sps.constraintFlags).u8(sps.levelIdc).u8(0xff).u8(0xe0 | state.sps.length);
      for (const nal of state.sps) w.u16(nal.length).bytes(nal);
      w.u8(state.pps.length);
      for (const nal of state.pps) w.u16(nal.length).bytes(nal);
      if (sps.profileIdc === 100 || sps.profileIdc === 110 || sps.profileIdc === 122 || sps.profileIdc === 144) {
        w.u8(0xfc | sps.chromaFormatIdc).u8(0xf8 | (sps.bitDepthLuma - 8)).u8(0xf8 | (sps.bitDepthChroma - 8)).u8(0);
      }
      w.end();
    } else if (state.h265 !== undefined) {
      const sps = state.h265;
      w.begin('hvcC').u8(1).u8((sps.generalProfileSpace << 6) | (sps.tierFlag << 5) | sps.profileIdc);
      w.u32(sps.profileCompatibilityFlags).bytes(sps.constraintIndicatorFlags).u8(sps.levelIdc);
      w.u16(0xf000).u8(0xfc).u8(0xfc | sps.chromaFormatIdc).u8(0xf8 | (sps.bitDepthLuma - 8)).u8(0xf8 | (sps.bitDepthChroma - 8));
      w.u16(0).u8((sps.maxSubLayers << 3) | ((sps.temporalIdNesting ? 1 : 0) << 2) | 3).u8(3);
      const arrays: [number, Uint8Array[]][] = [[H265_NAL.VPS, state.vps], [H265_NAL.SPS, state.sps], [H265_NAL.PPS, state.pps]];
      for (const [type, nals] of arrays) {
        w.u8(0x80 | type).u16(nals.length);
        for (const nal of nals) w.u16(nal.length).bytes(nal);
      }
      w.end();
    }
    w.end();
  }

  #writeAudioEntry(w: BoxWriter, state: TrackState): void {
    const config = state.audioConfig ?? new Uint8Array(0);
    const asc = parseAudioSpecificConfig(config);
    const rate = asc.sampleRate <= 0xffff ? asc.sampleRate : 0;
    w.begin('mp4a').zeros(6).u16(1).zeros(8).u16(asc.channels || (state.info.channels ?? 1)).u16(16).u16(0).u16(0).u32(rate * 0x10000);
    // esds: ES_Descriptor > DecoderConfigDescriptor > DecoderSpecificInfo (the AudioSpecificConfig), SLConfig.
    const decoderSpecific = 2 + config.length;
    const decoderConfig = 13 + decoderSpecific;
    const es = 3 + 2 + decoderConfig + 3;
    w.beginFull('esds', 0, 0);
    w.u8(0x03).u8(es).u16(state.trackId).u8(0);
    w.u8(0x04).u8(decoderConfig).u8(0x40).u8(0x15).u24(0).u32(0).u32(0);
    w.u8(0x05).u8(config.length).bytes(config);
    w.u8(0x06).u8(1).u8(0x02);
    w.end();
    w.end();
  }
}
