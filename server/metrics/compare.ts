/**
 * A metric for the period against another (issue #20): both answers from the metric cache, joined
 * row by row (shared/compare.ts). The API's comparison and the workbook's comparison sheets.
 */
import { compareRows, type ComparedRow, type Period } from '../../shared/compare.ts';
import type { MetricCache, MetricRequest } from './cache.ts';
import type { MetricDef, MetricParams } from './metrics.ts';

/** Times both periods are computed again when the data changed between them, at most. */
export const CONSISTENT_TRIES = 3;

/**
 * Both periods from one state of the data: a sync that commits a load between the two (its data
 * version moves on) has them computed again — the current period from the new data and the base
 * from the old gave a wrong change, nothing showing it (an outside review: 3 in 6 rounds during
 * a sync). A load commits after its batch is written, and the version moves on before any
 * query that could see it has answered, so the same version before and after means one state.
 */
export async function compareMetric(
  cache: Pick<MetricCache, 'rows' | 'dataVersion'>,
  def: MetricDef,
  params: MetricParams,
  base: Period,
  work: MetricRequest,
): Promise<ComparedRow[]> {
  for (let attempt = 1; ; attempt++) {
    const version = cache.dataVersion;
    const current = await cache.rows(def.name, params, work);
    // The base keeps the current `as_of` unless it names its own (two dates side by side).
    const old = await cache.rows(def.name, { ...params, from: base.from, to: base.to, ...(base.as_of ? { as_of: base.as_of } : {}) }, work);
    if (cache.dataVersion === version || attempt >= CONSISTENT_TRIES) return compareRows(def, current.rows, old.rows);
  }
}
