/**
 * An indicator by month (`grain=month`: the same formula with the period's end at each month
 * end, docs/spec/METRICS.md «Trends»): the total row of every month end as a line, so the
 * coordinator sees how the value built up over the year. Each point's tooltip gives the counts
 * behind the share. The overview draws engagement so; every metric page its own indicators
 * (client/trend.ts).
 */
import type { TopLevelSpec } from 'vega-lite';
import type { EngagementRow, OrgRow } from '../api.ts';
import { formatInteger, formatMonth, formatOutOf, formatPercent } from '../format.ts';
import { ARIA_ENCODING, frame, PRIMARY, TIP_ENCODING, type Tip, type Titles } from './templates/index.ts';

/** The total rows with a month, in month order. */
export function trendRows<Row extends OrgRow>(rows: readonly Row[]): Array<Row & { month: string }> {
  return rows
    .filter((row): row is Row & { month: string } => row.org === null && typeof row.month === 'string')
    .sort((a, b) => a.month.localeCompare(b.month));
}

/** A share by month: which columns of the metric's total row make it. */
export interface MonthlyShare {
  /** The share (a ratio column), drawn as the line. */
  rate: string;
  /** The counts it is made of: `part` of `whole`. */
  part: string;
  whole: string;
}

export interface MonthlyShareOptions {
  titles: Titles;
  /** The line's name: the municipality, or the organizations selected. */
  totalLabel: string;
  /** The y axis: what the share is of. */
  axisTitle: string;
  /** What the chart shows, for a screen reader (after the line's name). */
  description: string;
  /** More lines of a point's tooltip (the overview's engagement: mentors and mentees). */
  moreTip?: (row: Record<string, unknown>) => Tip;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function monthlyShareSpec(rows: readonly OrgRow[], share: MonthlyShare, options: MonthlyShareOptions): TopLevelSpec {
  const { titles } = options;
  const points = trendRows(rows).map((row) => {
    const r = row as unknown as Record<string, unknown>;
    const month = formatMonth(row.month);
    const rate = num(r[share.rate]);
    const text = `${formatPercent(rate)} (${formatOutOf(num(r[share.part]) ?? 0, num(r[share.whole]) ?? 0)})`;
    return {
      // Vega parses "2024-09-30" as UTC midnight; the axis is in UTC too, so no zone shifts the month.
      month: row.month,
      rate,
      tip: { title: `${options.totalLabel}, ${month}`, [titles(share.rate)]: text, ...(options.moreTip?.(r) ?? {}) },
      aria: `${month}: ${titles(share.rate).toLowerCase()} ${text}`,
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
    axis: { title: options.axisTitle, format: '.0%', tickCount: 5, description: `${options.axisTitle}, %` },
  };
  return {
    ...frame(`${options.totalLabel}: ${options.description}`, 240),
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

export interface EngagementTrendOptions {
  titles: Titles;
  /** The line's name: the municipality, or the organizations selected. */
  totalLabel: string;
}

/** The overview's engagement by month: the share of teachers engaged, with mentors and mentees in each point's tooltip. */
export function engagementTrendSpec(rows: readonly EngagementRow[], options: EngagementTrendOptions): TopLevelSpec {
  const { titles } = options;
  return monthlyShareSpec(
    rows,
    { rate: 'engagement_rate', part: 'engaged', whole: 'teachers' },
    {
      ...options,
      axisTitle: 'Доля вовлечённых педагогов',
      description: 'доля вовлечённых в наставничество педагогов на конец каждого месяца',
      moreTip: (r) => ({ [titles('mentors')]: formatInteger(num(r.mentors)), [titles('mentees')]: formatInteger(num(r.mentees)) }),
    },
  );
}
