/** The organization bar chart most pages use: one bar per organization, sorted, the total as a rule, types as colors. */
import type { TopLevelSpec } from 'vega-lite';
import { ARIA_ENCODING, BAR_STEP, PRIMARY, TIP_ENCODING, TOTAL_COLOR, axisTitle, frame, xTickCount, topLegend, typeColorScale, type LayerList, type Tip, type UnitEncoding } from './theme.ts';

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
    title: axisTitle(options.axisTitle),
    format: options.percent ? '.0%' : '~s',
    tickCount: xTickCount(5),
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
      // A white halo under each label outside its bar: where the total's dashed rule crosses a
      // label, the label stays readable (the rule ran through its digits).
      name: 'bar_labels_halo',
      data: { values: data.filter((bar) => !bar.inside) },
      mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4, fontSize: 11, fill: '#ffffff', stroke: '#ffffff', strokeWidth: 4, strokeJoin: 'round', aria: false },
      encoding: { y, x: { field: 'labelPosition', type: 'quantitative' }, text: { field: 'valueText', type: 'nominal' } },
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
