/**
 * The read-only demo login exists over demo data only (issue #17). The server is started as
 * if the configuration said demo (`demoLogin: true`: DEMO_LOGIN=auto, no source) on a real
 * DuckDB whose only sync so far is a demo run (its `sync_runs` row, as `npm start` leaves it;
 * the demo's own rows are left out — a real registry that drops the demo's organizations
 * would be held by the sync's shrink check), then is synced from the fake Google Sheets
 * server (the real `googleapis` client, fakes/googleSheets.ts):
 *
 *   - over demo data: the demo login is offered and opens a read-only session, which reads
 *     the registers but never the audit log, the sync journal or the accounts;
 *   - the same switch off: not offered, and a demo session is no session;
 *   - after the real sync: not offered, refused, the demo session opened before it no longer
 *     works (even one that would still be in the table), and without an account no answer
 *     carries a teacher's name — while the coordinator sees those names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthStore } from '../../server/auth/store.ts';
import { createClientRouter } from '../../server/routes/client.ts';
import { createGoogleSource } from '../../server/sources/google.ts';
import { holdsOnlyDemoData } from '../../server/sync/state.ts';
import { runSync } from '../../server/sync/run.ts';
import { startFakeSheets, type FakeSheets, type FakeTab } from '../../fakes/googleSheets.ts';
import { openTempDb, startServer, type RunningServer, type TempDb } from '../support/server.ts';

const KEY = 'demo-login-test-key';
const REGISTRY_ID = '1DemoLoginRegistryAbCdEfGh';
const SCHOOL_ID = '1DemoLoginSchoolAbCdEfGhIj';
const EMPTY_REGISTRY_ID = '1DemoLoginEmptyRegistryAbCd';
const NOW = new Date('2025-05-15T09:00:00Z');
const COORDINATOR = { login: 'koord', password: 'Координатор-настоящий-1' };
/** The real school's teachers: the names no anonymous answer may carry. */
const REAL_NAMES = ['Лаптева Ирина Олеговна', 'Гусев Олег Ильич', 'Мухина Дарья Сергеевна'];

const schoolTabs = (): FakeTab[] => [
  {
    title: 'Педагоги',
    rows: [
      ['ФИО', 'Должность', 'Предмет', 'Категория', 'Дата приёма', 'Педагогический стаж', 'Молодой специалист'],
      [REAL_NAMES[0]!, 'учитель', 'математика', 'Высшая', 40000, 20, 'Нет'],
      [REAL_NAMES[1]!, 'учитель', 'математика', 'Первая', 43000, 1, 'Да'],
      [REAL_NAMES[2]!, 'учитель', 'физика', 'Первая', 43000, 1, 'Да'],
    ],
  },
  {
    title: 'Наставнические пары',
    rows: [
      ['Наставник', 'Наставляемый', 'Форма', 'Направление', 'Дата начала', 'Статус'],
      [REAL_NAMES[0]!, REAL_NAMES[1]!, 'Традиционная (один на один)', 'Предметное содержание', 45200, 'Действует'],
    ],
  },
  { title: 'Программы наставничества', rows: [['Наставляемый', 'Наставник', 'Дата утверждения', 'Дата завершения (план)', 'Мероприятий запланировано', 'Мероприятий выполнено', 'Статус']] },
  { title: 'Повышение квалификации', rows: [['ФИО', 'Программа', 'Часов', 'Дата окончания']] },
  { title: 'Аттестация', rows: [['ФИО', 'Дата приказа', 'Присвоена категория']] },
];

let fake: FakeSheets;
let tmp: TempDb;
let store: AuthStore;
let server: RunningServer;
/** The demo session opened over demo data, before the real sync. */
let demoCookie = '';

const url = (path: string) => `${server.url}${path}`;
const get = (path: string, cookie?: string) => fetch(url(path), { headers: cookie ? { Cookie: cookie } : {}, redirect: 'manual' });

async function openDemo(): Promise<Response> {
  return fetch(url('/api/session/demo'), { method: 'POST' });
}

const cookieOf = (res: Response) => res.headers.get('set-cookie')!.split(';')[0]!;

beforeAll(async () => {
  fake = await startFakeSheets({ requireKey: KEY });
  fake.setSpreadsheet(REGISTRY_ID, {
    tabs: [{ title: 'Организации', rows: [['Код', 'Наименование', 'Тип', 'Таблица', 'Активна'], ['СОШ-7', 'МОУ СОШ № 7', 'Школа', SCHOOL_ID, 'Да']] }],
  });
  fake.setSpreadsheet(SCHOOL_ID, { tabs: schoolTabs() });
  fake.setSpreadsheet(EMPTY_REGISTRY_ID, { tabs: [{ title: 'Организации', rows: [['Код', 'Наименование', 'Тип', 'Таблица', 'Активна']] }] });
  tmp = await openTempDb();
  // What `npm start` leaves with no source configured: a run of the demo source.
  await tmp.db.write((w) =>
    w.run(
      `INSERT INTO sync_runs (id, started_at, finished_at, source, source_kind, trigger, status)
       VALUES (nextval('sync_run_seq'), TIMESTAMP '2025-05-15 08:00:00', TIMESTAMP '2025-05-15 08:00:05', 'демо-данные (вымышленный муниципалитет)', 'demo', 'start', 'ok')`,
    ),
  );
  store = new AuthStore(tmp.db);
  await store.addUser({ login: COORDINATOR.login, role: 'coordinator', password: COORDINATOR.password });
  server = await startServer({ db: tmp.db, now: () => NOW, auth: { store, demoLogin: true }, client: await createClientRouter() });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await fake?.close();
  tmp?.cleanup();
});

describe('the demo login over demo data', () => {
  it('is offered and opens a read-only session that never reads the journals or the accounts', async () => {
    expect(await holdsOnlyDemoData(tmp.db)).toBe(true);
    expect(await (await get('/api/session/options')).json()).toEqual({ auth: true, demo_login: true });
    const res = await openDemo();
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ login: 'демо', role: 'coordinator', read_only: true, demo: true, must_change_password: false });
    demoCookie = cookieOf(res);
    // It reads what the dashboard shows (demo data).
    const mentors = await get('/api/mentors?date=2025-05-15', demoCookie);
    expect(mentors.status).toBe(200);
    expect((await mentors.json()).rows).toEqual([]);
    expect((await get('/', demoCookie)).status).toBe(200);
    // Its name is its own: no account may take it (the audit log tells its entries by it).
    await expect(store.addUser({ login: 'Демо', role: 'coordinator', password: COORDINATOR.password })).rejects.toThrow('логин «демо» занят демонстрационным входом; выберите другой');
    // The journals, the accounts and the mail name real people (operators, logins, addresses): never.
    // (The deliveries, the outbox and the schools' reminder addresses were readable: a security review.)
    for (const path of ['/api/audit', '/api/sync/runs', '/api/users', '/api/subscriptions', '/api/mail/outbox', '/api/reminders']) {
      const r = await get(path, demoCookie);
      expect(r.status, path).toBe(403);
      expect((await r.json()).error.code, path).toBe('forbidden');
    }
  });

  it('opens at most 20 demo sessions a minute from one address; the next is refused with 429 and Retry-After', async () => {
    // One demo login above; 19 more fit the minute (each a session and a journal entry), the 21st does not.
    for (let i = 0; i < 19; i++) expect((await openDemo()).status, `login ${i + 2}`).toBe(200);
    const refused = await openDemo();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await refused.json()).error.message).toMatch(/^Слишком много демонстрационных входов с этого адреса: не больше 20 в минуту; повторите через \d+ с\.$/);
    expect(await tmp.db.query(`SELECT count(*)::INTEGER AS n FROM audit_log WHERE action = 'login_demo'`)).toEqual([{ n: 20 }]);
  });

  it('is not offered, opened or honoured while the configuration switches it off', async () => {
    const off = await startServer({ db: tmp.db, now: () => NOW, auth: { store, demoLogin: false } });
    try {
      expect(await (await fetch(`${off.url}/api/session/options`)).json()).toEqual({ auth: true, demo_login: false });
      expect((await fetch(`${off.url}/api/session/demo`, { method: 'POST' })).status).toBe(404);
      // A demo session of the store (as if opened before a restart with DEMO_LOGIN=off): no session.
      const opened = await store.demoLogin();
      expect(opened.ok).toBe(true);
      const cookie = `nm_session=${opened.ok ? opened.cookie : ''}`;
      const r = await fetch(`${off.url}/api/quality`, { headers: { Cookie: cookie } });
      expect(r.status).toBe(401);
      expect((await r.json()).error.code).toBe('unauthenticated');
    } finally {
      await off.close();
    }
  });
});

describe('a sync from a real source that reads no registry', () => {
  it('changes nothing: the demo data, its login and its sessions stay (it wiped them and said the database held real data)', async () => {
    // A demo organization (as the demo sync leaves them): still there after the failed runs.
    await tmp.db.write((w) => w.run(`INSERT INTO orgs VALUES ('ДЕМО-1', 'Демо-школа', 'Школа', 'demo', NULL, true, 2, true)`));
    const wrong = [
      // A registry ID Google does not know (404), a registry of no organization, and no network.
      createGoogleSource({ registryId: '1NoSuchRegistryAbCdEfGhIjK', apiKey: KEY, rootUrl: fake.url, sleep: async () => {}, random: () => 0.5 }),
      createGoogleSource({ registryId: EMPTY_REGISTRY_ID, apiKey: KEY, rootUrl: fake.url, sleep: async () => {}, random: () => 0.5 }),
      createGoogleSource({ registryId: REGISTRY_ID, apiKey: KEY, rootUrl: 'http://127.0.0.1:9', sleep: async () => {}, random: () => 0.5 }),
    ];
    for (const source of wrong) {
      const summary = await runSync({ db: tmp.db, source, trigger: 'test', now: () => new Date('2025-05-15T08:20:00Z') });
      expect(summary.status).toBe('failed');
    }
    expect(await holdsOnlyDemoData(tmp.db)).toBe(true);
    expect(await tmp.db.query(`SELECT code FROM orgs`)).toEqual([{ code: 'ДЕМО-1' }]);
    expect(await tmp.db.query(`SELECT value FROM meta WHERE key = 'real_data_since'`)).toEqual([]);
    expect(await (await get('/api/session/options')).json()).toEqual({ auth: true, demo_login: true });
    expect((await get('/api/session', demoCookie)).status).toBe(200);
  });
});

describe('after a sync from the real source', () => {
  it('is gone: not offered, refused, and the demo session opened before no longer works', async () => {
    const summary = await runSync({
      db: tmp.db,
      source: createGoogleSource({ registryId: REGISTRY_ID, apiKey: KEY, rootUrl: fake.url, sleep: async () => {}, random: () => 0.5 }),
      trigger: 'test',
      now: () => new Date('2025-05-15T08:30:00Z'),
    });
    expect(summary.status, JSON.stringify(summary).slice(0, 2000)).toBe('ok');
    expect(summary.totals).toMatchObject({ ok: 1, failed: 0 });
    expect(await holdsOnlyDemoData(tmp.db)).toBe(false);
    // The demo's organization went with the first real registry.
    expect(await tmp.db.query(`SELECT code FROM orgs ORDER BY code`)).toEqual([{ code: 'СОШ-7' }]);

    expect(await (await get('/api/session/options')).json()).toEqual({ auth: true, demo_login: false });
    const refused = await openDemo();
    expect(refused.status).toBe(404);
    expect(refused.headers.get('set-cookie')).toBeNull();
    expect((await refused.json()).error.message).toBe('демонстрационный вход недоступен: в базе данные организаций, а не демонстрационные');
    // The real run ended every demo session at its start; one opened in the table after it (by
    // the store, not the API) is refused all the same.
    expect(await tmp.db.query(`SELECT token_hash FROM sessions WHERE demo`)).toEqual([]);
    const survivor = await store.demoLogin();

    for (const cookie of [demoCookie, survivor.ok ? `nm_session=${survivor.cookie}` : '']) {
      expect((await get('/api/session', cookie)).status).toBe(401);
      const page = await get('/people', cookie);
      expect(page.status).toBe(302);
      expect(page.headers.get('location')).toBe(`/login?next=${encodeURIComponent('/people')}`);
    }
  });

  it('lets nobody without an account read a teacher’s name; the coordinator reads them', async () => {
    const login = await fetch(url('/api/session'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(COORDINATOR),
    });
    expect(login.status).toBe(200);
    const coordinator = cookieOf(login);
    // The positive control: these answers do carry the real names for an account that may see them.
    const named = await (await get('/api/mentors?date=2025-05-15', coordinator)).json();
    expect(named.rows.map((r: { fio: string }) => r.fio)).toEqual([REAL_NAMES[0]]);
    const mentees = await (await get('/api/mentees?date=2025-05-15', coordinator)).json();
    expect(mentees.rows.map((r: { fio: string }) => r.fio).sort()).toEqual([REAL_NAMES[1], REAL_NAMES[2]].sort());

    const paths = ['/api/quality', '/api/mentors', '/api/mentees', '/api/matching', '/api/sync/runs', '/api/audit', '/api/orgs', '/api/mentors?format=csv'];
    for (const cookie of [undefined, demoCookie]) {
      for (const path of paths) {
        const r = await get(path, cookie);
        const text = await r.text();
        expect(r.status, `${path} ${cookie ? 'demo' : 'anonymous'}`).toBe(401);
        expect(JSON.parse(text).error.code).toBe('unauthenticated');
        for (const name of REAL_NAMES) expect(text).not.toContain(name.split(' ')[0]!);
      }
    }
    // The table holds no demo session any more: the refused one was deleted on sight.
    expect(await tmp.db.query(`SELECT token_hash FROM sessions WHERE demo`)).toEqual([]);
  });
});
