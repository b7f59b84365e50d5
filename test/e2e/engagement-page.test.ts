/**
 * The «Вовлечённость» page in real Chromium, against the mock API (test/support/mockApi.ts):
 * chart, table, filters in the URL, errors. Expected numbers are the mock's, worked out by
 * hand there. The browser's clock is fixed at 15.10.2024, so the default period is the
 * academic year 2024/25 and the quick choices are «2023/24» and «2024/25».
 *
 * The mock knows only `engagement`: the page's other panels (pairs, young specialists) get
 * the mock's 404 and show it in their own place, which is how a failing metric must look.
 * One page for the whole file; every test starts from its own address. The last test draws
 * «Качество данных» of a flooded sheet, its answer routed in the browser.
 */
import { get } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, takeScreenshot, requireBrowser, skipBrowserSuite } from '../support/browser.ts';
import { startMockApi, type RunningMockApi } from '../support/mockApi.ts';

const skip = skipBrowserSuite();

const TODAY = new Date('2024-10-15T09:00:00Z');
const YEAR_2023 = 'from=2023-09-01&to=2024-08-31';

/** Text as the user reads it: no-break spaces (in "42,5 %", "1 250") as plain spaces. */
function readable(text: string | null): string {
  return (text ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();
}

async function settled(page: Page): Promise<void> {
  await page.waitForSelector('main[data-state="ready"], main[data-state="error"]');
}

async function ready(page: Page): Promise<void> {
  await page.waitForSelector('main[data-state="ready"]');
}

/** The cells of the table row whose first cell is `name`. */
async function tableRow(page: Page, name: string): Promise<string[]> {
  const row = page.locator('#engagement-table tr', { has: page.locator('th', { hasText: name }) });
  return (await row.locator('th, td').allTextContents()).map(readable);
}

function statusOf(url: string, headers: Record<string, string>): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (response) => {
      response.resume();
      resolve(response.statusCode);
    }).on('error', reject);
  });
}

function isEngagementRequest(url: string, expected: Record<string, string>): boolean {
  const parsed = new URL(url);
  if (parsed.pathname !== '/api/metrics/engagement') return false;
  return Object.entries(expected).every(([key, value]) => parsed.searchParams.get(key) === value);
}

describe.skipIf(skip)('«Вовлечённость» page in Chromium (mock API)', () => {
  let api: RunningMockApi;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    requireBrowser();
    [api, browser] = await Promise.all([startMockApi(), launchBrowser()]);
    context = await browser.newContext({ locale: 'ru-RU', timezoneId: 'UTC', viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    await page.clock.setFixedTime(TODAY);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  beforeEach(async () => {
    await page.unrouteAll();
    api.requests.length = 0;
  });

  it('serves the page, the bundle and the stylesheet with their types and revalidation', async () => {
    // The page itself is never stored (what it showed names people); the files revalidate.
    for (const path of ['/', '/engagement', '/org/%D0%A1%D0%9E%D0%A8-1']) {
      const response = await fetch(`${api.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toContain('text/html');
      expect(response.headers.get('cache-control'), path).toBe('no-store');
      await response.arrayBuffer();
    }
    for (const [path, type] of [
      ['/app.js', 'text/javascript'],
      ['/style.css', 'text/css'],
    ] as const) {
      const response = await fetch(`${api.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toContain(type);
      expect(response.headers.get('cache-control'), path).toBe('no-cache');
      // Unchanged since the last visit: a 304 without the body (the bundle is ~0.9 MB).
      const etag = response.headers.get('etag');
      expect(etag, path).toBeTruthy();
      // node:http, not fetch: fetch adds `Cache-Control: no-cache` to a conditional request,
      // which asks the server for a full answer.
      // The ETag is that of the gzipped copy fetch asked for, so ask for gzip again.
      const conditional = { 'Accept-Encoding': 'gzip', 'If-None-Match': etag ?? '' };
      await expect(statusOf(`${api.url}${path}`, conditional), path).resolves.toBe(304);
    }
    const html = await (await fetch(`${api.url}/`)).text();
    expect(html).toContain('<html lang="ru">');
  });

  it('draws one bar per organization, the total rule, and the same rows in a Russian table', async () => {
    await page.goto(`${api.url}/engagement?${YEAR_2023}`);
    await ready(page);

    // 7 organizations; ДОУ-36 has no teachers (ratio null): no bar, its label reads "—".
    const bars = page.locator('#engagement-chart svg g.bars_marks path');
    await expect(bars.count()).resolves.toBe(6);
    const barLabels = (await page.locator('#engagement-chart svg g.bar_labels_marks text').allTextContents()).map(readable);
    // Highest share first, no value last: 17/40, 19/52, 8/24, 9/35, 3/12, 4/18, 0/0.
    expect(barLabels).toEqual(['42,5 %', '36,5 %', '33,3 %', '25,7 %', '25,0 %', '22,2 %', '—']);
    expect(readable(await bars.first().getAttribute('aria-label'))).toBe('МОУ «СОШ № 2»: вовлечено 42,5 % (17 из 40)');

    // The municipal total 60/181 = 0.3315 as a rule with its label.
    await expect(page.locator('#engagement-chart svg g.total_rule_marks line').count()).resolves.toBe(1);
    expect(readable(await page.locator('#engagement-chart svg g.total_label_marks text').textContent())).toBe(
      'По муниципалитету: 33,1 %',
    );
    // Axes in Russian number format.
    const xTicks = (await page.locator('#engagement-chart svg g.role-axis-label text').allTextContents()).map(readable);
    expect(xTicks).toEqual(expect.arrayContaining(['0 %', '20 %', '40 %', '100 %']));

    const headers = (await page.locator('#engagement-table thead th').allTextContents()).map(readable);
    expect(headers).toEqual([
      // The titles of the declaration (shared/metrics.ts), which the mock lists as the server does.
      'Организация', 'Тип', 'Педагогов на конец периода, чел.', 'Наставников, чел.', 'Наставляемых, чел.', 'Вовлечено (без повторов), чел.', 'Доля вовлечённых, %',
    ]);
    expect(await tableRow(page, 'МОУ «СОШ № 2»')).toEqual(['МОУ «СОШ № 2»', 'Школа', '40', '8', '10', '17', '42,5 %']);
    expect((await tableRow(page, 'Детский сад № 36')).at(-1)).toBe('—');
    const total = page.locator('#engagement-table tfoot tr.total');
    expect((await total.locator('th, td').allTextContents()).map(readable)).toEqual([
      'Итого по муниципалитету', '', '181', '28', '35', '60', '33,1 %',
    ]);
    await expect(total.locator('td').last().evaluate((cell) => getComputedStyle(cell).fontWeight)).resolves.toBe('700');
    expect(readable(await page.locator('#engagement-table caption').textContent())).toBe(
      'Вовлечённость педагогов в наставничество за период 01.09.2023 — 31.08.2024',
    );

    // An organization name is text, never markup.
    expect(await tableRow(page, 'Детский сад № 36')).toContain('МДОУ «Детский сад № 36 <i>Ёлочка</i>»');
    await expect(page.locator('main i').count()).resolves.toBe(0);

    // The metrics the mock does not know fail in their own panels; the page keeps its numbers.
    for (const panel of ['#pairs-form-panel', '#pairs-topic-panel', '#young-panel']) {
      expect(readable(await page.locator(`${panel} .panel__error`).textContent()), panel).toBe('Нет такого адреса API.');
    }
    await expect(page.isVisible('#error')).resolves.toBe(false);
    // Mentors and mentees come from `engagement` too: drawn.
    // Seven organizations, two bars each (ДОУ-36's are empty).
    await expect(page.locator('#mentors-chart g.bars_marks path').count()).resolves.toBe(14);

    await takeScreenshot(page, 'engagement-page');
  }, 60_000);

  it('keeps the filters in the URL: a change refetches, a reload and Back restore the view', async () => {
    await page.goto(`${api.url}/engagement`);
    await ready(page);
    // No query: the academic year containing "today" (15.10.2024), as the server would choose.
    await expect(page.inputValue('#filter-from')).resolves.toBe('2024-09-01');
    await expect(page.inputValue('#filter-to')).resolves.toBe('2025-08-31');
    const years = (await page.locator('#academic-years button').allTextContents()).map(readable);
    expect(years).toEqual(['2023/24', '2024/25']);
    await expect(page.getAttribute('#academic-years button:has-text("2024/25")', 'aria-pressed')).resolves.toBe('true');
    expect(api.requests.at(-1)?.searchParams.get('from')).toBe('2024-09-01');

    // A quick choice.
    await Promise.all([
      page.waitForRequest((request) => isEngagementRequest(request.url(), { from: '2023-09-01', to: '2024-08-31' })),
      page.click('#academic-years button:has-text("2023/24")'),
    ]);
    await ready(page);
    expect(new URL(page.url()).search).toBe(`?${YEAR_2023}`);

    // Typing a date.
    await Promise.all([
      page.waitForRequest((request) => isEngagementRequest(request.url(), { from: '2023-10-01', to: '2024-08-31' })),
      page.fill('#filter-from', '2023-10-01'),
    ]);
    await ready(page);
    const afterDate = new URL(page.url());
    expect(afterDate.pathname).toBe('/engagement');
    expect(afterDate.searchParams.get('from')).toBe('2023-10-01');
    expect(afterDate.searchParams.get('to')).toBe('2024-08-31');
    expect(readable(await page.locator('#engagement-table caption').textContent())).toContain('01.10.2023 — 31.08.2024');
    await expect(page.getAttribute('#academic-years button:has-text("2023/24")', 'aria-pressed')).resolves.toBe('false');

    // Type and one organization.
    await Promise.all([
      page.waitForRequest((request) => isEngagementRequest(request.url(), { type: 'Школа' })),
      page.selectOption('#filter-type', 'Школа'),
    ]);
    await ready(page);
    await page.click('#org-summary');
    // Only schools are offered once the type is «Школа».
    await expect(page.locator('#org-list input').count()).resolves.toBe(3);
    await Promise.all([
      page.waitForRequest((request) => isEngagementRequest(request.url(), { type: 'Школа', org: 'СОШ-2' })),
      page.check('#org-list input[value="СОШ-2"]'),
    ]);
    await ready(page);
    const filtered = new URL(page.url());
    expect(filtered.searchParams.get('type')).toBe('Школа');
    expect(filtered.searchParams.getAll('org')).toEqual(['СОШ-2']);
    await expect(page.locator('#engagement-chart svg g.bars_marks path').count()).resolves.toBe(1);
    // The checkbox just toggled keeps the focus through the list's rebuild: it fell to the page,
    // and the next Tab + Space ticked the first organization instead (an outside review).
    await expect(page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.value)).resolves.toBe('СОШ-2');
    // Focus moving on to another filter closes the list (it stayed open over the comparison dates).
    await expect(page.locator('#org-picker').getAttribute('open')).resolves.not.toBeNull();
    await page.focus('#filter-type');
    await expect(page.locator('#org-picker').getAttribute('open')).resolves.toBeNull();

    // Reload: same filters in the inputs and in the request, same rows.
    await Promise.all([
      page.waitForRequest((request) =>
        isEngagementRequest(request.url(), { from: '2023-10-01', to: '2024-08-31', type: 'Школа', org: 'СОШ-2' }),
      ),
      page.reload(),
    ]);
    await ready(page);
    await expect(page.inputValue('#filter-from')).resolves.toBe('2023-10-01');
    await expect(page.inputValue('#filter-to')).resolves.toBe('2024-08-31');
    await expect(page.inputValue('#filter-type')).resolves.toBe('Школа');
    await expect(page.isChecked('#org-list input[value="СОШ-2"]')).resolves.toBe(true);
    expect(readable(await page.textContent('#org-summary'))).toBe('МОУ «СОШ № 2»');
    const rows = (await page.locator('#engagement-table tbody th').allTextContents()).map(readable);
    expect(rows).toEqual(['МОУ «СОШ № 2»']);
    expect((await tableRow(page, 'Итого по выбранным организациям')).at(-1)).toBe('42,5 %');

    // Back: the view before the organization was chosen.
    await page.goBack();
    await ready(page);
    expect(new URL(page.url()).searchParams.getAll('org')).toEqual([]);
    await expect(page.locator('#engagement-chart svg g.bars_marks path').count()).resolves.toBe(3);
  }, 60_000);

  it('shows the API error message in Russian, and recovers', async () => {
    await page.goto(`${api.url}/engagement?${YEAR_2023}`);
    await ready(page);

    // The API refuses the filters with 400 and a Russian message: the page shows that message.
    const refuse = (url: URL) => url.pathname === '/api/metrics/engagement';
    await page.route(refuse, (route) =>
      route.fulfill({ status: 400, json: { error: { code: 'bad_request', message: 'неверный параметр type: такого типа организаций нет в реестре' } } }),
    );
    await page.fill('#filter-to', '2024-07-31');
    await settled(page);
    const error = page.locator('#error');
    await expect(error.isVisible()).resolves.toBe(true);
    await expect(error.getAttribute('role')).resolves.toBe('alert');
    expect(readable(await error.textContent())).toBe('Неверный параметр type: такого типа организаций нет в реестре');
    // Old numbers are not left on screen as if they answered the new filters.
    await expect(page.locator('#engagement-chart svg').count()).resolves.toBe(0);
    await expect(page.locator('#engagement-table tr').count()).resolves.toBe(0);
    await takeScreenshot(page, 'engagement-page-error');
    await page.unroute(refuse);

    // The end before the start: said by the page itself, in the server's words (no request).
    await page.fill('#filter-to', '2023-08-01');
    await settled(page);
    expect(readable(await error.textContent())).toBe('Конец периода (01.08.2023) раньше его начала (01.09.2023)');
    await expect(page.locator('#engagement-chart svg').count()).resolves.toBe(0);

    await page.fill('#filter-to', '2024-08-31');
    await ready(page);
    await expect(error.isVisible()).resolves.toBe(false);
    await expect(page.locator('#engagement-chart svg g.bars_marks path').count()).resolves.toBe(6);

    // A failure without the JSON error body (a proxy's 502 page) still reads in Russian.
    await page.route((url) => url.pathname === '/api/metrics/engagement', (route) =>
      route.fulfill({ status: 502, contentType: 'text/html', body: '<html>Bad Gateway</html>' }),
    );
    await page.click('#academic-years button:has-text("2024/25")');
    await settled(page);
    expect(readable(await error.textContent())).toBe('Ошибка на сервере (код 502). Попробуйте позже.');
  }, 60_000);

  it('still shows the numbers when the organization list fails, and says why the filter is missing', async () => {
    await page.route(
      (url) => url.pathname === '/api/orgs',
      (route) => route.fulfill({ status: 500, json: { error: { code: 'internal', message: 'внутренняя ошибка сервера' } } }),
    );
    await page.goto(`${api.url}/engagement?${YEAR_2023}`);
    await ready(page);
    await expect(page.locator('#engagement-chart svg g.bars_marks path').count()).resolves.toBe(6);
    await expect(page.isVisible('#org-filter')).resolves.toBe(false);
    // The server's message, made a sentence.
    expect(readable(await page.textContent('#filters-note'))).toBe(
      'Список организаций не загрузился, выбор организаций недоступен. Внутренняя ошибка сервера',
    );
  }, 60_000);
  it('«Качество данных» draws at most 500 findings of a flooded tab and says where the rest are', async () => {
    // A school pasted 1,203 junk rows into «Повышение квалификации»: every one a finding. Drawn
    // whole, such a list froze the page when opened (an acceptance run: 20,000 findings of one sheet).
    const issues = Array.from({ length: 1203 }, (_, i) => ({
      org: 'СОШ-2',
      tab: 'Повышение квалификации',
      row: i + 2,
      column: 'Часов',
      value: 'много',
      level: 'error',
      message: `СОШ-2, лист «Повышение квалификации», строка ${i + 2}, столбец «Часов»: значение «много» — это не число; ожидается целое число от 1 до 2000`,
      cell_url: null,
    }));
    issues.push({ ...issues[0]!, tab: 'Педагоги', row: 5, column: 'Стаж', message: 'СОШ-2, лист «Педагоги», строка 5, столбец «Стаж»: значение «много» — это не число' });
    const school = { org: 'СОШ-2', org_name: 'МОУ «СОШ № 2»', last_success: '2024-10-15 08:00:00', last_attempt: '2024-10-15 08:00:00', last_status: 'ok', last_message: null, stale: false, sheet_url: null, quarantined: 1204, errors: 1204, warnings: 0, empty_tabs: [] };
    await page.route((url) => url.pathname === '/api/quality', (route) => route.fulfill({ json: { registry_hold: null, orgs: [school], issues } }));
    await page.goto(`${api.url}/data-quality`);
    await settled(page);
    const group = page.locator('#issues-panel details.issues[data-org="СОШ-2"]');
    // One organization: its list is open. 500 of the 1,203 rows of the flooded tab, all of the other tab's.
    await expect(group.locator('table.issues-table').nth(0).locator('tbody tr').count()).resolves.toBe(500);
    await expect(group.locator('table.issues-table').nth(1).locator('tbody tr').count()).resolves.toBe(1);
    expect((await group.locator('.issues__more').allTextContents()).map(readable)).toEqual([
      'Лист «Повышение квалификации»: показаны первые 500 замечаний из 1 203; все — в выгрузке в Excel (ссылка над списком).',
    ]);
    await expect(page.locator('#issues-panel .issues__download a').getAttribute('href')).resolves.toBe('/api/quality.xlsx');
  }, 60_000);
  it('takes «today» as the browser’s calendar date: at 04:30 on 15.10 in Irkutsk (UTC+8) it is the 15th, not UTC’s 14th', async () => {
    // «Данные на дату» could not be set to today from midnight to 08:00 there: its `max` was the UTC date (an acceptance run).
    const irkutsk = await browser.newContext({ locale: 'ru-RU', timezoneId: 'Asia/Irkutsk', viewport: { width: 1280, height: 900 } });
    try {
      const local = await irkutsk.newPage();
      await local.clock.setFixedTime(new Date('2024-10-14T20:30:00Z'));
      await local.goto(`${api.url}/engagement?${YEAR_2023}`);
      await settled(local);
      await expect(local.locator('#filter-as-of').getAttribute('max')).resolves.toBe('2024-10-15');
      // A moment of a link: the field shows its day on this clock, as the banner does — 20:00 UTC
      // on 14.05 is 04:00 on the 15th in Irkutsk (the field showed the 14th: an acceptance run).
      await local.goto(`${api.url}/engagement?${YEAR_2023}&as_of=2024-05-14T20:00:00Z`);
      await settled(local);
      await expect(local.locator('#filter-as-of').inputValue()).resolves.toBe('2024-05-15');
      await expect(local.locator('#as-of-text').textContent()).resolves.toContain('15.05.2024 04:00 (UTC+8)');
    } finally {
      await irkutsk.close();
    }
  }, 60_000);
});
