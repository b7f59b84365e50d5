/**
 * Issue #18: a sync holds a batch of validated rows in memory, not every organization's. The
 * sync reports each load batch as it starts to be written (`onLoadBatch`): how many validated
 * rows it held at most since the previous one — the batch being written and the one filling
 * behind it. With small batches over a demo municipality, that peak stays within two batches
 * (plus the organization being read) while the municipality is several times larger; and the
 * result is exactly that of one batch for everything. (This checks the sync's own accounting
 * of the rows it keeps for loading; it cannot see a stray reference held elsewhere.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABS } from '../../server/contract/index.ts';
import { createDemoSource, type DemoOptions } from '../../server/sources/demo/index.ts';
import { runSync, type LoadBatchStats, type SyncSummary } from '../../server/sync/run.ts';
import { openTempDb, type TempDb } from '../support/server.ts';

const DEMO: DemoOptions = { referenceDate: '2025-05-15', schools: 24, kindergartens: 30, additional: 4 };
const BATCH_ROWS = 400;

let small: TempDb;
let whole: TempDb;
beforeAll(async () => {
  small = await openTempDb();
  whole = await openTempDb();
});
afterAll(() => {
  small.cleanup();
  whole.cleanup();
});

/** Everything a sync leaves in the database, in a stable order (durations aside). */
async function contents(t: TempDb): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const tab of TABS) out[tab.key] = await t.db.query(`SELECT * FROM "${tab.key}" ORDER BY ALL`);
  out.quarantine = await t.db.query(`SELECT * FROM quarantine ORDER BY ALL`);
  out.issues = await t.db.query(`SELECT * FROM issues ORDER BY ALL`);
  out.sync_run_orgs = await t.db.query(`SELECT * EXCLUDE (duration_ms) FROM sync_run_orgs ORDER BY ALL`);
  out.org_state = await t.db.query(`SELECT * EXCLUDE (last_success, last_attempt) FROM org_state ORDER BY ALL`);
  return out;
}

describe('a sync keeps a batch of rows in memory, not the municipality', () => {
  it('holds at most two batches of validated rows at once, and loads exactly what one batch for everything loads', async () => {
    const batches: LoadBatchStats[] = [];
    const s = await runSync({
      db: small.db,
      source: createDemoSource(DEMO),
      trigger: 'test',
      concurrency: 1,
      batchRows: BATCH_ROWS,
      onLoadBatch: (b) => batches.push(b),
    });
    const reference = await runSync({ db: whole.db, source: createDemoSource(DEMO), trigger: 'test', batchRows: Number.MAX_SAFE_INTEGER });

    const strip = (x: SyncSummary) => ({ ...x, runId: 0, orgs: x.orgs.map((o) => ({ ...o, durationMs: 0 })) });
    expect(strip(s)).toEqual(strip(reference));
    expect(await contents(small)).toEqual(await contents(whole));

    const rows = (o: SyncSummary['orgs'][number]) => o.rowsLoaded + o.rowsQuarantined;
    const total = s.orgs.reduce((n, o) => n + rows(o), 0);
    const largest = Math.max(...s.orgs.map(rows));
    // A batch is written once it holds BATCH_ROWS rows (the organization that fills it
    // included), while the next one fills: two batches, each at most one organization over.
    const bound = 2 * (BATCH_ROWS + largest);
    expect(bound * 3).toBeLessThan(total); // the bound says something: the municipality is much larger
    expect(batches.filter((b) => b.phase === 1).length).toBeGreaterThanOrEqual(8);
    // Organizations whose mentors come from organizations read after them wait for phase 2.
    expect(batches.some((b) => b.phase === 2)).toBe(true);
    for (const b of batches) expect({ batch: b, over: b.peakRows > bound }).toEqual({ batch: b, over: false });
    expect(Math.max(...batches.map((b) => b.peakRows))).toBeGreaterThanOrEqual(BATCH_ROWS);
  }, 60_000);
});
