/**
 * Active pairs by form (`pairs_by_form`) and by direction (`pairs_by_topic`) for the total
 * rows (the municipality, or the organizations selected), or for one organization's rows.
 * Forms add up to all pairs, so a form's tooltip gives its share of them; a pair with two
 * directions counts under both, so directions get counts only, with the number of pairs.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { PairsByFormRow, PairsByTopicRow } from '../api.ts';
import { formatInteger, formatOutOf, formatPercent } from '../format.ts';
import { categoryBarsSpec } from './templates/index.ts';

export interface PairsSpecOptions {
  /** Rows of one organization; default: the total rows (`org = null`). */
  org?: string | null;
}

function pick<Row extends { org: string | null; pairs: number }>(rows: readonly Row[], org: string | null): Row[] {
  return rows.filter((row) => row.org === org && row.pairs > 0).sort((a, b) => b.pairs - a.pairs);
}

/** All active pairs of the rows' total (forms add up to it). */
export function totalPairs(rows: readonly PairsByFormRow[], org: string | null = null): number {
  return rows.filter((row) => row.org === org).reduce((sum, row) => sum + row.pairs, 0);
}

export function pairsByFormSpec(rows: readonly PairsByFormRow[], options: PairsSpecOptions = {}): TopLevelSpec {
  const org = options.org ?? null;
  const all = totalPairs(rows, org);
  return categoryBarsSpec({
    bars: pick(rows, org).map((row) => ({
      label: row.form,
      value: row.pairs,
      valueText: formatInteger(row.pairs),
      tip: { title: row.form, 'Пар': formatOutOf(row.pairs, all), 'Доля пар': formatPercent(row.pairs / all) },
      aria: `${row.form}: ${formatOutOf(row.pairs, all)} пар`,
    })),
    percent: false,
    axisTitle: 'Пар',
    description: `Наставнические пары по формам наставничества, всего пар: ${formatInteger(all)}`,
    wrapAt: 30,
  });
}

export function pairsByTopicSpec(rows: readonly PairsByTopicRow[], options: PairsSpecOptions & { pairs?: number } = {}): TopLevelSpec {
  const org = options.org ?? null;
  const all = options.pairs;
  return categoryBarsSpec({
    bars: pick(rows, org).map((row) => ({
      label: row.topic,
      value: row.pairs,
      valueText: formatInteger(row.pairs),
      tip: {
        title: row.topic,
        'Пар': all ? formatOutOf(row.pairs, all) : formatInteger(row.pairs),
        ...(all ? { 'Доля пар': formatPercent(row.pairs / all) } : {}),
      },
      aria: `${row.topic}: ${formatInteger(row.pairs)} пар`,
    })),
    percent: false,
    axisTitle: 'Пар',
    description: 'Наставнические пары по направлениям (пара с двумя направлениями учтена в обоих)',
    labelLimit: 260,
    wrapAt: 26,
  });
}
