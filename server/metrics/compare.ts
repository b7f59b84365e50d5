/**
 * A metric for the period against another (issue #20): both answers from the metric cache, joined
 * row by row (shared/compare.ts). The API's comparison and the workbook's comparison sheets.
 */
import { compareRows, type ComparedRow, type Period } from '../../shared/compare.ts';
import type { MetricCache, MetricRequest } from './cache.ts';
import type { MetricDef, MetricParams } from './metrics.ts';

/** Times the reads are done again when the data changed during them, at most. */
const CONSISTENT_TRIES = 3;

/**
 * Reads that must all be of one state of the data (a comparison's two periods, a workbook's
 * sheets): the current period from the new data and the base from the old gave a wrong change
 * during a sync, nothing showing it (an outside review). Live data (`live`): read with no data
 * commit in between (Db.consistently); and should one have slipped through all the same (a
 * commit waits for consistent reads only so long), the data version moved on and everything is
 * read again. A past sync's data (`as_of`) does not change.
 */
export async function inOneState<T>(cache: Pick<MetricCache, 'dataVersion' | 'consistently'>, live: boolean, read: () => Promise<T>): Promise<T> {
  const attempt = async () => {
    for (let n = 1; ; n++) {
      const version = cache.dataVersion;
      const out = await read();
      if (cache.dataVersion === version || n >= CONSISTENT_TRIES) return out;
    }
  };
  return live ? cache.consistently(attempt) : attempt();
}

/** The parameters of a comparison's base: its period, and the current `as_of` unless it names its own (two dates side by side). */
const baseParamsOf = (params: MetricParams, base: Period): MetricParams => ({ ...params, from: base.from, to: base.to, ...(base.as_of ? { as_of: base.as_of } : {}) });

/** Both periods, joined row by row — read as they stand (inside a read of one state: `inOneState`). */
export async function comparePeriods(cache: Pick<MetricCache, 'rows'>, def: MetricDef, params: MetricParams, base: Period, work: MetricRequest): Promise<ComparedRow[]> {
  const current = await cache.rows(def.name, params, work);
  const old = await cache.rows(def.name, baseParamsOf(params, base), work);
  return compareRows(def, current.rows, old.rows);
}

/** The metric for the period against another, both of one state of the data. */
export function compareMetric(
  cache: Pick<MetricCache, 'rows' | 'dataVersion' | 'consistently'>,
  def: MetricDef,
  params: MetricParams,
  base: Period,
  work: MetricRequest,
): Promise<ComparedRow[]> {
  return inOneState(cache, !params.as_of && !baseParamsOf(params, base).as_of, () => comparePeriods(cache, def, params, base, work));
}
