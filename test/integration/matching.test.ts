/**
 * Matching suggestions (server/matching/) on a hand-built municipality synced into a real
 * DuckDB: `suggestMentors`, `mentorLoad` and the HTTP routes. Day of the answer: 15.03.2024.
 *
 * СОШ-1 (Школа) teachers — position, subject, category, training; notes:
 *   Иванова   учитель математика Высшая, обучение Да; mentor of 3 active pairs (Борисов,
 *             Ершова, Жукова; directions Предметное содержание, Методика) → load 3.
 *   Кузнецова учитель математика Первая, обучение Нет, a mentoring course ending 20.05.2024
 *             (after the day: not counted); a pair ended 30.06.2023 (Воспитательная), a pair
 *             with Полякова starting 01.04.2024 (after the day: no load, no direction) → load 0.
 *   Лебедев   учитель история Высшая, обучение empty but a mentoring course ended 01.12.2023
 *             → trained; mentor of Тихонова in СОШ-2's sheet (Предметное содержание) → load 1,
 *             counted in his own СОШ-1.
 *   Дмитриев  учитель математика Высшая, dismissed 10.01.2024; his pair with Васильева
 *             (Методика; Воспитательная) stopped early that day.
 *   Ершова (experienced, not young), Жукова: mentees of active pairs → never mentors.
 *   Борисов   young (Да), mentee of Иванова → not listed.
 *   Алексеева young by стаж 0 (column empty), no pair → listed.
 *   Васильева young by стаж 2, her only pair ended 10.01.2024 → listed; wanted directions
 *             from it: Методика обучения и преподавания, Воспитательная деятельность.
 *   Григорьев young, dismissed 29.02.2024 → not listed (listed as of 05.01.2024).
 *   Полякова  young, her pair starts 01.04.2024 (already matched) → not listed.
 * СОШ-2 (Школа): Федорова учитель математика Высшая обучение Да; Андреева and Гусева учитель
 *   математика Первая обучение Нет (identical but for the name); Тихонова young, mentee of
 *   Лебедев (СОШ-1) → not listed; Сергеева young, учитель информатика, no pair → listed.
 * ДОУ-1 (Детский сад): Орлова старший воспитатель Высшая обучение Да; Нестерова педагог
 *   дополнительного образования, математика, Педагог-наставник, обучение Да, load 0 — she would
 *   top Алексеева's list were types ignored; Зайцева воспитатель young by стаж 0 → listed.
 *
 * Eligible school mentors on 15.03.2024 with limit 3: Кузнецова, Лебедев (СОШ-1), Федорова,
 * Андреева, Гусева (СОШ-2) — Иванова is at the limit, Дмитриев dismissed, the rest young or
 * being mentored. Tuples (subject, same org, directions, category rank, trained, load) below.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mentorLoad, rankMentors, suggestMentors, type MenteeSuggestions, type Person } from '../../server/matching/index.ts';
import type { RawTab } from '../../server/sources/types.ts';
import { runSync } from '../../server/sync/run.ts';
import { createMemorySource } from '../support/memorySource.ts';
import { openTempDb, startServerAs, type ServerWithAccounts, type TempDb } from '../support/server.ts';

const ON = '2024-03-15';
const SHEET = { s1: '1MatchingSchoolOneAbCdEfGh', s2: '1MatchingSchoolTwoAbCdEfGh', d1: '1MatchingKinderOneAbCdEfGh' };

const TEACHERS = ['ФИО', 'Должность', 'Предмет', 'Дата приёма', 'Дата увольнения', 'Стаж', 'Молодой специалист', 'Категория', 'Наставник', 'Обучение наставников'];
const PAIRS = ['Наставник', 'Наставляемый', 'Форма', 'Направление', 'Дата начала', 'Дата окончания (план)', 'Дата окончания (факт)', 'Статус'];
const ONE = 'Традиционная (один на один)';
const PP = 'Педагог – педагог';
const SUBJ = 'Предметное содержание';
const METH = 'Методика обучения и преподавания';
const EDU = 'Воспитательная деятельность';

const emptyTabs = (): RawTab[] => [
  { title: 'Программы наставничества', grid: [['Наставляемый', 'Наставник', 'Дата утверждения', 'Дата завершения (план)', 'Мероприятий запланировано', 'Мероприятий выполнено', 'Статус']] },
  { title: 'Аттестация', grid: [['ФИО', 'Дата приказа', 'Присвоена категория']] },
];

function municipality() {
  const school1: RawTab[] = [
    {
      title: 'Педагоги',
      grid: [
        TEACHERS,
        ['Иванова Ирина Сергеевна', 'учитель', 'математика', '01.09.2005', '', '19', '', 'Высшая', 'Да', 'Да'],
        ['Кузнецова Ксения Павловна', 'учитель', 'математика', '01.09.2010', '', '14', '', 'Первая', 'Да', 'Нет'],
        ['Лебедев Лев Андреевич', 'учитель', 'история', '01.09.2000', '', '24', '', 'Высшая', 'Да', ''],
        ['Дмитриев Денис Олегович', 'учитель', 'математика', '01.09.1995', '10.01.2024', '29', '', 'Высшая', 'Да', 'Да'],
        ['Ершова Елена Викторовна', 'учитель', 'английский язык', '01.09.2023', '', '8', 'Нет', 'Первая', 'Нет', 'Нет'],
        ['Жукова Жанна Игоревна', 'учитель', 'биология', '01.09.2015', '', '9', '', 'Соответствие занимаемой должности', '', ''],
        ['Борисов Борис Борисович', 'учитель', 'физика', '01.09.2023', '', '1', 'Да', 'Без категории', '', ''],
        ['Алексеева Алина Романовна', 'учитель', 'математика', '28.08.2023', '', '0', '', 'Без категории', '', ''],
        ['Васильева Вера Николаевна', 'учитель', 'русский язык', '01.09.2022', '', '2', '', 'Без категории', '', ''],
        ['Григорьев Глеб Олегович', 'учитель', 'математика', '01.09.2023', '29.02.2024', '0', 'Да', 'Без категории', '', ''],
        ['Полякова Полина Андреевна', 'учитель', 'химия', '01.09.2023', '', '0', 'Да', 'Без категории', '', ''],
      ],
    },
    {
      title: 'Наставнические пары',
      grid: [
        PAIRS,
        ['Иванова Ирина Сергеевна', 'Борисов Борис Борисович', ONE, `${SUBJ}; ${METH}`, '01.09.2023', '31.08.2024', '', 'Действует'],
        ['Иванова Ирина Сергеевна', 'Ершова Елена Викторовна', PP, METH, '01.09.2023', '', '', 'Действует'],
        ['Иванова Ирина Сергеевна', 'Жукова Жанна Игоревна', PP, SUBJ, '01.10.2023', '', '', 'Действует'],
        ['Кузнецова Ксения Павловна', 'Жукова Жанна Игоревна', ONE, EDU, '01.09.2022', '30.06.2023', '30.06.2023', 'Завершена'],
        ['Дмитриев Денис Олегович', 'Васильева Вера Николаевна', ONE, `${METH}; ${EDU}`, '01.09.2023', '31.08.2024', '10.01.2024', 'Прекращена досрочно'],
        ['Кузнецова Ксения Павловна', 'Полякова Полина Андреевна', ONE, SUBJ, '01.04.2024', '', '', 'Действует'],
      ],
    },
    {
      title: 'Повышение квалификации',
      grid: [
        ['ФИО', 'Программа', 'Часов', 'Дата окончания', 'Тема наставничества'],
        ['Лебедев Лев Андреевич', 'Наставничество в школе', '36', '01.12.2023', 'Да'],
        ['Кузнецова Ксения Павловна', 'Наставник молодого педагога', '36', '20.05.2024', 'Да'],
      ],
    },
    ...emptyTabs(),
  ];
  const school2: RawTab[] = [
    {
      title: 'Педагоги',
      grid: [
        TEACHERS,
        ['Федорова Фаина Петровна', 'учитель', 'математика', '01.09.2001', '', '23', '', 'Высшая', 'Нет', 'Да'],
        ['Гусева Галина Ивановна', 'учитель', 'математика', '01.09.2014', '', '10', '', 'Первая', 'Нет', 'Нет'],
        ['Андреева Алла Ивановна', 'учитель', 'математика', '01.09.2014', '', '10', '', 'Первая', 'Нет', 'Нет'],
        ['Тихонова Таисия Юрьевна', 'учитель', 'история', '01.09.2023', '', '0', 'Да', 'Без категории', '', ''],
        ['Сергеева Светлана Олеговна', 'учитель', 'информатика', '01.09.2023', '', '1', 'Да', 'Без категории', '', ''],
      ],
    },
    {
      title: 'Наставнические пары',
      grid: [PAIRS, ['Лебедев Лев Андреевич (СОШ-1)', 'Тихонова Таисия Юрьевна', ONE, SUBJ, '01.09.2023', '', '', 'Действует']],
    },
    { title: 'Повышение квалификации', grid: [['ФИО', 'Программа', 'Часов', 'Дата окончания']] },
    ...emptyTabs(),
  ];
  const kinder: RawTab[] = [
    {
      title: 'Педагоги',
      grid: [
        TEACHERS,
        ['Орлова Ольга Васильевна', 'старший воспитатель', '', '01.09.2001', '', '23', '', 'Высшая', 'Да', 'Да'],
        ['Нестерова Нина Игоревна', 'педагог дополнительного образования', 'математика', '01.09.2005', '', '19', '', 'Педагог-наставник', 'Да', 'Да'],
        ['Зайцева Зоя Михайловна', 'воспитатель', '', '01.09.2023', '', '0', '', 'Без категории', '', ''],
      ],
    },
    { title: 'Наставнические пары', grid: [PAIRS] },
    { title: 'Повышение квалификации', grid: [['ФИО', 'Программа', 'Часов', 'Дата окончания']] },
    ...emptyTabs(),
  ];
  return {
    registry: [
      {
        title: 'Организации',
        grid: [
          ['Код', 'Наименование', 'Тип', 'Таблица', 'Куратор', 'Активна'],
          ['СОШ-1', 'МОУ «СОШ № 1»', 'Школа', SHEET.s1, '', 'Да'],
          ['СОШ-2', 'МОУ «СОШ № 2»', 'Школа', SHEET.s2, '', 'Да'],
          ['ДОУ-1', 'МДОУ «Детский сад № 1»', 'Детский сад', SHEET.d1, '', 'Да'],
        ],
      },
    ],
    sheets: { [SHEET.s1]: school1, [SHEET.s2]: school2, [SHEET.d1]: kinder },
  };
}

// ---- a tiny app: the router behind a principal chosen per request --------------------------

/** Real accounts (API tokens through the real AuthStore), by the names the tests ask as. */
const ACCOUNTS = {
  coordinator: { role: 'coordinator' },
  'school:СОШ-1': { role: 'school', org: 'СОШ-1' },
  'school:СОШ-2': { role: 'school', org: 'СОШ-2' },
  region: { role: 'region' },
} as const;

let tmp: TempDb;
let source: ReturnType<typeof createMemorySource>;
let server: ServerWithAccounts;

beforeAll(async () => {
  tmp = await openTempDb();
  source = createMemorySource(municipality());
  const summary = await runSync({ db: tmp.db, source, trigger: 'test', now: () => new Date('2024-03-15T08:00:00Z') });
  expect(summary.status).toBe('ok');
  expect(summary.totals.rowsQuarantined).toBe(0);
  // The fixture is clean: no finding at all, so every row above counts.
  expect(await tmp.db.query(`SELECT org, tab, row_no, level, message FROM issues`)).toEqual([]);
  server = await startServerAs({ db: tmp.db, now: () => new Date('2024-03-15T08:00:00Z') }, ACCOUNTS);
});
afterAll(async () => {
  await server.close();
  tmp.cleanup();
});

function get(path: string, as = 'coordinator'): Promise<{ status: number; body: any }> {
  return server.get(path, as);
}

const names = (m: MenteeSuggestions) => m.suggestions.map((s) => `${s.fio} (${s.org})`);
const find = (list: MenteeSuggestions[], fio: string) => {
  const m = list.find((x) => x.fio === fio);
  if (!m) throw new Error(`no mentee ${fio}`);
  return m;
};

const NOT_TRAINED = 'обучение наставников не отмечено';
const TRAINED = 'прошёл(а) обучение наставников';
const OTHER_SCHOOL = 'другая организация того же типа (Школа): СОШ-2';
const NO_PAIRS = 'направления: опыта наставничества в парах нет';
const TIE = 'по всем признакам наравне с соседним вариантом: порядок по ФИО, затем по коду организации';

describe('suggestMentors', () => {
  it('lists exactly the young specialists without a mentor, own organization order then name', async () => {
    const all = await suggestMentors(tmp.db, { on: ON, orgs: [] });
    // Not listed: Борисов and Тихонова (active pairs), Полякова (pair starting 01.04), Григорьев
    // (dismissed 29.02), Ершова (not young), every non-young teacher.
    expect(all.map((m) => `${m.org} ${m.fio}`)).toEqual([
      'СОШ-1 Алексеева Алина Романовна',
      'СОШ-1 Васильева Вера Николаевна',
      'СОШ-2 Сергеева Светлана Олеговна',
      'ДОУ-1 Зайцева Зоя Михайловна',
    ]);
  });

  it('ranks Алексеева’s mentors: subject, then organization, directions, category, training, load, name', async () => {
    const a = find(await suggestMentors(tmp.db, { on: ON, orgs: [] }), 'Алексеева Алина Романовна');
    // No past pair: every direction is wanted (breadth of the mentor's experience).
    expect(a.wanted_from).toBe('all_directions');
    expect(a.wanted_directions).toHaveLength(5);
    expect(a.candidates).toBe(5);
    // Tuples: Кузнецова (2,1,1,2,0,0), Федорова (2,0,0,3,1,0), Андреева (2,0,0,2,0,0),
    // Гусева (2,0,0,2,0,0), Лебедев (1,1,1,3,1,1).
    // 1. Кузнецова: same subject and same organization — beats Федорова's higher category,
    //    because the organization comes before the category.
    // 2. Федорова: same subject, other school; Высшая beats Андреева's and Гусева's Первая.
    // 3–4. Андреева, Гусева: equal on every component; А before Г by name.
    // 5. Лебедев: same organization and Высшая, but only the same position (история): the
    //    subject comes first, so every mathematician of any school ranks above him.
    // Never: Иванова (load 3 = limit), Дмитриев (dismissed), Нестерова (a kindergarten's).
    expect(names(a)).toEqual([
      'Кузнецова Ксения Павловна (СОШ-1)',
      'Федорова Фаина Петровна (СОШ-2)',
      'Андреева Алла Ивановна (СОШ-2)',
      'Гусева Галина Ивановна (СОШ-2)',
      'Лебедев Лев Андреевич (СОШ-1)',
    ]);
    expect(a.suggestions.map((s) => s.reasons)).toEqual([
      ['тот же предмет: математика', 'та же организация', 'направления: опыт наставничества по 1 из 5 (Воспитательная деятельность)', 'категория: Первая', NOT_TRAINED, 'нагрузка: 0 из 3'],
      ['тот же предмет: математика', OTHER_SCHOOL, NO_PAIRS, 'категория: Высшая', TRAINED, 'нагрузка: 0 из 3'],
      ['тот же предмет: математика', OTHER_SCHOOL, NO_PAIRS, 'категория: Первая', NOT_TRAINED, 'нагрузка: 0 из 3', TIE],
      ['тот же предмет: математика', OTHER_SCHOOL, NO_PAIRS, 'категория: Первая', NOT_TRAINED, 'нагрузка: 0 из 3', TIE],
      ['та же должность: учитель, другой предмет: история', 'та же организация', 'направления: опыт наставничества по 1 из 5 (Предметное содержание)', 'категория: Высшая', TRAINED, 'нагрузка: 1 из 3'],
    ]);
    expect(a.suggestions[0]).toMatchObject({
      place: 1,
      same_org: true,
      position: 'учитель',
      subject: 'математика',
      category: 'Первая',
      directions: ['Воспитательная деятельность'],
      trained: false,
      load: 0,
      limit: 3,
      score: { subject: 2, same_org: true, directions: 1, category_rank: 2, trained: false, load: 0 },
    });
    // Лебедев's load is his pair in СОШ-2's sheet; trained through the mentoring course.
    expect(a.suggestions[4]).toMatchObject({ load: 1, trained: true, directions: ['Предметное содержание'] });
  });

  it('drops a mentor at the load limit and brings her back with a higher limit', async () => {
    const a = find(await suggestMentors(tmp.db, { on: ON, orgs: [], limit: 4 }), 'Алексеева Алина Романовна');
    // Иванова (2,1,2,3,1,3): with limit 4 her load 3 is under it; same subject and organization
    // as Кузнецова, and two directions to Кузнецова's one → first. Лебедев falls to place 6.
    expect(a.candidates).toBe(6);
    expect(names(a)).toEqual([
      'Иванова Ирина Сергеевна (СОШ-1)',
      'Кузнецова Ксения Павловна (СОШ-1)',
      'Федорова Фаина Петровна (СОШ-2)',
      'Андреева Алла Ивановна (СОШ-2)',
      'Гусева Галина Ивановна (СОШ-2)',
    ]);
    expect(a.suggestions[0]!.reasons).toEqual([
      'тот же предмет: математика',
      'та же организация',
      'направления: опыт наставничества по 2 из 5 (Предметное содержание, Методика обучения и преподавания)',
      'категория: Высшая',
      TRAINED,
      'нагрузка: 3 из 4',
    ]);
    // `top` cuts the list, not the count.
    const two = find(await suggestMentors(tmp.db, { on: ON, orgs: [], limit: 4, top: 2 }), 'Алексеева Алина Романовна');
    expect(names(two)).toEqual(['Иванова Ирина Сергеевна (СОШ-1)', 'Кузнецова Ксения Павловна (СОШ-1)']);
    expect(two.candidates).toBe(6);
  });

  it('looks for the directions of an ended pair (Васильева)', async () => {
    const v = find(await suggestMentors(tmp.db, { on: ON, orgs: [] }), 'Васильева Вера Николаевна');
    expect(v.wanted_from).toBe('past_pairs');
    expect(v.wanted_directions).toEqual([METH, EDU]);
    // Nobody teaches русский язык: every candidate is «учитель» (same position, 1).
    // Tuples: Кузнецова (1,1,1,2,0,0), Лебедев (1,1,0,3,1,1), Федорова (1,0,0,3,1,0),
    // Андреева = Гусева (1,0,0,2,0,0). Кузнецова has worked in Воспитательная деятельность, one
    // of the two wanted: the directions come before Лебедев's Высшая. Same organization first,
    // then СОШ-2 by category, then by name.
    expect(names(v)).toEqual([
      'Кузнецова Ксения Павловна (СОШ-1)',
      'Лебедев Лев Андреевич (СОШ-1)',
      'Федорова Фаина Петровна (СОШ-2)',
      'Андреева Алла Ивановна (СОШ-2)',
      'Гусева Галина Ивановна (СОШ-2)',
    ]);
    expect(v.suggestions[0]!.reasons.slice(0, 3)).toEqual([
      'та же должность: учитель, другой предмет: математика',
      'та же организация',
      'направления: совпадают 1 из 2 нужных по прошлой паре (Воспитательная деятельность)',
    ]);
    expect(v.suggestions[1]!.reasons[2]).toBe('направления: совпадают 0 из 2 нужных по прошлой паре');
  });

  it('ranks the own organization first for another school’s mentee (Сергеева, СОШ-2)', async () => {
    const s = find(await suggestMentors(tmp.db, { on: ON, orgs: [] }), 'Сергеева Светлана Олеговна');
    // информатика: nobody; all «учитель» (1). СОШ-2 first: Федорова (Высшая), Андреева, Гусева;
    // then СОШ-1: Лебедев (1,0,1,3,1,1) before Кузнецова (1,0,1,2,0,0) by category.
    expect(names(s)).toEqual([
      'Федорова Фаина Петровна (СОШ-2)',
      'Андреева Алла Ивановна (СОШ-2)',
      'Гусева Галина Ивановна (СОШ-2)',
      'Лебедев Лев Андреевич (СОШ-1)',
      'Кузнецова Ксения Павловна (СОШ-1)',
    ]);
    expect(s.suggestions[3]!.reasons[1]).toBe('другая организация того же типа (Школа): СОШ-1');
  });

  it('keeps each type to itself: the kindergarten’s mentee gets only its teachers', async () => {
    const z = find(await suggestMentors(tmp.db, { on: ON, orgs: [] }), 'Зайцева Зоя Михайловна');
    // Орлова: «старший воспитатель» is the same position as «воспитатель» (1), Высшая;
    // Нестерова: another position (0), though Педагог-наставник: the position comes first.
    // No school teacher, however good, is offered to a kindergarten, and vice versa (above).
    expect(z.candidates).toBe(2);
    expect(names(z)).toEqual(['Орлова Ольга Васильевна (ДОУ-1)', 'Нестерова Нина Игоревна (ДОУ-1)']);
    expect(z.suggestions.map((s) => s.reasons[0])).toEqual([
      'та же должность: старший воспитатель',
      'другие предмет и должность: педагог дополнительного образования, математика',
    ]);
  });

  it('follows the day: before the dismissals Дмитриев mentors and Григорьев needs a mentor', async () => {
    const jan = await suggestMentors(tmp.db, { on: '2024-01-05', orgs: ['СОШ-1'] });
    // 05.01.2024: Васильева's pair with Дмитриев is active (ended 10.01) → not listed;
    // Григорьев (dismissed 29.02) is employed and young → listed.
    expect(jan.map((m) => m.fio)).toEqual(['Алексеева Алина Романовна', 'Григорьев Глеб Олегович']);
    // Дмитриев (2,1,2,3,1,1): same subject and organization, two directions → first.
    expect(jan[0]!.suggestions[0]).toMatchObject({ fio: 'Дмитриев Денис Олегович', load: 1 });
    // On 15.03 neither appears anywhere.
    const now = await suggestMentors(tmp.db, { on: ON, orgs: [], limit: 50, top: 50 });
    const everyone = now.flatMap((m) => [m.fio, ...m.suggestions.map((s) => s.fio)]);
    expect(everyone).not.toContain('Дмитриев Денис Олегович');
    expect(everyone).not.toContain('Григорьев Глеб Олегович');
  });

  it('is deterministic whatever the input order, ties by name then organization', async () => {
    const once = await suggestMentors(tmp.db, { on: ON, orgs: [] });
    expect(await suggestMentors(tmp.db, { on: ON, orgs: [] })).toEqual(once);
    // Hand-made people: a mentee of СОШ-1 and three equal candidates — two namesakes in СОШ-2
    // and СОШ-10 (the organization order compares the number: 2 before 10) and Борисова.
    const person = (org: string, orgOrder: number, fio: string, young = false): Person => ({
      org, orgName: org, orgType: 'Школа', orgOrder, personKey: `fio:${fio.toLowerCase()}`, fio,
      position: 'учитель', subject: 'физика', young, category: 'Первая', categoryRank: 2,
      trained: false, load: 0, matched: false, mentorTopics: 0, pastTopics: 0,
    });
    const people = [
      person('СОШ-1', 0, 'Юдина Юлия', true),
      person('СОШ-10', 2, 'Андреева Анна'),
      person('СОШ-2', 1, 'Андреева Анна'),
      person('СОШ-2', 1, 'Борисова Белла'),
    ];
    const expected = ['Андреева Анна (СОШ-2)', 'Андреева Анна (СОШ-10)', 'Борисова Белла (СОШ-2)'];
    for (const order of [people, [...people].reverse(), [people[2]!, people[0]!, people[3]!, people[1]!]]) {
      const [m] = rankMentors(order, { menteeOrgs: [], limit: 3, top: 5, details: 'all' });
      expect(names(m!)).toEqual(expected);
    }
  });
});

describe('rankMentors: the order of the components', () => {
  it('decides each neighbour pair by exactly one component, in the documented order', () => {
    // A chain: each candidate wins against the next on one component while losing on every
    // later one, and the names run backwards, so any component out of order (or missing)
    // breaks it. Mentee: СОШ-1, учитель физика, no past pair (all five directions wanted).
    //            subject  same org  directions  rank  trained  load
    //   Ярова       2        0          0         0      0       2   (same subject wins)
    //   Щукина      1        1          0         0      0       2   (same organization)
    //   Шилова      1        0          2         0      0       2   (more directions)
    //   Чернова     1        0          1         4      0       2   (higher category)
    //   Федотова    1        0          1         3      1       0   (trained)
    //   Уварова     1        0          1         3      0       0   (lower load)
    //   Тарасова    1        0          1         3      0       1
    const p = (fio: string, org: string, subject: string, topics: number, rank: number, trained: boolean, load: number, young = false): Person => ({
      org, orgName: org, orgType: 'Школа', orgOrder: org === 'СОШ-1' ? 0 : 1, personKey: `fio:${fio}`, fio,
      position: 'учитель', subject, young, category: String(rank), categoryRank: rank,
      trained, load, matched: false, mentorTopics: topics, pastTopics: 0,
    });
    const people = [
      p('Юдина', 'СОШ-1', 'физика', 0, 0, false, 0, true),
      p('Тарасова', 'СОШ-2', 'химия', 0b1, 3, false, 1),
      p('Уварова', 'СОШ-2', 'химия', 0b1, 3, false, 0),
      p('Федотова', 'СОШ-2', 'химия', 0b1, 3, true, 0),
      p('Чернова', 'СОШ-2', 'химия', 0b1, 4, false, 2),
      p('Шилова', 'СОШ-2', 'химия', 0b11, 0, false, 2),
      p('Щукина', 'СОШ-1', 'химия', 0, 0, false, 2),
      p('Ярова', 'СОШ-2', 'физика', 0, 0, false, 2),
    ];
    const [m] = rankMentors(people, { menteeOrgs: ['СОШ-1'], limit: 3, top: 10, details: 'all' });
    expect(m!.suggestions.map((s) => s.fio)).toEqual(['Ярова', 'Щукина', 'Шилова', 'Чернова', 'Федотова', 'Уварова', 'Тарасова']);
    // No two share a key, so no tie note.
    expect(m!.suggestions.flatMap((s) => s.reasons).filter((r) => r === TIE)).toEqual([]);
  });

  it('keeps a one-step difference (load) above the name whatever stands between them', () => {
    // Two candidates differing only in load, with many young teachers between them in the
    // name order: Яковлева (load 0) before Аверина (load 1), though «А» comes first.
    const base = {
      org: 'СОШ-2', orgName: 'СОШ-2', orgType: 'Школа', orgOrder: 1, position: 'учитель', subject: 'физика',
      category: 'Первая', categoryRank: 2, trained: false, matched: false, mentorTopics: 0, pastTopics: 0,
    };
    const people: Person[] = [
      { ...base, org: 'СОШ-1', orgOrder: 0, personKey: 'mentee', fio: 'Юдина Юлия', young: true, load: 0 },
      { ...base, personKey: 'a', fio: 'Аверина Ада', young: false, load: 1 },
      ...Array.from({ length: 30 }, (_, i) => ({ ...base, personKey: `b${i}`, fio: `Борисова ${String(i).padStart(2, '0')}`, young: true, matched: true, load: 0 })),
      { ...base, personKey: 'y', fio: 'Яковлева Яна', young: false, load: 0 },
    ];
    const [m] = rankMentors(people, { menteeOrgs: ['СОШ-1'], limit: 3, top: 5, details: 'all' });
    expect(m!.suggestions.map((s) => s.fio)).toEqual(['Яковлева Яна', 'Аверина Ада']);
  });

  it('agrees with a plain sort by the tuple on random people', () => {
    // A reference ranking written directly from the documented rules, on 300 random people.
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const orgs = [
      { org: 'СОШ-1', orgType: 'Школа', orgOrder: 0 },
      { org: 'СОШ-2', orgType: 'Школа', orgOrder: 1 },
      { org: 'СОШ-10', orgType: 'Школа', orgOrder: 2 },
      { org: 'ДОУ-1', orgType: 'Детский сад', orgOrder: 3 },
    ];
    const people: Person[] = Array.from({ length: 300 }, (_, i) => {
      const o = pick(orgs);
      return {
        ...o, orgName: o.org, personKey: `k${i}`, fio: `${pick(['Иванова', 'Петрова', 'Ёлкина', 'Елкина', 'Сидорова'])} ${pick(['Анна', 'Вера'])}`,
        position: pick(['учитель', 'воспитатель', 'старший воспитатель', null]), subject: pick(['математика', 'физика', null]),
        young: rnd() < 0.2, category: 'x', categoryRank: Math.floor(rnd() * 5), trained: rnd() < 0.5, load: Math.floor(rnd() * 4),
        matched: rnd() < 0.1, mentorTopics: Math.floor(rnd() * 32), pastTopics: rnd() < 0.3 ? Math.floor(rnd() * 32) : 0,
      };
    });
    const limit = 3;
    const got = rankMentors(people, { menteeOrgs: [], limit, top: 7, details: 'all' });
    const bits = (x: number) => x.toString(2).replace(/0/g, '').length;
    const pos = (x: string | null) => (x ?? '').replace(/^старший /, '');
    const norm = (s: string) => s.toLowerCase().replace(/ё/g, 'е');
    /** Name (case and ё/е ignored), name as typed, organization order, key. */
    const byName = (a: Person, b: Person) => {
      const [na, nb] = [norm(a.fio), norm(b.fio)];
      if (na !== nb) return na < nb ? -1 : 1;
      if (a.fio !== b.fio) return a.fio < b.fio ? -1 : 1;
      return a.orgOrder - b.orgOrder || (a.personKey < b.personKey ? -1 : 1);
    };
    // Mentees: organization order, then name.
    const mentees = people.filter((x) => x.young && !x.matched).sort((a, b) => a.orgOrder - b.orgOrder || byName(a, b));
    expect(got.map((m) => `${m.fio} ${m.org}`)).toEqual(mentees.map((m) => `${m.fio} ${m.org}`));
    for (const [mi, g] of got.entries()) {
      const m = mentees[mi]!;
      const wanted = m.pastTopics || 31;
      const tuple = (c: Person) => [
        m.subject && c.subject === m.subject ? 2 : pos(m.position) !== '' && pos(c.position) === pos(m.position) ? 1 : 0,
        c.org === m.org ? 1 : 0, bits(c.mentorTopics & wanted), c.categoryRank, c.trained ? 1 : 0, -c.load,
      ];
      const expected = people
        .filter((c) => !c.young && !c.matched && c.load < limit && c.orgType === m.orgType)
        .sort((a, b) => {
          const x = tuple(a);
          const y = tuple(b);
          for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return y[i]! - x[i]!;
          return byName(a, b);
        });
      expect(g.candidates).toBe(expected.length);
      expect(g.suggestions.map((s) => `${s.fio} ${s.org} ${s.load}`)).toEqual(expected.slice(0, 7).map((c) => `${c.fio} ${c.org} ${c.load}`));
    }
  });
});

describe('mentorLoad', () => {
  it('lists the mentors at or over the limit, most loaded first', async () => {
    expect(await mentorLoad(tmp.db, { on: ON, orgs: [] })).toEqual([
      { org: 'СОШ-1', org_name: 'МОУ «СОШ № 1»', fio: 'Иванова Ирина Сергеевна', position: 'учитель', subject: 'математика', category: 'Высшая', load: 3, limit: 3, over: false },
    ]);
    expect((await mentorLoad(tmp.db, { on: ON, orgs: [], limit: 2 })).map((m) => [m.fio, m.load, m.over])).toEqual([['Иванова Ирина Сергеевна', 3, true]]);
    // Limit 1: Лебедев's one pair (in СОШ-2's sheet) puts him at the limit, counted in СОШ-1.
    expect((await mentorLoad(tmp.db, { on: ON, orgs: [], limit: 1 })).map((m) => [m.org, m.fio, m.load, m.over])).toEqual([
      ['СОШ-1', 'Иванова Ирина Сергеевна', 3, true],
      ['СОШ-1', 'Лебедев Лев Андреевич', 1, false],
    ]);
    expect(await mentorLoad(tmp.db, { on: ON, orgs: ['СОШ-2'], limit: 1 })).toEqual([]);
  });
});

describe('GET /api/matching and /api/mentor-load', () => {
  it('answers a coordinator with every organization and the parameters used', async () => {
    const { status, body } = await get('/api/matching');
    expect(status).toBe(200);
    // The date defaults to the clock's day.
    expect(body.params).toEqual({ date: ON, org: [], limit: 3, top: 5 });
    expect(body.mentees).toEqual(await suggestMentors(tmp.db, { on: ON, orgs: [] }));
    const four = await get('/api/matching?limit=4&top=2&date=2024-03-15');
    expect(four.body.params).toEqual({ date: ON, org: [], limit: 4, top: 2 });
    expect(names(find(four.body.mentees, 'Алексеева Алина Романовна'))).toEqual(['Иванова Ирина Сергеевна (СОШ-1)', 'Кузнецова Ксения Павловна (СОШ-1)']);
  });

  it('scopes a school to its own mentees and shows other schools’ mentors with few details', async () => {
    const { status, body } = await get('/api/matching', 'school:СОШ-1');
    expect(status).toBe(200);
    expect(body.params.org).toEqual(['СОШ-1']);
    expect(body.mentees.map((m: MenteeSuggestions) => m.fio)).toEqual(['Алексеева Алина Романовна', 'Васильева Вера Николаевна']);
    const a = find(body.mentees, 'Алексеева Алина Романовна');
    // The same order as the coordinator's (the ranking does not depend on who asks), but the
    // candidates of СОШ-2 without their names: the coordinator's answer names them.
    expect(names(a)).toEqual([
      'Кузнецова Ксения Павловна (СОШ-1)',
      'null (СОШ-2)',
      'null (СОШ-2)',
      'null (СОШ-2)',
      'Лебедев Лев Андреевич (СОШ-1)',
    ]);
    const coordinators = find((await get('/api/matching')).body.mentees, 'Алексеева Алина Романовна');
    expect(names(coordinators)).toEqual([
      'Кузнецова Ксения Павловна (СОШ-1)',
      'Федорова Фаина Петровна (СОШ-2)',
      'Андреева Алла Ивановна (СОШ-2)',
      'Гусева Галина Ивановна (СОШ-2)',
      'Лебедев Лев Андреевич (СОШ-1)',
    ]);
    // Own organization: everything; another organization: organization, category, subject,
    // directions, load — no name, position, training or score.
    expect(Object.keys(a.suggestions[0]!).sort()).toEqual(
      ['category', 'directions', 'fio', 'limit', 'load', 'org', 'org_name', 'place', 'position', 'reasons', 'same_org', 'score', 'subject', 'trained'],
    );
    expect(a.suggestions[1]).toEqual({
      place: 2,
      fio: null,
      org: 'СОШ-2',
      org_name: 'МОУ «СОШ № 2»',
      same_org: false,
      category: 'Высшая',
      subject: 'математика',
      directions: [],
      load: 0,
      limit: 3,
      reasons: [
        'тот же предмет: математика',
        OTHER_SCHOOL,
        NO_PAIRS,
        'категория: Высшая',
        'должность и обучение наставников учтены в порядке; эти сведения видит координатор',
        'нагрузка: 0 из 3',
      ],
    });
    // Васильева's other-school candidates: the position match is not spelled out either.
    expect(find(body.mentees, 'Васильева Вера Николаевна').suggestions[2]!.reasons[0]).toBe('другой предмет: математика');
    // No name of a teacher of СОШ-2 anywhere in the school's answer (the mentees are СОШ-1's own).
    const text = JSON.stringify(body);
    const sosh2 = (await tmp.db.query(`SELECT fio FROM teachers WHERE org = 'СОШ-2'`)).map((r) => String(r.fio));
    expect(sosh2.length).toBeGreaterThanOrEqual(3);
    for (const fio of sosh2) {
      expect(text, fio).not.toContain(fio);
      expect(text, fio).not.toContain(fio.split(' ')[0]!);
    }
    expect(JSON.stringify((await get('/api/matching')).body)).toContain('Федорова Фаина Петровна');
    // Another organization's code is refused, not silently dropped.
    const other = await get(`/api/matching?org=${encodeURIComponent('СОШ-2')}`, 'school:СОШ-1');
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('forbidden');
  });

  it('refuses a regional account and bad parameters, in Russian', async () => {
    const region = await get('/api/matching', 'region');
    expect(region.status).toBe(403);
    expect(region.body.error.message).toContain('подбор наставников (в нём ФИО)');
    expect((await get('/api/mentor-load', 'region')).status).toBe(403);
    const cases: [string, string][] = [
      ['date=2024-02-30', 'неверный параметр date (дата): такой даты нет в календаре'],
      ['date=15.03.2024', 'неверный параметр date (дата): ожидается дата в виде ГГГГ-ММ-ДД'],
      ['limit=0', 'неверный параметр limit (наставляемых на наставника, не больше): ожидается целое число от 1 до 50'],
      ['top=abc', 'неверный параметр top (вариантов на наставляемого): ожидается целое число от 1 до 50'],
      ['top=51', 'неверный параметр top (вариантов на наставляемого): ожидается целое число от 1 до 50'],
      // A code nobody has: named (it was an empty list).
      [`org=${encodeURIComponent('НЕТ-ТАКОЙ')}`, 'неверный параметр org (код организации): нет организации с кодом «НЕТ-ТАКОЙ»'],
    ];
    for (const [q, message] of cases) {
      const { status, body } = await get(`/api/matching?${q}`);
      expect(status, q).toBe(400);
      expect(body).toEqual({ error: { code: 'bad_request', message } });
    }
    expect((await get('/api/mentor-load?limit=1.5')).status).toBe(400);
    expect((await get(`/api/mentor-load?org=${encodeURIComponent('НЕТ-ТАКОЙ')}`)).body.error.message).toBe('неверный параметр org (код организации): нет организации с кодом «НЕТ-ТАКОЙ»');
  });

  it('serves the mentor load, scoped for a school', async () => {
    const { status, body } = await get('/api/mentor-load?limit=2');
    expect(status).toBe(200);
    expect(body.params).toEqual({ date: ON, org: [], limit: 2 });
    expect(body.mentors.map((m: any) => [m.fio, m.load, m.over])).toEqual([['Иванова Ирина Сергеевна', 3, true]]);
    expect((await get('/api/mentor-load?limit=1', 'school:СОШ-1')).body.mentors.map((m: any) => m.fio)).toEqual([
      'Иванова Ирина Сергеевна',
      'Лебедев Лев Андреевич',
    ]);
    expect((await get('/api/mentor-load?limit=1', 'school:СОШ-2')).body.mentors).toEqual([]);
  });
});

// Last: it re-syncs changed data (and restores it at the end).
describe('after a sync', () => {
  it('answers from the new data, not from the prepared people of the old', async () => {
    const sync = () => runSync({ db: tmp.db, source, trigger: 'test', now: () => new Date('2024-03-15T09:00:00Z') });
    const before = await suggestMentors(tmp.db, { on: ON, orgs: ['СОШ-1'] });
    expect(before.map((m) => m.fio)).toEqual(['Алексеева Алина Романовна', 'Васильева Вера Николаевна']);
    // Кузнецова takes Алексеева: Алексеева is matched, Кузнецова's load becomes 1.
    const changed = municipality();
    changed.sheets[SHEET.s1]![1]!.grid.push(['Кузнецова Ксения Павловна', 'Алексеева Алина Романовна', ONE, SUBJ, '01.03.2024', '', '', 'Действует']);
    source.data = changed;
    expect((await sync()).status).toBe('ok');
    const after = await suggestMentors(tmp.db, { on: ON, orgs: ['СОШ-1'] });
    expect(after.map((m) => m.fio)).toEqual(['Васильева Вера Николаевна']);
    expect(after[0]!.suggestions.find((x) => x.fio === 'Кузнецова Ксения Павловна')?.load).toBe(1);
    source.data = municipality();
    expect((await sync()).status).toBe('ok');
    expect(await suggestMentors(tmp.db, { on: ON, orgs: ['СОШ-1'] })).toEqual(before);
  });
});
