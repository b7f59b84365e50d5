/**
 * Running a metric: its SQL (`queries/<name>.sql`) with the parameters bound by name — no SQL is
 * ever built from user input — once, or once per month end for a trend (`grain=month`).
 */
import type { Db, Row } from '../db/db.ts';
import { sqlOf } from '../db/queries.ts';
import { runOverview } from './overview.ts';
import type { MetricParams } from './parameters.ts';
import { monthEnds } from './period.ts';
import { metricDef, type MetricDef } from './registry.ts';

export interface MetricResult {
  metric: string;
  params: MetricParams;
  rows: Row[];
}

export type Period = { from: string; to: string; org: string[]; type: string | null; as_of?: MetricParams['as_of']; region?: true };

export type Components = (name: string, params: MetricParams) => Promise<MetricResult>;

export async function runOnce(db: Db, m: MetricDef, p: Period, via?: Components, signal?: AbortSignal, catalog?: string): Promise<Row[]> {
  if (m.parts) return runOverview(db, p, via, signal, catalog);
  const sql = sqlOf(m.name);
  const all = { from: p.from, to: p.to, orgs: p.org, type: p.type, region: p.region === true };
  // DuckDB refuses a bound name the statement does not use: bind only those the file names.
  const code = sql.replace(/--.*$/gm, '');
  const used = Object.fromEntries(Object.entries(all).filter(([k]) => new RegExp(`\\$${k}\\b`).test(code)));
  return db.metricQuery(sql, used, signal, catalog);
}

export interface RunOptions {
  /**
   * The request's deadline: when it aborts, the running query is interrupted and the answer
   * rejects with `signal.reason` (the months of a trend all run under the same signal).
   */
  signal?: AbortSignal;
  /** The catalog of a snapshot (db/snapshot.ts) the SQL reads instead of the live tables. */
  catalog?: string;
}

/** Computes a metric on the metric lane of the database (Db.metricQuery). */
export async function runMetric(db: Db, name: string, params: MetricParams, via?: Components, opts: RunOptions = {}): Promise<MetricResult> {
  const m = metricDef(name);
  const { signal, catalog } = opts;
  if (params.grain !== 'month') return { metric: m.name, params, rows: await runOnce(db, m, params, via, signal, catalog) };
  // The trend: the same formula with `to` set to each month end inside the period, `from` kept.
  const rows: Row[] = [];
  for (const end of monthEnds(params.from, params.to)) {
    signal?.throwIfAborted();
    for (const r of await runOnce(db, m, { ...params, to: end }, via, signal, catalog)) rows.push({ month: end, ...r });
  }
  return { metric: m.name, params, rows };
}
