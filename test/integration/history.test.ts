/**
 * The history of loaded rows (issue #20, part 1; server/db/history.ts): a load keeps the versions
 * that appeared and ends the ones that went; an unchanged row is not copied again; the rows as
 * they stood after any sync can be read back from the history; retention keeps one version per
 * month beyond HISTORY_KEEP_DAYS. Real DuckDB, the real sync from a folder of CSV sheets.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TABS } from '../../server/contract/index.ts';
import { dbColumns, openDatabase } from '../../server/db/schema.ts';
import { createFolderSource } from '../../server/sources/folder.ts';
import { runSync } from '../../server/sync/run.ts';
import { openTempDb, type TempDb } from '../support/server.ts';

const FIXTURE = new URL('../fixtures/two-orgs/', import.meta.url).pathname;

let tmp: TempDb;
let dir: string;
const teachersCsv = () => join(dir, 'СОШ-1', 'Педагоги.csv');

beforeEach(async () => {
  tmp = await openTempDb();
  dir = mkdtempSync(join(tmpdir(), 'monitor-history-'));
  cpSync(FIXTURE, dir, { recursive: true });
});
afterEach(() => {
  tmp.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** A full sync (every sheet read again, as after an edit) at `at`. */
async function sync(at: string, historyKeepDays: number | null = null): Promise<number> {
  const s = await runSync({ db: tmp.db, source: createFolderSource(dir), trigger: 'test', full: true, now: () => new Date(at), historyKeepDays });
  expect(s.status).toBe('ok');
  return s.runId;
}

/** Replaces one line of the teachers sheet of СОШ-1. */
function editTeacher(from: string, to: string | null): void {
  const lines = readFileSync(teachersCsv(), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.startsWith(from));
  expect(i).toBeGreaterThan(0);
  if (to === null) lines.splice(i, 1);
  else lines[i] = to;
  writeFileSync(teachersCsv(), lines.join('\n'));
}

const count = async (sql: string) => Number((await tmp.db.query(sql))[0]!.n);

/** Every tab's rows now, as (tab, org, content) strings, sorted: what the history must give back. */
async function currentRows(): Promise<string[]> {
  const out: string[] = [];
  for (const tab of TABS) {
    const fields = dbColumns(tab).map((c) => `"${c.name}" := "${c.name}"`).join(', ');
    const rows = await tmp.db.query(`SELECT org, to_json(struct_pack(${fields}))::VARCHAR AS data FROM "${tab.key}"`);
    for (const r of rows) out.push(`${tab.key}|${r.org}|${r.data}`);
  }
  return out.sort();
}

/** The rows as they stood after run `run`, read from the history alone. */
async function rowsAsOf(run: number): Promise<string[]> {
  const rows = await tmp.db.query(
    `SELECT v.tab, v.org, v.data FROM row_versions v
     WHERE v.from_run <= $run AND NOT EXISTS (SELECT 1 FROM row_version_ends e WHERE e.tab = v.tab AND e.org = v.org
       AND e.row_hash = v.row_hash AND e.copy = v.copy AND e.from_run = v.from_run AND e.to_run <= $run)`,
    { run },
  );
  return rows.map((r) => `${r.tab}|${r.org}|${r.data}`).sort();
}

describe('row history', () => {
  it('keeps what each sync changed, copies nothing unchanged, and gives back the rows of any sync', async () => {
    const r1 = await sync('2024-01-10T08:00:00Z');
    const first = await currentRows();
    // The first sync: every loaded row is a version (the fixture's 51 lines less headers, titles
    // and quarantined rows — counted from the tables themselves), none ended.
    expect(first.length).toBeGreaterThan(20);
    expect(await count(`SELECT count(*) AS n FROM row_versions`)).toBe(first.length);
    expect(await count(`SELECT count(*) AS n FROM row_version_ends`)).toBe(0);

    // Read again, nothing changed: not one row copied.
    await sync('2024-01-11T08:00:00Z');
    expect(await count(`SELECT count(*) AS n FROM row_versions`)).toBe(first.length);
    expect(await count(`SELECT count(*) AS n FROM row_version_ends`)).toBe(0);

    // СОШ-1 edits its teachers: Петров's category Первая → Высшая (a changed row), Белова
    // removed (referenced nowhere else), Григорьева added, Иванова moved to the end (the same row).
    editTeacher('Петров Борис Ильич;', 'Петров Борис Ильич;учитель;физика;2015-09-01;;9;;Высшая;да;нет');
    editTeacher('Белова Яна Романовна;', null);
    const ivanova = readFileSync(teachersCsv(), 'utf8').split('\n').find((l) => l.startsWith('Иванова Анна Петровна;'))!;
    editTeacher('Иванова Анна Петровна;', 'Григорьева Юлия Антоновна;учитель;география;01.02.2024;;3;;Первая;;');
    writeFileSync(teachersCsv(), `${readFileSync(teachersCsv(), 'utf8').trimEnd()}\n${ivanova}\n`);
    const r3 = await sync('2024-01-20T08:00:00Z');

    // New versions: Петров (Высшая) and Григорьева — 2; ended: Петров (Первая) and Белова — 2.
    // Иванова, moved from the first row to the last, is the same version; no other tab changed.
    expect(await count(`SELECT count(*) AS n FROM row_versions`)).toBe(first.length + 2);
    const ended = await tmp.db.query(
      `SELECT e.tab, e.org, json_extract_string(v.data, '$.fio') AS fio, json_extract_string(v.data, '$.category') AS category, e.to_run
       FROM row_version_ends e JOIN row_versions v USING (tab, org, row_hash, copy, from_run) ORDER BY fio`,
    );
    expect(ended).toEqual([
      { tab: 'teachers', org: 'СОШ-1', fio: 'Белова Яна Романовна', category: 'Первая', to_run: r3 },
      { tab: 'teachers', org: 'СОШ-1', fio: 'Петров Борис Ильич', category: 'Первая', to_run: r3 },
    ]);
    const started = await tmp.db.query(
      `SELECT tab, org, json_extract_string(data, '$.fio') AS fio, json_extract_string(data, '$.category') AS category
       FROM row_versions WHERE from_run = $r3 ORDER BY fio`,
      { r3 },
    );
    expect(started).toEqual([
      { tab: 'teachers', org: 'СОШ-1', fio: 'Григорьева Юлия Антоновна', category: 'Первая' },
      { tab: 'teachers', org: 'СОШ-1', fio: 'Петров Борис Ильич', category: 'Высшая' },
    ]);

    // The history gives back the rows of each sync exactly: the first as they were, the last as they are.
    expect(await rowsAsOf(r1)).toEqual(first);
    expect(await rowsAsOf(r3)).toEqual(await currentRows());
  });

  it('starts on an older database (schema 3) with the rows it holds, once', async () => {
    const r1 = await sync('2024-01-10T08:00:00Z');
    const rows = await currentRows();
    // The file as a version-3 program left it: no history tables.
    await tmp.db.write(async (w) => {
      await w.run(`DROP TABLE row_version_ends`);
      await w.run(`DROP TABLE row_versions`);
      await w.run(`UPDATE meta SET value = '3' WHERE key = 'schema_version'`);
    });
    tmp.db.close();
    for (let start = 0; start < 2; start++) {
      // Opened by this program (twice: the second start adds nothing).
      tmp.db = await openDatabase(tmp.path);
      expect(await rowsAsOf(r1)).toEqual(rows);
      expect(await count(`SELECT count(*) AS n FROM row_versions WHERE from_run = ${r1}`)).toBe(rows.length);
      if (start === 0) tmp.db.close();
    }
    // And it goes on from there: a sync with nothing changed adds nothing.
    await sync('2024-01-11T08:00:00Z');
    expect(await count(`SELECT count(*) AS n FROM row_versions`)).toBe(rows.length);
    tmp.db.close(); // the reopened file (afterEach closes the first connection again: a no-op)
  });

  it('beyond HISTORY_KEEP_DAYS keeps only the versions that stood at the end of a month', async () => {
    await sync('2024-01-10T08:00:00Z');
    const all = await count(`SELECT count(*) AS n FROM row_versions`);
    // 20.01: Петров Первая → Высшая; 05.03: Высшая → Первая again.
    editTeacher('Петров Борис Ильич;', 'Петров Борис Ильич;учитель;физика;2015-09-01;;9;;Высшая;да;нет');
    await sync('2024-01-20T08:00:00Z');
    editTeacher('Петров Борис Ильич;', 'Петров Борис Ильич;учитель;физика;2015-09-01;;9;;Первая;да;нет');
    // Kept forever by default: three versions of Петров.
    await sync('2024-03-05T08:00:00Z');
    const petrov = `SELECT json_extract_string(data, '$.category') AS category, from_run FROM row_versions
      WHERE tab = 'teachers' AND json_extract_string(data, '$.fio') = 'Петров Борис Ильич' ORDER BY from_run`;
    expect((await tmp.db.query(petrov)).map((r) => r.category)).toEqual(['Первая', 'Высшая', 'Первая']);
    expect(await count(`SELECT count(*) AS n FROM row_versions`)).toBe(all + 2);

    // Keep 20 days on 06.03 (cutoff 15.02): the version of 10.01–20.01 began and ended in January
    // and ended before the cutoff — dropped with its end; the one of 20.01–05.03 stood at the end
    // of January and of February — kept; the current one — kept.
    await sync('2024-03-06T08:00:00Z', 20);
    expect((await tmp.db.query(petrov)).map((r) => r.category)).toEqual(['Высшая', 'Первая']);
    expect(await count(`SELECT count(*) AS n FROM row_versions`)).toBe(all + 1);
    expect(await count(`SELECT count(*) AS n FROM row_version_ends`)).toBe(1);
  });
});
