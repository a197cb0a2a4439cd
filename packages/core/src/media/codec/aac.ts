import { ArgusError } from '../../errors/argus-error.js';
import { BitReader } from './bit-reader.js';

/** The sampling frequencies of MPEG-4 audio, by sampling_frequency_index. */
export const AAC_SAMPLE_RATES: readonly number[] = Object.freeze([
  96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
]);

/** The fields of an AudioSpecificConfig that a muxer or player needs. */
export interface AudioSpecificConfig {
  /** Audio object type: 2 = AAC-LC, 5 = SBR (HE-AAC), 29 = PS. */
  readonly objectType: number;
  readonly sampleRate: number;
  /** channel_configuration: 1 = mono, 2 = stereo ... (0 = defined in the bitstream). */
  readonly channels: number;
}

function bad(reason: string): never {
  throw new ArgusError('ARGUS_ERR_MEDIA_BITSTREAM', { codec: 'aac', reason });
}

/**
 * Parses an MPEG-4 AudioSpecificConfig (the SDP `config=` hex, or an esds DecoderSpecificInfo).
 *
 * @throws ArgusError `ARGUS_ERR_MEDIA_BITSTREAM` when truncated or when the sampling index is reserved.
 */
export function parseAudioSpecificConfig(bytes: Uint8Array): AudioSpecificConfig {
  const reader = new BitReader(bytes, 'aac');
  let objectType = reader.readBits(5);
  if (objectType === 31) objectType = 32 + reader.readBits(6);
  const index = reader.readBits(4);
  const sampleRate = index === 15 ? reader.readBits(24) : AAC_SAMPLE_RATES[index];
  if (sampleRate === undefined || sampleRate === 0) bad(`reserved sampling frequency index ${index}`);
  const channels = reader.readBits(4);
  return { objectType, sampleRate, channels };
}

/**
 * Builds a 2-byte AudioSpecificConfig (5 bytes when the sample rate is not in {@link AAC_SAMPLE_RATES}).
 *
 * @example
 * ```ts
 * buildAudioSpecificConfig({ objectType: 2, sampleRate: 48000, channels: 1 }); // 11 88
 * ```
 */
export function buildAudioSpecificConfig(config: AudioSpecificConfig): Uint8Array {
  const { objectType, sampleRate, channels } = config;
  if (!Number.isInteger(objectType) || objectType < 1 || objectType > 30) throw new RangeError(`objectType ${objectType} must be 1..30`);
  if (!Number.isInteger(channels) || channels < 0 || channels > 15) throw new RangeError(`channels ${channels} must be 0..15`);
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate >= 2 ** 24) throw new RangeError(`bad sampleRate ${sampleRate}`);
  const index = AAC_SAMPLE_RATES.indexOf(sampleRate);
  if (index >= 0) {
    return Uint8Array.of((objectType << 3) | (index >> 1), ((index & 1) << 7) | (channels << 3));
  }
  // 5 + 4 + 24 + 4 bits = 37: written into 40 bits.
  const bits = [objectType, 5, 15, 4, sampleRate, 24, channels, 4];
  const out = new Uint8Array(5);
  let position = 0;
  for (let f = 0; f < bits.length; f += 2) {
    const value = bits[f] as number;
    const width = bits[f + 1] as number;
    for (let b = width - 1; b >= 0; b--) {
      if (Math.floor(value / 2 ** b) & 1) out[position >> 3] = (out[position >> 3] as number) | (0x80 >> (position & 7));
      position += 1;
    }
  }
  return out;
}

/** One ADTS frame. */
export interface AdtsFrame extends AudioSpecificConfig {
  /** Byte offset of the frame header in the buffer. */
  readonly offset: number;
  /** The raw AAC payload (after the 7- or 9-byte header), a subarray of the input. */
  readonly payload: Uint8Array;
  /** Whole frame length, header included. */
  readonly frameLength: number;
}

/**
 * Splits an ADTS stream (a `.aac` file, ffmpeg's `-f adts` output) into frames; payloads are subarrays.
 *
 * @throws ArgusError `ARGUS_ERR_MEDIA_BITSTREAM` on a lost sync word or a truncated frame.
 */
export function parseAdts(buf: Uint8Array): AdtsFrame[] {
  const frames: AdtsFrame[] = [];
  let offset = 0;
  while (offset < buf.length) {
    if (offset + 7 > buf.length) bad(`truncated ADTS header at byte ${offset}`);
    const b1 = buf[offset + 1] as number;
    if (buf[offset] !== 0xff || (b1 & 0xf0) !== 0xf0) bad(`no ADTS sync word at byte ${offset}`);
    const b2 = buf[offset + 2] as number;
    const b3 = buf[offset + 3] as number;
    const protectionAbsent = (b1 & 1) === 1;
    const objectType = (b2 >> 6) + 1;
    const index = (b2 >> 2) & 0x0f;
    const sampleRate = AAC_SAMPLE_RATES[index];
    if (sampleRate === undefined) bad(`reserved sampling frequency index ${index} at byte ${offset}`);
    const channels = ((b2 & 1) << 2) | (b3 >> 6);
    const frameLength = ((b3 & 0x03) << 11) | ((buf[offset + 4] as number) << 3) | ((buf[offset + 5] as number) >> 5);
    const headerLength = protectionAbsent ? 7 : 9;
    if (frameLength < headerLength) bad(`ADTS frame length ${frameLength} shorter than its header at byte ${offset}`);
    if (offset + frameLength > buf.length) bad(`truncated ADTS frame at byte ${offset}`);
    frames.push({
      offset,
      objectType,
      sampleRate,
      channels,
      frameLength,
      payload: buf.subarray(offset + headerLength, offset + frameLength),
    });
    offset += frameLength;
  }
  return frames;
}
