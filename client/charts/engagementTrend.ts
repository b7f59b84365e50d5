/**
 * Engagement by month (metric `engagement`, `grain=month`): the total row of every month end
 * as a line, so the coordinator sees how engagement built up over the year. Each point's
 * tooltip gives the counts behind the share.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { EngagementRow } from '../api.ts';
import { formatInteger, formatMonth, formatOutOf, formatPercent } from '../format.ts';
import { ARIA_ENCODING, frame, PRIMARY, TIP_ENCODING, type Titles } from './templates/index.ts';

export interface EngagementTrendOptions {
  titles: Titles;
  /** The line's name: the municipality, or the organizations selected. */
  totalLabel: string;
}

/** The total rows with a month and a share, in month order. */
export function trendRows(rows: readonly EngagementRow[]): Array<EngagementRow & { month: string }> {
  return rows
    .filter((row): row is EngagementRow & { month: string } => row.org === null && typeof row.month === 'string')
    .sort((a, b) => a.month.localeCompare(b.month));
}

export function engagementTrendSpec(rows: readonly EngagementRow[], options: EngagementTrendOptions): TopLevelSpec {
  const { titles } = options;
  const points = trendRows(rows).map((row) => {
    const month = formatMonth(row.month);
    const share = formatPercent(row.engagement_rate);
    return {
      // Vega parses "2024-09-30" as UTC midnight; the axis is in UTC too, so no zone shifts the month.
      month: row.month,
      rate: row.engagement_rate,
      tip: {
        title: `${options.totalLabel}, ${month}`,
        [titles('engagement_rate')]: `${share} (${formatOutOf(row.engaged, row.teachers)})`,
        [titles('mentors')]: formatInteger(row.mentors),
        [titles('mentees')]: formatInteger(row.mentees),
      },
      aria: `${month}: вовлечено ${share} (${formatOutOf(row.engaged, row.teachers)})`,
    };
  });
  const max = Math.max(0, ...points.map((point) => point.rate ?? 0));
  // A year of months has room for "сен"; more months get the year too.
  const format = points.length > 12 ? '%b %Y' : '%b';
  const x = {
    field: 'month',
    type: 'temporal' as const,
    timeUnit: 'utcyearmonth' as const,
    axis: {
      title: null,
      format,
      labelAngle: 0,
      labelOverlap: true as const,
      grid: false,
      tickCount: { interval: 'month' as const, step: points.length > 12 ? 3 : 1 },
      description: 'Месяцы периода',
    },
  };
  const y = {
    field: 'rate',
    type: 'quantitative' as const,
    scale: { domain: [0, Math.min(1, Math.max(0.05, max * 1.25))], nice: true },
    axis: { title: 'Доля вовлечённых педагогов', format: '.0%', tickCount: 5, description: 'Доля вовлечённых педагогов, %' },
  };
  return {
    ...frame(
      `${options.totalLabel}: доля вовлечённых в наставничество педагогов на конец каждого месяца`,
      240,
    ),
    data: { values: points },
    layer: [
      { name: 'line', mark: { type: 'line', color: PRIMARY, strokeWidth: 2.5, interpolate: 'monotone', aria: false }, encoding: { x, y } },
      {
        name: 'points',
        mark: { type: 'point', filled: true, size: 70, color: PRIMARY },
        encoding: { x, y, tooltip: TIP_ENCODING, description: ARIA_ENCODING },
      },
    ],
  };
}
