/**
 * zod row schemas derived from the declaration: one schema per tab, one field per column.
 * Each field takes a raw cell and yields the typed value, or an issue whose message is the
 * Russian problem text (the location is added by the caller from the issue path).
 */
import './zodRu.ts';
import { z } from 'zod';
import type { Cell } from './grid.ts';
import { CATEGORIES, REGISTRY_TAB, TABS, type ColumnDecl, type TabKey } from './declaration.ts';
import {
  DATE_EXPECTED,
  ITEM_EXPECTED,
  YES_NO_EXPECTED,
  allowed,
  numberExpected,
  enumMatcher,
  formulaError,
  isBlank,
  parseCategory,
  parseDate,
  parseEnum,
  parseEnumList,
  parseItem,
  parseNumber,
  parseName,
  parseText,
  parseYesNo,
  type Parsed,
} from './values.ts';
import { countOf, memo, tidy } from './normalize.ts';

/** A person reference as typed: a name, possibly with an organization code in parentheses. */
export interface PersonRef {
  text: string;
  name: string;
  /** The text in trailing parentheses, if any; resolved against the registry later. */
  orgHint: string | null;
}

/** Longest person reference: a full name and an organization or teacher code in parentheses. */
export const PERSON_REF_MAX = 250;

export function parsePersonRef(cell: Cell): Parsed<PersonRef> {
  const text = tidy(String(cell));
  if (text.length > PERSON_REF_MAX) {
    return {
      ok: false,
      problem: `слишком длинный текст для ФИО (${countOf(text.length, 'знак', 'знака', 'знаков')}, допустимо не больше ${PERSON_REF_MAX}); ожидается ФИО педагога с листа «Педагоги»`,
    };
  }
  // Group mentoring is one row per mentee: several names in one cell are not one person. But
  // «Фамилия, Имя Отчество» — a surname alone, a comma, the rest of the name — is one, written
  // as the school may have written it on «Педагоги» too (it loaded there and could be named nowhere).
  const names = String(cell).split(/[;,\n]/).filter((p) => tidy(p) !== '');
  if (names.length > 1 && !surnameFirst(String(cell))) {
    return {
      ok: false,
      problem: 'в ячейке несколько ФИО; укажите одного педагога (для группы — отдельная строка на каждого наставляемого)',
    };
  }
  const m = text.match(/^(.*\S)\s*\(([^()]+)\)$/);
  return { ok: true, value: m ? { text, name: tidy(m[1]!), orgHint: tidy(m[2]!) } : { text, name: text, orgHint: null } };
}

/** «Фамилия, Имя Отчество» (or «Фамилия, Имя»): one person's name with a comma after the surname. */
function surnameFirst(text: string): boolean {
  return /^\s*[\p{L}-]+\s*,\s*[\p{L}-]+(?:\s+[\p{L}-]+){0,2}(?:\s*\([^()]+\))?\s*$/u.test(text);
}

/**
 * Whether a column's too long text is cut in the rows of the tabs (with a warning, validate.ts),
 * not an error: every text column — a required one too: a course's «Программа» of 748 characters
 * quarantined the course, where the contract sets no limit on text (an outside review) — but a
 * name (ФИО) and a teacher's code, by which other sheets find her (two long codes would become one).
 */
export function cutsLongText(c: ColumnDecl): c is ColumnDecl & { type: { kind: 'text'; maxLength: number } } {
  return c.type.kind === 'text' && !c.type.name && c.key !== 'code';
}

/** `cutLongText`: too long text is cut where `cutsLongText` allows (the rows of the tabs), not an error (the registry). */
function cellParser(c: ColumnDecl, cutLongText: boolean): (cell: Cell) => Parsed<unknown> {
  const t = c.type;
  switch (t.kind) {
    case 'text': {
      if (t.name) return (cell) => parseName(cell, t.maxLength);
      const cut = cutLongText && cutsLongText(c);
      return (cell) => parseText(cell, t.maxLength, cut);
    }
    case 'date':
      return (cell) => parseDate(cell);
    case 'number':
      return (cell) => parseNumber(cell, t);
    case 'yesno':
      return parseYesNo;
    case 'enum': {
      const match = enumMatcher(t.values);
      return (cell) => parseEnum(cell, t.values, match);
    }
    case 'enumList': {
      const match = enumMatcher(t.values);
      return (cell) => parseEnumList(cell, t.values, match);
    }
    case 'category':
      return parseCategory;
    case 'person':
      return parsePersonRef;
    case 'item':
      return parseItem;
  }
}

/** What a column expects, in Russian, beyond its note (the docs and the template print both); '' for plain text. */
export function expectedValue(c: ColumnDecl): string {
  const t = c.type;
  switch (t.kind) {
    case 'text':
      return '';
    case 'date':
      return DATE_EXPECTED;
    case 'number':
      return numberExpected(t);
    case 'yesno':
      return YES_NO_EXPECTED;
    case 'enum':
      return `допустимые значения: ${allowed(t.values)}`;
    case 'enumList':
      return `допустимые значения (несколько — через «;»): ${allowed(t.values)}`;
    case 'category':
      return `допустимые значения: ${allowed(CATEGORIES)}`;
    case 'person':
      return t.crossOrg
        ? 'ожидается ФИО педагога с листа «Педагоги» (педагога другой организации — «ФИО (КОД-ОО)»)'
        : 'ожидается ФИО педагога с листа «Педагоги»';
    case 'item':
      return ITEM_EXPECTED;
  }
}

/** How the message about an empty required cell begins (registry.ts replaces what follows by the code to write). */
export const REQUIRED_EMPTY = 'обязательное поле не заполнено';

/**
 * The message about an empty required cell, with what to write there: a text column says what
 * its note says it holds (the template's words: «учитель, воспитатель, педагог-психолог, …»).
 */
export function requiredProblem(c: ColumnDecl): string {
  return `${REQUIRED_EMPTY}; ${c.type.kind === 'text' ? textExpected(c, c.type.name === true) : expectedValue(c)}`;
}

function textExpected(c: ColumnDecl, isName: boolean): string {
  if (isName) return 'ожидается ФИО: фамилия, имя, отчество';
  return c.note ? `ожидается текст: ${c.note}` : 'ожидается текст';
}

/**
 * One column, whole: blank → null (or the "required" problem), a formula error, else the
 * parsed value. The zod schema and the fast row parser below are both this function.
 */
export function columnParser(c: ColumnDecl, cutLongText = false): (cell: Cell | undefined) => Parsed<unknown> {
  const parse = cellParser(c, cutLongText);
  const missing = requiredProblem(c);
  const empty: Parsed<unknown> = c.required ? { ok: false, problem: missing } : { ok: true, value: null };
  // A formula error in a column that only describes the row is that cell empty (told as a warning: validate.ts).
  const soft = describesOnly(c);
  const direct = (cell: Cell | undefined): Parsed<unknown> => {
    if (cell === undefined || isBlank(cell)) return empty;
    const broken = formulaError(cell);
    if (broken) return soft ? empty : broken;
    return parse(cell);
  };
  // Only columns of few distinct values: names and free text rarely repeat (a memo would only
  // keep them alive), and a list value is an array each row would share.
  if (!MEMO_KINDS.has(c.type.kind)) return direct;
  // The same cells recur down a column (dates, enum values, categories, hours): each distinct
  // cell is parsed once per run of up to CELL_MEMO values (results are never changed). -0 is
  // parsed every time: a Map would take it for 0.
  const cached = memo(direct, CELL_MEMO);
  return (cell) => (cell === undefined || cell === null ? empty : Object.is(cell, -0) ? direct(cell) : cached(cell));
}

/**
 * A column that only describes its row — optional free text that no figure, reference or
 * identity reads (Предмет, Организатор, Документ, Название, Ссылка). A formula error there
 * (a lookup's #N/A) leaves the cell empty and is told as a warning; it refused the row, and a
 * mentor with a broken «Предмет» went from every figure with every row naming them (an
 * acceptance run). Elsewhere it is an error: the value matters.
 */
export function describesOnly(c: ColumnDecl): boolean {
  return c.type.kind === 'text' && !c.type.name && !c.required && c.key !== 'code';
}

/** Distinct cells remembered per column parser (then forgotten wholesale). */
const CELL_MEMO = 1024;
const MEMO_KINDS: ReadonlySet<ColumnDecl['type']['kind']> = new Set(['date', 'number', 'yesno', 'enum', 'category', 'item']);

/** The zod schema of one column: blank → null (or an issue when required), else the parsed value. */
export function columnSchema(c: ColumnDecl): z.ZodType<unknown> {
  const parse = columnParser(c);
  return z.any().transform((cell: Cell | undefined, ctx) => {
    const result = parse(cell);
    if (!result.ok) {
      ctx.addIssue({ code: 'custom', message: result.problem });
      return z.NEVER;
    }
    return result.value;
  });
}

function objectSchema(columns: readonly ColumnDecl[]) {
  return z.object(Object.fromEntries(columns.map((c) => [c.key, columnSchema(c)])));
}

/**
 * The registry row's checks. «E-mail ответственного» is not among them: the registry parser
 * reads it itself (splitEmails), so that no value of it — too long, a formula error — can stop
 * the organization's sync; a wrong one is a warning.
 */
export const REGISTRY_SCHEMA = objectSchema(REGISTRY_TAB.columns.filter((c) => c.key !== 'contact'));

export type ParsedRow = Record<string, unknown>;

/** A row parsed by {@link ROW_PARSERS}: the typed values, or one problem per bad column (with the values of the columns that parsed). */
export type RowParse =
  | { success: true; data: ParsedRow }
  | { success: false; data: ParsedRow; error: { issues: { path: string[]; message: string }[] } };

/**
 * A tab's row parser, from the columns' parsers (`columnParser`, which the registry's zod
 * schema is built from too): the typed values, or one Russian problem per bad column. Not
 * zod's per-field machinery: the sync parses every row of every sheet, and this is about twice
 * as fast at region scale (`npm run bench`).
 */
function rowParser(columns: readonly ColumnDecl[]): (cells: Record<string, Cell>) => RowParse {
  const cols = columns.map((c) => ({ key: c.key, parse: columnParser(c, true) }));
  return (cells) => {
    const data: ParsedRow = {};
    let issues: { path: string[]; message: string }[] | null = null;
    for (const c of cols) {
      const result = c.parse(cells[c.key]);
      if (result.ok) data[c.key] = result.value;
      else (issues ??= []).push({ path: [c.key], message: result.problem });
    }
    return issues ? { success: false, data, error: { issues } } : { success: true, data };
  };
}

export const ROW_PARSERS = Object.fromEntries(TABS.map((t) => [t.key, rowParser(t.columns)])) as Record<
  TabKey,
  (cells: Record<string, Cell>) => RowParse
>;
