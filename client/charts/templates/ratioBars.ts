/** A share per organization (the organization bars of a ratio column), with its counts in the tooltip. */
import type { TopLevelSpec } from 'vega-lite';
import { formatOutOf, formatPercent } from '../../format.ts';
import { orgBarsSpec, type OrgBar } from './orgBars.ts';
import { UNKNOWN_TYPE, orgTip, type OrgLabels, type Tip, type Titles } from './theme.ts';

/** A metric row: the organization and its columns. */
export interface MetricRowLike {
  org: string | null;
  org_name: string | null;
  org_type: string | null;
}

type NumericKey<Row> = { [K in keyof Row]: Row[K] extends number | null ? K : never }[keyof Row] & string;

export interface RatioBarsOptions<Row extends MetricRowLike> {
  labels: OrgLabels;
  titles: Titles;
  /** The share (0…1) and the counts behind it ("11 из 56"). */
  ratio: NumericKey<Row>;
  numerator: NumericKey<Row>;
  denominator: NumericKey<Row>;
  /** More tooltip lines after the share. */
  extraTip?: (row: Row) => Tip;
  /** How the total row is named: the whole municipality, or only the organizations selected. */
  totalLabel: string;
  axisTitle: string;
  description: string;
  order?: 'desc' | 'asc';
  colorByType?: boolean;
  /** Only the first `limit` bars (after sorting); organizations without a value are left out then. */
  limit?: number;
  /** Organizations to show (default: all): e.g. only those with active programs. */
  include?: (row: Row) => boolean;
}

function num(row: object, key: string): number | null {
  const value = (row as Record<string, unknown>)[key];
  return typeof value === 'number' ? value : null;
}

/**
 * The `limit` items with a value, highest first (`desc`) or lowest first (`asc`), ties by code: the
 * bars a limited chart draws, and the list of the same organizations beside it (overview.ts).
 */
export function topByValue<T>(items: readonly T[], value: (item: T) => number | null, code: (item: T) => string, order: 'asc' | 'desc', limit: number): T[] {
  const direction = order === 'desc' ? -1 : 1;
  return items
    .filter((item) => value(item) !== null)
    .sort((a, b) => direction * ((value(a) ?? 0) - (value(b) ?? 0)) || code(a).localeCompare(code(b), 'ru', { numeric: true }))
    .slice(0, limit);
}

/** One bar per organization for a share with the counts behind it, and the total's rule. */
export function ratioBarsSpec<Row extends MetricRowLike>(rows: readonly Row[], options: RatioBarsOptions<Row>): TopLevelSpec {
  const { labels, titles } = options;
  const lines = (row: Row): Tip => ({
    [titles(options.ratio)]: `${formatPercent(num(row, options.ratio))} (${formatOutOf(num(row, options.numerator), num(row, options.denominator))})`,
    ...(options.extraTip ? options.extraTip(row) : {}),
  });
  let bars: OrgBar[] = rows
    .filter((row): row is Row & { org: string } => row.org !== null && (options.include ? options.include(row) : true))
    .map((row) => {
      const name = row.org_name ?? row.org;
      const value = num(row, options.ratio);
      const share = formatPercent(value);
      return {
        code: row.org,
        label: labels.label(row.org),
        type: row.org_type ?? UNKNOWN_TYPE,
        value,
        valueText: share,
        tip: orgTip(labels, row.org, name, { Тип: row.org_type ?? UNKNOWN_TYPE, ...lines(row) }),
        aria: `${name}: ${share} (${formatOutOf(num(row, options.numerator), num(row, options.denominator))})`,
      };
    });
  const order = options.order ?? 'desc';
  if (options.limit !== undefined) bars = topByValue(bars, (bar) => bar.value, (bar) => bar.code, order, options.limit);
  const totalRow = rows.find((row) => row.org === null);
  const totalValue = totalRow ? num(totalRow, options.ratio) : null;
  const total =
    totalRow && totalValue !== null
      ? {
          value: totalValue,
          text: `${options.totalLabel}: ${formatPercent(totalValue)}`,
          tip: { title: options.totalLabel, ...lines(totalRow) },
          aria: `${options.totalLabel}: ${formatPercent(totalValue)} (${formatOutOf(num(totalRow, options.numerator), num(totalRow, options.denominator))})`,
        }
      : null;
  return orgBarsSpec({
    bars,
    total,
    axisTitle: options.axisTitle,
    percent: true,
    order,
    colorByType: options.colorByType ?? true,
    description: total ? `${options.description}; ${options.totalLabel.toLowerCase()}: ${formatPercent(totalValue)}` : options.description,
  });
}
