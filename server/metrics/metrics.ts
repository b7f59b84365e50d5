/**
 * The metric registry: each metric of docs/spec/METRICS.md is a SQL file in `queries/` (the file name is
 * the metric's name) plus its Russian title, description and columns. Parameters are validated
 * here with zod and bound by name; no SQL is ever built from user input.
 */
import { METRICS as DECLARED, ORG_COLUMNS, type MetricColumn, type MetricDecl } from '../../shared/metrics.ts';
import { sqlOf } from '../db/queries.ts';
import { z } from 'zod';
import { ORG_TYPES, enumMatcher } from '../contract/index.ts';
import type { Db, Row } from '../db/db.ts';
import { badRequest, notFound } from '../http/errors.ts';
import { isoDate, one, orgCodes } from './params.ts';
import { academicYear, isoDay, lastDayOfYears, monthEnds } from './period.ts';

export type { MetricColumn, Unit } from '../../shared/metrics.ts';

/** A metric as the server runs it: its declaration (shared/metrics.ts); the SQL is `queries/<name>.sql`. */
export type MetricDef = MetricDecl;

/** The metrics, in the order of the API listing and the dashboard (declared in shared/metrics.ts). */
export const METRICS: readonly MetricDef[] = DECLARED;

export function metricDef(name: string): MetricDef {
  const m = METRICS.find((x) => x.name === name);
  if (!m) throw notFound(`показатель «${name}» не найден; доступны: ${METRICS.map((x) => x.name).join(', ')}`);
  return m;
}

/** A metric as `GET /api/metrics` lists it (the client's `MetricInfo`). */
export function metricInfo(m: MetricDef) {
  return {
    name: m.name,
    short: m.short,
    title: m.title,
    description: m.description,
    order_item: m.orderItem,
    keys: m.keys,
    columns: m.columns,
    params: m.params,
    ...(m.parts ? { parts: m.parts } : {}),
  };
}

export function allColumns(m: MetricDef): readonly MetricColumn[] {
  return [...ORG_COLUMNS, ...m.keys, ...m.columns];
}


// ---- parameters ------------------------------------------------------------------------

const matchType = enumMatcher(ORG_TYPES);

const paramsSchema = z.object({
  from: z.preprocess(one, isoDate.optional()),
  to: z.preprocess(one, isoDate.optional()),
  org: z.preprocess(
    orgCodes,
    z.array(z.string().max(60, 'слишком длинный код организации')).max(2000),
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
  if (to < from) throw badRequest(`конец периода (${to}) раньше его начала (${from})`);
  const last = lastDayOfYears(from, MAX_PERIOD_YEARS);
  if (to > last) {
    throw badRequest(
      `период ${from}…${to} длиннее ${MAX_PERIOD_YEARS} лет: при начале ${from} конец периода — не позже ${last} (например, 2015-09-01…2025-08-31 — десять учебных лет)`,
    );
  }
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

// ---- running ---------------------------------------------------------------------------

export interface MetricResult {
  metric: string;
  params: MetricParams;
  rows: Row[];
}

type Period = { from: string; to: string; org: string[]; type: string | null };

/**
 * `overview` has no SQL of its own: its tiles are the totals of other metrics, so it reads
 * them (one formula per number, nowhere copied) and adds the freshness of the data.
 */
async function runOverview(db: Db, p: Period, via: Components | undefined, signal: AbortSignal | undefined): Promise<Row[]> {
  // All six settle before a failure is passed on: after a timeout, every interrupted query is
  // back in its lane by the time the request is answered.
  const parts = await Promise.allSettled(
    (metricDef('overview').parts ?? []).map(
      async (name) => (via ? (await via(name, { ...p, grain: null })).rows : runOnce(db, metricDef(name), p, undefined, signal)),
    ),
  );
  const failed = parts.find((x) => x.status === 'rejected');
  if (failed) throw failed.reason;
  const [eng, young, pd, growth, prog, quality] = parts.map((x) => (x as PromiseFulfilledResult<Row[]>).value);
  const active = new Set(
    (await db.metricQuery(sqlOf('lists/active_orgs'), {}, signal)).map((r) => String(r.code)),
  );
  const byOrg = (rows: Row[] | undefined) => new Map((rows ?? []).map((r) => [r.org as string | null, r]));
  const [y, d, g, c, q] = [young, pd, growth, prog, quality].map(byOrg) as Map<string | null, Row>[];
  let fresh = 0;
  let activeCount = 0;
  const rows = (eng ?? []).map((e) => {
    const org = e.org as string | null;
    const row: Row = {
      org,
      org_name: e.org_name,
      org_type: e.org_type,
      engagement_rate: e.engagement_rate,
      coverage: y!.get(org)?.coverage ?? null,
      pd_coverage: d!.get(org)?.pd_coverage ?? null,
      growth_pp: g!.get(org)?.growth_pp ?? null,
      completion_rate: c!.get(org)?.completion_rate ?? null,
    };
    if (org !== null) {
      const isActive = active.has(org);
      const qr = q!.get(org);
      const isFresh = isActive && qr !== undefined && qr.stale === false && qr.last_success !== null;
      row.orgs_fresh = isFresh ? 1 : 0;
      row.orgs_active = isActive ? 1 : 0;
      fresh += row.orgs_fresh as number;
      activeCount += row.orgs_active as number;
    }
    return row;
  });
  const total = rows.find((r) => r.org === null);
  if (total) Object.assign(total, { orgs_fresh: fresh, orgs_active: activeCount });
  return rows;
}

/** How `overview` gets the answers it is made of: a cache, or (default) straight from SQL. */
export type Components = (name: string, params: MetricParams) => Promise<MetricResult>;

async function runOnce(db: Db, m: MetricDef, p: Period, via?: Components, signal?: AbortSignal): Promise<Row[]> {
  if (m.parts) return runOverview(db, p, via, signal);
  const sql = sqlOf(m.name);
  const all = { from: p.from, to: p.to, orgs: p.org, type: p.type };
  // DuckDB refuses a bound name the statement does not use: bind only those the file names.
  const code = sql.replace(/--.*$/gm, '');
  const used = Object.fromEntries(Object.entries(all).filter(([k]) => new RegExp(`\\$${k}\\b`).test(code)));
  return db.metricQuery(sql, used, signal);
}

export interface RunOptions {
  /**
   * The request's deadline: when it aborts, the running query is interrupted and the answer
   * rejects with `signal.reason` (the months of a trend all run under the same signal).
   */
  signal?: AbortSignal;
}

/** Computes a metric on the metric lane of the database (Db.metricQuery). */
export async function runMetric(db: Db, name: string, params: MetricParams, via?: Components, opts: RunOptions = {}): Promise<MetricResult> {
  const m = metricDef(name);
  const { signal } = opts;
  if (params.grain !== 'month') return { metric: m.name, params, rows: await runOnce(db, m, params, via, signal) };
  // The trend: the same formula with `to` set to each month end inside the period, `from` kept.
  const rows: Row[] = [];
  for (const end of monthEnds(params.from, params.to)) {
    signal?.throwIfAborted();
    for (const r of await runOnce(db, m, { ...params, to: end }, via, signal)) rows.push({ month: end, ...r });
  }
  return { metric: m.name, params, rows };
}
