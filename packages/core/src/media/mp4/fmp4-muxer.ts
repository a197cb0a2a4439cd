import { ArgusError } from '../../errors/argus-error.js';
import type { MediaPacket, TrackInfo } from '../../stream/media-packet.js';
import { buildAudioSpecificConfig, parseAudioSpecificConfig } from '../codec/aac.js';
import { H264_NAL, h264NalType, parseH264Sps, type H264Sps } from '../codec/h264.js';
import { H265_NAL, h265NalType, parseH265Sps, type H265Sps } from '../codec/h265.js';
import { BoxWriter } from './box-writer.js';
import { ChunkedBytes } from './chunked-bytes.js';

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

/**
 * One `moof` + `mdat` fragment of an {@link Fmp4Muxer}, in pieces: write them in order (one `writev`, or one socket
 * write each) or join them with `joinChunks`. Pieces are at most 32 KiB, apart from the `moof`.
 */
export interface Fmp4Fragment {
  readonly chunks: readonly Uint8Array[];
  readonly byteLength: number;
  /** The `mfhd` sequence number, from 1. */
  readonly sequence: number;
  /** Whether the fragment opens on a video keyframe (always, for video, unless a GOP was cut at `maxFragmentBytes`). */
  readonly keyframe: boolean;
  /** Decode time of the leading track's first sample, in seconds from the first packet muxed. */
  readonly startSeconds: number;
  /** Sum of the leading track's sample durations, in seconds. */
  readonly durationSeconds: number;
}

/** The samples of one track waiting for the next fragment: numbers in reused arrays, bytes copied into slabs. */
interface SampleTable {
  readonly durations: number[];
  readonly sizes: number[];
  readonly ctos: number[];
  readonly keyframes: boolean[];
  readonly data: ChunkedBytes;
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
  readonly pending: SampleTable;
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
  const pending: SampleTable = { durations: [], sizes: [], ctos: [], keyframes: [], data: new ChunkedBytes() };
  const base = { info: track, trackId: index + 1, held: undefined, pending, pendingDuration: 0, decodeTime: 0, lastDuration: 0, started: false };
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
 * Sample bytes are copied into 32 KiB slabs as packets arrive and each fragment comes out as a list of pieces
 * ({@link Fmp4Fragment}): holding a GOP of packets, or one GOP-sized buffer, per camera makes V8 run a full
 * mark-compact several times a second once a process records a hundred cameras (bench/ingest).
 *
 * @example
 * ```ts
 * const muxer = new Fmp4Muxer([videoTrack, audioTrack]);
 * await file.write(muxer.initSegment());
 * for (const packet of packets) for (const fragment of muxer.process(packet)) await file.writev(fragment.chunks);
 * for (const fragment of muxer.flush()) await file.writev(fragment.chunks);
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
   * Adds a packet; returns the fragments it completed (zero or one). The packet's bytes are copied: its buffers may be
   * reused once this returns.
   *
   * @throws ArgusError `ARGUS_ERR_MEDIA_UNKNOWN_TRACK` for a packet of a track not given to the constructor.
   */
  process(packet: MediaPacket): Fmp4Fragment[] {
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
    const out: Fmp4Fragment[] = [];
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
  flush(): Fmp4Fragment[] {
    for (const state of this.#states) {
      if (state.held !== undefined) this.#commit(state, state.held, 0);
      state.held = undefined;
    }
    return this.#states.some((s) => s.pending.sizes.length > 0) ? [this.#fragment()] : [];
  }

  /** Counters since construction. */
  toJSON(): Fmp4MuxerStats {
    return { ...this.#stats };
  }

  /** Appends a held packet to its track's sample table, copying its bytes (length-prefixed NAL units for video). */
  #commit(state: TrackState, held: Held, duration: number): void {
    if (duration <= 0) duration = state.lastDuration > 0 ? state.lastDuration : state.defaultDuration;
    state.lastDuration = duration;
    const { packet } = held;
    const table = state.pending;
    const before = table.data.length;
    for (const unit of packet.units) {
      if (state.video) {
        if (unit.byteLength === 0 || isOutOfBand(state, unit)) continue;
        table.data.u32(unit.byteLength);
      }
      table.data.append(unit);
    }
    const size = table.data.length - before;
    table.durations.push(duration);
    table.sizes.push(size);
    table.ctos.push(packet.pts - held.dts);
    table.keyframes.push(packet.keyframe);
    state.pendingDuration += duration;
    this.#pendingBytes += size;
  }

  #fragment(): Fmp4Fragment {
    this.#sequence += 1;
    let samples = 0;
    for (const state of this.#states) samples += state.pending.sizes.length;
    const w = new BoxWriter(256 + 16 * samples + 64 * this.#states.length);
    w.begin('moof');
    w.beginFull('mfhd', 0, 0).u32(this.#sequence).end();
    const offsets: number[] = [];
    for (const state of this.#states) {
      const table = state.pending;
      const count = table.sizes.length;
      if (count === 0) continue;
      let withCto = false;
      let negative = false;
      for (const cto of table.ctos) {
        if (cto !== 0) withCto = true;
        if (cto < 0) negative = true;
      }
      w.begin('traf');
      // default-base-is-moof: data offsets count from the moof, as MSE requires.
      w.beginFull('tfhd', 0, 0x020000).u32(state.trackId).end();
      w.beginFull('tfdt', 1, 0).u64(state.decodeTime).end();
      w.beginFull('trun', negative ? 1 : 0, 0x000701 | (withCto ? 0x800 : 0)).u32(count);
      offsets.push(w.length);
      w.u32(0);
      for (let i = 0; i < count; i++) {
        w.u32(table.durations[i] as number).u32(table.sizes[i] as number).u32(!state.video || table.keyframes[i] ? SYNC_FLAGS : NON_SYNC_FLAGS);
        if (withCto) w.i32(table.ctos[i] as number);
      }
      w.end().end();
    }
    w.end();
    // The mdat header closes the moof buffer; the payload follows as the tracks' slabs, track after track.
    const moofBytes = w.length;
    const leader = this.#leader.pending.sizes.length > 0 ? this.#leader : (this.#states.find((s) => s.pending.sizes.length > 0) as TrackState);
    const fragmentStart = { decodeTime: leader.decodeTime, duration: leader.pendingDuration, keyframe: !leader.video || leader.pending.keyframes[0] === true };
    const chunks: Uint8Array[] = [];
    let payloadBytes = 0;
    let next = 0;
    for (const state of this.#states) {
      const table = state.pending;
      if (table.sizes.length === 0) continue;
      w.patchU32(offsets[next++] as number, moofBytes + 8 + payloadBytes);
      payloadBytes += table.data.length;
      for (const chunk of table.data.take()) chunks.push(chunk);
      this.#stats.samples += table.sizes.length;
      state.decodeTime += state.pendingDuration;
      table.durations.length = 0;
      table.sizes.length = 0;
      table.ctos.length = 0;
      table.keyframes.length = 0;
      state.pendingDuration = 0;
    }
    w.u32(8 + payloadBytes).fourcc('mdat');
    chunks.unshift(w.finish());
    this.#pendingBytes = 0;
    const byteLength = moofBytes + 8 + payloadBytes;
    this.#stats.fragments += 1;
    this.#stats.bytes += byteLength;
    const timescale = leader.info.timescale;
    return {
      chunks,
      byteLength,
      sequence: this.#sequence,
      keyframe: fragmentStart.keyframe,
      startSeconds: fragmentStart.decodeTime / timescale,
      durationSeconds: fragmentStart.duration / timescale,
    };
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
