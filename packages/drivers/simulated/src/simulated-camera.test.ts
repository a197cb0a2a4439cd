import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '@argus/core';
import type { MediaPacket } from '@argus/core';
import { loopSpecOf } from './farm-camera-config.js';
import { ensureLoopFile, FarmLoop } from './farm-loop.js';
import { FarmTicker, type FarmTimers } from './farm-ticker.js';
import { phaseOf, SimulatedCamera } from './simulated-camera.js';

const cacheDir = mkdtempSync(join(tmpdir(), 'argus-farm-camera-test-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

// 10 fps, 10-frame GOPs, 20-frame loop.
const spec = loopSpecOf({ id: 'x', width: 160, height: 120, fps: 10, gopSeconds: 1, loopSeconds: 2, bitrateKbps: 100 });
let loop: FarmLoop;
beforeAll(async () => {
  loop = await FarmLoop.load((await ensureLoopFile(spec, cacheDir)).file, spec);
});

/** Timers that never fire by themselves: the test ticks by hand. */
class ManualTimers implements FarmTimers {
  running = 0;
  setInterval(): unknown {
    this.running += 1;
    return this.running;
  }
  clearInterval(): void {
    this.running -= 1;
  }
}

function setup(phase = { frames: 0, fraction: 0 }) {
  const clock = new ManualClock(1_000_000);
  const timers = new ManualTimers();
  const ticker = new FarmTicker(clock, 10, timers);
  const camera = new SimulatedCamera('cam', loop, clock, ticker, clock.now(), phase);
  const advance = (ms: number): void => {
    for (let t = 0; t < ms; t += 10) {
      clock.advance(10);
      ticker.tick();
    }
  };
  return { clock, timers, ticker, camera, advance };
}

describe('SimulatedCamera', () => {
  it('describes the loop track', async () => {
    const { camera } = setup();
    expect(await camera.describe()).toEqual([loop.track]);
  });

  it('starts a viewer at the current GOP keyframe, then delivers frames at the frame rate', () => {
    const { clock, camera, advance, timers } = setup({ frames: 3, fraction: 0 });
    clock.advance(250); // timeline frame 3 + 2.5 -> frame 5 is due
    const got: MediaPacket[] = [];
    const sub = camera.packets$().subscribe((p) => got.push(p));
    expect(timers.running).toBe(1);
    expect(got.map((p) => p.pts / 9000)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(got[0]?.keyframe).toBe(true);
    got.length = 0;
    advance(1000);
    expect(got).toHaveLength(10);
    expect(got.map((p) => p.pts / 9000)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(got.map((p) => p.keyframe)).toEqual([false, false, false, false, true, false, false, false, false, false]);
    expect(got[0]?.track).toBe(loop.track);
    sub.unsubscribe();
    expect(timers.running).toBe(0);
    expect(camera.toJSON()).toMatchObject({ clients: 0, framesSent: 16, state: 'running' });
  });

  it('keeps timestamps growing across loops and maps wall-clock time', () => {
    const { clock, camera, advance } = setup();
    const start = clock.now();
    const got: MediaPacket[] = [];
    camera.packets$().subscribe((p) => got.push(p));
    advance(5000);
    expect(got).toHaveLength(51);
    for (let i = 1; i < got.length; i++) expect((got[i] as MediaPacket).pts - (got[i - 1] as MediaPacket).pts).toBe(9000);
    expect(got[20]?.units).toBe(got[0]?.units); // loop frame 0 again, same buffers
    expect(got[20]?.pts).toBe(20 * 9000);
    expect(got[50]?.wallClock).toBe(start + 5000);
  });

  it('runs whether watched or not: a later viewer joins the running timeline', () => {
    const { clock, camera } = setup();
    clock.advance(12_345); // frame 123 is due; its GOP starts at 120
    const got: MediaPacket[] = [];
    camera.packets$().subscribe((p) => got.push(p));
    expect(got.map((p) => p.pts / 9000)).toEqual([120, 121, 122, 123]);
  });

  it('shares live frames between viewers and gives a second viewer its own GOP start', () => {
    const { camera, advance } = setup();
    const a: MediaPacket[] = [];
    const b: MediaPacket[] = [];
    camera.packets$().subscribe((p) => a.push(p));
    advance(1300);
    camera.packets$().subscribe((p) => b.push(p));
    expect(b.map((p) => p.pts / 9000)).toEqual([10, 11, 12, 13]);
    advance(200);
    expect(b.slice(-2)).toEqual(a.slice(-2));
    expect(b.at(-1)).toBe(a.at(-1)); // one packet object per frame, whatever the viewers
    expect(camera.toJSON().clients).toBe(2);
  });

  it('stalls: sends nothing, keeps the viewer, then resumes at a keyframe', () => {
    const { camera, advance } = setup();
    const got: MediaPacket[] = [];
    camera.packets$().subscribe((p) => got.push(p));
    advance(300);
    const before = got.length;
    camera.stall(2500);
    expect(camera.state).toBe('stalled');
    advance(2400);
    expect(got.length).toBe(before);
    advance(200);
    expect(camera.state).toBe('running');
    const resumed = got.slice(before);
    expect(resumed.length).toBeGreaterThan(0);
    expect(resumed[0]?.keyframe).toBe(true);
    expect(resumed[0]?.pts).toBeGreaterThan((got[before - 1] as MediaPacket).pts);
    expect(camera.toJSON().clients).toBe(1);
  });

  it('after a short stall waits for the next keyframe rather than repeat frames', () => {
    const { camera, advance } = setup();
    const got: MediaPacket[] = [];
    camera.packets$().subscribe((p) => got.push(p));
    advance(200); // frames 0..2 sent
    camera.stall(300);
    advance(400); // GOP start 0 already sent: skip to frame 10
    advance(500);
    const after = got.slice(3);
    expect(after[0]?.pts).toBe(10 * 9000);
    expect(after[0]?.keyframe).toBe(true);
  });

  it('skips to the current GOP when the ticker fell far behind', () => {
    const { clock, ticker, camera } = setup();
    const got: MediaPacket[] = [];
    camera.packets$().subscribe((p) => got.push(p));
    clock.advance(5_050); // frame 50 due, 50 frames late
    ticker.tick();
    expect(got.slice(1).map((p) => p.pts / 9000)).toEqual([50]);
  });

  it('completes viewers when it goes down and refuses new ones until up', () => {
    const { camera, timers } = setup();
    let completed = false;
    camera.packets$().subscribe({ complete: () => (completed = true) });
    camera.setDown(true);
    expect(completed).toBe(true);
    expect(camera.state).toBe('down');
    expect(timers.running).toBe(0);
    let again = false;
    camera.packets$().subscribe({ complete: () => (again = true) });
    expect(again).toBe(true);
  });

  it('spreads phases by id', () => {
    const phases = new Set(Array.from({ length: 50 }, (_, i) => phaseOf(`cam-${i}`, 250).frames));
    expect(phases.size).toBeGreaterThan(30);
    const phase = phaseOf('cam-1', 250);
    expect(phase.fraction).toBeGreaterThanOrEqual(0);
    expect(phase.fraction).toBeLessThan(1);
  });
});

describe('FarmTicker', () => {
  it('runs one timer only while some camera is active', () => {
    const timers = new ManualTimers();
    const ticker = new FarmTicker(new ManualClock(0), 10, timers);
    const seen: number[] = [];
    const a = { tick: (now: number) => seen.push(now) };
    const b = { tick: (now: number) => seen.push(-now) };
    ticker.activate(a);
    ticker.activate(b);
    expect(timers.running).toBe(1);
    ticker.tick(5);
    expect(seen).toEqual([5, -5]);
    ticker.deactivate(a);
    expect(timers.running).toBe(1);
    ticker.deactivate(b);
    expect(timers.running).toBe(0);
    expect(() => new FarmTicker(new ManualClock(0), 0)).toThrow(RangeError);
  });
});
