/** The demo municipality (server/sources/demo/): calendar (whole days since 1970-01-01, UTC only). */
import { civilFromDays, daysFromCivil, daysFromIso, isoFromDays } from '../../contract/values.ts';

// One calendar with the contract (contract/values.ts): day numbers since 1970-01-01, Sheets
// serials; what is here is the generator's own date logic on top of it.
export const day = daysFromCivil;

export function ymd(dn: number): [number, number, number] {
  const c = civilFromDays(dn);
  return [c.y, c.m, c.d];
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

const isoOf = isoFromDays;

const RU_DATES = new Map<number, string>();

/** `дд.мм.гггг`, as schools type dates; one string per day, since a region repeats them a lot. */
export function ruOf(dn: number): string {
  let s = RU_DATES.get(dn);
  if (s === undefined) {
    const [y, m, d] = ymd(dn);
    s = `${pad2(d)}.${pad2(m)}.${y}`;
    if (RU_DATES.size < 100_000) RU_DATES.set(dn, s);
  }
  return s;
}

export function parseIsoDay(iso: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) throw new Error(`demo: referenceDate must be YYYY-MM-DD, got «${iso}»`);
  const dn = daysFromIso(iso);
  if (isoOf(dn) !== iso) throw new Error(`demo: no such date ${iso}`);
  return dn;
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Same day k years later; 29 February becomes 28 February (as in docs/spec/METRICS.md). */
export function addYears(dn: number, k: number): number {
  const [y, m, d] = ymd(dn);
  return m === 2 && d === 29 && !isLeap(y + k) ? day(y + k, 2, 28) : day(y + k, m, d);
}

/** Completed years from a to b. */
export function fullYears(a: number, b: number): number {
  const [ya, ma, da] = ymd(a);
  const [yb, mb, db] = ymd(b);
  return yb - ya - (mb < ma || (mb === ma && db < da) ? 1 : 0);
}

/** 0 = Sunday … 6 = Saturday; 1970-01-01 was a Thursday. */
const weekday = (dn: number) => (((dn + 4) % 7) + 7) % 7;

/** Orders are signed on working days: step back from a weekend, but not below `lo`. */
export function workday(dn: number, lo: number): number {
  let d = dn;
  while ((weekday(d) === 0 || weekday(d) === 6) && d - 1 >= lo) d--;
  return d;
}

/** 1 September that opens the school year containing dn. */
export function schoolYearStart(dn: number): number {
  const [y, m] = ymd(dn);
  return day(m >= 9 ? y : y - 1, 9, 1);
}

export const clamp = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);

/** The attestation reform (Порядок аттестации № 196): categories from this day do not expire. */
export const REFORM = day(2023, 9, 1);
export const ORDER_DAY = day(2023, 2, 17);
/** The contract dates orders from 2000; older decisions are not listed. */
export const OLDEST_LISTED_ORDER = day(2005, 1, 1);
