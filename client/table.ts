/**
 * Tables under the charts: the same rows as the chart, one line per organization and the
 * total row (`org = null`) last, in bold. Cells are filled with text nodes only: every string
 * comes from the API (organization names typed by schools) and is never parsed as HTML.
 */
import type { MetricColumn, OrgRow } from './api.ts';
import type { OrgDirectory } from './directory.ts';
import { h, staleMark } from './dom.ts';
import { EMPTY, formatDate, formatDateTime, formatInteger, formatNumber, formatPercent, formatPoints } from './format.ts';

/** Units that mean a share 0…1, shown as a percent: the server says "доля" ("ratio" is accepted too). */
const RATIO_UNITS = new Set(['доля', 'ratio']);
/** Units not printed in a header. */
const SILENT_UNITS = new Set(['текст', 'дата', '']);

export function isRatio(column: MetricColumn): boolean {
  return RATIO_UNITS.has(column.unit ?? '');
}

/** A column header: its title, and the unit after a comma ("Педагогов, чел.", "Доля вовлечённых, %"). */
export function columnHeader(column: MetricColumn): string {
  if (isRatio(column)) return `${column.title}, %`;
  const unit = column.unit ?? '';
  // "Прирост, п.п." already names its unit.
  if (SILENT_UNITS.has(unit) || column.title.endsWith(unit)) return column.title;
  return `${column.title}, ${unit}`;
}

/** A value as the table shows it: shares as percents, counts without decimals, dates as дд.мм.гггг. */
export function formatValue(column: MetricColumn, value: unknown): string {
  if (typeof value === 'number') {
    if (isRatio(column)) return formatPercent(value);
    if (column.unit === 'п.п.') return formatPoints(value);
    return Number.isInteger(value) ? formatInteger(value) : formatNumber(value, 1);
  }
  if (typeof value === 'boolean') return value ? 'да' : 'нет';
  if (typeof value === 'string' && value !== '') {
    // A moment (the last load of an organization: `YYYY-MM-DD HH:MM:SS`, UTC) in the reader's
    // time zone, as the dashboard shows it; a date as it is.
    if (column.unit === 'дата') return value.length > 10 ? formatDateTime(value) : formatDate(value);
    // A status of a fixed list (`unchanged`) in words.
    return column.labels?.[value] ?? value;
  }
  return EMPTY;
}

export interface TableColumn {
  header: string;
  /** Right-aligned, tabular figures. */
  numeric?: boolean;
  /** Extra class of the column's cells (`col-type` is hidden on a phone). */
  className?: string;
}

export interface TableRow {
  /** The first cell, a row header (`<th scope="row">`). */
  head: Array<Node | string>;
  cells: Array<Node | string>;
  total?: boolean;
  /** Set on the `<tr>` as `data-org`, so a reader (and a test) can find an organization's line. */
  org?: string | null;
}

function cellClass(column: TableColumn | undefined): string {
  return [column?.numeric ? 'num' : 'text', column?.className].filter(Boolean).join(' ');
}

/** Fills `table` with a caption, a header row, the body rows and the total rows in `<tfoot>`. */
export function renderTable(
  table: HTMLTableElement,
  caption: string,
  headColumn: string,
  columns: readonly TableColumn[],
  rows: readonly TableRow[],
  /** Each cell names its column (`data-label`): a phone shows a row as a card, the names before the values. */
  labelled = false,
): void {
  const headRow = h('tr', {}, h('th', { className: 'text', attrs: { scope: 'col' } }, headColumn));
  for (const column of columns) {
    headRow.append(h('th', { className: cellClass(column), attrs: { scope: 'col' } }, column.header));
  }
  const tbody = h('tbody');
  const tfoot = h('tfoot');
  for (const row of rows) {
    const tr = h('tr', { className: row.total ? 'total' : undefined, attrs: { 'data-org': row.org ?? undefined } });
    tr.append(h('th', { className: 'text', attrs: { scope: 'row', ...(labelled ? { 'data-label': headColumn } : {}) } }, ...row.head));
    row.cells.forEach((cellContent, index) => {
      const label = labelled && columns[index]?.header ? { 'data-label': columns[index]!.header } : {};
      tr.append(h('td', { className: cellClass(columns[index]), attrs: label }, cellContent));
    });
    (row.total ? tfoot : tbody).append(tr);
  }
  table.replaceChildren(h('caption', {}, caption), h('thead', {}, headRow), tbody, ...(tfoot.rows.length > 0 ? [tfoot] : []));
}

export interface OrgCellOptions {
  directory: OrgDirectory;
  /** Link target of an organization's name (its page), or nothing. */
  orgHref?: (code: string) => string;
}

/** The name of an organization in a table: a link to its page, ⚠ when its data is stale. */
export function orgCell(row: Pick<OrgRow, 'org' | 'org_name'>, options: OrgCellOptions): Array<Node | string> {
  const code = row.org ?? '';
  const name = row.org_name ?? options.directory.name(code);
  const content: Array<Node | string> = [];
  const note = options.directory.staleNote(code);
  if (note) content.push(staleMark(note), ' ');
  if (options.orgHref) {
    content.push(h('a', { attrs: { href: options.orgHref(code), title: code } }, name));
  } else {
    content.push(h('span', { attrs: { title: code } }, name));
  }
  return content;
}

export interface MetricTableOptions extends OrgCellOptions {
  caption: string;
  /** Name of the total row: the municipality, or only the organizations selected. */
  totalLabel: string;
  /** Key columns printed after the organization (`form`, `item`). */
  keys?: readonly MetricColumn[];
  /** Leave out the «Тип» column. */
  hideType?: boolean;
}

export function renderMetricTable(
  table: HTMLTableElement,
  columns: readonly MetricColumn[],
  rows: readonly OrgRow[],
  options: MetricTableOptions,
): void {
  const keys = options.keys ?? [];
  const tableColumns: TableColumn[] = [
    ...(options.hideType ? [] : [{ header: 'Тип', className: 'col-type' }]),
    ...keys.map((key) => ({ header: key.title })),
    ...columns.map((column) => ({ header: columnHeader(column), numeric: column.unit !== 'текст' && column.unit !== 'дата' })),
  ];
  const tableRows: TableRow[] = rows.map((row) => {
    const values = row as unknown as Record<string, unknown>;
    const total = row.org === null;
    return {
      head: total ? [options.totalLabel] : orgCell(row, options),
      total,
      org: row.org,
      cells: [
        ...(options.hideType ? [] : [total ? '' : (row.org_type ?? EMPTY)]),
        ...keys.map((key) => formatValue(key, values[key.name])),
        ...columns.map((column) => formatValue(column, values[column.name])),
      ],
    };
  });
  renderTable(table, options.caption, 'Организация', tableColumns, tableRows);
}
