/**
 * Where the database's data came from. Every sync run records its source kind (`demo`,
 * `folder`, `google`); the first run from anything but the demo marks the database as holding
 * real data, for good (`meta.real_data_since`): from then on the read-only demo login is never
 * offered on it, demo sessions are refused, and the demo municipality is never loaded into it.
 * That first real run starts from a clean slate: the demo municipality's rows are removed, so a
 * real organization that happens to share a demo code (СОШ-1) never shows demo figures, and
 * the demo registry does not count as the registry the real one "shrinks" from.
 */
import { TABS } from '../contract/index.ts';
import type { Db, Writer } from '../db/db.ts';

export type SourceKind = 'demo' | 'folder' | 'google';

const REAL_DATA_KEY = 'real_data_since';

/**
 * Called when a run starts, before it loads anything: a run from a real source marks the
 * database and ends every demo session at once (they could otherwise read what it loads).
 */
export async function markSourceOfRun(w: Writer, kind: SourceKind, startedAt: string, demoDataOnly: boolean): Promise<void> {
  if (kind === 'demo') return;
  if (demoDataOnly) await clearDemoData(w);
  await w.run(`INSERT OR IGNORE INTO meta VALUES ('${REAL_DATA_KEY}', $ts)`, { ts: startedAt });
  await w.run(`DELETE FROM sessions WHERE demo`);
}

/** Removes the demo municipality's data and state (accounts, the audit log and run history stay). */
async function clearDemoData(w: Writer): Promise<void> {
  // Table names come from the contract declaration, never from input.
  for (const t of TABS) await w.run(`DELETE FROM "${t.key}"`);
  for (const table of ['orgs', 'org_state', 'issues', 'quarantine', 'shrink_acceptances']) await w.run(`DELETE FROM ${table}`);
  await w.run(`DELETE FROM meta WHERE key = 'registry_hold'`);
}

/**
 * True while every sync run in the database came from the demo source (and nothing marked it
 * as holding real data). A run whose source is unknown (recorded by an older version under a
 * description no longer recognised) counts as real data.
 */
export async function holdsOnlyDemoData(db: Db): Promise<boolean> {
  const [r] = await db.query(
    `SELECT (SELECT count(*) FROM meta WHERE key = '${REAL_DATA_KEY}')
          + (SELECT count(*) FROM sync_runs WHERE source_kind IS DISTINCT FROM 'demo') AS real`,
  );
  return Number(r?.real ?? 0) === 0;
}

/** When the first run from a real source started, or null (demo data only). */
export async function realDataSince(db: Db): Promise<string | null> {
  const [r] = await db.query(`SELECT value FROM meta WHERE key = '${REAL_DATA_KEY}'`);
  if (r) return String(r.value);
  const [run] = await db.query(
    `SELECT min(started_at)::VARCHAR AS ts FROM sync_runs WHERE source_kind IS DISTINCT FROM 'demo'`,
  );
  return run?.ts === null || run?.ts === undefined ? null : String(run.ts);
}
