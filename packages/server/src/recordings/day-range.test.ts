import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@argus/core';
import { dayRange } from './day-range.js';

const iso = (range: { from: number; to: number }) => [new Date(range.from).toISOString(), new Date(range.to).toISOString()];

describe('dayRange', () => {
  it('is a UTC day by default and a local day in a zone without DST', () => {
    expect(iso(dayRange('2026-11-21', 'UTC'))).toEqual(['2026-11-21T00:00:00.000Z', '2026-11-22T00:00:00.000Z']);
    expect(iso(dayRange('2026-11-21', 'Asia/Ho_Chi_Minh'))).toEqual(['2026-11-20T17:00:00.000Z', '2026-11-21T17:00:00.000Z']);
    expect(iso(dayRange('2026-12-31', 'America/New_York'))).toEqual(['2026-12-31T05:00:00.000Z', '2027-01-01T05:00:00.000Z']);
  });

  it('has 23 and 25 hours on the days clocks change', () => {
    const spring = dayRange('2026-03-29', 'Europe/Berlin');
    expect(iso(spring)).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
    const autumn = dayRange('2026-10-25', 'Europe/Berlin');
    expect(iso(autumn)).toEqual(['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z']);
  });

  it('refuses dates that do not exist and unknown zones with a typed error', () => {
    for (const [day, zone] of [['2026-02-30', 'UTC'], ['2026-13-01', 'UTC'], ['2026-11-21', 'Mars/Olympus']] as const) {
      let caught: unknown;
      try {
        dayRange(day, zone);
      } catch (err) {
        caught = err;
      }
      expect(hasErrorCode(caught, 'ARGUS_ERR_STORAGE_RANGE_INVALID'), `${day} ${zone}`).toBe(true);
    }
  });
});
