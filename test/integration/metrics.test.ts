/**
 * Issue #5's acceptance test: every metric of docs/spec/METRICS.md, worked out by hand from the fixture
 * municipality `test/fixtures/municipality` (three organizations, 40 teachers, CSV tabs), for
 * two periods that must give different numbers:
 *   P1 = the school year   2023-09-01 … 2024-08-31 (day before `from`: 2023-08-31)
 *   P2 = the calendar year 2024-01-01 … 2024-12-31 (day before `from`: 2023-12-31)
 * The sync runs on a pinned clock, 2025-01-20 (every date in the sheets is on or before it: that
 * is "the sync date" for category mismatches and the report date of item 4).
 *
 * "Employed on d" = Дата приёма empty or ≤ d, and Дата увольнения empty or > d. The population of
 * a period is the staff employed on `to`. Abbreviations below: pop = population, ✓/✗ = in/out.
 *
 * ── СОШ-7 (Школа), 18 teachers ─────────────────────────────────────────────────────────────
 *  S1  Алексеева    hired 2003            Обучение наставников = Да      young: стаж 21 → no
 *  S2  Борисов      2010                                                 no
 *  S3  Власова      2012                  Педагоги.Категория «Первая» (stale, see mismatches)
 *  S4  Григорьев    2015                                                 no
 *  S5  Данилова     20.08.2023            young: stated Да
 *  S6  Егоров       01.09.2023 (= P1 from) young: empty, стаж 1 → derived young
 *  S7  Жукова       2022, dismissed 31.08.2024 (= P1 `to`)  young: stated Да
 *  S8  Зайцев       2022                  young: derived (стаж 2)
 *  S9  Ильина       2022                  young: stated Нет although стаж 2 → not young
 *  S10 Кириллов     10.01.2024            young: derived (стаж 0,5)
 *  S11 Лебедева     2000
 *  S12 Морозов      2008, dismissed 15.12.2023
 *  S13 Никитина     2016                  no Аттестация rows (Педагоги: Первая)
 *  S14 Орлов        01.09.2024            young: stated Нет (стаж 4)
 *  S15 Павлова      31.08.2024 (= P1 `to`) young: Нет
 *  S16 Романов      2014, dismissed 31.12.2024 (= P2 `to`)
 *  S17 Соколова     2019
 *  S18 Тарасов      31.12.2024 (= P2 `to`) young: derived (стаж 0)
 *  pop P1 (on 2024-08-31): S1–S6, S8–S11, S13, S15, S16, S17 = 14
 *     (S7 dismissed on `to` itself; S12 dismissed; S14, S18 not hired yet; S15 hired on `to` counts)
 *  pop P2 (on 2024-12-31): S1–S6, S8–S11, S13, S14, S15, S17, S18 = 15 (S16 dismissed on `to`)
 *
 * ── ДОУ-5 (Детский сад), 12 teachers ───────────────────────────────────────────────────────
 *  K1 Антонова 1998 (Обучение = Да)   K2 Белова 01.09.2023 (young Да)   K3 Волкова 2021 (стаж 3,
 *  young empty → exactly 3 is not < 3: not young)   K4 Григорьева 2017   K5 Дмитриева 2010
 *  K6 Егорова 2005 (Обучение = Нет)   K7 Жарова 2015, dismissed 15.10.2024
 *  K8 Зуева 01.09.2024 (young derived)   K9 Исаева 2022, dismissed 30.06.2024 (young Да)
 *  K10 Ковалёва 2019 (written «Ковалева» in pairs and programs: ё = е)
 *  K11 Лаврова: no hire date, no стаж, no young flag → employed always, not young
 *  K12 Никифорова 01.06.2024 (young Нет)
 *  pop P1: K1–K7, K10, K11, K12 = 10;   pop P2: K1–K6, K8, K10, K11, K12 = 10
 *
 * ── ДДТ-1 (Дополнительное образование), 10 teachers; no «Исполнение распоряжения» tab ────────
 *  D1 Фомина 2011   D2 Харитонова 01.09.2023 (young Да)   D3 Цветков 2020
 *  D4 Шилова 2024-02-01 (young derived)   D5 Щербакова 2021 (стаж 2,5 → derived young)
 *  D6 Юдин 2000   D7 Яковлева 2015   D8 Абрамова 2022 (young Да)   D9 Богданов 2016
 *  D10 Гусева 2022, dismissed 01.09.2023 (= P1 from; young Да)
 *  pop P1 = pop P2 = D1–D9 = 9
 *
 * Population totals: P1 14 + 10 + 9 = 33;  P2 15 + 10 + 9 = 34.
 *
 * ── Pairs (mentor → mentee, form, directions, start, actual end) ─────────────────────────────
 *  СОШ-7  PS1 S1→S5  Групповая  ВД  15.09.2023 —          (PS1–PS3: one mentor, a group of three)
 *         PS2 S1→S6  Групповая  ВД  15.09.2023 —
 *         PS3 S1→S7  Групповая  ВД  15.09.2023 31.08.2024
 *         PS4 S2→S8  Традиционная  ПС + МОП (two directions)  01.09.2022 01.09.2023 (= P1 from)
 *         PS5 S11→S10 Педагог – педагог  МОП  31.08.2024 (= P1 `to`) —
 *         PS6 S12→S9 Традиционная  ОУВД  01.09.2023 15.12.2023
 *         PS7 S13→S14 Традиционная  ПС  01.09.2024 —
 *         PS8 S13→S17 Руководитель – педагог  МОП  01.09.2021 31.08.2023 (day before P1 from)
 *         PS9 S4→S18 Ситуационная  ППС  31.12.2024 (= P2 `to`) —
 *         PS10 «Фомина … (ДДТ-1)» = D1 → S4  Виртуальная  ПС  01.02.2024 —  (mentor of another org)
 *  ДОУ-5  PK1 K1→K2  Традиционная  ППС  01.10.2023 —
 *         PK2 K6→K3  Традиционная  МОП  01.09.2022 01.01.2024 (= P2 from)
 *         PK3 K4→K9  Традиционная  ВД   01.09.2023 30.06.2024
 *         PK4 K1→K8  Традиционная  ВД   02.09.2024 —
 *         PK5 «Никитина … (СОШ-7)» = S13 → K10  Виртуальная  ППС + ВД  01.03.2024 —
 *         PK6 K6→K2  Ситуационная  МОП  01.02.2024 30.04.2024  (K2's second mentor, beside PK1)
 *  ДДТ-1  PD1 D1→D2  Традиционная  ПС  15.09.2023 —
 *         PD2 D3→D4  Краткосрочная  ОУВД  01.02.2024 —
 *         PD3 D7→D8  Традиционная  МОП  01.09.2022 31.08.2023
 *         PD4 D1→D8  Скоростная  МОП  01.09.2024 —
 *         PD5 D6→D9  Руководитель – педагог  ОУВД  01.09.2023 31.12.2023
 *  (ПС Предметное содержание, МОП Методика обучения и преподавания, ВД Воспитательная
 *   деятельность, ОУВД Организация урочной и внеурочной деятельности, ППС Психолого-педагогическое
 *   сопровождение.)
 *  Active in P1 (start ≤ 2024-08-31, end empty or ≥ 2023-09-01):
 *    PS1 PS2 PS3 PS4 PS5 PS6 PS10 | PK1 PK2 PK3 PK5 PK6 | PD1 PD2 PD5
 *    (not PS7, PK4, PD4: start after `to`; not PS9; not PS8, PD3: ended the day before `from`)
 *  Active in P2 (start ≤ 2024-12-31, end empty or ≥ 2024-01-01):
 *    PS1 PS2 PS3 PS5 PS7 PS9 PS10 | PK1 PK2 PK3 PK4 PK5 PK6 | PD1 PD2 PD4
 *    (not PS4 (ended 01.09.2023), PS6 (15.12.2023), PD5 (31.12.2023), PS8, PD3)
 *
 * ── Mentors / mentees of the period (members of the population only; a mentor from another
 *    organization counts in his or her own) ────────────────────────────────────────────────
 *  P1  СОШ-7 mentors S1, S2, S11, S13 (PK5 in ДОУ-5's sheet) = 4 (S12 dismissed);
 *            mentees S4, S5, S6, S8, S9, S10 = 6 (S7 dismissed on `to`)
 *      ДОУ-5 mentors K1, K6, K4 = 3;  mentees K2 (two mentors: once), K3, K10 = 3 (K9 dismissed)
 *      ДДТ-1 mentors D1 (PD1 and PS10 in СОШ-7's sheet), D3, D6 = 3;  mentees D2, D4, D9 = 3
 *  P2  СОШ-7 mentors S1, S11, S13, S4 = 4;  mentees S4, S5, S6, S10, S14, S18 = 6
 *      ДОУ-5 mentors K1, K6 (PK2 ended on `from`), K4 = 3;  mentees K2, K3, K8, K10 = 4
 *      ДДТ-1 mentors D1, D3 = 2 (PD5 ended);  mentees D2, D4, D8 = 3
 *
 * ── Аттестация rows (order date, assigned, Прежняя) and the category held on the four days
 *    that matter: A = 2023-08-31, B = 2024-08-31 (P1), C = 2023-12-31, E = 2024-12-31 (P2).
 *    Rank: Без 0, СЗД 1, Первая 2, Высшая 3, Педагог-методист/-наставник 4. ───────────────────
 *  S1  12.04.2022 Высшая (Первая) — lapses 12.04.2027            A3 B3 C3 E3
 *  S2  10.11.2020 Высшая (Первая); 01.02.2024 Педагог-наставник (empty → held on 31.01.2024 =
 *      Высшая: 4 > 3, upgrade)                                    A3 B4 C3 E4
 *  S3  15.03.2019 Первая (Без) — lapses 15.03.2024, no later row   A2 B0 C2 E0
 *  S4  20.05.2019 Первая (Без); 18.10.2023 Высшая (Первая): upgrade, assigned after 01.09.2023 so
 *      it never lapses                                            A2 B3 C3 E3
 *  S6  15.04.2024 СЗД (empty → no earlier row; the earliest later row's Прежняя is empty → Без):
 *      1 > 0, upgrade                                             A0 B1 C0 E1
 *  S11 29.02.2020 Высшая (Первая) — lapses 28.02.2025              A3 B3 C3 E3
 *  S15 31.08.2020 Высшая (Первая) — lapses 31.08.2025              A3 B3 C3 E3
 *  S16 01.09.2020 Первая (СЗД) — lapses 01.09.2025                 A2 B2 (not in pop P2)
 *  S17 05.05.2019 Высшая (Первая); 14.02.2024 Первая (Высшая): a downgrade, no upgrade
 *                                                                 A3 B2 C3 E2
 *  S5 S8 S9 S10 S14 S18: no rows, Педагоги «Без категории»: 0.  S13: no rows, Педагоги «Первая»: 2.
 *  K1  10.12.2019 Высшая (Первая); 20.11.2023 Педагог-методист (Высшая): upgrade;
 *      15.10.2024 Педагог-наставник (empty → held on 14.10.2024 = методист, 4 = 4: no upgrade)
 *                                                                 A3 B4 C4 E4
 *  K3  10.10.2021 СЗД (empty) — lapses 10.10.2026                 1 on all four days
 *  K4  15.03.2019 Первая (Без) — would lapse 15.03.2024; 15.03.2024 Первая (empty → held on
 *      14.03.2024 = Первая, the lapse day not reached: 2 = 2, a re-attestation, no upgrade)
 *                                                                 A2 B2 C2 E2
 *  K5  10.10.2019 «Соответствие занимаемой должности» (Без) — lapses 10.10.2024   A1 B1 C1 E0
 *  K6  25.12.2023 Высшая (Первая): upgrade; before it the Прежняя «Первая»        A2 B3 C3 E3
 *  K7  01.09.2023 Первая (СЗД): upgrade, dated on P1's `from`; assigned on 01.09.2023: never
 *      lapses                                                     A1 B2 (not in pop P2)
 *  K10 20.12.2018 Первая (СЗД) — lapses 20.12.2023                A2 B0 C0 E0
 *  K11 14.05.2024 Высшая (Первая): upgrade; before it «Первая»    A2 B3 C2 E3
 *  K2 K8 K12: no rows, «Без категории».
 *  D1  15.06.2021 Высшая (Первая) — lapses 15.06.2026             3 on all four days
 *  D3  20.06.2019 Первая (СЗД) — lapses 20.06.2024; 10.09.2024 Первая (empty → held on 09.09.2024
 *      = Без, lapsed: 2 > 0, upgrade)                             A2 B0 C2 E2
 *  D6  01.11.2018 Высшая (Первая); 20.10.2023 Высшая (Прежняя «Высшая»): no upgrade
 *                                                                 A3 B3 C3 E3
 *  D7  15.12.2023 Педагог-методист (Высшая): upgrade               A3 B4 C4 E4
 *  D9  01.03.2021 СЗД (Без) — lapses 01.03.2026                    1 on all four days
 *  D2 D4 D5 D8: no rows, «Без категории».
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFolderSource } from '../../server/sources/folder.ts';
import { runSync, type SyncSummary } from '../../server/sync/run.ts';
import { openTempDb, startServer, type RunningServer, type TempDb } from '../support/server.ts';

const FIXTURE = new URL('../fixtures/municipality/', import.meta.url).pathname;
const P1 = { from: '2023-09-01', to: '2024-08-31' };
const P2 = { from: '2024-01-01', to: '2024-12-31' };
const ORGS = ['СОШ-7', 'ДОУ-5', 'ДДТ-1', null];

let tmp: TempDb;
let server: RunningServer;
let summary: SyncSummary;

beforeAll(async () => {
  tmp = await openTempDb();
  summary = await runSync({
    db: tmp.db,
    source: createFolderSource(FIXTURE),
    trigger: 'test',
    now: () => new Date('2025-01-20T09:00:00Z'),
  });
  server = await startServer({ db: tmp.db, now: () => new Date('2024-06-15T10:00:00Z') });
});
afterAll(async () => {
  await server.close();
  tmp.cleanup();
});

async function rows(name: string, p: { from: string; to: string }, extra = ''): Promise<any[]> {
  const { status, body } = await server.getJson(`/api/metrics/${name}?from=${p.from}&to=${p.to}${extra}`);
  expect(status, JSON.stringify(body)).toBe(200);
  return body.rows;
}

/** A ratio compared to 12 decimals (it is computed in floating point). */
const r = (x: number) => expect.closeTo(x, 12);

/** The rows as [org, ...columns], for an exact comparison with hand-made tables. */
const table = (rs: any[], cols: string[]) => rs.map((x) => [x.org, ...cols.map((c) => x[c])]);

// ─────────────────────────────────────────────────────────────────────────────────────────────

describe('the fixture municipality', () => {
  it('loads every row and rejects none', () => {
    // СОШ-7: 18 teachers + 10 pairs + 6 programs + 10 courses + 12 attestations + 6 items = 62;
    // ДОУ-5: 12 + 6 + 5 + 6 + 11 + 6 = 46;  ДДТ-1: 10 + 5 + 4 + 4 + 7 + 0 = 30;  138 in all.
    expect(summary.status).toBe('ok');
    expect(summary.totals.ok).toBe(3);
    expect(summary.totals.rowsQuarantined).toBe(0);
    expect(summary.totals.rowsLoaded).toBe(138);
    expect(summary.totals.warnings).toBe(0);
  });

  it('reports organizations in registry order by type, then the total', async () => {
    expect((await rows('engagement', P1)).map((x) => x.org)).toEqual(ORGS);
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────

describe('engagement', () => {
  const cols = ['teachers', 'mentors', 'mentees', 'engaged', 'engagement_rate'];

  it('P1, the school year', async () => {
    // СОШ-7: engaged = {S1 S2 S11 S13} ∪ {S4 S5 S6 S8 S9 S10} = 10 of 14.
    // ДОУ-5: {K1 K6 K4} ∪ {K2 K3 K10} = 6 of 10.  ДДТ-1: {D1 D3 D6} ∪ {D2 D4 D9} = 6 of 9.
    // Total: 33 teachers, 4 + 3 + 3 = 10 mentors, 6 + 3 + 3 = 12 mentees, 22 engaged → 22 / 33.
    expect(table(await rows('engagement', P1), cols)).toEqual([
      ['СОШ-7', 14, 4, 6, 10, r(10 / 14)],
      ['ДОУ-5', 10, 3, 3, 6, r(6 / 10)],
      ['ДДТ-1', 9, 3, 3, 6, r(6 / 9)],
      [null, 33, 10, 12, 22, r(22 / 33)],
    ]);
  });

  it('P2, the calendar year', async () => {
    // СОШ-7: {S1 S11 S13 S4} ∪ {S4 S5 S6 S10 S14 S18} = 9 (S4 is both) of 15.
    // ДОУ-5: {K1 K6 K4} ∪ {K2 K3 K8 K10} = 7 of 10.  ДДТ-1: {D1 D3} ∪ {D2 D4 D8} = 5 of 9.
    // Total: 34, 9 mentors, 13 mentees, 21 engaged → 21 / 34.
    expect(table(await rows('engagement', P2), cols)).toEqual([
      ['СОШ-7', 15, 4, 6, 9, r(9 / 15)],
      ['ДОУ-5', 10, 3, 4, 7, r(7 / 10)],
      ['ДДТ-1', 9, 2, 3, 5, r(5 / 9)],
      [null, 34, 9, 13, 21, r(21 / 34)],
    ]);
  });

  it('by month: `to` at each month end, `from` kept', async () => {
    const all = await rows('engagement', P1, '&grain=month');
    const month = (m: string) => table(all.filter((x) => x.month === m), cols);
    expect([...new Set(all.map((x) => x.month))]).toHaveLength(12);

    // 2023-09-30. Pop: СОШ-7 S1–S9, S11, S12 (dismissed later), S13, S16, S17 = 14; ДОУ-5 K1–K7,
    //   K9, K10, K11 = 10; ДДТ-1 D1–D3, D5–D9 = 8 (D4 not hired, D10 dismissed 01.09.2023).
    // Active: PS1–PS3 (15.09), PS4 (ended on `from`), PS6 | PK2, PK3 (PK1 starts 01.10) | PD1, PD5.
    // СОШ-7 mentors S1, S2, S12 = 3, mentees S5 S6 S7 S8 S9 = 5 → 8.  ДОУ-5 K6, K4 / K3, K9 → 4.
    // ДДТ-1 D1, D6 / D2, D9 → 4.  Total 32, 7, 9, 16 → 0.5.
    expect(month('2023-09-30')).toEqual([
      ['СОШ-7', 14, 3, 5, 8, r(8 / 14)],
      ['ДОУ-5', 10, 2, 2, 4, r(4 / 10)],
      ['ДДТ-1', 8, 2, 2, 4, r(4 / 8)],
      [null, 32, 7, 9, 16, r(0.5)],
    ]);

    // 2024-01-31. Pop: СОШ-7 S1–S11, S13, S16, S17 = 14 (S12 gone, S10 hired 10.01); ДОУ-5 the same
    //   10; ДДТ-1 the same 8 (D4 hired 01.02). Active: PS1–PS4, PS6 | PK1, PK2, PK3 | PD1, PD5.
    // СОШ-7 mentors S1, S2 = 2 (S12 dismissed), mentees S5–S9 = 5 → 7.  ДОУ-5 K1 K6 K4 / K2 K3 K9
    //   → 6.  ДДТ-1 → 4.  Total 32, 7, 10, 17.
    expect(month('2024-01-31')).toEqual([
      ['СОШ-7', 14, 2, 5, 7, r(7 / 14)],
      ['ДОУ-5', 10, 3, 3, 6, r(6 / 10)],
      ['ДДТ-1', 8, 2, 2, 4, r(4 / 8)],
      [null, 32, 7, 10, 17, r(17 / 32)],
    ]);

    // 2024-06-30. Pop: СОШ-7 the same 14 (S7 still employed); ДОУ-5 K1–K7, K10, K11, K12 = 10 (K9
    //   dismissed on this very day, K12 hired 01.06); ДДТ-1 D1–D9 = 9.
    // Active: PS1–PS4, PS6, PS10 | PK1, PK2, PK3, PK5 | PD1, PD2, PD5.
    // СОШ-7 mentors S1, S2, S13 (PK5) = 3, mentees S4 S5 S6 S7 S8 S9 = 6 → 9.  ДОУ-5 K1 K6 K4 /
    //   K2 K3 K10 → 6.  ДДТ-1 D1 D3 D6 / D2 D4 D9 → 6.  Total 33, 9, 12, 21.
    expect(month('2024-06-30')).toEqual([
      ['СОШ-7', 14, 3, 6, 9, r(9 / 14)],
      ['ДОУ-5', 10, 3, 3, 6, r(6 / 10)],
      ['ДДТ-1', 9, 3, 3, 6, r(6 / 9)],
      [null, 33, 9, 12, 21, r(21 / 33)],
    ]);

    // The last month end is `to` itself: the whole period.
    expect(month('2024-08-31')).toEqual(table(await rows('engagement', P1), cols));
  });

  it('filters keep a mentor counted through another organization’s sheet', async () => {
    // Only ДДТ-1 selected: D1 stays a mentor (PD1, and PS10 of СОШ-7's sheet, not selected).
    //   The total equals the row: 9, 3, 3, 6.
    const dop = encodeURIComponent('Дополнительное образование');
    expect(table(await rows('engagement', P1, `&type=${dop}`), cols)).toEqual([
      ['ДДТ-1', 9, 3, 3, 6, r(6 / 9)],
      [null, 9, 3, 3, 6, r(6 / 9)],
    ]);
    // Only СОШ-7 in P2: S13 mentors K10 in ДОУ-5's sheet only (PK5) and S14 in СОШ-7's (PS7);
    //   the row is as before: 15, 4, 6, 9.
    expect(table(await rows('engagement', P2, `&org=${encodeURIComponent('СОШ-7')}`), cols)).toEqual([
      ['СОШ-7', 15, 4, 6, 9, r(9 / 15)],
      [null, 15, 4, 6, 9, r(9 / 15)],
    ]);
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────

describe('young_specialists', () => {
  const cols = ['young', 'young_with_mentor', 'coverage', 'young_at_start', 'young_retained', 'retention'];
  // Young specialists: S5 S6 S7 S8 S10 S18 | K2 K8 K9 | D2 D4 D5 D8 D10.

  it('P1', async () => {
    // СОШ-7: young in pop S5 S6 S8 S10 = 4, all mentees (S8 through PS4, ended on `from`; S10
    //   through PS5, started on `to`) → 4 / 4. At start (employed on 2023-09-01): S5, S6 (hired on
    //   `from`), S7, S8 = 4 (S10 hired 10.01.2024); retained on 2024-08-31: S5 S6 S8 = 3 (S7 left
    //   on `to`) → 3 / 4.
    // ДОУ-5: young in pop K2 → mentee → 1 / 1; at start K2, K9 = 2; retained K2 → 1 / 2.
    // ДДТ-1: young in pop D2 D4 D5 D8 = 4; mentees D2, D4 (D8's pairs: ended 31.08.2023 / from
    //   01.09.2024) → 2 / 4; at start D2 D5 D8 = 3 (D4 hired later; D10 dismissed on `from` is
    //   not employed on it); retained 3 → 1.
    // Total: 9, 7, 7 / 9; 9, 7, 7 / 9.
    expect(table(await rows('young_specialists', P1), cols)).toEqual([
      ['СОШ-7', 4, 4, r(1), 4, 3, r(0.75)],
      ['ДОУ-5', 1, 1, r(1), 2, 1, r(0.5)],
      ['ДДТ-1', 4, 2, r(0.5), 3, 3, r(1)],
      [null, 9, 7, r(7 / 9), 9, 7, r(7 / 9)],
    ]);
  });

  it('P2', async () => {
    // СОШ-7: young in pop S5 S6 S8 S10 S18 = 5; mentees S5 S6 S10 S18 (PS9 starts on `to`) = 4
    //   (S8's pair ended 01.09.2023) → 4 / 5. At start (2024-01-01): S5 S6 S7 S8 = 4; retained
    //   S5 S6 S8 = 3 → 3 / 4.
    // ДОУ-5: young in pop K2, K8, both mentees → 2 / 2; at start K2, K9; retained K2 → 1 / 2.
    // ДДТ-1: young D2 D4 D5 D8 = 4; mentees D2 D4 D8 (PD4) = 3 → 3 / 4; at start D2 D5 D8 = 3,
    //   retained 3.
    // Total: 11, 9, 9 / 11; 9, 7, 7 / 9.
    expect(table(await rows('young_specialists', P2), cols)).toEqual([
      ['СОШ-7', 5, 4, r(4 / 5), 4, 3, r(0.75)],
      ['ДОУ-5', 2, 2, r(1), 2, 1, r(0.5)],
      ['ДДТ-1', 4, 3, r(0.75), 3, 3, r(1)],
      [null, 11, 9, r(9 / 11), 9, 7, r(7 / 9)],
    ]);
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────

describe('pairs_by_form', () => {
  const pick = (rs: any[]) => rs.map((x) => [x.org, x.form, x.pairs]);
  const T = 'Традиционная (один на один)';
  const G = 'Групповая';
  const V = 'Виртуальная (дистанционная)';
  const K = 'Краткосрочная (целеполагающая)';

  it('P1: active rows of each organization’s own sheet, whoever has left', async () => {
    // СОШ-7: PS4, PS6 Традиционная (S12 of PS6 dismissed: still counted) = 2; PS1–PS3 Групповая = 3
    //   (S7 dismissed: counted); PS10 Виртуальная = 1 (mentor of ДДТ-1, but СОШ-7's sheet);
    //   PS5 Педагог – педагог = 1.
    // ДОУ-5: PK1 PK2 PK3 Традиционная = 3 (K9 dismissed: counted); PK5 Виртуальная = 1;
    //   PK6 Ситуационная = 1 (K2's second pair: a second row, though she is one mentee).
    // ДДТ-1: PD1 Традиционная, PD2 Краткосрочная, PD5 Руководитель – педагог.
    // Totals per form: Традиционная 2 + 3 + 1 = 6, Групповая 3, Виртуальная 2, Краткосрочная 1,
    //   Ситуационная 1, Руководитель – педагог 1, Педагог – педагог 1 (15 pairs).
    expect(pick(await rows('pairs_by_form', P1))).toEqual([
      ['СОШ-7', T, 2], ['СОШ-7', G, 3], ['СОШ-7', V, 1], ['СОШ-7', 'Педагог – педагог', 1],
      ['ДОУ-5', T, 3], ['ДОУ-5', V, 1], ['ДОУ-5', 'Ситуационная', 1],
      ['ДДТ-1', T, 1], ['ДДТ-1', K, 1], ['ДДТ-1', 'Руководитель – педагог', 1],
      [null, T, 6], [null, G, 3], [null, V, 2], [null, K, 1], [null, 'Ситуационная', 1], [null, 'Руководитель – педагог', 1], [null, 'Педагог – педагог', 1],
    ]);
  });

  it('an organization’s own sheet only: ДДТ-1’s mentor in СОШ-7’s sheet is not ДДТ-1’s pair', async () => {
    // ДДТ-1 selected, P1: PD1, PD2, PD5 (PS10, D1 → S4, is a row of СОШ-7's sheet).
    expect(pick(await rows('pairs_by_form', P1, `&org=${encodeURIComponent('ДДТ-1')}`))).toEqual([
      ['ДДТ-1', T, 1], ['ДДТ-1', K, 1], ['ДДТ-1', 'Руководитель – педагог', 1],
      [null, T, 1], [null, K, 1], [null, 'Руководитель – педагог', 1],
    ]);
  });

  it('P2', async () => {
    // СОШ-7: PS7 Традиционная 1; PS1–PS3 Групповая 3; PS10 Виртуальная 1; PS9 Ситуационная 1;
    //   PS5 Педагог – педагог 1.  ДОУ-5: PK1–PK4 Традиционная 4 (PK2 ended on `from`); PK5
    //   Виртуальная 1; PK6 Ситуационная 1.  ДДТ-1: PD1 Традиционная, PD2 Краткосрочная, PD4 Скоростная.
    // Totals: Традиционная 6, Групповая 3, Виртуальная 2, Краткосрочная 1, Ситуационная 1 + 1 = 2,
    //   Скоростная 1, Педагог – педагог 1 (16 pairs).
    expect(pick(await rows('pairs_by_form', P2))).toEqual([
      ['СОШ-7', T, 1], ['СОШ-7', G, 3], ['СОШ-7', V, 1], ['СОШ-7', 'Ситуационная', 1], ['СОШ-7', 'Педагог – педагог', 1],
      ['ДОУ-5', T, 4], ['ДОУ-5', V, 1], ['ДОУ-5', 'Ситуационная', 1],
      ['ДДТ-1', T, 1], ['ДДТ-1', K, 1], ['ДДТ-1', 'Скоростная', 1],
      [null, T, 6], [null, G, 3], [null, V, 2], [null, K, 1], [null, 'Ситуационная', 2], [null, 'Скоростная', 1], [null, 'Педагог – педагог', 1],
    ]);
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────

describe('pairs_by_topic', () => {
  const pick = (rs: any[]) => rs.map((x) => [x.org, x.topic, x.pairs]);
  const PS = 'Предметное содержание';
  const MOP = 'Методика обучения и преподавания';
  const VD = 'Воспитательная деятельность';
  const OUVD = 'Организация урочной и внеурочной деятельности';
  const PPS = 'Психолого-педагогическое сопровождение';

  it('P1: a pair with two directions counts under both', async () => {
    // СОШ-7 (PS1–PS6, PS10): ПС = PS4 + PS10 = 2; МОП = PS4 + PS5 = 2; ВД = PS1–PS3 = 3;
    //   ОУВД = PS6 = 1 (8 rows for 7 pairs).
    // ДОУ-5 (PK1 PK2 PK3 PK5 PK6): МОП = PK2 + PK6 = 2; ВД = PK3 + PK5 = 2; ППС = PK1 + PK5 = 2.
    // ДДТ-1 (PD1 PD2 PD5): ПС = PD1; ОУВД = PD2 + PD5 = 2.
    // Totals: ПС 3, МОП 2 + 2 = 4, ВД 5, ОУВД 3, ППС 2.
    expect(pick(await rows('pairs_by_topic', P1))).toEqual([
      ['СОШ-7', PS, 2], ['СОШ-7', MOP, 2], ['СОШ-7', VD, 3], ['СОШ-7', OUVD, 1],
      ['ДОУ-5', MOP, 2], ['ДОУ-5', VD, 2], ['ДОУ-5', PPS, 2],
      ['ДДТ-1', PS, 1], ['ДДТ-1', OUVD, 2],
      [null, PS, 3], [null, MOP, 4], [null, VD, 5], [null, OUVD, 3], [null, PPS, 2],
    ]);
  });

  it('P2', async () => {
    // СОШ-7 (PS1–PS3, PS5, PS7, PS9, PS10): ПС = PS7 + PS10 = 2; МОП = PS5; ВД = 3; ППС = PS9.
    // ДОУ-5 (PK1–PK6): МОП = PK2 + PK6 = 2; ВД = PK3 + PK4 + PK5 = 3; ППС = PK1 + PK5 = 2.
    // ДДТ-1 (PD1 PD2 PD4): ПС, ОУВД, МОП one each.
    // Totals: ПС 3, МОП 1 + 2 + 1 = 4, ВД 6, ОУВД 1, ППС 3.
    expect(pick(await rows('pairs_by_topic', P2))).toEqual([
      ['СОШ-7', PS, 2], ['СОШ-7', MOP, 1], ['СОШ-7', VD, 3], ['СОШ-7', PPS, 1],
      ['ДОУ-5', MOP, 2], ['ДОУ-5', VD, 3], ['ДОУ-5', PPS, 2],
      ['ДДТ-1', PS, 1], ['ДДТ-1', MOP, 1], ['ДДТ-1', OUVD, 1],
      [null, PS, 3], [null, MOP, 4], [null, VD, 6], [null, OUVD, 1], [null, PPS, 3],
    ]);
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────

describe('professional_development', () => {
  const cols = ['teachers', 'trained', 'pd_coverage', 'hours', 'hours_per_teacher', 'mentors_active', 'mentors_trained', 'mentors_trained_rate'];
  // Courses (who, hours, end, Тема наставничества):
  //   СОШ-7: S1 36 20.11.2023 Да; S2 72 20.02.2024 Да; S11 16 15.10.2024 Да; S12 72 10.11.2023
  //          (dismissed); S13 36 01.09.2023 (empty = Нет); S16 24 31.08.2024; S5 18 15.03.2024;
  //          S5 24 20.10.2024; S15 36 30.06.2024; S4 40 31.08.2023.
  //   ДОУ-5: K6 36 30.05.2023 Да; K11 72 31.12.2024; K11 16 20.03.2024; K12 24 15.06.2024;
  //          K2 36 01.01.2024; K9 18 20.05.2024 (dismissed).
  //   ДДТ-1: D1 24 15.05.2024 Да; D3 36 10.09.2024; D2 72 20.04.2024; D7 36 05.12.2023.
  // Обучение наставников: S1 Да, S12 Нет, K1 Да, K6 Нет; the rest empty.

  it('P1', async () => {
    // СОШ-7 courses in 2023-09-01…2024-08-31 of pop members: S1 36, S2 72, S13 36 (on `from`),
    //   S16 24 (on `to`), S5 18, S15 36 → trained 6, hours 222 (S12's 72 h: not in pop; S11's and
    //   S5's second course after `to`; S4's the day before `from`). Mentors S1 (Да), S2 (course
    //   Да, 20.02.2024 ≤ to) trained; S11 (its mentoring course ends after `to`), S13 not → 2 / 4.
    // ДОУ-5: K11 16, K12 24, K2 36 → 3, 76 h; mentors K1 (Да), K6 (course Да of 30.05.2023, long
    //   before `from` but ≤ `to`) trained, K4 not → 2 / 3.
    // ДДТ-1: D1 24, D2 72, D7 36 → 3, 132 h; mentors D1 (course Да) of D1 D3 D6 → 1 / 3.
    // Total: 33, 12, 430 h; 10 mentors, 5 trained.
    expect(table(await rows('professional_development', P1), cols)).toEqual([
      ['СОШ-7', 14, 6, r(6 / 14), 222, r(222 / 14), 4, 2, r(0.5)],
      ['ДОУ-5', 10, 3, r(0.3), 76, r(7.6), 3, 2, r(2 / 3)],
      ['ДДТ-1', 9, 3, r(3 / 9), 132, r(132 / 9), 3, 1, r(1 / 3)],
      [null, 33, 12, r(12 / 33), 430, r(430 / 33), 10, 5, r(0.5)],
    ]);
  });

  it('P2', async () => {
    // СОШ-7 courses in 2024: S2 72, S11 16, S5 18 + 24, S15 36 → trained S2 S11 S5 S15 = 4,
    //   hours 166 (S16's course: S16 not in pop P2). Mentors S1 (Да), S11 (course Да 15.10.2024 ≤
    //   to) trained; S13, S4 not → 2 / 4.
    // ДОУ-5: K11 72 (on `to`) + 16, K12 24, K2 36 (on `from`) → 3, 148 h; mentors 2 / 3 as in P1.
    // ДДТ-1: D1 24, D3 36, D2 72 → 3, 132 h; mentors D1, D3 → D1 trained → 1 / 2.
    // Total: 34, 10, 446 h; 9 mentors, 5 trained.
    expect(table(await rows('professional_development', P2), cols)).toEqual([
      ['СОШ-7', 15, 4, r(4 / 15), 166, r(166 / 15), 4, 2, r(0.5)],
      ['ДОУ-5', 10, 3, r(0.3), 148, r(14.8), 3, 2, r(2 / 3)],
      ['ДДТ-1', 9, 3, r(3 / 9), 132, r(132 / 9), 2, 1, r(0.5)],
      [null, 34, 10, r(10 / 34), 446, r(446 / 34), 9, 5, r(5 / 9)],
    ]);
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────

describe('qualification_growth', () => {
  const cols = [
    'teachers', 'upgraded', 'upgrade_rate', 'first_or_higher_start', 'first_or_higher_end', 'share_start', 'share_end', 'growth_pp',
    'mentees', 'mentees_upgraded', 'mentee_upgrade_rate', 'others', 'others_upgraded', 'other_upgrade_rate',
  ];

  it('P1', async () => {
    // СОШ-7 (pop 14): upgraded S2 (01.02.2024), S4 (18.10.2023), S6 (15.04.2024) = 3; not S17
    //   (downgrade). Rank ≥ 2 on A: S1 S2 S3 S4 S11 S13 S15 S16 S17 = 9; on B: the same without S3
    //   (lapsed 15.03.2024) = 8 → growth (8 − 9) / 14 × 100. Mentees S4 S5 S6 S8 S9 S10: upgraded
    //   S4, S6 → 2 / 6; others 8: S2 → 1 / 8.
    // ДОУ-5 (pop 10): upgraded K1 (20.11.2023), K6, K7 (on `from`), K11 = 4; not K4 (re-attested
    //   before the lapse day). On A: K1 K4 K6 K10 K11 = 5; on B: K1 K4 K6 K7 K11 = 5 (K10 lapsed,
    //   K7 gained) → growth 0. Mentees K2 K3 K10: 0 / 3; others 7: 4 / 7.
    // ДДТ-1 (pop 9): upgraded D7 = 1 (D6 same level; D3's row is after `to`). On A: D1 D3 D6 D7 =
    //   4; on B: D1 D6 D7 = 3 (D3 lapsed 20.06.2024; its 10.09.2024 row is later) → −100 / 9.
    //   Mentees D2 D4 D9: 0 / 3; others 6: D7 → 1 / 6.
    // Total: 33, 8, 18 → 16 (−200 / 33 pp); mentees 12, 2 upgraded; others 21, 6 upgraded.
    expect(table(await rows('qualification_growth', P1), cols)).toEqual([
      ['СОШ-7', 14, 3, r(3 / 14), 9, 8, r(9 / 14), r(8 / 14), r(-100 / 14), 6, 2, r(2 / 6), 8, 1, r(1 / 8)],
      ['ДОУ-5', 10, 4, r(0.4), 5, 5, r(0.5), r(0.5), r(0), 3, 0, r(0), 7, 4, r(4 / 7)],
      ['ДДТ-1', 9, 1, r(1 / 9), 4, 3, r(4 / 9), r(3 / 9), r(-100 / 9), 3, 0, r(0), 6, 1, r(1 / 6)],
      [null, 33, 8, r(8 / 33), 18, 16, r(18 / 33), r(16 / 33), r(-200 / 33), 12, 2, r(2 / 12), 21, 6, r(6 / 21)],
    ]);
  });

  it('P2', async () => {
    // СОШ-7 (pop 15): upgraded in 2024: S2, S6 = 2 (S4's was in 2023; S17 downgraded). On C:
    //   S1 S2 S3 S4 S11 S13 S15 S17 = 8; on E: without S3 = 7 → −100 / 15. Mentees S4 S5 S6 S10
    //   S14 S18: S6 → 1 / 6; others 9: S2 → 1 / 9.
    // ДОУ-5 (pop 10): upgraded K11 = 1 (K1's 15.10.2024 row is методист → наставник, same rank;
    //   K4 re-attested; K6's upgrade was 25.12.2023). On C: K1 K4 K6 K11 = 4 (K10 lapsed
    //   20.12.2023); on E: the same 4 (K5 lost СЗД, rank 1 anyway) → 0. Mentees K2 K3 K8 K10:
    //   0 / 4; others 6: K11 → 1 / 6.
    // ДДТ-1 (pop 9): upgraded D3 (10.09.2024, from Без after the lapse) = 1. On C: D1 D3 D6 D7 = 4;
    //   on E: the same 4 → 0. Mentees D2 D4 D8: 0 / 3; others 6: D3 → 1 / 6.
    // Total: 34, 4, 16 → 15 (−100 / 34 pp); mentees 13, 1; others 21, 3.
    expect(table(await rows('qualification_growth', P2), cols)).toEqual([
      ['СОШ-7', 15, 2, r(2 / 15), 8, 7, r(8 / 15), r(7 / 15), r(-100 / 15), 6, 1, r(1 / 6), 9, 1, r(1 / 9)],
      ['ДОУ-5', 10, 1, r(0.1), 4, 4, r(0.4), r(0.4), r(0), 4, 0, r(0), 6, 1, r(1 / 6)],
      ['ДДТ-1', 9, 1, r(1 / 9), 4, 4, r(4 / 9), r(4 / 9), r(0), 3, 0, r(0), 6, 1, r(1 / 6)],
      [null, 34, 4, r(4 / 34), 16, 15, r(16 / 34), r(15 / 34), r(-100 / 34), 13, 1, r(1 / 13), 21, 3, r(3 / 21)],
    ]);
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────

describe('attestation_due', () => {
  const cols = ['teachers', 'lapsing_12m', 'lapsed'];

  it('P1: lapsing in (2024-08-31, 2025-08-31], lapsed inside the period', async () => {
    // СОШ-7: lapsing S11 (29.02.2020 → 28.02.2025), S15 (31.08.2020 → 31.08.2025 = to + 12 months,
    //   included) = 2; not S16 (01.09.2020 → 01.09.2025, one day too late), not S1 (2027), not S4
    //   (Высшая of 18.10.2023: no end). Lapsed S3 (15.03.2024) = 1.
    // ДОУ-5: lapsing K5 (СЗД → 10.10.2024) = 1; K1's Высшая (→ 10.12.2024) was replaced by
    //   методист, which does not expire. Lapsed K10 (20.12.2023) = 1.
    // ДДТ-1: lapsing 0 (D1 → 15.06.2026, D9 → 01.03.2026). Lapsed D3 (20.06.2024; the new row of
    //   10.09.2024 is after `to` and not looked at) = 1.
    expect(table(await rows('attestation_due', P1), cols)).toEqual([
      ['СОШ-7', 14, 2, 1],
      ['ДОУ-5', 10, 1, 1],
      ['ДДТ-1', 9, 0, 1],
      [null, 33, 3, 3],
    ]);
  });

  it('P2: lapsing in (2024-12-31, 2025-12-31]', async () => {
    // СОШ-7: lapsing S11 (28.02.2025), S15 (31.08.2025) = 2; lapsed S3 (15.03.2024) = 1.
    // ДОУ-5: lapsing 0; lapsed K5 (10.10.2024) = 1 (K10 lapsed before `from`).
    // ДДТ-1: lapsing 0; lapsed 0 (D3 holds the Первая of 10.09.2024, which does not expire).
    expect(table(await rows('attestation_due', P2), cols)).toEqual([
      ['СОШ-7', 15, 2, 1],
      ['ДОУ-5', 10, 0, 1],
      ['ДДТ-1', 9, 0, 0],
      [null, 34, 2, 2],
    ]);
  });

  it('an order of 29 February ends on 28 February', async () => {
    // Period 2024-09-01 … 2025-02-28. S11's Высшая of 29.02.2020 ends on 28.02.2025: on `to` she
    //   holds Без категории, so she is lapsed, not lapsing. Pop: СОШ-7 15 (S18 in, S16 out),
    //   ДОУ-5 10 (K7 out), ДДТ-1 9.
    // СОШ-7: lapsing in (2025-02-28, 2026-02-28]: S15 (31.08.2025) = 1; lapsed: S11 = 1.
    // ДОУ-5: lapsing 0; lapsed K5 (10.10.2024) = 1.  ДДТ-1: D9 ends 01.03.2026, one day too late:
    //   0; lapsed 0.
    expect(table(await rows('attestation_due', { from: '2024-09-01', to: '2025-02-28' }), cols)).toEqual([
      ['СОШ-7', 15, 1, 1],
      ['ДОУ-5', 10, 0, 1],
      ['ДДТ-1', 9, 0, 0],
      [null, 34, 1, 2],
    ]);
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────

describe('program_completion', () => {
  const cols = [
    'due', 'completed', 'completed_on_time', 'terminated', 'overdue', 'completion_rate', 'on_time_rate',
    'active_programs', 'events_planned', 'events_done', 'progress',
    'mentees_active', 'mentees_with_program', 'program_coverage', 'programs_approved', 'programs_published', 'published_rate',
  ];
  // Programs (mentor → mentee, approved, planned end, actual end, status, events, published):
  //   СОШ-7 PR-S1 S12→S9  20.09.2023 31.05.2024 15.12.2023 Прекращена      8/3  Нет
  //         PR-S2 S13→S14 15.09.2024 31.05.2025 —          Разрабатывается 6/0  (empty)
  //         PR-S3 S1→S5   01.10.2023 31.05.2024 31.05.2024 Завершена       9/9  Да
  //         PR-S4 S1→S6   01.10.2023 30.04.2024 —          Разрабатывается 4/0  Нет
  //         PR-S5 S1→S7   01.10.2023 31.08.2024 31.08.2024 Завершена       6/6  Да
  //         PR-S6 D1→S4   01.03.2024 28.02.2025 —          Реализуется     10/6 Да
  //   ДОУ-5 PR-K1 K1→K2   15.10.2023 30.06.2024 28.06.2024 Завершена       12/12 Да
  //         PR-K2 K4→K9   20.09.2023 31.05.2024 —          Реализуется     10/4 Да
  //         PR-K3 S13→K10 15.03.2024 31.07.2024 10.09.2024 Завершена       7/7  Да
  //         PR-K4 K6→K3   01.10.2022 31.12.2023 29.12.2023 Завершена       6/6  Нет
  //         PR-K5 K1→K8   10.09.2024 31.05.2025 —          Реализуется     10/1 Нет
  //   ДДТ-1 PR-D1 D1→D2   01.10.2023 31.05.2024 20.06.2024 Завершена       10/10 Да
  //         PR-D2 D3→D4   10.02.2024 31.12.2024 —          Реализуется     8/5  Нет
  //         PR-D3 D7→D8   01.10.2022 31.08.2023 30.08.2023 Завершена       6/6  Да
  //         PR-D4 D6→D9   15.09.2023 20.12.2023 20.12.2023 Завершена       5/5  Нет

  it('P1', async () => {
    // СОШ-7: due (planned end in the period) S1 S3 S4 S5 = 4: completed S3, S5 (31.08.2024 = to)
    //   = 2, both on time; terminated S1; overdue S4 (Разрабатывается). Active (Реализуется,
    //   approved ≤ to): S6 → 10 / 6. Mentees S4 S5 S6 S8 S9 S10: with a program of an active pair
    //   S4 (PR-S6), S5, S6 (any status), S9 (PR-S1, PS6 active in P1) = 4. Approved ≤ to: S1 S3
    //   S4 S5 S6 = 5, published S3 S5 S6 = 3.
    // ДОУ-5: due K1 K2 K3 K4 = 4: completed K1, K4 (on time) = 2; K3 finished 10.09.2024 after
    //   `to`: not completed, and being «Завершена» neither overdue nor terminated; overdue K2.
    //   Active K2 → 10 / 4 (K5 approved after `to`). Mentees K2 K3 K10, all with a program → 3.
    //   Approved ≤ to: K1–K4 = 4, published K1 K2 K3 = 3.
    // ДДТ-1: due D1, D4 = 2, both completed, D1 late (20.06 > 31.05) → on time 1. Active D2 → 8 / 5.
    //   Mentees D2 D4 D9 all with a program → 3. Approved ≤ to: 4, published D1, D3 = 2.
    // Total: 10 due, 6 completed, 5 on time, 1 terminated, 2 overdue; 3 active, 28 / 15 events;
    //   12 mentees, 10 with a program; 13 approved, 8 published.
    expect(table(await rows('program_completion', P1), cols)).toEqual([
      ['СОШ-7', 4, 2, 2, 1, 1, r(0.5), r(0.5), 1, 10, 6, r(0.6), 6, 4, r(4 / 6), 5, 3, r(0.6)],
      ['ДОУ-5', 4, 2, 2, 0, 1, r(0.5), r(0.5), 1, 10, 4, r(0.4), 3, 3, r(1), 4, 3, r(0.75)],
      ['ДДТ-1', 2, 2, 1, 0, 0, r(1), r(0.5), 1, 8, 5, r(0.625), 3, 3, r(1), 4, 2, r(0.5)],
      [null, 10, 6, 5, 1, 2, r(0.6), r(0.5), 3, 28, 15, r(15 / 28), 12, 10, r(10 / 12), 13, 8, r(8 / 13)],
    ]);
  });

  it('P2', async () => {
    // СОШ-7: due S1 S3 S4 S5 (31.08.2024 is in 2024 too) = 4: completed 2 on time, terminated 1,
    //   overdue 1. Active S6 → 10 / 6. Mentees S4 S5 S6 S10 S14 S18: with a program S4, S5, S6,
    //   S14 (PR-S2 approved 15.09.2024) = 4. Approved ≤ to: all 6, published 3.
    // ДОУ-5: due K1 K2 K3 = 3 (K4's planned end is 2023): completed K1 (on time), K3 (10.09.2024,
    //   late) = 2; overdue K2. Active K2, K5 → 20 / 5. Mentees K2 K3 K8 K10 all with a program (K3:
    //   PK2 ended on `from`, still active) → 4. Approved 5, published 3.
    // ДДТ-1: due D1, D2 (planned end = to) = 2: completed D1 (late); overdue D2. Active D2 → 8 / 5.
    //   Mentees D2 D4 D8: D8's program PR-D3 belongs to D7 → D8, not to her active pair D1 → D8:
    //   2 with a program. Approved 4, published 2.
    // Total: 9 due, 5 completed, 3 on time, 1 terminated, 3 overdue; 4 active, 38 / 16 events;
    //   13 mentees, 10 with a program; 15 approved, 8 published.
    expect(table(await rows('program_completion', P2), cols)).toEqual([
      ['СОШ-7', 4, 2, 2, 1, 1, r(0.5), r(0.5), 1, 10, 6, r(0.6), 6, 4, r(4 / 6), 6, 3, r(0.5)],
      ['ДОУ-5', 3, 2, 1, 0, 1, r(2 / 3), r(1 / 3), 2, 20, 5, r(0.25), 4, 4, r(1), 5, 3, r(0.6)],
      ['ДДТ-1', 2, 1, 0, 0, 1, r(0.5), r(0), 1, 8, 5, r(0.625), 3, 2, r(2 / 3), 4, 2, r(0.5)],
      [null, 9, 5, 3, 1, 3, r(5 / 9), r(3 / 9), 4, 38, 16, r(16 / 38), 13, 10, r(10 / 13), 15, 8, r(8 / 15)],
    ]);
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────

describe('compliance', () => {
  // Deadlines: 3.1, 3.3, 3.4, 3.5 — 2023-03-01; 3.6, 3.7 — 2023-03-31.
  //   СОШ-7: 3.1 27.02.2023 (on time), 3.2 (a standing duty: not scored), 3.3 01.03.2023 (on the
  //          deadline: on time), 3.4 10.03.2023 (late), 3.5 no row, 3.6 15.10.2024 (after P1's
  //          `to`, inside P2), 3.7 a row with no date.
  //   ДОУ-5: every item on time (3.6 and 3.7 on 31.03.2023, the deadline).
  //   ДДТ-1: no tab at all: nothing done.
  const ITEMS = ['3.1', '3.3', '3.4', '3.5', '3.6', '3.7'];
  const pick = (rs: any[]) => rs.map((x) => [x.org, x.item, x.done_date, x.done_on_time, x.done_late, x.not_done, x.on_time_share]);
  const orgRow = (rs: any[], org: string | null) => rs.find((x) => x.org === org && x.item === null);

  it('P1: as of 2024-08-31', async () => {
    const rs = await rows('compliance', P1);
    const org = (code: string) => pick(rs.filter((x) => x.org === code && x.item !== null));
    expect(org('СОШ-7')).toEqual([
      ['СОШ-7', '3.1', '2023-02-27', 1, 0, 0, r(1)],
      ['СОШ-7', '3.3', '2023-03-01', 1, 0, 0, r(1)],
      ['СОШ-7', '3.4', '2023-03-10', 0, 1, 0, r(0)],
      ['СОШ-7', '3.5', null, 0, 0, 1, r(0)],
      ['СОШ-7', '3.6', null, 0, 0, 1, r(0)],
      ['СОШ-7', '3.7', null, 0, 0, 1, r(0)],
    ]);
    expect(org('ДОУ-5').map((x) => x.slice(3))).toEqual(ITEMS.map(() => [1, 0, 0, r(1)]));
    expect(org('ДДТ-1')).toEqual(ITEMS.map((i) => ['ДДТ-1', i, null, 0, 0, 1, r(0)]));
    // Per organization: СОШ-7 2 on time, 1 late, 3 not done → 2 / 6; ДОУ-5 6 / 6; ДДТ-1 0 / 6.
    expect(orgRow(rs, 'СОШ-7')).toMatchObject({ done_on_time: 2, done_late: 1, not_done: 3, on_time_share: r(2 / 6), missing: '3.5, 3.6, 3.7', report_date: '2025-01-20' });
    expect(orgRow(rs, 'ДОУ-5')).toMatchObject({ done_on_time: 6, done_late: 0, not_done: 0, on_time_share: r(1), missing: null, report_date: '2025-01-20' });
    expect(orgRow(rs, 'ДДТ-1')).toMatchObject({ done_on_time: 0, done_late: 0, not_done: 6, on_time_share: r(0), missing: '3.1, 3.3, 3.4, 3.5, 3.6, 3.7', report_date: null });
    // Per item over the 3 active organizations: 3.1, 3.3 on time at СОШ-7 and ДОУ-5 → 2 / 3;
    //   3.4 on time at ДОУ-5, late at СОШ-7 → 1 / 3; 3.5–3.7 only ДОУ-5 → 1 / 3.
    const totals = rs.filter((x) => x.org === null);
    expect(totals.map((x) => [x.item, x.done_on_time, x.done_late, x.not_done, x.on_time_share])).toEqual([
      ['3.1', 2, 0, 1, r(2 / 3)],
      ['3.3', 2, 0, 1, r(2 / 3)],
      ['3.4', 1, 1, 1, r(1 / 3)],
      ['3.5', 1, 0, 2, r(1 / 3)],
      ['3.6', 1, 0, 2, r(1 / 3)],
      ['3.7', 1, 0, 2, r(1 / 3)],
      // All: 2 + 6 + 0 = 8 on time, 1 late, 3 + 0 + 6 = 9 not done of 18 → 8 / 18.
      [null, 8, 1, 9, r(8 / 18)],
    ]);
  });

  it('P2: as of 2024-12-31 СОШ-7’s 3.6 is done, late', async () => {
    const rs = await rows('compliance', P2);
    expect(pick(rs.filter((x) => x.org === 'СОШ-7' && x.item === '3.6'))).toEqual([['СОШ-7', '3.6', '2024-10-15', 0, 1, 0, r(0)]]);
    expect(orgRow(rs, 'СОШ-7')).toMatchObject({ done_on_time: 2, done_late: 2, not_done: 2, missing: '3.5, 3.7' });
    const totals = rs.filter((x) => x.org === null);
    expect(totals.map((x) => [x.item, x.done_on_time, x.done_late, x.not_done, x.on_time_share])).toEqual([
      ['3.1', 2, 0, 1, r(2 / 3)],
      ['3.3', 2, 0, 1, r(2 / 3)],
      ['3.4', 1, 1, 1, r(1 / 3)],
      ['3.5', 1, 0, 2, r(1 / 3)],
      ['3.6', 1, 1, 1, r(1 / 3)],
      ['3.7', 1, 0, 2, r(1 / 3)],
      [null, 8, 2, 8, r(8 / 18)],
    ]);
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────

describe('data_quality', () => {
  it('counts the rows loaded per tab and the category mismatches on the sync date', async () => {
    // Category mismatches on 2025-01-20 (the day of the last successful load):
    //   S3 «Первая» in Педагоги, but her Первая of 15.03.2019 lapsed on 15.03.2024 → Без: 1.
    //   K10 «Первая», lapsed 20.12.2023: 1. (K5 «б/к» after her СЗД lapsed, K1 «Педагог-наставник»
    //   since 15.10.2024, S11 «Высшая» until 28.02.2025, D3 «Первая» of 10.09.2024: all agree.)
    const cols = ['teachers_rows', 'pairs_rows', 'programs_rows', 'courses_rows', 'attestations_rows', 'compliance_rows', 'rows_quarantined', 'errors', 'warnings', 'category_mismatches'];
    const rs = await rows('data_quality', P1);
    expect(table(rs, cols)).toEqual([
      ['СОШ-7', 18, 10, 6, 10, 12, 6, 0, 0, 0, 1],
      ['ДОУ-5', 12, 6, 5, 6, 11, 6, 0, 0, 0, 1],
      ['ДДТ-1', 10, 5, 4, 4, 7, 0, 0, 0, 0, 0],
      [null, 40, 21, 15, 20, 30, 12, 0, 0, 0, 2],
    ]);
    for (const x of rs.slice(0, 3)) {
      expect(x).toMatchObject({ last_status: 'ok', stale: false });
      expect(String(x.last_success)).toMatch(/^2025-01-20/);
    }
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────

describe('overview', () => {
  const cols = ['engagement_rate', 'coverage', 'pd_coverage', 'growth_pp', 'completion_rate', 'orgs_fresh', 'orgs_active'];

  it('P1: the totals of the other metrics', async () => {
    expect(table(await rows('overview', P1), cols)).toEqual([
      ['СОШ-7', r(10 / 14), r(1), r(6 / 14), r(-100 / 14), r(0.5), 1, 1],
      ['ДОУ-5', r(0.6), r(1), r(0.3), r(0), r(0.5), 1, 1],
      ['ДДТ-1', r(6 / 9), r(0.5), r(3 / 9), r(-100 / 9), r(1), 1, 1],
      [null, r(22 / 33), r(7 / 9), r(12 / 33), r(-200 / 33), r(0.6), 3, 3],
    ]);
  });

  it('defaults to the academic year containing today (2024-06-15: P1)', async () => {
    const { body } = await server.getJson(`/api/metrics/overview`);
    expect(body.params).toMatchObject(P1);
    expect(table(body.rows, cols)).toEqual(table(await rows('overview', P1), cols));
  });

  it('P2', async () => {
    expect(table(await rows('overview', P2), cols)).toEqual([
      ['СОШ-7', r(0.6), r(0.8), r(4 / 15), r(-100 / 15), r(0.5), 1, 1],
      ['ДОУ-5', r(0.7), r(1), r(0.3), r(0), r(2 / 3), 1, 1],
      ['ДДТ-1', r(5 / 9), r(0.75), r(3 / 9), r(0), r(0.5), 1, 1],
      [null, r(21 / 34), r(9 / 11), r(10 / 34), r(-100 / 34), r(5 / 9), 3, 3],
    ]);
  });
});
