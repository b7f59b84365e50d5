/**
 * A metric for the period against another (issue #20): both answers from the metric cache, joined
 * row by row (shared/compare.ts). The API's comparison and the workbook's comparison sheets.
 */
import { compareRows, type ComparedRow, type Period } from '../../shared/compare.ts';
import type { MetricCache, MetricRequest } from './cache.ts';
import type { MetricDef, MetricParams } from './metrics.ts';

export async function compareMetric(cache: MetricCache, def: MetricDef, params: MetricParams, base: Period, work: MetricRequest): Promise<ComparedRow[]> {
  const current = await cache.rows(def.name, params, work);
  // The base keeps the current `as_of` unless it names its own (two dates side by side).
  const old = await cache.rows(def.name, { ...params, from: base.from, to: base.to, ...(base.as_of ? { as_of: base.as_of } : {}) }, work);
  return compareRows(def, current.rows, old.rows);
}
