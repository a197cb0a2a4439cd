const DURATION = /^(-)?P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * Milliseconds of an xs:duration (`PT5S`, `PT1M30S`, `PT0.5S`, `P1D`); years count 365 days and months 30.
 * Undefined for anything that is not a duration (or a negative one).
 *
 * @example
 * ```ts
 * parseXsDuration('PT1M'); // 60000
 * ```
 */
export function parseXsDuration(value: string | undefined): number | undefined {
  const match = DURATION.exec(value?.trim() ?? '');
  if (match === null || match[1] === '-' || !/\d/.test(value ?? '')) return undefined;
  const [, , years, months, weeks, days, hours, minutes, seconds] = match;
  const n = (part: string | undefined): number => (part === undefined ? 0 : Number(part));
  const ms =
    (n(years) * 365 * 86_400 + n(months) * 30 * 86_400 + n(weeks) * 7 * 86_400 + n(days) * 86_400 + n(hours) * 3600 + n(minutes) * 60 + n(seconds)) * 1000;
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/**
 * Writes milliseconds as an xs:duration in seconds, `PT5S` or `PT0.5S`.
 *
 * @throws RangeError for a negative or non-finite value.
 */
export function formatXsDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`a duration must be a non-negative number of ms, got ${ms}`);
  const seconds = Math.round(ms) / 1000;
  return `PT${Number.isInteger(seconds) ? seconds : seconds.toFixed(3).replace(/0+$/, '')}S`;
}
