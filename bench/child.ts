/**
 * One benchmark phase in its own process, so that its peak RSS (getrusage maxRSS) is its own:
 *   sync   — the real sync with the real `google` source against the fake Sheets server
 *   load   — the sync from an in-memory source (no network): parse + validate + load + swap
 *   serve  — the real app on 127.0.0.1:0 over a synced database; also times runMetric directly
 *            and the same SQL on raw DuckDB (bench/rawSql.ts)
 * Started by bench/run.ts with fork(); arguments come as JSON in argv[2], results go back by IPC.
 */
import { STATE_TABLES } from '../server/db/history.ts';
import { statSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Db } from '../server/db/db.ts';
import { openDatabase } from '../server/db/schema.ts';
import { rebuildFacts } from '../server/db/facts.ts';
import { createGoogleSource } from '../server/sources/google.ts';
import type { RawTab } from '../server/sources/types.ts';
import { runSync, type SyncSummary } from '../server/sync/run.ts';
import { parseOrg } from '../server/sync/validate.ts';
import { percentiles, type Percentiles } from './http.ts';
import { paramSet } from './params.ts';
import { rawLoad, type RawLoadResult } from './rawLoad.ts';
import { rawTimer } from './rawSql.ts';
import { REFERENCE_DATE, REGISTRY_ID, buildRegion, corruptedTabs, memorySource } from './region.ts';

export type ChildArgs =
  | {
      phase: 'sync';
      dbPath: string;
      rootUrl: string;
      readMode: 'batchGet' | 'gridData';
      /** A service account (lists Drive, self-signed JWT) with `keyFile`, or an API key (asks Drive per file). */
      auth: 'service' | 'key';
      keyFile: string;
      /** The source's Sheets read and Drive budgets a minute; 0 = unlimited. */
      sheetsRpm: number;
      driveRpm: number;
      httpConcurrency: number;
      maxRetries?: number;
    }
  | { phase: 'load'; dbPath: string; size: number; badShare: number }
  | { phase: 'serve'; dbPath: string };

export interface Memory {
  /** Peak resident set size of the process, MB. */
  maxRssMb: number;
  heapUsedMb: number;
}

export interface SyncResult {
  wallMs: number;
  status: SyncSummary['status'];
  message: string | null;
  totals: SyncSummary['totals'];
  failures: string[];
  tables: Record<string, number>;
  /** The database file after the run, MB. */
  fileMb: number;
  memory: Memory;
}

export interface LoadResult {
  generateMs: number;
  gridRows: number;
  corrupted: number;
  syncMs: number;
  parseMs: number;
  /** The derived facts (server/db/facts.ts), after the sync: rebuilt in full, and asked again with nothing changed, ms. */
  facts: { fullMs: number; unchangedMs: number };
  /** The same rows written on raw DuckDB (bench/rawLoad.ts), clean data only. */
  raw: RawLoadResult | null;
  status: SyncSummary['status'];
  totals: SyncSummary['totals'];
  memory: Memory;
}

export interface DirectResult {
  perMetric: Record<string, Percentiles>;
  /** The same SQL and parameters on raw DuckDB (bench/rawSql.ts). */
  raw: Record<string, Percentiles>;
  memory: Memory;
}

export const NOW = new Date(`${REFERENCE_DATE}T12:00:00Z`);

export function memory(): Memory {
  return {
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    heapUsedMb: Math.round(process.memoryUsage().heapUsed / 1024 / 1024),
  };
}

const send = (msg: unknown) => process.send!(msg);

async function tableCounts(db: Db): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const tabs = ['teachers', 'pairs', 'programs', 'courses', 'attestations', 'compliance', 'practices', 'events'];
  for (const t of [...tabs, 'quarantine', 'issues', 'row_version_ends']) {
    const [r] = await db.query(`SELECT count(*)::INTEGER AS n FROM "${t}"`);
    out[t] = Number(r?.n ?? 0);
  }
  // The history's versions, every tab's table together (server/db/history.ts).
  const [v] = await db.query(`SELECT sum(n)::INTEGER AS n FROM (${tabs.map((t) => `SELECT count(*) AS n FROM "${t}_versions"`).join(' UNION ALL ')})`);
  out.row_versions = Number(v?.n ?? 0);
  // The service tables' history (registry, states, findings, quarantine: as_of), together.
  const [sv] = await db.query(`SELECT sum(n)::INTEGER AS n FROM (${STATE_TABLES.map((t) => `SELECT count(*) AS n FROM ${t}_history`).join(' UNION ALL ')})`);
  out.state_versions = Number(sv?.n ?? 0);
  const [se] = await db.query(`SELECT count(*)::INTEGER AS n FROM state_version_ends`);
  out.state_version_ends = Number(se?.n ?? 0);
  return out;
}

async function syncPhase(a: Extract<ChildArgs, { phase: 'sync' }>): Promise<SyncResult> {
  const db = await openDatabase(a.dbPath);
  const source = createGoogleSource({
    registryId: REGISTRY_ID,
    ...(a.auth === 'service' ? { credentialsFile: a.keyFile } : { apiKey: 'bench-api-key' }),
    rootUrl: a.rootUrl,
    readMode: a.readMode,
    sheetsReadsPerMinute: a.sheetsRpm,
    drivePerMinute: a.driveRpm,
    concurrency: a.httpConcurrency,
    ...(a.maxRetries !== undefined ? { maxRetries: a.maxRetries } : {}),
  });
  const t0 = performance.now();
  const s = await runSync({ db, source, trigger: 'cli', now: () => new Date() });
  const wallMs = performance.now() - t0;
  const failures = s.orgs.filter((o) => o.status === 'failed').map((o) => `${o.org}: ${o.message ?? ''}`);
  const tables = await tableCounts(db);
  db.close();
  // The file as closed (checkpointed: no WAL left), for the history's growth.
  const fileMb = statSync(a.dbPath).size / 1048576;
  return { wallMs, status: s.status, message: s.message, totals: s.totals, failures: failures.slice(0, 5), tables, fileMb, memory: memory() };
}


async function loadPhase(a: Extract<ChildArgs, { phase: 'load' }>): Promise<LoadResult> {
  const g0 = performance.now();
  const region = buildRegion(a.size);
  let corrupted = 0;
  const sheets = new Map<string, RawTab[]>();
  for (const o of region.orgs) {
    if (a.badShare > 0) {
      const c = corruptedTabs(o, a.badShare);
      corrupted += c.corrupted;
      o.tabs = c.tabs; // the clean grids are garbage from here on
    }
    sheets.set(o.sheetId, o.tabs);
  }
  const generateMs = performance.now() - g0;
  const db = await openDatabase(a.dbPath);
  const t0 = performance.now();
  const s = await runSync({ db, source: memorySource(region.registry, sheets), trigger: 'cli', full: true, now: () => NOW });
  const syncMs = performance.now() - t0;
  // The sync ended with a rebuild of the facts (its last write): the same once more, then with nothing changed.
  const facts = {
    fullMs: (await db.write((w) => rebuildFacts(w, { force: true }))).ms,
    unchangedMs: (await db.write((w) => rebuildFacts(w))).ms,
  };
  db.close();
  // The CPU part alone (layout + zod + row rules), warm: what is left is resolve + DuckDB.
  const p0 = performance.now();
  for (const o of region.orgs) parseOrg(o.code, o.tabs);
  const parseMs = performance.now() - p0;
  // The peak so far is the load's; the raw write below holds every row as DuckDB values.
  const mem = memory();
  const raw = a.badShare === 0 ? await rawLoad(a.dbPath) : null;
  return { generateMs, gridRows: region.gridRows, corrupted, syncMs, parseMs, facts, raw, status: s.status, totals: s.totals, memory: mem };
}

async function servePhase(a: Extract<ChildArgs, { phase: 'serve' }>): Promise<void> {
  // Imported here, so that the sync and load phases carry only what a sync loads.
  const { createApp } = await import('../server/http/app.ts');
  const { METRICS, parseParams, runMetric } = await import('../server/metrics/metrics.ts');
  const { AuthStore } = await import('../server/auth/store.ts');
  const db = await openDatabase(a.dbPath);
  // Measured as a script would use it: every request carries a coordinator's API token.
  const store = new AuthStore(db);
  const { token } = await store.createToken({ name: `bench-${process.pid}-${Date.now()}`, role: 'coordinator' });
  const app = createApp({ db, now: () => NOW, auth: { store, demoLogin: false } });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const orgs = (await db.query(`SELECT code FROM orgs WHERE in_registry ORDER BY code`)).map((r) => String(r.code));
  // The finished syncs, as `as_of` moments (the API's ISO 8601, UTC, milliseconds as stored).
  const runs = (await db.query(`SELECT id, strftime(finished_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS at FROM sync_runs WHERE finished_at IS NOT NULL ORDER BY id`)).map((r) => ({
    id: Number(r.id),
    at: String(r.at),
  }));
  send({ kind: 'ready', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, orgs, token, runs });
  process.on('message', (msg: { kind: string; count?: number; offset?: number }) => {
    void (async () => {
      if (msg.kind === 'direct') {
        // runMetric without HTTP and without the cache: every call is a distinct parameter set.
        // Each set also runs raw (bench/rawSql.ts: the same SQL on a bare connection), the two
        // taking turns to go first.
        const perMetric: Record<string, Percentiles> = {};
        const raw: Record<string, Percentiles> = {};
        const timer = await rawTimer(db.instance);
        for (const m of METRICS) {
          const times: number[] = [];
          const rawTimes: number[] = [];
          for (let i = 0; i < (msg.count ?? 20); i++) {
            const p = paramSet((msg.offset ?? 0) + i, orgs);
            const params = parseParams({ ...p }, NOW);
            if (i % 2 === 0) rawTimes.push(await timer.time(m.name, params));
            const t0 = performance.now();
            await runMetric(db, m.name, params);
            times.push(performance.now() - t0);
            if (i % 2 === 1) rawTimes.push(await timer.time(m.name, params));
          }
          perMetric[m.name] = percentiles(times);
          raw[m.name] = percentiles(rawTimes);
        }
        timer.close();
        send({ kind: 'direct', result: { perMetric, raw, memory: memory() } satisfies DirectResult });
      } else if (msg.kind === 'memory') {
        send({ kind: 'memory', memory: memory() });
      } else if (msg.kind === 'exit') {
        server.closeAllConnections();
        server.close(() => {
          db.close();
          process.exit(0);
        });
      }
    })();
  });
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as ChildArgs;
  switch (args.phase) {
    case 'sync':
      send({ kind: 'result', result: await syncPhase(args) });
      break;
    case 'load':
      send({ kind: 'result', result: await loadPhase(args) });
      break;
    case 'serve':
      await servePhase(args);
      return;
  }
  process.disconnect?.();
}

if (process.send) main().catch((e: unknown) => {
  send({ kind: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exitCode = 1;
  process.disconnect?.();
});
