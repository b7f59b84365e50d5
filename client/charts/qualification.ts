/**
 * Qualification categories (metric `qualification_growth`): the share of teachers with the
 * first or the highest category at the start and at the end of the period (a dot for each,
 * joined by a line, per organization), and how often mentees raised their category compared
 * with the other teachers.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { QualificationGrowthRow } from '../api.ts';
import { formatOutOf, formatPercent, formatPoints } from '../format.ts';
import { ARIA_ENCODING, BAR_STEP, axisTitle, categoryBarsSpec, frame, orgTip, PRIMARY, SECONDARY, TIP_ENCODING, topLegend, xTickCount, type OrgLabels, type Titles, type UnitEncoding } from './templates/index.ts';

export interface QualificationSpecOptions {
  labels: OrgLabels;
  titles: Titles;
}

const START = 'На начало периода';
const END = 'На конец периода';

export function categoryShareSpec(rows: readonly QualificationGrowthRow[], options: QualificationSpecOptions): TopLevelSpec {
  const { labels, titles } = options;
  const orgRows = rows
    .filter((row): row is QualificationGrowthRow & { org: string } => row.org !== null && row.teachers > 0)
    .sort((a, b) => (b.share_end ?? 0) - (a.share_end ?? 0) || a.org.localeCompare(b.org, 'ru', { numeric: true }));
  const tipOf = (row: QualificationGrowthRow & { org: string }) =>
    orgTip(labels, row.org, row.org_name ?? row.org, {
      [titles('share_start')]: `${formatPercent(row.share_start)} (${formatOutOf(row.first_or_higher_start, row.teachers)})`,
      [titles('share_end')]: `${formatPercent(row.share_end)} (${formatOutOf(row.first_or_higher_end, row.teachers)})`,
      [titles('growth_pp')]: formatPoints(row.growth_pp),
      [titles('upgraded')]: formatOutOf(row.upgraded, row.teachers),
    });
  const segments = orgRows.map((row) => ({
    label: labels.label(row.org),
    start: row.share_start,
    end: row.share_end,
    up: (row.growth_pp ?? 0) >= 0,
    tip: tipOf(row),
    aria: `${row.org_name ?? row.org}: с ${formatPercent(row.share_start)} до ${formatPercent(row.share_end)}, ${formatPoints(row.growth_pp)}`,
  }));
  const points = orgRows.flatMap((row) => [
    { label: labels.label(row.org), when: START, value: row.share_start, tip: tipOf(row), aria: `${row.org_name ?? row.org}: на начало ${formatPercent(row.share_start)}` },
    { label: labels.label(row.org), when: END, value: row.share_end, tip: tipOf(row), aria: `${row.org_name ?? row.org}: на конец ${formatPercent(row.share_end)}` },
  ]);
  const y: UnitEncoding['y'] = {
    field: 'label',
    type: 'nominal',
    sort: orgRows.map((row) => labels.label(row.org)),
    axis: { title: null, labelLimit: 160, description: 'Организации (коды)', grid: true, gridColor: '#f0f2f4' },
  };
  // From a round tenth below the lowest share: the differences are a few points, not the whole 0–100 %.
  const lowest = Math.min(1, ...orgRows.flatMap((row) => [row.share_start ?? 1, row.share_end ?? 1]));
  const xScale = { domain: [Math.max(0, Math.floor((lowest - 0.05) * 10) / 10), 1], nice: false };
  return {
    ...frame('Доля педагогов с первой и высшей категорией на начало и на конец периода по организациям', Math.max(orgRows.length, 1) * BAR_STEP),
    layer: [
      {
        name: 'segments',
        data: { values: segments },
        mark: { type: 'rule', strokeWidth: 3, opacity: 0.55, aria: false },
        encoding: {
          y,
          x: { field: 'start', type: 'quantitative', scale: xScale, axis: { title: axisTitle('Доля педагогов с первой и высшей категорией'), format: '.0%', tickCount: xTickCount(5), description: 'Доля педагогов с первой и высшей категорией, %' } },
          x2: { field: 'end' },
          color: { condition: { test: 'datum.up', value: PRIMARY }, value: SECONDARY },
          tooltip: TIP_ENCODING,
        },
      },
      {
        name: 'points',
        data: { values: points },
        mark: { type: 'point', filled: true, size: 80, opacity: 1 },
        encoding: {
          y,
          x: { field: 'value', type: 'quantitative', scale: xScale },
          color: {
            field: 'when',
            type: 'nominal',
            scale: { domain: [START, END], range: ['#9aa5b1', PRIMARY] },
            legend: topLegend(null, 'Светлая точка — начало периода, тёмная — конец', [START, END]),
          },
          shape: {
            field: 'when',
            type: 'nominal',
            scale: { domain: [START, END], range: ['circle', 'diamond'] },
            legend: topLegend(null, 'Светлая точка — начало периода, тёмная — конец', [START, END]),
          },
          tooltip: TIP_ENCODING,
          description: ARIA_ENCODING,
        },
      },
    ],
  };
}

/** Total row: the share who raised their category among mentees and among the other teachers. */
export function upgradesSpec(rows: readonly QualificationGrowthRow[], options: QualificationSpecOptions & { totalLabel: string }): TopLevelSpec {
  const { titles } = options;
  const total = rows.find((row) => row.org === null);
  const bars = total
    ? [
        {
          label: 'Наставляемые',
          value: total.mentee_upgrade_rate,
          valueText: `${formatPercent(total.mentee_upgrade_rate)} (${formatOutOf(total.mentees_upgraded, total.mentees)})`,
          tip: {
            title: `${options.totalLabel}: наставляемые`,
            [titles('mentee_upgrade_rate')]: `${formatPercent(total.mentee_upgrade_rate)} (${formatOutOf(total.mentees_upgraded, total.mentees)})`,
          },
          aria: `Наставляемые: повысили категорию ${formatPercent(total.mentee_upgrade_rate)} (${formatOutOf(total.mentees_upgraded, total.mentees)})`,
          color: SECONDARY,
        },
        {
          label: 'Остальные педагоги',
          value: total.other_upgrade_rate,
          valueText: `${formatPercent(total.other_upgrade_rate)} (${formatOutOf(total.others_upgraded, total.others)})`,
          tip: {
            title: `${options.totalLabel}: остальные педагоги`,
            [titles('other_upgrade_rate')]: `${formatPercent(total.other_upgrade_rate)} (${formatOutOf(total.others_upgraded, total.others)})`,
          },
          aria: `Остальные педагоги: повысили категорию ${formatPercent(total.other_upgrade_rate)} (${formatOutOf(total.others_upgraded, total.others)})`,
          color: PRIMARY,
        },
      ]
    : [];
  const max = Math.max(0.05, ...bars.map((bar) => bar.value ?? 0));
  return categoryBarsSpec({
    bars,
    percent: true,
    // Room after the longest bar for its "6,6 % (37 из 562)".
    domainMax: Math.min(1, max * 1.7),
    axisTitle: 'Доля повысивших категорию в периоде',
    description: 'Доля педагогов, повысивших категорию в периоде: наставляемые и остальные',
    labelLimit: 160,
  });
}
