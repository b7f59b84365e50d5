/**
 * CSV for Russian Excel: UTF-8 with BOM, `;` separator, decimal comma (unless asked for a point),
 * CRLF, RFC 4180 quoting; text that a
 * spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) is neutralized with a quote.
 */
import { csvField } from '../sources/csv.ts';
import type { MetricColumn } from '../metrics/metrics.ts';
import { columnLabel } from '../../shared/metrics.ts';
import type { Row } from '../db/db.ts';

export function neutralizeFormula(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

export interface CsvOptions {
  /** Default `comma`: the decimal comma Russian Excel reads as a number; `point` for programs. */
  decimal?: 'point' | 'comma';
  /** `names`: machine column names in the header; default the Russian titles. */
  header?: 'titles' | 'names';
}

export function toCsv(columns: readonly MetricColumn[], rows: readonly Row[], opts: CsvOptions = {}): string {
  const sep = ';';
  // Russian titles are for people: a status in words (`header=names`, for programs, keeps the code).
  const words = opts.header !== 'names';
  const cell = (c: MetricColumn, v: unknown): string => {
    if (v === null || v === undefined) return '';
    if (typeof v === 'number') {
      const s = String(v);
      return opts.decimal === 'point' ? s : s.replace('.', ',');
    }
    if (typeof v === 'boolean') return v ? 'да' : 'нет';
    return csvField(neutralizeFormula(words ? columnLabel(c, String(v)) : String(v)), sep);
  };
  // A moment stays as the API gives it, UTC (a CSV is data for a program as much as for Excel):
  // its title says so, as the workbook's says its zone.
  const title = (c: MetricColumn) => (c.kind === 'moment' ? `${c.title}, UTC` : c.title);
  const head = columns.map((c) => csvField(opts.header === 'names' ? c.name : title(c), sep)).join(sep);
  const body = rows.map((r) => columns.map((c) => (c.name === 'org' && r.org === null ? 'Итого' : cell(c, r[c.name]))).join(sep));
  return '\uFEFF' + [head, ...body].join('\r\n') + '\r\n';
}
