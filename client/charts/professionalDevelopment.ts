/**
 * Professional development (metric `professional_development`): the share of teachers who
 * finished a course in the period, and the hours of those courses per teacher, by organization.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ProfessionalDevelopmentRow } from '../api.ts';
import { FOR_TEACHERS, formatHours, formatInteger, formatNumber, formatOutOf, formatPercent, plural } from '../format.ts';
import { orgBarsSpec, orgTip, ratioBarsSpec, UNKNOWN_TYPE, type OrgBar, type OrgLabels, type Titles } from './templates/index.ts';

export interface PdSpecOptions {
  labels: OrgLabels;
  titles: Titles;
  totalLabel: string;
}

function extraLines(row: ProfessionalDevelopmentRow, titles: Titles) {
  return {
    [titles('hours')]: formatHours(row.hours),
    [titles('hours_per_teacher')]: formatHours(row.hours_per_teacher),
    [titles('mentors_trained_rate')]: `${formatPercent(row.mentors_trained_rate)} (${formatOutOf(row.mentors_trained, row.mentors_active)})`,
  };
}

export function pdCoverageSpec(rows: readonly ProfessionalDevelopmentRow[], options: PdSpecOptions): TopLevelSpec {
  return ratioBarsSpec(rows, {
    labels: options.labels,
    titles: options.titles,
    ratio: 'pd_coverage',
    numerator: 'trained',
    denominator: 'teachers',
    extraTip: (row) => extraLines(row, options.titles),
    totalLabel: options.totalLabel,
    axisTitle: 'Доля педагогов, прошедших курсы',
    description: 'Доля педагогов, завершивших курсы повышения квалификации в периоде, по организациям',
  });
}

/** Hours per teacher: "16,8"; the tooltip says how many hours over how many teachers. */
export function hoursPerTeacherSpec(rows: readonly ProfessionalDevelopmentRow[], options: PdSpecOptions): TopLevelSpec {
  const { labels, titles } = options;
  const lines = (row: ProfessionalDevelopmentRow) => ({
    [titles('hours_per_teacher')]: `${formatHours(row.hours_per_teacher)} (${formatInteger(row.hours)} ч на ${formatInteger(row.teachers)} ${plural(row.teachers, FOR_TEACHERS)})`,
    [titles('trained')]: formatOutOf(row.trained, row.teachers),
  });
  const bars: OrgBar[] = rows
    .filter((row): row is ProfessionalDevelopmentRow & { org: string } => row.org !== null)
    .map((row) => {
      const name = row.org_name ?? row.org;
      return {
        code: row.org,
        label: labels.label(row.org),
        type: row.org_type ?? UNKNOWN_TYPE,
        value: row.hours_per_teacher,
        valueText: formatNumber(row.hours_per_teacher, 1),
        tip: orgTip(labels, row.org, name, { Тип: row.org_type ?? UNKNOWN_TYPE, ...lines(row) }),
        aria: `${name}: ${formatHours(row.hours_per_teacher)} на педагога`,
      };
    });
  const totalRow = rows.find((row) => row.org === null);
  const value = totalRow?.hours_per_teacher ?? null;
  return orgBarsSpec({
    bars,
    total:
      totalRow && value !== null
        ? {
            value,
            text: `${options.totalLabel}: ${formatHours(value)}`,
            tip: { title: options.totalLabel, ...lines(totalRow) },
            aria: `${options.totalLabel}: ${formatHours(value)} на педагога`,
          }
        : null,
    axisTitle: 'Часов обучения на одного педагога',
    percent: false,
    order: 'desc',
    colorByType: true,
    description: 'Часы курсов повышения квалификации на одного педагога по организациям',
  });
}
