import { hasErrorCode } from '@argus/core';
import { describe, expect, it } from 'vitest';
import { nextScheduleChange, parseSchedule, scheduleActive, scheduleFromWindows } from './recording-schedule.js';

const at = (iso: string): number => Date.parse(iso);

function reasonOf(input: unknown): string {
  try {
    parseSchedule(input);
  } catch (err) {
    if (hasErrorCode(err, 'ARGUS_ERR_STORAGE_SCHEDULE_INVALID')) return String(err.details?.reason);
    throw err;
  }
  throw new Error('parseSchedule accepted a bad schedule');
}

describe('parseSchedule', () => {
  it('accepts a schedule and fills the default zone', () => {
    expect(parseSchedule({ spans: [{ days: ['mon'], from: '08:00', to: '24:00' }] })).toEqual({
      timeZone: 'UTC',
      spans: [{ days: ['mon'], from: '08:00', to: '24:00' }],
    });
  });

  it.each([
    [{ spans: [] }, 'spans'],
    [{ spans: [{ days: ['mon'], from: '8:00', to: '09:00' }] }, 'spans/0/from'],
    [{ spans: [{ days: ['mon'], from: '24:00', to: '09:00' }] }, 'spans/0/from'],
    [{ spans: [{ days: ['mon'], from: '08:00', to: '09:60' }] }, 'spans/0/to'],
    [{ spans: [{ days: ['mon'], from: '08:00', to: '09:00' }, { days: ['funday'], from: '08:00', to: '09:00' }] }, 'spans/1/days/0'],
    [{ spans: [{ days: ['mon', 'mon'], from: '08:00', to: '09:00' }] }, 'spans/0/days'],
    [{ spans: [{ days: [], from: '08:00', to: '09:00' }] }, 'spans/0/days'],
    [{ spans: [{ days: ['mon'], from: '08:00', to: '09:00', extra: 1 }] }, 'spans/0/extra'],
    [{ timeZone: 'Mars/Olympus', spans: [{ days: ['mon'], from: '08:00', to: '09:00' }] }, 'timeZone'],
    ['always', 'schedule'],
  ])('rejects %j naming %s', (input, field) => {
    expect(reasonOf(input).startsWith(`${field}:`)).toBe(true);
  });

  it('converts core camera-settings windows (0 = Sunday)', () => {
    expect(scheduleFromWindows([{ days: [0, 6], from: '10:00', to: '12:00' }], 'Europe/Berlin')).toEqual({
      timeZone: 'Europe/Berlin',
      spans: [{ days: ['sun', 'sat'], from: '10:00', to: '12:00' }],
    });
    expect(() => scheduleFromWindows([{ days: [7], from: '10:00', to: '12:00' }])).toThrow(/days/);
  });
});

describe('scheduleActive / nextScheduleChange', () => {
  // 2026-03-02 is a Monday.
  const office = parseSchedule({ spans: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00' }] });

  it('follows span edges in UTC', () => {
    expect(scheduleActive(office, at('2026-03-02T07:59:59.999Z'))).toBe(false);
    expect(scheduleActive(office, at('2026-03-02T08:00:00Z'))).toBe(true);
    expect(scheduleActive(office, at('2026-03-02T17:59:59Z'))).toBe(true);
    expect(scheduleActive(office, at('2026-03-02T18:00:00Z'))).toBe(false);
    expect(scheduleActive(office, at('2026-03-07T12:00:00Z'))).toBe(false); // Saturday
    expect(nextScheduleChange(office, at('2026-03-02T07:00:00Z'))).toBe(at('2026-03-02T08:00:00Z'));
    expect(nextScheduleChange(office, at('2026-03-02T08:00:00Z'))).toBe(at('2026-03-02T18:00:00Z'));
    expect(nextScheduleChange(office, at('2026-03-06T18:00:00Z'))).toBe(at('2026-03-09T08:00:00Z')); // Fri -> Mon
  });

  it('runs a span past midnight into the next day, and over the week end (Sunday -> Monday)', () => {
    const nights = parseSchedule({ spans: [{ days: ['sun'], from: '22:00', to: '06:00' }] });
    expect(scheduleActive(nights, at('2026-03-08T21:59:00Z'))).toBe(false); // Sunday
    expect(scheduleActive(nights, at('2026-03-08T23:00:00Z'))).toBe(true);
    expect(scheduleActive(nights, at('2026-03-09T05:59:00Z'))).toBe(true); // Monday morning, Sunday's span
    expect(scheduleActive(nights, at('2026-03-09T06:00:00Z'))).toBe(false);
    expect(scheduleActive(nights, at('2026-03-09T23:00:00Z'))).toBe(false); // Monday night: not listed
    expect(nextScheduleChange(nights, at('2026-03-08T23:00:00Z'))).toBe(at('2026-03-09T06:00:00Z'));
    expect(nextScheduleChange(nights, at('2026-03-09T06:00:00Z'))).toBe(at('2026-03-15T22:00:00Z'));
  });

  it('keeps local hours across the spring DST change in Europe/Berlin', () => {
    // Sunday 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
    const berlin = parseSchedule({ timeZone: 'Europe/Berlin', spans: [{ days: ['sat', 'sun'], from: '01:30', to: '04:00' }] });
    // Saturday 01:30 CET = 00:30 UTC; Sunday 01:30 CET = 00:30 UTC; Sunday 04:00 CEST = 02:00 UTC.
    expect(nextScheduleChange(berlin, at('2026-03-28T00:00:00Z'))).toBe(at('2026-03-28T00:30:00Z'));
    expect(nextScheduleChange(berlin, at('2026-03-28T00:30:00Z'))).toBe(at('2026-03-28T03:00:00Z'));
    expect(nextScheduleChange(berlin, at('2026-03-28T03:00:00Z'))).toBe(at('2026-03-29T00:30:00Z'));
    expect(nextScheduleChange(berlin, at('2026-03-29T00:30:00Z'))).toBe(at('2026-03-29T02:00:00Z'));
    expect(scheduleActive(berlin, at('2026-03-29T01:30:00Z'))).toBe(true); // 03:30 CEST
    expect(scheduleActive(berlin, at('2026-03-29T02:00:00Z'))).toBe(false);
  });

  it('starts a span whose start time is skipped at the moment the clocks jump', () => {
    // 02:30 does not exist in Berlin on 2026-03-29; at 01:00 UTC the local time becomes 03:00, inside the span.
    const skipped = parseSchedule({ timeZone: 'Europe/Berlin', spans: [{ days: ['sun'], from: '02:30', to: '05:00' }] });
    expect(nextScheduleChange(skipped, at('2026-03-28T23:00:00Z'))).toBe(at('2026-03-29T01:00:00Z'));
    expect(nextScheduleChange(skipped, at('2026-03-29T01:00:00Z'))).toBe(at('2026-03-29T03:00:00Z'));
  });

  it('covers the repeated hour when clocks go back in Europe/Berlin', () => {
    // Sunday 2026-10-25: 03:00 CEST goes back to 02:00 CET (01:00 UTC); 02:00-03:00 local happens twice.
    const berlin = parseSchedule({ timeZone: 'Europe/Berlin', spans: [{ days: ['sun'], from: '02:00', to: '03:00' }] });
    expect(nextScheduleChange(berlin, at('2026-10-24T12:00:00Z'))).toBe(at('2026-10-25T00:00:00Z')); // 02:00 CEST
    expect(scheduleActive(berlin, at('2026-10-25T00:59:00Z'))).toBe(true); // 02:59 CEST
    expect(scheduleActive(berlin, at('2026-10-25T01:30:00Z'))).toBe(true); // 02:30 CET
    expect(nextScheduleChange(berlin, at('2026-10-25T00:00:00Z'))).toBe(at('2026-10-25T02:00:00Z')); // 03:00 CET
  });

  it('reports no change within 8 days for an always-on schedule', () => {
    const always = parseSchedule({ spans: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '00:00' }] });
    expect(scheduleActive(always, at('2026-03-04T12:00:00Z'))).toBe(true);
    expect(nextScheduleChange(always, at('2026-03-04T12:00:00Z'))).toBeUndefined();
  });
});
