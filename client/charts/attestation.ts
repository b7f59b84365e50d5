/**
 * Categories that lapse (metric `attestation_due`): per organization, the teachers whose
 * category ends within 12 months after the period (attestation to plan) and those whose
 * category ended inside the period.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { AttestationDueRow } from '../api.ts';
import { formatInteger, formatOutOf } from '../format.ts';
import { groupedOrgBarsSpec, orgTip, SECONDARY, type GroupedValue, type OrgLabels, type Titles } from './templates/index.ts';

export interface AttestationSpecOptions {
  labels: OrgLabels;
  titles: Titles;
}

export function lapsingSpec(rows: readonly AttestationDueRow[], options: AttestationSpecOptions): TopLevelSpec {
  const { labels, titles } = options;
  const orgRows = rows
    .filter((row): row is AttestationDueRow & { org: string } => row.org !== null && row.lapsing_12m + row.lapsed > 0)
    .sort((a, b) => b.lapsing_12m - a.lapsing_12m || b.lapsed - a.lapsed || a.org.localeCompare(b.org, 'ru', { numeric: true }));
  const values: GroupedValue[] = orgRows.flatMap((row) => {
    const name = row.org_name ?? row.org;
    const tip = orgTip(labels, row.org, name, {
      [titles('lapsing_12m')]: `${formatOutOf(row.lapsing_12m, row.teachers)} педагогов`,
      [titles('lapsed')]: `${formatOutOf(row.lapsed, row.teachers)} педагогов`,
    });
    return [
      { code: row.org, series: 'lapsing_12m', value: row.lapsing_12m, valueText: formatInteger(row.lapsing_12m), tip, aria: `${name}: категория истекает в 12 месяцев после конца периода у ${formatInteger(row.lapsing_12m)}` },
      { code: row.org, series: 'lapsed', value: row.lapsed, valueText: formatInteger(row.lapsed), tip, aria: `${name}: срок категории кончается в периоде у ${formatInteger(row.lapsed)}` },
    ];
  });
  return groupedOrgBarsSpec({
    orgs: orgRows.map((row) => ({ code: row.org, label: labels.label(row.org) })),
    series: [
      { key: 'lapsing_12m', title: titles('lapsing_12m'), color: SECONDARY },
      { key: 'lapsed', title: titles('lapsed'), color: '#b5472a' },
    ],
    values,
    percent: false,
    axisTitle: 'Педагогов',
    description: 'Истекающие и истёкшие квалификационные категории по организациям',
  });
}
