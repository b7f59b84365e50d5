/**
 * Issue #17, "a sync never loses data silently": every fault class, through the real
 * `googleapis` client against the fake Sheets server and the real server on port 0.
 *
 * The municipality is the hand-worked fixture of metrics.test.ts (test/fixtures/municipality:
 * СОШ-7 with 18 teachers and 6 rows of «Исполнение распоряжения», ДОУ-5 with 12 teachers,
 * ДДТ-1 with 10). After a clean sync every metric is recorded for two periods (P1 the school
 * year 2023/24, P2 the calendar year 2024; the totals 33 and 34 teachers are worked out in
 * metrics.test.ts). Then, fault by fault: the fault is applied, a sync runs, and
 *   - every metric of every organization answers exactly what it answered before (the rows of
 *     every metric but «Качество данных», whose job is to report the fault, and the overview's
 *     count of organizations with fresh data, which is derived from it);
 *   - the fault is named where people look: the sync's outcome (what `npm run sync` prints),
 *     the organization's state in «Качество данных» (what the organization's page shows), the
 *     findings of GET /api/quality;
 *   - the fault is repaired and the next sync loads again.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthStore } from '../../server/auth/store.ts';
import { countOf } from '../../server/contract/index.ts';
import { openDatabase } from '../../server/db/schema.ts';
import { METRICS } from '../../server/metrics/metrics.ts';
import { parseCsv } from '../../server/sources/csv.ts';
import { createGoogleSource, type GoogleSourceOptions } from '../../server/sources/google.ts';
import type { Source } from '../../server/sources/types.ts';
import { acceptArgs } from '../../server/sync/holds.ts';
import { holdsOnlyDemoData } from '../../server/sync/state.ts';
import { runSync, summaryLine, type SyncSummary } from '../../server/sync/run.ts';
import { startFakeSheets, type FakeSheets, type FakeTab, type RawAnswer } from '../../fakes/googleSheets.ts';
import { openTempDb, startServer, type RunningServer, type TempDb } from '../support/server.ts';
import { createMemorySource } from '../support/memorySource.ts';
import { asFakeTabs } from '../support/sheetsGrid.ts';
import { launch } from '../support/launch.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const FIXTURE = join(ROOT, 'test/fixtures/municipality');
const KEY = 'faults-api-key-0001';
const REG = '1FaultsRegistryAbCdEfGhIj';
const ID: Record<string, string> = {
  'СОШ-7': '1FaultsSchoolSevenAbCdEfG',
  'ДОУ-5': '1FaultsKinderFiveAbCdEfGh',
  'ДДТ-1': '1FaultsHouseOneAbCdEfGhIj',
};
const S7 = ID['СОШ-7']!;
const P1 = { from: '2023-09-01', to: '2024-08-31' };
const P2 = { from: '2024-01-01', to: '2024-12-31' };
const NOW = new Date('2025-01-20T09:00:00Z');

/** The fixture's tabs of one organization as Google would hold them. */
function tabsOf(code: string): FakeTab[] {
  return asFakeTabs(
    readdirSync(join(FIXTURE, code)).map((f) => ({ title: f.replace(/\.csv$/, ''), grid: parseCsv(readFileSync(join(FIXTURE, code, f), 'utf8')) })),
  );
}

function registry(codes: readonly string[]): FakeTab {
  const rows = parseCsv(readFileSync(join(FIXTURE, 'registry.csv'), 'utf8'));
  const [header, ...body] = rows;
  const sheet = header!.indexOf('Таблица');
  return {
    title: 'Организации',
    rows: [header!, ...body.filter((r) => codes.includes(r[0]!)).map((r) => r.map((c, i) => (i === sheet ? ID[r[0]!]! : c)))],
  };
}
const ALL = ['СОШ-7', 'ДОУ-5', 'ДДТ-1'];

let fake: FakeSheets;
let tmp: TempDb;
let server: RunningServer;
let token: string;
let started: Promise<SyncSummary> | null = null;

const source = (o: Partial<GoogleSourceOptions> = {}) =>
  createGoogleSource({ registryId: REG, apiKey: KEY, rootUrl: fake.url, sleep: async () => undefined, random: () => 0.5, maxRetries: 2, ...o });
const sync = (o: { full?: boolean; at?: Date; src?: ReturnType<typeof source> } = {}) =>
  runSync({ db: tmp.db, source: o.src ?? source(), trigger: 'test', full: o.full ?? false, now: () => o.at ?? NOW });

async function api(path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });
  return { status: res.status, body: await res.json() };
}

/** Every metric's rows for both periods: the figures a fault must not change. */
async function figures(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const asks = METRICS.filter((m) => m.name !== 'data_quality').flatMap((m) => [P1, P2].map((p) => ({ m, p })));
  // Asked together, as the dashboard does (the server computes two at a time per account).
  await Promise.all(
    asks.map(async ({ m, p }) => {
      const { status, body } = await api(`/api/metrics/${m.name}?from=${p.from}&to=${p.to}`);
      expect(status, JSON.stringify(body)).toBe(200);
      out[`${m.name} ${p.from}`] = m.name === 'overview' ? body.rows.map(({ orgs_fresh: _f, ...r }: Record<string, unknown>) => r) : body.rows;
    }),
  );
  return out;
}

/** The organization's line of «Качество данных» (what its page shows). */
async function state(code: string): Promise<Record<string, any>> {
  const { body } = await api(`/api/metrics/data_quality?org=${encodeURIComponent(code)}`);
  return body.rows.find((r: { org: string | null }) => r.org === code);
}

async function findings(code?: string): Promise<any> {
  return (await api(`/api/quality${code ? `?org=${encodeURIComponent(code)}` : ''}`)).body;
}

const outcomeOf = (s: SyncSummary, code: string) => s.orgs.find((o) => o.org === code)!;

/**
 * СОШ-7's value ranges as values.batchGet answers them (each named as its tab, rows as stored):
 * the first two swapped (`swap`), or in order with the first data cell replaced by `cell`.
 */
/** СОШ-7's tabs in the order its spreadsheet lists them (and batchGet is asked for them). */
const S7_TABS = tabsOf('СОШ-7').map((t) => t.title);

function swappedRanges(swap = true, cell?: unknown): { range: string; values: unknown[][] }[] {
  const ranges = tabsOf('СОШ-7').map((t) => ({ range: `'${t.title}'!A1:Z1000`, values: t.rows.map((r) => [...r]) as unknown[][] }));
  if (cell !== undefined) ranges[0]!.values[1]![0] = cell;
  if (swap) [ranges[0], ranges[1]] = [ranges[1]!, ranges[0]!];
  return ranges;
}

/** A whole-spreadsheet answer of «Педагоги» alone: its declared size, and its rows of text cells. */
function sizedTab(gridProperties: { rowCount: number; columnCount: number }, rows: string[][]) {
  const rowData = rows.map((r) => ({ values: r.map((v) => ({ effectiveValue: { stringValue: v } })) }));
  const body = { spreadsheetId: S7, sheets: [{ properties: { title: 'Педагоги', sheetType: 'GRID', gridProperties }, data: [{ rowData }] }] };
  return { kind: 'get' as const, contentType: 'application/json', body: JSON.stringify(body) };
}

let baseline: Record<string, unknown>;

beforeAll(async () => {
  fake = await startFakeSheets({ requireKey: KEY });
  fake.setSpreadsheet(REG, { tabs: [registry(ALL)] });
  for (const code of ALL) fake.setSpreadsheet(ID[code]!, { tabs: tabsOf(code) });
  tmp = await openTempDb();
  const store = new AuthStore(tmp.db);
  token = (await store.createToken({ name: 'faults-bot', role: 'coordinator' })).token;
  server = await startServer({
    db: tmp.db,
    now: () => new Date('2024-06-15T10:00:00Z'),
    auth: { store, demoLogin: false },
    startSync: () => (started = sync()),
  });
});
afterAll(async () => {
  await server.close();
  await fake.close();
  tmp.cleanup();
});

describe('a sync never loses data silently', () => {
  it('loads the municipality (the figures every fault below must leave as they are)', async () => {
    const s = await sync();
    expect([s.status, s.totals.ok, s.totals.failed]).toEqual(['ok', 3, 0]);
    baseline = await figures();
    // The populations of metrics.test.ts: P1 14 + 10 + 9 = 33, P2 15 + 10 + 9 = 34 teachers.
    const total = (p: typeof P1) => (baseline[`engagement ${p.from}`] as { org: string | null; teachers: number }[]).find((r) => r.org === null)!.teachers;
    expect([total(P1), total(P2)]).toEqual([33, 34]);
  });

  const html = '<!doctype html><html><head><title>Вход в сеть</title></head><body>Авторизуйтесь в сети учреждения</body></html>';
  // `batchGet` cases run the source in its two-request mode (titles, then values.batchGet),
  // which is also the fallback of the default one-request read for a sheet over the byte cap.
  const cases: { what: string; answer: RawAnswer; named: string }[] = [
    { what: 'a proxy page instead of the tab list', answer: { kind: 'get', body: html }, named: `текст вместо JSON: «${html.slice(0, 60)}…»` },
    { what: 'an empty JSON object instead of the tab list', answer: { kind: 'get', body: '{}', contentType: 'application/json' }, named: 'в ответе нет списка листов' },
    // Cut after 60 characters in the message: `{"valueRanges": [{"range": "'Педагоги'!A1:J19", "values": [[` is 60.
    { what: 'an answer cut off in the middle', answer: { kind: 'batchGet', body: '{"valueRanges": [{"range": "\'Педагоги\'!A1:J19", "values": [["ФИО"', contentType: 'application/json' }, named: `оборванный или повреждённый JSON (65 символов): «{"valueRanges": [{"range": "'Педагоги'!A1:J19", "values": [[…»` },
    // JSON that parses, with a Content-Type that is not JSON (a proxy rewrote it): said so, not «текст».
    { what: 'JSON sent as text', answer: { kind: 'get', body: '{"spreadsheetId": "x"}', contentType: 'text/plain' }, named: 'JSON, присланный как текст (заголовок Content-Type не application/json): «{"spreadsheetId": "x"}»' },
    { what: 'fewer value ranges than asked for', answer: { kind: 'batchGet', body: JSON.stringify({ spreadsheetId: S7, valueRanges: [] }), contentType: 'application/json' }, named: 'диапазонов в ответе 0 вместо 6' },
    { what: 'a list instead of an object', answer: { kind: 'batchGet', body: '[]', contentType: 'application/json' }, named: 'список вместо объекта' },
    // Six empty tabs would look just so, but Google names every range it answers.
    { what: 'value ranges without their addresses', answer: { kind: 'batchGet', body: JSON.stringify({ spreadsheetId: S7, valueRanges: Array.from({ length: 6 }, () => ({})) }), contentType: 'application/json' }, named: 'в ответе у диапазона нет адреса (range)' },
    // A cache or proxy that answers with another school's spreadsheet: its teachers would load as
    // СОШ-7's (and count twice in the municipality's totals).
    {
      what: 'another spreadsheet answered',
      answer: { kind: 'get', contentType: 'application/json', body: JSON.stringify({ spreadsheetId: ID['ДДТ-1'], sheets: [{ properties: { title: 'Педагоги', sheetType: 'GRID' }, data: [{ rowData: [] }] }] }) },
      named: `ответ о другой таблице (${ID['ДДТ-1']})`,
    },
    {
      what: 'a spreadsheet answer that does not name its spreadsheet',
      answer: { kind: 'get', contentType: 'application/json', body: JSON.stringify({ sheets: [{ properties: { title: 'Педагоги', sheetType: 'GRID' }, data: [{ rowData: [] }] }] }) },
      named: 'в ответе нет ID таблицы (spreadsheetId)',
    },
    // Value ranges out of order (each named truthfully): by position, one tab's rows would be read
    // under another's headers and the school blamed for missing columns.
    {
      what: 'value ranges answered out of order',
      answer: { kind: 'batchGet', contentType: 'application/json', body: JSON.stringify({ spreadsheetId: S7, valueRanges: swappedRanges() }) },
      named: `в ответе диапазон листа «${S7_TABS[1]}» вместо запрошенного «${S7_TABS[0]}»`,
    },
    // A cell that is not a value (`values.*` sends text, numbers and logical values only): read as it is, "[object Object]".
    {
      what: 'a cell that is an object in a value range',
      answer: { kind: 'batchGet', contentType: 'application/json', body: JSON.stringify({ spreadsheetId: S7, valueRanges: swappedRanges(false, { stringValue: 'Власова Дарья Игоревна' }) }) },
      named: `в ответе лист «${S7_TABS[0]}», строка 2, столбец 1: значение ячейки — не текст, не число и не логическое значение (объект)`,
    },
    { what: 'an empty body', answer: { kind: 'get', body: '', contentType: 'application/json' }, named: 'пустой ответ' },
    // A whole answer sent as octet-stream: gaxios hands it over as a Blob, which was read as an object without tabs.
    {
      what: 'a whole answer sent as application/octet-stream',
      answer: { kind: 'get', contentType: 'application/octet-stream', body: JSON.stringify({ spreadsheetId: S7, sheets: [{ properties: { title: 'Педагоги', sheetType: 'GRID' }, data: [{ rowData: [] }] }] }) },
      named: `двоичные данные вместо JSON (${Buffer.byteLength(JSON.stringify({ spreadsheetId: S7, sheets: [{ properties: { title: 'Педагоги', sheetType: 'GRID' }, data: [{ rowData: [] }] }] }))} байт): заголовок Content-Type ответа не application/json`,
    },
    // JSON of the right outline whose cells are not Google's: read as they are, the school's
    // rows would load as empty cells, blamed on the school («обязательное поле не заполнено»).
    {
      what: 'a number sent as text in a cell',
      answer: { kind: 'get', contentType: 'application/json', body: JSON.stringify({ spreadsheetId: S7, sheets: [{ properties: { title: 'Педагоги', sheetType: 'GRID' }, data: [{ rowData: [{ values: [{ effectiveValue: { stringValue: 'ФИО' } }, { effectiveValue: { numberValue: '12' } }] }] }] }] }) },
      named: 'лист «Педагоги», строка 1, столбец 2: значение ячейки numberValue — не число',
    },
    // Rows and cells beyond the tab's own size: Google never sends data outside the grid, and the
    // size limits are checked on that size (it loaded, without a word: an acceptance run).
    {
      what: 'more rows than the tab has',
      answer: sizedTab({ rowCount: 2, columnCount: 26 }, [['ФИО'], ['ФИО'], ['ФИО']]),
      named: 'лист «Педагоги»: строк с данными — 3, а в листе по его размеру (gridProperties) — 2',
    },
    {
      what: 'more cells in a row than the tab has columns',
      answer: sizedTab({ rowCount: 1000, columnCount: 1 }, [['ФИО', 'Должность']]),
      named: 'лист «Педагоги», строка 1: столбцов с данными — 2, а в листе по его размеру (gridProperties) — 1',
    },
    {
      // The fake's tabs are 1,000 rows: 1,001 in a range.
      what: 'a value range longer than its tab',
      answer: {
        kind: 'batchGet',
        contentType: 'application/json',
        body: JSON.stringify({ spreadsheetId: S7, valueRanges: swappedRanges(false).map((r, i) => (i === 0 ? { ...r, values: Array.from({ length: 1001 }, (_, j) => r.values[j % r.values.length]) } : r)) }),
      },
      named: `в ответе лист «${S7_TABS[0]}»: строк с данными — 1\u00a0001, а в листе по его размеру (gridProperties) — 1\u00a0000`,
    },
    // Two tabs of one title, or of one id, and data that starts elsewhere than the first cell:
    // Google never sends them (the school was told to keep one of two «Аттестация» it did not
    // have; the others loaded without a word: an acceptance run).
    {
      what: 'one tab twice',
      answer: {
        kind: 'get',
        contentType: 'application/json',
        body: JSON.stringify({ spreadsheetId: S7, sheets: [1, 2].map((sheetId) => ({ properties: { sheetId, title: 'Педагоги', sheetType: 'GRID' }, data: [{ rowData: [] }] })) }),
      },
      named: 'лист «Педагоги» в ответе дважды (в таблице Google названия листов не повторяются)',
    },
    {
      what: 'two tabs of one id',
      answer: {
        kind: 'get',
        contentType: 'application/json',
        body: JSON.stringify({ spreadsheetId: S7, sheets: ['Педагоги', 'Аттестация'].map((title) => ({ properties: { sheetId: 7, title, sheetType: 'GRID' }, data: [{ rowData: [] }] })) }),
      },
      named: 'у двух листов в ответе один ID (sheetId 7; в таблице Google он у каждого листа свой)',
    },
    {
      what: 'a tab’s data from its third row',
      answer: { kind: 'get', contentType: 'application/json', body: JSON.stringify({ spreadsheetId: S7, sheets: [{ properties: { title: 'Педагоги', sheetType: 'GRID' }, data: [{ startRow: 2, rowData: [] }] }] }) },
      named: 'лист «Педагоги»: данные листа начинаются не с первой ячейки (startRow 2)',
    },
    {
      what: 'tabs without their cells',
      answer: { kind: 'get', contentType: 'application/json', body: JSON.stringify({ spreadsheetId: S7, sheets: [{ properties: { title: 'Педагоги', sheetType: 'GRID' } }] }) },
      named: 'лист «Педагоги»: нет данных листа (data)',
    },
  ];
  for (const c of cases) {
    it(`a 200 that is not what Google sends — ${c.what}: the organization fails, keeps its data, is read again next time`, async () => {
      fake.setTabRows(S7, 'Педагоги', fake.spreadsheet(S7)!.tabs.find((t) => t.title === 'Педагоги')!.rows); // the school edits: a new modifiedTime
      fake.answerNext(S7, c.answer);
      const s = await sync(c.answer.kind === 'batchGet' ? { src: source({ readMode: 'batchGet' }) } : {});
      const message =
        `Google вернул при чтении таблицы организации СОШ-7 ответ не в формате Google Sheets API (${c.named}); ` +
        'возможно, ответил прокси-сервер или страница входа в сеть. Таблица не загружена, прежние данные организации сохранены; повторите синхронизацию позже';
      expect([s.status, outcomeOf(s, 'СОШ-7').status, outcomeOf(s, 'СОШ-7').message]).toEqual(['partial', 'failed', message]);
      expect(await figures()).toEqual(baseline);
      expect(await state('СОШ-7')).toMatchObject({ last_status: 'failed', stale: true, last_message: message, teachers_rows: 18, compliance_rows: 6 });
      // The version was not stored: the next sync reads the changed sheet again, and loads it.
      const again = await sync();
      expect([again.status, outcomeOf(again, 'СОШ-7').status]).toEqual(['ok', 'ok']);
      expect(await state('СОШ-7')).toMatchObject({ last_status: 'ok', stale: false });
    });
  }

  it('a 200 from Drive that is a page (a proxy on Drive’s address): change detection is skipped, the sheet is read and loads', async () => {
    fake.setTabRows(S7, 'Педагоги', fake.spreadsheet(S7)!.tabs.find((t) => t.title === 'Педагоги')!.rows); // a new modifiedTime
    fake.answerNext(S7, { kind: 'drive.files.get', body: html });
    const s = await sync();
    // It failed СОШ-7 («Google Drive: текст вместо JSON») without reading its sheet: now read, as when Drive refuses.
    expect([s.status, outcomeOf(s, 'СОШ-7').status, outcomeOf(s, 'СОШ-7').message]).toEqual(['ok', 'ok', null]);
    expect(await figures()).toEqual(baseline);
    expect(await state('СОШ-7')).toMatchObject({ last_status: 'ok', stale: false, teachers_rows: 18 });
  });

  it('an optional tab renamed, then deleted: its rows are kept, with a warning naming the tab and the rows kept', async () => {
    fake.renameTab(S7, 'Исполнение распоряжения', 'Исполнение (архив)');
    const s = await sync();
    expect([s.status, outcomeOf(s, 'СОШ-7').status, outcomeOf(s, 'СОШ-7').message]).toEqual([
      'ok',
      'ok',
      'лист «Исполнение распоряжения» не найден — сохранены 6 строк прошлой загрузки',
    ]);
    expect(await figures()).toEqual(baseline);
    expect(await state('СОШ-7')).toMatchObject({ compliance_rows: 6, warnings: 1 });
    const warning = (await findings('СОШ-7')).issues.filter((i: any) => i.tab === 'Исполнение распоряжения');
    expect(warning.map((i: any) => [i.level, i.row, i.message])).toEqual([
      [
        'warning',
        null,
        'СОШ-7, лист «Исполнение распоряжения»: листа «Исполнение распоряжения» нет в таблице; сохранены данные прошлой загрузки — 6 строк. ' +
          'Если лист переименован, верните ему название «Исполнение распоряжения»; если записи удалены намеренно, оставьте на листе строку заголовков — тогда лист загрузится пустым',
      ],
    ]);

    fake.deleteTab(S7, 'Исполнение (архив)');
    const deleted = await sync();
    expect(outcomeOf(deleted, 'СОШ-7').message).toBe('лист «Исполнение распоряжения» не найден — сохранены 6 строк прошлой загрузки');
    expect(await figures()).toEqual(baseline);
    // Read again unchanged: what the last load said still holds, and the organization's line keeps saying it.
    const same = await sync();
    expect(outcomeOf(same, 'СОШ-7').status).toBe('unchanged');
    expect(await state('СОШ-7')).toMatchObject({ last_status: 'unchanged', stale: false, last_message: 'лист «Исполнение распоряжения» не найден — сохранены 6 строк прошлой загрузки' });

    // Restored: it loads again, and the warning is gone.
    fake.setSpreadsheet(S7, { tabs: tabsOf('СОШ-7') });
    const back = await sync();
    expect([outcomeOf(back, 'СОШ-7').status, outcomeOf(back, 'СОШ-7').message]).toEqual(['ok', null]);
    expect(await state('СОШ-7')).toMatchObject({ compliance_rows: 6, warnings: 0 });
  });

  it('a tab that keeps only its header means "no rows" and loads so (6 rows lost: under the shrink guard), with a warning naming the rows it had', async () => {
    const header = fake.spreadsheet(S7)!.tabs.find((t) => t.title === 'Исполнение распоряжения')!.rows[0]!;
    fake.setTabRows(S7, 'Исполнение распоряжения', [header]);
    const s = await sync();
    expect([outcomeOf(s, 'СОШ-7').status, outcomeOf(s, 'СОШ-7').message]).toEqual(['ok', null]);
    expect(await state('СОШ-7')).toMatchObject({ compliance_rows: 0, warnings: 1 });
    expect((await findings('СОШ-7')).issues.filter((i: any) => i.level === 'warning' && i.row === null).map((i: any) => i.message)).toEqual([
      'СОШ-7, лист «Исполнение распоряжения»: в прошлой загрузке на листе 6 строк, теперь — ни одной: лист загружен пустым; если строки удалены по ошибке, верните их',
    ]);
    fake.setSpreadsheet(S7, { tabs: tabsOf('СОШ-7') });
    await sync();
    expect(await figures()).toEqual(baseline);
  });

  it('«Педагоги» emptied to its header: the load is held with both counts until the coordinator accepts it', async () => {
    const header = fake.spreadsheet(S7)!.tabs.find((t) => t.title === 'Педагоги')!.rows.slice(0, 1); // «delete rows» left the header
    fake.setTabRows(S7, 'Педагоги', header);
    const s = await sync();
    const message =
      'загрузка задержана: на листе «Педагоги» в прошлой загрузке 18 строк, теперь загрузилось бы 0 строк — пропало больше половины строк. ' +
      'Прежние данные организации сохранены; если строки удалены намеренно, подтвердите загрузку: кнопка «Принять уменьшение и загрузить» на странице организации ' +
      'или npm run sync -- --accept-shrink СОШ-7';
    expect([s.status, outcomeOf(s, 'СОШ-7').status, outcomeOf(s, 'СОШ-7').message]).toEqual(['partial', 'held', message]);
    expect(summaryLine(s)).toContain('с ошибкой 0, задержано до подтверждения 1;');
    expect(await figures()).toEqual(baseline);
    expect(await state('СОШ-7')).toMatchObject({ last_status: 'held', stale: true, last_message: message, teachers_rows: 18 });
    const hold = (await findings('СОШ-7')).issues.filter((i: any) => i.level === 'error');
    expect(hold.map((i: any) => [i.tab, i.row, i.message])).toEqual([
      [
        'Педагоги',
        null,
        'СОШ-7, лист «Педагоги»: в прошлой загрузке на листе 18 строк, теперь загрузилось бы 0 строк — больше половины строк пропало, ' +
          'поэтому таблица организации не загружена и показаны прежние данные; если строки удалены намеренно, подтвердите загрузку: ' +
          'кнопка «Принять уменьшение и загрузить» на странице организации или npm run sync -- --accept-shrink СОШ-7',
      ],
    ]);
    // Not accepted: the next sync holds it again (one hold finding, not two).
    const again = await sync();
    expect(outcomeOf(again, 'СОШ-7').status).toBe('held');
    // Another organization's load is not held: nothing to accept (an acceptance kept waiting for a
    // later load let an unrelated emptying of the sheet load unasked), nothing recorded.
    const notHeld = await api(`/api/orgs/${encodeURIComponent('ДОУ-5')}/accept-shrink`, { method: 'POST' });
    expect(notHeld).toEqual({
      status: 409,
      body: { error: { code: 'not_held', message: 'загрузка ДОУ-5 не задержана — подтверждать нечего: подтверждение даётся задержанной загрузке («задержана до подтверждения») и действует на одну загрузку' } },
    });
    expect(await tmp.db.query(`SELECT * FROM shrink_acceptances`)).toEqual([]);
    expect((await api('/api/registry/accept-shrink', { method: 'POST' })).status).toBe(409);
    expect((await findings('СОШ-7')).issues.filter((i: any) => i.level === 'error')).toHaveLength(1);

    // The coordinator accepts on the organization's page: audited, a sync starts and loads it as it is.
    const accepted = await api(`/api/orgs/${encodeURIComponent('СОШ-7')}/accept-shrink`, { method: 'POST' });
    expect(accepted).toEqual({ status: 202, body: { accepted: 'СОШ-7', sync_started: true, message: 'Принято: синхронизация запущена, данные будут загружены как есть.' } });
    const done = await started!;
    // As the sheet is now: no teachers, so every row that names one of them is quarantined —
    // pairs 10, programs 6, courses 10, attestation 12 = 38 — and only «Исполнение распоряжения» loads (6).
    expect([outcomeOf(done, 'СОШ-7').status, outcomeOf(done, 'СОШ-7').rowsLoaded, outcomeOf(done, 'СОШ-7').rowsQuarantined]).toEqual(['ok', 6, 38]);
    expect(await state('СОШ-7')).toMatchObject({ last_status: 'ok', stale: false, teachers_rows: 0 });
    const audit = await tmp.db.query(`SELECT actor, action, target FROM audit_log WHERE action = 'accept_shrink'`);
    expect(audit).toEqual([{ actor: 'faults-bot', action: 'accept_shrink', target: 'СОШ-7' }]);
    // The acceptance was used once: restoring the teachers is a growth, loaded as usual.
    expect(await tmp.db.query(`SELECT * FROM shrink_acceptances`)).toEqual([]);
    fake.setSpreadsheet(S7, { tabs: tabsOf('СОШ-7') });
    expect((await sync()).status).toBe('ok');
    expect(await figures()).toEqual(baseline);
  });

  it('a registry emptied to its header, or answered by a proxy page: the whole sync fails and nothing changes', async () => {
    fake.setSpreadsheet(REG, { tabs: [registry([])] });
    const empty = await sync();
    const message =
      'реестр организаций (лист «Организации»): в реестре нет ни одной организации (на листе только заголовок или пустые строки); ' +
      'синхронизация остановлена, данные не изменены — верните строки организаций';
    expect([empty.status, empty.message, empty.orgs]).toEqual(['failed', message, []]);
    expect(await figures()).toEqual(baseline);
    expect((await findings()).issues.filter((i: any) => i.org === null).map((i: any) => i.level)).toEqual(['error']);

    fake.setSpreadsheet(REG, { tabs: [registry(ALL)] });
    fake.answerNext(REG, { kind: 'values.get', body: '<html><body>502 Bad Gateway</body></html>' });
    const proxied = await sync();
    expect([proxied.status, proxied.message]).toEqual([
      'failed',
      'Google вернул при чтении реестра организаций (таблица 1FaultsRegistryAbCdEfGhIj) ответ не в формате Google Sheets API ' +
        '(текст вместо JSON: «<html><body>502 Bad Gateway</body></html>»); возможно, ответил прокси-сервер или страница входа в сеть. ' +
        'Синхронизация остановлена, данные не изменены; повторите её позже',
    ]);
    // The registry's finding quotes it once («…повторите её позже; данные не изменены» said it twice).
    expect((await findings()).issues.filter((i: any) => i.org === null && i.level === 'error').map((i: any) => i.message)).toEqual([
      `лист «Организации»: реестр организаций не прочитан: ${proxied.message}`,
    ]);
    expect(await figures()).toEqual(baseline);
    expect((await sync()).status).toBe('ok');
  });

  it('a registry that drops more than half of its organizations is held until accepted', async () => {
    fake.setSpreadsheet(REG, { tabs: [registry(['СОШ-7'])] });
    const s = await sync();
    const message =
      'реестр организаций (лист «Организации»): в прошлой синхронизации в нём 3 организации, теперь — 1 организация; пропали 2 (ДДТ-1, ДОУ-5) — больше половины. ' +
      'Синхронизация остановлена, данные не изменены. Если организации исключены из реестра намеренно, подтвердите: кнопка «Принять изменение реестра» ' +
      'на странице «Качество данных» или npm run sync -- --accept-shrink реестр';
    expect([s.status, s.message]).toEqual(['failed', message]);
    expect(await figures()).toEqual(baseline);
    expect((await findings()).registry_hold).toBe(message);

    const accepted = await api('/api/registry/accept-shrink', { method: 'POST' });
    expect([accepted.status, accepted.body.accepted]).toEqual([202, 'реестр']);
    expect((await started!).status).toBe('ok');
    expect((await findings()).registry_hold).toBeNull();
    const { body } = await api(`/api/metrics/engagement?from=${P1.from}&to=${P1.to}`);
    expect(body.rows.map((r: { org: string | null }) => r.org)).toEqual(['СОШ-7', null]);

    // Listed again: their stored data is back unchanged.
    fake.setSpreadsheet(REG, { tabs: [registry(ALL)] });
    expect((await sync()).status).toBe('ok');
    expect(await figures()).toEqual(baseline);
  });

  it('a tab whose grid is over the limits is refused unread; the other tabs load', async () => {
    fake.setGridSize(S7, 'Аттестация', 60_000, 26);
    fake.clearRequests();
    // The two-request read (titles with grid sizes first), as for a sheet over the byte cap.
    const s = await sync({ src: source({ readMode: 'batchGet' }) });
    expect([s.status, outcomeOf(s, 'СОШ-7').status, outcomeOf(s, 'СОШ-7').message]).toEqual([
      'ok',
      'ok',
      'лист «Аттестация» не загружен из-за ошибки листа; для него сохранены данные прошлой загрузки',
    ]);
    // Not one cell of it was asked for: the batch read names the other five tabs.
    const batch = fake.requests.filter((r) => r.kind === 'batchGet' && r.spreadsheetId === S7);
    expect(batch).toHaveLength(1);
    expect([...batch[0]!.ranges!].sort()).toEqual(
      ["'Исполнение распоряжения'", "'Наставнические пары'", "'Педагоги'", "'Повышение квалификации'", "'Программы наставничества'"].sort(),
    );
    expect(await figures()).toEqual(baseline);
    const error = (await findings('СОШ-7')).issues.filter((i: any) => i.level === 'error');
    expect(error.map((i: any) => i.message)).toEqual([
      `СОШ-7, лист «Аттестация»: лист «Аттестация» слишком большой: в нём ${countOf(60_000, 'строка', 'строки', 'строк')} вместе с пустыми ` +
        `(предел — ${countOf(50_000, 'строка', 'строки', 'строк')}); лист не прочитан, его строки в базе не изменены; ` +
        'удалите лишние строки и столбцы (пустые в конце листа тоже считаются) или перенесите старые записи в другую таблицу',
    ]);
    // The default one-request read sees the same grid size in its answer and refuses the tab too.
    fake.setTabRows(S7, 'Педагоги', fake.spreadsheet(S7)!.tabs.find((t) => t.title === 'Педагоги')!.rows);
    const one = await sync();
    expect([outcomeOf(one, 'СОШ-7').status, outcomeOf(one, 'СОШ-7').message, outcomeOf(one, 'СОШ-7').requests]).toEqual([
      'ok',
      'лист «Аттестация» не загружен из-за ошибки листа; для него сохранены данные прошлой загрузки',
      2,
    ]);
    expect(await figures()).toEqual(baseline);
    fake.setGridSize(S7, 'Аттестация', 1000, 26);
    expect(outcomeOf(await sync(), 'СОШ-7').message).toBeNull();
  });

  it('an answer over the byte bound without a Content-Length is cut off: the organization fails, its data stays', async () => {
    fake.setTabRows(S7, 'Педагоги', fake.spreadsheet(S7)!.tabs.find((t) => t.title === 'Педагоги')!.rows);
    const big = JSON.stringify({ valueRanges: Array.from({ length: 6 }, () => ({ range: 'A1', values: Array.from({ length: 2000 }, (_, i) => [`строка ${i}`, 'x'.repeat(20)]) })) });
    expect(big.length).toBeGreaterThan(64 * 1024);
    fake.answerNext(S7, { kind: 'batchGet', body: big, contentType: 'application/json; charset=UTF-8', chunked: true });
    const s = await sync({ src: source({ readMode: 'batchGet', maxResponseBytes: 64 * 1024 }) });
    expect([outcomeOf(s, 'СОШ-7').status, outcomeOf(s, 'СОШ-7').message]).toEqual([
      'failed',
      'ответ Google при чтении таблицы организации СОШ-7 больше 64 КБ — таблица слишком большая и не загружена, прежние данные организации сохранены; удалите лишние строки, столбцы и листы',
    ]);
    expect(await figures()).toEqual(baseline);
    expect((await sync()).status).toBe('ok');
  });

  it('an organization not read for longer than STALE_AFTER_HOURS is stale, even when the registry cannot be read', async () => {
    fake.setStatus(REG, 403);
    const later = new Date(NOW.getTime() + 49 * 3_600_000);
    const s = await sync({ at: later });
    expect(s.status).toBe('failed');
    expect(await figures()).toEqual(baseline);
    for (const code of ALL) {
      expect(await state(code)).toMatchObject({ stale: true, last_message: 'таблица не читалась успешно дольше 48 ч' });
    }
    fake.setStatus(REG, null);
    expect((await sync({ at: later })).status).toBe('ok');
    for (const code of ALL) expect(await state(code)).toMatchObject({ stale: false, last_message: null });
  });

  it('a last load stamped by a clock that ran ahead is never taken for fresh: stale, naming the clock', async () => {
    // The registry unreadable from here on: only the clock decides. The last success is `later`
    // (the test above); put back 20 years, the server's clock finds it 20 years ahead.
    fake.setStatus(REG, 403);
    const before = new Date(NOW.getTime() - 20 * 365 * 24 * 3_600_000);
    expect((await sync({ at: before })).status).toBe('failed');
    expect(await figures()).toEqual(baseline);
    for (const code of ALL) {
      expect(await state(code)).toMatchObject({
        stale: true,
        last_message: 'время последней успешной загрузки позже текущего времени больше чем на сутки — часы сервера сбивались; проверьте их: насколько стары данные, неизвестно',
      });
    }
    fake.setStatus(REG, null);
    expect((await sync({ at: new Date(NOW.getTime() + 50 * 3_600_000) })).status).toBe('ok');
    for (const code of ALL) expect(await state(code)).toMatchObject({ stale: false, last_message: null });
  });
});

describe('the first real sync after the demo', () => {
  it('starts from a clean slate: a real organization that shares a demo code never shows demo figures, and the demo registry is not "shrunk"', async () => {
    const local = await openTempDb();
    try {
      // The demo municipality as `npm start` loads it: here the two-organization fixture, served by a demo source.
      const twoOrgs = join(ROOT, 'test/fixtures/two-orgs');
      const demo = createMemorySource({
        registry: [{ title: 'Организации', grid: parseCsv(readFileSync(join(twoOrgs, 'registry.csv'), 'utf8')) }],
        sheets: Object.fromEntries(['СОШ-1', 'ДОУ-1'].map((code) => [code, readdirSync(join(twoOrgs, code)).map((f) => ({ title: f.replace(/\.csv$/, ''), grid: parseCsv(readFileSync(join(twoOrgs, code, f), 'utf8')) }))])),
      });
      const asDemo: Source = { ...demo, kind: 'demo', readRegistry: () => demo.readRegistry(), fetchOrg: (o, c) => demo.fetchOrg(o, c) };
      expect((await runSync({ db: local.db, source: asDemo, trigger: 'test', now: () => NOW })).status).toBe('ok');
      const [{ n: demoTeachers }] = (await local.db.query(`SELECT count(*)::INTEGER AS n FROM teachers WHERE org = 'СОШ-1'`)) as [{ n: number }];
      expect(demoTeachers).toBe(11);

      // The real registry: a school with the demo's code СОШ-1 whose sheet cannot be read (404), and СОШ-7;
      // and a row of one cell that names the demo's other organization: a section heading of this
      // registry, not the demo's ДОУ-1 with a broken row (it failed the run as that organization).
      const realRegistry = '1FaultsRealRegistryAbCdEf';
      fake.setSpreadsheet(realRegistry, {
        tabs: [{ title: 'Организации', rows: [['Код', 'Наименование', 'Тип', 'Таблица'], ['СОШ-1', 'МОУ СОШ № 1', 'Школа', '1FaultsNoSuchSheetAbCdEfG'], ['СОШ-7', 'МОУ СОШ № 7', 'Школа', S7], ['ДОУ-1', '', '', '']] }],
      });
      const s = await runSync({ db: local.db, source: source({ registryId: realRegistry }), trigger: 'test', now: () => NOW });
      expect([s.status, s.orgs.map((o) => [o.org, o.status])]).toEqual(['partial', [['СОШ-1', 'failed'], ['СОШ-7', 'ok']]]);
      expect(await local.db.query(`SELECT org, count(*)::INTEGER AS n FROM teachers GROUP BY org ORDER BY org`)).toEqual([{ org: 'СОШ-7', n: 18 }]);
      expect(await local.db.query(`SELECT code FROM orgs ORDER BY code`)).toEqual([{ code: 'СОШ-1' }, { code: 'СОШ-7' }]);
      expect(await holdsOnlyDemoData(local.db)).toBe(false);
      // And the demo is never loaded over it again.
      const back = await runSync({ db: local.db, source: asDemo, trigger: 'test', now: () => NOW });
      expect([back.status, back.message]).toEqual([
        'failed',
        'демонстрационные данные не загружаются в базу, где уже есть данные из таблиц организаций; источник не настроен — задайте SHEETS_REGISTRY_ID (Google Таблицы) или SOURCE_DIR (папка)',
      ]);
      expect(await local.db.query(`SELECT org, count(*)::INTEGER AS n FROM teachers GROUP BY org ORDER BY org`)).toEqual([{ org: 'СОШ-7', n: 18 }]);
    } finally {
      local.cleanup();
    }
  });
});

describe('a sync stopped mid-way', () => {
  it('is marked interrupted by the next one; a shrink that is not held is not accepted from the command line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faults-kill-'));
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TZ: 'UTC',
      ENV_FILE: '',
      MONITOR_DB: join(dir, 'kill.duckdb'),
      SHEETS_REGISTRY_ID: REG,
      GOOGLE_API_KEY: KEY,
      GOOGLE_API_ROOT: fake.url,
    };
    const cli = (args: string[]) => launch('sync', args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      // The first run hangs on Google (10 s per answer) and is stopped (SIGTERM, as a scheduler
      // stops it) once it has asked: it says so and exits 1 (it exited 143 without a word).
      fake.latencyMs = 10_000;
      const before = fake.requests.length;
      const first = cli([]);
      let stopped = '';
      first.stderr!.on('data', (b: Buffer) => (stopped += b.toString()));
      const exited = new Promise((resolve) => first.on('exit', resolve));
      await expect.poll(() => fake.requests.length, { timeout: 20_000, interval: 50 }).toBeGreaterThan(before);
      first.kill('SIGTERM');
      expect(await exited).toBe(1);
      expect(stopped).toContain(
        'Синхронизация прервана (SIGTERM): организации, загруженные до остановки, сохранены, остальные — с прежними данными; следующая синхронизация отметит эту прерванной и прочитает их.',
      );
      fake.latencyMs = 0;

      // Accepting a registry that is not held: refused before anything runs (exit 2), nothing recorded.
      const second = cli(['--accept-shrink', 'Реестр']);
      let out = '';
      second.stdout!.on('data', (b: Buffer) => (out += b.toString()));
      second.stderr!.on('data', (b: Buffer) => (out += b.toString()));
      const code = await new Promise((resolve) => second.on('exit', resolve));
      expect(code, out).toBe(2);
      expect(out).toContain('реестр не задержан — подтверждать нечего');
      const third = cli([]);
      out = '';
      third.stdout!.on('data', (b: Buffer) => (out += b.toString()));
      third.stderr!.on('data', (b: Buffer) => (out += b.toString()));
      expect(await new Promise((resolve) => third.on('exit', resolve)), out).toBe(0);

      const db = await openDatabase(env.MONITOR_DB);
      try {
        expect(await db.query(`SELECT id, status, message FROM sync_runs ORDER BY id`)).toEqual([
          {
            id: 1,
            status: 'interrupted',
            message: 'синхронизация прервана: процесс был остановлен до её окончания; организации, загруженные до остановки, сохранены, остальные — с прежними данными',
          },
          { id: 2, status: 'ok', message: null },
        ]);
        expect(await db.query(`SELECT actor, action, target FROM audit_log`)).toEqual([]);
        expect(await db.query(`SELECT * FROM shrink_acceptances`)).toEqual([]);
      } finally {
        db.close();
      }
    } finally {
      fake.latencyMs = 0;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('reads --accept-shrink as the README writes it', () => {
    expect(acceptArgs(['--accept-shrink', 'СОШ-2', '--full', '--accept-shrink=ДОУ-1, реестр'])).toEqual(['СОШ-2', 'ДОУ-1', 'реестр']);
    expect(acceptArgs(['--accept-shrink'])).toBeNull();
    expect(acceptArgs(['--accept-shrink', '--full'])).toBeNull();
    expect(acceptArgs(['--full'])).toEqual([]);
  });
});
