import { ArgusError } from '@argus/core';

/** Offset of `timeZone` from UTC at instant `ms`, in ms (positive east of Greenwich). */
function zoneOffsetMs(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(ms);
  const field = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const local = Date.UTC(field('year'), field('month') - 1, field('day'), field('hour'), field('minute'), field('second'));
  return local - Math.floor(ms / 1000) * 1000;
}

/** Midnight of `date` (`YYYY-MM-DD`, already shaped by the schema) in `timeZone`, as ms since epoch. */
function midnight(date: string, timeZone: string): number {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(year, month - 1, day);
  // Two passes settle days whose offset differs from the one at UTC midnight (DST changes).
  const first = guess - zoneOffsetMs(guess, timeZone);
  return guess - zoneOffsetMs(first, timeZone);
}

/**
 * The camera-day `day` (`YYYY-MM-DD`) in the IANA `timeZone` as `[from, to)` in ms since epoch: 23, 24 or 25 hours
 * long. Throws `ARGUS_ERR_STORAGE_RANGE_INVALID` for a date that does not exist or an unknown time zone.
 *
 * @example
 * ```ts
 * dayRange('2026-11-21', 'Asia/Ho_Chi_Minh'); // { from: Date.parse('2026-11-20T17:00:00Z'), to: Date.parse('2026-11-21T17:00:00Z') }
 * ```
 */
export function dayRange(day: string, timeZone: string): { from: number; to: number } {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  const check = new Date(Date.UTC(year, month - 1, date));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== date) {
    throw new ArgusError('ARGUS_ERR_STORAGE_RANGE_INVALID', { reason: `day "${day}" is not a calendar date` });
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new ArgusError('ARGUS_ERR_STORAGE_RANGE_INVALID', { reason: `unknown IANA time zone "${timeZone.slice(0, 64)}"` });
  }
  const next = new Date(Date.UTC(year, month - 1, date + 1)).toISOString().slice(0, 10);
  return { from: midnight(day, timeZone), to: midnight(next, timeZone) };
}

