/** Finding tabs and headers (docs/spec/CONTRACT.md section 2): tolerant titles, header below a title block, free column order. */
import { describe, expect, it } from 'vitest';
import { findTab, layoutGrid, tabDecl } from '../../server/contract/index.ts';

const teachers = tabDecl('teachers').columns;

describe('tabs', () => {
  it('are found by title ignoring case, ё/е, extra spaces and punctuation', () => {
    const tabs = [
      { title: '  ПЕДАГОГИ. ', grid: [] },
      { title: 'Повышение  квалификации', grid: [] },
      { title: 'Учёт приёма', grid: [] },
      { title: 'Организации!', grid: [] },
    ];
    expect(findTab(tabs, 'Педагоги')?.title).toBe('  ПЕДАГОГИ. ');
    expect(findTab(tabs, 'Повышение квалификации')?.title).toBe('Повышение  квалификации');
    // ё in the sheet, е in the declaration, and the other way round.
    expect(findTab(tabs, 'Учет приема')?.title).toBe('Учёт приёма');
    expect(findTab([{ title: 'Учет приема', grid: [] }], 'Учёт приёма')?.title).toBe('Учет приема');
    expect(findTab(tabs, 'Организации')?.title).toBe('Организации!');
    expect(findTab(tabs, 'Аттестация')).toBeUndefined();
    // Letters count: «Педагог» is not «Педагоги».
    expect(findTab(tabs, 'Педагог')).toBeUndefined();
  });
});

describe('headers', () => {
  it('are found below title rows, in any order, through aliases', () => {
    const grid = [
      ['Педагогические работники МОУ СОШ № 2'],
      [],
      ['№', 'Квалификационная категория', 'Должность', 'Фамилия Имя Отчество', 'Дата приема', 'Примечание'],
      [1, 'Первая', 'учитель', 'Иванова Анна', '01.09.2020', 'x'],
      [],
      [2, 'высшая', 'учитель', 'Петров Пётр'],
    ];
    const l = layoutGrid(grid, teachers);
    expect(l.ok).toBe(true);
    if (!l.ok) return;
    expect(l.headerRow).toBe(3);
    expect(l.headers).toEqual({ category: 'Квалификационная категория', position: 'Должность', fio: 'Фамилия Имя Отчество', hired: 'Дата приема' });
    // Blank rows are skipped; row numbers are those the school sees (4 and 6).
    expect(l.rows.map((r) => r.row)).toEqual([4, 6]);
    expect(l.rows[1]!.cells).toMatchObject({ fio: 'Петров Пётр', category: 'высшая', hired: null, code: null });
    expect(l.rows[0]!.raw).toEqual({ 'Квалификационная категория': 'Первая', Должность: 'учитель', 'Фамилия Имя Отчество': 'Иванова Анна', 'Дата приема': '01.09.2020' });
    expect(l.notices.map((n) => n.problem)).toEqual([
      'строки 1–2 над заголовками пропущены; заголовки найдены в строке 3',
      'столбцы не из шаблона не загружаются: «№», «Примечание»',
    ]);
  });

  it('take each alias docs/spec/CONTRACT.md lists, comma-separated: «Объём, часов» is «Объём» and «часов» (and the full phrase too)', () => {
    const courses = tabDecl('courses').columns;
    for (const hours of ['Объём', 'Объем', 'часов', 'Объём, часов', 'Объем (часов)']) {
      const l = layoutGrid([['ФИО', 'Программа', hours, 'Дата окончания']], courses);
      expect(l.ok && l.headers.hours).toBe(hours);
    }
  });

  it('name the missing required columns', () => {
    const l = layoutGrid([['ФИО', 'Должность', 'Стаж']], teachers);
    expect(l).toMatchObject({ ok: false, problem: 'нет обязательных столбцов: «Категория» (строка заголовков — 1); проверьте названия столбцов' });
  });

  it('refuse a duplicated header', () => {
    const l = layoutGrid([['ФИО', 'Должность', 'Категория', 'Педагог']], teachers);
    expect(l).toMatchObject({ ok: false, problem: 'столбец «ФИО» встречается дважды (столбцы A и D); оставьте один' });
  });

  it('explain an empty tab', () => {
    expect(layoutGrid([], teachers)).toMatchObject({ ok: false, problem: expect.stringMatching(/^лист пуст/) });
  });

  it('skip thousands of blank rows quickly', () => {
    const grid = [['ФИО', 'Должность', 'Категория'], ...Array.from({ length: 10_000 }, () => ['', null, '  ']), ['Иванова', 'учитель', 'Первая']];
    const l = layoutGrid(grid, teachers);
    expect(l.ok && l.rows.map((r) => r.row)).toEqual([10_002]);
  });

  it('report one title row in the singular, and values under no header', () => {
    const l = layoutGrid([['Педагоги'], ['ФИО', 'Должность', 'Категория'], ['Иванова', 'учитель', 'Первая', '', 'x'], ['Петров', 'учитель', 'Первая', '', 'y']], teachers);
    expect(l.ok && l.notices.map((n) => n.problem)).toEqual([
      'строка 1 над заголовками пропущена; заголовки найдены в строке 2',
      'в столбце E есть значения, но нет заголовка — они не загружаются; впишите заголовок из шаблона или удалите значения',
    ]);
  });

  it('tell an empty tab from a tab without a header row', () => {
    expect(layoutGrid([], teachers)).toMatchObject({ ok: false, empty: true });
    expect(layoutGrid([['Список педагогов']], teachers)).toMatchObject({
      ok: false,
      empty: false,
      problem: 'не найдена строка заголовков; ожидаются столбцы «ФИО», «Должность», «Категория»',
    });
  });
});
