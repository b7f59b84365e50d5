/**
 * Issue #12, part 3: the metric `events` (items 2.3 and 3.8 of the order) and the bank of best
 * practices `GET /api/practices` (item 2.2), worked out by hand from a small municipality: the
 * valid base of the bad-input corpus (test/fixtures/bad/base.ts: СОШ-1, Школа; ДОУ-1, Детский
 * сад) plus the optional tabs «Мероприятия» and «Лучшие практики» below.
 *
 * Period P = 2023-09-01 … 2024-08-31 (both ends inclusive).
 *
 * ── «Мероприятия» (Дата, Вид, Уровень, Участников) ─────────────────────────────────────────
 *  СОШ-1  E1 31.08.2023 Заседание МО наставников  ОО              12   day before `from`: out
 *         E2 01.09.2023 Заседание МО наставников  ОО              10   on `from`: in
 *         E3 15.11.2023 «заседание МО» (alias)    ОО              —    in, no number
 *         E4 20.02.2024 Семинар                   Муниципальный   40
 *         E5 10.03.2024 Семинар                   Муниципальный   25
 *         E6 25.04.2024 Семинар                   Региональный    30
 *         E7 05.04.2024 Договор о сотрудничестве  —               —    no level, no number
 *         E8 31.08.2024 Конференция               Региональный     3   on `to`: in
 *         E9 01.09.2024 Конференция               Региональный   100   day after `to`: out
 *  ДОУ-1  K1 12.10.2023 Заседание МО наставников  ОО               8
 *         K2 01.03.2024 Семинар                   «уровень ОО»     6   (alias of ОО)
 *         K3 14.12.2023 Семинар                   Муниципальный    —
 *         K4 18.01.2024 Семинар                   Муниципальный   15
 *         K5 22.05.2024 Вебинар                   Межмуниципальный 0   a stated zero is a number
 *         K6 01.06.2024 «договор» (alias)         —                5
 *
 *  Kinds in the contract's order: Заседание МО наставников 1, Совещание 2, Семинар 3, Вебинар 4,
 *  Конференция 5, Форум 6, Договор о сотрудничестве 7, Другое 8; levels: ОО 1, Муниципальный 2,
 *  Межмуниципальный 3, Региональный 4, empty last.
 *
 * ── «Лучшие практики» (Название, Автор, Направление, Ссылка, Дата) ──────────────────────────
 *  СОШ-1  P1 «Урок-исследование»       «иванова анна петровна» (→ Иванова Анна Петровна)
 *                                      «Методика обучения» (alias)  https://school1.example/p1  10.02.2024
 *         P2 «Классный час с наставником»  Петров Борис Ильич  Воспитательная деятельность
 *                                      «javascript:alert(1)»                                     15.03.2024
 *         P3 «Карта адаптации»         Сидорова Вера Олеговна  Методика обучения и преподавания
 *                                      «см. сайт школы»                                          01.12.2023
 *         P4 «Заметки наставника»      Морозова Зоя Ивановна   no direction, no link, no date
 *  ДОУ-1  Q1 «Игровые методики»        Орлова Лидия Васильевна  Методика обучения и преподавания
 *                                      http://dou1.example/games                                 20.01.2024
 *         Q2 «Родительский клуб»       Зайцева Мария Игоревна   Воспитательная деятельность
 *                                      « HTTPS://DOU1.example/club »                             05.05.2024
 *  Sorted: direction (Методика 2, Воспитательная 3, none last), organization (СОШ-1 the school
 *  before ДОУ-1 the kindergarten), date newest first: P1, P3, Q1 | P2, Q2 | P4.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricDef, parseParams, runMetric } from '../../server/metrics/metrics.ts';
import { runSync, type SyncSummary } from '../../server/sync/run.ts';
import { baseMunicipality, setGrid } from '../fixtures/bad/base.ts';
import { createMemorySource } from '../support/memorySource.ts';
import { openTempDb, startServerAs, type ServerWithAccounts, type TempDb } from '../support/server.ts';

const NOW = new Date('2024-09-02T08:00:00Z');
const P = { from: '2023-09-01', to: '2024-08-31' };

const MO = 'Заседание МО наставников';
const SEM = 'Семинар';
const WEB = 'Вебинар';
const CONF = 'Конференция';
const DEAL = 'Договор о сотрудничестве';
const MUN = 'Муниципальный';
const INTER = 'Межмуниципальный';
const REG = 'Региональный';

const EVENTS_HEADER = ['Дата', 'Вид', 'Название', 'Уровень', 'Участников'];
const PRACTICES_HEADER = ['Название', 'Автор', 'Направление', 'Ссылка', 'Дата'];

function municipality() {
  const m = baseMunicipality();
  setGrid(m, 'СОШ-1', 'Мероприятия', [
    EVENTS_HEADER,
    ['31.08.2023', MO, 'Установочное заседание (прошлый год)', 'ОО', '12'], // E1
    ['01.09.2023', MO, 'Планирование на год', 'ОО', '10'], // E2
    ['15.11.2023', 'заседание МО', 'Открытые уроки наставников', 'ОО', ''], // E3
    ['20.02.2024', SEM, 'Наставничество в школе', MUN, '40'], // E4
    ['10.03.2024', SEM, 'Молодой учитель', MUN, '25'], // E5
    ['25.04.2024', SEM, 'Региональный семинар', REG, '30'], // E6
    ['05.04.2024', DEAL, 'Договор с ДОУ-1', '', ''], // E7
    ['31.08.2024', CONF, 'Августовская конференция', REG, '3'], // E8
    ['01.09.2024', CONF, 'Конференция нового года', REG, '100'], // E9
  ]);
  setGrid(m, 'ДОУ-1', 'Мероприятия', [
    EVENTS_HEADER,
    ['12.10.2023', MO, 'Заседание МО', 'ОО', '8'], // K1
    ['01.03.2024', SEM, 'Игры в работе воспитателя', 'уровень ОО', '6'], // K2
    ['14.12.2023', SEM, 'Адаптация воспитателя', MUN, ''], // K3
    ['18.01.2024', SEM, 'Сопровождение молодых воспитателей', MUN, '15'], // K4
    ['22.05.2024', WEB, 'Вебинар для наставников', INTER, '0'], // K5
    ['01.06.2024', 'договор', 'Договор с СОШ-1', '', '5'], // K6
  ]);
  setGrid(m, 'СОШ-1', 'Лучшие практики', [
    PRACTICES_HEADER,
    ['Урок-исследование', 'иванова анна петровна', 'Методика обучения', 'https://school1.example/p1', '10.02.2024'], // P1
    ['Классный час с наставником', 'Петров Борис Ильич', 'Воспитательная деятельность', 'javascript:alert(1)', '15.03.2024'], // P2
    ['Карта адаптации', 'Сидорова Вера Олеговна', 'Методика обучения и преподавания', 'см. сайт школы', '01.12.2023'], // P3
    ['Заметки наставника', 'Морозова Зоя Ивановна', '', '', ''], // P4
  ]);
  setGrid(m, 'ДОУ-1', 'Лучшие практики', [
    PRACTICES_HEADER,
    ['Игровые методики', 'Орлова Лидия Васильевна', 'Методика обучения и преподавания', 'http://dou1.example/games', '20.01.2024'], // Q1
    ['Родительский клуб', 'Зайцева Мария Игоревна', 'Воспитательная деятельность', ' HTTPS://DOU1.example/club ', '05.05.2024'], // Q2
  ]);
  return m;
}

let tmp: TempDb;
let summary: SyncSummary;

beforeAll(async () => {
  tmp = await openTempDb();
  summary = await runSync({ db: tmp.db, source: createMemorySource(municipality()), trigger: 'test', now: () => NOW });
});
afterAll(() => tmp?.cleanup());

async function events(query: Record<string, unknown>): Promise<unknown[][]> {
  const { rows } = await runMetric(tmp.db, 'events', parseParams(query, NOW));
  return rows.map((r) => [r.org, r.kind, r.level, r.events, r.with_participants, r.participants]);
}

describe('the fixture', () => {
  it('loads every row with no finding', async () => {
    // Base 20 rows + 9 + 6 events + 4 + 2 practices = 41.
    expect(summary.status).toBe('ok');
    expect(summary.totals.rowsQuarantined).toBe(0);
    expect(summary.totals.warnings).toBe(0);
    expect(summary.totals.rowsLoaded).toBe(41);
  });

  it('«Качество данных» counts the optional tabs’ rows with the others (its «Загружено строк» was 20, the sync’s 41)', async () => {
    const rows = (await runMetric(tmp.db, 'data_quality', parseParams({ ...P }, NOW))).rows;
    const counts = (org: string | null) => {
      const r = rows.find((x) => x.org === org)!;
      return [r.practices_rows, r.events_rows];
    };
    // СОШ-1: practices P1–P4, events E1–E9; ДОУ-1: Q1–Q2, K1–K6; total 6 and 15.
    expect([counts('СОШ-1'), counts('ДОУ-1'), counts(null)]).toEqual([[4, 9], [2, 6], [6, 15]]);
    // Every loaded row of every tab: the sync's own count.
    const total = rows.find((x) => x.org === null)!;
    const tabs = ['teachers_rows', 'pairs_rows', 'programs_rows', 'courses_rows', 'attestations_rows', 'compliance_rows', 'practices_rows', 'events_rows'];
    expect(tabs.reduce((n, k) => n + Number(total[k]), 0)).toBe(41);
  });
});

describe('metric events', () => {
  it('is registered with its keys and columns', () => {
    const m = metricDef('events');
    expect(m.orderItem).toBe('2.3');
    expect(m.keys.map((k) => k.name)).toEqual(['kind', 'level']);
    expect(m.columns.map((c) => c.name)).toEqual(['events', 'with_participants', 'participants']);
  });

  it('P: per organization, kind and level, then the totals; boundaries, aliases, empty cells', async () => {
    // СОШ-1: E1 and E9 fall outside (the day before `from`, the day after `to`); E2 (on `from`)
    //   and E8 (on `to`) count.
    //   МО/ОО: E2, E3 = 2 events, 1 with a number, 10 participants.
    //   Семинар/Муниципальный: E4 + E5 = 2, both stated, 40 + 25 = 65.  Семинар/Региональный: E6 = 30.
    //   Конференция/Региональный: E8 = 1, 3.  Договор/no level: E7 = 1, none stated → participants NULL.
    // ДОУ-1: МО/ОО K1 = 8.  Семинар/ОО K2 = 6.  Семинар/Муниципальный K3 + K4 = 2, 1 stated, 15.
    //   Вебинар/Межмуниципальный K5 = 1, 1 stated, 0.  Договор/no level K6 = 1, 1, 5.
    // Totals per (kind, level): МО/ОО 2 + 1 = 3, 1 + 1 = 2, 10 + 8 = 18;  Семинар/ОО 1, 1, 6;
    //   Семинар/Муниципальный 2 + 2 = 4, 2 + 1 = 3, 65 + 15 = 80;  Семинар/Региональный 1, 1, 30;
    //   Вебинар 1, 1, 0;  Конференция 1, 1, 3;  Договор/no level 1 + 1 = 2, 0 + 1 = 1, NULL + 5 = 5.
    expect(await events(P)).toEqual([
      ['СОШ-1', MO, 'ОО', 2, 1, 10],
      ['СОШ-1', SEM, MUN, 2, 2, 65],
      ['СОШ-1', SEM, REG, 1, 1, 30],
      ['СОШ-1', CONF, REG, 1, 1, 3],
      ['СОШ-1', DEAL, null, 1, 0, null],
      ['ДОУ-1', MO, 'ОО', 1, 1, 8],
      ['ДОУ-1', SEM, 'ОО', 1, 1, 6],
      ['ДОУ-1', SEM, MUN, 2, 1, 15],
      ['ДОУ-1', WEB, INTER, 1, 1, 0],
      ['ДОУ-1', DEAL, null, 1, 1, 5],
      [null, MO, 'ОО', 3, 2, 18],
      [null, SEM, 'ОО', 1, 1, 6],
      [null, SEM, MUN, 4, 3, 80],
      [null, SEM, REG, 1, 1, 30],
      [null, WEB, INTER, 1, 1, 0],
      [null, CONF, REG, 1, 1, 3],
      [null, DEAL, null, 2, 1, 5],
    ]);
  });

  it('the total rows carry no organization name or type', async () => {
    const { rows } = await runMetric(tmp.db, 'events', parseParams(P, NOW));
    expect(rows.find((r) => r.org === 'СОШ-1')).toMatchObject({ org_name: 'МОУ «Средняя общеобразовательная школа № 1»', org_type: 'Школа' });
    for (const r of rows.filter((x) => x.org === null)) expect([r.org_name, r.org_type]).toEqual([null, null]);
  });

  it('one day wider on each side takes in E1 and E9', async () => {
    // 2023-08-31 … 2024-09-01. СОШ-1 МО/ОО: E1 E2 E3 = 3, 2 stated, 12 + 10 = 22;
    //   Конференция/Региональный: E8 E9 = 2, 2, 3 + 100 = 103. ДОУ-1 unchanged.
    const rows = await events({ from: '2023-08-31', to: '2024-09-01' });
    expect(rows.filter((r) => r[0] === 'СОШ-1')).toEqual([
      ['СОШ-1', MO, 'ОО', 3, 2, 22],
      ['СОШ-1', SEM, MUN, 2, 2, 65],
      ['СОШ-1', SEM, REG, 1, 1, 30],
      ['СОШ-1', CONF, REG, 2, 2, 103],
      ['СОШ-1', DEAL, null, 1, 0, null],
    ]);
    expect(rows.find((r) => r[0] === null && r[1] === MO)).toEqual([null, MO, 'ОО', 4, 3, 30]);
  });

  it('a one-day period on a boundary holds that day only', async () => {
    // Only E2 on 01.09.2023; only E8 on 31.08.2024.
    expect(await events({ from: '2023-09-01', to: '2023-09-01' })).toEqual([
      ['СОШ-1', MO, 'ОО', 1, 1, 10],
      [null, MO, 'ОО', 1, 1, 10],
    ]);
    expect(await events({ from: '2024-08-31', to: '2024-08-31' })).toEqual([
      ['СОШ-1', CONF, REG, 1, 1, 3],
      [null, CONF, REG, 1, 1, 3],
    ]);
  });

  it('a period without events gives no rows at all', async () => {
    expect(await events({ from: '2022-01-01', to: '2022-12-31' })).toEqual([]);
  });

  it('type filter: the totals are the kindergarten’s own rows', async () => {
    const rows = await events({ ...P, type: 'Детский сад' });
    const own = [
      [MO, 'ОО', 1, 1, 8],
      [SEM, 'ОО', 1, 1, 6],
      [SEM, MUN, 2, 1, 15],
      [WEB, INTER, 1, 1, 0],
      [DEAL, null, 1, 1, 5],
    ];
    expect(rows).toEqual([...own.map((r) => ['ДОУ-1', ...r]), ...own.map((r) => [null, ...r])]);
  });

  it('org filter: the school alone, its Договор total without a stated number stays NULL', async () => {
    const rows = await events({ ...P, org: 'СОШ-1' });
    const own = [
      [MO, 'ОО', 2, 1, 10],
      [SEM, MUN, 2, 2, 65],
      [SEM, REG, 1, 1, 30],
      [CONF, REG, 1, 1, 3],
      [DEAL, null, 1, 0, null],
    ];
    expect(rows).toEqual([...own.map((r) => ['СОШ-1', ...r]), ...own.map((r) => [null, ...r])]);
    // Both codes are the whole municipality.
    expect(await events({ ...P, org: ['СОШ-1', 'ДОУ-1'] })).toEqual(await events(P));
  });

  it('by month: `to` at each month end, `from` kept', async () => {
    const { rows } = await runMetric(tmp.db, 'events', parseParams({ ...P, grain: 'month' }, NOW));
    const total = (month: string, kind: string, level: string | null) =>
      rows.find((r) => r.month === month && r.org === null && r.kind === kind && r.level === level);
    // By 2023-09-30: E2 only. By 2023-11-30: E2 E3 + K1 → МО/ОО 3, 2 stated, 18.
    expect(rows.filter((r) => r.month === '2023-09-30').map((r) => [r.org, r.kind, r.events])).toEqual([
      ['СОШ-1', MO, 1],
      [null, MO, 1],
    ]);
    expect(total('2023-11-30', MO, 'ОО')).toMatchObject({ events: 3, with_participants: 2, participants: 18 });
    // By 2024-08-31 (= P's `to`): the same totals as the period.
    expect(total('2024-08-31', SEM, MUN)).toMatchObject({ events: 4, with_participants: 3, participants: 80 });
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────

/** Real accounts (API tokens through the real AuthStore): a school, the region, the coordinator. */
const ACCOUNTS = { coordinator: { role: 'coordinator' }, school: { role: 'school', org: 'СОШ-1' }, region: { role: 'region' } } as const;

describe('GET /api/practices', () => {
  let server: ServerWithAccounts;

  beforeAll(async () => {
    server = await startServerAs({ db: tmp.db, now: () => NOW }, ACCOUNTS);
  });
  afterAll(async () => {
    await server.close();
  });

  function get(query: string, as: string | null = 'coordinator'): Promise<{ status: number; body: any }> {
    return server.get(`/api/practices${query}`, as);
  }
  const titles = (body: any) => body.practices.map((p: any) => p.title);

  it('lists the whole bank sorted by direction, organization, date (newest first)', async () => {
    const { status, body } = await get('');
    expect(status).toBe(200);
    expect(body.practices).toEqual([
      {
        title: 'Урок-исследование',
        author: 'Иванова Анна Петровна', // typed in lower case; the name as on «Педагоги»
        org: 'СОШ-1',
        org_name: 'МОУ «Средняя общеобразовательная школа № 1»',
        org_type: 'Школа',
        topic: 'Методика обучения и преподавания', // typed as the alias «Методика обучения»
        link: 'https://school1.example/p1',
        link_text: null,
        practice_date: '2024-02-10',
      },
      {
        title: 'Карта адаптации',
        author: 'Сидорова Вера Олеговна',
        org: 'СОШ-1',
        org_name: 'МОУ «Средняя общеобразовательная школа № 1»',
        org_type: 'Школа',
        topic: 'Методика обучения и преподавания',
        link: null,
        link_text: 'см. сайт школы',
        practice_date: '2023-12-01',
      },
      {
        title: 'Игровые методики',
        author: 'Орлова Лидия Васильевна',
        org: 'ДОУ-1',
        org_name: 'МДОУ «Детский сад № 1»',
        org_type: 'Детский сад',
        topic: 'Методика обучения и преподавания',
        link: 'http://dou1.example/games',
        link_text: null,
        practice_date: '2024-01-20',
      },
      {
        title: 'Классный час с наставником',
        author: 'Петров Борис Ильич',
        org: 'СОШ-1',
        org_name: 'МОУ «Средняя общеобразовательная школа № 1»',
        org_type: 'Школа',
        topic: 'Воспитательная деятельность',
        // Never a link: a `javascript:` URL is returned as text only.
        link: null,
        link_text: 'javascript:alert(1)',
        practice_date: '2024-03-15',
      },
      {
        title: 'Родительский клуб',
        author: 'Зайцева Мария Игоревна',
        org: 'ДОУ-1',
        org_name: 'МДОУ «Детский сад № 1»',
        org_type: 'Детский сад',
        topic: 'Воспитательная деятельность',
        link: 'https://dou1.example/club', // trimmed, scheme and host in lower case
        link_text: null,
        practice_date: '2024-05-05',
      },
      {
        title: 'Заметки наставника',
        author: 'Морозова Зоя Ивановна',
        org: 'СОШ-1',
        org_name: 'МОУ «Средняя общеобразовательная школа № 1»',
        org_type: 'Школа',
        topic: null,
        link: null,
        link_text: null,
        practice_date: null,
      },
    ]);
    expect(body.params).toEqual({ org: [], type: null, topic: null, from: null, to: null });
  });

  it('filters by direction (aliases accepted), type, organization and dates', async () => {
    expect(titles((await get(`?topic=${encodeURIComponent('методика обучения')}`)).body)).toEqual([
      'Урок-исследование',
      'Карта адаптации',
      'Игровые методики',
    ]);
    expect(titles((await get(`?type=${encodeURIComponent('ДОУ')}`)).body)).toEqual(['Игровые методики', 'Родительский клуб']);
    expect(titles((await get(`?org=${encodeURIComponent('ДОУ-1')}`)).body)).toEqual(['Игровые методики', 'Родительский клуб']);
    // [2024-01-20, 2024-03-15]: Q1 on `from`, P1, P2 on `to`; P3 (01.12.2023) and Q2 (05.05.2024)
    // outside, P4 undated: a period asks for dated practices.
    expect(titles((await get('?from=2024-01-20&to=2024-03-15')).body)).toEqual([
      'Урок-исследование',
      'Игровые методики',
      'Классный час с наставником',
    ]);
    expect(titles((await get('?from=2024-03-16')).body)).toEqual(['Родительский клуб']);
    expect(titles((await get('?to=2023-12-01')).body)).toEqual(['Карта адаптации']);
  });

  it('refuses bad parameters with a Russian message', async () => {
    const cases: [string, RegExp][] = [
      [`?topic=${encodeURIComponent('Астрономия')}`, /^неверный параметр topic \(направление\): неизвестное значение «Астрономия»; допустимые направления: «Предметное содержание»/],
      [`?type=${encodeURIComponent('Колледж')}`, /^неверный параметр type \(тип организации\): неизвестное значение «Колледж»/],
      ['?from=2024-02-30', /^неверный параметр from \(начало периода\): такой даты нет в календаре$/],
      ['?to=31.08.2024', /^неверный параметр to \(конец периода\): ожидается дата в виде ГГГГ-ММ-ДД$/],
      ['?from=2024-09-01&to=2024-08-31', /^конец периода \(31\.08\.2024\) раньше его начала \(01\.09\.2024\)$/],
      [`?org=${'Я'.repeat(61)}`, /^неверный параметр org \(код организации\): слишком длинный код организации$/],
    ];
    for (const [query, message] of cases) {
      const { status, body } = await get(query);
      expect(status, query).toBe(400);
      expect(body.error.code).toBe('bad_request');
      expect(body.error.message, query).toMatch(message);
    }
  });

  it('a school sees its own practices only; another organization is a 403', async () => {
    const own = await get('', 'school');
    expect(own.status).toBe(200);
    expect(titles(own.body)).toEqual(['Урок-исследование', 'Карта адаптации', 'Классный час с наставником', 'Заметки наставника']);
    expect(own.body.params.org).toEqual(['СОШ-1']);
    expect((await get(`?org=${encodeURIComponent('СОШ-1')}`, 'school')).status).toBe(200);
    const other = await get(`?org=${encodeURIComponent('ДОУ-1')}`, 'school');
    expect(other.status).toBe(403);
    expect(other.body.error.message).toContain('ДОУ-1');
  });

  it('a regional account gets a 403 (practices name their authors); nobody logged in a 401', async () => {
    const region = await get('', 'region');
    expect(region.status).toBe(403);
    expect(region.body.error.code).toBe('forbidden');
    expect(JSON.stringify(region.body)).not.toContain('Иванова');
    expect((await get('', null)).status).toBe(401);
  });
});
