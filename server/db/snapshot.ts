/**
 * The data as it stood after a past sync (issue #20, part 2: `as_of`): a snapshot database
 * attached to the process's DuckDB instance, holding every table a metric reads — the tabs'
 * rows and the service tables as of that run, from the history (history.ts), the contract's
 * lists — and the facts and macros built over them by the same SQL as the live ones
 * (facts.ts `buildFactsOn`). A metric's SQL runs there unchanged (Db.metricQuery with the
 * snapshot's catalog), so a figure as of a run is computed by the very formula that gave it then.
 *
 * DESIGN: a snapshot of a finished run never changes (the history is append-only; compaction
 * keeps what was current at each month's end), so it is built once, on first use, and kept
 * while used: a file in the system's temporary folder (DuckDB can evict its pages, unlike an
 * in-memory database under the memory limit), at most KEEP of them, the least recently used
 * dropped (detached, deleted) once no query reads it. Built on a connection of its own, so a
 * sync's writes never wait for it. Nothing in the names comes from input: the run is an integer.
 */
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { TABS } from '../contract/index.ts';
import { quoteIdent, type Db } from './db.ts';
import { buildFactsOn } from './facts.ts';
import { HISTORY_GENERATION_KEY, STATE_TABLES, orgRangesAsOf, stateAsOf, tabAsOf } from './history.ts';
import { historyTab } from './schema.ts';

/** Builds of one snapshot tried while the history keeps being compacted under them. */
const BUILD_ATTEMPTS = 3;

/**
 * Versions of a tab copied per statement (issue #18: a region's largest tab copied at once held
 * its sorted rows and the new table's ~+80 MB in memory; in ranges of this size ~+40 MB).
 */
const RANGE_ROWS = 20_000;

/** The history's generation (history.ts HISTORY_GENERATION_KEY) in the file's catalog. */
async function generation(conn: DuckDBConnection, main: string): Promise<string> {
  const reader = await conn.runAndReadAll(`SELECT coalesce(max(value), '0') AS g FROM ${main}.main.meta WHERE key = '${HISTORY_GENERATION_KEY}'`);
  return String(reader.getRowObjectsJson()[0]?.g ?? '0');
}

/** Snapshots kept at once: a comparison of two dates and a report need two or three. */
export const KEEP = 3;

/**
 * How long a snapshot nobody reads stays attached (issue #18): then it is detached, and DuckDB
 * frees its pages (~40 MB at region scale); the file stays, and the next `as_of` query attaches
 * it again in a few milliseconds. The queries of one page, or of one report, come well within it.
 */
export const IDLE_MS = 1_000;

/** Tests change them. */
export interface SnapshotOptions {
  keep?: number;
  idleMs?: number;
  rangeRows?: number;
}

interface Entry {
  run: number;
  catalog: string;
  file: string;
  /** Built (the build leaves it attached). */
  ready: Promise<void>;
  /** Attached, or being attached, now: null when detached. */
  attached: Promise<void> | null;
  /** The last attach or detach: the next one waits for it. */
  op: Promise<void>;
  idle: ReturnType<typeof setTimeout> | undefined;
  users: number;
  lastUsed: number;
}

const quote = quoteIdent;
let sequence = 0;

export class Snapshots {
  private readonly entries = new Map<number, Entry>();
  private closed = false;
  /** Snapshots built so far (tests). */
  built = 0;
  /** Times a built snapshot was attached again after being idle (tests). */
  reattached = 0;

  private readonly keep: number;
  private readonly idleMs: number;
  private readonly rangeRows: number;

  constructor(
    private readonly db: Db,
    opts: SnapshotOptions = {},
  ) {
    this.keep = opts.keep ?? KEEP;
    this.idleMs = opts.idleMs ?? IDLE_MS;
    this.rangeRows = opts.rangeRows ?? RANGE_ROWS;
    db.onClose(() => this.close());
    removeOrphans();
  }

  /** Runs `fn` with the catalog of the snapshot of run `run`, built first when needed; kept while `fn` runs. */
  async use<T>(run: number, fn: (catalog: string) => Promise<T>, again = true): Promise<T> {
    if (!Number.isInteger(run) || run < 0) throw new Error(`snapshot: bad run ${run}`);
    let e = this.entries.get(run);
    if (!e) {
      const catalog = `snap_${process.pid}_${++sequence}_r${run}`;
      const file = join(tmpdir(), `${catalog}.duckdb`);
      const entry: Entry = { run, catalog, file, users: 0, lastUsed: Date.now(), ready: Promise.resolve(), attached: null, op: Promise.resolve(), idle: undefined };
      entry.ready = entry.attached = this.build(entry);
      entry.op = entry.ready.catch(() => undefined);
      this.entries.set(run, entry);
      e = entry;
      // A build that failed is not kept: the next request builds again.
      entry.ready.catch(() => this.forget(entry));
    }
    const entry = e;
    entry.users++;
    entry.lastUsed = Date.now();
    clearTimeout(entry.idle);
    let lost = false;
    try {
      await entry.ready;
      try {
        await this.attach(entry);
      } catch (err) {
        // Its file went while it was detached (a cleaner of the temporary folder): built again
        // for this very request (attach forgot it), once.
        if (!again || this.closed) throw err;
        lost = true;
      }
      if (!lost) return await fn(entry.catalog);
    } finally {
      entry.users--;
      if (entry.users === 0 && this.entries.get(entry.run) === entry) {
        entry.idle = setTimeout(() => this.detach(entry), this.idleMs);
        entry.idle.unref?.();
      }
      this.evict();
    }
    return this.use(run, fn, false);
  }

  /** Attaches a built snapshot detached while idle (read only: it never changes). */
  private async attach(e: Entry): Promise<void> {
    if (!e.attached) {
      const attached = (e.op = e.op.then(async () => {
        await this.withConnection((conn) => conn.run(`ATTACH '${e.file.replaceAll("'", "''")}' AS ${quote(e.catalog)} (READ_ONLY)`));
        this.reattached++;
      }));
      e.attached = attached;
      // The file is gone (a cleaner of the temporary folder) or broken: the next request builds it again.
      attached.catch(() => this.forget(e));
    }
    await e.attached;
  }

  /** Detaches a snapshot nobody has read for `idleMs`: its pages are freed, its file kept. */
  private detach(e: Entry): void {
    if (e.users > 0 || !e.attached || this.closed || this.entries.get(e.run) !== e) return;
    e.attached = null;
    e.op = e.op
      .then(() => this.withConnection((conn) => conn.run(`DETACH DATABASE IF EXISTS ${quote(e.catalog)}`)))
      .catch(() => {
        // Still attached (a connection reading it, the database closing): kept as it is.
        e.attached ??= Promise.resolve();
      });
  }

  /** Forgets a snapshot that failed (built or attached): detached, its file deleted. */
  private forget(e: Entry): void {
    if (this.entries.get(e.run) === e) this.entries.delete(e.run);
    clearTimeout(e.idle);
    void this.drop(e);
  }

  private async withConnection(fn: (conn: DuckDBConnection) => Promise<unknown>): Promise<void> {
    const conn = await this.db.instance.connect();
    try {
      await fn(conn);
    } finally {
      conn.closeSync();
    }
  }

  private async build(e: Entry): Promise<void> {
    const conn = await this.db.instance.connect();
    try {
      const main = quote(this.db.catalog);
      await conn.run(`ATTACH '${e.file.replaceAll("'", "''")}' AS ${quote(e.catalog)}`);
      await conn.run(`USE ${quote(e.catalog)}`);
      // Each table in a transaction of its own (issue #18: the whole copy in one transaction
      // held it all in DuckDB's memory until the commit — ~230 MB at region scale; one table's
      // now). What stood after a finished run is what its history says whatever a sync appends
      // meanwhile; only a compaction or a clearing (history.ts) changes it, and they count
      // themselves: the tables are read again when one happened during the build.
      for (let attempt = 1; ; attempt++) {
        const before = await generation(conn, main);
        for (const tab of TABS) {
          const h = historyTab(tab);
          await conn.run(`CREATE OR REPLACE TABLE ${quote(tab.key)} AS ${tabAsOf(h, main, e.run)} WITH NO DATA`);
          // Range by range in code order, each sorted: the sheet's order, as one sorted copy.
          const insert = `INSERT INTO ${quote(tab.key)} ${tabAsOf(h, main, e.run, true)}`;
          for (const [lo, hi] of await orgRangesAsOf(conn, h, main, e.run, this.rangeRows)) await conn.run(insert, { lo, hi });
        }
        for (const t of STATE_TABLES) await conn.run(`CREATE OR REPLACE TABLE ${t} AS ${stateAsOf(t, main, e.run)}`);
        for (const t of ['categories', 'enum_order', 'order_items']) await conn.run(`CREATE OR REPLACE TABLE ${t} AS SELECT * FROM ${main}.main.${t}`);
        if ((await generation(conn, main)) === before) break;
        if (attempt === BUILD_ATTEMPTS) throw new Error(`снимок синхронизации № ${e.run}: история строк менялась во время сборки (${BUILD_ATTEMPTS} попытки)`);
      }
      // The tables committed before the facts: fact_people keys teachers by rowid, final only then.
      await buildFactsOn(conn);
      // Written into the file now, not when it is first detached (under other queries).
      await conn.run(`CHECKPOINT ${quote(e.catalog)}`);
      this.built++;
    } finally {
      try {
        await conn.run(`USE ${quote(this.db.catalog)}`);
      } catch {
        // the connection is closed below anyway
      }
      conn.closeSync();
    }
  }

  /** Drops the least recently used snapshots beyond `keep` that nobody reads. */
  private evict(): void {
    if (this.entries.size <= this.keep) return;
    const idle = [...this.entries.values()].filter((e) => e.users === 0).sort((a, b) => a.lastUsed - b.lastUsed);
    for (const e of idle) {
      if (this.entries.size <= this.keep) break;
      this.entries.delete(e.run);
      clearTimeout(e.idle);
      // After its build and its last attach or detach (drop waits for them).
      void this.drop(e);
    }
  }

  /** Detaches a snapshot (after its last attach or detach) and deletes its file. */
  private async drop(e: Entry): Promise<void> {
    await e.op.catch(() => undefined);
    // The database closed meanwhile: close() removed the files of the snapshots kept, not this one's.
    if (this.closed) return removeFiles(e.file);
    try {
      await this.withConnection((conn) => conn.run(`DETACH DATABASE IF EXISTS ${quote(e.catalog)}`));
    } catch {
      // the database is closing: the files go below
    }
    removeFiles(e.file);
  }

  /** How many snapshots are kept now (tests). */
  get size(): number {
    return this.entries.size;
  }

  private close(): void {
    this.closed = true;
    for (const e of this.entries.values()) {
      clearTimeout(e.idle);
      removeFiles(e.file);
    }
    this.entries.clear();
  }
}

/** Snapshot files a process that is gone left behind (killed before it could remove them). */
function removeOrphans(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^snap_(\d+)_\d+_r\d+\.duckdb(\.wal)?$/.exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch (e) {
      // ESRCH: no such process — its file is nobody's; EPERM: another user's live process.
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') rmSync(join(tmpdir(), name), { force: true });
    }
  }
}

function removeFiles(file: string): void {
  for (const f of [file, `${file}.wal`]) rmSync(f, { force: true });
}

const perDb = new WeakMap<Db, Snapshots>();

/** The snapshots of this database (one manager per Db; `opts` count when it is made). */
export function snapshotsOf(db: Db, opts: SnapshotOptions = {}): Snapshots {
  let s = perDb.get(db);
  if (!s) perDb.set(db, (s = new Snapshots(db, opts)));
  return s;
}
