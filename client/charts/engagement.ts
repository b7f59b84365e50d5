/**
 * Engagement of teachers in mentoring (metric `engagement`): one horizontal bar per
 * organization, highest share on top, and a dashed rule at the value of the total row.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { EngagementRow } from '../api.ts';
import { formatInteger, formatOutOf, formatPercent } from '../format.ts';
import { orgBarsSpec, orgTip, UNKNOWN_TYPE, type OrgBar, type OrgLabels, type Titles } from './templates/index.ts';

export interface EngagementSpecOptions {
  labels: OrgLabels;
  titles: Titles;
  /** How the total row is named: the whole municipality, or only the organizations selected. */
  totalLabel?: string;
}

function tipLines(row: EngagementRow, titles: Titles) {
  return {
    [titles('engagement_rate')]: `${formatPercent(row.engagement_rate)} (${formatOutOf(row.engaged, row.teachers)})`,
    [titles('teachers')]: formatInteger(row.teachers),
    [titles('mentors')]: formatInteger(row.mentors),
    [titles('mentees')]: formatInteger(row.mentees),
    [titles('engaged')]: formatInteger(row.engaged),
  };
}

export function engagementSpec(rows: readonly EngagementRow[], options: EngagementSpecOptions): TopLevelSpec {
  const { labels, titles } = options;
  const totalLabel = options.totalLabel ?? 'По муниципалитету';
  const bars: OrgBar[] = rows
    .filter((row): row is EngagementRow & { org: string } => row.org !== null)
    .map((row) => {
      const name = row.org_name ?? row.org;
      const rateText = formatPercent(row.engagement_rate);
      return {
        code: row.org,
        label: labels.label(row.org),
        type: row.org_type ?? UNKNOWN_TYPE,
        value: row.engagement_rate,
        valueText: rateText,
        tip: orgTip(labels, row.org, name, { Тип: row.org_type ?? UNKNOWN_TYPE, ...tipLines(row, titles) }),
        aria: `${name}: вовлечено ${rateText} (${formatOutOf(row.engaged, row.teachers)})`,
      };
    });
  const totalRow = rows.find((row) => row.org === null);
  const rate = totalRow?.engagement_rate ?? null;
  const total =
    totalRow && rate !== null
      ? {
          value: rate,
          text: `${totalLabel}: ${formatPercent(rate)}`,
          tip: { title: totalLabel, ...tipLines(totalRow, titles) },
          aria: `${totalLabel}: вовлечено ${formatPercent(rate)} (${formatOutOf(totalRow.engaged, totalRow.teachers)})`,
        }
      : null;
  return orgBarsSpec({
    bars,
    total,
    axisTitle: 'Доля вовлечённых педагогов',
    percent: true,
    order: 'desc',
    colorByType: true,
    description: total
      ? `Доля вовлечённых в наставничество педагогов по организациям; ${totalLabel.toLowerCase()}: ${formatPercent(rate)}`
      : 'Доля вовлечённых в наставничество педагогов по организациям',
  });
}
