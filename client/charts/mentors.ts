/**
 * Mentors and mentees per organization (metric `engagement`): two bars side by side, so a
 * school with many mentees per mentor stands out. Organizations in the order of engagement's
 * main chart would hide this; they go by the number of people involved, most first.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { EngagementRow } from '../api.ts';
import { formatInteger, formatNumber } from '../format.ts';
import { groupedOrgBarsSpec, orgTip, PRIMARY, SECONDARY, type GroupedValue, type OrgLabels, type Titles } from './templates/index.ts';

export interface MentorsSpecOptions {
  labels: OrgLabels;
  titles: Titles;
}

/** "1,2 наставляемых на наставника", or nothing without mentors. */
function ratioText(row: EngagementRow): string {
  return row.mentors > 0 ? formatNumber(row.mentees / row.mentors, 1) : '—';
}

export function mentorsMenteesSpec(rows: readonly EngagementRow[], options: MentorsSpecOptions): TopLevelSpec {
  const { labels, titles } = options;
  const orgRows = rows
    .filter((row): row is EngagementRow & { org: string } => row.org !== null)
    .sort((a, b) => b.mentors + b.mentees - (a.mentors + a.mentees) || a.org.localeCompare(b.org, 'ru', { numeric: true }));
  const values: GroupedValue[] = orgRows.flatMap((row) => {
    const name = row.org_name ?? row.org;
    const tip = orgTip(labels, row.org, name, {
      [titles('mentors')]: formatInteger(row.mentors),
      [titles('mentees')]: formatInteger(row.mentees),
      'Наставляемых на одного наставника': ratioText(row),
      [titles('teachers')]: formatInteger(row.teachers),
    });
    return [
      { code: row.org, series: 'mentors', value: row.mentors, valueText: formatInteger(row.mentors), tip, aria: `${name}: наставников ${formatInteger(row.mentors)}` },
      { code: row.org, series: 'mentees', value: row.mentees, valueText: formatInteger(row.mentees), tip, aria: `${name}: наставляемых ${formatInteger(row.mentees)}` },
    ];
  });
  return groupedOrgBarsSpec({
    orgs: orgRows.map((row) => ({ code: row.org, label: labels.label(row.org) })),
    series: [
      { key: 'mentors', title: titles('mentors'), color: PRIMARY },
      { key: 'mentees', title: titles('mentees'), color: SECONDARY },
    ],
    values,
    percent: false,
    axisTitle: 'Человек',
    description: 'Число наставников и наставляемых по организациям',
  });
}
