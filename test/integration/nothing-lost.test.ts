/**
 * Nothing is lost (issue #6): a spreadsheet over the size limits is refused whole with a Russian
 * message naming the organization and the limit, and keeps its previous data; a registry that
 * cannot be read keeps the previous list of organizations and all data; the other organizations
 * still load. (Row- and tab-level keeping is in the corpus and in quality.test.ts.)
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCsv } from '../../server/sources/csv.ts';
import { createFolderSource } from '../../server/sources/folder.ts';
import { createGoogleSource } from '../../server/sources/google.ts';
import { orgChanges } from '../../server/db/history.ts';
import { HISTORY_TABS } from '../../server/db/schema.ts';
import { DEFAULT_LIMITS, runSync } from '../../server/sync/run.ts';
import { SHEET, addColumn, addRow, baseMunicipality, copyRow, grid, removeColumn, renameHeader, setCell, tab, type Municipality } from '../fixtures/bad/base.ts';
import { startFakeSheets, type FakeSheets } from '../../fakes/googleSheets.ts';
import { createMemorySource } from '../support/memorySource.ts';
import { resetDb } from '../support/resetDb.ts';
import { openTempDb, type TempDb } from '../support/server.ts';
import { asFakeTabs } from '../support/sheetsGrid.ts';

let tmp: TempDb;
beforeAll(async () => {
  tmp = await openTempDb();
});
afterAll(() => tmp.cleanup());
beforeEach(() => resetDb(tmp.db));

const rowsOf = async (org: string) =>
  Object.fromEntries(
    await Promise.all(
      ['teachers', 'pairs', 'programs', 'courses', 'attestations', 'compliance'].map(async (t) => {
        const [r] = await tmp.db.query(`SELECT count(*)::INTEGER AS n FROM "${t}" WHERE org = $org`, { org });
        return [t, r!.n] as const;
      }),
    ),
  );
const SCHOOL_ROWS = { teachers: 6, pairs: 3, programs: 2, courses: 2, attestations: 2, compliance: 2 };
const KINDER_ROWS = { teachers: 2, pairs: 1, programs: 0, courses: 0, attestations: 0, compliance: 0 };
const EMPTY = { teachers: 0, pairs: 0, programs: 0, courses: 0, attestations: 0, compliance: 0 };

describe('size limits', () => {
  it('are 50 000 rows per tab and 2 000 000 cells per spreadsheet by default', () => {
    expect(DEFAULT_LIMITS).toEqual({ maxRowsPerTab: 50_000, maxCellsPerSheet: 2_000_000 });
  });

  it('refuse a tab with too many rows; the organization keeps its previous data, the others load', async () => {
    const m = baseMunicipality();
    const source = createMemorySource(m);
    const limits = { maxRowsPerTab: 10 };
    expect((await runSync({ db: tmp.db, source, limits, trigger: 'test' })).status).toBe('ok');

    // «Педагоги» of СОШ-1 grows from 7 rows (header + 6) to 11; ДОУ-1 gets a teacher.
    for (let i = 0; i < 4; i++) copyRow(m, 'СОШ-1', 'Педагоги', 7);
    addRow(m, 'ДОУ-1', 'Педагоги', { ФИО: 'Егорова Раиса Николаевна', Должность: 'музыкальный руководитель', Категория: 'Первая' });
    const s = await runSync({ db: tmp.db, source, limits, trigger: 'test' });

    const message =
      'таблица организации СОШ-1 слишком большая: на листе «Педагоги» 11 строк (предел — 10 строк на лист); таблица не загружена, данные организации не обновлены; удалите лишние строки и столбцы';
    expect(s.status).toBe('partial');
    expect(s.orgs.map((o) => [o.org, o.status, o.message])).toEqual([
      ['СОШ-1', 'failed', message],
      ['ДОУ-1', 'ok', null],
    ]);
    expect(await tmp.db.query(`SELECT last_status, last_message, stale FROM org_state WHERE org = 'СОШ-1'`)).toEqual([
      { last_status: 'failed', last_message: message, stale: true },
    ]);
    expect(await rowsOf('СОШ-1')).toEqual(SCHOOL_ROWS);
    expect(await rowsOf('ДОУ-1')).toEqual({ ...KINDER_ROWS, teachers: 3 });
  });

  it('refuse a spreadsheet with too many cells, naming the organization and the limit', async () => {
    // СОШ-1: 7×7 + 4×8 + 3×10 + 3×6 + 3×4 + 3×3 = 150 cells; ДОУ-1: 3×3 + 2×6 + 7 + 4 + 3 = 35.
    const s = await runSync({ db: tmp.db, source: createMemorySource(baseMunicipality()), limits: { maxCellsPerSheet: 100 }, trigger: 'test' });
    expect(s.orgs.map((o) => [o.org, o.status, o.message])).toEqual([
      ['СОШ-1', 'failed', 'таблица организации СОШ-1 слишком большая: 150 ячеек (предел — 100 ячеек на таблицу); таблица не загружена, данные организации не обновлены; удалите лишние строки и столбцы'],
      ['ДОУ-1', 'ok', null],
    ]);
    expect(await rowsOf('СОШ-1')).toEqual(EMPTY);
    expect(await rowsOf('ДОУ-1')).toEqual(KINDER_ROWS);
  });

  it('let 10 000 blank rows through under the default limits', async () => {
    const m = baseMunicipality();
    grid(m, 'СОШ-1', 'Аттестация').push(...Array.from({ length: 10_000 }, () => []), ['Морозова Зоя Ивановна', '01.02.2024', 'Высшая']);
    const s = await runSync({ db: tmp.db, source: createMemorySource(m), trigger: 'test' });
    expect(s.status).toBe('ok');
    expect(await tmp.db.query(`SELECT row_no FROM attestations WHERE org = 'СОШ-1' ORDER BY row_no`)).toEqual([{ row_no: 2 }, { row_no: 3 }, { row_no: 10_004 }]);
  });
});

describe('an organization whose spreadsheet cannot be read', () => {
  it('keeps its data while the others load', async () => {
    const m = baseMunicipality();
    const source = createMemorySource(m);
    await runSync({ db: tmp.db, source, trigger: 'test' });
    delete m.sheets[SHEET.school];
    addRow(m, 'ДОУ-1', 'Педагоги', { ФИО: 'Егорова Раиса Николаевна', Должность: 'музыкальный руководитель', Категория: 'Первая' });
    const s = await runSync({ db: tmp.db, source, trigger: 'test' });
    expect(s.orgs.map((o) => [o.org, o.status])).toEqual([
      ['СОШ-1', 'failed'],
      ['ДОУ-1', 'ok'],
    ]);
    expect(await rowsOf('СОШ-1')).toEqual(SCHOOL_ROWS);
    expect(await rowsOf('ДОУ-1')).toEqual({ ...KINDER_ROWS, teachers: 3 });
  });
});

describe('an optional column deleted from a sheet', () => {
  it('is said as a warning on its tab: its values are empty from this load on (the figures moved without a word)', async () => {
    const m = baseMunicipality();
    const source = createMemorySource(m);
    await runSync({ db: tmp.db, source, trigger: 'test', now: () => new Date('2025-03-01T10:00:00Z') });
    // Row 2 of «Повышение квалификации» (Иванова's mentoring course) had «Тема наставничества» = Да.
    const topic = () => tmp.db.query(`SELECT row_no, mentoring_topic FROM courses WHERE org = 'СОШ-1' ORDER BY row_no`);
    expect(await topic()).toEqual([
      { row_no: 2, mentoring_topic: true },
      { row_no: 3, mentoring_topic: false },
    ]);
    removeColumn(m, 'СОШ-1', 'Повышение квалификации', 'Тема наставничества');
    const s = await runSync({ db: tmp.db, source, trigger: 'test', now: () => new Date('2025-03-02T10:00:00Z') });
    // The load goes ahead (the contract: an optional column may be absent), and says what it changed.
    expect(s.orgs.map((o) => [o.org, o.status])).toEqual([
      ['СОШ-1', 'ok'],
      ['ДОУ-1', 'unchanged'],
    ]);
    expect(await topic()).toEqual([
      { row_no: 2, mentoring_topic: false },
      { row_no: 3, mentoring_topic: false },
    ]);
    expect(await tmp.db.query(`SELECT tab, row_no, column_name, level, message FROM issues WHERE org = 'СОШ-1' AND column_name = 'Тема наставничества'`)).toEqual([
      {
        tab: 'Повышение квалификации',
        row_no: null,
        column_name: 'Тема наставничества',
        level: 'warning',
        message:
          'СОШ-1, лист «Повышение квалификации», столбец «Тема наставничества»: столбца нет на листе, хотя при прошлой загрузке он был: ' +
          'с этой загрузки он во всех строках считается пустым, и показатели, которые его учитывают, могут измениться; ' +
          'если столбец удалён или переименован по ошибке, верните его с заголовком «Тема наставничества»',
      },
    ]);
    // Said once: the next load of the sheet without it compares with this one, which had none.
    addRow(m, 'СОШ-1', 'Повышение квалификации', { ФИО: 'Петров Борис Ильич', Программа: 'Оценивание', Часов: '16', 'Дата окончания': '10.02.2025' });
    await runSync({ db: tmp.db, source, trigger: 'test', now: () => new Date('2025-03-03T10:00:00Z') });
    expect(await tmp.db.query(`SELECT count(*)::INTEGER AS n FROM issues WHERE org = 'СОШ-1' AND column_name = 'Тема наставничества'`)).toEqual([{ n: 0 }]);
  });
});

describe('an optional column renamed with a typo', () => {
  it('is one warning — the typo, naming the template column — not also «столбца нет»', async () => {
    const m = baseMunicipality();
    const source = createMemorySource(m);
    await runSync({ db: tmp.db, source, trigger: 'test', now: () => new Date('2025-03-01T10:00:00Z') });
    renameHeader(m, 'СОШ-1', 'Повышение квалификации', 'Организатор', 'Организатр');
    await runSync({ db: tmp.db, source, trigger: 'test', now: () => new Date('2025-03-02T10:00:00Z') });
    expect(await tmp.db.query(`SELECT column_name, level, message FROM issues WHERE org = 'СОШ-1' AND level = 'warning' AND tab = 'Повышение квалификации'`)).toEqual([
      {
        column_name: 'Организатр',
        level: 'warning',
        message:
          'СОШ-1, лист «Повышение квалификации», столбец «Организатр»: столбец не загружен, хотя в нём 2 заполненные ячейки: ' +
          'похоже, это столбец шаблона «Организатор» с опечаткой в заголовке — исправьте заголовок, пока его значения не учитываются',
      },
    ]);
  });
});

describe('a spreadsheet with not one tab of the template (emptied by mistake, another file)', () => {
  it('fails the organization, naming what is there; its data kept and ageing — it was «загружена — строк 0», fresh at every sync', async () => {
    const m = baseMunicipality();
    const source = createMemorySource(m);
    await runSync({ db: tmp.db, source, trigger: 'test', now: () => new Date('2025-03-01T10:00:00Z') });
    // Everything deleted but one blank tab, as Google leaves a spreadsheet.
    m.sheets[SHEET.school] = [{ title: 'Лист1', grid: [] }];
    const s = await runSync({ db: tmp.db, source, trigger: 'test', now: () => new Date('2025-03-02T10:00:00Z') });
    const message =
      'ни один лист таблицы не загружен: нет листов шаблона «Педагоги», «Наставнические пары», «Программы наставничества», «Повышение квалификации», «Аттестация» (листы в таблице: «Лист1»). ' +
      'Прежние данные организации сохранены; проверьте, та ли это таблица (ссылка в реестре) и не удалены или переименованы ли листы';
    expect(s.status).toBe('partial');
    expect(s.orgs.map((o) => [o.org, o.status, o.message])).toEqual([
      ['СОШ-1', 'failed', message],
      ['ДОУ-1', 'unchanged', null],
    ]);
    // Not a success: the last one stays the first sync's, and the organization is stale.
    expect(await tmp.db.query(`SELECT strftime(last_success, '%Y-%m-%d') AS ok, last_status, last_message, stale FROM org_state WHERE org = 'СОШ-1'`)).toEqual([
      { ok: '2025-03-01', last_status: 'failed', last_message: message, stale: true },
    ]);
    expect(await rowsOf('СОШ-1')).toEqual(SCHOOL_ROWS);
    // A tab of the template with its headers only is a load («данных пока нет»), not this.
    m.sheets[SHEET.school] = [{ title: 'Аттестация', grid: [['ФИО', 'Дата приказа', 'Присвоена категория']] }];
    const headersOnly = await runSync({ db: tmp.db, source, trigger: 'test', now: () => new Date('2025-03-03T10:00:00Z') });
    expect(headersOnly.orgs.find((o) => o.org === 'СОШ-1')!.status).toBe('ok');
  });

  it('on a first sync says there is no data yet, not that the previous data is kept; loaded once, the next failure says it is kept', async () => {
    const m = baseMunicipality();
    const source = createMemorySource(m);
    const good = m.sheets[SHEET.school]!;
    m.sheets[SHEET.school] = [{ title: 'Лист1', grid: [] }];
    const what = 'ни один лист таблицы не загружен: нет листов шаблона «Педагоги», «Наставнические пары», «Программы наставничества», «Повышение квалификации», «Аттестация» (листы в таблице: «Лист1»). ';
    const hint = '; проверьте, та ли это таблица (ссылка в реестре) и не удалены или переименованы ли листы';
    const first = await runSync({ db: tmp.db, source, trigger: 'test', now: () => new Date('2025-03-01T10:00:00Z') });
    const none = `${what}Данных организации в базе ещё нет${hint}`;
    expect(first.orgs.map((o) => [o.org, o.status, o.message])).toEqual([
      ['СОШ-1', 'failed', none],
      ['ДОУ-1', 'ok', null],
    ]);
    expect(await tmp.db.query(`SELECT last_success, last_message FROM org_state WHERE org = 'СОШ-1'`)).toEqual([{ last_success: null, last_message: none }]);
    // The sheet fixed: it loads; emptied again: now its rows of the last load are kept, and said so.
    m.sheets[SHEET.school] = good;
    expect((await runSync({ db: tmp.db, source, trigger: 'test', now: () => new Date('2025-03-02T10:00:00Z') })).orgs[0]!.status).toBe('ok');
    m.sheets[SHEET.school] = [{ title: 'Лист1', grid: [] }];
    const again = await runSync({ db: tmp.db, source, trigger: 'test', now: () => new Date('2025-03-03T10:00:00Z') });
    expect(again.orgs[0]!.message).toBe(`${what}Прежние данные организации сохранены${hint}`);
    expect(await rowsOf('СОШ-1')).toEqual(SCHOOL_ROWS);
  });

  it('a broken registry row of an organization never loaded says it has no data yet (outcome and state alike)', async () => {
    const m = baseMunicipality();
    setCell(m, 'registry', 'Организации', 3, 'Таблица', 'https://docs.google.com/spreadsheets/u/0/');
    const s = await runSync({ db: tmp.db, source: createMemorySource(m), trigger: 'test' });
    const message = 'строка реестра с ошибкой (см. лист «Организации»): организация не синхронизирована, данных организации в базе ещё нет';
    expect(s.orgs.find((o) => o.org === 'ДОУ-1')?.message).toBe(message);
    expect(await tmp.db.query(`SELECT last_message FROM org_state WHERE org = 'ДОУ-1'`)).toEqual([{ last_message: message }]);
  });

  it('a row whose code was erased or became a formula error still names its organization (by sheet, else by name): kept and said, not «removed»', async () => {
    const m = baseMunicipality();
    const source = createMemorySource(m);
    await runSync({ db: tmp.db, source, trigger: 'test' });
    const kept = 'строка реестра с ошибкой (см. лист «Организации»): организация не синхронизирована, сохранены прежние данные';
    const registryErrors = async () =>
      (await tmp.db.query(`SELECT org, row_no, problem FROM issues WHERE scope = 'registry' AND level = 'error' ORDER BY problem`)).map((r) => [r.org, r.row_no, r.problem]);
    const departures = async () => (await tmp.db.query(`SELECT count(*)::INTEGER AS n FROM issues WHERE problem LIKE '%больше нет в реестре%'`))[0]!.n;
    // ДОУ-1's code cell emptied (row 3): its sheet still names it.
    setCell(m, 'registry', 'Организации', 3, 'Код', '');
    const blank = await runSync({ db: tmp.db, source, trigger: 'test' });
    expect(blank.status).toBe('partial');
    expect(blank.orgs.map((o) => [o.org, o.status, o.message])).toEqual([
      ['ДОУ-1', 'failed', kept],
      ['СОШ-1', 'unchanged', null],
    ]);
    expect(await rowsOf('ДОУ-1')).toEqual(KINDER_ROWS);
    expect(await tmp.db.query(`SELECT in_registry FROM orgs WHERE code = 'ДОУ-1'`)).toEqual([{ in_registry: true }]);
    expect(await departures()).toBe(0);
    expect(await registryErrors()).toEqual([
      ['ДОУ-1', 3, 'обязательное поле не заполнено; по таблице это «ДОУ-1» (МДОУ «Детский сад № 1») — организация не синхронизируется, пока в строке нет кода: впишите код «ДОУ-1»'],
    ]);
    // A formula error in the code, and the sheet changed too: the name still tells it.
    setCell(m, 'registry', 'Организации', 3, 'Код', '#REF!');
    setCell(m, 'registry', 'Организации', 3, 'Таблица', 'another-sheet-id');
    const formula = await runSync({ db: tmp.db, source, trigger: 'test' });
    expect(formula.orgs.map((o) => [o.org, o.status])).toEqual([
      ['ДОУ-1', 'failed'],
      ['СОШ-1', 'unchanged'],
    ]);
    expect(await rowsOf('ДОУ-1')).toEqual(KINDER_ROWS);
    expect(await departures()).toBe(0);
    expect(await registryErrors()).toEqual([
      ['ДОУ-1', 3, 'в ячейке ошибка формулы — исправьте формулу или введите значение; по названию это «ДОУ-1» (МДОУ «Детский сад № 1») — организация не синхронизируется, пока в строке нет кода: впишите код «ДОУ-1»'],
    ]);
    // The code back: the organization syncs again as itself.
    setCell(m, 'registry', 'Организации', 3, 'Код', 'ДОУ-1');
    setCell(m, 'registry', 'Организации', 3, 'Таблица', SHEET.kinder);
    const back = await runSync({ db: tmp.db, source, trigger: 'test' });
    expect(back.status).toBe('ok');
    expect(await registryErrors()).toEqual([]);
    // The whole «Код» column cleared: the sync stops, and says so (not «only the header»).
    setCell(m, 'registry', 'Организации', 2, 'Код', '');
    setCell(m, 'registry', 'Организации', 3, 'Код', '');
    const none = await runSync({ db: tmp.db, source, trigger: 'test' });
    expect([none.status, none.message]).toEqual([
      'failed',
      'реестр организаций (лист «Организации»): ни в одной строке реестра нет кода организации (столбец «Код» пуст или с ошибками формул); синхронизация остановлена, данные не изменены — верните коды организаций',
    ]);
    expect(await rowsOf('СОШ-1')).toEqual(SCHOOL_ROWS);
    expect(await rowsOf('ДОУ-1')).toEqual(KINDER_ROWS);
  });
});

describe("a «Педагоги» with none of the last load's teachers (another organization's sheet pasted over)", () => {
  it('is held with both counts; a list that keeps one teacher of the last load is an edit and loads', async () => {
    const m = baseMunicipality();
    const source = createMemorySource(m);
    await runSync({ db: tmp.db, source, trigger: 'test' });
    // СОШ-1's 6 teachers replaced by 6 others (a neighbour's list): the count does not shrink.
    const others = ['Алексеева Ольга Ивановна', 'Борисов Павел Андреевич', 'Васильева Нина Петровна', 'Григорьев Олег Сергеевич', 'Давыдова Лидия Павловна', 'Егоров Иван Ильич'];
    const teachers = grid(m, 'СОШ-1', 'Педагоги');
    others.forEach((fio, i) => (teachers[i + 1]![0] = fio));
    const s = await runSync({ db: tmp.db, source, trigger: 'test' });
    const message =
      'загрузка задержана: на листе «Педагоги» нет ни одного из 6 педагогов прошлой загрузки (теперь там 6 других) — похоже, в таблицу скопирована таблица другой организации или ссылка в реестре ведёт на чужую таблицу. ' +
      'Прежние данные организации сохранены; если это таблица организации и список педагогов заменён намеренно, подтвердите загрузку: кнопка «Принять уменьшение и загрузить» на странице организации или npm run sync -- --accept-shrink СОШ-1';
    expect(s.orgs.map((o) => [o.org, o.status, o.message])).toEqual([
      ['СОШ-1', 'held', message],
      ['ДОУ-1', 'unchanged', null],
    ]);
    expect(await rowsOf('СОШ-1')).toEqual(SCHOOL_ROWS);
    expect((await tmp.db.query(`SELECT fio FROM teachers WHERE org = 'СОШ-1' ORDER BY row_no LIMIT 1`))[0]).toEqual({ fio: 'Иванова Анна Петровна' });
    // One teacher of the last load still there: an edit, not another list — it loads.
    teachers[1]![0] = 'Иванова Анна Петровна';
    const edited = await runSync({ db: tmp.db, source, trigger: 'test' });
    expect(edited.orgs.find((o) => o.org === 'СОШ-1')!.status).toBe('ok');
  });

  it('loads a «Педагоги» that gained the «Код» column (every key changes from name to code, not the people), and one that lost it', async () => {
    // The template advises «Код» for namesakes; added, it made every teacher's key `code:…`
    // instead of `fio:…`, and the load was held as «скопирована таблица другой организации»
    // though all 6 names were there (an outside review).
    const m = baseMunicipality();
    const source = createMemorySource(m);
    await runSync({ db: tmp.db, source, trigger: 'test' });
    addColumn(m, 'СОШ-1', 'Педагоги', 'Код', { 2: 'Т-101', 3: 'Т-102', 4: 'Т-103', 5: 'Т-104', 6: 'Т-105', 7: 'Т-106' });
    const coded = await runSync({ db: tmp.db, source, trigger: 'test' });
    expect(coded.orgs.find((o) => o.org === 'СОШ-1')).toMatchObject({ status: 'ok', message: null });
    expect(await tmp.db.query(`SELECT code, person_key FROM teachers WHERE org = 'СОШ-1' ORDER BY row_no LIMIT 1`)).toEqual([{ code: 'Т-101', person_key: 'code:т-101' }]);
    expect(await rowsOf('СОШ-1')).toEqual(SCHOOL_ROWS);
    // The change log: the 6 teachers' «Код» (— → Т-1xx); the pairs and programs, whose rows
    // only changed their references' keys (name → code), are not listed as changed.
    const [log] = await orgChanges(tmp.db, 'СОШ-1', 1, HISTORY_TABS);
    expect(log!.tabs.map((t) => [t.tab, t.added.length, t.removed.length, t.changed.length])).toEqual([['teachers', 0, 0, 6]]);
    expect(log!.tabs[0]!.changed[0]!.columns).toEqual([{ column: 'code', title: 'Код', old: null, new: 'Т-101' }]);
    // And removed again: keys back to names, the same 6 people — loads.
    removeColumn(m, 'СОШ-1', 'Педагоги', 'Код');
    const plain = await runSync({ db: tmp.db, source, trigger: 'test' });
    expect(plain.orgs.find((o) => o.org === 'СОШ-1')).toMatchObject({ status: 'ok', message: null });
    expect(await rowsOf('СОШ-1')).toEqual(SCHOOL_ROWS);
  });
});

describe('a tab emptied to its headers, too few rows lost to hold the load', () => {
  it('loads empty with a warning naming the rows it had (pairs gone to none went without a word)', async () => {
    const m = baseMunicipality();
    const source = createMemorySource(m);
    await runSync({ db: tmp.db, source, trigger: 'test' });
    // СОШ-1's 3 pairs deleted, the header kept: 3 lost < 10, so no hold.
    grid(m, 'СОШ-1', 'Наставнические пары').splice(1);
    const s = await runSync({ db: tmp.db, source, trigger: 'test' });
    expect(s.orgs.find((o) => o.org === 'СОШ-1')!.status).toBe('ok');
    expect(await rowsOf('СОШ-1')).toMatchObject({ pairs: 0 });
    const said = await tmp.db.query(`SELECT level, tab, problem FROM issues WHERE org = 'СОШ-1' AND row_no IS NULL AND level = 'warning'`);
    expect(said).toEqual([
      { level: 'warning', tab: 'Наставнические пары', problem: 'в прошлой загрузке на листе 3 строки, теперь — ни одной: лист загружен пустым; если строки удалены по ошибке, верните их' },
    ]);
    // Synced again as it is: loaded, nothing lost to say any more.
    await runSync({ db: tmp.db, source, trigger: 'test', full: true });
    expect(await tmp.db.query(`SELECT problem FROM issues WHERE org = 'СОШ-1' AND row_no IS NULL AND level = 'warning'`)).toEqual([]);
  });
});

describe('a registry that cannot be read, through Google Sheets', () => {
  const REGISTRY_ID = '1LostRegistryAbCdEfGhIjKl';
  let fake: FakeSheets;
  beforeAll(async () => {
    fake = await startFakeSheets({ requireKey: 'lost-key' });
  });
  afterAll(() => fake.close());

  function serve(m: Municipality): void {
    fake.setSpreadsheet(REGISTRY_ID, { tabs: asFakeTabs(m.registry) });
    for (const [id, tabs] of Object.entries(m.sheets)) fake.setSpreadsheet(id, { tabs: asFakeTabs(tabs) });
  }
  const sync = () =>
    runSync({
      db: tmp.db,
      source: createGoogleSource({ registryId: REGISTRY_ID, apiKey: 'lost-key', rootUrl: fake.url, sleep: async () => undefined }),
      trigger: 'test',
    });
  const orgs = () => tmp.db.query(`SELECT code, name, in_registry FROM orgs ORDER BY code`);

  it('keeps the previous organizations and all data when the registry tab is gone or has no «Код»', async () => {
    serve(baseMunicipality());
    expect((await sync()).status).toBe('ok');
    const before = await orgs();
    expect(before).toHaveLength(2);

    // The tab renamed: nothing can be read at all.
    const renamed = baseMunicipality();
    tab(renamed, 'registry', 'Организации').title = 'Лист1';
    serve(renamed);
    const s1 = await sync();
    expect([s1.status, s1.message, s1.orgs]).toEqual([
      'failed',
      `в реестре организаций (таблица ${REGISTRY_ID}) нет листа «Организации»; листы: «Лист1»`,
      [],
    ]);
    expect(await orgs()).toEqual(before);
    expect(await rowsOf('СОШ-1')).toEqual(SCHOOL_ROWS);
    expect(await rowsOf('ДОУ-1')).toEqual(KINDER_ROWS);

    // The «Код» column deleted: the registry is read, found unusable, and nothing else changes.
    const noCode = baseMunicipality();
    removeColumn(noCode, 'registry', 'Организации', 'Код');
    serve(noCode);
    const s2 = await sync();
    expect([s2.status, s2.message]).toEqual([
      'failed',
      'реестр организаций (лист «Организации»): нет обязательных столбцов: «Код» (строка заголовков — 1); проверьте названия столбцов',
    ]);
    expect(await tmp.db.query(`SELECT scope, org, level, message FROM issues`)).toEqual([
      {
        scope: 'registry',
        org: null,
        level: 'error',
        message: 'лист «Организации»: нет обязательных столбцов: «Код» (строка заголовков — 1); проверьте названия столбцов',
      },
    ]);
    expect(await orgs()).toEqual(before);
    expect(await rowsOf('СОШ-1')).toEqual(SCHOOL_ROWS);
    expect(await rowsOf('ДОУ-1')).toEqual(KINDER_ROWS);

    // Repaired: the next sync runs as usual and clears the registry finding.
    serve(baseMunicipality());
    expect((await sync()).status).toBe('ok');
    expect(await tmp.db.query(`SELECT message FROM issues`)).toEqual([]);
  });
});

describe('a folder registry.xlsx without the «Организации» tab', () => {
  const FIXTURE = new URL('../fixtures/two-orgs/', import.meta.url).pathname;

  async function writeRegistry(dir: string, title: string): Promise<void> {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet(title);
    for (const row of parseCsv(readFileSync(join(FIXTURE, 'registry.csv'), 'utf8'))) ws.addRow(row);
    await wb.xlsx.writeFile(join(dir, 'registry.xlsx'));
  }

  it('fails the sync with the tabs it has, instead of reading another tab as the registry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'monitor-registry-'));
    try {
      cpSync(FIXTURE, dir, { recursive: true });
      rmSync(join(dir, 'registry.csv'));
      await writeRegistry(dir, 'Организации');
      expect((await runSync({ db: tmp.db, source: createFolderSource(dir), trigger: 'test' })).status).toBe('ok');
      const before = await tmp.db.query(`SELECT code, in_registry FROM orgs ORDER BY code`);

      await writeRegistry(dir, 'Лист1');
      const s = await runSync({ db: tmp.db, source: createFolderSource(dir), trigger: 'test' });
      expect([s.status, s.message]).toEqual(['failed', `в реестре организаций ${join(dir, 'registry.xlsx')} нет листа «Организации»; листы: «Лист1»`]);
      expect(await tmp.db.query(`SELECT code, in_registry FROM orgs ORDER BY code`)).toEqual(before);
      const [teachers] = await tmp.db.query(`SELECT count(*)::INTEGER AS n FROM teachers WHERE org = 'СОШ-1'`);
      expect(teachers!.n).toBe(11);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a folder of CSV files saved by Russian Excel (Windows-1251, not UTF-8)', () => {
  it('loads the same rows as the UTF-8 files (it found no header row)', async () => {
    const FIXTURE = new URL('../fixtures/two-orgs/', import.meta.url).pathname;
    const dir = mkdtempSync(join(tmpdir(), 'monitor-cp1251-'));
    try {
      cpSync(FIXTURE, dir, { recursive: true });
      const utf8 = await runSync({ db: tmp.db, source: createFolderSource(dir), trigger: 'test' });
      const before = await tmp.db.query(`SELECT org, fio, category FROM teachers ORDER BY org, row_no`);
      // Every file re-encoded: a letter a byte, as Excel writes them (the encoder: the decoder's table turned round).
      const decoder = new TextDecoder('windows-1251');
      const byteOf = new Map(Array.from({ length: 256 }, (_, b) => [decoder.decode(Uint8Array.of(b)), b] as const));
      const cp1251 = (text: string) => Buffer.from([...text].map((ch) => byteOf.get(ch) ?? 0x3f));
      for (const f of ['registry.csv', ...['СОШ-1', 'ДОУ-1'].flatMap((o) => readdirSync(join(dir, o)).map((x) => join(o, x)))]) {
        const path = join(dir, f);
        const text = readFileSync(path, 'utf8');
        writeFileSync(path, cp1251(text));
        expect(() => new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(path)), f).toThrow();
      }
      await resetDb(tmp.db);
      const again = await runSync({ db: tmp.db, source: createFolderSource(dir), trigger: 'test' });
      expect([again.status, again.totals.rowsLoaded, again.totals.rowsQuarantined]).toEqual([utf8.status, utf8.totals.rowsLoaded, utf8.totals.rowsQuarantined]);
      expect(utf8.totals.rowsLoaded).toBeGreaterThan(30);
      expect(await tmp.db.query(`SELECT org, fio, category FROM teachers ORDER BY org, row_no`)).toEqual(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
