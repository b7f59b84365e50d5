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
 * Both periods from one state of the data: the current period from the new data and the base
 * from the old gave a wrong change during a sync, nothing showing it (an outside review). Both
 * live: computed with no data commit in between (Db.consistently); and should one have slipped
 * through all the same (a commit waits for consistent reads only so long), the data version
 * moved on and both are computed again. A past sync's data (`as_of`) does not change.
 */
export async function compareMetric(
  cache: Pick<MetricCache, 'rows' | 'dataVersion' | 'consistently'>,
  def: MetricDef,
  params: MetricParams,
  base: Period,
  work: MetricRequest,
): Promise<ComparedRow[]> {
  // The base keeps the current `as_of` unless it names its own (two dates side by side).
  const baseParams: MetricParams = { ...params, from: base.from, to: base.to, ...(base.as_of ? { as_of: base.as_of } : {}) };
  const both = async () => {
    for (let attempt = 1; ; attempt++) {
      const version = cache.dataVersion;
      const current = await cache.rows(def.name, params, work);
      const old = await cache.rows(def.name, baseParams, work);
      if (cache.dataVersion === version || attempt >= CONSISTENT_TRIES) return compareRows(def, current.rows, old.rows);
    }
  };
  return params.as_of || baseParams.as_of ? both() : cache.consistently(both);
}
