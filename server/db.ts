/**
 * One DuckDB instance per process (STYLE: duckdb-node-neo): a write connection used under a
 * mutex for loads and swaps, and a small pool of read connections for queries. Parameters are
 * always bound (`$name`), never pasted into SQL text.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  DuckDBConnection,
  DuckDBInstance,
  DuckDBTypeId,
  LIST,
  VARCHAR,
  listValue,
  type DuckDBAppender,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { createSchema } from './schema.ts';

export type SqlParam = string | number | boolean | null | readonly string[];
export type Row = Record<string, unknown>;

function bind(params: Record<string, SqlParam>): { values: Record<string, DuckDBValue>; types: Record<string, DuckDBType> } {
  const values: Record<string, DuckDBValue> = {};
  const types: Record<string, DuckDBType> = {};
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) {
      values[k] = listValue(v as string[]);
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
  const reader = await conn.runAndReadAll(sql, values, types);
  const rows = reader.getRowObjectsJson() as Row[];
  const big = reader
    .columnTypes()
    .map((t, i) => ({ t, name: reader.columnName(i) }))
    .filter(({ t }) =>
      [DuckDBTypeId.BIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UBIGINT, DuckDBTypeId.DECIMAL].includes(t.typeId),
    )
    .map(({ name }) => name);
  if (big.length) {
    for (const r of rows) for (const name of big) if (r[name] !== null) r[name] = Number(r[name]);
  }
  return rows;
}

/** The DuckDB memory bound unless configured (DUCKDB_MEMORY_LIMIT): the region fits well under it. */
export const DEFAULT_MEMORY_LIMIT = '256MB';

export class Db {
  private readonly pool: DuckDBConnection[] = [];
  private readonly waiting: ((c: DuckDBConnection) => void)[] = [];
  private created = 0;
  private writeQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly maxReaders: number,
  ) {}

  /** Opens (creating the folder and schema if needed) the database file, or `:memory:`. */
  static async open(path: string, opts: { readers?: number; memoryLimit?: string } = {}): Promise<Db> {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    // DuckDB's own default is 80% of the machine's memory, and it keeps what it took as a
    // cache; a server sharing a small machine wants a bound (operators spill to disk past it).
    const instance = await DuckDBInstance.create(path, { memory_limit: opts.memoryLimit ?? DEFAULT_MEMORY_LIMIT });
    const writer = await instance.connect();
    const db = new Db(instance, writer, opts.readers ?? 2);
    await db.write((w) => createSchema(w));
    return db;
  }

  private async acquire(): Promise<DuckDBConnection> {
    const free = this.pool.pop();
    if (free) return free;
    if (this.created < this.maxReaders) {
      this.created++;
      return this.instance.connect();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(c: DuckDBConnection): void {
    const next = this.waiting.shift();
    if (next) next(c);
    else this.pool.push(c);
  }

  /** A read query on a pooled connection. */
  async query(sql: string, params: Record<string, SqlParam> = {}): Promise<Row[]> {
    const c = await this.acquire();
    try {
      return await readRows(c, sql, params);
    } finally {
      this.release(c);
    }
  }

  /** Exclusive use of the write connection; calls are serialized. */
  write<T>(fn: (w: Writer) => Promise<T>): Promise<T> {
    const run = this.writeQueue.then(() => fn(new Writer(this.writer)));
    this.writeQueue = run.catch(() => undefined);
    return run;
  }

  close(): void {
    for (const c of this.pool) c.closeSync();
    this.writer.closeSync();
    this.instance.closeSync();
  }
}

/** The write connection, handed out by Db.write. */
export class Writer {
  constructor(readonly conn: DuckDBConnection) {}

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

  /** Runs fn in one transaction: all or nothing. */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.conn.run('BEGIN TRANSACTION');
    try {
      const out = await fn();
      await this.conn.run('COMMIT');
      return out;
    } catch (e) {
      await this.conn.run('ROLLBACK');
      throw e;
    }
  }
}
