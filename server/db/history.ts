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
import { TABS, type TabDecl, type TabKey } from '../contract/index.ts';
import type { CellValue, SyncChanges, TabChanges } from '../../shared/changes.ts';
import type { Db, Writer } from './db.ts';

/** A tab's table and its content columns (schema.ts `dbColumns`: all but org, row_no, run_id). */
export interface HistoryTab {
  key: string;
  columns: readonly string[];
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The versions table of a tab: its columns, then `row_hash` and `copy`. */
export const versionsTable = (key: string) => `${key}_versions`;

export const ENDS_DDL = `CREATE TABLE IF NOT EXISTS row_version_ends (
  tab VARCHAR NOT NULL, org VARCHAR NOT NULL, row_hash UBIGINT NOT NULL, copy INTEGER NOT NULL,
  from_run INTEGER NOT NULL, to_run INTEGER NOT NULL
)`;

/** The columns a version copies from its tab row, quoted, in table order. */
const rowColumns = (tab: HistoryTab) => ['org', 'row_no', 'run_id', ...tab.columns].map(quote).join(', ');

/** The rows of the tab that match `where`, with the hash and copy that name their version. */
function versionsOf(tab: HistoryTab, where: string): string {
  const hash = `hash(${tab.columns.map(quote).join(', ')})`;
  return `SELECT ${rowColumns(tab)}, ${hash} AS row_hash, row_number() OVER (PARTITION BY org, ${hash} ORDER BY row_no)::INTEGER AS copy
    FROM ${quote(tab.key)} WHERE ${where}`;
}

/** The last run whose loads the history has taken in (meta). */
const THROUGH_KEY = 'history_through_run';

/**
 * Takes into the history what the loads of run `run` (and of earlier runs cut short before
 * their end) changed, one transaction. The organizations loaded are those recorded `ok` in
 * `sync_run_orgs` since the last run taken in — recorded in the load's own transaction, so no
 * note per batch is needed. Per tab: their open versions with no current row of the same
 * content and copy end in the run that loaded them; their current rows with no open version
 * begin (in the run that loaded them). A tab that did not load keeps its rows, so nothing of it
 * changes. One set-based diff per tab per run (issue #18: a diff per load batch cost the
 * region's first sync ~3 s).
 */
export async function recordHistory(w: Writer, tabs: readonly HistoryTab[], run: number): Promise<void> {
  await w.transaction(async () => {
    const [through] = await w.query(`SELECT coalesce(max(value::INTEGER), 0) AS n FROM meta WHERE key = '${THROUGH_KEY}'`);
    await w.run(
      `CREATE OR REPLACE TEMP TABLE hist_orgs AS SELECT org, max(run_id) AS run FROM sync_run_orgs
       WHERE status = 'ok' AND run_id > $through AND run_id <= $run GROUP BY org`,
      { through: Number(through?.n ?? 0), run },
    );
    await w.run(`INSERT OR REPLACE INTO meta VALUES ('${THROUGH_KEY}', $run)`, { run: String(run) });
    const [loaded] = await w.query(`SELECT count(*)::INTEGER AS n FROM hist_orgs`);
    if (!Number(loaded?.n ?? 0)) return;
    for (const tab of tabs) {
      const versions = quote(versionsTable(tab.key));
      const [known] = await w.query(`SELECT EXISTS (SELECT 1 FROM ${versions} WHERE org IN (SELECT org FROM hist_orgs)) AS any`);
      if (known?.any !== true) {
        // Organizations with no version yet (a first load): their rows are their versions, copied in one pass.
        await w.run(`INSERT INTO ${versions} (${rowColumns(tab)}, row_hash, copy) ${versionsOf(tab, 'org IN (SELECT org FROM hist_orgs)')}`);
        continue;
      }
      await w.run(`CREATE OR REPLACE TEMP TABLE hist_loaded AS ${versionsOf(tab, 'org IN (SELECT org FROM hist_orgs)')}`);
      await w.run(
        `CREATE OR REPLACE TEMP TABLE hist_open AS
         SELECT v.org, v.row_hash, v.copy, v.run_id AS from_run FROM ${versions} v
         WHERE v.org IN (SELECT org FROM hist_orgs) AND NOT EXISTS (SELECT 1 FROM row_version_ends e
           WHERE e.tab = $tab AND e.org = v.org AND e.row_hash = v.row_hash AND e.copy = v.copy AND e.from_run = v.run_id)`,
        { tab: tab.key },
      );
      await w.run(
        `INSERT INTO row_version_ends SELECT $tab, o.org, o.row_hash, o.copy, o.from_run, p.run FROM hist_open o JOIN hist_orgs p USING (org)
         WHERE NOT EXISTS (SELECT 1 FROM hist_loaded l WHERE l.org = o.org AND l.row_hash = o.row_hash AND l.copy = o.copy)`,
        { tab: tab.key },
      );
      await w.run(
        `INSERT INTO ${versions} (${rowColumns(tab)}, row_hash, copy) SELECT ${rowColumns(tab)}, row_hash, copy FROM hist_loaded l
         WHERE NOT EXISTS (SELECT 1 FROM hist_open o WHERE o.org = l.org AND o.row_hash = l.row_hash AND o.copy = l.copy)`,
      );
    }
  });
}

/** The versions table of a tab (schema.ts builds its columns from the tab's DDL). */
export function versionsDdl(tabDdl: string): string[] {
  return [tabDdl, ...['row_hash UBIGINT', 'copy INTEGER'].map((c) => tabDdl.replace(/^CREATE TABLE IF NOT EXISTS ("[^"]+").*$/s, `ALTER TABLE $1 ADD COLUMN IF NOT EXISTS ${c}`))];
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

/** Forgets every version (the demo municipality's rows, when real data replaces them). */
export async function clearHistory(w: Writer): Promise<void> {
  await w.run(`DELETE FROM row_version_ends`);
  for (const tab of TABS) await w.run(`DELETE FROM ${quote(versionsTable(tab.key))}`);
}

/**
 * Retention: drops the versions that ended in a run finished before `cutoff` and were current at
 * no month's end (they began and ended within one calendar month), with their ends. Returns how
 * many versions were dropped.
 */
export async function compactHistory(w: Writer, cutoff: string): Promise<number> {
  await w.run(
    `CREATE OR REPLACE TEMP TABLE hist_doomed AS
     SELECT e.tab, e.org, e.row_hash, e.copy, e.from_run FROM row_version_ends e
       JOIN sync_runs b ON b.id = e.from_run JOIN sync_runs x ON x.id = e.to_run
     WHERE x.finished_at < $cutoff::TIMESTAMP
       AND date_trunc('month', coalesce(b.finished_at, b.started_at)) = date_trunc('month', x.finished_at)`,
    { cutoff },
  );
  const [n] = await w.query(`SELECT count(*)::INTEGER AS n FROM hist_doomed`);
  const count = Number(n?.n ?? 0);
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
  const firsts = tabs.map((t) => `SELECT '${t.key}' AS tab, min(run_id) AS first_run FROM ${quote(versionsTable(t.key))} WHERE org = $org`).join(' UNION ALL ');
  const rows = await db.query(
    `WITH ev AS (${ev}),
     firsts AS (${firsts}),
     runs AS (SELECT DISTINCT run FROM ev ORDER BY run DESC LIMIT $limit)
     SELECT ev.run, strftime(coalesce(r.finished_at, r.started_at), '%Y-%m-%d %H:%M:%S') AS at, ev.kind, ev.tab, ev.row_no, ev.data, f.first_run
     FROM ev JOIN runs USING (run) JOIN firsts f USING (tab) LEFT JOIN sync_runs r ON r.id = ev.run
     ORDER BY ev.run DESC, ev.tab, ev.row_no`,
    { org, limit },
  );
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
      tabs.push(tabChanges(decl, list, run === list[0]!.first_run));
    }
    out.push({ run_id: run, at: ofRun[0]!.at, tabs });
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

function tabChanges(tab: TabDecl, list: readonly Event[], first: boolean): TabChanges {
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
      out.added.push({ name: rowName(tab, s.data), row_no: s.row_no });
      continue;
    }
    const diff = columns
      .filter((c) => JSON.stringify(old.data[c.key] ?? null) !== JSON.stringify(s.data[c.key] ?? null))
      .map((c) => ({ column: c.key, title: c.title, old: old.data[c.key] ?? null, new: s.data[c.key] ?? null }));
    out.changed.push({ name: rowName(tab, s.data), row_no: s.row_no, columns: diff });
  }
  for (const rest of ends.values()) for (const e of rest) out.removed.push({ name: rowName(tab, e.data), row_no: e.row_no });
  return out;
}
