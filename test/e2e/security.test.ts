/**
 * Access control and security, end to end: hostile text typed into the schools' sheets and
 * hostile query parameters must come back inert, and the Content-Security-Policy must be on
 * every answer while the pages still draw their charts in real Chromium.
 *
 * The data: the folder fixture `test/fixtures/two-orgs/` copied to a temporary folder, with
 * payloads written into its cells before the one sync of the file —
 *   registry: СОШ-1's name (`<img onerror>`), ДОУ-1's name (attribute-breaking quotes and a
 *   vega-expression / template string), СОШ-1's curator (`<script>`), and a third, active
 *   organization whose CODE is an attribute-breaking `<img onerror>` (its sheet does not
 *   exist, so its sync fails and the failure message quotes the code);
 *   СОШ-1's sheets: a teacher's full name with `<script>` (replaced everywhere, plus a
 *   duplicate row so that the finding quoting the name is on «Качество данных»), a mentor's
 *   name starting with `javascript:`, a program title with `"><svg onload>` (plus an
 *   over-long copy of it, quoted by its finding), a pair with an `<img onerror>` start date
 *   and one with an unknown `<iframe src="javascript:…">` mentor.
 * Every payload sets `window.__xss` to a number of its own, so a failure names the payload.
 *
 * The server is the real app with real accounts (a coordinator; a school account of the
 * hostile-code organization whose full name is a payload), the client bundle and the helmet
 * headers; the browser logs in through the login form. The server's clock and the browser's
 * are pinned to 15.03.2024: the default period is the academic year 2023/24, which the
 * fixture's data covers.
 *
 * Checked: the security headers on every page and API answer; SQL-injection strings in every
 * API parameter (4xx or an inert 200, never 500, no widened filter, no password hash, the
 * tables' row counts unchanged); every page drawn with its charts, the payloads shown
 * literally, and nothing they would create (no `window.__xss`, no `img[src=x]`, no foreign
 * script, no `on…` attribute, no `javascript:` URL, no dialog, no CSP violation — the app
 * itself needs nothing the policy forbids); a chart tooltip with a hostile name; hostile query
 * parameters and addresses; and, as a control, that the policy does block an inline script
 * and handler and that the watchers above would have seen it. Screenshots (test/e2e/screenshots/
 * security-*.png) show the payloads as plain text.
 */
import { appendFileSync, cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AuthStore } from '../../server/auth/store.ts';
import { createClientRouter } from '../../server/routes/client.ts';
import { csvField } from '../../server/sources/csv.ts';
import { createFolderSource } from '../../server/sources/folder.ts';
import { runSync, type SyncSummary } from '../../server/sync/run.ts';
import { launchBrowser, takeScreenshot, requireBrowser, skipBrowserSuite } from '../support/browser.ts';
import { openTempDb, startServer, type RunningServer, type TempDb } from '../support/server.ts';

const skip = skipBrowserSuite();

const FIXTURE = new URL('../fixtures/two-orgs/', import.meta.url).pathname;
const NOW = new Date('2024-03-15T09:00:00Z');

const COORDINATOR = { login: 'koordinator', password: 'Проверка-безопасности-2024' };

/** What goes into the cells. Each sets `window.__xss` to its own number if it ever runs. */
const P = {
  // …and a word of 150 letters with no place to break (the registry allows it): it wraps in its box, never widening the page.
  schoolName: `<img src=x onerror="window.__xss=1">Школа <b>№1</b> ${'Наставничество'.repeat(10)}инфо`,
  kindergartenName: `Сад " onmouseover="window.__xss=4" x=" {{constructor.constructor('window.__xss=5')()}} datum.x`,
  curator: `<script>window.__xss=7</script>Иванова`,
  teacher: `Сидорова <script>window.__xss=2</script> Вера`,
  mentor: `javascript:window.__xss=8 Петров`,
  program: `"><svg onload="window.__xss=3">Адаптация`,
  badDate: `<img src=x onerror="window.__xss=9">`,
  unknownMentor: `<iframe src="javascript:window.__xss=10">Незнакомец`,
  orgCode: `"><img src=x onerror=__xss=13>`,
  orgCodeName: `Центр ' onmouseover='window.__xss=14`,
};

/** The original fixture text each payload replaces (whole cells), by file (a path fragment). */
const REPLACEMENTS: ReadonlyArray<{ file: string; from: string; to: string }> = [
  { file: 'registry.csv', from: 'МОУ «Средняя общеобразовательная школа № 1»', to: P.schoolName },
  { file: 'registry.csv', from: 'МДОУ «Детский сад № 1 «Ромашка»»', to: P.kindergartenName },
  { file: 'registry.csv', from: 'Иванова А. П.', to: P.curator },
  { file: 'СОШ-1', from: 'Сидорова Вера Олеговна', to: P.teacher },
  { file: 'СОШ-1', from: 'Петров Борис Ильич', to: P.mentor },
  { file: 'СОШ-1', from: 'Адаптация молодого учителя', to: P.program },
];

const csvLine = (cells: string[]) => `${cells.map((cell) => csvField(cell)).join(';')}\n`;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The fixture with the payloads, in a new temporary folder. */
function hostileFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'monitor-security-'));
  cpSync(FIXTURE, dir, { recursive: true });
  for (const file of filesUnder(dir)) {
    const original = readFileSync(file, 'utf8');
    let text = original;
    for (const r of REPLACEMENTS) if (file.includes(r.file)) text = text.split(r.from).join(csvField(r.to));
    if (text !== original) writeFileSync(file, text);
  }
  // An active organization with a hostile code; its sheet does not exist, so its sync fails.
  appendFileSync(join(dir, 'registry.csv'), csvLine([P.orgCode, P.orgCodeName, 'Другое', 'нет-такой-папки', '', 'Да']));
  const sosh = join(dir, 'СОШ-1');
  // The same teacher twice: the finding quotes the name.
  appendFileSync(join(sosh, 'Педагоги.csv'), csvLine([P.teacher, 'учитель', 'литература', '01.09.2020', '', '3', '', 'Первая', '', '']));
  // The program title again, too long (615 characters): the finding quotes it.
  appendFileSync(
    join(sosh, 'Программы наставничества.csv'),
    csvLine(['Кузнецов Глеб Андреевич', 'Иванова Анна Петровна', `${P.program} ${'очень длинное название '.repeat(25)}`, '15.09.2023', '29.02.2024', '', '10', '7', 'Реализуется', 'Да']),
  );
  appendFileSync(
    join(sosh, 'Наставнические пары.csv'),
    csvLine(['Иванова Анна Петровна', 'Белова Яна Романовна', 'Традиционная (один на один)', 'Предметное содержание', P.badDate, '', '', 'Действует']) +
      csvLine([P.unknownMentor, 'Кузнецов Глеб Андреевич', 'Традиционная (один на один)', 'Предметное содержание', '01.09.2023', '', '', 'Действует']),
  );
  return dir;
}

/** Text as the user reads it: no-break spaces as plain spaces, runs of spaces as one. */
function readable(text: string | null | undefined): string {
  return (text ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();
}

function query(params: Record<string, string | string[]>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, item);
  }
  return search.toString();
}

/** The directives of a Content-Security-Policy header: name → sources. */
function cspDirectives(header: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of header.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), sources);
  }
  return directives;
}

/** The security headers every answer carries: CSP with scripts from this server only, nosniff, no framing. */
function expectSecurityHeaders(headers: Headers, what: string): void {
  const csp = headers.get('content-security-policy');
  expect(csp, `${what}: Content-Security-Policy`).toBeTruthy();
  const directives = cspDirectives(csp!);
  expect(directives.get('script-src'), `${what}: script-src`).toEqual(["'self'"]);
  expect(directives.get('default-src'), `${what}: default-src`).toEqual(["'self'"]);
  expect(directives.get('object-src'), `${what}: object-src`).toEqual(["'none'"]);
  expect(directives.get('base-uri'), `${what}: base-uri`).toEqual(["'none'"]);
  expect(directives.has('script-src-attr') || directives.has('script-src-elem'), `${what}: no separate script directives`).toBe(false);
  expect(csp, `${what}: no unsafe-eval anywhere`).not.toContain('unsafe-eval');
  expect(headers.get('x-content-type-options'), `${what}: X-Content-Type-Options`).toBe('nosniff');
  const frameDenied = headers.get('x-frame-options')?.toUpperCase() === 'DENY' || (directives.get('frame-ancestors') ?? []).join(' ') === "'none'";
  expect(frameDenied, `${what}: X-Frame-Options DENY or frame-ancestors 'none'`).toBe(true);
}

interface PageCase {
  /** The address, and the page's name for messages. */
  path: string;
  /** `nav`: reached through the navigation bar (no reload); `goto`: opened from its address. */
  open: 'nav' | 'goto';
  /** Hosts of charts that must be drawn. */
  charts: string[];
  /** Text (as typed in the sheets) that must be shown literally inside the element of the selector. */
  texts: Array<[selector: string, text: string]>;
  /** Screenshot name, for the pages people should look at. */
  screenshot?: string;
}

const PERIOD = { from: '2023-09-01', to: '2024-08-31' };

/** A school account's full name (typed by the coordinator), shown on «Пользователи». */
const USER_FULL_NAME = `<img src=x onerror="window.__xss=20">Завуч <i>Школы</i>`;

const PAGES: PageCase[] = [
  { path: '/', open: 'nav', charts: ['#trend-chart', '#lagging-chart'], texts: [['#page-content', `${P.orgCodeName} (${P.orgCode})`], ['#org-list', P.schoolName], ['#org-list', P.kindergartenName], ['#org-list', P.orgCodeName]] },
  {
    path: '/organizations',
    open: 'nav',
    charts: [],
    texts: [['#organizations-table', P.schoolName], ['#organizations-table', P.kindergartenName], ['#organizations-table', P.orgCodeName]],
    screenshot: 'security-organizacii',
  },
  {
    path: '/engagement',
    open: 'nav',
    charts: ['#engagement-chart', '#mentors-chart', '#pairs-form-chart', '#pairs-topic-chart', '#young-chart'],
    texts: [['#engagement-table', P.schoolName], ['#engagement-table', P.kindergartenName], ['#engagement-chart g.role-axis-label', '⚠ "><img src=x onerro…']],
  },
  { path: '/professional-development', open: 'nav', charts: ['#pd-coverage-chart', '#pd-hours-chart', '#categories-chart'], texts: [['#page-content', P.schoolName]] },
  { path: '/programs', open: 'nav', charts: ['#program-outcomes-chart', '#program-progress-chart', '#program-coverage-chart'], texts: [['#page-content', P.schoolName]] },
  { path: '/compliance', open: 'nav', charts: ['#compliance-items-chart', '#compliance-matrix-chart'], texts: [['#page-content', P.schoolName]] },
  {
    path: '/data-quality',
    open: 'nav',
    charts: ['#rows-loaded-chart', '#problems-chart'],
    texts: [
      ['#freshness-table', P.schoolName],
      ['#freshness-table', `таблица организации ${P.orgCode} не найдена`],
      ['#issues-panel', P.badDate],
      ['#issues-panel', P.unknownMentor],
      ['#issues-panel', P.teacher],
      ['#issues-panel', `${P.program} очень длинное название`],
    ],
    screenshot: 'security-kachestvo-dannyh',
  },
  {
    path: `/org/${encodeURIComponent('СОШ-1')}`,
    open: 'goto',
    charts: ['#org-profile-chart'],
    texts: [['#page-title', P.schoolName], ['#page-content', `куратор наставничества: ${P.curator}`], ['#page-content', P.teacher]],
    screenshot: 'security-organizaciya-sosh-1',
  },
  { path: `/org/${encodeURIComponent(P.orgCode)}`, open: 'goto', charts: [], texts: [['#page-title', P.orgCodeName], ['#page-content', `код ${P.orgCode}`]] },
  { path: '/users', open: 'nav', charts: [], texts: [['#page-content', USER_FULL_NAME], ['#page-content', P.orgCode]] },
];

/** What a payload would have left in the document had it been parsed as HTML. */
interface Injected {
  xss: unknown;
  payloadImages: number;
  foreignScripts: string[];
  handlerAttributes: string[];
  iframes: number;
  javascriptUrls: string[];
  cspViolations: string[];
}

function injected(page: Page): Promise<Injected> {
  return page.evaluate(() => {
    const all = [...document.querySelectorAll('*')];
    return {
      xss: (window as any).__xss,
      payloadImages: document.querySelectorAll('img[src="x"], img[onerror]').length,
      foreignScripts: [...document.querySelectorAll('script')]
        .map((script) => script.getAttribute('src') ?? `inline: ${(script.textContent ?? '').slice(0, 80)}`)
        .filter((src) => src !== '/app.js'),
      handlerAttributes: all
        .filter((element) => [...element.attributes].some((attribute) => /^on/i.test(attribute.name)))
        .map((element) => element.outerHTML.slice(0, 160)),
      iframes: document.querySelectorAll('iframe, object, embed').length,
      javascriptUrls: all
        .flatMap((element) => ['href', 'src', 'xlink:href', 'action', 'formaction'].map((name) => element.getAttribute(name) ?? ''))
        .filter((url) => /^\s*javascript:/i.test(url)),
      cspViolations: [...((window as any).__cspViolations ?? [])],
    };
  });
}

const INERT: Injected = { xss: undefined, payloadImages: 0, foreignScripts: [], handlerAttributes: [], iframes: 0, javascriptUrls: [], cspViolations: [] };

describe.skipIf(skip)('security: hostile sheet cells and parameters stay inert, CSP on every answer (Chromium, real server)', () => {
  let tmp: TempDb;
  let fixtureDir: string;
  let summary: SyncSummary;
  let server: RunningServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let apiCookie: string;
  let store: AuthStore;
  /** Console lines about the CSP, alerts/confirms/prompts, uncaught errors: none may appear. */
  const cspConsole: string[] = [];
  const dialogs: string[] = [];
  const pageErrors: string[] = [];

  async function counts(): Promise<Record<string, number>> {
    const tables = ['teachers', 'pairs', 'programs', 'orgs', 'users', 'issues', 'quarantine', 'sync_runs'];
    const out: Record<string, number> = {};
    for (const table of tables) {
      const [row] = await tmp.db.query(`SELECT count(*)::INTEGER AS n FROM ${table}`);
      out[table] = Number(row?.n);
    }
    return out;
  }

  async function apiLogin(login: string, password: string): Promise<Response> {
    return fetch(`${server.url}/api/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ login, password }),
    });
  }

  function apiGet(path: string): Promise<Response> {
    return fetch(`${server.url}${path}`, { headers: { Cookie: apiCookie }, redirect: 'manual' });
  }

  beforeAll(async () => {
    requireBrowser();
    fixtureDir = hostileFixture();
    tmp = await openTempDb();
    const [client, launched] = await Promise.all([
      createClientRouter(),
      launchBrowser(),
      (async () => {
        summary = await runSync({ db: tmp.db, source: createFolderSource(fixtureDir), trigger: 'test', now: () => NOW });
      })(),
    ]);
    browser = launched;
    store = new AuthStore(tmp.db);
    await store.addUser({ login: COORDINATOR.login, role: 'coordinator', password: COORDINATOR.password });
    await store.addUser({ login: 'shkola-centr', role: 'school', org: P.orgCode, fullName: USER_FULL_NAME, password: 'Другой-пароль-для-школы-2024' });
    server = await startServer({ db: tmp.db, now: () => NOW, client, auth: { store, demoLogin: false } });

    const login = await apiLogin(COORDINATOR.login, COORDINATOR.password);
    expect(login.status).toBe(200);
    const cookie = login.headers.getSetCookie().find((line) => line.startsWith('nm_session='));
    expect(cookie).toBeTruthy();
    apiCookie = cookie!.split(';')[0]!;

    context = await browser.newContext({ locale: 'ru-RU', timezoneId: 'UTC', viewport: { width: 1440, height: 900 } });
    // Init scripts run outside the page's CSP: they record the policy's violations, if any.
    await context.addInitScript(() => {
      (window as any).__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) => {
        (window as any).__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sample}`);
      });
    });
    page = await context.newPage();
    await page.clock.setFixedTime(NOW);
    page.on('console', (message) => {
      const text = message.text();
      if (/Content Security Policy|Refused to (execute|load|apply|evaluate|connect|frame|create)/i.test(text)) cspConsole.push(text);
    });
    page.on('dialog', (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    tmp?.cleanup();
    if (fixtureDir) rmSync(fixtureDir, { recursive: true, force: true });
  });

  async function settled(target: Page): Promise<string> {
    await target.waitForSelector('main[data-state="ready"], main[data-state="error"]');
    return (await target.getAttribute('main', 'data-state')) ?? '';
  }

  async function expectInert(target: Page, where: string): Promise<void> {
    expect(await injected(target), where).toEqual(INERT);
    expect(dialogs, where).toEqual([]);
    expect(cspConsole, where).toEqual([]);
    expect(pageErrors, where).toEqual([]);
  }

  it('loaded the hostile cells as data: names, curator, code as typed; quoted in the findings', async () => {
    expect(summary.totals.ok).toBe(2);
    const orgs = await tmp.db.query(`SELECT code, name, curator FROM orgs ORDER BY code`);
    expect(orgs).toEqual(
      expect.arrayContaining([
        { code: 'СОШ-1', name: P.schoolName, curator: P.curator },
        { code: 'ДОУ-1', name: P.kindergartenName, curator: 'Орлова Л. В.' },
        { code: P.orgCode, name: P.orgCodeName, curator: null },
      ]),
    );
    const teachers = (await tmp.db.query(`SELECT fio FROM teachers WHERE org = 'СОШ-1'`)).map((row) => row.fio);
    expect(teachers).toEqual(expect.arrayContaining([P.teacher, P.mentor]));
    const values = (await tmp.db.query(`SELECT value FROM issues WHERE value IS NOT NULL`)).map((row) => String(row.value));
    expect(values).toEqual(expect.arrayContaining([P.teacher, P.badDate, P.unknownMentor]));
    expect(values.some((value) => value.startsWith(P.program))).toBe(true);
  });

  it('puts the CSP, nosniff and frame denial on every page and API answer', async () => {
    const anonymous = async (path: string) => fetch(`${server.url}${path}`, { redirect: 'manual' });
    const pagePaths = [...PAGES.map((pageCase) => pageCase.path), `/report?${query(PERIOD)}`];
    const answers: Array<[string, Response]> = [];
    for (const path of pagePaths) {
      const response = await apiGet(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toMatch(/^text\/html/);
      answers.push([path, response]);
    }
    answers.push(['/login (anonymous)', await anonymous('/login')]);
    answers.push(['/ (anonymous, redirect)', await anonymous('/')]);
    answers.push(['/app.js', await apiGet('/app.js')]);
    answers.push(['/style.css', await apiGet('/style.css')]);
    for (const path of [
      '/api/health',
      '/api/session',
      '/api/session/options',
      '/api/orgs',
      '/api/metrics',
      `/api/metrics/engagement?${query(PERIOD)}`,
      `/api/metrics/engagement?${query({ ...PERIOD, format: 'csv' })}`,
      `/api/export.xlsx?${query({ ...PERIOD, metrics: 'engagement' })}`,
      '/api/quality',
      '/api/sync/runs',
      '/api/metrics/engagement?from=31.12.2023',
      '/api/no-such-route',
    ]) {
      answers.push([path, await apiGet(path)]);
    }
    answers.push(['/api/orgs (anonymous)', await anonymous('/api/orgs')]);
    answers.push(['POST /api/session (wrong password)', await apiLogin(COORDINATOR.login, 'неверный-пароль-123')]);
    expect(answers.find(([path]) => path === '/ (anonymous, redirect)')![1].status).toBe(302);
    expect(answers.find(([path]) => path === '/api/orgs (anonymous)')![1].status).toBe(401);
    for (const [path, response] of answers) {
      expectSecurityHeaders(response.headers, path);
      await response.arrayBuffer();
    }
  });

  it('answers SQL-injection payloads in every API parameter with 4xx or inert 200, and the data stays intact', async () => {
    const before = await counts();
    const payloads = [`' OR 1=1 --`, `'; DROP TABLE teachers; --`, `1); DELETE FROM users; --`, `СОШ-1' UNION SELECT login, password_hash FROM users --`];
    const requests: string[] = [];
    for (const x of payloads) {
      const metric = (params: Record<string, string | string[]>) => `/api/metrics/engagement?${query({ ...PERIOD, ...params })}`;
      requests.push(
        metric({ from: x }),
        metric({ to: x }),
        metric({ org: x }),
        metric({ org: ['СОШ-1', x] }),
        metric({ type: x }),
        metric({ grain: x }),
        metric({ format: x }),
        metric({ format: 'csv', org: x, decimal: x, header: x }),
        `/api/metrics/${encodeURIComponent(x)}?${query(PERIOD)}`,
        `/api/metrics/overview?${query({ ...PERIOD, org: x })}`,
        `/api/metrics/data_quality?${query({ ...PERIOD, org: x, type: x })}`,
        `/api/export.xlsx?${query({ ...PERIOD, metrics: x })}`,
        `/api/export.xlsx?${query({ ...PERIOD, metrics: `engagement,${x}` })}`,
        `/api/export.xlsx?${query({ from: x, to: PERIOD.to, metrics: 'engagement' })}`,
        `/api/export.xlsx?${query({ ...PERIOD, to: x, metrics: 'engagement' })}`,
        `/api/export.xlsx?${query({ ...PERIOD, org: x, metrics: 'engagement' })}`,
        `/api/export.xlsx?${query({ ...PERIOD, type: x, metrics: 'engagement' })}`,
        `/api/export.xlsx?${query({ ...PERIOD, grain: x, metrics: 'engagement' })}`,
        `/api/quality?${query({ org: x })}`,
        `/api/quality?${query({ level: x })}`,
        `/api/sync/runs?${query({ limit: x })}`,
        `/api/audit?${query({ limit: x })}`,
        // Wrong parameters are refused before any browser starts.
        `/api/report.pdf?${query({ from: x })}`,
        `/api/report.pdf?${query({ to: x })}`,
      );
    }
    const failures: string[] = [];
    for (const path of requests) {
      const response = await apiGet(path);
      const type = response.headers.get('content-type') ?? '';
      const body = Buffer.from(await response.arrayBuffer());
      const where = `${response.status} ${decodeURIComponent(path)}`;
      expectSecurityHeaders(response.headers, where);
      if (response.status >= 400 && response.status < 500) {
        expect(type, where).toMatch(/^application\/json/);
        expect(JSON.parse(body.toString('utf8')).error?.code, where).toBeTruthy();
        continue;
      }
      if (response.status !== 200) {
        failures.push(`${where}: ${body.toString('utf8').slice(0, 200)}`);
        continue;
      }
      // A UNION would bring the accounts' password hashes along.
      expect(body.toString('utf8'), `${where}: no password hash`).not.toContain('scrypt$');
      if (type.startsWith('application/json')) {
        const json = JSON.parse(body.toString('utf8'));
        // An injected `OR 1=1` would widen the filter: rows may only be of the codes asked for.
        const asked = new URL(path, server.url).searchParams.getAll('org').flatMap((org) => org.split(',').map((s) => s.trim()));
        if (asked.length && Array.isArray(json.rows)) {
          for (const row of json.rows) if (row.org !== null) expect(asked, `${where}: row of ${row.org}`).toContain(row.org);
        }
      } else if (type.startsWith('text/csv')) {
        expect(body.length, where).toBeGreaterThan(0);
      } else if (type.startsWith('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')) {
        expect(body.subarray(0, 2).toString('latin1'), where).toBe('PK');
      } else {
        failures.push(`${where}: unexpected content type ${type}`);
      }
    }
    expect(failures).toEqual([]);

    // The login form's fields go to SQL too.
    for (const x of payloads) {
      for (const [login, password] of [
        [x, 'какой-то-пароль-1'],
        [COORDINATOR.login, x],
        [`${COORDINATOR.login}' --`, 'какой-то-пароль-1'],
      ] as const) {
        const response = await apiLogin(login, password);
        expect([400, 401], `POST /api/session ${login} / ${password}`).toContain(response.status);
        await response.arrayBuffer();
      }
    }

    expect(await counts()).toEqual(before);
    expect(before.users).toBe(2);
    expect(before.teachers).toBeGreaterThan(0);
    // The accounts still work.
    const again = await apiLogin(COORDINATOR.login, COORDINATOR.password);
    expect(again.status).toBe(200);
    await again.arrayBuffer();
  });

  /** Opens a page of PAGES: through the navigation bar (the shell swaps pages, no reload) or from its address. */
  async function openPage(pageCase: PageCase): Promise<void> {
    if (pageCase.open === 'goto') {
      await page.goto(`${server.url}${pageCase.path}`);
      return;
    }
    await page.locator(`#nav a[href^="${pageCase.path}?"], #nav a[href="${pageCase.path}"]`).first().click();
    await page.waitForURL((url) => url.pathname === pageCase.path);
  }

  it('logs in through the form (a javascript: `next` is not followed), draws every page, shows the payloads as plain text', async () => {
    await page.goto(`${server.url}/login?next=${encodeURIComponent('javascript:window.__xss=12')}`);
    await page.fill('input[name=login]', COORDINATOR.login);
    await page.fill('input[name=password]', COORDINATOR.password);
    await page.click('.login-form button[type=submit]');
    await page.waitForURL((url) => url.pathname === '/');
    expect(await settled(page)).toBe('ready');
    await expectInert(page, 'after login');

    for (const pageCase of PAGES) {
      const where = decodeURIComponent(pageCase.path);
      await openPage(pageCase);
      const state = await settled(page);
      expect(state, `${where}: ${readable(await page.textContent('#error'))}`).toBe('ready');
      for (const chart of pageCase.charts) {
        await expect(page.locator(`${chart} .chart-view`).locator('svg, canvas').count(), `${where}: ${chart} drawn`).resolves.toBeGreaterThan(0);
      }
      for (const [selector, text] of pageCase.texts) {
        const shown = (await page.locator(selector).allTextContents()).map(readable).join(' ');
        expect(shown, `${where}: ${selector} shows the text as typed`).toContain(readable(text));
      }
      await expect(page.locator('.panel__error').allTextContents(), where).resolves.toEqual([]);
      await expectInert(page, where);
      await expect(page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), `${where}: wider than the window`).resolves.toBeLessThanOrEqual(0);
      if (pageCase.screenshot) await takeScreenshot(page, pageCase.screenshot);
    }

    // The printable report: every section, the names in its tables.
    await page.goto(`${server.url}/report?${query(PERIOD)}`);
    await page.waitForSelector('html[data-ready]');
    expect(await page.getAttribute('html', 'data-ready')).toBe('true');
    expect(await page.locator('#page-content .chart-view svg.marks').count()).toBeGreaterThan(0);
    const report = readable(await page.textContent('#page-content'));
    expect(report).toContain(readable(P.schoolName));
    expect(report).toContain(readable(P.kindergartenName));
    await expectInert(page, '/report');
  }, 60_000);

  it('shows a hostile organization name in a chart tooltip as text', async () => {
    await page.goto(`${server.url}/engagement?${query(PERIOD)}`);
    expect(await settled(page)).toBe('ready');
    const bars = page.locator('#engagement-chart g.bars_marks path');
    const tooltip = page.locator('#vg-tooltip-element');
    const headings: string[] = [];
    for (let i = 0; i < (await bars.count()); i++) {
      await bars.nth(i).hover();
      await tooltip.waitFor({ state: 'visible' });
      headings.push((await tooltip.locator('h2').textContent()) ?? '');
      // The markup of the name is text: no element came from it.
      await expect(tooltip.locator('img, b, script, svg, iframe').count()).resolves.toBe(0);
      expect(await tooltip.locator('*').evaluateAll((elements) => elements.filter((e) => [...e.attributes].some((a) => /^on/i.test(a.name))).length)).toBe(0);
      if (headings.at(-1) === P.schoolName) await takeScreenshot(page, 'security-podskazka');
      await expectInert(page, `tooltip ${i}`);
      await page.mouse.move(0, 0);
    }
    expect(headings).toEqual(expect.arrayContaining([P.schoolName, P.kindergartenName]));
  }, 30_000);

  it('keeps hostile query parameters and addresses inert', async () => {
    const cases: Array<{ path: string; check?: () => Promise<void> }> = [
      {
        path: `/?${query({ ...PERIOD, org: '<img src=x onerror=window.__xss=6>' })}`,
        // An unknown code is shown as typed in the organization filter.
        check: async () => expect(readable(await page.textContent('#org-summary'))).toBe('<img src=x onerror=window.__xss=6>'),
      },
      { path: `/engagement?${query({ ...PERIOD, type: '<script>window.__xss=11</script>' })}` },
      { path: `/organizations?${query({ from: "2024-01-01'--", to: PERIOD.to })}` },
      { path: `/programs?${query({ from: PERIOD.from, to: '<svg onload=window.__xss=15>' })}` },
      { path: `/data-quality?${query({ ...PERIOD, org: '"><svg onload=window.__xss=19>' })}` },
      { path: `/compliance?${query({ ...PERIOD, org: [P.orgCode, "' OR 1=1 --"] })}` },
      {
        path: `/org/${encodeURIComponent('<img src=x onerror=window.__xss=16>')}?${query(PERIOD)}`,
        check: async () => {
          expect(readable(await page.textContent('#page-title'))).toBe('<img src=x onerror=window.__xss=16>');
          expect(readable(await page.textContent('#page-content'))).toContain('Организации с кодом «<img src=x onerror=window.__xss=16>» нет в реестре.');
        },
      },
    ];
    for (const { path, check } of cases) {
      await page.goto(`${server.url}${path}`);
      const state = await settled(page);
      expect(['ready', 'error'], path).toContain(state);
      if (state === 'error') expect(readable(await page.textContent('#error')), path).not.toBe('');
      await check?.();
      await expectInert(page, decodeURIComponent(path));
    }
    await page.goto(`${server.url}/report?${query({ from: '<img src=x onerror=window.__xss=17>', org: '<img src=x onerror=window.__xss=18>' })}`);
    await page.waitForSelector('html[data-ready]');
    await expectInert(page, '/report with hostile parameters');
  }, 40_000);

  it('the policy itself blocks an inline script and an inline handler in Chromium, and the watchers above see it', async () => {
    // A control for the checks above: were a payload ever parsed as HTML, the CSP would still stop it.
    await page.goto(`${server.url}/organizations?${query(PERIOD)}`);
    expect(await settled(page)).toBe('ready');
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__xss = 99';
      document.body.append(script);
      const image = document.createElement('img');
      image.setAttribute('onerror', 'window.__xss = 98');
      image.src = 'data:,not-an-image';
      document.body.append(image);
    });
    await expect.poll(() => page.evaluate(() => ((window as any).__cspViolations as string[]).length)).toBeGreaterThanOrEqual(2);
    expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();
    const violations = await page.evaluate(() => (window as any).__cspViolations as string[]);
    expect(violations.some((v) => v.startsWith('script-src-elem') || v.startsWith('script-src '))).toBe(true);
    expect(violations.some((v) => v.startsWith('script-src-attr') || v.startsWith('script-src '))).toBe(true);
    // Chromium words it «Executing inline script violates the following Content Security Policy directive…» (older: «Refused to execute…»).
    await expect.poll(() => cspConsole.some((line) => /Content Security Policy|Refused to execute/.test(line))).toBe(true);
    cspConsole.length = 0;
  });

  it('sends a password given by somebody else to «Сменить пароль» first; a hostile `next` is not followed', async () => {
    const given = 'Выданный-координатором-1';
    const own = 'Собственный-пароль-школы';
    await store.addUser({ login: 'zavuch', role: 'school', org: 'СОШ-1', password: given, mustChangePassword: true });
    const fresh = await browser.newContext({ locale: 'ru-RU', timezoneId: 'UTC', viewport: { width: 1280, height: 900 } });
    try {
      const tab = await fresh.newPage();
      await tab.clock.setFixedTime(NOW);
      const errors: string[] = [];
      tab.on('pageerror', (error) => errors.push(error.message));
      // "/\t/evil.example": the browser would drop the tab and go to //evil.example.
      await tab.goto(`${server.url}/login?next=${encodeURIComponent('/\t/evil.example')}`);
      await tab.fill('input[name=login]', 'zavuch');
      await tab.fill('input[name=password]', given);
      await tab.click('.login-form button[type=submit]');
      await tab.waitForURL((url) => url.pathname === '/password');
      await tab.waitForSelector('input[name=current]');
      expect(readable(await tab.textContent('#page-title'))).toBe('Смена пароля');
      expect(readable(await tab.textContent('#page-content'))).toContain('Прежде чем продолжить, задайте свой пароль');
      // Every other page of this account leads here, with the way back.
      await tab.goto(`${server.url}/engagement?${query(PERIOD)}`);
      await tab.waitForURL((url) => url.pathname === '/password');
      expect(new URL(tab.url()).searchParams.get('next')).toBe(`/engagement?${query(PERIOD)}`);
      await tab.goto(`${server.url}/password?next=${encodeURIComponent('/\t/evil.example')}`);
      await tab.waitForSelector('input[name=current]');
      // The form says what is wrong, in Russian; then the change goes through.
      await tab.fill('input[name=current]', given);
      await tab.fill('input[name=password]', own);
      await tab.fill('input[name=repeat]', `${own}!`);
      await tab.click('.login-form button[type=submit]');
      expect(readable(await tab.textContent('.login-form .error-box'))).toBe('Новый пароль и его повтор не совпадают.');
      await takeScreenshot(tab, 'security-password-change');
      await tab.fill('input[name=repeat]', own);
      await tab.click('.login-form button[type=submit]');
      await tab.waitForSelector('.password-done:not([hidden])');
      expect(readable(await tab.textContent('.password-done'))).toContain('Пароль изменён.');
      // «Продолжить» stays on this site.
      expect(await tab.getAttribute('.password-done a', 'href')).toBe('/');
      await tab.click('.password-done a');
      await tab.waitForURL((url) => url.origin === server.url && url.pathname === '/');
      expect(await settled(tab)).toBe('ready');
      // The account box offers the change again; the flag is gone on the server.
      expect(readable(await tab.textContent('#account .account__password'))).toBe('Сменить пароль');
      expect((await store.user('zavuch'))?.must_change_password).toBe(false);
      await takeScreenshot(tab, 'security-password-changed');
      expect(errors).toEqual([]);
    } finally {
      await fresh.close();
      await store.removeUser('zavuch');
    }
  }, 40_000);
});
