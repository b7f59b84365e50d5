/**
 * One DuckDB instance per process (STYLE: duckdb-node-neo): a write connection used under a
 * mutex for loads and swaps, and two small pools ("lanes") of read connections: one for the
 * short queries every request makes (`query`: session lookups, lists), one for metric
 * computations (`metricQuery`: heavy, interruptible), so that heavy metrics can never take the
 * connections a login or a page needs (issue #17). Parameters are always bound (`$name`),
 * never pasted into SQL text.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  DuckDBConnection,
  DuckDBInstance,
  LIST,
  VARCHAR,
  listValue,
  type DuckDBAppender,
  type DuckDBMaterializedResult,
  type DuckDBPreparedStatement,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { readColumns } from './columns.ts';

/** How long a data commit waits for the consistent reads under way (Db.commitData), ms. */
const CONSISTENT_WAIT_MS = 2_000;

export type SqlParam = string | number | boolean | null | readonly (string | null)[];
export type Row = Record<string, unknown>;

function bind(params: Record<string, SqlParam>): { values: Record<string, DuckDBValue>; types: Record<string, DuckDBType> } {
  const values: Record<string, DuckDBValue> = {};
  const types: Record<string, DuckDBType> = {};
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) {
      values[k] = listValue(v as (string | null)[]);
      types[k] = LIST(VARCHAR);
    } else if (v === null) {
      values[k] = null;
      types[k] = VARCHAR;
    } else {
      values[k] = v as string | number | boolean;
    }
  }
  return { values, types };
}

/** Rows as plain JSON values: dates as `YYYY-MM-DD`, 64/128-bit integers as numbers. */
async function readRows(conn: DuckDBConnection, sql: string, params: Record<string, SqlParam> = {}): Promise<Row[]> {
  const { values, types } = bind(params);
  return rowObjects(await conn.run(sql, values, types));
}

/**
 * Prepared statements of a metric-lane connection, by SQL text (issue #18). A metric's SQL is
 * one of a few dozen files, run over and over with other parameters: prepared once per
 * connection and bound again, it skips the parse and part of the planning — 10–30% of a cold
 * metric at region scale (`engagement` 11.9 → 7.9 ms, `qualification_growth` 25.5 → 21.0).
 * DuckDB binds a prepared statement again by itself when a table it reads was replaced (the
 * facts are, by every sync), so an answer never reads a table that is gone.
 */
const prepared = new WeakMap<DuckDBConnection, Map<string, DuckDBPreparedStatement>>();
/** Statements kept per connection (the metric files and lists are far fewer). */
const PREPARED_MAX = 64;

/** `readRows` through the connection's prepared statement of `sql`. */
async function readPrepared(conn: DuckDBConnection, sql: string, params: Record<string, SqlParam>): Promise<Row[]> {
  let kept = prepared.get(conn);
  let st = kept?.get(sql);
  if (!st) {
    // Past the bound, the connection starts over (the statements in use are the few that come back).
    if (kept && kept.size >= PREPARED_MAX) {
      forgetPrepared(conn);
      kept = undefined;
    }
    st = await conn.prepare(sql);
    if (!kept) prepared.set(conn, (kept = new Map()));
    kept.set(sql, st);
  }
  const { values, types } = bind(params);
  st.clearBindings();
  st.bind(values, types);
  return rowObjects(await st.run());
}

/** Drops a connection's prepared statements (after an interrupt, before it closes). */
function forgetPrepared(conn: DuckDBConnection): void {
  const kept = prepared.get(conn);
  if (!kept) return;
  prepared.delete(conn);
  for (const st of kept.values()) {
    try {
      st.destroySync();
    } catch {
      // a statement of a broken connection: nothing more to do
    }
  }
}

/**
 * The rows as `getRowObjectsJson` gives them, with 64/128-bit integers and decimals as numbers:
 * the columns read from DuckDB's vectors (columns.ts — a regional answer of thousands of rows in a
 * fraction of the driver's time, issue #18).
 */
function rowObjects(result: DuckDBMaterializedResult): Row[] {
  const count = result.rowCount;
  if (count === 0) return [];
  const names = result.deduplicatedColumnNames();
  const chunks = Array.from({ length: result.chunkCount }, (_, i) => result.getChunk(i));
  const columns = readColumns(chunks, result.columnTypes());
  const rows: Row[] = new Array(count);
  for (let r = 0; r < count; r++) {
    const row: Row = {};
    for (let c = 0; c < names.length; c++) row[names[c]!] = columns[c]![r];
    rows[r] = row;
  }
  return rows;
}

/** The database file cannot take writes (Db.write): its message is for the coordinator. */
export class StorageError extends Error {}

/**
 * A failed write of the database file in words a coordinator can act on (DuckDB says it in
 * English, inside its own text: «Failed to commit: … No space left on device»); null when the
 * error is something else. What was committed before stays.
 */
export function storageProblem(e: unknown): string | null {
  if (e instanceof StorageError) return e.message;
  const m = e instanceof Error ? e.message : String(e);
  // After a failed write DuckDB refuses every later one until the process restarts.
  if (/database has been invalidated/i.test(m)) {
    return 'база данных остановлена после неудачной записи (например, когда кончилось место на диске): перезапустите сервер (освободив место, если его нет) — уже записанные данные не потеряны';
  }
  if (/No space left on device|Disk full|ENOSPC/i.test(m)) return 'на диске нет места для файла базы данных (MONITOR_DB): освободите место и повторите — уже записанные данные не потеряны';
  if (/Permission denied|Operation not permitted|Read-only file system|EACCES|EPERM|EROFS/i.test(m)) {
    return 'нет прав на запись в файл базы данных (MONITOR_DB) или в его папку: проверьте права — уже записанные данные не потеряны';
  }
  return null;
}

/** The DuckDB memory bound unless configured (DUCKDB_MEMORY_LIMIT): the region fits well under it (128MB saved the sync ~60 MB of RSS but ran the dashboard's burst of queries out of memory: issue #18). */
export const DEFAULT_MEMORY_LIMIT = '256MB';

/**
 * DuckDB's threads for one query unless configured (DUCKDB_THREADS). Requests already run side
 * by side, each on a connection of its own and a libuv thread of its own; inside one query DuckDB
 * splits work by row group (~122,000 rows), and the region's largest table holds ~100,000. Its
 * own default (a thread per core) only added coordination: on the 2-core bench machine, 1
 * thread gave the same or faster metrics (raw SQL p50 at 1,000 organizations 8.3 against 9.9 ms,
 * `compliance` 14.8 against 17.3), the load 38,600 against 37,600 rows/s (5% bad rows 34,300
 * against 27,300), the sync's peak RSS 456 against 514 MB, and the test suite's database-bound
 * files 15% less CPU.
 */
export const DEFAULT_THREADS = 1;

/** What a lane holds at a moment (tests and diagnostics). */
export interface LaneStats {
  /** The most connections the lane opens. */
  size: number;
  /** Connections open now (idle + busy). */
  open: number;
  idle: number;
  busy: number;
  /** Queries waiting for a connection. */
  waiting: number;
  /** Queries interrupted so far (their deadline passed). */
  interrupted: number;
  /** Connections closed so far because they did not answer after an interrupt. */
  discarded: number;
}

interface Waiter {
  resolve: (c: DuckDBConnection) => void;
  reject: (e: unknown) => void;
}

/**
 * A pool of read connections, opened on demand up to `size`; a query waits its turn (first
 * come, first served) when all are busy. A waiter whose signal aborts leaves the queue.
 */
class Lane {
  private readonly idle: DuckDBConnection[] = [];
  private readonly waiting: Waiter[] = [];
  private open = 0;
  interrupted = 0;
  private discarded = 0;

  constructor(
    private readonly instance: DuckDBInstance,
    readonly size: number,
  ) {}

  async acquire(signal?: AbortSignal): Promise<DuckDBConnection> {
    signal?.throwIfAborted();
    const free = this.idle.pop();
    if (free) return free;
    if (this.open < this.size) {
      this.open++;
      try {
        return await this.instance.connect();
      } catch (e) {
        this.open--;
        throw e;
      }
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (c) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(c);
        },
        reject,
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  release(c: DuckDBConnection): void {
    const next = this.waiting.shift();
    if (next) next.resolve(c);
    else this.idle.push(c);
  }

  /** Closes a connection that cannot be trusted any more; the lane opens a new one when needed. */
  discard(c: DuckDBConnection): void {
    this.open--;
    this.discarded++;
    try {
      c.closeSync();
    } catch {
      // closing a broken connection: nothing more to do
    }
    // Someone waiting gets a fresh connection instead.
    const next = this.waiting.shift();
    if (next) {
      this.open++;
      this.instance.connect().then(next.resolve, (e: unknown) => {
        this.open--;
        next.reject(e);
      });
    }
  }

  stats(): LaneStats {
    return {
      size: this.size,
      open: this.open,
      idle: this.idle.length,
      busy: this.open - this.idle.length,
      waiting: this.waiting.length,
      interrupted: this.interrupted,
      discarded: this.discarded,
    };
  }

  close(): void {
    for (const c of this.idle) c.closeSync();
    this.idle.length = 0;
  }
}

/** How often an interrupted query is interrupted again until it stops (a query still being prepared misses the first one). */
const REINTERRUPT_MS = 50;

export interface DbOptions {
  readers?: number;
  metricReaders?: number;
  memoryLimit?: string;
  /** DuckDB's threads (DUCKDB_THREADS); default DEFAULT_THREADS. */
  threads?: number;
}

/** A name (table, column, catalog) quoted for SQL: the names are the program's own, never input. */
export const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** A moment as the text a TIMESTAMP column takes (UTC, `YYYY-MM-DD HH:MM:SS.mmm`). */
export const isoTs = (d: Date): string => d.toISOString().replace('T', ' ').replace('Z', '');

/** A metric request's time on the metric lane (`metricQuery`), by its signal: queries running now, since when, and the time before. */
interface Computing {
  running: number;
  since: number;
  ms: number;
}
const computing = new WeakMap<AbortSignal, Computing>();

/**
 * How long queries of the request with this signal have run on the metric lane (at least one of
 * them at a time), as opposed to waiting — for its account's turn, a connection, an answer
 * another request computes: a deadline spent mostly waiting is the server's queue, not the
 * request's size (a request told to narrow its period had waited most of its minute between its
 * queries: an acceptance run).
 */
export function metricComputeMs(signal: AbortSignal): number {
  const c = computing.get(signal);
  if (!c) return 0;
  return c.ms + (c.running > 0 ? performance.now() - c.since : 0);
}

function computeBegins(signal: AbortSignal): void {
  const c = computing.get(signal) ?? { running: 0, since: 0, ms: 0 };
  if (c.running++ === 0) c.since = performance.now();
  computing.set(signal, c);
}

function computeEnds(signal: AbortSignal): void {
  const c = computing.get(signal);
  if (!c || c.running === 0) return;
  if (--c.running === 0) c.ms += performance.now() - c.since;
}

export class Db {
  /** Short queries every request needs (session lookups, lists, registers): never waits behind a metric. */
  private readonly light: Lane;
  /** Metric computations (`metricQuery`): heavy, bounded in time, never holding up the light lane. */
  private readonly metric: Lane;
  private writeQueue: Promise<unknown> = Promise.resolve();
  private version = 0;

  private readonly closers: (() => void)[] = [];

  private constructor(
    readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    lanes: { readers: number; metricReaders: number },
    /** The name DuckDB gives the database file's catalog (its file name without the extension; `memory`). */
    readonly catalog: string,
    /** The database file and its identity when opened (null: in memory): see `write`. */
    private readonly file: { path: string; dev: number; ino: number } | null = null,
  ) {
    this.light = new Lane(instance, lanes.readers);
    this.metric = new Lane(instance, lanes.metricReaders);
  }

  /**
   * Connects to the database file (creating its folder), or `:memory:`, as it is: no schema.
   * The application opens it through `openDatabase` (schema.ts), which runs the migration step.
   * `readers`: connections of the light lane (`query`); `metricReaders`: of the metric lane
   * (`metricQuery`); 2 each by default — each running query holds one of libuv's 4 threads.
   */
  static async connect(path: string, opts: DbOptions = {}): Promise<Db> {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    // DuckDB's own default is 80% of the machine's memory, and it keeps what it took as a
    // cache; a server sharing a small machine wants a bound (operators spill to disk past it).
    const instance = await DuckDBInstance.create(path, { memory_limit: opts.memoryLimit ?? DEFAULT_MEMORY_LIMIT, threads: String(opts.threads ?? DEFAULT_THREADS) });
    const writer = await instance.connect();
    // Every moment in the database is UTC (isoTs): DuckDB's own clock too, whatever the server's
    // zone. It followed TZ, so `now()::TIMESTAMP` wrote the action log in local time — 8 hours
    // ahead in Sayansk, and «Изменения с последнего отчёта» missed the changes of those hours
    // (an acceptance run). Every connection of the instance takes the global setting.
    await writer.run(`SET GLOBAL TimeZone = 'UTC'`);
    const [row] = (await writer.runAndReadAll('SELECT current_database() AS name')).getRowObjectsJson();
    const st = path === ':memory:' ? null : statSync(path);
    return new Db(instance, writer, { readers: opts.readers ?? 2, metricReaders: opts.metricReaders ?? 2 }, String(row!.name), st ? { path, dev: st.dev, ino: st.ino } : null);
  }

  /** A read query on the light lane: short queries only (metrics go through `metricQuery`). */
  async query(sql: string, params: Record<string, SqlParam> = {}): Promise<Row[]> {
    const c = await this.light.acquire();
    try {
      return await readRows(c, sql, params);
    } finally {
      this.light.release(c);
    }
  }

  /**
   * A read query on the metric lane. When `signal` aborts — while the query waits for a
   * connection or while DuckDB runs it — the query is interrupted and the promise rejects with
   * `signal.reason`; the connection is checked (`SELECT 1`) before it goes back to the lane,
   * and closed instead if it does not answer.
   *
   * `catalog`: another database attached to this instance (a snapshot of the data as of a past
   * sync, snapshot.ts) that the query's unqualified names read instead of the file's; the
   * connection reads the file's again before it goes back to the lane.
   */
  async metricQuery(sql: string, params: Record<string, SqlParam> = {}, signal?: AbortSignal, catalog?: string): Promise<Row[]> {
    const c = await this.metric.acquire(signal);
    // The request computes now (metrics/limits.ts: a deadline spent mostly otherwise tells «busy», not «too long»).
    if (signal) computeBegins(signal);
    if (catalog !== undefined) {
      try {
        await c.run(`USE ${quoteIdent(catalog)}`);
      } catch (e) {
        this.metric.release(c);
        throw e;
      }
    }
    let interrupted = false;
    let again: ReturnType<typeof setInterval> | undefined;
    const interrupt = () => {
      interrupted = true;
      this.metric.interrupted++;
      c.interrupt();
      again = setInterval(() => c.interrupt(), REINTERRUPT_MS);
    };
    signal?.addEventListener('abort', interrupt, { once: true });
    try {
      signal?.throwIfAborted();
      // A snapshot's catalog: a statement of its own (the kept ones read the file's tables).
      const rows = catalog === undefined ? await readPrepared(c, sql, params) : await readRows(c, sql, params);
      // Aborted while the last rows were read: the answer is late, and the caller has gone.
      signal?.throwIfAborted();
      return rows;
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      throw e;
    } finally {
      if (signal) computeEnds(signal);
      signal?.removeEventListener('abort', interrupt);
      clearInterval(again);
      if (interrupted || catalog !== undefined) await this.recover(c, catalog !== undefined);
      else this.metric.release(c);
    }
  }

  /** Runs `fn` when the database closes (before its connections do): what was attached to it goes with it. */
  onClose(fn: () => void): void {
    this.closers.push(fn);
  }

  /**
   * A connection back into the metric lane once it answers again (after an interrupt) and reads
   * the file's catalog (after a query in another one); closed otherwise.
   */
  private async recover(c: DuckDBConnection, switched: boolean): Promise<void> {
    // An interrupted statement is not reused: prepared again on the next use.
    if (!switched) forgetPrepared(c);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        if (switched) await c.run(`USE ${quoteIdent(this.catalog)}`);
        else await readRows(c, 'SELECT 1 AS ok');
        this.metric.release(c);
        return;
      } catch {
        // a late interrupt can hit the check itself: try once more
      }
    }
    this.metric.discard(c);
  }

  /** The connections of both lanes, now. */
  lanes(): { light: LaneStats; metric: LaneStats } {
    return { light: this.light.stats(), metric: this.metric.stats() };
  }

  /**
   * The version of the data: bumped by every write that changed what an answer shows (a swap of
   * an organization's rows, a sync's end, organizations marked stale). Cached answers
   * (metrics/cache.ts) and prepared matchings are keyed by it, so none is older than the data.
   * Per database: two databases in one process never share it.
   */
  get dataVersion(): number {
    return this.version;
  }

  /** Reads under way that must see one state of the data (`consistently`). */
  private consistentReads = 0;
  /** Wakes a data commit waiting for the consistent reads to end. */
  private readsEnded: (() => void)[] = [];
  /** A data commit (a transaction's COMMIT) waiting or running: consistent reads wait for it. */
  private dataCommit: Promise<void> | null = null;

  /**
   * Runs `fn` — reads that must all see one state of the data, through any lane or the metric
   * cache (a comparison's two periods, a workbook's sheets) — with no data commit in between: a
   * transaction's COMMIT waits for it (`commitData`), and it waits for a COMMIT under way and the
   * version that COMMIT moves on. A sync committing between the two periods gave a change that
   * was the sync's, not the periods' (an outside review, after a check of the data version alone
   * still let a few through: the version moved on only after the COMMIT's answer reached
   * JavaScript, and a query started in between already read the new data).
   */
  async consistently<T>(fn: () => Promise<T>): Promise<T> {
    // Not nested: a read inside one (a workbook's comparison sheets) is part of it — a second
    // would wait for a commit that waits for the first (export.ts reads them inside its own).
    while (this.dataCommit) await this.dataCommit;
    this.consistentReads++;
    try {
      return await fn();
    } finally {
      if (--this.consistentReads === 0) for (const wake of this.readsEnded.splice(0)) wake();
    }
  }

  /**
   * A transaction's COMMIT (Writer.transaction): announced first (new consistent reads wait), run
   * once the consistent reads under way are over — or after CONSISTENT_WAIT_MS, so that a read
   * that itself waits for a write (a past sync's snapshot being built) can never hold a sync —
   * and the data version moved on before the reads may go on.
   */
  async commitData<T>(commit: () => Promise<T>): Promise<T> {
    let done!: () => void;
    this.dataCommit = new Promise<void>((resolve) => (done = resolve));
    try {
      if (this.consistentReads > 0) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          new Promise<void>((resolve) => this.readsEnded.push(resolve)),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, CONSISTENT_WAIT_MS))),
        ]);
        clearTimeout(timer);
      }
      const out = await commit();
      this.bumpDataVersion();
      return out;
    } finally {
      this.dataCommit = null;
      done();
    }
  }

  /** A sync run's end while it is being committed: readers of `as_of` wait for it (`ending`). */
  private runEnding: Promise<void> | null = null;

  /**
   * Commits the end of a sync run (`commit`, on the write connection) and, until it is visible
   * to readers, has `runEndVisible` wait for it: a moment at or after the run's finish time then
   * always stands for that run — never the run before it for as long as the commit takes, and
   * that run again later (issue #20: a report made with `as_of` must be reproducible).
   */
  async endingRun<T>(commit: () => Promise<T>): Promise<T> {
    let visible!: () => void;
    this.runEnding = new Promise<void>((done) => (visible = done));
    try {
      // A reader that did not wait asked for a moment no later than this millisecond: the finish
      // time is taken in a later one, so that moment stands for the run before, now and later.
      const set = Date.now();
      while (Date.now() <= set) await new Promise((r) => setTimeout(r, 1));
      return await commit();
    } finally {
      this.runEnding = null;
      visible();
    }
  }

  /** Resolves once the end of a sync run being committed now, if any, is visible to readers. */
  runEndVisible(): Promise<void> {
    return this.runEnding ?? Promise.resolve();
  }

  /** A write changed the data: answers cached before it are old from now on. Returns the new version. */
  bumpDataVersion(): number {
    return ++this.version;
  }

  /**
   * Exclusive use of the write connection; calls are serialized. The database file must still be
   * the one opened: removed or replaced under a running process (its folder deleted, another
   * file moved in its place), DuckDB would go on writing into the file it holds open — which
   * nobody will ever read again — and every write would look saved. (A backup copied over it
   * with `cp` is the same file, rewritten: that cannot be told from here — stop the server
   * before restoring one.)
   */
  write<T>(fn: (w: Writer) => Promise<T>): Promise<T> {
    const run = this.writeQueue.then(() => {
      this.checkFile();
      return fn(new Writer(this.writer, this));
    });
    this.writeQueue = run.catch(() => undefined);
    return run;
  }

  /**
   * Why the database cannot serve now, in words (storageProblem's), or null: the file is still the
   * one opened and a query on the light lane answers. For GET /api/health.
   */
  async problem(): Promise<string | null> {
    try {
      this.checkFile();
      await this.query('SELECT 1 AS ok');
      return null;
    } catch (e) {
      return storageProblem(e) ?? `база данных не отвечает: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  private checkFile(): void {
    if (this.file === null) return;
    let st: { dev: number; ino: number };
    try {
      st = statSync(this.file.path);
    } catch {
      throw new StorageError(`файл базы данных ${this.file.path} (MONITOR_DB) удалён, пока программа работала: записи в него не сохраняются — перезапустите сервер`);
    }
    if (st.dev !== this.file.dev || st.ino !== this.file.ino) {
      throw new StorageError(`файл базы данных ${this.file.path} (MONITOR_DB) заменён другим, пока программа работала: записи не сохраняются — перезапустите сервер`);
    }
  }

  close(): void {
    for (const fn of this.closers.splice(0)) {
      try {
        fn();
      } catch {
        // closing what was attached: nothing more to do
      }
    }
    this.light.close();
    this.metric.close();
    this.writer.closeSync();
    this.instance.closeSync();
  }
}

/** The write connection, handed out by Db.write. */
export class Writer {
  constructor(
    readonly conn: DuckDBConnection,
    /** The database whose data this connection writes: its commits wait for consistent reads (Db.commitData). */
    private readonly db?: Db,
  ) {}

  async run(sql: string, params: Record<string, SqlParam> = {}): Promise<void> {
    const { values, types } = bind(params);
    await this.conn.run(sql, values, types);
  }

  query(sql: string, params: Record<string, SqlParam> = {}): Promise<Row[]> {
    return readRows(this.conn, sql, params);
  }

  /**
   * Appends rows through one DuckDB appender (the bulk path: no statement per row). `row`
   * appends one item's values in table column order. Appenders take part in the
   * connection's open transaction, if any.
   */
  async appendRows<T>(table: string, items: Iterable<T>, row: (a: DuckDBAppender, item: T) => void, catalog?: 'temp'): Promise<void> {
    const a = catalog ? await this.conn.createAppender(table, 'main', catalog) : await this.conn.createAppender(table);
    try {
      for (const item of items) {
        row(a, item);
        a.endRow();
      }
      a.flushSync();
    } finally {
      a.closeSync();
    }
  }

  /** An appender on `table` (the bulk path, as appendRows): the caller appends, flushes and closes it. */
  appender(table: string, catalog?: 'temp'): Promise<DuckDBAppender> {
    return catalog ? this.conn.createAppender(table, 'main', catalog) : this.conn.createAppender(table);
  }

  /** Runs fn in one transaction: all or nothing. */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.conn.run('BEGIN TRANSACTION');
    try {
      const out = await fn();
      if (this.db) await this.db.commitData(() => this.conn.run('COMMIT'));
      else await this.conn.run('COMMIT');
      return out;
    } catch (e) {
      try {
        await this.conn.run('ROLLBACK');
      } catch {
        // No transaction left to roll back (a COMMIT that failed — a full disk — ends it): the
        // first error is the one that says what happened, not «no transaction is active».
      }
      throw e;
    }
  }
}
