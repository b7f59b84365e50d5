/**
 * The `google` source with the real googleapis client against the fake Sheets server on
 * 127.0.0.1. No network, no Google account; backoff sleeps are injected and recorded.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { createFolderSource, readXlsx } from '../../server/sources/folder.ts';
import { parseOrg } from '../../server/sync/validate.ts';
import { formatIssue } from '../../server/contract/issues.ts';
import { createGoogleSource, type GoogleSourceOptions } from '../../server/sources/google.ts';
import { RateLimiter, backoffDelay } from '../../server/google/budget.ts';
import { extractSpreadsheetId, quoteSheetTitle } from '../../server/google/sheetId.ts';
import { SourceError, type OrgEntry } from '../../server/sources/types.ts';
import { networkDescription, parseRetryAfter } from '../../server/google/failure.ts';
import { writeServiceAccountKey } from '../support/serviceAccount.ts';
import { startFakeSheets, type FakeSheets, type FakeTab } from '../../fakes/googleSheets.ts';

const KEY = 'AIzaTEST-secret-key-0123456789';
const REGISTRY_ID = '1RegistryAbcDEF_ghi-000';

let fake: FakeSheets;
let tmp: string;
/** Every SourceError message seen in this file, checked for secrets at the end. */
const messages: string[] = [];

function org(code: string, sheet: string): OrgEntry {
  return { code, name: `Организация ${code}`, type: 'Школа', sheet, curator: null, contacts: [], active: true, registryRow: 2 };
}

function source(extra: Partial<GoogleSourceOptions> = {}) {
  const delays: number[] = [];
  const src = createGoogleSource({
    registryId: `https://docs.google.com/spreadsheets/d/${REGISTRY_ID}/edit#gid=0`,
    apiKey: KEY,
    rootUrl: fake.url,
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 0.5,
    ...extra,
  });
  return { src, delays };
}

async function sourceError(p: Promise<unknown>): Promise<SourceError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SourceError);
    const e = err as SourceError;
    messages.push(e.message);
    return e;
  }
  throw new Error('expected a SourceError');
}

const ORG_TABS: FakeTab[] = [
  {
    title: 'Педагоги',
    rows: [
      ['Список педагогов'],
      [],
      ['ФИО', 'Должность', 'Дата приёма', 'Стаж', 'Наставник'],
      ['Иванова Анна Петровна', 'учитель', 45000, 12.5, true],
      ['Петров Пётр', 'воспитатель', null, 1, null, null], // trailing empties: trimmed
      ['Сидорова', null, 44927], // a ragged row with an inner gap
    ],
  },
  { title: 'Наставнические пары', rows: [['Наставник', 'Наставляемый'], ['Иванова Анна Петровна', 'Петров Пётр']] },
  { title: "Дела'2024", rows: [['Пункт', 'Дата исполнения'], ['3.1', 44986]] },
  { title: 'Пустой лист', rows: [] },
  { title: 'Диаграмма', rows: [], sheetType: 'OBJECT' },
];

beforeAll(async () => {
  fake = await startFakeSheets({ requireKey: KEY });
  tmp = mkdtempSync(join(tmpdir(), 'google-source-'));
  fake.setSpreadsheet(REGISTRY_ID, {
    tabs: [
      { title: 'Инструкция', rows: [['Заполняйте лист «Организации»']] },
      {
        title: '  ОРГАНИЗАЦИИ. ',
        rows: [
          ['Код', 'Наименование', 'Тип', 'Таблица', 'Куратор', 'Активна'],
          ['СОШ-2', 'МБОУ «СОШ № 2»', 'Школа', 'https://docs.google.com/spreadsheets/d/1Sosh2_abcdef/edit', 'Смирнова', 'Да'],
          ['ДОУ-21', 'МБДОУ № 21', 'Детский сад', '1Dou21_abcdef'],
        ],
      },
    ],
  });
});

afterAll(async () => {
  await fake.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('pure helpers', () => {
  it('extractSpreadsheetId takes an ID or a URL and rejects garbage', () => {
    expect(extractSpreadsheetId('1AbC_dEf-123')).toBe('1AbC_dEf-123');
    expect(extractSpreadsheetId('  1AbC_dEf-123 ')).toBe('1AbC_dEf-123');
    expect(extractSpreadsheetId('https://docs.google.com/spreadsheets/d/1AbC_dEf-123/edit#gid=0')).toBe('1AbC_dEf-123');
    expect(extractSpreadsheetId('https://docs.google.com/spreadsheets/u/0/d/1AbC_dEf-123')).toBe('1AbC_dEf-123');
    expect(extractSpreadsheetId('https://drive.google.com/open?id=1AbC_dEf-123')).toBe('1AbC_dEf-123');
    expect(extractSpreadsheetId('')).toBeNull();
    expect(extractSpreadsheetId('таблица СОШ-2')).toBeNull();
    expect(extractSpreadsheetId('not an id at all')).toBeNull();
    expect(extractSpreadsheetId('https://example.com/page')).toBeNull();
    expect(extractSpreadsheetId('-----')).toBeNull();
    // "Published to the web" links carry an ID the API does not accept.
    expect(extractSpreadsheetId('https://docs.google.com/spreadsheets/d/e/2PACX-1vRabc/pubhtml')).toBeNull();
  });

  it('quotes tab titles for A1', () => {
    expect(quoteSheetTitle("Дела'2024")).toBe("'Дела''2024'");
    expect(quoteSheetTitle('Наставнические пары')).toBe("'Наставнические пары'");
  });

  it('backoff is full jitter under an exponential cap; Retry-After is seconds or an HTTP date', () => {
    expect(backoffDelay(0, () => 0.5)).toBe(250);
    expect(backoffDelay(3, () => 0.5)).toBe(2000);
    expect(backoffDelay(20, () => 0.999)).toBeLessThan(32_000);
    expect(backoffDelay(5, () => 0)).toBe(0);
    const now = Date.UTC(2024, 0, 1, 12, 0, 0);
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(new Date(now + 3000).toUTCString(), now)).toBe(3000);
    expect(parseRetryAfter(new Date(now - 3000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

describe('network failures in words', () => {
  // What undici and gaxios throw, reduced to their shape: a message with the address, and codes down the causes.
  const wrapped = (message: string, cause: Record<string, unknown>) => ({ name: 'FetchError', message, config: {}, cause });
  it('names the failure in Russian with its codes, never the address or the library\'s text', () => {
    expect(networkDescription(wrapped('request to http://10.0.0.1/v4/x?key=1 failed, reason: connect ECONNREFUSED', { code: 'ECONNREFUSED' }), 30_000)).toBe(
      'сервер отказал в соединении (ECONNREFUSED)',
    );
    expect(networkDescription(wrapped('Invalid response body while trying to fetch http://h/v4/x: aborted', { code: 'ECONNRESET' }), 30_000)).toBe('соединение разорвано (ECONNRESET)');
    expect(networkDescription(wrapped('getaddrinfo ENOTFOUND sheets.googleapis.com', { code: 'ENOTFOUND' }), 30_000)).toBe('адрес сервера не найден (DNS) (ENOTFOUND)');
    expect(networkDescription(wrapped('self-signed certificate in certificate chain', { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), 30_000)).toBe(
      'защищённое соединение не установлено (сертификат сервера не принят; возможно, прокси-сервер сети подменяет HTTPS) (SELF_SIGNED_CERT_IN_CHAIN)',
    );
    expect(networkDescription(wrapped('Invalid response body while trying to fetch http://h/v4/x: premature close', {}), 30_000)).toBe('ответ оборван на середине');
    // A body labelled gzip that is not (it was «ответ оборван на середине»).
    expect(networkDescription(wrapped('Invalid response body while trying to fetch http://h/v4/x: incorrect header check', { code: 'Z_DATA_ERROR' }), 30_000)).toBe(
      'ответ повреждён: сжатый ответ не распаковывается (возможно, его изменил прокси-сервер сети) (Z_DATA_ERROR)',
    );
    expect(networkDescription(wrapped('something else entirely', {}), 30_000)).toBe('сетевая ошибка');
    // 1500 ms → «1,5 с» (a decimal comma); under a second in ms.
    expect(networkDescription({ name: 'AbortError', message: 'aborted' }, 1500)).toBe('превышено время ожидания ответа (1,5 с)');
    expect(networkDescription({ name: 'AbortError', message: 'aborted' }, 800)).toBe('превышено время ожидания ответа (800 мс)');
  });
});

describe('RateLimiter (injected clock)', () => {
  function clock() {
    const c = { t: 0, slept: [] as number[] };
    return {
      c,
      now: () => c.t,
      sleep: async (ms: number) => {
        c.slept.push(ms);
        c.t += ms;
      },
    };
  }

  it('grants `limit` requests per sliding window, then waits for the oldest to leave it', async () => {
    const k = clock();
    const rl = new RateLimiter({ limit: 3, windowMs: 1000, now: k.now, sleep: k.sleep });
    await rl.acquire();
    k.c.t = 100;
    await rl.acquire();
    k.c.t = 200;
    await rl.acquire();
    expect(k.c.slept).toEqual([]);
    await rl.acquire(); // the 4th waits until the first (t=0) leaves the window
    expect(k.c.t).toBe(1000);
    expect(k.c.slept).toEqual([1000 - 200]);
    await rl.acquire(); // then until t=100 leaves
    expect(k.c.t).toBe(1100);
    expect(rl.inWindow()).toBe(3);
  });

  it('serves concurrent callers in order and never exceeds the limit', async () => {
    const k = clock();
    const rl = new RateLimiter({ limit: 2, windowMs: 60_000, now: k.now, sleep: k.sleep });
    const granted: [number, number][] = [];
    await Promise.all([0, 1, 2, 3, 4].map((i) => rl.acquire().then(() => granted.push([i, k.c.t]))));
    expect(granted.map(([i]) => i)).toEqual([0, 1, 2, 3, 4]);
    expect(granted.map(([, t]) => t)).toEqual([0, 0, 60_000, 60_000, 120_000]);
  });

  it('is a no-op without a limit', async () => {
    const k = clock();
    const rl = new RateLimiter({ limit: Infinity, now: k.now, sleep: k.sleep });
    for (let i = 0; i < 1000; i++) await rl.acquire();
    expect(k.c.slept).toEqual([]);
  });
});

describe('google source against the fake Sheets server', () => {
  it('reads the registry tab by a tolerant title (2 requests, the key sent)', async () => {
    const { src } = source();
    fake.clearRequests();
    const reg = await src.readRegistry();
    expect(reg.title).toBe('  ОРГАНИЗАЦИИ. ');
    expect(reg.grid[0]).toEqual(['Код', 'Наименование', 'Тип', 'Таблица', 'Куратор', 'Активна']);
    expect(reg.grid[2]).toEqual(['ДОУ-21', 'МБДОУ № 21', 'Детский сад', '1Dou21_abcdef']);
    expect(fake.requests.map((r) => r.kind)).toEqual(['get', 'values.get']);
    expect(fake.requests[1]?.ranges).toEqual(["'  ОРГАНИЗАЦИИ. '"]);
    expect(fake.requests.every((r) => r.auth === 'key' && r.status === 200)).toBe(true);
    expect(src.description).not.toContain(KEY);
  });

  it('finds the registry tab by the contract\'s title rule, as the folder source does: «Организации!» is «Организации»', async () => {
    // One rule for both sources (contract/normalize.ts matchKey): case, ё/е, spaces and punctuation do not matter.
    const rows = [
      ['Код', 'Наименование', 'Тип', 'Таблица'],
      ['СОШ-7', 'МБОУ «СОШ № 7»', 'Школа', '1Sosh7_abcdef'],
    ];
    fake.setSpreadsheet('1RegBang_0000', { tabs: [{ title: 'Лист1', rows: [['x']] }, { title: 'Организации!', rows }] });
    const fromGoogle = await source({ registryId: '1RegBang_0000' }).src.readRegistry();
    expect(fromGoogle.title).toBe('Организации!');
    expect(fromGoogle.grid).toEqual(rows);

    const dir = mkdtempSync(join(tmp, 'folder-'));
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Лист1').addRow(['x']);
    const ws = wb.addWorksheet('Организации!');
    for (const r of rows) ws.addRow(r);
    await wb.xlsx.writeFile(join(dir, 'registry.xlsx'));
    const fromFolder = await createFolderSource(dir).readRegistry();
    expect(fromFolder.title).toBe('Организации!');
    expect(fromFolder.grid).toEqual(rows);
  });

  it('reads merged cells of an .xlsx as Google Sheets shows them across columns, and fills them down a column', async () => {
    // A header «ФИО» merged over A1:B1 was read as «ФИО» twice («столбец «ФИО» встречается
    // дважды»: the whole tab refused). A mentor merged down A3:A4 (a group) is the mentor of both rows.
    const dir = mkdtempSync(join(tmp, 'merged-'));
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Организации');
    ws.addRow(['Код', '', 'Таблица']);
    ws.addRow(['СОШ-7', 'МБОУ «СОШ № 7»', 'sosh7']);
    ws.addRow(['ДОУ-5', 'МБДОУ № 5', 'dou5']);
    ws.addRow(['', 'МБДОУ № 6', 'dou6']);
    ws.addRow([]);
    ws.addRow([]);
    ws.addRow(['СОШ-9', '', '']);
    ws.addRow(['', 'МОУ № 9', 'sosh9']);
    ws.mergeCells('A1:B1');
    ws.mergeCells('A3:A4');
    // «Таблица» merged down C4:C6, past the last row (4): rows 5–6 hold nothing of their own and stay empty.
    ws.mergeCells('C4:C6');
    // A7:A8, row 7 holding nothing but the merged value: row 7 is empty, the value row 8's.
    ws.mergeCells('A7:A8');
    await wb.xlsx.writeFile(join(dir, 'registry.xlsx'));
    expect((await createFolderSource(dir).readRegistry()).grid).toEqual([
      ['Код', null, 'Таблица'],
      ['СОШ-7', 'МБОУ «СОШ № 7»', 'sosh7'],
      ['ДОУ-5', 'МБДОУ № 5', 'dou5'],
      ['ДОУ-5', 'МБДОУ № 6', 'dou6'],
      [null, null, null],
      [null, null, null],
      [null, '', ''],
      ['СОШ-9', 'МОУ № 9', 'sosh9'],
    ]);
  });

  it('reads merged cells as the school sees them, in every way it reads: a value merged down a column fills it, across columns only the first', async () => {
    // Google sends a merged range's value in its top-left cell only, the range in the tab's
    // `merges`. A mentoring group of three rows with the mentor merged down A2:A4 and the form
    // merged down C2:C4; «Направление» merged across D2:E2 (one value: column D's; E stays empty).
    // «Примечание» merged down E3:E4; the mentor of the last group down A5:A40, past the last
    // record (row 6): rows 7–40 hold nothing of their own and stay empty — such rows were records
    // missing everything but the merged value.
    const pairs: FakeTab = {
      title: 'Наставнические пары',
      rows: [
        ['Наставник', 'Наставляемый', 'Форма', 'Направление', 'Примечание'],
        ['Иванова Анна Петровна', 'Петров Пётр', 'Групповая', 'Предметное содержание'],
        [null, 'Сидорова Ольга', null, null, 'группа 2024'],
        [null, 'Козлов Илья'],
        // A group whose first row holds nothing but the merged mentor (A5:A6): that row is empty,
        // the mentor is the next row's (it was a record with five errors: an outside review).
        ['Петрова Нина Ивановна'],
        [null, 'Зуева Ада', 'Групповая'],
      ],
      merges: [
        { startRowIndex: 1, endRowIndex: 4, startColumnIndex: 0, endColumnIndex: 1 },
        { startRowIndex: 1, endRowIndex: 4, startColumnIndex: 2, endColumnIndex: 3 },
        { startRowIndex: 1, endRowIndex: 2, startColumnIndex: 3, endColumnIndex: 5 },
        { startRowIndex: 2, endRowIndex: 4, startColumnIndex: 4, endColumnIndex: 5 },
        { startRowIndex: 4, endRowIndex: 40, startColumnIndex: 0, endColumnIndex: 1 },
      ],
    };
    const filled = [
      ['Наставник', 'Наставляемый', 'Форма', 'Направление', 'Примечание'],
      ['Иванова Анна Петровна', 'Петров Пётр', 'Групповая', 'Предметное содержание'],
      ['Иванова Анна Петровна', 'Сидорова Ольга', 'Групповая', '', 'группа 2024'],
      ['Иванова Анна Петровна', 'Козлов Илья', 'Групповая', null, 'группа 2024'],
      [null],
      ['Петрова Нина Ивановна', 'Зуева Ада', 'Групповая'],
    ];
    const id = '1Merged_grid_01';
    fake.setSpreadsheet(id, { tabs: [pairs] });
    for (const readMode of ['gridData', 'batchGet'] as const) {
      const r = await source({ readMode }).src.fetchOrg(org('СОШ-2', id), { lastVersion: null, full: true });
      if (r.status !== 'ok') throw new Error('expected ok');
      expect([readMode, r.tabs.find((t) => t.title === 'Наставнические пары')!.grid]).toEqual([readMode, filled]);
    }
    // The registry (read a tab at a time): «Тип» merged down the two schools.
    const reg = '1Merged_registry_01';
    fake.setSpreadsheet(reg, {
      tabs: [
        {
          title: 'Организации',
          rows: [['Код', 'Наименование', 'Тип', 'Таблица'], ['СОШ-1', 'МОУ СОШ № 1', 'Школа', 's1'], ['СОШ-2', 'МОУ СОШ № 2', null, 's2']],
          merges: [{ startRowIndex: 1, endRowIndex: 3, startColumnIndex: 2, endColumnIndex: 3 }],
        },
      ],
    });
    expect((await source({ registryId: reg }).src.readRegistry()).grid).toEqual([
      ['Код', 'Наименование', 'Тип', 'Таблица'],
      ['СОШ-1', 'МОУ СОШ № 1', 'Школа', 's1'],
      ['СОШ-2', 'МОУ СОШ № 2', 'Школа', 's2'],
    ]);
    // Merges of a shape Google never sends fail the read rather than guess.
    fake.answerNext(id, { body: JSON.stringify({ spreadsheetId: id, sheets: [{ properties: { title: 'Пары' }, merges: [{ startRowIndex: -1 }], data: [{}] }] }), contentType: 'application/json', kind: 'get' });
    const e = await sourceError(source().src.fetchOrg(org('СОШ-2', id), { lastVersion: null, full: true }));
    expect(e.message).toContain('лист «Пары»: объединённые ячейки (merges) — startRowIndex — не целое неотрицательное число');
  });

  it('tells a hidden tab: its rows load, with a warning — a school may be filling a visible copy', async () => {
    const id = '1Hidden_tab_0001';
    fake.setSpreadsheet(id, {
      tabs: [
        { title: 'Педагоги', rows: [['ФИО', 'Должность', 'Категория'], ['Иванова Анна Петровна', 'учитель', 'Первая']], hidden: true },
        { title: 'Педагоги (копия)', rows: [['ФИО', 'Должность', 'Категория'], ['Петров Пётр', 'учитель', 'Высшая']] },
      ],
    });
    for (const readMode of ['gridData', 'batchGet'] as const) {
      const r = await source({ readMode }).src.fetchOrg(org('СОШ-2', id), { lastVersion: null, full: true });
      if (r.status !== 'ok') throw new Error('expected ok');
      expect([readMode, r.tabs.map((t) => [t.title, t.hidden ?? false])]).toEqual([readMode, [['Педагоги', true], ['Педагоги (копия)', false]]]);
      const parsed = parseOrg('СОШ-2', r.tabs);
      expect(parsed.issues.filter((i) => i.tab === 'Педагоги' && i.level === 'warning').map((i) => i.problem)).toEqual([
        'лист «Педагоги» скрыт в таблице, а загружаются его строки: если данные вносят на другом листе (копии), перенесите их на этот лист и покажите его, а копию удалите',
      ]);
    }
  });

  it('a percent-formatted number is what the school sees, «9%»: a number column refuses it by name, a text column keeps it, a plain number stays a number', async () => {
    const id = '1Percent_cell_01';
    fake.setSpreadsheet(id, {
      tabs: [
        {
          title: 'Педагоги',
          rows: [
            ['ФИО', 'Должность', 'Категория', 'Стаж', 'Предмет'],
            // «9%» typed as the years of experience: Sheets keeps 0.09 in a percent format.
            ['Иванова Анна Петровна', 'учитель', 'Первая', 0.09, 0.725],
            ['Петров Пётр Иванович', 'учитель', 'Высшая', 12, 'физика'],
          ],
          numberFormats: [
            { range: { startRowIndex: 1, endRowIndex: 2, startColumnIndex: 3, endColumnIndex: 5 }, type: 'PERCENT' },
            // A number format that changes nothing of the value.
            { range: { startRowIndex: 2, endRowIndex: 3, startColumnIndex: 3, endColumnIndex: 4 }, type: 'NUMBER' },
          ],
        },
      ],
    });
    const r = await source().src.fetchOrg(org('СОШ-2', id), { lastVersion: null, full: true });
    if (r.status !== 'ok') throw new Error('expected ok');
    // 0.09 × 100 = 9 → «9%»; 0.725 × 100 = 72.5 → «72,5%» (a decimal comma, as a Russian sheet shows it).
    expect(r.tabs[0]!.grid.slice(1)).toEqual([
      ['Иванова Анна Петровна', 'учитель', 'Первая', '9%', '72,5%'],
      ['Петров Пётр Иванович', 'учитель', 'Высшая', 12, 'физика'],
    ]);
    // The same sheet as an .xlsx file (the folder source): the same cells.
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Педагоги');
    ws.addRow(['ФИО', 'Должность', 'Категория', 'Стаж', 'Предмет']);
    ws.addRow(['Иванова Анна Петровна', 'учитель', 'Первая', 0.09, 0.725]);
    ws.addRow(['Петров Пётр Иванович', 'учитель', 'Высшая', 12, 'физика']);
    ws.getCell('D2').numFmt = '0%';
    ws.getCell('E2').numFmt = '0.0%';
    // A «%» in quotes is a literal sign, not the percent format: the number stays a number.
    ws.getCell('D3').numFmt = '0" %"';
    const file = join(mkdtempSync(join(tmp, 'percent-')), 'sosh2.xlsx');
    await wb.xlsx.writeFile(file);
    expect((await readXlsx(file))[0]!.grid).toEqual([['ФИО', 'Должность', 'Категория', 'Стаж', 'Предмет'], ...r.tabs[0]!.grid.slice(1)]);
    const parsed = parseOrg('СОШ-2', r.tabs);
    expect(parsed.tabs.get('teachers')!.rows.flatMap((row) => row.problems).map(formatIssue)).toEqual([
      'СОШ-2, лист «Педагоги», строка 2, столбец «Стаж»: значение «9%» — это не число, а проценты: ячейке задан формат процентов или введён знак % — задайте ей формат «Число» (Формат → Число → Число) и введите само число, без %; ожидается число от 0 до 60',
    ]);
  });

  it('a date-formatted number is the date the school sees: a date column reads it as before, a text column keeps the date, a number column refuses it by name', async () => {
    const id = '1Date_cell_0001';
    // 44985 = 28.02.2023 (days since 30.12.1899); 4 = 03.01.1900; 43709 = 01.09.2019.
    fake.setSpreadsheet(id, {
      tabs: [
        {
          title: 'Педагоги',
          rows: [
            ['ФИО', 'Должность', 'Категория', 'Дата приёма', 'Стаж', 'Предмет'],
            ['Иванова Анна Петровна', 'учитель', 'Первая', 43709, 4, 44985],
          ],
          numberFormats: [{ range: { startRowIndex: 1, endRowIndex: 2, startColumnIndex: 3, endColumnIndex: 6 }, type: 'DATE' }],
        },
      ],
    });
    const r = await source().src.fetchOrg(org('СОШ-2', id), { lastVersion: null, full: true });
    if (r.status !== 'ok') throw new Error('expected ok');
    expect(r.tabs[0]!.grid[1]).toEqual(['Иванова Анна Петровна', 'учитель', 'Первая', '01.09.2019', '03.01.1900', '28.02.2023']);
    const row = parseOrg('СОШ-2', r.tabs).tabs.get('teachers')!.rows[0]!;
    expect(row.problems.map(formatIssue)).toEqual([
      'СОШ-2, лист «Педагоги», строка 2, столбец «Стаж»: значение «03.01.1900» — это дата, а не число: если вводили число (например, 5.03), таблица превратила его в дату — задайте ячейке формат «Число» (Формат → Число → Число) и введите число заново; ожидается число от 0 до 60',
    ]);
    // The columns that parsed: the date as a date, the text as the date it shows (it was «44985»).
    expect([row.partial?.hired, row.partial?.subject]).toEqual(['2019-09-01', '28.02.2023']);
  });

  it('a registry without the tab, or missing, is a SourceError naming the registry', async () => {
    fake.setSpreadsheet('1RegNoTab_000', { tabs: [{ title: 'Лист1', rows: [['x']] }] });
    const e1 = await sourceError(source({ registryId: '1RegNoTab_000' }).src.readRegistry());
    expect(e1.code).toBe('bad_shape');
    expect(e1.message).toContain('нет листа «Организации»');
    expect(e1.message).toContain('«Лист1»');
    const e2 = await sourceError(source({ registryId: '1RegMissing_000' }).src.readRegistry());
    expect(e2.code).toBe('not_found');
    expect(e2.message).toContain('реестр организаций не найден (ID 1RegMissing_000)');
  });

  it('reads a changed spreadsheet with one Sheets request by default: grid data under a field mask, the same grids', async () => {
    const id = '1Sosh2_grid_01';
    fake.setSpreadsheet(id, { tabs: ORG_TABS });
    const { src } = source();
    fake.clearRequests();
    const r = await src.fetchOrg(org('СОШ-2', id), { lastVersion: null, full: false });
    if (r.status !== 'ok') throw new Error('expected ok');
    // Drive modifiedTime (an API key cannot list) + one spreadsheets.get = 2.
    expect([r.requests, fake.requests.map((x) => x.kind)]).toEqual([2, ['drive.files.get', 'get']]);
    expect(fake.requests[1]!.params).toMatchObject({
      includeGridData: 'true',
      fields: 'spreadsheetId,sheets(properties(sheetId,title,sheetType,hidden,gridProperties(rowCount,columnCount)),merges,data(rowData(values(effectiveValue,effectiveFormat(numberFormat(type))))))',
    });
    // Each tab with its id (the `#gid=` a finding's link opens), as the server gave it.
    expect(r.tabs.map((t) => t.gid)).toEqual(fake.spreadsheet(id)!.tabs.filter((t) => t.sheetType !== 'OBJECT').map((t) => t.sheetId));
    const byTitle = new Map(r.tabs.map((t) => [t.title, t.grid]));
    expect(byTitle.get('Педагоги')).toEqual([
      ['Список педагогов'],
      [],
      ['ФИО', 'Должность', 'Дата приёма', 'Стаж', 'Наставник'],
      ['Иванова Анна Петровна', 'учитель', 45000, 12.5, true],
      ['Петров Пётр', 'воспитатель', '', 1],
      ['Сидорова', '', 44927],
    ]);
    expect(byTitle.get("Дела'2024")).toEqual([['Пункт', 'Дата исполнения'], ['3.1', 44986]]);
    expect(byTitle.get('Пустой лист')).toEqual([]);
  });

  it('batchGet mode: all grid tabs, right grids, 3 requests; unchanged = 1 request; full re-reads', async () => {
    const id = '1Sosh2_abcdef';
    fake.setSpreadsheet(id, { tabs: ORG_TABS });
    const { src } = source({ readMode: 'batchGet' });
    fake.clearRequests();

    const first = await src.fetchOrg(org('СОШ-2', `https://docs.google.com/spreadsheets/d/${id}/edit`), { lastVersion: null, full: false });
    expect(first.status).toBe('ok');
    if (first.status !== 'ok') throw new Error('unreachable');
    expect(first.requests).toBe(3);
    expect(first.retries).toBe(0);
    expect(first.version).toBe(fake.modifiedTime(id));
    expect(fake.requests.map((r) => r.kind)).toEqual(['drive.files.get', 'get', 'batchGet']);
    expect(fake.requests[2]?.ranges).toEqual(["'Педагоги'", "'Наставнические пары'", "'Дела''2024'", "'Пустой лист'"]);

    const byTitle = new Map(first.tabs.map((t) => [t.title, t.grid]));
    expect([...byTitle.keys()]).toEqual(['Педагоги', 'Наставнические пары', "Дела'2024", 'Пустой лист']);
    expect(byTitle.get('Педагоги')).toEqual([
      ['Список педагогов'],
      [],
      ['ФИО', 'Должность', 'Дата приёма', 'Стаж', 'Наставник'],
      ['Иванова Анна Петровна', 'учитель', 45000, 12.5, true],
      ['Петров Пётр', 'воспитатель', '', 1],
      ['Сидорова', '', 44927],
    ]);
    expect(byTitle.get("Дела'2024")).toEqual([['Пункт', 'Дата исполнения'], ['3.1', 44986]]);
    expect(byTitle.get('Пустой лист')).toEqual([]);

    fake.clearRequests();
    const second = await src.fetchOrg(org('СОШ-2', id), { lastVersion: first.version, full: false });
    expect(second).toEqual({ status: 'unchanged', version: first.version, requests: 1, retries: 0 });
    expect(fake.requests.map((r) => r.kind)).toEqual(['drive.files.get']);

    const forced = await src.fetchOrg(org('СОШ-2', id), { lastVersion: first.version, full: true });
    expect(forced.status).toBe('ok');
    expect(forced.requests).toBe(3); // batchGet mode: Drive + titles + values

    // An edit bumps modifiedTime: read again.
    fake.setSpreadsheet(id, { tabs: [{ title: 'Педагоги', rows: [['ФИО']] }] });
    const third = await src.fetchOrg(org('СОШ-2', id), { lastVersion: first.version, full: false });
    expect(third.status).toBe('ok');
    expect(third.version).not.toBe(first.version);
    if (third.status === 'ok') expect(third.tabs).toEqual([{ title: 'Педагоги', grid: [['ФИО']], gid: fake.spreadsheet(id)!.tabs[0]!.sheetId }]);
  });

  it('falls back to a full read when Drive metadata is not readable (403/404 from Drive)', async () => {
    const id = '1DriveDenied_01';
    fake.setSpreadsheet(id, { tabs: [{ title: 'Педагоги', rows: [['ФИО']] }] });
    fake.failNext(id, 403, 1, { kind: 'drive.files.get' });
    const { src } = source();
    const r = await src.fetchOrg(org('ДОУ-5', id), { lastVersion: 'whatever', full: false });
    expect(r.status).toBe('ok');
    expect(r.version).toBeNull();
    expect(r.requests).toBe(2); // Drive (403) + the read
    expect(r.retries).toBe(0);
  });

  it('retries a 503 three times with full-jitter backoff, then succeeds', async () => {
    const id = '1Quota429_0001';
    fake.setSpreadsheet(id, { tabs: ORG_TABS });
    fake.failNext(id, 503, 3, { kind: 'get' });
    const { src, delays } = source();
    const r = await src.fetchOrg(org('СОШ-3', id), { lastVersion: null, full: false });
    expect(r.status).toBe('ok');
    expect(r.retries).toBe(3);
    expect(r.requests).toBe(5);
    expect(fake.count({ spreadsheetId: id, kind: 'get' })).toBe(4);
    expect(delays).toEqual([250, 500, 1000]); // random()=0.5 × 500·2^n
  });

  it('waits for the quota window on a 429 without Retry-After, beyond maxRetries, and only gives up after maxQuotaWaitMs', async () => {
    const id = '1Quota429_0002';
    fake.setSpreadsheet(id, { tabs: ORG_TABS });
    // Eight 429s: more than maxRetries (2), each waited out for a window (61 s: the budget is not
    // full, so the quota went elsewhere) — 8 × 61 s = 488 s, inside the 10 minutes allowed.
    fake.failNext(id, 429, 8, { kind: 'get' });
    const { src, delays } = source({ maxRetries: 2 });
    const r = await src.fetchOrg(org('СОШ-3', id), { lastVersion: null, full: false });
    expect([r.status, r.retries, r.requests]).toEqual(['ok', 8, 10]);
    expect(delays).toEqual(Array(8).fill(61_000));
  });

  it('honors Retry-After (seconds and HTTP date)', async () => {
    const id = '1RetryAfter_001';
    fake.setSpreadsheet(id, { tabs: ORG_TABS });
    fake.failNext(id, 429, 2, { retryAfter: 7 });
    const { src, delays } = source();
    const r = await src.fetchOrg(org('СОШ-4', id), { lastVersion: null, full: false });
    expect(r.status).toBe('ok');
    expect(r.retries).toBe(2);
    expect(delays).toEqual([7000, 7000]);

    const now = Date.UTC(2030, 0, 1, 0, 0, 0);
    fake.failNext(id, 503, 1, { retryAfter: new Date(now + 4000).toUTCString() });
    const s2 = source({ now: () => now });
    const r2 = await s2.src.fetchOrg(org('СОШ-4', id), { lastVersion: null, full: true });
    expect(r2.retries).toBe(1);
    expect(s2.delays).toEqual([4000]);
  });

  it('a quota refusal’s Retry-After longer than the quota’s minute («99999») waits the window, 61 s, not 5 minutes', async () => {
    const id = '1RetryAfter_002';
    fake.setSpreadsheet(id, { tabs: ORG_TABS });
    fake.failNext(id, 429, 2, { retryAfter: 99999 });
    const { src, delays } = source();
    const r = await src.fetchOrg(org('СОШ-4', id), { lastVersion: null, full: false });
    expect(r.status).toBe('ok');
    // Two refusals, each a window of 60 s + 1 s (BUDGET_WINDOW_MS): 122 s, where two capped
    // 300-s waits took 600 s and a third refusal would have given the organization up.
    expect(delays).toEqual([61_000, 61_000]);
  });

  it('a server error’s long Retry-After (a maintenance page: 503, «3600») is honoured up to the backoff cap, and the read gives up after maxRetries', async () => {
    // Six flat waits of Retry-After's own 5-minute cap held one read — and the sync — for half an hour.
    const id = '1RetryAfter_5xx';
    fake.setSpreadsheet(id, { tabs: ORG_TABS });
    fake.failNext(id, 503, 20, { retryAfter: 3600 });
    const { src, delays } = source({ maxRetries: 3 });
    const e = await sourceError(src.fetchOrg(org('СОШ-4', id), { lastVersion: null, full: true }));
    expect(e.message).toMatch(/^Google Sheets недоступен: HTTP 503/);
    // 3 retries, each 32 s (BACKOFF_CAP_MS), not 300 s: 96 s for Drive's change check (given up:
    // the sheet is read all the same), 96 s for the read, before the organization is given up.
    expect(delays).toEqual(Array(6).fill(32_000));
    expect(e.retries).toBe(6);
  });

  it('a sync that waited out Google’s quota refusals says how many and how long, once for the run', async () => {
    // Five 429s without Retry-After held a sync 307 s, and it said only «повторов 5» (an acceptance run).
    const now = Date.UTC(2030, 0, 1, 0, 0, 0);
    const id = '1QuotaWaits_0001';
    fake.setSpreadsheet(id, { tabs: ORG_TABS });
    fake.failNext(REGISTRY_ID, 429, 2, { kind: 'values.get' });
    const { src, delays } = source({ now: () => now });
    await src.readRegistry();
    expect((await src.fetchOrg(org('СОШ-5', id), { lastVersion: null, full: false })).status).toBe('ok');
    // Each refusal waited the quota's window: 61 s, 122 s in all.
    expect(delays).toEqual([61_000, 61_000]);
    expect(src.syncNotes?.()).toEqual([
      'Google 2 раза ответил «превышена квота» (HTTP 429): синхронизация ждала, пока квота восстановится, 2 мин 2 с в сумме. Если так бывает часто — сравните GOOGLE_SHEETS_RPM с квотой проекта Google Cloud (README, «Квоты Google»).',
    ]);
    // The next sync starts counting again.
    await src.readRegistry();
    expect(src.syncNotes?.()).toEqual([]);
  });

  it('a 429 whose Retry-After asks for no wait («0», a date gone by) waits for the window, and gives up after maxQuotaWaitMs', async () => {
    // Retried at once, a proxy answering «429, Retry-After: 0» forever kept a sync running
    // forever. Now each refusal waits the window (61 s: the budget is not full): 9 × 61 s =
    // 549 s; a tenth would pass the 600 s allowed → given up after 1 Drive + 10 reads.
    const now = Date.UTC(2030, 0, 1, 0, 0, 0);
    for (const [id, retryAfter] of [
      ['1RetryAfterZero_01', 0],
      ['1RetryAfterPast_01', new Date(now - 60_000).toUTCString()],
    ] as const) {
      fake.setSpreadsheet(id, { tabs: ORG_TABS });
      fake.failNext(id, 429, 50, { kind: 'get', retryAfter });
      const { src, delays } = source({ now: () => now });
      const e = await sourceError(src.fetchOrg(org('СОШ-5', id), { lastVersion: null, full: false }));
      expect([e.code, e.message]).toEqual(['quota', 'превышена квота Google Sheets при чтении организации СОШ-5 (11 запросов): попробуйте позже или уменьшите частоту синхронизации']);
      expect(delays).toEqual(Array(9).fill(61_000));
      expect(fake.count({ spreadsheetId: id, kind: 'get' })).toBe(10);
    }
  });

  it('a Drive that is down is named as Drive, and the sheets are read all the same (change detection is only a saving)', async () => {
    const id = '1DriveDown_0001';
    const other = '1DriveDown_0002';
    fake.setSpreadsheet(id, { tabs: ORG_TABS });
    fake.setSpreadsheet(other, { tabs: ORG_TABS });
    fake.failNext(id, 500, 10, { kind: 'drive.files.get' });
    fake.failNext(other, 500, 10, { kind: 'drive.files.get' });
    const { src } = source({ maxRetries: 2 });
    // Drive's change check: 1 + 2 retries, all 500; then the sheet's own read (it failed the
    // organization, and every other one, while Sheets answered: an acceptance run).
    const r = await src.fetchOrg(org('СОШ-6', id), { lastVersion: '2024-01-01T00:00:00.000Z', full: false });
    expect(r.status).toBe('ok');
    expect([r.requests, r.retries]).toEqual([4, 2]);
    expect(fake.count({ spreadsheetId: id, kind: 'get' })).toBe(1);
    // Drive is not asked again in this sync: the next sheet is read at once.
    const r2 = await src.fetchOrg(org('СОШ-7', other), { lastVersion: '2024-01-01T00:00:00.000Z', full: false });
    expect([r2.status, r2.requests, r2.retries]).toEqual(['ok', 1, 0]);
    expect(fake.count({ spreadsheetId: other, kind: 'drive.files.get' })).toBe(0);
    // Said once for the run, in Russian words, not Google's English «Internal error encountered.» (an outside review).
    expect(src.syncNotes?.()).toEqual([
      'Google Drive не ответил на проверку изменений (Google Drive недоступен: HTTP 500 (внутренняя ошибка Google) (чтение организации СОШ-6, 3 запроса); попробуйте позже): изменения таблиц в этой синхронизации не проверялись — все таблицы прочитаны целиком через Google Sheets (запросов больше обычного), данные не затронуты.',
    ]);
    // A new sync (it starts with the registry) asks Drive again.
    await src.readRegistry();
    expect(src.syncNotes?.()).toEqual([]);
    // (Its 500s are still queued: 1 + 2 retries, given up, and the sheet read.)
    const r3 = await src.fetchOrg(org('СОШ-7', other), { lastVersion: '2024-01-01T00:00:00.000Z', full: false });
    expect(r3.status).toBe('ok');
    expect(fake.count({ spreadsheetId: other, kind: 'drive.files.get' })).toBe(3);
  });

  it('403 and 404 are SourceErrors in Russian with a code, and are not retried', async () => {
    const denied = '1Denied_403_01';
    fake.setSpreadsheet(denied, { tabs: ORG_TABS });
    fake.setStatus(denied, 403);
    const a = source();
    const e403 = await sourceError(a.src.fetchOrg(org('СОШ-2', denied), { lastVersion: null, full: false }));
    expect(e403.code).toBe('forbidden');
    expect(e403.message).toMatch(/^нет доступа к таблице организации СОШ-2: откройте доступ на чтение/);
    expect(e403.message).toContain('«всем, у кого есть ссылка»');
    // Drive 403 → fall back; spreadsheets.get 403 → stop. No retries, no sleeps.
    expect(fake.count({ spreadsheetId: denied })).toBe(2);
    expect(e403.requests).toBe(2);
    expect(e403.retries).toBe(0);
    expect(a.delays).toEqual([]);

    const missing = '1Missing_404_01';
    const b = source();
    const e404 = await sourceError(b.src.fetchOrg(org('СОШ-2', missing), { lastVersion: null, full: false }));
    expect(e404.code).toBe('not_found');
    expect(e404.message).toBe(`таблица организации СОШ-2 не найдена (ID ${missing}): проверьте столбец «Таблица» реестра`);
    expect(fake.count({ spreadsheetId: missing })).toBe(2);
    expect(b.delays).toEqual([]);
  });

  it('a 500 storm beyond maxRetries is "unavailable"; exhausted 429s are "quota"', async () => {
    const id = '1Storm_500_001';
    fake.setSpreadsheet(id, { tabs: ORG_TABS });
    fake.failNext(id, 500, 100);
    const { src, delays } = source({ maxRetries: 3 });
    const e = await sourceError(src.fetchOrg(org('СОШ-7', id), { lastVersion: null, full: false }));
    expect(e.code).toBe('unavailable');
    // The storm hits Drive's change check first (4 requests), then the sheet's read (4): the
    // read's failure is the organization's, named as Sheets.
    expect(e.message).toMatch(/^Google Sheets недоступен: HTTP 500/);
    expect(e.message).toContain('организации СОШ-7');
    expect(e.requests).toBe(8);
    expect(e.retries).toBe(6);
    expect(fake.count({ spreadsheetId: id })).toBe(8);
    expect(delays).toEqual([250, 500, 1000, 250, 500, 1000]);

    // 429s that do not stop: waited out window after window until maxQuotaWaitMs (here 3 minutes
    // and a bit: 3 windows of 61 s fit, the 4th would not) — then "quota".
    const q = '1Storm_429_001';
    fake.setSpreadsheet(q, { tabs: ORG_TABS });
    fake.failNext(q, 429, 100);
    const eq = await sourceError(source({ maxRetries: 2, maxQuotaWaitMs: 200_000 }).src.fetchOrg(org('СОШ-8', q), { lastVersion: null, full: false }));
    expect(eq.code).toBe('quota');
    // Drive's change check ran out of quota waits, then the read did.
    expect(eq.message).toMatch(/^превышена квота Google Sheets при чтении организации СОШ-8.*попробуйте позже/);
    expect(eq.requests).toBe(8);
  });

  it('retries a dropped connection; a timeout storm is "unavailable"', async () => {
    const id = '1Network_0001';
    fake.setSpreadsheet(id, { tabs: ORG_TABS });
    fake.failNext(id, 0, 1); // the server drops the connection
    const { src } = source();
    const r = await src.fetchOrg(org('СОШ-9', id), { lastVersion: null, full: false });
    expect(r.status).toBe('ok');
    expect(r.retries).toBe(1);

    const slow = await startFakeSheets({ latencyMs: 300 });
    try {
      slow.setSpreadsheet(id, { tabs: ORG_TABS });
      const s = createGoogleSource({ registryId: REGISTRY_ID, apiKey: KEY, rootUrl: slow.url, timeoutMs: 40, maxRetries: 1, sleep: async () => undefined });
      const e = await sourceError(s.fetchOrg(org('СОШ-9', id), { lastVersion: null, full: false }));
      expect(e.code).toBe('unavailable');
      // Every request is slow: Drive's change check times out, then the read.
      expect(e.message).toMatch(/^Google Sheets недоступен: превышено время ожидания/);
      expect(e.requests).toBe(4);
    } finally {
      await slow.close();
    }
  });

  it('a request asked again for want of an answer in time is said in the sync’s notes (it showed as «повторов 1» only: an acceptance run)', async () => {
    const id = '1Network_0003';
    const slow = await startFakeSheets({ latencyMs: 300 });
    try {
      slow.setSpreadsheet(id, { tabs: ORG_TABS });
      // Google answers in time again once the first request has timed out (the retry's wait).
      const s = createGoogleSource({ registryId: REGISTRY_ID, apiKey: KEY, rootUrl: slow.url, timeoutMs: 100, sleep: async () => void (slow.latencyMs = 0) });
      const r = await s.fetchOrg(org('СОШ-9', id), { lastVersion: null, full: false });
      expect([r.status, r.retries]).toEqual(['ok', 1]);
      expect(s.syncNotes!()).toEqual(['Google один раз не ответил вовремя (ответа ждали до 100 мс): запрос повторён — синхронизация шла дольше обычного, данные не затронуты.']);
    } finally {
      await slow.close();
    }
  });

  it('asks a request that got no answer in time twice more, not maxRetries times', async () => {
    const id = '1Network_0002';
    const slow = await startFakeSheets({ latencyMs: 300 });
    try {
      slow.setSpreadsheet(id, { tabs: ORG_TABS });
      // maxRetries 6 (the default) for other failures; a timeout: 1 + MAX_TIMEOUT_RETRIES (2) = 3 requests.
      const s = createGoogleSource({ registryId: REGISTRY_ID, apiKey: KEY, rootUrl: slow.url, timeoutMs: 40, sleep: async () => undefined });
      const e = await sourceError(s.fetchOrg(org('СОШ-9', id), { lastVersion: null, full: false }));
      // Drive's change check, then the read: 3 requests each.
      expect(e.message).toMatch(/^Google Sheets недоступен: превышено время ожидания ответа \(40 мс\)/);
      expect([e.requests, e.retries]).toEqual([6, 4]);
    } finally {
      await slow.close();
    }
  });

  it('a redirect is refused, not followed: the API key never reaches the other address; named, and not asked again', async () => {
    // A captive portal in front of Google: every answer is a 302 to its login page on another address.
    let portal = 0;
    const login = createServer((_req, res) => {
      portal++;
      res.end('<html>login</html>');
    });
    await new Promise<void>((r) => login.listen(0, '127.0.0.1', () => r()));
    let asked = 0;
    const front = createServer((_req, res) => {
      asked++;
      res.writeHead(302, { Location: `http://localhost:${(login.address() as AddressInfo).port}/login` }).end();
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', () => r()));
    try {
      const src = createGoogleSource({ registryId: REGISTRY_ID, apiKey: KEY, rootUrl: `http://127.0.0.1:${(front.address() as AddressInfo).port}`, sleep: async () => undefined });
      const e = await sourceError(src.readRegistry());
      expect(e.message).toBe(
        `Google Sheets не ответил при чтении реестра организаций (таблица ${REGISTRY_ID}): вместо ответа — перенаправление на другой адрес (возможно, страница входа в сеть)`,
      );
      // It quoted «HTTP 0»: there is no status of Google's to quote.
      expect(e.message).not.toContain('HTTP');
      expect(e.message).not.toContain(KEY);
      // Followed, the request went to the portal with X-Goog-Api-Key; retried, 7 times over.
      expect([portal, asked]).toEqual([0, 1]);
    } finally {
      login.close();
      front.close();
    }
  });

  it('the API key is required by the fake and never appears in messages', async () => {
    const id = '1KeyCheck_0001';
    fake.setSpreadsheet(id, { tabs: ORG_TABS });
    fake.clearRequests();

    // Without a key the fake answers 403 "missing a valid API key": proves the key is what passes.
    const noKey = source({ apiKey: undefined });
    const e = await sourceError(noKey.src.fetchOrg(org('СОШ-2', id), { lastVersion: null, full: false }));
    expect(e.code).toBe('forbidden');
    expect(e.message).toContain('задайте GOOGLE_API_KEY или GOOGLE_APPLICATION_CREDENTIALS');
    expect(fake.requests.every((r) => r.auth === 'none')).toBe(true);

    const wrong = 'AIzaWRONG-key-should-not-leak-42';
    const bad = source({ apiKey: wrong });
    const e2 = await sourceError(bad.src.fetchOrg(org('СОШ-2', id), { lastVersion: null, full: false }));
    expect(e2.code).toBe('forbidden');
    expect(e2.message).toContain('API-ключ Google недействителен');
    expect(e2.message).not.toContain(wrong);
    expect(bad.src.description).not.toContain(wrong);

    for (const m of messages) {
      expect(m).not.toContain(KEY);
      expect(m).not.toMatch(/key=/);
    }
  });

  it('a service account: key file errors are clear and leak nothing; 403 names client_email', async () => {
    const missingFile = join(tmp, 'nope.json');
    const e1 = await sourceError(source({ apiKey: undefined, credentialsFile: missingFile }).src.fetchOrg(org('СОШ-2', '1Sosh2_abcdef'), { lastVersion: null, full: false }));
    expect(e1.code).toBe('other');
    expect(e1.message).toContain(missingFile);

    const garbled = join(tmp, 'garbled.json');
    writeFileSync(garbled, '{"private_key": "-----BEGIN PRIVATE KEY-----SECRETSTUFF');
    const e2 = await sourceError(source({ apiKey: undefined, credentialsFile: garbled }).src.readRegistry());
    expect(e2.message).toContain('не JSON');
    expect(e2.message).not.toContain('SECRETSTUFF');

    // JSON, but its private_key cut short: said in Russian before any request (it was OpenSSL's
    // «error:1E08010C:DECODER routines::unsupported»), and the key never quoted.
    const cut = join(tmp, 'cut.json');
    writeFileSync(cut, JSON.stringify({ type: 'service_account', client_email: 'monitor@test-project.iam.gserviceaccount.com', private_key: '-----BEGIN PRIVATE KEY-----\nMIIEvQSECRETSTUFF\n-----END PRIVATE KEY-----\n' }));
    const e2b = await sourceError(source({ apiKey: undefined, credentialsFile: cut, jwtAccess: true }).src.readRegistry());
    expect(e2b.message).toBe(
      `закрытый ключ (private_key) в файле ключа сервисного аккаунта ${cut} не читается — файл повреждён или изменён: скачайте ключ заново (формат JSON) в консоли Google Cloud`,
    );
    expect(e2b.message).not.toContain('SECRETSTUFF');

    // A real (generated) key, signed locally (jwtAccess): requests reach the fake with a bearer token.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const keyFile = join(tmp, 'sa.json');
    writeFileSync(
      keyFile,
      JSON.stringify({
        type: 'service_account',
        project_id: 'test',
        private_key_id: 'kid-123456',
        private_key: pem,
        client_email: 'monitor@test-project.iam.gserviceaccount.com',
        client_id: '1',
      }),
    );
    const id = '1SaDenied_0001';
    fake.setSpreadsheet(id, { tabs: ORG_TABS });
    fake.setStatus(id, 403);
    fake.clearRequests();
    const sa = source({ apiKey: undefined, credentialsFile: keyFile, jwtAccess: true });
    const e3 = await sourceError(sa.src.fetchOrg(org('СОШ-2', id), { lastVersion: null, full: false }));
    expect(e3.code).toBe('forbidden');
    expect(e3.message).toBe(
      'нет доступа к таблице организации СОШ-2: откройте доступ на чтение для сервисного аккаунта monitor@test-project.iam.gserviceaccount.com или «всем, у кого есть ссылка»',
    );
    // Drive's list does not show a spreadsheet the account cannot open; asked for it by ID, Drive
    // and Sheets answer 403 — every request with the signed token.
    expect(fake.requests.map((r) => [r.kind, r.auth])).toEqual([
      ['drive.files.list', 'bearer'],
      ['drive.files.get', 'bearer'],
      ['get', 'bearer'],
    ]);

    fake.setStatus(id, null);
    const ok = await sa.src.fetchOrg(org('СОШ-2', id), { lastVersion: null, full: false });
    expect(ok.status).toBe('ok');
    for (const m of messages) expect(m).not.toContain('PRIVATE KEY');
  });

  it('GOOGLE_SELF_SIGNED_JWT=0: the JWT is exchanged where the key says (token_uri), once, and the token is what the requests carry; a refusal names that server', async () => {
    // gtoken asked oauth2.googleapis.com whatever the key named: with no Google here, that mode
    // could not run against a test server or through a gateway (an acceptance run).
    const file = writeServiceAccountKey(tmp);
    const key = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    const keyFile = join(tmp, 'sa-token-uri.json');
    writeFileSync(keyFile, JSON.stringify({ ...key, token_uri: `${fake.url.replace(/\/$/, '')}/token` }));
    const id = '1TokenUri_0001';
    fake.setSpreadsheet(id, { tabs: ORG_TABS });
    fake.clearRequests();
    const { src } = source({ apiKey: undefined, credentialsFile: keyFile, jwtAccess: false });
    expect((await src.fetchOrg(org('СОШ-3', id), { lastVersion: null, full: false })).status).toBe('ok');
    expect((await src.fetchOrg(org('СОШ-3', id), { lastVersion: null, full: true })).status).toBe('ok');
    // One token request (form: the JWT-bearer grant), then every request with the token it gave.
    expect(fake.requests.map((r) => r.kind)).toEqual(['token', 'drive.files.list', 'get', 'get']);
    expect(String(fake.requests[0]!.body)).toMatch(/^grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=ey/);
    expect(fake.requests.slice(1).every((r) => r.auth === 'bearer')).toBe(true);

    // The token server fails (a 500 each time): said as that server's, not as Sheets'.
    fake.failNext('*', 500, 10, { kind: 'token' });
    const { src: again } = source({ apiKey: undefined, credentialsFile: keyFile, jwtAccess: false, maxRetries: 1 });
    const e = await sourceError(again.fetchOrg(org('СОШ-3', id), { lastVersion: null, full: true }));
    expect(e.message).toMatch(new RegExp(`^сервер авторизации Google \\(${new URL(fake.url).host.replace(/\./g, '\\.')}\\) не выдал токен доступа`));
  });

  it('shares one budget of Sheets reads across the requests of a source; Drive has its own', async () => {
    const ids = ['1Rate_A_00001', '1Rate_B_00001', '1Rate_C_00001'];
    for (const id of ids) fake.setSpreadsheet(id, { tabs: ORG_TABS });
    // Fake clock: the limiter's sleeps advance it, so "a minute" passes instantly.
    const c = { t: 0 };
    const slept: number[] = [];
    const src = createGoogleSource({
      registryId: REGISTRY_ID,
      apiKey: KEY,
      rootUrl: fake.url,
      sheetsReadsPerMinute: 2,
      drivePerMinute: 0,
      now: () => c.t,
      sleep: async (ms) => {
        slept.push(ms);
        c.t += ms;
      },
    });
    const results = await Promise.all(ids.map((id, i) => src.fetchOrg(org(`ОУ-${i}`, id), { lastVersion: null, full: false })));
    expect(results.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
    // 3 Sheets reads (one spreadsheets.get with grid data each) at 2 per window (a minute and
    // a second): one full wait; the 3 Drive calls are not counted against them.
    expect(c.t).toBeGreaterThanOrEqual(61_000);
    expect(c.t).toBeLessThan(122_000);
  });
});

describe('a registry «Таблица» cell that shows a title and links to the spreadsheet', () => {
  it('a file smart chip or a linked text reads the spreadsheet it links to; a title with no link says which row and what to paste', async () => {
    // Sheets offers to turn a pasted link into a chip showing the spreadsheet's title: ДОУ-5 was
    // never read, «не ID и не ссылка» at every sync (an outside review).
    const reg = '1ChipRegistry_00001';
    const chipId = '1ChipSheet_000001';
    const linkId = '1LinkSheet_000001';
    fake.setSpreadsheet(chipId, { tabs: ORG_TABS });
    fake.setSpreadsheet(linkId, { tabs: ORG_TABS });
    fake.setSpreadsheet(reg, {
      tabs: [
        {
          title: 'Организации',
          rows: [
            ['Код', 'Наименование', 'Тип', 'Таблица'],
            ['ДОУ-5', 'МБДОУ № 5', 'Детский сад', 'Наставничество ДОУ-5'],
            ['ДОУ-6', 'МБДОУ № 6', 'Детский сад', 'Таблица ДОУ-6'],
            ['ДОУ-7', 'МБДОУ № 7', 'Детский сад', 'Таблица ДОУ-7'],
          ],
        },
      ],
    });
    fake.setCellLink(reg, 'Организации', 1, 3, { chip: `https://docs.google.com/spreadsheets/d/${chipId}/edit?usp=drivesdk` });
    fake.setCellLink(reg, 'Организации', 2, 3, { hyperlink: `https://docs.google.com/spreadsheets/d/${linkId}/edit#gid=0` });
    const { src } = source({ registryId: reg });
    await src.readRegistry();
    const entry = (code: string, sheet: string, registryRow: number) => ({ ...org(code, sheet), registryRow });

    fake.clearRequests();
    const chip = await src.fetchOrg(entry('ДОУ-5', 'Наставничество ДОУ-5', 2), { lastVersion: null, full: false });
    // The row's links (one Sheets read of registry row 2), then the linked spreadsheet as any: Drive's time and one read.
    expect([chip.status, chip.requests]).toEqual(['ok', 3]);
    expect(fake.requests.map((r) => [r.kind, r.spreadsheetId, r.ranges ?? null])).toEqual([
      ['get', reg, ["'Организации'!2:2"]],
      ['drive.files.get', chipId, null],
      ['get', chipId, null],
    ]);
    if (chip.status === 'ok') expect(chip.tabs.map((t) => t.title)).toContain('Педагоги');
    const linked = await src.fetchOrg(entry('ДОУ-6', 'Таблица ДОУ-6', 3), { lastVersion: null, full: false });
    expect(linked.status).toBe('ok');
    expect(fake.requests.filter((r) => r.spreadsheetId === linkId).length).toBe(2);

    const none = await sourceError(src.fetchOrg(entry('ДОУ-7', 'Таблица ДОУ-7', 4), { lastVersion: null, full: false }));
    expect([none.code, none.message, none.requests]).toEqual([
      'not_found',
      'у организации ДОУ-7 в столбце «Таблица» реестра (строка 4) не ID и не ссылка на Google Таблицу: «Таблица ДОУ-7»; вставьте в ячейку полный адрес таблицы вида https://docs.google.com/spreadsheets/d/<ID>/edit или сам ID (если в ячейке чип файла — название таблицы со значком, — замените чип адресом)',
      1,
    ]);
  });
});

describe('the fewest requests Google allows (issue #18)', () => {
  it('a sheet over the byte cap of the one-request read is read the bounded way: titles with sizes, then values', async () => {
    const id = '1BigGrid_000001';
    fake.setSpreadsheet(id, { tabs: ORG_TABS });
    // By its Content-Length: the fake's grid answer for ORG_TABS is a few KB, over a 1 KB cap.
    fake.clearRequests();
    const r = await source({ maxGridDataBytes: 1024 }).src.fetchOrg(org('СОШ-2', id), { lastVersion: null, full: false });
    expect([r.status, r.requests, fake.requests.map((x) => x.kind)]).toEqual(['ok', 4, ['drive.files.get', 'get', 'get', 'batchGet']]);
    // Without a Content-Length (chunked): cut as it streams, the same fallback.
    fake.answerNext(id, { kind: 'get', body: JSON.stringify({ sheets: [{ properties: { title: 'x'.repeat(4000) } }] }), contentType: 'application/json', chunked: true });
    fake.clearRequests();
    const chunked = await source({ maxGridDataBytes: 1024 }).src.fetchOrg(org('СОШ-2', id), { lastVersion: null, full: false });
    expect([chunked.status, fake.requests.map((x) => x.kind)]).toEqual(['ok', ['drive.files.get', 'get', 'get', 'batchGet']]);
    if (chunked.status === 'ok') expect(chunked.tabs.map((t) => t.title)).toEqual(['Педагоги', 'Наставнические пары', "Дела'2024", 'Пустой лист']);
    // With a service account the auth library's log reads the cut answer's `data`: node-fetch
    // printed its English deprecation warning amid the sync's output (an outside review).
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const sa = await source({ apiKey: undefined, credentialsFile: writeServiceAccountKey(tmp), maxGridDataBytes: 1024 }).src.fetchOrg(org('СОШ-2', id), { lastVersion: null, full: false });
      expect(sa.status).toBe('ok');
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });

  it('a 401 says what to check for the credentials in use: a service account its key and the server clock, an API key the key', async () => {
    // It said «проверьте GOOGLE_APPLICATION_CREDENTIALS или GOOGLE_API_KEY» whatever was set, and
    // dropped Google's own words (for a JWT out of step: «Invalid JWT … Check your iat and exp values»): an outside review.
    const id = '1Unauthorized_0001';
    fake.setSpreadsheet(id, { tabs: ORG_TABS });
    // A service account's token refused once is signed anew and the read asked again (it failed
    // the organization although the next read, signed the same way, loaded: an acceptance run)…
    const key = writeServiceAccountKey(tmp);
    fake.failNext(id, 401, 1, { kind: 'get' });
    fake.clearRequests();
    const again = await source({ apiKey: undefined, credentialsFile: key }).src.fetchOrg(org('СОШ-4', id), { lastVersion: null, full: true });
    expect([again.status, again.requests, again.retries]).toEqual(['ok', 2, 1]);
    expect(fake.requests.filter((r) => r.kind === 'get').map((r) => r.auth)).toEqual(['bearer', 'bearer']);
    // … and refused again, it is the key or the clock.
    fake.failNext(id, 401, 2, { kind: 'get' });
    const service = await sourceError(source({ apiKey: undefined, credentialsFile: key }).src.fetchOrg(org('СОШ-4', id), { lastVersion: null, full: true }));
    expect(service.message).toMatch(
      /^Google не принял учётные данные \(HTTP 401\) при чтении организации СОШ-4: проверьте, что ключ сервисного аккаунта \S+@\S+ в GOOGLE_APPLICATION_CREDENTIALS действует \(не удалён и не отозван в Google Cloud\) и что часы сервера идут верно — подпись с неверным временем Google не принимает; ответ Google: Request had invalid authentication credentials\.$/,
    );
    fake.failNext(id, 401, 1, { kind: 'get' });
    const apiKey = await sourceError(source().src.fetchOrg(org('СОШ-4', id), { lastVersion: null, full: true }));
    expect(apiKey.message).toMatch(/^Google не принял учётные данные \(HTTP 401\) при чтении организации СОШ-4: проверьте GOOGLE_API_KEY; ответ Google: Request had invalid authentication credentials\.$/);
  });

  it('a service account lists the spreadsheets once per sync instead of asking Drive per file', async () => {
    const key = writeServiceAccountKey(tmp);
    const ids = ['1List_A_000001', '1List_B_000001', '1List_C_000001'];
    for (const id of ids) fake.setSpreadsheet(id, { tabs: ORG_TABS });
    const { src } = source({ apiKey: undefined, credentialsFile: key });
    const fetchAll = (last: (string | null)[]) => Promise.all(ids.map((id, i) => src.fetchOrg(org(`ОУ-${i}`, id), { lastVersion: last[i] ?? null, full: false })));

    fake.clearRequests();
    await src.readRegistry(); // a sync starts
    const first = await fetchAll([]);
    // One files.list for all three (1,000 a page), then one spreadsheets.get each; no files.get.
    const kinds = fake.requests.filter((r) => r.spreadsheetId !== REGISTRY_ID).map((r) => r.kind);
    expect(kinds.filter((k) => k === 'drive.files.list')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'drive.files.get')).toHaveLength(0);
    expect(kinds.filter((k) => k === 'get')).toHaveLength(3);
    expect(first.map((r) => r.version)).toEqual(ids.map((id) => fake.modifiedTime(id)));
    // Each organization counts its own read; the listing is the sync's (it was charged to the
    // organization whose change check asked first: «10 запросов» of 7 — an outside review).
    expect(first.map((r) => r.requests)).toEqual([1, 1, 1]);
    expect(src.syncCounts!()).toEqual({ requests: 1, retries: 0 });
    const list = fake.requests.find((r) => r.kind === 'drive.files.list')!;
    expect(list.params).toMatchObject({ pageSize: '1000', fields: 'nextPageToken,files(id,modifiedTime)' });
    expect(list.auth).toBe('bearer'); // a self-signed JWT: no token request was made

    // The next sync: the listing is asked again (once), and nothing else for unchanged sheets.
    fake.clearRequests();
    await src.readRegistry();
    const second = await fetchAll(first.map((r) => r.version));
    expect(second.map((r) => r.status)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(fake.requests.filter((r) => r.spreadsheetId !== REGISTRY_ID).map((r) => r.kind)).toEqual(['drive.files.list']);

    // A listing that fails is no failure: each sheet is asked for on its own.
    fake.failNext('*', 403, 1, { kind: 'drive.files.list' });
    fake.clearRequests();
    await src.readRegistry();
    const third = await fetchAll(first.map((r) => r.version));
    expect(third.map((r) => r.status)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(fake.count({ kind: 'drive.files.get' })).toBe(3);
    // … said, for the run's message: why this sync asked Drive per sheet (it said nothing: an outside review).
    // The listing's own failure, of no organization: it was worded as a read of the first sheet —
    // «нет доступа к таблице организации …: откройте доступ» (an outside review).
    expect(src.syncNotes!()).toEqual([
      expect.stringMatching(/^Проверка изменений одним списком Google Drive не удалась \(Google Drive отказал в списке таблиц \(HTTP 403\): .*; проверьте, что в проекте Google Cloud сервисного аккаунта включён «Google Drive API»\): таблицы, которых нет в списке, проверены по одной — запросов больше обычного, данные не затронуты\.$/),
    ]);
    expect(src.syncNotes!()[0]).not.toMatch(/организаци|Таблица не загружена/);
    // A Drive that is down (the listing's 500s retried to the end): no sheet is asked of Drive on
    // its own, each is read in full — it failed every organization while Sheets answered (an acceptance run).
    fake.failNext('*', 500, 7, { kind: 'drive.files.list' });
    fake.clearRequests();
    await src.readRegistry();
    const down = await fetchAll(first.map((r) => r.version));
    expect(down.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
    // The listing: 1 + 6 retries (the default); then three reads and nothing else of Drive.
    expect(fake.count({ kind: 'drive.files.list' })).toBe(7);
    expect(fake.count({ kind: 'drive.files.get' })).toBe(0);
    expect(fake.requests.filter((r) => r.spreadsheetId !== REGISTRY_ID && r.kind === 'get')).toHaveLength(3);
    expect(src.syncNotes!()).toEqual([
      expect.stringMatching(/^Google Drive не ответил на проверку изменений \(Google Drive недоступен: HTTP 500 .*\): изменения таблиц в этой синхронизации не проверялись — все таблицы прочитаны целиком через Google Sheets \(запросов больше обычного\), данные не затронуты\.$/),
    ]);
    // A proxy's page for the listing: named as the listing's, not as a sheet «не загружена».
    fake.answerNext('*', { kind: 'drive.files.list', body: '<html><body>Доступ в интернет ограничен</body></html>' });
    fake.clearRequests();
    await src.readRegistry();
    expect((await fetchAll(first.map((r) => r.version))).map((r) => r.status)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(src.syncNotes!()).toEqual([
      expect.stringMatching(/^Проверка изменений одним списком Google Drive не удалась \(Google Drive ответил на запрос списка таблиц не в формате Google Drive API \(.+\); возможно, ответил прокси-сервер\): таблицы, которых нет в списке, проверены по одной — запросов больше обычного, данные не затронуты\.$/),
    ]);
    expect(src.syncNotes!()[0]).not.toMatch(/организаци|Таблица не загружена|Sheets API/);

    // A listing that names a sheet twice with different times (pages that shifted, a proxy
    // replaying an old page): that sheet is asked for on its own, whichever entry came last.
    // Sheet A was edited (its new time on page 1), page 2 repeats its old time.
    fake.setSpreadsheet(ids[0]!, { tabs: [...ORG_TABS.slice(0, 1), { title: 'Наставнические пары', rows: [['Наставник', 'Наставляемый']] }] });
    const edited = fake.modifiedTime(ids[0]!)!;
    expect(edited).not.toBe(first[0]!.version);
    const page = (files: { id: string; modifiedTime: string }[], next?: string) => ({
      body: JSON.stringify({ ...(next ? { nextPageToken: next } : {}), files }),
      contentType: 'application/json',
      kind: 'drive.files.list' as const,
    });
    fake.answerNext('*', page([{ id: ids[0]!, modifiedTime: edited }, { id: ids[1]!, modifiedTime: first[1]!.version! }], 'p2'));
    fake.answerNext('*', page([{ id: ids[2]!, modifiedTime: first[2]!.version! }, { id: ids[0]!, modifiedTime: first[0]!.version! }]));
    fake.clearRequests();
    await src.readRegistry();
    const fourth = await fetchAll(first.map((r) => r.version));
    expect(fourth.map((r) => r.status)).toEqual(['ok', 'unchanged', 'unchanged']);
    expect(fourth[0]!.version).toBe(edited);
    expect(fake.requests.filter((r) => r.kind === 'drive.files.get').map((r) => r.spreadsheetId)).toEqual([ids[0]]);
    // … and said, as every sheet the listing left to be asked for on its own (it was silent: an outside review).
    expect(src.syncNotes!()).toEqual([
      'Проверка изменений одним списком Google Drive не удалась (Google Drive назвал таблицу дважды с разным временем изменения): таблицы, которых нет в списке, проверены по одной — запросов больше обычного, данные не затронуты.',
    ]);
    // A page without `files`, or a file without its time: no answer of Drive's — each sheet asked on its own, and said.
    for (const [body, why] of [
      ['{}', 'в ответе Google Drive нет списка файлов (files)'],
      [JSON.stringify({ files: ids.map((id) => ({ id })) }), 'Google Drive назвал файл без id или без времени изменения (modifiedTime)'],
    ] as const) {
      fake.answerNext('*', { body, contentType: 'application/json', kind: 'drive.files.list' });
      fake.clearRequests();
      await src.readRegistry();
      expect((await fetchAll(fourth.map((r) => r.version))).map((r) => r.status)).toEqual(['unchanged', 'unchanged', 'unchanged']);
      expect(fake.count({ kind: 'drive.files.get' })).toBe(3);
      expect(src.syncNotes!()).toEqual([`Проверка изменений одним списком Google Drive не удалась (${why}): таблицы, которых нет в списке, проверены по одной — запросов больше обычного, данные не затронуты.`]);
    }

    // A page token that comes back (page 2 naming page 2 again) ends the list: it was read 20
    // pages over; an empty token on the last page ends it too, as an absent one does.
    fake.answerNext('*', page([{ id: ids[0]!, modifiedTime: edited }], 'p2'));
    fake.answerNext('*', page([{ id: ids[1]!, modifiedTime: first[1]!.version! }], 'p2'));
    fake.clearRequests();
    await src.readRegistry();
    const looped = await fetchAll([edited, first[1]!.version, first[2]!.version]);
    expect(looped.map((r) => r.status)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    // Two pages, then C (on neither) asked for on its own.
    expect(fake.requests.filter((r) => r.spreadsheetId !== REGISTRY_ID).map((r) => r.kind)).toEqual(['drive.files.list', 'drive.files.list', 'drive.files.get']);
    expect(src.syncNotes!()).toEqual([
      'Проверка изменений одним списком Google Drive не удалась (Google Drive вернул токен уже прочитанной страницы списка таблиц — список прерван): таблицы, которых нет в списке, проверены по одной — запросов больше обычного, данные не затронуты.',
    ]);
    fake.answerNext('*', { ...page(ids.map((id, i) => ({ id, modifiedTime: i === 0 ? edited : first[i]!.version! }))), body: JSON.stringify({ nextPageToken: '', files: ids.map((id, i) => ({ id, modifiedTime: i === 0 ? edited : first[i]!.version! })) }) });
    fake.clearRequests();
    await src.readRegistry();
    await fetchAll([edited, first[1]!.version, first[2]!.version]);
    expect(fake.requests.filter((r) => r.spreadsheetId !== REGISTRY_ID).map((r) => r.kind)).toEqual(['drive.files.list']);
    expect(src.syncNotes!()).toEqual([]);
  });
});

describe('fake Sheets server wire format', () => {
  const id = '1Wire_format_01';
  async function get(path: string): Promise<{ status: number; body: any; headers: Headers }> {
    const res = await fetch(new URL(path, fake.url), { headers: { 'X-Goog-Api-Key': KEY } });
    return { status: res.status, body: await res.json(), headers: res.headers };
  }

  it('honors field masks and the Drive default fields', async () => {
    fake.setSpreadsheet(id, { tabs: ORG_TABS, modifiedTime: '2024-03-01T10:00:00.000Z' });
    const a = await get(`v4/spreadsheets/${id}?fields=${encodeURIComponent('sheets.properties(title,sheetType)')}`);
    expect(a.body).toEqual({ sheets: ORG_TABS.map((t) => ({ properties: { title: t.title, sheetType: t.sheetType ?? 'GRID' } })) });
    const b = await get(`v4/spreadsheets/${id}?fields=sheets.properties.title`);
    expect(b.body.sheets[2]).toEqual({ properties: { title: "Дела'2024" } });
    const full = await get(`v4/spreadsheets/${id}`);
    expect(full.body.spreadsheetId).toBe(id);
    expect(full.body.sheets[0].properties).toMatchObject({ title: 'Педагоги', index: 0, sheetType: 'GRID', gridProperties: { rowCount: 1000, columnCount: 26 } });
    expect(full.body.sheets[0].data).toBeUndefined();
    const d = await get(`drive/v3/files/${id}?fields=modifiedTime`);
    expect(d.body).toEqual({ modifiedTime: '2024-03-01T10:00:00.000Z' });
    const d2 = await get(`drive/v3/files/${id}`);
    expect(d2.body).toMatchObject({ kind: 'drive#file', id, mimeType: 'application/vnd.google-apps.spreadsheet' });
    expect(d2.body.modifiedTime).toBeUndefined();
  });

  it('answers values.get with A1 sub-ranges and includeGridData cells', async () => {
    const r = await get(`v4/spreadsheets/${id}/values/${encodeURIComponent("'Педагоги'!B3:C5")}?valueRenderOption=UNFORMATTED_VALUE`);
    expect(r.body).toEqual({ range: "'Педагоги'!B3:C5", majorDimension: 'ROWS', values: [['Должность', 'Дата приёма'], ['учитель', 45000], ['воспитатель']] });
    const empty = await get(`v4/spreadsheets/${id}/values/${encodeURIComponent("'Пустой лист'")}`);
    expect(empty.body).toEqual({ range: "'Пустой лист'!A1:Z1000", majorDimension: 'ROWS' });
    const g = await get(`v4/spreadsheets/${id}?includeGridData=true`);
    expect(g.body.sheets[0].data[0].rowData[3].values[2]).toEqual({ userEnteredValue: { numberValue: 45000 }, effectiveValue: { numberValue: 45000 }, formattedValue: '45000' });
    const masked = await get(`v4/spreadsheets/${id}?fields=${encodeURIComponent('sheets(properties(title),data.rowData.values.effectiveValue)')}`);
    expect(masked.body.sheets[2]).toEqual({ properties: { title: "Дела'2024" }, data: [{ rowData: [{ values: [{ effectiveValue: { stringValue: 'Пункт' } }, { effectiveValue: { stringValue: 'Дата исполнения' } }] }, { values: [{ effectiveValue: { stringValue: '3.1' } }, { effectiveValue: { numberValue: 44986 } }] }] }] });
  });

  it('speaks Google error JSON and Retry-After, and logs no key', async () => {
    fake.failNext(id, 429, 1, { retryAfter: 3 });
    const q = await get(`v4/spreadsheets/${id}`);
    expect(q.status).toBe(429);
    expect(q.headers.get('retry-after')).toBe('3');
    expect(q.body.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    const bad = await get(`v4/spreadsheets/${id}/values/${encodeURIComponent("'Нет такого'")}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.status).toBe('INVALID_ARGUMENT');
    const nf = await get('v4/spreadsheets/1NoSuchSheet_0');
    expect(nf.body).toEqual({ error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' } });
    expect(JSON.stringify(fake.requests)).not.toContain(KEY);
  });

  it('enforces quotaPerMinute with its own clock', async () => {
    const c = { t: 0 };
    const q = await startFakeSheets({ quotaPerMinute: 2, now: () => c.t });
    try {
      q.setSpreadsheet(id, { tabs: ORG_TABS });
      const hit = async () => (await fetch(`${q.url}drive/v3/files/${id}?fields=modifiedTime`)).status;
      expect([await hit(), await hit(), await hit()]).toEqual([200, 200, 429]);
      c.t = 60_001;
      expect(await hit()).toBe(200);
    } finally {
      await q.close();
    }
  });
});
