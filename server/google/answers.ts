/**
 * What Google's answers look like, and what the sync makes of them: the field masks of the
 * reads, the checks that a 200's body has the shape Google sends (a proxy's page, a captive
 * portal or a cut answer is a failure of the read, never "no tabs"), grid data as the grid
 * `values.*` would give, and the size limits of answers. Pure functions: the reading flow and
 * its Russian messages are in server/sources/google.ts.
 */
import type { sheets_v4 } from 'googleapis/build/src/apis/sheets/v4.js';
import type { Cell, Grid } from '../contract/grid.ts';
import { fillDownMerges } from '../contract/merges.ts';
import { dateText, percentText } from '../contract/values.ts';
import { isObject } from './failure.ts';
import { extractSpreadsheetId } from './sheetId.ts';

/**
 * gridData mode: tab titles and types, and each cell's effective value — what UNFORMATTED_VALUE
 * with SERIAL_NUMBER dates returns through `values.*` — with the type of its number format (a
 * percent cell shows «9%» and holds 0.09; a date cell shows 28.02.2023 and holds 44985).
 * `formattedValue` would roughly double the answer and is not needed: error cells are rebuilt
 * from `errorValue.type`, percent and date cells from their value.
 */
export const GRID_DATA_FIELDS =
  'spreadsheetId,sheets(properties(sheetId,title,sheetType,hidden,gridProperties(rowCount,columnCount)),merges,data(rowData(values(effectiveValue,effectiveFormat(numberFormat(type))))))';
/** The titles call: tab ids and titles, types, whether hidden, grid sizes (the size check happens before any cell is read) and merged cells. */
export const TITLE_FIELDS = 'spreadsheetId,sheets(properties(sheetId,title,sheetType,hidden,gridProperties(rowCount,columnCount)),merges)';
/** Cells' links (linkedSpreadsheet): each cell's hyperlink and the URIs of its file smart chips. */
export const ROW_LINK_FIELDS = 'spreadsheetId,sheets(properties(title),data(rowData(values(hyperlink,chipRuns(chip(richLinkProperties(uri)))))))';

/**
 * The spreadsheet the cells of an answer under ROW_LINK_FIELDS link to — a cell's hyperlink or a
 * file smart chip's URI: what a cell shows as a title while it points at a spreadsheet (Sheets
 * turns a pasted link into a chip). Its ID when the links name exactly one spreadsheet, else null.
 */
export function linkedSpreadsheet(answer: sheets_v4.Schema$Spreadsheet): string | null {
  const ids = new Set<string>();
  for (const sheet of answer.sheets ?? []) {
    for (const block of sheet.data ?? []) {
      for (const row of block.rowData ?? []) {
        for (const cell of row.values ?? []) {
          for (const link of [cell.hyperlink, ...(cell.chipRuns ?? []).map((run) => run.chip?.richLinkProperties?.uri)]) {
            const id = typeof link === 'string' && /^https?:\/\//i.test(link.trim()) ? extractSpreadsheetId(link) : null;
            if (id !== null) ids.add(id);
          }
        }
      }
    }
  }
  return ids.size === 1 ? [...ids][0]! : null;
}
/** The tab list (the folder-like reading of one tab at a time: the registry), with merged cells. */
export const TAB_LIST_FIELDS = 'spreadsheetId,sheets(properties(title,gridProperties(rowCount,columnCount)),merges)';

/** A tab of cells (not a chart sheet or a data-source sheet). */
export function isGridSheet(sheetType: string | null | undefined): boolean {
  return sheetType === undefined || sheetType === null || sheetType === 'GRID';
}

/** The answer of a gridData read over `maxGridDataBytes`: gaxios refuses it by Content-Length, unread. */
export const TOO_BIG = Symbol('too big');

/**
 * An answer over `maxContentLength`: refused by gaxios from its Content-Length, or cut by
 * node-fetch (`size`, error type 'max-size') while it streams when no Content-Length came.
 */
export function isOverSizeLimit(err: unknown): boolean {
  let cur: unknown = err;
  for (let i = 0; i < 5 && isObject(cur); i++) {
    if (cur['type'] === 'max-size') return true;
    if (typeof cur['message'] === 'string' && /Content-Length.*over the limit|content size at .* over limit/i.test(cur['message'])) return true;
    cur = cur['cause'];
  }
  return false;
}

/** Drive `files.list`: an object with a list of files (each an object). */
export function checkFileList(data: unknown): string | null {
  const bad = notAnObject(data);
  if (bad !== null) return `Google Drive: ${bad}`;
  const files = (data as Record<string, unknown>)['files'];
  if (files !== undefined && (!Array.isArray(files) || files.some((f) => !isObject(f)))) return 'Google Drive: список файлов в ответе — не список';
  return null;
}

/** What an answer that is not a JSON object is, for a message: never the whole body. */
function notAnObject(data: unknown): string | null {
  if (typeof data === 'string') {
    const text = data.replace(/\s+/g, ' ').trim();
    if (text === '') return 'пустой ответ';
    const quoted = `«${text.length > 60 ? `${text.slice(0, 60)}…` : text}»`;
    // JSON that did not parse is cut off (or damaged) on the way; JSON that parses came as text
    // (a proxy that changed its Content-Type). Both were «текст вместо JSON».
    if (/^[[{]/.test(text)) {
      try {
        JSON.parse(data);
        return `JSON, присланный как текст (заголовок Content-Type не application/json): ${quoted}`;
      } catch {
        return `оборванный или повреждённый JSON (${data.length} символов): ${quoted}`;
      }
    }
    return `текст вместо JSON: ${quoted}`;
  }
  if (data === null || data === undefined) return 'пустой ответ';
  // gaxios hands over a body of an unknown content type (application/octet-stream) as a Blob —
  // node-fetch's own, not Node's: told by its tag, not `instanceof` (it read «в ответе нет
  // списка листов» for a whole answer sent as octet-stream).
  if (Object.prototype.toString.call(data) === '[object Blob]') {
    const size = (data as { size?: unknown }).size;
    return `двоичные данные вместо JSON${typeof size === 'number' ? ` (${size} байт)` : ''}: заголовок Content-Type ответа не application/json`;
  }
  if (Array.isArray(data)) return 'список вместо объекта';
  if (typeof data !== 'object') return `значение вместо объекта: ${String(data).slice(0, 40)}`;
  return null;
}

/**
 * The spreadsheet an answer is about is the one asked for: Google names it in every answer
 * (`spreadsheetId`, in the field masks above). A cache or proxy that answers with another
 * school's spreadsheet would otherwise load that school's teachers as this one's.
 */
function otherSpreadsheet(data: Record<string, unknown>, spreadsheetId: string): string | null {
  const id = data['spreadsheetId'];
  if (id === spreadsheetId) return null;
  if (typeof id !== 'string') return 'в ответе нет ID таблицы (spreadsheetId)';
  return `ответ о другой таблице (${id.length > 60 ? `${id.slice(0, 60)}…` : id})`;
}

/** `spreadsheets.get` of `spreadsheetId`: that spreadsheet; Google always lists at least one tab, each with a title. */
export function checkSpreadsheet(data: unknown, spreadsheetId: string): string | null {
  const bad = notAnObject(data);
  if (bad !== null) return bad;
  const sheets = (data as Record<string, unknown>)['sheets'];
  if (!Array.isArray(sheets) || sheets.length === 0) return 'в ответе нет списка листов';
  // Google's tabs of one spreadsheet differ in title and in id: two of a title would be blamed on
  // the school («оставьте один» of a tab it does not have twice: an acceptance run).
  const titles = new Set<string>();
  const ids = new Set<number>();
  for (const s of sheets) {
    const p = isObject(s) ? s['properties'] : undefined;
    if (!isObject(p) || typeof p['title'] !== 'string') return 'у листа в ответе нет названия';
    const merges = badMerges((s as Record<string, unknown>)['merges']);
    if (merges !== null) return `лист «${p['title']}»: объединённые ячейки (merges) — ${merges}`;
    if (titles.has(p['title'])) return `лист «${p['title']}» в ответе дважды (в таблице Google названия листов не повторяются)`;
    titles.add(p['title']);
    const id = p['sheetId'];
    if (typeof id === 'number') {
      if (ids.has(id)) return `у двух листов в ответе один ID (sheetId ${id}; в таблице Google он у каждого листа свой)`;
      ids.add(id);
    }
  }
  return otherSpreadsheet(data as Record<string, unknown>, spreadsheetId);
}

/** Why a tab's `merges` is not what Google sends (a list of GridRanges of non-negative indices, none empty), or null. */
function badMerges(merges: unknown): string | null {
  if (merges === undefined) return null;
  if (!Array.isArray(merges)) return 'не список';
  for (const m of merges) {
    if (!isObject(m)) return 'диапазон — не объект';
    for (const k of ['startRowIndex', 'endRowIndex', 'startColumnIndex', 'endColumnIndex']) {
      const x = m[k];
      if (x !== undefined && !(Number.isSafeInteger(x) && (x as number) >= 0)) return `${k} — не целое неотрицательное число`;
    }
    const rows = ((m['endRowIndex'] as number | undefined) ?? 0) - ((m['startRowIndex'] as number | undefined) ?? 0);
    const cols = ((m['endColumnIndex'] as number | undefined) ?? 0) - ((m['startColumnIndex'] as number | undefined) ?? 0);
    if (!(rows >= 1 && cols >= 1)) return 'пустой диапазон';
  }
  return null;
}

/**
 * Merged cells as the school sees them. Google sends a merged range's value only in its top-left
 * cell (the others come empty) and the range itself in the tab's `merges`: a mentoring group
 * written as several rows of «Наставнические пары» with the mentor, the form or the date merged
 * down the group would otherwise load as rows with those cells empty, and blame the school for
 * cells it sees filled. The value goes down the merged rows by one rule for every source
 * (contract/merges.ts: only rows with something of their own), in the range's first column only:
 * a range merged across columns shows one value, which belongs to its first column (the columns
 * to its right come empty, as the sheet shows them). Rows beyond `rowCount` (the tab's size) are
 * never made.
 */
export function fillMerges(grid: Grid, merges: readonly sheets_v4.Schema$GridRange[] | null | undefined, rowCount: number): Grid {
  if (!merges || merges.length === 0) return grid;
  return fillDownMerges(
    grid,
    merges.map((m) => {
      const top = m.startRowIndex ?? 0;
      return { top, end: Math.min(m.endRowIndex ?? top + 1, rowCount), col: m.startColumnIndex ?? 0 };
    }),
  );
}

/** What an effectiveValue holds: exactly one of these, of its type (an ExtendedValue), and the type's name in a message. */
const VALUE_TYPES: Record<string, [type: string, name: string]> = {
  numberValue: ['number', 'число'],
  stringValue: ['string', 'текст'],
  boolValue: ['boolean', 'логическое значение'],
  errorValue: ['object', 'объект'],
};

/** Why a cell of a gridData answer is not one Google sends, or null. */
function badCell(cell: unknown): string | null {
  if (!isObject(cell)) return 'ячейка — не объект';
  const v = cell['effectiveValue'];
  if (v === undefined) {
    // The field mask asks for effectiveValue alone: a cell with a value and no effectiveValue
    // is not Google's answer to it (an empty cell is `{}`).
    return cell['formattedValue'] !== undefined || cell['userEnteredValue'] !== undefined ? 'у ячейки со значением нет effectiveValue' : null;
  }
  if (!isObject(v)) return 'effectiveValue ячейки — не объект';
  let kinds = 0;
  for (const k in v) {
    const want = VALUE_TYPES[k];
    if (want === undefined) continue;
    const x = v[k];
    if (typeof x !== want[0] || x === null || (want[0] === 'number' && !Number.isFinite(x))) return `значение ячейки ${k} — не ${want[1]}`;
    kinds++;
  }
  return kinds === 1 ? null : kinds === 0 ? 'у effectiveValue ячейки нет значения' : 'у effectiveValue ячейки несколько значений';
}

/** A tab's size as its properties give it (`gridProperties`), each null when not a number. */
function gridSize(props: Record<string, unknown> | undefined): { rows: number | null; columns: number | null } {
  const g = props?.['gridProperties'];
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return isObject(g) ? { rows: n(g['rowCount']), columns: n(g['columnCount']) } : { rows: null, columns: null };
}

/**
 * Data beyond the tab's own size: Google never sends a row or a cell outside the grid, so the
 * answer's parts do not belong together (the size limits are checked on those sizes). Null when within.
 */
function beyondSize(count: number, size: number | null, what: 'строк' | 'столбцов'): string | null {
  if (size === null || count <= size) return null;
  const n = (x: number) => x.toLocaleString('ru-RU');
  return `${what} с данными — ${n(count)}, а в листе по его размеру (gridProperties) — ${n(size)}`;
}

/**
 * `spreadsheets.get` with grid data (GRID_DATA_FIELDS): besides the tabs, each grid tab's
 * `data` is the one block Google sends for a sheet read whole (`[{}]` for an empty tab), its
 * rows objects, their cells objects with at most one value of the right type. An answer that
 * breaks this — cut, rewritten by a proxy, or never Google's — fails the read: read as it is,
 * it would load a school's rows as empty cells and blame the school for errors it never made.
 */
export function checkGridSpreadsheet(data: unknown, spreadsheetId: string): string | null {
  const bad = checkSpreadsheet(data, spreadsheetId);
  if (bad !== null) return bad;
  for (const s of (data as { sheets: Record<string, unknown>[] }).sheets) {
    const props = s['properties'] as Record<string, unknown>;
    if (!isGridSheet(props['sheetType'] as string | undefined)) continue;
    const where = `лист «${String(props['title'])}»`;
    const blocks = s['data'];
    if (!Array.isArray(blocks) || blocks.length !== 1 || !isObject(blocks[0])) return `${where}: нет данных листа (data)`;
    // A sheet read whole starts at its first cell (the mask does not even ask where): data from
    // elsewhere would put every row and column off by as much.
    for (const k of ['startRow', 'startColumn'] as const) {
      const at = blocks[0][k];
      if (at !== undefined && at !== 0) return `${where}: данные листа начинаются не с первой ячейки (${k} ${JSON.stringify(at).slice(0, 20)})`;
    }
    const rows = blocks[0]['rowData'];
    if (rows === undefined) continue;
    if (!Array.isArray(rows)) return `${where}: строки листа (rowData) — не список`;
    const size = gridSize(props);
    const over = beyondSize(rows.length, size.rows, 'строк');
    if (over !== null) return `${where}: ${over}`;
    for (let r = 0; r < rows.length; r++) {
      const row: unknown = rows[r];
      if (!isObject(row)) return `${where}, строка ${r + 1}: строка — не объект`;
      const cells = row['values'];
      if (cells === undefined) continue;
      if (!Array.isArray(cells)) return `${where}, строка ${r + 1}: ячейки строки — не список`;
      const wide = beyondSize(cells.length, size.columns, 'столбцов');
      if (wide !== null) return `${where}, строка ${r + 1}: ${wide}`;
      for (let c = 0; c < cells.length; c++) {
        const why = badCell(cells[c]);
        if (why !== null) return `${where}, строка ${r + 1}, столбец ${c + 1}: ${why}`;
      }
    }
  }
  return null;
}

/**
 * The title of the tab an A1 range names, as Google writes it in an answer: `'Повышение
 * квалификации'!A1:Z1000` (quoted, a quote doubled), `Педагоги!A1:H40`, or the title alone.
 */
export function rangeTabTitle(range: string): string {
  if (!range.startsWith("'")) {
    const bang = range.lastIndexOf('!');
    return bang < 0 ? range : range.slice(0, bang);
  }
  let title = '';
  for (let i = 1; i < range.length; i++) {
    const ch = range[i]!;
    if (ch !== "'") title += ch;
    else if (range[i + 1] === "'") title += range[++i]!;
    else break;
  }
  return title;
}

/**
 * Why the rows of a value range are not what `values.*` with UNFORMATTED_VALUE sends — rows
 * of cells, each a text, a number or a logical value ("" for an empty cell inside a row) — or
 * null. Anything else (an object, null) would load as "[object Object]" or an empty cell, and
 * blame the school for a value it never typed.
 */
function badRows(values: unknown): string | null {
  if (values === undefined) return null;
  if (!Array.isArray(values)) return 'значения — не список строк';
  for (let r = 0; r < values.length; r++) {
    const row: unknown = values[r];
    if (!Array.isArray(row)) return `строка ${r + 1} — не список ячеек`;
    for (let c = 0; c < row.length; c++) {
      const v: unknown = row[c];
      if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) continue;
      return `строка ${r + 1}, столбец ${c + 1}: значение ячейки — не текст, не число и не логическое значение (${v === null ? 'null' : Array.isArray(v) ? 'список' : typeof v === 'object' ? 'объект' : String(v)})`;
    }
  }
  return null;
}

/** A value range answered for `title`: named (`range`) as that tab, its rows cells of Google's kinds. */
function badValueRange(r: unknown, title: string): string | null {
  if (!isObject(r)) return 'диапазон — не объект';
  // Google names every range it answers, an empty one too (`'Педагоги'!A1:Z1000`).
  if (typeof r['range'] !== 'string') return 'у диапазона нет адреса (range)';
  const named = rangeTabTitle(r['range']);
  if (named !== title && named.toLowerCase() !== title.toLowerCase()) return `диапазон листа «${named.slice(0, 100)}» вместо запрошенного «${title}»`;
  const rows = badRows(r['values']);
  return rows === null ? null : `лист «${title}», ${rows}`;
}

/** `values.get` of tab `title`: an object naming that tab's range; `values` absent (an empty tab) or rows of cells. */
export function checkValueRange(data: unknown, title: string): string | null {
  const bad = notAnObject(data);
  if (bad !== null) return bad;
  const why = badValueRange(data, title);
  return why === null ? null : `в ответе ${why}`;
}

/**
 * `values.batchGet` of `spreadsheetId`, tabs `titles`: that spreadsheet, one value range per
 * requested range, in order — each named as the tab asked for (a range answered for another
 * tab, or out of order, would put one tab's rows under another's headers).
 */
export function checkBatch(
  data: unknown,
  spreadsheetId: string,
  titles: readonly string[],
  /** Each tab's size as the spreadsheet's properties gave it (null: not known): no range holds more. */
  sizes: readonly { rows: number | null; columns: number | null }[] = [],
): string | null {
  const bad = notAnObject(data);
  if (bad !== null) return bad;
  const other = otherSpreadsheet(data as Record<string, unknown>, spreadsheetId);
  if (other !== null) return other;
  const ranges = (data as Record<string, unknown>)['valueRanges'];
  if (!Array.isArray(ranges)) return 'в ответе нет диапазонов значений';
  if (ranges.length !== titles.length) return `диапазонов в ответе ${ranges.length} вместо ${titles.length}`;
  for (let k = 0; k < ranges.length; k++) {
    const why = badValueRange(ranges[k], titles[k]!);
    if (why !== null) return `в ответе ${why}`;
    const values = (ranges[k] as Record<string, unknown>)['values'];
    if (!Array.isArray(values)) continue;
    const size = sizes[k] ?? { rows: null, columns: null };
    const over = beyondSize(values.length, size.rows, 'строк');
    if (over !== null) return `в ответе лист «${titles[k]}»: ${over}`;
    for (let r = 0; r < values.length; r++) {
      const wide = beyondSize((values[r] as unknown[]).length, size.columns, 'столбцов');
      if (wide !== null) return `в ответе лист «${titles[k]}», строка ${r + 1}: ${wide}`;
    }
  }
  return null;
}

/** Drive `files.get`: an object (modifiedTime may be absent: the sheet is then read in full). */
export function checkDriveFile(data: unknown): string | null {
  if (data === null) return null; // our own "Drive refused, read anyway"
  const bad = notAnObject(data);
  if (bad !== null) return `Google Drive: ${bad}`;
  const m = (data as Record<string, unknown>)['modifiedTime'];
  return m === undefined || typeof m === 'string' ? null : 'Google Drive: время изменения в ответе — не дата';
}

/** What `values.*` with UNFORMATTED_VALUE shows for a formula error, by `ErrorValue.type`. */
export const ERROR_TEXT: Record<string, string> = {
  ERROR: '#ERROR!',
  NULL_VALUE: '#NULL!',
  DIVIDE_BY_ZERO: '#DIV/0!',
  VALUE: '#VALUE!',
  REF: '#REF!',
  NAME: '#NAME?',
  NUM: '#NUM!',
  N_A: '#N/A',
  LOADING: 'Loading...',
};

function effectiveCell(cell: sheets_v4.Schema$CellData | undefined): Cell {
  const v = cell?.effectiveValue;
  if (v === undefined || v === null) return '';
  if (typeof v.numberValue === 'number') {
    // As the school sees it where the format changes what the number means (values.ts).
    const type = cell?.effectiveFormat?.numberFormat?.type;
    if (type === 'PERCENT') return percentText(v.numberValue);
    // Days 0 (30.12.1899) … 31.12.9999: a date Sheets can show; any other number stays one.
    if ((type === 'DATE' || type === 'DATE_TIME') && v.numberValue >= 0 && v.numberValue < 2_958_466) return dateText(v.numberValue);
    return v.numberValue;
  }
  if (typeof v.stringValue === 'string') return v.stringValue;
  if (typeof v.boolValue === 'boolean') return v.boolValue;
  if (v.errorValue) return ERROR_TEXT[v.errorValue.type ?? ''] ?? '#ERROR!';
  return '';
}

/**
 * includeGridData rows → the Grid `values.batchGet` would have returned: empty cells inside a
 * row are "", trailing empty cells and trailing empty rows are dropped.
 */
export function gridFromData(data: sheets_v4.Schema$GridData[] | undefined): Grid {
  const rows = data?.[0]?.rowData ?? [];
  const grid: Grid = rows.map((r) => {
    const cells = (r.values ?? []).map(effectiveCell);
    let end = cells.length;
    while (end > 0 && cells[end - 1] === '') end--;
    return cells.slice(0, end);
  });
  while (grid.length > 0 && grid[grid.length - 1]!.length === 0) grid.pop();
  return grid;
}

/** A tab of a checked `spreadsheets.get` answer: its cells with merged cells filled (fillMerges). */
export function sheetGrid(sheet: sheets_v4.Schema$Sheet, grid: Grid): Grid {
  return fillMerges(grid, sheet.merges, sheet.properties?.gridProperties?.rowCount ?? grid.length);
}
