/**
 * What a sync writes about itself (run.ts keeps the orchestration): the run's row in
 * `sync_runs` from start to finish, each organization's outcome (`sync_run_orgs`) and state
 * (`org_state`: failed, held, stale), the registry as read, and what is stored before a load
 * (rows per tab, stored pairs) that the guard and the loader compare with. The rows themselves
 * are written by load.ts.
 */
import type { DuckDBAppender } from '@duckdb/node-api';
import { REGISTRY_TAB, TABS, formatIssue, normalizePersonName, type DataIssue, type TabKey } from '../contract/index.ts';
import { isoTs, type Db, type Writer } from '../db/db.ts';
import { rebuildFacts } from '../db/facts.ts';
import { clearHistory, recordHistory, recordStateHistory } from '../db/history.ts';
import { HISTORY_TABS } from '../db/schema.ts';
import { tabColumnsOf } from '../google/write.ts';
import type { OrgEntry, Source } from '../sources/types.ts';
import { REGISTRY_ACCEPT_KEY, type StoredCounts } from './guard.ts';
import type { LoadCounts, StoredRows } from './load.ts';
import { OrgPeople } from './people.ts';
import type { RegistryResult } from './registry.ts';
import type { OrgOutcome, SyncSummary } from './run.ts';

export { isoTs };

/** A new run: the one cut short before it marked interrupted, its row `running`. Returns its id. */
export async function startRun(w: Writer, r: { started: string; source: Pick<Source, 'description' | 'kind'>; trigger: string }): Promise<number> {
  await markInterrupted(w);
  const [row] = await w.query(`SELECT nextval('sync_run_seq')::INTEGER AS id`);
  const id = Number(row!.id);
  await w.run(
    `INSERT INTO sync_runs (id, started_at, source, source_kind, trigger, status) VALUES ($id, $ts::TIMESTAMP, $source, $kind, $trigger, 'running')`,
    { id, ts: r.started, source: r.source.description, kind: r.source.kind, trigger: r.trigger },
  );
  return id;
}

/**
 * The run's end: the history and the facts the metrics read rebuilt as of its rows
 * (server/db/facts.ts), then its counts, status and finish time with the data version, in one
 * transaction. The finish time is taken last, as that transaction begins (`finished`): readers
 * of `as_of` wait for its commit (`Db.endingRun`), so a moment at or after it stands for this
 * run, now and later. Taken before the history and the facts, it was seconds earlier than the
 * run became visible: a moment in between stood for the run before until the end was committed,
 * and for this run afterwards — a report made with that `as_of` could not be made again.
 */
export async function finishRun(db: Db, w: Writer, summary: SyncSummary, finished: () => Date): Promise<void> {
  const t = summary.totals;
  await takeIn(w, [summary.runId]);
  await db.endingRun(() =>
    w.transaction(async () => {
      await w.run(
        `UPDATE sync_runs SET finished_at = $ts::TIMESTAMP, status = $status, orgs_total = $total, orgs_ok = $ok,
       orgs_unchanged = $unchanged, orgs_failed = $failed, orgs_held = $held, rows_loaded = $rows, rows_quarantined = $q,
       warnings = $warn, requests = $req, retries = $ret, message = $msg WHERE id = $id`,
        {
          id: summary.runId,
          ts: isoTs(finished()),
          status: summary.status,
          total: summary.orgs.filter((o) => o.status !== 'inactive').length,
          ok: t.ok,
          unchanged: t.unchanged,
          failed: t.failed,
          held: t.held,
          rows: t.rowsLoaded,
          q: t.rowsQuarantined,
          warn: t.warnings,
          req: t.requests,
          ret: t.retries,
          msg: summary.message,
        },
      );
      await w.run(`INSERT OR REPLACE INTO meta VALUES ('data_version', $v)`, { v: String(summary.runId) });
    }),
  );
}

/** Every organization's code the database knows (listed in the registry now or before). */
export async function knownOrgCodes(db: Db): Promise<string[]> {
  return (await db.query(`SELECT code FROM orgs ORDER BY code`)).map((r) => String(r.code));
}

/** Every organization's code and name the database holds (registry.ts parseRegistry: none of them is a section's heading). */
export async function knownOrgs(db: Db): Promise<{ codes: string[]; names: string[] }> {
  const rows = await db.query(`SELECT code, name FROM orgs ORDER BY code`);
  return { codes: rows.map((r) => String(r.code)), names: rows.flatMap((r) => (r.name === null ? [] : [String(r.name)])) };
}

/** Whether the last sync held the load of `org` until the coordinator accepts it (the registry's: registryHold). */
export async function orgHeld(db: Db, org: string): Promise<boolean> {
  return (await db.query(`SELECT 1 FROM org_state WHERE org = $org AND last_status = 'held'`, { org })).length > 0;
}

/**
 * The registry as the last sync left it — its organizations (code, name, spreadsheet), their
 * codes, the spreadsheet of each — and whether the coordinator accepted its shrinking.
 */
export async function registryBefore(
  db: Db,
): Promise<{ orgs: { code: string; name: string; sheet: string | null }[]; before: string[]; sheets: Map<string, string>; accepted: boolean }> {
  const orgs = (await db.query(`SELECT code, name, sheet FROM orgs WHERE in_registry ORDER BY code`)).map((r) => ({
    code: String(r.code),
    name: String(r.name),
    sheet: r.sheet === null ? null : String(r.sheet),
  }));
  const before = orgs.map((o) => o.code);
  const sheets = new Map(orgs.flatMap((o) => (o.sheet === null ? [] : [[o.code, o.sheet] as const])));
  const accepted = (await db.query(`SELECT 1 FROM shrink_acceptances WHERE org = $key`, { key: REGISTRY_ACCEPT_KEY })).length > 0;
  return { orgs, before, sheets, accepted };
}

/**
 * The registry's findings and rejected rows replace the last ones; a held registry records its
 * hold; a registry that stops the sync changes nothing else; otherwise the hold and the
 * acceptance are cleared and the registry is saved. One transaction.
 */
export async function saveRegistryOutcome(
  w: Writer,
  runId: number,
  r: { registry: RegistryResult; title: string; stopIssues: DataIssue[]; held: boolean; stop: string | null; ts: string },
): Promise<void> {
  await w.transaction(async () => {
    await w.run(`DELETE FROM issues WHERE scope = 'registry'`);
    await w.run(`DELETE FROM quarantine WHERE scope = 'registry'`);
    await insertIssues(w, runId, 'registry', [...r.registry.issues, ...r.stopIssues]);
    await insertQuarantineRows(
      w,
      runId,
      'registry',
      r.registry.rejected.map((x) => ({ org: x.problems[0]?.org ?? null, q: { tab: r.title, row: x.row, raw: x.raw, problems: x.problems } })),
    );
    if (r.held) await w.run(`INSERT OR REPLACE INTO meta VALUES ('registry_hold', $m)`, { m: r.stop });
    if (r.stop !== null) return;
    await w.run(`DELETE FROM meta WHERE key = 'registry_hold'`);
    await w.run(`DELETE FROM shrink_acceptances WHERE org = $key`, { key: REGISTRY_ACCEPT_KEY });
    await saveRegistry(w, r.registry.entries, r.registry.brokenCodes, r.ts);
  });
}

/**
 * The registry could not be read (no such spreadsheet or tab, no access, no network): that is
 * its finding now — the registry's earlier findings (another, older reason) go; the rows it
 * rejected before stay, as the registry they belong to does.
 */
export async function saveRegistryFailure(w: Writer, runId: number, message: string): Promise<void> {
  await w.transaction(async () => {
    await w.run(`DELETE FROM issues WHERE scope = 'registry'`);
    await insertIssues(w, runId, 'registry', [
      { level: 'error', org: null, tab: REGISTRY_TAB.title, row: null, column: null, value: null, problem: `реестр организаций не прочитан: ${message}${/данные не изменены/.test(message) ? '' : '; данные не изменены'}` },
    ]);
  });
}

/** An organization's outcome in this run and its load counts (one row of sync_run_orgs). */
export interface Recorded {
  o: OrgOutcome;
  counts: LoadCounts | null;
}

const TAB_KEYS: ReadonlySet<string> = new Set(TABS.map((t) => t.key));

/** Mentor–mentee links of the organization's stored pairs (programs check them when the pairs tab did not load). */
export async function storedPairs(db: Db, org: string): Promise<Set<string>> {
  return new Set(
    (await db.query(
      `SELECT mentor_org || '|' || mentor_key || '|' || mentee_org || '|' || mentee_key AS k FROM pairs WHERE org = $org`,
      { org },
    )).map((r) => String(r.k)),
  );
}

/**
 * A held load (sync/guard.ts): the organization's rows, quarantine and findings stay as they
 * were; its state says why (stale: its numbers are older than its sheet), and the hold is a
 * finding of its own (scope 'hold', replaced at every hold, removed by the next load). The
 * version is not stored, so the next sync reads the sheet again.
 */
export async function holdOrg(db: Db, runId: number, org: string, message: string, issues: DataIssue[], at: Date): Promise<void> {
  await db.write((w) =>
    w.transaction(async () => {
      await w.run(`DELETE FROM issues WHERE scope = 'hold' AND org = $org`, { org });
      await insertIssues(w, runId, 'hold', issues);
      await w.run(
        `INSERT INTO org_state (org, last_attempt, last_status, last_message, stale) VALUES ($org, $ts::TIMESTAMP, 'held', $msg, true)
         ON CONFLICT (org) DO UPDATE SET last_attempt = excluded.last_attempt, last_status = 'held',
           last_message = excluded.last_message, stale = true`,
        { org, ts: isoTs(at), msg: message },
      );
    }),
  );
}

/** Rows stored per organization and tab: what the last load left (the shrink guard's "before"). */
export async function storedCounts(db: Db): Promise<StoredCounts> {
  // Table names come from the contract declaration, never from input.
  const sql = TABS.map((t) => `SELECT org, '${t.key}' AS tab, count(*)::INTEGER AS n FROM "${t.key}" GROUP BY org`).join(' UNION ALL ');
  const out: StoredCounts = new Map();
  for (const r of await db.query(sql)) {
    const org = String(r.org);
    const counts = out.get(org) ?? {};
    counts[r.tab as TabKey] = Number(r.n);
    out.set(org, counts);
  }
  return out;
}

/**
 * Which organizations have rows in which tables when the sync starts (load.ts `StoredRows`):
 * data tables from `counts`, their quarantine, findings and hold findings.
 */
export async function storedRows(db: Db, counts: StoredCounts): Promise<StoredRows> {
  const other = new Set(
    (await db.query(
      `SELECT DISTINCT 'quarantine' || chr(31) || org AS k FROM quarantine WHERE scope = 'sheet' AND org IS NOT NULL
       UNION ALL
       SELECT DISTINCT CASE scope WHEN 'hold' THEN 'hold_issues' ELSE 'issues' END || chr(31) || org FROM issues WHERE scope IN ('sheet', 'hold') AND org IS NOT NULL`,
    )).map((r) => String(r.k)),
  );
  return {
    has: (org, table) => {
      if (TAB_KEYS.has(table)) return (counts.get(org)?.[table as TabKey] ?? 0) > 0;
      return other.has(`${table}\u001f${org}`);
    },
  };
}

export const DEFAULT_STALE_AFTER_HOURS = 48;

/**
 * Flags stale every active organization of the registry whose sheet has not been read
 * successfully for longer than `hours` (never read counts too): its numbers may be old, even
 * when no sync could say why (the registry unreadable, syncs not running). Returns how many
 * were flagged; bumps the data version when any was.
 */
export async function markStale(db: Db, at: Date, hours: number): Promise<number> {
  const cutoff = isoTs(new Date(at.getTime() - hours * 3_600_000));
  const note = `таблица не читалась успешно дольше ${hours} ч`;
  // A last success more than a day ahead of now was stamped by a clock that ran ahead (set
  // wrong, then put right): how old the data is cannot be told, so it is not taken for fresh —
  // it was never stale at all, however long nothing was read.
  const ahead = isoTs(new Date(at.getTime() + 24 * 3_600_000));
  const future = 'время последней успешной загрузки позже текущего времени больше чем на сутки — часы сервера сбивались; проверьте их: насколько стары данные, неизвестно';
  const rows = await db.write((w) =>
    w.query(
      `UPDATE org_state SET stale = true,
         last_message = coalesce(last_message || '; ', '') || CASE WHEN last_success > $ahead::TIMESTAMP THEN $future ELSE $note END
       WHERE NOT stale AND (last_success IS NULL OR last_success < $cutoff::TIMESTAMP OR last_success > $ahead::TIMESTAMP)
         AND org IN (SELECT code FROM orgs WHERE in_registry AND active)
       RETURNING org`,
      { cutoff, note, ahead, future },
    ),
  );
  if (rows.length > 0) db.bumpDataVersion();
  return rows.length;
}

/**
 * One sync runs at a time in a process, and one process holds the database: a run still
 * marked running was cut short (the process was killed). Called when a sync or the server starts.
 */
export async function markInterrupted(w: Writer): Promise<void> {
  const cut = (await w.query(`SELECT id FROM sync_runs WHERE status = 'running' ORDER BY id`)).map((r) => Number(r.id));
  if (!cut.length) return;
  await w.run(
    `UPDATE sync_runs SET status = 'interrupted', finished_at = coalesce(finished_at, started_at),
       message = coalesce(message, 'синхронизация прервана: процесс был остановлен до её окончания; организации, загруженные до остановки, сохранены, остальные — с прежними данными')
     WHERE status = 'running'`,
  );
  // The organizations it loaded before it stopped are the data now: the history and the derived
  // facts take them in, as a run's end does (finishRun). Else the metrics (facts) showed their old
  // rows beside the lists (tables) showing the new ones, and `as_of` the run stood for it without
  // them — until the next sync ended, and with them from then on.
  await takeIn(w, cut);
}

/**
 * What runs leave behind, taken in: per run, the history of what its loads changed
 * (db/history.ts) and the registry, states, findings and quarantine as it leaves them (`as_of`);
 * then the facts the metrics read, rebuilt as of the rows now. The end of a run (finishRun) and
 * of runs cut short (markInterrupted).
 */
async function takeIn(w: Writer, runs: readonly number[]): Promise<void> {
  for (const id of runs) {
    await recordHistory(w, HISTORY_TABS, id);
    await w.transaction(() => recordStateHistory(w, id));
  }
  await rebuildFacts(w);
}

export async function recordOrg(db: Db, runId: number, o: OrgOutcome, counts: LoadCounts | null): Promise<void> {
  await recordOrgs(db, runId, [{ o, counts }]);
}

/** One row of `sync_run_orgs` per outcome (its own transaction). */
export async function recordOrgs(db: Db, runId: number, rows: readonly Recorded[]): Promise<void> {
  if (rows.length) await db.write((w) => insertRecords(w, runId, rows));
}

/** One row of `sync_run_orgs` per outcome, in the caller's transaction if any. */
export async function insertRecords(w: Writer, runId: number, rows: readonly Recorded[]): Promise<void> {
  if (!rows.length) return;
  // One statement with list parameters rather than an appender: it runs off the JavaScript
  // thread (an appender outside a transaction would also commit, and checkpoint, on it).
  const num = (f: (o: OrgOutcome) => number) => rows.map(({ o }) => String(f(o)));
  await w.run(
    `INSERT INTO sync_run_orgs (run_id, org, status, message, rows_loaded, rows_quarantined, warnings, requests, retries, duration_ms, tabs)
     SELECT $run, unnest($org), unnest($status), unnest($message), unnest($loaded)::INTEGER, unnest($quarantined)::INTEGER,
       unnest($warnings)::INTEGER, unnest($requests)::INTEGER, unnest($retries)::INTEGER, unnest($duration)::INTEGER, unnest($tabs)`,
    {
      run: runId,
      org: rows.map(({ o }) => o.org),
      status: rows.map(({ o }) => o.status),
      message: rows.map(({ o }) => o.message),
      loaded: num((o) => o.rowsLoaded),
      quarantined: num((o) => o.rowsQuarantined),
      warnings: num((o) => o.warnings),
      requests: num((o) => o.requests),
      retries: num((o) => o.retries),
      duration: num((o) => Math.round(o.durationMs)),
      tabs: rows.map(({ counts }) => (counts ? JSON.stringify(counts.tabs) : null)),
    },
  );
}

export async function markFailed(db: Db, _runId: number, org: string, message: string, at: Date): Promise<void> {
  await db.write((w) =>
    w.run(
      `INSERT INTO org_state (org, last_attempt, last_status, last_message, stale) VALUES ($org, $ts::TIMESTAMP, 'failed', $msg, true)
       ON CONFLICT (org) DO UPDATE SET last_attempt = excluded.last_attempt, last_status = 'failed',
         last_message = excluded.last_message, stale = true`,
      { org, ts: isoTs(at), msg: message },
    ),
  );
}

export const BROKEN_ROW_MESSAGE = 'строка реестра с ошибкой (см. лист «Организации»): организация не синхронизирована, сохранены прежние данные';

/**
 * A failure message as it must read for an organization that has never loaded. The messages of
 * a failed read say that the organization's previous data is kept — true of one loaded before;
 * one that never loaded has none, and a coordinator reading «прежние данные сохранены» would look
 * for figures that are not there.
 */
export function neverLoadedMessage(message: string): string {
  return message
    .replace(/Прежние данные организации сохранены/g, 'Данных организации в базе ещё нет')
    .replace(/прежние данные организации сохранены/g, 'данных организации в базе ещё нет')
    .replace(/сохранены прежние данные|прежние данные сохранены/g, 'данных организации в базе ещё нет')
    .replace(/показаны прежние данные/g, 'данных организации в базе ещё нет');
}

/** The failure message for `org`: as it is, or as `neverLoadedMessage` puts it when the organization has never loaded. */
export function failureMessage(message: string, everLoaded: boolean): string {
  return everLoaded ? message : neverLoadedMessage(message);
}

/**
 * Upserts the registry; organizations no longer listed stay, with in_registry = false. A few
 * statements whatever the size of the registry (a statement per row cost seconds at region
 * scale); a code listed twice takes its last row, as row-by-row upserts did.
 */
export async function saveRegistry(w: Writer, entries: readonly OrgEntry[], brokenCodes: readonly string[], ts: string): Promise<void> {
  const keep = [...new Set([...entries.map((e) => e.code), ...brokenCodes])];
  await w.run(`UPDATE orgs SET in_registry = false WHERE code NOT IN (SELECT unnest($keep))`, { keep });
  const last = [...new Map(entries.map((e) => [e.code, e])).values()];
  if (last.length) {
    await w.run(`CREATE TEMP TABLE IF NOT EXISTS stg_orgs AS SELECT * FROM orgs LIMIT 0`);
    await w.run(`DELETE FROM stg_orgs`);
    await w.appendRows(
      'stg_orgs',
      last,
      (a, e) => {
        a.appendVarchar(e.code);
        a.appendVarchar(e.name);
        a.appendVarchar(e.type);
        a.appendVarchar(e.sheet);
        if (e.curator === null) a.appendNull();
        else a.appendVarchar(e.curator);
        a.appendBoolean(e.active);
        a.appendInteger(e.registryRow);
        a.appendBoolean(true);
      },
      'temp',
    );
    await w.run(
      `INSERT INTO orgs SELECT * FROM stg_orgs
       ON CONFLICT (code) DO UPDATE SET name = excluded.name, type = excluded.type, sheet = excluded.sheet,
         curator = excluded.curator, active = excluded.active, registry_row = excluded.registry_row, in_registry = true`,
    );
  }
  // Where each listed organization's reminders go (issue #21): replaced for the rows read; a
  // broken row keeps the addresses of its last good reading.
  await w.run(`DELETE FROM org_contacts WHERE org IN (SELECT unnest($codes))`, { codes: last.map((e) => e.code) });
  const contacts = last.filter((e) => e.contacts.length);
  if (contacts.length) {
    await w.run(`INSERT INTO org_contacts SELECT unnest($orgs), unnest($emails)`, {
      orgs: contacts.map((e) => e.code),
      emails: contacts.map((e) => JSON.stringify(e.contacts)),
    });
  }
  const broken = [...new Set(brokenCodes)];
  if (broken.length) {
    await w.run(
      `INSERT INTO org_state (org, last_attempt, last_status, last_message, stale)
       SELECT org, $ts::TIMESTAMP, 'failed', $first, true FROM (SELECT unnest($orgs) AS org)
       ON CONFLICT (org) DO UPDATE SET last_attempt = excluded.last_attempt, last_status = 'failed',
         last_message = CASE WHEN org_state.last_success IS NULL THEN $first ELSE $msg END, stale = true`,
      { orgs: broken, ts, msg: BROKEN_ROW_MESSAGE, first: neverLoadedMessage(BROKEN_ROW_MESSAGE) },
    );
  }
}

/** The version of each organization's sheet at its last load (null: not stored, read again). */
export async function storedVersions(db: Db): Promise<Map<string, string | null>> {
  return new Map((await db.query(`SELECT org, version FROM org_state`)).map((r) => [String(r.org), r.version as string | null]));
}

/** What the guard and the reference pass need at the start: accepted shrinks, the codes listed last time, the organizations ever loaded. */
export async function storedOrgs(db: Db): Promise<{ accepted: Set<string>; knownCodes: string[]; everLoaded: Set<string> }> {
  const accepted = new Set((await db.query(`SELECT org FROM shrink_acceptances`)).map((r) => String(r.org)));
  const knownCodes = (await db.query(`SELECT code FROM orgs WHERE in_registry`)).map((r) => String(r.code));
  const everLoaded = new Set((await db.query(`SELECT org FROM org_state WHERE last_success IS NOT NULL`)).map((r) => String(r.org)));
  return { accepted, knownCodes, everLoaded };
}

/** Who an organization's last load had in «Педагоги»: their person keys, and their names (normalizePersonName). */
export interface StoredTeachers {
  keys: Set<string>;
  names: Set<string>;
}

/** The stored teachers of these organizations, by organization (the guard against a replaced sheet, guard.ts teachersReplaced). */
export async function storedPersonKeys(db: Db, orgs: readonly string[]): Promise<Map<string, StoredTeachers>> {
  const out = new Map<string, StoredTeachers>();
  for (const r of await db.query(`SELECT org, person_key, fio FROM teachers WHERE org IN (SELECT unnest($orgs))`, { orgs: [...orgs] })) {
    const org = String(r.org);
    let t = out.get(org);
    if (!t) out.set(org, (t = { keys: new Set(), names: new Set() }));
    t.keys.add(String(r.person_key));
    if (typeof r.fio === 'string') t.names.add(normalizePersonName(r.fio));
  }
  return out;
}

/**
 * The other organizations each organization's stored rows name (`ФИО (КОД-ОО)`): references
 * loaded (pairs' and programs' `mentor_org`) and references refused (a finding whose value ends
 * with «(КОД)» — «нет такого педагога … организации КОД»). A sheet that did not change is read
 * again when one it names has new teachers (run.ts), so its references are checked against the
 * teachers of this run, whichever sheet changed.
 */
export async function storedReferences(db: Db, orgCode: (typed: string) => string | null): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  const rows = await db.query(
    `SELECT DISTINCT org, mentor_org AS named, NULL AS value FROM pairs WHERE mentor_org <> org
     UNION SELECT DISTINCT org, mentor_org, NULL FROM programs WHERE mentor_org <> org
     UNION SELECT DISTINCT org, NULL, value FROM issues WHERE scope = 'sheet' AND org IS NOT NULL AND value LIKE '%(%)%'`,
  );
  for (const r of rows) {
    const org = String(r.org);
    const hint = r.named === null ? /\(([^()]+)\)\s*$/.exec(String(r.value))?.[1] : undefined;
    const named = r.named !== null ? String(r.named) : hint !== undefined ? orgCode(hint) : null;
    if (named === null || named === org) continue;
    let set = out.get(org);
    if (!set) out.set(org, (set = new Set()));
    set.add(named);
  }
  return out;
}

/** Forgets what version of their sheets these organizations' data is: the next sync reads them in full. */
export async function forgetVersions(db: Db, orgs: readonly string[]): Promise<void> {
  await db.write((w) => w.run(`UPDATE org_state SET version = NULL WHERE org IN (SELECT unnest($orgs))`, { orgs: [...orgs] }));
}

/** The stored teachers of these organizations as directories (none for an organization without teachers). */
export async function storedPeople(db: Db, orgs: readonly string[]): Promise<Map<string, OrgPeople>> {
  const people = new Map<string, OrgPeople>();
  if (!orgs.length) return people;
  for (const r of await storedTeachers(db, orgs)) {
    const org = String(r.org);
    let p = people.get(org);
    if (!p) people.set(org, (p = new OrgPeople(org)));
    p.add({ key: String(r.person_key), fio: String(r.fio), code: (r.code as string | null) ?? null });
  }
  return people;
}

/** The stored teachers of these organizations (the people directory of organizations not read in this run). */
export async function storedTeachers(db: Db, orgs: readonly string[]) {
  return db.query(`SELECT org, person_key, fio, code FROM teachers WHERE org IN (SELECT unnest($orgs)) ORDER BY org, row_no`, { orgs: [...orgs] });
}

/**
 * Organizations read and found unchanged: their state says so (a successful read now), in the
 * caller's transaction. What the last load said (tabs not loaded, a tab kept from before) still
 * holds for an unchanged sheet and is kept; a failure or staleness message is over.
 */
export async function markUnchangedOrgs(w: Writer, orgs: readonly string[], ts: string): Promise<void> {
  await w.run(
    `UPDATE org_state SET last_attempt = $ts::TIMESTAMP, last_success = $ts::TIMESTAMP, last_status = 'unchanged',
       last_message = CASE WHEN NOT coalesce(stale, false) AND last_status IN ('ok', 'unchanged') THEN last_message END,
       stale = false WHERE org IN (SELECT unnest($orgs))`,
    { ts, orgs: [...orgs] },
  );
}

// ---- the loads' writes (sync/load.ts): findings, quarantine, staging, replaced rows -----------

const nullableVarchar = (a: DuckDBAppender, v: string | null) => (v === null ? a.appendNull() : a.appendVarchar(v));
const nullableInteger = (a: DuckDBAppender, v: number | null) => (v === null ? a.appendNull() : a.appendInteger(v));

/**
 * The value a finding quotes is kept up to this many characters: it is for reading (the
 * message quotes 80); the cell whole stays in the quarantine's raw values. A 5 MB cell made one
 * finding 5 MB, and `GET /api/quality` with it.
 */
const MAX_FINDING_VALUE = 1000;
const findingValue = (v: string | null) => (v === null || v.length <= MAX_FINDING_VALUE ? v : `${v.slice(0, MAX_FINDING_VALUE)}… (всего ${v.length} знаков)`);

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
    nullableVarchar(a, findingValue(i.value));
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

/**
 * (Re)creates the TEMP table of the write connection where organizations wait for the second
 * phase (validate.ts `freezeOrg`: one JSON text per organization).
 */
export async function createStaging(w: Writer): Promise<void> {
  await w.run(`CREATE OR REPLACE TEMP TABLE stg_pending (org VARCHAR NOT NULL, body VARCHAR NOT NULL)`);
}

/** Drops the staging table (its memory goes back to DuckDB). */
export async function dropStaging(w: Writer): Promise<void> {
  await w.run(`DROP TABLE IF EXISTS temp.main.stg_pending`);
}

/** The waiting organizations' JSON, by organization. */
export async function readPending(w: Writer, orgs: readonly string[]): Promise<Map<string, string>> {
  const rows = await w.query(`SELECT org, body FROM stg_pending WHERE org IN (SELECT unnest($orgs))`, { orgs });
  return new Map(rows.map((r) => [String(r.org), String(r.body)]));
}

/** Deletes the organizations' rows of one data table (`table` is a tab key of the contract, never input). */
export async function deleteOrgRows(w: Writer, table: TabKey, orgs: readonly string[]): Promise<void> {
  await w.run(`DELETE FROM "${table}" WHERE org IN (SELECT unnest($orgs))`, { orgs });
}

/** The (organization, tab title as stored) pairs with quarantined sheet rows. */
export async function quarantinedTabs(w: Writer, orgs: readonly string[]): Promise<{ org: string; tab: string }[]> {
  const rows = await w.query(`SELECT DISTINCT org, tab FROM quarantine WHERE scope = 'sheet' AND org IN (SELECT unnest($orgs))`, { orgs });
  return rows.map((r) => ({ org: String(r.org), tab: String(r.tab) }));
}

/** Drops the organizations' quarantined sheet rows except those of `keep` (`org U+001F tab`: tabs that failed now). */
export async function clearSheetQuarantine(w: Writer, orgs: readonly string[], keep: readonly string[]): Promise<void> {
  await w.run(`DELETE FROM quarantine WHERE scope = 'sheet' AND org IN (SELECT unnest($orgs)) AND NOT list_contains($keep, org || chr(31) || tab)`, {
    orgs,
    keep,
  });
}

/** Drops the organizations' sheet findings except the row findings of the tabs in `keep`. */
export async function clearSheetFindings(w: Writer, orgs: readonly string[], keep: readonly string[]): Promise<void> {
  await w.run(
    `DELETE FROM issues WHERE scope = 'sheet' AND org IN (SELECT unnest($orgs))
       AND NOT (row_no IS NOT NULL AND list_contains($keep, org || chr(31) || tab))`,
    { orgs, keep },
  );
}

/** A load that went ahead ends an earlier hold of the organization (sync/guard.ts). */
export async function clearHolds(w: Writer, orgs: readonly string[]): Promise<void> {
  await w.run(`DELETE FROM issues WHERE scope = 'hold' AND org IN (SELECT unnest($orgs))`, { orgs });
}

/** An acceptance of a shrink is used up by the load it let through. */
export async function clearShrinkAcceptances(w: Writer, orgs: readonly string[]): Promise<void> {
  await w.run(`DELETE FROM shrink_acceptances WHERE org IN (SELECT unnest($orgs))`, { orgs });
}

/** The columns of each tab at its organization's last load: organization → tab key → column keys. */
export async function storedTabColumns(db: Db): Promise<Map<string, Map<string, Set<string>>>> {
  const out = new Map<string, Map<string, Set<string>>>();
  for (const r of await db.query(`SELECT org, tab, columns FROM tab_columns`)) {
    const org = String(r.org);
    let tabs = out.get(org);
    if (!tabs) out.set(org, (tabs = new Map()));
    tabs.set(String(r.tab), new Set(String(r.columns).split(',').filter(Boolean)));
  }
  return out;
}

/** The columns of the tabs a batch loads (`orgs`, `tabs`, `columns`: lists in the same order), replacing the organizations' earlier ones. */
export async function saveTabColumns(w: Writer, p: { orgs: string[]; tabs: string[]; columns: string[] }): Promise<void> {
  if (!p.orgs.length) return;
  // Only the pairs loaded now: (org, tab) of a tab that did not load keeps its row.
  await w.run(`INSERT OR REPLACE INTO tab_columns SELECT unnest($orgs), unnest($tabs), unnest($columns)`, p);
}

/**
 * A tab of an organization's Google spreadsheet at its last load: Google's id of the tab (the
 * `#gid=` of its address) and, for a tab that was laid out, the column of each header (its text
 * as in the sheet → 0 for A): a finding links to its very cell, not only to its row.
 */
export interface SheetTab {
  gid: number;
  columns: Readonly<Record<string, number>> | null;
}

/**
 * The tabs (SheetTab) of the spreadsheets of organizations loaded now, by tab title: each one's
 * replace what it had (a tab deleted or renamed since is gone). Lists in the same order; an
 * organization with no ids (not a Google sheet) only loses its old ones.
 */
export async function saveTabGids(
  w: Writer,
  orgs: readonly string[],
  tabs: { orgs: string[]; titles: string[]; gids: number[]; columns: (string | null)[] },
  /** The Google spreadsheet each of `orgs` was read from (same order), null when not known (another source). */
  spreadsheets: readonly (string | null)[] = [],
): Promise<void> {
  if (!orgs.length) return;
  await w.run(`DELETE FROM tab_gids WHERE org IN (SELECT unnest($orgs))`, { orgs: [...orgs] });
  await w.run(`DELETE FROM org_sheets WHERE org IN (SELECT unnest($orgs))`, { orgs: [...orgs] });
  const read = orgs.map((o, i) => [o, spreadsheets[i] ?? null] as const).filter((x): x is readonly [string, string] => x[1] !== null);
  if (read.length) {
    await w.run(`INSERT INTO org_sheets SELECT unnest($orgs), unnest($ids)`, { orgs: read.map((x) => x[0]), ids: read.map((x) => x[1]) });
  }
  if (tabs.orgs.length) {
    await w.run(`INSERT OR REPLACE INTO tab_gids (org, title, gid, columns) SELECT unnest($orgs), unnest($titles), unnest($gids)::BIGINT, unnest($columns)`, {
      ...tabs,
      gids: tabs.gids.map(String),
    });
  }
}

/** The Google spreadsheet each of these organizations was last loaded from: `org` → its ID. */
export async function storedSpreadsheets(db: Db, orgs: readonly string[]): Promise<Map<string, string>> {
  if (!orgs.length) return new Map();
  const rows = await db.query(`SELECT org, spreadsheet_id FROM org_sheets WHERE org IN (SELECT unnest($orgs))`, { orgs: [...orgs] });
  return new Map(rows.map((r) => [String(r.org), String(r.spreadsheet_id)]));
}

/** The tabs (SheetTab) of these organizations' spreadsheets at their last loads: `org` → title → tab. */
export async function storedTabGids(db: Db, orgs: readonly string[]): Promise<Map<string, Map<string, SheetTab>>> {
  const out = new Map<string, Map<string, SheetTab>>();
  if (!orgs.length) return out;
  for (const r of await db.query(`SELECT org, title, gid, columns FROM tab_gids WHERE org IN (SELECT unnest($orgs))`, { orgs: [...orgs] })) {
    const org = String(r.org);
    let m = out.get(org);
    if (!m) out.set(org, (m = new Map()));
    m.set(String(r.title), { gid: Number(r.gid), columns: tabColumnsOf(r.columns) });
  }
  return out;
}

/** The loaded organizations' states, one statement for a batch (lists in the same order). */
export async function saveLoadedStates(
  w: Writer,
  p: { orgs: string[]; nows: string[]; todays: string[]; messages: (string | null)[]; versions: (string | null)[]; compliance: string[] },
): Promise<void> {
  await w.run(
    `INSERT INTO org_state (org, last_success, last_attempt, last_status, last_message, stale, version, compliance_first_seen)
     SELECT org, now::TIMESTAMP, now::TIMESTAMP, 'ok', message, false, version, CASE WHEN has_compliance THEN today::DATE END
     FROM (SELECT unnest($orgs) AS org, unnest($nows) AS now, unnest($todays) AS today, unnest($messages) AS message,
             unnest($versions) AS version, unnest($compliance)::BOOLEAN AS has_compliance)
     ON CONFLICT (org) DO UPDATE SET last_success = excluded.last_success, last_attempt = excluded.last_attempt,
       last_status = 'ok', last_message = excluded.last_message, stale = false, version = excluded.version,
       compliance_first_seen = coalesce(org_state.compliance_first_seen, excluded.compliance_first_seen)`,
    p,
  );
}

// ---- provenance: demo or real data -------------------------------------------------------

/*
 * Where the database's data came from. Every sync run records its source kind (`demo`,
 * `folder`, `google`); the first run from anything but the demo that has read a registry
 * listing organizations marks the database as holding real data, for good
 * (`meta.real_data_since`): from then on the read-only demo login is never offered on it, demo
 * sessions are refused, and the demo municipality is never loaded into it. That first real run
 * starts from a clean slate: the demo municipality's rows are removed, so a real organization
 * that happens to share a demo code (СОШ-1) never shows demo figures, and the demo registry
 * does not count as the registry the real one "shrinks" from. A real run that never got that
 * far — a wrong registry ID, a wrong key, no network, an empty registry — changes nothing: the
 * demo and its login stay (it wiped them, and said the database held real data).
 */

export type SourceKind = 'demo' | 'folder' | 'google';

const REAL_DATA_KEY = 'real_data_since';

/**
 * Called once a run has read a registry that lists organizations, before it loads or records
 * anything of them: a run from a real source marks the database and ends every demo session at
 * once (they could otherwise read what it loads).
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
  for (const table of ['orgs', 'org_state', 'issues', 'quarantine', 'shrink_acceptances', 'tab_columns']) await w.run(`DELETE FROM ${table}`);
  // The demo municipality's history is no history of the real one.
  await clearHistory(w);
  await w.run(`DELETE FROM meta WHERE key = 'registry_hold'`);
}

/**
 * Runs recorded by a version before the mark that count as real data: from a source other than
 * the demo (an unknown one — recorded under a description no longer recognised — included) and
 * loaded (a failed one may never have read anything).
 */
const REAL_RUNS = `SELECT started_at FROM sync_runs WHERE source_kind IS DISTINCT FROM 'demo' AND status IN ('ok', 'partial')`;

/** True while nothing marked the database as holding real data (markSourceOfRun), nor did a run of an older version. */
export async function holdsOnlyDemoData(db: Db): Promise<boolean> {
  const [r] = await db.query(
    `SELECT (SELECT count(*) FROM meta WHERE key = '${REAL_DATA_KEY}') + (SELECT count(*) FROM (${REAL_RUNS})) AS real`,
  );
  return Number(r?.real ?? 0) === 0;
}

/** When the first run from a real source started, or null (demo data only). */
export async function realDataSince(db: Db): Promise<string | null> {
  const [r] = await db.query(`SELECT value FROM meta WHERE key = '${REAL_DATA_KEY}'`);
  if (r) return String(r.value);
  const [run] = await db.query(`SELECT min(started_at)::VARCHAR AS ts FROM (${REAL_RUNS})`);
  return run?.ts === null || run?.ts === undefined ? null : String(run.ts);
}

// ---- holds: the coordinator's acceptances (sync/holds.ts) --------------------------------------

/** The name of an organization as the registry gives it, or null. */
export async function registryName(db: Db, code: string): Promise<string | null> {
  const [r] = await db.query(`SELECT name FROM orgs WHERE code = $org`, { org: code });
  return typeof r?.name === 'string' ? r.name : null;
}

/** The registry's code as stored for what was typed (exact first, else ignoring case), or null. */
export async function registryCode(db: Db, typed: string): Promise<string | null> {
  const [org] = await db.query(`SELECT code FROM orgs WHERE code = $code OR lower(code) = lower($code) ORDER BY code = $code DESC LIMIT 1`, { code: typed });
  return org ? String(org.code) : null;
}

/** One pending acceptance of a held load (an organization, or REGISTRY_ACCEPT_KEY), by whom. */
export async function recordAcceptance(db: Db, key: string, by: string): Promise<void> {
  await db.write((w) => w.run(`INSERT OR REPLACE INTO shrink_acceptances VALUES ($key, now()::TIMESTAMP, $by)`, { key, by: by.slice(0, 200) }));
}

/** Whether an acceptance of `key` waits for the next sync. */
export async function acceptanceRecorded(db: Db, key: string): Promise<boolean> {
  return (await db.query(`SELECT 1 FROM shrink_acceptances WHERE org = $key`, { key })).length > 0;
}

/** The registry's hold message while the registry is held, else null. */
export async function registryHold(db: Db): Promise<string | null> {
  const [r] = await db.query(`SELECT value FROM meta WHERE key = 'registry_hold'`);
  return r ? String(r.value) : null;
}

// ---- what other modules read of the sync's records ---------------------------------------------

/** How many syncs have finished (any outcome). */
/**
 * Runs that loaded data (finished `ok` or `partial`): a database with none — new, or with only
 * failed runs (a first real sync that read no registry leaves the database as it was) — gets the
 * demo municipality when no source is configured.
 */
export async function loadedRuns(db: Db): Promise<number> {
  const [r] = await db.query(`SELECT count(*)::INTEGER AS n FROM sync_runs WHERE status IN ('ok', 'partial')`);
  return Number(r?.n ?? 0);
}

/** The description of the last run's source ("Google Sheets …", a folder, the demo), or null. */
export async function lastRunSource(db: Db): Promise<string | null> {
  const [r] = await db.query(`SELECT source FROM sync_runs ORDER BY id DESC LIMIT 1`);
  return typeof r?.source === 'string' ? r.source : null;
}

/** The newest sync run started (finished or not), or null: `as_of` of it reads the live tables when it is the one asked for. */
export async function lastRunId(db: Db): Promise<number | null> {
  const [r] = await db.query(`SELECT max(id) AS id FROM sync_runs`);
  return r?.id === null || r?.id === undefined ? null : Number(r.id);
}

/** The run whose data the database holds (`meta.data_version`, written at a run's end), or null. */
export async function lastDataRun(db: Db): Promise<string | null> {
  const [r] = await db.query(`SELECT value FROM meta WHERE key = 'data_version'`);
  return r ? String(r.value) : null;
}
