/**
 * Access control end to end: the real app with real accounts (AuthStore in the real DuckDB),
 * the two-orgs fixture loaded by a real sync, requests over HTTP on 127.0.0.1.
 *
 *   coordinator «koord»   — everything, sync, audit log
 *   school «sosh1»        — СОШ-1 only: every other organization is a 403, everywhere
 *   region «region»       — aggregates only: no teacher's or curator's name in any answer
 *
 * The fixture's numbers (engagement.test.ts): СОШ-1 has 8 teachers in the population of
 * 2023/24, 4 mentors, 4 mentees, 7 engaged → 0.875; ДОУ-1 8, 2, 3, 5 → 0.625.
 */
import { METRICS } from '../../shared/metrics.ts';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { get as httpGet } from 'node:http';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../server/auth/secrets.ts';
import { AuthStore } from '../../server/auth/store.ts';
import { createClientRouter } from '../../server/routes/client.ts';
import { createFolderSource } from '../../server/sources/folder.ts';
import { runSync } from '../../server/sync/run.ts';
import { openTempDb, startServer, type RunningServer, type TempDb } from '../support/server.ts';
import { localHosts } from '../../server/http/app.ts';

const FIXTURE = new URL('../fixtures/two-orgs/', import.meta.url).pathname;
const NOW = new Date('2024-03-15T10:00:00Z');
const YEAR = 'from=2023-09-01&to=2024-08-31';
const PASSWORDS = { koord: 'Координатор-2024!', sosh1: 'Школа-один-2024', region: 'Регион-38-сводка' };

let tmp: TempDb;
let dir: string;
let server: RunningServer;
let store: AuthStore;
/** The accounts' clock: the lockout test moves it forward. */
let clockMs = Date.now();
let koordToken: string;

beforeAll(async () => {
  tmp = await openTempDb();
  dir = mkdtempSync(join(tmpdir(), 'monitor-access-'));
  cpSync(FIXTURE, dir, { recursive: true });
  const source = createFolderSource(dir);
  await runSync({ db: tmp.db, source, trigger: 'test' });
  store = new AuthStore(tmp.db, () => clockMs);
  await store.addUser({ login: 'koord', role: 'coordinator', password: PASSWORDS.koord });
  await store.addUser({ login: 'sosh1', role: 'school', org: 'СОШ-1', password: PASSWORDS.sosh1 });
  await store.addUser({ login: 'region', role: 'region', password: PASSWORDS.region });
  koordToken = (await store.createToken({ name: 'report-bot', role: 'coordinator' })).token;
  server = await startServer({
    db: tmp.db,
    now: () => NOW,
    client: await createClientRouter(),
    auth: { store, demoLogin: false },
    startSync: () => runSync({ db: tmp.db, source, trigger: 'api' }),
  });
}, 60_000);
afterAll(async () => {
  await server.close();
  tmp.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

interface As {
  cookie: string;
  csrf: string;
}

async function login(loginName: string, password: string): Promise<Response> {
  return fetch(`${server.url}/api/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login: loginName, password }),
  });
}

async function as(who: keyof typeof PASSWORDS): Promise<As> {
  return as2(who, PASSWORDS[who]);
}

async function as2(loginName: string, password: string): Promise<As> {
  const res = await login(loginName, password);
  expect(res.status).toBe(200);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  return { cookie, csrf: (await res.json()).csrf };
}

const get = (path: string, a?: As, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { headers: { ...(a ? { Cookie: a.cookie } : {}), ...headers }, redirect: 'manual' });

const post = (path: string, a: As | null, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { ...(a ? { Cookie: a.cookie } : {}), ...headers }, redirect: 'manual' });

/** Every metric, as declared (shared/metrics.ts): a new one is checked here without touching this file. */
const METRIC_NAMES: readonly string[] = METRICS.map((m) => m.name);

describe('without logging in', () => {
  it('every API route answers 401 and every page sends to the login form', async () => {
    for (const path of [
      '/api/metrics',
      `/api/metrics/engagement?${YEAR}`,
      `/api/metrics/engagement?${YEAR}&format=csv`,
      '/api/orgs',
      '/api/quality',
      '/api/quality.xlsx',
      '/api/sync/runs',
      '/api/export.xlsx',
      '/api/report.pdf',
      '/api/audit',
      '/api/session',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(401);
      expect((await res.json()).error.code, path).toBe('unauthenticated');
    }
    expect((await post('/api/sync', null)).status).toBe(401);
    for (const path of ['/', '/engagement', '/org/%D0%A1%D0%9E%D0%A8-1', '/org/a%2Fb', '/users', '/password', '/report?from=2023-09-01&to=2024-08-31']) {
      const res = await get(path);
      expect(res.status, path).toBe(302);
      expect(res.headers.get('location')).toBe(`/login?next=${encodeURIComponent(path)}`);
    }
    // The login form, the script, the stylesheet and the health check are public.
    for (const path of ['/login', '/app.js', '/style.css', '/api/health', '/api/session/options']) expect((await get(path)).status, path).toBe(200);
    // A token that is not ours is refused, not ignored.
    expect((await get('/api/metrics', undefined, { Authorization: 'Bearer nmt_forged' })).status).toBe(401);
    // A login without its password field names the field (it was «нужно значение (текст)»).
    const noPassword = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login: 'koord' }) });
    expect([noPassword.status, (await noPassword.json()).error.message]).toEqual([400, 'введите пароль (поле password, текст)']);
  });
});

describe('addresses nothing answers', () => {
  it('are a 404 in Russian — a page for a browser, JSON for a program — not Express\'s «Cannot POST /»', async () => {
    const koord = await as('koord');
    const page = await post('/', koord, { Accept: 'text/html', 'X-CSRF-Token': koord.csrf });
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('Нет такой страницы: POST /');
    // A mistyped address in the browser: the address, without the HTTP method (it read «GET /…»).
    const typo = await fetch(`${server.url}/organisations`, { headers: { Cookie: koord.cookie, Accept: 'text/html' } });
    expect(typo.status).toBe(404);
    const text = await typo.text();
    expect(text).toContain('Страницы по адресу /organisations нет — возможно, в адресе опечатка.');
    expect(text).not.toContain('GET');
    const json = await fetch(`${server.url}/app.js`, { method: 'PUT', headers: { Cookie: koord.cookie, 'X-CSRF-Token': koord.csrf, Accept: 'application/json' } });
    expect([json.status, (await json.json()).error]).toEqual([404, { code: 'not_found', message: 'Нет такой страницы: PUT /app.js' }]);
    // A body over the limit names the limit.
    const big = await fetch(`${server.url}/api/sync/org`, {
      method: 'POST',
      headers: { Cookie: koord.cookie, 'X-CSRF-Token': koord.csrf, 'Content-Type': 'application/json' },
      body: JSON.stringify({ org: 'x'.repeat(200_000) }),
    });
    expect([big.status, (await big.json()).error.message]).toEqual([413, 'слишком большой запрос: тело запроса — не больше 100 КБ']);
  });
});

describe('a school account', () => {
  it('sees its own organization only, and gets 403 for any other, on every route', async () => {
    const a = await as('sosh1');
    // No filter: scoped to СОШ-1. Rows: СОШ-1 and the total, which is СОШ-1's own numbers.
    const eng = await (await get(`/api/metrics/engagement?${YEAR}`, a)).json();
    expect(eng.params.org).toEqual(['СОШ-1']);
    expect(eng.rows.map((r: any) => [r.org, r.teachers, r.mentors, r.mentees, r.engaged, r.engagement_rate])).toEqual([
      ['СОШ-1', 8, 4, 4, 7, 0.875],
      [null, 8, 4, 4, 7, 0.875],
    ]);
    expect((await (await get(`/api/metrics/engagement?${YEAR}&org=СОШ-1`, a)).json()).rows).toEqual(eng.rows);
    const orgs = (await (await get('/api/orgs', a)).json()).orgs;
    expect(orgs.map((o: any) => o.code)).toEqual(['СОШ-1']);
    const quality = await (await get('/api/quality', a)).json();
    expect(quality.orgs.map((o: any) => o.org)).toEqual(['СОШ-1']);
    expect(quality.issues.every((i: any) => i.org === 'СОШ-1')).toBe(true);

    const other = encodeURIComponent('ДОУ-1');
    for (const path of [
      `/api/metrics/engagement?${YEAR}&org=${other}`,
      `/api/metrics/engagement?${YEAR}&org=СОШ-1&org=${other}`,
      `/api/metrics/overview?${YEAR}&org=${other}`,
      `/api/metrics/engagement?${YEAR}&org=${other}&format=csv`,
      `/api/export.xlsx?${YEAR}&org=${other}`,
      `/api/report.pdf?${YEAR}&org=${other}`,
      `/api/quality?org=${other}`,
      `/api/quality.xlsx?org=${other}`,
      '/api/sync/runs',
      '/api/audit',
    ]) {
      const res = await get(path, a);
      expect(res.status, path).toBe(403);
      expect((await res.json()).error.code, path).toBe('forbidden');
    }
    const page = await get(`/org/${other}`, a);
    expect(page.status).toBe(403);
    expect(await page.text()).toContain('страница организации «ДОУ-1» недоступна учётной записи организации СОШ-1');
    expect((await get(`/org/${encodeURIComponent('СОШ-1')}`, a)).status).toBe(200);
    expect((await post('/api/sync', a, { 'X-CSRF-Token': a.csrf })).status).toBe(403);
  });

  it('gets the kind of a reason, not its text: a file’s tab titles may name a person', async () => {
    // ДОУ-1's registry row points at a file with no template tab — one tab, named after a teacher.
    const own = join(dir, 'ДОУ-1');
    const kept = mkdtempSync(join(tmpdir(), 'monitor-access-kept-'));
    for (const f of readdirSync(own)) renameSync(join(own, f), join(kept, f));
    copyFileSync(join(kept, 'Педагоги.csv'), join(own, 'Орлова Лидия Васильевна — личное дело.csv'));
    try {
      const s = await runSync({ db: tmp.db, source: createFolderSource(dir), trigger: 'test' });
      expect(s.orgs.find((o) => o.org === 'ДОУ-1')?.status).toBe('failed');
      const row = async (who: As) => ((await (await get(`/api/metrics/data_quality?${YEAR}`, who)).json()) as { rows: { org: string | null; last_message: string | null }[] }).rows.find((r) => r.org === 'ДОУ-1')!;
      // The coordinator reads the reason as the sync wrote it: the tabs the file has.
      expect((await row(await as('koord'))).last_message).toContain('«Орлова Лидия Васильевна — личное дело»');
      // The region: its kind — in JSON, CSV and the workbook alike.
      const a = await as('region');
      expect((await row(a)).last_message).toBe('таблица не прочитана — подробности у муниципального координатора');
      const csv = await (await get(`/api/metrics/data_quality?${YEAR}&format=csv`, a)).text();
      expect(csv).toContain('таблица не прочитана — подробности у муниципального координатора');
      const texts = [JSON.stringify(await row(a)), csv, await xlsxText(await get(`/api/export.xlsx?${YEAR}`, a))];
      expect(texts.filter((t) => t.includes('Орлова'))).toEqual([]);
    } finally {
      rmSync(join(own, 'Орлова Лидия Васильевна — личное дело.csv'));
      for (const f of readdirSync(kept)) renameSync(join(kept, f), join(own, f));
      rmSync(kept, { recursive: true, force: true });
      expect((await runSync({ db: tmp.db, source: createFolderSource(dir), trigger: 'test' })).status).toBe('ok');
    }
  });
});

/** Every full name and curator of the fixture: teachers of both organizations and the registry's curators. */
function fixtureNames(): string[] {
  const names = new Set<string>();
  for (const org of ['СОШ-1', 'ДОУ-1']) {
    for (const file of readdirSync(join(FIXTURE, org))) {
      const lines = readFileSync(join(FIXTURE, org, file), 'utf8').split(/\r?\n/);
      const header = lines.findIndex((l) => /^(ФИО|Наставляемый|Наставник);/.test(l));
      for (const line of lines.slice(header + 1)) {
        for (const cell of line.split(';')) {
          // A full name: three capitalized Cyrillic words (an optional "(КОД)" after it).
          const m = /^([А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+)/.exec(cell.trim());
          if (m) names.add(m[1]!);
        }
      }
    }
  }
  for (const line of readFileSync(join(FIXTURE, 'registry.csv'), 'utf8').split(/\r?\n/).slice(1)) {
    const curator = line.split(';')[4];
    if (curator) names.add(curator.trim());
  }
  return [...names];
}

/** Names found in a text: a whole name, or a surname as a word. */
function namesIn(text: string, names: readonly string[]): string[] {
  return names.filter((n) => text.includes(n) || new RegExp(`(^|[^а-яё])${n.split(' ')[0]}([^а-яё]|$)`, 'i').test(text));
}

async function xlsxText(res: Response): Promise<string> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
  const out: string[] = [];
  wb.eachSheet((ws) => {
    out.push(ws.name);
    ws.eachRow((row) => row.eachCell((cell) => out.push(String(cell.text))));
  });
  return out.join('\n');
}

describe('a regional account', () => {
  it('never receives a name: every answer of every route it may call is scanned', async () => {
    const names = fixtureNames();
    // 21 teachers (11 + 10) and 2 curators; the scan must know them all to mean anything.
    expect(names.length).toBeGreaterThanOrEqual(23);
    expect(names).toContain('Сидорова Вера Олеговна');
    expect(names).toContain('Иванова А. П.');

    // The positive control: the coordinator's data-quality answer and the organizations list do name people.
    const k = await as('koord');
    expect(namesIn(JSON.stringify(await (await get('/api/orgs', k)).json()), names)).toContain('Иванова А. П.');

    const a = await as('region');
    const texts: [string, string][] = [];
    for (const name of METRIC_NAMES) {
      // The monthly trend runs the same SQL as the period: checked on two metrics, not all (time).
      const trend = name === 'engagement' || name === 'data_quality' ? [`${YEAR}&grain=month`] : [];
      for (const q of [YEAR, `${YEAR}&org=СОШ-1`, 'from=2024-01-01&to=2024-12-31&type=Школа', ...trend]) {
        const res = await get(`/api/metrics/${name}?${q}`, a);
        expect(res.status, `${name}?${q}`).toBe(200);
        texts.push([`${name}?${q}`, await res.text()]);
      }
      const csv = await get(`/api/metrics/${name}?${YEAR}&format=csv`, a);
      expect(csv.status).toBe(200);
      texts.push([`${name} csv`, await csv.text()]);
    }
    for (const path of ['/api/metrics', '/api/orgs', '/api/session', '/api/session/options', '/', '/engagement', '/organizations', '/practices', `/org/${encodeURIComponent('ДОУ-1')}`, '/app.js', '/help']) {
      const res = await get(path, a);
      expect(res.status, path).toBe(200);
      texts.push([path, await res.text()]);
    }
    const xlsx = await get(`/api/export.xlsx?${YEAR}`, a);
    expect(xlsx.status).toBe(200);
    texts.push(['export.xlsx', await xlsxText(xlsx)]);

    const leaks = texts.flatMap(([where, text]) => namesIn(text, names).map((n) => `${where}: ${n}`));
    expect(leaks).toEqual([]);

    // What would name people is refused: findings quote cells, sync messages, the audit log, the quality page.
    for (const path of ['/api/quality', '/api/quality?org=СОШ-1', '/api/quality.xlsx', '/api/sync/runs', '/api/audit', '/api/mentors', '/api/mentees', '/api/practices', '/api/matching', '/api/mentor-load', '/data-quality', '/people']) {
      expect((await get(path, a)).status, path).toBe(403);
    }
    expect((await post('/api/sync', a, { 'X-CSRF-Token': a.csrf })).status).toBe(403);
  });
});

describe('CSRF', () => {
  it('does not export by another site’s link in a logged-in browser, nor record a HEAD as an export', async () => {
    // It was recorded as the coordinator's report — the baseline of «что изменилось» — and a PDF
    // started the server's browser (an acceptance run).
    const a = await as('koord');
    const exports = async () => Number((await tmp.db.query(`SELECT count(*)::INTEGER AS n FROM audit_log WHERE action LIKE 'export%'`))[0]!.n);
    const before = await exports();
    for (const path of [`/api/export.xlsx?${YEAR}`, `/api/report.pdf?${YEAR}`, '/api/quality.xlsx', `/api/metrics/engagement?${YEAR}&format=csv`, '/api/mentors?format=csv']) {
      const r = await get(path, a, { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate' });
      expect([r.status, (await r.json()).error.message], path).toEqual([
        403,
        'Нет доступа: выгрузка по ссылке с другого сайта не выполняется (защита от подделки запросов): откройте мониторинг и выгрузите со страницы.',
      ]);
    }
    // A HEAD of a workbook or a CSV: answered, nothing recorded.
    for (const path of ['/api/quality.xlsx', `/api/metrics/engagement?${YEAR}&format=csv`]) {
      const r = await fetch(`${server.url}${path}`, { method: 'HEAD', headers: { Cookie: a.cookie } });
      expect(r.status, path).toBe(200);
    }
    expect(await exports()).toBe(before);
    // From its own page (or typed in the address bar) it exports, and is recorded.
    expect((await get(`/api/metrics/engagement?${YEAR}&format=csv`, a, { 'Sec-Fetch-Site': 'same-origin' })).status).toBe(200);
    expect((await get('/api/quality.xlsx', a, { 'Sec-Fetch-Site': 'none' })).status).toBe(200);
    expect(await exports()).toBe(before + 2);
  });

  it('a server listening on this computer only answers its own names, not another site’s pointed at 127.0.0.1 (DNS rebinding)', async () => {
    // Another site's page whose name is made to point at 127.0.0.1 was «this site» to the server:
    // it could try logins and the demo login from a coordinator's browser (an acceptance run).
    const hosts = localHosts('127.0.0.1', 'https://monitor.example.ru');
    const local = await startServer({ db: tmp.db, auth: { store, demoLogin: false }, hosts });
    try {
      const port = new URL(local.url).port;
      const statusFor = (host: string) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = httpGet({ host: '127.0.0.1', port, path: '/api/health', headers: { Host: host } }, (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          });
          req.on('error', reject);
        });
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `app.localhost:${port}`, 'monitor.example.ru']) {
        expect([host, (await statusFor(host)).status]).toEqual([host, 200]);
      }
      const rebound = await statusFor(`rebind.attacker.example:${port}`);
      expect(rebound.status).toBe(421);
      expect(JSON.parse(rebound.body).error.message).toMatch(/^сервер не отвечает на имя «rebind\.attacker\.example»: он слушает только этот компьютер/);
      // Listening on the network (HOST=0.0.0.0), or behind a proxy: any name.
      expect(localHosts('0.0.0.0', undefined)).toBeNull();
    } finally {
      await local.close();
    }
  });

  it('refuses a state-changing request without the session’s token or from another site', async () => {
    const a = await as('koord');
    const noToken = await post('/api/sync', a);
    expect(noToken.status).toBe(403);
    expect((await noToken.json()).error.code).toBe('csrf');
    expect((await post('/api/sync', a, { 'X-CSRF-Token': 'csrf_forged' })).status).toBe(403);
    expect((await post('/api/sync', a, { 'X-CSRF-Token': a.csrf, Origin: 'https://evil.example' })).status).toBe(403);
    expect((await post('/api/sync', a, { 'X-CSRF-Token': a.csrf, 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    // Logging in from another site is refused too (no planting the attacker's session).
    const planted = await fetch(`${server.url}/api/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'https://evil.example' },
      body: JSON.stringify({ login: 'koord', password: PASSWORDS.koord }),
    });
    expect(planted.status).toBe(403);
    expect((await post('/api/session/logout', a)).status).toBe(403);

    const finished = async () => {
      for (let i = 0; i < 200 && (await (await get('/api/sync/runs', a)).json()).running; i++) await new Promise((r) => setTimeout(r, 50));
    };
    // With the token, from this site: the sync starts.
    const ok = await post('/api/sync', a, { 'X-CSRF-Token': a.csrf, Origin: server.url });
    expect(ok.status).toBe(202);
    await finished();
    // A script with an API token has no cookie to abuse: no CSRF token needed.
    const bot = await post('/api/sync', null, { Authorization: `Bearer ${koordToken}` });
    expect(bot.status).toBe(202);
    await finished();
  });
});

describe('sessions', () => {
  it('sets an HttpOnly SameSite=Lax cookie, Secure behind HTTPS, and ends it at logout', async () => {
    const res = await login('koord', PASSWORDS.koord);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^nm_session=nms_[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
    const a = { cookie: cookie.split(';')[0]!, csrf: (await res.json()).csrf };
    expect((await get('/api/session', a)).status).toBe(200);
    const out = await post('/api/session/logout', a, { 'X-CSRF-Token': a.csrf });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/^nm_session=;/);
    expect((await get('/api/session', a)).status).toBe(401);

    // Behind a TLS proxy (TRUST_PROXY): the cookie is Secure.
    const app = await startServer({ db: tmp.db, now: () => NOW, auth: { store, demoLogin: false }, trustProxy: 'loopback' });
    try {
      const proxied = await fetch(`${app.url}/api/session`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Forwarded-Proto': 'https' },
        body: JSON.stringify({ login: 'koord', password: PASSWORDS.koord }),
      });
      expect(proxied.headers.get('set-cookie')).toMatch(/; Secure; SameSite=Lax$/);
    } finally {
      await app.close();
    }
  });

  it('a new password ends every session of the account', async () => {
    const a = await as('sosh1');
    await store.setPassword('sosh1', 'Новый-пароль-школы-1');
    expect((await get('/api/session', a)).status).toBe(401);
    expect((await login('sosh1', PASSWORDS.sosh1)).status).toBe(401);
    await store.setPassword('sosh1', PASSWORDS.sosh1);
  });
});

describe('failed logins', () => {
  it('locks a login after 10 wrong passwords in a row; the right one is refused during the lock', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await login('region', `не-тот-пароль-${i}`)).status);
    // 9 × 401, the 10th locks (429) and so do the 10 after it.
    expect(statuses).toEqual([...Array(9).fill(401), ...Array(11).fill(429)]);
    const during = await login('region', PASSWORDS.region);
    expect(during.status).toBe(429);
    expect(Number(during.headers.get('retry-after'))).toBeGreaterThan(14 * 60);
    expect((await during.json()).error.message).toMatch(/^Слишком много неудачных попыток входа\. Вход под этим логином временно заблокирован; повторите через 1[45] минут\.$/);
    // Other accounts are not affected.
    expect((await login('koord', PASSWORDS.koord)).status).toBe(200);

    // 15 minutes later the lock is over. A guesser who goes on gets a lock twice as long:
    // 10 more failures → 30 minutes.
    clockMs += 15 * 60_000 + 1000;
    const again: number[] = [];
    for (let i = 0; i < 10; i++) again.push((await login('region', `снова-не-тот-${i}`)).status);
    expect(again).toEqual([...Array(9).fill(401), 429]);
    clockMs += 16 * 60_000;
    expect((await login('region', PASSWORDS.region)).status).toBe(429);
    clockMs += 15 * 60_000;
    // Over: the right password works and clears the counters.
    expect((await login('region', PASSWORDS.region)).status).toBe(200);
    expect(await tmp.db.query(`SELECT * FROM login_throttle WHERE login_key = 'region'`)).toEqual([]);
  });

  it('answers an unknown login exactly as a known one with a wrong password', async () => {
    const unknown = await login('nobody', 'какой-то-пароль');
    const known = await login('koord', 'какой-то-пароль');
    expect([unknown.status, known.status]).toEqual([401, 401]);
    expect(await unknown.json()).toEqual(await known.json());
    for (let i = 0; i < 9; i++) await login('nobody', `x-${i}`);
    expect((await login('nobody', 'y')).status).toBe(429);
    await store.setPassword('koord', PASSWORDS.koord); // clears koord's one failure
  });
});

describe('API tokens', () => {
  it('work as their role and organization, and stop working when revoked', async () => {
    const { token, info } = await store.createToken({ name: 'sosh1-script', role: 'school', org: 'СОШ-1' });
    const bearer = { Authorization: `Bearer ${token}` };
    expect((await (await get(`/api/metrics/engagement?${YEAR}`, undefined, bearer)).json()).params.org).toEqual(['СОШ-1']);
    expect((await get(`/api/metrics/engagement?${YEAR}&org=${encodeURIComponent('ДОУ-1')}`, undefined, bearer)).status).toBe(403);
    await store.revokeToken(String(info.id));
    expect((await get(`/api/metrics/engagement?${YEAR}`, undefined, bearer)).status).toBe(401);
    // Stored as a hash only.
    const rows = await tmp.db.query(`SELECT token_hash FROM api_tokens`);
    expect(rows.map((r) => r.token_hash)).not.toContain(token);
    expect(JSON.stringify(await store.listTokens())).not.toContain(token.slice(4, 20));
  });
});

describe('session and token lookups', () => {
  it('are read once for a burst of requests, and a password reset, a logout or a removal counts from the very next request', async () => {
    await store.addUser({ login: 'burst', role: 'school', org: 'СОШ-1', password: 'Пароль-для-серии-1' });
    let sessionReads = 0;
    const query = tmp.db.query.bind(tmp.db);
    tmp.db.query = (sql, params) => {
      if (sql.includes('FROM sessions s LEFT JOIN users')) sessionReads++;
      return query(sql, params);
    };
    try {
      const b = await as2('burst', 'Пароль-для-серии-1');
      const before = sessionReads;
      // Five requests in a row: the session is read from the database once (kept for 2 s).
      for (let i = 0; i < 5; i++) expect((await get(`/api/metrics/engagement?${YEAR}`, b)).status).toBe(200);
      expect(sessionReads - before).toBe(1);
      // The coordinator resets the password (it ends the account's sessions): refused at once.
      await store.setPassword('burst', 'Новый-пароль-серии-2');
      expect((await get(`/api/metrics/engagement?${YEAR}`, b)).status).toBe(401);
      // A logout ends its session for the next request too.
      const c = await as2('burst', 'Новый-пароль-серии-2');
      expect((await get(`/api/metrics/engagement?${YEAR}`, c)).status).toBe(200);
      expect((await post('/api/session/logout', c, { 'X-CSRF-Token': c.csrf })).status).toBe(200);
      expect((await get(`/api/metrics/engagement?${YEAR}`, c)).status).toBe(401);
      // Removed: a live session ends with the next request, not 2 s later.
      const d = await as2('burst', 'Новый-пароль-серии-2');
      expect((await get(`/api/metrics/engagement?${YEAR}`, d)).status).toBe(200);
      await store.removeUser('burst');
      expect((await get(`/api/metrics/engagement?${YEAR}`, d)).status).toBe(401);
    } finally {
      tmp.db.query = query;
    }
  });

  it('are read once for requests that arrive together, and a request after a revocation reads again', async () => {
    await store.addUser({ login: 'together', role: 'school', org: 'СОШ-1', password: 'Пароль-для-разом-1' });
    const { token } = await store.createToken({ name: 'together-script', role: 'school', org: 'СОШ-1' });
    const reads = { session: 0, token: 0 };
    // While `gate` is set, a token read's answer is held back until it opens (a slow read);
    // `held` resolves once a read has its rows and waits at the gate.
    let gate: Promise<void> | null = null;
    let reachedGate = () => {};
    const query = tmp.db.query.bind(tmp.db);
    tmp.db.query = async (sql, params) => {
      if (sql.includes('FROM sessions s LEFT JOIN users')) reads.session++;
      const token = sql.includes('FROM api_tokens WHERE token_hash');
      if (token) reads.token++;
      const waitFor = token ? gate : null;
      const rows = await query(sql, params);
      if (waitFor) {
        reachedGate();
        await waitFor;
      }
      return rows;
    };
    try {
      const s = await as2('together', 'Пароль-для-разом-1');
      await new Promise((r) => setTimeout(r, 2100)); // past the 2 s a row is kept
      // A dashboard opens its eight charts at once: one read of the session, not eight.
      const before = reads.session;
      const charts = await Promise.all(Array.from({ length: 8 }, () => get(`/api/metrics/engagement?${YEAR}`, s).then((r) => r.status)));
      expect(charts).toEqual(Array(8).fill(200));
      expect(reads.session - before).toBe(1);
      // A script's five calls at once with a token not read yet: one read. (Its first use marks
      // it used — a write, which drops what was kept: a burst beside it would read again, rightly.)
      const t0 = reads.token;
      const calls = await Promise.all(Array.from({ length: 5 }, () => store.tokenFor(token)));
      expect(calls.map((p) => p?.login)).toEqual(Array(5).fill('together-script'));
      expect(reads.token - t0).toBe(1);

      // A lookup in flight while its token is revoked: the lookup after the revocation does not
      // join it — it reads again and is refused. (A new token: its creation dropped what was kept.)
      const other = await store.createToken({ name: 'together-revoked', role: 'school', org: 'СОШ-1' });
      const t1 = reads.token;
      let open = () => {};
      gate = new Promise((r) => (open = r));
      const held = new Promise<void>((r) => (reachedGate = r));
      const inFlight = store.tokenFor(other.token); // read before the revocation, answered after it
      // The read has its rows before the revocation is written (on a loaded machine the write could come first).
      await held;
      await store.revokeToken(String(other.info.id));
      gate = null;
      const after = store.tokenFor(other.token);
      expect(await Promise.race([after, new Promise((r) => setTimeout(() => r('ждёт чтения, начатого до отзыва'), 1000))])).toBeNull();
      expect(reads.token - t1).toBe(2);
      open();
      expect((await inFlight)?.login).toBe('together-revoked'); // that moment's answer
    } finally {
      tmp.db.query = query;
    }
  });
});

describe('the first coordinator', () => {
  it('is created only while there is no account at all', async () => {
    // Accounts exist (beforeAll): a restart of `npm start` creates nothing and prints no password.
    expect(await store.ensureFirstCoordinator('admin', undefined)).toBeNull();
    expect(await store.user('admin')).toBeNull();
    // An empty database: a coordinator with a generated 16-character password that logs in.
    const empty = await openTempDb();
    try {
      const fresh = new AuthStore(empty.db);
      const first = await fresh.ensureFirstCoordinator('admin', undefined);
      expect(first).toMatchObject({ login: 'admin', generated: true });
      expect(first!.password).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{16}$/);
      const logged = await fresh.login('admin', first!.password, '127.0.0.1');
      // The printed password logs in, into a session that must change it first.
      expect(logged.ok && logged.principal.mustChangePassword).toBe(true);
      expect((await fresh.user('admin'))?.must_change_password).toBe(true);
      expect(await fresh.ensureFirstCoordinator('admin', undefined)).toBeNull();
      // ADMIN_PASSWORD is the operator's own choice: nothing to change.
      const chosen = await openTempDb();
      try {
        const store2 = new AuthStore(chosen.db);
        expect(await store2.ensureFirstCoordinator('admin', 'Выбранный-админом-пароль')).toMatchObject({ generated: false });
        const ok = await store2.login('admin', 'Выбранный-админом-пароль', '127.0.0.1');
        expect(ok.ok && ok.principal.mustChangePassword).toBe(false);
      } finally {
        chosen.cleanup();
      }
    } finally {
      empty.cleanup();
    }
  });
});

describe('the demo login', () => {
  it('looks at everything and changes nothing; it exists only where it is switched on, over demo data only', async () => {
    expect((await post('/api/session/demo', null)).status).toBe(404); // this server: real accounts only
    // Switched on by the configuration, but this database holds a folder's data: not offered, refused.
    const overReal = await startServer({ db: tmp.db, now: () => NOW, auth: { store, demoLogin: true } });
    try {
      expect(await (await fetch(`${overReal.url}/api/session/options`)).json()).toEqual({ auth: true, demo_login: false });
      expect((await fetch(`${overReal.url}/api/session/demo`, { method: 'POST' })).status).toBe(404);
    } finally {
      await overReal.close();
    }
    // A database that so far holds the demo municipality only (one demo run).
    const demoDb = await openTempDb();
    const demoServer = await startServer({
      db: demoDb.db,
      now: () => NOW,
      auth: { store: new AuthStore(demoDb.db), demoLogin: true },
      client: await createClientRouter(),
    });
    try {
      await demoDb.db.write((w) =>
        w.run(`INSERT INTO sync_runs (id, started_at, source, source_kind, trigger, status) VALUES (1, now()::TIMESTAMP, 'демо-данные', 'demo', 'start', 'ok')`),
      );
      expect(await (await fetch(`${demoServer.url}/api/session/options`)).json()).toEqual({ auth: true, demo_login: true });
      const res = await fetch(`${demoServer.url}/api/session/demo`, { method: 'POST' });
      const body = await res.json();
      expect(body).toMatchObject({ role: 'coordinator', read_only: true, demo: true });
      const d = { Cookie: res.headers.get('set-cookie')!.split(';')[0]!, 'X-CSRF-Token': body.csrf };
      expect((await fetch(`${demoServer.url}/api/metrics/engagement?${YEAR}`, { headers: d })).status).toBe(200);
      expect((await fetch(`${demoServer.url}/api/quality`, { headers: d })).status).toBe(200);
      // Nothing changes; and the journals and accounts, which name real people, are never read.
      for (const [method, path] of [
        ['POST', '/api/sync'],
        ['GET', '/api/users'],
        ['POST', '/api/users'],
        ['GET', '/users'],
        ['GET', '/api/audit'],
        ['GET', '/api/sync/runs'],
        ['POST', '/api/session/password'],
      ] as const) {
        expect((await fetch(`${demoServer.url}${path}`, { method, headers: d, redirect: 'manual' })).status, `${method} ${path}`).toBe(403);
      }
    } finally {
      await demoServer.close();
      demoDb.cleanup();
    }
  });
});

describe('accounts managed from the dashboard', () => {
  it('lets the coordinator add a school account, reset its password and remove it; nobody else', async () => {
    const k = await as('koord');
    const json = { 'Content-Type': 'application/json', 'X-CSRF-Token': k.csrf };
    const add = await fetch(`${server.url}/api/users`, {
      method: 'POST',
      headers: { Cookie: k.cookie, ...json },
      body: JSON.stringify({ login: 'Dou1', role: 'school', org: 'ДОУ-1', full_name: 'Орлова Л. В.' }),
    });
    expect(add.status).toBe(201);
    const created = await add.json();
    expect(created.user).toMatchObject({ login: 'dou1', role: 'school', org: 'ДОУ-1' });
    // The generated password is shown once and works — for changing it, nothing else: the
    // coordinator knows it too.
    const dou = await login('dou1', created.password);
    expect(dou.status).toBe(200);
    const douFirst = { cookie: dou.headers.get('set-cookie')!.split(';')[0]!, csrf: (await dou.json()).csrf as string };
    const refused = await get(`/api/metrics/engagement?${YEAR}`, douFirst);
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.code).toBe('password_change_required');
    const changed = await fetch(`${server.url}/api/session/password`, {
      method: 'POST',
      headers: { Cookie: douFirst.cookie, 'Content-Type': 'application/json', 'X-CSRF-Token': douFirst.csrf },
      body: JSON.stringify({ current: created.password, password: 'Свой-пароль-садика-1' }),
    });
    expect(changed.status).toBe(200);
    const douCookie = changed.headers.get('set-cookie')!.split(';')[0]!;
    // Its own password now: the new account sees ДОУ-1 only.
    expect((await (await get(`/api/metrics/engagement?${YEAR}`, { cookie: douCookie, csrf: '' })).json()).rows.map((r: any) => [r.org, r.engaged])).toEqual([
      ['ДОУ-1', 5],
      [null, 5],
    ]);
    // A duplicate, an unknown organization, a school without one: Russian 4xx messages.
    const again = await fetch(`${server.url}/api/users`, { method: 'POST', headers: { Cookie: k.cookie, ...json }, body: JSON.stringify({ login: 'dou1', role: 'school', org: 'ДОУ-1' }) });
    expect([again.status, (await again.json()).error.message]).toEqual([409, 'учётная запись «dou1» уже есть']);
    const unknown = await fetch(`${server.url}/api/users`, { method: 'POST', headers: { Cookie: k.cookie, ...json }, body: JSON.stringify({ login: 'x1', role: 'school', org: 'СОШ-99' }) });
    expect([unknown.status, (await unknown.json()).error.message]).toEqual([400, 'нет организации с кодом «СОШ-99» в реестре']);
    // A field the API does not take is refused by name («name» for the full name was dropped without a word: an outside review).
    const misnamed = await fetch(`${server.url}/api/users`, { method: 'POST', headers: { Cookie: k.cookie, ...json }, body: JSON.stringify({ login: 'x2', role: 'region', name: 'Петрова' }) });
    expect([misnamed.status, (await misnamed.json()).error.message]).toEqual([400, 'неизвестное поле «name»; допустимые: login, role, org, full_name (ФИО — full_name)']);
    expect(await store.user('x2')).toBeNull();
    // A new password ends the account's session.
    const reset = await fetch(`${server.url}/api/users/dou1/password`, { method: 'POST', headers: { Cookie: k.cookie, ...json } });
    const { password } = await reset.json();
    expect((await get('/api/session', { cookie: douCookie, csrf: '' })).status).toBe(401);
    const again2 = await login('dou1', password);
    expect(again2.status).toBe(200);
    // A reset password is the coordinator's too: changed at the next login.
    expect((await again2.json()).must_change_password).toBe(true);
    // The only coordinator cannot be removed; the school account can.
    const last = await fetch(`${server.url}/api/users/koord`, { method: 'DELETE', headers: { Cookie: k.cookie, ...json } });
    expect([last.status, (await last.json()).error.message]).toEqual([400, 'это единственный координатор: сначала создайте другого']);
    expect((await fetch(`${server.url}/api/users/dou1`, { method: 'DELETE', headers: { Cookie: k.cookie, ...json } })).status).toBe(200);
    expect((await login('dou1', password)).status).toBe(401);
    // Removed again — an account that is not there: 404, named (it was a 400).
    const gone = await fetch(`${server.url}/api/users/dou1`, { method: 'DELETE', headers: { Cookie: k.cookie, ...json } });
    expect([gone.status, (await gone.json()).error]).toEqual([404, { code: 'not_found', message: 'нет учётной записи «dou1»' }]);
    // Without the CSRF token: refused.
    expect((await fetch(`${server.url}/api/users/sosh1`, { method: 'DELETE', headers: { Cookie: k.cookie } })).status).toBe(403);

    // Nobody else: not the school, not the region, not even to read; nor the page.
    for (const who of ['sosh1', 'region'] as const) {
      const a = await as(who);
      expect((await get('/api/users', a)).status, who).toBe(403);
      const tryAdd = await fetch(`${server.url}/api/users`, {
        method: 'POST',
        headers: { Cookie: a.cookie, 'Content-Type': 'application/json', 'X-CSRF-Token': a.csrf },
        body: JSON.stringify({ login: 'evil', role: 'coordinator' }),
      });
      expect(tryAdd.status, who).toBe(403);
      const page = await get('/users', a);
      expect([page.status, await page.text()], who).toEqual([403, expect.stringContaining('управление учётными записями доступно только муниципальному координатору.')]);
      // «Синхронизация» in its own words (it spoke of accounts: an outside review).
      const ops = await get('/operations', a);
      expect([ops.status, await ops.text()], who).toEqual([403, expect.stringContaining('синхронизация, журнал действий и рассылки доступны только муниципальному координатору.')]);
    }
    expect((await store.user('evil'))).toBeNull();
    const users = JSON.stringify((await (await get('/api/users', k)).json()).users);
    expect(users).not.toContain('scrypt');
  });
});

describe('changing one’s own password', () => {
  const FIRST = 'Выданный-пароль-2024';
  const OWN = 'Мой-собственный-пароль';

  it('is all a session with a password set by somebody else can do; then the flag is gone', async () => {
    await store.addUser({ login: 'novyi', role: 'coordinator', password: FIRST, mustChangePassword: true });
    const res = await login('novyi', FIRST);
    expect(res.status).toBe(200);
    const first = await res.json();
    expect(first.must_change_password).toBe(true);
    const a: As = { cookie: res.headers.get('set-cookie')!.split(';')[0]!, csrf: first.csrf };
    // Every other API answers 403 with its own code and a Russian message; pages send to /password.
    for (const path of [`/api/metrics/engagement?${YEAR}`, '/api/metrics', '/api/orgs', '/api/audit', '/api/sync/runs', '/api/users', '/api/mentors', `/api/export.xlsx?${YEAR}`]) {
      const r = await get(path, a);
      expect(r.status, path).toBe(403);
      const body = await r.json();
      expect(body.error.code, path).toBe('password_change_required');
      expect(body.error.message, path).toMatch(/^Сначала смените пароль: .*\/password/);
    }
    expect((await post('/api/sync', a, { 'X-CSRF-Token': a.csrf })).status).toBe(403);
    for (const path of ['/', '/engagement', '/users']) {
      const r = await get(path, a);
      expect(r.status, path).toBe(302);
      expect(r.headers.get('location'), path).toBe(`/password?next=${encodeURIComponent(path)}`);
    }
    expect((await get('/password', a)).status).toBe(200);
    expect((await get('/api/session', a)).status).toBe(200);
    // A second browser of the same account.
    const other = await as2('novyi', FIRST);

    const change = (who: As, body: unknown, headers: Record<string, string> = { 'X-CSRF-Token': who.csrf }) =>
      fetch(`${server.url}/api/session/password`, {
        method: 'POST',
        headers: { Cookie: who.cookie, 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    // CSRF-checked like every POST.
    expect((await change(a, { current: FIRST, password: OWN }, {})).status).toBe(403);
    // The rules of the new password, in Russian, before anything is hashed.
    const cases: [unknown, number, string][] = [
      [{ current: FIRST, password: 'Коротковат1' }, 400, 'новый пароль слишком короткий: нужно не меньше 12 знаков'],
      [{ current: FIRST, password: 'мой-novyi-пароль' }, 400, 'новый пароль не должен содержать логин'],
      [{ current: FIRST, password: FIRST }, 400, 'новый пароль совпадает с текущим: придумайте другой'],
      [{ current: '', password: OWN }, 400, 'введите текущий пароль'],
      [{ current: FIRST }, 400, 'введите новый пароль'],
      // A wrong current password: refused (and counted as a failed login of «novyi»).
      [{ current: 'Не-тот-пароль-1', password: OWN }, 403, 'Текущий пароль введён неверно.'],
    ];
    for (const [body, status, message] of cases) {
      const r = await change(a, body);
      expect([r.status, (await r.json()).error.message], JSON.stringify(body)).toEqual([status, message]);
    }
    // Counted for the account at this address, which it signed in from (auth/throttle.ts).
    expect((await tmp.db.query(`SELECT failures FROM login_throttle WHERE starts_with(login_key, 'novyi' || chr(1))`)).map((r) => r.failures)).toEqual([1]);

    const ok = await change(a, { current: FIRST, password: OWN });
    expect(ok.status).toBe(200);
    const renewed = await ok.json();
    expect(renewed).toMatchObject({ login: 'novyi', must_change_password: false });
    const b: As = { cookie: ok.headers.get('set-cookie')!.split(';')[0]!, csrf: renewed.csrf };
    expect(b.cookie).not.toBe(a.cookie);
    // Every other session ended, the old cookie of this browser too; the new one works everywhere.
    expect((await get('/api/session', a)).status).toBe(401);
    expect((await get('/api/session', other)).status).toBe(401);
    expect((await get(`/api/metrics/engagement?${YEAR}`, b)).status).toBe(200);
    expect((await get('/', b)).status).toBe(200);
    expect((await store.user('novyi'))?.must_change_password).toBe(false);
    expect(await tmp.db.query(`SELECT * FROM login_throttle WHERE login_key = 'novyi'`)).toEqual([]);
    expect((await login('novyi', FIRST)).status).toBe(401);
    expect((await login('novyi', OWN)).status).toBe(200);
    const audit = (await (await get('/api/audit?limit=1000', b)).json()).entries as any[];
    expect(audit.find((e) => e.action === 'password_change')).toMatchObject({ actor: 'novyi', role: 'coordinator', target: 'novyi' });
    expect(JSON.stringify(audit)).not.toContain(OWN);
    // A script's token has no password to change.
    expect((await fetch(`${server.url}/api/session/password`, { method: 'POST', headers: { Authorization: `Bearer ${koordToken}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ current: FIRST, password: OWN }) })).status).toBe(403);
    await store.removeUser('novyi');
  });

  it('needs 12 characters for a new password; an older, shorter one still logs in', async () => {
    await expect(store.addUser({ login: 'short', role: 'region', password: 'Одиннадцать' })).rejects.toThrow('пароль слишком короткий: нужно не меньше 12 знаков');
    // An account from before the rule, with a 10-character password.
    const hash = await hashPassword('Десять-зн1');
    await tmp.db.write((w) =>
      w.run(`INSERT INTO users (id, login, role, org, full_name, password_hash, created_at, password_changed_at) VALUES (nextval('user_seq'), 'staryi', 'region', NULL, NULL, $hash, now()::TIMESTAMP, now()::TIMESTAMP)`, { hash }),
    );
    const res = await login('staryi', 'Десять-зн1');
    expect(res.status).toBe(200);
    expect((await res.json()).must_change_password).toBe(false);
    await store.removeUser('staryi');
  });
});

describe('caching of answers with names', () => {
  it('is no-store everywhere but for the metric JSON and the static files, which revalidate', async () => {
    const k = await as('koord');
    const noStore = [
      '/api/session',
      '/api/orgs',
      '/api/quality',
      '/api/quality.xlsx',
      '/api/sync/runs',
      '/api/audit',
      '/api/users',
      '/api/mentors',
      '/api/mentees',
      '/api/mentors?format=csv',
      '/api/practices',
      '/api/matching',
      '/api/mentor-load',
      '/api/metrics',
      `/api/metrics/engagement?${YEAR}&format=csv`,
      `/api/metrics/data_quality?${YEAR}&format=csv`,
      // Its JSON too: «Причина» quotes the school's sheet (a tab titled with a person's name; it was revalidated: an acceptance run).
      `/api/metrics/data_quality?${YEAR}`,
      `/api/export.xlsx?${YEAR}&metrics=engagement`,
      `/api/metrics/engagement?from=31.12.2023`,
      '/api/no-such-route',
      '/',
      '/engagement',
      '/people',
      '/data-quality',
      `/org/${encodeURIComponent('СОШ-1')}`,
      `/report?${YEAR}`,
      '/password',
      '/login',
    ];
    for (const path of noStore) {
      const res = await get(path, k);
      expect(res.status, path).toBeLessThan(500);
      expect(res.headers.get('cache-control'), path).toBe('no-store');
      await res.arrayBuffer();
    }
    // A regional account's data_quality names no source's words: revalidated like the other metrics.
    const region = await get(`/api/metrics/data_quality?${YEAR}`, await as('region'));
    expect(region.headers.get('cache-control')).toBe('private, no-cache');
    // Anonymous: the 401 and the redirect to the login form.
    for (const path of ['/api/quality', '/people']) expect((await get(path)).headers.get('cache-control'), path).toBe('no-store');
    // Another organization's page for a school: the 403 page.
    const deny = await get(`/org/${encodeURIComponent('ДОУ-1')}`, await as('sosh1'));
    expect([deny.status, deny.headers.get('cache-control')]).toEqual([403, 'no-store']);
    // A metric's JSON: aggregate numbers, revalidated with its ETag; the script and stylesheet too.
    for (const path of [`/api/metrics/engagement?${YEAR}`, '/app.js', '/style.css', '/help']) {
      const res = await get(path, k);
      expect(res.headers.get('cache-control'), path).toBe(path.startsWith('/api/') ? 'private, no-cache' : 'no-cache');
      expect(res.headers.get('etag'), path).toBeTruthy();
      await res.arrayBuffer();
    }
    // The PDF's header is checked where a PDF is printed anyway: test/e2e/report.test.ts.
  }, 60_000);
});

describe('the audit log', () => {
  it('records logins, refusals, exports and syncs, and no password', async () => {
    const a = await as('koord');
    await get(`/api/export.xlsx?${YEAR}`, a);
    await get(`/api/metrics/engagement?${YEAR}&format=csv`, a);
    const entries = (await (await get('/api/audit?limit=1000', a)).json()).entries as any[];
    const actions = new Set(entries.map((e) => `${e.actor}:${e.action}`));
    for (const x of ['koord:user_add', 'koord:user_passwd', 'koord:user_remove', 'koord:login', 'koord:export_xlsx', 'koord:export_csv', 'koord:sync_start', 'koord:logout', 'report-bot:sync_start', 'region:login_failed', 'region:login_refused', 'nobody:login_failed', 'dou1:password_change']) {
      expect(actions, x).toContain(x);
    }
    expect(entries.find((e) => e.action === 'export_xlsx')).toMatchObject({ target: expect.stringContaining('engagement'), ip: expect.stringMatching(/127\.0\.0\.1/) });
    const all = JSON.stringify(entries);
    for (const pw of [...Object.values(PASSWORDS), 'Свой-пароль-садика-1']) expect(all).not.toContain(pw);
    expect(all).not.toContain(koordToken);
  });
});

describe('headers', () => {
  it('sends a strict Content-Security-Policy and the other security headers on pages and API', async () => {
    const a = await as('koord');
    for (const path of ['/', '/login', '/api/metrics', '/app.js']) {
      const res = await get(path, a);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("script-src 'self';");
      expect(csp).not.toContain('unsafe-eval');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
    // A body over the limit is refused before any handler, with the JSON error shape.
    const big = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login: 'x', password: 'y'.repeat(200_000) }) });
    expect(big.status).toBe(413);
    expect((await big.json()).error.code).toBe('bad_request');
    // A body announced past the limit and not sent: answered at once, the connection closed (it
    // got no answer, the connection held until the timeout: an acceptance run).
    const { hostname, port } = new URL(server.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () =>
        socket.write('POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n{"login":'),
      );
      let text = '';
      socket.setTimeout(10_000, () => reject(new Error(`no answer in 10 s: ${text}`)));
      socket.on('data', (d) => (text += d.toString('utf8')));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);
    expect(answer).toContain('слишком большой запрос: тело запроса — не больше 100 КБ');
  });
});
