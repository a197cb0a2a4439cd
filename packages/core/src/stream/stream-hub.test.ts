import { Subject, defer, type Observable } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ArgusError, hasErrorCode } from '../errors/argus-error.js';
import { EventBus } from '../events/event-bus.js';
import type { ArgusEvent } from '../events/event-map.js';
import type { Logger } from '../logging/logger.js';
import { ManualClock } from '../time/clock.js';
import type { MediaPacket } from './media-packet.js';
import { StreamHub, type StreamHubOptions } from './stream-hub.js';
import { TEST_PACKET_BYTES, labelsOf, packets } from './test-packets.js';

/** A camera whose every connection is a Subject the test drives. */
class SyntheticCamera {
  readonly connections: Subject<MediaPacket>[] = [];
  readonly upstream = (): Observable<MediaPacket> =>
    defer(() => {
      const connection = new Subject<MediaPacket>();
      this.connections.push(connection);
      return connection;
    });

  get current(): Subject<MediaPacket> {
    const connection = this.connections.at(-1);
    if (connection === undefined) throw new Error('no connection yet');
    return connection;
  }

  send(pattern: string, start: number): void {
    for (const packet of packets(pattern, start)) this.current.next(packet);
  }
}

/** A sink whose every call waits until the test releases it. */
function controlledSink(): { sink: (p: MediaPacket) => Promise<void>; received: MediaPacket[]; release: () => Promise<void> } {
  const received: MediaPacket[] = [];
  const pending: (() => void)[] = [];
  return {
    received,
    sink: (packet) => {
      received.push(packet);
      return new Promise<void>((resolve) => pending.push(resolve));
    },
    release: async () => {
      pending.shift()?.();
      await settle();
    },
  };
}

/** Lets promise callbacks run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function recordingLogger(): Logger & { errors: unknown[] } {
  const errors: unknown[] = [];
  const noop = (): void => undefined;
  const logger = {
    errors,
    trace: noop,
    debug: noop,
    info: noop,
    warn: noop,
    fatal: noop,
    error: (obj: object | string) => void errors.push(obj),
    child: () => logger,
  };
  return logger;
}

function setup(options: Partial<StreamHubOptions> = {}) {
  const camera = new SyntheticCamera();
  const bus = new EventBus();
  const events: ArgusEvent[] = [];
  bus.subscribe('*', (event) => events.push(event));
  const hub = new StreamHub({ id: 'cam-1/main', cameraId: 'cam-1', upstream: camera.upstream, bus, ...options });
  const payloads = (type: string): unknown[] => events.filter((e) => e.type === type).map((e) => e.payload);
  return { camera, bus, events, hub, payloads };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('StreamHub', () => {
  it('is idle and unconnected until a consumer comes', () => {
    const { camera, hub } = setup();
    expect(camera.connections).toHaveLength(0);
    expect(hub.stats()).toMatchObject({ state: 'idle', consumers: 0, upstreamConnections: 0 });
  });

  it('opens ONE upstream connection for several consumers and closes it when the last leaves', () => {
    const { camera, hub, payloads } = setup();
    const a: MediaPacket[] = [];
    const b: MediaPacket[] = [];
    const c: MediaPacket[] = [];
    const subA = hub.live$({ name: 'a' }).subscribe((p) => a.push(p));
    const subB = hub.live$({ name: 'b' }).subscribe((p) => b.push(p));
    const handle = hub.attach({ kind: 'live', name: 'c', sink: (p) => void c.push(p) });
    camera.send('KPAP', 0);

    expect(camera.connections).toHaveLength(1);
    expect(labelsOf(a)).toEqual(['K0', 'P1', 'A2', 'P3']);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(hub.stats()).toMatchObject({ state: 'live', consumers: 3, recorders: 0, upstreamConnections: 1 });
    expect(payloads('streamConnected')).toEqual([{ stream: 'cam-1/main', connection: 1 }]);

    subA.unsubscribe();
    subB.unsubscribe();
    expect(camera.current.observed).toBe(true);
    handle.detach();
    expect(camera.current.observed).toBe(false);
    expect(hub.stats()).toMatchObject({ state: 'idle', consumers: 0, gopCachedPackets: 0 });
    expect(payloads('streamDisconnected')).toEqual([{ stream: 'cam-1/main', reason: 'idle' }]);

    hub.live$().subscribe();
    expect(camera.connections).toHaveLength(2);
  });

  it("starts a late joiner at the cached keyframe", () => {
    const { camera, hub } = setup();
    hub.live$().subscribe();
    camera.send('PKPAP', 0);
    const late: MediaPacket[] = [];
    hub.live$().subscribe((p) => late.push(p));
    expect(labelsOf(late)).toEqual(['K1', 'P2', 'A3', 'P4']);
    camera.send('P', 5);
    expect(labelsOf(late).at(-1)).toBe('P5');
    expect(hub.stats().gopCachedPackets).toBe(5);
  });

  it('skips a slow live sink to the next keyframe and counts the drops', async () => {
    const { camera, hub } = setup();
    const slow = controlledSink();
    const handle = hub.attach({ kind: 'live', name: 'slow', sink: slow.sink, maxQueue: 3 });
    const fast: MediaPacket[] = [];
    hub.live$().subscribe((p) => fast.push(p));

    camera.send('KPPPPPKP', 0); // K0 is in the sink; P1-P3 queue; P4 overflows; P5 skipped; K6 P7 queue
    expect(labelsOf(slow.received)).toEqual(['K0']);
    expect(handle.stats()).toMatchObject({ queued: 2, dropped: 5, skips: 1 });

    await slow.release();
    await slow.release();
    await slow.release();
    expect(labelsOf(slow.received)).toEqual(['K0', 'K6', 'P7']);
    expect(handle.stats()).toMatchObject({ state: 'active', queued: 0, delivered: 3, dropped: 5, skips: 1 });
    expect(fast).toHaveLength(8); // the camera and the other viewer were never slowed
  });

  it('raises streamBufferOverflowed for a slow recorder, then streamBufferRecovered, with counted drops', async () => {
    const { camera, hub, events } = setup();
    const recorder = controlledSink();
    const handle = hub.attach({ kind: 'recorder', name: 'recorder', sink: recorder.sink, limit: 4 });

    camera.send('KPPPPPAP', 0); // K0 in the sink; P1-P4 fill the queue; P5 overflows; A6 P7 dropped
    const overflowed = events.filter((e) => e.type === 'streamBufferOverflowed');
    expect(overflowed).toHaveLength(1);
    expect(overflowed[0]).toMatchObject({
      cameraId: 'cam-1',
      payload: { stream: 'cam-1/main', consumer: 'recorder', limit: 4, dropped: 1 },
    });
    expect(handle.stats()).toMatchObject({ queued: 4, dropped: 3, overflows: 1 });

    await recorder.release(); // P1 to the sink
    camera.send('PK', 8); // P8 still dropped (no keyframe yet); K9 fits and resumes recording
    expect(handle.stats()).toMatchObject({ queued: 4, dropped: 4 });
    expect(events.some((e) => e.type === 'streamBufferRecovered')).toBe(false);

    for (let i = 0; i < 4; i++) await recorder.release();
    const recovered = events.filter((e) => e.type === 'streamBufferRecovered');
    expect(recovered).toHaveLength(1);
    expect(recovered[0]).toMatchObject({
      cameraId: 'cam-1',
      payload: { stream: 'cam-1/main', consumer: 'recorder', limit: 4, dropped: 4 },
    });
    expect(labelsOf(recorder.received)).toEqual(['K0', 'P1', 'P2', 'P3', 'P4', 'K9']);
    expect(handle.stats()).toMatchObject({ dropped: 4, overflows: 1, queued: 0 });
  });

  it('holds the upstream for a recorder with no viewer', () => {
    const { camera, hub } = setup();
    const recorded: MediaPacket[] = [];
    const viewer = hub.live$().subscribe();
    hub.attach({ kind: 'recorder', name: 'recorder', sink: (p) => void recorded.push(p) });
    viewer.unsubscribe();
    camera.send('KP', 0);
    expect(camera.current.observed).toBe(true);
    expect(labelsOf(recorded)).toEqual(['K0', 'P1']);
    expect(hub.stats()).toMatchObject({ state: 'live', consumers: 1, recorders: 1 });
  });

  it('detaches and logs a sink that throws or rejects; the others keep receiving', async () => {
    const logger = recordingLogger();
    const { camera, hub } = setup({ logger });
    const boom = new Error('disk full');
    const errors: unknown[] = [];
    let calls = 0;
    const throwing = hub.attach({
      kind: 'recorder',
      name: 'bad',
      sink: () => {
        calls += 1;
        if (calls === 2) throw boom;
      },
      onError: (err) => errors.push(err),
    });
    const rejecting = hub.attach({
      kind: 'live',
      name: 'rejecting',
      sink: () => Promise.reject(new Error('socket closed')),
    });
    const good: MediaPacket[] = [];
    hub.attach({ kind: 'live', name: 'good', sink: (p) => void good.push(p) });
    const viewer: MediaPacket[] = [];
    hub.live$().subscribe((p) => viewer.push(p));

    camera.send('KPPP', 0);
    await settle();
    camera.send('KP', 4);

    expect(labelsOf(good)).toEqual(['K0', 'P1', 'P2', 'P3', 'K4', 'P5']);
    expect(viewer).toEqual(good);
    expect(calls).toBe(2);
    expect(errors).toEqual([boom]);
    expect(throwing.stats().state).toBe('failed');
    expect(rejecting.stats().state).toBe('failed');
    expect(hub.stats().attached.map((a) => a.name)).toEqual(['good']);
    expect(logger.errors).toHaveLength(2);
  });

  it('reconnects after an upstream error with backoff; consumers keep receiving', () => {
    vi.useFakeTimers();
    const { camera, hub, payloads } = setup({ reconnect: { initialDelayMs: 500, jitter: 0.2, random: () => 0.5 } });
    const viewer: MediaPacket[] = [];
    let viewerError: unknown;
    hub.live$().subscribe({ next: (p) => viewer.push(p), error: (e: unknown) => (viewerError = e) });
    const recorded: MediaPacket[] = [];
    hub.attach({ kind: 'recorder', name: 'recorder', sink: (p) => void recorded.push(p) });

    camera.send('KP', 0);
    camera.current.error(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    expect(hub.state).toBe('reconnecting');
    expect(payloads('streamDisconnected')).toEqual([
      { stream: 'cam-1/main', reason: 'error', code: 'ECONNRESET', message: 'read ECONNRESET' },
    ]);
    expect(payloads('streamReconnecting')).toEqual([
      { stream: 'cam-1/main', attempt: 1, delayMs: 500, code: 'ECONNRESET', message: 'read ECONNRESET' },
    ]);

    vi.advanceTimersByTime(499);
    expect(camera.connections).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(camera.connections).toHaveLength(2);

    camera.send('PKP', 2); // P2 precedes the new connection's first keyframe: nobody can decode it
    expect(labelsOf(viewer)).toEqual(['K0', 'P1', 'K3', 'P4']);
    expect(recorded).toEqual(viewer);
    expect(viewerError).toBeUndefined();
    expect(hub.stats()).toMatchObject({ state: 'live', upstreamConnections: 2, reconnects: 1, consumers: 2 });
    expect(payloads('streamConnected')).toHaveLength(2);
  });

  it('does not retry an auth failure: the hub fails and consumers get the error', () => {
    vi.useFakeTimers();
    const { camera, hub, payloads } = setup();
    let viewerError: unknown;
    let recorderError: unknown;
    hub.live$().subscribe({ error: (e: unknown) => (viewerError = e) });
    const recorder = hub.attach({
      kind: 'recorder',
      name: 'recorder',
      sink: () => undefined,
      onError: (e) => (recorderError = e),
    });

    camera.current.error(new ArgusError('ARGUS_ERR_DRIVER_AUTH', { endpoint: 'rtsp://10.0.0.7' }));
    vi.advanceTimersByTime(60_000);

    expect(hasErrorCode(viewerError, 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
    expect(hasErrorCode(recorderError, 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
    expect(recorder.stats().state).toBe('failed');
    expect(camera.connections).toHaveLength(1);
    expect(payloads('streamReconnecting')).toEqual([]);
    expect(hub.stats()).toMatchObject({ state: 'failed', consumers: 0, reconnects: 0 });
  });

  it('close() completes consumers, disconnects, and refuses new ones', async () => {
    const { camera, hub, payloads } = setup();
    let completed = false;
    hub.live$().subscribe({ complete: () => (completed = true) });
    const recorder = controlledSink();
    const handle = hub.attach({ kind: 'recorder', name: 'recorder', sink: recorder.sink });
    camera.send('KPP', 0);

    hub.close();
    expect(completed).toBe(true);
    expect(camera.current.observed).toBe(false);
    expect(hub.stats().state).toBe('closed');
    expect(payloads('streamDisconnected')).toEqual([{ stream: 'cam-1/main', reason: 'closed' }]);

    // The recorder still writes what it had queued, then ends.
    expect(handle.stats().state).toBe('draining');
    await recorder.release();
    await recorder.release();
    await recorder.release();
    expect(labelsOf(recorder.received)).toEqual(['K0', 'P1', 'P2']);
    expect(handle.stats().state).toBe('detached');

    let thrown: unknown;
    try {
      hub.live$();
    } catch (err) {
      thrown = err;
    }
    expect(hasErrorCode(thrown, 'ARGUS_ERR_STREAM_CLOSED')).toBe(true);
    expect(() => hub.attach({ kind: 'live', name: 'late', sink: () => undefined })).toThrow(/closed/);
    hub.close(); // idempotent
  });

  it('errors a live$ Observable subscribed after close', () => {
    const { hub } = setup();
    const live$ = hub.live$();
    hub.close();
    let error: unknown;
    live$.subscribe({ error: (e: unknown) => (error = e) });
    expect(hasErrorCode(error, 'ARGUS_ERR_STREAM_CLOSED')).toBe(true);
  });

  it('reports live statistics from the injected clock', () => {
    const clock = new ManualClock(1_000);
    const { camera, hub } = setup({ clock, meterWindowMs: 1_000 });
    hub.live$().subscribe();
    for (const packet of packets('KPPPA')) {
      clock.advance(200);
      camera.current.next(packet);
    }
    expect(hub.toJSON()).toEqual({
      id: 'cam-1/main',
      cameraId: 'cam-1',
      state: 'live',
      consumers: 1,
      recorders: 0,
      upstreamConnections: 1,
      reconnects: 0,
      fps: 4,
      bitrateBps: (TEST_PACKET_BYTES.keyframe + 3 * TEST_PACKET_BYTES.delta + TEST_PACKET_BYTES.audio) * 8,
      packets: 5,
      bytes: TEST_PACKET_BYTES.keyframe + 3 * TEST_PACKET_BYTES.delta + TEST_PACKET_BYTES.audio,
      lastPacketAt: 2_000,
      gopCachedPackets: 5,
      attached: [],
    });
  });

  it('rejects bad options', () => {
    expect(() => new StreamHub({ id: '', upstream: () => new Subject<MediaPacket>() })).toThrow(TypeError);
    const { hub } = setup();
    expect(() => hub.attach({ kind: 'viewer' as 'live', name: 'x', sink: () => undefined })).toThrow(TypeError);
  });
});
