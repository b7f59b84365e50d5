/**
 * Issue #20 in Chromium: running the product from the browser. The base municipality
 * (test/fixtures/bad/base.ts: СОШ-1 with 6 teachers, ДОУ-1 with 2, 8 in all) is loaded; then
 * СОШ-1 gains a teacher. The coordinator opens «Синхронизация», presses «Синхронизировать
 * сейчас», watches the progress (each sheet takes a while to read here) and sees the run in the
 * journal; the overview then counts 9 teachers. A school account re-reads its own sheet from
 * its organization's page once; the button then says when it may be pressed again, also after
 * a reload.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthStore } from '../../server/auth/store.ts';
import { createClientRouter } from '../../server/routes/client.ts';
import type { Source } from '../../server/sources/types.ts';
import { runSync } from '../../server/sync/run.ts';
import { addRow, baseMunicipality } from '../fixtures/bad/base.ts';
import { launchBrowser, requireBrowser, takeScreenshot, watchConsole } from '../support/browser.ts';
import { createMemorySource } from '../support/memorySource.ts';
import { openTempDb, startServer, type RunningServer, type TempDb } from '../support/server.ts';
import { Mailer, type SendFn } from '../../server/mail/mailer.ts';
import { Subscriptions } from '../../server/mail/subscriptions.ts';
import { MetricCache } from '../../server/metrics/cache.ts';

const KOORD = { login: 'koordinator', password: 'Надёжный-пароль-2025' };
const SCHOOL = { login: 'sosh1', password: 'Пароль-школы-2025' };

let tmp: TempDb;
let server: RunningServer;
let browser: Browser;
const m = baseMunicipality();
/** Each sheet takes this long to read: long enough to see the progress. */
let readDelayMs = 0;
/** The mail that left (the SMTP boundary: tests/integration/mail.test.ts talks to a real SMTP server). */
const mailed: Parameters<SendFn>[0][] = [];

beforeAll(async () => {
  requireBrowser();
  tmp = await openTempDb();
  const memory = createMemorySource(m);
  const source: Source = {
    ...memory,
    readRegistry: () => memory.readRegistry(),
    fetchOrg: async (org, ctx) => {
      await new Promise((resolve) => setTimeout(resolve, org.code === 'СОШ-1' ? readDelayMs : readDelayMs * 2));
      return memory.fetchOrg(org, ctx);
    },
  };
  expect((await runSync({ db: tmp.db, source, trigger: 'test' })).status).toBe('ok');
  const store = new AuthStore(tmp.db);
  await store.addUser({ login: KOORD.login, role: 'coordinator', password: KOORD.password });
  await store.addUser({ login: SCHOOL.login, role: 'school', org: 'СОШ-1', password: SCHOOL.password });
  const cache = new MetricCache(tmp.db);
  const mailer = new Mailer(tmp.db, store, { from: 'monitor@edu.example.ru', send: async (msg) => void mailed.push(msg), retryDelaysMs: [0] });
  server = await startServer({
    db: tmp.db,
    client: await createClientRouter(),
    auth: { store, demoLogin: false },
    metricCache: cache,
    subscriptions: new Subscriptions({ db: tmp.db, cache, mailer, store }),
    startSync: (r) => runSync({ db: tmp.db, source, trigger: r?.trigger ?? 'api', ...(r?.org !== undefined ? { only: [r.org], full: true } : {}) }),
  });
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  tmp?.cleanup();
});

async function signedIn(account: { login: string; password: string }): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ru-RU', timezoneId: 'UTC' });
  const res = await context.request.post(`${server.url}/api/session`, { data: account });
  expect(res.status()).toBe(200);
  return context;
}

describe('the operations page', () => {
  it('syncs from the button with live progress and ends with the new data on screen', async () => {
    const context = await signedIn(KOORD);
    const page = await context.newPage();
    const console = watchConsole(page);
    await page.goto(`${server.url}/operations`);
    await page.waitForSelector('main[data-state="ready"]');
    // The journal has the first sync; the audit log and the tokens are there too.
    await expect(page.locator('#runs table.ops-runs > tbody > tr').count()).resolves.toBe(1);
    await expect(page.locator('#nav a[aria-current="page"]').textContent()).resolves.toBe('Синхронизация');

    addRow(m, 'СОШ-1', 'Педагоги', { ФИО: 'Новикова Ольга Сергеевна', Должность: 'учитель', Категория: 'Без категории' });
    readDelayMs = 1200;
    await page.click('#sync-now');
    await expect.poll(() => page.locator('#sync-state').textContent(), { timeout: 10_000 }).toMatch(/^Идёт синхронизация: /);
    await expect(page.locator('#sync-now').isDisabled()).resolves.toBe(true);
    await expect(page.locator('#sync-progress').isVisible()).resolves.toBe(true);
    // Midway: СОШ-1 is read (1.2 s), ДОУ-1 not yet (2.4 s).
    await expect.poll(() => page.locator('#sync-state').textContent(), { timeout: 10_000 }).toContain('прочитано 1 из 2');
    await takeScreenshot(page, 'operations-progress');
    await expect
      .poll(() => page.locator('#sync-state').textContent(), { timeout: 15_000 })
      .toMatch(/^Синхронизация завершена: организаций загружено 1, без изменений 1, с ошибкой 0; строк загружено 18/);
    readDelayMs = 0;
    await expect(page.locator('#sync-now').isDisabled()).resolves.toBe(false);
    // The new run heads the journal: from the browser, 1 loaded, 1 unchanged, 18 rows.
    await expect.poll(() => page.locator('#runs table.ops-runs > tbody > tr').count()).toBe(2);
    const first = page.locator('#runs table.ops-runs > tbody > tr').first();
    const cells = (await first.locator(':scope > td').allTextContents()).slice(1, 7);
    expect(cells).toEqual(['из браузера', 'успешно', '1', '1', '0', '18']);
    await first.locator('details summary').click();
    const orgRows = await first.locator('details tbody tr').allTextContents();
    expect(orgRows).toHaveLength(2);
    expect(orgRows).toEqual(expect.arrayContaining([expect.stringMatching(/^СОШ-1загружена180—$/), expect.stringMatching(/^ДОУ-1без изменений/)]));
    await takeScreenshot(page, 'operations-done');
    // The audit log names the start; the filter keeps only that action.
    await page.selectOption('#audit-filters select[name=action]', 'sync_start');
    await page.click('#audit-filters button[type=submit]');
    await expect.poll(() => page.locator('#audit tbody tr').allTextContents()).toEqual([expect.stringContaining('koordinatorзапуск синхронизации')]);

    // The new data on the dashboard: 9 teachers now.
    await page.click('#nav a[href^="/?"]');
    await page.waitForSelector('main[data-state="ready"]');
    // (The numbers are joined to their words with no-break spaces.)
    const tiles = (await page.locator('#tiles-panel').innerText()).replace(/\u00a0/g, ' ');
    expect(tiles).toContain('6 из 9 педагогов');
    expect(console.problems).toEqual([]);
    await context.close();
  }, 60_000);

  it('makes an API token shown once and revokes it', async () => {
    const context = await signedIn(KOORD);
    const page = await context.newPage();
    await page.goto(`${server.url}/operations`);
    await page.waitForSelector('main[data-state="ready"]');
    await page.fill('#token-form input[name=name]', 'отчёт-для-региона');
    await page.click('#token-form button[type=submit]');
    const secret = (await page.locator('#token-secret').textContent({ timeout: 10_000 }))!;
    expect((await fetch(`${server.url}/api/metrics/engagement`, { headers: { Authorization: `Bearer ${secret}` } })).status).toBe(200);
    const row = page.locator('#tokens tbody tr', { hasText: 'отчёт-для-региона' });
    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Отозвать' }).click();
    await expect.poll(() => row.innerText()).toContain('отозван');
    expect((await fetch(`${server.url}/api/metrics/engagement`, { headers: { Authorization: `Bearer ${secret}` } })).status).toBe(401);
    await context.close();
  }, 30_000);

  it('creates, edits, sends now and deletes a report delivery', async () => {
    const context = await signedIn(KOORD);
    const page = await context.newPage();
    const console = watchConsole(page);
    await page.goto(`${server.url}/operations`);
    await page.waitForSelector('main[data-state="ready"]');
    await page.fill('#subscription-form [name=name]', 'Еженедельно координатору');
    await page.fill('#subscription-form [name=recipients]', 'koord@edu.example.ru');
    await page.fill('#subscription-form [name=cron]', '0 8 * * 1');
    // The summary PDF is the default; the workbook here (Chromium prints the PDF in report.test.ts).
    await expect(page.inputValue('#subscription-form [name=format]')).resolves.toBe('summary');
    await page.selectOption('#subscription-form [name=format]', 'xlsx');
    await expect.poll(() => page.locator('#cron-preview').textContent()).toContain('В 08:00, только в понедельник');
    await page.click('#subscription-form button[type=submit]');
    const row = page.locator('#subscriptions-table tbody tr', { hasText: 'Еженедельно координатору' });
    await expect.poll(() => row.count()).toBe(1);
    // Edited: another schedule and a second address.
    await row.locator('.sub-edit').click();
    await expect(page.locator('#subscription-form').getAttribute('data-mode')).resolves.toBe('edit');
    await page.fill('#subscription-form [name=recipients]', 'koord@edu.example.ru, zam@edu.example.ru');
    await page.fill('#subscription-form [name=cron]', '0 9 1 * *');
    await page.click('#subscription-form button[type=submit]');
    await expect.poll(() => row.innerText()).toContain('zam@edu.example.ru');
    await expect(row.innerText()).resolves.toMatch(/В 09:00, в 1 число месяца/);
    // Sent now: one message to both addresses, with the workbook.
    await row.locator('.sub-send').click();
    await expect.poll(() => page.locator('#subscriptions-state').textContent(), { timeout: 20_000 }).toMatch(/^Рассылка «Еженедельно координатору» отправлена/);
    expect(mailed).toHaveLength(1);
    expect(mailed[0]!.to).toEqual(['koord@edu.example.ru', 'zam@edu.example.ru']);
    expect(mailed[0]!.attachments.map((a) => a.filename)).toEqual([expect.stringMatching(/^nastavnichestvo_\d{4}-09-01_\d{4}-\d{2}-\d{2}\.xlsx$/)]);
    await expect.poll(() => page.locator('#outbox-table tbody tr').count()).toBe(1);
    await takeScreenshot(page, 'operations-subscriptions');
    // Deleted, after the confirmation.
    page.once('dialog', (d) => void d.accept());
    await row.locator('.sub-delete').click();
    await expect.poll(() => page.locator('#subscriptions-table tbody tr', { hasText: 'Еженедельно координатору' }).count()).toBe(0);
    expect(console.problems).toEqual([]);
    await context.close();
  }, 40_000);

  it('is not for a school: its own page has the re-read button, which works once and then says when', async () => {
    const context = await signedIn(SCHOOL);
    const page = await context.newPage();
    const console = watchConsole(page);
    // The page itself is refused to a school (the server's page guard).
    expect((await context.request.get(`${server.url}/operations`)).status()).toBe(403);
    // Its overview ranks no one: its answers hold its own organization only, which was listed
    // alone as «lagging», above the municipal share (an acceptance run).
    await page.goto(`${server.url}/`);
    await page.waitForSelector('main[data-state="ready"]');
    await expect(page.locator('#trend-panel').isVisible()).resolves.toBe(true);
    await expect(page.locator('#lagging-panel').count()).resolves.toBe(0);
    await page.goto(`${server.url}/org/${encodeURIComponent('СОШ-1')}`);
    await page.waitForSelector('main[data-state="ready"]');
    const box = page.locator('#reread-box');
    await expect.poll(() => box.locator('.reread__last').textContent()).toMatch(/^Таблица последний раз прочитана \d{2}\.\d{2}\.\d{4} \d{2}:\d{2}/);
    await expect(page.locator('#reread').isDisabled()).resolves.toBe(false);
    // The box drawn before the re-read, marked: a page drawn again has a new one.
    await page.evaluate(() => ((document.querySelector('#reread-box') as HTMLElement).dataset.before = '1'));
    // The page asks the server again: the answers it kept for a minute held the old load times
    // under «Данные на странице обновлены» (an acceptance run).
    const asked = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/metrics/data_quality', { timeout: 20_000 });
    await page.click('#reread');
    await expect
      .poll(() => page.locator('#reread-result').textContent(), { timeout: 15_000 })
      .toMatch(/^Таблица прочитана: загружено строк 18, в карантине 0\. Данные на странице обновлены\. Перечитать снова можно будет в \d{2}:\d{2} \(через 10 мин\)\.$/);
    // The page is drawn again with the data as it stands now (it kept the old figures and
    // findings under the new outcome until reloaded: an outside review); the outcome stays.
    await page.waitForSelector('main[data-state="ready"]');
    await expect.poll(() => page.evaluate(() => document.querySelector<HTMLElement>('#reread-box')?.dataset.before ?? 'new')).toBe('new');
    await expect.poll(() => page.locator('#reread-result').textContent()).toMatch(/^Таблица прочитана: загружено строк 18, в карантине 0\. Данные на странице обновлены\./);
    await expect(page.locator('#reread').isDisabled()).resolves.toBe(true);
    await asked;
    await takeScreenshot(page, 'reread-school');
    await page.reload();
    await page.waitForSelector('main[data-state="ready"]');
    await expect.poll(() => page.locator('#reread-result').textContent()).toMatch(/^Перечитать таблицу снова можно будет в \d{2}:\d{2} \(через (9|10) мин\)\.$/);
    await expect(page.locator('#reread').isDisabled()).resolves.toBe(true);
    expect(console.problems).toEqual([]);
    await context.close();
  }, 60_000);
});
