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
 *
 * Issue #18 (bounded memory): run.ts hands batches of validated organizations, never every
 * organization at once. An organization whose references name a teacher of another
 * organization waits for the second phase as JSON text in `stg_pending`, a TEMP table of the
 * write connection (`createStaging`), not in memory.
 */
import { DuckDBDateValue, LIST, VARCHAR, listValue } from '@duckdb/node-api';
import { TABS, matchKey, type DataIssue, type TabKey } from '../contract/index.ts';
import type { Writer } from '../db/db.ts';
import { dbColumns, type DbColumn } from '../db/schema.ts';
import {
  clearHolds,
  clearSheetFindings,
  clearSheetQuarantine,
  clearShrinkAcceptances,
  deleteOrgRows,
  insertIssues,
  insertQuarantineRows,
  quarantinedTabs,
  saveLoadedStates,
  saveTabColumns,
  saveTabGids,
  type SheetTab,
} from './state.ts';
import type { QuarantinedRow, TabOutcome, ValidatedOrg } from './validate.ts';

const VARCHAR_LIST = LIST(VARCHAR);

/** Days since 1970-01-01 of a `YYYY-MM-DD` date (proleptic Gregorian), without a Date or a split. */
function isoDays(iso: string): number {
  const c = (i: number) => iso.charCodeAt(i) - 48;
  let y = c(0) * 1000 + c(1) * 100 + c(2) * 10 + c(3);
  const m = c(5) * 10 + c(6);
  const d = c(8) * 10 + c(9);
  if (iso.length !== 10 || !(y >= 0 && m >= 1 && m <= 12 && d >= 1 && d <= 31)) throw new Error(`не дата: ${iso}`);
  // H. Hinnant's days_from_civil.
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** How a column's values go to the appender. */
const enum Kind {
  Text,
  Integer,
  Double,
  Boolean,
  Date,
  TextList,
}

function kindOf(col: DbColumn): Kind {
  switch (col.sqlType.split(' ')[0]) {
    case 'DATE':
      return Kind.Date;
    case 'INTEGER':
      return Kind.Integer;
    case 'DOUBLE':
      return Kind.Double;
    case 'BOOLEAN':
      return Kind.Boolean;
    case 'VARCHAR[]':
      return Kind.TextList;
    default:
      return Kind.Text;
  }
}

/** Per tab: the names and kinds of its declared columns, in table order, computed once. */
const COLUMNS = new Map(
  TABS.map((t) => {
    const cols = dbColumns(t);
    return [t.key, { names: cols.map((c) => c.name), kinds: cols.map(kindOf) }] as const;
  }),
);

/** One reused date value (the binding reads its `days`): no object per date cell. */
const DATE = new DuckDBDateValue(0) as { days: number };

// ---- packed rows ---------------------------------------------------------------------

/**
 * A validated tab as the load batch holds it: its rows as one flat array — row number, then
 * the values of the table's columns in order, row after row — with dates already as days.
 * No object per row: a batch waiting to be written is a few arrays of primitives (less to
 * keep, less for the garbage collector to trace), and the appender reads it in order.
 */
export interface PackedTab {
  status: TabOutcome['status'];
  title: string;
  count: number;
  data: unknown[];
}

export interface PackedOrg {
  org: string;
  tabs: Map<TabKey, PackedTab>;
  issues: DataIssue[];
  quarantine: QuarantinedRow[];
}

export function pack(v: ValidatedOrg): PackedOrg {
  const tabs = new Map<TabKey, PackedTab>();
  for (const [key, t] of v.tabs) {
    const { names, kinds } = COLUMNS.get(key)!;
    const data: unknown[] = [];
    for (const r of t.rows) {
      data.push(r.row);
      const values = r.values;
      for (let i = 0; i < names.length; i++) {
        const x = values[names[i]!];
        data.push(kinds[i] === Kind.Date && x !== null && x !== undefined ? isoDays(String(x)) : x);
      }
    }
    tabs.set(key, { status: t.status, title: t.title, count: t.rows.length, data });
  }
  return { org: v.org, tabs, issues: v.issues, quarantine: v.quarantine };
}

/** Where «Дата исполнения» sits in a packed row of «Исполнение распоряжения» (after the row number). */
const DONE_DATE_AT = 1 + COLUMNS.get('compliance')!.names.indexOf('done_date');

/**
 * Whether the organization has reported on item 3 (item 4 of the order): its «Исполнение
 * распоряжения» loaded now with at least one filled «Дата исполнения».
 */
export function reportsCompliance(v: PackedOrg): boolean {
  const t = v.tabs.get('compliance');
  if (t === undefined || t.status !== 'ok' || DONE_DATE_AT < 1) return false;
  const stride = COLUMNS.get('compliance')!.names.length + 1;
  for (let j = 0; j < t.data.length; j += stride) {
    const d = t.data[j + DONE_DATE_AT];
    if (d !== null && d !== undefined) return true;
  }
  return false;
}

/** Rows an organization holds in memory (loaded and quarantined): what it weighs in a batch. */
export function packedRows(v: PackedOrg): number {
  let n = v.quarantine.length;
  for (const t of v.tabs.values()) n += t.count;
  return n;
}

/**
 * Appends the rows of one tab, for every organization of a batch whose tab loaded: one
 * appender, one loop, one switch per cell (monomorphic calls on the appender).
 */
async function appendTab(w: Writer, key: TabKey, runId: number, parts: readonly { org: string; tab: PackedTab }[]): Promise<void> {
  const { kinds } = COLUMNS.get(key)!;
  const n = kinds.length;
  const a = await w.appender(key);
  try {
    for (const { org, tab } of parts) {
      const d = tab.data;
      for (let j = 0; j < d.length; j += n + 1) {
        a.appendVarchar(org);
        a.appendInteger(d[j] as number);
        a.appendInteger(runId);
        for (let i = 0; i < n; i++) {
          const v = d[j + 1 + i];
          if (v === null || v === undefined) {
            a.appendNull();
            continue;
          }
          switch (kinds[i]) {
            case Kind.Text:
              a.appendVarchar(typeof v === 'string' ? v : String(v));
              break;
            case Kind.Integer:
              a.appendInteger(Number(v));
              break;
            case Kind.Double:
              a.appendDouble(Number(v));
              break;
            case Kind.Boolean:
              a.appendBoolean(Boolean(v));
              break;
            case Kind.Date:
              DATE.days = v as number;
              a.appendDate(DATE as DuckDBDateValue);
              break;
            case Kind.TextList:
              a.appendList(listValue((v as string[]).map(String)), VARCHAR_LIST);
              break;
          }
        }
        a.endRow();
      }
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
  tabs: Record<string, number | 'ошибка листа' | 'нет листа' | 'сохранены прежние строки'>;
}

// ---- tallies -------------------------------------------------------------------------

/** What a validated tab amounts to: its status and title, rows to load and rows rejected. */
export interface TabTally {
  status: TabOutcome['status'];
  title: string;
  rows: number;
  /** Rows of the tab with an error (quarantined). */
  rejected: number;
}

/** What an organization's validation amounts to. */
export interface OrgTally {
  org: string;
  tabs: Map<TabKey, TabTally>;
  quarantined: number;
  warnings: number;
  errors: number;
}

export function tallyOf(v: PackedOrg): OrgTally {
  const out: OrgTally = { org: v.org, tabs: new Map(), quarantined: v.quarantine.length, warnings: 0, errors: 0 };
  for (const i of v.issues) {
    if (i.level === 'warning') out.warnings++;
    if (i.level === 'error') out.errors++;
  }
  for (const [key, t] of v.tabs) {
    let rejected = 0;
    for (const q of v.quarantine) if (q.tab === t.title) rejected++;
    out.tabs.set(key, { status: t.status, title: t.title, rows: t.count, rejected });
  }
  return out;
}

export function countsOf(t: OrgTally): LoadCounts {
  const counts: LoadCounts = { rowsLoaded: 0, rowsQuarantined: t.quarantined, warnings: t.warnings, errors: t.errors, tabs: {} };
  for (const tab of TABS) {
    const x = t.tabs.get(tab.key);
    if (!x || x.status === 'error') {
      counts.tabs[tab.title] = 'ошибка листа';
      continue;
    }
    if (x.status === 'kept') {
      counts.tabs[tab.title] = 'сохранены прежние строки';
      continue;
    }
    counts.rowsLoaded += x.rows;
    counts.tabs[tab.title] = x.status === 'missing' ? 'нет листа' : x.rows;
  }
  return counts;
}

// ---- staging -------------------------------------------------------------------------

/** An organization waiting for the second phase, as JSON text (stg_pending, sync/state.ts). */
export interface OrgStage {
  org: string;
  body: string;
}

// ---- loads ---------------------------------------------------------------------------

export interface OrgLoad {
  v: PackedOrg;
  /** `columns`: per tab, the column keys it loaded with (comma-separated), kept in `tab_columns` for the next load. */
  state: {
    version: string | null;
    now: string;
    today: string;
    message?: string | null;
    columns?: ReadonlyMap<TabKey, string>;
    gids?: ReadonlyMap<string, SheetTab>;
    /** The Google spreadsheet read (loader.ts Fetched). */
    spreadsheetId?: string;
  };
}

/**
 * Replaces the organization's rows of every tab that loaded, its quarantine and its issues.
 * A tab that failed as a whole keeps its stored rows, and with them the quarantined rows and
 * row findings of the load they came from: those rows are still missing from the kept data.
 */
export async function loadOrg(w: Writer, runId: number, v: PackedOrg, state: OrgLoad['state'], stored?: StoredRows): Promise<LoadCounts> {
  const [counts] = await loadOrgs(w, runId, [{ v, state }], [], stored);
  return counts!;
}

/** Separates organization and tab in a single list element (no code or title holds U+001F). */
const SEP = '\u001f';

/** Whether a tab of this status replaces its stored rows (ok, or an optional tab with no data yet). */
function replaces(status: string | undefined): boolean {
  return status === 'ok' || status === 'missing';
}

/**
 * Which organizations have rows in which tables (data tables by tab key, and `quarantine`,
 * `issues`, `hold_issues`) as the sync found them: a batch deletes only where there is
 * something to delete, since a DELETE scans its whole table. An organization's rows change
 * only when it loads, and it loads once per sync, so what was there at the start is what its
 * load finds. Without it, every DELETE runs.
 */
export interface StoredRows {
  has(org: string, table: string): boolean;
}

const EVERYTHING: StoredRows = { has: () => true };

/** The organizations among `orgs` with rows in `table`. */
const withRows = (stored: StoredRows, table: string, orgs: readonly string[]) => orgs.filter((o) => stored.has(o, table));

/**
 * `loadOrg` for several organizations in one transaction: all of them or none. Organization
 * codes must be distinct. `stages`, in the same transaction, are organizations validated in
 * part, whose JSON goes to `stg_pending` for phase 2. Returns the counts in the order of
 * `loads`.
 */
export async function loadOrgs(
  w: Writer,
  runId: number,
  loads: readonly OrgLoad[],
  stages: readonly OrgStage[] = [],
  stored: StoredRows = EVERYTHING,
  /** More of the same transaction, run last (run.ts: the outcomes recorded so far). */
  also?: () => Promise<void>,
): Promise<LoadCounts[]> {
  const tallies = loads.map((l) => tallyOf(l.v));
  const counts = tallies.map(countsOf);
  if (!loads.length && !stages.length && !also) return counts;
  const orgs = loads.map((l) => l.v.org);
  await w.transaction(async () => {
    await body();
    await also?.();
  });
  return counts;

  async function body(): Promise<void> {
    if (stages.length) {
      await w.appendRows(
        'stg_pending',
        stages,
        (a, s) => {
          a.appendVarchar(s.org);
          a.appendVarchar(s.body);
        },
        'temp',
      );
    }
    if (!loads.length) return;
    for (const tab of TABS) {
      const parts: { org: string; tab: PackedTab }[] = [];
      for (const l of loads) {
        const t = l.v.tabs.get(tab.key);
        if (t && replaces(t.status)) parts.push({ org: l.v.org, tab: t });
      }
      if (!parts.length) continue;
      const old = withRows(stored, tab.key, parts.map((p) => p.org));
      if (old.length) await deleteOrgRows(w, tab.key, old);
      if (parts.some((p) => p.tab.count)) await appendTab(w, tab.key, runId, parts);
    }
    const quarantined = withRows(stored, 'quarantine', orgs);
    let keep: string[] = [];
    if (quarantined.length) {
      const failed = new Map(
        loads.map((l, i) => [l.v.org, new Set(TABS.filter((t) => !replaces(tallies[i]!.tabs.get(t.key)?.status)).map((t) => matchKey(t.title)))]),
      );
      const before = await quarantinedTabs(w, quarantined);
      // (organization, title as stored — the sheet's spelling) of the tabs that failed now.
      keep = before.filter((r) => failed.get(r.org)?.has(matchKey(r.tab))).map((r) => `${r.org}${SEP}${r.tab}`);
      await clearSheetQuarantine(w, quarantined, keep);
    }
    const findings = withRows(stored, 'issues', orgs);
    if (findings.length) {
      await clearSheetFindings(w, findings, keep);
    }
    // A load that went ahead ends an earlier hold of the organization (sync/guard.ts).
    const held = withRows(stored, 'hold_issues', orgs);
    if (held.length) await clearHolds(w, held);
    await clearShrinkAcceptances(w, orgs);
    await insertQuarantineRows(w, runId, 'sheet', loads.flatMap(({ v }) => v.quarantine.map((q) => ({ org: v.org, q }))));
    await insertIssues(w, runId, 'sheet', loads.flatMap(({ v }) => v.issues));
    // The columns of the tabs loaded now (the next load of each says an optional column gone: guard.ts droppedColumns).
    const columns = { orgs: [] as string[], tabs: [] as string[], columns: [] as string[] };
    for (const l of loads) {
      for (const [key, t] of l.v.tabs) {
        const c = l.state.columns?.get(key);
        if (t.status !== 'ok' || c === undefined) continue;
        columns.orgs.push(l.v.org);
        columns.tabs.push(key);
        columns.columns.push(c);
      }
    }
    await saveTabColumns(w, columns);
    // The tabs' ids (gid) of the spreadsheets loaded now, replacing their last ones.
    const gids = { orgs: [] as string[], titles: [] as string[], gids: [] as number[], columns: [] as (string | null)[] };
    for (const l of loads) {
      for (const [title, tab] of l.state.gids ?? []) {
        gids.orgs.push(l.v.org);
        gids.titles.push(title);
        gids.gids.push(tab.gid);
        gids.columns.push(tab.columns ? JSON.stringify(tab.columns) : null);
      }
    }
    await saveTabGids(w, orgs, gids, loads.map((l) => l.state.spreadsheetId ?? null));
    // One statement for the batch's states (list parameters, in the order of `loads`).
    await saveLoadedStates(w, {
      orgs,
      nows: loads.map((l) => l.state.now),
      todays: loads.map((l) => l.state.today),
      messages: loads.map((l) => l.state.message ?? null),
      versions: loads.map((l) => l.state.version),
      // Item 4 of the order (the report on item 3): the first sync whose «Исполнение распоряжения»
      // has a filled «Дата исполнения», not the first one of a template with the items listed.
      compliance: loads.map((l) => String(reportsCompliance(l.v))),
    });
  }
}
