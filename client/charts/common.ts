/**
 * What the chart builders share: the look (fonts, axes, colors), the organization bar chart
 * most pages use, and tooltips. Every text a chart prints is formatted with `format.ts`
 * before it goes into the spec, so the chart and the table print exactly the same "42,5 %"
 * (d3 would turn a `null` ratio into "0,0 %").
 *
 * Tooltips are objects (`tip`): vega-tooltip shows `title` as the heading and every other
 * key as a line, in order, with its text escaped.
 */
import type { TopLevelSpec } from 'vega-lite';
import { formatOutOf, formatPercent } from '../format.ts';

const formatShare = formatPercent;
const countsText = formatOutOf;

/** The layers of a layered vega-lite spec, typed so that a misspelt property fails the type check. */
export type LayerList = Extract<TopLevelSpec, { layer: unknown }>['layer'];
export type LayerSpec = LayerList[number];
export type UnitEncoding = NonNullable<Extract<LayerSpec, { mark: unknown }>['encoding']>;
export type Config = NonNullable<TopLevelSpec['config']>;

/** A tooltip: `title` is the heading, the other keys are lines ("Вовлечено": "11 из 56"). */
export type Tip = Record<string, string>;

export const FONT = 'system-ui, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif';
export const INK = '#1f2933';
export const MUTED_INK = '#4b5563';
export const GRID = '#e5e7eb';
export const TOTAL_COLOR = '#1f2933';

/**
 * Colors from the Okabe–Ito palette, told apart with any kind of color blindness. Registry
 * types (docs/spec/CONTRACT.md) keep their color whatever the filter.
 */
export const TYPE_COLORS: ReadonlyArray<readonly [type: string, color: string]> = [
  ['Школа', '#3566a8'],
  ['Детский сад', '#e0892b'],
  ['Дополнительное образование', '#3f9455'],
  ['Другое', '#8c7bb5'],
];
export const UNKNOWN_TYPE = 'Тип не указан';
const UNKNOWN_TYPE_COLOR = '#9aa0a6';

/** A single measure without a category. */
export const PRIMARY = '#3566a8';
/** The second measure of a pair (mentees next to mentors, the end next to the start). */
export const SECONDARY = '#e0892b';
/** At or above the municipal value / below it (Okabe–Ito bluish green and vermillion). */
export const ABOVE = '#009e73';
export const BELOW = '#d55e00';

/** Pixels per organization in a bar chart. */
export const BAR_STEP = 26;

export function baseConfig(): Config {
  return {
    font: FONT,
    view: { stroke: null },
    axis: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'normal', titleColor: MUTED_INK, labelColor: INK },
    axisY: { domain: false, ticks: false, labelPadding: 6 },
    axisX: { grid: true, gridColor: GRID, domain: false },
    legend: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'normal', symbolType: 'square', labelLimit: 320 },
    // Marks describe themselves to screen readers through `description`; the rest stays quiet.
    text: { aria: false },
  };
}

/** The frame every chart shares: the container's width, padding, Russian description. */
export interface Frame {
  $schema: string;
  description: string;
  width: 'container';
  height: number;
  autosize: { type: 'fit-x'; contains: 'padding' };
  padding: { left: number; right: number; top: number; bottom: number };
  config: Config;
}

export function frame(description: string, height: number): Frame {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description,
    width: 'container',
    // A fixed height rather than `{ step }`: vega-lite warns about "fit-y" for a step height with `fit-x`.
    height,
    autosize: { type: 'fit-x', contains: 'padding' },
    padding: { left: 4, right: 16, top: 8, bottom: 4 },
    config: baseConfig(),
  };
}

/**
 * A legend above the plot: one line when the container has room for all `labels`, else one
 * entry per line (symbol legends do not wrap by themselves). The container's width decides,
 * not the plot's: the plot's width depends on the legend, and a legend that changed its rows
 * after the layout would be cut off at the top.
 */
export function topLegend(title: string | null, description: string, labels: readonly string[], axisWidth = 80) {
  // About 7.2 px per character of 12 px text, plus the symbol and the gap; the legend starts
  // where the plot does, after the y axis' labels (`axisWidth`). Its title goes above the entries.
  const oneLine = Math.round(labels.reduce((sum, label) => sum + label.length * 7.2 + 26, 0) + axisWidth);
  return {
    title,
    description,
    orient: 'top' as const,
    direction: 'horizontal' as const,
    columns: { expr: `containerSize()[0] < ${oneLine} ? 1 : 0` },
  };
}

/** Color scale for organization types: known types in the registry's order, others grey. */
export function typeColorScale(types: Iterable<string>): { domain: string[]; range: string[] } {
  const present = new Set(types);
  const known = TYPE_COLORS.filter(([type]) => present.delete(type));
  const others = [...present].sort((a, b) => a.localeCompare(b, 'ru'));
  return {
    domain: [...known.map(([type]) => type), ...others],
    range: [...known.map(([, color]) => color), ...others.map(() => UNKNOWN_TYPE_COLOR)],
  };
}

/** Tooltip of a mark: the object in the datum's `tip` field. */
export const TIP_ENCODING = { field: 'tip', type: 'nominal' } as const;
/** What a screen reader says for a mark: the datum's `aria` field. */
export const ARIA_ENCODING = { field: 'aria', type: 'nominal' } as const;

/**
 * The counts written inside the pieces of a horizontal stacked bar (fields `count`,
 * `countText`, `ink`), each shown only where its piece is wide enough for it; `max` is the
 * longest bar's total, which the x scale spans.
 */
export function stackedCountLabels(max: number): LayerSpec {
  return {
    name: 'bar_labels',
    mark: { type: 'text', dx: -3, align: 'right', baseline: 'middle', fontSize: 11, aria: false },
    encoding: {
      x: { field: 'count', type: 'quantitative', stack: 'zero', bandPosition: 1 },
      text: { field: 'countText', type: 'nominal' },
      color: { field: 'ink', type: 'nominal', scale: null },
      opacity: { condition: { test: `datum.count * width / ${max} >= 18`, value: 1 }, value: 0 },
      tooltip: TIP_ENCODING,
    },
  } as LayerSpec;
}

// ------------------------------------------------------------------ organizations

/** What a chart needs to know about organizations besides the rows (`OrgDirectory` is one). */
export interface OrgLabels {
  /** Axis label: the code, with ⚠ when the data is stale. */
  label(code: string): string;
  /** Why the organization's numbers may be out of date, or null. */
  staleNote(code: string | null): string | null;
}

/** Column titles of a metric, from `/api/metrics` (`MetricCatalog`). */
export type Titles = (column: string) => string;

/** The tooltip of an organization: its name as the heading, a stale warning first when there is one. */
export function orgTip(labels: OrgLabels, code: string | null, name: string, lines: Tip): Tip {
  const note = labels.staleNote(code);
  return { title: name, ...(note ? { '⚠ Внимание': note } : {}), ...lines };
}

// ------------------------------------------------------------------ organization bars

export interface OrgBar {
  /** Organization code: the key of the bar. */
  code: string;
  /** The axis label: the code, with ⚠ when the organization's data is stale. */
  label: string;
  /** Organization type, for the color. */
  type: string;
  value: number | null;
  /** The label printed at the end of the bar ("42,5 %", "—"). */
  valueText: string;
  tip: Tip;
  aria: string;
}

export interface OrgBarsTotal {
  value: number;
  /** The label above the plot, "По муниципалитету: 17,0 %". */
  text: string;
  tip: Tip;
  aria: string;
}

export interface OrgBarsOptions {
  bars: readonly OrgBar[];
  total: OrgBarsTotal | null;
  /** Title of the value axis. */
  axisTitle: string;
  /** Shares 0…1 on a fixed 0–100 % axis; otherwise counts or hours from 0 to the largest value. */
  percent: boolean;
  /** Highest first (`desc`), lowest first (`asc`), or as given. Bars without a value go last. */
  order: 'desc' | 'asc' | 'given';
  /** Color by organization type (with a legend), or one color. */
  colorByType: boolean;
  description: string;
}

function compareBars(direction: 1 | -1) {
  return (a: OrgBar, b: OrgBar): number => {
    if (a.value === null || b.value === null) {
      if (a.value !== b.value) return a.value === null ? 1 : -1;
    } else if (a.value !== b.value) {
      return direction * (a.value - b.value);
    }
    return a.code.localeCompare(b.code, 'ru', { numeric: true });
  };
}

/**
 * One horizontal bar per organization, its value at the bar's end, and a dashed rule at the
 * total (the municipality, or the organizations selected) labelled above the plot.
 * Layer names (`bars`, `bar_labels`, `total_rule`, `total_label`) are the classes of the SVG
 * groups the browser tests look for.
 */
export function orgBarsSpec(options: OrgBarsOptions): TopLevelSpec {
  const sorted =
    options.order === 'given' ? [...options.bars] : [...options.bars].sort(compareBars(options.order === 'desc' ? -1 : 1));
  const max = Math.max(0, ...sorted.map((bar) => bar.value ?? 0), options.total?.value ?? 0);
  const domainMax = options.percent ? 1 : max > 0 ? max : 1;
  // A label that would run past the right edge goes inside its bar, in white.
  const insideFrom = domainMax * 0.84;
  const data = sorted.map((bar) => ({
    ...bar,
    // Where the value label sits: at the bar's end, or at 0 when there is no bar.
    labelPosition: bar.value ?? 0,
    inside: bar.value !== null && bar.value >= insideFrom,
  }));

  const y: UnitEncoding['y'] = {
    field: 'label',
    type: 'nominal',
    // The order is decided here (nulls last), not by vega's sort, which cannot place nulls.
    sort: data.map((bar) => bar.label),
    // vega describes axes and legends to screen readers in English unless told otherwise.
    axis: { title: null, labelLimit: 160, description: 'Организации (коды)' },
  };
  const xAxis = {
    title: options.axisTitle,
    format: options.percent ? '.0%' : '~s',
    tickCount: 5,
    description: options.percent ? `${options.axisTitle}, от 0 до 100 %` : options.axisTitle,
  };
  const typeScale = typeColorScale(data.map((bar) => bar.type));
  const color: UnitEncoding['color'] = options.colorByType
    ? {
        field: 'type',
        type: 'nominal',
        scale: typeScale,
        legend: topLegend('Тип организации', 'Цвет столбца обозначает тип организации', typeScale.domain),
      }
    : { value: PRIMARY };

  const layers: LayerList = [
    {
      name: 'bars',
      data: { values: data },
      mark: { type: 'bar', cornerRadiusEnd: 2, height: { band: 0.75 } },
      encoding: {
        y,
        // One bar per organization: nothing to stack (stacking would also wrap each bar in a group).
        x: { field: 'value', type: 'quantitative', scale: { domain: [0, domainMax], nice: !options.percent }, axis: xAxis, stack: null },
        color,
        tooltip: TIP_ENCODING,
        description: ARIA_ENCODING,
      },
    },
    {
      name: 'bar_labels',
      data: { values: data.filter((bar) => !bar.inside) },
      mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4, fontSize: 11, fill: '#374151', aria: false },
      encoding: { y, x: { field: 'labelPosition', type: 'quantitative' }, text: { field: 'valueText', type: 'nominal' }, tooltip: TIP_ENCODING },
    },
    {
      name: 'bar_labels_inside',
      data: { values: data.filter((bar) => bar.inside) },
      mark: { type: 'text', align: 'right', baseline: 'middle', dx: -4, fontSize: 11, fill: '#ffffff', fontWeight: 'bold', aria: false },
      encoding: { y, x: { field: 'labelPosition', type: 'quantitative' }, text: { field: 'valueText', type: 'nominal' }, tooltip: TIP_ENCODING },
    },
  ];

  const total = options.total;
  if (total) {
    // vega cannot measure text in an expression: a generous 7 px per character of bold 11 px text.
    const labelWidth = total.text.length * 7;
    // The rule goes under the bars and their labels (they stay readable where it crosses
    // them); its own label goes on top, above the plot, so it never covers a bar.
    layers.unshift({
      name: 'total_rule',
      data: { values: [{ value: total.value, tip: total.tip, aria: total.aria }] },
      mark: { type: 'rule', color: TOTAL_COLOR, strokeWidth: 2, strokeDash: [6, 4] },
      encoding: { x: { field: 'value', type: 'quantitative' }, tooltip: TIP_ENCODING, description: ARIA_ENCODING },
    });
    layers.push({
      name: 'total_label',
      data: { values: [{}] },
      // It starts at the rule, moved left only as far as needed to stay inside a narrow chart.
      mark: { type: 'text', align: 'left', baseline: 'bottom', dy: -4, fontWeight: 'bold', color: TOTAL_COLOR, aria: false },
      encoding: {
        x: { value: { expr: `max(0, min(scale('x', ${total.value}) + 4, width - ${labelWidth}))` } },
        y: { value: 0 },
        text: { value: total.text },
      },
    });
  }

  return {
    ...frame(options.description, Math.max(data.length, 1) * BAR_STEP),
    layer: layers,
  };
}

// ------------------------------------------------------------------ a share per organization

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

/** One bar per organization for a share with the counts behind it, and the total's rule. */
export function ratioBarsSpec<Row extends MetricRowLike>(rows: readonly Row[], options: RatioBarsOptions<Row>): TopLevelSpec {
  const { labels, titles } = options;
  const lines = (row: Row): Tip => ({
    [titles(options.ratio)]: `${formatShare(num(row, options.ratio))} (${countsText(num(row, options.numerator), num(row, options.denominator))})`,
    ...(options.extraTip ? options.extraTip(row) : {}),
  });
  let bars: OrgBar[] = rows
    .filter((row): row is Row & { org: string } => row.org !== null && (options.include ? options.include(row) : true))
    .map((row) => {
      const name = row.org_name ?? row.org;
      const value = num(row, options.ratio);
      const share = formatShare(value);
      return {
        code: row.org,
        label: labels.label(row.org),
        type: row.org_type ?? UNKNOWN_TYPE,
        value,
        valueText: share,
        tip: orgTip(labels, row.org, name, { Тип: row.org_type ?? UNKNOWN_TYPE, ...lines(row) }),
        aria: `${name}: ${share} (${countsText(num(row, options.numerator), num(row, options.denominator))})`,
      };
    });
  const order = options.order ?? 'desc';
  if (options.limit !== undefined) {
    const direction = order === 'desc' ? -1 : 1;
    bars = bars
      .filter((bar) => bar.value !== null)
      .sort((a, b) => direction * ((a.value ?? 0) - (b.value ?? 0)) || a.code.localeCompare(b.code, 'ru', { numeric: true }))
      .slice(0, options.limit);
  }
  const totalRow = rows.find((row) => row.org === null);
  const totalValue = totalRow ? num(totalRow, options.ratio) : null;
  const total =
    totalRow && totalValue !== null
      ? {
          value: totalValue,
          text: `${options.totalLabel}: ${formatShare(totalValue)}`,
          tip: { title: options.totalLabel, ...lines(totalRow) },
          aria: `${options.totalLabel}: ${formatShare(totalValue)} (${countsText(num(totalRow, options.numerator), num(totalRow, options.denominator))})`,
        }
      : null;
  return orgBarsSpec({
    bars,
    total,
    axisTitle: options.axisTitle,
    percent: true,
    order,
    colorByType: options.colorByType ?? true,
    description: total ? `${options.description}; ${options.totalLabel.toLowerCase()}: ${formatShare(totalValue)}` : options.description,
  });
}

// ------------------------------------------------------------------ two or more measures per organization

/** Axis ticks: percents, or whole numbers (no "0,5 пары"). */
function countAxis(percent: boolean) {
  return percent ? { format: '.0%', tickCount: 5 } : { format: 'd', tickMinStep: 1, tickCount: 6 };
}

export interface Series {
  /** Key of the measure in the data. */
  key: string;
  /** Its name in the legend. */
  title: string;
  color: string;
}

export interface GroupedValue {
  code: string;
  series: string;
  value: number | null;
  valueText: string;
  tip: Tip;
  aria: string;
}

export interface GroupedOrgBarsOptions {
  /** Organizations in the order shown, top to bottom. */
  orgs: ReadonlyArray<{ code: string; label: string }>;
  series: readonly Series[];
  values: readonly GroupedValue[];
  percent: boolean;
  axisTitle: string;
  description: string;
}

/** Per organization, one bar per measure side by side (mentors and mentees, coverage and retention). */
export function groupedOrgBarsSpec(options: GroupedOrgBarsOptions): TopLevelSpec {
  const labelOf = new Map(options.orgs.map((org) => [org.code, org.label]));
  const titleOf = new Map(options.series.map((series) => [series.key, series.title]));
  const data = options.values.map((value) => ({
    ...value,
    label: labelOf.get(value.code) ?? value.code,
    seriesTitle: titleOf.get(value.series) ?? value.series,
    labelPosition: value.value ?? 0,
  }));
  const max = Math.max(0, ...data.map((datum) => datum.value ?? 0));
  const domainMax = options.percent ? 1 : max > 0 ? max : 1;
  const seriesOrder = options.series.map((series) => series.title);
  const y: UnitEncoding['y'] = {
    field: 'label',
    type: 'nominal',
    sort: options.orgs.map((org) => org.label),
    axis: { title: null, labelLimit: 160, description: 'Организации (коды)' },
  };
  const yOffset: UnitEncoding['yOffset'] = { field: 'seriesTitle', type: 'nominal', sort: seriesOrder, scale: { paddingInner: 0.05 } };
  const layers: LayerList = [
    {
      name: 'bars',
      mark: { type: 'bar', cornerRadiusEnd: 2 },
      encoding: {
        y,
        yOffset,
        x: {
          field: 'value',
          type: 'quantitative',
          stack: null,
          scale: { domain: [0, domainMax], nice: !options.percent },
          axis: { title: options.axisTitle, ...countAxis(options.percent), description: options.axisTitle },
        },
        color: {
          field: 'seriesTitle',
          type: 'nominal',
          scale: { domain: seriesOrder, range: options.series.map((series) => series.color) },
          legend: topLegend(null, 'Цвет столбца обозначает показатель', seriesOrder),
        },
        tooltip: TIP_ENCODING,
        description: ARIA_ENCODING,
      },
    },
    {
      name: 'bar_labels',
      mark: { type: 'text', align: 'left', baseline: 'middle', dx: 3, fontSize: 10, fill: '#374151', aria: false },
      encoding: { y, yOffset, x: { field: 'labelPosition', type: 'quantitative' }, text: { field: 'valueText', type: 'nominal' }, tooltip: TIP_ENCODING },
    },
  ];
  return {
    ...frame(options.description, Math.max(options.orgs.length, 1) * BAR_STEP * 1.35),
    data: { values: data },
    layer: layers,
  };
}

// ------------------------------------------------------------------ categories (forms, directions, items)

/** Splits `text` into lines of at most `width` characters, at spaces. */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * An axis `labelExpr` that prints long labels on two or more lines ("Психолого-педагогическое
 * сопровождение" would otherwise end in "…"). Labels are data: they go in as JSON strings.
 */
export function wrappedLabelsExpr(labels: readonly string[], width: number): string | undefined {
  const long = labels.filter((label) => label.length > width);
  if (long.length === 0) return undefined;
  return long.reduceRight(
    (otherwise, label) => `datum.value === ${JSON.stringify(label)} ? ${JSON.stringify(wrapText(label, width))} : ${otherwise}`,
    'datum.value',
  );
}

export interface CategoryBar {
  label: string;
  value: number | null;
  valueText: string;
  tip: Tip;
  aria: string;
  /** Optional color per bar (otherwise the primary color). */
  color?: string;
}

export interface CategoryBarsOptions {
  bars: readonly CategoryBar[];
  percent: boolean;
  axisTitle: string;
  description: string;
  /** Longest category label in pixels before it is cut with "…". */
  labelLimit?: number;
  /** Labels longer than this many characters go on several lines. */
  wrapAt?: number;
  /** The end of the value axis (default: 100 % for shares, a bit past the largest count). */
  domainMax?: number;
}

/** One horizontal bar per category, in the order given, the value at the bar's end. */
export function categoryBarsSpec(options: CategoryBarsOptions): TopLevelSpec {
  const max = Math.max(0, ...options.bars.map((bar) => bar.value ?? 0));
  const domainMax = options.domainMax ?? (options.percent ? 1 : max > 0 ? max * 1.12 : 1);
  const data = options.bars.map((bar) => ({ ...bar, labelPosition: bar.value ?? 0, color: bar.color ?? PRIMARY }));
  const labelExpr = options.wrapAt ? wrappedLabelsExpr(data.map((bar) => bar.label), options.wrapAt) : undefined;
  const y: UnitEncoding['y'] = {
    field: 'label',
    type: 'nominal',
    sort: data.map((bar) => bar.label),
    axis: { title: null, labelLimit: options.labelLimit ?? 220, description: options.axisTitle, ...(labelExpr ? { labelExpr } : {}) },
  };
  return {
    ...frame(options.description, Math.max(data.length, 1) * (BAR_STEP + (labelExpr ? 10 : 4))),
    data: { values: data },
    layer: [
      {
        name: 'bars',
        mark: { type: 'bar', cornerRadiusEnd: 2, height: { band: 0.75 } },
        encoding: {
          y,
          x: {
            field: 'value',
            type: 'quantitative',
            stack: null,
            scale: { domain: [0, domainMax], nice: false },
            axis: { title: options.axisTitle, ...countAxis(options.percent), description: options.axisTitle },
          },
          color: { field: 'color', type: 'nominal', scale: null, legend: null },
          tooltip: TIP_ENCODING,
          description: ARIA_ENCODING,
        },
      },
      {
        name: 'bar_labels',
        mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4, fontSize: 11, fill: '#374151', aria: false },
        encoding: { y, x: { field: 'labelPosition', type: 'quantitative' }, text: { field: 'valueText', type: 'nominal' }, tooltip: TIP_ENCODING },
      },
    ],
  };
}
