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
    expect(l).toMatchObject({ ok: false, problem: 'нет обязательных столбцов: «Категория» (или «Квалификационная категория») (строка заголовков — 1); проверьте названия столбцов' });
  });

  it('name, with a missing required column, the header cell the school probably meant by it', () => {
    // «Категория (на 01.09.2023)»: a bracket that is no writing hint; «Кол-во часов», «ФИО педагога»: more words.
    expect(layoutGrid([['ФИО', 'Должность', 'Категория (на 01.09.2023)']], teachers)).toMatchObject({
      ok: false,
      problem:
        'нет обязательных столбцов: «Категория» (или «Квалификационная категория») — в строке заголовков есть «Категория (на 01.09.2023)»: если это он, назовите столбец «Категория» (строка заголовков — 1); проверьте названия столбцов',
    });
    const courses = tabDecl('courses').columns;
    expect(layoutGrid([['ФИО педагога', 'Программа', 'Кол-во часов', 'Дата окончания']], courses)).toMatchObject({
      ok: false,
      problem:
        'нет обязательных столбцов: «ФИО» (или «Педагог») — в строке заголовков есть «ФИО педагога»: если это он, назовите столбец «ФИО»; «Часов» (или «Объём, часов», «Объем, часов», «Объём», «Объем») — в строке заголовков есть «Кол-во часов»: если это он, назовите столбец «Часов» (строка заголовков — 1); проверьте названия столбцов',
    });
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

  it('are found however far down the tab (docs/spec/CONTRACT.md: the first row that holds the required headers)', () => {
    // A tab pasted at C40 under 39 rows of instructions: it was refused («в первых 30 строках»).
    const grid = [...Array.from({ length: 39 }, (_, i) => (i % 3 === 0 ? ['', '', `Пояснение ${i + 1}`] : [])), ['', '', 'ФИО', 'Должность', 'Категория'], ['', '', 'Иванова Анна', 'учитель', 'Первая']];
    const l = layoutGrid(grid, teachers);
    expect(l.ok && [l.headerRow, l.rows.map((r) => r.row)]).toEqual([40, [41]]);
  });

  it('read a header with a hint in brackets as the column it names: a unit, a format, on a second line or not', () => {
    const courses = tabDecl('courses').columns;
    const l = layoutGrid([['ФИО', 'Программа', 'Часов (ак. ч.)', 'Дата окончания\n(дд.мм.гггг)'], ['Иванова Анна', 'Курс', 36, '01.09.2023']], courses);
    // A header on two lines is named on one: a finding about it broke across lines (an acceptance run).
    expect(l.ok && l.headers).toEqual({ person: 'ФИО', program: 'Программа', hours: 'Часов (ак. ч.)', end_date: 'Дата окончания (дд.мм.гггг)' });
    const broken = layoutGrid([['ФИО', 'Программа', 'Часов', 'Дата\r\nокончания'], ['Иванова Анна', 'Курс', 36, '31.02.2023']], courses);
    expect(broken.ok && [broken.headers.end_date, broken.places]).toEqual(['Дата окончания', { ФИО: 0, Программа: 1, Часов: 2, 'Дата окончания': 3 }]);
    const t = layoutGrid([['ФИО', 'Должность', 'Категория', 'Дата приёма (дд.мм.гггг)', 'Стаж (лет)']], teachers);
    expect(t.ok && t.headers).toMatchObject({ hired: 'Дата приёма (дд.мм.гггг)', experience: 'Стаж (лет)' });
    // A header of the template with its own brackets is that column, not its bracket-less neighbour.
    const pairs = tabDecl('pairs').columns;
    const p = layoutGrid([['Наставник', 'Наставляемый', 'Форма', 'Направление', 'Дата начала', 'Статус', 'Дата окончания (факт) (дд.мм.гггг)', 'Дата окончания (дд.мм.гггг)']], pairs);
    expect(p.ok && [p.headers.end_fact, p.headers.end_plan]).toEqual(['Дата окончания (факт) (дд.мм.гггг)', undefined]);
  });

  it('read a header of two rows as one: cells merged down both rows, sub-headers under a group title', () => {
    // Row 1: ФИО, Должность, Категория merged down to row 2 (the value in both rows, as Google
    // Sheets and .xlsx merged cells are read); «Наставничество» over two sub-headers in row 2.
    const grid = [
      ['ФИО', 'Должность', 'Категория', 'Наставничество', ''],
      ['ФИО', 'Должность', 'Категория', 'Наставник', 'Обучение наставников'],
      ['Иванова Анна', 'учитель', 'Первая', 'да', 'да'],
    ];
    const l = layoutGrid(grid, teachers);
    expect(l.ok).toBe(true);
    if (!l.ok) return;
    expect(l.headers).toEqual({ fio: 'ФИО', position: 'Должность', category: 'Категория', is_mentor: 'Наставник', mentor_trained: 'Обучение наставников' });
    // Row 2 is not data (it was quarantined: «значение «Категория» — неизвестное значение»).
    expect(l.rows.map((r) => [r.row, r.cells.is_mentor, r.cells.mentor_trained])).toEqual([[3, 'да', 'да']]);
    expect(l.notices.map((n) => n.problem)).toEqual(['строка 2 прочитана как вторая строка заголовка (объединённые ячейки заголовка или подзаголовки столбцов), а не как данные']);
    // Sub-headers alone (no merged cell): every cell of row 2 names a column of the template.
    const sub = layoutGrid([['ФИО', 'Должность', 'Категория', 'Наставничество'], ['', '', '', 'Наставник', 'Обучение наставников'], ['Петров Пётр', 'учитель', 'Высшая', 'нет', 'нет']], teachers);
    expect(sub.ok && [Object.keys(sub.headers), sub.rows.map((r) => r.row)]).toEqual([['fio', 'position', 'category', 'is_mentor', 'mentor_trained'], [3]]);
    // Groups over the pairs' people: «Наставник» over ФИО and Должность — the first column is the
    // person; the rest of row 2 repeats the merged headers. Row 2 is the header's, row 3 data.
    const pairs = tabDecl('pairs').columns;
    const p = layoutGrid(
      [
        ['Наставник', '', 'Наставляемый', '', 'Форма', 'Направление', 'Дата начала', 'Статус'],
        ['ФИО', 'Должность', 'ФИО', 'Должность', 'Форма', 'Направление', 'Дата начала', 'Статус'],
        ['Иванова Анна', 'учитель', 'Петров Пётр', 'учитель', 'Традиционная (один на один)', 'Предметное содержание', '01.09.2023', 'Действует'],
      ],
      pairs,
    );
    expect(p.ok && p.rows.map((r) => [r.row, r.cells.mentor, r.cells.mentee])).toEqual([[3, 'Иванова Анна', 'Петров Пётр']]);
    // A row of data under the header stays data, even when a cell of it reads like a header of another column.
    const data = layoutGrid([['ФИО', 'Должность', 'Категория', 'Наставник'], ['Иванова Анна', 'учитель', 'Первая', 'да']], teachers);
    expect(data.ok && data.rows.map((r) => r.row)).toEqual([2]);
  });

  it('never take a row of data for a second header row: its required cells hold values, whatever its other cells repeat', () => {
    // An extra column «Совместитель» whose first teacher is «совместитель»; «Наставник» written as
    // the word; an extra column's header merged down over the data (Google fills it in every row).
    for (const [extra, value] of [['Совместитель', 'совместитель'], ['Наставник', 'наставник'], ['Примечание', 'Примечание']] as const) {
      const l = layoutGrid([['ФИО', 'Должность', 'Категория', extra], ['Иванова Анна Петровна', 'учитель', 'Первая', value], ['Петров Пётр', 'учитель', 'Высшая', value]], teachers);
      expect([extra, l.ok && l.rows.map((r) => r.row)]).toEqual([extra, [2, 3]]);
    }
  });

  it('take a bracket only for how to write the value: «Стаж (общий)», «Категория (предыдущая)» are other figures, and a plain header wins over a hinted one', () => {
    const l = layoutGrid([['ФИО', 'Должность', 'Категория', 'Категория (предыдущая)', 'Педагогический стаж', 'Стаж (общий)'], ['Иванова Анна', 'учитель', 'Первая', 'Вторая', 12, 20]], teachers);
    expect(l.ok && [l.headers, l.notices.map((n) => n.problem)]).toEqual([
      { fio: 'ФИО', position: 'Должность', category: 'Категория', experience: 'Педагогический стаж' },
      ['столбцы не из шаблона не загружаются: «Категория (предыдущая)», «Стаж (общий)»'],
    ]);
    expect(layoutGrid([['ФИО', 'Должность', 'Категория (предыдущая)']], teachers)).toMatchObject({ ok: false, problem: expect.stringMatching(/^нет обязательных столбцов: «Категория»/) });
    const courses = tabDecl('courses').columns;
    for (const row of [['ФИО', 'Программа', 'Часов (ак. ч.)', 'Часов', 'Дата окончания'], ['ФИО', 'Программа', 'Часов', 'Часов (ак. ч.)', 'Дата окончания']]) {
      const c = layoutGrid([row], courses);
      expect(c.ok && [c.headers.hours, c.notices.map((n) => n.problem)]).toEqual(['Часов', ['столбцы не из шаблона не загружаются: «Часов (ак. ч.)»']]);
    }
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

describe('headers of two rows under a group title (docs/contract.md: «заголовок в две строки … читается как один»)', () => {
  const pairs = tabDecl('pairs').columns;
  const second = 'строка 2 прочитана как вторая строка заголовка (объединённые ячейки заголовка или подзаголовки столбцов), а не как данные';
  const record = ['Иванова Анна', 'Петров Пётр', 'Традиционная (один на один)', '01.09.2023', '31.05.2024', '', 'Действует', 'Предметное содержание'];

  it('read the sub-headers under a group title merged across columns: a required column only in row 2 (L24)', () => {
    // «Даты» merged over three columns (Google sends it in the first only), the dates under it;
    // under the other headers row 2 is empty, or repeats them where they are merged down.
    for (const under of [
      ['', '', '', 'Дата начала', 'Дата окончания (план)', 'Дата окончания (факт)', '', ''],
      ['Наставник', 'Наставляемый', 'Форма', 'Дата начала', 'Дата окончания (план)', 'Дата окончания (факт)', 'Статус', ''],
    ]) {
      const l = layoutGrid([['Наставник', 'Наставляемый', 'Форма', 'Даты', '', '', 'Статус', 'Направление'], under, record], pairs);
      expect(l.ok).toBe(true);
      if (!l.ok) return;
      expect(l.headerRow).toBe(1);
      expect(Object.keys(l.headers)).toEqual(['mentor', 'mentee', 'form', 'start_date', 'end_plan', 'end_fact', 'status', 'topics']);
      expect(l.headers).toMatchObject({ start_date: 'Дата начала', end_plan: 'Дата окончания (план)', end_fact: 'Дата окончания (факт)' });
      expect(l.rows.map((r) => r.row)).toEqual([3]);
      expect(l.rows[0]!.cells).toMatchObject({ mentor: 'Иванова Анна', mentee: 'Петров Пётр', start_date: '01.09.2023', end_plan: '31.05.2024', end_fact: '', status: 'Действует', topics: 'Предметное содержание' });
      // «Даты» is the group's title, not a column outside the template.
      expect(l.notices.map((n) => n.problem)).toEqual([second]);
    }
    // Under a title row: the header is rows 2–3, data from row 4.
    const t = layoutGrid([['Наставнические пары'], ['Наставник', 'Наставляемый', 'Форма', 'Даты', '', '', 'Статус', 'Направление'], ['', '', '', 'Дата начала', 'Дата окончания (план)', 'Дата окончания (факт)'], record], pairs);
    expect(t.ok && [t.headerRow, t.rows.map((r) => r.row), t.rows[0]!.cells.start_date]).toEqual([2, [4], '01.09.2023']);
  });

  it('read a group title that begins the column names: «Дата окончания» over «план», «факт» or «(план)», «(факт)» (L22, L23)', () => {
    for (const [plan, fact] of [
      ['план', 'факт'],
      ['(план)', '(факт)'],
    ] as const) {
      const l = layoutGrid(
        [
          ['Наставник', 'Наставляемый', 'Форма', 'Дата начала', 'Дата окончания', '', 'Статус', 'Направление'],
          ['', '', '', '', plan, fact, '', ''],
          record,
        ],
        pairs,
      );
      expect(l.ok).toBe(true);
      if (!l.ok) return;
      expect(l.headerRow).toBe(1);
      expect(Object.keys(l.headers)).toEqual(['mentor', 'mentee', 'form', 'start_date', 'end_plan', 'end_fact', 'status', 'topics']);
      expect([l.headers.end_plan, l.headers.end_fact]).toEqual(['Дата окончания (план)', 'Дата окончания (факт)']);
      expect(l.rows.map((r) => [r.row, r.cells.start_date, r.cells.end_plan, r.cells.status])).toEqual([[3, '01.09.2023', '31.05.2024', 'Действует']]);
      expect(l.notices.map((n) => n.problem)).toEqual([second]);
    }
    // Both forms at once, a required column among them: «Дата завершения (план)» of the programs.
    const programs = tabDecl('programs').columns;
    const p = layoutGrid(
      [
        ['Наставляемый', 'Наставник', 'Дата утверждения', 'Дата завершения', '', 'Мероприятия', '', 'Статус'],
        ['', '', '', 'план', 'факт', 'Мероприятий запланировано', 'Мероприятий выполнено', ''],
        ['Петров Пётр', 'Иванова Анна', '01.09.2023', '31.05.2024', '', 10, 4, 'Реализуется'],
      ],
      programs,
    );
    expect(p.ok && [p.headerRow, Object.keys(p.headers), p.rows.map((r) => [r.row, r.cells.end_plan, r.cells.events_done])]).toEqual([
      1,
      ['mentee', 'mentor', 'approved', 'end_plan', 'end_fact', 'events_planned', 'events_done', 'status'],
      [[3, '31.05.2024', 4]],
    ]);
    // A combination that names no column leaves the tab as it was: «Дата окончания (ожид.)» is no
    // column, row 2 no header row (blank in every column found, it is skipped as before).
    const none = layoutGrid([['Наставник', 'Наставляемый', 'Форма', 'Направление', 'Дата начала', 'Дата окончания', 'Статус'], ['', '', '', '', '', 'ожид.', ''], ['Иванова Анна', 'Петров Пётр', 'Групповая', 'Предметное содержание', '01.09.2023', '', 'Действует']], pairs);
    expect(none.ok && [Object.keys(none.headers), none.rows.map((r) => r.row), none.notices.map((n) => n.problem)]).toEqual([
      ['mentor', 'mentee', 'form', 'topics', 'start_date', 'status'],
      [3],
      ['столбцы не из шаблона не загружаются: «Дата окончания»', expect.stringMatching(/^столбец не загружен, хотя в нём 1 заполненная ячейка: в шаблоне два столбца «Дата окончания \(план\)» и «Дата окончания \(факт\)»/)],
    ]);
  });

  it('never take a row of data under the header for its second row, nor a title row above the header for its first', () => {
    // Dates under «Дата окончания» make no «Дата окончания (31.05.2024)»: row 2 is a record.
    const l = layoutGrid([['Наставник', 'Наставляемый', 'Форма', 'Дата начала', 'Дата окончания', '', 'Статус', 'Направление'], record], pairs);
    expect(l.ok && [l.headerRow, Object.keys(l.headers), l.rows.map((r) => [r.row, r.cells.mentor, r.cells.start_date])]).toEqual([
      1,
      ['mentor', 'mentee', 'form', 'start_date', 'status', 'topics'],
      [[2, 'Иванова Анна', '01.09.2023']],
    ]);
    // A header lacking «Дата начала» over a record: still refused, the record not read as a header.
    expect(layoutGrid([['Наставник', 'Наставляемый', 'Форма', 'Даты', '', '', 'Статус', 'Направление'], record], pairs)).toMatchObject({
      ok: false,
      problem: 'нет обязательных столбцов: «Дата начала» (строка заголовков — 1); проверьте названия столбцов',
    });
    // «Дата | 01.10.2024» above the courses' header: «Дата» is an alias of «Дата окончания», yet
    // the row is a title over the header, not the first row of it («ФИО» stands under «Дата»).
    const courses = tabDecl('courses').columns;
    const c = layoutGrid([['Дата', '01.10.2024'], ['ФИО', 'Программа', 'Часов', 'Дата окончания'], ['Иванова Анна', 'Курс', 36, '01.09.2023']], courses);
    expect(c.ok && [c.headerRow, c.headers, c.rows.map((r) => r.row)]).toEqual([2, { person: 'ФИО', program: 'Программа', hours: 'Часов', end_date: 'Дата окончания' }, [3]]);
  });

  it('take a header short of a column, with records under it, for the header, not for a title over a copy further down', () => {
    // Row 1 names ФИО and Должность (2 of the 3 required) and «Кат.»; rows 2–3 are teachers; row 4
    // is the header again, complete. Rows 1–3 were skipped as «над заголовками» and only row 5
    // loaded: the tab is refused instead, naming the column (the previous load is kept).
    const grid = [
      ['ФИО', 'Должность', 'Кат.', 'Стаж'],
      ['Иванова Анна Петровна', 'учитель', 'Первая', 5],
      ['Петров Пётр Петрович', 'учитель', 'Высшая', 7],
      ['ФИО', 'Должность', 'Категория', 'Стаж'],
      ['Сидоров Сидор Сидорович', 'учитель', 'Первая', 2],
    ];
    expect(layoutGrid(grid, teachers)).toMatchObject({
      ok: false,
      problem:
        'нет обязательных столбцов: «Категория» (или «Квалификационная категория») — в строке заголовков есть «Кат.»: если это он, назовите столбец «Категория» (строка заголовков — 1); проверьте названия столбцов',
    });
    // The same short header with nothing under it before the full one: a caption row, skipped.
    const caption = layoutGrid([grid[0]!, [], grid[3]!, grid[4]!], teachers);
    expect(caption.ok && [caption.headerRow, caption.rows.map((r) => r.row)]).toEqual([3, [4]]);
  });
});
