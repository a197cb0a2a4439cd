import { describe, expect, it } from 'vitest';
import { AvailabilityRing } from './availability-ring.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('AvailabilityRing', () => {
  it('is null before any sample, then the online share of the known samples', () => {
    const ring = new AvailabilityRing();
    expect(ring.availability(0, DAY)).toBeNull();
    ring.record(0, true);
    ring.record(10_000, true);
    ring.record(20_000, true);
    ring.record(30_000, false);
    expect(ring.availability(30_000, DAY)).toBe(75);
  });

  it('rounds to two decimals', () => {
    const ring = new AvailabilityRing();
    ring.record(0, true);
    ring.record(1, true);
    ring.record(2, false);
    expect(ring.availability(2, DAY)).toBe(66.67);
  });

  it('keeps samples older than 24 h out of the 24 h window but in the 7-day one', () => {
    const ring = new AvailabilityRing();
    for (let t = 0; t < 2 * HOUR; t += MINUTE) ring.record(t, false);
    const later = 2 * DAY;
    for (let t = later; t < later + 2 * HOUR; t += MINUTE) ring.record(t, true);
    const now = later + 2 * HOUR - MINUTE;
    expect(ring.availability(now, DAY)).toBe(100);
    expect(ring.availability(now, 7 * DAY)).toBe(50);
  });

  it('forgets a bucket overwritten on a later lap of the ring', () => {
    const ring = new AvailabilityRing({ bucketMs: MINUTE, spanMs: 10 * MINUTE });
    ring.record(0, false);
    // Same slot, one lap later: the old offline sample must not count.
    ring.record(10 * MINUTE, true);
    expect(ring.availability(10 * MINUTE, 10 * MINUTE)).toBe(100);
    // A stale bucket not yet overwritten is outside the window too.
    ring.record(3 * MINUTE, false);
    expect(ring.availability(13 * MINUTE + 1, 10 * MINUTE)).toBe(100);
    expect(ring.availability(12 * MINUTE, 10 * MINUTE)).toBe(50);
  });

  it('bounds memory by the span, not by the uptime', () => {
    const ring = new AvailabilityRing({ bucketMs: MINUTE, spanMs: 60 * MINUTE });
    for (let t = 0; t < 30 * DAY; t += 10_000) ring.record(t, t >= 30 * DAY - HOUR);
    expect(ring.availability(30 * DAY - 1, 7 * DAY)).toBe(100);
  });

  it('rejects a bad geometry', () => {
    expect(() => new AvailabilityRing({ bucketMs: 0 })).toThrow(RangeError);
    expect(() => new AvailabilityRing({ bucketMs: MINUTE, spanMs: 1000 })).toThrow(RangeError);
  });
});
