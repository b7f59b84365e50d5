/**
 * Parsing of cell values (docs/spec/CONTRACT.md section 3). Every parser takes a non-empty cell and
 * returns the value or a Russian explanation of what was expected. Dates are calendar dates
 * (`YYYY-MM-DD` strings) computed with integer arithmetic: no JS Date at local midnight, so
 * the result never depends on the process time zone.
 */
import type { Cell } from './grid.ts';
import { CATEGORIES, type ColumnType, type EnumValue } from './declaration.ts';
import { INVISIBLE_CLASS, codeKey, countOf, matchKey, tidy } from './normalize.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (problem: string): Parsed<never> => ({ ok: false, problem });

/** A cell with nothing in it: null, empty or whitespace-only text. */
export function isBlank(cell: Cell | undefined): boolean {
  // JS `\s` covers the no-break spaces tidy() folds and the class adds the invisible characters
  // it drops, so this is tidy(cell) === '' without copying.
  return cell === null || cell === undefined || (typeof cell === 'string' && !VISIBLE.test(cell));
}

/**
 * Whether a cell states nothing of a row: blank, or an unchecked checkbox (FALSE). A checkbox
 * put on a whole column range leaves FALSE in every row below the records: those rows are not
 * records (they were quarantined as rows with every required cell empty, 30 of them in one
 * school). A row with something else in it still counts, its FALSE read as «Нет».
 */
export function statesNothing(cell: Cell | undefined): boolean {
  return cell === false || isBlank(cell);
}

const VISIBLE = new RegExp(`[^\\s${INVISIBLE_CLASS}]`);

/** A cell as text, as typed: the text a value is parsed from (numbers as JS writes them). */
export function rawText(cell: Cell | undefined): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'boolean') return cell ? 'TRUE' : 'FALSE';
  return String(cell);
}

/**
 * How a cell is shown back to a school (messages, quarantine): as typed, except that a date
 * which Sheets delivers as a serial number is shown as the school sees it, `дд.мм.гггг`, so a
 * message about a Google sheet quotes the same value as one about a file.
 */
export function displayCell(cell: Cell | undefined, type?: ColumnType): string {
  if (typeof cell === 'number' && type?.kind === 'date' && isDateSerial(cell)) return ruDate(isoFromSerial(cell));
  // «3.10» that the spreadsheet turned into 3 October: shown as the school sees it (not 45933).
  if (typeof cell === 'number' && type?.kind === 'item' && itemAsDate(cell) !== null) return ruDate(isoFromSerial(cell));
  // A fraction as a Russian sheet shows it, with a decimal comma: «36,5», not «36.5» (an item
  // of the order stays «3.1», as the order writes it).
  if (typeof cell === 'number' && type?.kind !== 'item' && Number.isFinite(cell) && !Number.isInteger(cell)) return String(cell).replace('.', ',');
  return rawText(cell);
}

/** The format a cell of a number needs, and where Google Sheets' menu sets it (every piece of advice says it so). */
export const AS_NUMBER = 'формат «Число» (Формат → Число → Число)';
/** The format a cell of text needs (an item number «3.10» that the sheet would turn into a date). */
export const AS_TEXT = 'формат «Обычный текст» (Формат → Число → Обычный текст)';

/**
 * A number in a percent-formatted cell as the sheet shows it: 0.09 → «9%», 0.725 → «72,5%»
 * (Google's `numberFormat.type` PERCENT, an .xlsx cell's `0%` format). No column of the
 * contract holds a share: «9%» typed as a teacher's years of experience is 0.09, and taken as a
 * number it made a teacher of nine years a young specialist, silently. As text, a number column
 * refuses it by name (parseNumber), and a text column keeps what the school sees.
 */
export function percentText(value: number): string {
  return `${String(Number((value * 100).toPrecision(12))).replace('.', ',')}%`;
}

/**
 * A number in a date-formatted cell as the sheet shows it, `дд.мм.гггг` (Google's
 * `numberFormat.type` DATE or DATE_TIME; the time of day is not shown, as no column takes one).
 * A date column reads it as it read the serial number; a text column keeps the date the school
 * typed (it stored «44985» for 28.02.2023 in «Документ»: an outside review); a number column
 * refuses it by name — «4» in a cell formatted as a date shows 03.01.1900, and loaded as 4
 * years silently.
 */
export function dateText(value: number): string {
  return ruDate(isoFromSerial(value));
}

/** Whether an Excel number format shows its number as a percent (`0%`, `0.00%`; not a quoted or escaped «%»). */
export function isPercentFormat(numFmt: string | undefined): boolean {
  return typeof numFmt === 'string' && numFmt.replace(/"[^"]*"|\\./g, '').includes('%');
}

/**
 * Formula errors as text: Google Sheets and English Excel (`#REF!`), and Russian Excel, whose
 * files and CSV carry them translated (`#ССЫЛКА!`, `#Н/Д`, …).
 */
const FORMULA_ERROR = /^#(REF!|N\/A|VALUE!|DIV\/0!|NAME\?|NUM!|NULL!|ERROR!|SPILL!|CALC!|GETTING_DATA|ССЫЛКА!|Н\/Д|ЗНАЧ!|ДЕЛ\/0!|ИМЯ\?|ЧИСЛО!|ПУСТО!|ПЕРЕНОС!|ВЫЧИСЛ!|ОШИБКА!)/i;
/** A formula still being computed (IMPORTRANGE, a lookup): Google's LOADING value, as `values.*` shows it. */
const STILL_LOADING = /^(Loading\.\.\.|Загрузка\.\.\.)$/;

/** Spreadsheet formula errors arrive as text (`#REF!`); they are never data. */
export function formulaError(cell: Cell): Parsed<never> | null {
  if (typeof cell !== 'string' || !/^\s*[#LЗ]/.test(cell)) return null;
  const s = cell.trim();
  if (FORMULA_ERROR.test(s)) return bad('в ячейке ошибка формулы — исправьте формулу или введите значение');
  if (STILL_LOADING.test(s)) return bad('формула в ячейке ещё не вычислена (Loading…) — откройте таблицу, дождитесь значения и повторите синхронизацию');
  return null;
}

// ---- dates -----------------------------------------------------------------------------

/** Days from 1970-01-01 to the given calendar date (proleptic Gregorian), via UTC arithmetic. */
export function daysFromCivil(y: number, m: number, d: number): number {
  return Math.round(Date.UTC(y, m - 1, d) / 86_400_000);
}

/**
 * The calendar date of a day number, by integer arithmetic (H. Hinnant's civil_from_days): no
 * Date per call — the demo generator converts dates a few million times at region scale.
 */
export function civilFromDays(days: number): { y: number; m: number; d: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

export function isoFromDays(days: number): string {
  const { y, m, d } = civilFromDays(days);
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export function daysFromIso(iso: string): number {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  return daysFromCivil(y, m, d);
}

/** Sheets serial day 0 is 1899-12-30. */
export const SERIAL_EPOCH = daysFromCivil(1899, 12, 30);

/** Serial numbers of the days 01.01.2000–31.12.2099: a number there may be a date the school sees. */
const DATE_LIKE_SERIAL = { min: 36526, max: 73050 };

export function isoFromSerial(serial: number): string {
  return isoFromDays(SERIAL_EPOCH + Math.floor(serial));
}

export function serialFromIso(iso: string): number {
  return daysFromIso(iso) - SERIAL_EPOCH;
}

function validCivil(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const dim = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= dim[m - 1]!;
}

export const DATE_EXPECTED = 'ожидается дата в виде дд.мм.гггг (например, 01.09.2023) или гггг-мм-дд';

/**
 * A number in a date cell is a Sheets serial date when it falls on or after 1920-01-01
 * (serial 7306); a smaller number is something typed into the cell (a year, an experience),
 * not a date the school entered: Sheets would display it as a day of 1900–1919.
 */
const MIN_DATE_SERIAL = 7306;

/** The first day a number in a date cell is taken for (MIN_DATE_SERIAL), as `YYYY-MM-DD`. */
const ISO_DATE_SERIAL_MIN = '1920-01-01';

function isDateSerial(n: number): boolean {
  return Number.isFinite(n) && n >= MIN_DATE_SERIAL;
}

/** `dd.mm.yyyy` of an ISO date, the way schools write dates and see them in messages. */
export function ruDate(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${d}.${m}.${y}`;
}

/**
 * A time of day after a written date: « 0:00», « 14:30:05», «T00:00:00.000». Not one with a time
 * zone («…T21:00:00Z» is the next day in Moscow: which day is meant cannot be told).
 */
const TIME_AFTER_DATE = /(?<=\d)(?:\s+|T)(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:[.,]\d{1,6})?)?$/;

/**
 * The years a date may have at all: Sheets' calendar starts at 30.12.1899 (serial 0, what a date
 * formula over an empty cell shows), and a year past 2100 is a typo. Within them a date is read as
 * typed (docs/spec/CONTRACT.md rejects only impossible and ambiguous dates); a year earlier than a
 * column expects (declaration.ts `minYear`) is told as a warning (validate.ts), not refused: a
 * placeholder hire date «01.01.1900» refused quarantined the teacher and every row naming them
 * (an acceptance run), and means what an empty one does.
 */
export const DATE_YEARS = { min: 1900, max: 2100 } as const;

export function parseDate(cell: Cell, minYear: number = DATE_YEARS.min, maxYear: number = DATE_YEARS.max): Parsed<string> {
  let y: number, m: number, d: number;
  if (typeof cell === 'number') {
    if (!isDateSerial(cell)) return bad(`в ячейке число, а не дата; ${DATE_EXPECTED}`);
    const iso = isoFromSerial(cell);
    [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  } else if (typeof cell === 'string') {
    // A time after the date — a cell pasted from a program that writes moments («01.09.2003
    // 0:00:00», «2023-09-01T00:00:00») — is no part of the day: the date is read, as from a serial
    // number with a fraction of a day.
    const s = tidy(cell).replace(TIME_AFTER_DATE, '');
    let mt: RegExpMatchArray | null;
    if ((mt = s.match(/^(\d{1,2})\.(\d{1,2})\.(\d{4})$/))) {
      [d, m, y] = [Number(mt[1]), Number(mt[2]), Number(mt[3])];
    } else if ((mt = s.match(/^(\d{1,2})\.(\d{1,2})\.(\d{2})$/))) {
      [d, m, y] = [Number(mt[1]), Number(mt[2]), 2000 + Number(mt[3])];
    } else if ((mt = s.match(/^(\d{4})-(\d{2})-(\d{2})$/))) {
      [y, m, d] = [Number(mt[1]), Number(mt[2]), Number(mt[3])];
    } else if (/^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}$/.test(s)) {
      return bad(`дата записана неоднозначно (день и месяц можно перепутать); ${DATE_EXPECTED}`);
    } else if (/^\d{1,2}\.\d{1,2}\.\d{2,4}\s*г\.?$/i.test(s)) {
      return bad(`уберите «г.» после даты; ${DATE_EXPECTED}`);
    } else {
      return bad(`это не дата; ${DATE_EXPECTED}`);
    }
    if (!validCivil(y, m, d)) return bad(`такой даты нет в календаре; ${DATE_EXPECTED}`);
  } else {
    return bad(`это не дата; ${DATE_EXPECTED}`);
  }
  if (y < minYear || y > maxYear) {
    return bad(`год ${y} вне допустимого диапазона ${minYear}–${maxYear}; проверьте дату`);
  }
  return ok(`${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
}

// ---- numbers ---------------------------------------------------------------------------

export function numberExpected(opts: { min: number; max: number; integer: boolean }): string {
  return opts.integer ? `ожидается целое число от ${opts.min} до ${opts.max}` : `ожидается число от ${opts.min} до ${opts.max}`;
}

/** Relative distance from a whole number below which a number cell of an integer column is read as it (parseNumber). */
const FORMULA_NOISE = 1e-9;

export function parseNumber(cell: Cell, opts: { min: number; max: number; integer: boolean }): Parsed<number> {
  const expected = numberExpected(opts);
  let n: number;
  if (typeof cell === 'number') {
    // A formula's result carries binary rounding noise the sheet never shows («=0,7*90» is
    // 62.99999999999999, shown as 63): within FORMULA_NOISE of a whole number it is that number.
    const whole = Math.round(cell);
    n = opts.integer && Math.abs(cell - whole) <= FORMULA_NOISE * Math.max(1, Math.abs(cell)) ? whole : cell;
  } else if (typeof cell === 'string') {
    // `1 234`, `12,5`, `12.5`; a space (also a non-breaking one) only between groups of three
    // digits: «16 16» or «1 5» is two numbers or a typo, not 1616 or 15 (it was taken so).
    const t = cell.trim().replace(/[\s\u00a0\u2007\u202f]+/g, ' ');
    // «05.03.2026»: a date where a number belongs — typed so, or a number («5.03») the sheet
    // turned into a date (a date-formatted cell: dateText).
    if (/^\d{1,2}\.\d{1,2}\.\d{4}$/.test(t)) {
      return bad(
        `это дата, а не число: если вводили число (например, 5.03), таблица превратила его в дату — задайте ячейке ${AS_NUMBER} и введите число заново; ${expected}`,
      );
    }
    // «9%»: a cell in the percent format (it holds 0.09: answers.ts percentText) or a % typed.
    // No number of the contract is a share: the number itself, without the sign, is meant.
    if (/^[+-]?[\d ]*[.,]?\d+ ?%$/.test(t)) {
      return bad(
        `это не число, а проценты: ячейке задан формат процентов или введён знак % — задайте ей ${AS_NUMBER} и введите само число, без %; ${expected}`,
      );
    }
    if (t.includes(' ') && !/^[+-]?\d{1,3}( \d{3})+([.,]\d+)?$/.test(t)) {
      return bad(/^[+-]?[\d ]+([.,]\d+)?$/.test(t) ? `это не число: пробел внутри числа (тысячи отделяются пробелом только так: 1 234); ${expected}` : `это не число; ${expected}`);
    }
    const s = t.replace(/ /g, '');
    if (!/^[+-]?(\d+([.,]\d+)?|[.,]\d+)$/.test(s)) return bad(`это не число; ${expected}`);
    n = Number(s.replace(',', '.'));
  } else {
    return bad(`это не число; ${expected}`);
  }
  if (!Number.isFinite(n)) return bad(`это не число; ${expected}`);
  if (opts.integer && !Number.isInteger(n)) {
    // A number cell may show it rounded («72» for 72,4 under a format without decimals): said, or
    // the school looks at «72» and cannot see what is wrong (an outside review).
    return bad(
      typeof cell === 'number'
        ? `нужно целое число; в ячейке может быть видно округлённое число, а хранится ${String(n).replace('.', ',')} — проверьте значение в строке формул; ${expected}`
        : `нужно целое число; ${expected}`,
    );
  }
  if (n < opts.min || n > opts.max) {
    // A number cell a spreadsheet turned into a date («1.5» typed in Russian Excel is 01.05): the
    // school sees a date there, not the serial number it holds. Named so, with the date it shows.
    if (typeof cell === 'number' && Number.isInteger(n) && n > opts.max && n >= DATE_LIKE_SERIAL.min && n <= DATE_LIKE_SERIAL.max) {
      return bad(
        `число вне допустимого диапазона; если в ячейке видна дата ${ruDate(isoFromSerial(n))}, таблица превратила число в дату — задайте ячейке ${AS_NUMBER} и введите число заново; ${expected}`,
      );
    }
    return bad(`число вне допустимого диапазона; ${expected}`);
  }
  return ok(n);
}

// ---- yes / no --------------------------------------------------------------------------

export const YES_NO_EXPECTED = 'ожидается «Да» или «Нет» (также допустимы +/−, 1/0, true/false, ✓, флажок)';

// A tick typed as a character (✓ ✔ ☑) is a «Да» as much as a checkbox is.
const YES = new Set(['да', '+', '1', 'true', 'истина', 'yes', '✓', '✔', '☑']);
const NO = new Set(['нет', '-', '−', '0', 'false', 'ложь', 'no']);

export function parseYesNo(cell: Cell): Parsed<boolean> {
  if (typeof cell === 'boolean') return ok(cell);
  if (typeof cell === 'number') {
    if (cell === 1) return ok(true);
    if (cell === 0) return ok(false);
  }
  const s = tidy(String(cell)).toLowerCase().replace(/ё/g, 'е').replace(/\.$/, '');
  if (YES.has(s)) return ok(true);
  if (NO.has(s)) return ok(false);
  return bad(YES_NO_EXPECTED);
}

// ---- enumerations ----------------------------------------------------------------------

export function enumMatcher(values: readonly EnumValue[]): (s: string) => string | null {
  const map = new Map<string, string>();
  for (const v of values) {
    map.set(matchKey(v.value), v.value);
    for (const a of v.aliases ?? []) map.set(matchKey(a), v.value);
  }
  return (s) => map.get(matchKey(s)) ?? null;
}

/** The canonical values in quotes, for messages: «Школа», «Детский сад», … */
export function allowed(values: readonly EnumValue[]): string {
  return values.map((v) => `«${v.value}»`).join(', ');
}

/**
 * Why a value matched none: when it is an allowed one typed with Latin letters drawn like Russian
 * ones («Bысшая» with a Latin B), those letters and the value meant — the list alone looks the
 * same as what the school typed. Still an error (CONTRACT: values are the template's): said how to fix it.
 */
function unknownValue(typed: string, match: (s: string) => string | null, list: string, what = 'неизвестное значение'): string {
  const meant = /[a-z]/i.test(typed) && /[а-яё]/i.test(typed) ? match(codeKey(typed)) : null;
  if (meant === null) return `${what}; ${list}`;
  const latin = [...new Set(typed.match(/[a-z]/gi))].map((c) => `«${c}»`).join(', ');
  return `${what}: латинские буквы вместо русских (${latin}) — видимо, это «${meant}»; введите значение русскими буквами (${list})`;
}

export function parseEnum(cell: Cell, values: readonly EnumValue[], match = enumMatcher(values)): Parsed<string> {
  const typed = String(cell);
  const v = match(typed);
  return v === null ? bad(unknownValue(typed, match, `допустимые: ${allowed(values)}`)) : ok(v);
}

export function parseEnumList(cell: Cell, values: readonly EnumValue[], match = enumMatcher(values)): Parsed<string[]> {
  const parts = String(cell)
    .split(/[;\n]/)
    .map((p) => tidy(p))
    .filter((p) => p !== '');
  if (parts.length === 0) return bad(`пустой список; допустимые значения через «;»: ${allowed(values)}`);
  const out: string[] = [];
  for (const p of parts) {
    const v = match(p);
    if (v === null) return bad(unknownValue(p, match, `допустимые (через «;»): ${allowed(values)}`, `неизвестное значение «${p}»`));
    if (!out.includes(v)) out.push(v);
  }
  return ok(out);
}

const matchCategory = enumMatcher(CATEGORIES);
export const CATEGORY_RANK: ReadonlyMap<string, number> = new Map(CATEGORIES.map((c) => [c.value, c.rank]));

export function parseCategory(cell: Cell): Parsed<string> {
  return parseEnum(cell, CATEGORIES, matchCategory);
}

// ---- items of the order ----------------------------------------------------------------

export const ITEM_EXPECTED = 'ожидается номер пункта распоряжения от 3.1 до 3.13';

/**
 * The item a date stands for, when a spreadsheet in the Russian locale turned a typed item number
 * into a date: «3.10» is 3 October (day 3, month 10), «3.1» 3 January; null for any other number.
 */
function itemAsDate(cell: Cell): string | null {
  // A number cell holds the serial; a date-formatted cell comes as the date it shows (dateText).
  let iso: string | null = null;
  if (typeof cell === 'number') iso = Number.isInteger(cell) && isDateSerial(cell) ? isoFromSerial(cell) : null;
  else if (typeof cell === 'string') {
    const shown = /^\s*(\d{2})\.(\d{2})\.(\d{4})\s*$/.exec(cell);
    iso = shown ? `${shown[3]}-${shown[2]}-${shown[1]}` : null;
  }
  if (iso === null || iso < ISO_DATE_SERIAL_MIN) return null;
  const [, m, d] = iso.split('-').map(Number);
  // Day 3 of a month 1–12 is always a real day (a typed «31.02.2026» is none the sheet made).
  return d === 3 && m! >= 1 && m! <= 12 ? `3.${m}` : null;
}

export function parseItem(cell: Cell): Parsed<string> {
  const item = itemAsDate(cell);
  // Not read as the item (a guess): named, with how to keep it from happening again.
  if (item !== null) return bad(`таблица превратила номер пункта в дату — видимо, это пункт ${item}; задайте столбцу «Пункт» ${AS_TEXT} и введите номер пункта заново`);
  const s = tidy(String(cell)).replace(/^(п\.|пункт)\s*/i, '').replace(/\.$/, '');
  const mt = s.match(/^3\.(\d{1,2})$/);
  const n = mt ? Number(mt[1]) : NaN;
  if (!(n >= 1 && n <= 13)) return bad(ITEM_EXPECTED);
  return ok(`3.${n}`);
}

// ---- text ------------------------------------------------------------------------------

/**
 * A text cell. Longer than `maxLength`: an error — or, with `cut` (an optional descriptive
 * column: a program's theme, a course's organizer), the first `maxLength - 1` characters and
 * «…», so that a long description never costs the row its figures (the sync warns: longTextWarning).
 */
export function parseText(cell: Cell, maxLength: number, cut = false): Parsed<string> {
  const s = tidy(rawText(cell));
  if (s.length <= maxLength) return ok(s);
  if (cut) return ok(`${s.slice(0, maxLength - 1)}…`);
  return bad(`слишком длинный текст (${countOf(s.length, 'знак', 'знака', 'знаков')}, допустимо не больше ${maxLength})`);
}

/** What a person's name (parseName) should look like. */
export const NAME_EXPECTED = 'ожидаются фамилия, имя и отчество педагога (например, Иванова Анна Петровна)';

/**
 * A person's name as the teachers tab gives it: text with at least one letter. A number
 * («12345», a row number pasted into the column) or a checkbox (TRUE) in «ФИО» names nobody,
 * and loaded it would count as a teacher in every figure.
 */
export function parseName(cell: Cell, maxLength: number): Parsed<string> {
  if (typeof cell === 'boolean') return bad(`это флажок, а не ФИО; ${NAME_EXPECTED}`);
  if (typeof cell === 'number') return bad(`это число, а не ФИО; ${NAME_EXPECTED}`);
  const text = parseText(cell, maxLength);
  if (text.ok && !/\p{L}/u.test(text.value)) return bad(`в ФИО нет ни одной буквы; ${NAME_EXPECTED}`);
  // A person chip showing the colleague's e-mail: a name no other sheet can refer to.
  if (text.ok && isEmail(text.value)) return bad(`это адрес почты, а не ФИО (так выглядит чип пользователя Google); ${NAME_EXPECTED} — впишите их текстом вместо чипа`);
  return text;
}

/** The warning for an optional text cut by parseText, or null when `cell` fits `maxLength`. */
export function longTextWarning(cell: Cell | undefined, maxLength: number): string | null {
  // tidy only shortens a text: most cells are decided by their raw length alone.
  if (typeof cell !== 'string' || cell.length <= maxLength) return null;
  const length = tidy(cell).length;
  if (length <= maxLength) return null;
  return `текст длиннее допустимого (${countOf(length, 'знак', 'знака', 'знаков')}, допустимо не больше ${maxLength}): загружено начало текста с «…»; сократите текст в ячейке`;
}

// ---- e-mail ------------------------------------------------------------------------------

/**
 * An e-mail address as a recipient list takes it (no display name, no brackets): settings,
 * deliveries, the registry. Letters of any script (почта@школа.рф), no empty label, no dot at
 * either end of the name, a domain of at least two labels.
 */
export const isEmail = (raw: string): boolean => {
  // Composed letters (й typed as и + ◌̆ is one letter).
  const s = raw.normalize('NFC');
  return s.length <= 254 && /^[\p{L}\p{N}!#$%&'*+/=^_`{|}~-]+(\.[\p{L}\p{N}!#$%&'*+/=^_`{|}~-]+)*@[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(\.[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)+$/u.test(s);
};

/** Longest cell read for addresses: twenty addresses and then some (a longer cell is read up to here). */
const EMAIL_CELL_MAX = 2000;
const OPENERS = new Set(['<', '(', '«', '"', "'"]);
const CLOSERS = new Set(['>', ')', '»', '"', "'", '.', ',', ';', ':', '!']);

/** A word as typed around an address: «<a@b.ru>», «mailto:a@b.ru?subject=…», «(a@b.ru)», «a@b.ru.». */
function addressOf(word: string): string {
  let start = 0;
  let end = word.length;
  while (start < end && OPENERS.has(word[start]!)) start++;
  let w = word.slice(start, end);
  if (/^mailto:/i.test(w)) w = w.slice(7);
  const query = w.indexOf('?');
  if (query >= 0) w = w.slice(0, query);
  end = w.length;
  while (end > 0 && CLOSERS.has(w[end - 1]!)) end--;
  return w.slice(0, end);
}

/**
 * The addresses of a cell as people type them — separated by commas, semicolons or spaces, with a
 * name beside them («Иванова А. П. <zavuch@school1.ru>»), as a `mailto:` link — split into the
 * valid ones (lower case, no repeats) and the words with an «@» that are not addresses. A filled
 * cell without any «@» is wrong as a whole. Read up to EMAIL_CELL_MAX characters, and the edges of
 * a word trimmed by a loop, not by a pattern that backtracks: no cell makes a sync slow.
 */
export function splitEmails(text: string): { ok: string[]; bad: string[] } {
  const cell = text.normalize('NFC').slice(0, EMAIL_CELL_MAX);
  const candidates = cell
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map(addressOf)
    .filter((w) => w.includes('@'));
  if (!candidates.length) return { ok: [], bad: cell.trim() ? [cell.trim()] : [] };
  const ok = [...new Set(candidates.filter(isEmail).map((a) => a.toLowerCase()))];
  return { ok, bad: [...new Set(candidates.filter((a) => !isEmail(a)))] };
}
