/** Periods and month ends as calendar dates (`YYYY-MM-DD`), independent of the time zone. */
import { civilFromDays, daysFromCivil, isoFromDays } from '../contract/index.ts';

/**
 * The calendar date of an instant on the server's clock — its time zone (TZ), the
 * municipality's: «today» of a sync, a default period, a register, an «as of» still to come.
 * It was the date in UTC, a day behind the rest of the page from midnight to 08:00 in Sayansk
 * (UTC+8: an acceptance run). Moments themselves are kept in UTC (db.ts isoTs).
 */
export function isoDay(d: Date): string {
  return isoFromDays(Math.floor((d.getTime() - d.getTimezoneOffset() * 60_000) / 86_400_000));
}

/** The academic year (1 September – 31 August) containing the day. */
export function academicYear(day: string): { from: string; to: string } {
  const [y, m] = day.split('-').map(Number) as [number, number];
  const start = m >= 9 ? y : y - 1;
  return { from: `${start}-09-01`, to: `${start + 1}-08-31` };
}

/** The last day of every month whose end lies inside [from, to]. */
export function monthEnds(from: string, to: string): string[] {
  const [fy, fm] = from.split('-').map(Number) as [number, number];
  const out: string[] = [];
  for (let y = fy, m = fm; ; m === 12 ? ((m = 1), y++) : m++) {
    const end = isoFromDays(daysFromCivil(y, m + 1, 1) - 1);
    if (end > to) break;
    if (end >= from) out.push(end);
    if (out.length > 1200) break;
  }
  return out;
}

/**
 * The last day of a period of `years` years starting on `from`: the day before the same date
 * `years` later (2015-09-01 → 2025-08-31). A period starting on 29 February ends on 28 February.
 */
export function lastDayOfYears(from: string, years: number): string {
  const [y, m, d] = from.split('-').map(Number) as [number, number, number];
  // 29 February of a year without one is 1 March (Date.UTC rolls over): the day before is 28 February.
  return isoFromDays(daysFromCivil(y + years, m, d) - 1);
}

export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return isoFromDays(daysFromCivil(y, m, d) + n);
}

export { civilFromDays };
