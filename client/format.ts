/**
 * Russian number, percent and date formatting for everything the user reads: tables, chart
 * labels and tooltips (formatted here, not by d3, so they match the table exactly) and the
 * d3 locales that vega uses for axes.
 *
 * Written by hand instead of `Intl.NumberFormat('ru-RU')` on purpose: ICU leaves four-digit
 * numbers ungrouped in Russian ("1000") while d3 on the axes groups them ("1 000"); one rule
 * everywhere reads better, and the output does not depend on the browser's ICU data.
 */

import { plural as ruPlural } from '../shared/plural.ts';
import { momentDate, ruClock, zoneLabel } from '../shared/moment.ts';

/** No-break space: keeps "42,5 %" and "1 250" on one line. */
export const NBSP = '\u00a0';
/** Typographic minus, as d3 prints it on axes. */
const MINUS = '\u2212';
/** What a missing value (`null`, e.g. a ratio with a zero denominator) looks like. */
export const EMPTY = '—';

/**
 * Moves the decimal point of `value` by `places` without binary noise: 0.4125 → 412.5
 * exactly (0.4125 * 1000 is 412.49999…), so that rounding afterwards is the decimal rounding
 * people expect.
 */
function shiftDecimal(value: number, places: number): number {
  const [mantissa, exponent = '0'] = String(value).split('e');
  return Number(`${mantissa}e${Number(exponent) + places}`);
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, NBSP);
}

/**
 * A number with `fractionDigits` decimals (half away from zero), decimal comma, thousands
 * separated by a no-break space, typographic minus. `null`/`NaN` → "—".
 */
export function formatNumber(value: number | null | undefined, fractionDigits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return EMPTY;
  const scaled = Math.round(shiftDecimal(Math.abs(value), fractionDigits));
  // Rounded to zero: no sign, never "−0,0".
  const sign = value < 0 && scaled !== 0 ? MINUS : '';
  const digits = String(scaled).padStart(fractionDigits + 1, '0');
  const integerPart = digits.slice(0, digits.length - fractionDigits);
  const fractionPart = digits.slice(digits.length - fractionDigits);
  return sign + groupThousands(integerPart) + (fractionDigits > 0 ? `,${fractionPart}` : '');
}

/** A count: 1250 → "1 250". */
export function formatInteger(value: number | null | undefined): string {
  return formatNumber(value, 0);
}

/** A ratio as a percent with one decimal: 0.425 → "42,5 %"; `null` → "—". */
export function formatPercent(ratio: number | null | undefined, fractionDigits = 1): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return EMPTY;
  return `${formatNumber(shiftDecimal(ratio, 2), fractionDigits)}${NBSP}%`;
}

/** An ISO date (`YYYY-MM-DD`, as the API sends it) → "дд.мм.гггг". Parsed as text: no time zone can shift the day. */
export function formatDate(isoDate: string | null | undefined): string {
  if (!isoDate) return EMPTY;
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(isoDate);
  if (!match) return isoDate;
  const [, year, month, day] = match;
  return `${day}.${month}.${year}`;
}

/** d3-format locale for vega (axes, `format` in specs): same symbols as `formatNumber`. */
export const ruFormatLocale = {
  decimal: ',',
  thousands: NBSP,
  grouping: [3],
  currency: ['', `${NBSP}₽`],
  minus: MINUS,
  percent: `${NBSP}%`,
};

/**
 * d3-time-format locale for vega. Month names are nominative ("январь", not d3's genitive
 * "января") because axes print them alone or as "%B %Y" ("сентябрь 2023").
 */
export const ruTimeFormatLocale = {
  dateTime: '%A, %e %B %Y г. %X',
  date: '%d.%m.%Y',
  time: '%H:%M:%S',
  periods: ['', ''],
  days: ['воскресенье', 'понедельник', 'вторник', 'среда', 'четверг', 'пятница', 'суббота'],
  shortDays: ['вс', 'пн', 'вт', 'ср', 'чт', 'пт', 'сб'],
  months: [
    'январь', 'февраль', 'март', 'апрель', 'май', 'июнь',
    'июль', 'август', 'сентябрь', 'октябрь', 'ноябрь', 'декабрь',
  ],
  shortMonths: ['янв', 'фев', 'мар', 'апр', 'май', 'июн', 'июл', 'авг', 'сен', 'окт', 'ноя', 'дек'],
};

/** Hours, with one decimal only where there is a fraction: 942 → "942 ч", 16.82 → "16,8 ч". */
export function formatHours(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return EMPTY;
  return `${Number.isInteger(value) ? formatInteger(value) : formatNumber(value, 1)}${NBSP}ч`;
}

/** Percentage points with a sign: 2.38 → "+2,4 п.п.", −0.97 → "−1,0 п.п.", 0 → "0,0 п.п.". */
export function formatPoints(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return EMPTY;
  const text = formatNumber(value, 1);
  const plus = value > 0 && text !== '0,0' ? '+' : '';
  return `${plus}${text}${NBSP}п.п.`;
}

/** "11 из 56": the counts behind a ratio, with no-break spaces (never "11 из" on one line and "56" on the next). */
export function formatOutOf(part: number | null | undefined, whole: number | null | undefined): string {
  return `${formatInteger(part)}${NBSP}из${NBSP}${formatInteger(whole)}`;
}

/**
 * A server timestamp (`YYYY-MM-DD HH:MM:SS`, UTC, as DuckDB prints it) → "дд.мм.гггг чч:мм"
 * in the browser's time zone, where the coordinator is.
 */
export function formatDateTime(timestamp: string | null | undefined): string {
  if (!timestamp) return EMPTY;
  const at = momentDate(timestamp);
  return at ? ruClock(at) : formatDate(timestamp);
}

export { zoneLabel };

/**
 * `as_of` as a reader reads it: a day «01.03.2024» (the server's calendar day), a moment on the
 * reader's clock with its zone, «01.03.2024 18:00 (UTC+8)» (a moment with no zone of its own is
 * UTC, as the API reads it; it was shown in UTC wall-clock time, whatever the zone).
 */
export function formatAsOf(asOf: string): string {
  return asOf.length === 10 ? formatDate(asOf) : `${formatDateTime(asOf)} (${zoneLabel(momentDate(asOf) ?? new Date())})`;
}

/** A month end (`YYYY-MM-DD`) → "сентябрь 2024". */
export function formatMonth(isoDate: string): string {
  const match = /^(\d{4})-(\d{2})/.exec(isoDate);
  if (!match) return isoDate;
  const name = ruTimeFormatLocale.months[Number(match[2]) - 1] ?? match[2];
  return `${name} ${match[1]}`;
}

/** «из N организаций» after a count: из 1 организации, из 3 организаций, из 21 организации (genitive). */
export const OF_ORGS = ['организации', 'организаций', 'организаций'] as const;
/** «на N педагогов»: на 1 педагога, на 83 педагога, на 5 педагогов (accusative). */
export const FOR_TEACHERS = ['педагога', 'педагога', 'педагогов'] as const;

/** Russian plural: plural(3, ['организация', 'организации', 'организаций']) → "организации" (the rule: shared/plural.ts). */
export function plural(count: number, forms: readonly [one: string, few: string, many: string]): string {
  return ruPlural(count, forms[0], forms[1], forms[2]);
}
