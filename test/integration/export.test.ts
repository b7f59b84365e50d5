/**
 * Exports for the regional report: the XLSX read back with exceljs equals the API for the same
 * parameters, cell by cell; CSV parsed back equals the API rows; no teacher's name appears in
 * any cell; text that a spreadsheet would run as a formula is neutralized.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS, allColumns } from '../../server/metrics/metrics.ts';
import { parseCsv } from '../../server/sources/csv.ts';
import { createFolderSource } from '../../server/sources/folder.ts';
import { runSync } from '../../server/sync/run.ts';
import { openTempDb, startServer, type RunningServer, type TempDb } from '../support/server.ts';

const FIXTURE = new URL('../fixtures/two-orgs/', import.meta.url).pathname;
const PERIOD = 'from=2023-09-01&to=2024-08-31';
const EVIL = '=HYPERLINK("http://x")';

let tmp: TempDb;
let dir: string;
let server: RunningServer;
let workbook: ExcelJS.Workbook;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'monitor-export-'));
  cpSync(FIXTURE, dir, { recursive: true });
  // ДОУ-1 is renamed in the registry to a formula: it must come out as text.
  const registry = readFileSync(join(dir, 'registry.csv'), 'utf8').replace('МДОУ «Детский сад № 1 «Ромашка»»', `"${EVIL.replace(/"/g, '""')}"`);
  writeFileSync(join(dir, 'registry.csv'), registry);
  tmp = await openTempDb();
  await runSync({ db: tmp.db, source: createFolderSource(dir), trigger: 'test', now: () => new Date('2024-09-02T08:00:00Z') });
  server = await startServer({ db: tmp.db, now: () => new Date('2024-09-02T08:00:00Z') });
  const res = await server.fetch(`/api/export.xlsx?${PERIOD}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
});
afterAll(async () => {
  await server.close();
  tmp.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('XLSX export', () => {
  it('has the parameters sheet, then one sheet per indicator', () => {
    expect(workbook.worksheets.map((w) => w.name)).toEqual([
      'Параметры',
      ...METRICS.filter((m) => !m.parts).map((m) => m.short),
    ]);
    const params = workbook.getWorksheet('Параметры')!;
    const values = params.getSheetValues().flat().filter((v) => typeof v === 'string') as string[];
    expect(values).toContain('с 01.09.2023 по 31.08.2024');
    // When it was made: a date and time of Excel's too (it was ISO text: an acceptance run), the server's clock 08:00 UTC.
    const made = params.getRows(1, params.rowCount)!.find((r) => r.getCell(1).value === 'Сформировано, UTC')!;
    expect([made.getCell(2).value, made.getCell(2).numFmt]).toEqual([new Date('2024-09-02T08:00:00Z'), 'dd.mm.yyyy hh:mm']);
    // The freshness table: the last load a date and time of Excel's, its zone in the title (it was ISO text with none).
    // The sync ran at 2024-09-02 08:00 UTC (written as the serial 45537 + 8/24; ExcelJS reads a dated cell back as a Date).
    const head = params.getRows(1, params.rowCount)!.find((r) => r.getCell(1).value === 'Код')!;
    expect([head.getCell(3).value]).toEqual(['Последняя успешная загрузка, UTC']);
    const first = params.getRow(head.number + 1);
    expect([first.getCell(3).value, first.getCell(3).numFmt]).toEqual([new Date('2024-09-02T08:00:00Z'), 'dd.mm.yyyy hh:mm']);
  });

  it('an indicator named twice in `metrics` is one sheet (it was a 500: two sheets of one name)', async () => {
    const res = await server.fetch(`/api/export.xlsx?${PERIOD}&metrics=engagement,%20engagement,pairs_by_form`);
    expect(res.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Параметры', 'Вовлечённость', METRICS.find((m) => m.name === 'pairs_by_form')!.short]);
  });

  it('reads metrics= repeated as a list, refuses one naming nothing, and answers HEAD without making or recording an export', async () => {
    // Repeated (it was ignored: the eleven default sheets came).
    const repeated = await server.fetch(`/api/export.xlsx?${PERIOD}&metrics=engagement&metrics=pairs_by_form`);
    expect(repeated.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await repeated.arrayBuffer()) as never);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Параметры', 'Вовлечённость', METRICS.find((m) => m.name === 'pairs_by_form')!.short]);
    // Commas only: no indicator named (it was a workbook of the parameters sheet alone).
    const none = await server.fetch(`/api/export.xlsx?${PERIOD}&metrics=,,,`);
    expect(none.status).toBe(400);
    expect(((await none.json()) as any).error.message).toMatch(/^неверный параметр metrics: не назван ни один показатель; допустимые: engagement, /);
    // HEAD: the headers of the workbook; nothing computed, no audit entry (it counted as a report to the region).
    const exports = async () => (await tmp.db.query(`SELECT count(*)::INTEGER AS n FROM audit_log WHERE action = 'export_xlsx'`))[0]!.n;
    const before = await exports();
    const head = await server.fetch(`/api/export.xlsx?${PERIOD}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(head.headers.get('content-disposition')).toBe('attachment; filename=nastavnichestvo_2023-09-01_2024-08-31.xlsx');
    // One organization, one indicator: both in the name, in Latin letters (two schools' files saved one after the other kept one name).
    const named = async (q: string) => (await server.fetch(`/api/export.xlsx?${PERIOD}&${q}`, { method: 'HEAD' })).headers.get('content-disposition');
    expect(await named(`org=${encodeURIComponent('СОШ-1')}&metrics=engagement`)).toBe('attachment; filename=nastavnichestvo_engagement_SOSh-1_2023-09-01_2024-08-31.xlsx');
    expect(await named(`org=${encodeURIComponent('СОШ-1')}&org=${encodeURIComponent('ДОУ-1')}`)).toBe('attachment; filename=nastavnichestvo_2org_2023-09-01_2024-08-31.xlsx');
    expect(await exports()).toBe(before);
    // And checked as GET is.
    expect((await server.fetch(`/api/export.xlsx?from=2024-02-30`, { method: 'HEAD' })).status).toBe(400);
  });

  it('holds the same numbers as the API, cell by cell, with the total row in bold', async () => {
    for (const m of METRICS.filter((x) => !x.parts)) {
      const { body } = await server.getJson(`/api/metrics/${m.name}?${PERIOD}`);
      const ws = workbook.getWorksheet(m.short)!;
      const cols = allColumns(m);
      if (!body.rows.some((r: { org: string | null }) => r.org !== null)) {
        // Nothing of any organization (the fixture has no «Мероприятия»): said, as the printable report says it.
        expect([m.name, ws.rowCount, ws.getRow(2).getCell(1).value]).toEqual([m.name, 2, 'Нет данных для выбранных организаций и периода.']);
        continue;
      }
      expect(ws.rowCount).toBe(body.rows.length + 1);
      expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
      body.rows.forEach((apiRow: Record<string, unknown>, i: number) => {
        const row = ws.getRow(i + 2);
        cols.forEach((c, j) => {
          const cell = row.getCell(j + 1);
          const v = apiRow[c.name];
          if (c.name === 'org' && v === null) expect(cell.value).toBe('Итого');
          // No value: «—» in a column of numbers, shares or dates (docs/spec/METRICS.md: a share with nobody to count is shown as «—»), empty in a text column.
          else if (v === null || v === undefined) expect(cell.value).toBe(c.unit === 'текст' && c.kind !== 'moment' ? null : '—');
          else if (typeof v === 'number') expect(cell.value).toBe(v);
          else if (c.unit === 'дата' && /^\d{4}-\d{2}-\d{2}$/.test(String(v))) {
            // A real date cell: exceljs reads it back as the UTC midnight of that day.
            expect((cell.value as Date).toISOString().slice(0, 10)).toBe(v);
            expect(cell.numFmt).toBe('dd.mm.yyyy');
          } else if (c.kind === 'moment') {
            // A moment (an organization's last load, UTC) is a date cell with its time (it was text).
            expect((cell.value as Date).toISOString()).toBe(`${String(v).replace(' ', 'T')}.000Z`);
            expect(cell.numFmt).toBe('dd.mm.yyyy hh:mm');
          }
          else if (typeof v === 'boolean') expect(cell.value).toBe(v ? 'да' : 'нет');
          // A status code in the words of its column (data_quality: `ok` → «загружены»).
          else if (c.labels) expect(cell.value).toBe(c.labels[String(v)]);
          else expect(String(cell.value).replace(/^'/, '')).toBe(String(v));
          if (c.unit === 'доля') expect(cell.numFmt).toBe('0.0%');
        });
        expect(Boolean(row.font?.bold)).toBe(apiRow.org === null);
      });
    }
  });

  it('says «нет данных» on a sheet no organization matched, refuses a code it does not know, and writes a unit once', async () => {
    // No organization of the fixture is «Другое»: every sheet says so in the printable report's
    // words — not a row «Итого» of zeros, as if the organizations had nobody.
    const res = await server.fetch(`/api/export.xlsx?${PERIOD}&type=${encodeURIComponent('Другое')}`);
    expect(res.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
    for (const m of METRICS.filter((x) => !x.parts)) {
      const ws = wb.getWorksheet(m.short)!;
      expect([m.name, ws.rowCount, ws.getRow(2).getCell(1).value]).toEqual([m.name, 2, 'Нет данных для выбранных организаций и периода.']);
    }
    // A code typed wrong is a 400 naming it (the registry's spelling when only the case differs),
    // in the export as in the API — never a table of zeros.
    const wrong = await server.fetch(`/api/export.xlsx?${PERIOD}&org=${encodeURIComponent('СОШ-9')}`);
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).error.message).toBe('неверный параметр org (код организации): нет организации с кодом «СОШ-9»');
    const cased = await server.getJson(`/api/metrics/engagement?${PERIOD}&org=${encodeURIComponent('сош-1')}`);
    expect([cased.status, cased.body.error.message]).toEqual([400, 'неверный параметр org (код организации): нет организации с кодом «сош-1»; возможно, «СОШ-1»']);
    // «COШ-1» typed with a Latin C and O: the same hint.
    const latin = await server.getJson(`/api/metrics/engagement?${PERIOD}&org=${encodeURIComponent('COШ-1')}`);
    expect([latin.status, latin.body.error.message]).toEqual([400, 'неверный параметр org (код организации): нет организации с кодом «COШ-1»; возможно, «СОШ-1»']);
    // «Прирост, п.п.» carries its unit already: not «Прирост, п.п., п.п.».
    const growth = workbook.getWorksheet(METRICS.find((m) => m.name === 'qualification_growth')!.short)!;
    const titles = (growth.getRow(1).values as unknown[]).filter((v) => typeof v === 'string') as string[];
    expect(titles).toContain('Прирост, п.п.');
    expect(titles.filter((t) => t.includes('п.п., п.п.'))).toEqual([]);
  });

  it('says how the last read of each organization ended in words, on the parameters sheet as on data_quality\'s', async () => {
    // Both organizations of two-orgs loaded in the one sync: status `ok` in the API, «загружены» for a person
    // (the parameters sheet said «загружена», the data_quality sheet `ok`, the dashboard «загружены»).
    const { body } = await server.getJson(`/api/metrics/data_quality?${PERIOD}`);
    expect(body.rows.filter((r: { org: string | null }) => r.org !== null).map((r: { last_status: string }) => r.last_status)).toEqual(['ok', 'ok']);
    const quality = workbook.getWorksheet(METRICS.find((m) => m.name === 'data_quality')!.short)!;
    const at = allColumns(METRICS.find((m) => m.name === 'data_quality')!).findIndex((c) => c.name === 'last_status') + 1;
    expect([2, 3].map((r) => quality.getRow(r).getCell(at).value)).toEqual(['загружены', 'загружены']);
    const params = workbook.getWorksheet('Параметры')!;
    const freshness: unknown[] = [];
    params.eachRow((row) => {
      if (row.getCell(1).value === 'СОШ-1' || row.getCell(1).value === 'ДОУ-1') freshness.push(row.getCell(4).value);
    });
    expect(freshness).toEqual(['загружены', 'загружены']);
    // CSV: words under the Russian titles (for Excel), the code under the column names (for programs).
    const titled = parseCsv(await (await server.fetch(`/api/metrics/data_quality?${PERIOD}&format=csv`)).text());
    const named = parseCsv(await (await server.fetch(`/api/metrics/data_quality?${PERIOD}&format=csv&header=names`)).text());
    const statusOf = (table: string[][], head: string) => table.slice(1).filter((l) => l.length > 1 && l[0] !== 'Итого').map((l) => l[table[0]!.indexOf(head)]);
    expect(statusOf(titled, 'Итог последней попытки')).toEqual(['загружены', 'загружены']);
    expect(statusOf(named, 'last_status')).toEqual(['ok', 'ok']);
    // A moment stays UTC in a CSV, as the API gives it (the sync ran at 08:00 UTC); its title says the zone.
    expect(statusOf(titled, 'Последняя успешная загрузка, UTC')).toEqual(['2024-09-02 08:00:00', '2024-09-02 08:00:00']);
    expect(statusOf(named, 'last_success')).toEqual(['2024-09-02 08:00:00', '2024-09-02 08:00:00']);
  });

  it('neutralizes formulas and carries no teacher names', async () => {
    const engagement = workbook.getWorksheet('Вовлечённость')!;
    // Row 3 is ДОУ-1 (СОШ-1 first, then the kindergarten): its name is text with a leading apostrophe.
    expect(engagement.getRow(3).getCell(2).value).toBe(`'${EVIL}`);
    const names = (await tmp.db.query(`SELECT fio FROM teachers UNION SELECT mentor FROM pairs`)).map((r) => String(r.fio));
    expect(names.length).toBeGreaterThan(20);
    const surnames = names.map((n) => n.split(' ')[0]!);
    workbook.eachSheet((ws) =>
      ws.eachRow((row) =>
        row.eachCell((cell) => {
          const text = String(cell.value ?? '');
          for (const s of surnames) expect(text.includes(s), `${ws.name}: «${text}» names «${s}»`).toBe(false);
        }),
      ),
    );
  });
});

describe('CSV export', () => {
  it('parses back to the API rows', async () => {
    const { body } = await server.getJson(`/api/metrics/professional_development?${PERIOD}`);
    // For a program: names in the header and a decimal point (the default is for Russian Excel).
    const res = await server.fetch(`/api/metrics/professional_development?${PERIOD}&format=csv&header=names&decimal=point`);
    const [head, ...lines] = parseCsv(await res.text()).filter((l) => l.length > 1);
    expect(head![0]).toBe('org');
    const back = lines.map((l) => Object.fromEntries(head!.map((h, i) => [h, l[i]])));
    expect(back).toHaveLength(body.rows.length);
    body.rows.forEach((r: Record<string, unknown>, i: number) => {
      for (const [k, v] of Object.entries(r)) {
        const cell = back[i]![k];
        if (k === 'org' && v === null) expect(cell).toBe('Итого');
        else if (v === null) expect(cell).toBe('');
        else if (typeof v === 'number') expect(Number(cell)).toBe(v);
        else expect(String(cell).replace(/^'/, '')).toBe(String(v));
      }
    });
    // The formula-like name is neutralized in CSV too.
    const csv = await (await server.fetch(`/api/metrics/engagement?${PERIOD}&format=csv`)).text();
    expect(csv).toContain(`"'=HYPERLINK(""http://x"")"`);
  });
});
