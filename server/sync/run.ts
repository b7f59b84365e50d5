/**
 * One sync run: registry → fetch every active organization (bounded concurrency) → parse and
 * validate each as it arrives → load in batches of validated rows, each organization's rows
 * replaced atomically (a failed batch is retried one organization per transaction). References
 * to another organization's teachers (`ФИО (КОД-ОО)`) resolve against that organization's
 * teachers as read in this run, so an organization that names one not read yet waits, in the
 * database, until every organization is read (phase 2): memory holds a batch, not the region
 * (issue #18), and results never depend on the order in which sheets arrive. An organization
 * that fails keeps its previous data and is marked stale; the others still load. Every run is
 * a row in `sync_runs`, every organization's outcome a row in `sync_run_orgs`.
 *
 * Here: the orchestration. The batches and phase 2 are loader.ts, the rows' writes load.ts, every
 * other write of the sync state.ts.
 */
import pLimit from 'p-limit';
import type { SyncOrgStatus } from '../../shared/progress.ts';
import { countOf, matchKey, REGISTRY_TAB, SHEET_LIMITS, TABS, type DataIssue } from '../contract/index.ts';
import { storageProblem, type Db } from '../db/db.ts';
import { compactHistory } from '../db/history.ts';
import { SourceError, type OrgEntry, type RawTab, type Source } from '../sources/types.ts';
import type { OrgPeople } from './people.ts';
import {
  droppedColumns,
  keepMissingTabs,
  lacksOptionalColumns,
  loadedColumns,
  registryDepartures,
  registryHoldMessage,
  registryShrink,
  teachersReplaced,
  shrinksSurely,
  teachersShrink,
} from './guard.ts';
import { adoptKnownCodes, identifyUnnamed, parseRegistry } from './registry.ts';
import { plural } from '../../shared/plural.ts';
import {
  BROKEN_ROW_MESSAGE,
  failureMessage,
  createStaging,
  dropStaging,
  DEFAULT_STALE_AFTER_HOURS,
  finishRun,
  holdsOnlyDemoData,
  isoTs,
  knownOrgCodes,
  markSourceOfRun,
  markStale,
  recordOrg,
  registryBefore,
  saveRegistryFailure,
  saveRegistryOutcome,
  startRun,
  storedCounts,
  storedPersonKeys,
  knownOrgs,
  type StoredTeachers,
  storedPeople,
  forgetVersions,
  storedReferences,
  storedOrgs,
  storedRows,
  storedTabColumns,
  storedVersions,
  type SheetTab,
} from './state.ts';

export { markInterrupted, markStale } from './state.ts';
import { progressFetched, progressFinished, progressNotStarted, progressOrg, progressStarted } from './progress.ts';
import { LOAD_BATCH_ROWS, Loader, MAX_BATCH_AGE_MS, PeopleDirectory, outcome, type Fetched, type LoadBatchStats } from './loader.ts';
export type { LoadBatchStats } from './loader.ts';
import {
  codeMatcher,
  nothingLoadable,
  parseOrg,
  type ParsedOrg,
} from './validate.ts';

/**
 * ok: loaded; unchanged: the source says nothing changed; failed: not read (previous data
 * kept); held: read, but it would lose more than half of a tab's rows, so not loaded until
 * the coordinator accepts it (sync/guard.ts); inactive: «Активна» = Нет in the registry.
 */
export type OrgStatus = SyncOrgStatus;

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
  /** The titles of the spreadsheet's tabs when it was read (status `ok`): write-back checks its own tab is still there. */
  tabTitles?: string[];
  /** An unchanged sheet read again, or not (`rereadNote`, `rereadFailedNote`): also in `message`. */
  reread?: string;
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
  trigger?: 'cli' | 'start' | 'schedule' | 'api' | 'token' | 'school' | 'test';
  /**
   * Read only these organizations (codes from the registry): a school's re-read of its own sheet,
   * a coordinator's re-read of one organization. The registry is read whole as always; the
   * others are left as they are (not read, not in the summary).
   */
  only?: readonly string[];
  /**
   * History retention (HISTORY_KEEP_DAYS): versions of rows that ended more than this many days
   * ago keep one per month (db/history.ts `compactHistory`). Default: kept forever.
   */
  historyKeepDays?: number | null;
  /** An organization not read successfully for longer than this is flagged stale (STALE_AFTER_HOURS). Default 48. */
  staleAfterHours?: number;
  concurrency?: number;
  onProgress?: (o: OrgOutcome, done: number, total: number) => void;
  /** Called as each organization's sheet has been read (or failed to be): reading is what takes the time. */
  onFetched?: (fetched: number, total: number) => void;
  /** Validated rows per load transaction (default LOAD_BATCH_ROWS): what the sync holds in memory, at most twice. */
  batchRows?: number;
  /** How long a load batch that is not full waits for more organizations before it is written (default MAX_BATCH_AGE_MS). */
  maxBatchAgeMs?: number;
  /** Called as each load batch starts to be written (diagnostics and tests: memory stays bounded). */
  onLoadBatch?: (s: LoadBatchStats) => void;
}

/** Russian one-line summary for logs and the CLI. */
export function summaryLine(s: SyncSummary): string {
  const t = s.totals;
  const head = s.status === 'ok' ? 'Синхронизация завершена' : s.status === 'partial' ? 'Синхронизация завершена с ошибками' : 'Синхронизация не удалась';
  const tail = s.message ? ` ${s.message}` : '';
  const held = t.held > 0 ? `, задержано до подтверждения ${t.held}` : '';
  return `${head}: организаций загружено ${t.ok}, без изменений ${t.unchanged}, с ошибкой ${t.failed}${held}; строк загружено ${t.rowsLoaded}, в карантине ${t.rowsQuarantined}, предупреждений ${t.warnings}; запросов ${t.requests}, повторов ${t.retries}.${tail}`;
}


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
  let runId: number;
  try {
    runId = await db.write((w) => startRun(w, { started: isoTs(started), source, trigger: opts.trigger ?? 'cli' }));
  } catch (e) {
    // Not even begun (the database file takes no writes): the operations page says so too.
    progressNotStarted(opts.trigger ?? 'cli', opts.only?.length === 1 ? opts.only[0]! : null, `Синхронизация не удалась: ${storageProblem(e) ?? (e as Error).message}`, now().toISOString());
    throw e;
  }
  progressStarted(runId, opts.trigger ?? 'cli', opts.only?.length === 1 ? opts.only[0]! : null, started.toISOString());
  // What the run's message says besides a failure (organizations gone from the registry).
  const runNotes: string[] = [];
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
    await syncAll(opts, runId, summary, now, { started: isoTs(started), demoOnly, notes: runNotes });
  } catch (e) {
    summary.status = 'failed';
    summary.message = e instanceof SourceError ? e.message : `внутренняя ошибка: ${(e as Error).message}`;
  }
  const t = summary.totals;
  // The requests of no organization (the change detection's listing): the run's.
  const shared = opts.source.syncCounts?.();
  if (shared) {
    t.requests += shared.requests;
    t.retries += shared.retries;
  }
  if (summary.status !== 'failed' && t.failed + t.held > 0) summary.status = t.ok + t.unchanged > 0 ? 'partial' : 'failed';
  // What the source could not do as usual (the change detection's listing): in the run's message.
  const notes = summary.status === 'failed' ? [] : [...runNotes, ...(opts.source.syncNotes?.() ?? [])];
  if (notes.length) summary.message = [summary.message, ...notes].filter((x) => x !== null).join(' ');
  // Also when the registry could not be read: an organization not read for too long is stale.
  await markStale(db, now(), opts.staleAfterHours ?? DEFAULT_STALE_AFTER_HOURS).catch(() => undefined);
  try {
    await db.write((w) => finishRun(db, w, summary, now)).catch((e: unknown) => {
      // What was loaded stays, but the run is not recorded as finished: the progress says failed, not «завершена».
      summary.status = 'failed';
      summary.message = `итог синхронизации не записан: ${storageProblem(e) ?? (e as Error).message}`;
      throw e;
    });
    // Statuses, registry and quality counts changed too, even when no rows did.
    db.bumpDataVersion();
    if (opts.historyKeepDays) {
      const cutoff = isoTs(new Date(now().getTime() - opts.historyKeepDays * 86_400_000));
      // The history's retention never fails a sync that loaded: it is tried again after the next one.
      await db.write((w) => compactHistory(w, cutoff)).catch((e: unknown) => {
        console.error(`Сжатие истории строк не удалось (повторится после следующей синхронизации): ${(e as Error).message}`);
      });
    }
  } finally {
    // After the data version: a page that reloads on «finished» reads the new data.
    progressFinished(summary, summaryLine(summary), now().toISOString());
  }
  return summary;
}

async function syncAll(opts: SyncOptions, runId: number, summary: SyncSummary, now: () => Date, run: { started: string; demoOnly: boolean; notes: string[] }): Promise<void> {
  const { db, source } = opts;
  // The registry's requests count with the organizations' (the summary's «запросов», sync_runs.requests).
  const registryCounts = { requests: 0, retries: 0 };
  const counted = () => {
    summary.totals.requests += registryCounts.requests;
    summary.totals.retries += registryCounts.retries;
  };
  // A real source over the demo's data leaves it as it was until a registry is read (markSourceOfRun).
  const demoBelow = run.demoOnly && source.kind !== 'demo';
  let registryTab: RawTab;
  try {
    registryTab = await source.readRegistry(registryCounts);
  } catch (e) {
    counted();
    // Said where the coordinator looks («Качество данных», the CLI's findings) instead of the last
    // registry finding, which may be another, older reason.
    if (e instanceof SourceError && !demoBelow) await db.write((w) => saveRegistryFailure(w, runId, e.message)).catch(() => undefined);
    throw e;
  }
  counted();
  // The demo's organizations are no organizations of this registry: a real source over the
  // demo's data (cleared below) knows none yet.
  const registry = parseRegistry(registryTab, demoBelow ? { codes: [], names: [] } : await knownOrgs(db));
  // Nothing is lost silently: a registry that lists no organization, or that would drop more
  // than half of those it listed (not accepted by the coordinator), stops the sync whole.
  let listed = new Set([...registry.entries.map((e) => e.code), ...registry.brokenCodes]);
  let stop: string | null = registry.fatal ? `реестр организаций (лист «${REGISTRY_TAB.title}»): ${registry.fatal}` : null;
  const stopIssues: DataIssue[] = [];
  // Every organization «Активна = Нет» is almost always a column filled down by mistake, and saved
  // it would take every organization out of the figures that count active ones (compliance, the
  // overview's «активных»): stopped like an emptied registry, nothing changes.
  const n = registry.entries.length;
  const empty =
    listed.size === 0
      ? registry.unnamed.length
        ? `ни в одной строке реестра нет кода организации (столбец «${registry.codeColumn}» пуст или с ошибками формул); синхронизация остановлена, данные не изменены — верните коды организаций`
        : 'в реестре нет ни одной организации (на листе только заголовок или пустые строки); синхронизация остановлена, данные не изменены — верните строки организаций'
      : n > 0 && registry.entries.every((e) => !e.active)
        ? `${n === 1 ? 'единственная организация реестра отмечена неактивной' : `все ${n} ${plural(n, 'организация', 'организации', 'организаций')} реестра отмечены неактивными`} («Активна» — «Нет»); синхронизация остановлена, данные не изменены — верните «Да» в столбце «Активна» у действующих организаций`
        : null;
  if (stop === null && empty !== null) {
    stop = `реестр организаций (лист «${registryTab.title}»): ${empty}`;
    stopIssues.push({ level: 'error', org: null, tab: registryTab.title, row: null, column: null, value: null, problem: empty });
  }
  let held = false;
  // The registry's codes of the last sync: a sheet naming one that joins again is checked again.
  let listedBefore: Set<string> | null = null;
  // The registry's spreadsheets of the last sync, by organization (`moved` below).
  let sheetsBefore = new Map<string, string>();
  if (stop === null) {
    // A registry that lists organizations: the data from a real source starts here (the demo's
    // is cleared on a database that held only it) — not before, so a run that reads nothing changes nothing.
    await db.write((w) => w.transaction(() => markSourceOfRun(w, source.kind, run.started, run.demoOnly)));
    // A known organization's code spelt another way is that organization (a warning says so).
    adoptKnownCodes(registry, await knownOrgCodes(db), registryTab.title);
    const { orgs: last, before, sheets, accepted } = await registryBefore(db);
    sheetsBefore = sheets;
    // A broken row whose code was erased still names its organization: kept, not «removed».
    if (registry.unnamed.length) identifyUnnamed(registry, last, registryTab.title);
    listed = new Set([...registry.entries.map((e) => e.code), ...registry.brokenCodes]);
    listedBefore = new Set(before);
    const h = registryShrink(before, listed);
    if (h && !accepted) {
      held = true;
      stop = registryHoldMessage(h, registryTab.title);
      stopIssues.push({ level: 'error', org: null, tab: registryTab.title, row: null, column: null, value: null, problem: stop });
    } else {
      const was = listedBefore;
      const lost = before.filter((c) => !listed.has(c));
      registry.issues.push(...registryDepartures(lost, { before: sheets, now: registry.entries }, (c) => !was.has(c), registryTab.title));
      // Said in the run's record too (the journal keeps it): the warnings of the registry are
      // replaced by the next sync's, and then nothing told that these organizations' data had
      // left every figure (an outside review).
      if (lost.length) run.notes.push(departedNote(lost));
    }
  }
  // (A real registry that stops the sync leaves a demo database as it was: its findings are in the summary.)
  if (!(demoBelow && stop !== null)) {
    await db.write((w) => saveRegistryOutcome(w, runId, { registry, title: registryTab.title, stopIssues, held, stop, ts: isoTs(now()) }));
  }
  if (stop !== null) throw new SourceError(stop, 'bad_shape');

  const states = await storedVersions(db);
  const only = opts.only ? new Set(opts.only) : null;
  const chosen = only ? registry.entries.filter((e) => only.has(e.code)) : registry.entries;
  if (only && chosen.length === 0) throw new SourceError(`организации ${[...only].join(', ')} нет в реестре организаций`, 'not_found');
  const active = chosen.filter((e) => e.active);
  const { accepted, knownCodes, everLoaded } = await storedOrgs(db);
  for (const e of chosen.filter((x) => !x.active)) {
    const message = failureMessage('организация отмечена в реестре как неактивная; таблица не читается, прежние данные сохранены', everLoaded.has(e.code));
    summary.orgs.push(outcome(e.code, 'inactive', message, 0));
  }
  // A code whose registry row is broken is not synced this time (its stored data is kept).
  const entryCodes = new Set(registry.entries.map((e) => e.code));
  const broken = [...new Set(registry.brokenCodes)].filter((c) => !entryCodes.has(c) && (only === null || only.has(c)));
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
    progressOrg(o, done, total);
  };

  for (const code of broken) {
    const o = outcome(code, 'failed', failureMessage(BROKEN_ROW_MESSAGE, everLoaded.has(code)), 0);
    await recordOrg(db, runId, o, null);
    report(o);
  }
  // Active organizations are reported as they finish, and listed in registry order.
  const head = summary.orgs.length;
  const rank = new Map<string, number>();

  // Phase 1: fetch, parse and validate every organization, and finish at once each one whose
  // references stay inside it or name organizations read already; they load in batches while
  // the next ones are read (bounded: see Loader).
  const limits: SyncLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const limit = pLimit(opts.concurrency ?? 4);
  const stored = await storedCounts(db);
  // Who each organization's last load had in «Педагоги»: a sheet now listing none of them is held
  // (guard.ts teachersReplaced). Read once, when the first changed sheet of an organization with
  // stored teachers needs it: a sync that finds nothing changed (or a first one) never reads them.
  let storedKeys: Promise<Map<string, StoredTeachers>> | null = null;
  const keysOf = async (code: string): Promise<StoredTeachers | undefined> => {
    if (!stored.get(code)?.teachers) return undefined;
    storedKeys ??= storedPersonKeys(db, active.map((e) => e.code));
    return (await storedKeys).get(code);
  };
  // The directory: this run's teachers where the tab loaded (and the organization is not held
  // for losing them), else the stored ones.
  const people = new PeopleDirectory(db, stored, everLoaded, active.map((e) => e.code));
  const loader = new Loader({
    db,
    runId,
    now,
    stored,
    accepted,
    everLoaded,
    people,
    orgCode: codeMatcher(knownCodes),
    inactive: new Set(registry.entries.filter((e) => !e.active).map((e) => e.code)),
    present: await storedRows(db, stored),
    batchRows: opts.batchRows ?? LOAD_BATCH_ROWS,
    maxBatchAgeMs: opts.maxBatchAgeMs ?? MAX_BATCH_AGE_MS,
    report: (index, o) => {
      rank.set(o.org, index);
      report(o);
    },
    onBatch: opts.onLoadBatch,
  });
  await db.write((w) => createStaging(w));
  let fetchedCount = 0;
  // What sheets name in other organizations (state.ts storedReferences), read when first needed.
  // An unchanged sheet that names another waits for the end of phase 1: when one it names has
  // new teachers in this run, it is read again (below), so that its references are checked
  // against them as the contract says — not against the ones its last load saw.
  let references: Promise<Map<string, Set<string>>> | null = null;
  const referencesOf = () => (references ??= storedReferences(db, codeMatcher(knownCodes)));
  let named: Promise<Set<string>> | null = null;
  // The stored teachers of the organizations some sheet names, as signatures (people.ts): read
  // once, when the first of them is read in this run — before its new teachers are written.
  let namedBefore: Promise<Map<string, string>> | null = null;
  const teachersChanged = async (code: string, now: OrgPeople): Promise<boolean> => {
    named ??= referencesOf().then((m) => new Set([...m.values()].flatMap((s) => [...s])));
    if (!(await named).has(code)) return false;
    namedBefore ??= named.then(async (all) => new Map([...(await storedPeople(db, [...all]))].map(([o, p]) => [o, p.signature()])));
    return (await namedBefore).get(code) !== now.signature();
  };
  // The columns of each tab at the last loads (state.ts tab_columns), read when a sheet first lacks an optional one.
  let tabColumns: Promise<Map<string, Map<string, Set<string>>>> | null = null;
  const tabColumnsOf = () => (tabColumns ??= storedTabColumns(db));
  const changedTeachers = new Set<string>();
  const waiting: { index: number; f: Fetched; named: Set<string> }[] = [];
  // Read again and failed: kept as they were, and read in full by the next sync (version cleared).
  const recheck: string[] = [];
  // An organization whose registry row names another spreadsheet now: its stored version is the
  // old one's (a Drive modifiedTime), which the new one may share — read in full, and if that
  // fails, read in full by the next sync too (version cleared), never «без изменений».
  const moved = (entry: OrgEntry) => sheetsBefore.has(entry.code) && sheetsBefore.get(entry.code) !== entry.sheet;
  const readOrg = async (entry: OrgEntry, index: number, again: { named: string[]; unchanged: Fetched } | null): Promise<void> => {
    const t0 = Date.now();
    let f: Fetched;
    try {
      const res = await opts.source.fetchOrg(entry, {
        lastVersion: moved(entry) ? null : (states.get(entry.code) ?? null),
        full: again !== null || (opts.full ?? false),
        ...(again ? { knownVersion: again.unchanged.res!.version } : {}),
        wantTab: isContractTab,
        limits,
      });
      if (res.status === 'ok') {
        const problem = sizeProblem(entry.code, res.tabs, limits);
        if (problem) throw new SourceError(problem, 'bad_shape', res.requests, res.retries);
      }
      const parsed = res.status === 'ok' ? parseOrg(entry.code, res.tabs, isoTs(now()).slice(0, 10)) : null;
      const nothing = parsed && res.status === 'ok' ? nothingLoadable(parsed, res.tabs) : null;
      if (nothing !== null) throw new SourceError(nothing, 'bad_shape', res.requests, res.retries);
      const notes = parsed ? keepMissingTabs(parsed, stored.get(entry.code)) : [];
      // An optional column the last load had and this sheet lacks: said (its values turned empty without a word).
      if (parsed && lacksOptionalColumns(parsed, stored.get(entry.code))) droppedColumns(parsed, (await tabColumnsOf()).get(entry.code));
      // The teachers guards (guard.ts), unless the coordinator accepted this organization's load.
      const guarded = parsed !== null && !accepted.has(entry.code);
      const replaced = guarded ? teachersReplaced(parsed, await keysOf(entry.code)) : null;
      const heldTeachers = guarded && (replaced !== null || teachersShrink(parsed, stored.get(entry.code)));
      // Held for another tab: its teachers load no more than the rest, and the others are checked against the stored ones.
      const held = heldTeachers || (guarded && shrinksSurely(parsed, stored.get(entry.code)));
      // Read again after phase 1, its entry is final already: the others were resolved with its
      // stored teachers, which an unchanged sheet has.
      if (parsed?.people && !held && !again) {
        people.add(entry.code, parsed.people);
        if (await teachersChanged(entry.code, parsed.people)) changedTeachers.add(entry.code);
      }
      // The raw grids are not needed once parsed.
      f = {
        entry,
        res: res.status === 'ok' ? { ...res, tabs: [] } : res,
        parsed,
        notes,
        heldTeachers,
        replaced,
        t0,
        error: null,
        titles: res.status === 'ok' ? res.tabs.map((t) => t.title) : undefined,
        ...(parsed ? { columns: loadedColumns(parsed) } : {}),
        ...(res.status === 'ok' && res.tabs.some((t) => t.gid !== undefined) ? { gids: sheetTabs(res.tabs, parsed) } : {}),
        ...(res.status === 'ok' && res.spreadsheetId !== undefined ? { spreadsheetId: res.spreadsheetId } : {}),
      };
    } catch (e) {
      f = { entry, res: null, parsed: null, notes: [], heldTeachers: false, replaced: null, t0, error: e };
      if (moved(entry)) recheck.push(entry.code);
    }
    if (again) {
      // The requests of both reads count: the change check's and this one's.
      const first = again.unchanged.res!;
      if (f.error) {
        // Not read again (the source failed): unchanged as it was, fresh, its references checked next time.
        const reason = f.error instanceof Error ? f.error.message : String(f.error);
        const spent = f.error instanceof SourceError ? { requests: f.error.requests, retries: f.error.retries } : { requests: 0, retries: 0 };
        f = { ...again.unchanged, res: { ...first, requests: first.requests + spent.requests, retries: first.retries + spent.retries }, reread: rereadFailedNote(again.named, reason) };
        recheck.push(entry.code);
      } else {
        if (f.res) f.res = { ...f.res, requests: f.res.requests + first.requests, retries: f.res.retries + first.retries };
        f.reread = rereadNote(again.named);
      }
    } else {
      if (f.res?.status === 'unchanged') people.unchanged(entry.code);
      people.settle(entry.code);
      fetchedCount++;
      opts.onFetched?.(fetchedCount, active.length);
      progressFetched(fetchedCount, active.length);
      if (f.res?.status === 'unchanged') {
        const names = (await referencesOf()).get(entry.code);
        if (names) {
          waiting.push({ index, f, named: names });
          return;
        }
      }
    }
    await loader.take(index, f);
  };
  try {
    await Promise.all(active.map((entry, index) => limit(() => readOrg(entry, index, null))));
    // Every sheet is read: an unchanged one that names an organization with new teachers is read
    // again, so that its references are checked against them; the others stay unchanged.
    // An organization named that the registry no longer lists has no teachers to name any more;
    // one listed again has its teachers back.
    const joined = (c: string) => listedBefore !== null && !listedBefore.has(c);
    const again = waiting.map((w) => ({ ...w, changed: [...w.named].filter((c) => changedTeachers.has(c) || !listed.has(c) || joined(c)).sort() }));
    for (const w of again.filter((x) => x.changed.length === 0)) await loader.take(w.index, w.f);
    await Promise.all(again.filter((x) => x.changed.length > 0).map((w) => limit(() => readOrg(w.f.entry, w.index, { named: w.changed, unchanged: w.f }))));
    await loader.drain();
    if (recheck.length) await forgetVersions(db, recheck);
    // Phase 2: every organization is read, so the directory is complete: the organizations
    // that named one not read yet are finished and loaded, in registry order.
    await loader.finishDeferred();
  } finally {
    await loader.settle();
    await db.write((w) => dropStaging(w)).catch(() => undefined);
    summary.orgs.push(...summary.orgs.splice(head).sort((x, y) => rank.get(x.org)! - rank.get(y.org)!));
  }
}

/**
 * The tabs of a Google spreadsheet as stored with its load (state.ts SheetTab): each tab's gid,
 * and for a tab laid out now its headers' columns (header text as in the sheet → 0 for A).
 */
function sheetTabs(tabs: readonly RawTab[], parsed: ParsedOrg | null): Map<string, SheetTab> {
  const laidOut = new Map([...(parsed?.tabs.values() ?? [])].flatMap((t) => (t.places ? [[t.title, t.places] as const] : [])));
  const out = new Map<string, SheetTab>();
  for (const t of tabs) if (t.gid !== undefined) out.set(t.title, { gid: t.gid, columns: laidOut.get(t.title) ?? null });
  return out;
}

/** The run's note of the organizations the registry listed at the last sync and lists no more. */
export function departedNote(lost: readonly string[]): string {
  const shown = lost.slice(0, 20).join(', ') + (lost.length > 20 ? ` и ещё ${lost.length - 20}` : '');
  return `Из реестра ${lost.length === 1 ? 'пропала организация' : `пропали ${lost.length} ${plural(lost.length, 'организация', 'организации', 'организаций')}`} ${shown}: ${lost.length === 1 ? 'её данные' : 'их данные'} больше не входят в показатели; если строки удалили по ошибке, верните их в реестр.`;
}

/** The outcome's note of an unchanged sheet that could not be read again (run.ts `readOrg`). */
export function rereadFailedNote(named: readonly string[], reason: string): string {
  return `таблица не изменилась; перечитать её, чтобы проверить ссылки на педагогов ${named.length === 1 ? 'организации' : 'организаций'} ${named.join(', ')}, не удалось (${reason}) — она будет прочитана при следующей синхронизации`;
}

/** The outcome's note of a sheet read again although unchanged (run.ts `readOrg`). */
export function rereadNote(named: readonly string[]): string {
  const list = named.join(', ');
  return named.length === 1
    ? `таблица не изменилась, но перечитана: на листе «Педагоги» организации ${list} изменения, а её строки ссылаются на педагогов этой организации`
    : `таблица не изменилась, но перечитана: на листах «Педагоги» организаций ${list} изменения, а её строки ссылаются на педагогов этих организаций`;
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

/** The tabs of the contract, by title as the sync matches them: only these are read. */
const CONTRACT_TITLES = new Set(TABS.map((t) => matchKey(t.title)));
export const isContractTab = (title: string) => CONTRACT_TITLES.has(matchKey(title));
