/**
 * Young specialists (metric `young_specialists`): per organization, the share who have a
 * mentor and the share of those working at the start of the period who still work at its
 * end, side by side. Organizations without young specialists are left out (both shares "—").
 */
import type { TopLevelSpec } from 'vega-lite';
import type { YoungSpecialistsRow } from '../api.ts';
import { formatOutOf, formatPercent } from '../format.ts';
import { groupedOrgBarsSpec, orgTip, PRIMARY, SECONDARY, type GroupedValue, type OrgLabels, type Titles } from './templates/index.ts';

export interface YoungSpecialistsSpecOptions {
  labels: OrgLabels;
  titles: Titles;
}

export function hasYoungSpecialists(row: YoungSpecialistsRow): boolean {
  return row.young > 0 || row.young_at_start > 0;
}

export function youngSpecialistsSpec(rows: readonly YoungSpecialistsRow[], options: YoungSpecialistsSpecOptions): TopLevelSpec {
  const { labels, titles } = options;
  const orgRows = rows
    .filter((row): row is YoungSpecialistsRow & { org: string } => row.org !== null && hasYoungSpecialists(row))
    .sort((a, b) => b.young - a.young || a.org.localeCompare(b.org, 'ru', { numeric: true }));
  const values: GroupedValue[] = orgRows.flatMap((row) => {
    const name = row.org_name ?? row.org;
    const coverage = `${formatPercent(row.coverage)} (${formatOutOf(row.young_with_mentor, row.young)})`;
    const retention = `${formatPercent(row.retention)} (${formatOutOf(row.young_retained, row.young_at_start)})`;
    const tip = orgTip(labels, row.org, name, { [titles('coverage')]: coverage, [titles('retention')]: retention });
    return [
      { code: row.org, series: 'coverage', value: row.coverage, valueText: formatPercent(row.coverage), tip, aria: `${name}: охват наставничеством ${coverage}` },
      { code: row.org, series: 'retention', value: row.retention, valueText: formatPercent(row.retention), tip, aria: `${name}: закрепление ${retention}` },
    ];
  });
  return groupedOrgBarsSpec({
    orgs: orgRows.map((row) => ({ code: row.org, label: labels.label(row.org) })),
    series: [
      { key: 'coverage', title: titles('coverage'), color: PRIMARY },
      { key: 'retention', title: titles('retention'), color: SECONDARY },
    ],
    values,
    percent: true,
    axisTitle: 'Доля молодых специалистов',
    description: 'Молодые специалисты: охват наставничеством и закрепление по организациям',
  });
}
