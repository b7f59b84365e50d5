/**
 * Finding a tab by title and its columns by header text (docs/spec/CONTRACT.md section 2): the header
 * row is the first row that holds the tab's required headers; rows above it are skipped and
 * reported once; column order never matters; unknown columns are reported once.
 */
import { columnLetter, type Cell, type Grid, type RawTab } from './grid.ts';
import type { ColumnDecl, DataIssue } from './index.ts';
import { matchKey } from './normalize.ts';
import { displayCell, isBlank, rawText } from './values.ts';

/**
 * How far down provisioning looks for the header row of a sheet it completes (it reads only the
 * top rows of an existing sheet). A sync looks through the whole tab: the contract's header row
 * is the first row that holds the tab's required headers, however far down it is.
 */
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

/**
 * The column a header cell names (headerIndex), or undefined. A hint in brackets after a header
 * the template knows — a unit, a format («Часов (ак. ч.)», «Дата приёма (дд.мм.гггг)», on a
 * second line of the cell or not) — names the same column: a school that adds one should not
 * lose the column. A header listed with its brackets («Стаж (лет)») matches as it is first.
 */
export function headerKey(index: ReadonlyMap<string, string>, cell: Cell): string | undefined {
  if (typeof cell !== 'string') return undefined;
  const key = index.get(matchKey(cell));
  if (key !== undefined) return key;
  let bare = cell.trim();
  for (let stripped = bare.replace(BRACKET_HINT, ''); stripped !== bare && stripped !== ''; stripped = bare.replace(BRACKET_HINT, '')) {
    bare = stripped;
    const k = index.get(matchKey(bare));
    if (k !== undefined) return k;
  }
  return undefined;
}

/** A hint in brackets at the end of a header cell. */
const BRACKET_HINT = /\s*\([^()]*\)\s*$/u;

/** Lay a grid out as data rows keyed by the declared columns. */
export function layoutGrid(grid: Grid, columns: readonly ColumnDecl[]): Layout {
  const index = headerIndex(columns);
  const required = columns.filter((c) => c.required).map((c) => c.key);
  let best = { row: -1, found: new Set<string>() };
  let headerRow = -1;
  for (let r = 0; r < grid.length; r++) {
    const found = new Set<string>();
    for (const cell of grid[r] ?? []) {
      const key = headerKey(index, cell);
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
          : `не найдена строка заголовков; ожидаются столбцы ${requiredList(columns)}`,
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
  const texts = new Map<string, string>();
  /** Header cells that name no column of the template: column → text. */
  const unknown = new Map<number, string>();
  for (let i = 0; i < header.length; i++) {
    const cell = header[i];
    if (isBlank(cell ?? null)) continue;
    const text = rawText(cell ?? null).trim();
    const key = headerKey(index, cell ?? null);
    if (!key) {
      unknown.set(i, text);
      continue;
    }
    const prev = positions.get(key);
    if (prev !== undefined) {
      return {
        ok: false,
        empty: false,
        notices,
        problem: `столбец «${texts.get(key)}» встречается дважды (столбцы ${columnLetter(prev + 1)} и ${columnLetter(i + 1)}); оставьте один`,
      };
    }
    positions.set(key, i);
    texts.set(key, text);
  }
  // A header of two rows: the columns its second row names join those of the first.
  const second = headerContinuation(header, grid[headerRow + 1] ?? [], index, positions);
  if (second) {
    for (const [i, key] of second) {
      positions.set(key, i);
      texts.set(key, rawText(grid[headerRow + 1]![i] ?? null).trim());
      unknown.delete(i); // a group's title («Наставничество» over «Наставник», «Обучение наставников»)
    }
    notices.push({
      level: 'notice',
      row: headerRow + 2,
      column: null,
      value: null,
      problem: `строка ${headerRow + 2} прочитана как вторая строка заголовка (объединённые ячейки заголовка или подзаголовки столбцов), а не как данные`,
    });
  }
  const dataFrom = headerRow + (second ? 2 : 1);
  // Column key → header text, in sheet order.
  const headers: Record<string, string> = {};
  for (const [key] of [...positions].sort((a, b) => a[1] - b[1])) headers[key] = texts.get(key)!;
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
  if (unknown.size) {
    notices.push({
      level: 'notice',
      row: null,
      column: null,
      value: null,
      problem: `столбцы не из шаблона не загружаются: ${[...unknown.values()].map((t) => `«${t}»`).join(', ')}`,
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
  for (const i of positions.values()) headed[i] = true;
  for (let r = dataFrom; r < grid.length; r++) {
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

/**
 * Whether the row under the header row is a second row of the header, and the columns it names
 * (column → key) — then it is not data. It is when it repeats a header of the first row in the
 * same column (a header cell merged down two rows reads the same in both: Google's merged cells
 * are filled down, as an .xlsx's are), or when every cell of it names a column of the template
 * not named above (sub-headers under a group's title). A data row does neither.
 */
function headerContinuation(
  header: readonly Cell[],
  next: readonly Cell[],
  index: ReadonlyMap<string, string>,
  positions: ReadonlyMap<string, number>,
): Map<number, string> | null {
  let repeats = false;
  let others = false;
  const named = new Map<number, string>();
  for (let i = 0; i < next.length; i++) {
    const cell = next[i] ?? null;
    if (isBlank(cell)) continue;
    const above = header[i] ?? null;
    if (typeof cell === 'string' && typeof above === 'string' && matchKey(cell) !== '' && matchKey(cell) === matchKey(above)) {
      repeats = true;
      continue;
    }
    const key = headerKey(index, cell);
    if (key !== undefined && !positions.has(key) && ![...named.values()].includes(key)) named.set(i, key);
    else others = true;
  }
  return repeats || (named.size > 0 && !others) ? named : null;
}

function requiredList(columns: readonly ColumnDecl[]): string {
  return columns
    .filter((c) => c.required)
    .map((c) => `«${c.header}»`)
    .join(', ');
}
