import { ArgusError } from '../../errors/argus-error.js';
import { sameBytes } from '../codec/same-bytes.js';
import type { MediaPacket, TrackInfo } from '../../stream/media-packet.js';
import type { StreamStage } from '../../stream/process-with.js';

/** Options of {@link FlvDemuxer}. */
export interface FlvDemuxerOptions {
  /** Largest tag body accepted; a bigger declared size is malformed input. Default 8 MiB. */
  maxTagBytes?: number;
}

/** Counters of an {@link FlvDemuxer}. */
export interface FlvDemuxerStats {
  bytes: number;
  videoPackets: number;
  audioPackets: number;
  /** Tags of codecs this demuxer does not map (not AVC video, not AAC audio) and unknown script data. */
  skippedTags: number;
}

const HEADER_BYTES = 9;
const PREVIOUS_TAG_SIZE_BYTES = 4;
const TAG_HEADER_BYTES = 11;
const TAG_AUDIO = 8;
const TAG_VIDEO = 9;
const TAG_SCRIPT = 18;
const CODEC_AVC = 7;
const SOUND_AAC = 10;
const VIDEO_TIMESCALE = 90_000;
const WRAP = 0x1_0000_0000;
const HALF_WRAP = 0x8000_0000;
const AAC_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

const enum State {
  Header,
  FirstPreviousTagSize,
  TagHeader,
  TagBody,
}

/** Unwraps FLV's 32-bit millisecond timestamps into a monotonic count. */
class MsUnwrapper {
  private last = -1;
  private offset = 0;

  unwrap(ms: number): number {
    if (this.last >= 0 && ms < this.last && this.last - ms > HALF_WRAP) this.offset += WRAP;
    this.last = ms;
    return ms + this.offset;
  }
}

function malformed(reason: string): ArgusError {
  return new ArgusError('ARGUS_ERR_MEDIA_BITSTREAM', { codec: 'FLV', reason });
}

/**
 * Demuxes an FLV byte stream (as ffmpeg writes with `-f flv`) into {@link MediaPacket}s: AVC video (track 0,
 * 90 kHz, SPS/PPS from the AVCDecoderConfigurationRecord) and AAC audio (track 1, timescale = sample rate,
 * AudioSpecificConfig in `config`). Chunks may split the stream anywhere; buffering is bounded by one tag.
 * Malformed input throws `ARGUS_ERR_MEDIA_BITSTREAM`, and the demuxer stays failed.
 *
 * @example
 * ```ts
 * const demuxer = new FlvDemuxer();
 * ffmpeg.stdout.on('data', (chunk) => demuxer.process(chunk).forEach(emit));
 * ffmpeg.stdout.on('end', () => demuxer.end());
 * ```
 */
export class FlvDemuxer implements StreamStage<Uint8Array, MediaPacket> {
  private readonly maxTagBytes: number;
  private state = State.Header;
  private chunk: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private gather: Uint8Array | undefined;
  private gathered = 0;
  private tagType = 0;
  private tagSize = 0;
  private tagMs = 0;
  private failure: ArgusError | undefined;
  private readonly videoTime = new MsUnwrapper();
  private readonly audioTime = new MsUnwrapper();
  private video: TrackInfo | undefined;
  private audio: TrackInfo | undefined;
  private lengthSize = 4;
  private meta: { width?: number; height?: number; fps?: number } = {};
  private readonly stats: FlvDemuxerStats = { bytes: 0, videoPackets: 0, audioPackets: 0, skippedTags: 0 };

  constructor(options: FlvDemuxerOptions = {}) {
    const { maxTagBytes = 8 * 1024 * 1024 } = options;
    if (!Number.isInteger(maxTagBytes) || maxTagBytes <= 0) throw new RangeError('maxTagBytes must be a positive integer');
    this.maxTagBytes = maxTagBytes;
  }

  /** Parses the next chunk of the byte stream and returns the packets it completes. */
  process(chunk: Uint8Array): MediaPacket[] {
    if (this.failure !== undefined) throw this.failure;
    this.stats.bytes += chunk.byteLength;
    this.chunk = chunk;
    this.pos = 0;
    const out: MediaPacket[] = [];
    try {
      for (;;) {
        const need = this.needed();
        const bytes = this.take(need);
        if (bytes === undefined) break;
        this.consume(bytes, out);
      }
    } catch (err) {
      this.failure = err instanceof ArgusError ? err : malformed(String(err));
      throw this.failure;
    } finally {
      this.chunk = new Uint8Array(0);
    }
    return out;
  }

  /** Declares the end of the stream: throws `ARGUS_ERR_MEDIA_BITSTREAM` when it stops inside a tag or header. */
  end(): void {
    if (this.failure !== undefined) throw this.failure;
    const insideHeader = this.state === State.Header && this.stats.bytes > 0;
    if (this.gather !== undefined || insideHeader || this.state === State.TagBody) {
      this.failure = malformed('the stream ends inside a tag (truncated)');
      throw this.failure;
    }
  }

  /** Counters since creation. */
  toJSON(): FlvDemuxerStats {
    return { ...this.stats };
  }

  private needed(): number {
    switch (this.state) {
      case State.Header:
        return HEADER_BYTES;
      case State.FirstPreviousTagSize:
        return PREVIOUS_TAG_SIZE_BYTES;
      case State.TagHeader:
        return TAG_HEADER_BYTES;
      case State.TagBody:
        return this.tagSize + PREVIOUS_TAG_SIZE_BYTES;
    }
  }

  /** Returns `n` bytes: a zero-copy view when the current chunk holds them, else gathered across chunks. */
  private take(n: number): Uint8Array | undefined {
    const available = this.chunk.byteLength - this.pos;
    if (this.gather === undefined) {
      if (available >= n) {
        const view = this.chunk.subarray(this.pos, this.pos + n);
        this.pos += n;
        return view;
      }
      if (available === 0) return undefined;
      this.gather = new Uint8Array(n);
      this.gathered = 0;
    }
    const copy = Math.min(n - this.gathered, available);
    this.gather.set(this.chunk.subarray(this.pos, this.pos + copy), this.gathered);
    this.gathered += copy;
    this.pos += copy;
    if (this.gathered < n) return undefined;
    const full = this.gather;
    this.gather = undefined;
    return full;
  }

  private consume(bytes: Uint8Array, out: MediaPacket[]): void {
    switch (this.state) {
      case State.Header: {
        if (bytes[0] !== 0x46 || bytes[1] !== 0x4c || bytes[2] !== 0x56) throw malformed('no FLV signature');
        const headerSize = readU32(bytes, 5);
        // Extra header bytes are never written by ffmpeg; refusing them keeps the state machine simple.
        if (headerSize !== HEADER_BYTES) throw malformed(`unexpected header size ${headerSize}`);
        this.state = State.FirstPreviousTagSize;
        return;
      }
      case State.FirstPreviousTagSize:
        this.state = State.TagHeader;
        return;
      case State.TagHeader: {
        const type = bytes[0]! & 0x1f;
        if ((bytes[0]! & 0x20) !== 0) throw malformed('encrypted tags are not supported');
        if (type !== TAG_AUDIO && type !== TAG_VIDEO && type !== TAG_SCRIPT) throw malformed(`unknown tag type ${type}`);
        const size = (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!;
        if (size > this.maxTagBytes) throw malformed(`tag of ${size} bytes exceeds the ${this.maxTagBytes}-byte limit`);
        this.tagType = type;
        this.tagSize = size;
        this.tagMs = ((bytes[7]! << 24) | (bytes[4]! << 16) | (bytes[5]! << 8) | bytes[6]!) >>> 0;
        this.state = State.TagBody;
        return;
      }
      case State.TagBody: {
        const previous = readU32(bytes, this.tagSize);
        if (previous !== this.tagSize + TAG_HEADER_BYTES) {
          throw malformed(`previous tag size ${previous} does not match ${this.tagSize + TAG_HEADER_BYTES}`);
        }
        const body = bytes.subarray(0, this.tagSize);
        this.state = State.TagHeader;
        if (this.tagType === TAG_VIDEO) this.videoTag(body, out);
        else if (this.tagType === TAG_AUDIO) this.audioTag(body, out);
        else this.script(body);
        return;
      }
    }
  }

  private videoTag(body: Uint8Array, out: MediaPacket[]): void {
    if (body.byteLength === 0) return;
    const frameType = body[0]! >> 4;
    const codecId = body[0]! & 0x0f;
    if (codecId !== CODEC_AVC) {
      this.stats.skippedTags++;
      return;
    }
    if (body.byteLength < 5) throw malformed('AVC video tag shorter than its header');
    const packetType = body[1]!;
    const dtsMs = this.videoTime.unwrap(this.tagMs);
    if (packetType === 0) {
      this.avcConfig(body.subarray(5));
      return;
    }
    if (packetType !== 1) return;
    const cts = ((body[2]! << 16) | (body[3]! << 8) | body[4]!) << 8 >> 8;
    const units: Uint8Array[] = [];
    const size = this.lengthSize;
    let offset = 5;
    while (offset < body.byteLength) {
      if (offset + size > body.byteLength) throw malformed('NAL unit length prefix cut short');
      let length = 0;
      for (let i = 0; i < size; i++) length = length * 256 + body[offset + i]!;
      offset += size;
      if (length > body.byteLength - offset) throw malformed(`NAL unit of ${length} bytes overruns its tag`);
      if (length > 0) units.push(body.subarray(offset, offset + length));
      offset += length;
    }
    if (units.length === 0) return;
    const track = this.video ?? this.newVideoTrack(undefined);
    const dts = dtsMs * 90;
    this.stats.videoPackets++;
    out.push({ track, pts: dts + cts * 90, dts, keyframe: frameType === 1, units });
  }

  private avcConfig(record: Uint8Array): void {
    if (record.byteLength < 7 || record[0] !== 1) throw malformed('bad AVCDecoderConfigurationRecord');
    this.lengthSize = (record[4]! & 0x03) + 1;
    const sets: Uint8Array[] = [];
    let offset = 5;
    for (let group = 0; group < 2; group++) {
      if (offset >= record.byteLength) throw malformed('AVCDecoderConfigurationRecord cut short');
      const count = group === 0 ? record[offset]! & 0x1f : record[offset]!;
      offset++;
      for (let i = 0; i < count; i++) {
        if (offset + 2 > record.byteLength) throw malformed('AVCDecoderConfigurationRecord cut short');
        const length = (record[offset]! << 8) | record[offset + 1]!;
        offset += 2;
        if (offset + length > record.byteLength) throw malformed('parameter set overruns the record');
        // Copied: parameter sets outlive the chunk they came in.
        sets.push(record.slice(offset, offset + length));
        offset += length;
      }
    }
    const previous = this.video?.parameterSets;
    if (previous !== undefined && previous.length === sets.length && sets.every((set, i) => sameBytes(previous[i], set))) {
      return;
    }
    this.newVideoTrack(sets);
  }

  private newVideoTrack(parameterSets: Uint8Array[] | undefined): TrackInfo {
    const { width, height, fps } = this.meta;
    this.video = {
      id: 0,
      kind: 'video',
      codec: 'h264',
      timescale: VIDEO_TIMESCALE,
      ...(width !== undefined && { width }),
      ...(height !== undefined && { height }),
      ...(fps !== undefined && { fps }),
      ...(parameterSets !== undefined && { parameterSets }),
    };
    return this.video;
  }

  private audioTag(body: Uint8Array, out: MediaPacket[]): void {
    if (body.byteLength === 0) return;
    if (body[0]! >> 4 !== SOUND_AAC) {
      this.stats.skippedTags++;
      return;
    }
    if (body.byteLength < 2) throw malformed('AAC audio tag shorter than its header');
    const ms = this.audioTime.unwrap(this.tagMs);
    if (body[1] === 0) {
      this.aacConfig(body.subarray(2));
      return;
    }
    const track = this.audio;
    // Raw AAC frames are undecodable without the AudioSpecificConfig, which ffmpeg always sends first.
    if (track === undefined || body.byteLength === 2) return;
    this.stats.audioPackets++;
    out.push({ track, pts: Math.round((ms * track.timescale) / 1000), keyframe: true, units: [body.subarray(2)] });
  }

  private aacConfig(config: Uint8Array): void {
    // ffmpeg writes an empty sequence header when the config is only known later (ADTS input): wait for it.
    if (config.byteLength < 2) return;
    if (sameBytes(this.audio?.config, config)) return;
    const rateIndex = ((config[0]! & 0x07) << 1) | (config[1]! >> 7);
    const sampleRate = AAC_RATES[rateIndex];
    if (sampleRate === undefined) throw malformed(`unsupported AAC sampling frequency index ${rateIndex}`);
    const channels = (config[1]! >> 3) & 0x0f;
    this.audio = {
      id: 1,
      kind: 'audio',
      codec: 'aac',
      timescale: sampleRate,
      sampleRate,
      channels,
      config: config.slice(),
    };
  }

  /** Reads width, height and frame rate from `onMetaData` (AMF0) so the video track can carry them. */
  private script(body: Uint8Array): void {
    const reader = new Amf0Reader(body);
    if (reader.value() !== 'onMetaData') {
      this.stats.skippedTags++;
      return;
    }
    const data = reader.value();
    if (typeof data !== 'object' || data === null) return;
    const numberOf = (key: string): number | undefined => {
      const value = data[key];
      return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
    };
    const width = numberOf('width');
    const height = numberOf('height');
    const fps = numberOf('framerate');
    this.meta = {
      ...(width !== undefined && { width }),
      ...(height !== undefined && { height }),
      ...(fps !== undefined && { fps }),
    };
    if (this.video !== undefined) this.newVideoTrack(this.video.parameterSets?.slice());
  }
}

type AmfValue = number | boolean | string | null | AmfObject;
interface AmfObject {
  [key: string]: AmfValue | undefined;
}

/** Just enough AMF0 for `onMetaData`: numbers, booleans, strings, objects and ECMA arrays; stops at anything else. */
class Amf0Reader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  value(depth = 0): AmfValue | undefined {
    if (this.offset >= this.bytes.byteLength || depth > 4) return undefined;
    const marker = this.bytes[this.offset++]!;
    switch (marker) {
      case 0x00:
        if (this.offset + 8 > this.bytes.byteLength) return undefined;
        this.offset += 8;
        return this.view.getFloat64(this.offset - 8);
      case 0x01:
        return this.bytes[this.offset++] !== 0;
      case 0x02:
        return this.string();
      case 0x05:
        return null;
      case 0x03:
        return this.properties(depth);
      case 0x08:
        this.offset += 4;
        return this.properties(depth);
      default:
        return undefined;
    }
  }

  private string(): string | undefined {
    if (this.offset + 2 > this.bytes.byteLength) return undefined;
    const length = this.view.getUint16(this.offset);
    this.offset += 2;
    if (this.offset + length > this.bytes.byteLength) return undefined;
    const text = new TextDecoder().decode(this.bytes.subarray(this.offset, this.offset + length));
    this.offset += length;
    return text;
  }

  private properties(depth: number): AmfObject {
    const result: AmfObject = {};
    while (this.offset + 3 <= this.bytes.byteLength) {
      const key = this.string();
      if (key === undefined) break;
      if (key === '' && this.bytes[this.offset] === 0x09) {
        this.offset++;
        break;
      }
      const value = this.value(depth + 1);
      if (value === undefined) break;
      result[key] = value;
    }
    return result;
  }
}

function readU32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}
