/**
 * Every page of the dashboard in real Chromium against the REAL server on the demo municipality
 * (test/support/demoServer.ts), on a desktop and on a phone at once: its charts drawn, no panel in
 * error, no console error, nothing wider than the phone's screen. The rest of the dashboard's
 * behaviour is dashboard.test.ts; this tour is a file of its own so that the two run side by side
 * (it took a fifth of the browser tests' time, all in one file).
 *
 * Screenshots of every page at 1440×900 and 390×844 go to test/e2e/screenshots/ (SCREENSHOTS=1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { takeScreenshot, watchConsole, type ConsoleWatch, skipBrowserSuite } from '../support/browser.ts';
import { DEMO_NOW, openDemoDesktop, type DemoDesktop, type DemoServer } from '../support/demoServer.ts';

const skip = skipBrowserSuite();

const YEAR_2024 = { from: '2024-09-01', to: '2025-08-31' };

interface PageCase {
  path: string;
  /** Screenshot name. */
  name: string;
  /** Charts the page must draw (ids of their hosts). */
  charts: string[];
  /** Something else that must be there (the table of «Организации» has bars in its cells). */
  also?: string;
}

const PAGES: PageCase[] = [
  { path: '/', name: 'obzor', charts: ['#trend-chart', '#lagging-chart'], also: '#tiles-panel .tile' },
  { path: '/organizations', name: 'organizacii', charts: [], also: '#organizations-table .bar-cell__bar' },
  { path: '/engagement', name: 'vovlechennost', charts: ['#engagement-chart', '#engagement-trend-chart', '#mentors-chart', '#pairs-form-chart', '#pairs-topic-chart', '#young-chart'] },
  {
    path: '/professional-development',
    name: 'povyshenie-kvalifikacii',
    charts: ['#pd-coverage-chart', '#pd-hours-chart', '#pd-trend-chart', '#categories-chart', '#upgrades-chart', '#lapsing-chart'],
  },
  { path: '/programs', name: 'programmy', charts: ['#program-outcomes-chart', '#program-trend-chart', '#program-progress-chart', '#program-coverage-chart'] },
  { path: '/compliance', name: 'ispolnenie', charts: ['#compliance-items-chart', '#compliance-matrix-chart'], also: '#compliance-matrix-table tbody tr' },
  { path: '/data-quality', name: 'kachestvo-dannyh', charts: ['#rows-loaded-chart', '#problems-chart'], also: '#issues-panel details.issues' },
  { path: '/people', name: 'nastavniki', charts: [], also: '#mentors-register-panel tbody tr' },
  { path: '/practices', name: 'praktiki', charts: ['#events-kinds-chart'], also: '#practices-panel a' },
  { path: '/org/СОШ-5', name: 'organizaciya-sosh-5', charts: ['#org-profile-chart', '#org-trend-chart', '#org-pairs-form-chart', '#org-pairs-topic-chart'], also: '#org-quality-panel dl' },
];

/** Text as the user reads it: no-break spaces (in "42,5 %", "1 250") as plain spaces. */
function readable(text: string | null): string {
  return (text ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();
}

function query(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

async function ready(page: Page): Promise<void> {
  await page.waitForSelector('main[data-state="ready"]');
}

/** Every chart of the page is an SVG with marks in it, and no panel shows an error. */
async function expectCharts(page: Page, pageCase: PageCase): Promise<void> {
  for (const chart of pageCase.charts) {
    // «Динамика по месяцам» is drawn when it comes into view (client/trend.ts): looked at, as a reader would.
    await page.locator(chart).scrollIntoViewIfNeeded();
    await expect.poll(() => page.locator(`${chart} svg.marks`).count(), { message: chart }).toBe(1);
    const marks = await page.locator(`${chart} svg.marks`).locator('path, rect, line, text, circle').count();
    expect(marks, `${chart} has marks`).toBeGreaterThan(3);
  }
  if (pageCase.also) expect(await page.locator(pageCase.also).count(), pageCase.also).toBeGreaterThan(0);
  await expect(page.locator('.panel__error').allTextContents(), pageCase.path).resolves.toEqual([]);
  await expect(page.locator('#error').isVisible()).resolves.toBe(false);
}

describe.skipIf(skip)('every page in Chromium against the real server (demo data), on a desktop and on a phone', () => {
  let server: DemoServer;
  let browser: Browser;
  let page: Page;
  let consoleWatch: ConsoleWatch;

  let demo: DemoDesktop | undefined;
  beforeAll(async () => {
    demo = await openDemoDesktop();
    ({ server, browser, page, consoleWatch } = demo);
  }, 60_000);

  afterAll(() => demo?.close());

  /**
   * Opens every page of PAGES in `target`: the first from its address, the others through the
   * navigation bar (no reload: the shell swaps pages and keeps the filters in the links), the
   * organization's page from its address. Checks the charts and the console on each.
   */
  async function visitEveryPage(target: Page, watch: ConsoleWatch, size: string, check?: (pageCase: PageCase) => Promise<void>) {
    for (const pageCase of PAGES) {
      if (pageCase.path === '/' || pageCase.path.startsWith('/org/')) {
        await target.goto(`${server.url}${encodeURI(pageCase.path)}?${query(YEAR_2024)}`);
      } else {
        const link = target.locator(`#nav a[href^="${pageCase.path}?"]`);
        const title = readable(await link.textContent());
        await link.click();
        await target.waitForURL((url) => url.pathname === pageCase.path);
        await expect(target.locator('#nav a[aria-current="page"]').textContent()).resolves.toBe(title);
      }
      await ready(target);
      await expectCharts(target, pageCase);
      expect(new URL(target.url()).searchParams.get('from'), pageCase.path).toBe(YEAR_2024.from);
      await check?.(pageCase);
      expect(watch.problems, `${pageCase.path} at ${size}`).toEqual([]);
      await takeScreenshot(target, `${pageCase.name}-${size}`);
    }
  }
  it('draws every page with its charts and no console errors, on a desktop and on a phone', async () => {
    const phone = await browser.newContext({ locale: 'ru-RU', timezoneId: 'UTC', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    try {
      await server.signIn(phone);
      const small = await phone.newPage();
      await small.clock.setFixedTime(DEMO_NOW);
      const smallConsole = watchConsole(small);
      // Both screens side by side: the two pages do not share anything but the server.
      await Promise.all([
        visitEveryPage(page, consoleWatch, '1440x900'),
        visitEveryPage(small, smallConsole, '390x844', async (pageCase) => {
          // Nothing wider than the screen: wide tables scroll inside their own boxes.
          const overflow = await small.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          expect(overflow, `${pageCase.path} scrolls sideways`).toBeLessThanOrEqual(0);
          if (pageCase.path === '/data-quality') {
            // A finding is a card on a phone: «Что не так» in view, not behind a sideways swipe
            // nothing hinted at (an outside review).
            await small.locator('#issues-panel details.issues summary').first().click();
            const what = small.locator('#issues-panel .issues-table td[data-label="Что не так"]').first();
            await what.waitFor();
            const box = (await what.boundingBox())!;
            expect(box.x + box.width).toBeLessThanOrEqual(390);
            expect(box.width).toBeGreaterThan(200);
          }
        }),
      ]);
    } finally {
      await phone.close();
    }
  }, 90_000);
});
