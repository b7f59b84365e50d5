/**
 * Engagement of teachers in mentoring (metric `engagement`): one horizontal bar per
 * organization, highest share on top, and a dashed rule at the value of the total row.
 * Every text the chart shows is formatted here with `format.ts`, so the chart and the table
 * print exactly the same "42,5 %" (d3 would turn a `null` ratio into "0,0 %").
 */
import type { VisualizationSpec } from 'vega-embed';
import type { TopLevelSpec } from 'vega-lite';
import type { EngagementRow } from '../api.ts';
import { formatInteger, formatPercent } from '../format.ts';

export interface EngagementSpecOptions {
  /** How the total row is named: the whole municipality, or only the organizations selected. */
  totalLabel?: string;
}

/** Registry types (CONTRACT.md) in the order the legend lists them, each with a color that stays the same whatever the filter. */
const TYPE_COLORS: ReadonlyArray<readonly [type: string, color: string]> = [
  ['Школа', '#3566a8'],
  ['Детский сад', '#e0892b'],
  ['Дополнительное образование', '#3f9455'],
  ['Другое', '#8c7bb5'],
];
/** The layers of a layered vega-lite spec, typed so that a misspelt property fails the type check. */
type LayerList = Extract<TopLevelSpec, { layer: unknown }>['layer'];
type UnitEncoding = NonNullable<Extract<LayerList[number], { mark: unknown }>['encoding']>;

const UNKNOWN_TYPE = 'Тип не указан';
const UNKNOWN_TYPE_COLOR = '#9aa0a6';
const TOTAL_COLOR = '#1f2933';
/** Pixels per organization. */
const BAR_STEP = 26;

interface BarDatum {
  code: string;
  name: string;
  type: string;
  rate: number | null;
  /** Where the value label sits: at the bar's end, or at 0 when there is no bar. */
  labelPosition: number;
  rateText: string;
  teachersText: string;
  mentorsText: string;
  menteesText: string;
  engagedText: string;
  /** What a screen reader says for the bar. */
  ariaText: string;
}

function toDatum(row: EngagementRow): BarDatum {
  const code = row.org ?? '';
  const rateText = formatPercent(row.engagement_rate);
  return {
    code,
    name: row.org_name ?? code,
    type: row.org_type ?? UNKNOWN_TYPE,
    rate: row.engagement_rate,
    labelPosition: row.engagement_rate ?? 0,
    rateText,
    teachersText: formatInteger(row.teachers),
    mentorsText: formatInteger(row.mentors),
    menteesText: formatInteger(row.mentees),
    engagedText: formatInteger(row.engaged),
    ariaText: `${row.org_name ?? code}: вовлечено ${rateText} (${formatInteger(row.engaged)} из ${formatInteger(row.teachers)})`,
  };
}

/** Highest share first; organizations without teachers (share "—") last; ties by name. */
function compareBars(a: BarDatum, b: BarDatum): number {
  if (a.rate === null || b.rate === null) {
    if (a.rate !== b.rate) return a.rate === null ? 1 : -1;
  } else if (a.rate !== b.rate) {
    return b.rate - a.rate;
  }
  return a.name.localeCompare(b.name, 'ru', { numeric: true });
}

function colorScale(bars: readonly BarDatum[]): { domain: string[]; range: string[] } {
  const present = new Set(bars.map((bar) => bar.type));
  const known = TYPE_COLORS.filter(([type]) => present.delete(type));
  const others = [...present].sort((a, b) => a.localeCompare(b, 'ru'));
  return {
    domain: [...known.map(([type]) => type), ...others],
    range: [...known.map(([, color]) => color), ...others.map(() => UNKNOWN_TYPE_COLOR)],
  };
}

const TOOLTIP: Extract<UnitEncoding['tooltip'], unknown[]> = [
  { field: 'name', type: 'nominal', title: 'Организация' },
  { field: 'type', type: 'nominal', title: 'Тип' },
  { field: 'teachersText', type: 'nominal', title: 'Педагогов' },
  { field: 'mentorsText', type: 'nominal', title: 'Наставников' },
  { field: 'menteesText', type: 'nominal', title: 'Наставляемых' },
  { field: 'engagedText', type: 'nominal', title: 'Вовлечено' },
  { field: 'rateText', type: 'nominal', title: 'Доля вовлечённых' },
];

export function engagementSpec(
  rows: readonly EngagementRow[],
  options: EngagementSpecOptions = {},
): VisualizationSpec {
  const totalLabel = options.totalLabel ?? 'По муниципалитету';
  const bars = rows.filter((row) => row.org !== null).map(toDatum).sort(compareBars);
  const totalRow = rows.find((row) => row.org === null);
  const total = totalRow && totalRow.engagement_rate !== null ? toDatum({ ...totalRow, org_name: totalLabel }) : null;

  const y: UnitEncoding['y'] = {
    field: 'code',
    type: 'nominal',
    // The order is decided here (nulls last), not by vega's sort, which cannot place nulls.
    sort: bars.map((bar) => bar.code),
    // vega describes axes and legends to screen readers in English unless told otherwise.
    axis: { title: null, labelLimit: 160, description: 'Организации (коды)' },
  };
  const xScale = { domain: [0, 1] };
  const xAxis = {
    title: 'Доля вовлечённых педагогов',
    format: '.0%',
    tickCount: 5,
    description: 'Доля вовлечённых педагогов, от 0 до 100 %',
  };

  const layers: LayerList = [
    {
      name: 'bars',
      data: { values: bars },
      mark: { type: 'bar', cornerRadiusEnd: 2, height: { band: 0.75 } },
      encoding: {
        y,
        // One bar per organization: nothing to stack (stacking would also wrap each bar in a group).
        x: { field: 'rate', type: 'quantitative', scale: xScale, axis: xAxis, stack: null },
        color: {
          field: 'type',
          type: 'nominal',
          scale: colorScale(bars),
          legend: {
            title: 'Тип организации',
            description: 'Цвет столбца обозначает тип организации',
            orient: 'top',
            direction: 'horizontal',
            labelLimit: 320,
            // Symbol legends do not wrap: one type per line on a narrow screen, else one line.
            columns: { expr: 'width < 420 ? 1 : 0' },
          },
        },
        tooltip: TOOLTIP,
        description: { field: 'ariaText', type: 'nominal' },
      },
    },
    {
      name: 'bar_labels',
      data: { values: bars },
      mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4, fontSize: 11, fill: '#374151', aria: false },
      encoding: {
        y,
        x: { field: 'labelPosition', type: 'quantitative' },
        text: { field: 'rateText', type: 'nominal' },
        tooltip: TOOLTIP,
      },
    },
  ];

  if (total) {
    const totalText = `${totalLabel}: ${total.rateText}`;
    // vega cannot measure text in an expression: a generous 7 px per character of bold 11 px text.
    const labelWidth = totalText.length * 7;
    // The rule goes under the bars and their labels (they stay readable where it crosses
    // them); its own label goes on top.
    layers.unshift({
      name: 'total_rule',
      data: { values: [total] },
      mark: { type: 'rule', color: TOTAL_COLOR, strokeWidth: 2, strokeDash: [6, 4] },
      encoding: {
        x: { field: 'rate', type: 'quantitative' },
        // The total has no type of its own.
        tooltip: TOOLTIP.filter((item) => item.field !== 'type'),
        description: { field: 'ariaText', type: 'nominal' },
      },
    });
    layers.push({
      name: 'total_label',
      data: { values: [total] },
      // Above the plot (y = 0 is its top edge), so it never covers a bar or the rule. It
      // starts at the rule, moved left only as far as needed to stay inside a narrow chart.
      mark: { type: 'text', align: 'left', baseline: 'bottom', dy: -4, fontWeight: 'bold', color: TOTAL_COLOR, aria: false },
      encoding: {
        x: { value: { expr: `max(0, min(scale('x', ${total.rate ?? 0}) + 4, width - ${labelWidth}))` } },
        y: { value: 0 },
        text: { value: totalText },
      },
    });
  }

  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: total
      ? `Доля вовлечённых в наставничество педагогов по организациям; ${totalLabel.toLowerCase()}: ${total.rateText}`
      : 'Доля вовлечённых в наставничество педагогов по организациям',
    width: 'container',
    // A fixed height per bar rather than `{ step }`: vega-lite warns about "fit-y" for any step height with `fit-x`.
    height: Math.max(bars.length, 1) * BAR_STEP,
    autosize: { type: 'fit-x', contains: 'padding' },
    padding: { left: 4, right: 16, top: 8, bottom: 4 },
    layer: layers,
    config: {
      font: 'system-ui, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif',
      view: { stroke: null },
      axis: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'normal', titleColor: '#4b5563', labelColor: '#1f2933' },
      axisY: { domain: false, ticks: false, labelPadding: 6 },
      axisX: { grid: true, gridColor: '#e5e7eb', domain: false },
      legend: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'normal', symbolType: 'square' },
    },
  };
  return spec;
}
