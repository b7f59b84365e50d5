/**
 * Each metric's SQL on raw `@duckdb/node-api` (issue #18): the same SQL text and the same bound
 * parameters as runMetric (server/metrics/metrics.ts), on one connection of its own, through a
 * statement prepared once per SQL text and bound again per run (as the service's metric lane
 * does: db.ts `readPrepared`), run to a materialized result and every chunk fetched (`run`,
 * `getChunk`: the client's fastest path, and the one the service reads from — `runAndReadAll`,
 * streamed, took ~15% longer) but never turned into JavaScript values, objects or JSON, with no
 * Db wrapper, lane or cache.
 * The ratio of a metric's uncached time (runMetric, HTTP) to this one is what the service adds
 * to DuckDB.
 *
 * `overview` has no SQL of its own: raw, it is its six parts and the query of active
 * organizations one after another on the one connection (runMetric runs the parts side by side
 * on the two connections of the metric lane).
 *
 * Used by the serve phase of bench/child.ts (interleaved with runMetric, set by set, so that a
 * noisy neighbour hits both alike), and standalone on a synced database file:
 *
 *   npx tsx bench/rawSql.ts <db> [--sets=10] [--offset=0]
 */
import { LIST, VARCHAR, listValue, type DuckDBConnection, type DuckDBInstance, type DuckDBMaterializedResult, type DuckDBPreparedStatement, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { sqlOf } from '../server/db/queries.ts';
import type { MetricParams } from '../server/metrics/metrics.ts';

/** The parts `overview` is made of (server/metrics/metrics.ts runOverview), in its order. */
const OVERVIEW_PARTS = ['engagement', 'young_specialists', 'professional_development', 'qualification_growth', 'program_completion', 'data_quality'];
const ACTIVE_ORGS = `SELECT code FROM orgs WHERE active AND in_registry`;

interface Prepared {
  sql: string;
  /** The parameter names the statement uses (DuckDB refuses a bound name it does not use). */
  names: string[];
}

const sqlFiles = new Map<string, Prepared>();
function metricSql(name: string): Prepared {
  let p = sqlFiles.get(name);
  if (!p) {
    const sql = sqlOf(name);
    const code = sql.replace(/--.*$/gm, '');
    p = { sql, names: ['from', 'to', 'orgs', 'type', 'region'].filter((k) => new RegExp(`\\$${k}\\b`).test(code)) };
    sqlFiles.set(name, p);
  }
  return p;
}

/** Binds as server/db/db.ts does: lists as VARCHAR[], NULL as VARCHAR. */
function bind(p: Prepared, params: MetricParams): { values: Record<string, DuckDBValue>; types: Record<string, DuckDBType> } {
  const all: Record<string, string | string[] | boolean | null> = { from: params.from, to: params.to, orgs: params.org, type: params.type, region: params.region === true };
  const values: Record<string, DuckDBValue> = {};
  const types: Record<string, DuckDBType> = {};
  for (const k of p.names) {
    const v = all[k]!;
    if (Array.isArray(v)) {
      values[k] = listValue(v);
      types[k] = LIST(VARCHAR);
    } else if (v === null) {
      values[k] = null;
      types[k] = VARCHAR;
    } else {
      values[k] = v;
    }
  }
  return { values, types };
}

export interface RawTimer {
  /** Runs the metric's SQL (one month: `grain` is ignored) raw and returns the milliseconds it took. */
  time(metric: string, params: MetricParams): Promise<number>;
  close(): void;
}

/** The connection's prepared statement of each SQL text: the service keeps them too (db.ts `readPrepared`). */
const statements = new WeakMap<DuckDBConnection, Map<string, DuckDBPreparedStatement>>();

async function runPrepared(conn: DuckDBConnection, sql: string, values: Record<string, DuckDBValue> = {}, types: Record<string, DuckDBType> = {}): Promise<void> {
  let kept = statements.get(conn);
  if (!kept) statements.set(conn, (kept = new Map()));
  let st = kept.get(sql);
  if (!st) kept.set(sql, (st = await conn.prepare(sql)));
  st.clearBindings();
  st.bind(values, types);
  fetchAll(await st.run());
}

async function runRaw(conn: DuckDBConnection, metric: string, params: MetricParams): Promise<void> {
  if (metric === 'overview') {
    for (const part of OVERVIEW_PARTS) await runRaw(conn, part, params);
    await runPrepared(conn, ACTIVE_ORGS);
    return;
  }
  const p = metricSql(metric);
  const { values, types } = bind(p, params);
  await runPrepared(conn, p.sql, values, types);
}

/** Every chunk of a materialized result (DuckDB's vectors, nothing converted). */
function fetchAll(result: DuckDBMaterializedResult): void {
  for (let i = 0; i < result.chunkCount; i++) result.getChunk(i);
}

/** A raw connection on `instance`; each metric's first run on it is a warm-up, not timed. */
export async function rawTimer(instance: DuckDBInstance): Promise<RawTimer> {
  const conn = await instance.connect();
  const warm = new Set<string>();
  return {
    async time(metric, params) {
      if (!warm.has(metric)) {
        warm.add(metric);
        await runRaw(conn, metric, params);
      }
      const t0 = performance.now();
      await runRaw(conn, metric, params);
      return performance.now() - t0;
    },
    close: () => conn.closeSync(),
  };
}

// ---- standalone: raw against runMetric on a synced database ------------------------------------

async function main(): Promise<void> {
  const { openDatabase } = await import('../server/db/schema.ts');
  const { METRICS, parseParams, runMetric } = await import('../server/metrics/metrics.ts');
  const { percentiles } = await import('./http.ts');
  const { paramSet } = await import('./params.ts');
  const { REFERENCE_DATE } = await import('./region.ts');
  const args = process.argv.slice(2);
  const path = args.find((a) => !a.startsWith('--'));
  const opt = (name: string, dflt: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
  if (!path) throw new Error('usage: tsx bench/rawSql.ts <db> [--sets=10] [--offset=0]');
  const sets = opt('sets', 10);
  const offset = opt('offset', 0);
  const now = new Date(`${REFERENCE_DATE}T12:00:00Z`);
  const db = await openDatabase(path);
  const orgs = (await db.query(`SELECT code FROM orgs WHERE in_registry ORDER BY code`)).map((r) => String(r.code));
  const raw = await rawTimer(db.instance);
  const f = (n: number) => n.toFixed(1).padStart(7);
  process.stdout.write(`${'показатель'.padEnd(26)}   сырой p50/p95   runMetric p50/p95   runMetric ÷ сырой (p95)\n`);
  for (const m of METRICS) {
    await runMetric(db, m.name, parseParams({ ...paramSet(999, orgs) }, now)); // warm-up
    const rawMs: number[] = [];
    const direct: number[] = [];
    for (let i = 0; i < sets; i++) {
      const params = parseParams({ ...paramSet(offset + i, orgs) }, now);
      const viaRunMetric = async () => {
        const t0 = performance.now();
        await runMetric(db, m.name, params);
        direct.push(performance.now() - t0);
      };
      // Alternate which goes first: neither gets the other's warm caches every time.
      if (i % 2 === 0) {
        rawMs.push(await raw.time(m.name, params));
        await viaRunMetric();
      } else {
        await viaRunMetric();
        rawMs.push(await raw.time(m.name, params));
      }
    }
    const r = percentiles(rawMs);
    const d = percentiles(direct);
    process.stdout.write(`${m.name.padEnd(26)} ${f(r.p50)} ${f(r.p95)}   ${f(d.p50)} ${f(d.p95)}   ${(d.p95 / r.p95).toFixed(2)}\n`);
  }
  raw.close();
  db.close();
}

// Standalone only when started on this file (bundled into the bench child, it is not: bench/proc.ts).
if (/[\\/]rawSql\.ts$/.test(process.argv[1] ?? '')) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
}
