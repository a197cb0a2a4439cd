import { ArgusError, type ScheduleWindow } from '@argus/core';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** A day of the week, as written in a {@link WeeklySchedule}. */
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** The days in schedule order: Monday is day 0 of a schedule week. */
export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const CLOSED = { additionalProperties: false } as const;
/** `HH:MM` on a 24-hour clock. */
const TIME_OF_DAY = '^(?:[01][0-9]|2[0-3]):[0-5][0-9]$';
/** Like {@link TIME_OF_DAY}, plus `24:00` so that a span may end at midnight. */
const END_OF_SPAN = '^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)$';

/** TypeBox schema of one span of a {@link WeeklySchedule}. */
export const ScheduleSpanSchema = Type.Object(
  {
    days: Type.Array(Type.Union(WEEKDAYS.map((day) => Type.Literal(day))), { minItems: 1, uniqueItems: true }),
    from: Type.String({ pattern: TIME_OF_DAY, description: 'local start time HH:MM' }),
    to: Type.String({ pattern: END_OF_SPAN, description: 'local end time HH:MM; at or before `from`: the next day' }),
  },
  CLOSED,
);

/** TypeBox schema of a {@link WeeklySchedule} (the structure only; {@link parseSchedule} adds the semantic checks). */
export const WeeklyScheduleSchema = Type.Object(
  {
    timeZone: Type.Optional(Type.String({ minLength: 1, description: 'IANA time zone; default UTC' })),
    spans: Type.Array(ScheduleSpanSchema, { minItems: 1 }),
  },
  CLOSED,
);

/**
 * One weekly recording span: on each of `days`, from `from` to `to`, local time of the schedule's zone.
 * A span whose `to` is at or before its `from` runs past midnight into the next day (`22:00`-`06:00`); equal
 * times mean 24 hours.
 */
export type ScheduleSpan = Static<typeof ScheduleSpanSchema>;

/**
 * A weekly recording schedule in a time zone (IANA name, default `UTC`). Spans are wall-clock times of that
 * zone, so a span keeps its local hours across daylight-saving changes.
 *
 * @example
 * ```ts
 * const nights = parseSchedule({ timeZone: 'Europe/Berlin', spans: [{ days: ['fri', 'sat'], from: '22:00', to: '06:00' }] });
 * scheduleActive(nights, Date.parse('2026-03-28T23:30:00Z')); // true: Sunday 00:30 in Berlin, Saturday's span
 * ```
 */
export type WeeklySchedule = Static<typeof WeeklyScheduleSchema>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** How far {@link nextScheduleChange} looks ahead. */
const LOOKAHEAD = 8 * DAY;
/** Step of the search for offset changes; two changes of a zone's offset are always further apart than this. */
const OFFSET_PROBE = 6 * HOUR;

function invalid(reason: string): ArgusError {
  return new ArgusError('ARGUS_ERR_STORAGE_SCHEDULE_INVALID', { reason });
}

/** Minutes since midnight of an `HH:MM` string already checked against the schema. */
function minutesOf(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

/**
 * Validates a weekly schedule from config or an API request and returns it with the zone filled in.
 *
 * @throws ArgusError `ARGUS_ERR_STORAGE_SCHEDULE_INVALID` with a reason naming the bad field (`spans/0/from`...):
 * wrong structure, unknown day, a time not `HH:MM`, a repeated day, an unknown time zone.
 */
export function parseSchedule(input: unknown): WeeklySchedule {
  const first = Value.Errors(WeeklyScheduleSchema, input).First();
  if (first !== undefined) {
    const field = first.path === '' ? 'schedule' : first.path.replace(/^\//, '');
    throw invalid(`${field}: ${first.message}`);
  }
  const schedule = input as WeeklySchedule;
  const timeZone = schedule.timeZone ?? 'UTC';
  try {
    formatterFor(timeZone);
  } catch {
    throw invalid(`timeZone: unknown IANA time zone ${JSON.stringify(timeZone)}`);
  }
  return {
    timeZone,
    spans: schedule.spans.map((span) => ({ days: [...span.days], from: span.from, to: span.to })),
  };
}

/**
 * Converts the recording windows of core's camera settings (`days` as 0 = Sunday ... 6 = Saturday) into a
 * {@link WeeklySchedule} in `timeZone`.
 *
 * @throws ArgusError `ARGUS_ERR_STORAGE_SCHEDULE_INVALID` as {@link parseSchedule} does.
 */
export function scheduleFromWindows(windows: readonly ScheduleWindow[], timeZone = 'UTC'): WeeklySchedule {
  const sundayFirst: Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
  return parseSchedule({
    timeZone,
    spans: windows.map((window) => ({
      days: window.days.map((day) => sundayFirst[day] ?? String(day)),
      from: window.from,
      to: window.to,
    })),
  });
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    // Throws RangeError on a zone the runtime does not know.
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Offset of `timeZone` from UTC at instant `ms`, in ms (local wall time = `ms + offset`). */
function zoneOffset(timeZone: string, ms: number): number {
  const fields: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(ms)) fields[part.type] = part.value;
  let year = Number(fields.year);
  if (fields.era === 'BC' || fields.era === 'B') year = 1 - year;
  const local = Date.UTC(year, Number(fields.month) - 1, Number(fields.day), Number(fields.hour), Number(fields.minute), Number(fields.second));
  return local - (ms - (((ms % 1000) + 1000) % 1000));
}

/** Schedule weekday (0 = Monday) of a local day number (days since 1970-01-01, a Thursday). */
function weekdayOf(localDay: number): number {
  return (((localDay + 3) % 7) + 7) % 7;
}

interface SpanMinutes {
  days: ReadonlySet<number>;
  from: number;
  /** Length in minutes, 1..1440. */
  length: number;
}

function spanMinutes(schedule: WeeklySchedule): SpanMinutes[] {
  return schedule.spans.map((span) => {
    const from = minutesOf(span.from);
    const to = minutesOf(span.to);
    return {
      days: new Set(span.days.map((day) => WEEKDAYS.indexOf(day))),
      from,
      length: to > from ? to - from : to + 1440 - from,
    };
  });
}

/** Whether the local wall time `local` (ms, as if UTC) falls in a span. */
function activeAtLocal(spans: readonly SpanMinutes[], local: number): boolean {
  const today = Math.floor(local / DAY);
  for (const span of spans) {
    // A span lasts at most a day, so only today's and yesterday's may cover `local`.
    for (const day of [today, today - 1]) {
      if (!span.days.has(weekdayOf(day))) continue;
      const start = day * DAY + span.from * MINUTE;
      if (local >= start && local < start + span.length * MINUTE) return true;
    }
  }
  return false;
}

/**
 * True when instant `ms` (ms since epoch) falls in one of the schedule's spans, read in its time zone. In the
 * hour repeated when clocks go back, a local time inside a span is active both times; a local time skipped when
 * clocks go forward never occurs.
 */
export function scheduleActive(schedule: WeeklySchedule, ms: number): boolean {
  const timeZone = schedule.timeZone ?? 'UTC';
  return activeAtLocal(spanMinutes(schedule), ms + zoneOffset(timeZone, ms));
}

/** Instants in `[from, to)` at which the zone's offset changes (DST and other rule changes). */
function offsetChanges(timeZone: string, from: number, to: number): number[] {
  const changes: number[] = [];
  let previous = zoneOffset(timeZone, from);
  for (let probe = from + OFFSET_PROBE; probe < to + OFFSET_PROBE; probe += OFFSET_PROBE) {
    const offset = zoneOffset(timeZone, probe);
    if (offset === previous) continue;
    // The offset changed in (probe - step, probe]: find the first instant with the new offset.
    let low = probe - OFFSET_PROBE;
    let high = probe;
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (zoneOffset(timeZone, middle) === previous) low = middle;
      else high = middle;
    }
    if (high < to) changes.push(high);
    previous = offset;
  }
  return changes;
}

/**
 * The next instant after `ms` at which {@link scheduleActive} changes value, looking at most 8 days ahead;
 * `undefined` when it does not change in that time (a schedule that covers the whole week, say).
 */
export function nextScheduleChange(schedule: WeeklySchedule, ms: number): number | undefined {
  const timeZone = schedule.timeZone ?? 'UTC';
  const spans = spanMinutes(schedule);
  const end = ms + LOOKAHEAD;
  // The state is constant between span edges (local times) and offset changes; collect those as UTC instants.
  const changes = offsetChanges(timeZone, ms, end);
  const pieces = [ms, ...changes, end];
  const candidates = new Set<number>(changes);
  for (let index = 0; index + 1 < pieces.length; index += 1) {
    const pieceStart = pieces[index]!;
    const pieceEnd = pieces[index + 1]!;
    const offset = zoneOffset(timeZone, pieceStart);
    const firstDay = Math.floor((pieceStart + offset) / DAY) - 1;
    const lastDay = Math.floor((pieceEnd + offset) / DAY);
    for (let day = firstDay; day <= lastDay; day += 1) {
      for (const span of spans) {
        if (!span.days.has(weekdayOf(day))) continue;
        const localStart = day * DAY + span.from * MINUTE;
        for (const local of [localStart, localStart + span.length * MINUTE]) {
          const instant = local - offset;
          if (instant >= pieceStart && instant < pieceEnd) candidates.add(instant);
        }
      }
    }
  }
  const now = activeAtLocal(spans, ms + zoneOffset(timeZone, ms));
  const ordered = [...candidates].filter((instant) => instant > ms && instant <= end).sort((a, b) => a - b);
  for (const instant of ordered) {
    if (activeAtLocal(spans, instant + zoneOffset(timeZone, instant)) !== now) return instant;
  }
  return undefined;
}
