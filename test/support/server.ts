/** The real app on 127.0.0.1 port 0, with a real DuckDB in a temporary folder. */
import { limitedServer } from '../../server/http/connections.ts';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type AppDeps } from '../../server/http/app.ts';
import { AuthStore } from '../../server/auth/store.ts';
import { Db } from '../../server/db/db.ts';
import { openDatabase } from '../../server/db/schema.ts';

export interface TempDb {
  db: Db;
  dir: string;
  path: string;
  cleanup: () => void;
}

/**
 * A database made by openDatabase once per worker, copied for each test database: creating the
 * schema took twice as long as opening a copy (≈300 against ≈150 ms), for some hundred databases
 * a run. The copy is then opened with openDatabase as any database is (its migration runs).
 */
let template: Promise<string> | null = null;
function templateFile(): Promise<string> {
  template ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'monitor-template-'));
    const path = join(dir, 'template.duckdb');
    (await openDatabase(path)).close();
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return path;
  })();
  return template;
}

export async function openTempDb(): Promise<TempDb> {
  const dir = mkdtempSync(join(tmpdir(), 'monitor-test-'));
  const path = join(dir, 'monitor.duckdb');
  const tpl = await templateFile();
  copyFileSync(tpl, path);
  if (existsSync(`${tpl}.wal`)) copyFileSync(`${tpl}.wal`, `${path}.wal`);
  const db = await openDatabase(path);
  return {
    db,
    dir,
    path,
    cleanup: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RunningServer {
  url: string;
  close: () => Promise<void>;
  /**
   * fetch on this server (`path` from the root) as its test account: the coordinator's real API
   * token when the server was started without `auth`; nothing added when the test brought its own.
   */
  fetch: (path: string, init?: RequestInit) => Promise<Response>;
  /** GET JSON as `fetch` does; the status and the parsed body. */
  getJson: <T = any>(path: string) => Promise<{ status: number; body: T }>;
  /** The headers `fetch` adds (for a client other than fetch, e.g. node:http). */
  authHeaders: Record<string, string>;
}

/**
 * Starts the real app on 127.0.0.1, port 0, with access control on. Without `auth`, a
 * coordinator's API token is made through the real AuthStore (accounts in the test's DuckDB)
 * and `server.fetch` / `server.getJson` send it: every request passes the real authentication,
 * role and scope checks. Tests of access itself bring their own `auth` (access.test.ts), or use
 * `startServerAs` for several accounts.
 */
export async function startServer(deps: Omit<AppDeps, 'auth'> & { auth?: AppDeps['auth'] }): Promise<RunningServer> {
  let token: string | null = null;
  let auth = deps.auth;
  if (auth === undefined) {
    const store = new AuthStore(deps.db);
    token = (await store.createToken({ name: 'test-coordinator', role: 'coordinator' })).token;
    auth = { store, demoLogin: false };
  }
  // TEST_SERVER_LOG=1: the server's own log (its 500s with their stack) on the test's stderr.
  const app = createApp({ ...deps, auth, ...(process.env.TEST_SERVER_LOG ? { log: (m: string) => console.error(m) } : {}) });
  // The server's own HTTP server, with its limits (no limit per address: every test client is 127.0.0.1).
  const server: Server = limitedServer(app, { perAddress: null });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const authHeaders: Record<string, string> = token === null ? {} : { Authorization: `Bearer ${token}` };
  const withToken = (init: RequestInit = {}): RequestInit => ({ ...init, headers: { ...authHeaders, ...(init.headers as Record<string, string> | undefined) } });
  const get = (path: string, init?: RequestInit) => fetch(`${url}${path}`, withToken(init));
  return {
    url,
    close: () => new Promise((resolve) => server.close(() => resolve())),
    fetch: get,
    authHeaders,
    async getJson(path) {
      const res = await get(path);
      return { status: res.status, body: await res.json() };
    },
  };
}

/** An account a test acts as: a role, and a school's organization code. */
export interface TestAccount {
  role: 'coordinator' | 'school' | 'region';
  org?: string;
}

export interface ServerWithAccounts extends RunningServer {
  /** The account's headers: its real API token (Bearer); none for `null` (not logged in). */
  headers(as: string | null): Record<string, string>;
  /** GET as the account (default: the first one); the status and the parsed JSON body. */
  get<T = any>(path: string, as?: string | null): Promise<{ status: number; body: T }>;
}

/**
 * The real app with access control on, and an API token for each account, created through the
 * real AuthStore in the test's DuckDB (a school account needs its organization in the registry:
 * sync first). Requests go through the real authentication, role and scope checks.
 */
export async function startServerAs(
  deps: Omit<AppDeps, 'auth'>,
  accounts: Record<string, TestAccount> = { coordinator: { role: 'coordinator' } },
): Promise<ServerWithAccounts> {
  const store = new AuthStore(deps.db);
  const tokens = new Map<string, string>();
  for (const [name, a] of Object.entries(accounts)) {
    const { token } = await store.createToken({ name: `test-${tokens.size + 1}`, role: a.role, org: a.org ?? null });
    tokens.set(name, token);
  }
  const first = Object.keys(accounts)[0] ?? null;
  const running = await startServer({ ...deps, auth: { store, demoLogin: false } });
  // (running.fetch adds nothing here: the account is chosen per request below.)
  const headers = (as: string | null): Record<string, string> => {
    if (as === null) return {};
    const token = tokens.get(as);
    if (token === undefined) throw new Error(`no test account «${as}»`);
    return { Authorization: `Bearer ${token}` };
  };
  return {
    ...running,
    headers,
    async get(path, as = first) {
      const res = await fetch(`${running.url}${path}`, { headers: headers(as) });
      return { status: res.status, body: await res.json() };
    },
  };
}
