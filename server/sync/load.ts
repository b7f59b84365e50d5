/**
 * Loading validated rows: appended to per-tab staging tables, then swapped into place in one
 * transaction per organization, so a failure leaves the previous data untouched. Tabs that
 * failed as a whole keep their stored rows.
 */
import { DuckDBDateValue, LIST, VARCHAR, listValue, type DuckDBAppender } from '@duckdb/node-api';
import { TABS, daysFromIso, formatIssue, type DataIssue, type TabDecl } from '../contract/index.ts';
import type { Writer } from '../db.ts';
import { dbColumns, tableDdl, type DbColumn } from '../schema.ts';
import type { StagedRow, ValidatedOrg } from './validate.ts';

function appendValue(a: DuckDBAppender, col: DbColumn, v: unknown): void {
  if (v === null || v === undefined) {
    a.appendNull();
    return;
  }
  const t = col.sqlType.split(' ')[0];
  switch (t) {
    case 'DATE':
      a.appendDate(new DuckDBDateValue(daysFromIso(String(v))));
      return;
    case 'INTEGER':
      a.appendInteger(Number(v));
      return;
    case 'DOUBLE':
      a.appendDouble(Number(v));
      return;
    case 'BOOLEAN':
      a.appendBoolean(Boolean(v));
      return;
    case 'VARCHAR[]':
      a.appendList(listValue((v as string[]).map(String)), LIST(VARCHAR));
      return;
    default:
      a.appendVarchar(String(v));
  }
}

const stagingName = (tab: TabDecl) => `stg_${tab.key}`;

/** Appends rows to the (connection-local) staging table of a tab, emptied first. */
async function stage(w: Writer, tab: TabDecl, org: string, runId: number, rows: readonly StagedRow[]): Promise<void> {
  const name = stagingName(tab);
  await w.run(tableDdl(tab, name, true));
  await w.run(`DELETE FROM "${name}"`);
  if (!rows.length) return;
  const cols = dbColumns(tab);
  const a = await w.conn.createAppender(name, 'main', 'temp');
  try {
    for (const r of rows) {
      a.appendVarchar(org);
      a.appendInteger(r.row);
      a.appendInteger(runId);
      for (const c of cols) appendValue(a, c, r.values[c.name]);
      a.endRow();
    }
    a.flushSync();
  } finally {
    a.closeSync();
  }
}

export interface LoadCounts {
  rowsLoaded: number;
  rowsQuarantined: number;
  warnings: number;
  errors: number;
  /** Per tab: rows loaded, or the tab's status when it did not load. */
  tabs: Record<string, number | 'ошибка листа' | 'нет листа'>;
}

export async function insertIssues(w: Writer, runId: number, scope: 'registry' | 'sheet', issues: readonly DataIssue[]): Promise<void> {
  for (const i of issues) {
    await w.run(
      `INSERT INTO issues VALUES ($run, $scope, $org, $tab, $row, $col, $value, $level, $problem, $message)`,
      {
        run: runId,
        scope,
        org: i.org,
        tab: i.tab,
        row: i.row,
        col: i.column,
        value: i.value,
        level: i.level,
        problem: i.problem,
        message: formatIssue(i),
      },
    );
  }
}

export async function insertQuarantine(
  w: Writer,
  runId: number,
  scope: 'registry' | 'sheet',
  org: string | null,
  rows: readonly { tab: string; row: number; raw: Record<string, string>; problems: DataIssue[] }[],
): Promise<void> {
  for (const q of rows) {
    await w.run(`INSERT INTO quarantine VALUES ($run, $scope, $org, $tab, $row, $raw, $messages)`, {
      run: runId,
      scope,
      org,
      tab: q.tab,
      row: q.row,
      raw: JSON.stringify(q.raw),
      messages: q.problems.filter((p) => p.level === 'error').map(formatIssue).join('\n'),
    });
  }
}

/** Replaces the organization's rows of every tab that loaded, its quarantine and its issues. */
export async function loadOrg(
  w: Writer,
  runId: number,
  v: ValidatedOrg,
  state: { version: string | null; now: string; today: string },
): Promise<LoadCounts> {
  const counts: LoadCounts = { rowsLoaded: 0, rowsQuarantined: v.quarantine.length, warnings: 0, errors: 0, tabs: {} };
  for (const i of v.issues) {
    if (i.level === 'warning') counts.warnings++;
    if (i.level === 'error') counts.errors++;
  }
  for (const tab of TABS) {
    const t = v.tabs.get(tab.key);
    if (t && t.status !== 'error') await stage(w, tab, v.org, runId, t.rows);
  }
  await w.transaction(async () => {
    for (const tab of TABS) {
      const t = v.tabs.get(tab.key);
      if (!t || t.status === 'error') {
        counts.tabs[tab.title] = 'ошибка листа';
        continue;
      }
      await w.run(`DELETE FROM "${tab.key}" WHERE org = $org`, { org: v.org });
      await w.run(`INSERT INTO "${tab.key}" SELECT * FROM "${stagingName(tab)}"`);
      counts.rowsLoaded += t.rows.length;
      counts.tabs[tab.title] = t.status === 'missing' ? 'нет листа' : t.rows.length;
    }
    await w.run(`DELETE FROM quarantine WHERE scope = 'sheet' AND org = $org`, { org: v.org });
    await w.run(`DELETE FROM issues WHERE scope = 'sheet' AND org = $org`, { org: v.org });
    await insertQuarantine(w, runId, 'sheet', v.org, v.quarantine);
    await insertIssues(w, runId, 'sheet', v.issues);
    const compliance = v.tabs.get('compliance');
    await w.run(
      `INSERT INTO org_state (org, last_success, last_attempt, last_status, last_message, stale, version, compliance_first_seen)
       VALUES ($org, $now::TIMESTAMP, $now::TIMESTAMP, 'ok', NULL, false, $version, CASE WHEN $hasCompliance THEN $today::DATE END)
       ON CONFLICT (org) DO UPDATE SET last_success = excluded.last_success, last_attempt = excluded.last_attempt,
         last_status = 'ok', last_message = NULL, stale = false, version = excluded.version,
         compliance_first_seen = coalesce(org_state.compliance_first_seen, excluded.compliance_first_seen)`,
      {
        org: v.org,
        now: state.now,
        version: state.version,
        today: state.today,
        hasCompliance: compliance?.status === 'ok',
      },
    );
  });
  return counts;
}
