/**
 * The data-quality workbook (`GET /api/quality.xlsx`): every finding of the last loads — the
 * organization, tab, row, column and value each one names, its level and its message — on a
 * sheet «Замечания» a school can work through and tick off, and the organizations' states on
 * «Организации». Findings quote cells (teachers' names): coordinator, or a school for its own
 * organization, never the regional office. Values are written as text cells, which a
 * spreadsheet shows and never runs («=СУММ(…)», «-72» appear as typed; an apostrophe in front,
 * as the CSV needs, would misquote the school's cell).
 */
import type ExcelJS from 'exceljs';
import type { Row } from '../db/db.ts';
import { FINDING_LEVEL_LABELS, syncStatusText } from '../../shared/metrics.ts';
import { MOMENT_FORMAT, excel, momentSerial, momentsTitle } from './xlsx.ts';

const text = (v: unknown): ExcelJS.CellValue => (v === null || v === undefined || v === '' ? null : String(v));

/** A moment as the API gives it as an Excel date and time (xlsx.ts momentSerial); anything else as text. */
const moment = (v: unknown): ExcelJS.CellValue => momentSerial(v) ?? text(v);

function sheet(wb: ExcelJS.Workbook, name: string, headers: { title: string; width: number; format?: string }[], rows: ExcelJS.CellValue[][]): void {
  const ws = wb.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = headers.map((h) => ({ header: h.title, width: h.width, ...(h.format ? { style: { numFmt: h.format } } : {}) }));
  ws.getRow(1).font = { bold: true };
  for (const r of rows) ws.addRow(r);
  if (rows.length) ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: rows.length + 1, column: headers.length } };
  ws.getColumn(headers.length).alignment = { wrapText: true, vertical: 'top' };
}

export interface FindingsData {
  /** lists/quality_orgs rows. */
  orgs: readonly Row[];
  /** lists/quality_issues rows. */
  issues: readonly Row[];
  generatedAt: Date;
  /** What the workbook covers, said on its «Параметры» sheet. */
  scope: string;
}

export async function buildFindingsWorkbook(d: FindingsData): Promise<Buffer> {
  const wb = new (await excel()).Workbook();
  wb.creator = 'Наставничество: мониторинг';
  wb.created = d.generatedAt;
  const names = new Map(d.orgs.map((o) => [String(o.org), String(o.org_name ?? '')]));
  sheet(
    wb,
    'Замечания',
    [
      { title: 'Организация', width: 14 },
      { title: 'Наименование', width: 28 },
      { title: 'Лист', width: 26 },
      { title: 'Строка', width: 8, format: '0' },
      { title: 'Столбец', width: 22 },
      { title: 'Значение', width: 24 },
      { title: 'Уровень', width: 15 },
      { title: 'Что не так и как исправить', width: 90 },
    ],
    d.issues.map((i) => [
      text(i.org ?? 'реестр'),
      text(i.org === null ? 'реестр организаций' : names.get(String(i.org))),
      text(i.tab),
      i.row === null || i.row === undefined ? null : Number(i.row),
      text(i.column),
      text(i.value),
      FINDING_LEVEL_LABELS[String(i.level)] ?? text(i.level),
      text(i.message),
    ]),
  );
  sheet(
    wb,
    'Организации',
    [
      { title: 'Организация', width: 14 },
      { title: 'Наименование', width: 36 },
      { title: momentsTitle('Последняя загрузка', d.generatedAt), width: 22, format: MOMENT_FORMAT },
      { title: momentsTitle('Последняя попытка', d.generatedAt), width: 22, format: MOMENT_FORMAT },
      { title: 'Состояние', width: 16 },
      { title: 'Строк в карантине', width: 12, format: '0' },
      { title: 'Ошибок', width: 10, format: '0' },
      { title: 'Предупреждений', width: 14, format: '0' },
      { title: 'Сообщение синхронизации', width: 80 },
    ],
    d.orgs.map((o) => [
      text(o.org),
      text(o.org_name),
      moment(o.last_success) ?? 'не загружалась',
      moment(o.last_attempt),
      o.last_status ? `${syncStatusText(String(o.last_status))}${o.stale ? ', данные устарели' : ''}` : '—',
      Number(o.quarantined ?? 0),
      Number(o.errors ?? 0),
      Number(o.warnings ?? 0),
      text(o.last_message),
    ]),
  );
  const p = wb.addWorksheet('Параметры');
  p.columns = [{ width: 24 }, { width: 70 }];
  p.addRow(['Выгрузка', 'Качество данных: замечания последних загрузок']);
  p.addRow(['Охват', d.scope]);
  p.addRow(['Замечаний', d.issues.length]);
  // A date and time of Excel's on the server's clock (xlsx.ts momentSerial), its zone said.
  p.addRow([momentsTitle('Сформировано', d.generatedAt), momentSerial(d.generatedAt.toISOString())]).getCell(2).numFmt = MOMENT_FORMAT;
  p.getColumn(1).font = { bold: true };
  return Buffer.from(await wb.xlsx.writeBuffer());
}
