/**
 * Provisioning an organization's Google spreadsheet from the contract declaration
 * (`npm run provision -- --org СОШ-2`).
 *
 * A new spreadsheet: one `spreadsheets.create` (every tab of TABS with its header row, header
 * notes, frozen row 1, the items of the order pre-filled on «Исполнение распоряжения»), its ID
 * written into the «Таблица» cell of the organization's registry row (`values.update`), then
 * one `batchUpdate`: drop-down lists (ONE_OF_LIST) for the enumerations, categories and Да/Нет,
 * date and number checks, a protected header row, column widths and date formats. Optionally
 * shared with the school (Drive `permissions.create`, role writer).
 *
 * An existing spreadsheet (the registry cell holds an ID): read (two `spreadsheets.get`: tabs,
 * frozen rows and protections; then the first rows of the declared tabs with their data
 * validations), and only what is missing is added in one `batchUpdate` — a missing tab, a
 * missing column (its header after the last used header cell), a missing check under a header,
 * the frozen and protected header row. Nothing a school typed is rewritten: no existing header,
 * value or validation is touched. Nothing missing: no `batchUpdate` at all.
 *
 * The request builders are pure (declaration + what exists → requests); `provision` runs them.
 */
import type { sheets_v4 } from 'googleapis/build/src/apis/sheets/v4.js';
import {
  ORDER_ITEMS,
  REGISTRY_TAB,
  TABS,
  isBlank,
  layoutGrid,
  HEADER_SEARCH_ROWS,
  matchKey,
  toGrid,
  rawText,
  ruDate,
  type ColumnDecl,
  type TabDecl,
} from '../contract/index.ts';
import { extractSpreadsheetId, quoteSheetTitle } from './sheetId.ts';
import { TEMPLATE_ROWS, columnLetter, headerNote, listOf, widthOf } from '../template/xlsx.ts';
import { spreadsheetUrl, type SheetsWriter } from './write.ts';

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

// ---------------------------------------------------------------------------------------------
// Pure builders: the declaration → requests
// ---------------------------------------------------------------------------------------------

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
  /** The first rows (up to HEADER_SEARCH_ROWS + 1) as displayed; '' for an empty cell. */
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

function headerKeys(columns: readonly ColumnDecl[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const c of columns) {
    m.set(matchKey(c.header), c.key);
    for (const a of c.aliases) m.set(matchKey(a), c.key);
  }
  return m;
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
  const keys = headerKeys(tab.columns);
  const at = `листа «${ex.title}»`;
  // The header row: the first of the top rows naming the most declared columns.
  let best = { row: -1, found: 0 };
  for (let r = 0; r < Math.min(ex.rows.length, HEADER_SEARCH_ROWS); r++) {
    const found = new Set((ex.rows[r] ?? []).map((cell) => keys.get(matchKey(cell))).filter((k) => k !== undefined)).size;
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
    const key = keys.get(matchKey(cell));
    if (key !== undefined && !positions.has(key)) positions.set(key, i);
  });

  const missing = tab.columns.filter((c) => !positions.has(c.key));
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

// ---------------------------------------------------------------------------------------------
// Reading what exists
// ---------------------------------------------------------------------------------------------


/** The spreadsheet as provisioning sees it: two reads (tabs, then the top rows of the declared tabs). */
export async function readExisting(writer: SheetsWriter, id: string, what: string, hints: { notFound: string; forbidden: string }): Promise<ExistingSpreadsheet> {
  const meta = await writer.call<sheets_v4.Schema$Spreadsheet>(
    what,
    (c) =>
      c.sheets.spreadsheets.get({
        spreadsheetId: id,
        fields: 'sheets(properties(sheetId,title,sheetType,gridProperties(rowCount,columnCount,frozenRowCount)),protectedRanges(range))',
      }),
    { ...hints, budget: 'read' },
  );
  const grids = (meta.sheets ?? []).filter((s) => (s.properties?.sheetType ?? 'GRID') === 'GRID' && typeof s.properties?.title === 'string');
  const tabs: ExistingTab[] = grids.map((s) => {
    const p = s.properties!;
    return {
      sheetId: p.sheetId ?? 0,
      title: p.title!,
      rowCount: p.gridProperties?.rowCount ?? 1000,
      columnCount: p.gridProperties?.columnCount ?? 26,
      frozenRowCount: p.gridProperties?.frozenRowCount ?? 0,
      protectedRows: (s.protectedRanges ?? [])
        .filter((r) => r.range && (r.range.sheetId ?? 0) === (p.sheetId ?? 0))
        .map((r) => ({ start: r.range!.startRowIndex ?? 0, end: r.range!.endRowIndex ?? Infinity })),
      rows: [],
      validated: [],
    };
  });
  const declared = tabs.filter((t) => TABS.some((d) => matchKey(d.title) === matchKey(t.title)));
  if (declared.length === 0) return { id, tabs };
  const data = await writer.call<sheets_v4.Schema$Spreadsheet>(
    what,
    (c) =>
      c.sheets.spreadsheets.get({
        spreadsheetId: id,
        ranges: declared.map((t) => `${quoteSheetTitle(t.title)}!1:${HEADER_SEARCH_ROWS + 1}`),
        includeGridData: true,
        fields: 'sheets(properties(sheetId,title),data(startRow,rowData(values(formattedValue,dataValidation))))',
      }),
    { ...hints, budget: 'read' },
  );
  for (const s of data.sheets ?? []) {
    const t = tabs.find((x) => x.sheetId === s.properties?.sheetId) ?? tabs.find((x) => x.title === s.properties?.title);
    if (!t) continue;
    for (const block of s.data ?? []) {
      const start = block.startRow ?? 0;
      (block.rowData ?? []).forEach((r, i) => {
        const cells = r.values ?? [];
        t.rows[start + i] = cells.map((v) => v.formattedValue ?? '');
        t.validated[start + i] = cells.map((v) => v.dataValidation !== undefined && v.dataValidation !== null);
      });
    }
    for (let i = 0; i < t.rows.length; i++) {
      t.rows[i] ??= [];
      t.validated[i] ??= [];
    }
  }
  return { id, tabs };
}

/** An organization's row of the registry tab. */
export interface RegistryRow {
  code: string;
  name: string;
  active: boolean;
  /** The «Таблица» cell as typed ('' when empty). */
  sheet: string;
  /** The registry tab's title as it is in the spreadsheet. */
  tabTitle: string;
  /** 1-based row and 0-based column of the «Таблица» cell. */
  row: number;
  sheetColumn: number;
}

export async function readRegistryRow(writer: SheetsWriter, registryId: string, code: string): Promise<RegistryRow> {
  const what = `чтение реестра организаций (таблица ${registryId})`;
  const hints = {
    notFound: 'реестр не найден: проверьте SHEETS_REGISTRY_ID',
    forbidden: `нет доступа к реестру: откройте доступ «Редактор» для сервисного аккаунта ${await writer.serviceEmail()} (в реестр записывается ID созданной таблицы)`,
  };
  const meta = await writer.call<sheets_v4.Schema$Spreadsheet>(what, (c) => c.sheets.spreadsheets.get({ spreadsheetId: registryId, fields: 'sheets.properties.title' }), { ...hints, budget: 'read' });
  const titles = (meta.sheets ?? []).map((s) => s.properties?.title).filter((t): t is string => typeof t === 'string');
  const tabTitle = titles.find((t) => matchKey(t) === matchKey(REGISTRY_TAB.title));
  if (tabTitle === undefined) {
    throw new ProvisionError(`в реестре организаций (таблица ${registryId}) нет листа «${REGISTRY_TAB.title}»; листы: ${titles.map((t) => `«${t}»`).join(', ') || 'нет ни одного'}`);
  }
  const range = await writer.call<sheets_v4.Schema$ValueRange>(
    what,
    (c) => c.sheets.spreadsheets.values.get({ spreadsheetId: registryId, range: quoteSheetTitle(tabTitle), valueRenderOption: 'UNFORMATTED_VALUE', majorDimension: 'ROWS' }),
    { ...hints, budget: 'read' },
  );
  const grid = toGrid(range.values);
  const layout = layoutGrid(grid, REGISTRY_TAB.columns);
  if (!layout.ok) throw new ProvisionError(`реестр организаций (лист «${tabTitle}»): ${layout.problem}`);
  const sheetDecl = REGISTRY_TAB.columns.find((c) => c.key === 'sheet')!;
  const sheetKeys = new Set([sheetDecl.header, ...sheetDecl.aliases].map(matchKey));
  const sheetColumn = (grid[layout.headerRow - 1] ?? []).findIndex((cell) => typeof cell === 'string' && sheetKeys.has(matchKey(cell)));
  const rows = layout.rows.filter((r) => !isBlank(r.cells.code ?? null) && matchKey(rawText(r.cells.code ?? null)) === matchKey(code));
  if (rows.length === 0) {
    const codes = layout.rows.map((r) => rawText(r.cells.code ?? null).trim()).filter((c) => c !== '');
    const listed = codes.length > 0 ? `коды в реестре: ${codes.slice(0, 20).join(', ')}${codes.length > 20 ? ` и ещё ${codes.length - 20}` : ''}` : 'в реестре нет ни одной организации';
    throw new ProvisionError(`организации с кодом «${code}» нет в реестре (лист «${tabTitle}», таблица ${registryId}); ${listed}`);
  }
  if (rows.length > 1) {
    throw new ProvisionError(`код «${code}» повторяется в реестре (строки ${rows.map((r) => r.row).join(', ')}): у каждой организации должен быть свой код`);
  }
  const r = rows[0]!;
  const active = r.cells.active;
  return {
    code: rawText(r.cells.code ?? null).trim(),
    name: rawText(r.cells.name ?? null).trim() || code,
    active: !(active === false || (typeof active === 'string' && matchKey(active) === matchKey('Нет'))),
    sheet: rawText(r.cells.sheet ?? null).trim(),
    tabTitle,
    row: r.row,
    sheetColumn,
  };
}

// ---------------------------------------------------------------------------------------------
// The runner
// ---------------------------------------------------------------------------------------------

export interface ProvisionOptions {
  writer: SheetsWriter;
  /** The registry spreadsheet: an ID or its URL. */
  registryId: string;
  /** The organization's code in the registry. */
  org: string;
  /** Share the spreadsheet with this e-mail (role writer). */
  share?: string | null | undefined;
  /** Read what exists, send no change. */
  dryRun?: boolean | undefined;
}

export interface ProvisionResult {
  org: string;
  name: string;
  /** null only on a dry run that would create the spreadsheet. */
  spreadsheetId: string | null;
  url: string | null;
  created: boolean;
  /** The `spreadsheets.create` body (sent, or that would be sent). */
  createBody: sheets_v4.Schema$Spreadsheet | null;
  /** The `batchUpdate` requests (sent, or that would be sent); empty when nothing is missing. */
  requests: Request[];
  changes: string[];
  problems: string[];
  /** The registry cell written (A1), or null. */
  registryCell: string | null;
  /** The e-mail the spreadsheet was (or would be) shared with. */
  shared: string | null;
  dryRun: boolean;
  /** Notes for the person running it (inactive organization, …). */
  notes: string[];
}

export async function provision(o: ProvisionOptions): Promise<ProvisionResult> {
  const { writer } = o;
  const registryId = extractSpreadsheetId(o.registryId) ?? o.registryId.trim();
  const reg = await readRegistryRow(writer, registryId, o.org);
  const email = await writer.serviceEmail();
  const dryRun = o.dryRun === true;
  const result: ProvisionResult = {
    org: reg.code,
    name: reg.name,
    spreadsheetId: null,
    url: null,
    created: false,
    createBody: null,
    requests: [],
    changes: [],
    problems: [],
    registryCell: null,
    shared: null,
    dryRun,
    notes: reg.active ? [] : [`организация ${reg.code} отмечена в реестре как неактивная: её таблица не синхронизируется, пока в столбце «Активна» не будет «Да»`],
  };
  const cell = `${quoteSheetTitle(reg.tabTitle)}!${columnLetter(reg.sheetColumn + 1)}${reg.row}`;
  const who = `организации ${reg.code}`;

  let id: string;
  if (reg.sheet === '') {
    const body = buildCreateBody(reg);
    result.createBody = body;
    result.created = true;
    if (dryRun) {
      result.requests = buildSetupRequests((title) => body.sheets!.find((s) => s.properties?.title === title)!.properties!.sheetId!);
      result.changes.push('таблица со всеми листами шаблона', `её ID в реестре (ячейка ${cell})`, 'выпадающие списки, проверки дат и чисел, защита строки заголовков, ширина столбцов');
      if (o.share) result.shared = o.share;
      return result;
    }
    const created = await writer.call<sheets_v4.Schema$Spreadsheet>(
      `создание таблицы ${who}`,
      (c) => c.sheets.spreadsheets.create({ requestBody: body, fields: 'spreadsheetId,sheets.properties(sheetId,title)' }),
      { retry: 'rateLimitOnly' },
    );
    if (!created.spreadsheetId) throw new ProvisionError(`Google не вернул ID созданной таблицы ${who}`);
    id = created.spreadsheetId;
    result.spreadsheetId = id;
    result.url = spreadsheetUrl(id);
    result.changes.push('таблица со всеми листами шаблона');
    try {
      await writer.call(`запись ID таблицы в реестр (ячейка ${cell})`, (c) =>
        c.sheets.spreadsheets.values.update({ spreadsheetId: registryId, range: cell, valueInputOption: 'RAW', requestBody: { values: [[id]] } }),
      );
    } catch (e) {
      throw new ProvisionError(
        `таблица ${who} создана (ID ${id}, ${spreadsheetUrl(id)}), но её ID не записан в реестр: ${(e as Error).message}. Впишите ID в столбец «Таблица» вручную — иначе повторный запуск создаст ещё одну таблицу`,
      );
    }
    result.registryCell = cell;
    result.changes.push(`её ID в реестре (ячейка ${cell})`);
    const ids = new Map((created.sheets ?? []).map((s) => [s.properties?.title ?? '', s.properties?.sheetId ?? null]));
    result.requests = buildSetupRequests((title) => ids.get(title) ?? body.sheets!.find((s) => s.properties?.title === title)!.properties!.sheetId!);
    try {
      await writer.call(`оформление таблицы ${who}`, (c) => c.sheets.spreadsheets.batchUpdate({ spreadsheetId: id, requestBody: { requests: result.requests } }));
    } catch (e) {
      throw new ProvisionError(
        `таблица ${who} создана (ID ${id}) и записана в реестр, но списки, проверки и защита заголовков не добавлены: ${(e as Error).message}. Запустите команду ещё раз — недостающее будет добавлено`,
      );
    }
    result.changes.push('выпадающие списки, проверки дат и чисел, защита строки заголовков, ширина столбцов');
  } else {
    const found = extractSpreadsheetId(reg.sheet);
    if (found === null) {
      throw new ProvisionError(
        `в столбце «Таблица» реестра у организации ${reg.code} (ячейка ${cell}) не ID и не ссылка на Google Таблицу: «${reg.sheet}». Впишите ID или адрес таблицы — или очистите ячейку, чтобы создать новую таблицу`,
      );
    }
    id = found;
    result.spreadsheetId = id;
    result.url = spreadsheetUrl(id);
    const existing = await readExisting(writer, id, `проверка таблицы ${who} (ID ${id})`, {
      notFound: 'таблица не найдена: проверьте столбец «Таблица» реестра — или очистите ячейку, чтобы создать новую таблицу',
      forbidden: `нет доступа: откройте таблице доступ «Редактор» для сервисного аккаунта ${email}`,
    });
    const plan = planMissing(existing);
    result.requests = plan.requests;
    result.changes.push(...plan.changes);
    result.problems.push(...plan.problems);
    if (plan.requests.length > 0 && !dryRun) {
      await writer.call(`дополнение таблицы ${who} (ID ${id})`, (c) => c.sheets.spreadsheets.batchUpdate({ spreadsheetId: id, requestBody: { requests: plan.requests } }), {
        forbidden: `нет прав на запись: откройте таблице доступ «Редактор» для сервисного аккаунта ${email}`,
      });
    }
  }

  if (o.share) {
    result.shared = o.share;
    if (!dryRun) {
      await writer.call(
        `открытие доступа к таблице ${who} для ${o.share}`,
        (c) =>
          c.drive.permissions.create({
            fileId: id,
            supportsAllDrives: true,
            sendNotificationEmail: true,
            fields: 'id',
            requestBody: { type: 'user', role: 'writer', emailAddress: o.share! },
          }),
        {
          forbidden: `Google Диск не разрешил сервисному аккаунту открыть доступ (право drive.file действует только на таблицы, созданные этим аккаунтом): откройте доступ «Редактор» для ${o.share} вручную — кнопка «Настройки доступа» в таблице`,
          notFound: 'таблица не найдена на Google Диске сервисного аккаунта: откройте доступ вручную — кнопка «Настройки доступа» в таблице',
          budget: 'drive',
        },
      );
    }
  }
  return result;
}

