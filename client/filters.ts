/**
 * The filters of every page (period, organization type, organizations) and their place in
 * the URL query (`?from=…&to=…&type=…&org=…&org=…`), so that a view can be shared and a
 * reload restores it. The same query goes to the API, whose parameters have the same names.
 */
import { momentDate } from '../shared/moment.ts';

export interface Filters {
  /** Inclusive period, `YYYY-MM-DD`. */
  from: string;
  to: string;
  /** Organization type (registry `Тип`), `null` = all types. */
  type: string | null;
  /** Organization codes; empty = all organizations. */
  orgs: string[];
  /** Period against period (`cmp_from`, `cmp_to`): the base period the page compares with; null = none. */
  compare?: { from: string; to: string; asOf?: string | null } | null;
  /** `as_of`: the data as after the last sync finished by the end of this day (`YYYY-MM-DD`); null = now. */
  asOf?: string | null;
}

export interface AcademicYear {
  /** "2023/24" */
  label: string;
  from: string;
  to: string;
}

/**
 * The first academic year offered as a quick choice: the order introducing mentoring is of
 * February 2023, so 2023/24 is the first full year of data.
 */
export const FIRST_ACADEMIC_YEAR = 2023;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** An academic year runs from 1 September to 31 August (docs/spec/METRICS.md, default period). */
export function academicYear(startYear: number): AcademicYear {
  const nextYear = String((startYear + 1) % 100).padStart(2, '0');
  return { label: `${startYear}/${nextYear}`, from: `${startYear}-09-01`, to: `${startYear + 1}-08-31` };
}

/** Start year of the academic year containing `today` (local calendar date). */
export function academicYearStart(today: Date): number {
  return today.getMonth() >= 8 ? today.getFullYear() : today.getFullYear() - 1;
}

/** Quick choices: every academic year from the first one up to the current one, newest last. */
export function academicYears(today: Date): AcademicYear[] {
  const years: AcademicYear[] = [];
  for (let year = FIRST_ACADEMIC_YEAR; year <= academicYearStart(today); year++) years.push(academicYear(year));
  return years;
}

/** A calendar year as a period preset: 1 January – 31 December. */
export function calendarYear(year: number): AcademicYear {
  return { label: String(year), from: `${year}-01-01`, to: `${year}-12-31` };
}

/** Quick choices of calendar years: from the year of the order (2023) up to the current one. */
export function calendarYears(today: Date): AcademicYear[] {
  const years: AcademicYear[] = [];
  for (let year = FIRST_ACADEMIC_YEAR; year <= today.getFullYear(); year++) years.push(calendarYear(year));
  return years;
}

/** The last day of the month containing `today`, `YYYY-MM-DD` (local calendar). */
export function currentMonthEnd(today: Date): string {
  return isoToday(new Date(today.getFullYear(), today.getMonth() + 1, 0));
}

/** `today` as `YYYY-MM-DD` (local calendar date). */
export function isoToday(today: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${today.getFullYear()}-${pad(today.getMonth() + 1)}-${pad(today.getDate())}`;
}

/**
 * Today's date when the period has begun and not ended and no `as_of` is set (the default
 * academic year, in December), else null: a figure «as of the period's end» then counts what has
 * not happened yet, and the pages say so.
 */
export function ongoingPeriodToday(filters: Filters, today: Date): string | null {
  const day = isoToday(today);
  return !filters.asOf && filters.from <= day && day < filters.to ? day : null;
}

/** The last day of the month of an ISO day (`2026-07-15` → `2026-07-31`), as the server's monthly trend counts month ends. */
export function monthEndOf(iso: string): string {
  const [y, m] = iso.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

/** The day of an `as_of` (a moment's on this clock) at noon, or null. */
function asOfDate(asOf: string | null): Date | null {
  if (asOf === null) return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(asOf)) {
    const [y, m, d] = asOf.split('-').map(Number) as [number, number, number];
    return new Date(y, m - 1, d, 12);
  }
  return momentDate(asOf);
}

/** No query in the URL: the current academic year, all organizations (the server's default too). */
export function defaultFilters(today: Date): Filters {
  const { from, to } = academicYear(academicYearStart(today));
  return { from, to, type: null, orgs: [] };
}

/** A real calendar day in `YYYY-MM-DD` (Date.parse would let "2023-02-30" through as 2 March). */
function isIsoDate(value: string | null): value is string {
  if (value === null || !ISO_DATE.test(value)) return false;
  const [year, month, day] = value.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** `as_of` as the API takes it: a day, or a moment (a link from a report); anything else is dropped. */
function validAsOf(value: string | null): string | null {
  if (value === null) return null;
  const moment = /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})?$/i.test(value);
  return isIsoDate(value.slice(0, 10)) && (value.length === 10 || moment) ? value : null;
}

/**
 * Filters from a URL query. A missing or malformed date falls back to the default period so
 * a mangled shared link still opens a page; whether `to < from` is for the server to say.
 */
export function filtersFromQuery(search: string, today: Date): Filters {
  const query = new URLSearchParams(search);
  // With «Данные на дату» and no period, the academic year of that date, as the API defaults it
  // (a link «as of 14.05.2025» showed the year to come, after it: an acceptance run); never a year
  // after today's.
  const asOfDay = asOfDate(validAsOf(query.get('as_of')));
  const defaults = defaultFilters(asOfDay !== null && asOfDay < today ? asOfDay : today);
  const from = query.get('from');
  const to = query.get('to');
  const type = query.get('type');
  const orgs = [...new Set(query.getAll('org').filter((code) => code !== ''))];
  const cmpFrom = query.get('cmp_from');
  const cmpTo = query.get('cmp_to');
  const asOf = query.get('as_of');
  return {
    from: isIsoDate(from) ? from : defaults.from,
    to: isIsoDate(to) ? to : defaults.to,
    type: type ? type : null,
    orgs,
    // A comparison needs both ends, in order; a mangled one is dropped, not guessed.
    compare: isIsoDate(cmpFrom) && isIsoDate(cmpTo) && cmpFrom <= cmpTo ? { from: cmpFrom, to: cmpTo, ...(validAsOf(query.get('cmp_as_of')) ? { asOf: validAsOf(query.get('cmp_as_of')) } : {}) } : null,
    // A day, or a moment as the API takes it (a shared link from a report); anything else is dropped.
    asOf: validAsOf(asOf),
  };
}

/**
 * What filtersFromQuery had to drop from a URL query, in words (a mangled shared link opens the
 * default page; the reader is told which part of the link was not understood, not left to
 * wonder why «2026-02-30» shows the current year).
 */
export function droppedFromQuery(search: string): string[] {
  const query = new URLSearchParams(search);
  const out: string[] = [];
  const bad = (name: string, value: string | null) => value !== null && value !== '' && !isIsoDate(value) && out.push(`${name}=${value}`);
  bad('from', query.get('from'));
  bad('to', query.get('to'));
  const cmpFrom = query.get('cmp_from');
  const cmpTo = query.get('cmp_to');
  bad('cmp_from', cmpFrom);
  bad('cmp_to', cmpTo);
  if (isIsoDate(cmpFrom) && isIsoDate(cmpTo) && cmpFrom > cmpTo) out.push(`cmp_from=${cmpFrom} позже cmp_to=${cmpTo}`);
  if ((cmpFrom === null) !== (cmpTo === null)) out.push(cmpFrom === null ? `cmp_to=${cmpTo} без cmp_from` : `cmp_from=${cmpFrom} без cmp_to`);
  for (const name of ['as_of', 'cmp_as_of']) {
    const v = query.get(name);
    if (v !== null && v !== '' && validAsOf(v) === null) out.push(`${name}=${v}`);
  }
  return out;
}

/** The same period a year earlier (29 February → 28 February): the usual base of a comparison. */
export function yearEarlier(period: { from: string; to: string }): { from: string; to: string } {
  const back = (iso: string) => {
    const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
    const last = new Date(Date.UTC(y - 1, m, 0)).getUTCDate();
    return `${String(y - 1).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
  };
  return { from: back(period.from), to: back(period.to) };
}

/** The URL query (and the API query) for `filters`; the period is always written out so a shared link means the same dates later. */
export function filtersToQuery(filters: Filters): URLSearchParams {
  const query = new URLSearchParams();
  query.set('from', filters.from);
  query.set('to', filters.to);
  if (filters.type) query.set('type', filters.type);
  for (const org of filters.orgs) query.append('org', org);
  if (filters.compare) {
    query.set('cmp_from', filters.compare.from);
    query.set('cmp_to', filters.compare.to);
    // Two dates of the data side by side (the same period, or another).
    if (filters.compare.asOf) query.set('cmp_as_of', filters.compare.asOf);
  }
  if (filters.asOf) query.set('as_of', filters.asOf);
  return query;
}

export function sameFilters(a: Filters, b: Filters): boolean {
  return filtersToQuery(a).toString() === filtersToQuery(b).toString();
}
