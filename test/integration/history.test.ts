/**
 * The history of loaded rows (issue #20, part 1; server/db/history.ts): a load keeps the versions
 * that appeared and ends the ones that went; an unchanged row is not copied again; the rows as
 * they stood after any sync can be read back from the history; retention keeps one version per
 * month beyond HISTORY_KEEP_DAYS. Real DuckDB, the real sync from a folder of CSV sheets.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthStore } from '../../server/auth/store.ts';
import { TABS } from '../../server/contract/index.ts';
import { HISTORY_TABS, SCHEMA_VERSION, dbColumns, historyTab, openDatabase } from '../../server/db/schema.ts';
import { createFolderSource } from '../../server/sources/folder.ts';
import { runSync } from '../../server/sync/run.ts';
import { saveTabGids, storedTabGids } from '../../server/sync/state.ts';
import { findingUrl } from '../../server/google/write.ts';
import { STATE_TABLES, compactHistory, orgRangesAsOf, recordHistory } from '../../server/db/history.ts';
import { snapshotsOf } from '../../server/db/snapshot.ts';
import { resolveAsOf } from '../../server/metrics/asof.ts';
import { MetricCache } from '../../server/metrics/cache.ts';
import { baseMunicipality, grid, setCell } from '../fixtures/bad/base.ts';
import { createMemorySource } from '../support/memorySource.ts';
import { openTempDb, startServerAs, type TempDb } from '../support/server.ts';

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

/** Every tab's rows now (or in a snapshot's catalog), as (tab, org, content) strings, sorted: what the history must give back. */
async function currentRows(catalog?: string): Promise<string[]> {
  const out: string[] = [];
  for (const tab of TABS) {
    const fields = dbColumns(tab).map((c) => `"${c.name}" := "${c.name}"`).join(', ');
    const rows = await tmp.db.query(`SELECT org, to_json(struct_pack(${fields}))::VARCHAR AS data FROM ${catalog ? `"${catalog}".main.` : ''}"${tab.key}"`);
    for (const r of rows) out.push(`${tab.key}|${r.org}|${r.data}`);
  }
  return out.sort();
}

/** The rows as they stood after run `run`, read from the history alone (the versions tables). */
async function rowsAsOf(run: number): Promise<string[]> {
  const out: string[] = [];
  for (const tab of TABS) {
    const fields = dbColumns(tab).map((c) => `"${c.name}" := v."${c.name}"`).join(', ');
    const rows = await tmp.db.query(
      `SELECT v.org, to_json(struct_pack(${fields}))::VARCHAR AS data FROM "${tab.key}_versions" v
       WHERE v.run_id <= $run AND NOT EXISTS (SELECT 1 FROM row_version_ends e WHERE e.tab = '${tab.key}' AND e.org = v.org
         AND e.row_hash = v.row_hash AND e.copy = v.copy AND e.from_run = v.run_id AND e.to_run <= $run)`,
      { run },
    );
    for (const r of rows) out.push(`${tab.key}|${r.org}|${r.data}`);
  }
  return out.sort();
}

/** Versions kept, all tabs together. */
const versionCount = () => count(`SELECT sum(n)::INTEGER AS n FROM (${TABS.map((t) => `SELECT count(*) AS n FROM "${t.key}_versions"`).join(' UNION ALL ')})`);

describe('row history', () => {
  it('keeps what each sync changed, copies nothing unchanged, and gives back the rows of any sync', async () => {
    const r1 = await sync('2024-01-10T08:00:00Z');
    const first = await currentRows();
    // The first sync: every loaded row is a version (the fixture's 51 lines less headers, titles
    // and quarantined rows — counted from the tables themselves), none ended.
    expect(first.length).toBeGreaterThan(20);
    expect(await versionCount()).toBe(first.length);
    expect(await count(`SELECT count(*) AS n FROM row_version_ends`)).toBe(0);

    // Read again, nothing changed: not one row copied.
    await sync('2024-01-11T08:00:00Z');
    expect(await versionCount()).toBe(first.length);
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
    expect(await versionCount()).toBe(first.length + 2);
    const ended = await tmp.db.query(
      `SELECT e.tab, e.org, v.fio, v.category, e.to_run
       FROM row_version_ends e JOIN teachers_versions v ON v.org = e.org AND v.row_hash = e.row_hash AND v.copy = e.copy AND v.run_id = e.from_run
       ORDER BY v.fio`,
    );
    expect(ended).toEqual([
      { tab: 'teachers', org: 'СОШ-1', fio: 'Белова Яна Романовна', category: 'Первая', to_run: r3 },
      { tab: 'teachers', org: 'СОШ-1', fio: 'Петров Борис Ильич', category: 'Первая', to_run: r3 },
    ]);
    const started = (
      await Promise.all(TABS.map((t) => tmp.db.query(`SELECT '${t.key}' AS tab, org${t.key === 'teachers' ? ', fio, category' : ''} FROM "${t.key}_versions" WHERE run_id = $r3`, { r3 })))
    ).flat().sort((a, b) => String(a.fio).localeCompare(String(b.fio)));
    expect(started).toEqual([
      { tab: 'teachers', org: 'СОШ-1', fio: 'Григорьева Юлия Антоновна', category: 'Первая' },
      { tab: 'teachers', org: 'СОШ-1', fio: 'Петров Борис Ильич', category: 'Высшая' },
    ]);

    // The history gives back the rows of each sync exactly: the first as they were, the last as they are.
    expect(await rowsAsOf(r1)).toEqual(first);
    expect(await rowsAsOf(r3)).toEqual(await currentRows());

    // The organization's change log: the edit sync lists exactly the three edits; the sync with
    // nothing changed is not listed; the first one lists each tab's first load as a count.
    const server = await startServerAs({ db: tmp.db, now: () => new Date('2024-01-21T08:00:00Z') }, {
      coordinator: { role: 'coordinator' },
      sosh1: { role: 'school', org: 'СОШ-1' },
      dou1: { role: 'school', org: 'ДОУ-1' },
      region: { role: 'region' },
    });
    try {
      const log = await server.get<any>(`/api/orgs/${encodeURIComponent('СОШ-1')}/changes`);
      expect(log.status).toBe(200);
      expect(log.body.syncs.map((s: any) => s.run_id)).toEqual([r3, r1]);
      expect(log.body.syncs[0]).toEqual({
        run_id: r3,
        at: '2024-01-20 08:00:00',
        tabs: [
          {
            tab: 'teachers',
            title: 'Педагоги',
            first_load: null,
            // Григорьева took Иванова's line (row 4: title, blank, header, then data); Белова was the last line (row 14).
            added: [{ name: 'Григорьева Юлия Антоновна', row_no: 4 }],
            changed: [{ name: 'Петров Борис Ильич', row_no: 5, columns: [{ column: 'category', title: 'Категория', old: 'Первая', new: 'Высшая' }] }],
            removed: [{ name: 'Белова Яна Романовна', row_no: 14 }],
          },
        ],
      });
      // First loads: one count per tab, equal to the rows loaded then.
      const firstLoads = log.body.syncs[1].tabs.map((t: any) => [t.tab, t.first_load]);
      const loaded: [string, number][] = [];
      for (const t of TABS) {
        const n = await count(`SELECT count(*)::INTEGER AS n FROM "${t.key}_versions" WHERE org = 'СОШ-1' AND run_id = ${r1}`);
        if (n > 0) loaded.push([t.key, n]);
      }
      expect(Object.fromEntries(firstLoads)).toEqual(Object.fromEntries(loaded));
      // Its own school reads it; another school and the region do not (names); an unknown code is a 404.
      expect((await server.get(`/api/orgs/${encodeURIComponent('СОШ-1')}/changes`, 'sosh1')).status).toBe(200);
      expect((await server.get(`/api/orgs/${encodeURIComponent('СОШ-1')}/changes`, 'dou1')).status).toBe(403);
      expect((await server.get(`/api/orgs/${encodeURIComponent('СОШ-1')}/changes`, 'region')).status).toBe(403);
      expect((await server.get(`/api/orgs/${encodeURIComponent('НЕТ-1')}/changes`)).status).toBe(404);
      expect((await server.get(`/api/orgs/${encodeURIComponent('СОШ-1')}/changes?limit=1`)).body.syncs.map((s: any) => s.run_id)).toEqual([r3]);
      expect((await server.get(`/api/orgs/${encodeURIComponent('СОШ-1')}/changes?limit=0`)).status).toBe(400);

      // The overview's «changed since the last report»: no report yet — every sync counts; first
      // loads do not. СОШ-1: 1 added, 1 changed, 1 removed (the edits above); ДОУ-1 changed nothing.
      const all = await server.get<any>('/api/changes', 'region');
      expect(all.status).toBe(200);
      expect(all.body).toMatchObject({ since: null, basis: 'all', report: null });
      expect(all.body.orgs).toEqual([{ org: 'СОШ-1', name: expect.any(String), added: 1, changed: 1, removed: 1, last_change: '2024-01-20 08:00:00' }]);
      // Since a day: the edit of 20.01 is after 15.01, not after 21.01.
      expect((await server.get<any>('/api/changes?since=2024-01-15')).body.orgs.map((o: any) => o.org)).toEqual(['СОШ-1']);
      expect((await server.get<any>('/api/changes?since=2024-01-21')).body.orgs).toEqual([]);
      expect((await server.get('/api/changes?since=15.01.2024')).status).toBe(400);
      // A school sees its own organization only.
      expect((await server.get<any>('/api/changes', 'dou1')).body.orgs).toEqual([]);
      // A school's own export is no report to the region (it reset the coordinator's basis: a security review).
      const schoolExport = await fetch(`${server.url}/api/export.xlsx`, { headers: server.headers('dou1') });
      expect(schoolExport.status).toBe(200);
      await schoolExport.arrayBuffer();
      expect((await tmp.db.query(`SELECT role FROM audit_log WHERE action = 'export_xlsx'`)).map((r) => r.role)).toEqual(['school']);
      expect((await server.get<any>('/api/changes')).body).toMatchObject({ basis: 'all', report: null });
      // A report sent to the region (the XLSX export, audited now — after every sync above):
      // nothing has changed since.
      await new AuthStore(tmp.db).audit({ actor: 'koord', role: 'coordinator', action: 'export_xlsx', target: 'отчёт', detail: null, ip: null });
      const after = (await server.get<any>('/api/changes')).body;
      expect(after.basis).toBe('report');
      expect(after.report.action).toBe('export_xlsx');
      expect(after.orgs).toEqual([]);
      // An export as of the second sync (11.01, 08:00) showed that sync's data: the edits of
      // 20.01 are news to the region (the export's own time hid them: an outside review).
      await new AuthStore(tmp.db).audit({ actor: 'koord', role: 'coordinator', action: 'export_xlsx', target: 'отчёт', detail: '2023-09-01…2024-08-31; на 2024-01-11T09:00:00Z', ip: null });
      const past = (await server.get<any>('/api/changes')).body;
      expect(past).toMatchObject({ basis: 'report', since: '2024-01-11 08:00:00', report: { action: 'export_xlsx', data_at: '2024-01-11 08:00:00' } });
      expect(past.orgs.map((o: any) => [o.org, o.added, o.changed, o.removed])).toEqual([['СОШ-1', 1, 1, 1]]);
      // A delivery to the region sent by mail after it is the last report: made now, nothing changed since.
      await tmp.db.write(async (w) => {
        await w.run(`INSERT INTO subscriptions (id, name, metrics, orgs, type, period, format, audience, recipients, cron, created_at, created_by)
          VALUES (1, 'В регион', 'engagement', '[]', NULL, 'academic_year', 'xlsx', 'region', '["region@example.ru"]', '0 8 * * 1', now()::TIMESTAMP, 'koord')`);
        await w.run(`INSERT INTO mail_outbox (id, created_at, kind, subscription_id, recipients, subject, status, attempts, sent_at)
          VALUES (1, now()::TIMESTAMP + INTERVAL 2 SECOND, 'report', 1, 'region@example.ru', 'Отчёт', 'sent', 1, now()::TIMESTAMP + INTERVAL 2 SECOND)`);
      });
      const mailed = (await server.get<any>('/api/changes')).body;
      expect([mailed.report.action, mailed.report.at === mailed.report.data_at, mailed.orgs]).toEqual(['mail', true, []]);
    } finally {
      await server.close();
    }
  });

  it('the first rows of a tab that loaded empty, and an optional tab added later, are changes — not a first load', async () => {
    // ДОУ-1's «Аттестация» loads empty (header only), and it has no «Мероприятия»; after the
    // first sync it gets an attestation row and the tab with one event. Both were «first load»
    // in the change log and missing from «changes since the last report» (an outside review:
    // the region's figures changed and the panel listed nothing).
    await sync('2024-01-10T08:00:00Z');
    writeFileSync(join(dir, 'ДОУ-1', 'Аттестация.csv'), 'ФИО;Дата приказа;Присвоена категория;Прежняя категория\nЗайцева Мария Игоревна;15.01.2024;Первая;Без категории\n');
    writeFileSync(join(dir, 'ДОУ-1', 'Мероприятия.csv'), 'Дата;Вид;Название;Уровень;Участников\n12.01.2024;Семинар;Наставничество в ДОУ;ОО;14\n');
    const second = await sync('2024-01-20T08:00:00Z');
    const server = await startServerAs({ db: tmp.db }, { coordinator: { role: 'coordinator' } });
    try {
      const log = (await server.get<any>(`/api/orgs/${encodeURIComponent('ДОУ-1')}/changes`)).body;
      const run = log.syncs.find((x: any) => x.run_id === second);
      expect(run.tabs.map((t: any) => [t.tab, t.first_load, t.added.map((a: any) => a.name)])).toEqual([
        ['attestations', null, ['Зайцева Мария Игоревна — 2024-01-15']],
        ['events', null, ['2024-01-12 — Семинар — Наставничество в ДОУ']],
      ]);
      // The first sync is ДОУ-1's first load: counted, not listed as changes.
      expect(log.syncs.find((x: any) => x.run_id !== second).tabs.every((t: any) => t.first_load !== null)).toBe(true);
      // 1 attestation + 1 event added since the start; СОШ-1 changed nothing.
      expect((await server.get<any>('/api/changes')).body.orgs).toEqual([{ org: 'ДОУ-1', name: expect.any(String), added: 2, changed: 0, removed: 0, last_change: '2024-01-20 08:00:00' }]);
    } finally {
      await server.close();
    }
  });

  it('the change log tells a row that failed its checks from a row deleted, and a corrected row from a new one', async () => {
    const m = baseMunicipality();
    const source = createMemorySource(m);
    const at = (iso: string) => runSync({ db: tmp.db, source, trigger: 'test', now: () => new Date(iso) });
    await at('2024-05-15T10:00:00Z');
    // «Повышение квалификации» of СОШ-1: Иванова's hours made negative (an error: the row is
    // quarantined, still in the sheet), Петров's course deleted from the sheet.
    const C = 'Повышение квалификации';
    setCell(m, 'СОШ-1', C, 2, 'Часов', '-36');
    grid(m, 'СОШ-1', C).splice(2, 1);
    const r2 = (await at('2024-05-16T10:00:00Z')).runId;
    // Corrected: Иванова's row loads again.
    setCell(m, 'СОШ-1', C, 2, 'Часов', '36');
    const r3 = (await at('2024-05-17T10:00:00Z')).runId;
    const server = await startServerAs({ db: tmp.db }, { coordinator: { role: 'coordinator' } });
    try {
      const log = (await server.get<any>(`/api/orgs/${encodeURIComponent('СОШ-1')}/changes`)).body;
      const courses = (run: number) => log.syncs.find((s: any) => s.run_id === run).tabs.find((t: any) => t.tab === 'courses');
      expect(courses(r2)).toMatchObject({
        added: [],
        changed: [],
        removed: [
          { name: 'Иванова Анна Петровна — Наставничество в образовательной организации', row_no: 2, quarantined: true },
          { name: 'Петров Борис Ильич — Цифровые инструменты учителя', row_no: 3 },
        ],
      });
      expect(courses(r2).removed[1].quarantined).toBeUndefined();
      expect(courses(r3)).toMatchObject({
        added: [{ name: 'Иванова Анна Петровна — Наставничество в образовательной организации', row_no: 2, corrected: true }],
        changed: [],
        removed: [],
      });
    } finally {
      await server.close();
    }
  });

  it('a run taken in per tab: stopped after some tabs, the next take-in finishes it and copies nothing twice', async () => {
    await sync('2024-01-10T08:00:00Z');
    const first = await currentRows();
    editTeacher('Петров Борис Ильич;', 'Петров Борис Ильич;учитель;физика;2015-09-01;;9;;Высшая;да;нет');
    editTeacher('Белова Яна Романовна;', null);
    const r2 = await sync('2024-01-20T08:00:00Z');
    // The edit: Петров's new version begins, his old one and Белова's end — first.length + 1
    // versions, 2 ends.
    expect(await versionCount()).toBe(first.length + 1);
    expect(await count(`SELECT count(*) AS n FROM row_version_ends`)).toBe(2);
    const ends = await tmp.db.query(`SELECT tab, org, row_hash, copy, from_run, to_run FROM row_version_ends ORDER BY ALL`);

    // As if the process stopped after the other tabs and before the teachers' transaction and
    // the run's mark: the teachers' part of run r2 undone, the mark back at r2 − 1.
    await tmp.db.write(async (w) => {
      await w.run(`DELETE FROM teachers_versions WHERE run_id = $r2`, { r2 });
      await w.run(`DELETE FROM row_version_ends WHERE to_run = $r2`, { r2 });
      await w.run(`UPDATE meta SET value = $v WHERE key = 'history_through_run'`, { v: String(r2 - 1) });
    });
    expect(await versionCount()).toBe(first.length);
    // The next take-in (the same run again, as the next sync's would) restores exactly what was
    // missing; a second one changes nothing — a tab at a time (as a large load is taken in), then
    // all tabs in one transaction (as a small one).
    for (const oneTransactionRows of [0, 20_000]) {
      await tmp.db.write((w) => recordHistory(w, HISTORY_TABS, r2, oneTransactionRows));
      expect(await versionCount()).toBe(first.length + 1);
      expect(await tmp.db.query(`SELECT tab, org, row_hash, copy, from_run, to_run FROM row_version_ends ORDER BY ALL`)).toEqual(ends);
      expect(await rowsAsOf(r2)).toEqual(await currentRows());
    }
  });

  it('starts on an older database (schema 3) with the rows it holds, once', async () => {
    const r1 = await sync('2024-01-10T08:00:00Z');
    const rows = await currentRows();
    // The file as a version-3 program left it: no history tables.
    await tmp.db.write(async (w) => {
      await w.run(`DROP TABLE row_version_ends`);
      for (const t of TABS) await w.run(`DROP TABLE "${t.key}_versions"`);
      await w.run(`UPDATE meta SET value = '3' WHERE key = 'schema_version'`);
    });
    tmp.db.close();
    for (let start = 0; start < 2; start++) {
      // Opened by this program (twice: the second start adds nothing).
      tmp.db = await openDatabase(tmp.path);
      expect(await rowsAsOf(r1)).toEqual(rows);
      expect(await versionCount()).toBe(rows.length);
      if (start === 0) tmp.db.close();
    }
    // And it goes on from there: a sync with nothing changed adds nothing.
    await sync('2024-01-11T08:00:00Z');
    expect(await versionCount()).toBe(rows.length);
    tmp.db.close(); // the reopened file (afterEach closes the first connection again: a no-op)
  });

  it('an older database (schema 4) gets the history of its states from its last sync on: as_of before it is refused, at it equals the live figures', async () => {
    await sync('2024-01-10T08:00:00Z');
    const r2 = await sync('2024-01-11T08:00:00Z');
    // The file as a version-4 program left it: row history, no history of the service tables.
    await tmp.db.write(async (w) => {
      await w.run(`DROP TABLE state_version_ends`);
      for (const t of STATE_TABLES) await w.run(`DROP TABLE ${t}_history`);
      await w.run(`DELETE FROM meta WHERE key = 'history_from_run'`);
      await w.run(`UPDATE meta SET value = '4' WHERE key = 'schema_version'`);
    });
    tmp.db.close();
    tmp.db = await openDatabase(tmp.path);
    await expect(resolveAsOf(tmp.db, '2024-01-10')).rejects.toThrow(
      'данные на 10.01.2024 не сохранились: история данных ведётся с синхронизации № 2 (11.01.2024 08:00:00 (UTC)); выберите более позднюю дату',
    );
    const at = await resolveAsOf(tmp.db, '2024-01-11');
    expect([at.run, at.latest]).toEqual([r2, true]);
    // A later sync: run 2 is in the past now, read from the history — the same figures as live then.
    const params = { from: '2023-09-01', to: '2024-08-31', org: [], type: null, grain: null } as const;
    const cache = new MetricCache(tmp.db);
    const live = await cache.rows('data_quality', { ...params, org: [] });
    await sync('2024-01-12T08:00:00Z');
    const past = await new MetricCache(tmp.db).rows('data_quality', { ...params, org: [], as_of: { asked: '2024-01-11', run: r2, finished_at: '2024-01-11 08:00:00' } });
    expect(past.rows).toEqual(live.rows);
    expect(snapshotsOf(tmp.db).built).toBe(1);
    tmp.db.close();
  });

  it('an older database (schema 8, tab_columns without its key) keeps its columns and loads again', async () => {
    await sync('2024-01-10T08:00:00Z');
    const columns = await tmp.db.query(`SELECT org, tab, columns FROM tab_columns ORDER BY org, tab`);
    // СОШ-1's 6 tabs and ДОУ-1's 5 (no «Исполнение распоряжения»), each with the columns it loaded with.
    expect(columns.length).toBe(11);
    // The file as a version-8 program left it: the same rows in a table with no key.
    await tmp.db.write(async (w) => {
      await w.run(`CREATE TABLE tab_columns_v8 (org VARCHAR NOT NULL, tab VARCHAR NOT NULL, columns VARCHAR NOT NULL)`);
      await w.run(`INSERT INTO tab_columns_v8 SELECT org, tab, columns FROM tab_columns`);
      await w.run(`DROP TABLE tab_columns`);
      await w.run(`ALTER TABLE tab_columns_v8 RENAME TO tab_columns`);
      await w.run(`UPDATE meta SET value = '8' WHERE key = 'schema_version'`);
    });
    tmp.db.close();
    for (let start = 0; start < 2; start++) {
      // Opened by this program (twice: the second start changes nothing).
      tmp.db = await openDatabase(tmp.path);
      expect(await tmp.db.query(`SELECT org, tab, columns FROM tab_columns ORDER BY org, tab`)).toEqual(columns);
      if (start === 0) tmp.db.close();
    }
    // A full sync loads every organization (on the keyless table its upsert failed: «ошибка
    // загрузки в базу: … no UNIQUE/PRIMARY KEY constraints»), and the columns stay one row a pair.
    await sync('2024-01-11T08:00:00Z');
    expect(await tmp.db.query(`SELECT org, tab, columns FROM tab_columns ORDER BY org, tab`)).toEqual(columns);
    tmp.db.close();
  });

  it('an older database (schema 10, tab ids without their columns) keeps its tab ids; a finding links to its row until the next load', async () => {
    // The file as a version-10 program left it: tab_gids of (org, title, gid) only.
    await tmp.db.write(async (w) => {
      await w.run(`DROP TABLE tab_gids`);
      await w.run(`CREATE TABLE tab_gids (org VARCHAR NOT NULL, title VARCHAR NOT NULL, gid BIGINT NOT NULL, PRIMARY KEY (org, title))`);
      await w.run(`INSERT INTO tab_gids VALUES ('СОШ-1', 'Педагоги', 17), ('СОШ-1', 'Аттестация', 42)`);
      await w.run(`UPDATE meta SET value = '10' WHERE key = 'schema_version'`);
    });
    tmp.db.close();
    for (let start = 0; start < 2; start++) {
      // Opened by this program (twice: the second start changes nothing).
      tmp.db = await openDatabase(tmp.path);
      expect(await tmp.db.query(`SELECT value FROM meta WHERE key = 'schema_version'`)).toEqual([{ value: String(SCHEMA_VERSION) }]);
      const tabs = await storedTabGids(tmp.db, ['СОШ-1']);
      expect([...tabs.get('СОШ-1')!].sort()).toEqual([
        ['Аттестация', { gid: 42, columns: null }],
        ['Педагоги', { gid: 17, columns: null }],
      ]);
      // No column known: the row's first cell, as before.
      expect(findingUrl('X', [...tabs.get('СОШ-1')!].map(([title, t]) => ({ title, sheetId: t.gid, columns: t.columns })), { tab: 'Педагоги', row: 5, column: 'Категория' })).toBe(
        'https://docs.google.com/spreadsheets/d/X/edit#gid=17&range=A5',
      );
      if (start === 0) tmp.db.close();
    }
    // A load stores the columns with the ids (saveTabGids, as a Google load calls it).
    await tmp.db.write((w) =>
      saveTabGids(w, ['СОШ-1'], { orgs: ['СОШ-1'], titles: ['Педагоги'], gids: [17], columns: [JSON.stringify({ ФИО: 0, Категория: 27 })] }),
    );
    const tabs = await storedTabGids(tmp.db, ['СОШ-1']);
    // Column 27 (0 = A) is AB; the tab that did not come with this load is gone.
    expect([...tabs.get('СОШ-1')!]).toEqual([['Педагоги', { gid: 17, columns: { ФИО: 0, Категория: 27 } }]]);
    expect(findingUrl('X', [...tabs.get('СОШ-1')!].map(([title, t]) => ({ title, sheetId: t.gid, columns: t.columns })), { tab: 'педагоги', row: 5, column: 'Категория' })).toBe(
      'https://docs.google.com/spreadsheets/d/X/edit#gid=17&range=AB5',
    );
    tmp.db.close();
  });

  it('keeps at most `keep` snapshots of past syncs (3 in the server, 1 here), and removes the files of the ones it drops', async () => {
    const snapshots = snapshotsOf(tmp.db, { keep: 1 });
    const runs: number[] = [];
    for (let day = 10; day <= 12; day++) runs.push(await sync(`2024-01-${day}T08:00:00Z`));
    const files = () => readdirSync(tmpdir()).filter((f) => f.startsWith(`snap_${process.pid}_`) && f.endsWith('.duckdb'));
    const before = files().length;
    const params = { from: '2023-09-01', to: '2024-08-31', org: [], type: null, grain: null } as const;
    const cache = new MetricCache(tmp.db);
    // Runs 1 and 2 are in the past (run 3 is the live data): two snapshots built, the older dropped.
    for (const [i, run] of runs.slice(0, 2).entries()) {
      await cache.rows('engagement', { ...params, org: [], as_of: { asked: `2024-01-${10 + i}`, run, finished_at: `2024-01-${10 + i} 08:00:00` } });
    }
    expect(snapshots.built).toBe(2);
    expect(snapshots.size).toBe(1);
    await vi.waitFor(() => expect(files().length - before).toBe(1));
    tmp.db.close();
    // Closing the database removes the rest.
    expect(files().length).toBe(before);
  });

  it('copies a past tab range by range of organizations (issue #18: memory), in the sheets\' order; an idle snapshot is detached and attached again, not built again', async () => {
    const r1 = await sync('2024-01-10T08:00:00Z');
    editTeacher('Петров Борис Ильич;', 'Петров Борис Ильич;учитель;физика;2015-09-01;;9;;Высшая;да;нет');
    await sync('2024-01-20T08:00:00Z');
    const teachers = historyTab(TABS.find((t) => t.key === 'teachers')!);
    const perOrg = await tmp.db.query(`SELECT org, count(*)::INTEGER AS n FROM teachers_versions WHERE run_id <= $run GROUP BY org ORDER BY org`, { run: r1 });
    expect(perOrg.map((r) => r.org)).toEqual(['ДОУ-1', 'СОШ-1']);
    const [n1, n2] = perOrg.map((r) => Number(r.n)) as [number, number];
    const conn = await tmp.db.instance.connect();
    try {
      const ranges = (rows: number) => orgRangesAsOf(conn, teachers, `"${tmp.db.catalog}"`, r1, rows);
      // n1 + n2 versions fit in one range; one fewer, and СОШ-1 begins a range of its own.
      expect(await ranges(n1 + n2)).toEqual([['ДОУ-1', 'СОШ-1']]);
      expect(await ranges(n1 + n2 - 1)).toEqual([['ДОУ-1', 'ДОУ-1'], ['СОШ-1', 'СОШ-1']]);
      // An organization with more versions than a range holds is a range of its own, not split.
      expect(await ranges(1)).toEqual([['ДОУ-1', 'ДОУ-1'], ['СОШ-1', 'СОШ-1']]);
    } finally {
      conn.closeSync();
    }

    // Every tab copied one organization at a time: the rows of run 1, in the order of a single sorted copy.
    const snapshots = snapshotsOf(tmp.db, { rangeRows: 1, idleMs: 50 });
    const attached = async () => (await tmp.db.query(`SELECT database_name AS name FROM duckdb_databases()`)).map((r) => String(r.name));
    let catalog = '';
    const rows = await snapshots.use(r1, async (c) => {
      catalog = c;
      for (const tab of TABS) {
        const stored = await tmp.db.query(`SELECT org, row_no FROM "${c}".main."${tab.key}" ORDER BY rowid`);
        expect(stored, tab.key).toEqual(await tmp.db.query(`SELECT org, row_no FROM "${c}".main."${tab.key}" ORDER BY org, row_no`));
      }
      return currentRows(c);
    });
    expect(rows).toEqual(await rowsAsOf(r1));
    expect(rows.filter((r) => r.startsWith('teachers|') && r.includes('Петров Борис Ильич') && r.includes('Первая'))).toHaveLength(1);

    // Unread for idleMs: detached (its pages freed), the file kept; the next read attaches it again.
    await vi.waitFor(async () => expect(await attached()).not.toContain(catalog));
    expect(await snapshots.use(r1, async (c) => ((await attached()).includes(c) ? currentRows(c) : []))).toEqual(rows);
    expect([snapshots.built, snapshots.reattached]).toEqual([1, 1]);

    // Its file deleted while it was detached (a cleaner of the temporary folder): the next read
    // builds it again, for that very read — the same rows, no error.
    await vi.waitFor(async () => expect(await attached()).not.toContain(catalog));
    rmSync(join(tmpdir(), `${catalog}.duckdb`));
    expect(await snapshots.use(r1, (c) => currentRows(c))).toEqual(rows);
    expect([snapshots.built, snapshots.reattached]).toEqual([2, 1]);
  });

  it('a snapshot dropped just as the database closes leaves no file behind', async () => {
    const snapshots = snapshotsOf(tmp.db, { keep: 1 });
    const r1 = await sync('2024-01-10T08:00:00Z');
    const r2 = await sync('2024-01-11T08:00:00Z');
    await sync('2024-01-12T08:00:00Z');
    const files = () => readdirSync(tmpdir()).filter((f) => f.startsWith(`snap_${process.pid}_`));
    const before = files().length;
    await snapshots.use(r1, async () => undefined);
    // Run 2's snapshot pushes run 1's out (keep 1): its drop begins, and the database closes at once.
    await snapshots.use(r2, async () => undefined);
    tmp.db.close();
    await vi.waitFor(() => expect(files()).toHaveLength(before));
  });

  it('a snapshot is read a table at a time: a compaction during its build has it read again, and one that never settles is refused by name', async () => {
    const r1 = await sync('2024-01-10T08:00:00Z');
    editTeacher('Петров Борис Ильич;', 'Петров Борис Ильич;учитель;физика;2015-09-01;;9;;Высшая;да;нет');
    const r2 = await sync('2024-01-20T08:00:00Z');
    // Every statement of the snapshots' own connections seen; `after` runs once the teachers' copy is made.
    const instance = tmp.db.instance;
    const connect = instance.connect.bind(instance);
    let teachersCopies = 0;
    let after: () => Promise<void> = async () => undefined;
    vi.spyOn(instance, 'connect').mockImplementation(async () => {
      const c = await connect();
      const run = c.run.bind(c);
      c.run = (async (sql: string, ...rest: unknown[]) => {
        const out = await (run as (...a: unknown[]) => Promise<unknown>)(sql, ...rest);
        if (sql.startsWith('INSERT INTO "teachers"')) {
          teachersCopies++;
          await after();
        }
        return out;
      }) as typeof c.run;
      return c;
    });
    const snapshots = snapshotsOf(tmp.db, { keep: 3 });

    // Run 1 as of now: Петров «Первая», which run 2 replaced. A compaction with the cutoff
    // 01.02.2024 drops his «Первая» (it began and ended in January) — and it runs right after the
    // teachers are copied, while the other tables are not yet: the build reads them all again.
    let compacted = 0;
    after = async () => {
      if (compacted++ === 0) expect(await tmp.db.write((w) => compactHistory(w, '2024-02-01 00:00:00'))).toBe(1);
    };
    const built = await snapshots.use(r1, (catalog) => currentRows(catalog));
    expect(teachersCopies).toBe(2);
    // The snapshot is the history after the compaction, every table of it: run 1 without Петров's dropped version.
    expect(built).toEqual(await rowsAsOf(r1));
    expect(built.filter((r) => r.startsWith('teachers|') && r.includes('Петров Борис Ильич'))).toEqual([]);

    // A history changed under every attempt (a generation counted each time): refused, named; not kept.
    after = () => tmp.db.write((w) => w.run(`UPDATE meta SET value = (value::BIGINT + 1)::VARCHAR WHERE key = 'history_generation'`));
    teachersCopies = 0;
    await expect(snapshots.use(r2, async () => 'unused')).rejects.toThrow(`снимок синхронизации № ${r2}: история строк менялась во время сборки (3 попытки)`);
    expect(teachersCopies).toBe(3);
    // Once it settles, the next request builds it: run 2's rows are the rows now.
    after = async () => undefined;
    expect(await snapshots.use(r2, (catalog) => currentRows(catalog))).toEqual(await currentRows());
  });

  it('beyond HISTORY_KEEP_DAYS keeps only the versions that stood at the end of a month', async () => {
    await sync('2024-01-10T08:00:00Z');
    const all = await versionCount();
    // 20.01: Петров Первая → Высшая; 05.03: Высшая → Первая again.
    editTeacher('Петров Борис Ильич;', 'Петров Борис Ильич;учитель;физика;2015-09-01;;9;;Высшая;да;нет');
    await sync('2024-01-20T08:00:00Z');
    editTeacher('Петров Борис Ильич;', 'Петров Борис Ильич;учитель;физика;2015-09-01;;9;;Первая;да;нет');
    // Kept forever by default: three versions of Петров.
    await sync('2024-03-05T08:00:00Z');
    const petrov = `SELECT category FROM teachers_versions WHERE fio = 'Петров Борис Ильич' ORDER BY run_id`;
    expect((await tmp.db.query(petrov)).map((r) => r.category)).toEqual(['Первая', 'Высшая', 'Первая']);
    expect(await versionCount()).toBe(all + 2);

    // Keep 20 days on 06.03 (cutoff 15.02): the version of 10.01–20.01 began and ended in January
    // and ended before the cutoff — dropped with its end; the one of 20.01–05.03 stood at the end
    // of January and of February — kept; the current one — kept.
    await sync('2024-03-06T08:00:00Z', 20);
    expect((await tmp.db.query(petrov)).map((r) => r.category)).toEqual(['Высшая', 'Первая']);
    expect(await versionCount()).toBe(all + 1);
    expect(await count(`SELECT count(*) AS n FROM row_version_ends`)).toBe(1);
  });
});
