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
import { createClientRouter } from '../../server/routes/client.ts';
import { createDemoSource } from '../../server/sources/demo/index.ts';
import { SourceError, type Source } from '../../server/sources/types.ts';
import { runSync } from '../../server/sync/run.ts';
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

export interface DemoServer extends RunningServer {
  staleOrgs: readonly string[];
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
  // Open as to a coordinator (auth null): the browser tests of the pages look at charts and
  // tables; logging in is tested on its own (security.test.ts, hold.test.ts, access.test.ts).
  const server = await startServer({ db: tmp.db, now: () => DEMO_NOW, client, auth: null });
  return {
    ...server,
    staleOrgs,
    close: async () => {
      await server.close();
      tmp.cleanup();
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const running = await startDemoServer();
  console.log(`Demo server: ${running.url}/`);
}
