/**
 * `GET /api/quality` through the real server on port 0, after real syncs through the Google
 * path (real googleapis client, fake Sheets server): per-organization state and counts, every
 * finding with its spreadsheet link, filters validated, an unknown organization a JSON 404.
 * It is also where "a tab that fails wholesale keeps its previous data" is visible to the user.
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGoogleSource } from '../../server/sources/google.ts';
import { runSync } from '../../server/sync/run.ts';
import { SHEET, baseMunicipality, grid, setCell, setGrid, type Municipality } from '../fixtures/bad/base.ts';
import { startFakeSheets, type FakeSheets } from '../../fakes/googleSheets.ts';
import { createMemorySource } from '../support/memorySource.ts';
import { openTempDb, startServer, startServerAs, type RunningServer, type TempDb } from '../support/server.ts';
import { asFakeTabs } from '../support/sheetsGrid.ts';

const REGISTRY_ID = '1QualityRegistryAbCdEfGhIj';
const SCHOOL_URL = `https://docs.google.com/spreadsheets/d/${SHEET.school}/edit`;
/**
 * A finding's link: its cell on its tab — the tab's id (gid) as the fake server gave it at the
 * last load, the column where that load found the finding's header, as the write-back's
 * «Проверка данных» links it — or the tab when the finding names no row. It opened the
 * spreadsheet's first tab for every finding, then column A of the row («ячейка ↗»: outside
 * reviews). `column`: the letter; A where the tab's columns are not known now.
 */
const cellUrl = (tab: string, row: number | null, column = 'A') =>
  `${SCHOOL_URL}#gid=${fake.spreadsheet(SHEET.school)!.tabs.find((t) => t.title === tab)!.sheetId}${row === null ? '' : `&range=${column}${row}`}`;
const KINDER_URL = `https://docs.google.com/spreadsheets/d/${SHEET.kinder}/edit`;

let fake: FakeSheets;
let tmp: TempDb;
let server: RunningServer;

/** Puts the registry and the given spreadsheets on the fake server (each put is a new modifiedTime). */
function serve(m: Municipality, ids = Object.keys(m.sheets)): void {
  fake.setSpreadsheet(REGISTRY_ID, { tabs: asFakeTabs(m.registry) });
  for (const id of ids) fake.setSpreadsheet(id, { tabs: asFakeTabs(m.sheets[id]!) });
}

const sync = (iso: string) =>
  runSync({
    db: tmp.db,
    source: createGoogleSource({ registryId: REGISTRY_ID, apiKey: 'quality-key', rootUrl: fake.url, sleep: async () => undefined }),
    now: () => new Date(iso),
    trigger: 'test',
  });

/** The municipality of both syncs: a title row over the registry header, a bad course row, a warning. */
function municipality(): Municipality {
  const m = baseMunicipality();
  grid(m, 'registry', 'Организации').unshift(['Реестр организаций']);
  setCell(m, 'СОШ-1', 'Повышение квалификации', 2, 'Часов', '36 ч.');
  setCell(m, 'СОШ-1', 'Программы наставничества', 2, 'Мероприятий выполнено', '12');
  return m;
}

beforeAll(async () => {
  fake = await startFakeSheets({ requireKey: 'quality-key' });
  tmp = await openTempDb();
  // Sync 1: everything loads; row 3 of «Аттестация» has a date out of range (quarantined).
  const first = municipality();
  setCell(first, 'СОШ-1', 'Аттестация', 3, 'Дата приказа', '20.12.1899');
  serve(first);
  expect((await sync('2024-05-15T10:00:00Z')).status).toBe('ok');
  // Sync 2: «Аттестация» is now only a title: the tab fails wholesale, the rest reloads.
  const second = municipality();
  setGrid(second, 'СОШ-1', 'Аттестация', [['Аттестация педагогов 2023/24']]);
  serve(second, [SHEET.school]);
  expect((await sync('2024-05-16T10:00:00Z')).status).toBe('ok');
  server = await startServer({ db: tmp.db });
});
afterAll(async () => {
  await server.close();
  tmp.cleanup();
  await fake.close();
});

const REGISTRY_NOTICE = {
  org: null,
  tab: 'Организации',
  row: null,
  column: null,
  value: null,
  level: 'notice',
  message: 'лист «Организации»: строка 1 над заголовками пропущена; заголовки найдены в строке 2',
  cell_url: null,
};
const ATTESTATION_TAB = {
  org: 'СОШ-1',
  tab: 'Аттестация',
  row: null,
  column: null,
  value: null,
  level: 'error',
  message: 'СОШ-1, лист «Аттестация»: не найдена строка заголовков; ожидаются столбцы «ФИО», «Дата приказа», «Присвоена категория»',
  get cell_url() {
    return cellUrl('Аттестация', null);
  },
};
// Kept from sync 1 with the tab's old rows: the row is still missing from the kept data — and
// the finding says it is the earlier load's (a school that had fixed the row saw it named without a word why).
const ATTESTATION_ROW = {
  org: 'СОШ-1',
  tab: 'Аттестация',
  row: 3,
  column: 'Дата приказа',
  value: '20.12.1899',
  level: 'error',
  message:
    'СОШ-1, лист «Аттестация», строка 3, столбец «Дата приказа»: значение «20.12.1899» — год 1899 вне допустимого диапазона 1900–2100; проверьте дату' +
    ' (замечание прежней загрузки: лист сейчас не загружается целиком — см. ошибку листа, — поэтому в данных остаются его строки той загрузки и их замечания)',
  // «Аттестация» does not lay out now (only a title): where its «Дата приказа» is is not known.
  get cell_url() {
    return cellUrl('Аттестация', 3);
  },
};
const COURSE_ROW = {
  org: 'СОШ-1',
  tab: 'Повышение квалификации',
  row: 2,
  column: 'Часов',
  value: '36 ч.',
  level: 'error',
  message: 'СОШ-1, лист «Повышение квалификации», строка 2, столбец «Часов»: значение «36 ч.» — это не число; ожидается целое число от 1 до 2000',
  get cell_url() {
    // «ФИО», «Программа», «Часов»: C.
    return cellUrl('Повышение квалификации', 2, 'C');
  },
};
const PROGRAM_WARNING = {
  org: 'СОШ-1',
  tab: 'Программы наставничества',
  row: 2,
  column: 'Мероприятий выполнено',
  value: '12',
  level: 'warning',
  message: 'СОШ-1, лист «Программы наставничества», строка 2, столбец «Мероприятий выполнено»: значение «12» — выполнено мероприятий больше, чем запланировано (10)',
  get cell_url() {
    // The eighth header of the tab: H.
    return cellUrl('Программы наставничества', 2, 'H');
  },
};
// Петров (row 3 of «Педагоги»): «Первая» there, but his Первая of 15.03.2019 lapsed on 15.03.2024
// (5 years): on 16.05.2024, the day of the last load, he holds «Без категории».
const CATEGORY_WARNING = {
  org: 'СОШ-1',
  tab: 'Педагоги',
  row: 3,
  column: 'Категория',
  value: 'Первая',
  level: 'warning',
  message:
    // What «Категория» should say, and why (it said only «другая категория»: an acceptance run).
    'СОШ-1, лист «Педагоги», строка 3, столбец «Категория»: значение «Первая» — по листу «Аттестация» (с учётом сроков действия категорий) на день загрузки категория педагога — «Без категории» (срок прежней категории истёк 15.03.2024); исправьте категорию на листе «Педагоги» или строки аттестации',
  get cell_url() {
    // «ФИО», «Должность», «Предмет», «Дата приёма», «Стаж», «Категория»: F.
    return cellUrl('Педагоги', 3, 'F');
  },
};
const SCHOOL = {
  org: 'СОШ-1',
  org_name: 'МОУ «Средняя общеобразовательная школа № 1»',
  last_success: '2024-05-16 10:00:00',
  last_attempt: '2024-05-16 10:00:00',
  last_status: 'ok',
  last_message: 'лист «Аттестация» не загружен из-за ошибки листа; для него сохранены данные прошлой загрузки',
  stale: false,
  sheet_url: SCHOOL_URL,
  quarantined: 2, // the course row of sync 2 and the attestation row kept from sync 1
  errors: 3, // those two rows and the «Аттестация» tab
  warnings: 1,
  category_mismatches: 1, // Петров (CATEGORY_WARNING)
  // BASE_ROWS: СОШ-1 has no row of «Лучшие практики» and «Мероприятия» (practices 0, events 0).
  empty_tabs: ['Лучшие практики', 'Мероприятия'],
};
const KINDER = {
  org: 'ДОУ-1',
  org_name: 'МДОУ «Детский сад № 1»',
  // Unchanged since sync 1 (Drive modifiedTime), so sync 2 confirmed it without re-reading.
  last_success: '2024-05-16 10:00:00',
  last_attempt: '2024-05-16 10:00:00',
  last_status: 'unchanged',
  last_message: null,
  stale: false,
  sheet_url: KINDER_URL,
  quarantined: 0,
  errors: 0,
  warnings: 0,
  category_mismatches: 0,
  // BASE_ROWS: ДОУ-1 has teachers (2) and a pair (1) only; its other tabs are headers alone or missing.
  empty_tabs: ['Программы наставничества', 'Повышение квалификации', 'Аттестация', 'Исполнение распоряжения', 'Лучшие практики', 'Мероприятия'],
};

describe('GET /api/quality', () => {
  it('lists every organization’s state and every finding, with links to the sheets', async () => {
    const { status, body } = await server.getJson(`/api/quality`);
    expect(status).toBe(200);
    expect(body).toEqual({
      registry_hold: null,
      orgs: [SCHOOL, KINDER],
      issues: [REGISTRY_NOTICE, ATTESTATION_TAB, ATTESTATION_ROW, CATEGORY_WARNING, COURSE_ROW, PROGRAM_WARNING],
    });
  });

  it('keeps a tab that failed wholesale: its old rows stay, and the quality info says why', async () => {
    // Row 2 of sync 1 (Петров); row 3 (the 1899 date) was quarantined then and still is.
    expect(await tmp.db.query(`SELECT row_no, run_id FROM attestations WHERE org = 'СОШ-1'`)).toEqual([{ row_no: 2, run_id: 1 }]);
    expect(await tmp.db.query(`SELECT tab, row_no, run_id FROM quarantine WHERE org = 'СОШ-1' ORDER BY tab`)).toEqual([
      { tab: 'Аттестация', row_no: 3, run_id: 1 },
      { tab: 'Повышение квалификации', row_no: 2, run_id: 2 },
    ]);
    // The other tabs reloaded in sync 2.
    expect(await tmp.db.query(`SELECT DISTINCT run_id FROM courses WHERE org = 'СОШ-1'`)).toEqual([{ run_id: 2 }]);
  });

  it('filters by organization and level', async () => {
    const { status, body } = await server.getJson(`/api/quality?org=${encodeURIComponent('СОШ-1')}&level=error`);
    expect(status).toBe(200);
    expect(body).toEqual({ registry_hold: null, orgs: [SCHOOL], issues: [ATTESTATION_TAB, ATTESTATION_ROW, COURSE_ROW] });
    const warnings = await server.getJson(`/api/quality?level=warning`);
    expect(warnings.body.issues).toEqual([CATEGORY_WARNING, PROGRAM_WARNING]);
    const kinder = await server.getJson(`/api/quality?org=${encodeURIComponent('ДОУ-1')}`);
    expect(kinder.body).toEqual({ registry_hold: null, orgs: [KINDER], issues: [] });
  });

  it('answers an unknown organization with a JSON 404, bad parameters with a 400', async () => {
    expect(await server.getJson(`/api/quality?org=${encodeURIComponent('СОШ-9')}`)).toEqual({
      status: 404,
      body: { error: { code: 'not_found', message: 'нет организации с кодом «СОШ-9» в реестре' } },
    });
    // Bound, never pasted: a quote is just part of an unknown code.
    const injection = await server.getJson(`/api/quality?org=${encodeURIComponent("x' OR 1=1 --")}`);
    expect(injection).toEqual({ status: 404, body: { error: { code: 'not_found', message: "нет организации с кодом «x' OR 1=1 --» в реестре" } } });
    expect(await server.getJson(`/api/quality?level=fatal`)).toEqual({
      status: 400,
      body: { error: { code: 'bad_request', message: 'неверный параметр level (уровень): допустимые значения: error, warning, notice' } },
    });
    expect(await server.getJson(`/api/quality?org=a&org=b`)).toEqual({
      status: 400,
      body: { error: { code: 'bad_request', message: 'неверный параметр org (код организации): ожидается один код организации' } },
    });
  });
});

describe('GET /api/quality.xlsx', () => {
  /** A sheet of the workbook as rows of cell values (the header first). */
  const sheetRows = (wb: ExcelJS.Workbook, name: string) => {
    const out: unknown[][] = [];
    wb.getWorksheet(name)!.eachRow((row) => out.push((row.values as unknown[]).slice(1)));
    return out;
  };
  const read = async (res: Response) => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer);
    return wb;
  };

  it('gives the same findings as the page, a row each, with organization, tab, row, column, value, level and message', async () => {
    const res = await server.fetch(`/api/quality.xlsx?org=${encodeURIComponent('СОШ-1')}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain('zamechaniya_SOSh-1.xlsx');
    const wb = await read(res);
    const name = SCHOOL.org_name;
    const row = (i: { tab: string; row: number | null; column: string | null; value: string | null; message: string }, level: string) => ['СОШ-1', name, i.tab, i.row ?? undefined, i.column ?? undefined, i.value ?? undefined, level, i.message];
    // The five findings of СОШ-1 (the registry's notice is the whole list's, not one organization's), in the API's order.
    expect(sheetRows(wb, 'Замечания')).toEqual([
      ['Организация', 'Наименование', 'Лист', 'Строка', 'Столбец', 'Значение', 'Уровень', 'Что не так и как исправить'],
      row(ATTESTATION_TAB, 'ошибка'),
      row(ATTESTATION_ROW, 'ошибка'),
      row(CATEGORY_WARNING, 'предупреждение'),
      row(COURSE_ROW, 'ошибка'),
      row(PROGRAM_WARNING, 'предупреждение'),
    ]);
    // 16.05.2024 10:00 UTC stored as an Excel date (serial 45428 + 10/24, format дд.мм.гггг чч:мм): exceljs reads it back as that moment.
    const at = new Date('2024-05-16T10:00:00Z');
    const [head, school] = sheetRows(wb, 'Организации');
    expect(head).toEqual(['Организация', 'Наименование', 'Последняя загрузка, UTC', 'Последняя попытка, UTC', 'Состояние', 'Строк в карантине', 'Ошибок', 'Предупреждений', 'Сообщение синхронизации']);
    expect(school).toEqual(['СОШ-1', name, at, at, 'загружены', 2, 3, 1, SCHOOL.last_message]);
  });

  it('filters by level; a school gets its own organization only; the regional office none (the findings quote names)', async () => {
    const errors = await read(await server.fetch(`/api/quality.xlsx?level=error`));
    // Every organization's errors: the three of СОШ-1 (ДОУ-1 has none; the registry's finding is a notice).
    expect(sheetRows(errors, 'Замечания').slice(1).map((r) => [r[0], r[3], r[6]])).toEqual([
      ['СОШ-1', undefined, 'ошибка'],
      ['СОШ-1', 3, 'ошибка'],
      ['СОШ-1', 2, 'ошибка'],
    ]);
    const accounts = await startServerAs({ db: tmp.db }, { school: { role: 'school', org: 'ДОУ-1' }, region: { role: 'region' } });
    try {
      const own = await fetch(`${accounts.url}/api/quality.xlsx`, { headers: accounts.headers('school') });
      expect(own.status).toBe(200);
      const wb = await read(own);
      expect(sheetRows(wb, 'Замечания')).toHaveLength(1); // the header: ДОУ-1 has no findings
      expect(sheetRows(wb, 'Организации').slice(1).map((r) => r[0])).toEqual(['ДОУ-1']);
      const other = await fetch(`${accounts.url}/api/quality.xlsx?org=${encodeURIComponent('СОШ-1')}`, { headers: accounts.headers('school') });
      expect(other.status).toBe(403);
      const region = await fetch(`${accounts.url}/api/quality.xlsx`, { headers: accounts.headers('region') });
      expect(region.status).toBe(403);
      expect(((await region.json()) as { error: { message: string } }).error.message).toContain('ФИО педагогов');
    } finally {
      await accounts.close();
    }
  });
});

/** The base municipality with one bad course row (СОШ-1, «Часов» −72), synced from memory on 15.05.2024, and a server over it. */
async function syncedWithBadRow(): Promise<{ db: TempDb; local: RunningServer; m: Municipality }> {
  const db = await openTempDb();
  const local = await startServer({ db: db.db });
  const m = baseMunicipality();
  setCell(m, 'СОШ-1', 'Повышение квалификации', 3, 'Часов', '-72');
  await runSync({ db: db.db, source: createMemorySource(m), trigger: 'test', now: () => new Date('2024-05-15T10:00:00Z') });
  return { db, local, m };
}

describe('GET /api/quality without Google Sheets', () => {
  it('lists the findings by organization in the order of every other list: the school before the kindergarten', async () => {
    const { db, local, m } = await syncedWithBadRow();
    try {
      setCell(m, 'ДОУ-1', 'Педагоги', 2, 'Категория', 'вторая');
      await runSync({ db: db.db, source: createMemorySource(m), trigger: 'test', now: () => new Date('2024-05-15T11:00:00Z') });
      const { body } = await local.getJson('/api/quality');
      const orgs = (body.issues as { org: string | null }[]).map((i) => i.org).filter((o, i, all) => o !== all[i - 1]);
      // By code alone «ДОУ-1» < «СОШ-1»: the kindergarten's findings came first, unlike every table of the dashboard.
      expect(orgs).toEqual(['СОШ-1', 'ДОУ-1']);
    } finally {
      await local.close();
      db.cleanup();
    }
  });

  it('gives no sheet links', async () => {
    const { db, local } = await syncedWithBadRow();
    try {
      const { body } = await local.getJson(`/api/quality?org=${encodeURIComponent('СОШ-1')}`);
      expect(body.orgs).toMatchObject([{ org: 'СОШ-1', sheet_url: null, quarantined: 1, errors: 1, warnings: 0, category_mismatches: 1 }]);
      expect(body.issues).toMatchObject([
        // Петров: «Первая» in «Педагоги», but his Первая of 15.03.2019 lapsed on 15.03.2024 (5 years):
        // on 15.05.2024 he holds «Без категории» — the category mismatch data_quality counts, listed.
        { row: 3, column: 'Категория', value: 'Первая', level: 'warning', cell_url: null },
        { row: 3, column: 'Часов', value: '-72', level: 'error', cell_url: null },
      ]);
    } finally {
      await local.close();
      db.cleanup();
    }
  });
});

describe('a registry that cannot be read', () => {
  it('replaces the registry’s last finding with its reason (it showed an older one); its requests count with the sync’s', async () => {
    const f = await startFakeSheets({ requireKey: 'quality-key' });
    const db = await openTempDb();
    const local = await startServer({ db: db.db });
    try {
      const m = baseMunicipality();
      f.setSpreadsheet(REGISTRY_ID, { tabs: asFakeTabs(m.registry) });
      for (const id of Object.keys(m.sheets)) f.setSpreadsheet(id, { tabs: asFakeTabs(m.sheets[id]!) });
      const run = async (iso: string) => {
        const before = f.requests.length;
        const summary = await runSync({
          db: db.db,
          source: createGoogleSource({ registryId: REGISTRY_ID, apiKey: 'quality-key', rootUrl: f.url, sleep: async () => undefined }),
          now: () => new Date(iso),
          trigger: 'test',
        });
        return { summary, seen: f.requests.length - before };
      };
      // Every request the fake Google answered is in the sync's count — the registry's two
      // (its tabs, its values) with the organizations' (with an API key: Drive, then the sheet, each).
      const first = await run('2024-05-15T10:00:00Z');
      expect(first.summary.status).toBe('ok');
      expect(first.seen).toBe(2 + 2 * 2);
      expect(first.summary.totals.requests).toBe(first.seen);
      const registryIssues = async () => ((await local.getJson('/api/quality')).body.issues as { org: string | null; message: string }[]).filter((i) => i.org === null).map((i) => i.message);
      // The registry emptied (its header only): the sync stops, and says so.
      const rows = grid(m, 'registry', 'Организации').splice(1);
      f.setSpreadsheet(REGISTRY_ID, { tabs: asFakeTabs(m.registry) });
      const emptied = await run('2024-05-16T10:00:00Z');
      expect(emptied.summary.status).toBe('failed');
      expect(emptied.summary.totals.requests).toBe(emptied.seen);
      expect(await registryIssues()).toEqual([
        'лист «Организации»: в реестре нет ни одной организации (на листе только заголовок или пустые строки); синхронизация остановлена, данные не изменены — верните строки организаций',
      ]);
      // Its rows back, but its tab renamed: not read at all — that reason replaces the one above.
      grid(m, 'registry', 'Организации').push(...rows);
      m.registry[0]!.title = 'Организации (старый)';
      f.setSpreadsheet(REGISTRY_ID, { tabs: asFakeTabs(m.registry) });
      const renamed = await run('2024-05-17T10:00:00Z');
      expect(renamed.summary.status).toBe('failed');
      expect(renamed.seen).toBe(1); // the tab titles only
      expect(renamed.summary.totals.requests).toBe(1);
      expect(await registryIssues()).toEqual([
        `лист «Организации»: реестр организаций не прочитан: в реестре организаций (таблица ${REGISTRY_ID}) нет листа «Организации»; листы: «Организации (старый)»; данные не изменены`,
      ]);
      // The organizations' data is as the first sync left it.
      expect((await local.getJson('/api/quality')).body.orgs.map((o: { org: string }) => o.org)).toEqual(['СОШ-1', 'ДОУ-1']);
    } finally {
      await local.close();
      db.cleanup();
      await f.close();
    }
  });
});

describe('an organization taken out of the registry', () => {
  it('leaves «Качество данных» as it leaves the data_quality metric — listed as of a sync when it was in the registry', async () => {
    const { db, local, m } = await syncedWithBadRow();
    // СОШ-1's own account, made while it is in the registry.
    const school = await startServerAs({ db: db.db }, { sosh: { role: 'school', org: 'СОШ-1' } });
    try {
      const first = await local.getJson('/api/quality');
      expect(first.body.orgs.map((o: { org: string }) => o.org)).toEqual(['СОШ-1', 'ДОУ-1']);
      // СОШ-1's bad row (an error) and its category mismatch (a warning) are listed.
      expect(first.body.issues.filter((i: { org: string }) => i.org === 'СОШ-1')).toHaveLength(2);
      // The registry's row of СОШ-1 (row 2) deleted: it was listed as «ok», with its old findings.
      grid(m, 'registry', 'Организации').splice(1, 1);
      const gone = await runSync({ db: db.db, source: createMemorySource(m), trigger: 'test', now: () => new Date('2024-05-16T10:00:00Z') });
      // The run's record says it too: the registry's warning is replaced by the next sync's, and
      // then nothing told that СОШ-1's data had left the figures (an outside review).
      const note = 'Из реестра пропала организация СОШ-1: её данные больше не входят в показатели; если строки удалили по ошибке, верните их в реестр.';
      expect([gone.status, gone.message]).toEqual(['ok', note]);
      expect(await db.db.query(`SELECT message FROM sync_runs WHERE id = $id`, { id: gone.runId })).toEqual([{ message: note }]);
      const now = await local.getJson('/api/quality');
      expect(now.body.orgs.map((o: { org: string }) => o.org)).toEqual(['ДОУ-1']);
      // Said as a finding of the registry (its data left every figure without a word).
      expect(now.body.issues.filter((i: { org: string | null }) => i.org === null).map((i: { level: string; message: string }) => [i.level, i.message])).toEqual([
        ['warning', 'лист «Организации»: организации «СОШ-1» больше нет в реестре: её данные не входят в показатели с этой синхронизации (история сохранена — на прошлые даты, as_of, она видна); если строку удалили по ошибке, верните её'],
      ]);
      expect(now.body.issues.filter((i: { org: string | null }) => i.org === 'СОШ-1')).toEqual([]);
      const metric = await local.getJson('/api/metrics/data_quality');
      expect(metric.body.rows.map((r: { org: string | null }) => r.org)).toEqual(['ДОУ-1', null]);
      // As of the first sync: as it was then.
      const then = await local.getJson(`/api/quality?as_of=${encodeURIComponent('2024-05-15T10:00:00Z')}`);
      expect(then.body.orgs.map((o: { org: string }) => o.org)).toEqual(['СОШ-1', 'ДОУ-1']);
      // A metric filtered on it: now, and as of the second sync, a 400 that says why (it was a
      // table of zeros); as of the first sync, its figures — 6 teachers (base.ts).
      const sosh = encodeURIComponent('СОШ-1');
      const nowAnswer = await local.getJson(`/api/metrics/engagement?org=${sosh}`);
      expect([nowAnswer.status, nowAnswer.body.error.message]).toEqual([
        400,
        'неверный параметр org (код организации): организации «СОШ-1» нет в реестре сейчас — её данные не входят в показатели; чтобы посмотреть их, выберите дату (as_of), когда она была в реестре',
      ]);
      const second = await local.getJson(`/api/metrics/engagement?org=${sosh}&as_of=${encodeURIComponent('2024-05-16T10:00:00Z')}`);
      expect(second.status).toBe(400);
      expect(second.body.error.message).toMatch(/^неверный параметр org \(код организации\): организации «СОШ-1» не было в реестре на момент синхронизации № \d+ \(16\.05\.2024 10:00:00 \(UTC\)\) — её данных в показателях на эту дату нет$/);
      const atFirst = await local.getJson(`/api/metrics/engagement?org=${sosh}&as_of=${encodeURIComponent('2024-05-15T10:00:00Z')}`);
      expect(atFirst.status).toBe(200);
      expect(atFirst.body.rows.find((r: { org: string | null }) => r.org === 'СОШ-1').teachers).toBe(6);
      // Compared, as of the first sync, with the second (cmp_as_of): a 400 naming the second sync —
      // the base column was all zeros, «−6 педагогов», as if the school had lost everybody.
      const firstAt = encodeURIComponent('2024-05-15T10:00:00Z');
      const compared = await local.getJson(`/api/metrics/engagement/compare?org=${sosh}&as_of=${firstAt}&cmp_as_of=${encodeURIComponent('2024-05-16T10:00:00Z')}`);
      expect([compared.status, compared.body.error.message]).toEqual([400, second.body.error.message]);
      // The same workbook for the region (export): refused alike, no file.
      const workbook = await local.fetch(`/api/export.xlsx?metrics=engagement&org=${sosh}&as_of=${firstAt}&cmp_as_of=${encodeURIComponent('2024-05-16T10:00:00Z')}`);
      expect(workbook.status).toBe(400);
      // Both dates when it was listed: compared (6 and 6 teachers).
      const same = await local.getJson(`/api/metrics/engagement/compare?org=${sosh}&as_of=${firstAt}&cmp_from=2023-09-01&cmp_to=2024-05-15`);
      expect(same.status).toBe(200);
      // Its own account, whose answers are scoped to it without an `org`: the same 400, not zeros.
      const own = await school.get<{ error: { message: string } }>('/api/metrics/engagement', 'sosh');
      expect([own.status, own.body.error.message]).toEqual([400, nowAnswer.body.error.message]);
    } finally {
      await school.close();
      await local.close();
      db.cleanup();
    }
  });
});

describe('a code changed in the registry', () => {
  it('is told as a probable change of code when the new code has the old one\'s spreadsheet', async () => {
    const { db, local, m } = await syncedWithBadRow();
    try {
      // ДОУ-1's row (row 3) gets the code ДОУ-12, same spreadsheet.
      const registry = grid(m, 'registry', 'Организации');
      registry[2]![0] = 'ДОУ-12';
      await runSync({ db: db.db, source: createMemorySource(m), trigger: 'test', now: () => new Date('2024-05-16T10:00:00Z') });
      const { body } = await local.getJson('/api/quality');
      expect(body.issues.filter((i: { org: string | null }) => i.org === null).map((i: { message: string }) => i.message)).toEqual([
        'лист «Организации»: организации «ДОУ-1» больше нет в реестре: её данные не входят в показатели с этой синхронизации (история сохранена — на прошлые даты, as_of, она видна); ' +
          'похоже, код организации изменён на «ДОУ-12» (та же таблица): её данные теперь загружаются под новым кодом, а история прежнего кода остаётся за «ДОУ-1» — если код изменили по ошибке, верните прежний',
      ]);
      expect(body.orgs.map((o: { org: string }) => o.org)).toEqual(['СОШ-1', 'ДОУ-12']);
      // The next sync, the registry as it is: nothing more to say.
      await runSync({ db: db.db, source: createMemorySource(m), trigger: 'test', now: () => new Date('2024-05-17T10:00:00Z') });
      expect((await local.getJson('/api/quality')).body.issues.filter((i: { org: string | null }) => i.org === null)).toEqual([]);
    } finally {
      await local.close();
      db.cleanup();
    }
  });
});

describe('a «Таблица» mistyped in the registry', () => {
  it('keeps the findings’ links to the spreadsheet last loaded, and the organization’s own', async () => {
    // The organization fails (no ID, no link: its data kept), and every link of its findings went
    // with the registry's value (an acceptance run): they are about the spreadsheet last loaded.
    const db = await openTempDb();
    const local = await startServer({ db: db.db });
    const syncOn = (iso: string) =>
      runSync({ db: db.db, source: createGoogleSource({ registryId: REGISTRY_ID, apiKey: 'quality-key', rootUrl: fake.url, sleep: async () => undefined }), now: () => new Date(iso), trigger: 'test' });
    try {
      const m = municipality();
      serve(m);
      expect((await syncOn('2024-06-01T10:00:00Z')).status).toBe('ok');
      const courseOf = (body: { issues: { org: string | null; tab: string; row: number | null; cell_url: string | null }[] }) =>
        body.issues.find((i) => i.org === 'СОШ-1' && i.tab === 'Повышение квалификации' && i.row === 2)!;
      // «Часов» is column C of «Повышение квалификации».
      expect(courseOf((await local.getJson('/api/quality')).body).cell_url).toBe(cellUrl('Повышение квалификации', 2, 'C'));

      const registry = grid(m, 'registry', 'Организации');
      const row = registry.find((r) => r[0] === 'СОШ-1')!;
      row[registry.find((r) => r.includes('Таблица'))!.indexOf('Таблица')] = `${SHEET.school} (копия)`;
      serve(m, []);
      const s = await syncOn('2024-06-02T10:00:00Z');
      expect(s.orgs.find((o) => o.org === 'СОШ-1')).toMatchObject({ status: 'failed' });
      const after = (await local.getJson('/api/quality')).body;
      expect(after.orgs.find((o: { org: string }) => o.org === 'СОШ-1').sheet_url).toBe(SCHOOL_URL);
      expect(courseOf(after).cell_url).toBe(cellUrl('Повышение квалификации', 2, 'C'));
    } finally {
      await local.close();
      db.cleanup();
    }
  });
});

describe('many people on «Качество данных» at once', () => {
  it('read the findings once per sync, on the metric lane — not on the connections logins and short lists use', async () => {
    const db = await openTempDb();
    const local = await startServer({ db: db.db });
    // Every read of the page's two lists (organizations, findings), by lane: their SQL is told by its leading comment.
    const reads = { light: 0, metric: 0 };
    const isQuality = (sql: string) => sql.includes('Качество данных');
    const light = db.db.query.bind(db.db);
    const metric = db.db.metricQuery.bind(db.db);
    db.db.query = (sql, params) => {
      if (isQuality(sql)) reads.light++;
      return light(sql, params);
    };
    db.db.metricQuery = (sql, params, signal, catalog) => {
      if (isQuality(sql)) reads.metric++;
      return metric(sql, params, signal, catalog);
    };
    try {
      const m = baseMunicipality();
      setCell(m, 'СОШ-1', 'Повышение квалификации', 3, 'Часов', '-72');
      await runSync({ db: db.db, source: createMemorySource(m), trigger: 'test', now: () => new Date('2024-05-15T10:00:00Z') });
      // Ten people open the page at once, then one more: one read of the findings, the same answer to all.
      const bodies = await Promise.all(Array.from({ length: 10 }, () => local.getJson('/api/quality')));
      const again = await local.getJson('/api/quality');
      expect(new Set([...bodies, again].map((b) => JSON.stringify(b)))).toEqual(new Set([JSON.stringify(again)]));
      expect(again.body.issues.map((i: any) => [i.row, i.column, i.value])).toEqual([
        [3, 'Категория', 'Первая'],
        [3, 'Часов', '-72'],
      ]);
      expect(reads).toEqual({ light: 0, metric: 2 });
      // A client that takes no gzip (curl without --compressed): the same JSON, inflated for it.
      const plain = await local.fetch('/api/quality', { headers: { 'Accept-Encoding': 'identity' } });
      expect([plain.headers.get('content-encoding'), await plain.json()]).toEqual([null, again.body]);
      expect(reads).toEqual({ light: 0, metric: 2 });
      // A sync changes the data: read again, once.
      setCell(m, 'СОШ-1', 'Повышение квалификации', 3, 'Часов', '72');
      await runSync({ db: db.db, source: createMemorySource(m), trigger: 'test', now: () => new Date('2024-05-16T10:00:00Z') });
      await Promise.all(Array.from({ length: 3 }, () => local.getJson('/api/quality')));
      const after = await local.getJson('/api/quality');
      expect(after.body.issues.map((i: any) => [i.row, i.column, i.value])).toEqual([[3, 'Категория', 'Первая']]);
      expect(reads).toEqual({ light: 0, metric: 4 });
    } finally {
      await local.close();
      db.cleanup();
    }
  });
});
