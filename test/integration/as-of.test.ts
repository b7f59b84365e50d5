/**
 * Figures as of a past sync (issue #20, part 2): three syncs through the real `googleapis`
 * client against the fake Sheets server, with a school's edits between them (statuses, a
 * category, a removed teacher, a new program, a broken row, a sheet that stops answering, the
 * registry). Right after each sync every metric's answer is recorded; after the third, every
 * metric `as_of` each sync's day must equal what was recorded then — statuses, freshness and
 * quarantine included — over the real server, in JSON, CSV and the workbook.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotsOf } from '../../server/db/snapshot.ts';
import { METRICS } from '../../server/metrics/metrics.ts';
import { parseCsv } from '../../server/sources/csv.ts';
import { createGoogleSource } from '../../server/sources/google.ts';
import type { Cell } from '../../server/sources/types.ts';
import { runSync, type SyncSummary } from '../../server/sync/run.ts';
import { startFakeSheets, type FakeSheets, type FakeTab } from '../../fakes/googleSheets.ts';
import { asSheetsGrid } from '../support/sheetsGrid.ts';
import { openTempDb, startServerAs, type ServerWithAccounts, type TempDb } from '../support/server.ts';

const FIXTURE = new URL('../fixtures/two-orgs/', import.meta.url).pathname;
const REGISTRY_ID = '1AsOfRegistryAbCdEfGhIjKl';
const ID = { sch1: '1AsOfSchoolOneAbCdEfGhIj', dou1: '1AsOfKinderOneAbCdEfGhIj' };

/** A fixture folder's tabs as Sheets holds them (dates as serial numbers). */
function tabsOf(folder: string): FakeTab[] {
  return readdirSync(join(FIXTURE, folder)).map((f) => ({
    title: f.replace(/\.csv$/, ''),
    rows: asSheetsGrid(parseCsv(readFileSync(join(FIXTURE, folder, f), 'utf8')).map((r) => r.map((c): Cell => (c === '' ? null : c)))),
  }));
}

const registry = (schoolName: string): FakeTab => ({
  title: 'Организации',
  rows: [
    ['Код', 'Наименование', 'Тип', 'Таблица', 'Активна'],
    ['СОШ-1', schoolName, 'Школа', ID.sch1, 'Да'],
    ['ДОУ-1', 'МДОУ «Детский сад № 1 «Ромашка»»', 'Детский сад', ID.dou1, 'Да'],
  ],
});

let fake: FakeSheets;
let tmp: TempDb;
let server: ServerWithAccounts;
/** Each sync's moment (the fake clock), and every metric's answer right after it. */
const syncs: { at: string; summary: SyncSummary; answers: Map<string, unknown> }[] = [];

const PERIOD = 'from=2023-09-01&to=2024-08-31';
/** Every metric over the academic year, and two as monthly trends (one formula per month end). */
const QUERIES = [...METRICS.map((m) => `/api/metrics/${m.name}?${PERIOD}`), `/api/metrics/engagement?${PERIOD}&grain=month`, `/api/metrics/program_completion?${PERIOD}&grain=month`];

async function syncAt(at: string): Promise<void> {
  const source = createGoogleSource({ registryId: REGISTRY_ID, apiKey: 'k-as-of', rootUrl: fake.url, sleep: async () => undefined, random: () => 0.5 });
  const summary = await runSync({ db: tmp.db, source, trigger: 'test', now: () => new Date(at) });
  const answers = new Map<string, unknown>();
  for (const q of QUERIES) {
    const { status, body } = await server.get(q);
    expect(status, q).toBe(200);
    answers.set(q, body.rows);
  }
  syncs.push({ at, summary, answers });
}

/** The schools' tabs as the fake holds them (the test's own copy, edited like a school would). */
const tabs = new Map<string, FakeTab[]>();
const rowsOf = (id: string, title: string) => tabs.get(id)!.find((t) => t.title === title)!.rows;
function setRows(id: string, title: string, rows: Cell[][]): void {
  tabs.get(id)!.find((t) => t.title === title)!.rows = rows;
  fake.setTabRows(id, title, rows);
}
/** Row `i` (1-based, the header is row 1) replaced by cells as a school types them. */
function editRow(id: string, title: string, i: number, typed: (string | number | null)[]): void {
  const rows = rowsOf(id, title).map((r) => [...r]);
  rows[i - 1] = asSheetsGrid([typed.map((c) => (typeof c === 'number' ? String(c) : c))])[0]!;
  setRows(id, title, rows);
}
const typedRow = (typed: string[]) => asSheetsGrid([typed])[0]!;

beforeAll(async () => {
  fake = await startFakeSheets({ requireKey: 'k-as-of' });
  tmp = await openTempDb();
  server = await startServerAs({ db: tmp.db, now: () => new Date('2024-06-01T12:00:00Z') });
  fake.setSpreadsheet(REGISTRY_ID, { tabs: [registry('МОУ «Средняя общеобразовательная школа № 1»')] });
  tabs.set(ID.sch1, tabsOf('СОШ-1'));
  tabs.set(ID.dou1, tabsOf('ДОУ-1'));
  fake.setSpreadsheet(ID.sch1, { tabs: tabs.get(ID.sch1)! });
  fake.setSpreadsheet(ID.dou1, { tabs: tabs.get(ID.dou1)! });

  // Sync 1: the fixture as it is.
  await syncAt('2024-03-01T10:00:00Z');

  // Between 1 and 2: the program is carried out (status and events), a pair ends early, a
  // teacher is promoted (an Аттестация row), a teacher leaves the kindergarten's list, and a
  // row with a wrong date goes to quarantine.
  editRow(ID.sch1, 'Программы наставничества', 2, ['Сидорова Вера Олеговна', 'Иванова Анна Петровна', 'Адаптация молодого учителя', '15.09.2023', '31.05.2024', '20.03.2024', 10, 10, 'Выполнена', 'Да']);
  editRow(ID.sch1, 'Наставнические пары', 6, ['Смирнова Дарья Сергеевна', 'Лебедева Ксения Юрьевна', 'Педагог – педагог', 'Предметное содержание', '10.01.2024', null, '15.03.2024', 'Прекращена досрочно']);
  setRows(ID.sch1, 'Аттестация', [...rowsOf(ID.sch1, 'Аттестация'), typedRow(['Морозова Зоя Ивановна', '10.03.2024', 'Высшая', 'Первая']), typedRow(['Белова Яна Романовна', '31.02.2024', 'Высшая', 'Первая'])]);
  setRows(ID.dou1, 'Педагоги', rowsOf(ID.dou1, 'Педагоги').slice(0, -1));
  await syncAt('2024-04-01T10:00:00Z');

  // Between 2 and 3: the kindergarten's sheet stops answering (its figures stay, stale), the
  // school fixes the broken date, and the registry renames the school.
  setRows(ID.sch1, 'Аттестация', [...rowsOf(ID.sch1, 'Аттестация').slice(0, -1), typedRow(['Белова Яна Романовна', '28.02.2024', 'Высшая', 'Первая'])]);
  fake.failNext(ID.dou1, 403, 100);
  fake.setSpreadsheet(REGISTRY_ID, { tabs: [registry('МОУ «СОШ № 1 имени А. С. Пушкина»')] });
  await syncAt('2024-05-01T10:00:00Z');
}, 120_000);

afterAll(async () => {
  await server?.close();
  await fake?.close();
  tmp?.cleanup();
});

describe('as_of', () => {
  it('the three syncs changed what the figures show (else the test below proves nothing)', () => {
    expect(syncs.map((s) => s.summary.status)).toEqual(['ok', 'ok', 'partial']);
    // Sync 2 quarantined the row dated 31.02.2024; sync 3 loaded its fix.
    expect(syncs[1]!.summary.totals.rowsQuarantined).toBe(1);
    expect(syncs[2]!.summary.totals.rowsQuarantined).toBe(0);
    for (const q of QUERIES) {
      if (q.includes('/overview') || q.includes('pairs_by') || q.includes('/events') || q.includes('young_specialists') || q.includes('attestation_due') || q.includes('professional_development')) continue;
      // Every other metric's answer differs between at least two of the syncs.
      const [a, b, c] = syncs.map((s) => JSON.stringify(s.answers.get(q)));
      expect(a !== b || b !== c, q).toBe(true);
    }
    // Program completion: one program due 31.05.2024, in the period; «Реализуется» at sync 1
    // (0 completed), «Выполнена» on 20.03.2024 at sync 2 (1 completed, on time).
    const total = (i: number) => (syncs[i]!.answers.get(`/api/metrics/program_completion?${PERIOD}`) as any[]).find((r) => r.org === null);
    expect([total(0).due, total(0).completed, total(1).completed, total(1).completed_on_time]).toEqual([1, 0, 1, 1]);
  });

  it('every metric as of each sync’s day equals the answer given right after that sync', async () => {
    for (const [i, s] of syncs.entries()) {
      const day = s.at.slice(0, 10);
      for (const q of QUERIES) {
        const { status, body } = await server.get(`${q}&as_of=${day}`);
        expect(status, `${q} as_of ${day}: ${JSON.stringify(body).slice(0, 300)}`).toBe(200);
        expect(body.rows, `${q} as_of ${day}`).toEqual(s.answers.get(q));
        expect(body.params.as_of).toEqual({ asked: day, run: s.summary.runId, finished_at: `${day} 10:00:00` });
      }
      // A moment works as a day does: an hour after the sync is still its data.
      const { body } = await server.get(`/api/metrics/data_quality?${PERIOD}&as_of=${day}T11:00:00%2B01:00`);
      expect(body.params.as_of.run).toBe(s.summary.runId);
      expect(body.rows).toEqual(s.answers.get(`/api/metrics/data_quality?${PERIOD}`));
      expect(i).toBeLessThan(3);
    }
    // The first two read snapshots (the third is the live data): built once each, whatever the number of metrics.
    expect(snapshotsOf(tmp.db).built).toBe(2);
  });

  it('between two syncs the figures are those of the earlier one; before the first there are none', async () => {
    const between = await server.get(`/api/metrics/program_completion?${PERIOD}&as_of=2024-03-31`);
    expect(between.body.params.as_of.run).toBe(syncs[0]!.summary.runId);
    expect(between.body.rows).toEqual(syncs[0]!.answers.get(`/api/metrics/program_completion?${PERIOD}`));
    const before = await server.get(`/api/metrics/engagement?${PERIOD}&as_of=2024-02-29`);
    expect(before.status).toBe(400);
    expect(before.body.error.message).toBe('на 29.02.2024 данных ещё нет: первая синхронизация завершилась 01.03.2024 10:00:00 (UTC)');
    // A day in the future is now (the last sync; the default period: the server's academic year, 2023/24 on 01.06.2024);
    // an empty field is now too.
    const future = await server.get(`/api/metrics/engagement?as_of=9999-12-31`);
    expect([future.status, future.body.params.as_of.run, future.body.params.from, future.body.params.to]).toEqual([200, syncs[2]!.summary.runId, '2023-09-01', '2024-08-31']);
    expect((await server.get(`/api/metrics/engagement?${PERIOD}&as_of=`)).body.params.as_of).toBeUndefined();
    // 31.12.9999 23:00 at UTC−14 is 10000-01-01 13:00 UTC: past the calendar's end, still «now» (it was a 500).
    const past9999 = await server.get(`/api/metrics/engagement?as_of=${encodeURIComponent('9999-12-31T23:00-14:00')}`);
    expect([past9999.status, past9999.body.params.as_of.run]).toEqual([200, syncs[2]!.summary.runId]);
    const bad = await server.get(`/api/metrics/engagement?${PERIOD}&as_of=2024-02-30`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^неверный параметр as_of \(на дату\): ожидается дата ГГГГ-ММ-ДД или момент/);
  });

  it('the default period is the academic year of the as_of day', async () => {
    const { body } = await server.get(`/api/metrics/engagement?as_of=2024-03-01`);
    expect([body.params.from, body.params.to]).toEqual(['2023-09-01', '2024-08-31']);
    expect(body.rows).toEqual(syncs[0]!.answers.get(`/api/metrics/engagement?${PERIOD}`));
  });

  it('CSV and the workbook carry the figures as of the date and say so', async () => {
    const csv = await fetch(`${server.url}/api/metrics/program_completion?${PERIOD}&as_of=2024-03-01&format=csv&decimal=point&header=names`, { headers: server.headers('coordinator') });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-disposition')).toContain('program_completion_2023-09-01_2024-08-31_na_2024-03-01.csv');
    const lines = (await csv.text()).replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    const head = lines[0]!.split(';');
    const total = lines.at(-1)!.split(';');
    // Sync 1: one program, not completed.
    expect([total[head.indexOf('due')], total[head.indexOf('completed')]]).toEqual(['1', '0']);

    const x = await fetch(`${server.url}/api/export.xlsx?${PERIOD}&as_of=2024-03-01&metrics=program_completion`, { headers: server.headers('coordinator') });
    expect(x.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await x.arrayBuffer()) as unknown as ArrayBuffer);
    const params = wb.getWorksheet('Параметры')!;
    const cells = new Map<string, string>();
    params.eachRow((r) => cells.set(String(r.getCell(1).value), String(r.getCell(2).value ?? '')));
    expect(cells.get('Данные на')).toBe(
      `01.03.2024 (к концу этого дня по часам сервера) («Данные на дату», параметр as_of): данные синхронизации № ${syncs[0]!.summary.runId}, завершённой 01.03.2024 10:00:00 (UTC) — та же выгрузка с этой датой даст те же числа`,
    );
    expect(cells.get('Версия данных (номер синхронизации)')).toBe(String(syncs[0]!.summary.runId));
  });

  it('compares the same period as of two dates: each side is its sync’s answer', async () => {
    const sync1 = syncs[0]!;
    const { status, body } = await server.get(`/api/metrics/program_completion/compare?${PERIOD}&cmp_as_of=2024-03-01`);
    expect(status).toBe(200);
    expect(body.base.as_of.run).toBe(sync1.summary.runId);
    expect(body.current.as_of).toBeUndefined();
    const total = body.rows.find((r: any) => r.org === null);
    // completed: 0 as of 01.03.2024 (sync 1), 1 now (sync 3) — the change +1.
    expect(total.values.completed).toEqual({ base: 0, current: 1, delta: 1 });
    const bad = await server.get(`/api/metrics/program_completion/compare?${PERIOD}&cmp_as_of=2024-01-01`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe('сравнение: на 01.01.2024 данных ещё нет: первая синхронизация завершилась 01.03.2024 10:00:00 (UTC)');
  });

  it('the registers and the data quality lists read the same past', async () => {
    // The mentee's program: «Реализуется» as of sync 1, «Выполнена» (the contract's «Завершена») since sync 2.
    const menteeOf = (rows: any[]) => rows.find((r) => r.fio === 'Сидорова Вера Олеговна');
    const then = await server.get('/api/mentees?date=2024-03-01&as_of=2024-03-01');
    expect(then.status).toBe(200);
    expect(then.body.as_of.run).toBe(syncs[0]!.summary.runId);
    expect(menteeOf(then.body.rows).program_status).toBe('Реализуется');
    const now = await server.get('/api/mentees?date=2024-03-01');
    expect(menteeOf(now.body.rows).program_status).toBe('Завершена');
    // Without a date the register stands at the as_of day.
    expect((await server.get('/api/mentees?as_of=2024-03-01')).body.date).toBe('2024-03-01');

    // The row dated 31.02.2024: quarantined by sync 2, fixed by sync 3.
    const broken = (issues: any[]) => issues.filter((i) => i.tab === 'Аттестация' && i.value === '31.02.2024');
    const q2 = await server.get('/api/quality?as_of=2024-04-01');
    expect(q2.status).toBe(200);
    expect(broken(q2.body.issues)).toHaveLength(1);
    expect(broken((await server.get('/api/quality')).body.issues)).toHaveLength(0);
    // The kindergarten: read fine at sync 2, refused (403) at sync 3.
    const dou = (orgs: any[]) => orgs.find((o) => o.org === 'ДОУ-1');
    expect(dou(q2.body.orgs).last_status).toBe('ok');
    expect(dou((await server.get('/api/quality')).body.orgs).last_status).toBe('failed');
  });
});
