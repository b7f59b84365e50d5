/**
 * The loader of a sync run (run.ts keeps the orchestration): organizations arrive as they are
 * read and validated; their rows go to DuckDB in batches of about LOAD_BATCH_ROWS validated rows
 * (one transaction each, retried one organization per transaction when a batch fails), so memory
 * holds a batch or two, not the region (issue #18). An organization that names teachers of an
 * organization not read yet waits in the database (`stg_pending`) for phase 2. The people
 * directory answers references across organizations.
 */
import { isoDay } from '../metrics/period.ts';
import type { Db, Writer } from '../db/db.ts';
import { SourceError, type FetchResult, type OrgEntry } from '../sources/types.ts';
import {
  countsOf,
  loadOrg,
  loadOrgs,
  pack,
  packedRows,
  tallyOf,
  type LoadCounts,
  type OrgLoad,
  type OrgStage,
  type OrgTally,
  type PackedOrg,
  type StoredRows,
} from './load.ts';
import type { TabKey } from '../contract/index.ts';
import { OrgPeople } from './people.ts';
import {
  emptiedTabs,
  holdIssues,
  holdMessage,
  tabShrinks,
  type StoredCounts,
  type TeachersReplaced,
} from './guard.ts';
import {
  readPending,
  holdOrg,
  insertRecords,
  isoTs,
  markUnchangedOrgs,
  failureMessage,
  markFailed,
  recordOrgs,
  storedPairs,
  storedPeople,
  type Recorded,
  type SheetTab,
} from './state.ts';

import {
  foreignCodes,
  employmentOf,
  freezeOrg,
  mergeValidated,
  resolveOrg,
  splitOrg,
  thawOrg,
  type Directory,
  type ParsedOrg,
} from './validate.ts';
import type { OrgOutcome, OrgStatus } from './run.ts';

/** Rows of validated organizations per load transaction (issue #18: what the sync holds in memory at most, twice: one batch written, one filling). */
export const LOAD_BATCH_ROWS = 16_000;
/** Organizations per load transaction at most: big enough to amortize DuckDB's per-statement cost. */
const LOAD_BATCH = 100;
/**
 * How long the organizations of a load batch that is not full wait for more before they are
 * written anyway. Read at Google's pace (a sheet a second under one service account's quota) a
 * batch filled in a minute or more, and a small municipality's never did: every organization read
 * waited for the last one — a school whose proxy hung held the others' new data for minutes,
 * and a sync stopped then had loaded none of the sheets it had read.
 */
export const MAX_BATCH_AGE_MS = 5_000;

export interface Fetched {
  entry: OrgEntry;
  /** What the source answered; an `ok` result without its raw tabs (already parsed). */
  res: FetchResult | null;
  parsed: ParsedOrg | null;
  /** Optional tabs kept because they went missing (for the outcome's message). */
  notes: string[];
  /** The teachers tab would lose more than half of its rows, or holds none of the last load's teachers: the organization will be held. */
  heldTeachers: boolean;
  /** «Педагоги» lists none of the last load's teachers (guard.ts teachersReplaced), unless accepted. */
  replaced: TeachersReplaced | null;
  t0: number;
  error: unknown;
  /** The titles of every tab the source had (an `ok` read). */
  titles?: string[];
  /** Read again although unchanged (run.ts `rereadNote`): said in this run's outcome only. */
  reread?: string;
  /** The columns each tab that loaded had (guard.ts loadedColumns): stored with the load. */
  columns?: ReadonlyMap<TabKey, string>;
  /** Google's id (gid) of each tab of the spreadsheet and its columns, by title: stored with the load (a finding links to its cell). */
  gids?: ReadonlyMap<string, SheetTab>;
  /** The Google spreadsheet read (sources/types.ts FetchResult): stored with the load, so a finding links to it whatever «Таблица» says later. */
  spreadsheetId?: string;
}

/** What a load batch held in memory when it was written (SyncOptions.onLoadBatch). */
export interface LoadBatchStats {
  /** 1 or 2: during phase 1 (as organizations are read) or phase 2 (organizations that name others). */
  phase: 1 | 2;
  orgs: number;
  /** Validated rows of the batch, in memory until it is written. */
  rows: number;
  /**
   * The most validated rows held in memory at once since the previous batch started: the
   * batch being written and the one filling behind it (rows of organizations being parsed
   * at that moment, at most `concurrency` of them, come on top).
   */
  peakRows: number;
}

/**
 * The teachers of every organization, for references: this run's where the teachers tab
 * loaded (and the organization is not held for losing them), else as last loaded — read from
 * the database only for the organizations that need it (`ensure`), as they were before this
 * run: an organization's stored teachers change in this run only when its tab loaded, and then
 * this run's are used.
 */
export class PeopleDirectory {
  private readonly parsed = new Map<string, OrgPeople>();
  private readonly stored = new Map<string, OrgPeople | null>();

  /** Organizations of this run not read yet: their entry may still change. */
  private readonly unread: Set<string>;

  constructor(
    private readonly db: Db,
    private readonly counts: StoredCounts,
    /** Organizations loaded at least once before this run. */
    private readonly everLoaded: ReadonlySet<string>,
    active: Iterable<string>,
  ) {
    this.unread = new Set(active);
  }

  /** This run's teachers of an organization (its tab loaded and it is not held for losing them). */
  add(org: string, p: OrgPeople): void {
    this.parsed.set(org, p);
  }

  /** The organization has been read (or failed to be): its entry is final. */
  settle(org: string): void {
    this.unread.delete(org);
  }

  /**
   * The organization's sheet has not changed since its last load: the teachers stored are its
   * sheet's as it is, and a name not among them is not «сверено с прошлой загрузкой … лист не
   * загружен» — it was said of a sheet read again in the same sync (an acceptance run).
   */
  unchanged(org: string): void {
    this.current.add(org);
    const p = this.stored.get(org);
    if (p) p.lastLoad = false;
  }

  /** Organizations whose stored teachers are their sheet's as it is (`unchanged`). */
  private readonly current = new Set<string>();

  /** Whether the organization's entry is final: read in this run, or not read in it at all. */
  settled(org: string): boolean {
    return !this.unread.has(org);
  }

  /** Reads the stored teachers of the organizations among `orgs` that have no teachers of this run. */
  async ensure(orgs: Iterable<string>): Promise<void> {
    const need = [...new Set(orgs)].filter((o) => !this.parsed.has(o) && !this.stored.has(o));
    if (!need.length) return;
    const found = await storedPeople(this.db, need.filter((o) => (this.counts.get(o)?.teachers ?? 0) > 0));
    // An organization that loaded once but whose teacher tab is empty still counts as loaded.
    for (const o of need) {
      const p = found.get(o) ?? (this.everLoaded.has(o) ? new OrgPeople(o) : null);
      if (p) p.lastLoad = !this.current.has(o);
      this.stored.set(o, p);
    }
  }

  people(org: string): OrgPeople | null {
    if (this.unread.has(org)) throw new Error(`внутренняя ошибка: организация ${org} ещё не прочитана`);
    const p = this.parsed.get(org);
    if (p) return p;
    if (!this.stored.has(org)) throw new Error(`внутренняя ошибка: педагоги организации ${org} не прочитаны`);
    return this.stored.get(org)!;
  }
}

export interface LoaderContext {
  db: Db;
  runId: number;
  now: () => Date;
  stored: StoredCounts;
  accepted: ReadonlySet<string>;
  /** The organizations loaded by some earlier sync: a failure of one that never loaded says it has no data yet (state.ts failureMessage). */
  everLoaded: ReadonlySet<string>;
  people: PeopleDirectory;
  orgCode: (typed: string) => string | null;
  /** Registry codes of the organizations marked inactive: a reference to one says so (validate.ts resolveRef). */
  inactive: ReadonlySet<string>;
  /** What each organization had stored when the sync started (load.ts: deletes only where there is something). */
  present: StoredRows;
  batchRows: number;
  /** See MAX_BATCH_AGE_MS. */
  maxBatchAgeMs: number;
  /** An organization's outcome; `index` is its place among the active organizations. */
  report: (index: number, o: OrgOutcome) => void;
  onBatch?: ((s: LoadBatchStats) => void) | undefined;
}

/** An organization validated in part in phase 1, waiting in `stg_pending` for phase 2. */
interface Deferred {
  index: number;
  f: Fetched;
  /** Its rows (phase 2 batches by them). */
  rows: number;
}

type Item =
  | { kind: 'load'; index: number; f: Fetched; v: PackedOrg; rows: number }
  | { kind: 'stage'; index: number; f: Fetched; stage: OrgStage; rows: number };

/**
 * Phases 1 and 2 of a sync after the fetch. Each organization is validated as soon as it is
 * read. One whose references stay inside it (the common case), or name only organizations
 * read already (their teachers are final), is finished at once and joins the current load
 * batch, packed (load.ts `pack`). One that names an organization not read yet (`ФИО (КОД-ОО)`)
 * has its other tabs validated and waits, with its pairs and programs still to resolve, as
 * JSON text in the database (validate.ts `freezeOrg`, load.ts `stg_pending`) until phase 2,
 * when every organization's teachers are known. A batch is written (one transaction, load.ts)
 * when it reaches `batchRows` rows, while the next fills; a reader waits while both are full.
 * So the sync holds at most two batches of validated rows and the organizations being parsed,
 * never every organization's rows; and its results do not depend on the order in which the
 * sheets arrive: an organization is finished with teachers that no longer change. Outcomes
 * are reported as they come; run.ts lists them in registry order.
 */
export class Loader {
  private buffer: Item[] = [];
  private bufferRows = 0;
  private inflightRows = 0;
  /** See LoadBatchStats.peakRows. */
  private peakRows = 0;
  private unchanged: { index: number; f: Fetched }[] = [];
  /** sync_run_orgs rows not written yet (written after each batch). */
  private records: Recorded[] = [];
  private readonly deferred: Deferred[] = [];
  private writing: Promise<void> | null = null;
  private failure: unknown = null;
  private phase: 1 | 2 = 1;
  /** Writes the batch when it has waited MAX_BATCH_AGE_MS (set while the batch has something in it). */
  private ageTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly ctx: LoaderContext) {}

  /** Phase 1 for one fetched organization: fail, unchanged, held, load or stage. */
  async take(index: number, f: Fetched): Promise<void> {
    const { ctx } = this;
    // A source that answers at once (memory, files) would chain every organization in
    // microtasks: yield to the event loop, so that the batch being written (DuckDB answers
    // through it) goes on while the next organizations are validated.
    await yieldToLoop();
    if (f.error || !f.res) {
      const err = f.error;
      const message = err instanceof SourceError ? err.message : `ошибка чтения таблицы: ${(err as Error).message}`;
      await this.fail(index, f, message, err instanceof SourceError ? err.requests : 0, err instanceof SourceError ? err.retries : 0);
      return;
    }
    if (f.res.status === 'unchanged') {
      this.unchanged.push({ index, f });
      this.armAgeTimer();
      return;
    }
    const parsed = f.parsed as ParsedOrg;
    f.parsed = null;
    const code = f.entry.code;
    try {
      const foreign = foreignCodes(parsed, ctx.orgCode);
      // Resolved now when its references stay inside it, or when every organization they
      // name has been read already (their teachers are final); else it waits for phase 2.
      if ([...foreign].every((c) => ctx.people.settled(c))) {
        await ctx.people.ensure([code, ...foreign]);
        const v = pack(await resolveOrg(parsed, foreign.size ? this.fullDirectory() : this.directory(code)));
        if (await this.holdIfShrinking(index, f, v)) return;
        await this.push({ kind: 'load', index, f, v, rows: packedRows(v) });
      } else {
        await ctx.people.ensure([code]);
        const { local, cross } = splitOrg(parsed);
        const v = await resolveOrg(local, this.directory(code));
        // Its teachers as this phase left them (refused rows out), for the pairs checked in phase 2.
        cross.employment = employmentOf(local.tabs.get('teachers'));
        const rows = [...v.tabs.values(), ...cross.tabs.values()].reduce((n, t) => n + t.rows.length, v.quarantine.length);
        await this.push({ kind: 'stage', index, f, stage: { org: code, body: freezeOrg(v, cross) }, rows });
      }
    } catch (e) {
      await this.fail(index, f, `ошибка загрузки в базу: ${(e as Error).message}`, f.res.requests, f.res.retries);
    }
  }

  /** Writes what is buffered and waits for every write. */
  async drain(): Promise<void> {
    this.disarmAgeTimer();
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.writing) {
        await this.writing;
        continue;
      }
      if (!this.buffer.length && !this.unchanged.length && !this.records.length) return;
      this.startWrite();
    }
  }

  /** Phase 2: the deferred organizations, in registry order, in batches. */
  async finishDeferred(): Promise<void> {
    this.phase = 2;
    const { ctx } = this;
    const list = [...this.deferred].sort((a, b) => a.index - b.index);
    for (let i = 0; i < list.length; ) {
      const batch: Deferred[] = [];
      let rows = 0;
      while (i < list.length && batch.length < LOAD_BATCH && (batch.length === 0 || rows + list[i]!.rows <= ctx.batchRows)) {
        rows += list[i]!.rows;
        batch.push(list[i++]!);
      }
      const pending = await ctx.db.write((w) => readPending(w, batch.map((d) => d.f.entry.code)));
      for (const d of batch) {
        const { f, index } = d;
        const code = f.entry.code;
        try {
          const { done, todo } = thawOrg(code, pending.get(code)!);
          await ctx.people.ensure([code, ...foreignCodes(todo, ctx.orgCode)]);
          const v = pack(mergeValidated(done, await resolveOrg(todo, this.fullDirectory())));
          if (await this.holdIfShrinking(index, f, v)) continue;
          await this.push({ kind: 'load', index, f, v, rows: packedRows(v) });
        } catch (e) {
          await this.fail(index, f, `ошибка загрузки в базу: ${(e as Error).message}`, f.res!.requests, f.res!.retries);
        }
      }
      await this.drain();
    }
  }

  /** Whatever is left: buffered writes and outcomes not recorded yet. */
  async settle(): Promise<void> {
    this.disarmAgeTimer();
    await this.drain().catch(() => undefined);
    while (this.writing) await this.writing;
    await this.flushRecords().catch(() => undefined);
  }

  /** Phase 1 resolves an organization with its own teachers only (validate.ts `foreignCodes`). */
  private directory(code: string): Directory {
    const { ctx } = this;
    return {
      orgCode: ctx.orgCode,
      inactive: (org) => ctx.inactive.has(org),
      people: (org) => {
        if (org !== code) throw new Error(`внутренняя ошибка: ссылка на педагогов организации ${org} в первой фазе`);
        return ctx.people.people(org);
      },
      storedPairs: (org) => storedPairs(ctx.db, org),
    };
  }

  private fullDirectory(): Directory {
    const { ctx } = this;
    return { orgCode: ctx.orgCode, inactive: (org) => ctx.inactive.has(org), people: (org) => ctx.people.people(org), storedPairs: (org) => storedPairs(ctx.db, org) };
  }

  /**
   * Adds a validated organization to the batch. A full batch is written at once when no other
   * is being written (the caller goes on reading); otherwise the caller waits for that write:
   * at most one batch is written while the next fills.
   */
  private async push(item: Item): Promise<void> {
    this.buffer.push(item);
    this.bufferRows += item.rows;
    this.peakRows = Math.max(this.peakRows, this.heldRows);
    while (this.bufferRows >= this.ctx.batchRows || this.buffer.length >= LOAD_BATCH) {
      if (this.failure) throw this.failure;
      if (this.writing) await this.writing;
      else this.startWrite();
    }
    this.armAgeTimer();
  }

  /** Starts the batch's clock when the batch gets its first organization (MAX_BATCH_AGE_MS). */
  private armAgeTimer(): void {
    if (this.ageTimer !== null || !this.batchWaiting) return;
    this.ageTimer = setTimeout(() => {
      this.ageTimer = null;
      // A batch is being written: this one goes when that one is done (the next push or drain
      // may start it first). A failed write is for the next caller to throw, not for a timer.
      const writeIfIdle = () => {
        if (!this.writing && !this.failure && this.batchWaiting) this.startWrite();
      };
      if (this.writing) void this.writing.then(writeIfIdle);
      else writeIfIdle();
    }, this.ctx.maxBatchAgeMs);
    // A sync stopped early (its process ending) does not wait for this.
    this.ageTimer.unref?.();
  }

  /** Organizations wait in the batch being filled (to load, or unchanged to mark). */
  private get batchWaiting(): boolean {
    return this.buffer.length > 0 || this.unchanged.length > 0;
  }

  private disarmAgeTimer(): void {
    if (this.ageTimer !== null) clearTimeout(this.ageTimer);
    this.ageTimer = null;
  }

  private startWrite(): void {
    this.disarmAgeTimer();
    const batch = this.buffer;
    const rows = this.bufferRows;
    const unchanged = this.unchanged;
    this.buffer = [];
    this.bufferRows = 0;
    this.unchanged = [];
    this.inflightRows = rows;
    this.ctx.onBatch?.({ phase: this.phase, orgs: batch.length, rows, peakRows: Math.max(this.peakRows, rows) });
    this.peakRows = rows;
    const writing: Promise<void> = this.write(batch, unchanged)
      // Nobody may be waiting for this write: a failure (the database itself) is kept for the next caller.
      .catch((e: unknown) => {
        this.failure ??= e;
      })
      .finally(() => {
        this.inflightRows = 0;
        if (this.writing === writing) this.writing = null;
      });
    this.writing = writing;
  }

  /** Validated rows held in memory now: the batch being written and the one filling. */
  get heldRows(): number {
    return this.inflightRows + this.bufferRows;
  }

  /**
   * One batch in one transaction (or, when that fails, one transaction per organization, so
   * that one bad organization cannot stop the others); then the unchanged organizations with
   * one update, and the outcomes.
   */
  private async write(batch: readonly Item[], unchanged: readonly { index: number; f: Fetched }[]): Promise<void> {
    const { ctx } = this;
    // One instant for the whole batch: its organizations are committed together. (Distinct
    // last_success values per organization also cost queries that decorrelate on them.)
    const ts = ctx.now();
    const loads: { item: Extract<Item, { kind: 'load' }>; load: OrgLoad; o: OrgOutcome; counts: LoadCounts }[] = [];
    const stages: Extract<Item, { kind: 'stage' }>[] = [];
    for (const item of batch) {
      if (item.kind === 'stage') {
        stages.push(item);
        continue;
      }
      const tally = tallyOf(item.v);
      const counts = countsOf(tally);
      const message = [failedTabsMessage(tally, ctx.stored.get(item.f.entry.code)), ...item.f.notes].filter((x) => x !== null).join('; ') || null;
      // Why an unchanged sheet was read says something of this run only, not of the data kept.
      const said = [item.f.reread ?? null, message].filter((x) => x !== null).join('; ') || null;
      const res = item.f.res!;
      const o: OrgOutcome = {
        ...outcome(item.f.entry.code, 'ok', said, Date.now() - item.f.t0, res.requests, res.retries),
        ...(item.f.reread ? { reread: item.f.reread } : {}),
        ...(item.f.titles ? { tabTitles: item.f.titles } : {}),
        rowsLoaded: counts.rowsLoaded,
        rowsQuarantined: counts.rowsQuarantined,
        warnings: counts.warnings,
      };
      loads.push({
        item,
        load: { v: item.v, state: { version: res.version, now: isoTs(ts), today: isoDay(ts), message, ...(item.f.columns ? { columns: item.f.columns } : {}), ...(item.f.gids ? { gids: item.f.gids } : {}), ...(item.f.spreadsheetId ? { spreadsheetId: item.f.spreadsheetId } : {}) } },
        o,
        counts,
      });
    }
    const still = unchanged.map(({ index, f }) => ({
      index,
      o: { ...outcome(f.entry.code, 'unchanged', f.reread ?? null, Date.now() - f.t0, f.res!.requests, f.res!.retries), ...(f.reread ? { reread: f.reread } : {}) },
    }));
    const markUnchanged = async (w: Writer) => {
      if (!unchanged.length) return;
      await markUnchangedOrgs(w, unchanged.map((u) => u.f.entry.code), isoTs(ctx.now()));
    };
    // Everything of the batch in one transaction, with the outcomes recorded so far: one
    // commit per batch (DuckDB checkpoints at a commit, off the JavaScript thread).
    const waiting = this.records;
    this.records = [];
    const recorded = [...waiting, ...loads.map(({ o, counts }) => ({ o, counts })), ...still.map(({ o }) => ({ o, counts: null }))];
    let written = false;
    try {
      await ctx.db.write((w) =>
        loadOrgs(w, ctx.runId, loads.map((l) => l.load), stages.map((s) => s.stage), ctx.present, async () => {
          await markUnchanged(w);
          await insertRecords(w, ctx.runId, recorded);
        }),
      );
      written = true;
    } catch {
      // retried one by one below, where the failing organization is found and named
    }
    if (written) {
      if (loads.length) ctx.db.bumpDataVersion();
      for (const { item, o } of loads) ctx.report(item.index, o);
      for (const s of stages) this.deferred.push({ index: s.index, f: s.f, rows: s.rows });
      for (const { index, o } of still) ctx.report(index, o);
      return;
    }
    this.records.unshift(...waiting);
    for (const { item, load, o } of loads) {
      try {
        const c = await ctx.db.write((w) => loadOrg(w, ctx.runId, load.v, load.state, ctx.present));
        ctx.db.bumpDataVersion();
        this.done(item.index, o, c);
      } catch (e) {
        await this.fail(item.index, item.f, `ошибка загрузки в базу: ${(e as Error).message}`, o.requests, o.retries);
      }
    }
    for (const s of stages) {
      try {
        await ctx.db.write((w) => loadOrgs(w, ctx.runId, [], [s.stage]));
        this.deferred.push({ index: s.index, f: s.f, rows: s.rows });
      } catch (e) {
        await this.fail(s.index, s.f, `ошибка загрузки в базу: ${(e as Error).message}`, s.f.res!.requests, s.f.res!.retries);
      }
    }
    await ctx.db.write((w) => markUnchanged(w));
    for (const { index, o } of still) this.done(index, o, null);
    await this.flushRecords();
  }

  private async flushRecords(): Promise<void> {
    const records = this.records;
    this.records = [];
    await recordOrgs(this.ctx.db, this.ctx.runId, records);
  }

  private done(index: number, o: OrgOutcome, counts: LoadCounts | null): void {
    this.records.push({ o, counts });
    this.ctx.report(index, o);
  }

  private async fail(index: number, f: Fetched, reason: string, requests: number, retries: number): Promise<void> {
    const message = failureMessage(reason, this.ctx.everLoaded.has(f.entry.code));
    await markFailed(this.ctx.db, this.ctx.runId, f.entry.code, message, this.ctx.now());
    this.done(index, outcome(f.entry.code, 'failed', message, Date.now() - f.t0, requests, retries), null);
  }

  /** The shrink guard (sync/guard.ts): holds the organization and reports it when a tab would lose more than half of its rows. */
  private async holdIfShrinking(index: number, f: Fetched, v: PackedOrg): Promise<boolean> {
    const { ctx } = this;
    const code = f.entry.code;
    const t = tallyOf(v);
    const shrinking = ctx.accepted.has(code) ? [] : tabShrinks(t, ctx.stored.get(code));
    if (shrinking.length === 0 && !f.heldTeachers) {
      // Loaded: a tab emptied below the hold's threshold is still said (guard.ts emptiedTabs).
      if (!ctx.accepted.has(code)) v.issues.push(...emptiedTabs(t, ctx.stored.get(code)));
      return false;
    }
    const replaced = f.replaced;
    const message = holdMessage(code, shrinking, replaced);
    const title = t.tabs.get('teachers')?.title ?? 'Педагоги';
    await holdOrg(ctx.db, ctx.runId, code, message, holdIssues(code, shrinking, replaced ? { r: replaced, title } : null), ctx.now());
    this.done(index, outcome(code, 'held', message, Date.now() - f.t0, f.res!.requests, f.res!.retries), null);
    return true;
  }
}

export const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The organization's state message when some tabs failed as a whole: their stored rows are kept —
 * said only of the tabs that have some (`stored`: the organization's rows per tab before this load).
 */
export function failedTabsMessage(v: OrgTally, stored: Partial<Record<TabKey, number>> = {}): string | null {
  const failed = [...v.tabs.entries()].filter(([, t]) => t.status === 'error');
  if (!failed.length) return null;
  const head =
    failed.length === 1
      ? `лист «${failed[0]![1].title}» не загружен из-за ошибки листа`
      : `листы ${failed.map(([, t]) => `«${t.title}»`).join(', ')} не загружены из-за ошибок листов`;
  const kept = failed.filter(([key]) => (stored[key] ?? 0) > 0).map(([, t]) => `«${t.title}»`);
  const none = failed.filter(([key]) => !((stored[key] ?? 0) > 0)).map(([, t]) => `«${t.title}»`);
  if (!none.length) return `${head}; ${failed.length === 1 ? 'для него' : 'для них'} сохранены данные прошлой загрузки`;
  if (!kept.length) return `${head}; ${failed.length === 1 ? 'его данных' : 'их данных'} в базе ещё нет`;
  const of = (list: string[]) => `${list.length === 1 ? 'листа' : 'листов'} ${list.join(', ')}`;
  return `${head}; для ${of(kept)} сохранены данные прошлой загрузки, данных ${of(none)} в базе ещё нет`;
}

export function outcome(org: string, status: OrgStatus, message: string | null, durationMs: number, requests = 0, retries = 0): OrgOutcome {
  return { org, status, message, rowsLoaded: 0, rowsQuarantined: 0, warnings: 0, requests, retries, durationMs };
}

