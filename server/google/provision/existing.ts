/** Provisioning (server/google/provision/): reading what a spreadsheet already has (two reads). */
import { HEADER_SEARCH_ROWS, REGISTRY_TAB, TABS, codeKey, isBlank, layoutGrid, matchKey, rawText, toGrid, type DataIssue, type RawTab } from '../../contract/index.ts';
import { quoteSheetTitle } from '../sheetId.ts';
import { ROW_LINK_FIELDS, linkedSpreadsheet } from '../answers.ts';
import type { SheetsWriter } from '../write.ts';
import type { sheets_v4 } from 'googleapis/build/src/apis/sheets/v4.js';
import { type ExistingSpreadsheet, type ExistingTab, ProvisionError } from './requests.ts';

/** The spreadsheet as provisioning sees it: three reads (tabs; the top rows of the declared tabs with their checks; their values). */
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
  // The checks (data validation) of the top rows, where the header is looked for.
  const data = await writer.call<sheets_v4.Schema$Spreadsheet>(
    what,
    (c) =>
      c.sheets.spreadsheets.get({
        spreadsheetId: id,
        ranges: declared.map((t) => `${quoteSheetTitle(t.title)}!1:${HEADER_SEARCH_ROWS + 1}`),
        includeGridData: true,
        fields: 'sheets(properties(sheetId,title),data(startRow,rowData(values(dataValidation))))',
      }),
    { ...hints, budget: 'read' },
  );
  for (const s of data.sheets ?? []) {
    const t = tabs.find((x) => x.sheetId === s.properties?.sheetId) ?? tabs.find((x) => x.title === s.properties?.title);
    if (!t) continue;
    for (const block of s.data ?? []) {
      const start = block.startRow ?? 0;
      (block.rowData ?? []).forEach((r, i) => {
        t.validated[start + i] = (r.values ?? []).map((v) => v.dataValidation !== undefined && v.dataValidation !== null);
      });
    }
  }
  // Every row's values as displayed (Google leaves out the empty ones at the end): a column is new
  // only where nothing is, header or rows below — a column of the school's notes without a header
  // got a template header over it. Values only: the grid data of whole tabs weighs ten times more.
  const values = await writer.call<sheets_v4.Schema$BatchGetValuesResponse>(
    what,
    (c) => c.sheets.spreadsheets.values.batchGet({ spreadsheetId: id, ranges: declared.map((t) => quoteSheetTitle(t.title)), valueRenderOption: 'FORMATTED_VALUE' }),
    { ...hints, budget: 'read' },
  );
  (values.valueRanges ?? []).forEach((range, k) => {
    const t = declared[k];
    if (t) t.rows = (range.values ?? []).map((row) => (row as unknown[]).map((v) => (v === null || v === undefined ? '' : String(v))));
  });
  for (const t of declared) {
    for (let i = 0; i < t.rows.length; i++) {
      t.rows[i] ??= [];
      t.validated[i] ??= [];
    }
  }
  return { id, tabs };
}

/** An organization's row of the registry tab. */
export interface RegistryRow {
  /** What the sync will find wrong with the row, or how it reads it, in Russian (shown as notes). */
  notes: string[];
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

/**
 * The spreadsheet a registry cell (A1 range with its tab) links to (answers.ts linkedSpreadsheet),
 * or null; the cell is read once.
 */
export async function linkedSpreadsheetOf(writer: SheetsWriter, registryId: string, range: string): Promise<string | null> {
  const answer = await writer.call<sheets_v4.Schema$Spreadsheet>(
    `чтение ссылки ячейки ${range} реестра организаций`,
    (c) => c.sheets.spreadsheets.get({ spreadsheetId: registryId, ranges: [range], includeGridData: true, fields: ROW_LINK_FIELDS }),
    { budget: 'read' },
  );
  return linkedSpreadsheet(answer);
}

export async function readRegistryRow(
  writer: SheetsWriter,
  registryId: string,
  code: string,
  findings: (tab: RawTab) => readonly DataIssue[] = () => [],
): Promise<RegistryRow> {
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
  let rows = layout.rows.filter((r) => !isBlank(r.cells.code ?? null) && matchKey(rawText(r.cells.code ?? null)) === matchKey(code));
  const notes: string[] = [];
  if (rows.length === 0) {
    // A code typed with Latin look-alike letters («COШ-2»): the same organization, as the sync reads it.
    rows = layout.rows.filter((r) => !isBlank(r.cells.code ?? null) && codeKey(rawText(r.cells.code ?? null)) === codeKey(code));
    for (const r of rows) {
      notes.push(`код «${rawText(r.cells.code ?? null).trim()}» в строке ${r.row} реестра набран с латинскими буквами, похожими на русские; синхронизация читает его как «${code.trim()}», но лучше исправить его в реестре`);
    }
  }
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
  // What the sync will say about this row (the same spreadsheet for two organizations, a bad
  // value): provisioning did not say it, and answered «всё на месте» for a row the sync refuses.
  const sheetHeader = sheetColumn >= 0 ? rawText(grid[layout.headerRow - 1]?.[sheetColumn] ?? null).trim() : null;
  const sheetBlank = isBlank(r.cells.sheet ?? null);
  for (const issue of findings({ title: tabTitle, grid })) {
    // An empty «Таблица» is what provisioning fills.
    if (sheetBlank && issue.column !== null && issue.column === sheetHeader) continue;
    if (issue.row === r.row && issue.level === 'error') notes.push(`синхронизация не примет эту строку реестра (строка ${r.row}, столбец «${issue.column ?? ''}»): ${issue.problem}`);
  }
  return {
    notes,
    code: rawText(r.cells.code ?? null).trim(),
    name: rawText(r.cells.name ?? null).trim() || code,
    active: !(active === false || (typeof active === 'string' && matchKey(active) === matchKey('Нет'))),
    sheet: rawText(r.cells.sheet ?? null).trim(),
    tabTitle,
    row: r.row,
    sheetColumn,
  };
}
