/**
 * The real server on the demo municipality, for browser tests: a temporary DuckDB, one sync
 * of the demo source (referenceDate 15.05.2025, data from 2023-09 to 2025-05), the real app
 * with the client on 127.0.0.1 port 0, the clock pinned to 15.05.2025.
 *
 * Then a second sync in which some organizations' sheets cannot be read (403): they keep the
 * data of the first load and are marked stale, as after a real failed sync, so the pages show
 * «22 из 24» and the ⚠ flags. Pass `staleOrgs: []` for a municipality where all data is fresh.
 *
 * Run it to look at the pages: `npx tsx test/support/demoServer.ts` (prints the address).
 */
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AuthStore } from '../../server/auth/store.ts';
import { createClientRouter } from '../../server/routes/client.ts';
import { createDemoSource } from '../../server/sources/demo/index.ts';
import { SourceError, type Source } from '../../server/sources/types.ts';
import { runSync } from '../../server/sync/run.ts';
import { launchBrowser, requireBrowser, watchConsole, type ConsoleWatch } from './browser.ts';
import { openTempDb, startServer, type RunningServer } from './server.ts';

export const DEMO_REFERENCE_DATE = '2025-05-15';
export const DEMO_NOW = new Date('2025-05-15T09:00:00Z');
/** Organizations whose last sync fails by default: a school and a kindergarten. */
export const DEMO_STALE_ORGS: readonly string[] = ['СОШ-5', 'ДОУ-7'];
/** The message their failed sync leaves, as the Google source words a 403. */
export const DEMO_STALE_MESSAGE = 'нет доступа к таблице: сервисному аккаунту не выдан доступ на чтение (403)';

export interface DemoServerOptions {
  staleOrgs?: readonly string[];
}

/** The coordinator account of the demo server (a real account in its DuckDB). */
export const DEMO_COORDINATOR = { login: 'koordinator', password: 'Проверка-демо-2025' };

export interface DemoServer extends RunningServer {
  staleOrgs: readonly string[];
  /**
   * Logs the browser context in as the coordinator, through the real login (`POST
   * /api/session`): the session cookie is the context's from then on, and the pages send its
   * CSRF token as they do for a person.
   */
  signIn(context: BrowserContext): Promise<void>;
}

/** The demo source, except that `failing` organizations' sheets answer 403. */
function withFailures(source: Source, failing: ReadonlySet<string>): Source {
  return {
    kind: source.kind,
    description: source.description,
    readRegistry: () => source.readRegistry(),
    fetchOrg: (org, ctx) => {
      if (failing.has(org.code)) return Promise.reject(new SourceError(DEMO_STALE_MESSAGE, 'forbidden', 1));
      return source.fetchOrg(org, ctx);
    },
  };
}

export async function startDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  const staleOrgs = options.staleOrgs ?? DEMO_STALE_ORGS;
  const tmp = await openTempDb();
  const source = createDemoSource({ referenceDate: DEMO_REFERENCE_DATE });
  // The clock of the syncs: the stale organizations' last good load is a day before the failed one.
  await runSync({ db: tmp.db, source, trigger: 'test', now: () => new Date('2025-05-14T20:00:00Z') });
  if (staleOrgs.length > 0) {
    await runSync({ db: tmp.db, source: withFailures(source, new Set(staleOrgs)), trigger: 'test', now: () => new Date('2025-05-15T02:00:00Z') });
  }
  const client = await createClientRouter();
  // Access control on, as in production: `server.fetch` sends a coordinator's API token, and a
  // browser logs in as the coordinator account (`signIn`).
  await new AuthStore(tmp.db).addUser({ ...DEMO_COORDINATOR, role: 'coordinator', fullName: 'Координатор (тест)' });
  const server = await startServer({ db: tmp.db, now: () => DEMO_NOW, client });
  async function signIn(context: BrowserContext): Promise<void> {
    const res = await context.request.post(`${server.url}/api/session`, { data: DEMO_COORDINATOR });
    if (res.status() !== 200) throw new Error(`вход координатора: HTTP ${res.status()} ${await res.text()}`);
  }
  return {
    ...server,
    staleOrgs,
    signIn,
    close: async () => {
      await server.close();
      tmp.cleanup();
    },
  };
}

/** The demo server and a browser signed in as its coordinator, on one desktop page (1440×900, the demo's clock). */
export interface DemoDesktop {
  server: DemoServer;
  browser: Browser;
  page: Page;
  /** What the page printed to the console. */
  consoleWatch: ConsoleWatch;
  close(): Promise<void>;
}

/** For a browser file's beforeAll: the demo server and a signed-in desktop page, started side by side. */
export async function openDemoDesktop(): Promise<DemoDesktop> {
  requireBrowser();
  const [server, browser] = await Promise.all([startDemoServer(), launchBrowser()]);
  const desktop = await browser.newContext({ locale: 'ru-RU', timezoneId: 'UTC', viewport: { width: 1440, height: 900 } });
  await server.signIn(desktop);
  const page = await desktop.newPage();
  await page.clock.setFixedTime(DEMO_NOW);
  return {
    server,
    browser,
    page,
    consoleWatch: watchConsole(page),
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const running = await startDemoServer();
  console.log(`Demo server: ${running.url}/ (вход: ${DEMO_COORDINATOR.login} / ${DEMO_COORDINATOR.password})`);
}
