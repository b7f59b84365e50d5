/**
 * Write-back of «Проверка данных» after a real sync (google source → DuckDB), with the real
 * googleapis client, a service account signed locally and the fake Sheets server: one
 * batchUpdate per organization whose findings changed, none when nothing changed (the time of
 * the check alone changes nothing), a failing organization logged without stopping the others.
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serialFromIso } from '../../server/contract/index.ts';
import { writeBack, type WritebackResult } from '../../server/google/writeback.ts';
import { createSheetsWriter } from '../../server/google/write.ts';
import { createGoogleSource } from '../../server/sources/google.ts';
import type { Cell } from '../../server/sources/types.ts';
import { runSync, type SyncSummary } from '../../server/sync/run.ts';
import { startFakeSheets, type FakeSheets, type FakeTab } from '../../fakes/googleSheets.ts';
import { openTempDb, type TempDb } from '../support/server.ts';

const KEY = 'wb-api-key-123';
const SA_EMAIL = 'monitor@test-project.iam.gserviceaccount.com';
const REGISTRY_ID = '1WbRegistryAbCdEfGhIjKlMn';
const ID = { sch1: '1WbSchoolOneAbCdEfGhIjKl', dou1: '1WbKinderOneAbCdEfGhIjKl', sch3: '1WbSchoolThreeAbCdEfGhIj' };
const TAB = 'Проверка данных';
const HEADERS = ['Уровень', 'Лист', 'Строка', 'Столбец', 'Значение', 'Что не так', 'Ссылка'];

const TEACHERS_HEADER: Cell[] = ['ФИО', 'Должность', 'Категория'];
const orgTabs = (badCategory: boolean): FakeTab[] => [
  {
    title: 'Педагоги',
    rows: [
      TEACHERS_HEADER,
      ['Иванова Анна Петровна', 'учитель', 'Высшая'],
      ['Петров Пётр Петрович', 'учитель', badCategory ? 'Вторая' : 'Первая'],
      ['Сидорова Вера Олеговна', 'учитель', 'Без категории'],
    ],
  },
  {
    title: 'Наставнические пары',
    rows: [
      ['Наставник', 'Наставляемый', 'Форма', 'Направление', 'Дата начала', 'Дата окончания (факт)', 'Статус'],
      // «Действует» with an end date: a warning (the row loads).
      ['Иванова Анна Петровна', 'Сидорова Вера Олеговна', 'Групповая', 'Предметное содержание', serialFromIso('2023-09-01'), serialFromIso('2024-06-01'), 'Действует'],
    ],
  },
  { title: 'Программы наставничества', rows: [['Наставляемый', 'Наставник', 'Дата утверждения', 'Дата завершения (план)', 'Мероприятий запланировано', 'Мероприятий выполнено', 'Статус']] },
  { title: 'Повышение квалификации', rows: [['ФИО', 'Программа', 'Часов', 'Дата окончания']] },
  { title: 'Аттестация', rows: [['ФИО', 'Дата приказа', 'Присвоена категория']] },
];
const cleanTabs = (): FakeTab[] => [
  { title: 'Педагоги', rows: [TEACHERS_HEADER, ['Ершова Ольга Петровна', 'воспитатель', 'Первая']] },
  ...orgTabs(false).slice(1).map((t) => (t.title === 'Наставнические пары' ? { ...t, rows: t.rows.slice(0, 1) } : t)),
];

let fake: FakeSheets;
let tmp: TempDb;
let keyFile: string;
const logged: string[] = [];
let clock = new Date('2025-03-05T06:07:00Z');

const writer = (file = keyFile) =>
  createSheetsWriter({ credentialsFile: file, jwtAccess: true, rootUrl: fake.url, sleep: async () => undefined, random: () => 0.5 });
const sync = (): Promise<SyncSummary> =>
  runSync({ db: tmp.db, source: createGoogleSource({ registryId: REGISTRY_ID, apiKey: KEY, rootUrl: fake.url, sleep: async () => undefined }), trigger: 'test' });
const back = (summary?: SyncSummary, file?: string): Promise<WritebackResult> =>
  writeBack(tmp.db, { writer: writer(file), summary, now: () => clock, log: (l) => logged.push(l) });
const writes = () => fake.requests.filter((r) => r.kind === 'batchUpdate' || r.kind.startsWith('values.update') || r.kind === 'values.clear');
const checkTab = (id: string) => fake.spreadsheet(id)!.tabs.find((t) => t.title === TAB);

beforeAll(async () => {
  fake = await startFakeSheets({ requireKey: KEY });
  tmp = await openTempDb();
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  keyFile = join(tmp.dir, 'sa.json');
  writeFileSync(
    keyFile,
    JSON.stringify({
      type: 'service_account',
      project_id: 'test',
      private_key_id: 'kid-wb',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: SA_EMAIL,
      client_id: '1',
    }),
  );
  fake.setSpreadsheet(REGISTRY_ID, {
    tabs: [
      {
        title: 'Организации',
        rows: [
          ['Код', 'Наименование', 'Тип', 'Таблица', 'Активна'],
          ['СОШ-1', 'МОУ СОШ № 1', 'Школа', ID.sch1, 'Да'],
          ['ДОУ-1', 'МДОУ № 1', 'Детский сад', ID.dou1, 'Да'],
          ['СОШ-3', 'МОУ СОШ № 3', 'Школа', ID.sch3, 'Да'],
        ],
      },
    ],
  });
  fake.setSpreadsheet(ID.sch1, { tabs: orgTabs(true) });
  fake.setSpreadsheet(ID.dou1, { tabs: cleanTabs() });
  fake.setSpreadsheet(ID.sch3, { tabs: orgTabs(true) });
  // СОШ-3 gave the service account read access only: its write fails.
  fake.setReadOnly(ID.sch3, true);
});

afterAll(async () => {
  await fake.close();
  tmp.cleanup();
  for (const l of logged) expect(l).not.toContain('PRIVATE KEY');
});

describe('write-back of «Проверка данных»', () => {
  it('writes each organization once, with its findings from the database; a failing one is logged and stops nobody', async () => {
    const summary = await sync();
    expect(summary.totals.ok).toBe(3);
    fake.clearRequests();
    const r = await back(summary);
    expect(r.written).toEqual(['СОШ-1', 'ДОУ-1']);
    expect(r.failed.map((f) => f.org)).toEqual(['СОШ-3']);
    expect(r.failed[0]!.message).toBe(
      `запись листа «${TAB}» в таблицу организации СОШ-3 (ID ${ID.sch3}): нет прав на запись: откройте таблице доступ «Редактор» для сервисного аккаунта ${SA_EMAIL} (или выключите SHEETS_WRITEBACK)`,
    );
    expect(logged.some((l) => l.startsWith(`Лист «${TAB}» организации СОШ-3 не записан: `))).toBe(true);
    // And on its line of the sync's journal, where the coordinator reads the run (it was on the console only: an acceptance run).
    const lines = await tmp.db.query(`SELECT org, message FROM sync_run_orgs WHERE run_id = $run ORDER BY org`, { run: summary.runId });
    expect(lines.find((l) => l.org === 'СОШ-3')!.message).toBe(`лист «${TAB}» в таблице не обновлён: ${r.failed[0]!.message}`);
    expect(lines.find((l) => l.org === 'СОШ-1')!.message).toBeNull();

    // One batchUpdate per organization (the failed one tried once: a 403 is not retried), all as the service account.
    for (const id of [ID.sch1, ID.dou1, ID.sch3]) expect(fake.count({ spreadsheetId: id, kind: 'batchUpdate' })).toBe(1);
    expect(writes()).toHaveLength(3);
    expect(fake.requests.every((q) => q.auth === 'bearer')).toBe(true);
    const body = fake.requests.find((q) => q.kind === 'batchUpdate' && q.spreadsheetId === ID.sch1)!.body as { requests: Record<string, any>[] };
    expect(body.requests[0]!.addSheet.properties.title).toBe(TAB);
    expect(body.requests.filter((q) => q.updateCells)).toHaveLength(1);

    // СОШ-1: every current error and warning of `issues`, one row each, with a link to its cell.
    const issues = await tmp.db.query(
      `SELECT level, tab, row_no, column_name, value, problem FROM issues WHERE org = 'СОШ-1' AND scope = 'sheet' AND level IN ('error', 'warning')`,
    );
    expect(issues.map((i) => i.level).sort()).toEqual(['error', 'warning']);
    const tab = checkTab(ID.sch1)!;
    expect(tab.rows[0]![0]).toBe('Проверено: 05.03.2025, 14:07'); // the spreadsheet's zone, Asia/Irkutsk
    expect(tab.rows[0]![1]).toMatch(/^1 ошибка, 1 предупреждение\./);
    expect(tab.rows[1]).toEqual(HEADERS);
    expect(tab.rows).toHaveLength(2 + issues.length);
    const gids = Object.fromEntries(fake.spreadsheet(ID.sch1)!.tabs.map((t) => [t.title, t.sheetId]));
    // The cell of each finding: «Категория» is the third header of «Педагоги» (C), «Статус» the
    // seventh of «Наставнические пары» (G). The links opened column A of the row.
    const cells: Record<string, string> = { 'Педагоги·3': 'C3', 'Наставнические пары·2': 'G2' };
    expect(issues.map((i) => `${i.tab}·${i.row_no}·${i.column_name}`).sort()).toEqual(['Наставнические пары·2·Статус', 'Педагоги·3·Категория']);
    for (const i of issues) {
      const link = `https://docs.google.com/spreadsheets/d/${ID.sch1}/edit#gid=${gids[String(i.tab)]}&range=${cells[`${i.tab}·${i.row_no}`]}`;
      expect(tab.rows).toContainEqual([i.level === 'error' ? 'Ошибка' : 'Предупреждение', i.tab, i.row_no, i.column_name, i.value ?? null, i.problem, link]);
    }
    expect(tab.rows.some((row) => row.includes('Вторая'))).toBe(true);
    expect(tab.frozenRowCount).toBe(2);
    // The school's own tabs are untouched.
    expect(fake.spreadsheet(ID.sch1)!.tabs.find((t) => t.title === 'Педагоги')!.rows).toEqual(orgTabs(true)[0]!.rows);

    // ДОУ-1 has nothing to fix: it says so.
    const clean = checkTab(ID.dou1)!;
    expect(clean.rows).toEqual([[`Проверено: 05.03.2025, 14:07`, 'Ошибок и предупреждений нет.', null, null, null, expect.stringContaining('автоматически'), null], HEADERS]);
  });

  it('writes nothing when nothing changed — not even when only the time of the check did', async () => {
    // The write-back itself changed the sheets: the next sync re-reads them, finds the same.
    const summary = await sync();
    clock = new Date('2025-03-06T09:00:00Z');
    fake.clearRequests();
    const r = await back(summary);
    expect(r.written).toEqual([]);
    expect(r.unchanged).toEqual(['СОШ-1', 'ДОУ-1']);
    // СОШ-3 was never written: tried again (and logged again), the others cost no request.
    expect(r.failed.map((f) => f.org)).toEqual(['СОШ-3']);
    expect(fake.requests.filter((q) => q.spreadsheetId !== ID.sch3)).toEqual([]);
    expect(checkTab(ID.sch1)!.rows[0]![0]).toBe('Проверено: 05.03.2025, 14:07');

    const again = await sync();
    expect(again.orgs.filter((o) => o.status === 'unchanged').map((o) => o.org).sort()).toEqual(['ДОУ-1', 'СОШ-1', 'СОШ-3'].sort());
    fake.clearRequests();
    fake.setReadOnly(ID.sch3, false);
    const r2 = await back(again);
    expect(r2.written).toEqual(['СОШ-3']);
    expect(writes().map((q) => q.spreadsheetId)).toEqual([ID.sch3]);
  });

  it('rewrites only the organization whose findings changed; the tab is replaced, not appended to', async () => {
    fake.setTabRows(ID.sch1, 'Педагоги', orgTabs(false)[0]!.rows);
    const summary = await sync();
    fake.clearRequests();
    const r = await back(summary);
    expect(r.written).toEqual(['СОШ-1']);
    expect(r.unchanged).toEqual(['ДОУ-1', 'СОШ-3']);
    expect(writes().map((q) => q.spreadsheetId)).toEqual([ID.sch1]);
    const body = writes()[0]!.body as { requests: Record<string, any>[] };
    // The tab exists now: no addSheet, one updateCells over the whole tab (clear and write at once).
    expect(body.requests.map((q) => Object.keys(q)[0])).toEqual(['updateCells']);
    expect(body.requests[0]!.updateCells.range).toEqual({ sheetId: checkTab(ID.sch1)!.sheetId });
    const tab = checkTab(ID.sch1)!;
    // Status, header, the one warning left: the error's row is gone (cleared, not left behind).
    const filled = tab.rows.filter((row) => row.some((c) => c !== null && c !== ''));
    expect(filled).toHaveLength(3);
    expect(filled[2]![0]).toBe('Предупреждение');
    expect(tab.rows.some((row) => row.includes('Вторая'))).toBe(false);
  });

  it('writes the tab again when the school deleted it, though its findings are unchanged (it stayed gone, and nothing was said)', async () => {
    fake.deleteTab(ID.dou1, TAB);
    // The deletion changed the sheet: the sync reads it whole (its tab titles with it).
    const summary = await sync();
    expect(summary.orgs.find((o) => o.org === 'ДОУ-1')).toMatchObject({ status: 'ok' });
    fake.clearRequests();
    const r = await back(summary);
    expect(r.written).toEqual(['ДОУ-1']);
    expect(r.unchanged).toEqual(['СОШ-1', 'СОШ-3']);
    expect(writes().map((q) => q.spreadsheetId)).toEqual([ID.dou1]);
    // Its findings as they were: none.
    expect(checkTab(ID.dou1)!.rows.some((row) => row.includes('Ошибок и предупреждений нет.'))).toBe(true);
    // Nothing changed since: the next write-back after a sync writes nothing.
    const next = await sync();
    fake.clearRequests();
    expect((await back(next)).written).toEqual([]);
  });

  it('a new tab whose answer was lost after Google added it: written over, not reported as Google\'s English «already exists»', async () => {
    fake.deleteTab(ID.sch1, TAB);
    const summary = await sync();
    // The batchUpdate that adds the tab is carried out, then its answer lost: the writer retries it.
    fake.failNext(ID.sch1, 0, 1, { kind: 'batchUpdate', applied: true });
    fake.clearRequests();
    const before = logged.length;
    const r = await back(summary);
    expect(r.failed).toEqual([]);
    expect(r.written).toEqual(['СОШ-1']);
    expect(logged.slice(before).join('\n')).not.toMatch(/already exists|не записан/);
    // Added once (the lost answer), refused once (already there), then written over the tab that is there.
    expect(writes().map((q) => Object.keys((q.body as { requests: object[] }).requests[0]!)[0])).toEqual(['addSheet', 'addSheet', 'updateCells']);
    expect(fake.spreadsheet(ID.sch1)!.tabs.filter((t) => t.title === TAB)).toHaveLength(1);
  });

  it('a protected range refused with a 400 is said in Russian, as with a 403 (it was Google\'s English text)', async () => {
    fake.deleteTab(ID.dou1, TAB);
    const summary = await sync();
    const message = 'Invalid requests[0].addSheet: You are trying to edit a protected cell or object. Please contact the spreadsheet owner to remove protection if you need to edit.';
    fake.answerNext(ID.dou1, {
      kind: 'batchUpdate',
      status: 400,
      contentType: 'application/json; charset=UTF-8',
      body: JSON.stringify({ error: { code: 400, message, status: 'INVALID_ARGUMENT' } }),
    });
    const r = await back(summary);
    expect(r.failed.map((f) => f.org)).toEqual(['ДОУ-1']);
    expect(r.failed[0]!.message).toContain(`изменение защищено владельцем таблицы («${message}»): снимите защиту или добавьте ${SA_EMAIL} в редакторы защищённого диапазона`);
    // Unprotected again: the next write-back writes it.
    expect((await back(summary)).written).toEqual(['ДОУ-1']);
  });

  it('never throws: an unreadable key fails every organization with a logged reason', async () => {
    fake.setTabRows(ID.dou1, 'Педагоги', [TEACHERS_HEADER, ['Ершова Ольга Петровна', 'воспитатель', 'Никакая']]);
    const summary = await sync();
    const before = logged.length;
    const r = await back(summary, join(tmp.dir, 'no-such-key.json'));
    expect(r.written).toEqual([]);
    expect(r.failed.map((f) => f.org)).toEqual(['ДОУ-1']);
    expect(r.failed[0]!.message).toContain('не удалось прочитать файл ключа сервисного аккаунта');
    expect(logged.slice(before).join('\n')).toContain('ДОУ-1 не записан');
    // Fixed key: written on the next run, since its hash was not stored.
    const fixed = await back(summary);
    expect(fixed.written).toEqual(['ДОУ-1']);
  });

  it('never overwrites a school\'s own tab of that name, in any case: it says so, and writes its own tab once that one is renamed', async () => {
    // СОШ-4 keeps its own «проверка данных» (lower case: the same title for Google) with its notes.
    const id = '1WbSchoolFourAbCdEfGhIjK';
    const notes: Cell[][] = [['Наши заметки'], ['позвонить в ЦРО 12.03']];
    fake.setSpreadsheet(id, { tabs: [...orgTabs(true), { title: 'проверка данных', rows: notes }] });
    const registry = fake.spreadsheet(REGISTRY_ID)!.tabs[0]!.rows;
    fake.setTabRows(REGISTRY_ID, 'Организации', [...registry, ['СОШ-4', 'МОУ СОШ № 4', 'Школа', id, 'Да']]);
    const summary = await sync();
    fake.clearRequests();
    const r = await back(summary);
    expect(r.failed).toEqual([
      {
        org: 'СОШ-4',
        message:
          'в таблице уже есть лист «проверка данных», который ведёт не мониторинг: он не перезаписывается; переименуйте его (или удалите, если он не нужен) — тогда при следующей синхронизации появится лист «Проверка данных» с ошибками и предупреждениями',
      },
    ]);
    expect(writes().filter((q) => q.spreadsheetId === id)).toEqual([]);
    expect(fake.spreadsheet(id)!.tabs.find((t) => t.title === 'проверка данных')!.rows).toEqual(notes);
    // As Google, the fake takes titles regardless of case: our addSheet beside it would be refused.
    const add = await fetch(`${fake.url}v4/spreadsheets/${id}:batchUpdate?key=${KEY}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ requests: [{ addSheet: { properties: { title: TAB } } }] }),
    });
    expect(add.status).toBe(400);
    expect(((await add.json()) as { error: { message: string } }).error.message).toContain(`A sheet with the name "${TAB}" already exists`);
    // Renamed by the school: our tab is made beside it, and its notes stay.
    fake.renameTab(id, 'проверка данных', 'Наши заметки');
    const again = await back(summary);
    expect(again.written).toEqual(['СОШ-4']);
    expect(checkTab(id)!.rows[1]).toEqual(HEADERS);
    expect(fake.spreadsheet(id)!.tabs.find((t) => t.title === 'Наши заметки')!.rows).toEqual(notes);
  });

  it('lists the teachers whose «Категория» differs from «Аттестация», as «Качество данных» does (they were left out)', async () => {
    // ДОУ-1's Ершова is «Первая» on «Педагоги»; «Аттестация» gives her «Высшая» by an order of
    // 01.02.2025 (before the sync's day; given since 01.09.2023, it does not lapse): a warning on her row's «Категория».
    fake.setTabRows(ID.dou1, 'Педагоги', cleanTabs()[0]!.rows);
    fake.setTabRows(ID.dou1, 'Аттестация', [['ФИО', 'Дата приказа', 'Присвоена категория'], ['Ершова Ольга Петровна', serialFromIso('2025-02-01'), 'Высшая']]);
    const summary = await sync();
    expect(summary.orgs.find((o) => o.org === 'ДОУ-1')!.status).toBe('ok');
    const listed = await tmp.db.query(`SELECT org, row_no, problem FROM category_mismatch_findings()`);
    expect(listed).toEqual([
      { org: 'ДОУ-1', row_no: 2, problem: 'по листу «Аттестация» (с учётом сроков действия категорий) на день загрузки категория педагога — «Высшая»; исправьте категорию на листе «Педагоги» или строки аттестации' },
    ]);
    await back(summary);
    const tab = checkTab(ID.dou1)!;
    expect(tab.rows[0]![1]).toMatch(/^0 ошибок, 1 предупреждение\./);
    const gid = fake.spreadsheet(ID.dou1)!.tabs.find((t) => t.title === 'Педагоги')!.sheetId;
    expect(tab.rows[2]).toEqual([
      'Предупреждение',
      'Педагоги',
      2,
      'Категория',
      'Первая',
      listed[0]!.problem,
      `https://docs.google.com/spreadsheets/d/${ID.dou1}/edit#gid=${gid}&range=C2`,
    ]);
  });

  it('says how long Google’s quota refusals made it wait (it waited minutes without a word: an acceptance run)', async () => {
    // ДОУ-1's findings change (its category warning goes), and Google refuses the write twice for quota.
    fake.setTabRows(ID.dou1, 'Аттестация', [['ФИО', 'Дата приказа', 'Присвоена категория']]);
    const summary = await sync();
    fake.failNext(ID.dou1, 429, 2, { kind: 'batchUpdate' });
    const before = logged.length;
    const r = await back(summary);
    expect(r.written).toContain('ДОУ-1');
    expect(logged.slice(before).filter((l) => l.includes('превышена квота'))).toEqual([
      expect.stringMatching(/^Лист «Проверка данных»: Google 2 раза ответил «превышена квота» \(HTTP 429\): запись ждала, пока квота восстановится, \d+ (с|мин( \d+ с)?) в сумме \(GOOGLE_SHEETS_WRITE_RPM, README «Квоты Google»\)\.$/),
    ]);
  });
});
