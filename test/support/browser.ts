/**
 * Real Chromium for browser tests: Debian's package at /usr/bin/chromium, driven by
 * playwright-core (no browser download, ever). Flags keep it offline and quiet: no sync,
 * no component updates, no background requests to Google.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../server/routes/report.ts';

export { CHROMIUM_PATH };

/** Screenshots for people to look at; `test/e2e/screenshots/` is in .gitignore. */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../e2e/screenshots/', import.meta.url));

export function hasChromium(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** poppler-utils, which the printable report's tests read PDFs with. */
export function hasPoppler(): boolean {
  return existsSync('/usr/bin/pdftotext') && existsSync('/usr/bin/pdftoppm');
}

/**
 * Whether a browser suite is skipped: only when asked for by name (`SKIP_BROWSER_TESTS=1`, for
 * a developer's machine without the packages). Otherwise a missing Chromium (or poppler) fails
 * the suite with what to install: CI never passes green with the browser tests left out.
 */
export function skipBrowserSuite(): boolean {
  if (process.env.SKIP_BROWSER_TESTS !== '1') return false;
  console.warn(`Browser tests skipped (SKIP_BROWSER_TESTS=1).`);
  return true;
}

/** Throws, naming what to install, when Chromium (or poppler-utils) is missing: call in beforeAll. */
export function requireBrowser(needs: { poppler?: boolean } = {}): void {
  if (!hasChromium()) throw new Error(`Chromium is missing (${CHROMIUM_PATH}): run scripts/setup.sh (Debian package chromium), or SKIP_BROWSER_TESTS=1 to leave the browser tests out`);
  if (needs.poppler && !hasPoppler()) throw new Error('poppler-utils is missing (pdftotext, pdftoppm): run scripts/setup.sh, or SKIP_BROWSER_TESTS=1 to leave the browser tests out');
}

/**
 * Launches headless Chromium. Playwright gives every `launch` a new, empty user-data
 * directory of its own (a temporary profile, removed on `close`), so no state leaks between
 * runs; passing `--user-data-dir` ourselves is refused by Playwright.
 */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/**
 * With SCREENSHOTS=1 (`SCREENSHOTS=1 npm test`: to look at the pages), saves a full-page PNG as
 * `test/e2e/screenshots/<name>.png` and returns its path; otherwise returns null. A full-page
 * PNG of every page at two sizes cost the suite ~15 s of a two-core machine, and no test reads them.
 */
export async function takeScreenshot(page: Page, name: string): Promise<string | null> {
  if (process.env.SCREENSHOTS !== '1') return null;
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** What the page printed to the console: errors, page errors, and vega's warnings about specs. */
export interface ConsoleWatch {
  problems: string[];
  /** Forget what was printed so far (after a step that fails on purpose). */
  clear(): void;
}

/**
 * Collects console errors, uncaught page errors and vega warnings ("WARN …": a spec vega-lite
 * had to correct) of `page`, so a test can require that a page printed none.
 */
export function watchConsole(page: Page): ConsoleWatch {
  const problems: string[] = [];
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' || (message.type() === 'warning' && text.startsWith('WARN'))) {
      problems.push(`${message.type()}: ${text} (${message.location().url})`);
    }
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  return {
    problems,
    clear: () => {
      problems.length = 0;
    },
  };
}
