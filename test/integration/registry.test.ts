/**
 * The coordinator's records (item 2.1): `/api/mentors` and `/api/mentees` on the two-orgs
 * fixture, as of 15.03.2024 (the fixture's pairs are listed in engagement.test.ts):
 *
 *   P1 A1 Иванова→A3 Сидорова 01.09.2023 —       P2 A2 Петров→A4 Кузнецов 01.09.2022–01.09.2023
 *   P3 A7 Волков→A8 Морозова 31.08.2024 —        P4 A8 Морозова→A7 Волков 01.09.2024 —
 *   P5 A5 Смирнова→A10 Лебедева 10.01.2024 —     P6 A2 Петров→A9 Новиков 01.10.2023–01.03.2024
 *   P7 A1 Иванова→A4 Кузнецов 01.01.2022–31.08.2023
 *   Q1 A8 Морозова (СОШ-1)→B2 Зайцева 01.11.2023 —   Q2/Q3 B1 Орлова→B3 Соколова, B4 Павлова 15.09.2023 —
 *   Q4 B1 Орлова→B5 Козлова 01.09.2022–31.08.2023   Q5 B7 Степанова→B8 Николаева 01.09.2023–31.12.2023
 *
 * Active on 15.03.2024: P1, P5, Q1, Q2, Q3 (P3 and P4 start later; the others have ended).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthStore } from '../../server/auth/store.ts';
import { createFolderSource } from '../../server/sources/folder.ts';
import { runSync } from '../../server/sync/run.ts';
import { openTempDb, startServer, type RunningServer, type TempDb } from '../support/server.ts';

const FIXTURE = new URL('../fixtures/two-orgs/', import.meta.url).pathname;
const ON = 'date=2024-03-15';

let tmp: TempDb;
let server: RunningServer;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  tmp = await openTempDb();
  await runSync({ db: tmp.db, source: createFolderSource(FIXTURE), trigger: 'test' });
  const store = new AuthStore(tmp.db);
  tokens.koord = (await store.createToken({ name: 'k', role: 'coordinator' })).token;
  tokens.sosh1 = (await store.createToken({ name: 's', role: 'school', org: 'СОШ-1' })).token;
  tokens.region = (await store.createToken({ name: 'r', role: 'region' })).token;
  server = await startServer({ db: tmp.db, now: () => new Date('2024-03-15T10:00:00Z'), auth: { store, demoLogin: false } });
});
afterAll(async () => {
  await server.close();
  tmp.cleanup();
});

const get = (path: string, who: string) => fetch(`${server.url}${path}`, { headers: { Authorization: `Bearer ${tokens[who]}` } });

describe('the register of mentors', () => {
  it('lists every mentor with current load, pairs over time, directions and mentees', async () => {
    const body = await (await get(`/api/mentors?${ON}`, 'koord')).json();
    expect(body.date).toBe('2024-03-15');
    const pick = (r: any) => [r.org, r.fio, r.pairs_active, r.load, r.pairs_total, r.mentees_now, r.first_pair];
    expect(body.rows.map(pick)).toEqual([
      // A7: only P3 (as mentee? no — P3 is A7→A8, his only pair as mentor), starts 31.08.2024.
      ['СОШ-1', 'Волков Жан Петрович', 0, 0, 1, [], '2024-08-31'],
      // A1: P1 active, P7 ended → 1 now of 2.
      ['СОШ-1', 'Иванова Анна Петровна', 1, 1, 2, ['Сидорова Вера Олеговна'], '2022-01-01'],
      // A8: Q1 in ДОУ-1's sheet (active) and P4 (from 01.09.2024) → 1 of 2; counted in her own СОШ-1.
      ['СОШ-1', 'Морозова Зоя Ивановна', 1, 1, 2, ['Зайцева Мария Игоревна (ДОУ-1)'], '2023-11-01'],
      // A2: P2 ended 01.09.2023, P6 ended 01.03.2024 → 0 of 2.
      ['СОШ-1', 'Петров Борис Ильич', 0, 0, 2, [], '2022-09-01'],
      // A5: P5 active since 10.01.2024.
      ['СОШ-1', 'Смирнова Дарья Сергеевна', 1, 1, 1, ['Лебедева Ксения Юрьевна'], '2024-01-10'],
      // B1: the group Q2 + Q3 (2 mentees), Q4 ended → load 2, 3 pairs in all.
      ['ДОУ-1', 'Орлова Лидия Васильевна', 2, 2, 3, ['Павлова Ольга Андреевна', 'Соколова Нина Петровна'], '2022-09-01'],
      // B7: Q5 ended 31.12.2023.
      ['ДОУ-1', 'Степанова Софья Олеговна', 0, 0, 1, [], '2023-09-01'],
    ]);
    const ivanova = body.rows.find((r: any) => r.fio === 'Иванова Анна Петровна');
    expect(ivanova).toMatchObject({ category: 'Высшая', trained: true, employed: true, subject: 'математика' });
    expect(ivanova.directions).toEqual(['Методика обучения и преподавания', 'Предметное содержание']);
    // To СОШ-1's own account, its mentor's mentee of another school is that school only: a school
    // never reads another school's staff (it read «Зайцева Мария Игоревна (ДОУ-1)», JSON and CSV).
    const own = (await (await get(`/api/mentors?${ON}`, 'sosh1')).json()).rows as any[];
    expect(own.find((r) => r.fio === 'Морозова Зоя Ивановна').mentees_now).toEqual(['педагог ДОУ-1']);
    expect(own.find((r) => r.fio === 'Иванова Анна Петровна').mentees_now).toEqual(['Сидорова Вера Олеговна']);
    // A code the data never knew: said so, not an empty register.
    const nope = await get(`/api/mentors?${ON}&org=${encodeURIComponent('НЕТ-1')}&format=csv`, 'koord');
    expect([nope.status, ((await nope.json()) as { error: { message: string } }).error.message]).toEqual([400, 'неверный параметр org (код организации): нет организации с кодом «НЕТ-1»']);
    // A wrong format or decimal named once (it said «неверный параметр format: неверный параметр format: …»).
    const exe = await get(`/api/mentors?${ON}&format=exe`, 'koord');
    expect([exe.status, ((await exe.json()) as { error: { message: string } }).error.message]).toEqual([400, 'неверный параметр format: допустимы json и csv']);
    const csv = await (await get(`/api/mentors?${ON}&format=csv`, 'sosh1')).text();
    expect(csv).toContain('педагог ДОУ-1');
    expect(csv).not.toContain('Зайцева');
  });

  it('lists mentees and young specialists with their current mentors and programs', async () => {
    const rows = (await (await get(`/api/mentees?${ON}`, 'koord')).json()).rows as any[];
    const by = (fio: string) => rows.find((r) => r.fio === fio);
    // A3: mentee of P1, young, a program «Реализуется» with 7 of 10 events done.
    expect(by('Сидорова Вера Олеговна')).toMatchObject({
      young: true,
      employed: true,
      has_pair: true,
      mentors_now: ['Иванова Анна Петровна'],
      program_status: 'Реализуется',
      program_events_done: 7,
      program_events_planned: 10,
    });
    // B2: mentored across organizations by A8.
    expect(by('Зайцева Мария Игоревна')).toMatchObject({ has_pair: true, mentors_now: ['Морозова Зоя Ивановна (СОШ-1)'] });
    // A4: a young specialist whose two pairs (P2, P7) have both ended: no mentor now.
    expect(by('Кузнецов Глеб Андреевич')).toMatchObject({ young: true, has_pair: false, mentors_now: [], pairs_total: 2 });
    // Every listed person is a mentee of some pair or a young specialist; nobody else.
    expect(rows.every((r) => r.pairs_total > 0 || r.young)).toBe(true);
    expect(by('Иванова Анна Петровна')).toBeUndefined();
  });
});

describe('access to the registers', () => {
  it('a school sees its own people only, the region none, and CSV is in Russian', async () => {
    const mine = (await (await get(`/api/mentors?${ON}`, 'sosh1')).json()).rows as any[];
    expect(new Set(mine.map((r) => r.org))).toEqual(new Set(['СОШ-1']));
    expect(mine).toHaveLength(5);
    expect((await get(`/api/mentees?${ON}&org=${encodeURIComponent('ДОУ-1')}`, 'sosh1')).status).toBe(403);
    for (const path of ['/api/mentors', '/api/mentees']) expect((await get(path, 'region')).status).toBe(403);

    const csv = await get(`/api/mentors?${ON}&format=csv`, 'koord');
    expect(csv.headers.get('content-disposition')).toContain('nastavniki_2024-03-15.csv');
    const lines = (await csv.text()).replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    expect(lines[0]!.split(';').slice(0, 4)).toEqual(['Код организации', 'Организация', 'ФИО', 'Должность']);
    // 7 mentors + the header; lists joined with «; » inside a quoted cell, booleans as Да/Нет.
    expect(lines).toHaveLength(8);
    expect(lines.find((l) => l.includes('Орлова'))).toContain('"Павлова Ольга Андреевна; Соколова Нина Петровна"');
    expect(lines.find((l) => l.includes('Иванова'))).toMatch(/;Да;Да;/);
    // Bad parameters: a Russian 400.
    const bad = await get('/api/mentors?date=2024-02-30', 'koord');
    expect([bad.status, (await bad.json()).error.message]).toEqual([400, 'неверный параметр date: такой даты нет в календаре']);
  });
});
