import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MediaPacket, TrackInfo } from '../../stream/media-packet.js';
import { sampleMedia } from '../test-media.test-helper.js';
import { accessUnits, seededRandom, videoPackets } from './annex-b.test-helper.js';
import { H264Depacketizer } from './h264-depacketizer.js';
import { H264Packetizer } from './h264-packetizer.js';
import { H265Depacketizer } from './h265-depacketizer.js';
import { H265Packetizer } from './h265-packetizer.js';
import type { NalDepacketizer } from './nal-depacketizer.js';
import type { NalPacketizer } from './nal-packetizer.js';
import { parseRtp, type RtpPacket } from './rtp-packet.js';
import { RtpReceiver } from './rtp-receiver.js';

const STEP = 3600; // 25 fps at 90 kHz

interface Codec {
  name: 'h264' | 'h265';
  packetizer: (aggregate: boolean) => NalPacketizer;
  depacketizer: (track: TrackInfo) => NalDepacketizer;
}

const codecs: Codec[] = [
  {
    name: 'h264',
    packetizer: (aggregate) => new H264Packetizer({ payloadType: 96, mtu: 300, ssrc: 1, initialSequence: 65000, timestampOffset: 0xffffffff - 20 * STEP, aggregate }),
    depacketizer: (track) => new H264Depacketizer({ track }),
  },
  {
    name: 'h265',
    packetizer: (aggregate) => new H265Packetizer({ payloadType: 97, mtu: 300, ssrc: 2, initialSequence: 65400, timestampOffset: 0xffffffff - 5 * STEP, aggregate }),
    depacketizer: (track) => new H265Depacketizer({ track }),
  },
];

async function sample(codec: 'h264' | 'h265'): Promise<{ track: TrackInfo; aus: Uint8Array[][]; input: MediaPacket[] }> {
  const file = await sampleMedia({ codec, seconds: 2, fps: 25, gop: 10 });
  const aus = accessUnits(new Uint8Array(readFileSync(file)), codec);
  const track: TrackInfo = { id: 0, kind: 'video', codec, timescale: 90000 };
  return { track, aus, input: videoPackets(track, aus, STEP, codec) };
}

/** Shuffles packets within consecutive blocks, as UDP might. */
function shuffleWithin<T>(items: T[], block: number, random: () => number): T[] {
  const out = [...items];
  for (let start = 0; start < out.length; start += block) {
    const end = Math.min(out.length, start + block);
    for (let i = end - 1; i > start; i--) {
      const j = start + Math.floor(random() * (i - start + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
  }
  return out;
}

function receive(packets: RtpPacket[], depacketizer: NalDepacketizer): { out: MediaPacket[]; receiver: RtpReceiver } {
  const receiver = new RtpReceiver({ clockRate: 90000, reorderWindow: 32 });
  const out: MediaPacket[] = [];
  for (const p of packets) for (const ordered of receiver.process(p, 0)) out.push(...depacketizer.process(ordered));
  for (const ordered of receiver.drain()) out.push(...depacketizer.process(ordered));
  out.push(...depacketizer.flush());
  return { out, receiver };
}

describe.each(codecs)('$name packetize -> RTP -> depacketize', (codec) => {
  it.each([false, true])('gives byte-identical access units in order and shuffled (aggregate %s)', async (aggregate) => {
    const { track, aus, input } = await sample(codec.name);
    expect(aus.length).toBe(50);
    const packetizer = codec.packetizer(aggregate);
    const wire = input.flatMap((p) => packetizer.process(p));
    const fragmented = wire.filter((b) => (codec.name === 'h264' ? (b[12]! & 0x1f) === 28 : ((b[12]! >> 1) & 0x3f) === 49));
    expect(fragmented.length).toBeGreaterThan(50);
    expect(wire.every((b) => b.length <= 12 + 300)).toBe(true);
    const parsed = wire.map((b) => parseRtp(b));

    for (const order of [parsed, shuffleWithin(parsed, 16, seededRandom(7))]) {
      const depacketizer = codec.depacketizer(track);
      const { out, receiver } = receive(order, depacketizer);
      expect(out.length).toBe(aus.length);
      out.forEach((packet, i) => {
        expect(packet.pts).toBe(i * STEP); // across the 2^32 timestamp wrap
        expect(packet.keyframe).toBe(i % 10 === 0);
        expect(packet.units.map((u) => Buffer.from(u).toString('hex'))).toEqual(aus[i]!.map((u) => Buffer.from(u).toString('hex')));
      });
      expect(receiver.toJSON()).toMatchObject({ lost: 0, skipped: 0, duplicates: 0 });
      expect(depacketizer.toJSON()).toMatchObject({ lost: 0, dropped: 0, emitted: 50 });
    }
  });

  it('counts loss, never emits a corrupted access unit, and resumes at the next keyframe', async () => {
    const { track, aus, input } = await sample(codec.name);
    const packetizer = codec.packetizer(false);
    const wire = input.flatMap((p) => packetizer.process(p)).map((b) => parseRtp(b));
    const random = seededRandom(11);
    // Drop a few packets in the first GOPs; leave the last GOP (AUs 40..49) whole.
    const lastGopStart = wire.findIndex((p) => ((p.timestamp - wire[0]!.timestamp) >>> 0) / STEP >= 40);
    const dropped = new Set<number>();
    while (dropped.size < 6) dropped.add(5 + Math.floor(random() * (lastGopStart - 10)));
    const kept = wire.filter((_, i) => !dropped.has(i));
    const depacketizer = codec.depacketizer(track);
    const { out, receiver } = receive(shuffleWithin(kept, 8, seededRandom(3)), depacketizer);

    expect(receiver.toJSON().skipped).toBe(6);
    expect(receiver.toJSON().lost).toBe(6);
    expect(depacketizer.toJSON().lost).toBe(6);
    expect(depacketizer.toJSON().dropped).toBeGreaterThan(0);
    const damaged = new Set([...dropped].map((i) => ((wire[i]!.timestamp - wire[0]!.timestamp) >>> 0) / STEP));
    const emitted = out.map((p) => p.pts / STEP);
    for (const [k, packet] of out.entries()) {
      const index = emitted[k]!;
      expect(damaged.has(index)).toBe(false);
      expect(packet.units.map((u) => Buffer.from(u).toString('hex'))).toEqual(aus[index]!.map((u) => Buffer.from(u).toString('hex')));
      // A delta frame only follows its emitted predecessor: after a loss, output restarts at a keyframe.
      if (!packet.keyframe) expect(emitted[k - 1]).toBe(index - 1);
    }
    for (let i = 40; i < 50; i++) expect(emitted).toContain(i);
    expect(out.length).toBeLessThan(50);
    expect(out.length).toBe(depacketizer.toJSON().emitted);
  });
});

describe('H264Depacketizer parameter sets', () => {
  it('prepends sprop-parameter-sets to the first keyframe and announces an in-band change as a new track', async () => {
    const { track, aus } = await sample('h264');
    const isPs = (u: Uint8Array) => (u[0]! & 0x1f) === 7 || (u[0]! & 0x1f) === 8;
    const [sps, pps] = aus[0]!.filter(isPs);
    const sprop = `${Buffer.from(sps!).toString('base64')},${Buffer.from(pps!).toString('base64')}`;
    const stripped = aus.map((au) => au.filter((u) => !isPs(u)));
    const changedSps = Uint8Array.from(sps!);
    changedSps[changedSps.length - 1]! ^= 0x01;
    stripped[20] = [changedSps, pps!, ...stripped[20]!];

    const packetizer = new H264Packetizer({ payloadType: 96, mtu: 1200, ssrc: 5, initialSequence: 0, timestampOffset: 0 });
    const depacketizer = new H264Depacketizer({ track, spropParameterSets: sprop });
    expect(depacketizer.track.parameterSets?.map((u) => Buffer.from(u).toString('hex'))).toEqual([sps, pps].map((u) => Buffer.from(u!).toString('hex')));
    const out = videoPackets(track, stripped, STEP, 'h264')
      .flatMap((p) => packetizer.process(p))
      .flatMap((b) => depacketizer.process(parseRtp(b)));
    expect(out.length).toBe(50);
    expect(out[0]!.units.slice(0, 2)).toEqual([sps, pps]);
    expect(out[10]!.keyframe).toBe(true);
    expect(out[10]!.units.length).toBe(stripped[10]!.length); // only the first keyframe gets them
    expect(out[19]!.track).toBe(out[0]!.track);
    expect(out[20]!.track).not.toBe(out[19]!.track);
    expect(out[20]!.track.parameterSets?.[0]).toEqual(changedSps);
    expect(out[20]!.track.parameterSets?.[1]).toEqual(pps);
    expect(out[49]!.track).toBe(out[20]!.track);
    expect(depacketizer.toJSON().trackChanges).toBe(1);
  });
});
