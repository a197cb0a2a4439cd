import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TrackInfo } from '../../stream/media-packet.js';
import { sampleMedia } from '../test-media.test-helper.js';
import { AacDepacketizer } from './aac-depacketizer.js';
import { seededRandom, splitAdts } from './annex-b.test-helper.js';
import { AacPacketizer, G711Packetizer } from './audio-packetizers.js';
import { G711Depacketizer } from './g711-depacketizer.js';
import { H264Depacketizer } from './h264-depacketizer.js';
import { H265Depacketizer } from './h265-depacketizer.js';
import { parseRtp, serializeRtp, type RtpPacket } from './rtp-packet.js';

const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');

describe('AAC and G.711 packetize -> depacketize', () => {
  it('AAC frames round-trip one per packet, across the timestamp wrap', async () => {
    const frames = splitAdts(new Uint8Array(readFileSync(await sampleMedia({ codec: 'aac', seconds: 1 }))));
    const track: TrackInfo = { id: 1, kind: 'audio', codec: 'aac', timescale: 48000 };
    const packetizer = new AacPacketizer({ payloadType: 97, ssrc: 9, initialSequence: 65530, timestampOffset: 0xffffffff - 5000 });
    const depacketizer = new AacDepacketizer({ track, config: '1188' });
    const out = frames
      .flatMap((unit, i) => packetizer.process({ track, pts: i * 1024, keyframe: true, units: [unit] }))
      .flatMap((b) => depacketizer.process(parseRtp(b)));
    expect(out.map((p) => hex(p.units[0]!))).toEqual(frames.map(hex));
    expect(out.map((p) => p.pts)).toEqual(frames.map((_, i) => i * 1024));
    expect(out[0]!.track.config).toEqual(Uint8Array.of(0x11, 0x88));
  });

  it('AAC reassembles a fragmented access unit and drops one with a lost fragment', () => {
    const track: TrackInfo = { id: 1, kind: 'audio', codec: 'aac', timescale: 48000 };
    const frame = Uint8Array.from({ length: 3000 }, (_, i) => i & 0xff);
    const fragment = (seq: number, part: Uint8Array, marker: boolean): RtpPacket => {
      const payload = new Uint8Array(4 + part.length);
      payload.set([0, 16, frame.length >> 5, (frame.length & 0x1f) << 3]);
      payload.set(part, 4);
      return parseRtp(serializeRtp({ payloadType: 97, sequence: seq, timestamp: 1000, ssrc: 1, marker, payload }));
    };
    const depacketizer = new AacDepacketizer({ track });
    expect(depacketizer.process(fragment(1, frame.subarray(0, 1000), false))).toEqual([]);
    expect(depacketizer.process(fragment(2, frame.subarray(1000, 2000), false))).toEqual([]);
    const [whole] = depacketizer.process(fragment(3, frame.subarray(2000), true));
    expect(whole?.units[0]).toEqual(frame);
    expect(depacketizer.process(fragment(4, frame.subarray(0, 1000), false))).toEqual([]);
    expect(depacketizer.process(fragment(6, frame.subarray(2000), true))).toEqual([]); // 5 lost
    expect(depacketizer.toJSON()).toMatchObject({ lost: 1, emitted: 1 });
  });

  it('AAC rejects a config that is not hex with a typed error', () => {
    const track: TrackInfo = { id: 1, kind: 'audio', codec: 'aac', timescale: 48000 };
    expect(() => new AacDepacketizer({ track, config: 'zz' })).toThrow(expect.objectContaining({ code: 'ARGUS_ERR_MEDIA_UNSUPPORTED_CODEC' }));
  });

  it('G.711 frames round-trip one per packet and loss is counted', async () => {
    const bytes = new Uint8Array(readFileSync(await sampleMedia({ codec: 'pcma', seconds: 2 })));
    const track: TrackInfo = { id: 2, kind: 'audio', codec: 'pcma', timescale: 8000 };
    const packetizer = new G711Packetizer({ payloadType: 8, ssrc: 3, initialSequence: 0, timestampOffset: 0 });
    const depacketizer = new G711Depacketizer({ track });
    const frames: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; at += 160) frames.push(bytes.subarray(at, at + 160));
    const wire = frames.flatMap((unit, i) => packetizer.process({ track, pts: i * 160, keyframe: true, units: [unit] }));
    expect(parseRtp(wire[0]!).payloadType).toBe(8);
    const out = wire.filter((_, i) => i !== 10).flatMap((b) => depacketizer.process(parseRtp(b)));
    expect(out.length).toBe(frames.length - 1);
    expect(hex(out[10]!.units[0]!)).toBe(hex(frames[11]!));
    expect(out[10]!.pts).toBe(11 * 160);
    expect(depacketizer.toJSON().lost).toBe(1);
  });
});

describe('depacketizers on hostile payloads', () => {
  it('never throw on random payloads, and count them as bad', () => {
    const random = seededRandom(99);
    const track: TrackInfo = { id: 0, kind: 'video', codec: 'h264', timescale: 90000 };
    const stages = [new H264Depacketizer({ track }), new H265Depacketizer({ track: { ...track, codec: 'h265' }, spropMaxDonDiff: 2 }), new AacDepacketizer({ track: { ...track, kind: 'audio', codec: 'aac', timescale: 48000 } })];
    for (let i = 0; i < 3000; i++) {
      const payload = Uint8Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 256));
      const packet: RtpPacket = { payloadType: 96, marker: random() < 0.3, sequence: i & 0xffff, timestamp: Math.floor(i / 3), ssrc: 1, csrcs: [], payload };
      for (const stage of stages) expect(() => stage.process(packet)).not.toThrow();
    }
    // Random bytes rarely make an IDR/IRAP access unit; what comes out must at least be well-formed.
    expect(stages[0]!.toJSON().badPayloads + stages[1]!.toJSON().badPayloads).toBeGreaterThan(0);
  });

  it('drops a truncated STAP-A and an FU-A without its start', () => {
    const track: TrackInfo = { id: 0, kind: 'video', codec: 'h264', timescale: 90000 };
    const d = new H264Depacketizer({ track });
    const rtp = (sequence: number, payload: number[], marker = true): RtpPacket => ({ payloadType: 96, marker, sequence, timestamp: sequence * 3000, ssrc: 1, csrcs: [], payload: Uint8Array.from(payload) });
    expect(d.process(rtp(1, [0x65, 1, 2, 3]))).toHaveLength(1); // IDR
    expect(d.process(rtp(2, [24, 0, 10, 0x41, 1]))).toEqual([]); // STAP-A announces 10 bytes, has 2
    expect(d.process(rtp(3, [0x7c, 0x05, 9, 9]))).toEqual([]); // FU-A middle without a start
    expect(d.toJSON()).toMatchObject({ badPayloads: 1, brokenFragments: 1, dropped: 2, emitted: 1 });
  });
});
