/**
 * Write-back (SHEETS_WRITEBACK=1): after a sync, the tab «Проверка данных» of each
 * organization's spreadsheet is replaced with that organization's current errors and warnings
 * (tab, row, column, value, what is wrong, a link to the row) and the time of the check.
 *
 * Per organization whose findings changed since the last write: one `spreadsheets.get` (the
 * tab's sheetId and the other tabs' gids, for the links) and one `batchUpdate` — `addSheet`
 * when the tab is missing, then one `updateCells` over the whole tab, which writes the rows and
 * clears everything else (clear and write in one atomic request). Whether the findings changed
 * is decided by a hash of the findings (not of the time of the check), kept per organization
 * in `writeback_state` (a table of the schema: server/db/schema.ts, migration 3); an unchanged
 * organization costs no request at all. Its statements: queries/google/writeback.sql.
 *
 * An organization whose write fails is logged (in Russian) and left for the next sync (its
 * hash is not stored); the others are written. Nothing here throws into the sync.
 */
import { createHash } from 'node:crypto';
import type { sheets_v4 } from 'googleapis/build/src/apis/sheets/v4.js';
import { TABS, matchKey } from '../contract/index.ts';
import { isoTs, type Db } from '../db/db.ts';
import { sqlOf } from '../db/queries.ts';
import { extractSpreadsheetId } from './sheetId.ts';
import { GoogleWriteError, findingUrl, tabColumnsOf, type SheetsWriter } from './write.ts';

export const CHECK_TAB = 'Проверка данных';
/** The description of the protection the tab gets when it is made here: how it is told from a school's own tab of that name. */
export const CHECK_TAB_MARK = 'Лист заполняется мониторингом автоматически';
/** Bump when the layout of the tab changes: every organization is then written again. */
const LAYOUT_VERSION = 1;
/** Findings written per organization; the rest are counted in a last line. */
export const MAX_FINDINGS = 5000;
export const CHECK_HEADERS = ['Уровень', 'Лист', 'Строка', 'Столбец', 'Значение', 'Что не так', 'Ссылка'] as const;
const LEVEL_TEXT = { error: 'Ошибка', warning: 'Предупреждение' } as const;
const HEADER_ROWS = 2;
const WIDTHS = [120, 200, 70, 200, 220, 520, 200];

/** A statement of queries/google/writeback.sql. */
const q = (name: string) => sqlOf(`google/writeback#${name}`);

export interface Finding {
  level: 'error' | 'warning';
  tab: string;
  row: number | null;
  column: string | null;
  value: string | null;
  problem: string;
}

/** An organization's current errors and warnings from `issues`, in a stable order. */
export async function orgFindings(db: Db, org: string): Promise<Finding[]> {
  const rows = await db.query(q('org_findings'), { org });
  return sortFindings(rows.map(findingOf));
}

/** A row of `issues` (level, tab, row_no, column_name, value, problem) as a finding. */
export function findingOf(r: Record<string, unknown>): Finding {
  return {
    level: r.level === 'error' ? 'error' : 'warning',
    tab: String(r.tab),
    row: r.row_no === null || r.row_no === undefined ? null : Number(r.row_no),
    column: r.column_name === null || r.column_name === undefined ? null : String(r.column_name),
    value: r.value === null || r.value === undefined ? null : String(r.value),
    problem: String(r.problem),
  };
}

/** Findings in the order a school reads them: the contract's tabs in order, then row, errors first. */
export function sortFindings(findings: Finding[]): Finding[] {
  const tabRank = (t: string) => {
    const i = TABS.findIndex((d) => matchKey(d.title) === matchKey(t));
    return i < 0 ? TABS.length : i;
  };
  const cmp = (a: string | null, b: string | null) => (a ?? '').localeCompare(b ?? '', 'ru');
  return findings.sort(
    (a, b) =>
      tabRank(a.tab) - tabRank(b.tab) ||
      cmp(a.tab, b.tab) ||
      (a.row ?? 0) - (b.row ?? 0) ||
      (a.level === b.level ? 0 : a.level === 'error' ? -1 : 1) ||
      cmp(a.column, b.column) ||
      cmp(a.value, b.value) ||
      cmp(a.problem, b.problem),
  );
}

/** What decides "changed": the layout, the spreadsheet and the findings — never the time of the check. */
export function findingsHash(spreadsheetId: string, findings: readonly Finding[]): string {
  const canonical = JSON.stringify([LAYOUT_VERSION, spreadsheetId, findings.map((f) => [f.level, f.tab, f.row, f.column, f.value, f.problem])]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** «05.03.2025, 14:07» in the spreadsheet's time zone (the server's when unknown or invalid). */
export function checkTime(at: Date, timeZone?: string | null): string {
  const opts: Intl.DateTimeFormatOptions = { day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' };
  try {
    return new Intl.DateTimeFormat('ru-RU', timeZone ? { ...opts, timeZone } : opts).format(at);
  } catch {
    return new Intl.DateTimeFormat('ru-RU', opts).format(at);
  }
}

function countOf(n: number, one: string, few: string, many: string): string {
  const m10 = n % 10;
  const m100 = n % 100;
  return `${n} ${m10 === 1 && m100 !== 11 ? one : m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14) ? few : many}`;
}

/**
 * The tab's content: a status line (time of the check, counts), the header, one row per
 * finding. `linkOf` gives the address of a finding's row (or tab, or the spreadsheet).
 */
export function checkTabRows(findings: readonly Finding[], checkedAt: string, linkOf: (f: Finding) => string): string[][] {
  const errors = findings.filter((f) => f.level === 'error').length;
  const warnings = findings.length - errors;
  const counts =
    findings.length === 0
      ? 'Ошибок и предупреждений нет.'
      : `${countOf(errors, 'ошибка', 'ошибки', 'ошибок')}, ${countOf(warnings, 'предупреждение', 'предупреждения', 'предупреждений')}. Ошибка — строка (или лист) не загружена в мониторинг; предупреждение — загружена, но проверьте значение.`;
  const status = [
    `Проверено: ${checkedAt}`,
    counts,
    '',
    '',
    '',
    'Лист заполняется автоматически после каждой синхронизации; не вносите сюда данные — они будут перезаписаны.',
    '',
  ];
  const rows: string[][] = [status, [...CHECK_HEADERS]];
  for (const f of findings.slice(0, MAX_FINDINGS)) {
    rows.push([LEVEL_TEXT[f.level], f.tab, f.row === null ? '' : String(f.row), f.column ?? '', f.value ?? '', f.problem, linkOf(f)]);
  }
  if (findings.length > MAX_FINDINGS) {
    rows.push(['', '', '', '', '', `… и ещё ${findings.length - MAX_FINDINGS}: все замечания — на странице «Качество данных» мониторинга`, '']);
  }
  return rows;
}

function cellOf(text: string, column: number, rowIndex: number): sheets_v4.Schema$CellData {
  const cell: sheets_v4.Schema$CellData = {};
  if (text !== '') {
    // Row numbers are numbers; everything else is a string value, never parsed as a formula.
    cell.userEnteredValue = column === 2 && rowIndex >= HEADER_ROWS && /^\d+$/.test(text) ? { numberValue: Number(text) } : { stringValue: text };
  }
  const format: sheets_v4.Schema$CellFormat = {};
  if (rowIndex < HEADER_ROWS) format.textFormat = { bold: true };
  else if (column === 6 && text !== '') format.textFormat = { link: { uri: text } };
  if (rowIndex >= HEADER_ROWS && column === 0 && text === LEVEL_TEXT.error) format.textFormat = { bold: true, foregroundColor: { red: 0.75, green: 0.1, blue: 0.1 } };
  if (rowIndex >= HEADER_ROWS) format.wrapStrategy = column === 5 ? 'WRAP' : 'CLIP';
  format.verticalAlignment = 'TOP';
  cell.userEnteredFormat = format;
  return cell;
}

/**
 * The one `batchUpdate` of an organization: `addSheet` (with our sheetId) when the tab is
 * missing, more rows when the tab is too short, then `updateCells` over the whole tab.
 */
export function checkTabRequests(rows: readonly string[][], tab: { sheetId: number; rowCount: number; columnCount: number } | { newSheetId: number }): sheets_v4.Schema$Request[] {
  const requests: sheets_v4.Schema$Request[] = [];
  const needRows = Math.max(rows.length + 10, 100);
  let sheetId: number;
  if ('newSheetId' in tab) {
    sheetId = tab.newSheetId;
    requests.push({
      addSheet: {
        properties: {
          sheetId,
          title: CHECK_TAB,
          gridProperties: { rowCount: needRows, columnCount: CHECK_HEADERS.length, frozenRowCount: HEADER_ROWS },
          tabColorStyle: { rgbColor: { red: 0.85, green: 0.2, blue: 0.2 } },
        },
      },
    });
    requests.push({
      addProtectedRange: {
        protectedRange: { range: { sheetId }, description: CHECK_TAB_MARK, warningOnly: true },
      },
    });
    WIDTHS.forEach((px, i) =>
      requests.push({
        updateDimensionProperties: { range: { sheetId, dimension: 'COLUMNS', startIndex: i, endIndex: i + 1 }, properties: { pixelSize: px }, fields: 'pixelSize' },
      }),
    );
  } else {
    sheetId = tab.sheetId;
    const grid: sheets_v4.Schema$GridProperties = {};
    const fields: string[] = [];
    if (tab.rowCount < rows.length) {
      grid.rowCount = needRows;
      fields.push('gridProperties.rowCount');
    }
    if (tab.columnCount < CHECK_HEADERS.length) {
      grid.columnCount = CHECK_HEADERS.length;
      fields.push('gridProperties.columnCount');
    }
    if (fields.length) requests.push({ updateSheetProperties: { properties: { sheetId, gridProperties: grid }, fields: fields.join(',') } });
  }
  requests.push({
    updateCells: {
      // A range of the whole tab: what `rows` does not cover is cleared (values and formats).
      range: { sheetId },
      rows: rows.map((r, i) => ({ values: r.map((text, c) => cellOf(text, c, i)) })),
      fields: 'userEnteredValue,userEnteredFormat',
    },
  });
  return requests;
}

export interface WritebackOptions {
  writer: SheetsWriter;
  /**
   * The sync just run (sync/run.ts SyncSummary): only organizations whose spreadsheet it read
   * (ok, unchanged, held) are written, and those read in full with their tab titles. Without
   * it: every active organization.
   */
  summary?: { runId?: number; orgs: readonly { org: string; status: string; tabTitles?: readonly string[] }[] } | undefined;
  now?: (() => Date) | undefined;
  log?: ((line: string) => void) | undefined;
}

export interface WritebackResult {
  written: string[];
  unchanged: string[];
  failed: { org: string; message: string }[];
}

let inFlight: Promise<WritebackResult> | null = null;

/**
 * Writes «Проверка данных» into every organization whose findings changed. Never throws: a
 * failure of one organization (or of everything) is logged and reported in the result.
 * Concurrent calls share the run in progress.
 */
export function writeBack(db: Db, opts: WritebackOptions): Promise<WritebackResult> {
  inFlight ??= doWriteBack(db, opts).finally(() => {
    inFlight = null;
  });
  return inFlight;
}

async function doWriteBack(db: Db, opts: WritebackOptions): Promise<WritebackResult> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const now = opts.now ?? (() => new Date());
  const result: WritebackResult = { written: [], unchanged: [], failed: [] };
  try {
    const read = opts.summary ? new Set(opts.summary.orgs.filter((o) => o.status === 'ok' || o.status === 'unchanged' || o.status === 'held').map((o) => o.org)) : null;
    // Sheets read in full this sync whose tab of ours is gone (deleted, renamed by the school, or
    // never written — no rights): written again though the findings are unchanged (they were
    // skipped: the school saw nothing, and the reason — no rights, a tab of its own — was never said).
    const missingTab = new Set(
      // Titles compared as Google compares them (regardless of case): a tab of ours the school
      // renamed in case only is still ours (found so by writeOrg), not written again at every sync.
      (opts.summary?.orgs ?? []).filter((o) => o.status === 'ok' && o.tabTitles !== undefined && !o.tabTitles.some((t) => matchKey(t) === matchKey(CHECK_TAB))).map((o) => o.org),
    );
    const orgs = (await db.query(q('active_orgs')))
      .map((r) => ({ code: String(r.code), sheet: r.sheet === null ? null : String(r.sheet) }))
      .filter((o) => read === null || read.has(o.code));
    const states = new Map((await db.query(q('written_hashes'))).map((r) => [String(r.org), String(r.hash)]));
    const loaded = new Map((await db.query(q('loaded_spreadsheets'))).map((r) => [String(r.org), String(r.spreadsheet_id)]));
    for (const org of orgs) {
      // The registry's spreadsheet, else the one last loaded (a file chip in «Таблица»: sync/state.ts org_sheets).
      const id = (org.sheet === null ? null : extractSpreadsheetId(org.sheet)) ?? loaded.get(org.code) ?? null;
      if (id === null) continue;
      try {
        const findings = await orgFindings(db, org.code);
        const hash = findingsHash(id, findings);
        if (states.get(org.code) === hash && !missingTab.has(org.code)) {
          result.unchanged.push(org.code);
          continue;
        }
        // Each tab's headers' columns at the last load: a finding's link opens its cell.
        const laidOut = new Map((await db.query(q('tab_columns'), { org: org.code })).map((r) => [String(r.title), tabColumnsOf(r.columns)]));
        await writeOrg(opts.writer, org.code, id, findings, laidOut, now());
        await db.write((w) => w.run(q('save_written_hash'), { org: org.code, hash, ts: isoTs(now()) }));
        result.written.push(org.code);
      } catch (e) {
        const message = e instanceof GoogleWriteError ? e.message : `внутренняя ошибка: ${(e as Error).message}`;
        result.failed.push({ org: org.code, message });
        log(`Лист «${CHECK_TAB}» организации ${org.code} не записан: ${message}`);
      }
    }
    if (result.written.length > 0 || result.failed.length > 0) {
      log(`Лист «${CHECK_TAB}»: организаций записано ${result.written.length}, без изменений ${result.unchanged.length}, с ошибкой ${result.failed.length}.`);
    }
    const waited = opts.writer.quotaNote();
    if (waited) log(`Лист «${CHECK_TAB}»: ${waited}`);
    // Said where the coordinator reads the sync, on the organization's line of the run: it was
    // said on the server's console only — the school's sheet kept «нет ошибок» with an old time,
    // and every page said nothing (an acceptance run).
    const runId = opts.summary?.runId;
    if (runId !== undefined && result.failed.length > 0) {
      await db.write((w) =>
        w.run(q('note_failed_writes'), {
          run: runId,
          orgs: result.failed.map((f) => f.org),
          notes: result.failed.map((f) => `лист «${CHECK_TAB}» в таблице не обновлён: ${f.message}`),
        }),
      );
    }
  } catch (e) {
    log(`Запись листов «${CHECK_TAB}» не выполнена: ${(e as Error).message}`);
  }
  return result;
}

async function writeOrg(
  writer: SheetsWriter,
  org: string,
  id: string,
  findings: readonly Finding[],
  laidOut: ReadonlyMap<string, Record<string, number> | null>,
  at: Date,
  again = false,
): Promise<void> {
  const what = `запись листа «${CHECK_TAB}» в таблицу организации ${org} (ID ${id})`;
  const email = await writer.serviceEmail();
  const hints = {
    forbidden: `нет прав на запись: откройте таблице доступ «Редактор» для сервисного аккаунта ${email} (или выключите SHEETS_WRITEBACK)`,
    notFound: 'таблица не найдена: проверьте столбец «Таблица» реестра',
  };
  const meta = await writer.call<sheets_v4.Schema$Spreadsheet>(
    what,
    (c) =>
      c.sheets.spreadsheets.get({
        spreadsheetId: id,
        fields: 'properties.timeZone,sheets(properties(sheetId,title,gridProperties(rowCount,columnCount)),protectedRanges(description))',
      }),
    { ...hints, budget: 'read' },
  );
  const sheets = (meta.sheets ?? []).map((s) => s.properties ?? {});
  // The tabs as Google lists them now, each with its headers' columns at the last load (a finding opens its cell).
  const linkOf = (f: Finding) => findingUrl(id, sheets.map((p) => ({ ...p, columns: laidOut.get(p.title ?? '') })), f);
  const rows = checkTabRows(findings, checkTime(at, meta.properties?.timeZone), linkOf);
  // Google takes tab titles regardless of case: «проверка данных» is the same title (an addSheet
  // of ours beside it would fail on every sync). Ours carries our protection; a school's own tab
  // of that name is never overwritten (it was, whole, without a word: an acceptance run).
  const same = (meta.sheets ?? []).find((s) => matchKey(s.properties?.title ?? '') === matchKey(CHECK_TAB));
  if (same && !(same.protectedRanges ?? []).some((p) => p.description === CHECK_TAB_MARK)) {
    throw new GoogleWriteError(
      `в таблице уже есть лист «${same.properties?.title ?? CHECK_TAB}», который ведёт не мониторинг: он не перезаписывается; переименуйте его (или удалите, если он не нужен) — тогда при следующей синхронизации появится лист «${CHECK_TAB}» с ошибками и предупреждениями`,
      'rejected',
    );
  }
  const own = same?.properties;
  const target = own
    ? { sheetId: own.sheetId ?? 0, rowCount: own.gridProperties?.rowCount ?? 0, columnCount: own.gridProperties?.columnCount ?? 0 }
    : { newSheetId: freeSheetId(sheets.map((p) => p.sheetId ?? 0)) };
  const requests = checkTabRequests(rows, target);
  try {
    await writer.call(what, (c) => c.sheets.spreadsheets.batchUpdate({ spreadsheetId: id, requestBody: { requests } }), hints);
  } catch (e) {
    // The tab added by an attempt whose answer was lost (a batchUpdate is all or nothing), and the
    // retry refused as «already exists»: written once more over the tab that is there now — not
    // reported as Google's English refusal.
    if (!own && !again && e instanceof GoogleWriteError && /already exists/i.test(e.message)) return writeOrg(writer, org, id, findings, laidOut, at, true);
    throw e;
  }
}

/** A sheetId no tab has: a fixed one when free, so the tab keeps a recognizable gid. */
function freeSheetId(taken: readonly number[]): number {
  const set = new Set(taken);
  for (let id = 777_000_001; ; id++) if (!set.has(id)) return id;
}
