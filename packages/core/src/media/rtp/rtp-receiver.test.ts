import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../time/clock.js';
import type { RtpPacket } from './rtp-packet.js';
import { RtpReceiver } from './rtp-receiver.js';
import { SequenceUnwrapper, TimestampUnwrapper } from './sequence.js';

const packet = (sequence: number, timestamp = sequence * 3000): RtpPacket => ({
  payloadType: 96,
  marker: false,
  sequence: sequence & 0xffff,
  timestamp: timestamp >>> 0,
  ssrc: 42,
  csrcs: [],
  payload: new Uint8Array(1),
});

const seqs = (packets: RtpPacket[]) => packets.map((p) => p.sequence);

describe('SequenceUnwrapper / TimestampUnwrapper', () => {
  it('extends sequence numbers across 65535 -> 0, also for reordered packets', () => {
    const s = new SequenceUnwrapper();
    expect([65533, 65534, 0, 65535, 1, 2].map((n) => s.unwrap(n))).toEqual([65533, 65534, 65536, 65535, 65537, 65538]);
  });

  it('unwraps timestamps across 2^32 to a monotonic number relative to the first', () => {
    const t = new TimestampUnwrapper();
    const start = 0xffffffff - 3600 * 2 + 1;
    const values = [0, 1, 2, 3, 4].map((i) => t.unwrap((start + i * 3600) >>> 0));
    expect(values).toEqual([0, 3600, 7200, 10800, 14400]);
  });
});

describe('RtpReceiver', () => {
  it('passes packets in order across the sequence wrap and counts no loss', () => {
    const clock = new ManualClock(0);
    const receiver = new RtpReceiver({ clockRate: 90000, clock });
    const out = [65534, 65535, 0, 1].flatMap((n) => receiver.process(packet(n)));
    expect(out).toEqual([]); // the first packets wait: an earlier one may still come
    clock.advance(100);
    out.push(...receiver.flush());
    out.push(...[2, 3].flatMap((n) => receiver.process(packet(n))));
    expect(seqs(out)).toEqual([65534, 65535, 0, 1, 2, 3]);
    expect(receiver.toJSON()).toMatchObject({ received: 6, expected: 6, lost: 0, highestSequence: 65536 + 3 });
  });

  it('reorders within the window, then counts late and duplicate packets', () => {
    const clock = new ManualClock(0);
    const receiver = new RtpReceiver({ clockRate: 90000, reorderWindow: 8, clock });
    const out: RtpPacket[] = [];
    for (const n of [65533, 65532, 65535, 0, 65534, 1, 1]) out.push(...receiver.process(packet(n)));
    clock.advance(100);
    out.push(...receiver.flush());
    expect(seqs(out)).toEqual([65532, 65533, 65534, 65535, 0, 1]);
    for (const n of [3, 2, 2, 65533]) out.push(...receiver.process(packet(n)));
    expect(seqs(out)).toEqual([65532, 65533, 65534, 65535, 0, 1, 2, 3]);
    expect(receiver.toJSON()).toMatchObject({ duplicates: 3, late: 0, held: 0, expected: 8, lost: -3 });
  });

  it('gives a gap up after the delay, releases in order, and counts the late arrival', () => {
    const clock = new ManualClock(1000);
    const receiver = new RtpReceiver({ clockRate: 90000, reorderWindow: 16, maxReorderDelayMs: 50, clock });
    expect(receiver.process(packet(10))).toEqual([]);
    clock.advance(50);
    expect(seqs(receiver.flush())).toEqual([10]);
    expect(receiver.process(packet(12))).toEqual([]);
    expect(receiver.process(packet(13))).toEqual([]);
    clock.advance(49);
    expect(receiver.flush()).toEqual([]);
    clock.advance(1);
    expect(seqs(receiver.flush())).toEqual([12, 13]);
    expect(receiver.process(packet(11))).toEqual([]); // too late
    expect(receiver.process(packet(13))).toEqual([]); // duplicate
    expect(receiver.toJSON()).toMatchObject({ skipped: 1, late: 1, duplicates: 1, received: 5, expected: 4 });
  });

  it('gives gaps up when the window is full', () => {
    const receiver = new RtpReceiver({ clockRate: 90000, reorderWindow: 4, clock: new ManualClock(0) });
    const out = [100, 102, 103, 104, 105, 106].flatMap((n) => receiver.process(packet(n)));
    expect(seqs(out)).toEqual([100, 102, 103, 104, 105, 106]);
    expect(receiver.toJSON().skipped).toBe(1);
  });

  it('releases at once with the window disabled (TCP) and counts loss', () => {
    const receiver = new RtpReceiver({ clockRate: 90000, reorderWindow: 0, clock: new ManualClock(0) });
    const out = [5, 6, 9, 8, 10].flatMap((n) => receiver.process(packet(n)));
    expect(seqs(out)).toEqual([5, 6, 9, 10]);
    expect(receiver.toJSON()).toMatchObject({ late: 1, skipped: 2, expected: 6, received: 5, lost: 1 });
  });

  it('reports RFC 3550 loss (cumulative and fraction per interval) and jitter', () => {
    const clock = new ManualClock(0);
    const receiver = new RtpReceiver({ clockRate: 90000, reorderWindow: 0, clock });
    for (let n = 0; n < 100; n++) {
      if (n % 4 === 3) continue; // a quarter lost
      receiver.process(packet(n, n * 3000), n * (1000 / 30) + (n % 2) * 2); // 2 ms of alternating jitter
    }
    const first = receiver.reportBlock(4000)!;
    expect(first.cumulativeLost).toBe(24); // 0..98 expected = 99, received 75
    expect(first.fractionLost).toBe(Math.floor((24 * 256) / 99));
    expect(first.highestSequence).toBe(98);
    expect(first.ssrc).toBe(42);
    expect(first.jitter).toBeGreaterThan(100); // ~180 ticks of 2 ms at 90 kHz
    expect(first.jitter).toBeLessThan(200);
    for (let n = 100; n < 110; n++) receiver.process(packet(n), n * 33);
    const second = receiver.reportBlock(5000)!;
    expect(second.fractionLost).toBe(Math.floor(256 / 11)); // 99..109 expected, 99 lost
    expect(second.cumulativeLost).toBe(25);
  });

  it('fills LSR/DLSR from the last sender report', () => {
    const receiver = new RtpReceiver({ clockRate: 90000, clock: new ManualClock(0) });
    receiver.process(packet(1), 0);
    receiver.noteSenderReport(0x12345678, 1000);
    const block = receiver.reportBlock(1500)!;
    expect(block.lastSenderReport).toBe(0x12345678);
    expect(block.delaySinceLastSenderReport).toBe(32768); // 0.5 s in 1/65536 s
  });

  it('follows a sender that restarts its sequence far away, once confirmed', () => {
    const receiver = new RtpReceiver({ clockRate: 90000, reorderWindow: 0, clock: new ManualClock(0) });
    const out = [1, 2, 3, 40000, 40001, 40002].flatMap((n) => receiver.process(packet(n)));
    expect(seqs(out)).toEqual([1, 2, 3, 40001, 40002]);
    expect(receiver.toJSON()).toMatchObject({ resyncs: 1, lost: 0 });
  });
});
