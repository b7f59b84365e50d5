/**
 * The metric registry: each metric of METRICS.md is a SQL file in `queries/` (the file name is
 * the metric's name) plus its Russian title, description and columns. Parameters are validated
 * here with zod and bound by name; no SQL is ever built from user input.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ORG_TYPES, enumMatcher } from './contract/index.ts';
import type { Db, Row } from './db.ts';
import { badRequest, notFound } from './errors.ts';
import { academicYear, isoDay, monthEnds } from './period.ts';

export type Unit = 'чел.' | 'доля' | 'ч' | 'п.п.' | 'шт.' | 'текст';

export interface MetricColumn {
  name: string;
  title: string;
  unit: Unit;
}

export interface MetricDef {
  name: string;
  title: string;
  description: string;
  /** The order item the metric reports on, for the UI. */
  orderItem: string;
  /** Columns that identify a row besides the organization (e.g. `form`). */
  keys: MetricColumn[];
  columns: MetricColumn[];
  params: readonly ('from' | 'to' | 'org' | 'type' | 'grain')[];
}

const ORG_COLUMNS: MetricColumn[] = [
  { name: 'org', title: 'Код организации', unit: 'текст' },
  { name: 'org_name', title: 'Организация', unit: 'текст' },
  { name: 'org_type', title: 'Тип', unit: 'текст' },
];

const COMMON_PARAMS = ['from', 'to', 'org', 'type', 'grain'] as const;

export const METRICS: readonly MetricDef[] = [
  {
    name: 'engagement',
    title: 'Вовлечённость педагогов в наставничество',
    description:
      'Доля педагогов, работающих на конец периода, которые были наставниками или наставляемыми хотя бы в одной паре, действовавшей в периоде.',
    orderItem: '2.4',
    keys: [],
    columns: [
      { name: 'teachers', title: 'Педагогов на конец периода', unit: 'чел.' },
      { name: 'mentors', title: 'Наставников', unit: 'чел.' },
      { name: 'mentees', title: 'Наставляемых', unit: 'чел.' },
      { name: 'engaged', title: 'Вовлечено (без повторов)', unit: 'чел.' },
      { name: 'engagement_rate', title: 'Доля вовлечённых', unit: 'доля' },
    ],
    params: COMMON_PARAMS,
  },
];

export function metricDef(name: string): MetricDef {
  const m = METRICS.find((x) => x.name === name);
  if (!m) throw notFound(`показатель «${name}» не найден; доступны: ${METRICS.map((x) => x.name).join(', ')}`);
  return m;
}

export function allColumns(m: MetricDef): MetricColumn[] {
  return [...ORG_COLUMNS, ...m.keys, ...m.columns];
}

const sqlCache = new Map<string, string>();
function sqlOf(name: string): string {
  let sql = sqlCache.get(name);
  if (sql === undefined) {
    sql = readFileSync(new URL(`../queries/${name}.sql`, import.meta.url), 'utf8');
    sqlCache.set(name, sql);
  }
  return sql;
}

// ---- parameters ------------------------------------------------------------------------

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'ожидается дата в виде ГГГГ-ММ-ДД')
  .refine((s) => {
    const [y, m, d] = s.split('-').map(Number) as [number, number, number];
    const dt = new Date(Date.UTC(y, m - 1, d));
    return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
  }, 'такой даты нет в календаре');

const matchType = enumMatcher(ORG_TYPES);
const one = (v: unknown) => (Array.isArray(v) ? v[v.length - 1] : v);

const paramsSchema = z.object({
  from: z.preprocess(one, isoDate.optional()),
  to: z.preprocess(one, isoDate.optional()),
  org: z.preprocess(
    (v) => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter(Boolean)),
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
  return { from, to, org: res.data.org, type: res.data.type, grain: res.data.grain === 'month' ? 'month' : null };
}

// ---- running ---------------------------------------------------------------------------

export interface MetricResult {
  metric: string;
  params: MetricParams;
  rows: Row[];
}

async function runOnce(db: Db, m: MetricDef, p: { from: string; to: string; org: string[]; type: string | null }): Promise<Row[]> {
  return db.query(sqlOf(m.name), { from: p.from, to: p.to, orgs: p.org, type: p.type });
}

export async function runMetric(db: Db, name: string, params: MetricParams): Promise<MetricResult> {
  const m = metricDef(name);
  if (params.grain !== 'month') return { metric: m.name, params, rows: await runOnce(db, m, params) };
  // The trend: the same formula with `to` set to each month end inside the period, `from` kept.
  const rows: Row[] = [];
  for (const end of monthEnds(params.from, params.to)) {
    for (const r of await runOnce(db, m, { ...params, to: end })) rows.push({ month: end, ...r });
  }
  return { metric: m.name, params, rows };
}
