/**
 * History of the loaded rows (issue #20, part 1): every version a row of a tab has had, with the
 * sync it appeared in and the sync that replaced it. Append-only: a load adds the versions that
 * appeared (`row_versions`) and the ends of those that went (`row_version_ends`); a row that did
 * not change is not copied again. The tab tables keep holding the current rows (what every
 * metric reads); the history is what a later `as_of` and the change log read.
 *
 * A version is the row's content — every column of the tab but its place in the sheet — as JSON
 * text (`data`), named by its MD5 (`row_hash`) and its copy among identical rows of the same
 * organization and tab (`copy`: 1, 2…; a tab may hold the same row twice). So a row moved up or
 * down the sheet is the same version, a row edited in any cell is a new one, and two identical
 * rows are two versions. `row_no` is where the version stood in the sheet when it appeared.
 *
 * The diff runs in SQL in the load transaction of the batch, after the new rows are appended:
 * the open versions of the batch's organizations (no end yet) against the rows the run just
 * loaded. Tab and column names come from the contract, never from input.
 *
 * Retention (`compactHistory`): versions that ended before the cutoff and were never current at
 * the end of a month are dropped with their ends; so beyond `HISTORY_KEEP_DAYS` one version per
 * month remains — the one as it stood at the month's end. Without a cutoff nothing is dropped.
 */
import type { Writer } from './db.ts';

/** A tab's table and its content columns (schema.ts `dbColumns`: all but org, row_no, run_id). */
export interface HistoryTab {
  key: string;
  columns: readonly string[];
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The row's content as JSON text (every column but org, row_no, run_id), in declared order. */
function contentSql(tab: HistoryTab): string {
  const fields = tab.columns.map((c) => `${quote(c)} := ${quote(c)}`);
  return `to_json(struct_pack(${fields.join(', ')}))::VARCHAR`;
}

/** The versions of the rows this run loaded for these organizations: content, hash, copy, place. */
function loadedSql(tab: HistoryTab): string {
  return `SELECT org, md5(data) AS row_hash, row_number() OVER (PARTITION BY org, md5(data) ORDER BY row_no)::INTEGER AS copy, row_no, data
    FROM (SELECT org, row_no, ${contentSql(tab)} AS data FROM ${quote(tab.key)}
          WHERE run_id = $run AND org IN (SELECT unnest($orgs)))`;
}

const OPEN = `SELECT v.org, v.row_hash, v.copy, v.from_run FROM row_versions v
  WHERE v.tab = $tab AND v.org IN (SELECT unnest($orgs))
    AND NOT EXISTS (SELECT 1 FROM row_version_ends e
      WHERE e.tab = v.tab AND e.org = v.org AND e.row_hash = v.row_hash AND e.copy = v.copy AND e.from_run = v.from_run)`;

/**
 * Records, for one tab, what the load of `orgs` in run `run` changed: the open versions with no
 * loaded row of the same content and copy end in `run`; the loaded rows with no open version
 * begin in it. Call after the run's rows of `orgs` are in the tab's table, in the same transaction.
 */
export async function recordTabHistory(w: Writer, tab: HistoryTab, run: number, orgs: readonly string[]): Promise<void> {
  if (!orgs.length) return;
  const key = tab.key;
  await w.run(`CREATE OR REPLACE TEMP TABLE hist_loaded AS ${loadedSql(tab)}`, { run, orgs: [...orgs] });
  await w.run(`CREATE OR REPLACE TEMP TABLE hist_open AS ${OPEN}`, { tab: key, orgs: [...orgs] });
  await w.run(
    `INSERT INTO row_version_ends SELECT $tab, o.org, o.row_hash, o.copy, o.from_run, $run FROM hist_open o
     WHERE NOT EXISTS (SELECT 1 FROM hist_loaded l WHERE l.org = o.org AND l.row_hash = o.row_hash AND l.copy = o.copy)`,
    { tab: key, run },
  );
  await w.run(
    `INSERT INTO row_versions SELECT $tab, l.org, l.row_hash, l.copy, $run, l.row_no, l.data FROM hist_loaded l
     WHERE NOT EXISTS (SELECT 1 FROM hist_open o WHERE o.org = l.org AND o.row_hash = l.row_hash AND o.copy = l.copy)`,
    { tab: key, run },
  );
}

/**
 * The rows of a tab as they are now, as versions that began in the run that loaded them (migration
 * 4: a database that had no history starts it with what it holds). Only while the tab has no
 * version at all, so a start interrupted half-way runs it again safely.
 */
export async function seedTabHistory(w: Writer, tab: HistoryTab): Promise<void> {
  await w.run(
    `INSERT INTO row_versions
      SELECT $tab, org, md5(data), row_number() OVER (PARTITION BY org, md5(data) ORDER BY row_no)::INTEGER, run_id, row_no, data
      FROM (SELECT org, row_no, run_id, ${contentSql(tab)} AS data FROM ${quote(tab.key)})
      WHERE NOT EXISTS (SELECT 1 FROM row_versions WHERE tab = $tab)`,
    { tab: tab.key },
  );
}

/** Forgets every version (the demo municipality's rows, when real data replaces them). */
export async function clearHistory(w: Writer): Promise<void> {
  await w.run(`DELETE FROM row_version_ends`);
  await w.run(`DELETE FROM row_versions`);
}

/**
 * Retention: drops the versions that ended in a run finished before `cutoff` and were current at
 * no month's end (they began and ended within one calendar month), with their ends. Returns how
 * many versions were dropped.
 */
export async function compactHistory(w: Writer, cutoff: string): Promise<number> {
  const doomed = `SELECT e.tab, e.org, e.row_hash, e.copy, e.from_run FROM row_version_ends e
      JOIN sync_runs b ON b.id = e.from_run JOIN sync_runs x ON x.id = e.to_run
      WHERE x.finished_at < $cutoff::TIMESTAMP
        AND date_trunc('month', coalesce(b.finished_at, b.started_at)) = date_trunc('month', x.finished_at)`;
  await w.run(`CREATE OR REPLACE TEMP TABLE hist_doomed AS ${doomed}`, { cutoff });
  const [n] = await w.query(`SELECT count(*)::INTEGER AS n FROM hist_doomed`);
  const count = Number(n?.n ?? 0);
  if (count === 0) return 0;
  const match = (t: string) =>
    `EXISTS (SELECT 1 FROM hist_doomed d WHERE d.tab = ${t}.tab AND d.org = ${t}.org AND d.row_hash = ${t}.row_hash AND d.copy = ${t}.copy AND d.from_run = ${t}.from_run)`;
  await w.run(`DELETE FROM row_version_ends WHERE ${match('row_version_ends')}`);
  await w.run(`DELETE FROM row_versions WHERE ${match('row_versions')}`);
  return count;
}
