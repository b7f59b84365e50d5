/**
 * One sync run: registry → fetch every active organization (bounded concurrency) → parse →
 * resolve references against the directory of all organizations → load the organizations in
 * batches, each organization's rows replaced atomically (a failed batch is retried one
 * organization per transaction). An organization that fails keeps its previous data and is marked stale;
 * the others still load. Every run is a row in `sync_runs`, every organization's outcome a row
 * in `sync_run_orgs`.
 */
import type { DuckDBAppender } from '@duckdb/node-api';
import pLimit from 'p-limit';
import { bumpDataVersion } from '../cache.ts';
import { countOf, matchKey, REGISTRY_TAB, SHEET_LIMITS, TABS, type DataIssue, type TabKey } from '../contract/index.ts';
import { isoDay } from '../period.ts';
import type { Db, Writer } from '../db.ts';
import { SourceError, type FetchResult, type OrgEntry, type RawTab, type Source } from '../sources/types.ts';
import { insertIssues, insertQuarantineRows, loadOrg, loadOrgs, type LoadCounts, type OrgLoad } from './load.ts';
import { OrgPeople } from './people.ts';
import {
  REGISTRY_ACCEPT_KEY,
  holdIssues,
  holdMessage,
  keepMissingTabs,
  registryHoldMessage,
  registryShrink,
  tabShrinks,
  teachersShrink,
  type StoredCounts,
} from './guard.ts';
import { holdsOnlyDemoData, markSourceOfRun } from './provenance.ts';
import { parseRegistry } from './registry.ts';
import { codeMatcher, parseOrg, resolveOrg, type Directory, type ParsedOrg, type ValidatedOrg } from './validate.ts';

/**
 * ok: loaded; unchanged: the source says nothing changed; failed: not read (previous data
 * kept); held: read, but it would lose more than half of a tab's rows, so not loaded until
 * the coordinator accepts it (sync/guard.ts); inactive: «Активна» = Нет in the registry.
 */
export type OrgStatus = 'ok' | 'unchanged' | 'failed' | 'held' | 'inactive' | 'skipped';

export interface OrgOutcome {
  org: string;
  status: OrgStatus;
  message: string | null;
  rowsLoaded: number;
  rowsQuarantined: number;
  warnings: number;
  requests: number;
  retries: number;
  durationMs: number;
}

export interface SyncSummary {
  runId: number;
  status: 'ok' | 'partial' | 'failed';
  message: string | null;
  orgs: OrgOutcome[];
  totals: { ok: number; unchanged: number; failed: number; held: number; rowsLoaded: number; rowsQuarantined: number; warnings: number; requests: number; retries: number };
}

/** Size limits of one organization's spreadsheet; over them, the spreadsheet is refused whole. */
export interface SyncLimits {
  /** Rows of one tab as delivered (blank rows included). */
  maxRowsPerTab: number;
  /** Cells of the whole spreadsheet as delivered (rows may be ragged). */
  maxCellsPerSheet: number;
}

export const DEFAULT_LIMITS: SyncLimits = { ...SHEET_LIMITS };

export interface SyncOptions {
  db: Db;
  source: Source;
  /** Overrides of DEFAULT_LIMITS. */
  limits?: Partial<SyncLimits>;
  now?: () => Date;
  full?: boolean;
  trigger?: 'cli' | 'start' | 'schedule' | 'api' | 'test';
  /** An organization not read successfully for longer than this is flagged stale (STALE_AFTER_HOURS). Default 48. */
  staleAfterHours?: number;
  concurrency?: number;
  onProgress?: (o: OrgOutcome, done: number, total: number) => void;
}

/** Russian one-line summary for logs and the CLI. */
export function summaryLine(s: SyncSummary): string {
  const t = s.totals;
  const head = s.status === 'ok' ? 'Синхронизация завершена' : s.status === 'partial' ? 'Синхронизация завершена с ошибками' : 'Синхронизация не удалась';
  const tail = s.message ? ` ${s.message}` : '';
  const held = t.held > 0 ? `, задержано до подтверждения ${t.held}` : '';
  return `${head}: организаций загружено ${t.ok}, без изменений ${t.unchanged}, с ошибкой ${t.failed}${held}; строк загружено ${t.rowsLoaded}, в карантине ${t.rowsQuarantined}, предупреждений ${t.warnings}; запросов ${t.requests}, повторов ${t.retries}.${tail}`;
}

const isoTs = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');

let running: Promise<SyncSummary> | null = null;

/** True while a sync is running in this process. */
export function syncInProgress(): boolean {
  return running !== null;
}

/** Runs one sync; a second call while one runs is refused (one at a time). */
export function runSync(opts: SyncOptions): Promise<SyncSummary> {
  if (running) throw new SyncBusyError();
  running = doSync(opts).finally(() => {
    running = null;
  });
  return running;
}

export class SyncBusyError extends Error {
  constructor() {
    super('синхронизация уже идёт; дождитесь её окончания');
  }
}

async function doSync(opts: SyncOptions): Promise<SyncSummary> {
  const { db, source } = opts;
  const now = opts.now ?? (() => new Date());
  const started = now();
  // Only demo data so far? Asked before this run marks the database (a real run marks it for good).
  const demoOnly = await holdsOnlyDemoData(db);
  const demoOverReal = source.kind === 'demo' && !demoOnly;
  const runId = await db.write(async (w) => {
    await markInterrupted(w);
    const [r] = await w.query(`SELECT nextval('sync_run_seq')::INTEGER AS id`);
    const id = Number(r!.id);
    await w.run(
      `INSERT INTO sync_runs (id, started_at, source, source_kind, trigger, status) VALUES ($id, $ts::TIMESTAMP, $source, $kind, $trigger, 'running')`,
      { id, ts: isoTs(started), source: source.description, kind: source.kind, trigger: opts.trigger ?? 'cli' },
    );
    await w.transaction(() => markSourceOfRun(w, source.kind, isoTs(started), demoOnly));
    return id;
  });
  const summary: SyncSummary = {
    runId,
    status: 'ok',
    message: null,
    orgs: [],
    totals: { ok: 0, unchanged: 0, failed: 0, held: 0, rowsLoaded: 0, rowsQuarantined: 0, warnings: 0, requests: 0, retries: 0 },
  };
  try {
    if (demoOverReal) {
      throw new SourceError(
        'демонстрационные данные не загружаются в базу, где уже есть данные из таблиц организаций; источник не настроен — задайте SHEETS_REGISTRY_ID (Google Таблицы) или SOURCE_DIR (папка)',
        'other',
      );
    }
    await syncAll(opts, runId, summary, now);
  } catch (e) {
    summary.status = 'failed';
    summary.message = e instanceof SourceError ? e.message : `внутренняя ошибка: ${(e as Error).message}`;
  }
  const t = summary.totals;
  if (summary.status !== 'failed' && t.failed + t.held > 0) summary.status = t.ok + t.unchanged > 0 ? 'partial' : 'failed';
  // Also when the registry could not be read: an organization not read for too long is stale.
  await markStale(db, now(), opts.staleAfterHours ?? DEFAULT_STALE_AFTER_HOURS).catch(() => undefined);
  await db.write(async (w) => {
    await w.run(
      `UPDATE sync_runs SET finished_at = $ts::TIMESTAMP, status = $status, orgs_total = $total, orgs_ok = $ok,
         orgs_unchanged = $unchanged, orgs_failed = $failed, orgs_held = $held, rows_loaded = $rows, rows_quarantined = $q,
         warnings = $warn, requests = $req, retries = $ret, message = $msg WHERE id = $id`,
      {
        id: runId,
        ts: isoTs(now()),
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
    await w.run(`INSERT OR REPLACE INTO meta VALUES ('data_version', $v)`, { v: String(runId) });
  });
  // Statuses, registry and quality counts changed too, even when no rows did.
  bumpDataVersion();
  return summary;
}

async function syncAll(opts: SyncOptions, runId: number, summary: SyncSummary, now: () => Date): Promise<void> {
  const { db, source } = opts;
  const registryTab = await source.readRegistry();
  const registry = parseRegistry(registryTab);
  // Nothing is lost silently: a registry that lists no organization, or that would drop more
  // than half of those it listed (not accepted by the coordinator), stops the sync whole.
  const listed = new Set([...registry.entries.map((e) => e.code), ...registry.brokenCodes]);
  let stop: string | null = registry.fatal ? `реестр организаций (лист «${REGISTRY_TAB.title}»): ${registry.fatal}` : null;
  const stopIssues: DataIssue[] = [];
  if (stop === null && listed.size === 0) {
    const problem = `в реестре нет ни одной организации (на листе только заголовок или пустые строки); синхронизация остановлена, данные не изменены — верните строки организаций`;
    stop = `реестр организаций (лист «${registryTab.title}»): ${problem}`;
    stopIssues.push({ level: 'error', org: null, tab: registryTab.title, row: null, column: null, value: null, problem });
  }
  let held = false;
  if (stop === null) {
    const before = (await db.query(`SELECT code FROM orgs WHERE in_registry ORDER BY code`)).map((r) => String(r.code));
    const accepted = (await db.query(`SELECT 1 FROM shrink_acceptances WHERE org = $key`, { key: REGISTRY_ACCEPT_KEY })).length > 0;
    const h = registryShrink(before, listed);
    if (h && !accepted) {
      held = true;
      stop = registryHoldMessage(h, registryTab.title);
      stopIssues.push({ level: 'error', org: null, tab: registryTab.title, row: null, column: null, value: null, problem: stop });
    }
  }
  await db.write((w) =>
    w.transaction(async () => {
      await w.run(`DELETE FROM issues WHERE scope = 'registry'`);
      await w.run(`DELETE FROM quarantine WHERE scope = 'registry'`);
      await insertIssues(w, runId, 'registry', [...registry.issues, ...stopIssues]);
      await insertQuarantineRows(
        w,
        runId,
        'registry',
        registry.rejected.map((r) => ({ org: r.problems[0]?.org ?? null, q: { tab: registryTab.title, row: r.row, raw: r.raw, problems: r.problems } })),
      );
      if (held) await w.run(`INSERT OR REPLACE INTO meta VALUES ('registry_hold', $m)`, { m: stop });
      if (stop !== null) return;
      await w.run(`DELETE FROM meta WHERE key = 'registry_hold'`);
      await w.run(`DELETE FROM shrink_acceptances WHERE org = $key`, { key: REGISTRY_ACCEPT_KEY });
      await saveRegistry(w, registry.entries, registry.brokenCodes, isoTs(now()));
    }),
  );
  if (stop !== null) throw new SourceError(stop, 'bad_shape');

  const states = new Map(
    (await db.query(`SELECT org, version FROM org_state`)).map((r) => [String(r.org), r.version as string | null]),
  );
  const active = registry.entries.filter((e) => e.active);
  for (const e of registry.entries.filter((x) => !x.active)) {
    summary.orgs.push(outcome(e.code, 'inactive', 'организация отмечена в реестре как неактивная', 0));
  }
  // A code whose registry row is broken is not synced this time (its stored data is kept).
  const entryCodes = new Set(registry.entries.map((e) => e.code));
  const broken = [...new Set(registry.brokenCodes)].filter((c) => !entryCodes.has(c));
  const total = active.length + broken.length;
  let done = 0;
  const report = (o: OrgOutcome) => {
    summary.orgs.push(o);
    const t = summary.totals;
    if (o.status === 'ok') t.ok++;
    if (o.status === 'unchanged') t.unchanged++;
    if (o.status === 'failed') t.failed++;
    if (o.status === 'held') t.held++;
    t.rowsLoaded += o.rowsLoaded;
    t.rowsQuarantined += o.rowsQuarantined;
    t.warnings += o.warnings;
    t.requests += o.requests;
    t.retries += o.retries;
    done++;
    opts.onProgress?.(o, done, total);
  };

  for (const code of broken) {
    const o = outcome(code, 'failed', BROKEN_ROW_MESSAGE, 0);
    await recordOrg(db, runId, o, null);
    report(o);
  }

  // Phase 1: fetch and parse every organization.
  const limits: SyncLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const limit = pLimit(opts.concurrency ?? 4);
  const stored = await storedCounts(db);
  const accepted = new Set((await db.query(`SELECT org FROM shrink_acceptances`)).map((r) => String(r.org)));
  const fetched = await Promise.all(
    active.map((entry) =>
      limit(async (): Promise<Fetched> => {
        const t0 = Date.now();
        try {
          const res = await opts.source.fetchOrg(entry, {
            lastVersion: states.get(entry.code) ?? null,
            full: opts.full ?? false,
            wantTab: isContractTab,
            limits,
          });
          if (res.status === 'ok') {
            const problem = sizeProblem(entry.code, res.tabs, limits);
            if (problem) throw new SourceError(problem, 'bad_shape', res.requests, res.retries);
          }
          const parsed = res.status === 'ok' ? parseOrg(entry.code, res.tabs) : null;
          const notes = parsed ? keepMissingTabs(parsed, stored.get(entry.code)) : [];
          const heldTeachers = parsed !== null && !accepted.has(entry.code) && teachersShrink(parsed, stored.get(entry.code));
          // The raw grids are not needed once parsed: not holding them until phase 2 keeps a
          // region's sync well inside its memory budget.
          return { entry, res: res.status === 'ok' ? { ...res, tabs: [] } : res, parsed, notes, heldTeachers, t0, error: null };
        } catch (e) {
          return { entry, res: null, parsed: null, notes: [], heldTeachers: false, t0, error: e };
        }
      }),
    ),
  );

  // The directory: this run's teachers where the tab loaded (and the organization is not held
  // for losing them), else the stored ones.
  const parsedPeople = new Map<string, OrgPeople>();
  for (const f of fetched) if (f.parsed?.people && !f.heldTeachers) parsedPeople.set(f.entry.code, f.parsed.people);
  const storedDir = await storedPeople(db);
  const knownCodes = (await db.query(`SELECT code FROM orgs WHERE in_registry`)).map((r) => String(r.code));
  const dir: Directory = {
    orgCode: codeMatcher(knownCodes),
    people: (org) => parsedPeople.get(org) ?? storedDir.get(org) ?? null,
    storedPairs: async (org) =>
      new Set(
        (await db.query(
          `SELECT mentor_org || '|' || mentor_key || '|' || mentee_org || '|' || mentee_key AS k FROM pairs WHERE org = $org`,
          { org },
        )).map((r) => String(r.k)),
      ),
  };

  // Phase 2: resolve and load, LOAD_BATCH organizations per transaction (load.ts); outcomes
  // are recorded and reported in registry order.
  for (let i = 0; i < fetched.length; i += LOAD_BATCH) {
    const chunk = fetched.slice(i, i + LOAD_BATCH);
    const outcomes = await loadChunk(db, runId, chunk, dir, now, { stored, accepted });
    await recordOrgs(db, runId, outcomes);
    for (const x of outcomes) report(x.o);
    // Parsed rows of a loaded batch are garbage now (the directory keeps its own people).
    for (const f of chunk) f.parsed = null;
  }
}

/** Organizations per load transaction: big enough to amortize DuckDB's per-statement cost. */
const LOAD_BATCH = 100;

interface Fetched {
  entry: OrgEntry;
  /** What the source answered; an `ok` result without its raw tabs (already parsed). */
  res: FetchResult | null;
  parsed: ParsedOrg | null;
  /** Optional tabs kept because they went missing (for the outcome's message). */
  notes: string[];
  /** The teachers tab would lose more than half of its rows: the organization will be held. */
  heldTeachers: boolean;
  t0: number;
  error: unknown;
}

interface Recorded {
  o: OrgOutcome;
  counts: LoadCounts | null;
}

/**
 * Resolves and loads one batch of fetched organizations: the loaded ones in one transaction
 * (or, when that fails, one transaction each, so that one bad organization cannot stop the
 * others), the unchanged ones with one update. Returns the outcomes in `chunk` order.
 */
async function loadChunk(
  db: Db,
  runId: number,
  chunk: readonly Fetched[],
  dir: Directory,
  now: () => Date,
  guard: { stored: StoredCounts; accepted: ReadonlySet<string> },
): Promise<Recorded[]> {
  const outcomes: (Recorded | undefined)[] = new Array(chunk.length);
  const fail = async (k: number, message: string, requests: number, retries: number) => {
    const f = chunk[k]!;
    await markFailed(db, runId, f.entry.code, message, now());
    outcomes[k] = { o: outcome(f.entry.code, 'failed', message, Date.now() - f.t0, requests, retries), counts: null };
  };
  const unchanged: number[] = [];
  const loads: { k: number; load: OrgLoad }[] = [];
  // One instant for the whole batch: its organizations are committed together. (Distinct
  // last_success values per organization also cost queries that decorrelate on them.)
  const ts = now();
  for (const [k, f] of chunk.entries()) {
    if (f.error || !f.res) {
      const err = f.error;
      const message = err instanceof SourceError ? err.message : `ошибка чтения таблицы: ${(err as Error).message}`;
      await fail(k, message, err instanceof SourceError ? err.requests : 0, err instanceof SourceError ? err.retries : 0);
      continue;
    }
    if (f.res.status === 'unchanged') {
      unchanged.push(k);
      continue;
    }
    try {
      const validated = await resolveOrg(f.parsed as ParsedOrg, dir);
      const code = f.entry.code;
      const shrinking = guard.accepted.has(code) ? [] : tabShrinks(validated, guard.stored.get(code));
      if (shrinking.length > 0 || f.heldTeachers) {
        const message = holdMessage(code, shrinking);
        await holdOrg(db, runId, code, message, holdIssues(code, shrinking), now());
        outcomes[k] = { o: outcome(code, 'held', message, Date.now() - f.t0, f.res.requests, f.res.retries), counts: null };
        continue;
      }
      const message = [failedTabsMessage(validated), ...f.notes].filter((x) => x !== null).join('; ') || null;
      loads.push({ k, load: { v: validated, state: { version: f.res.version, now: isoTs(ts), today: isoDay(ts), message } } });
    } catch (e) {
      await fail(k, `ошибка загрузки в базу: ${(e as Error).message}`, f.res.requests, f.res.retries);
    }
  }

  if (unchanged.length) {
    await db.write((w) =>
      w.run(
        `UPDATE org_state SET last_attempt = $ts::TIMESTAMP, last_success = $ts::TIMESTAMP, last_status = 'unchanged',
           last_message = NULL, stale = false WHERE org IN (SELECT unnest($orgs))`,
        { ts: isoTs(now()), orgs: unchanged.map((k) => chunk[k]!.entry.code) },
      ),
    );
    for (const k of unchanged) {
      const f = chunk[k]!;
      outcomes[k] = { o: outcome(f.entry.code, 'unchanged', null, Date.now() - f.t0, f.res!.requests, f.res!.retries), counts: null };
    }
  }

  if (loads.length) {
    let batch: LoadCounts[] | null = null;
    try {
      batch = await db.write((w) => loadOrgs(w, runId, loads.map((l) => l.load)));
      bumpDataVersion();
    } catch {
      batch = null; // retried one by one below, where the failing organization is found and named
    }
    for (const [j, { k, load }] of loads.entries()) {
      const f = chunk[k]!;
      const res = f.res!;
      let counts = batch?.[j];
      if (counts === undefined) {
        try {
          counts = await db.write((w) => loadOrg(w, runId, load.v, load.state));
          bumpDataVersion();
        } catch (e) {
          await fail(k, `ошибка загрузки в базу: ${(e as Error).message}`, res.requests, res.retries);
          continue;
        }
      }
      const o: OrgOutcome = {
        ...outcome(f.entry.code, 'ok', load.state.message ?? null, Date.now() - f.t0, res.requests, res.retries),
        rowsLoaded: counts.rowsLoaded,
        rowsQuarantined: counts.rowsQuarantined,
        warnings: counts.warnings,
      };
      outcomes[k] = { o, counts };
    }
  }
  return outcomes.map((x) => x!);
}

/** Why a spreadsheet is too big to load, or null. Counted as delivered, before any parsing. */
export function sizeProblem(org: string, tabs: readonly RawTab[], limits: SyncLimits): string | null {
  const refused = 'таблица не загружена, данные организации не обновлены; удалите лишние строки и столбцы';
  let cells = 0;
  for (const t of tabs) {
    if (t.grid.length > limits.maxRowsPerTab) {
      return `таблица организации ${org} слишком большая: на листе «${t.title}» ${countOf(t.grid.length, 'строка', 'строки', 'строк')} (предел — ${countOf(limits.maxRowsPerTab, 'строка', 'строки', 'строк')} на лист); ${refused}`;
    }
    for (const row of t.grid) cells += row.length;
  }
  if (cells > limits.maxCellsPerSheet) {
    return `таблица организации ${org} слишком большая: ${countOf(cells, 'ячейка', 'ячейки', 'ячеек')} (предел — ${countOf(limits.maxCellsPerSheet, 'ячейка', 'ячейки', 'ячеек')} на таблицу); ${refused}`;
  }
  return null;
}

/**
 * A held load (sync/guard.ts): the organization's rows, quarantine and findings stay as they
 * were; its state says why (stale: its numbers are older than its sheet), and the hold is a
 * finding of its own (scope 'hold', replaced at every hold, removed by the next load). The
 * version is not stored, so the next sync reads the sheet again.
 */
async function holdOrg(db: Db, runId: number, org: string, message: string, issues: DataIssue[], at: Date): Promise<void> {
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
async function storedCounts(db: Db): Promise<StoredCounts> {
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

/** The tabs of the contract, by title as the sync matches them: only these are read. */
const CONTRACT_TITLES = new Set(TABS.map((t) => matchKey(t.title)));
export const isContractTab = (title: string) => CONTRACT_TITLES.has(matchKey(title));

const DEFAULT_STALE_AFTER_HOURS = 48;

/**
 * Flags stale every active organization of the registry whose sheet has not been read
 * successfully for longer than `hours` (never read counts too): its numbers may be old, even
 * when no sync could say why (the registry unreadable, syncs not running). Returns how many
 * were flagged; bumps the data version when any was.
 */
export async function markStale(db: Db, at: Date, hours: number): Promise<number> {
  const cutoff = isoTs(new Date(at.getTime() - hours * 3_600_000));
  const note = `таблица не читалась успешно дольше ${hours} ч`;
  const rows = await db.write((w) =>
    w.query(
      `UPDATE org_state SET stale = true, last_message = coalesce(last_message || '; ', '') || $note
       WHERE NOT stale AND (last_success IS NULL OR last_success < $cutoff::TIMESTAMP)
         AND org IN (SELECT code FROM orgs WHERE in_registry AND active)
       RETURNING org`,
      { cutoff, note },
    ),
  );
  if (rows.length > 0) bumpDataVersion();
  return rows.length;
}

/**
 * One sync runs at a time in a process, and one process holds the database: a run still
 * marked running was cut short (the process was killed). Called when a sync or the server starts.
 */
export async function markInterrupted(w: Writer): Promise<void> {
  await w.run(
    `UPDATE sync_runs SET status = 'interrupted', finished_at = coalesce(finished_at, started_at),
       message = coalesce(message, 'синхронизация прервана: процесс был остановлен до её окончания; организации, загруженные до остановки, сохранены, остальные — с прежними данными')
     WHERE status = 'running'`,
  );
}

/** The organization's state message when some tabs failed as a whole (their stored rows are kept). */
function failedTabsMessage(v: ValidatedOrg): string | null {
  const failed = [...v.tabs.values()].filter((t) => t.status === 'error').map((t) => `«${t.title}»`);
  if (!failed.length) return null;
  return failed.length === 1
    ? `лист ${failed[0]} не загружен из-за ошибки листа; для него сохранены данные прошлой загрузки`
    : `листы ${failed.join(', ')} не загружены из-за ошибок листов; для них сохранены данные прошлой загрузки`;
}

function outcome(org: string, status: OrgStatus, message: string | null, durationMs: number, requests = 0, retries = 0): OrgOutcome {
  return { org, status, message, rowsLoaded: 0, rowsQuarantined: 0, warnings: 0, requests, retries, durationMs };
}

async function recordOrg(db: Db, runId: number, o: OrgOutcome, counts: LoadCounts | null): Promise<void> {
  await recordOrgs(db, runId, [{ o, counts }]);
}

/** One row of `sync_run_orgs` per outcome, through one appender. */
async function recordOrgs(db: Db, runId: number, rows: readonly Recorded[]): Promise<void> {
  if (!rows.length) return;
  const text = (a: DuckDBAppender, v: string | null) => (v === null ? a.appendNull() : a.appendVarchar(v));
  await db.write((w) =>
    w.appendRows('sync_run_orgs', rows, (a, { o, counts }) => {
      a.appendInteger(runId);
      a.appendVarchar(o.org);
      a.appendVarchar(o.status);
      text(a, o.message);
      a.appendInteger(o.rowsLoaded);
      a.appendInteger(o.rowsQuarantined);
      a.appendInteger(o.warnings);
      a.appendInteger(o.requests);
      a.appendInteger(o.retries);
      a.appendInteger(Math.round(o.durationMs));
      text(a, counts ? JSON.stringify(counts.tabs) : null);
    }),
  );
}

async function markFailed(db: Db, _runId: number, org: string, message: string, at: Date): Promise<void> {
  await db.write((w) =>
    w.run(
      `INSERT INTO org_state (org, last_attempt, last_status, last_message, stale) VALUES ($org, $ts::TIMESTAMP, 'failed', $msg, true)
       ON CONFLICT (org) DO UPDATE SET last_attempt = excluded.last_attempt, last_status = 'failed',
         last_message = excluded.last_message, stale = true`,
      { org, ts: isoTs(at), msg: message },
    ),
  );
}

const BROKEN_ROW_MESSAGE = 'строка реестра с ошибкой (см. лист «Организации»): организация не синхронизирована, сохранены прежние данные';

/**
 * Upserts the registry; organizations no longer listed stay, with in_registry = false. A few
 * statements whatever the size of the registry (a statement per row cost seconds at region
 * scale); a code listed twice takes its last row, as row-by-row upserts did.
 */
async function saveRegistry(w: Writer, entries: readonly OrgEntry[], brokenCodes: readonly string[], ts: string): Promise<void> {
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
  const broken = [...new Set(brokenCodes)];
  if (broken.length) {
    await w.run(
      `INSERT INTO org_state (org, last_attempt, last_status, last_message, stale)
       SELECT org, $ts::TIMESTAMP, 'failed', $msg, true FROM (SELECT unnest($orgs) AS org)
       ON CONFLICT (org) DO UPDATE SET last_attempt = excluded.last_attempt, last_status = 'failed', last_message = excluded.last_message, stale = true`,
      { orgs: broken, ts, msg: BROKEN_ROW_MESSAGE },
    );
  }
}

async function storedPeople(db: Db): Promise<Map<string, OrgPeople>> {
  const rows = await db.query(`SELECT org, person_key, fio, code FROM teachers ORDER BY org, row_no`);
  const out = new Map<string, OrgPeople>();
  for (const r of rows) {
    const org = String(r.org);
    let p = out.get(org);
    if (!p) out.set(org, (p = new OrgPeople(org)));
    p.add({ key: String(r.person_key), fio: String(r.fio), code: (r.code as string | null) ?? null });
  }
  // An organization that loaded once but whose teacher tab is empty still counts as loaded.
  for (const r of await db.query(`SELECT org FROM org_state WHERE last_success IS NOT NULL`)) {
    const org = String(r.org);
    if (!out.has(org)) out.set(org, new OrgPeople(org));
  }
  return out;
}
