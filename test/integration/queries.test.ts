/**
 * Every query of `queries/` against the schema this program creates (issue #19): each file, and
 * each named statement of a file of statements (`-- name: x`, read by `sqlOf('file#x')`),
 * prepares on a new database — a column renamed in the schema, or a typo in a statement that
 * only an unusual request would run, fails here. The shared macro and fact files (`_*.sql`) run
 * at every start already.
 */
import { copyFileSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { storageProblem } from '../../server/db/db.ts';
import { sqlOf, statementsOf } from '../../server/db/queries.ts';
import { openConfigured } from '../../server/startup.ts';
import { syncProgress, type SyncProgress } from '../../server/sync/progress.ts';
import { runSync } from '../../server/sync/run.ts';
import { baseMunicipality } from '../fixtures/bad/base.ts';
import { createMemorySource } from '../support/memorySource.ts';
import { openTempDb, startServer, type TempDb } from '../support/server.ts';

const QUERIES = fileURLToPath(new URL('../../queries/', import.meta.url));

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.sql') && !n.startsWith('_') ? [p] : [];
  });
}

/** [name as sqlOf takes it, text] of every query and named statement. */
function everyQuery(): [string, string][] {
  return walk(QUERIES).flatMap((file) => {
    const name = relative(QUERIES, file).replace(/\.sql$/, '');
    const named = statementsOf(readFileSync(file, 'utf8'));
    return named.size ? [...named.keys()].map((k): [string, string] => [`${name}#${k}`, sqlOf(`${name}#${k}`)]) : [[name, sqlOf(name)]];
  });
}

describe('queries/', () => {
  let tmp: TempDb;
  beforeAll(async () => {
    tmp = await openTempDb();
    tmp.db.close();
  });
  afterAll(() => tmp.cleanup());

  it('every query and named statement prepares against the schema, and says what it does', async () => {
    const all = everyQuery();
    // The statement files of auth/ (28 and 5 statements) and google/ (4) at least.
    expect(all.filter(([n]) => n.includes('#')).length).toBeGreaterThanOrEqual(28 + 5 + 4);
    const instance = await DuckDBInstance.create(tmp.path);
    const c = await instance.connect();
    const failed: string[] = [];
    const silent: string[] = [];
    try {
      for (const [name, sql] of all) {
        if (!/^--\s*\S/.test(sql)) silent.push(name);
        await c.prepare(sql).catch((e: Error) => failed.push(`${name}: ${e.message.split('\n')[0]}`));
      }
    } finally {
      c.closeSync();
      instance.closeSync();
    }
    expect(failed).toEqual([]);
    expect(silent).toEqual([]);
  });

  it('named statements: one text per name, up to the next name; unknown names and twice-named statements are errors', () => {
    const text = ['-- Header of the file.', '', '-- name: first', '-- The first.', 'SELECT 1;', '', '-- name: second_2', '-- The second.', 'SELECT 2', '  + 3;', ''].join('\n');
    const m = statementsOf(text);
    expect([...m.keys()]).toEqual(['first', 'second_2']);
    expect(m.get('first')).toBe('-- The first.\nSELECT 1;');
    expect(m.get('second_2')).toBe('-- The second.\nSELECT 2\n  + 3;');
    expect(() => statementsOf('-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;')).toThrow(/named twice/);
    expect(() => sqlOf('auth/store#no_such_statement')).toThrow(/no statement no_such_statement/);
    expect(() => sqlOf('../etc/passwd')).toThrow(/not a query name/);
  });
});

describe('DuckDB threads (DUCKDB_THREADS)', () => {
  it('one per query by default; the setting reaches the database an entry point opens', async () => {
    const tmp = await openTempDb();
    const threads = async (db: { query: TempDb['db']['query'] }) => Number((await db.query(`SELECT current_setting('threads') AS n`))[0]!.n);
    try {
      expect(await threads(tmp.db)).toBe(1);
      tmp.db.close();
      // As `npm start` opens it: the settings from the environment (no settings file).
      const saved = { ...process.env };
      Object.assign(process.env, { ENV_FILE: '', MONITOR_DB: tmp.path, DUCKDB_THREADS: '3' });
      try {
        const opened = await openConfigured('');
        expect(opened).not.toBeNull();
        expect(await threads(opened!.db)).toBe(3);
        opened!.db.close();
      } finally {
        for (const k of ['ENV_FILE', 'MONITOR_DB', 'DUCKDB_THREADS']) {
          if (saved[k] === undefined) delete process.env[k];
          else process.env[k] = saved[k];
        }
      }
    } finally {
      rmSync(tmp.dir, { recursive: true, force: true });
    }
  });
});

describe('a write that fails', () => {
  it('tells its own error, not the rollback that had nothing left to roll back; a full disk or no rights is said in Russian', async () => {
    const tmp = await openTempDb();
    try {
      // The transaction ends inside (as a COMMIT that fails on a full disk ends it), then the
      // work fails: the error is the work's — it was «cannot rollback - no transaction is active».
      const failed = tmp.db.write((w) =>
        w.transaction(async () => {
          await w.run('COMMIT');
          throw new Error('Failed to commit: IO Error: Could not write file "m.duckdb.wal": No space left on device');
        }),
      );
      await expect(failed).rejects.toThrow('No space left on device');
      expect(storageProblem(await failed.catch((e: unknown) => e))).toBe(
        'на диске нет места для файла базы данных (MONITOR_DB): освободите место и повторите — уже записанные данные не потеряны',
      );
      expect(storageProblem(new Error('Failed to commit: Could not write file "/srv/m.duckdb.wal": Operation not permitted'))).toMatch(/^нет прав на запись в файл базы данных/);
      expect(storageProblem(new Error('Binder Error: column x not found'))).toBeNull();
      // After a failed write DuckDB takes no more until a restart: said so (freeing space alone did not help).
      expect(storageProblem(new Error('FATAL Error: Failed: database has been invalidated because of a previous fatal error. The database must be restarted prior to being used again.'))).toMatch(
        /^база данных остановлена после неудачной записи .*: перезапустите сервер/,
      );
      // The connection goes on: the next transaction commits.
      await tmp.db.write((w) => w.transaction(() => w.run(`CREATE TABLE after_failure AS SELECT 1 AS x`)));
      expect(await tmp.db.query(`SELECT x FROM after_failure`)).toEqual([{ x: 1 }]);
    } finally {
      tmp.cleanup();
    }
  });

  it('refuses, in words, to write into a database file removed or replaced under the running process (the writes looked saved)', async () => {
    const tmp = await openTempDb();
    await tmp.db.write((w) => w.run(`CREATE TABLE kept AS SELECT 1 AS x`));
    const server = await startServer({ db: tmp.db });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect([(await server.fetch('/api/health')).status]).toEqual([200]);
      // Replaced: a copy put in its place (another file, another inode).
      renameSync(tmp.path, `${tmp.path}.moved`);
      copyFileSync(`${tmp.path}.moved`, tmp.path);
      const replaced = await tmp.db.write((w) => w.run(`INSERT INTO kept VALUES (2)`)).catch((e: unknown) => e);
      expect(storageProblem(replaced)).toBe(`файл базы данных ${tmp.path} (MONITOR_DB) заменён другим, пока программа работала: записи не сохраняются — перезапустите сервер`);
      // Removed.
      rmSync(tmp.path);
      const removed = await tmp.db.write((w) => w.run(`INSERT INTO kept VALUES (3)`)).catch((e: unknown) => e);
      expect(storageProblem(removed)).toBe(`файл базы данных ${tmp.path} (MONITOR_DB) удалён, пока программа работала: записи в него не сохраняются — перезапустите сервер`);
      // Nothing was written after the file went; reads go on from what DuckDB holds.
      expect(await tmp.db.query(`SELECT x FROM kept`)).toEqual([{ x: 1 }]);
      // The API says so: 503 in words, not «создана» (it answered 201 with a password never saved).
      const res = await server.fetch('/api/users', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login: 'novaya', role: 'coordinator' }) });
      expect([res.status, (await res.json()).error]).toEqual([503, { code: 'storage', message: storageProblem(removed) }]);
      // The health check says so too (it answered { ok: true }): 503 without the file's path to
      // whoever asks; the path and the reason in the server's log, once for two checks.
      for (let i = 0; i < 2; i++) {
        const health = await server.fetch('/api/health');
        expect([health.status, await health.json()]).toEqual([503, { ok: false, error: { code: 'storage', message: 'база данных не работает: перезапустите сервер (причина — в журнале сервера)' } }]);
      }
      expect(logged.mock.calls.filter(([m]) => String(m).startsWith('Проверка работоспособности'))).toEqual([[`Проверка работоспособности (/api/health): ${storageProblem(removed)}`]]);
    } finally {
      logged.mockRestore();
      await server.close();
      tmp.cleanup();
    }
  });

  it('a sync that cannot begin, or cannot record its end, on a file that takes no writes says so on the operations page (it said nothing, or «завершена»)', async () => {
    const tmp = await openTempDb();
    const base = createMemorySource(baseMunicipality());
    await runSync({ db: tmp.db, source: base, trigger: 'test' });
    // The file goes while the sync reads the registry: the run has begun, nothing after it is written.
    let removeAtRegistry = false;
    const source = { ...base, readRegistry: async () => (removeAtRegistry && rmSync(tmp.path), base.readRegistry()) };
    const server = await startServer({ db: tmp.db, startSync: () => runSync({ db: tmp.db, source, trigger: 'api' }) });
    const status = async (): Promise<SyncProgress> => ((await (await server.fetch('/api/sync/status')).json()) as { progress: SyncProgress }).progress;
    const finishedAfter = async (before: string | undefined): Promise<SyncProgress> => {
      for (let i = 0; i < 200; i++) {
        const p = await status();
        if (!p.running && p.finished && p.finished.at !== before) return p;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error('no finished sync');
    };
    try {
      removeAtRegistry = true;
      const before = syncProgress().finished?.at;
      await server.fetch('/api/sync', { method: 'POST' });
      const gone = `файл базы данных ${tmp.path} (MONITOR_DB) удалён, пока программа работала: записи в него не сохраняются — перезапустите сервер`;
      const ended = await finishedAfter(before);
      expect(ended.finished!.status).toBe('failed');
      expect(ended.finished!.line).toMatch(/^Синхронизация не удалась: /);
      expect(ended.finished!.line).toContain(`итог синхронизации не записан: ${gone}`);
      // Now it cannot even begin: the page says why instead of showing the last one.
      removeAtRegistry = false;
      const refused = await server.fetch('/api/sync', { method: 'POST' });
      expect(refused.status).toBe(503); // the audit of the start cannot be written either
      const notBegun = await finishedAfter(ended.finished!.at);
      expect(notBegun).toMatchObject({ running: false, runId: null, trigger: 'api', finished: { status: 'failed', line: `Синхронизация не удалась: ${gone}` } });
    } finally {
      await server.close();
      tmp.cleanup();
    }
  });
});
