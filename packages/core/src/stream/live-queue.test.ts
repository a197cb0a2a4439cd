import { describe, expect, it } from 'vitest';
import { LiveQueue } from './live-queue.js';
import type { MediaPacket } from './media-packet.js';
import { labelsOf, packets } from './test-packets.js';

function drain(queue: LiveQueue): MediaPacket[] {
  const out: MediaPacket[] = [];
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) out.push(item.packet);
  return out;
}

describe('LiveQueue', () => {
  it('queues in order while within its bound', () => {
    const queue = new LiveQueue({ maxQueue: 5 });
    const signals = packets('KPAP').map((packet) => queue.push(packet));
    expect(signals).toEqual([undefined, undefined, undefined, undefined]);
    expect(labelsOf(drain(queue))).toEqual(['K0', 'P1', 'A2', 'P3']);
  });

  it('discards the backlog and skips to the next keyframe when the backlog exceeds maxQueue', () => {
    const queue = new LiveQueue({ maxQueue: 3 });
    const signals = packets('KPPPAPKP').map((packet) => queue.push(packet));
    // K0 P1 P2 fill the queue; P3 overflows: 3 queued + P3 dropped; A4, P5 dropped while skipping; K6 resumes.
    expect(signals).toEqual([undefined, undefined, undefined, { type: 'skipped', dropped: 4 }, undefined, undefined, undefined, undefined]);
    expect(queue.toJSON()).toEqual({ queued: 2, dropped: 6, skips: 1, overflows: 0 });
    expect(labelsOf(drain(queue))).toEqual(['K6', 'P7']);
  });

  it('keeps an overflowing keyframe: the viewer resumes from it at once', () => {
    const queue = new LiveQueue({ maxQueue: 2 });
    const signals = packets('KPK').map((packet) => queue.push(packet));
    expect(signals[2]).toEqual({ type: 'skipped', dropped: 2 });
    expect(queue.skipping).toBe(false);
    expect(labelsOf(drain(queue))).toEqual(['K2']);
  });

  it('does not skip when the consumer keeps up', () => {
    const queue = new LiveQueue({ maxQueue: 2 });
    const out: MediaPacket[] = [];
    for (const packet of packets('KPPPPPPP')) {
      queue.push(packet);
      out.push(...drain(queue));
    }
    expect(out).toHaveLength(8);
    expect(queue.toJSON()).toEqual({ queued: 0, dropped: 0, skips: 0, overflows: 0 });
  });

  it('rejects a bad bound', () => {
    expect(() => new LiveQueue({ maxQueue: -1 })).toThrow(RangeError);
  });
});
