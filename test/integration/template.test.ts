/**
 * The XLSX template (issue #11): read back with exceljs it has every tab, header and
 * drop-down list of the contract declaration (compared with the declaration itself); the blank
 * template loads with no error; the template filled with a demo organization's data loads
 * exactly as that organization's data loads directly. Plus `/template.xlsx`, `/help` and the
 * generated page for schools.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATEGORIES, ORDER_ITEMS, TABS, type ColumnDecl } from '../../server/contract/index.ts';
import { schoolDocsMarkdown } from '../../server/contract/schoolDocs.ts';
import { createDemoSource } from '../../server/sources/demo/index.ts';
import { createFolderSource, readXlsx } from '../../server/sources/folder.ts';
import type { RawTab } from '../../server/sources/types.ts';
import { runSync } from '../../server/sync/run.ts';
import { LISTS_SHEET, buildTemplate } from '../../server/template/xlsx.ts';
import { createMemorySource } from '../support/memorySource.ts';
import { openTempDb, startServer, type TempDb } from '../support/server.ts';
import { launch } from '../support/launch.ts';

let dir: string;
let template: Buffer;
let wb: ExcelJS.Workbook;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'monitor-template-'));
  template = await buildTemplate();
  wb = new ExcelJS.Workbook();
  await wb.xlsx.load(template as never);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A cell note as read back: exceljs gives plain text, or rich text runs. */
function noteText(note: unknown): string {
  if (typeof note === 'string') return note;
  return ((note as { texts?: { text: string }[] } | undefined)?.texts ?? []).map((t) => t.text).join('');
}

/** What a column's drop-down must offer, from the declaration's types. */
function declaredList(c: ColumnDecl): string[] | null {
  const t = c.type;
  if (t.kind === 'enum' || t.kind === 'enumList') return t.values.map((v) => v.value);
  if (t.kind === 'category') return CATEGORIES.map((v) => v.value);
  if (t.kind === 'yesno') return ['Да', 'Нет'];
  if (t.kind === 'item') return ORDER_ITEMS.map((i) => i.item);
  return null;
}

/** The values a list validation points at: `'Списки'!$C$1:$C$5` → the cells of that range. */
function listValues(formula: string): string[] {
  const m = /^'?([^'!]+)'?!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)$/.exec(formula);
  if (!m) throw new Error(`not a range: ${formula}`);
  const ws = wb.getWorksheet(m[1]!)!;
  const out: string[] = [];
  for (let r = Number(m[3]); r <= Number(m[5]); r++) out.push(String(ws.getCell(`${m[2]}${r}`).value));
  return out;
}

describe('the XLSX template', () => {
  it('has every tab and header of the declaration, a note on each header, and the drop-down lists', () => {
    // The tabs of the contract, in order, then the hidden lists.
    expect(wb.worksheets.map((ws) => ws.name)).toEqual([...TABS.map((t) => t.title), LISTS_SHEET]);
    expect(wb.getWorksheet(LISTS_SHEET)!.state).toBe('veryHidden');
    let lists = 0;
    for (const tab of TABS) {
      const ws = wb.getWorksheet(tab.title)!;
      expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
      const headers = tab.columns.map((_, i) => ws.getRow(1).getCell(i + 1).value);
      expect(headers, tab.title).toEqual(tab.columns.map((c) => c.header));
      for (const [i, c] of tab.columns.entries()) {
        const text = noteText(ws.getRow(1).getCell(i + 1).note);
        expect(text.startsWith(c.required ? 'Обязательный столбец.' : 'Необязательный столбец.'), `${tab.title}/${c.header}`).toBe(true);
        // Row 2 and the last templated row (1001) carry the column's check.
        for (const row of [2, 1001]) {
          const dv = ws.getRow(row).getCell(i + 1).dataValidation;
          const list = declaredList(c);
          if (list) {
            expect(dv?.type, `${tab.title}/${c.header}`).toBe('list');
            expect(listValues(String(dv!.formulae![0]))).toEqual(list);
            // Several topics in one cell: the list suggests but does not forbid.
            expect(dv!.showErrorMessage).toBe(c.type.kind === 'enumList' ? undefined : true);
            lists++;
          } else if (c.type.kind === 'date') {
            expect(dv?.type).toBe('date');
            expect(ws.getRow(row).getCell(i + 1).numFmt).toBe('dd.mm.yyyy');
          } else if (c.type.kind === 'number') {
            expect(dv).toMatchObject({ type: c.type.integer ? 'whole' : 'decimal', operator: 'between', formulae: [c.type.min, c.type.max] });
          } else if (c.type.kind === 'text') {
            expect(dv).toMatchObject({ type: 'textLength', formulae: [c.type.maxLength] });
          }
        }
      }
    }
    // 2 rows × every enum, enum-list, category, Да/Нет and item column of the declaration.
    const listColumns = TABS.flatMap((t) => t.columns).filter((c) => declaredList(c) !== null).length;
    expect(lists).toBe(2 * listColumns);
    expect(listColumns).toBeGreaterThan(15);

    // «Исполнение распоряжения»: the items of section 3 with their deadlines as notes.
    const compliance = wb.getWorksheet('Исполнение распоряжения')!;
    const items = ORDER_ITEMS.map((_, i) => compliance.getCell(i + 2, 1).value);
    expect(items).toEqual(ORDER_ITEMS.map((i) => i.item));
    const noteOf = (row: number) => noteText(compliance.getCell(row, 1).note);
    expect(noteOf(2)).toBe('Срок исполнения — до 01.03.2023.'); // 3.1
    expect(noteOf(3)).toBe('Исполняется постоянно.'); // 3.2
    expect(noteOf(7)).toBe('Срок исполнения — до 31.03.2023.'); // 3.6
  });

  it('loads blank with no error and no quarantined row', async () => {
    writeFileSync(join(dir, 'blank.xlsx'), template);
    writeFileSync(join(dir, 'registry.csv'), 'Код;Наименование;Тип;Таблица\nСОШ-2;МОУ СОШ № 2;Школа;blank.xlsx\n');
    const tmp = await openTempDb();
    try {
      const s = await runSync({ db: tmp.db, source: createFolderSource(dir), trigger: 'test' });
      expect(s.totals).toMatchObject({ ok: 1, failed: 0, rowsQuarantined: 0 });
      const errors = await tmp.db.query(`SELECT message FROM issues WHERE level IN ('error', 'warning')`);
      expect(errors).toEqual([]);
      // The 13 pre-filled items of the order, none done yet; no other data.
      const [c] = await tmp.db.query(`SELECT count(*)::INTEGER AS n, count(done_date)::INTEGER AS done FROM compliance`);
      expect(c).toEqual({ n: 13, done: 0 });
      const [t] = await tmp.db.query(`SELECT count(*)::INTEGER AS n FROM teachers`);
      expect(t!.n).toBe(0);
    } finally {
      tmp.cleanup();
    }
  });

  it('filled with a demo organization’s data, loads exactly as that data loads directly', async () => {
    const demo = createDemoSource({ referenceDate: '2025-05-15' });
    const registry = await demo.readRegistry();
    // СОШ-1: the first school of the demo registry (code in column A, sheet in column D).
    const header = registry.grid.findIndex((r) => r[0] === 'Код');
    const row = registry.grid.slice(header + 1).find((r) => r[0] === 'СОШ-1')!;
    const entry = { code: 'СОШ-1', name: String(row[1]), type: String(row[2]), sheet: String(row[3]), curator: null, contacts: [], active: true, registryRow: 2 };
    const fetched = await demo.fetchOrg(entry, { lastVersion: null, full: true });
    if (fetched.status !== 'ok') throw new Error('demo fetch failed');
    const tabs: RawTab[] = fetched.tabs;

    writeFileSync(join(dir, 'sosh1.xlsx'), await buildTemplate({ fill: tabs }));
    writeFileSync(join(dir, 'registry.csv'), `Код;Наименование;Тип;Таблица\nСОШ-1;${entry.name};${entry.type};sosh1.xlsx\n`);
    const viaTemplate = await openTempDb();
    const direct = await openTempDb();
    try {
      await runSync({ db: viaTemplate.db, source: createFolderSource(dir), trigger: 'test' });
      const memory = createMemorySource({
        registry: [{ title: 'Организации', grid: [['Код', 'Наименование', 'Тип', 'Таблица'], ['СОШ-1', entry.name, entry.type, 'mem']] }],
        sheets: { mem: tabs },
      });
      await runSync({ db: direct.db, source: memory, trigger: 'test' });
      let rows = 0;
      for (const tab of TABS) {
        // Row numbers may differ (the template has no title rows): everything else is equal.
        const sql = `SELECT * EXCLUDE (run_id, row_no) FROM "${tab.key}" ORDER BY ALL`;
        const a = await viaTemplate.db.query(sql);
        const b = await direct.db.query(sql);
        expect(a, tab.title).toEqual(b);
        rows += a.length;
      }
      expect(rows).toBeGreaterThan(50);
      const problems = `SELECT tab, column_name, value, level, problem FROM issues WHERE level <> 'notice' ORDER BY ALL`;
      expect(await viaTemplate.db.query(problems)).toEqual(await direct.db.query(problems));
    } finally {
      viaTemplate.cleanup();
      direct.cleanup();
    }
  });
});

describe('/template.xlsx and /help', () => {
  it('serves both without a login; the help page is generated and escaped', async () => {
    const tmp: TempDb = await openTempDb();
    const { AuthStore } = await import('../../server/auth/store.ts');
    const server = await startServer({ db: tmp.db, auth: { store: new AuthStore(tmp.db), demoLogin: false } });
    try {
      const xlsx = await fetch(`${server.url}/template.xlsx`);
      expect(xlsx.status).toBe(200);
      expect(xlsx.headers.get('content-disposition')).toContain('shablon_nastavnichestvo.xlsx');
      const served = new ExcelJS.Workbook();
      await served.xlsx.load(Buffer.from(await xlsx.arrayBuffer()) as never);
      expect(served.worksheets.map((w) => w.name)).toEqual(wb.worksheets.map((w) => w.name));
      const help = await fetch(`${server.url}/help`);
      expect(help.status).toBe(200);
      const html = await help.text();
      for (const t of TABS) expect(html).toContain(`<h2>Лист «${t.title}»`);
      // A real message of the sync, quoted: «31.02.2023» is not a date.
      expect(html).toContain('СОШ-2, лист «Педагоги», строка 5, столбец «Дата приёма»: значение «31.02.2023»');
      expect(html).not.toMatch(/<script/i);
    } finally {
      await server.close();
      tmp.cleanup();
    }
  });

  it('docs/for-schools.md is generated and current (run `npm run docs` after a change)', () => {
    expect(readFileSync(new URL('../../docs/for-schools.md', import.meta.url), 'utf8')).toBe(schoolDocsMarkdown());
  });
});

describe('npm run template', () => {
  const run = (args: string[]) =>
    new Promise<{ code: number | null; err: string }>((resolve) => {
      const proc = launch('template', args, { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      proc.stderr!.on('data', (b: Buffer) => (err += b.toString()));
      proc.on('exit', (code) => resolve({ code, err }));
    });

  it('names a wrong option and says why a file cannot be written, in Russian (it was «Не указан файл.» and ENOENT)', async () => {
    const usage = 'Использование: npm run template -- --xlsx <файл.xlsx>';
    expect(await run(['--csv', 'x.csv'])).toEqual({ code: 2, err: `Неизвестный параметр «--csv».\n${usage}\n` });
    expect(await run(['--xlsx', 'a.xlsx', '--open'])).toEqual({ code: 2, err: `Неизвестный параметр «--open».\n${usage}\n` });
    expect(await run(['--xlsx'])).toEqual({ code: 2, err: `Не указан файл.\n${usage}\n` });
    const dir = mkdtempSync(join(tmpdir(), 'tpl-cli-'));
    try {
      expect(await run(['--xlsx', join(dir, 'нет', 'a.xlsx')])).toEqual({ code: 1, err: `Не удалось записать ${join(dir, 'нет', 'a.xlsx')}: папки ${join(dir, 'нет')} нет\n` });
      expect(await run(['--xlsx', dir])).toEqual({ code: 1, err: `Не удалось записать ${dir}: это папка, а не файл\n` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('a workbook written by a program, never opened in Excel', () => {
  it('a formula without a stored result reads as its text, so the check names it (it read as an empty cell, silently)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xlsx-formula-'));
    try {
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet('Педагоги');
      ws.addRow(['ФИО', 'Должность', 'Дата приёма', 'Категория']);
      ws.addRow(['Иванова Анна Петровна', 'учитель', { formula: 'DATE(2020,9,1)' }, 'Первая']);
      // With its result stored (as Excel saves it): the result.
      ws.addRow(['Петров Борис Ильич', 'учитель', { formula: 'DATE(2015,9,1)', result: new Date(Date.UTC(2015, 8, 1)) }, 'Первая']);
      const file = join(dir, 'СОШ-1.xlsx');
      await wb.xlsx.writeFile(file);
      const [tab] = await readXlsx(file);
      expect(tab!.grid[1]![2]).toBe('=DATE(2020,9,1)');
      // A date cell reads as the school sees it, дд.мм.гггг (as a Google date-formatted cell does).
      expect(tab!.grid[2]![2]).toBe('01.09.2015');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
