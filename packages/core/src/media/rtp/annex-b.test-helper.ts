// Test-only: a small Annex B splitter, grouping NAL units into access units at each AUD (the codec helper's reader
// is separate work), and an ADTS splitter for AAC.
import type { MediaPacket, TrackInfo } from '../../stream/media-packet.js';

/** NAL units of an Annex B byte stream, without start codes. */
export function splitAnnexB(bytes: Uint8Array): Uint8Array[] {
  const starts: { at: number; code: number }[] = [];
  for (let i = 0; i + 2 < bytes.length; i++) {
    if (bytes[i] === 0 && bytes[i + 1] === 0 && bytes[i + 2] === 1) {
      const long = i > 0 && bytes[i - 1] === 0;
      starts.push({ at: i + 3, code: long ? 4 : 3 });
      i += 2;
    }
  }
  const nals: Uint8Array[] = [];
  for (let k = 0; k < starts.length; k++) {
    const next = starts[k + 1];
    const end = next === undefined ? bytes.length : next.at - next.code;
    nals.push(bytes.subarray(starts[k]!.at, end));
  }
  return nals;
}

/** Access units of an Annex B stream with AUDs: each starts at an AUD NAL unit. */
export function accessUnits(bytes: Uint8Array, codec: 'h264' | 'h265'): Uint8Array[][] {
  const isAud = codec === 'h264' ? (n: Uint8Array) => (n[0]! & 0x1f) === 9 : (n: Uint8Array) => ((n[0]! >> 1) & 0x3f) === 35;
  const units: Uint8Array[][] = [];
  for (const nal of splitAnnexB(bytes)) {
    if (isAud(nal) || units.length === 0) units.push([]);
    units[units.length - 1]!.push(nal);
  }
  return units;
}

/** True when the access unit holds an IDR (H.264) or IRAP (H.265) picture. */
export function isKeyAccessUnit(units: readonly Uint8Array[], codec: 'h264' | 'h265'): boolean {
  return units.some((n) => (codec === 'h264' ? (n[0]! & 0x1f) === 5 : ((n[0]! >> 1) & 0x3f) >= 16 && ((n[0]! >> 1) & 0x3f) <= 23));
}

/** Raw AAC frames of an ADTS stream (headers removed). */
export function splitAdts(bytes: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let at = 0;
  while (at + 7 <= bytes.length) {
    if (bytes[at] !== 0xff || (bytes[at + 1]! & 0xf0) !== 0xf0) throw new Error(`no ADTS sync at ${at}`);
    const protectionAbsent = bytes[at + 1]! & 1;
    const length = ((bytes[at + 3]! & 3) << 11) | (bytes[at + 4]! << 3) | (bytes[at + 5]! >> 5);
    const header = protectionAbsent ? 7 : 9;
    frames.push(bytes.subarray(at + header, at + length));
    at += length;
  }
  return frames;
}

/** MediaPackets of access units at a fixed frame interval (90 kHz). */
export function videoPackets(track: TrackInfo, units: Uint8Array[][], step: number, codec: 'h264' | 'h265'): MediaPacket[] {
  return units.map((u, i) => ({ track, pts: i * step, keyframe: isKeyAccessUnit(u, codec), units: u }));
}

/** Deterministic pseudo-random numbers for shuffles and drops. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 4294967296;
  };
}
