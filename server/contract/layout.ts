/**
 * Finding a tab by title and its columns by header text (docs/spec/CONTRACT.md section 2): the header
 * row is the first row that holds the tab's required headers; rows above it are skipped and
 * reported once; column order never matters; unknown columns are reported once.
 */
import { columnLetter, type Cell, type Grid, type RawTab } from './grid.ts';
import type { ColumnDecl, DataIssue } from './index.ts';
import { matchKey } from './normalize.ts';
import { displayCell, isBlank, rawText } from './values.ts';

/** How far down a title block may push the header row. */
export const HEADER_SEARCH_ROWS = 30;

export function findTab(tabs: readonly RawTab[], title: string): RawTab | undefined {
  const key = matchKey(title);
  return tabs.find((t) => matchKey(t.title) === key);
}

export interface DataRow {
  /** Row number as the school sees it (1-based). */
  row: number;
  /** Cells by column key (missing columns absent). */
  cells: Record<string, Cell>;
  /** The raw row as typed: header text → value, for quarantine (computed when first read). */
  readonly raw: Record<string, string>;
}

/** What the rows of one laid-out tab share: the columns found (in sheet order), their header text and types. */
export interface RowShape {
  keys: readonly string[];
  headers: Record<string, string>;
  types: ReadonlyMap<string, ColumnDecl['type']>;
}

/** The shape of a tab's rows from its headers as found (column key → header text, in sheet order). */
export function rowShape(headers: Record<string, string>, columns: readonly ColumnDecl[]): RowShape {
  return { keys: Object.keys(headers), headers, types: new Map(columns.map((c) => [c.key, c.type])) };
}

/** A data row rebuilt from its cells (the sync keeps some rows in the database between its phases). */
export function dataRow(row: number, cells: Record<string, Cell>, shape: RowShape): DataRow {
  return new LaidRow(row, cells, shape);
}

/**
 * A laid-out row. `raw` is needed only for the rows that end in quarantine, so it is built on
 * first read rather than for each of the region's ~260,000 rows (time and memory of a sync).
 */
class LaidRow implements DataRow {
  private rawCache: Record<string, string> | null = null;
  constructor(
    readonly row: number,
    readonly cells: Record<string, Cell>,
    private readonly shape: RowShape,
  ) {}

  get raw(): Record<string, string> {
    if (!this.rawCache) {
      const raw: Record<string, string> = {};
      for (const key of this.shape.keys) raw[this.shape.headers[key]!] = displayCell(this.cells[key] ?? null, this.shape.types.get(key));
      this.rawCache = raw;
    }
    return this.rawCache;
  }
}

export type Layout =
  | {
      ok: true;
      headerRow: number;
      /** Column key → the header text as found in the sheet. */
      headers: Record<string, string>;
      rows: DataRow[];
      notices: Omit<DataIssue, 'org' | 'tab'>[];
    }
  | {
      ok: false;
      problem: string;
      /** The tab has no cells at all (an optional tab created but never filled). */
      empty: boolean;
      notices: Omit<DataIssue, 'org' | 'tab'>[];
    };

/** Header text (and every alias) → column key, by the contract's matching rule: how a header row is read, here and in provisioning. */
export function headerIndex(columns: readonly ColumnDecl[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const c of columns) {
    m.set(matchKey(c.header), c.key);
    for (const a of c.aliases) m.set(matchKey(a), c.key);
  }
  return m;
}

/** Lay a grid out as data rows keyed by the declared columns. */
export function layoutGrid(grid: Grid, columns: readonly ColumnDecl[]): Layout {
  const index = headerIndex(columns);
  const required = columns.filter((c) => c.required).map((c) => c.key);
  let best = { row: -1, found: new Set<string>() };
  let headerRow = -1;
  for (let r = 0; r < Math.min(grid.length, HEADER_SEARCH_ROWS); r++) {
    const found = new Set<string>();
    for (const cell of grid[r] ?? []) {
      if (typeof cell !== 'string') continue;
      const key = index.get(matchKey(cell));
      if (key) found.add(key);
    }
    if (required.every((k) => found.has(k)) && found.size > 0) {
      headerRow = r;
      break;
    }
    if (found.size > best.found.size) best = { row: r, found };
  }
  if (headerRow < 0) {
    if (best.row < 0) {
      const empty = grid.every((row) => row.every((c) => isBlank(c)));
      return {
        ok: false,
        empty,
        notices: [],
        problem: empty
          ? `лист пуст: нет строки заголовков; ожидаются столбцы ${requiredList(columns)}`
          : `не найдена строка заголовков${grid.length > HEADER_SEARCH_ROWS ? ` в первых ${HEADER_SEARCH_ROWS} строках` : ''}; ожидаются столбцы ${requiredList(columns)}`,
      };
    }
    const missing = columns.filter((c) => c.required && !best.found.has(c.key)).map((c) => `«${c.header}»`);
    return {
      ok: false,
      empty: false,
      notices: [],
      problem: `нет обязательных столбцов: ${missing.join(', ')} (строка заголовков — ${best.row + 1}); проверьте названия столбцов`,
    };
  }

  const notices: Omit<DataIssue, 'org' | 'tab'>[] = [];
  const header = grid[headerRow] ?? [];
  const positions = new Map<string, number>();
  const headers: Record<string, string> = {};
  const unknown: string[] = [];
  for (let i = 0; i < header.length; i++) {
    const cell = header[i];
    if (isBlank(cell ?? null)) continue;
    const text = rawText(cell ?? null).trim();
    const key = typeof cell === 'string' ? index.get(matchKey(cell)) : undefined;
    if (!key) {
      unknown.push(`«${text}»`);
      continue;
    }
    const prev = positions.get(key);
    if (prev !== undefined) {
      return {
        ok: false,
        empty: false,
        notices,
        problem: `столбец «${headers[key]}» встречается дважды (столбцы ${columnLetter(prev + 1)} и ${columnLetter(i + 1)}); оставьте один`,
      };
    }
    positions.set(key, i);
    headers[key] = text;
  }
  if (headerRow > 0) {
    notices.push({
      level: 'notice',
      row: null,
      column: null,
      value: null,
      problem:
        headerRow === 1
          ? 'строка 1 над заголовками пропущена; заголовки найдены в строке 2'
          : `строки 1–${headerRow} над заголовками пропущены; заголовки найдены в строке ${headerRow + 1}`,
    });
  }
  if (unknown.length) {
    notices.push({
      level: 'notice',
      row: null,
      column: null,
      value: null,
      problem: `столбцы не из шаблона не загружаются: ${unknown.join(', ')}`,
    });
  }

  // Column keys in sheet order: `headers` was filled in the same loop as `positions`.
  const shape = rowShape(headers, columns);
  const empty = Object.fromEntries(columns.map((c) => [c.key, null])) as Record<string, Cell>;
  const rows: DataRow[] = [];
  /** Columns without a header that hold values: letter → how many cells. */
  const headless = new Map<number, number>();
  const keys = [...positions.keys()];
  const at = [...positions.values()];
  const headed = header.map((h) => !isBlank(h ?? null));
  for (let r = headerRow + 1; r < grid.length; r++) {
    const line = grid[r] ?? [];
    // Every declared column is present; a column missing from the sheet reads as empty.
    const cells: Record<string, Cell> = { ...empty };
    let blank = true;
    for (let k = 0; k < keys.length; k++) {
      const cell = line[at[k]!] ?? null;
      cells[keys[k]!] = cell;
      if (blank && !isBlank(cell)) blank = false;
    }
    for (let i = 0; i < line.length; i++) {
      if (!headed[i] && !isBlank(line[i])) headless.set(i, (headless.get(i) ?? 0) + 1);
    }
    if (!blank) rows.push(new LaidRow(r + 1, cells, shape));
  }
  if (headless.size) {
    const letters = [...headless.keys()].sort((a, b) => a - b).map((i) => columnLetter(i + 1));
    notices.push({
      level: 'notice',
      row: null,
      column: null,
      value: null,
      problem: `${letters.length === 1 ? `в столбце ${letters[0]}` : `в столбцах ${letters.join(', ')}`} есть значения, но нет заголовка — они не загружаются; впишите заголовок из шаблона или удалите значения`,
    });
  }
  return { ok: true, headerRow: headerRow + 1, headers, rows, notices };
}

function requiredList(columns: readonly ColumnDecl[]): string {
  return columns
    .filter((c) => c.required)
    .map((c) => `«${c.header}»`)
    .join(', ');
}
