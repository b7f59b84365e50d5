/**
 * The write of a region's rows on raw `@duckdb/node-api` (issue #18: "compare with the true
 * limit"): the rows a sync loaded, taken back from its database file, appended to the same tab
 * tables of a new file in batches of LOAD_BATCH_ROWS rows, one commit per batch, as the loader
 * writes them — with no parsing, validation, staging, quarantine, state, history or derived
 * facts — by the fastest way the client offers: whole data chunks of values DuckDB itself made
 * (2,048 rows, `appendDataChunk`; value by value, `appendValue`, it is ~3 times slower). What
 * the sync's load adds to this is the service's own cost.
 *
 * Used by the load phase of bench/child.ts, and standalone on a synced database file:
 *
 *   npx tsx bench/rawLoad.ts <synced.duckdb>
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { DuckDBDataChunk, DuckDBInstance, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { TABS } from '../server/contract/index.ts';
import { LOAD_BATCH_ROWS } from '../server/sync/loader.ts';

export interface RawLoadResult {
  rows: number;
  /** Appends and commits, from the first batch to the last commit. */
  ms: number;
  /** The checkpoint that writes what the commits left in the write-ahead log (the sync leaves it to DuckDB). */
  checkpointMs: number;
}

/** DuckDB's vector size: the most rows a data chunk holds. */
const CHUNK_ROWS = 2048;

interface TabRows {
  table: string;
  types: DuckDBType[];
  rows: DuckDBValue[][];
}

/** Appends the tab rows of `syncedPath` to a new database; the source is read before the clock starts. */
export async function rawLoad(syncedPath: string): Promise<RawLoadResult> {
  const dir = mkdtempSync(join(os.tmpdir(), 'monitor-rawload-'));
  const instance = await DuckDBInstance.create(join(dir, 'raw.duckdb'), { memory_limit: '256MB' });
  const conn = await instance.connect();
  try {
    await conn.run(`ATTACH '${syncedPath.replaceAll("'", "''")}' AS src (READ_ONLY)`);
    const tabs: TabRows[] = [];
    for (const tab of TABS) {
      await conn.run(`CREATE TABLE "${tab.key}" AS FROM src."${tab.key}" LIMIT 0`);
      const reader = await conn.runAndReadAll(`FROM src."${tab.key}" ORDER BY org, row_no`);
      tabs.push({ table: tab.key, types: reader.columnTypes(), rows: reader.getRows() });
    }
    await conn.run(`DETACH src`);
    const rows = tabs.reduce((n, t) => n + t.rows.length, 0);
    // Batches as the loader cuts them: every tab's next rows, LOAD_BATCH_ROWS in all.
    const share = (t: TabRows) => Math.max(1, Math.round((LOAD_BATCH_ROWS * t.rows.length) / Math.max(1, rows)));
    const next = tabs.map(() => 0);
    const t0 = performance.now();
    while (tabs.some((t, i) => next[i]! < t.rows.length)) {
      await conn.run('BEGIN TRANSACTION');
      for (const [i, t] of tabs.entries()) {
        const end = Math.min(t.rows.length, next[i]! + share(t));
        if (end === next[i]) continue;
        const a = await conn.createAppender(t.table);
        for (let from = next[i]!; from < end; from += CHUNK_ROWS) {
          const rows = t.rows.slice(from, Math.min(end, from + CHUNK_ROWS));
          const chunk = DuckDBDataChunk.create(t.types, rows.length);
          chunk.setRows(rows);
          a.appendDataChunk(chunk);
        }
        a.flushSync();
        a.closeSync();
        next[i] = end;
      }
      await conn.run('COMMIT');
    }
    const ms = performance.now() - t0;
    const c0 = performance.now();
    await conn.run('CHECKPOINT');
    return { rows, ms, checkpointMs: performance.now() - c0 };
  } finally {
    conn.closeSync();
    instance.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Standalone only when started on this file (bundled into the bench child, it is not: bench/proc.ts).
if (/[\\/]rawLoad\.ts$/.test(process.argv[1] ?? '')) {
  const r = await rawLoad(process.argv[2]!);
  console.log(`${r.rows} строк: ${Math.round(r.ms)} мс (${Math.round(r.rows / (r.ms / 1000))} строк/с), контрольная точка ${Math.round(r.checkpointMs)} мс`);
}
