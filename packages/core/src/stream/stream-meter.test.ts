import { describe, expect, it } from 'vitest';
import { ManualClock } from '../time/clock.js';
import { StreamMeter } from './stream-meter.js';
import { TEST_PACKET_BYTES, testPacket } from './test-packets.js';

describe('StreamMeter', () => {
  it('measures fps and bitrate over a sliding window of the injected clock', () => {
    const clock = new ManualClock(10_000);
    const meter = new StreamMeter({ clock, windowMs: 1_000 });
    // 1 s of 25 fps video (one keyframe, 24 deltas) plus 10 audio frames.
    for (let i = 0; i < 25; i++) {
      clock.advance(40);
      meter.process(testPacket(i === 0 ? 'K' : 'P', i));
      if (i % 5 === 0) meter.process(testPacket('A', 100 + i));
      if (i % 5 === 2) meter.process(testPacket('A', 200 + i));
    }
    const bytes = TEST_PACKET_BYTES.keyframe + 24 * TEST_PACKET_BYTES.delta + 10 * TEST_PACKET_BYTES.audio;
    expect(meter.toJSON()).toEqual({
      fps: 25,
      bitrateBps: bytes * 8,
      packets: 35,
      bytes,
      lastPacketAt: 11_000,
    });
  });

  it('forgets packets older than the window and decays to zero when the stream stops', () => {
    const clock = new ManualClock(0);
    const meter = new StreamMeter({ clock, windowMs: 1_000 });
    meter.process(testPacket('K', 0));
    clock.advance(600);
    meter.process(testPacket('P', 1));
    clock.advance(500);
    expect(meter.toJSON()).toMatchObject({ fps: 1, bitrateBps: TEST_PACKET_BYTES.delta * 8, packets: 2 });
    clock.advance(2_000);
    expect(meter.toJSON()).toEqual({
      fps: 0,
      bitrateBps: 0,
      packets: 2,
      bytes: TEST_PACKET_BYTES.keyframe + TEST_PACKET_BYTES.delta,
      lastPacketAt: 600,
    });
  });

  it('reports no last packet before the first', () => {
    expect(new StreamMeter({ clock: new ManualClock(5) }).toJSON()).toEqual({
      fps: 0,
      bitrateBps: 0,
      packets: 0,
      bytes: 0,
      lastPacketAt: null,
    });
  });

  it('stays correct over many packets (compaction)', () => {
    const clock = new ManualClock(0);
    const meter = new StreamMeter({ clock, windowMs: 1_000 });
    for (let i = 0; i < 5_000; i++) {
      clock.advance(10);
      meter.process(testPacket('P', i));
    }
    expect(meter.toJSON()).toMatchObject({ fps: 100, packets: 5_000 });
  });
});
