import { ManualClock, type StreamHubStats, type StreamHubState } from '@argus/core';
import { describe, expect, it } from 'vitest';
import { HealthMonitor, type HealthSources, type HealthTimer } from './health-monitor.js';

const HOUR = 3_600_000;

function fakeTimer(): HealthTimer & { tick(): void; active: boolean; ms: number } {
  let callback: (() => void) | undefined;
  return {
    active: false,
    ms: 0,
    setInterval(fn, ms) {
      callback = fn;
      this.active = true;
      this.ms = ms;
      return 1;
    },
    clearInterval() {
      callback = undefined;
      this.active = false;
    },
    tick() {
      callback?.();
    },
  };
}

function stats(state: StreamHubState, lastPacketAt: number | null, fps = 25, bitrateBps = 2_000_000): StreamHubStats {
  return {
    id: 'x/main', cameraId: 'x', state, consumers: 1, recorders: 0, upstreamConnections: 1, reconnects: 0,
    fps, bitrateBps, packets: 100, bytes: 1000, lastPacketAt, gopCachedPackets: 0, attached: [],
  };
}

function setup() {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const hubs = new Map<string, StreamHubStats>();
  const cameras = ['cam-a', 'cam-b'];
  const sources: HealthSources = { cameraIds: () => cameras, hubStats: (id) => hubs.get(id), offlineAfterSeconds: () => 10 };
  const timer = fakeTimer();
  const monitor = new HealthMonitor({ sources, clock, timer });
  return { clock, hubs, cameras, timer, monitor };
}

describe('HealthMonitor', () => {
  it('is unknown for a camera without a hub, online for a live one with a recent packet', () => {
    const { clock, hubs, monitor } = setup();
    hubs.set('cam-a', stats('live', clock.now() - 1000, 25, 1_500_000));
    monitor.sampleNow();
    expect(monitor.camera('cam-a')).toEqual({
      id: 'cam-a', status: 'online', fps: 25, bitrateKbps: 1500, lastFrameAt: new Date(clock.now() - 1000).toISOString(),
      recording: 'not-recording', availability24h: 100, availability7d: 100,
    });
    expect(monitor.camera('cam-b')).toMatchObject({ status: 'unknown', fps: 0, lastFrameAt: null, availability24h: null, availability7d: null });
  });

  it('is offline when the stream is stale, reconnecting or failed', () => {
    const { clock, hubs, monitor } = setup();
    hubs.set('cam-a', stats('live', clock.now() - 10_000));
    monitor.sampleNow();
    expect(monitor.camera('cam-a')).toMatchObject({ status: 'offline', fps: 0, bitrateKbps: 0 });
    for (const state of ['reconnecting', 'failed'] as const) {
      hubs.set('cam-a', stats(state, clock.now()));
      monitor.sampleNow();
      expect(monitor.camera('cam-a').status).toBe('offline');
    }
    expect(monitor.camera('cam-a').availability24h).toBe(0);
  });

  it('counts only known samples in the availability, over 24 h and 7 days', () => {
    const { clock, hubs, monitor } = setup();
    // Two days ago: one hour offline.
    for (let i = 0; i < 360; i++) {
      hubs.set('cam-a', stats('failed', null));
      monitor.sampleNow();
      clock.advance(10_000);
    }
    clock.advance(47 * HOUR);
    // Now: one hour online, then one hour where nobody watches (unknown, not counted).
    for (let i = 0; i < 360; i++) {
      hubs.set('cam-a', stats('live', clock.now()));
      monitor.sampleNow();
      clock.advance(10_000);
    }
    hubs.set('cam-a', stats('idle', clock.now() - 1000));
    for (let i = 0; i < 360; i++) {
      monitor.sampleNow();
      clock.advance(10_000);
    }
    expect(monitor.camera('cam-a')).toMatchObject({ status: 'unknown', availability24h: 100, availability7d: 50 });
  });

  it('samples on start and on every tick until stopped, and forgets removed cameras', () => {
    const { clock, hubs, cameras, timer, monitor } = setup();
    hubs.set('cam-a', stats('live', clock.now()));
    monitor.start();
    expect(timer.ms).toBe(10_000);
    expect(monitor.camera('cam-a').status).toBe('online');
    hubs.set('cam-a', stats('failed', clock.now()));
    timer.tick();
    expect(monitor.camera('cam-a').availability24h).toBe(50);
    cameras.splice(0, 1);
    timer.tick();
    expect(monitor.camera('cam-a')).toMatchObject({ status: 'unknown', availability24h: null });
    monitor.stop();
    expect(timer.active).toBe(false);
  });

  it('reports the recording state from its source, and not-recording without one', () => {
    const recorded = new Set(['cam-b']);
    const sources: HealthSources = { cameraIds: () => ['cam-a', 'cam-b'], hubStats: () => undefined, offlineAfterSeconds: () => 10, recording: (id) => recorded.has(id) };
    const monitor = new HealthMonitor({ sources });
    expect([monitor.camera('cam-a').recording, monitor.camera('cam-b').recording]).toEqual(['not-recording', 'recording']);
    recorded.delete('cam-b');
    expect(monitor.camera('cam-b').recording).toBe('not-recording');
    const bare = new HealthMonitor({ sources: { cameraIds: () => ['cam-a'], hubStats: () => undefined, offlineAfterSeconds: () => 10 } });
    expect(bare.camera('cam-a').recording).toBe('not-recording');
  });

  it('rejects a bad interval', () => {
    const { cameras } = setup();
    const sources: HealthSources = { cameraIds: () => cameras, hubStats: () => undefined, offlineAfterSeconds: () => 10 };
    expect(() => new HealthMonitor({ sources, intervalMs: 0 })).toThrow(RangeError);
  });
});
