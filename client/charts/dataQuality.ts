/**
 * Data quality (metric `data_quality`): rows loaded per organization, stacked by tab, and
 * the problems found in the latest load (errors, warnings, rows quarantined).
 */
import type { TopLevelSpec } from 'vega-lite';
import type { DataQualityRow } from '../api.ts';
import { formatInteger } from '../format.ts';
import { ARIA_ENCODING, BAR_STEP, frame, groupedOrgBarsSpec, orgTip, TIP_ENCODING, topLegend, type GroupedValue, type OrgLabels, type Titles } from './templates/index.ts';

export interface DataQualitySpecOptions {
  labels: OrgLabels;
  titles: Titles;
}

export const TAB_COLUMNS = ['teachers_rows', 'pairs_rows', 'programs_rows', 'courses_rows', 'attestations_rows', 'compliance_rows', 'practices_rows', 'events_rows'] as const;
const TAB_COLORS = ['#3566a8', '#e0892b', '#3f9455', '#8c7bb5', '#56b4e9', '#b8c2cc', '#c4668f', '#7a6a3a'];

export function rowsLoaded(row: DataQualityRow): number {
  return TAB_COLUMNS.reduce((sum, column) => sum + row[column], 0);
}

export function rowsLoadedSpec(rows: readonly DataQualityRow[], options: DataQualitySpecOptions): TopLevelSpec {
  const { labels, titles } = options;
  const orgRows = rows.filter((row): row is DataQualityRow & { org: string } => row.org !== null);
  const data = orgRows.flatMap((row) => {
    const name = row.org_name ?? row.org;
    const tip = orgTip(labels, row.org, name, {
      'Всего строк': formatInteger(rowsLoaded(row)),
      ...Object.fromEntries(TAB_COLUMNS.map((column) => [titles(column), formatInteger(row[column])])),
      [titles('rows_quarantined')]: formatInteger(row.rows_quarantined),
    });
    return TAB_COLUMNS.map((column, index) => ({
      label: labels.label(row.org),
      tab: titles(column),
      order: index,
      count: row[column],
      tip,
      aria: `${name}: ${titles(column)} — ${formatInteger(row[column])}`,
    }));
  });
  return {
    ...frame('Строки, загруженные из таблиц организаций, по листам', Math.max(orgRows.length, 1) * BAR_STEP),
    data: { values: data },
    mark: { type: 'bar', height: { band: 0.75 } },
    encoding: {
      y: { field: 'label', type: 'nominal', sort: orgRows.map((row) => labels.label(row.org)), axis: { title: null, labelLimit: 160, description: 'Организации (коды)' } },
      x: { field: 'count', type: 'quantitative', stack: 'zero', axis: { title: 'Строк загружено', format: '~s', description: 'Число загруженных строк' } },
      color: {
        field: 'tab',
        type: 'nominal',
        scale: { domain: TAB_COLUMNS.map((column) => titles(column)), range: TAB_COLORS },
        legend: topLegend(null, 'Цвет обозначает лист таблицы', TAB_COLUMNS.map((column) => titles(column))),
      },
      order: { field: 'order', type: 'quantitative' },
      tooltip: TIP_ENCODING,
      description: ARIA_ENCODING,
    },
  };
}

export function issuesSpec(rows: readonly DataQualityRow[], options: DataQualitySpecOptions): TopLevelSpec {
  const { labels, titles } = options;
  const series = [
    { key: 'errors', title: titles('errors'), color: '#b5472a' },
    { key: 'warnings', title: titles('warnings'), color: '#e8b33a' },
    { key: 'rows_quarantined', title: titles('rows_quarantined'), color: '#8c7bb5' },
  ] as const;
  const orgRows = rows
    .filter((row): row is DataQualityRow & { org: string } => row.org !== null && row.errors + row.warnings + row.rows_quarantined > 0)
    .sort((a, b) => b.errors - a.errors || b.warnings - a.warnings || a.org.localeCompare(b.org, 'ru', { numeric: true }));
  const values: GroupedValue[] = orgRows.flatMap((row) => {
    const name = row.org_name ?? row.org;
    const tip = orgTip(labels, row.org, name, Object.fromEntries(series.map((item) => [item.title, formatInteger(row[item.key])])));
    return series.map((item) => ({
      code: row.org,
      series: item.key,
      value: row[item.key],
      valueText: row[item.key] > 0 ? formatInteger(row[item.key]) : '',
      tip,
      aria: `${name}: ${item.title.toLowerCase()} — ${formatInteger(row[item.key])}`,
    }));
  });
  return groupedOrgBarsSpec({
    orgs: orgRows.map((row) => ({ code: row.org, label: labels.label(row.org) })),
    series: series.map((item) => ({ key: item.key, title: item.title, color: item.color })),
    values,
    percent: false,
    axisTitle: 'Число',
    description: 'Ошибки, предупреждения и строки в карантине по организациям',
  });
}
