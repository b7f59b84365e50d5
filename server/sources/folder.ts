/**
 * The `folder` source: a directory laid out like the sheets, for an offline school, a test or
 * a migration. `registry.csv` or `registry.xlsx` (tab `Организации`) lists the organizations;
 * each organization's `Таблица` names an `.xlsx` file (tabs as in the contract) or a
 * sub-folder with one `.csv` per tab (file name = tab title). The version is a content hash,
 * so unchanged files are skipped like unchanged Google sheets.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type ExcelJS from 'exceljs';

/** exceljs is loaded when a workbook is first made or read (it costs a server's start ~0.3 s otherwise). */
const excel = async () => (await import('exceljs')).default;
import { REGISTRY_TAB, findTab, registryTabsProblem } from '../contract/index.ts';
import { downMergeOf, fillDownMerges } from '../contract/merges.ts';
import { isPercentFormat, percentText, ruDate } from '../contract/values.ts';
import { parseCsv } from './csv.ts';
import { SourceError, type Cell, type FetchContext, type FetchResult, type Grid, type OrgEntry, type RawTab, type Source } from './types.ts';

/** An exceljs cell value as a Sheets-like cell: dates as serial numbers, formulas as results. */
function toCell(v: ExcelJS.CellValue): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (v instanceof Date) {
    // exceljs gives dates as UTC instants; take the UTC calendar day (no local time zone), as the
    // school sees it (values.ts dateText: a date in a text column is the date, not its serial number).
    return ruDate(v.toISOString().slice(0, 10));
  }
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((r) => r.text).join('');
    if ('error' in v) return String(v.error);
    // A formula the file holds no computed result of (written by a program, never opened in
    // Excel): its text, so that the check says what the cell holds — it read as empty, silently
    // (a hire date lost without a word).
    const formulaText = (): string =>
      // A shared formula's other cells name only the cell that holds it: no text of their own.
      'formula' in v && typeof v.formula === 'string' ? `=${v.formula}` : '(формула без сохранённого значения)';
    if ('result' in v && v.result !== undefined && v.result !== null) return toCell(v.result as ExcelJS.CellValue);
    if ('text' in v && typeof v.text === 'string') return v.text;
    if ('formula' in v || 'sharedFormula' in v || 'result' in v) return formulaText();
  }
  return String(v);
}

export async function readXlsx(path: string): Promise<RawTab[]> {
  const wb = new (await excel()).Workbook();
  await wb.xlsx.readFile(path);
  return wb.worksheets.map((ws) => {
    const grid: Grid = [];
    ws.eachRow({ includeEmpty: true }, (row, rowNumber) => {
      const cells: Cell[] = [];
      row.eachCell({ includeEmpty: true }, (cell, col) => {
        // exceljs gives every cell of a merged range the range's value. Across columns it would
        // copy a value into the next column (a merged header «ФИО» over A:B read as «ФИО» twice):
        // there, as in Google Sheets, only the first column holds it. Down a column (a group's
        // mentor merged over its pairs' rows) the rows get it by the rule of every source, below.
        const value = cell.isMerged && cell.master !== cell && Number(cell.master.col) !== Number(cell.col) ? null : toCell(cell.value);
        // A percent cell as the school sees it («9%»), as the Google read gives it (values.ts percentText).
        cells[col - 1] = typeof value === 'number' && isPercentFormat(cell.numFmt) ? percentText(value) : value;
      });
      for (let i = 0; i < cells.length; i++) if (cells[i] === undefined) cells[i] = null;
      grid[rowNumber - 1] = cells;
    });
    for (let i = 0; i < grid.length; i++) if (grid[i] === undefined) grid[i] = [];
    // Ranges merged down a column (contract/merges.ts): only rows with something of their own get the value.
    const merges = ((ws.model as { merges?: unknown }).merges ?? []) as unknown[];
    fillDownMerges(grid, merges.flatMap((m) => (typeof m === 'string' ? (downMergeOf(m) ?? []) : [])));
    return ws.state === 'hidden' || ws.state === 'veryHidden' ? { title: ws.name, grid, hidden: true } : { title: ws.name, grid };
  });
}

/** UTF-8 when the bytes are UTF-8, else Windows-1251: what Russian Excel writes as «CSV (разделители — запятые)». */
const UTF8 = new TextDecoder('utf-8', { fatal: true });
const CP1251 = new TextDecoder('windows-1251');

export function csvText(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    // Not UTF-8: a file of Russian Excel read as UTF-8 had no header row anyone could find.
    return CP1251.decode(bytes);
  }
}

function readCsvTab(path: string): RawTab {
  return { title: basename(path, extname(path)), grid: parseCsv(csvText(readFileSync(path))) };
}

function hashFiles(paths: string[]): string {
  const h = createHash('sha256');
  for (const p of paths.sort()) {
    h.update(basename(p));
    h.update(readFileSync(p));
  }
  return h.digest('hex').slice(0, 16);
}

export function createFolderSource(dir: string): Source {
  const locate = (org: OrgEntry): string | null => {
    const candidates = [org.sheet, `${org.sheet}.xlsx`, `${org.code}.xlsx`, org.code];
    for (const c of candidates) {
      const p = join(dir, c);
      if (existsSync(p)) return p;
    }
    return null;
  };
  return {
    kind: 'folder',
    description: `папка ${dir}`,
    async readRegistry() {
      const csv = join(dir, 'registry.csv');
      const xlsx = join(dir, 'registry.xlsx');
      if (existsSync(csv)) return { ...readCsvTab(csv), title: REGISTRY_TAB.title };
      if (existsSync(xlsx)) {
        let tabs: RawTab[];
        try {
          tabs = await readXlsx(xlsx);
        } catch {
          throw new SourceError(`не удалось прочитать реестр организаций ${xlsx}: файл повреждён или это не .xlsx`, 'bad_shape');
        }
        // Found like every tab (docs/spec/CONTRACT.md 2): never another sheet in its place.
        const twice = registryTabsProblem(tabs.map((t) => t.title), REGISTRY_TAB.title);
        if (twice !== null) throw new SourceError(twice, 'bad_shape');
        const tab = findTab(tabs, REGISTRY_TAB.title);
        if (tab) return tab;
        const have = tabs.map((t) => `«${t.title}»`).join(', ') || 'нет ни одного';
        throw new SourceError(`в реестре организаций ${xlsx} нет листа «${REGISTRY_TAB.title}»; листы: ${have}`, 'bad_shape');
      }
      throw new SourceError(`в папке ${dir} нет реестра организаций (registry.csv или registry.xlsx)`, 'not_found');
    },
    async fetchOrg(org: OrgEntry, ctx: FetchContext): Promise<FetchResult> {
      const path = locate(org);
      if (!path) {
        throw new SourceError(`таблица организации ${org.code} не найдена: в папке нет «${org.sheet}» (ни .xlsx, ни папки с .csv)`, 'not_found');
      }
      try {
        if (statSync(path).isDirectory()) {
          const files = readdirSync(path).filter((f) => f.toLowerCase().endsWith('.csv')).map((f) => join(path, f));
          const version = hashFiles(files);
          if (!ctx.full && ctx.lastVersion === version) return { status: 'unchanged', version, requests: 0, retries: 0 };
          return { status: 'ok', tabs: files.map(readCsvTab), version, requests: 0, retries: 0 };
        }
        const version = hashFiles([path]);
        if (!ctx.full && ctx.lastVersion === version) return { status: 'unchanged', version, requests: 0, retries: 0 };
        return { status: 'ok', tabs: await readXlsx(path), version, requests: 0, retries: 0 };
      } catch (e) {
        if (e instanceof SourceError) throw e;
        throw new SourceError(`не удалось прочитать таблицу организации ${org.code} (${basename(path)}): файл повреждён или это не .xlsx`, 'bad_shape');
      }
    },
  };
}
