/**
 * Loading validated rows. One transaction replaces, for every organization of a batch, its rows
 * of every tab that loaded, its quarantine and its issues: rows go in through appenders inside
 * the transaction (DuckDB appenders are transactional), so a failure leaves the previous data
 * untouched and readers see the old rows until the commit. Tabs that failed as a whole keep
 * their stored rows.
 *
 * Batching is what makes a region fast: DuckDB costs about a millisecond per statement, and a
 * per-organization transaction needs some forty of them, so 1,000 organizations loaded one by
 * one spent most of a minute in statement overhead. `loadOrgs` issues the same statements once
 * per batch; `loadOrg` is a batch of one (run.ts falls back to it when a batch fails, so one
 * organization's bad load still cannot stop the others).
 */
import { DuckDBDateValue, LIST, VARCHAR, listValue, type DuckDBAppender } from '@duckdb/node-api';
import { TABS, daysFromIso, formatIssue, matchKey, type DataIssue } from '../contract/index.ts';
import type { Writer } from '../db.ts';
import { dbColumns, type DbColumn } from '../schema.ts';
import type { StagedRow, ValidatedOrg } from './validate.ts';

type Append = (a: DuckDBAppender, v: unknown) => void;

const VARCHAR_LIST = LIST(VARCHAR);

/** The append call of a column, chosen once per column rather than once per cell. */
function appenderOf(col: DbColumn): Append {
  const write: Append = (() => {
    switch (col.sqlType.split(' ')[0]) {
      case 'DATE':
        return (a, v) => a.appendDate(new DuckDBDateValue(daysFromIso(String(v))));
      case 'INTEGER':
        return (a, v) => a.appendInteger(Number(v));
      case 'DOUBLE':
        return (a, v) => a.appendDouble(Number(v));
      case 'BOOLEAN':
        return (a, v) => a.appendBoolean(Boolean(v));
      case 'VARCHAR[]':
        return (a, v) => a.appendList(listValue((v as string[]).map(String)), VARCHAR_LIST);
      default:
        return (a, v) => a.appendVarchar(String(v));
    }
  })();
  return (a, v) => (v === null || v === undefined ? a.appendNull() : write(a, v));
}

const nullableVarchar = (a: DuckDBAppender, v: string | null) => (v === null ? a.appendNull() : a.appendVarchar(v));
const nullableInteger = (a: DuckDBAppender, v: number | null) => (v === null ? a.appendNull() : a.appendInteger(v));

/** Appends the rows of one tab, for every organization of a batch whose tab loaded. */
async function appendTab(w: Writer, table: string, cols: readonly DbColumn[], runId: number, parts: readonly { org: string; rows: readonly StagedRow[] }[]): Promise<void> {
  const writers = cols.map((c) => ({ name: c.name, append: appenderOf(c) }));
  const items = parts.flatMap((p) => p.rows.map((r) => ({ org: p.org, r })));
  await w.appendRows(table, items, (a, { org, r }) => {
    a.appendVarchar(org);
    a.appendInteger(r.row);
    a.appendInteger(runId);
    for (const c of writers) c.append(a, r.values[c.name]);
  });
}

export interface LoadCounts {
  rowsLoaded: number;
  rowsQuarantined: number;
  warnings: number;
  errors: number;
  /** Per tab: rows loaded, or the tab's status when it did not load. */
  tabs: Record<string, number | 'ошибка листа' | 'нет листа' | 'сохранены прежние строки'>;
}

/** Appends findings to `issues` (one appender; inside the caller's transaction when there is one). */
export async function insertIssues(w: Writer, runId: number, scope: 'registry' | 'sheet' | 'hold', issues: readonly DataIssue[]): Promise<void> {
  if (!issues.length) return;
  await w.appendRows('issues', issues, (a, i) => {
    a.appendInteger(runId);
    a.appendVarchar(scope);
    nullableVarchar(a, i.org);
    a.appendVarchar(i.tab);
    nullableInteger(a, i.row);
    nullableVarchar(a, i.column);
    nullableVarchar(a, i.value);
    a.appendVarchar(i.level);
    a.appendVarchar(i.problem);
    a.appendVarchar(formatIssue(i));
  });
}

export interface QuarantineEntry {
  tab: string;
  row: number;
  raw: Record<string, string>;
  problems: DataIssue[];
}

/** Appends rejected rows to `quarantine`, with their raw values and error messages. */
export async function insertQuarantine(w: Writer, runId: number, scope: 'registry' | 'sheet', org: string | null, rows: readonly QuarantineEntry[]): Promise<void> {
  await insertQuarantineRows(w, runId, scope, rows.map((q) => ({ org, q })));
}

export async function insertQuarantineRows(w: Writer, runId: number, scope: 'registry' | 'sheet', rows: readonly { org: string | null; q: QuarantineEntry }[]): Promise<void> {
  if (!rows.length) return;
  await w.appendRows('quarantine', rows, (a, { org, q }) => {
    a.appendInteger(runId);
    a.appendVarchar(scope);
    nullableVarchar(a, org);
    a.appendVarchar(q.tab);
    a.appendInteger(q.row);
    a.appendVarchar(JSON.stringify(q.raw));
    a.appendVarchar(q.problems.filter((p) => p.level === 'error').map(formatIssue).join('\n'));
  });
}

export interface OrgLoad {
  v: ValidatedOrg;
  state: { version: string | null; now: string; today: string; message?: string | null };
}

/**
 * Replaces the organization's rows of every tab that loaded, its quarantine and its issues.
 * A tab that failed as a whole keeps its stored rows, and with them the quarantined rows and
 * row findings of the load they came from: those rows are still missing from the kept data.
 */
export async function loadOrg(w: Writer, runId: number, v: ValidatedOrg, state: OrgLoad['state']): Promise<LoadCounts> {
  const [counts] = await loadOrgs(w, runId, [{ v, state }]);
  return counts!;
}

/** Separates organization and tab in a single list element (no code or title holds U+001F). */
const SEP = '\u001f';

/**
 * `loadOrg` for several organizations in one transaction: all of them or none. Organization
 * codes must be distinct. Returns the counts in the order of `loads`.
 */
export async function loadOrgs(w: Writer, runId: number, loads: readonly OrgLoad[]): Promise<LoadCounts[]> {
  const counts = loads.map(({ v }) => countsOf(v));
  if (!loads.length) return counts;
  const orgs = loads.map((l) => l.v.org);
  await w.run(`CREATE TEMP TABLE IF NOT EXISTS stg_org_state (org VARCHAR, now VARCHAR, message VARCHAR, version VARCHAR, today VARCHAR, has_compliance BOOLEAN)`);
  await w.run(`DELETE FROM stg_org_state`);
  await w.appendRows(
    'stg_org_state',
    loads,
    (a, { v, state }) => {
      a.appendVarchar(v.org);
      a.appendVarchar(state.now);
      nullableVarchar(a, state.message ?? null);
      nullableVarchar(a, state.version);
      a.appendVarchar(state.today);
      a.appendBoolean(v.tabs.get('compliance')?.status === 'ok');
    },
    'temp',
  );
  await w.transaction(async () => {
    for (const tab of TABS) {
      const parts = loads.flatMap(({ v }) => {
        const t = v.tabs.get(tab.key);
        return t && (t.status === 'ok' || t.status === 'missing') ? [{ org: v.org, rows: t.rows }] : [];
      });
      if (!parts.length) continue;
      await w.run(`DELETE FROM "${tab.key}" WHERE org IN (SELECT unnest($orgs))`, { orgs: parts.map((p) => p.org) });
      await appendTab(w, tab.key, dbColumns(tab), runId, parts);
    }
    const failed = new Map(
      loads.map(({ v }) => [v.org, new Set(TABS.filter((t) => !replaces(v.tabs.get(t.key)?.status)).map((t) => matchKey(t.title)))]),
    );
    const stored = await w.query(`SELECT DISTINCT org, tab FROM quarantine WHERE scope = 'sheet' AND org IN (SELECT unnest($orgs))`, { orgs });
    // (organization, title as stored — the sheet's spelling) of the tabs that failed now.
    const keep = stored
      .filter((r) => failed.get(String(r.org))?.has(matchKey(String(r.tab))))
      .map((r) => `${String(r.org)}${SEP}${String(r.tab)}`);
    await w.run(
      `DELETE FROM quarantine WHERE scope = 'sheet' AND org IN (SELECT unnest($orgs)) AND NOT list_contains($keep, org || chr(31) || tab)`,
      { orgs, keep },
    );
    await w.run(
      `DELETE FROM issues WHERE scope = 'sheet' AND org IN (SELECT unnest($orgs))
         AND NOT (row_no IS NOT NULL AND list_contains($keep, org || chr(31) || tab))`,
      { orgs, keep },
    );
    // A load that went ahead ends an earlier hold of the organization (sync/guard.ts).
    await w.run(`DELETE FROM issues WHERE scope = 'hold' AND org IN (SELECT unnest($orgs))`, { orgs });
    await w.run(`DELETE FROM shrink_acceptances WHERE org IN (SELECT unnest($orgs))`, { orgs });
    await insertQuarantineRows(w, runId, 'sheet', loads.flatMap(({ v }) => v.quarantine.map((q) => ({ org: v.org, q }))));
    await insertIssues(w, runId, 'sheet', loads.flatMap(({ v }) => v.issues));
    await w.run(
      `INSERT INTO org_state (org, last_success, last_attempt, last_status, last_message, stale, version, compliance_first_seen)
       SELECT org, now::TIMESTAMP, now::TIMESTAMP, 'ok', message, false, version, CASE WHEN has_compliance THEN today::DATE END
       FROM stg_org_state
       ON CONFLICT (org) DO UPDATE SET last_success = excluded.last_success, last_attempt = excluded.last_attempt,
         last_status = 'ok', last_message = excluded.last_message, stale = false, version = excluded.version,
         compliance_first_seen = coalesce(org_state.compliance_first_seen, excluded.compliance_first_seen)`,
    );
  });
  return counts;
}

/** Whether a tab of this status replaces its stored rows (ok, or an optional tab with no data yet). */
function replaces(status: string | undefined): boolean {
  return status === 'ok' || status === 'missing';
}

function countsOf(v: ValidatedOrg): LoadCounts {
  const counts: LoadCounts = { rowsLoaded: 0, rowsQuarantined: v.quarantine.length, warnings: 0, errors: 0, tabs: {} };
  for (const i of v.issues) {
    if (i.level === 'warning') counts.warnings++;
    if (i.level === 'error') counts.errors++;
  }
  for (const tab of TABS) {
    const t = v.tabs.get(tab.key);
    if (!t || t.status === 'error') {
      counts.tabs[tab.title] = 'ошибка листа';
      continue;
    }
    if (t.status === 'kept') {
      counts.tabs[tab.title] = 'сохранены прежние строки';
      continue;
    }
    counts.rowsLoaded += t.rows.length;
    counts.tabs[tab.title] = t.status === 'missing' ? 'нет листа' : t.rows.length;
  }
  return counts;
}
