import type { MediaPacket, TrackInfo } from './media-packet.js';

/** Video track of synthetic packets: H.264 at 25 fps, 90 kHz. */
export const TEST_VIDEO_TRACK: TrackInfo = Object.freeze({
  id: 0,
  kind: 'video',
  codec: 'h264',
  timescale: 90_000,
  width: 640,
  height: 360,
  fps: 25,
});

/** Audio track of synthetic packets: AAC at 16 kHz. */
export const TEST_AUDIO_TRACK: TrackInfo = Object.freeze({
  id: 1,
  kind: 'audio',
  codec: 'aac',
  timescale: 16_000,
  sampleRate: 16_000,
  channels: 1,
});

/** Payload sizes of synthetic packets, in bytes. */
export const TEST_PACKET_BYTES = Object.freeze({ keyframe: 1_000, delta: 100, audio: 10 });

const labels = new WeakMap<MediaPacket, string>();

/** Kinds of synthetic packet: `K` video keyframe, `P` video delta frame, `A` audio frame. */
export type TestPacketKind = 'K' | 'P' | 'A';

/**
 * Makes one synthetic packet labelled `<kind><n>` (e.g. `K0`, `P3`), with a payload of {@link TEST_PACKET_BYTES}
 * (or `bytes`) and a pts derived from `n` (40 ms per step).
 */
export function testPacket(kind: TestPacketKind, n: number, bytes?: number): MediaPacket {
  const size = bytes ?? (kind === 'K' ? TEST_PACKET_BYTES.keyframe : kind === 'P' ? TEST_PACKET_BYTES.delta : TEST_PACKET_BYTES.audio);
  const track = kind === 'A' ? TEST_AUDIO_TRACK : TEST_VIDEO_TRACK;
  const packet: MediaPacket = {
    track,
    pts: n * (track.timescale / 25),
    keyframe: kind !== 'P',
    units: [new Uint8Array(size)],
  };
  labels.set(packet, `${kind}${n}`);
  return packet;
}

/**
 * Makes a sequence from a pattern of kinds, numbered from `start`: `packets('KPPAK')` gives
 * `K0 P1 P2 A3 K4`. Spaces are ignored.
 *
 * @example
 * ```ts
 * const input = packets('PKPAPKP');
 * expect(labelsOf(input.flatMap((p) => gate.process(p)))).toEqual(['K1', 'P2', 'A3', 'P4', 'K5', 'P6']);
 * ```
 */
export function packets(pattern: string, start = 0): MediaPacket[] {
  const kinds = [...pattern.replace(/\s+/g, '')];
  return kinds.map((kind, i) => {
    if (kind !== 'K' && kind !== 'P' && kind !== 'A') throw new RangeError(`Unknown packet kind "${kind}"`);
    return testPacket(kind, start + i);
  });
}

/** The label of a synthetic packet (`K0`...), or `?` for a packet not made by this helper. */
export function labelOf(packet: MediaPacket): string {
  return labels.get(packet) ?? '?';
}

/** Labels of a list of packets, for readable assertions. */
export function labelsOf(list: Iterable<MediaPacket>): string[] {
  return [...list].map(labelOf);
}
