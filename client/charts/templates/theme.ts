/**
 * The look every chart shares (fonts, axes, colors, the frame, legends, tooltips and the
 * organizations' labels); the chart templates are in this folder, one file each
 * (orgBars, ratioBars, groupedOrgBars, categoryBars), re-exported by index.ts. Every text a chart prints is formatted with `format.ts`
 * before it goes into the spec, so the chart and the table print exactly the same "42,5 %"
 * (d3 would turn a `null` ratio into "0,0 %").
 *
 * Tooltips are objects (`tip`): vega-tooltip shows `title` as the heading and every other
 * key as a line, in order, with its text escaped.
 */
import type { TopLevelSpec } from 'vega-lite';

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

/** About how wide a character of a 12 px axis title is, in pixels (DejaVu Sans, system-ui: 6.3–6.9). */
const TITLE_CHAR_PX = 7;
/** The page's width minus the card's padding and the organizations' labels: about the plot's width. */
const PLOT_MARGIN_PX = 150;

/**
 * An axis title that stays whole on a narrow screen: one line where the plot has room for it,
 * else two lines split at a space (on a phone, ~240 px of plot cut «Доля педагогов с первой и
 * высшей категорией» to «…высшей категори»). Decided when the spec is built, from the window's
 * width (outside a browser: one line). A title whose text comes from a signal would follow the
 * plot's own width, but vega lays the view out for the first title only: the second line was cut.
 */
export function axisTitle(text: string, windowWidth = typeof window === 'undefined' ? Infinity : window.innerWidth): string | string[] {
  if (text.length * TITLE_CHAR_PX <= windowWidth - PLOT_MARGIN_PX) return text;
  const lines = wrapText(text, Math.ceil(text.length / 2) + 4);
  return lines.length < 2 ? text : lines;
}

/** Characters per line of a legend's label: a longer one («Категория истекает в 12 месяцев после конца периода») wraps instead of ending in «…». */
const LEGEND_LINE = 34;

/**
 * A legend above the plot: one line when the container has room for all `labels`, else one
 * entry per line (symbol legends do not wrap by themselves). The container's width decides,
 * not the plot's: the plot's width depends on the legend, and a legend that changed its rows
 * after the layout would be cut off at the top.
 */
export function topLegend(title: string | null, description: string, labels: readonly string[], axisWidth = 80) {
  // About 7.2 px per character of 12 px text, plus the symbol and the gap; the legend starts
  // where the plot does, after the y axis' labels (`axisWidth`). Its title goes above the entries.
  const oneLine = Math.round(labels.reduce((sum, label) => sum + Math.max(...wrapText(label, LEGEND_LINE).map((line) => line.length)) * 7.2 + 26, 0) + axisWidth);
  const labelExpr = wrappedLabelsExpr(labels, LEGEND_LINE);
  return {
    title,
    description,
    orient: 'top' as const,
    direction: 'horizontal' as const,
    columns: { expr: `containerSize()[0] < ${oneLine} ? 1 : 0` },
    ...(labelExpr ? { labelExpr } : {}),
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
    name: 'bar_labels_inside',
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

/** Axis ticks: percents, or whole numbers (no "0,5 пары"). */
export function countAxis(percent: boolean) {
  return percent ? { format: '.0%', tickCount: xTickCount(5) } : { format: 'd', tickMinStep: 1, tickCount: xTickCount(6, 45) };
}

/**
 * How many ticks an x axis asks for: `most`, or fewer on a narrow plot — one per `spacing`
 * pixels of its width (a phone's 140 px plot drew «0 %2 %4 %6 %8 %» in one another). A hint,
 * as any tick count: the scale still picks round values.
 */
export function xTickCount(most: number, spacing = 55) {
  return { expr: `clamp(floor(width / ${spacing}), 2, ${most})` };
}
