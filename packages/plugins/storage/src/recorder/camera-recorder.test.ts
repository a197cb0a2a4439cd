import { ArgusError, EventBus, StreamHub, type ArgusEvent, type MediaPacket } from '@argus/core';
import { recordingLogger, syntheticFrameIndex, syntheticStream } from '@argus/core/testing';
import { concat, take, throwError, type Observable } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventMark } from '../catalogue/records.js';
import { CameraRecorder, type CameraRecorderOptions, type RecordingPolicy } from './camera-recorder.js';
import { parseSchedule } from './recording-schedule.js';
import type { SegmentSink } from './segment-sink.js';

/** A real in-memory sink: keeps what it is given. `gate` holds every write until `release()`. */
class CollectingSink implements SegmentSink {
  readonly packets: MediaPacket[] = [];
  readonly closes: string[] = [];
  failing = false;
  #gated = false;
  #waiting: (() => void)[] = [];

  async write(packet: MediaPacket): Promise<void> {
    if (this.closes.length > 0) throw new Error('write after close');
    if (this.#gated) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    if (this.failing) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    this.packets.push(packet);
  }

  async close(reason: string): Promise<void> {
    this.closes.push(reason);
  }

  gate(): void {
    this.#gated = true;
  }

  release(): void {
    this.#gated = false;
    for (const resolve of this.#waiting.splice(0)) resolve();
  }

  get frames(): number[] {
    return this.packets.map(syntheticFrameIndex);
  }
}

const FPS = 25;
/** Frame index -> seconds of its pts. */
const seconds = (packet: MediaPacket): number => packet.pts / packet.track.timescale;

function expectContiguous(frames: number[]): void {
  expect(frames.length).toBeGreaterThan(0);
  expect(frames).toEqual(Array.from({ length: frames.length }, (_, i) => frames[0]! + i));
}

interface SetupOptions {
  upstream?: () => Observable<MediaPacket>;
  gopFrames?: number;
  fps?: number;
  recorder?: Partial<CameraRecorderOptions>;
}

function setup(policy: RecordingPolicy, options: SetupOptions = {}) {
  const bus = new EventBus();
  const events: ArgusEvent[] = [];
  bus.subscribe('*', (event) => events.push(event));
  const fps = options.fps ?? FPS;
  const hub = new StreamHub({
    id: 'cam-1/main',
    cameraId: 'cam-1',
    upstream: options.upstream ?? (() => syntheticStream({ fps, gopFrames: options.gopFrames ?? fps, frameBytes: 100 })),
    bus,
    reconnect: { jitter: 0 },
  });
  const sinks: CollectingSink[] = [];
  const marks: EventMark[] = [];
  const logger = recordingLogger();
  const recorder = new CameraRecorder({
    camera: 'cam-1',
    hub,
    policy,
    openSink: () => {
      const sink = new CollectingSink();
      sinks.push(sink);
      return sink;
    },
    bus,
    logger,
    onEvent: (mark) => marks.push(mark),
    ...options.recorder,
  });
  const payloads = (type: string): unknown[] => events.filter((e) => e.type === type).map((e) => e.payload);
  /** The frame index the upstream delivered last (frames are paced from the moment of connection). */
  const emitted = (): number => hub.stats().packets;
  return { bus, hub, sinks, marks, logger, recorder, payloads, emitted };
}

/** Moves fake time (and the synthetic camera, the hub and the recorder's timers with it). */
const advance = (ms: number): Promise<void> => vi.advanceTimersByTimeAsync(ms).then(() => undefined);

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(Date.parse('2026-03-02T07:58:00Z')); // a Monday
});

afterEach(() => {
  vi.useRealTimers();
});

describe('CameraRecorder: continuous', () => {
  it('holds the upstream from start(), writes every packet from a keyframe to one sink, and releases it on stop()', async () => {
    const { hub, sinks, recorder, payloads } = setup({ mode: 'continuous', stream: 'main' });
    recorder.start();
    await advance(3_000);
    expect(hub.stats()).toMatchObject({ state: 'live', consumers: 1, recorders: 1, upstreamConnections: 1 });
    expect(hub.stats().attached[0]).toMatchObject({ name: 'recorder', kind: 'recorder' });
    expect(recorder.status()).toMatchObject({ mode: 'continuous', recording: true, reason: 'continuous', attached: true });

    await recorder.stop();
    expect(sinks).toHaveLength(1);
    const sink = sinks[0]!;
    expect(sink.packets[0]?.keyframe).toBe(true);
    expect(sink.frames[0]).toBe(0);
    expectContiguous(sink.frames);
    expect(sink.frames.length).toBe(hub.stats().packets);
    expect(sink.closes).toEqual(['stopped']);
    expect(hub.stats()).toMatchObject({ state: 'idle', consumers: 0, recorders: 0 });
    expect(payloads('recordingStarted')).toEqual([{ camera: 'cam-1', stream: 'main', mode: 'continuous' }]);
    expect(payloads('recordingStopped')).toEqual([{ camera: 'cam-1', stream: 'main', reason: 'stopped' }]);
    expect(recorder.status()).toMatchObject({ recording: false, attached: false, started: false, packetsWritten: sink.packets.length });
  });

  it('keeps recording through sink write errors, logging once, and emits nothing else', async () => {
    const { hub, sinks, recorder, payloads, logger } = setup({ mode: 'continuous', stream: 'main' });
    recorder.start();
    await advance(1_000);
    sinks[0]!.failing = true;
    await advance(1_000);
    sinks[0]!.failing = false;
    await advance(1_000);
    await recorder.stop();
    const status = recorder.status();
    expect(status.writeErrors).toBeGreaterThan(20);
    expect(status.packetsWritten).toBe(sinks[0]!.packets.length);
    expect(status.packetsWritten + status.writeErrors).toBe(hub.stats().packets);
    expect(sinks).toHaveLength(1);
    expect(logger.lines.filter((line) => line.level === 'error' && line.msg?.includes('write failed'))).toHaveLength(1);
    expect(payloads('recordingStopped')).toEqual([{ camera: 'cam-1', stream: 'main', reason: 'stopped' }]);
    expect(payloads('streamBufferOverflowed')).toEqual([]);
  });

  it('re-attaches with backoff when its hub consumer fails, and records again from a keyframe', async () => {
    let connections = 0;
    const upstream = (): Observable<MediaPacket> => {
      connections += 1;
      const packets$ = syntheticStream({ fps: FPS, gopFrames: FPS, frameBytes: 100 });
      // The first connection fails for good (bad credentials): the hub gives up and its consumers fail.
      return connections === 1
        ? concat(packets$.pipe(take(30)), throwError(() => new ArgusError('ARGUS_ERR_DRIVER_AUTH', { endpoint: 'cam-1' })))
        : packets$;
    };
    const { hub, sinks, recorder, payloads } = setup({ mode: 'continuous', stream: 'main' }, { upstream });
    recorder.start();
    await advance(1_500);
    expect(sinks[0]?.closes).toEqual(['stream-failed']);
    expect(sinks[0]?.frames).toHaveLength(30);
    expect(recorder.status()).toMatchObject({ attached: false, recording: false });

    await advance(1_000); // the first backoff step
    await advance(1_000);
    expect(recorder.status()).toMatchObject({ attached: true, recording: true });
    expect(hub.stats()).toMatchObject({ upstreamConnections: 2, recorders: 1 });
    expect(sinks).toHaveLength(2);
    expect(sinks[1]!.packets[0]?.keyframe).toBe(true);
    expectContiguous(sinks[1]!.frames);
    await recorder.stop();
    expect(payloads('recordingStopped')).toEqual([
      { camera: 'cam-1', stream: 'main', reason: 'stream-failed' },
      { camera: 'cam-1', stream: 'main', reason: 'stopped' },
    ]);
  });
});

describe('CameraRecorder: event', () => {
  const policy: RecordingPolicy = { mode: 'event', stream: 'main', preBufferSeconds: 5, postBufferSeconds: 3 };

  it('pre-buffers while attached, then records from a keyframe at most preBufferSeconds before the trigger, plus the post-buffer', async () => {
    const { hub, sinks, recorder, marks, payloads, emitted } = setup(policy);
    recorder.start();
    await advance(10_000);
    expect(sinks).toHaveLength(0);
    expect(hub.stats()).toMatchObject({ state: 'live', consumers: 1, recorders: 1 });
    const held = recorder.status();
    expect(held.recording).toBe(false);
    expect(held.preBufferSeconds).toBeGreaterThan(4);
    expect(held.preBufferSeconds).toBeLessThanOrEqual(5);
    expect(held.preBufferBytes).toBeGreaterThan(0);

    const lastBefore = emitted() - 1;
    const id = recorder.trigger({ type: 'motion', source: 'onvif' });
    expect(recorder.status()).toMatchObject({ recording: true, reason: 'event', eventsOpen: 1, preBufferBytes: 0 });
    await advance(2_000);
    expect(recorder.eventEnded(id)).toBe(true);
    expect(recorder.eventEnded(id)).toBe(false);
    const endedAt = emitted() - 1;
    await advance(2_900);
    expect(recorder.status().recording).toBe(true);
    await advance(200);
    expect(recorder.status().recording).toBe(false);

    const sink = sinks[0]!;
    expect(sinks).toHaveLength(1);
    expect(sink.closes).toEqual(['post-buffer-elapsed']);
    const first = sink.packets[0]!;
    expect(first.keyframe).toBe(true);
    const triggerSeconds = lastBefore / FPS;
    expect(seconds(first)).toBeGreaterThanOrEqual(triggerSeconds - 5);
    expect(seconds(first)).toBeLessThan(triggerSeconds - 4);
    expectContiguous(sink.frames);
    // The post-buffer: 3 s of frames after the end (give or take the frame on the edge).
    const last = sink.frames.at(-1)!;
    expect(last).toBeGreaterThanOrEqual(endedAt + 3 * FPS - 1);
    expect(last).toBeLessThanOrEqual(endedAt + 3 * FPS + 1);

    expect(marks).toHaveLength(2);
    expect(marks[0]).toMatchObject({ camera: 'cam-1', id, type: 'motion', source: 'onvif' });
    expect(marks[0]?.end).toBeUndefined();
    expect(marks[1]).toMatchObject({ id, end: Date.now() - 3_100 });
    expect(payloads('recordingStarted')).toEqual([{ camera: 'cam-1', stream: 'main', mode: 'event' }]);
    expect(payloads('recordingStopped')).toEqual([{ camera: 'cam-1', stream: 'main', reason: 'post-buffer-elapsed' }]);

    // Back to pre-buffering, still holding the upstream.
    await advance(2_000);
    expect(recorder.status().preBufferBytes).toBeGreaterThan(0);
    expect(hub.stats()).toMatchObject({ recorders: 1, state: 'live' });
    await recorder.stop();
    expect(hub.stats()).toMatchObject({ recorders: 0, consumers: 0, state: 'idle' });
  });

  it('merges overlapping events into one recording that ends postBufferSeconds after the last one ended', async () => {
    const { sinks, recorder, emitted } = setup(policy);
    recorder.start();
    await advance(6_000);
    const a = recorder.trigger({ type: 'motion' });
    await advance(1_000);
    const b = recorder.trigger({ type: 'line-crossing' });
    await advance(1_000);
    recorder.eventEnded(a);
    await advance(2_000); // inside a's post-buffer
    // An event whose end is already known extends the recording too.
    recorder.trigger({ type: 'alarm', end: Date.now() + 1_000 });
    await advance(2_000);
    recorder.eventEnded(b);
    const endedAt = emitted() - 1;
    await advance(2_900);
    expect(recorder.status()).toMatchObject({ recording: true, eventsOpen: 0 });
    await advance(200);
    expect(recorder.status().recording).toBe(false);
    expect(sinks).toHaveLength(1);
    expectContiguous(sinks[0]!.frames);
    expect(sinks[0]!.frames.at(-1)).toBeGreaterThanOrEqual(endedAt + 3 * FPS - 1);

    // A new event after the recording closed opens a new one, from the pre-buffer again.
    await advance(1_000);
    recorder.trigger({ type: 'motion', end: Date.now() });
    await advance(3_100);
    expect(sinks).toHaveLength(2);
    expect(sinks[1]!.packets[0]?.keyframe).toBe(true);
    expect(sinks[1]!.closes).toEqual(['post-buffer-elapsed']);
    await recorder.stop();
  });

  it('bounds the pre-buffer by bytes, with a logged warning', async () => {
    // A 1 s GOP is 800 + 24 * 100 = 3200 bytes; 5 s would need 16 000.
    const { sinks, recorder, logger } = setup(policy, { recorder: { preBufferMaxBytes: 7_000 } });
    recorder.start();
    await advance(10_000);
    const status = recorder.status();
    expect(status.preBufferBytes).toBeGreaterThan(0);
    expect(status.preBufferBytes).toBeLessThanOrEqual(7_000);
    expect(status.preBufferSeconds).toBeLessThan(3);
    expect(logger.lines.filter((line) => line.level === 'warn' && line.msg?.includes('byte bound'))).toHaveLength(1);
    recorder.trigger({ type: 'motion', end: Date.now() });
    await advance(3_100);
    expect(sinks[0]!.packets[0]?.keyframe).toBe(true);
    await recorder.stop();
  });

  it('marks events in other modes without recording on them', async () => {
    const { sinks, recorder, marks } = setup({ mode: 'off', stream: 'main' });
    recorder.start();
    recorder.trigger({ type: 'motion', id: 'm-1', end: Date.now() + 500 });
    await advance(2_000);
    expect(sinks).toHaveLength(0);
    expect(marks).toEqual([{ camera: 'cam-1', id: 'm-1', time: Date.now() - 2_000, end: Date.now() - 1_500, type: 'motion' }]);
    expect(recorder.status()).toMatchObject({ attached: false, recording: false });
    await recorder.stop();
  });
});

describe('CameraRecorder: schedule', () => {
  it('attaches and records at the span start, and closes and releases the hub at the span end', async () => {
    // Now: Monday 07:58 UTC. Span: Mondays 08:00-08:01 UTC.
    const schedule = parseSchedule({ spans: [{ days: ['mon'], from: '08:00', to: '08:01' }] });
    const { hub, sinks, recorder, payloads } = setup({ mode: 'schedule', stream: 'main', schedule }, { fps: 10 });
    recorder.start();
    await advance(60_000);
    expect(recorder.status()).toMatchObject({ attached: false, recording: false });
    expect(hub.stats()).toMatchObject({ consumers: 0, upstreamConnections: 0 });

    await advance(60_000); // 08:00: attached; the recording opens with the first keyframe
    expect(recorder.status()).toMatchObject({ attached: true, recording: false });
    expect(hub.stats()).toMatchObject({ recorders: 1, upstreamConnections: 1 });
    await advance(100);
    expect(recorder.status()).toMatchObject({ attached: true, recording: true, reason: 'schedule' });
    expect(recorder.status().since).toBe(Date.parse('2026-03-02T08:00:00.100Z'));

    await advance(59_899);
    expect(recorder.status().recording).toBe(true);
    await advance(1); // 08:01
    expect(recorder.status()).toMatchObject({ attached: false, recording: false });
    expect(hub.stats()).toMatchObject({ consumers: 0, recorders: 0, state: 'idle' });
    expect(sinks).toHaveLength(1);
    expect(sinks[0]!.packets[0]?.keyframe).toBe(true);
    expectContiguous(sinks[0]!.frames);
    // 60 s at 10 fps; the frame due exactly at 08:01 may come after the span end.
    expect(sinks[0]!.frames.length).toBeGreaterThanOrEqual(599);
    expect(sinks[0]!.frames.length).toBeLessThanOrEqual(600);
    expect(sinks[0]!.closes).toEqual(['schedule-ended']);
    expect(payloads('recordingStarted')).toEqual([{ camera: 'cam-1', stream: 'main', mode: 'schedule' }]);
    expect(payloads('recordingStopped')).toEqual([{ camera: 'cam-1', stream: 'main', reason: 'schedule-ended' }]);
    await recorder.stop();
  });

  it('rejects schedule mode without a schedule, and a bad schedule with the storage code', () => {
    expect(() => setup({ mode: 'schedule', stream: 'main' })).toThrow(TypeError);
    expect(() =>
      setup({ mode: 'schedule', stream: 'main', schedule: { spans: [{ days: ['mon'], from: '25:00', to: '08:00' }] } }),
    ).toThrow(expect.objectContaining({ code: 'ARGUS_ERR_STORAGE_SCHEDULE_INVALID' }));
    expect(() => setup({ mode: 'sometimes' as 'off', stream: 'main' })).toThrow(RangeError);
    expect(() => setup({ mode: 'event', stream: 'main', preBufferSeconds: -1 })).toThrow(RangeError);
  });
});

describe('CameraRecorder: manual', () => {
  it('records between startManual and stopManual in manual mode, holding the hub only meanwhile', async () => {
    const { hub, sinks, recorder, marks, payloads } = setup({ mode: 'manual', stream: 'main' });
    recorder.start();
    await advance(1_000);
    expect(hub.stats().consumers).toBe(0);
    recorder.startManual('alice');
    expect(recorder.status()).toMatchObject({ attached: true, manual: { by: 'alice' } });
    await advance(2_000);
    expect(recorder.status()).toMatchObject({ recording: true, reason: 'manual' });
    recorder.stopManual('alice');
    expect(recorder.status()).toMatchObject({ recording: false, attached: false, manual: null });
    expect(hub.stats().consumers).toBe(0);
    await recorder.stop();
    expect(sinks).toHaveLength(1);
    expect(sinks[0]!.packets[0]?.keyframe).toBe(true);
    expectContiguous(sinks[0]!.frames);
    expect(sinks[0]!.closes).toEqual(['manual-stopped']);
    expect(marks.map((mark) => ({ type: mark.type, source: mark.source, ended: mark.end !== undefined }))).toEqual([
      { type: 'manual', source: 'alice', ended: false },
      { type: 'manual', source: 'alice', ended: true },
    ]);
    expect(payloads('recordingStarted')).toEqual([{ camera: 'cam-1', stream: 'main', mode: 'manual' }]);
  });

  it('overrides off and event modes', async () => {
    const off = setup({ mode: 'off', stream: 'main' });
    off.recorder.start();
    off.recorder.startManual('bob');
    await advance(1_000);
    expect(off.recorder.status()).toMatchObject({ recording: true, reason: 'manual' });
    await off.recorder.stop();
    expect(off.sinks[0]!.closes).toEqual(['stopped']);

    const event = setup({ mode: 'event', stream: 'main', postBufferSeconds: 1 });
    event.recorder.start();
    await advance(3_000);
    event.recorder.startManual('bob');
    await advance(2_000);
    expect(event.recorder.status()).toMatchObject({ recording: true, reason: 'manual' });
    event.recorder.stopManual('bob');
    expect(event.recorder.status().recording).toBe(false);
    expect(event.sinks).toHaveLength(1);
    expect(event.sinks[0]!.packets[0]?.keyframe).toBe(true);
    await event.recorder.stop();
  });
});

describe('CameraRecorder: setPolicy', () => {
  it('continuous -> event writes what was queued for the recording before closing it, then pre-buffers: no packet lost', async () => {
    const { hub, sinks, recorder, emitted } = setup({ mode: 'continuous', stream: 'main' }, { recorder: { queueLimit: 1_000 } });
    recorder.start();
    await advance(2_000);
    const sink = sinks[0]!;
    sink.gate(); // a slow disk: the hub's recorder queue fills up
    await advance(2_000);
    const queued = hub.stats().attached[0]!.queued;
    expect(queued).toBeGreaterThan(10);
    const lastBeforeSwitch = emitted() - 1;
    recorder.setPolicy({ mode: 'event', stream: 'main', preBufferSeconds: 5, postBufferSeconds: 2 });
    expect(recorder.status().recording).toBe(true); // still closing: the queue belongs to it
    sink.release();
    await advance(1_000);
    expect(recorder.status()).toMatchObject({ mode: 'event', recording: false });
    expect(sink.closes).toEqual(['policy-changed']);
    expect(sink.frames[0]).toBe(0);
    expectContiguous(sink.frames);
    expect(sink.frames.at(-1)).toBe(lastBeforeSwitch);

    // event -> continuous: recording resumes at once from the pre-buffer's keyframe.
    recorder.setPolicy({ mode: 'continuous', stream: 'main' });
    expect(recorder.status().recording).toBe(true);
    await advance(1_000);
    await recorder.stop();
    expect(sinks).toHaveLength(2);
    expect(sinks[1]!.packets[0]?.keyframe).toBe(true);
    expect(sinks[1]!.frames[0]).toBeLessThanOrEqual(lastBeforeSwitch + 1);
    expectContiguous(sinks[1]!.frames);
    expect(sinks[1]!.frames.at(-1)).toBe(emitted() - 1);
  });

  it('event -> continuous during an event keeps the same recording open', async () => {
    const { sinks, recorder } = setup({ mode: 'event', stream: 'main' });
    recorder.start();
    await advance(2_000);
    recorder.trigger({ type: 'motion' });
    await advance(1_000);
    recorder.setPolicy({ mode: 'continuous', stream: 'main' });
    await advance(1_000);
    expect(recorder.status()).toMatchObject({ recording: true, reason: 'continuous', recordings: 1 });
    await recorder.stop();
    expect(sinks).toHaveLength(1);
    expectContiguous(sinks[0]!.frames);
  });
});

describe('CameraRecorder: streams and sinks', () => {
  it('moves to the other stream on a policy change: closes the recording, swaps hubs, opens a new one', async () => {
    const hubs = {
      main: new StreamHub({ id: 'cam-1/main', upstream: () => syntheticStream({ fps: FPS, gopFrames: FPS, frameBytes: 100 }) }),
      sub: new StreamHub({ id: 'cam-1/sub', upstream: () => syntheticStream({ fps: FPS, gopFrames: FPS, frameBytes: 50, width: 640 }) }),
    };
    const opened: string[] = [];
    const { sinks, recorder, payloads } = setup(
      { mode: 'continuous', stream: 'main' },
      {
        recorder: {
          hub: (stream) => hubs[stream],
          openSink: ({ stream, reason }) => {
            opened.push(`${stream}:${reason}`);
            const sink = new CollectingSink();
            sinks.push(sink);
            return sink;
          },
        },
      },
    );
    recorder.start();
    await advance(1_000);
    recorder.setPolicy({ mode: 'continuous', stream: 'sub' });
    expect(hubs.main.stats()).toMatchObject({ recorders: 0, consumers: 0 });
    expect(hubs.sub.stats()).toMatchObject({ recorders: 1 });
    await advance(1_000);
    await recorder.stop();
    expect(opened).toEqual(['main:continuous', 'sub:continuous']);
    expect(sinks[0]!.closes).toEqual(['policy-changed']);
    expect(sinks[1]!.packets[0]?.keyframe).toBe(true);
    expect(sinks[1]!.packets.every((packet) => packet.track.width === 640)).toBe(true);
    expect(payloads('recordingStarted')).toEqual([
      { camera: 'cam-1', stream: 'main', mode: 'continuous' },
      { camera: 'cam-1', stream: 'sub', mode: 'continuous' },
    ]);
  });

  it('retries a sink that cannot be opened with the next packets, logging once', async () => {
    let failures = 3;
    const sinks: CollectingSink[] = [];
    const { recorder, logger } = setup(
      { mode: 'continuous', stream: 'main' },
      {
        recorder: {
          openSink: () => {
            if (failures-- > 0) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
            const sink = new CollectingSink();
            sinks.push(sink);
            return sink;
          },
        },
      },
    );
    recorder.start();
    await advance(1_000);
    await recorder.stop();
    expect(sinks).toHaveLength(1);
    expect(sinks[0]!.packets[0]?.keyframe).toBe(true);
    expect(logger.lines.filter((line) => line.level === 'error')).toHaveLength(1);
  });
});
