import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../events/event-bus.js';
import type { MediaPacket } from './media-packet.js';
import { StreamHub } from './stream-hub.js';
import { labelsOf, testPacket } from './test-packets.js';

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

// Marble letters: k/K keyframes, p/q/r deltas, a audio.
const values = {
  k: testPacket('K', 0),
  p: testPacket('P', 1),
  q: testPacket('P', 2),
  K: testPacket('K', 3),
  r: testPacket('P', 4),
  a: testPacket('A', 5),
};

describe('StreamHub (marbles)', () => {
  it('subscribes the upstream once for two viewers and unsubscribes it when the last leaves', () => {
    const ts = scheduler();
    let factoryCalls = 0;
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const upstream = hot('-k-p-q-K-r-a-p-', values);
      const hub = new StreamHub({ id: 'cam-1/main', upstream: () => (factoryCalls++, upstream), scheduler: ts });
      expectObservable(hub.live$(), '^------!').toBe('-k-p-q-', values);
      // The second viewer joins at 2 and first gets the cached GOP (k) at once.
      expectObservable(hub.live$(), '--^-------!').toBe('--kp-q-K-r', values);
      expectSubscriptions(upstream.subscriptions).toBe('^---------!');
    });
    expect(factoryCalls).toBe(1);
  });

  it('keeps the upstream while a recorder is attached, and releases it when the recorder detaches', () => {
    const ts = scheduler();
    const recorded: MediaPacket[] = [];
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const upstream = hot('-k-p-q-K-r-a-', values);
      const hub = new StreamHub({ id: 'cam-1/main', upstream: () => upstream, scheduler: ts });
      expectObservable(hub.live$(), '^---!').toBe('-k-p', values);
      const recorder = hub.attach({ kind: 'recorder', name: 'recorder', sink: (packet) => void recorded.push(packet) });
      ts.schedule(() => recorder.detach(), 9);
      expectSubscriptions(upstream.subscriptions).toBe('^--------!');
    });
    expect(labelsOf(recorded)).toEqual(['K0', 'P1', 'P2', 'K3']);
  });

  it('replays the GOP cache to a late viewer starting at a keyframe; an early viewer waits for the keyframe', () => {
    const ts = scheduler();
    ts.run(({ hot, expectObservable }) => {
      const upstream = hot('-p-k-q-----a-K-', values);
      const hub = new StreamHub({ id: 'cam-1/main', upstream: () => upstream, scheduler: ts });
      expectObservable(hub.live$(), '^--------------!').toBe('---k-q-----a-K-', values);
      expectObservable(hub.live$(), '------^--------!').toBe('------(kq)-a-K-', values);
    });
  });

  it('reconnects with exponential backoff and jitter and reports each retry', () => {
    const ts = scheduler();
    const bus = new EventBus();
    const retries: unknown[] = [];
    bus.subscribe('streamReconnecting', (event) => retries.push(event.payload));
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const upstream = cold<MediaPacket>('--#', undefined, new Error('connection refused'));
      const hub = new StreamHub({
        id: 'cam-1/main',
        upstream: () => upstream,
        scheduler: ts,
        bus,
        reconnect: { initialDelayMs: 4, factor: 2, jitter: 0.5, random: () => 0 }, // delays 2, 4, 8
      });
      expectObservable(hub.live$(), '^ 21ms !').toBe('');
      // errors at 2 -> +2 -> 4; 6 -> +4 -> 10; 12 -> +8 -> 20; 22: unsubscribed
      expectSubscriptions(upstream.subscriptions).toBe(['^-!', '4ms ^-!', '10ms ^-!', '20ms ^-!']);
    });
    expect(retries).toEqual([
      { stream: 'cam-1/main', attempt: 1, delayMs: 2, message: 'connection refused' },
      { stream: 'cam-1/main', attempt: 2, delayMs: 4, message: 'connection refused' },
      { stream: 'cam-1/main', attempt: 3, delayMs: 8, message: 'connection refused' },
    ]);
  });

  it('keeps viewers receiving across a reconnect, each connection starting at a keyframe', () => {
    const ts = scheduler();
    let hub: StreamHub | undefined;
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const upstream = cold('-k-p-#', values);
      hub = new StreamHub({
        id: 'cam-1/main',
        upstream: () => upstream,
        scheduler: ts,
        reconnect: { initialDelayMs: 2, jitter: 0 },
      });
      expectObservable(hub.live$(), '^ 12ms !').toBe('-k-p----k-p-', values);
      expectSubscriptions(upstream.subscriptions).toBe(['^----!', '7ms ^----!']);
    });
    expect(hub?.stats()).toMatchObject({ upstreamConnections: 2, reconnects: 2, state: 'idle' });
  });
});
