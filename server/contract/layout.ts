/**
 * Finding a tab by title and its columns by header text (docs/spec/CONTRACT.md section 2): the header
 * row is the first row that holds the tab's required headers; rows above it are skipped and
 * reported once; column order never matters; unknown columns are reported once.
 */
import { columnLetter, type Cell, type Grid, type RawTab } from './grid.ts';
import type { ColumnDecl, DataIssue } from './index.ts';
import { REGISTRY_TAB, TABS } from './declaration.ts';
import { editDistance, matchKey, plural } from './normalize.ts';
import { columnParser } from './schemas.ts';
import { displayCell, isBlank, rawText, statesNothing } from './values.ts';

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

/**
 * When more than one of `titles` reads as the registry's tab («Организации» and «организации »):
 * why the registry is not read, in Russian; else null. Which of them is the registry nobody can
 * tell — the first one was read, and an organization missing from it silently left the figures.
 */
export function registryTabsProblem(titles: readonly string[], title: string): string | null {
  const key = matchKey(title);
  const same = titles.filter((t) => matchKey(t) === key);
  if (same.length < 2) return null;
  return `в реестре организаций несколько листов с названием «${title}»: ${same.map((t) => `«${t}»`).join(', ')}; оставьте один (остальные переименуйте или удалите)`;
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

/** A cell that opens a totals row: «Итого», «Всего», «Итого: 15» — not «Итоговое совещание». */
const TOTALS = /^\s*(итого|всего)(?![а-яёa-z])/i;
/**
 * A note under the table, alone in its row: «Примечание: сведения вносит…», «* по состоянию на…»,
 * «Исполнитель: …». It was a record with an error per empty required cell, and — its advice
 * followed — a teacher named «Примечание: …» (an outside review).
 */
const NOTE = /^\s*(\*|примечани|прим\.|пояснени|справочно|исполнитель|ответственн|заполнил|составил)/i;

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
      /** Header text as found in the sheet → its column (0 = A): a finding, which names its header, links to its very cell. */
      places: Record<string, number>;
      /** Template columns the tab lacks that a warning here names as written otherwise (a typo, words in brackets). */
      misnamed: ReadonlySet<string>;
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
 * the template knows that only says how to write the value — a unit or a format («Часов (ак.
 * ч.)», «Дата приёма (дд.мм.гггг)», on a second line of the cell or not) — names the same column:
 * a school that adds one should not lose the column. Any other bracket qualifies the meaning
 * («Категория (предыдущая)», «Стаж (общий)»: another figure), and the header is not the
 * template's. A header listed with its brackets («Стаж (лет)») matches as it is, first.
 */
export function headerKey(index: ReadonlyMap<string, string>, cell: Cell): string | undefined {
  return headerMatch(index, cell)?.key;
}

/** headerKey, and whether the match needed a hint dropped (a weaker match: it gives way to the plain header). */
function headerMatch(index: ReadonlyMap<string, string>, cell: Cell): { key: string; hinted: boolean } | undefined {
  if (typeof cell !== 'string') return undefined;
  const key = index.get(matchKey(cell));
  if (key !== undefined) return { key, hinted: false };
  let bare = cell.trim();
  for (let m = BRACKET_HINT.exec(bare); m !== null && WRITING_HINT.test(m[1]!.trim()); m = BRACKET_HINT.exec(bare)) {
    bare = bare.slice(0, m.index);
    if (bare === '') return undefined;
    const k = index.get(matchKey(bare));
    if (k !== undefined) return { key: k, hinted: true };
  }
  return undefined;
}

/**
 * The template column this tab lacks whose header or alias `text` misspells: at most one edit
 * (a letter wrong, missing or extra; two letters swapped count as two) from it for a header of
 * 6–11 letters, two from 12 on, as matchKey writes them (case, ё/е, spaces do not count);
 * shorter headers are too close to each other to guess. The nearest wins; none when two are as near.
 */
function misspelled(text: string, index: ReadonlyMap<string, string>, found: ReadonlyMap<string, number>): string | undefined {
  const typed = matchKey(text);
  let best: { key: string; d: number } | undefined;
  let tie = false;
  for (const [name, key] of index) {
    if (found.has(key)) continue;
    const bound = Math.min(name.length, typed.length) >= 12 ? 2 : Math.min(name.length, typed.length) >= 6 ? 1 : 0;
    if (bound === 0 || Math.abs(name.length - typed.length) > bound) continue;
    // A numbered series («Предмет 2» beside no «Предмет») is not a typo.
    if (/\d/.test(typed) && typed.replace(/[\d\s]+/g, '') === name.replace(/[\d\s]+/g, '')) continue;
    const d = editDistance(typed, name);
    if (d > bound) continue;
    if (best === undefined || d < best.d) {
      best = { key, d };
      tie = false;
    } else if (d === best.d && key !== best.key) tie = true;
  }
  return best && !tie ? best.key : undefined;
}

/** A hint in brackets at the end of a header cell (its text in group 1). */
const BRACKET_HINT = /\s*\(([^()]*)\)\s*$/u;

/** A header without its explanation: in brackets at its end, or after a comma, read alike («Дата увольнения, если уволен»). */
const withoutExplanation = (text: string) => text.replace(BRACKET_HINT, '').replace(/\s*,[^,]*$/u, '');

/**
 * What a hint that only says how to write the value reads like: a date format (дд.мм.гггг,
 * dd.mm.yyyy), a unit (ч, ак. ч., часов, лет, %, чел.), «да/нет», «при наличии».
 */
const WRITING_HINT = new RegExp(
  [
    '^[дмг]{1,4}(?:[.\\-/ ][дмг]{1,4}){2}$',
    '^[dmy]{1,4}(?:[.\\-/ ][dmy]{1,4}){2}$',
    '^(?:ак(?:адем\\S*)?\\.?\\s*)?ч(?:ас(?:ов|а)?)?\\.?$',
    '^(?:ак(?:адем\\S*)?\\.?\\s*)?час(?:ов|а)?$',
    '^(?:полных\\s+)?(?:лет|года?|годов)$',
    '^(?:%|чел\\.?|человек|шт\\.?)$',
    '^(?:да\\s*/\\s*нет|\\+\\s*/\\s*-)$',
    '^(?:при наличии|если есть|если имеется|не ?обязательно|обязательно)$',
  ].join('|'),
  'iu',
);

/** Every header and alias of every tab of the template, as matchKey writes them: words a header row holds, never a person's name or a value. */
let templateHeaders: Set<string> | null = null;

function isTemplateHeader(cell: Cell): boolean {
  if (typeof cell !== 'string') return false;
  templateHeaders ??= new Set([...TABS, REGISTRY_TAB].flatMap((t) => t.columns.flatMap((c) => [c.header, ...c.aliases])).map(matchKey));
  return templateHeaders.has(matchKey(cell));
}

/** Lay a grid out as data rows keyed by the declared columns. */
export function layoutGrid(grid: Grid, columns: readonly ColumnDecl[]): Layout {
  const index = headerIndex(columns);
  const required = columns.filter((c) => c.required).map((c) => c.key);
  let best = { row: -1, found: new Map<string, number>() };
  /**
   * The first row that reads as a header short of a required column: two or more columns named,
   * at least half of the required ones. Rows of data under it and a full header further down (a
   * block pasted again) do not make it «a title above the header»: it is the header, and the tab
   * lacks a column. It was skipped with the rows under it as a notice, and the tab loaded only
   * the rows below the copy (four teachers of five gone: an outside review).
   */
  let headerLike = -1;
  let headerRow = -1;
  /** Whether the header row was found only with the row under it (a header of two rows). */
  let joined = false;
  for (let r = 0; r < grid.length; r++) {
    const found = rowKeys(grid[r] ?? [], index);
    if (found.size === 0) continue;
    if (required.every((k) => found.has(k))) {
      headerRow = r;
      break;
    }
    // A header of two rows whose second row names what the first lacks: «Даты» merged over three
    // columns with «Дата начала», «Дата окончания (план)», «… (факт)» under it. The header is the
    // two rows together, as docs/contract.md promises; read strictly (headerContinuation), so a
    // title row over the real header is still skipped, not joined to it.
    if (r + 1 < grid.length) {
      const second = headerContinuation(grid[r] ?? [], grid[r + 1] ?? [], index, found, required, true);
      if (second && required.every((k) => found.has(k) || [...second.values()].some((s) => s.key === k))) {
        headerRow = r;
        joined = true;
        break;
      }
    }
    if (found.size > best.found.size) best = { row: r, found };
    if (headerLike < 0 && found.size >= 2 && 2 * required.filter((k) => found.has(k)).length >= required.length) headerLike = r;
  }
  if (headerRow > headerLike + 1 && headerLike >= 0 && grid.slice(headerLike + 1, headerRow).some((row) => row.some((c) => !statesNothing(c)))) {
    const found = rowKeys(grid[headerLike] ?? [], index);
    return { ok: false, empty: false, notices: [], problem: missingColumns(grid[headerLike] ?? [], headerLike, new Set(found.keys()), columns, index) };
  }
  if (headerRow < 0) {
    if (best.row < 0) {
      const empty = grid.every((row) => row.every((c) => statesNothing(c)));
      return {
        ok: false,
        empty,
        notices: [],
        problem: empty
          ? `лист пуст: нет строки заголовков; ожидаются столбцы ${requiredList(columns)}`
          : `не найдена строка заголовков; ожидаются столбцы ${requiredList(columns)}`,
      };
    }
    return { ok: false, empty: false, notices: [], problem: missingColumns(grid[best.row] ?? [], best.row, new Set(best.found.keys()), columns, index) };
  }

  const notices: Omit<DataIssue, 'org' | 'tab'>[] = [];
  const header = grid[headerRow] ?? [];
  const positions = new Map<string, number>();
  const texts = new Map<string, string>();
  /** Header cells that name no column of the template: column → text. */
  const unknown = new Map<number, string>();
  /** Columns found through a hint in brackets (headerMatch). */
  const hinted = new Set<string>();
  for (let i = 0; i < header.length; i++) {
    const cell = header[i];
    if (isBlank(cell ?? null)) continue;
    const text = headerText(cell ?? null);
    const match = headerMatch(index, cell ?? null);
    if (!match) {
      unknown.set(i, text);
      continue;
    }
    const key = match.key;
    const prev = positions.get(key);
    // A header read through a hint («Часов (ак. ч.)») gives way to the plain one beside it: another column, not a duplicate.
    if (prev !== undefined && match.hinted) {
      unknown.set(i, text);
      continue;
    }
    if (prev !== undefined && hinted.has(key)) {
      unknown.set(prev, texts.get(key)!);
      hinted.delete(key);
    } else if (prev !== undefined) {
      return {
        ok: false,
        empty: false,
        notices,
        problem: `столбец «${texts.get(key)}» встречается дважды (столбцы ${columnLetter(prev + 1)} и ${columnLetter(i + 1)}); оставьте один`,
      };
    }
    positions.set(key, i);
    texts.set(key, text);
    if (match.hinted) hinted.add(key);
  }
  // A header of two rows: the columns its second row names join those of the first.
  const second = headerContinuation(header, grid[headerRow + 1] ?? [], index, positions, required, joined);
  if (joined && (!second || required.some((k) => !positions.has(k) && ![...second.values()].some((s) => s.key === k)))) {
    // The scan read the two rows by each row's first cell naming a column (rowKeys); read here
    // otherwise (a header with a hint giving way to the plain one), they may lack a required one.
    const found = new Set([...positions.keys(), ...[...(second?.values() ?? [])].map((s) => s.key)]);
    return { ok: false, empty: false, notices, problem: missingColumns(header, headerRow, found, columns, index) };
  }
  if (second) {
    for (const [i, { key, text, title }] of second) {
      positions.set(key, i);
      texts.set(key, text);
      // A group's title («Наставничество» over «Наставник», «Обучение наставников»; «Даты» over
      // «Дата начала» and the end dates) is no column of its own.
      unknown.delete(i);
      if (title !== undefined) unknown.delete(title);
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
  const places: Record<string, number> = {};
  for (const [key, i] of [...positions].sort((a, b) => a[1] - b[1])) {
    headers[key] = texts.get(key)!;
    places[headers[key]] = i;
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
  /** Rows that repeat the header row (sheet row numbers). */
  const repeats: number[] = [];
  /** Totals rows (sheet row numbers). */
  const totals: number[] = [];
  /** Rows of a note under the table (sheet row numbers). */
  const notes: number[] = [];
  // The cheap test first, on every row (a full header match per row cost a third of the parse):
  // the first required column holds text that reads as its header above, case and spaces aside.
  const firstRequired = required[0];
  const firstText = firstRequired === undefined ? '' : (texts.get(firstRequired) ?? '');
  const firstHeader = matchKey(firstText);
  const repeatsHeader = (cells: Record<string, Cell>): boolean => {
    if (firstRequired === undefined) return false;
    const c = cells[firstRequired];
    // A pasted header row repeats the header as typed: about its length (a teacher's name never is «ФИО»'s).
    return typeof c === 'string' && Math.abs(c.length - firstText.length) <= 4 && matchKey(c) === firstHeader;
  };
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
      if (blank && !statesNothing(cell)) blank = false;
    }
    for (let i = 0; i < line.length; i++) {
      if (!headed[i] && !statesNothing(line[i])) headless.set(i, (headless.get(i) ?? 0) + 1);
    }
    if (blank) continue;
    // The header row again (pasted with a block of rows from another sheet, or a print layout):
    // every required column holds its own header. Not a record: skipped and said once.
    if (repeatsHeader(cells) && required.every((k) => headerKey(index, cells[k] ?? null) === k)) {
      repeats.push(r + 1);
      continue;
    }
    // A totals row under the records («Итого», «Всего: 15»), required cells empty: not a record.
    // It was one with an error per empty required cell, whose advice — followed — was to type a
    // position into the totals row (an outside review).
    const short = required.some((k) => statesNothing(cells[k]));
    if (short && keys.some((k) => typeof cells[k] === 'string' && TOTALS.test(cells[k] as string))) {
      totals.push(r + 1);
      continue;
    }
    if (short) {
      const filled = keys.filter((k) => !statesNothing(cells[k]));
      const only = filled.length === 1 ? cells[filled[0]!] : null;
      if (typeof only === 'string' && NOTE.test(only)) {
        notes.push(r + 1);
        continue;
      }
    }
    rows.push(new LaidRow(r + 1, cells, shape));
  }
  // Rows skipped as no records, said once each kind: one row by its number, several listed.
  const skipped = (list: readonly number[], one: string, many: (rows: string) => string) => {
    if (list.length) notices.push({ level: 'notice', row: list.length === 1 ? list[0]! : null, column: null, value: null, problem: list.length === 1 ? one : many(list.join(', ')) });
  };
  skipped(
    totals,
    'строка итогов («Итого», «Всего») — это не запись, она не загружается; её можно удалить или оставить',
    (rows) => `строки ${rows} — строки итогов («Итого», «Всего»), а не записи; они не загружаются, их можно удалить или оставить`,
  );
  skipped(
    notes,
    'строка примечания («Примечание», «*», «Исполнитель» …) — это не запись, она не загружается; её можно удалить или оставить',
    (rows) => `строки ${rows} — примечания («Примечание», «*», «Исполнитель» …), а не записи; они не загружаются, их можно удалить или оставить`,
  );
  skipped(
    repeats,
    'строка повторяет строку заголовков — она пропущена, это не запись; её можно удалить',
    (rows) => `строки ${rows} повторяют строку заголовков — они пропущены, это не записи; их можно удалить`,
  );
  // A column not of the template whose header, without its words in brackets, is a template
  // column this tab lacks («Дата увольнения (если уволен)»): its filled cells are not loaded — a
  // dismissed teacher counts as employed. Said as a warning with the count, not only listed.
  // So is one whose header is a template column this tab lacks, misspelled («Размешена на
  // сайте» for «Размещена на сайте»): a letter or two apart.
  const headerOf = new Map(columns.map((c) => [c.key, c.header]));
  const misnamed = new Set<string>();
  // Filled cells of column `i`, and how many of them the template column `key` takes.
  const tally = (i: number, key: string | null) => {
    const parse = key === null ? null : columnParser(columns.find((c) => c.key === key)!);
    let filled = 0;
    let fits = 0;
    for (let r = dataFrom; r < grid.length; r++) {
      const cell = grid[r]?.[i] ?? null;
      if (isBlank(cell)) continue;
      filled++;
      if (parse?.(cell).ok) fits++;
    }
    return { filled, fits, cells: `${filled} ${plural(filled, 'заполненная ячейка', 'заполненные ячейки', 'заполненных ячеек')}` };
  };
  for (const [i, text] of unknown) {
    const bare = withoutExplanation(text);
    const bracketed = bare !== text && bare !== '' ? index.get(matchKey(bare)) : undefined;
    const key = bracketed !== undefined && !positions.has(bracketed) ? bracketed : misspelled(text, index, positions);
    if (key === undefined) {
      // The words two template columns this tab lacks share before their brackets: «Дата
      // окончания» for «Дата окончания (план)» and «… (факт)» — which one, only the school knows.
      const typed = matchKey(text);
      const both = columns.filter((c) => {
        const headerBare = c.header.replace(BRACKET_HINT, '');
        return !positions.has(c.key) && headerBare !== c.header && matchKey(headerBare) === typed;
      });
      if (both.length < 2) continue;
      const { filled, cells } = tally(i, null);
      if (filled === 0) continue;
      notices.push({
        level: 'warning',
        row: null,
        column: text,
        value: null,
        problem: `столбец не загружен, хотя в нём ${cells}: в шаблоне ${both.length === 2 ? 'два столбца' : 'столбцы'} ${both.map((c) => `«${c.header}»`).join(' и ')} — назовите его так, как нужно (или заведите оба), пока его значения не учитываются`,
      });
      continue;
    }
    // Filled, and with values the template column takes: «Наставник (ФИО)» on «Педагоги» holds
    // names, not the Да/Нет of «Наставник» — another column, and moving it there would be wrong.
    const { filled, fits, cells } = tally(i, key);
    if (filled === 0 || fits * 2 <= filled) continue;
    misnamed.add(key);
    notices.push({
      level: 'warning',
      row: null,
      column: text,
      value: null,
      problem:
        key === bracketed
          ? `столбец не загружен, хотя в нём ${cells}: если это столбец шаблона «${headerOf.get(key)}», уберите из заголовка пояснение ${BRACKET_HINT.test(text) ? 'в скобках' : 'после запятой'} — пока его значения не учитываются`
          : `столбец не загружен, хотя в нём ${cells}: похоже, это столбец шаблона «${headerOf.get(key)}» с опечаткой в заголовке — исправьте заголовок, пока его значения не учитываются`,
    });
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
  return { ok: true, headerRow: headerRow + 1, headers, places, rows, notices, misnamed };
}

/**
 * Whether the row under the header row is a second row of the header, and the columns it names
 * (column → key, the header text as read, and the column of the group title over it) — then it
 * is not data. It is when no required column of it holds data — each is empty, repeats its
 * header above (a header cell merged down two rows reads the same in both: Google's merged cells
 * are filled down, as an .xlsx's are) or holds a header of the template («ФИО» under a group
 * «Наставник») — and something in it is a header: a repeat, or a column of the template not
 * named above (sub-headers under a group's title). A row of data has its required cells filled
 * with values: a teacher's name is never a header.
 *
 * A sub-header may also finish its group's title: «Дата окончания» merged over «план» and «факт»
 * (or «(план)», «(факт)») are «Дата окончания (план)» and «Дата окончания (факт)». The title is
 * the first row's nearest filled cell at or left of the sub-header with only empty cells between
 * — a title merged across columns, whose value Google sends in its first cell only. The
 * combination counts only when it is a header of the template: a date or a name under a header
 * never makes one.
 *
 * `strict` is for a first row that lacks required columns (the header scan): the two rows are
 * one header only if they agree — every column the first row names stands over an empty cell,
 * its own header again or a header of no column of this tab («ФИО» under «Наставник»), and the
 * second row names no column of the first elsewhere. Else the first row is a title above the
 * header («Дата | 01.10.2024» over «ФИО | … | Дата окончания»), as it was before.
 */
function headerContinuation(
  header: readonly Cell[],
  next: readonly Cell[],
  index: ReadonlyMap<string, string>,
  positions: ReadonlyMap<string, number>,
  required: readonly string[],
  strict = false,
): Map<number, { key: string; text: string; title?: number }> | null {
  const repeats = (i: number) => {
    const cell = next[i] ?? null;
    const above = header[i] ?? null;
    return typeof cell === 'string' && typeof above === 'string' && matchKey(cell) !== '' && matchKey(cell) === matchKey(above);
  };
  let signal = false;
  for (const key of required) {
    const i = positions.get(key);
    if (i === undefined) continue;
    const cell = next[i] ?? null;
    if (isBlank(cell)) continue;
    if (!repeats(i) && !isTemplateHeader(cell)) return null;
    signal = true;
  }
  if (strict) {
    for (const [key, i] of positions) {
      const cell = next[i] ?? null;
      if (isBlank(cell) || repeats(i)) continue;
      const named = headerKey(index, cell);
      if (named !== key && !(named === undefined && isTemplateHeader(cell))) return null;
    }
  }
  const named = new Map<number, { key: string; text: string; title?: number }>();
  const taken = new Set<string>();
  for (let i = 0; i < next.length; i++) {
    const cell = next[i] ?? null;
    if (isBlank(cell)) continue;
    if (repeats(i)) {
      signal = true;
      continue;
    }
    const title = groupTitle(header, i);
    let found: { key: string; text: string } | undefined;
    const key = headerKey(index, cell);
    if (key !== undefined) found = { key, text: headerText(cell) };
    else if (title !== undefined && typeof cell === 'string') {
      const sub = cell.trim().replace(/^\((.*)\)$/su, '$1').trim();
      const text = oneLine(`${title.text} (${sub})`);
      const k = sub === '' ? undefined : headerKey(index, text);
      if (k !== undefined) found = { key: k, text };
    }
    if (found === undefined) continue;
    if (positions.has(found.key)) {
      if (strict && positions.get(found.key) !== i) return null;
      continue;
    }
    if (taken.has(found.key)) continue;
    named.set(i, title === undefined ? found : { ...found, title: title.at });
    taken.add(found.key);
    signal = true;
  }
  return signal ? named : null;
}

/**
 * A header as findings name it: its text on one line. A header typed on two lines («Дата» ⏎
 * «начала», Alt+Enter) is read all the same, but named as it was, every message about the column
 * broke across lines in the sync's output and on «Качество данных» (an acceptance run).
 */
const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();
const headerText = (cell: Cell | null): string => oneLine(rawText(cell));

/**
 * The group title over column `i` of a header's second row: the first row's nearest filled cell
 * at or left of it with only empty cells between (a title merged across columns), if it is text.
 */
function groupTitle(header: readonly Cell[], i: number): { at: number; text: string } | undefined {
  for (let j = Math.min(i, header.length - 1); j >= 0; j--) {
    const cell = header[j] ?? null;
    if (isBlank(cell)) continue;
    return typeof cell === 'string' ? { at: j, text: cell.trim() } : undefined;
  }
  return undefined;
}

/**
 * Why a tab is refused when its header row (0-based `row`, the columns `found` in it) lacks
 * required columns: each missing column with the names it also goes by, and the header cell of
 * that row the school probably meant by it («Категория (на 01.09.2023)», «Кол-во часов»): the
 * school saw only «нет «Категория»» next to a column it had named so.
 */
function missingColumns(header: readonly Cell[], row: number, found: ReadonlySet<string>, columns: readonly ColumnDecl[], index: ReadonlyMap<string, string>): string {
  const others = header.filter((cell): cell is string => typeof cell === 'string' && cell.trim() !== '' && headerKey(index, cell) === undefined);
  const missing = columns
    .filter((c) => c.required && !found.has(c.key))
    .map((c) => {
      const names = [c.header, ...c.aliases].map(matchKey);
      const near = others.find((text) => {
        const k = matchKey(withoutExplanation(text));
        // «Кат.», «Долж.»: a word cut short with a period.
        const cut = /\.\s*$/.test(text) && k.length >= 3;
        return k !== '' && names.some((n) => k === n || (n.length >= 3 && k.includes(n)) || (k.length >= 4 && n.includes(k)) || (cut && n.startsWith(k)) || (n.length >= 5 && editDistance(k, n) <= 2));
      });
      const also = c.aliases.length ? ` (или ${c.aliases.map((a) => `«${a}»`).join(', ')})` : '';
      return `«${c.header}»${also}${near === undefined ? '' : ` — в строке заголовков есть «${near.trim()}»: если это он, назовите столбец «${c.header}»`}`;
    });
  return `нет обязательных столбцов: ${missing.join(missing.some((m) => m.includes(' — ')) ? '; ' : ', ')} (строка заголовков — ${row + 1}); проверьте названия столбцов`;
}

/** The columns a row names as a header row: key → its first cell naming it. */
function rowKeys(row: readonly Cell[], index: ReadonlyMap<string, string>): Map<string, number> {
  const found = new Map<string, number>();
  for (let i = 0; i < row.length; i++) {
    const key = headerKey(index, row[i] ?? null);
    if (key !== undefined && !found.has(key)) found.set(key, i);
  }
  return found;
}

function requiredList(columns: readonly ColumnDecl[]): string {
  return columns
    .filter((c) => c.required)
    .map((c) => `«${c.header}»`)
    .join(', ');
}
