/** Two or more measures per organization, side by side. */
import type { TopLevelSpec } from 'vega-lite';
import { ARIA_ENCODING, BAR_STEP, countAxis, TIP_ENCODING, axisTitle, frame, topLegend, type LayerList, type Tip, type UnitEncoding } from './theme.ts';

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
          axis: { title: axisTitle(options.axisTitle), ...countAxis(options.percent), description: options.axisTitle },
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
  // Each bar tall enough for its value's text: three measures in the band of two wrote their
  // «2» over each other (an acceptance run); two keep the band they had.
  const band = BAR_STEP * Math.max(1.35, 0.45 * (options.series.length + 1));
  return {
    ...frame(options.description, Math.max(options.orgs.length, 1) * band),
    data: { values: data },
    layer: layers,
  };
}
