/**
 * One sync run: registry → fetch every active organization (bounded concurrency) → parse →
 * resolve references against the directory of all organizations → load each organization in
 * its own transaction. An organization that fails keeps its previous data and is marked stale;
 * the others still load. Every run is a row in `sync_runs`, every organization's outcome a row
 * in `sync_run_orgs`.
 */
import pLimit from 'p-limit';
import { bumpDataVersion } from '../cache.ts';
import { isoFromDays, REGISTRY_TAB } from '../contract/index.ts';
import type { Db, Writer } from '../db.ts';
import { SourceError, type FetchResult, type OrgEntry, type Source } from '../sources/types.ts';
import { insertIssues, insertQuarantine, loadOrg, type LoadCounts } from './load.ts';
import { OrgPeople } from './people.ts';
import { parseRegistry } from './registry.ts';
import { codeMatcher, parseOrg, resolveOrg, type Directory, type ParsedOrg } from './validate.ts';

export type OrgStatus = 'ok' | 'unchanged' | 'failed' | 'inactive' | 'skipped';

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
  totals: { ok: number; unchanged: number; failed: number; rowsLoaded: number; rowsQuarantined: number; warnings: number; requests: number; retries: number };
}

export interface SyncOptions {
  db: Db;
  source: Source;
  now?: () => Date;
  full?: boolean;
  trigger?: 'cli' | 'start' | 'schedule' | 'api' | 'test';
  concurrency?: number;
  onProgress?: (o: OrgOutcome, done: number, total: number) => void;
}

/** Russian one-line summary for logs and the CLI. */
export function summaryLine(s: SyncSummary): string {
  const t = s.totals;
  const head = s.status === 'ok' ? 'Синхронизация завершена' : s.status === 'partial' ? 'Синхронизация завершена с ошибками' : 'Синхронизация не удалась';
  const tail = s.message ? ` ${s.message}` : '';
  return `${head}: организаций загружено ${t.ok}, без изменений ${t.unchanged}, с ошибкой ${t.failed}; строк загружено ${t.rowsLoaded}, в карантине ${t.rowsQuarantined}, предупреждений ${t.warnings}; запросов ${t.requests}, повторов ${t.retries}.${tail}`;
}

const isoDate = (d: Date) => isoFromDays(Math.floor(d.getTime() / 86_400_000));
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
  const runId = await db.write(async (w) => {
    const [r] = await w.query(`SELECT nextval('sync_run_seq')::INTEGER AS id`);
    const id = Number(r!.id);
    await w.run(
      `INSERT INTO sync_runs (id, started_at, source, trigger, status) VALUES ($id, $ts::TIMESTAMP, $source, $trigger, 'running')`,
      { id, ts: isoTs(started), source: source.description, trigger: opts.trigger ?? 'cli' },
    );
    return id;
  });
  const summary: SyncSummary = {
    runId,
    status: 'ok',
    message: null,
    orgs: [],
    totals: { ok: 0, unchanged: 0, failed: 0, rowsLoaded: 0, rowsQuarantined: 0, warnings: 0, requests: 0, retries: 0 },
  };
  try {
    await syncAll(opts, runId, summary, now);
  } catch (e) {
    summary.status = 'failed';
    summary.message = e instanceof SourceError ? e.message : `внутренняя ошибка: ${(e as Error).message}`;
  }
  const t = summary.totals;
  if (summary.status !== 'failed' && t.failed > 0) summary.status = t.ok + t.unchanged > 0 ? 'partial' : 'failed';
  await db.write(async (w) => {
    await w.run(
      `UPDATE sync_runs SET finished_at = $ts::TIMESTAMP, status = $status, orgs_total = $total, orgs_ok = $ok,
         orgs_unchanged = $unchanged, orgs_failed = $failed, rows_loaded = $rows, rows_quarantined = $q,
         warnings = $warn, requests = $req, retries = $ret, message = $msg WHERE id = $id`,
      {
        id: runId,
        ts: isoTs(now()),
        status: summary.status,
        total: summary.orgs.filter((o) => o.status !== 'inactive').length,
        ok: t.ok,
        unchanged: t.unchanged,
        failed: t.failed,
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
  await db.write((w) =>
    w.transaction(async () => {
      await w.run(`DELETE FROM issues WHERE scope = 'registry'`);
      await w.run(`DELETE FROM quarantine WHERE scope = 'registry'`);
      await insertIssues(w, runId, 'registry', registry.issues);
      for (const r of registry.rejected) {
        await insertQuarantine(w, runId, 'registry', r.problems[0]?.org ?? null, [{ tab: registryTab.title, row: r.row, raw: r.raw, problems: r.problems }]);
      }
      if (registry.fatal) return;
      await saveRegistry(w, registry.entries, registry.brokenCodes, isoTs(now()));
    }),
  );
  if (registry.fatal) throw new SourceError(`реестр организаций (лист «${REGISTRY_TAB.title}»): ${registry.fatal}`, 'bad_shape');

  const states = new Map(
    (await db.query(`SELECT org, version FROM org_state`)).map((r) => [String(r.org), r.version as string | null]),
  );
  const active = registry.entries.filter((e) => e.active);
  for (const e of registry.entries.filter((x) => !x.active)) {
    summary.orgs.push(outcome(e.code, 'inactive', 'организация отмечена в реестре как неактивная', 0));
  }
  const total = active.length;
  let done = 0;
  const report = (o: OrgOutcome) => {
    summary.orgs.push(o);
    const t = summary.totals;
    if (o.status === 'ok') t.ok++;
    if (o.status === 'unchanged') t.unchanged++;
    if (o.status === 'failed') t.failed++;
    t.rowsLoaded += o.rowsLoaded;
    t.rowsQuarantined += o.rowsQuarantined;
    t.warnings += o.warnings;
    t.requests += o.requests;
    t.retries += o.retries;
    done++;
    opts.onProgress?.(o, done, total);
  };

  // Phase 1: fetch and parse every organization.
  const limit = pLimit(opts.concurrency ?? 4);
  const fetched = await Promise.all(
    active.map((entry) =>
      limit(async () => {
        const t0 = Date.now();
        try {
          const res = await opts.source.fetchOrg(entry, { lastVersion: states.get(entry.code) ?? null, full: opts.full ?? false });
          const parsed = res.status === 'ok' ? parseOrg(entry.code, res.tabs) : null;
          return { entry, res, parsed, t0, error: null };
        } catch (e) {
          return { entry, res: null, parsed: null, t0, error: e };
        }
      }),
    ),
  );

  // The directory: this run's teachers where the tab loaded, else the stored ones.
  const parsedPeople = new Map<string, OrgPeople>();
  for (const f of fetched) if (f.parsed?.people) parsedPeople.set(f.entry.code, f.parsed.people);
  const stored = await storedPeople(db);
  const knownCodes = (await db.query(`SELECT code FROM orgs WHERE in_registry`)).map((r) => String(r.code));
  const dir: Directory = {
    orgCode: codeMatcher(knownCodes),
    people: (org) => parsedPeople.get(org) ?? stored.get(org) ?? null,
    storedPairs: async (org) =>
      new Set(
        (await db.query(
          `SELECT mentor_org || '|' || mentor_key || '|' || mentee_org || '|' || mentee_key AS k FROM pairs WHERE org = $org`,
          { org },
        )).map((r) => String(r.k)),
      ),
  };

  // Phase 2: resolve and load, one organization per transaction.
  for (const f of fetched) {
    const code = f.entry.code;
    if (f.error || !f.res) {
      const err = f.error;
      const message = err instanceof SourceError ? err.message : `ошибка чтения таблицы: ${(err as Error).message}`;
      const reqs = err instanceof SourceError ? err.requests : 0;
      const rets = err instanceof SourceError ? err.retries : 0;
      await markFailed(db, runId, code, message, now());
      const o = outcome(code, 'failed', message, Date.now() - f.t0, reqs, rets);
      await recordOrg(db, runId, o, null);
      report(o);
      continue;
    }
    const res: FetchResult = f.res;
    if (res.status === 'unchanged') {
      await db.write((w) =>
        w.run(
          `UPDATE org_state SET last_attempt = $ts::TIMESTAMP, last_success = $ts::TIMESTAMP, last_status = 'unchanged',
             last_message = NULL, stale = false WHERE org = $org`,
          { ts: isoTs(now()), org: code },
        ),
      );
      const o = outcome(code, 'unchanged', null, Date.now() - f.t0, res.requests, res.retries);
      await recordOrg(db, runId, o, null);
      report(o);
      continue;
    }
    try {
      const validated = await resolveOrg(f.parsed as ParsedOrg, dir);
      const ts = now();
      const counts = await db.write((w) =>
        loadOrg(w, runId, validated, { version: res.version, now: isoTs(ts), today: isoDate(ts) }),
      );
      bumpDataVersion();
      const tabErrors = validated.issues.filter((i) => i.level === 'error' && i.row === null).length;
      const o: OrgOutcome = {
        ...outcome(code, 'ok', tabErrors ? `ошибок в листах: ${tabErrors} (данные этих листов сохранены с прошлой загрузки)` : null, Date.now() - f.t0, res.requests, res.retries),
        rowsLoaded: counts.rowsLoaded,
        rowsQuarantined: counts.rowsQuarantined,
        warnings: counts.warnings,
      };
      await recordOrg(db, runId, o, counts);
      report(o);
    } catch (e) {
      const message = `ошибка загрузки в базу: ${(e as Error).message}`;
      await markFailed(db, runId, code, message, now());
      const o = outcome(code, 'failed', message, Date.now() - f.t0, res.requests, res.retries);
      await recordOrg(db, runId, o, null);
      report(o);
    }
  }
}

function outcome(org: string, status: OrgStatus, message: string | null, durationMs: number, requests = 0, retries = 0): OrgOutcome {
  return { org, status, message, rowsLoaded: 0, rowsQuarantined: 0, warnings: 0, requests, retries, durationMs };
}

async function recordOrg(db: Db, runId: number, o: OrgOutcome, counts: LoadCounts | null): Promise<void> {
  await db.write((w) =>
    w.run(
      `INSERT INTO sync_run_orgs VALUES ($run, $org, $status, $msg, $rows, $q, $warn, $req, $ret, $ms, $tabs)`,
      {
        run: runId,
        org: o.org,
        status: o.status,
        msg: o.message,
        rows: o.rowsLoaded,
        q: o.rowsQuarantined,
        warn: o.warnings,
        req: o.requests,
        ret: o.retries,
        ms: Math.round(o.durationMs),
        tabs: counts ? JSON.stringify(counts.tabs) : null,
      },
    ),
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

/** Upserts the registry; organizations no longer listed stay, with in_registry = false. */
async function saveRegistry(w: Writer, entries: readonly OrgEntry[], brokenCodes: readonly string[], ts: string): Promise<void> {
  const keep = new Set([...entries.map((e) => e.code), ...brokenCodes]);
  const existing = (await w.query(`SELECT code FROM orgs`)).map((r) => String(r.code));
  for (const code of existing) {
    if (!keep.has(code)) await w.run(`UPDATE orgs SET in_registry = false WHERE code = $code`, { code });
  }
  for (const e of entries) {
    await w.run(
      `INSERT INTO orgs VALUES ($code, $name, $type, $sheet, $curator, $active, $row, true)
       ON CONFLICT (code) DO UPDATE SET name = excluded.name, type = excluded.type, sheet = excluded.sheet,
         curator = excluded.curator, active = excluded.active, registry_row = excluded.registry_row, in_registry = true`,
      { code: e.code, name: e.name, type: e.type, sheet: e.sheet, curator: e.curator, active: e.active, row: e.registryRow },
    );
  }
  for (const code of brokenCodes) {
    await w.run(
      `INSERT INTO org_state (org, last_attempt, last_status, last_message, stale) VALUES ($org, $ts::TIMESTAMP, 'failed', $msg, true)
       ON CONFLICT (org) DO UPDATE SET last_attempt = excluded.last_attempt, last_status = 'failed', last_message = excluded.last_message, stale = true`,
      { org: code, ts, msg: 'строка реестра с ошибкой: организация не синхронизирована, сохранены прежние данные' },
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
