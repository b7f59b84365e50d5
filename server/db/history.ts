/**
 * History of the loaded rows (issue #20, part 1): every version a row of a tab has had, with the
 * sync it appeared in and the sync that replaced it. Append-only: a load adds the versions that
 * appeared (`<tab>_versions`, one table per tab with the tab's own typed columns) and the ends
 * of those that went (`row_version_ends`); a row that did not change is not copied again. The
 * tab tables keep holding the current rows (what every metric reads); the history is what the
 * change log and a later `as_of` read: the rows as they stood after run R are the versions with
 * `run_id <= R` that have no end with `to_run <= R`.
 *
 * A version is a tab row as it was loaded (its `run_id` is the run it appeared in), named by the
 * hash of its content — every column but its place in the sheet (`row_hash`) — and its copy
 * among identical rows of the same organization and tab (`copy`: 1, 2…; a tab may hold the same
 * row twice). So a row moved up or down the sheet is the same version, a row edited in any cell
 * is a new one, and two identical rows are two versions. `row_no` is where the version stood in
 * the sheet when it appeared.
 *
 * The diff runs in SQL once per run, at its end (`recordHistory`): the organizations the run
 * loaded (`sync_run_orgs`, written in each load's transaction) have their open versions (no end
 * yet) compared with their rows now. Tab and column names come from the contract, never from input.
 *
 * Retention (`compactHistory`): versions that ended before the cutoff and were never current at
 * the end of a month are dropped with their ends; so beyond `HISTORY_KEEP_DAYS` one version per
 * month remains — the one as it stood at the month's end. Without a cutoff nothing is dropped.
 */
import { TABS, matchKey, type TabDecl, type TabKey } from '../contract/index.ts';
import { headerIndex, headerKey } from '../contract/layout.ts';
import { normalizePersonName } from '../contract/normalize.ts';
import type { Cell } from '../contract/grid.ts';
import { isBlank, parseDate, rawText } from '../contract/values.ts';
import { sqlOf } from './queries.ts';
import type { CellValue, SyncChanges, TabChanges } from '../../shared/changes.ts';
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent, type Db, type Writer } from './db.ts';

/** A tab's table and its content columns (schema.ts `dbColumns`: all but org, row_no, run_id). */
export interface HistoryTab {
  key: string;
  columns: readonly string[];
}

const quote = quoteIdent;

/** The versions table of a tab: its columns (schema.ts `tableDdl`), then these. */
export const versionsTable = (key: string) => `${key}_versions`;
export const VERSION_COLUMNS = ['"row_hash" UBIGINT NOT NULL', '"copy" INTEGER NOT NULL'];

export const ENDS_DDL = `CREATE TABLE IF NOT EXISTS row_version_ends (
  tab VARCHAR NOT NULL, org VARCHAR NOT NULL, row_hash UBIGINT NOT NULL, copy INTEGER NOT NULL,
  from_run INTEGER NOT NULL, to_run INTEGER NOT NULL
)`;

/** The columns a version copies from its tab row, quoted, in table order. */
const rowColumns = (tab: HistoryTab) => ['org', 'row_no', 'run_id', ...tab.columns].map(quote).join(', ');

/** A row's content hash: every column of the tab but its place (org, row_no, run_id). */
const contentHash = (tab: HistoryTab) => `hash(${tab.columns.map(quote).join(', ')})`;

/** The rows of the tab that match `where`, with the hash and copy that name their version. */
function versionsOf(tab: HistoryTab, where: string): string {
  const hash = contentHash(tab);
  return `SELECT ${rowColumns(tab)}, ${hash} AS row_hash, row_number() OVER (PARTITION BY org, ${hash} ORDER BY row_no)::INTEGER AS copy
    FROM ${quote(tab.key)} WHERE ${where}`;
}

/** The last run whose loads the history has taken in (meta). */
const THROUGH_KEY = 'history_through_run';

/**
 * Takes into the history what the loads of run `run` (and of earlier runs cut short before
 * their end) changed: one transaction, or one per tab for a large load. The organizations
 * loaded are those recorded `ok` in `sync_run_orgs` since the last run taken in — recorded in
 * the load's own transaction, so no note per batch is needed. Per tab: their open versions with no current row of the same
 * content and copy end in the run that loaded them; their current rows with no open version
 * begin (in the run that loaded them). A tab that did not load keeps its rows, so nothing of it
 * changes. One set-based diff per tab per run (issue #18: a diff per load batch cost the
 * region's first sync ~3 s).
 */
export async function recordHistory(
  w: Writer,
  tabs: readonly HistoryTab[],
  run: number,
  /** Rows loaded up to which one transaction takes the run in (tests set it to take each tab apart). */
  oneTransactionRows = ONE_TRANSACTION_ROWS,
): Promise<void> {
  // A handful of statements (one hash-and-copy pass, one window): a small sync pays a few
  // milliseconds, a region's first sync one pass over its rows. One transaction per tab beyond
  // ONE_TRANSACTION_ROWS, so the versions not yet committed are one tab's, not the region's
  // (issue #18: the whole region's copy in one transaction took ~230 MB of DuckDB's memory at the
  // first sync); the run is marked taken in last. Taking a run in again is harmless — a tab
  // already taken in has an open version for each current row and an end for each version gone —
  // so a process stopped between the tabs leaves the rest to the next run.
  const through = `coalesce((SELECT max(value::INTEGER) FROM meta WHERE key = '${THROUGH_KEY}'), 0)`;
  await w.run(
    `CREATE OR REPLACE TEMP TABLE hist_orgs AS SELECT org, max(run_id) AS run, sum(rows_loaded) AS rows FROM sync_run_orgs
     WHERE status = 'ok' AND run_id > ${through} AND run_id <= $run GROUP BY org`,
    { run },
  );
  const [loaded] = await w.query(`SELECT count(*)::INTEGER AS orgs, coalesce(sum(rows), 0)::BIGINT AS rows FROM hist_orgs`);
  if (Number(loaded?.orgs ?? 0)) {
    // A small sync in one transaction, its tabs together (a statement and a commit per tab would
    // cost it more than the diff); a large one a tab at a time.
    if (Number(loaded?.rows ?? 0) <= oneTransactionRows) await w.transaction(() => recordTabsHistory(w, tabs));
    else for (const tab of tabs) await w.transaction(() => recordTabsHistory(w, [tab]));
  }
  await w.run(`INSERT OR REPLACE INTO meta VALUES ('${THROUGH_KEY}', $run)`, { run: String(run) });
}

/** Rows loaded up to which a run's history is taken in one transaction (about a load batch's: what the load held anyway). */
const ONE_TRANSACTION_ROWS = 20_000;

/** The diff of `tabs` for the organizations in `hist_orgs` (recordHistory). */
async function recordTabsHistory(w: Writer, tabs: readonly HistoryTab[]): Promise<void> {
  const loaded = `org IN (SELECT org FROM hist_orgs)`;
  // Their open versions (no end yet).
  await w.run(
    `CREATE OR REPLACE TEMP TABLE hist_open AS
     ${tabs
       .map(
         (t) => `SELECT '${t.key}' AS tab, v.org, v.row_hash, v.copy, v.run_id AS from_run FROM ${quote(versionsTable(t.key))} v
       WHERE v.${loaded} AND NOT EXISTS (SELECT 1 FROM row_version_ends e
         WHERE e.tab = '${t.key}' AND e.org = v.org AND e.row_hash = v.row_hash AND e.copy = v.copy AND e.from_run = v.run_id)`,
       )
       .join('\n     UNION ALL ')}`,
  );
  const [open] = await w.query(`SELECT count(*)::INTEGER AS n FROM hist_open`);
  const anyOpen = Number(open?.n ?? 0) > 0;
  const current = tabs.map((t) => `SELECT '${t.key}' AS tab, org, row_hash, copy FROM (${versionsOf(t, loaded)})`).join(' UNION ALL ');
  if (anyOpen) {
    // Ends: an open version with no current row of its content and copy, in the run that loaded its organization.
    await w.run(
      `INSERT INTO row_version_ends SELECT o.tab, o.org, o.row_hash, o.copy, o.from_run, p.run FROM hist_open o JOIN hist_orgs p USING (org)
       WHERE NOT EXISTS (SELECT 1 FROM (${current}) r WHERE r.tab = o.tab AND r.org = o.org AND r.row_hash = o.row_hash AND r.copy = o.copy)`,
    );
  }
  // Beginnings: a current row with no open version of its content and copy (the versions ended
  // just now match no current row, so the order does not matter) — one pass over each tab's rows.
  // Several tabs: first which of them have any, one statement for all (a small sync changes a tab
  // or two) — unless no version is open (a first load of these organizations): then every row
  // begins, and the question would cost a pass over every tab for nothing (a small sync's
  // slowest statement).
  const begun =
    tabs.length > 1 && anyOpen
      ? new Set(
          (
            await w.query(
              `SELECT DISTINCT tab FROM (${current}) r
               WHERE NOT EXISTS (SELECT 1 FROM hist_open o WHERE o.tab = r.tab AND o.org = r.org AND o.row_hash = r.row_hash AND o.copy = r.copy)`,
            )
          ).map((r) => String(r.tab)),
        )
      : null;
  for (const t of tabs) {
    if (begun && !begun.has(t.key)) continue;
    // No version open: every current row begins, and the anti-join would match nothing.
    const notOpen = anyOpen
      ? `WHERE NOT EXISTS (SELECT 1 FROM hist_open o WHERE o.tab = '${t.key}' AND o.org = n.org AND o.row_hash = n.row_hash AND o.copy = n.copy)`
      : '';
    await w.run(`INSERT INTO ${quote(versionsTable(t.key))} (${rowColumns(t)}, row_hash, copy) SELECT * FROM (${versionsOf(t, loaded)}) n ${notOpen}`);
  }
}

// ---- the history of the service tables the metrics read (issue #20, part 2) ------------------

/**
 * The registry as read (`orgs`), each organization's last read (`org_state`: when, outcome,
 * message, stale) and the findings and quarantine of the latest loads — what `data_quality`,
 * `compliance` and the facts of organizations read besides the tabs. They change without a load
 * (an organization unchanged, failed or held; the registry), so their diff is taken over the
 * whole table at every run's end: small tables (one row per organization, one per finding).
 * Versions as for the rows — content hash and copy, the run it appeared in — in
 * `<table>_history` (the table's columns, then h_hash, h_copy, h_from), their ends in
 * `state_version_ends`; every column counts, so a read's time is a new version of its state.
 */
export const STATE_TABLES = ['orgs', 'org_state', 'issues', 'quarantine'] as const;
export type StateTable = (typeof STATE_TABLES)[number];
export const stateHistoryTable = (t: StateTable) => `${t}_history`;

/** The history tables of the service tables (migrate): each table's columns, no constraint, then the version's. */
export const STATE_HISTORY_DDL: readonly string[] = [
  ...STATE_TABLES.map(
    (t) =>
      `CREATE TABLE IF NOT EXISTS ${stateHistoryTable(t)} AS SELECT *, 0::UBIGINT AS h_hash, 0::INTEGER AS h_copy, 0::INTEGER AS h_from FROM ${t} WITH NO DATA`,
  ),
  `CREATE TABLE IF NOT EXISTS state_version_ends (
    tbl VARCHAR NOT NULL, h_hash UBIGINT NOT NULL, h_copy INTEGER NOT NULL, from_run INTEGER NOT NULL, to_run INTEGER NOT NULL
  )`,
];

/** A service table's columns, quoted, in table order (from the catalog: the schema's own names; the same in every database this program opens). */
const columnsCache = new Map<StateTable, string[]>();
async function stateColumns(w: Writer, t: StateTable): Promise<string[]> {
  let cols = columnsCache.get(t);
  if (!cols) {
    const rows = await w.query(
      `SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'main' AND table_name = $t ORDER BY column_index`,
      { t },
    );
    cols = rows.map((r) => quote(String(r.column_name)));
    columnsCache.set(t, cols);
  }
  return cols;
}

/** The meta key of each service table's content stamp as its history last took it in. */
const stampKey = (t: StateTable) => `history_stamp_${t}`;

/**
 * Takes the service tables as they stand at the end of run `run` into their history (the
 * caller's transaction): open versions with no current row of their content and copy end in
 * this run; current rows with no open version begin in it. A table whose content stamp (count
 * and hashed sum of its rows' hashes, as facts.ts) is the one taken in last time is skipped: a
 * sync usually changes the states only.
 */
export async function recordStateHistory(w: Writer, run: number): Promise<void> {
  const cols = new Map<StateTable, string[]>();
  for (const t of STATE_TABLES) cols.set(t, await stateColumns(w, t));
  const stampOf = (t: StateTable) => `(SELECT count(*) || ':' || coalesce(sum(hash(hash(${cols.get(t)!.join(', ')}))::HUGEINT), 0) FROM ${t})`;
  // One read for every table: its stamp now, the stamp taken in last, whether it has a history yet.
  const [now] = await w.query(
    `SELECT ${STATE_TABLES.map(
      (t) => `${stampOf(t)} AS ${t}, (SELECT value FROM meta WHERE key = '${stampKey(t)}') AS ${t}_was, EXISTS (SELECT 1 FROM ${stateHistoryTable(t)}) AS ${t}_has`,
    ).join(', ')}`,
  );
  const changed = STATE_TABLES.filter((t) => now![`${t}_was`] !== String(now![t]));
  if (!changed.length) return;
  const cur = (t: StateTable) => {
    const list = cols.get(t)!.join(', ');
    return `SELECT *, row_number() OVER (PARTITION BY h_hash)::INTEGER AS h_copy FROM (SELECT ${list}, hash(${list}) AS h_hash FROM ${t})`;
  };
  const open = (t: StateTable) => `SELECT v.h_hash, v.h_copy, v.h_from FROM ${stateHistoryTable(t)} v
       WHERE NOT EXISTS (SELECT 1 FROM state_version_ends e WHERE e.tbl = '${t}' AND e.h_hash = v.h_hash AND e.h_copy = v.h_copy AND e.from_run = v.h_from)`;
  // Ends first (one statement for the tables that have a history), then beginnings: the versions
  // ended just now match no current row, so they begin nothing.
  const withHistory = changed.filter((t) => now![`${t}_has`] === true);
  if (withHistory.length) {
    await w.run(
      `INSERT INTO state_version_ends ${withHistory
        .map(
          (t) => `SELECT '${t}', o.h_hash, o.h_copy, o.h_from, $run FROM (${open(t)}) o
         WHERE NOT EXISTS (SELECT 1 FROM (${cur(t)}) c WHERE c.h_hash = o.h_hash AND c.h_copy = o.h_copy)`,
        )
        .join('\n       UNION ALL ')}`,
      { run },
    );
  }
  for (const t of changed) {
    const list = cols.get(t)!.join(', ');
    // A table without a history yet (a new database, the first sync after the demo) takes in all its rows.
    const fresh = now![`${t}_has`] !== true;
    await w.run(
      `INSERT INTO ${stateHistoryTable(t)} (${list}, h_hash, h_copy, h_from) SELECT ${list}, h_hash, h_copy, $run FROM (${cur(t)}) c
       ${fresh ? '' : `WHERE NOT EXISTS (SELECT 1 FROM (${open(t)}) o WHERE o.h_hash = c.h_hash AND o.h_copy = c.h_copy)`}`,
      { run },
    );
  }
  await w.run(`INSERT OR REPLACE INTO meta SELECT unnest($keys), unnest($stamps)`, {
    keys: changed.map(stampKey),
    stamps: changed.map((t) => String(now![t])),
  });
}

/** The meta key of the first run the history holds whole (tabs and service tables): an `as_of` before it has no data. */
export const HISTORY_FROM_KEY = 'history_from_run';

/**
 * The SELECT of a tab's rows as they stood after run `run` (`db`: the catalog the history is in,
 * quoted): the versions that began by then and had not ended — in the sheet's order. With
 * `orgRange`, only the organizations from `$lo` to `$hi` (codes as parameters: they come from
 * the registry).
 */
export function tabAsOf(tab: HistoryTab, db: string, run: number, orgRange = false): string {
  const v = `${db}.main.${quote(versionsTable(tab.key))}`;
  return `SELECT ${rowColumns(tab)} FROM ${v} v WHERE v.run_id <= ${run}${orgRange ? ' AND v.org BETWEEN $lo AND $hi' : ''}
    AND NOT EXISTS (SELECT 1 FROM ${db}.main.row_version_ends e
    WHERE e.tab = '${tab.key}' AND e.org = v.org AND e.row_hash = v.row_hash AND e.copy = v.copy AND e.from_run = v.run_id AND e.to_run <= ${run})
    ORDER BY v.org, v.row_no`;
}

/**
 * Ranges of organizations (first and last code, in code order) whose versions begun by run `run`
 * number about `rows` or fewer each (one organization with more is a range of its own): a past
 * tab is copied range by range, so one range's rows, not the region's, are in memory at once.
 */
export async function orgRangesAsOf(conn: DuckDBConnection, tab: HistoryTab, db: string, run: number, rows: number): Promise<[string, string][]> {
  const reader = await conn.runAndReadAll(
    `SELECT org, count(*)::INTEGER AS n FROM ${db}.main.${quote(versionsTable(tab.key))} WHERE run_id <= ${run} GROUP BY org ORDER BY org`,
  );
  const ranges: [string, string][] = [];
  let range: [string, string] | null = null;
  let count = 0;
  for (const [org, n] of reader.getRows() as [string, number][]) {
    if (range && count + n > rows) {
      ranges.push(range);
      range = null;
    }
    if (range) range[1] = org;
    else {
      range = [org, org];
      count = 0;
    }
    count += n;
  }
  if (range) ranges.push(range);
  return ranges;
}

/** The SELECT of a service table as it stood after run `run` (columns: the table's; `db` quoted). */
export function stateAsOf(t: StateTable, db: string, run: number): string {
  return `SELECT * EXCLUDE (h_hash, h_copy, h_from) FROM ${db}.main.${stateHistoryTable(t)} v WHERE v.h_from <= ${run}
    AND NOT EXISTS (SELECT 1 FROM ${db}.main.state_version_ends e
      WHERE e.tbl = '${t}' AND e.h_hash = v.h_hash AND e.h_copy = v.h_copy AND e.from_run = v.h_from AND e.to_run <= ${run})`;
}

/**
 * The rows of a tab as they are now, as versions that began in the run that loaded them (migration
 * 4: a database that had no history starts it with what it holds). Only while the tab has no
 * version at all, so a start interrupted half-way runs it again safely.
 */
export async function seedTabHistory(w: Writer, tab: HistoryTab): Promise<void> {
  const versions = quote(versionsTable(tab.key));
  await w.run(
    `INSERT INTO ${versions} (${rowColumns(tab)}, row_hash, copy) ${versionsOf(tab, 'true')}
     AND NOT EXISTS (SELECT 1 FROM ${versions})`,
  );
}

/**
 * Counts the changes of the history that are not appends — compaction and clearing (meta): a
 * reader of a past run that reads the history in several transactions (snapshot.ts) compares
 * it before and after, since only appends leave what stood after a finished run as it was.
 */
export const HISTORY_GENERATION_KEY = 'history_generation';

async function bumpGeneration(w: Writer): Promise<void> {
  await w.run(
    `INSERT OR REPLACE INTO meta SELECT '${HISTORY_GENERATION_KEY}',
       (coalesce((SELECT max(value::BIGINT) FROM meta WHERE key = '${HISTORY_GENERATION_KEY}'), 0) + 1)::VARCHAR`,
  );
}

/** Forgets every version (the demo municipality's rows, when real data replaces them). */
export async function clearHistory(w: Writer): Promise<void> {
  await bumpGeneration(w);
  await w.run(`DELETE FROM row_version_ends`);
  for (const tab of TABS) await w.run(`DELETE FROM ${quote(versionsTable(tab.key))}`);
  await w.run(`DELETE FROM state_version_ends`);
  for (const t of STATE_TABLES) await w.run(`DELETE FROM ${stateHistoryTable(t)}`);
  await w.run(`DELETE FROM meta WHERE key LIKE 'history_stamp_%'`);
  // What the demo held is no past of this database: the history starts with the run now going on.
  await w.run(`INSERT OR REPLACE INTO meta SELECT '${HISTORY_FROM_KEY}', coalesce(max(id), 0)::VARCHAR FROM sync_runs`);
}

/**
 * Retention: drops the versions that ended in a run finished before `cutoff` and were current at
 * no month's end (they began and ended within one calendar month), with their ends, in one
 * transaction (the history's generation counted when anything goes). Returns how many versions
 * of the tabs were dropped.
 */
export async function compactHistory(w: Writer, cutoff: string): Promise<number> {
  return w.transaction(() => compactInTransaction(w, cutoff));
}

async function compactInTransaction(w: Writer, cutoff: string): Promise<number> {
  await w.run(
    `CREATE OR REPLACE TEMP TABLE hist_doomed AS
     SELECT e.tab, e.org, e.row_hash, e.copy, e.from_run FROM row_version_ends e
       JOIN sync_runs b ON b.id = e.from_run JOIN sync_runs x ON x.id = e.to_run
     WHERE x.finished_at < $cutoff::TIMESTAMP
       AND date_trunc('month', coalesce(b.finished_at, b.started_at)) = date_trunc('month', x.finished_at)`,
    { cutoff },
  );
  // The service tables' versions by the same rule (their reads' times change at every run).
  await w.run(
    `CREATE OR REPLACE TEMP TABLE st_doomed AS
     SELECT e.tbl, e.h_hash, e.h_copy, e.from_run FROM state_version_ends e
       JOIN sync_runs b ON b.id = e.from_run JOIN sync_runs x ON x.id = e.to_run
     WHERE x.finished_at < $cutoff::TIMESTAMP
       AND date_trunc('month', coalesce(b.finished_at, b.started_at)) = date_trunc('month', x.finished_at)`,
    { cutoff },
  );
  const [st] = await w.query(`SELECT count(*)::INTEGER AS n FROM st_doomed`);
  const [n] = await w.query(`SELECT count(*)::INTEGER AS n FROM hist_doomed`);
  const count = Number(n?.n ?? 0);
  if (count === 0 && Number(st?.n ?? 0) === 0) return 0;
  await bumpGeneration(w);
  for (const t of STATE_TABLES) {
    await w.run(
      `DELETE FROM ${stateHistoryTable(t)} v WHERE EXISTS (SELECT 1 FROM st_doomed d
         WHERE d.tbl = '${t}' AND d.h_hash = v.h_hash AND d.h_copy = v.h_copy AND d.from_run = v.h_from)`,
    );
  }
  await w.run(
    `DELETE FROM state_version_ends e WHERE EXISTS (SELECT 1 FROM st_doomed d
       WHERE d.tbl = e.tbl AND d.h_hash = e.h_hash AND d.h_copy = e.h_copy AND d.from_run = e.from_run)`,
  );
  if (count === 0) return 0;
  for (const tab of TABS) {
    await w.run(
      `DELETE FROM ${quote(versionsTable(tab.key))} v WHERE EXISTS (SELECT 1 FROM hist_doomed d
         WHERE d.tab = $tab AND d.org = v.org AND d.row_hash = v.row_hash AND d.copy = v.copy AND d.from_run = v.run_id)`,
      { tab: tab.key },
    );
  }
  await w.run(
    `DELETE FROM row_version_ends e WHERE EXISTS (SELECT 1 FROM hist_doomed d
       WHERE d.tab = e.tab AND d.org = e.org AND d.row_hash = e.row_hash AND d.copy = e.copy AND d.from_run = e.from_run)`,
  );
  return count;
}

// ---- the change log of an organization (issue #20, part 3) -----------------------------------

/**
 * The columns a reader names a row of each tab by: an ended and a begun version of one sync
 * with the same values here are one row changed (its other columns old → new); the rest are
 * rows added and removed. Keys of the contract's columns.
 */
export const ROW_NAME: Readonly<Record<TabKey, readonly string[]>> = {
  teachers: ['fio'],
  pairs: ['mentor', 'mentee'],
  programs: ['mentee', 'mentor'],
  courses: ['person', 'program'],
  attestations: ['person', 'order_date'],
  compliance: ['item'],
  practices: ['title'],
  events: ['event_date', 'kind', 'title'],
};

interface Event {
  run: number;
  at: string;
  kind: 'start' | 'end';
  tab: TabKey;
  row_no: number;
  data: Record<string, CellValue>;
  first_run: number;
}

/**
 * The first load of each organization the history can tell apart from a change (`org`,
 * `first_run`): its first successful load, or the first run the history holds whole when that
 * came later (rows loaded before it entered the history with it). A tab filled after that — the
 * first rows of a sheet that loaded empty, an optional tab added — is a change: its rows were
 * «first load» when the tab's own first version was taken for it (an outside review: the
 * region's figures changed and «changes since the last report» listed nothing).
 */
const FIRST_LOADS = `SELECT org, greatest(min(run_id), coalesce((SELECT max(value::INTEGER) FROM meta WHERE key = '${HISTORY_FROM_KEY}'), 0)) AS first_run
  FROM sync_run_orgs WHERE status = 'ok' GROUP BY org`;

/**
 * What the organization's last `limit` syncs that changed anything changed, newest first: per
 * sync and tab, rows added, removed and changed (which columns, old → new); a tab's first load
 * as a count. Read from the history alone.
 */
export async function orgChanges(db: Db, org: string, limit: number, tabs: readonly HistoryTab[]): Promise<SyncChanges[]> {
  // Per tab: its versions (begun) and their ends, each with the row as JSON; its first run.
  const data = (t: HistoryTab) => `to_json(struct_pack(${t.columns.map((c) => `${quote(c)} := v.${quote(c)}`).join(', ')}))::VARCHAR`;
  const ev = tabs
    .map(
      (t) => `SELECT v.run_id AS run, 'start' AS kind, '${t.key}' AS tab, v.row_no, ${data(t)} AS data FROM ${quote(versionsTable(t.key))} v WHERE v.org = $org
      UNION ALL
      SELECT e.to_run, 'end', '${t.key}', v.row_no, ${data(t)} FROM row_version_ends e
        JOIN ${quote(versionsTable(t.key))} v ON v.org = e.org AND v.row_hash = e.row_hash AND v.copy = e.copy AND v.run_id = e.from_run
      WHERE e.tab = '${t.key}' AND e.org = $org`,
    )
    .join('\n      UNION ALL\n      ');
  const rows = await db.query(
    `WITH ev AS (${ev}),
     firsts AS (SELECT coalesce((SELECT first_run FROM (${FIRST_LOADS}) WHERE org = $org), (SELECT min(run) FROM ev)) AS first_run),
     runs AS (SELECT DISTINCT run FROM ev ORDER BY run DESC LIMIT $limit)
     SELECT ev.run, strftime(coalesce(r.finished_at, r.started_at), '%Y-%m-%d %H:%M:%S') AS at, ev.kind, ev.tab, ev.row_no, ev.data, f.first_run
     FROM ev JOIN runs USING (run) CROSS JOIN firsts f LEFT JOIN sync_runs r ON r.id = ev.run
     ORDER BY ev.run DESC, ev.tab, ev.row_no`,
    { org, limit },
  );
  const held = await heldRows(db, org);
  const events: Event[] = rows.map((r) => ({
    run: Number(r.run),
    at: String(r.at ?? ''),
    kind: r.kind as Event['kind'],
    tab: r.tab as TabKey,
    row_no: Number(r.row_no),
    data: JSON.parse(String(r.data)) as Record<string, CellValue>,
    first_run: Number(r.first_run),
  }));
  const out: SyncChanges[] = [];
  for (const run of [...new Set(events.map((e) => e.run))]) {
    const ofRun = events.filter((e) => e.run === run);
    const tabs: TabChanges[] = [];
    for (const decl of TABS) {
      const list = ofRun.filter((e) => e.tab === decl.key);
      if (!list.length) continue;
      const t = tabChanges(decl, list, run <= list[0]!.first_run, held.get(`${run}|${decl.key}`));
      if (t.first_load !== null || t.added.length || t.removed.length || t.changed.length) tabs.push(t);
    }
    if (tabs.length) out.push({ run_id: run, at: ofRun[0]!.at, tabs });
  }
  return out;
}

/** The columns shown in a change: the contract's, without the derived ones (a reference's organization and key). */
function shownColumns(tab: TabDecl): { key: string; title: string }[] {
  return tab.columns.map((c) => ({ key: c.key, title: c.header }));
}

function rowName(tab: TabDecl, data: Record<string, CellValue>): string {
  const parts = ROW_NAME[tab.key].map((k) => data[k]).filter((v) => v !== null && v !== undefined && v !== '');
  return parts.length ? parts.map((v) => (Array.isArray(v) ? v.join('; ') : String(v))).join(' — ') : '(без названия)';
}

/**
 * The rows of an organization's sheet that failed its checks, by sync and tab (`run|tab`), as
 * row-name keys (nameKey): quarantined at that sync's load (`now`: a row gone from the loaded
 * data is not removed from the sheet), and quarantined before it and loaded again (`before`: a
 * row that comes back was corrected, not added). Read from the quarantine's history.
 */
async function heldRows(db: Db, org: string): Promise<Map<string, Held>> {
  const out = new Map<string, Held>();
  /** Each tab's header index (headerIndex), made once for all its quarantined rows. */
  const indexes = new Map<TabKey, Map<string, string>>();
  for (const r of await db.query(sqlOf('lists/quarantined_rows'), { org })) {
    const decl = TABS.find((t) => matchKey(t.title) === matchKey(String(r.tab)));
    if (!decl) continue;
    let raw: Record<string, Cell>;
    try {
      raw = JSON.parse(String(r.raw)) as Record<string, Cell>;
    } catch {
      continue;
    }
    const k = `${Number(r.run)}|${decl.key}`;
    let h = out.get(k);
    if (!h) out.set(k, (h = { now: new Set(), before: new Set() }));
    let index = indexes.get(decl.key);
    if (!index) indexes.set(decl.key, (index = headerIndex(decl.columns)));
    h[r.kind === 'now' ? 'now' : 'before'].add(rawNameKey(decl, index, raw));
  }
  return out;
}

interface Held {
  now: Set<string>;
  before: Set<string>;
}

/** A row-name value compared loosely: case, ё/е, spaces and punctuation aside; a date as its ISO day. */
function nameValue(v: CellValue | undefined): string {
  if (v === null || v === undefined) return '';
  return matchKey(normalizePersonName(Array.isArray(v) ? v.join('; ') : String(v)));
}

/** The row-name key of a version's data (ROW_NAME). */
function dataNameKey(tab: TabKey, data: Record<string, CellValue>): string {
  return JSON.stringify(ROW_NAME[tab].map((k) => nameValue(data[k])));
}

/** The row-name key of a quarantined row's cells as typed (header → text): dates read as the sheet's reader reads them. */
function rawNameKey(decl: TabDecl, index: ReadonlyMap<string, string>, raw: Record<string, Cell>): string {
  const byKey = new Map<string, Cell>();
  for (const [header, cell] of Object.entries(raw)) {
    const k = headerKey(index, header);
    if (k !== undefined && !byKey.has(k)) byKey.set(k, cell);
  }
  return JSON.stringify(
    ROW_NAME[decl.key].map((k) => {
      const cell = byKey.get(k);
      if (cell === undefined || isBlank(cell)) return '';
      if (decl.columns.find((c) => c.key === k)?.type.kind === 'date') {
        const d = parseDate(cell);
        if (d.ok) return nameValue(d.value);
      }
      return nameValue(typeof cell === 'string' || typeof cell === 'number' ? String(cell) : rawText(cell));
    }),
  );
}

function tabChanges(tab: TabDecl, list: readonly Event[], first: boolean, held?: Held): TabChanges {
  const base = { tab: tab.key, title: tab.title, added: [], removed: [], changed: [] };
  if (first) return { ...base, first_load: list.filter((e) => e.kind === 'start').length };
  const key = (e: Event) => JSON.stringify(ROW_NAME[tab.key].map((k) => e.data[k] ?? null));
  const ends = new Map<string, Event[]>();
  for (const e of list) if (e.kind === 'end') ends.set(key(e), [...(ends.get(key(e)) ?? []), e]);
  const out: TabChanges = { ...base, first_load: null };
  const columns = shownColumns(tab);
  for (const s of list) {
    if (s.kind !== 'start') continue;
    const old = ends.get(key(s))?.shift();
    if (!old) {
      out.added.push({ name: rowName(tab, s.data), row_no: s.row_no, ...(held?.before.has(dataNameKey(tab.key, s.data)) ? { corrected: true } : {}) });
      continue;
    }
    const diff = columns
      .filter((c) => JSON.stringify(old.data[c.key] ?? null) !== JSON.stringify(s.data[c.key] ?? null))
      .map((c) => ({ column: c.key, title: c.title, old: old.data[c.key] ?? null, new: s.data[c.key] ?? null }));
    // Only derived columns differ (a reference's key: «Код» added on «Педагоги» turns every
    // mentor's key from name to code): nothing the school wrote changed — not listed.
    if (diff.length) out.changed.push({ name: rowName(tab, s.data), row_no: s.row_no, columns: diff });
  }
  for (const rest of ends.values()) {
    for (const e of rest) out.removed.push({ name: rowName(tab, e.data), row_no: e.row_no, ...(held?.now.has(dataNameKey(tab.key, e.data)) ? { quarantined: true } : {}) });
  }
  return out;
}

// ---- organizations changed since a moment (issue #20, part 3: the coordinator's overview) ----------

/** How much of one organization's data changed since a moment: rows, counted as the change log pairs them. */
export interface OrgChangeCount {
  org: string;
  /** Its name in the registry (null when it left the registry's rows). */
  name: string | null;
  added: number;
  changed: number;
  removed: number;
  /** The last sync that changed something, `YYYY-MM-DD HH:MM:SS`. */
  last_change: string;
}

/**
 * Per organization, the rows added, changed and removed by the syncs finished after `since`
 * (every sync when null), first loads of a tab left out — the change log's counts (`orgChanges`:
 * an ended and a begun version of one sync with the same ROW_NAME values are one row changed),
 * for every organization at once. Organizations with no change are not listed.
 */
export async function changesSince(db: Db, tabs: readonly HistoryTab[], since: string | null): Promise<OrgChangeCount[]> {
  const name = (t: HistoryTab) => `to_json([${ROW_NAME[t.key as TabKey].map((c) => `v.${quote(c)}::VARCHAR`).join(', ')}])::VARCHAR`;
  const perTab = tabs
    .map((t) => {
      const versions = quote(versionsTable(t.key));
      return `SELECT org, run, ident, count(*) FILTER (WHERE kind = 's') AS sn, count(*) FILTER (WHERE kind = 'e') AS en FROM (
          SELECT v.org, v.run_id AS run, ${name(t)} AS ident, 's' AS kind FROM ${versions} v
          WHERE v.run_id IN (SELECT id FROM runs)
            AND v.run_id > coalesce((SELECT f.first_run FROM firsts f WHERE f.org = v.org), (SELECT min(x.run_id) FROM ${versions} x WHERE x.org = v.org))
          UNION ALL
          SELECT e.org, e.to_run, ${name(t)}, 'e' FROM row_version_ends e
            JOIN ${versions} v ON v.org = e.org AND v.row_hash = e.row_hash AND v.copy = e.copy AND v.run_id = e.from_run
          WHERE e.tab = '${t.key}' AND e.to_run IN (SELECT id FROM runs)
        ) GROUP BY org, run, ident`;
    })
    .join('\n        UNION ALL\n        ');
  const rows = await db.query(
    `WITH runs AS (SELECT id FROM sync_runs WHERE $since::TIMESTAMP IS NULL OR finished_at > $since::TIMESTAMP),
     firsts AS (${FIRST_LOADS}),
     pairs AS (${perTab})
     SELECT p.org, any_value(o.name) AS name, sum(least(sn, en))::INTEGER AS changed, sum(sn - least(sn, en))::INTEGER AS added, sum(en - least(sn, en))::INTEGER AS removed,
       strftime(max(r.finished_at), '%Y-%m-%d %H:%M:%S') AS last_change
     FROM pairs p JOIN sync_runs r ON r.id = p.run LEFT JOIN orgs o ON o.code = p.org
     GROUP BY p.org ORDER BY changed + added + removed DESC, p.org`,
    { since },
  );
  return rows.map((r) => ({ org: String(r.org), name: r.name === null ? null : String(r.name), added: Number(r.added), changed: Number(r.changed), removed: Number(r.removed), last_change: String(r.last_change) }));
}

// ---- organizations that went stale or were held since a run (issue #21: the coordinator's alerts) ----

/** An organization whose data went stale (its sheet not read) or whose load was held since a run. */
export interface StateAlert {
  org: string;
  name: string | null;
  status: string | null;
  message: string | null;
  held: boolean;
}

/**
 * The organizations stale or held now (active in the registry) that were neither after run `run`
 * (read from the history of `org_state`): what the coordinator has not been told yet.
 */
export async function staleSince(db: Db, run: number): Promise<StateAlert[]> {
  const main = quote(db.catalog);
  const rows = await db.query(
    `WITH before AS (${stateAsOf('org_state', main, run)})
     SELECT s.org, o.name, s.last_status AS status, s.last_message AS message, s.last_status = 'held' AS held
     FROM org_state s JOIN orgs o ON o.code = s.org AND o.in_registry AND o.active
     WHERE (s.stale OR s.last_status = 'held')
       AND NOT EXISTS (SELECT 1 FROM before b WHERE b.org = s.org AND (b.stale OR b.last_status = 'held'))
     ORDER BY s.org`,
  );
  return rows.map((r) => ({ org: String(r.org), name: r.name === null ? null : String(r.name), status: r.status === null ? null : String(r.status), message: r.message === null ? null : String(r.message), held: r.held === true }));
}

// ---- when an organization's data last changed (issue #21: the reminders before a reporting date) ----

/**
 * When each of the organizations' loaded rows last changed — a row added, changed or removed:
 * the end of that sync (ISO moment, UTC), from the row history. An organization none of whose rows
 * was ever loaded (an empty sheet, every row refused) has had the same data since it entered the
 * registry as the history knows it (its first version of `orgs`). A sheet edited without changing
 * its data has not changed here.
 */
export async function lastDataChange(db: Db, orgs: readonly string[]): Promise<Map<string, string>> {
  if (!orgs.length) return new Map();
  const started = TABS.map((t) => `SELECT org, max(run_id) AS run FROM ${quote(versionsTable(t.key))} WHERE org IN (SELECT unnest($orgs)) GROUP BY org`);
  const ended = `SELECT org, max(to_run) AS run FROM row_version_ends WHERE org IN (SELECT unnest($orgs)) GROUP BY org`;
  const listed = `SELECT code AS org, min(h_from) AS run FROM ${stateHistoryTable('orgs')} WHERE code IN (SELECT unnest($orgs)) GROUP BY code`;
  const rows = await db.query(
    `WITH data AS (SELECT org, max(run) AS run FROM (${[...started, ended].join(' UNION ALL ')}) GROUP BY org),
       listed AS (${listed})
     SELECT coalesce(d.org, l.org) AS org, strftime(r.finished_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS at
     FROM data d FULL JOIN listed l ON d.org = l.org
     JOIN sync_runs r ON r.id = coalesce(d.run, l.run) WHERE r.finished_at IS NOT NULL`,
    { orgs: [...orgs] },
  );
  return new Map(rows.map((r) => [String(r.org), String(r.at)]));
}
