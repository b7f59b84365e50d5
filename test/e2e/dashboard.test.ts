/**
 * The whole dashboard in real Chromium against the REAL server on the demo municipality
 * (test/support/demoServer.ts: demo data from 09.2023 to 05.2025, the server's clock and the
 * browser's at 15.05.2025, so the default period is the academic year 2024/25; the sheets of
 * СОШ-5 and ДОУ-7 failed at the last sync, so their data is stale and 22 of 24 are fresh).
 *
 * Expected numbers come from the API for the same parameters, formatted with the client's
 * own `format.ts`: the test proves that what a tile shows is what the server computed, not
 * the arithmetic (the integration tests check that against hand-made fixtures).
 *
 * One browser and one demo server for the file; one desktop page reused by the tests. The tour
 * of every page on a desktop and a phone is pages.test.ts (run beside this file).
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { formatInteger, formatOutOf, formatPercent, formatPoints } from '../../client/format.ts';
import { takeScreenshot, type ConsoleWatch, skipBrowserSuite } from '../support/browser.ts';
import { DEMO_STALE_MESSAGE, openDemoDesktop, type DemoDesktop, type DemoServer } from '../support/demoServer.ts';

const skip = skipBrowserSuite();

const YEAR_2024 = { from: '2024-09-01', to: '2025-08-31' };
const YEAR_2023 = { from: '2023-09-01', to: '2024-08-31' };

/** Text as the user reads it: no-break spaces (in "42,5 %", "1 250") as plain spaces. */
function readable(text: string | null): string {
  return (text ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();
}

function query(params: Record<string, string | string[]>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, item);
  }
  return search.toString();
}

async function ready(page: Page): Promise<void> {
  await page.waitForSelector('main[data-state="ready"]');
}

describe.skipIf(skip)('the dashboard in Chromium against the real server (demo data)', () => {
  let server: DemoServer;
  let page: Page;
  let consoleWatch: ConsoleWatch;

  async function api<T>(path: string): Promise<T> {
    const response = await server.fetch(path);
    expect(response.status, path).toBe(200);
    return (await response.json()) as T;
  }

  async function overviewTotal(params: Record<string, string>): Promise<Record<string, number>> {
    const body = await api<{ rows: Array<Record<string, number> & { org: string | null }> }>(`/api/metrics/overview?${query(params)}`);
    const total = body.rows.find((row) => row.org === null);
    if (!total) throw new Error('overview has no total row');
    return total;
  }

  async function tileText(column: string): Promise<string> {
    return readable(await page.locator(`#tiles-panel [data-column="${column}"] .tile__value`).textContent());
  }

  let demo: DemoDesktop | undefined;
  beforeAll(async () => {
    demo = await openDemoDesktop();
    ({ server, page, consoleWatch } = demo);
  }, 60_000);

  afterAll(() => demo?.close());

  it('shows on the tiles the numbers the API computes, and a filter change updates URL, tiles and charts', async () => {
    await page.goto(`${server.url}/`);
    await ready(page);
    // No query: the academic year containing 15.05.2025.
    await expect(page.inputValue('#filter-from')).resolves.toBe(YEAR_2024.from);
    await expect(page.inputValue('#filter-to')).resolves.toBe(YEAR_2024.to);

    const current = await overviewTotal(YEAR_2024);
    expect(await tileText('engagement_rate')).toBe(readable(formatPercent(current.engagement_rate)));
    expect(await tileText('coverage')).toBe(readable(formatPercent(current.coverage)));
    expect(await tileText('pd_coverage')).toBe(readable(formatPercent(current.pd_coverage)));
    expect(await tileText('growth_pp')).toBe(readable(formatPoints(current.growth_pp)));
    expect(await tileText('completion_rate')).toBe(readable(formatPercent(current.completion_rate)));
    // «Отстают по вовлечённости» links the five organizations with the lowest share to their pages,
    // in the chart's order (its bars led nowhere: an outside review).
    const engagement = ((await (await server.fetch(`/api/metrics/engagement?${query(YEAR_2024)}`)).json()) as any).rows
      .filter((r: any) => r.org !== null && r.engagement_rate !== null)
      .sort((a: any, b: any) => a.engagement_rate - b.engagement_rate || a.org.localeCompare(b.org, 'ru', { numeric: true }))
      .slice(0, 5);
    await expect(page.locator('#lagging-panel .lagging-list a').evaluateAll((links) => links.map((a) => decodeURIComponent(new URL((a as HTMLAnchorElement).href).pathname)))).resolves.toEqual(
      engagement.map((r: any) => `/org/${r.org}`),
    );
    // «Изменения с последнего отчёта»: the demo was loaded once (its second sync changed nothing)
    // and no report has been exported — the API lists no organization, the panel says so.
    expect((await (await server.fetch('/api/changes')).json()).orgs).toEqual([]);
    expect(readable(await page.locator('#changed-panel').textContent())).toContain('Данные организаций не менялись за всё время (отчётов в регион ещё не выгружали).');
    // «Требует внимания» says how many rows the figures leave out for errors, as «Качество данных» counts them.
    const quality = ((await (await server.fetch('/api/metrics/data_quality')).json()) as any).rows.find((r: any) => r.org === null);
    expect(quality.rows_quarantined).toBeGreaterThan(0);
    await expect
      .poll(async () => readable((await page.locator('#attention-panel [data-flag="quarantined"]').textContent()) ?? ''))
      .toBe(
        `Строк не учтено в показателях из-за ошибок в таблицах: ${quality.rows_quarantined} (ошибок: ${quality.errors}) — исправьте их по списку на странице «Качество данных»; пока они не исправлены, показатели считаются без этих строк.`,
      );
    // 24 active organizations, two of them (СОШ-5, ДОУ-7) failed at the last sync.
    expect(await tileText('orgs_fresh')).toBe('22 из 24');
    expect(await tileText('orgs_fresh')).toBe(readable(formatOutOf(current.orgs_fresh, current.orgs_active)));

    // The previous academic year: the URL, the tiles and the trend change.
    const trendBefore = await page.locator('#trend-chart g.points_marks path').count();
    await page.click('#academic-years button:has-text("2023/24")');
    await ready(page);
    expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual(YEAR_2023);
    const previous = await overviewTotal(YEAR_2023);
    expect(previous.engagement_rate).not.toBe(current.engagement_rate);
    expect(await tileText('engagement_rate')).toBe(readable(formatPercent(previous.engagement_rate)));
    expect(await tileText('completion_rate')).toBe(readable(formatPercent(previous.completion_rate)));
    // 2024/25 has months up to May (today); 2023/24 has all twelve.
    expect(trendBefore).toBe(9);
    await expect(page.locator('#trend-chart g.points_marks path').count()).resolves.toBe(12);

    // A type: the tiles total the kindergartens only, the charts show only them.
    await page.selectOption('#filter-type', 'Детский сад');
    await ready(page);
    expect(new URL(page.url()).searchParams.get('type')).toBe('Детский сад');
    const kindergartens = await overviewTotal({ ...YEAR_2023, type: 'Детский сад' });
    expect(await tileText('engagement_rate')).toBe(readable(formatPercent(kindergartens.engagement_rate)));
    // One of the 14 kindergartens (ДОУ-7) is stale.
    expect(await tileText('orgs_fresh')).toBe('13 из 14');

    await page.click('#nav a[href^="/engagement?"]');
    await ready(page);
    expect(new URL(page.url()).searchParams.get('type')).toBe('Детский сад');
    const labels = (await page.locator('#engagement-chart g.role-axis g.role-axis-label text').allTextContents()).map(readable);
    const orgLabels = labels.filter((label) => /ДОУ|СОШ|ДЮСШ|ЦРТ/.test(label));
    expect(orgLabels).toHaveLength(14);
    expect(orgLabels.every((label) => label.includes('ДОУ-'))).toBe(true);
    expect(readable(await page.locator('#engagement-chart g.total_label_marks text').textContent())).toBe(
      `По выбранным организациям: ${readable(formatPercent(kindergartens.engagement_rate))}`,
    );
    expect(consoleWatch.problems).toEqual([]);
  }, 60_000);

  it('shows the figures as of a past sync: the control, the banner, the tiles, and a date before any sync', async () => {
    // The demo's two syncs: 14.05.2025 20:00 UTC, every organization read; 15.05.2025 02:00,
    // СОШ-5 and ДОУ-7 failed. Now 22 of 24 active organizations are fresh (the test above); as of
    // 14.05 all 24 were.
    await page.goto(`${server.url}/engagement?${query(YEAR_2024)}`);
    await ready(page);
    await expect(page.isVisible('#as-of-banner')).resolves.toBe(false);
    await page.fill('#filter-as-of', '2025-05-14');
    await page.dispatchEvent('#filter-as-of', 'change');
    await ready(page);
    expect(new URL(page.url()).searchParams.get('as_of')).toBe('2025-05-14');
    expect(readable(await page.textContent('#as-of-text'))).toBe(
      'Показаны данные на 14.05.2025: как после последней синхронизации, завершённой к концу этого дня по часам сервера, — с тогдашними статусами пар и программ.',
    );
    // The links of the page keep the date: the workbook and the printed report are of that data.
    expect(new URL(await page.getAttribute('#export-link', 'href') ?? '', server.url).searchParams.get('as_of')).toBe('2025-05-14');
    expect(new URL(await page.getAttribute('#report-link', 'href') ?? '', server.url).searchParams.get('as_of')).toBe('2025-05-14');
    // The overview keeps the date: its tile counts the organizations fresh then, as the API does.
    await page.click('#nav a[href^="/?"]');
    await ready(page);
    const then = await overviewTotal({ ...YEAR_2024, as_of: '2025-05-14' });
    expect([then.orgs_fresh, then.orgs_active]).toEqual([24, 24]);
    expect(await tileText('orgs_fresh')).toBe('24 из 24');
    // «Качество данных» says whose state its table is (it said «на сейчас» under the banner: an acceptance run).
    await page.click('#nav a[href^="/data-quality?"]');
    await ready(page);
    expect(readable(await page.locator('caption', { hasText: 'состояние на' }).first().textContent())).toContain('состояние на 14.05.2025');

    // Before the first sync there is no data: the server says so, in the page's error box.
    await page.click('#nav a[href^="/engagement?"]');
    await ready(page);
    await page.fill('#filter-as-of', '2025-05-01');
    await page.dispatchEvent('#filter-as-of', 'change');
    await page.waitForSelector('main[data-state="error"]');
    expect(readable(await page.textContent('#error'))).toBe('На 01.05.2025 данных ещё нет: первая синхронизация завершилась 14.05.2025 20:00:00 (UTC)');
    // … and the banner over it no longer says the data of that date is shown (both were there: an
    // outside review); its button to the current data stays.
    expect(readable(await page.textContent('#as-of-text'))).toBe('Выбрана дата 01.05.2025: данные на неё не показаны — причина ниже.');
    consoleWatch.clear();

    // «Показать текущие данные»: the date goes, the page shows today's data again.
    await page.click('#as-of-clear');
    await ready(page);
    expect(new URL(page.url()).searchParams.has('as_of')).toBe(false);
    await expect(page.isVisible('#as-of-banner')).resolves.toBe(false);
  }, 60_000);

  it('restores a shared link, and Back/Forward walk through the filters', async () => {
    const shared = { ...YEAR_2023, type: 'Школа', org: ['СОШ-2', 'СОШ-5'] };
    await page.goto(`${server.url}/engagement?${query(shared)}`);
    await ready(page);
    await expect(page.inputValue('#filter-from')).resolves.toBe(YEAR_2023.from);
    await expect(page.inputValue('#filter-to')).resolves.toBe(YEAR_2023.to);
    await expect(page.inputValue('#filter-type')).resolves.toBe('Школа');
    await expect(page.isChecked('#org-list input[value="СОШ-2"]')).resolves.toBe(true);
    await expect(page.isChecked('#org-list input[value="СОШ-5"]')).resolves.toBe(true);
    expect(readable(await page.textContent('#org-summary'))).toBe('Выбрано организаций: 2');
    await expect(page.getAttribute('#academic-years button:has-text("2023/24")', 'aria-pressed')).resolves.toBe('true');

    // Two bars; СОШ-5 carries the stale sign on the axis.
    await expect(page.locator('#engagement-chart g.bars_marks path').count()).resolves.toBe(2);
    const axis = (await page.locator('#engagement-chart g.role-axis-label text').allTextContents()).map(readable);
    expect(axis).toEqual(expect.arrayContaining(['СОШ-2', '⚠ СОШ-5']));
    const engagement = await api<{ rows: Array<{ org: string | null; engagement_rate: number | null; engaged: number; teachers: number }> }>(
      `/api/metrics/engagement?${query(shared)}`,
    );
    const total = engagement.rows.find((row) => row.org === null)!;
    const totalCells = (await page.locator('#engagement-table tfoot tr.total').locator('th, td').allTextContents()).map(readable);
    expect(totalCells[0]).toBe('Итого по выбранным организациям');
    expect(totalCells.at(-1)).toBe(readable(formatPercent(total.engagement_rate)));

    // Another period, then Back and Forward.
    await page.click('#calendar-years button:has-text("2024")');
    await ready(page);
    expect(new URL(page.url()).searchParams.get('from')).toBe('2024-01-01');
    expect(new URL(page.url()).searchParams.getAll('org')).toEqual(['СОШ-2', 'СОШ-5']);
    await expect(page.getAttribute('#calendar-years button:has-text("2024")', 'aria-pressed')).resolves.toBe('true');

    await page.goBack();
    await ready(page);
    await expect(page.inputValue('#filter-from')).resolves.toBe(YEAR_2023.from);
    expect(readable(await page.locator('#engagement-table tfoot tr.total td').last().textContent())).toBe(
      readable(formatPercent(total.engagement_rate)),
    );
    await page.goForward();
    await ready(page);
    await expect(page.inputValue('#filter-from')).resolves.toBe('2024-01-01');

    // Back across a page change: the previous page comes back with its filters.
    await page.click('#nav a[href^="/programs?"]');
    await ready(page);
    await page.goBack();
    await ready(page);
    expect(new URL(page.url()).pathname).toBe('/engagement');
    await expect(page.locator('#engagement-chart g.bars_marks path').count()).resolves.toBe(2);
    expect(consoleWatch.problems).toEqual([]);
  }, 60_000);

  it('says what the address asked for and did not get: a period not begun, a date of a link not understood, an «as of» date still to come', async () => {
    // Today is 15.05.2025: 2099/2100 has not begun — its figures are today's data on its last day.
    await page.goto(`${server.url}/engagement?from=2099-09-01&to=2100-08-31`);
    await ready(page);
    expect(readable(await page.locator('#period-banner').textContent())).toContain('Период 01.09.2099 — 31.08.2100 ещё не начался: показатели посчитаны на его последний день по сегодняшним данным');
    // 30 February: the default year is shown, and the link's part is named (it was dropped without a word).
    await page.goto(`${server.url}/engagement?from=2025-02-30&to=2025-08-31`);
    await ready(page);
    await expect(page.inputValue('#filter-from')).resolves.toBe('2024-09-01');
    expect(readable(await page.locator('#period-banner').textContent())).toContain('В адресе страницы не распознано: from=2025-02-30 — вместо этого показан период 01.09.2024 — 31.08.2025 без сравнения.');
    // A period that has ended: no banner.
    await page.goto(`${server.url}/engagement?from=2023-09-01&to=2024-08-31`);
    await ready(page);
    await expect(page.locator('#period-banner').isHidden()).resolves.toBe(true);
    // 2024/25 is still going on (today 15.05.2025): its figures are a forecast on 31.08.2025, said
    // so (an outside review read «−7,0 п.п.» as a result); the button shows it up to today.
    await page.goto(`${server.url}/engagement?${query(YEAR_2024)}`);
    await ready(page);
    expect(readable(await page.locator('#period-banner').textContent())).toContain(
      'Период 01.09.2024 — 31.08.2025 ещё идёт: показатели — на его последний день (31.08.2025) по сегодняшним данным, то есть прогноз',
    );
    await page.click('#period-today');
    await ready(page);
    expect(new URL(page.url()).searchParams.get('to')).toBe('2025-05-15');
    await expect(page.inputValue('#filter-to')).resolves.toBe('2025-05-15');
    await expect(page.locator('#period-banner').isHidden()).resolves.toBe(true);
    // «Данные на дату» in 2030 is the data now, said so (it read «Показаны данные на 01.01.2030»).
    await page.goto(`${server.url}/engagement?${query(YEAR_2024)}&as_of=2030-01-01`);
    await ready(page);
    expect(readable(await page.locator('#as-of-banner').textContent())).toContain('Дата 01.01.2030 ещё не наступила: показаны текущие данные');
    expect(consoleWatch.problems).toEqual([]);
  }, 60_000);

  it('a period not over yet: programs keep the period’s figures and tell (and draw) how many «просрочены» are not due yet; the summary compares the part so far with the same days a year before', async () => {
    // The browser's today is 15.05.2025; the academic year 2024/25 ends on 31.08.2025.
    type Programs = { rows: Array<{ org: string | null; due: number; completed: number; overdue: number }> };
    const now = (await api<Programs>('/api/metrics/program_completion?from=2024-09-01&to=2025-05-15')).rows.find((row) => row.org === null)!;
    const whole = (await api<Programs>(`/api/metrics/program_completion?${query(YEAR_2024)}`)).rows.find((row) => row.org === null)!;
    // Else the test proves nothing: the last day of the period counts more programs due, and overdue.
    expect(whole.overdue).toBeGreaterThan(now.overdue);
    await page.goto(`${server.url}/programs?${query(YEAR_2024)}`);
    await ready(page);
    const note = readable(await page.locator('#program-outcomes-panel .panel__note').textContent());
    // The period's figures, as the tiles and the workbook give them…
    expect(note).toContain(`Всего ${whole.due}: завершены`);
    expect(note).toContain(`просрочены ${whole.overdue}.`);
    // …and how many of those are not due yet.
    expect(note).toContain(
      `Период ещё не закончился: у ${whole.overdue - now.overdue} из «просроченных» срок завершения позже сегодняшнего дня; на сегодня (15.05.2025) просрочены ${now.overdue}.`,
    );
    // The chart draws those apart: overdue today in the overdue colour, the rest as not due yet.
    const legend = readable(await page.locator('#program-outcomes-chart').textContent());
    expect(legend).toContain('Не завершены, срок ещё не наступил');
    expect(legend).toContain('Просрочены');
    await takeScreenshot(page, 'programmy-na-segodnya');

    // The summary: the period's part so far against the same days a year before (its figures as
    // of 31.08.2025 against the whole year 2023/24 read as collapses that were only the calendar);
    // the overdue programs listed are those overdue today.
    const total = async (from: string, to: string) => (await api<{ rows: Array<Record<string, number | null> & { org: string | null }> }>(`/api/metrics/overview?from=${from}&to=${to}`)).rows.find((r) => r.org === null)!;
    const [soFar, sameDaysBefore, year] = await Promise.all([total('2024-09-01', '2025-05-15'), total('2023-09-01', '2024-05-15'), total('2024-09-01', '2025-08-31')]);
    // Else the test proves nothing: the period's last day gives another completion rate than today.
    expect(year.completion_rate).not.toBe(soFar.completion_rate);
    await page.goto(`${server.url}/summary?${query(YEAR_2024)}`);
    await page.waitForFunction(() => document.documentElement.dataset.ready !== undefined);
    const caption = readable(await page.locator('#summary-figures caption').textContent());
    expect(caption).toBe(
      'Ключевые показатели с начала периода по сегодня: 01.09.2024 — 15.05.2025 и 01.09.2023 — 15.05.2024 (период 01.09.2024 — 31.08.2025 ещё не закончился: сравнивается одна и та же его часть в этом году и годом раньше)',
    );
    const row = readable(await page.locator('#summary-figures tr[data-figure="completion_rate"]').textContent());
    expect(row).toContain(readable(formatPercent(soFar.completion_rate)));
    expect(row).toContain(readable(formatPercent(sameDaysBefore.completion_rate)));
    const overdue = readable(await page.locator('#summary-attention h3').last().textContent());
    expect(overdue).toMatch(/^Просроченные программы на сегодня \(15\.05\.2025\)/);
    await takeScreenshot(page, 'svodka-na-segodnya');
    expect(consoleWatch.problems).toEqual([]);
  }, 60_000);

  it('sorts the organizations, opens an organization’s page, and flags stale data with its reason', async () => {
    await page.goto(`${server.url}/organizations?${query(YEAR_2024)}`);
    await ready(page);
    const rows = page.locator('#organizations-table tbody tr');
    await expect(rows.count()).resolves.toBe(24);

    // Sort by engagement, highest first: the first line holds the API's highest value.
    const engagement = await api<{ rows: Array<{ org: string | null; engagement_rate: number | null }> }>(
      `/api/metrics/engagement?${query(YEAR_2024)}`,
    );
    const highest = Math.max(...engagement.rows.filter((row) => row.org !== null).map((row) => row.engagement_rate ?? 0));
    await page.click('#organizations-table button[data-sort="engagement_rate"]');
    await expect(page.getAttribute('#organizations-table th:has(button[data-sort="engagement_rate"])', 'aria-sort')).resolves.toBe('descending');
    const firstValue = readable(await rows.first().locator('td').first().locator('.bar-cell__value').textContent());
    expect(firstValue).toBe(readable(formatPercent(highest)));

    // The stale school: ⚠ with the reason as its tooltip, in the name and in the «Данные» column.
    const stale = page.locator('#organizations-table tr[data-org="СОШ-5"]');
    const note = await stale.locator('.stale-mark').getAttribute('title');
    expect(note).toContain(DEMO_STALE_MESSAGE);
    expect(readable(await stale.locator('td').last().textContent())).toBe('⚠ устарели');

    // Its page: the period is kept, the organization's charts and its stale status are shown.
    await stale.locator('a').click();
    await page.waitForURL((url) => url.pathname === `/org/${encodeURIComponent('СОШ-5')}`);
    await ready(page);
    expect(new URL(page.url()).searchParams.get('from')).toBe(YEAR_2024.from);
    expect(readable(await page.textContent('#page-title'))).toBe('МОУ «Средняя общеобразовательная школа № 5»');
    expect(readable(await page.locator('.org-header .stale-box').textContent())).toContain(DEMO_STALE_MESSAGE);
    await expect(page.locator('#org-profile-chart svg.marks').count()).resolves.toBe(1);
    // Its change log: the demo's one load of it (the second sync failed to read it) is each tab's
    // first load, shown as a count per tab — the counts the API gives.
    const log = (await (await server.fetch(`/api/orgs/${encodeURIComponent('СОШ-5')}/changes`)).json()).syncs;
    expect(log.length).toBe(1);
    await page.locator('#org-changes-panel .changes__tab').first().waitFor();
    const shown = (await page.locator('#org-changes-panel .changes__tab p').allTextContents()).map(readable);
    expect(shown.length).toBe(log[0].tabs.length);
    for (const [i, t] of log[0].tabs.entries()) expect(shown[i]).toMatch(new RegExp(`^«${t.title}» — первая загрузка листа: ${t.first_load} строк`));
    // Only the period applies on an organization's page.
    await expect(page.isVisible('#filter-type')).resolves.toBe(false);
    // Its own shares by month: the API's month ends of СОШ-5 alone (9 up to May, today), drawn in view.
    await page.locator('#org-trend-panel').scrollIntoViewIfNeeded();
    await page.locator('#org-trend-chart svg.marks').waitFor();
    await page.selectOption('#org-trend-indicator', { label: 'Доля завершённых' });
    const own = (await api<{ rows: Array<Record<string, number | string | null>> }>(`/api/metrics/program_completion?${query({ ...YEAR_2024, org: 'СОШ-5', to: '2025-05-31', grain: 'month' })}`)).rows
      .filter((row) => row.org === null)
      .sort((a, b) => String(a.month).localeCompare(String(b.month)));
    expect(own).toHaveLength(9);
    const trendRows = async () =>
      Promise.all((await page.locator('#org-trend-table tbody tr').all()).map(async (row) => (await row.locator('th, td').allTextContents()).map(readable)));
    await expect
      .poll(trendRows)
      .toEqual(own.map((row) => [String(row.month).split('-').reverse().join('.'), readable(formatInteger(row.due as number)), readable(formatInteger(row.completed as number)), readable(formatPercent(row.completion_rate as number))]));
    expect(readable(await page.locator('#org-trend-panel .panel__note').textContent())).toMatch(/^По организации: доля завершённых/);

    // The same flag on the charts of the other pages: the axis label and the table row.
    await page.click('#nav a[href^="/engagement?"]');
    await ready(page);
    const axis = (await page.locator('#engagement-chart g.role-axis-label text').allTextContents()).map(readable);
    expect(axis).toEqual(expect.arrayContaining(['⚠ СОШ-5', '⚠ ДОУ-7']));
    const tableNote = await page.locator('#engagement-table tr[data-org="ДОУ-7"] .stale-mark').getAttribute('title');
    expect(tableNote).toContain(DEMO_STALE_MESSAGE);
    expect(consoleWatch.problems).toEqual([]);
  }, 60_000);

  it('resizes charts with the window, keeps one view per chart, and offers PNG and SVG export', async () => {
    await page.goto(`${server.url}/engagement?${query(YEAR_2024)}`);
    await ready(page);
    // Filter changes replace the views: old ones are finalized and removed, not stacked.
    await page.click('#academic-years button:has-text("2023/24")');
    await ready(page);
    await page.click('#academic-years button:has-text("2024/25")');
    await ready(page);
    // Five panels of the page and its «Динамика по месяцам» (drawn once in view).
    await page.locator('#engagement-trend-panel').scrollIntoViewIfNeeded();
    await expect.poll(() => page.locator('#page-content .vega-embed').count()).toBe(6);

    const width = () => page.locator('#engagement-chart svg.marks').evaluate((svg) => svg.getBoundingClientRect().width);
    const wide = await width();
    await page.setViewportSize({ width: 800, height: 900 });
    await expect.poll(width).toBeLessThan(wide - 200);
    await page.setViewportSize({ width: 1440, height: 900 });
    await expect.poll(width).toBeGreaterThan(wide - 5);

    // A bar's tooltip names the organization and gives the counts behind its share.
    const engagement = await api<{ rows: Array<{ org: string | null; org_name: string; engagement_rate: number | null; engaged: number; teachers: number }> }>(
      `/api/metrics/engagement?${query(YEAR_2024)}`,
    );
    const top = engagement.rows
      .filter((row) => row.org !== null)
      .sort((a, b) => (b.engagement_rate ?? -1) - (a.engagement_rate ?? -1) || a.org!.localeCompare(b.org!, 'ru', { numeric: true }))[0]!;
    await page.locator('#engagement-chart g.bars_marks path').first().hover();
    const tooltip = page.locator('#vg-tooltip-element');
    await tooltip.waitFor({ state: 'visible' });
    expect(readable(await tooltip.locator('h2').textContent())).toBe(top.org_name);
    expect(readable(await tooltip.textContent())).toContain(
      readable(`${formatPercent(top.engagement_rate)} (${formatOutOf(top.engaged, top.teachers)})`),
    );
    await page.mouse.move(0, 0);

    // The menu's keyboard stop has a name (it had none: an outside review).
    await expect(page.getAttribute('#engagement-chart .vega-embed summary', 'aria-label')).resolves.toBe('Сохранить диаграмму (PNG или SVG)');
    await page.click('#engagement-chart .vega-embed summary');
    const actions = (await page.locator('#engagement-chart .vega-actions a').allTextContents()).map(readable);
    expect(actions).toEqual(['Сохранить как SVG', 'Сохранить как PNG']);
    // Escape closes the menu and gives the focus back to its button (it stayed open: an outside review).
    await page.keyboard.press('Escape');
    await expect(page.locator('#engagement-chart .vega-embed details').getAttribute('open')).resolves.toBeNull();
    await expect(page.evaluate(() => document.activeElement?.matches('#engagement-chart .vega-embed summary') ?? false)).resolves.toBe(true);
    await page.click('#engagement-chart .vega-embed summary');
    // The file is named after the chart and the period.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#engagement-chart .vega-actions a:has-text("SVG")')]);
    expect(download.suggestedFilename()).toBe(`vovlechennost_${YEAR_2024.from}_${YEAR_2024.to}.svg`);
    expect(consoleWatch.problems).toEqual([]);
  }, 60_000);

  it('«Выгрузить» saves the server’s workbook, and says in the server’s words why it refused one (it saved a cancelled export.json, silently)', async () => {
    await page.goto(`${server.url}/engagement?${query(YEAR_2024)}`);
    await ready(page);
    const [saved] = await Promise.all([page.waitForEvent('download'), page.click('#export-link')]);
    expect(saved.suggestedFilename()).toMatch(/\.xlsx$/);
    const bytes = await readFile((await saved.path())!);
    expect(bytes.subarray(0, 2).toString('latin1')).toBe('PK'); // a workbook (a zip), not an error's JSON
    await expect(page.locator('#download-error').isHidden()).resolves.toBe(true);

    // The end of the period before its start: the server refuses the workbook with a 400.
    const bad = { from: '2025-05-01', to: '2025-01-01' };
    const refusal = await server.fetch(`/api/export.xlsx?${query(bad)}&metrics=engagement`);
    expect(refusal.status).toBe(400);
    const message = ((await refusal.json()) as { error: { message: string } }).error.message;
    await page.goto(`${server.url}/engagement?${query(bad)}`);
    await page.waitForFunction(() => document.querySelector('main')?.dataset.state !== 'loading');
    let downloads = 0;
    page.on('download', () => downloads++);
    await page.click('#export-link');
    await page.locator('#download-error').waitFor({ state: 'visible' });
    expect(readable(await page.textContent('#download-error'))).toBe('Файл не выгружен. Конец периода (01.01.2025) раньше его начала (01.05.2025)');
    expect(message).toBe('конец периода (01.01.2025) раньше его начала (01.05.2025)');
    expect(downloads).toBe(0);
  }, 60_000);

  it('says when a period has no data, and keeps the page when one metric fails', async () => {
    // A period before any mentoring: teachers exist, pairs do not.
    await page.goto(`${server.url}/engagement?${query({ from: '2015-09-01', to: '2016-08-31' })}`);
    await ready(page);
    expect(readable(await page.textContent('#pairs-form-panel .empty'))).toBe('В выбранном периоде нет действующих наставнических пар.');
    expect(readable(await page.textContent('#mentors-panel .empty'))).toBe('В выбранном периоде нет действующих наставнических пар.');
    // The shares of 0 % say why (they read like a failure of every school: an outside review).
    expect(readable(await page.textContent('#engagement-panel .panel__note'))).toBe(
      'В выбранном периоде ни один педагог не был наставником или наставляемым: нет действующих наставнических пар (возможно, период раньше начала учёта) — поэтому доли равны 0 %.',
    );
    await expect(page.locator('.panel__error').count()).resolves.toBe(0);

    // One failing metric: its panel says so, the other panels draw.
    // One matcher, so that `unroute` removes this very route (it compares the matcher itself).
    const pairsByTopic = (url: URL) => url.pathname === '/api/metrics/pairs_by_topic';
    await page.route(
      pairsByTopic,
      (route) => route.fulfill({ status: 500, json: { error: { code: 'internal', message: 'внутренняя ошибка сервера; подробности — в журнале сервера' } } }),
    );
    try {
      await page.goto(`${server.url}/engagement?${query(YEAR_2024)}`);
      await ready(page);
      // A period with pairs: no such sentence.
      await expect(page.locator('#engagement-panel .panel__note').isVisible()).resolves.toBe(false);
      expect(readable(await page.textContent('#pairs-topic-panel .panel__error'))).toBe(
        'Внутренняя ошибка сервера; подробности — в журнале сервера',
      );
      await expect(page.locator('#engagement-chart svg.marks').count()).resolves.toBe(1);
      await expect(page.locator('#pairs-form-chart svg.marks').count()).resolves.toBe(1);
      await expect(page.isVisible('#error')).resolves.toBe(false);
    } finally {
      await page.unroute(pairsByTopic);
      // The browser reports the 500 it was given: expected here, not a fault of the page.
      consoleWatch.clear();
    }

    // A period that ends before it starts: one message for the page, in the server's words, and
    // no request refused for it (a dozen 400s filled the console).
    const metricRequests: string[] = [];
    const onRequest = (request: { url(): string }) => {
      if (new URL(request.url()).pathname.startsWith('/api/metrics/')) metricRequests.push(request.url());
    };
    page.on('request', onRequest);
    await page.fill('#filter-to', '2024-08-01');
    await page.waitForSelector('main[data-state="error"]');
    page.off('request', onRequest);
    expect(readable(await page.textContent('#error'))).toBe('Конец периода (01.08.2024) раньше его начала (01.09.2024)');
    await expect(page.locator('#page-content svg.marks').count()).resolves.toBe(0);
    // A start still to come, after the end: the error alone, no note that the period «ещё не начался»
    // beside it (both were on the page: an outside review).
    await page.fill('#filter-from', '2026-05-01');
    await expect.poll(async () => readable(await page.textContent('#error'))).toBe('Конец периода (01.08.2024) раньше его начала (01.05.2026)');
    await expect(page.isVisible('#period-banner')).resolves.toBe(false);
    expect(metricRequests).toEqual([]);
    expect(consoleWatch.problems).toEqual([]);
  }, 60_000);

  it('lists the items of the order and the problems found in the schools’ sheets', async () => {
    await page.goto(`${server.url}/compliance?${query(YEAR_2024)}`);
    await ready(page);
    const items = (await page.locator('#compliance-items-panel .item-list li').allTextContents()).map(readable);
    expect(items.map((item) => item.slice(0, 4))).toEqual(['3.1.', '3.3.', '3.4.', '3.5.', '3.6.', '3.7.']);
    expect(items[3]).toContain('Утвердить план («дорожную карту») по реализации Положения о системе наставничества');
    const compliance = await api<{ rows: Array<{ org: string | null; item: string | null; done_on_time: number; done_late: number; not_done: number }> }>(
      `/api/metrics/compliance?${query(YEAR_2024)}`,
    );
    // Each item says its three counts in words, the API's (they were on the chart alone).
    const totals = compliance.rows.filter((row) => row.org === null && row.item !== null);
    expect(items.map((item) => /в срок — (\d+) из (\d+) организаций.*, с опозданием — (\d+), не исполнено — (\d+)$/.exec(item)?.slice(1).map(Number))).toEqual(
      totals.map((row) => [row.done_on_time, row.done_on_time + row.done_late + row.not_done, row.done_late, row.not_done]),
    );
    // The table says what its «Дата отчёта (п. 4)» is, and item 4's deadline (the same date at every school read as a report on time).
    expect(readable(await page.textContent('#compliance-matrix-table caption'))).toContain(
      'п. 4 — проинформировать муниципального координатора об исполнении пункта 3 данного распоряжения (срок — до 06.03.2023); дата отчёта — день первой синхронизации, в которой на листе «Исполнение распоряжения» заполнена «Дата исполнения»',
    );
    const cells = compliance.rows.filter((row) => row.org !== null && row.item !== null).length;
    await expect(page.locator('#compliance-matrix-chart g.cells_marks path').count()).resolves.toBe(cells);

    await page.click('#nav a[href^="/data-quality?"]');
    await ready(page);
    // The last loads' quality has no period: its picker and the comparison are not offered (they did nothing: an outside review).
    await expect(page.locator('.filters__period').isHidden()).resolves.toBe(true);
    await expect(page.locator('.filters__compare').isHidden()).resolves.toBe(true);
    await expect(page.locator('.filters__orgs').isVisible()).resolves.toBe(true);
    const quality = await api<{ issues: Array<{ org: string | null; tab: string | null; row: number | null }> }>('/api/quality');
    const first = quality.issues.find((issue) => issue.org !== null && issue.row !== null)!;
    const group = page.locator(`#issues-panel details.issues[data-org="${first.org}"]`);
    // Many organizations: their lists are folded and drawn when opened (a region's would be 270,000 elements).
    if (!(await group.evaluate((d) => (d as HTMLDetailsElement).open))) {
      await expect(group.locator('table').count()).resolves.toBe(0);
      await group.locator('summary').click();
    }
    // Drawn on the `toggle` event, which the browser fires in a task after the click: waited for.
    await expect.poll(() => group.locator('caption', { hasText: `Лист «${first.tab}»` }).count()).toBe(1);
    const rowNumbers = (await group.locator('tbody th').allTextContents()).map(readable);
    expect(rowNumbers).toContain(String(first.row));
    // The stale organizations are named with their reason in the status table.
    expect(readable(await page.locator('#freshness-table tr[data-org="СОШ-5"]').textContent())).toContain(DEMO_STALE_MESSAGE);
    // One count of warnings on the page: the table's, the panel's and the list's all take in the
    // categories that differ from «Аттестация» (the table read 20 beside the panel's 21: an acceptance run).
    const dq = await api<{ rows: Array<{ org: string | null; warnings: number; category_mismatches: number }> }>('/api/metrics/data_quality');
    const all = dq.rows.find((row) => row.org === null)!;
    const warned = all.warnings + all.category_mismatches;
    expect(readable(await page.locator('#problems-panel .panel__note').textContent())).toContain(`предупреждений: ${warned}`);
    const head = (await page.locator('#freshness-table thead th').allTextContents()).map(readable);
    const totalRow = (await page.locator('#freshness-table tr.total > *').allTextContents()).map(readable);
    expect(totalRow[head.indexOf('Предупреждений')]).toBe(String(warned));
    expect(head).toContain('Из них: категория в «Педагогах» не совпадает с «Аттестацией»');
    expect(totalRow[head.indexOf('Из них: категория в «Педагогах» не совпадает с «Аттестацией»')]).toBe(String(all.category_mismatches));
    expect(consoleWatch.problems).toEqual([]);
  }, 60_000);

  it('compares two periods side by side: both periods in the chart, the change in the table, in the workbook too', async () => {
    const cmp = { cmp_from: YEAR_2023.from, cmp_to: YEAR_2023.to };
    await page.goto(`${server.url}/engagement?${query({ ...YEAR_2024, ...cmp })}`);
    await ready(page);
    const panel = page.locator('#compare-panel');
    await expect(panel.isVisible()).resolves.toBe(true);
    await expect(page.locator('#filter-compare').inputValue()).resolves.toBe('year');
    const answer = await api<{ rows: Array<{ org: string | null; values: Record<string, { base: number | null; current: number | null; delta: number | null }> }> }>(
      `/api/metrics/engagement/compare?${query({ ...YEAR_2024, ...cmp })}`,
    );
    // One bar per period for every organization and the total; a stale organization carries its ⚠ here too.
    await expect(panel.locator('svg.marks g.bars_marks path').count()).resolves.toBe(2 * answer.rows.length);
    const axis = (await panel.locator('svg.marks g.role-axis-label text').allTextContents()).map(readable);
    expect(axis).toEqual(expect.arrayContaining(['СОШ-2', '⚠ СОШ-5', '⚠ ДОУ-7', 'Итого']));
    const legend = (await panel.locator('svg.marks g.role-legend text').allTextContents()).map(readable);
    expect(legend).toEqual(expect.arrayContaining(['01.09.2023 — 31.08.2024', '01.09.2024 — 31.08.2025']));
    // The table: the share in both periods and the change in percentage points, as the API says.
    const total = answer.rows.find((row) => row.org === null)!.values.engagement_rate!;
    const pct = (x: number) => `${(Math.round(x * 1000) / 10).toFixed(1).replace('.', ',')} %`;
    const totalRow = (await panel.locator('#compare-table tbody tr.total > *').allTextContents()).map(readable);
    expect(totalRow.slice(0, 3)).toEqual(['Итого', pct(total.base!), pct(total.current!)]);
    expect(totalRow[3]).toMatch(/^[−+]?\d+,\d п\.п\.$/);
    await expect(panel.locator('#compare-table tbody tr').count()).resolves.toBe(answer.rows.length);
    // «Выгрузить» carries the comparison to the workbook.
    const href = new URL((await page.locator('#export-link').getAttribute('href'))!, server.url);
    expect([href.searchParams.get('cmp_from'), href.searchParams.get('cmp_to')]).toEqual([YEAR_2023.from, YEAR_2023.to]);
    await takeScreenshot(page, 'compare-engagement');
    // «не сравнивать» removes it from the page and the address; «годом раньше» brings it back.
    await page.selectOption('#filter-compare', '');
    await ready(page);
    await expect(panel.isVisible()).resolves.toBe(false);
    expect(new URL(page.url()).searchParams.get('cmp_from')).toBeNull();
    await page.selectOption('#filter-compare', 'year');
    await ready(page);
    expect(new URL(page.url()).searchParams.get('cmp_from')).toBe(YEAR_2023.from);
    await expect(panel.isVisible()).resolves.toBe(true);
    expect(consoleWatch.problems).toEqual([]);
  }, 60_000);

  it('follows a page’s shares by month: the API’s month-end totals in the table and the chart, another share from the list (an organization’s own: below)', async () => {
    type Totals = Array<Record<string, number | string | null>>;
    /** The API's total rows of `metric` by month up to May 2025 (today: the line stops there), in month order. */
    const monthly = async (metric: string): Promise<Totals> => {
      const body = await api<{ rows: Totals }>(`/api/metrics/${metric}?${query({ ...YEAR_2024, to: '2025-05-31', grain: 'month' })}`);
      return body.rows.filter((row) => row.org === null).sort((a, b) => String(a.month).localeCompare(String(b.month)));
    };
    const int = (x: unknown) => readable(formatInteger(x as number));
    /** The trend table as the page draws it: month, the whole, the part, the share. */
    const table = async (id: string) =>
      Promise.all((await page.locator(`#${id}-table tbody tr`).all()).map(async (row) => (await row.locator('th, td').allTextContents()).map(readable)));
    const expected = (rows: Totals, whole: string, part: string, rate: string) =>
      rows.map((row) => [String(row.month).split('-').reverse().join('.'), int(row[whole]), int(row[part]), readable(formatPercent(row[rate] as number))]);

    await page.goto(`${server.url}/professional-development?${query(YEAR_2024)}`);
    await ready(page);
    // The panel is drawn when it comes into view (its month ends are the page's costliest query).
    await page.locator('#pd-trend-panel').scrollIntoViewIfNeeded();
    await page.locator('#pd-trend-chart svg.marks').waitFor();
    // September to May: nine month ends, the first 30.09.2024.
    const pd = await monthly('professional_development');
    expect(pd.map((row) => row.month)).toEqual(['2024-09-30', '2024-10-31', '2024-11-30', '2024-12-31', '2025-01-31', '2025-02-28', '2025-03-31', '2025-04-30', '2025-05-31']);
    expect(await table('pd-trend')).toEqual(expected(pd, 'teachers', 'trained', 'pd_coverage'));
    // The month's columns say what the month's count is: courses since the period's start.
    expect((await page.locator('#pd-trend-table thead th').allTextContents()).map(readable)).toEqual([
      'Месяц',
      'Педагогов на конец месяца',
      'Прошли курсы с начала периода до конца месяца',
      'Охват повышением квалификации',
    ]);
    await expect(page.locator('#pd-trend-chart g.points_marks path').count()).resolves.toBe(9);
    expect(readable(await page.locator('#pd-trend-panel .panel__note').textContent())).toBe(
      'По муниципалитету: доля педагогов, завершивших курсы повышения квалификации с начала периода, на конец каждого месяца (до текущего месяца).',
    );
    // The other share of the page: the categories raised.
    await page.selectOption('#pd-trend-indicator', { label: 'Доля повысивших' });
    const upgrades = await monthly('qualification_growth');
    await expect.poll(() => table('pd-trend')).toEqual(expected(upgrades, 'teachers', 'upgraded', 'upgrade_rate'));
    await expect(page.locator('#pd-trend-chart g.points_marks path').count()).resolves.toBe(9);

    expect(consoleWatch.problems).toEqual([]);
  }, 60_000);

  it('offers «Справка» in the account box after login: the page for the schools with the template', async () => {
    await page.goto(`${server.url}/?${query(YEAR_2024)}`);
    await ready(page);
    const help = page.locator('#account .account__help');
    await expect(help.isVisible()).resolves.toBe(true);
    await expect(help.getAttribute('href')).resolves.toBe('/help');
    await help.click();
    await page.waitForURL((url) => url.pathname === '/help');
    await expect(page.locator('h1').textContent()).resolves.toContain('таблиц');
    await expect(page.locator('a[href="/template.xlsx"]').count()).resolves.toBe(1);
    await page.goBack();
    await ready(page);
  }, 30_000);
});
