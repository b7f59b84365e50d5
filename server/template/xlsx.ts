/**
 * The XLSX template of an organization's spreadsheet, generated from the contract declaration
 * (nothing about a tab is written here): every tab with its headers (frozen, with a note on
 * each: what to write, whether it is required), drop-down lists for the enumerations, the
 * categories and Да/Нет, date and number checks with the `дд.мм.гггг` format, and the tab
 * «Исполнение распоряжения» pre-filled with the items of the order and their deadlines.
 *
 * The lists live on a hidden tab «Списки» (a list typed into a validation is limited to 255
 * characters, and the topics alone are longer). The sync ignores tabs it does not know, so
 * the blank template loads with no error at all (test/integration/template.test.ts).
 *
 * `fill` writes rows under the headers (by header text): the same workbook filled with an
 * organization's data, e.g. the demo's, loads exactly as that data does.
 */
import type ExcelJS from 'exceljs';

/** exceljs is loaded when a workbook is first made or read (it costs a server's start ~0.3 s otherwise). */
const excel = async () => (await import('exceljs')).default;
import {
  CATEGORIES,
  ORDER_ITEMS,
  TABS,
  expectedValue,
  matchKey,
  ruDate,
  type ColumnDecl,
  type TabKey,
} from '../contract/index.ts';
import { columnLetter, type Cell, type RawTab } from '../contract/grid.ts';

/** Rows below the header that carry the checks and formats. */
export const TEMPLATE_ROWS = 1000;
export const LISTS_SHEET = 'Списки';
const YES_NO = ['Да', 'Нет'];

export interface TemplateOptions {
  /** Rows to write under the headers, per tab (matched by title; cells matched by header). */
  fill?: readonly RawTab[];
  /** Shown in the workbook's properties. */
  orgName?: string;
}

export { columnLetter };

/** The values a column's drop-down offers, or null when it has none. */
export function listOf(c: ColumnDecl): readonly string[] | null {
  const t = c.type;
  switch (t.kind) {
    case 'enum':
    case 'enumList':
      return t.values.map((v) => v.value);
    case 'category':
      return CATEGORIES.map((v) => v.value);
    case 'yesno':
      return YES_NO;
    case 'item':
      return ORDER_ITEMS.map((i) => i.item);
    default:
      return null;
  }
}

/** Column width in characters: wide enough for the header and a typical value (also the provisioned Google sheet's). */
export function widthOf(c: ColumnDecl): number {
  const t = c.type;
  const typical =
    t.kind === 'date'
      ? 12
      : t.kind === 'number' || t.kind === 'yesno' || t.kind === 'item'
        ? 10
        : t.kind === 'person'
          ? 32
          : t.kind === 'enum' || t.kind === 'enumList' || t.kind === 'category'
            ? Math.min(36, Math.max(...(listOf(c) ?? ['']).map((v) => v.length)) + 2)
            : Math.min(48, Math.max(16, Math.round(t.maxLength / 10)));
  return Math.max(typical, Math.min(40, c.header.length + 4));
}

/** The note on a header cell: what to write there. */
export function headerNote(c: ColumnDecl): string {
  const lines = [c.required ? 'Обязательный столбец.' : 'Необязательный столбец.'];
  if (c.note) lines.push(`${c.note[0]!.toUpperCase()}${c.note.slice(1)}.`);
  const expected = expectedValue(c);
  if (expected) lines.push(`${expected[0]!.toUpperCase()}${expected.slice(1)}.`);
  if (c.type.kind === 'text') lines.push(`Не больше ${c.type.maxLength} знаков.`);
  return lines.join('\n');
}

/** exceljs has worksheet-level validations (a range at once) but does not declare them in its types. */
function validations(ws: ExcelJS.Worksheet): { add(range: string, v: ExcelJS.DataValidation): void } {
  return (ws as unknown as { dataValidations: { add(range: string, v: ExcelJS.DataValidation): void } }).dataValidations;
}

/** Where the drop-down of a list sits on the hidden tab: one column per distinct list. */
interface ListPlace {
  ref: string;
  values: readonly string[];
}

export async function buildTemplate(opts: TemplateOptions = {}): Promise<Buffer> {
  const wb = new (await excel()).Workbook();
  wb.creator = 'Наставничество: мониторинг';
  wb.title = opts.orgName ? `Наставничество — ${opts.orgName}` : 'Наставничество — шаблон таблицы организации';
  wb.created = new Date(0); // deterministic bytes for the same declaration

  const sheets = new Map<TabKey, ExcelJS.Worksheet>();
  for (const tab of TABS) sheets.set(tab.key, wb.addWorksheet(tab.title, { views: [{ state: 'frozen', ySplit: 1 }] }));
  const lists = wb.addWorksheet(LISTS_SHEET, { state: 'veryHidden' });

  const places = new Map<string, ListPlace>();
  const placeOf = (values: readonly string[]): ListPlace => {
    const key = values.join('\u0001');
    let p = places.get(key);
    if (!p) {
      const col = columnLetter(places.size + 1);
      values.forEach((v, i) => {
        lists.getCell(`${col}${i + 1}`).value = v;
      });
      p = { ref: `'${LISTS_SHEET}'!$${col}$1:$${col}$${values.length}`, values };
      places.set(key, p);
    }
    return p;
  };

  for (const tab of TABS) {
    const ws = sheets.get(tab.key)!;
    ws.columns = tab.columns.map((c) => ({ key: c.key, width: widthOf(c) }));
    const header = ws.getRow(1);
    tab.columns.forEach((c, i) => {
      const cell = header.getCell(i + 1);
      cell.value = c.header;
      cell.note = { texts: [{ text: headerNote(c) }] };
    });
    header.font = { bold: true };
    header.alignment = { vertical: 'middle', wrapText: true };
    header.height = 32;
    tab.columns.forEach((c, i) => {
      header.getCell(i + 1).fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: c.required ? 'FFDCE6F2' : 'FFF2F2F2' } };
    });

    tab.columns.forEach((c, i) => {
      const letter = columnLetter(i + 1);
      const range = `${letter}2:${letter}${TEMPLATE_ROWS + 1}`;
      const t = c.type;
      const title = c.header;
      const values = listOf(c);
      if (t.kind === 'date') {
        ws.getColumn(i + 1).numFmt = 'dd.mm.yyyy';
        validations(ws).add(range, {
          type: 'date',
          operator: 'between',
          allowBlank: true,
          formulae: [new Date(Date.UTC(t.minYear, 0, 1)), new Date(Date.UTC(2100, 11, 31))],
          showErrorMessage: true,
          errorStyle: 'warning',
          errorTitle: title,
          error: `Введите дату в виде дд.мм.гггг (например, 01.09.2023), не раньше ${t.minYear} года.`,
        });
      } else if (t.kind === 'number') {
        validations(ws).add(range, {
          type: t.integer ? 'whole' : 'decimal',
          operator: 'between',
          allowBlank: true,
          formulae: [t.min, t.max],
          showErrorMessage: true,
          errorStyle: 'warning',
          errorTitle: title,
          error: `Введите ${t.integer ? 'целое число' : 'число'} от ${t.min} до ${t.max}.`,
        });
      } else if (values) {
        validations(ws).add(range, {
          type: 'list',
          allowBlank: true,
          formulae: [placeOf(values).ref],
          // Several topics go in one cell through «;»: the list suggests, it does not forbid.
          showErrorMessage: t.kind !== 'enumList',
          errorStyle: 'stop',
          errorTitle: title,
          error: `Выберите значение из списка: ${values.join(', ')}.`,
          showInputMessage: t.kind === 'enumList',
          promptTitle: title,
          prompt: t.kind === 'enumList' ? 'Одно или несколько значений из списка, через «;».' : '',
        });
      } else if (t.kind === 'text') {
        validations(ws).add(range, {
          type: 'textLength',
          operator: 'lessThanOrEqual',
          allowBlank: true,
          formulae: [t.maxLength],
          showErrorMessage: true,
          errorStyle: 'warning',
          errorTitle: title,
          error: `Не больше ${t.maxLength} знаков.`,
        });
      }
    });
  }

  // «Исполнение распоряжения»: one row per item of section 3, its deadline as a note.
  const compliance = sheets.get('compliance')!;
  ORDER_ITEMS.forEach((it, i) => {
    const cell = compliance.getCell(i + 2, 1);
    cell.value = it.item;
    cell.note = { texts: [{ text: it.deadline ? `Срок исполнения — до ${ruDate(it.deadline)}.` : 'Исполняется постоянно.' }] };
  });

  for (const raw of opts.fill ?? []) {
    const tab = TABS.find((t) => matchKey(t.title) === matchKey(raw.title));
    if (tab) fillTab(sheets.get(tab.key)!, tab.columns, raw);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** Writes a grid's data rows under the template's headers, column by header. */
function fillTab(ws: ExcelJS.Worksheet, columns: readonly ColumnDecl[], raw: RawTab): void {
  const grid = raw.grid;
  const keyOfHeader = new Map<string, number>();
  columns.forEach((c, i) => {
    keyOfHeader.set(matchKey(c.header), i);
    for (const a of c.aliases) keyOfHeader.set(matchKey(a), i);
  });
  // The grid's header row: the first row naming one of the columns.
  const headerRow = grid.findIndex((row) => row.some((cell) => typeof cell === 'string' && keyOfHeader.has(matchKey(cell))));
  if (headerRow < 0) return;
  const target = grid[headerRow]!.map((cell) => (typeof cell === 'string' ? keyOfHeader.get(matchKey(cell)) : undefined));
  // What the template put there (the items of the order) gives way to the organization's rows.
  for (let r = 2; r <= ws.rowCount; r++) {
    ws.getRow(r).eachCell((cell) => {
      cell.value = null;
      cell.note = undefined as never;
    });
  }
  let out = 2;
  for (const row of grid.slice(headerRow + 1)) {
    if (row.every((cell) => cell === null || cell === '')) continue;
    const line = ws.getRow(out++);
    row.forEach((cell, j) => {
      const i = target[j];
      if (i !== undefined) line.getCell(i + 1).value = excelValue(cell);
    });
  }
}

function excelValue(cell: Cell): ExcelJS.CellValue {
  return cell === null ? null : cell;
}
