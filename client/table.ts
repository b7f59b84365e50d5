/**
 * The table under a chart: the same rows as the chart, one line per organization and the
 * total row (`org = null`) last, in bold. Cells are filled with `textContent` only: every
 * string comes from the API (organization names typed by schools) and is never parsed as HTML.
 */
import type { MetricColumn, OrgRow } from './api.ts';
import { EMPTY, formatInteger, formatNumber, formatPercent } from './format.ts';

export interface TableOptions {
  caption: string;
  /** Name of the total row: the municipality, or only the organizations selected. */
  totalLabel: string;
}

function cell(tag: 'td' | 'th', text: string, className?: string): HTMLTableCellElement {
  const element = document.createElement(tag);
  element.textContent = text;
  if (className) element.className = className;
  return element;
}

/** Units that mean a share 0…1, shown as a percent: the server says "доля" ("ratio" is accepted too). */
const RATIO_UNITS = new Set(['доля', 'ratio']);
/** Units not printed in a header. */
const SILENT_UNITS = new Set(['текст', '']);

export function isRatio(column: MetricColumn): boolean {
  return RATIO_UNITS.has(column.unit ?? '');
}

/** A column header: its title, and the unit after a comma ("Педагогов, чел.", "Доля вовлечённых, %"). */
export function columnHeader(column: MetricColumn): string {
  if (isRatio(column)) return `${column.title}, %`;
  const unit = column.unit ?? '';
  return SILENT_UNITS.has(unit) ? column.title : `${column.title}, ${unit}`;
}

/** A value as the table shows it: shares as percents, counts without decimals, other numbers with one. */
export function formatValue(column: MetricColumn, value: unknown): string {
  if (typeof value === 'number') {
    if (isRatio(column)) return formatPercent(value);
    return Number.isInteger(value) ? formatInteger(value) : formatNumber(value, 1);
  }
  if (typeof value === 'string' && value !== '') return value;
  return EMPTY;
}

export function renderMetricTable(
  table: HTMLTableElement,
  columns: readonly MetricColumn[],
  rows: readonly OrgRow[],
  options: TableOptions,
): void {
  const caption = document.createElement('caption');
  caption.textContent = options.caption;

  const headRow = document.createElement('tr');
  for (const [title, className] of [['Организация', 'text'], ['Тип', 'text']] as const) {
    const th = cell('th', title, className);
    th.scope = 'col';
    headRow.append(th);
  }
  for (const column of columns) {
    const th = cell('th', columnHeader(column), 'num');
    th.scope = 'col';
    headRow.append(th);
  }
  const thead = document.createElement('thead');
  thead.append(headRow);

  const tbody = document.createElement('tbody');
  const tfoot = document.createElement('tfoot');
  for (const row of rows) {
    const isTotal = row.org === null;
    const tr = document.createElement('tr');
    if (isTotal) tr.className = 'total';
    const name = cell('th', isTotal ? options.totalLabel : (row.org_name ?? row.org ?? EMPTY), 'text');
    name.scope = 'row';
    if (!isTotal && row.org) name.title = row.org;
    tr.append(name, cell('td', isTotal ? '' : (row.org_type ?? EMPTY), 'text'));
    const values = row as unknown as Record<string, unknown>;
    for (const column of columns) tr.append(cell('td', formatValue(column, values[column.name]), 'num'));
    (isTotal ? tfoot : tbody).append(tr);
  }

  table.replaceChildren(caption, thead, tbody, ...(tfoot.rows.length > 0 ? [tfoot] : []));
}
