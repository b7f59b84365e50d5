/** Bars per category (forms, directions, items of the order), with wrapped labels. */
import type { TopLevelSpec } from 'vega-lite';
import { ARIA_ENCODING, BAR_STEP, countAxis, PRIMARY, TIP_ENCODING, axisTitle, frame, wrappedLabelsExpr, type Tip, type UnitEncoding } from './theme.ts';

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
            axis: { title: axisTitle(options.axisTitle), ...countAxis(options.percent), description: options.axisTitle },
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
