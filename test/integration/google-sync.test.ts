/**
 * The whole sync through the real `googleapis` client against the fake Sheets server on
 * 127.0.0.1 (fakes/googleSheets.ts, the real v4 wire format): registry, per-organization
 * isolation, retries, incremental re-reads and the request count at the physical minimum.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serialFromIso } from '../../server/contract/index.ts';
import { parseCsv } from '../../server/sources/csv.ts';
import { createGoogleSource } from '../../server/sources/google.ts';
import type { Cell } from '../../server/sources/types.ts';
import { rereadNote, runSync, type SyncSummary } from '../../server/sync/run.ts';
import { startFakeSheets, type FakeSheets, type FakeTab } from '../../fakes/googleSheets.ts';
import { writeServiceAccountKey } from '../support/serviceAccount.ts';
import { openTempDb, startServer, type RunningServer, type TempDb } from '../support/server.ts';

const FIXTURE = new URL('../fixtures/two-orgs/', import.meta.url).pathname;

/** A fixture folder as Sheets would hold it: typed dates become serial numbers, as with UNFORMATTED_VALUE. */
function tabsOf(folder: string): FakeTab[] {
  return readdirSync(join(FIXTURE, folder)).map((f) => ({
    title: f.replace(/\.csv$/, ''),
    rows: parseCsv(readFileSync(join(FIXTURE, folder, f), 'utf8')).map((row) =>
      row.map((c): Cell => {
        const m = c.match(/^(\d{2})\.(\d{2})\.(\d{4})$/);
        return m ? serialFromIso(`${m[3]}-${m[2]}-${m[1]}`) : c === '' ? null : c;
      }),
    ),
  }));
}

const minimalOrg = (teacher: string): FakeTab[] => [
  { title: 'Педагоги', rows: [['ФИО', 'Должность', 'Категория'], [teacher, 'воспитатель', 'Первая']] },
  { title: 'Наставнические пары', rows: [['Наставник', 'Наставляемый', 'Форма', 'Направление', 'Дата начала', 'Статус']] },
  { title: 'Программы наставничества', rows: [['Наставляемый', 'Наставник', 'Дата утверждения', 'Дата завершения (план)', 'Мероприятий запланировано', 'Мероприятий выполнено', 'Статус']] },
  { title: 'Повышение квалификации', rows: [['ФИО', 'Программа', 'Часов', 'Дата окончания']] },
  { title: 'Аттестация', rows: [['ФИО', 'Дата приказа', 'Присвоена категория']] },
];

const REGISTRY_ID = '1RegistryAbCdEfGhIjKlMnOp';
const ID = {
  sch1: '1SchoolOneAbCdEfGhIjKlMn',
  dou1: '1KinderOneAbCdEfGhIjKlMn',
  sch2: '1SchoolTwoAbCdEfGhIjKlMn',
  sch3: '1SchoolThreeAbCdEfGhIjKl',
  dou2: '1KinderTwoAbCdEfGhIjKlMn',
};

let fake: FakeSheets;
let tmp: TempDb;
let server: RunningServer;
const sleeps: number[] = [];

const source = () =>
  createGoogleSource({
    registryId: `https://docs.google.com/spreadsheets/d/${REGISTRY_ID}/edit#gid=0`,
    apiKey: 'test-api-key-123',
    rootUrl: fake.url,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
  });
const sync = (): Promise<SyncSummary> => runSync({ db: tmp.db, source: source(), trigger: 'test' });
const requestsOf = (id: string, kind?: 'get' | 'batchGet' | 'drive.files.get') => fake.count({ spreadsheetId: id, ...(kind ? { kind } : {}) });

beforeAll(async () => {
  fake = await startFakeSheets({ requireKey: 'test-api-key-123' });
  tmp = await openTempDb();
  server = await startServer({ db: tmp.db });
  fake.setSpreadsheet(REGISTRY_ID, {
    tabs: [
      {
        title: 'Организации',
        rows: [
          ['Реестр организаций — наставничество'],
          ['Код', 'Наименование', 'Тип', 'Таблица', 'Активна'],
          ['СОШ-1', 'МОУ «Средняя общеобразовательная школа № 1»', 'Школа', `https://docs.google.com/spreadsheets/d/${ID.sch1}/edit`, 'Да'],
          ['ДОУ-1', 'МДОУ «Детский сад № 1 «Ромашка»»', 'Детский сад', ID.dou1, true],
          ['СОШ-2', 'МОУ СОШ № 2', 'Школа', ID.sch2, 'Да'],
          ['СОШ-3', 'МОУ СОШ № 3', 'Школа', ID.sch3],
          ['ДОУ-2', 'МДОУ № 2', 'ДОУ', ID.dou2],
        ],
      },
    ],
  });
  fake.setSpreadsheet(ID.sch1, { tabs: tabsOf('СОШ-1') });
  fake.setSpreadsheet(ID.dou1, { tabs: tabsOf('ДОУ-1') });
  fake.setSpreadsheet(ID.sch2, { tabs: minimalOrg('Грачёва Анна Ивановна') });
  fake.setSpreadsheet(ID.dou2, { tabs: minimalOrg('Ершова Ольга Петровна') });
  // СОШ-3's spreadsheet ID does not exist; ДОУ-2 answers 429 three times, then works.
  fake.failNext(ID.dou2, 429, 3);
});
afterAll(async () => {
  await server.close();
  await fake.close();
  tmp.cleanup();
});

describe('Google sync', () => {
  let first: SyncSummary;

  it('loads the registry, isolates a missing sheet and retries a 429 storm', async () => {
    first = await sync();
    expect(first.status).toBe('partial');
    expect(first.totals).toMatchObject({ ok: 4, failed: 1, unchanged: 0, rowsQuarantined: 0 });
    const byOrg = Object.fromEntries(first.orgs.map((o) => [o.org, o]));
    expect(byOrg['СОШ-3']!.message).toBe(
      `таблица организации СОШ-3 не найдена (ID ${ID.sch3}): проверьте столбец «Таблица» реестра`,
    );
    // ДОУ-2: three 429s without Retry-After, each answered by waiting for the quota's window (a
    // minute and a second: the budget was not full, so Google counted requests it did not send),
    // then the normal 2 requests (Drive modifiedTime, one spreadsheets.get with grid data): 5.
    expect(byOrg['ДОУ-2']).toMatchObject({ status: 'ok', retries: 3, requests: 5 });
    expect(sleeps).toEqual([61_000, 61_000, 61_000]);
  });

  it('uses the physical minimum of requests per organization', () => {
    // Registry: spreadsheets.get (titles) + values.get of «Организации» = 2.
    expect(requestsOf(REGISTRY_ID)).toBe(2);
    // Each readable organization, with an API key (which cannot list Drive): Drive modifiedTime +
    // one spreadsheets.get with includeGridData and a field mask = 2.
    for (const id of [ID.sch1, ID.dou1, ID.sch2]) {
      expect(requestsOf(id, 'drive.files.get')).toBe(1);
      expect(requestsOf(id, 'get')).toBe(1);
      expect(requestsOf(id, 'batchGet')).toBe(0);
    }
    const read = fake.requests.find((r) => r.kind === 'get' && r.spreadsheetId === ID.sch1)!;
    expect(read.params).toMatchObject({ includeGridData: 'true' });
    // The API key travelled in every request, never in the log.
    expect(fake.requests.every((r) => r.auth === 'key')).toBe(true);
  });

  it('gives the same numbers as the folder source (serial dates, cross-organization mentor)', async () => {
    {
      const { body } = await server.getJson(`/api/metrics/engagement?from=2023-09-01&to=2024-08-31`);
      // As worked out in engagement.test.ts: СОШ-1 8/4/4/7, ДОУ-1 8/2/3/5; СОШ-2 and ДОУ-2 one
      // teacher each, no pairs; СОШ-3 never loaded: 0 teachers, ratio null.
      // Total: 8+8+1+1+0 = 18 teachers, 6 mentors, 7 mentees, 12 engaged → 12 / 18 = 0.666…
      expect(body.rows.map((r: any) => [r.org, r.teachers, r.mentors, r.mentees, r.engaged, r.engagement_rate])).toEqual([
        ['СОШ-1', 8, 4, 4, 7, 0.875],
        ['СОШ-2', 1, 0, 0, 0, 0],
        ['СОШ-3', 0, 0, 0, 0, null],
        ['ДОУ-1', 8, 2, 3, 5, 0.625],
        ['ДОУ-2', 1, 0, 0, 0, 0],
        [null, 18, 6, 7, 12, 12 / 18],
      ]);
    }
  });

  it('reads nothing but Drive metadata when nothing changed', async () => {
    fake.clearRequests();
    const second = await sync();
    expect(second.totals).toMatchObject({ ok: 0, unchanged: 4, failed: 1 });
    expect(fake.count({ kind: 'batchGet' })).toBe(0);
    expect(fake.count({ kind: 'get', spreadsheetId: ID.sch1 })).toBe(0);
    expect(requestsOf(ID.sch1)).toBe(1);
  });

  it('re-reads a changed sheet alone; a sheet that loses access keeps its data, marked stale', async () => {
    fake.clearRequests();
    const tabs = tabsOf('ДОУ-1');
    tabs.find((t) => t.title === 'Педагоги')!.rows.push(['Титова Алла Сергеевна', 'воспитатель', 45170, null, 0, 'Без категории']);
    fake.setSpreadsheet(ID.dou1, { tabs });
    fake.setStatus(ID.sch2, 403);
    const third = await sync();
    // The registry's titles, ДОУ-1, and the two sheets Drive cannot tell about: СОШ-2 (403) and СОШ-3 (404).
    expect(fake.count({ kind: 'get' })).toBe(4);
    expect(requestsOf(ID.dou1, 'get')).toBe(1);
    const byOrg = Object.fromEntries(third.orgs.map((o) => [o.org, o]));
    expect(byOrg['ДОУ-1']!.status).toBe('ok');
    expect(byOrg['СОШ-2']!.status).toBe('failed');
    expect(byOrg['СОШ-2']!.message).toMatch(/^нет доступа к таблице организации СОШ-2: откройте доступ/);
    // 403 is not retried: one Drive request, answered 403, then the fallback read answered 403 too.
    expect(byOrg['СОШ-2']!.retries).toBe(0);
    const teachers = await tmp.db.query(`SELECT org, count(*)::INTEGER AS n FROM teachers GROUP BY org ORDER BY org`);
    expect(Object.fromEntries(teachers.map((r) => [r.org, r.n]))).toEqual({ 'ДОУ-1': 11, 'ДОУ-2': 1, 'СОШ-1': 11, 'СОШ-2': 1 });
    const [state] = await tmp.db.query(`SELECT stale FROM org_state WHERE org = 'СОШ-2'`);
    expect(state!.stale).toBe(true);
    // The same server answered this query before the sync; its cache follows the new data:
    // ДОУ-1 has Титова (hired 01.09.2023, no pair) now: 9 teachers, 5 engaged → 5 / 9.
    const { body } = await server.getJson(`/api/metrics/engagement?from=2023-09-01&to=2024-08-31`);
    expect(body.rows.find((r: any) => r.org === 'ДОУ-1')).toMatchObject({ teachers: 9, engaged: 5, engagement_rate: 5 / 9 });
  });

  it('records every run with per-organization outcomes, and no secret anywhere', async () => {
    {
      const res = await server.fetch(`/api/sync/runs`);
      const text = await res.text();
      expect(text).not.toContain('test-api-key-123');
      const body = JSON.parse(text);
      expect(body.runs).toHaveLength(3);
      expect(body.runs.map((r: any) => r.status)).toEqual(['partial', 'partial', 'partial']);
      const last = body.runs[0];
      // In the organizations' order of every list: schools, then kindergartens.
      expect(last.orgs.map((o: any) => [o.org, o.status])).toEqual([
        ['СОШ-1', 'unchanged'],
        ['СОШ-2', 'failed'],
        ['СОШ-3', 'failed'],
        ['ДОУ-1', 'ok'],
        ['ДОУ-2', 'unchanged'],
      ]);
    }
  });

  it('reads an unchanged sheet again when an organization it names changed its teachers — one Sheets read more, no second Drive request', async () => {
    // ДОУ-1's pairs name a teacher of СОШ-1 («ФИО (СОШ-1)»); СОШ-1 hires a teacher, ДОУ-1 is not touched.
    const tabs = tabsOf('СОШ-1');
    tabs.find((t) => t.title === 'Педагоги')!.rows.push(['Юдина Юлия Юрьевна', 'учитель', 'химия', 45170, null, 0, null, 'Без категории', null, null]);
    fake.setSpreadsheet(ID.sch1, { tabs });
    fake.setStatus(ID.sch2, null);
    fake.clearRequests();
    const s = await sync();
    const byOrg = Object.fromEntries(s.orgs.map((o) => [o.org, o]));
    expect([byOrg['СОШ-1']!.status, byOrg['ДОУ-1']!.status, byOrg['ДОУ-1']!.reread]).toEqual(['ok', 'ok', rereadNote(['СОШ-1'])]);
    // ДОУ-1: its change check (Drive) and the read again (Sheets): 2 requests, both counted.
    expect([requestsOf(ID.dou1, 'drive.files.get'), requestsOf(ID.dou1, 'get'), byOrg['ДОУ-1']!.requests]).toEqual([1, 1, 2]);
    expect(s.totals.requests).toBe(fake.requests.length);
  });
});

/**
 * A municipality of 130 organizations under Google's real quota for one service account: 60
 * Sheets reads a minute per user (the fake answers 429 beyond it, on the same clock as the
 * source). The source runs at its defaults — a self-signed JWT, change detection by one Drive
 * listing, one Sheets read per changed sheet, the Sheets budget of 60 a minute — on a virtual
 * clock that its waits advance, so "minutes" pass at once.
 *
 * Reads of the first sync: registry 2 (titles, values) + 130 sheets = 132. The quota lets 60
 * leave in any minute, so the bound is two full minutes (60 + 60 + 12: 120 s); the budget's
 * window is a second longer (61 s), so the sync needs 122 s: within 10% of the bound, and not
 * one request is answered 429. Drive: one files.list (130 spreadsheets fit a page of 1,000).
 * The second sync, nothing changed: the registry (2) + the listing (1) = 3 requests.
 */
describe('a service account under its quota', () => {
  const N = 130;
  const REG = '1QuotaRegistryAbCdEfGhIjK';
  const sheet = (i: number) => `1QuotaSheet${String(i).padStart(4, '0')}AbCdEfGhIj`;
  const clock = { t: Date.UTC(2025, 0, 20, 9, 0, 0) };
  let quotaFake: FakeSheets;
  let db: TempDb;
  let dir: string;

  beforeAll(async () => {
    quotaFake = await startFakeSheets({ requireKey: true, now: () => clock.t, quotas: { sheetsReadsPerUser: 60, sheetsReadsPerProject: 300 } });
    const rows: Cell[][] = [['Код', 'Наименование', 'Тип', 'Таблица']];
    for (let i = 0; i < N; i++) {
      rows.push([`ОУ-${i + 1}`, `Организация № ${i + 1}`, 'Школа', sheet(i)]);
      quotaFake.setSpreadsheet(sheet(i), { tabs: minimalOrg(`Педагог ${i + 1} Иванович`) });
    }
    quotaFake.setSpreadsheet(REG, { tabs: [{ title: 'Организации', rows }] });
    db = await openTempDb();
    dir = mkdtempSync(join(tmpdir(), 'quota-sa-'));
  });
  afterAll(async () => {
    await quotaFake.close();
    db.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const saSource = () =>
    createGoogleSource({
      registryId: REG,
      credentialsFile: writeServiceAccountKey(dir),
      rootUrl: quotaFake.url,
      now: () => clock.t,
      sleep: async (ms) => {
        clock.t += ms;
      },
    });

  it('loads every organization at the minimum of reads, within 10% of the quota bound, with no 429', async () => {
    const t0 = clock.t;
    const s = await runSync({ db: db.db, source: saSource(), trigger: 'test', now: () => new Date(clock.t) });
    expect([s.status, s.totals.ok, s.totals.failed]).toEqual(['ok', N, 0]);
    expect(quotaFake.requests.filter((r) => r.status === 429)).toEqual([]);
    const kinds = (k: string) => quotaFake.requests.filter((r) => r.kind === k).length;
    expect([kinds('get'), kinds('values.get'), kinds('batchGet'), kinds('drive.files.list'), kinds('drive.files.get')]).toEqual([1 + N, 1, 0, 1, 0]);
    expect(quotaFake.requests.every((r) => r.auth === 'bearer')).toBe(true);
    const elapsed = clock.t - t0;
    expect(elapsed).toBeGreaterThanOrEqual(120_000);
    expect(elapsed).toBeLessThanOrEqual(132_000);
  });

  it('costs 3 requests when nothing changed', async () => {
    quotaFake.clearRequests();
    const s = await runSync({ db: db.db, source: saSource(), trigger: 'test', now: () => new Date(clock.t) });
    expect([s.status, s.totals.unchanged]).toEqual(['ok', N]);
    expect(quotaFake.requests.map((r) => r.kind)).toEqual(['get', 'values.get', 'drive.files.list']);
  });
});
