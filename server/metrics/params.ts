/**
 * Pieces of query-parameter validation shared by the API routes (metrics, matching,
 * practices, registers): one definition of a date and of a repeated parameter.
 */
import { z } from 'zod';

/** A repeated single-valued parameter counts with its last value. */
export const one = (v: unknown) => (Array.isArray(v) ? v[v.length - 1] : v);

/** The years a date of a query may have: enough for any period of this work, and no year JavaScript or DuckDB write otherwise. */
export const MIN_YEAR = 1900;
export const MAX_YEAR = 2999;

/** `YYYY-MM-DD` of a day that exists in the calendar (no 30 February), of a year MIN_YEAR…MAX_YEAR. */
export const isoDate = z
  .string({ message: 'ожидается дата в виде ГГГГ-ММ-ДД' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'ожидается дата в виде ГГГГ-ММ-ДД')
  .refine((s) => {
    const y = Number(s.slice(0, 4));
    return y >= MIN_YEAR && y <= MAX_YEAR;
  }, `год — от ${MIN_YEAR} до ${MAX_YEAR}`)
  .refine((s) => {
    const [y, m, d] = s.split('-').map(Number) as [number, number, number];
    // Out of the years above the message is theirs (Date.UTC reads years 0–99 as 1900–1999).
    if (y < MIN_YEAR || y > MAX_YEAR) return true;
    const dt = new Date(Date.UTC(y, m - 1, d));
    return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
  }, 'такой даты нет в календаре');

/** Values one parameter may list (`org=` repeated or comma-separated): the query parser keeps that many as a list. */
export const QUERY_LIST_LIMIT = 2000;

/**
 * A parameter as a list (`org`, `metrics`): repeated and/or comma-separated values, trimmed,
 * empty ones dropped. Anything but text and lists of text (an object: `org[a]=`, or a list past
 * QUERY_LIST_LIMIT) is left as it is for the schema to refuse — as text it was «[object Object]».
 */
export const listParam = (v: unknown): unknown => {
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  if (!list.every((s) => typeof s === 'string')) return v;
  return list.flatMap((s: string) => s.split(',')).map((s) => s.trim()).filter(Boolean);
};
