import { describe, expect, it } from 'vitest';
import { hasErrorCode, ManualClock } from '@argus/core';
import { PtzArbiter } from './ptz-arbiter.js';

function busy(run: () => unknown): Record<string, unknown> {
  try {
    run();
  } catch (err) {
    expect(hasErrorCode(err, 'ARGUS_ERR_PTZ_BUSY')).toBe(true);
    return (err as { details: Record<string, unknown> }).details;
  }
  throw new Error('expected ARGUS_ERR_PTZ_BUSY');
}

describe('PtzArbiter', () => {
  it('grants a free camera, keeps the holder, and lets a higher priority take over at once', () => {
    const clock = new ManualClock(1_000_000);
    const arbiter = new PtzArbiter({ clock });
    expect(arbiter.acquire('cam', 'ops-1', 10)).toEqual({ reason: 'free' });
    clock.advance(5_000);
    expect(arbiter.acquire('cam', 'ops-1', 10)).toEqual({ reason: 'holder' });
    const grant = arbiter.acquire('cam', 'chief', 100);
    expect(grant.reason).toBe('priority');
    expect(grant.preempted).toMatchObject({ user: 'ops-1', priority: 10 });
    expect(arbiter.holder('cam')).toMatchObject({ user: 'chief', priority: 100, freeAt: 1_005_000 + 30_000 });
  });

  it('makes an equal or lower priority wait until the holder has been idle for idleMs', () => {
    const clock = new ManualClock(0);
    const arbiter = new PtzArbiter({ clock, idleMs: 30_000 });
    arbiter.acquire('cam', 'ops-1', 10);
    clock.advance(29_999);
    expect(busy(() => arbiter.acquire('cam', 'ops-2', 10))).toMatchObject({ camera: 'cam', holder: 'ops-1', priority: 10, idleSeconds: 30, retryAfterMs: 1 });
    busy(() => arbiter.acquire('cam', 'viewer', 1));
    // A refused request does not refresh the holder; the holder's own command does.
    arbiter.acquire('cam', 'ops-1', 10);
    clock.advance(29_999);
    busy(() => arbiter.acquire('cam', 'ops-2', 10));
    clock.advance(1);
    expect(arbiter.acquire('cam', 'ops-2', 10)).toMatchObject({ reason: 'idle', preempted: { user: 'ops-1' } });
  });

  it("uses the camera's own idle time, the one in force when the holder last commanded", () => {
    const clock = new ManualClock(0);
    const arbiter = new PtzArbiter({ clock });
    arbiter.acquire('gate', 'ops-1', 10, 5_000);
    clock.advance(4_999);
    expect(busy(() => arbiter.acquire('gate', 'ops-2', 10, 5_000))).toMatchObject({ idleSeconds: 5, retryAfterMs: 1 });
    expect(arbiter.holder('gate')?.freeAt).toBe(5_000);
    clock.advance(1);
    expect(arbiter.acquire('gate', 'ops-2', 10, 5_000).reason).toBe('idle');
    expect(() => arbiter.acquire('gate', 'ops-2', 10, Number.NaN)).toThrow(RangeError);
  });

  it('keeps cameras apart, and release frees a camera only for its holder', () => {
    const clock = new ManualClock(0);
    const arbiter = new PtzArbiter({ clock });
    arbiter.acquire('a', 'ops-1', 10);
    expect(arbiter.acquire('b', 'ops-2', 10)).toEqual({ reason: 'free' });
    expect(arbiter.release('a', 'ops-2')).toBe(false);
    expect(arbiter.release('a', 'ops-1')).toBe(true);
    expect(arbiter.holder('a')).toBeUndefined();
    expect(arbiter.acquire('a', 'ops-2', 10)).toEqual({ reason: 'free' });
  });

  it('refuses nonsense settings', () => {
    expect(() => new PtzArbiter({ clock: new ManualClock(0), idleMs: -1 })).toThrow(RangeError);
    expect(() => new PtzArbiter({ clock: new ManualClock(0) }).acquire('a', 'u', Number.NaN)).toThrow(RangeError);
  });
});
