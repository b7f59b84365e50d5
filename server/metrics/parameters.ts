/** A metric's parameters from a query string: validated with zod, worded in Russian, the period bounded. */
import { z } from 'zod';
import { reversedPeriodProblem } from '../../shared/period.ts';
import { ORG_TYPES, enumMatcher, ruDate } from '../contract/index.ts';
import { badRequest } from '../http/errors.ts';
import { QUERY_LIST_LIMIT, isoDate, one, listParam } from './params.ts';
import { academicYear, isoDay, lastDayOfYears, monthEnds } from './period.ts';
import type { AsOf } from './asof.ts';

const matchType = enumMatcher(ORG_TYPES);

const paramsSchema = z.object({
  from: z.preprocess(one, isoDate.optional()),
  to: z.preprocess(one, isoDate.optional()),
  org: z.preprocess(
    listParam,
    z.array(z.string().max(60, 'слишком длинный код организации')).max(QUERY_LIST_LIMIT, `не больше ${QUERY_LIST_LIMIT} организаций`),
  ),
  type: z.preprocess(
    one,
    z
      .string()
      .optional()
      .transform((s, ctx) => {
        if (s === undefined || s === '') return null;
        const t = matchType(s);
        if (t === null) {
          ctx.addIssue({ code: 'custom', message: `неизвестный тип организации; допустимые: ${ORG_TYPES.map((x) => x.value).join(', ')}` });
          return z.NEVER;
        }
        return t;
      }),
  ),
  grain: z.preprocess(one, z.enum(['month', 'period'], { message: 'допустимо grain=month' }).optional()),
});

export interface MetricParams {
  from: string;
  to: string;
  org: string[];
  type: string | null;
  grain: 'month' | null;
  /** The figures as of a past sync (asof.ts); absent: now. Part of the answer and of its cache key. */
  as_of?: AsOf;
  /**
   * For a regional account (auth/http.ts scopeParams, a region's mail delivery): no free text
   * from the sources in the answer — data_quality gives the kind of a reason, not its text (a
   * file's tab titles may name a person). Part of the cache key; absent for everyone else.
   */
  region?: true;
}

const PARAM_TITLES: Record<string, string> = { from: 'from (начало периода)', to: 'to (конец периода)', org: 'org', type: 'type', grain: 'grain' };

/**
 * The longest period: 10 years, counted as a coordinator counts academic years — `to` at most
 * the day before the same date 10 years after `from`, so 2015-09-01…2025-08-31 (ten academic
 * years) is accepted and 2015-09-01…2025-09-01 is not. Far past or future dates within it are
 * fine. The bound is there because the cost of an answer grows with the period (issue #17).
 */
export const MAX_PERIOD_YEARS = 10;
/** The most month ends in a `grain=month` trend: each month is one computation of the metric. */
export const MAX_TREND_MONTHS = 120;

/** «121 месяц», «122 месяца», «125 месяцев». */
function monthsWord(n: number): string {
  const [d10, d100] = [n % 10, n % 100];
  const word = d10 === 1 && d100 !== 11 ? 'месяц' : d10 >= 2 && d10 <= 4 && (d100 < 12 || d100 > 14) ? 'месяца' : 'месяцев';
  return `${n} ${word}`;
}

/** Validates query parameters; defaults: the academic year containing today. */
export function parseParams(query: Record<string, unknown>, now: Date): MetricParams {
  const res = paramsSchema.safeParse(query);
  if (!res.success) {
    const i = res.error.issues[0]!;
    const key = String(i.path[0] ?? '');
    throw badRequest(`неверный параметр ${PARAM_TITLES[key] ?? key}: ${i.message}`);
  }
  const year = academicYear(isoDay(now));
  const from = res.data.from ?? (res.data.to ? academicYear(res.data.to).from : year.from);
  const to = res.data.to ?? (res.data.from ? academicYear(res.data.from).to : year.to);
  const problem = periodProblem(from, to);
  if (problem !== null) throw badRequest(problem);
  const grain = res.data.grain === 'month' ? 'month' : null;
  if (grain === 'month') {
    const months = monthEnds(from, to).length;
    if (months > MAX_TREND_MONTHS) {
      throw badRequest(
        `помесячная динамика (grain=month) — не больше ${MAX_TREND_MONTHS} месяцев, а в периоде ${from}…${to} ${monthsWord(months)} (считаются месяцы, конец которых внутри периода); сократите период`,
      );
    }
  }
  return { from, to, org: res.data.org, type: res.data.type, grain };
}

/** Why `from`…`to` is not a period a metric is computed for (reversed, longer than MAX_PERIOD_YEARS), or null. */
function periodProblem(from: string, to: string): string | null {
  const reversed = reversedPeriodProblem(from, to);
  if (reversed) return reversed;
  const last = lastDayOfYears(from, MAX_PERIOD_YEARS);
  if (to > last) {
    return `период ${ruDate(from)}–${ruDate(to)} длиннее ${MAX_PERIOD_YEARS} лет: при начале ${ruDate(from)} конец периода — не позже ${ruDate(last)} (например, 01.09.2015–31.08.2025 — десять учебных лет)`;
  }
  return null;
}

/**
 * The base period of a comparison (`cmp_from`, `cmp_to`, issue #20), or null when none is asked
 * for. Both dates, a real period of at most MAX_PERIOD_YEARS, like the main one.
 */
export function parseComparison(query: Record<string, unknown>): { from: string; to: string } | null {
  const from = one(query.cmp_from);
  const to = one(query.cmp_to);
  if ((from === undefined || from === '') && (to === undefined || to === '')) return null;
  if (typeof from !== 'string' || typeof to !== 'string' || from === '' || to === '') {
    throw badRequest('для сравнения нужны оба параметра: cmp_from и cmp_to (начало и конец периода сравнения)');
  }
  for (const [name, value] of [['cmp_from', from], ['cmp_to', to]] as const) {
    const date = isoDate.safeParse(value);
    if (!date.success) throw badRequest(`период сравнения: ${name}: ${date.error.issues[0]!.message}`);
  }
  const problem = periodProblem(from, to);
  if (problem !== null) throw badRequest(`период сравнения: ${problem}`);
  return { from, to };
}
