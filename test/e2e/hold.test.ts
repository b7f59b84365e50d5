/**
 * Issue #17 in Chromium: a held load on the organization's page. The fixture municipality
 * (test/fixtures/municipality) is loaded; then СОШ-7's «Педагоги» keeps only its header (18
 * rows → 0), so the next sync holds the organization and keeps its data. The coordinator
 * logs in through the form, opens /org/СОШ-7, reads why the load was held (both counts) and
 * accepts it with the button; the sync the server starts loads the sheet as it is, and the
 * page reloaded says so. «Качество данных» names the status too.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthStore } from '../../server/auth/store.ts';
import { createClientRouter } from '../../server/routes/client.ts';
import { parseCsv } from '../../server/sources/csv.ts';
import type { RawTab } from '../../server/sources/types.ts';
import { runSync, type SyncSummary } from '../../server/sync/run.ts';
import { launchBrowser, takeScreenshot, watchConsole, requireBrowser } from '../support/browser.ts';
import { createMemorySource, type MemorySource } from '../support/memorySource.ts';
import { openTempDb, startServer, type RunningServer, type TempDb } from '../support/server.ts';

const FIXTURE = new URL('../fixtures/municipality/', import.meta.url).pathname;
const COORDINATOR = { login: 'koordinator', password: 'Надёжный-пароль-2025' };
const NOW = new Date('2025-01-20T09:00:00Z');

const csv = (file: string) => parseCsv(readFileSync(file, 'utf8'));
const tabsOf = (code: string): RawTab[] => readdirSync(join(FIXTURE, code)).map((f) => ({ title: f.replace(/\.csv$/, ''), grid: csv(join(FIXTURE, code, f)) }));

let tmp: TempDb;
let server: RunningServer;
let browser: Browser;
let source: MemorySource;
let started: Promise<SyncSummary> | null = null;

beforeAll(async () => {
  requireBrowser();
  tmp = await openTempDb();
  source = createMemorySource({
    registry: [{ title: 'Организации', grid: csv(join(FIXTURE, 'registry.csv')) }],
    sheets: Object.fromEntries(['СОШ-7', 'ДОУ-5', 'ДДТ-1'].map((code) => [code, tabsOf(code)])),
  });
  const sync = () => runSync({ db: tmp.db, source, trigger: 'test', now: () => NOW });
  expect((await sync()).status).toBe('ok');
  const teachers = source.data.sheets['СОШ-7']!.find((t) => t.title === 'Педагоги')!;
  teachers.grid = teachers.grid.slice(0, 1);
  const held = await sync();
  expect(held.orgs.find((o) => o.org === 'СОШ-7')?.status).toBe('held');

  const store = new AuthStore(tmp.db);
  await store.addUser({ login: COORDINATOR.login, role: 'coordinator', password: COORDINATOR.password });
  server = await startServer({
    db: tmp.db,
    now: () => new Date('2024-06-15T10:00:00Z'),
    client: await createClientRouter(),
    auth: { store, demoLogin: false },
    startSync: () => (started = sync()),
  });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  tmp?.cleanup();
});

describe('a held load in the browser', () => {
  it('is named on «Качество данных» and on the organization’s page, whose button loads it as it is', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'ru-RU' });
    const console = watchConsole(page);
    await page.goto(`${server.url}/login?next=/data-quality`);
    await page.fill('input[name=login]', COORDINATOR.login);
    await page.fill('input[name=password]', COORDINATOR.password);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/data-quality/);
    await page.locator('#freshness-table tr', { hasText: 'СОШ-7' }).filter({ hasText: 'задержаны до подтверждения' }).first().waitFor();

    await page.goto(`${server.url}/org/${encodeURIComponent('СОШ-7')}`);
    const box = page.locator('.hold-box');
    await box.waitFor();
    const text = await box.innerText();
    expect(text).toContain('⚠ Загрузка задержана');
    expect(text).toContain('на листе «Педагоги» в прошлой загрузке 18 строк, теперь загрузилось бы 0 строк');
    await takeScreenshot(page, 'hold-org-page');

    await box.getByRole('button', { name: 'Принять уменьшение и загрузить' }).click();
    await expect.poll(() => page.locator('.hold-box__result').innerText()).toBe('Принято: синхронизация запущена, данные будут загружены как есть.');
    const done = await started!;
    expect(done.orgs.find((o) => o.org === 'СОШ-7')?.status).toBe('ok');

    await page.reload();
    await page.locator('#org-quality-panel dl.facts').waitFor();
    expect(await page.locator('.hold-box').count()).toBe(0);
    expect(console.problems).toEqual([]);
    await page.close();
  });
});
