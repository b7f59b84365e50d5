/**
 * The value rules of docs/spec/CONTRACT.md section 3. This file also runs under TZ=Asia/Irkutsk (see
 * vitest.config.ts): dates are calendar dates, so every expectation is the same in both zones.
 */
import { describe, expect, it } from 'vitest';
import {
  isoFromSerial,
  parseCategory,
  parseDate,
  parseEnum,
  parseEnumList,
  parseItem,
  parseNumber,
  parseYesNo,
  serialFromIso,
  FORMS,
  TOPICS,
  CATEGORY_RANK,
  formulaError,
  displayCell,
  countOf,
  splitEmails,
  tidy,
  isBlank,
  normalizePersonName,
  codeKey,
} from '../../server/contract/index.ts';

const value = <T>(r: { ok: true; value: T } | { ok: false; problem: string }) => (r.ok ? r.value : `ERR: ${r.problem}`);
const problem = (r: { ok: true } | { ok: false; problem: string }) => (r.ok ? 'OK' : r.problem);

describe(`time zone ${process.env.TZ}`, () => {
  it('is the zone the project asked for', () => {
    // UTC: offset 0; Asia/Irkutsk: UTC+8, so getTimezoneOffset() is -480 minutes.
    const expected = process.env.TZ === 'Asia/Irkutsk' ? -480 : 0;
    expect(new Date(2023, 0, 1).getTimezoneOffset()).toBe(expected);
  });
});

describe('dates', () => {
  it('reads Sheets serial numbers as calendar dates', () => {
    // 45170 days after 1899-12-30 is 2023-09-01; 45351 is 2024-02-29 (a leap day).
    expect(value(parseDate(45170))).toBe('2023-09-01');
    expect(value(parseDate(45170.75))).toBe('2023-09-01'); // a time of day does not move the date
    expect(isoFromSerial(45351)).toBe('2024-02-29');
    expect(serialFromIso('2023-09-01')).toBe(45170);
  });
  it('reads дд.мм.гггг, дд.мм.гг and гггг-мм-дд', () => {
    expect(value(parseDate('01.09.2023'))).toBe('2023-09-01');
    expect(value(parseDate(' 1.9.2023 '))).toBe('2023-09-01');
    expect(value(parseDate('01.09.23'))).toBe('2023-09-01');
    expect(value(parseDate('2024-02-29'))).toBe('2024-02-29');
  });
  it('reads a date written with a time after it as that date, as a serial number with a fraction of a day', () => {
    expect(value(parseDate('01.09.2003 0:00:00', 1940))).toBe('2003-09-01');
    expect(value(parseDate('01.09.2023 14:30'))).toBe('2023-09-01');
    expect(value(parseDate('2023-09-01T00:00:00'))).toBe('2023-09-01');
    expect(value(parseDate('2023-09-01T00:00:00.000'))).toBe('2023-09-01');
    // A moment with a time zone is not read: «…T21:00:00.000Z» is 1 September in Moscow, 31 August in UTC.
    expect(problem(parseDate('2023-08-31T21:00:00.000Z'))).toMatch(/это не дата/);
    expect(problem(parseDate('01.09.2023 99:99'))).toMatch(/это не дата/);
    // Still a date first: a time alone, or after something that is not one, is no date.
    expect(problem(parseDate('14:30'))).toMatch(/это не дата/);
    expect(problem(parseDate('31.02.2023 0:00:00'))).toMatch(/такой даты нет/);
    expect(problem(parseDate('03/04/2023 0:00'))).toMatch(/неоднозначно/);
  });
  it('rejects impossible, ambiguous and other forms with a Russian explanation', () => {
    expect(problem(parseDate('31.02.2023'))).toMatch(/такой даты нет/);
    expect(problem(parseDate('29.02.2023'))).toMatch(/такой даты нет/);
    expect(problem(parseDate('03/04/2023'))).toMatch(/неоднозначно/);
    expect(problem(parseDate('01.09.23г.'))).toMatch(/уберите «г\.»/);
    expect(problem(parseDate('сентябрь 2023'))).toMatch(/это не дата/);
    expect(problem(parseDate('2023-9-1'))).toMatch(/это не дата/);
    expect(problem(parseDate(true))).toMatch(/это не дата/);
    // Before Sheets' calendar or past 2100: refused. Between, read as typed (a year earlier than
    // a column expects is a warning of the sync: validate.ts).
    expect(problem(parseDate('01.09.1899'))).toMatch(/вне допустимого диапазона 1900–2100/);
    expect(problem(parseDate('01.09.2101'))).toMatch(/вне допустимого/);
    expect(value(parseDate('01.01.1900'))).toBe('1900-01-01');
    expect(value(parseDate('15.03.1999'))).toBe('1999-03-15');
  });
});

describe('numbers', () => {
  const hours = { min: 1, max: 2000, integer: true };
  const exp = { min: 0, max: 60, integer: false };
  it('reads 12, 12,5, 12.5 and 1 234', () => {
    expect(value(parseNumber('12', hours))).toBe(12);
    expect(value(parseNumber('12,5', exp))).toBe(12.5);
    expect(value(parseNumber('12.5', exp))).toBe(12.5);
    expect(value(parseNumber('1 234', hours))).toBe(1234);
    expect(value(parseNumber('1\u00a0234', hours))).toBe(1234);
    expect(value(parseNumber(' 1 234,5 ', { min: 0, max: 10_000, integer: false }))).toBe(1234.5);
    // A space elsewhere is no thousands separator: «16 16» was read as 1616 hours, «1 5» as 15 years.
    const spaced = 'это не число: пробел внутри числа (тысячи отделяются пробелом только так: 1 234); ожидается целое число от 1 до 2000';
    expect(problem(parseNumber('16 16', hours))).toBe(spaced);
    expect(problem(parseNumber('1 5', hours))).toBe(spaced);
    expect(problem(parseNumber('12 34', hours))).toBe(spaced);
    expect(problem(parseNumber('36 ч.', hours))).toBe('это не число; ожидается целое число от 1 до 2000');
    expect(value(parseNumber(72, hours))).toBe(72);
  });
  it('rejects text, fractions in integer columns and values out of range', () => {
    expect(problem(parseNumber('семьдесят два', hours))).toMatch(/это не число; ожидается целое число от 1 до 2000/);
    expect(problem(parseNumber('12,5', hours))).toMatch(/нужно целое число/);
    expect(problem(parseNumber('-5', hours))).toMatch(/вне допустимого диапазона/);
    expect(problem(parseNumber(61, exp))).toMatch(/от 0 до 60/);
    expect(problem(parseNumber('1.2.3', exp))).toMatch(/это не число/);
  });
  it('refuses a percent — a cell in the percent format shows «9%» — naming it, not taking 9 or 0.09', () => {
    const percent =
      'это не число, а проценты: ячейке задан формат процентов или введён знак % — задайте ей формат «Число» (Формат → Число → Число) и введите само число, без %; ожидается число от 0 до 60';
    for (const typed of ['9%', '9 %', '72,5%', ' 1 234 %', '-3%']) expect([typed, problem(parseNumber(typed, exp))]).toEqual([typed, percent]);
    // Not a number with a sign after it: the general message.
    expect(problem(parseNumber('9%%', exp))).toBe('это не число; ожидается число от 0 до 60');
  });
  it('refuses a date — a number the sheet turned into one, «5.03» shown as 05.03.2026 — naming it', () => {
    expect(problem(parseNumber('05.03.2026', exp))).toBe(
      'это дата, а не число: если вводили число (например, 5.03), таблица превратила его в дату — задайте ячейке формат «Число» (Формат → Число → Число) и введите число заново; ожидается число от 0 до 60',
    );
    // A number with a decimal point stays a number.
    expect(value(parseNumber('5.03', exp))).toBe(5.03);
  });
  it('reads a formula result with rounding noise in an integer column as the whole number the sheet shows', () => {
    // «=0,7*90» is 62.99999999999999 in the cell, 63 on the screen; 36.00000000000001 likewise 36.
    expect(0.7 * 90).toBe(62.99999999999999);
    expect(value(parseNumber(0.7 * 90, hours))).toBe(63);
    expect(value(parseNumber(36.00000000000001, hours))).toBe(36);
    expect(value(parseNumber(12.000000000000002, { min: 0, max: 500, integer: true }))).toBe(12);
    // A real fraction stays one; a column that takes fractions keeps the value as it is.
    expect(problem(parseNumber(36.001, hours))).toMatch(/нужно целое число/);
    expect(value(parseNumber(0.7 * 90, { min: 0, max: 100, integer: false }))).toBe(62.99999999999999);
  });
});

describe('Да/Нет', () => {
  it('reads the listed forms and a checkbox', () => {
    for (const y of ['да', 'Да', 'ДА', '+', '1', 'true', 'TRUE', true, 1, '✓', '✔', '☑']) expect(value(parseYesNo(y))).toBe(true);
    for (const n of ['нет', 'Нет', '-', '0', 'false', false, 0]) expect(value(parseYesNo(n))).toBe(false);
  });
  it('rejects typos', () => {
    expect(problem(parseYesNo('Даа'))).toMatch(/ожидается «Да» или «Нет»/);
    expect(problem(parseYesNo('может быть'))).toMatch(/ожидается «Да» или «Нет»/);
  });
});

describe('enumerations', () => {
  it('match tolerantly (case, ё/е, spaces, dashes, trailing period, aliases)', () => {
    expect(value(parseEnum('традиционная  (один на один).', FORMS))).toBe('Традиционная (один на один)');
    expect(value(parseEnum('Руководитель - педагог', FORMS))).toBe('Руководитель – педагог');
    expect(value(parseEnum('педагог—педагог', FORMS))).toBe('Педагог – педагог');
    expect(value(parseEnum('ГРУППОВАЯ', FORMS))).toBe('Групповая');
    expect(value(parseEnum('дистанционная', FORMS))).toBe('Виртуальная (дистанционная)');
  });
  it('never guess: an unknown value names the allowed ones', () => {
    expect(problem(parseEnum('Парная', FORMS))).toMatch(/неизвестное значение; допустимые: «Традиционная \(один на один\)», «Групповая»/);
  });
  it('a value typed with Latin look-alike letters is still an error, and says which letters and what was meant', () => {
    // «Гpупповая» with a Latin p, «Bысшая» with a Latin B: the list of allowed values looked the same as the typo.
    expect(problem(parseEnum('Гpупповая', FORMS))).toMatch(/^неизвестное значение: латинские буквы вместо русских \(«p»\) — видимо, это «Групповая»; введите значение русскими буквами \(допустимые: «Традиционная/);
    expect(problem(parseCategory('Bысшая'))).toMatch(/^неизвестное значение: латинские буквы вместо русских \(«B»\) — видимо, это «Высшая»;/);
    expect(problem(parseEnumList('Предметное содержание; Mетодика обучения и преподавания', TOPICS))).toMatch(
      /^неизвестное значение «Mетодика обучения и преподавания»: латинские буквы вместо русских \(«M»\) — видимо, это «Методика обучения и преподавания»; введите значение русскими буквами \(допустимые \(через «;»\)/,
    );
    // Wholly Latin: no guess.
    expect(problem(parseEnum('Group', FORMS))).toMatch(/^неизвестное значение; допустимые/);
  });
  it('read `;`-separated lists of directions', () => {
    expect(value(parseEnumList('Предметное содержание; методика обучения и преподавания', TOPICS))).toEqual([
      'Предметное содержание',
      'Методика обучения и преподавания',
    ]);
    expect(problem(parseEnumList('Предметное содержание; Спорт', TOPICS))).toMatch(/неизвестное значение «Спорт»/);
  });
  it('read categories with their aliases and ranks', () => {
    const cases: [string, string, number][] = [
      ['СЗД', 'Соответствие занимаемой должности', 1],
      ['нет', 'Без категории', 0],
      ['б/к', 'Без категории', 0],
      ['1', 'Первая', 2],
      ['первая кв. категория', 'Первая', 2],
      ['Высшая кв. категория', 'Высшая', 3],
      ['высшая квалификационная категория', 'Высшая', 3],
      ['педагог-методист', 'Педагог-методист', 4],
      ['Педагог - наставник', 'Педагог-наставник', 4],
    ];
    for (const [typed, canonical, rank] of cases) {
      expect(value(parseCategory(typed))).toBe(canonical);
      expect(CATEGORY_RANK.get(canonical)).toBe(rank);
    }
    expect(problem(parseCategory('вторая'))).toMatch(/неизвестное значение; допустимые: «Без категории»/);
  });
});

describe('items and formula errors', () => {
  it('reads items 3.1 … 3.13', () => {
    expect(value(parseItem('3.1'))).toBe('3.1');
    expect(value(parseItem('п. 3.13'))).toBe('3.13');
    expect(value(parseItem(3.5))).toBe('3.5');
    expect(problem(parseItem('3.14'))).toMatch(/от 3.1 до 3.13/);
    expect(problem(parseItem('4'))).toMatch(/от 3.1 до 3.13/);
  });
  it('names an item the spreadsheet turned into a date (3.10 typed in the Russian locale is 3 October), shown as a date, not a serial', () => {
    const october3 = serialFromIso('2025-10-03'); // 45933: «3.10» as Excel or Sheets stored it
    expect(october3).toBe(45933);
    expect(problem(parseItem(october3))).toBe(
      'таблица превратила номер пункта в дату — видимо, это пункт 3.10; задайте столбцу «Пункт» формат «Обычный текст» (Формат → Число → Обычный текст) и введите номер пункта заново',
    );
    expect(displayCell(october3, { kind: 'item' })).toBe('03.10.2025');
    // Any other date is no item: the usual answer, the value as typed.
    expect(problem(parseItem(serialFromIso('2025-10-04')))).toMatch(/от 3.1 до 3.13/);
    expect(displayCell(serialFromIso('2025-10-04'), { kind: 'item' })).toBe('45934');
    // A date-formatted cell comes as the date it shows (Google's DATE format, an .xlsx date): the same answer.
    expect(problem(parseItem('03.10.2025'))).toBe(problem(parseItem(october3)));
    expect(problem(parseItem('04.10.2025'))).toMatch(/от 3.1 до 3.13/);
    // Not a day at all (no sheet made it): not read as 3 March.
    expect(problem(parseItem('31.02.2026'))).toMatch(/^ожидается номер пункта/);
  });
  it('treats #REF!, #N/A as errors, not text', () => {
    expect(formulaError('#REF!')).not.toBeNull();
    expect(formulaError('#N/A')).not.toBeNull();
    expect(formulaError('Иванова')).toBeNull();
  });
  it('treats Russian Excel\'s formula errors and a formula still loading as errors; text that only starts alike is text', () => {
    for (const e of ['#Н/Д', '#ССЫЛКА!', '#ДЕЛ/0!', '#ИМЯ?', '#ЗНАЧ!', '#ЧИСЛО!', '#ПУСТО!', ' #н/д ']) expect(formulaError(e), e).not.toBeNull();
    expect(problem(formulaError('Loading...')!)).toMatch(/^формула в ячейке ещё не вычислена/);
    for (const t of ['#1 в рейтинге', 'Loading', 'Загрузка данных', 'Лицей']) expect(formulaError(t), t).toBeNull();
  });
});

describe('text as the school sees it', () => {
  it('drops invisible characters (zero-width space, soft hyphen, BOM) from text and from blankness', () => {
    expect(tidy('Белова\u200b Яна\u00ad  Романовна\ufeff')).toBe('Белова Яна Романовна');
    expect(isBlank('\u200b \u00a0')).toBe(true);
    expect(value(parseDate('20.11.2023\u200b'))).toBe('2023-11-20');
  });
  it('reads a Latin letter drawn like a Russian one as Russian inside a Russian word, in names and codes only', () => {
    expect(normalizePersonName('Белoва Яна Рoмановна')).toBe(normalizePersonName('Белова Яна Романовна'));
    expect(normalizePersonName('ПETPOB Борис')).toBe('петров борис');
    // A word wholly in Latin letters is a Latin word: not changed (nor is a name wholly in Latin).
    expect(normalizePersonName('Иванова Anna')).toBe('иванова anna');
    expect(normalizePersonName('John Smith')).toBe('john smith');
    expect(codeKey('COШ-7')).toBe(codeKey('СОШ-7'));
    expect(codeKey('сош 7')).toBe(codeKey('СОШ-7'));
    expect(codeKey('MBOU-7')).toBe('mbou7');
  });
});

describe('cells shown in messages', () => {
  const date = { kind: 'date', minYear: 2000 } as const;
  it('show a date serial as the school sees it, dd.mm.yyyy, and other values as typed', () => {
    expect(displayCell(45170, date)).toBe('01.09.2023'); // serial 45170 = 2023-09-01
    expect(displayCell(45170.75, date)).toBe('01.09.2023');
    expect(displayCell(45170)).toBe('45170'); // not a date column
    expect(displayCell('01.09.23г.', date)).toBe('01.09.23г.');
    expect(displayCell(true)).toBe('TRUE');
    // A small number in a date column is something typed, not a date: shown as typed, refused as a number.
    expect(displayCell(2023, date)).toBe('2023');
    expect(problem(parseDate(2023))).toBe('в ячейке число, а не дата; ожидается дата в виде дд.мм.гггг (например, 01.09.2023) или гггг-мм-дд');
  });
  it('show a fraction with the decimal comma a Russian sheet shows (the number Sheets sends is 36.5)', () => {
    expect(displayCell(36.5, { kind: 'number', min: 0, max: 1000, integer: true })).toBe('36,5');
    expect(displayCell(-0.25)).toBe('-0,25');
    expect(displayCell(36)).toBe('36');
    expect(displayCell('36.5')).toBe('36.5'); // text stays as typed
    expect(displayCell(3.1, { kind: 'item' })).toBe('3.1'); // an item of the order, as the order writes it
  });
  it('count in Russian', () => {
    expect([1, 2, 5, 11, 21, 22, 112, 602, 1234].map((n) => countOf(n, 'знак', 'знака', 'знаков'))).toEqual([
      '1 знак', '2 знака', '5 знаков', '11 знаков', '21 знак', '22 знака', '112 знаков', '602 знака', '1\u00a0234 знака',
    ]);
  });
});

describe('e-mail addresses of a cell', () => {
  it('finds the addresses among names, brackets and mailto: links, and names what is not one', () => {
    expect(splitEmails('Иванова А. П. <Zavuch@School1.ru>; mailto:metodist@school1.ru, zavuch@school1.ru')).toEqual({
      ok: ['zavuch@school1.ru', 'metodist@school1.ru'],
      bad: [],
    });
    // A word with «@» that is not an address is named; a name beside a good address is not.
    expect(splitEmails('Петрова zav@school1, zam@school1.ru')).toEqual({ ok: ['zam@school1.ru'], bad: ['zav@school1'] });
    // A filled cell without any address is wrong as a whole; an empty one is nothing.
    expect(splitEmails('спросить у директора')).toEqual({ ok: [], bad: ['спросить у директора'] });
    expect(splitEmails('  ')).toEqual({ ok: [], bad: [] });
    // «й» typed as «и» + a combining breve is the same letter.
    expect(splitEmails('и\u0306@почта.рф')).toEqual({ ok: ['й@почта.рф'], bad: [] });
    // A cell is read up to 2,000 characters: the address after 5,000 others is not reached.
    expect(splitEmails(`x@y.ru ${'z'.repeat(5000)} w@v.ru`)).toEqual({ ok: ['x@y.ru'], bad: [] });
    // Hostile edges are trimmed, not backtracked over.
    expect(splitEmails(`a@${'>'.repeat(50_000)}x`).ok).toEqual([]);
  });
});
