import { describe, expect, it } from 'vitest';
import type { QueueSignal } from './consumer-queue.js';
import type { MediaPacket } from './media-packet.js';
import { RecorderQueue } from './recorder-queue.js';
import { labelsOf, packets } from './test-packets.js';

describe('RecorderQueue', () => {
  it('buffers everything within its limit', () => {
    const queue = new RecorderQueue({ limit: 10 });
    for (const packet of packets('KPAPPKP')) expect(queue.push(packet)).toBeUndefined();
    expect(queue.size).toBe(7);
    expect(queue.toJSON()).toEqual({ queued: 7, dropped: 0, skips: 0, overflows: 0 });
  });

  it('signals overflow once, drops up to the next keyframe that fits, counts drops, then recovers below half', () => {
    const queue = new RecorderQueue({ limit: 4 });
    const signals: (QueueSignal | undefined)[] = [];
    for (const packet of packets('KPPP')) signals.push(queue.push(packet));
    // Full: P4 overflows; A5 and P6 are dropped; K7 is dropped too, as the queue is still full.
    for (const packet of packets('PAPK', 4)) signals.push(queue.push(packet));
    expect(signals.filter((s) => s !== undefined)).toEqual([{ type: 'overflowed', limit: 4, dropped: 1 }]);
    expect(queue.toJSON()).toMatchObject({ queued: 4, dropped: 4, overflows: 1 });
    expect(queue.overflowing).toBe(true);

    // The writer takes two; still dropping (no keyframe since), so no recovery yet.
    const taken: MediaPacket[] = [];
    for (let i = 0; i < 2; i++) {
      const item = queue.shift()!;
      expect(item.signal).toBeUndefined();
      taken.push(item.packet);
    }
    expect(queue.push(packets('P', 8)[0]!)).toBeUndefined();
    expect(queue.push(packets('K', 9)[0]!)).toBeUndefined(); // fits: recording resumes at a keyframe
    expect(queue.push(packets('P', 10)[0]!)).toBeUndefined();
    expect(queue.toJSON()).toMatchObject({ queued: 4, dropped: 5 });

    const rest: { label: string; signal?: QueueSignal }[] = [];
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      rest.push({ label: labelsOf([item.packet])[0]!, ...(item.signal === undefined ? {} : { signal: item.signal }) });
    }
    expect(labelsOf(taken)).toEqual(['K0', 'P1']);
    expect(rest).toEqual([
      { label: 'P2' },
      { label: 'P3' },
      { label: 'K9', signal: { type: 'recovered', limit: 4, dropped: 5 } },
      { label: 'P10' },
    ]);
    expect(queue.overflowing).toBe(false);
  });

  it('raises a new alarm for a new overflow after recovering', () => {
    const queue = new RecorderQueue({ limit: 2 });
    const overflowed = (): number => queue.toJSON().overflows;
    packets('KPP').forEach((p) => queue.push(p));
    queue.shift();
    queue.shift();
    queue.push(packets('K', 3)[0]!);
    expect(queue.shift()?.signal).toEqual({ type: 'recovered', limit: 2, dropped: 1 });
    const signals = packets('PPP', 4).map((p) => queue.push(p));
    expect(signals[2]).toEqual({ type: 'overflowed', limit: 2, dropped: 2 });
    expect(overflowed()).toBe(2);
  });

  it('rejects a bad limit', () => {
    expect(() => new RecorderQueue({ limit: 0 })).toThrow(RangeError);
  });
});
