/**
 * The metric registry on the server: the declarations (shared/metrics.ts: names, titles,
 * parameters, columns) — the SQL of each is `queries/<name>.sql` (run.ts) — and how the API lists them.
 */
import { METRICS as DECLARED, ORG_COLUMNS, type MetricColumn, type MetricDecl } from '../../shared/metrics.ts';
import { notFound } from '../http/errors.ts';

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
