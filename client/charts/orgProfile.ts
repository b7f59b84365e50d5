/**
 * One organization's shares next to the municipality's (the organization's page): per
 * indicator, the organization's bar and the municipal bar below it.
 */
import type { TopLevelSpec } from 'vega-lite';
import { formatPercent } from '../format.ts';
import { ARIA_ENCODING, BAR_STEP, frame, MUTED_INK, PRIMARY, TIP_ENCODING, topLegend, wrappedLabelsExpr, xTickCount, type Tip, type UnitEncoding } from './templates/index.ts';

export interface ProfileItem {
  /** Short label on the axis. */
  label: string;
  org: number | null;
  total: number | null;
  /** Tooltip lines: the indicator's full title with the counts behind both values. */
  tip: Tip;
}

export interface OrgProfileOptions {
  /** The organization's code (legend). */
  code: string;
  name: string;
  /** The municipal bars' series; null: none (a school account's answers hold its own organization only). */
  totalLabel: string | null;
}

export function orgProfileSpec(items: readonly ProfileItem[], options: OrgProfileOptions): TopLevelSpec {
  const totalLabel = options.totalLabel;
  const series = totalLabel === null ? [options.code] : [options.code, totalLabel];
  const data = items.flatMap((item) => [
    {
      label: item.label,
      series: options.code,
      value: item.org,
      labelPosition: item.org ?? 0,
      valueText: formatPercent(item.org),
      tip: item.tip,
      aria: `${item.label}: ${options.name} — ${formatPercent(item.org)}`,
    },
    ...(totalLabel === null
      ? []
      : [
          {
            label: item.label,
            series: totalLabel,
            value: item.total,
            labelPosition: item.total ?? 0,
            valueText: formatPercent(item.total),
            tip: item.tip,
            aria: `${item.label}: ${totalLabel.toLowerCase()} — ${formatPercent(item.total)}`,
          },
        ]),
  ]);
  const y: UnitEncoding['y'] = {
    field: 'label',
    type: 'nominal',
    sort: items.map((item) => item.label),
    // Two short lines rather than one long one: on a phone the bars keep their room.
    axis: { title: null, labelLimit: 190, description: 'Показатели', labelExpr: wrappedLabelsExpr(items.map((item) => item.label), 12) },
  };
  const yOffset: UnitEncoding['yOffset'] = { field: 'series', type: 'nominal', sort: series };
  return {
    ...frame(
      totalLabel === null ? `${options.name}: показатели` : `${options.name}: показатели в сравнении со значениями по муниципалитету`,
      // 1.5 steps a row either way: a label wraps to two lines, which one step left overlapping
      // its neighbours on a school's own page (one bar a row: an outside review).
      Math.max(items.length, 1) * BAR_STEP * 1.5,
    ),
    data: { values: data },
    layer: [
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
            scale: { domain: [0, 1] },
            axis: { title: 'Доля', format: '.0%', tickCount: xTickCount(5), description: 'Доля, от 0 до 100 %' },
          },
          color: {
            field: 'series',
            type: 'nominal',
            scale: { domain: series, range: [PRIMARY, '#b8c2cc'] },
            legend: topLegend(null, 'Цвет столбца: организация или муниципалитет', series, 140),
          },
          tooltip: TIP_ENCODING,
          description: ARIA_ENCODING,
        },
      },
      {
        name: 'bar_labels',
        mark: { type: 'text', align: 'left', baseline: 'middle', dx: 3, fontSize: 10, fill: MUTED_INK, aria: false },
        encoding: { y, yOffset, x: { field: 'labelPosition', type: 'quantitative' }, text: { field: 'valueText', type: 'nominal' }, tooltip: TIP_ENCODING },
      },
    ],
  };
}
