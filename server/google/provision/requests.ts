/** Provisioning (server/google/provision/): pure builders — the declaration → Sheets API requests. */
import { type ColumnDecl, HEADER_SEARCH_ROWS, ORDER_ITEMS, headerIndex, headerKey, TABS, type TabDecl, matchKey, ruDate } from '../../contract/index.ts';
import { TEMPLATE_ROWS, columnLetter, headerNote, listOf, widthOf } from '../../template/xlsx.ts';
import type { sheets_v4 } from 'googleapis/build/src/apis/sheets/v4.js';

export type Request = sheets_v4.Schema$Request;

/** Grid rows of a tab created here: the header and TEMPLATE_ROWS rows under it, as in the XLSX template. */
export const TAB_ROWS = TEMPLATE_ROWS + 1;
/** Grid columns of a tab created here (Google's default). */
const TAB_COLUMNS = 26;
/** sheetId of the first tab of a new spreadsheet; the others follow. */
const FIRST_SHEET_ID = 1001;

export const HEADER_PROTECTION =
  'Строка заголовков по шаблону: не изменяйте её — синхронизация находит столбцы по названиям';
const ENUM_LIST_PROMPT = 'Одно или несколько значений из списка, через «;».';
const REQUIRED_BG = { red: 0xdc / 255, green: 0xe6 / 255, blue: 0xf2 / 255 };
const OPTIONAL_BG = { red: 0xf2 / 255, green: 0xf2 / 255, blue: 0xf2 / 255 };
const HEADER_FIELDS = 'userEnteredValue,note,userEnteredFormat';

/** A logical failure of provisioning (the organization, the registry), worded in Russian. */
export class ProvisionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProvisionError';
  }
}


/** The check under a column's header, or null when the column has none (free text, people). */
export function validationRule(c: ColumnDecl): sheets_v4.Schema$DataValidationRule | null {
  const t = c.type;
  // The items of the order are pre-filled as text: a drop-down of "3.1"… would have Sheets read
  // them as dates or numbers under the Russian locale, so the column is formatted as text instead.
  if (t.kind === 'item') return null;
  const values = listOf(c);
  if (values) {
    return {
      condition: { type: 'ONE_OF_LIST', values: values.map((v) => ({ userEnteredValue: v })) },
      showCustomUi: true,
      // Several topics go in one cell through «;»: the list suggests, it does not forbid.
      strict: t.kind !== 'enumList',
      ...(t.kind === 'enumList' ? { inputMessage: ENUM_LIST_PROMPT } : {}),
    };
  }
  if (t.kind === 'date') {
    return { condition: { type: 'DATE_IS_VALID' }, strict: false, inputMessage: 'Дата в виде дд.мм.гггг, например 01.09.2023.' };
  }
  if (t.kind === 'number') {
    return {
      condition: { type: 'NUMBER_BETWEEN', values: [{ userEnteredValue: String(t.min) }, { userEnteredValue: String(t.max) }] },
      strict: false,
      inputMessage: `${t.integer ? 'Целое число' : 'Число'} от ${t.min} до ${t.max}.`,
    };
  }
  return null;
}

/** Column width in pixels: the XLSX template's width in characters, at about 7 pixels each. */
export function columnPixels(c: ColumnDecl): number {
  return widthOf(c) * 7 + 10;
}

function headerCell(c: ColumnDecl): sheets_v4.Schema$CellData {
  return {
    userEnteredValue: { stringValue: c.header },
    note: headerNote(c),
    userEnteredFormat: {
      textFormat: { bold: true },
      backgroundColor: c.required ? REQUIRED_BG : OPTIONAL_BG,
      wrapStrategy: 'WRAP',
      verticalAlignment: 'MIDDLE',
    },
  };
}

/** The rows a new tab starts with: the header; on «Исполнение распоряжения», the items of the order. */
function initialRows(tab: TabDecl): sheets_v4.Schema$RowData[] {
  const rows: sheets_v4.Schema$RowData[] = [{ values: tab.columns.map(headerCell) }];
  if (tab.key === 'compliance') {
    for (const it of ORDER_ITEMS) {
      rows.push({
        values: [
          {
            userEnteredValue: { stringValue: it.item },
            note: it.deadline ? `Срок исполнения — до ${ruDate(it.deadline)}.` : 'Исполняется постоянно.',
          },
        ],
      });
    }
  }
  return rows;
}

function gridColumns(tab: TabDecl): number {
  return Math.max(TAB_COLUMNS, tab.columns.length);
}

function freezeRequest(sheetId: number, rows: number): Request {
  return { updateSheetProperties: { properties: { sheetId, gridProperties: { frozenRowCount: rows } }, fields: 'gridProperties.frozenRowCount' } };
}

function protectRequest(sheetId: number, headerRow: number): Request {
  return {
    addProtectedRange: {
      protectedRange: { range: { sheetId, startRowIndex: headerRow, endRowIndex: headerRow + 1 }, description: HEADER_PROTECTION, warningOnly: false },
    },
  };
}

function validationRequest(c: ColumnDecl, sheetId: number, headerRow: number, col: number, rowCount: number): Request | null {
  const rule = validationRule(c);
  if (!rule || rowCount <= headerRow + 1) return null;
  return {
    setDataValidation: {
      range: { sheetId, startRowIndex: headerRow + 1, endRowIndex: rowCount, startColumnIndex: col, endColumnIndex: col + 1 },
      rule,
    },
  };
}

/** Width and number format of a column this tool writes the header of (never of a school's column). */
function freshColumnRequests(c: ColumnDecl, sheetId: number, headerRow: number, col: number, rowCount: number): Request[] {
  const out: Request[] = [
    {
      updateDimensionProperties: {
        range: { sheetId, dimension: 'COLUMNS', startIndex: col, endIndex: col + 1 },
        properties: { pixelSize: columnPixels(c) },
        fields: 'pixelSize',
      },
    },
  ];
  const numberFormat =
    c.type.kind === 'date' ? { type: 'DATE', pattern: 'dd.mm.yyyy' } : c.type.kind === 'item' ? { type: 'TEXT' } : null;
  if (numberFormat && rowCount > headerRow + 1) {
    out.push({
      repeatCell: {
        range: { sheetId, startRowIndex: headerRow + 1, endRowIndex: rowCount, startColumnIndex: col, endColumnIndex: col + 1 },
        cell: { userEnteredFormat: { numberFormat } },
        fields: 'userEnteredFormat.numberFormat',
      },
    });
  }
  return out;
}

/** Everything a tab created here gets after its header: protection, checks, widths, formats. */
function newTabRequests(tab: TabDecl, sheetId: number): Request[] {
  const out: Request[] = [protectRequest(sheetId, 0)];
  tab.columns.forEach((c, i) => {
    const v = validationRequest(c, sheetId, 0, i, TAB_ROWS);
    if (v) out.push(v);
  });
  tab.columns.forEach((c, i) => out.push(...freshColumnRequests(c, sheetId, 0, i, TAB_ROWS)));
  return out;
}

export interface OrgInfo {
  code: string;
  name: string;
}

export function spreadsheetTitle(org: OrgInfo): string {
  return `Наставничество — ${org.name} (${org.code})`;
}

/** The `spreadsheets.create` body: every declared tab with its header row, frozen row 1. */
export function buildCreateBody(org: OrgInfo): sheets_v4.Schema$Spreadsheet {
  return {
    properties: { title: spreadsheetTitle(org), locale: 'ru_RU' },
    sheets: TABS.map((tab, i) => ({
      properties: {
        sheetId: FIRST_SHEET_ID + i,
        title: tab.title,
        index: i,
        gridProperties: { rowCount: TAB_ROWS, columnCount: gridColumns(tab), frozenRowCount: 1 },
      },
      data: [{ startRow: 0, startColumn: 0, rowData: initialRows(tab) }],
    })),
  };
}

/** The `batchUpdate` after `create`; `sheetIdOf` maps a tab title to the sheetId Google gave it. */
export function buildSetupRequests(sheetIdOf: (title: string) => number): Request[] {
  return TABS.flatMap((tab) => newTabRequests(tab, sheetIdOf(tab.title)));
}

/** One tab of an existing spreadsheet, as far as provisioning needs to know it. */
export interface ExistingTab {
  sheetId: number;
  title: string;
  rowCount: number;
  columnCount: number;
  frozenRowCount: number;
  /** Row spans covered by protected ranges: 0-based, `end` exclusive (Infinity = unbounded). */
  protectedRows: { start: number; end: number }[];
  /** The rows as displayed (all of them: the header is looked for in the first HEADER_SEARCH_ROWS); '' for an empty cell. */
  rows: string[][];
  /** Same shape: whether a cell has a data validation. */
  validated: boolean[][];
}

export interface ExistingSpreadsheet {
  id: string;
  tabs: ExistingTab[];
}

export interface Plan {
  requests: Request[];
  /** What the requests do, in Russian, one line each. */
  changes: string[];
  /** What could not be checked (and was left alone), in Russian. */
  problems: string[];
}

/** The missing parts of an existing spreadsheet as requests; an empty plan when nothing is missing. */
export function planMissing(existing: ExistingSpreadsheet): Plan {
  const plan: Plan = { requests: [], changes: [], problems: [] };
  let nextId = Math.max(FIRST_SHEET_ID + TABS.length, ...existing.tabs.map((t) => t.sheetId + 1));
  for (const tab of TABS) {
    const same = existing.tabs.filter((t) => matchKey(t.title) === matchKey(tab.title));
    if (same.length > 1) {
      plan.problems.push(`несколько листов с названием «${tab.title}» (${same.map((t) => `«${t.title}»`).join(', ')}): оставьте один; эти листы не изменены`);
      continue;
    }
    const ex = same[0];
    if (!ex) {
      const sheetId = nextId++;
      plan.requests.push(
        {
          addSheet: {
            properties: { sheetId, title: tab.title, gridProperties: { rowCount: TAB_ROWS, columnCount: gridColumns(tab), frozenRowCount: 1 } },
          },
        },
        { updateCells: { start: { sheetId, rowIndex: 0, columnIndex: 0 }, rows: initialRows(tab), fields: HEADER_FIELDS } },
        ...newTabRequests(tab, sheetId),
      );
      plan.changes.push(`лист «${tab.title}» с заголовками, списками и проверками`);
      continue;
    }
    planTab(tab, ex, plan);
  }
  return plan;
}

function planTab(tab: TabDecl, ex: ExistingTab, plan: Plan): void {
  const keys = headerIndex(tab.columns);
  const at = `листа «${ex.title}»`;
  // The header row: the first of the top rows naming the most declared columns.
  let best = { row: -1, found: 0 };
  for (let r = 0; r < Math.min(ex.rows.length, HEADER_SEARCH_ROWS); r++) {
    const found = new Set((ex.rows[r] ?? []).map((cell) => headerKey(keys, cell)).filter((k) => k !== undefined)).size;
    if (found > best.found) best = { row: r, found };
  }
  let h: number;
  if (best.row >= 0) h = best.row;
  else if (ex.rows.every((r) => r.every((cell) => cell.trim() === ''))) h = 0;
  else {
    plan.problems.push(
      `на листе «${ex.title}» не найдена строка заголовков (в первых ${HEADER_SEARCH_ROWS} строках нет ни одного заголовка шаблона): лист не изменён; впишите заголовки по шаблону`,
    );
    return;
  }
  const header = ex.rows[h] ?? [];
  const positions = new Map<string, number>();
  let lastUsed = -1;
  header.forEach((cell, i) => {
    if (cell.trim() === '') return;
    lastUsed = i;
    const key = headerKey(keys, cell);
    if (key !== undefined && !positions.has(key)) positions.set(key, i);
  });

  // New columns go after the last column with anything in it — a header, or a value in any row
  // (the school's own column without a header stays as it is).
  const lastHeader = lastUsed;
  for (const row of ex.rows) {
    for (let i = row.length - 1; i > lastUsed; i--) {
      if ((row[i] ?? '').trim() !== '') {
        lastUsed = i;
        break;
      }
    }
  }
  const missing = tab.columns.filter((c) => !positions.has(c.key));
  if (missing.length && lastUsed > lastHeader) {
    plan.changes.push(
      `на листе «${ex.title}» в ${lastUsed === lastHeader + 1 ? `столбце ${columnLetter(lastUsed + 1)}` : `столбцах ${columnLetter(lastHeader + 2)}–${columnLetter(lastUsed + 1)}`} есть значения без заголовка: не тронуты, новые столбцы — правее`,
    );
  }
  const needed = lastUsed + 1 + missing.length;
  if (missing.length && needed > ex.columnCount) {
    plan.requests.push({ appendDimension: { sheetId: ex.sheetId, dimension: 'COLUMNS', length: needed - ex.columnCount } });
  }
  missing.forEach((c, k) => {
    const col = lastUsed + 1 + k;
    plan.requests.push({ updateCells: { start: { sheetId: ex.sheetId, rowIndex: h, columnIndex: col }, rows: [{ values: [headerCell(c)] }], fields: HEADER_FIELDS } });
    const v = validationRequest(c, ex.sheetId, h, col, ex.rowCount);
    if (v) plan.requests.push(v);
    plan.requests.push(...freshColumnRequests(c, ex.sheetId, h, col, ex.rowCount));
    plan.changes.push(`столбец «${c.header}» на листе «${ex.title}» (${columnLetter(col + 1)}${h + 1})`);
  });

  // Checks under the school's own headers: only where the first row under the header has none.
  for (const c of tab.columns) {
    const col = positions.get(c.key);
    if (col === undefined) continue;
    if (ex.validated[h + 1]?.[col] === true) continue;
    const v = validationRequest(c, ex.sheetId, h, col, ex.rowCount);
    if (!v) continue;
    plan.requests.push(v);
    plan.changes.push(`${validationRule(c)?.condition?.type === 'ONE_OF_LIST' ? 'выпадающий список' : 'проверка значений'} в столбце «${header[col]}» ${at}`);
  }

  if (ex.frozenRowCount < h + 1) {
    plan.requests.push(freezeRequest(ex.sheetId, h + 1));
    plan.changes.push(`закрепление строки заголовков ${at}`);
  }
  if (!ex.protectedRows.some((p) => p.start <= h && h < p.end)) {
    plan.requests.push(protectRequest(ex.sheetId, h));
    plan.changes.push(`защита строки заголовков ${at} (строка ${h + 1})`);
  }
}
