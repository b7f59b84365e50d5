/** The real app on 127.0.0.1 port 0, with a real DuckDB in a temporary folder. */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type AppDeps } from '../../server/app.ts';
import { Db } from '../../server/db.ts';

export interface TempDb {
  db: Db;
  dir: string;
  path: string;
  cleanup: () => void;
}

export async function openTempDb(): Promise<TempDb> {
  const dir = mkdtempSync(join(tmpdir(), 'monitor-test-'));
  const path = join(dir, 'monitor.duckdb');
  const db = await Db.open(path);
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
}

/**
 * Starts the app. Without `auth` every route is open as to a coordinator: the metric and
 * export tests check numbers, not access; test/integration/access.test.ts checks access.
 */
export async function startServer(deps: Omit<AppDeps, 'auth'> & { auth?: AppDeps['auth'] }): Promise<RunningServer> {
  const app = createApp({ ...deps, auth: deps.auth ?? null });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** GET JSON; returns the status and the parsed body. */
export async function getJson<T = any>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
}
