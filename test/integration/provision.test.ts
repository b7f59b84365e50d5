/**
 * Provisioning (`npm run provision`) with the real googleapis client, a service account signed
 * locally (jwtAccess) and the fake Sheets server: the bodies the server received are checked
 * against the contract DECLARATION (not against the builder's output), then the idempotent
 * re-run (only what is missing; nothing at all when nothing is) and the CLI's messages.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProvisionCli } from '../../server/cli/provision.ts';
import { CATEGORIES, FORMS, ORDER_ITEMS, REGISTRY_TAB, TABS, type ColumnDecl, type RawTab } from '../../server/contract/index.ts';
import { provision } from '../../server/google/provision/index.ts';
import { parseRegistry } from '../../server/sync/registry.ts';
import { createSheetsWriter } from '../../server/google/write.ts';
import type { Cell } from '../../server/sources/types.ts';
import { startFakeSheets, type FakeRequest, type FakeSheets } from '../../fakes/googleSheets.ts';

const REGISTRY_ID = '1ProvRegistryAbCdEfGhIjKl';
const SCHOOL_MADE = '1ProvDou21SheetAbCdEfGhIj';
const SA_EMAIL = 'monitor@test-project.iam.gserviceaccount.com';
const REGISTRY_HEADER = REGISTRY_TAB.columns.map((c) => c.header);
const SHEET_COL = REGISTRY_HEADER.indexOf('Таблица');

let fake: FakeSheets;
let tmp: string;
let keyFile: string;
/** Every message shown to a person in this file, checked for secrets at the end. */
const shown: string[] = [];

const writer = () =>
  createSheetsWriter({ credentialsFile: keyFile, jwtAccess: true, rootUrl: fake.url, sleep: async () => undefined, random: () => 0.5 });

/** The values a column must offer as a drop-down, straight from the declaration (null: no list). */
function declaredList(c: ColumnDecl): string[] | null {
  const t = c.type;
  if (t.kind === 'enum' || t.kind === 'enumList') return t.values.map((v) => v.value);
  if (t.kind === 'category') return CATEGORIES.map((v) => v.value);
  if (t.kind === 'yesno') return ['Да', 'Нет'];
  return null;
}

const ofKind = (kind: FakeRequest['kind']) => fake.requests.filter((r) => r.kind === kind);
const kinds = () => fake.requests.map((r) => r.kind);
const registryCell = (row: number): Cell | undefined => fake.spreadsheet(REGISTRY_ID)!.tabs[0]!.rows[row - 1]?.[SHEET_COL];
type Req = Record<string, any>;
const batchRequests = (): Req[] => ofKind('batchUpdate').flatMap((r) => (r.body as { requests: Req[] }).requests);
const sheetIdOf = (id: string, title: string) => fake.spreadsheet(id)!.tabs.find((t) => t.title === title)!.sheetId;
/** The sheetId a request is about, wherever it keeps it. */
function sheetIdIn(r: Req): number | undefined {
  const p = Object.values(r)[0] as Req;
  return p.range?.sheetId ?? p.start?.sheetId ?? p.properties?.sheetId ?? p.protectedRange?.range?.sheetId ?? p.sheetId;
}

beforeAll(async () => {
  fake = await startFakeSheets({ requireKey: true });
  tmp = mkdtempSync(join(tmpdir(), 'provision-'));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  keyFile = join(tmp, 'sa.json');
  writeFileSync(
    keyFile,
    JSON.stringify({
      type: 'service_account',
      project_id: 'test',
      private_key_id: 'kid-provision',
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
          REGISTRY_HEADER,
          ['СОШ-2', 'МОУ «СОШ № 2»', 'Школа', null, 'Смирнова', 'Да'],
          ['ДОУ-21', 'МДОУ № 21', 'Детский сад', `https://docs.google.com/spreadsheets/d/${SCHOOL_MADE}/edit#gid=0`],
          ['СОШ-9', 'МОУ СОШ № 9', 'Школа', 'СОШ-9.xlsx'],
          ['ЦДО-1', 'ЦДО', 'Дополнительное образование', null],
        ],
      },
    ],
  });
  // A spreadsheet a school made itself: a title block above the headers, aliases, typed data.
  fake.setSpreadsheet(SCHOOL_MADE, {
    tabs: [
      {
        title: 'педагоги',
        rows: [
          ['Список педагогов МДОУ № 21'],
          [],
          ['ФИО', 'Должность', 'Квалификационная категория', 'Стаж'],
          // Column E: the school's own notes, with no header (a template header went over it).
          ['Ершова Ольга Петровна', 'воспитатель', 'первая', 12, 'в декрете с марта'],
        ],
      },
      { title: 'Заметки', rows: [['свои записи школы']] },
    ],
  });
});

afterAll(async () => {
  await fake.close();
  rmSync(tmp, { recursive: true, force: true });
  for (const m of shown) {
    expect(m).not.toContain('PRIVATE KEY');
    expect(m).not.toMatch(/Bearer\s+\S{8}/);
  }
});

describe('a new spreadsheet from the declaration', () => {
  let id: string;

  it('sends create with every declared tab, header and frozen row 1; writes the ID into the registry; shares it', async () => {
    fake.clearRequests();
    const r = await provision({ writer: writer(), registryId: REGISTRY_ID, org: 'сош-2', share: 'school2@example.org' });
    expect(kinds()).toEqual(['get', 'values.get', 'create', 'values.update', 'batchUpdate', 'drive.permissions.create']);
    expect(fake.requests.every((q) => q.auth === 'bearer' && q.status === 200)).toBe(true);
    id = fake.created[0]!;
    expect(r).toMatchObject({ org: 'СОШ-2', created: true, spreadsheetId: id, shared: 'school2@example.org' });

    const body = ofKind('create')[0]!.body as Req;
    expect(body.properties.title).toContain('СОШ-2');
    expect(body.sheets.map((s: Req) => s.properties.title)).toEqual(TABS.map((t) => t.title));
    for (const tab of TABS) {
      const s = body.sheets.find((x: Req) => x.properties.title === tab.title);
      expect(s.properties.gridProperties.frozenRowCount).toBe(1);
      const header = s.data[0].rowData[0].values;
      expect(s.data[0].startRow ?? 0).toBe(0);
      expect(header.map((v: Req) => v.userEnteredValue.stringValue)).toEqual(tab.columns.map((c) => c.header));
      // Each header carries its note: required or not, as declared.
      tab.columns.forEach((c, i) => expect(header[i].note.split('\n')[0]).toBe(c.required ? 'Обязательный столбец.' : 'Необязательный столбец.'));
    }
    const compliance = body.sheets.find((x: Req) => x.properties.title === 'Исполнение распоряжения');
    expect(compliance.data[0].rowData.slice(1).map((r: Req) => r.values[0].userEnteredValue.stringValue)).toEqual(ORDER_ITEMS.map((i) => i.item));

    // The ID went into the «Таблица» cell of the organization's row, nowhere else.
    const update = ofKind('values.update')[0]!;
    expect(update.ranges).toEqual([`'Организации'!D2`]);
    expect(update.params).toMatchObject({ valueInputOption: 'RAW' });
    expect(update.body).toMatchObject({ values: [[id]] });
    expect(registryCell(2)).toBe(id);
    expect(registryCell(3)).toBe(`https://docs.google.com/spreadsheets/d/${SCHOOL_MADE}/edit#gid=0`);

    expect(ofKind('drive.permissions.create')[0]!.body).toEqual({ type: 'user', role: 'writer', emailAddress: 'school2@example.org' });
    expect(ofKind('drive.permissions.create')[0]!.path).toBe(`/drive/v3/files/${id}/permissions`);
    expect(fake.spreadsheet(id)!.permissions).toMatchObject([{ role: 'writer', emailAddress: 'school2@example.org' }]);
  });

  it('sends one batchUpdate: a drop-down with the declared values for every list column, a protected row 1 per tab', () => {
    const requests = batchRequests();
    const validations = requests.filter((q) => q.setDataValidation).map((q) => q.setDataValidation);
    for (const tab of TABS) {
      const sheetId = sheetIdOf(id, tab.title);
      tab.columns.forEach((c, col) => {
        const onColumn = validations.filter((v) => v.range.sheetId === sheetId && v.range.startColumnIndex === col);
        const list = declaredList(c);
        const lists = onColumn.filter((v) => v.rule.condition.type === 'ONE_OF_LIST' || v.rule.condition.type === 'ONE_OF_RANGE');
        if (list === null) {
          expect(lists, `${tab.title} / ${c.header}`).toHaveLength(0);
          return;
        }
        expect(lists, `${tab.title} / ${c.header}`).toHaveLength(1);
        const v = lists[0];
        expect(v.rule.condition.values.map((x: Req) => x.userEnteredValue)).toEqual(list);
        expect(v.range).toMatchObject({ startRowIndex: 1, endColumnIndex: col + 1 });
        expect(v.rule.showCustomUi).toBe(true);
        // Several topics go through «;»: that list suggests, the others forbid.
        expect(v.rule.strict).toBe(c.type.kind !== 'enumList');
      });
      const protections = requests.filter((q) => q.addProtectedRange?.protectedRange.range.sheetId === sheetId);
      expect(protections).toHaveLength(1);
      expect(protections[0]!.addProtectedRange.protectedRange.range).toEqual({ sheetId, startRowIndex: 0, endRowIndex: 1 });
    }
    // «Форма» of «Наставнические пары»: exactly the FORMS of the declaration.
    const pairs = TABS.find((t) => t.key === 'pairs')!;
    const form = validations.find((v) => v.range.sheetId === sheetIdOf(id, pairs.title) && v.range.startColumnIndex === pairs.columns.findIndex((c) => c.header === 'Форма'));
    expect(form.rule.condition).toEqual({ type: 'ONE_OF_LIST', values: FORMS.map((f) => ({ userEnteredValue: f.value })) });
    // Setting up never rewrites a cell: no updateCells after create.
    expect(requests.filter((q) => q.updateCells || q.repeatCell?.fields?.includes('userEnteredValue'))).toEqual([]);

    // What the fake holds now: headers, frozen and protected row 1, the validations.
    const stored = fake.spreadsheet(id)!;
    for (const tab of TABS) {
      const t = stored.tabs.find((x) => x.title === tab.title)!;
      expect(t.rows[0]).toEqual(tab.columns.map((c) => c.header));
      expect(t.frozenRowCount).toBe(1);
      expect(t.protectedRanges.map((p) => p.range)).toEqual([{ sheetId: t.sheetId, startRowIndex: 0, endRowIndex: 1 }]);
    }
  });

  it('a second run reads and sends no batchUpdate at all', async () => {
    fake.clearRequests();
    const r = await provision({ writer: writer(), registryId: REGISTRY_ID, org: 'СОШ-2' });
    expect(kinds()).toEqual(['get', 'values.get', 'get', 'get', 'batchGet']);
    expect(r).toMatchObject({ created: false, spreadsheetId: id, requests: [], changes: [], problems: [] });
  });

  it('after the sheet lost a tab and a column, only those are added; nothing typed is touched', async () => {
    const pairs = TABS.find((t) => t.key === 'pairs')!;
    const events = TABS.find((t) => t.key === 'events')!;
    const formCol = pairs.columns.findIndex((c) => c.header === 'Форма');
    fake.deleteTab(id, events.title);
    fake.deleteColumn(id, pairs.title, formCol);
    const header = pairs.columns.filter((c) => c.header !== 'Форма').map((c) => c.header);
    const typed: Cell[][] = [header, ['Иванова Анна Петровна', 'Петров Пётр', 'Предметное содержание', 45000, null, null, 'Действует']];
    fake.setTabRows(id, pairs.title, typed);
    const before = fake.spreadsheet(id)!;
    const pairsId = sheetIdOf(id, pairs.title);

    fake.clearRequests();
    const r = await provision({ writer: writer(), registryId: REGISTRY_ID, org: 'СОШ-2' });
    expect(kinds()).toEqual(['get', 'values.get', 'get', 'get', 'batchGet', 'batchUpdate']);
    const requests = batchRequests();

    const added = requests.filter((q) => q.addSheet);
    expect(added.map((q) => q.addSheet.properties.title)).toEqual([events.title]);
    const eventsId = added[0]!.addSheet.properties.sheetId;
    expect(added[0]!.addSheet.properties.gridProperties.frozenRowCount).toBe(1);
    // Every request is about the new tab or the tab that lost a column; the other tabs are left alone.
    expect(new Set(requests.map(sheetIdIn))).toEqual(new Set([eventsId, pairsId]));
    // On «Наставнические пары» only the column after the last used header (H) is written.
    const onPairs = requests.filter((q) => sheetIdIn(q) === pairsId);
    for (const q of onPairs) {
      const p = Object.values(q)[0] as Req;
      expect(p.start?.columnIndex ?? p.range?.startColumnIndex ?? p.range?.startIndex).toBe(header.length);
    }
    const headerWrite = onPairs.find((q) => q.updateCells)!.updateCells;
    expect(headerWrite.start).toEqual({ sheetId: pairsId, rowIndex: 0, columnIndex: header.length });
    expect(headerWrite.rows.map((row: Req) => row.values.map((v: Req) => v.userEnteredValue.stringValue))).toEqual([['Форма']]);
    const formCheck = onPairs.find((q) => q.setDataValidation)!.setDataValidation;
    expect(formCheck.rule.condition.values.map((v: Req) => v.userEnteredValue)).toEqual(FORMS.map((f) => f.value));
    // The row is still protected and frozen: not asked again.
    expect(onPairs.some((q) => q.addProtectedRange || q.updateSheetProperties)).toBe(false);
    // The new tab: its header row, its lists, its protection.
    const eventsHeader = requests.find((q) => q.updateCells?.start?.sheetId === eventsId)!.updateCells;
    expect(eventsHeader.rows[0].values.map((v: Req) => v.userEnteredValue.stringValue)).toEqual(events.columns.map((c) => c.header));
    expect(requests.some((q) => q.addProtectedRange?.protectedRange.range.sheetId === eventsId)).toBe(true);
    for (const [col, c] of events.columns.entries()) {
      const list = declaredList(c);
      const v = requests.find((q) => q.setDataValidation?.range.sheetId === eventsId && q.setDataValidation.range.startColumnIndex === col);
      if (list) expect(v!.setDataValidation.rule.condition.values.map((x: Req) => x.userEnteredValue)).toEqual(list);
    }
    expect(r.changes).toEqual([
      `столбец «Форма» на листе «${pairs.title}» (H1)`,
      `лист «${events.title}» с заголовками, списками и проверками`,
    ]);

    const after = fake.spreadsheet(id)!;
    const pairsAfter = after.tabs.find((t) => t.title === pairs.title)!;
    expect(pairsAfter.rows).toEqual([[...header, 'Форма'], typed[1]]);
    // The other tabs are exactly as they were.
    for (const t of before.tabs.filter((x) => x.title !== pairs.title)) expect(after.tabs.find((x) => x.title === t.title)).toEqual(t);
    expect(after.tabs.find((t) => t.title === events.title)!.rows[0]).toEqual(events.columns.map((c) => c.header));

    // And a third run: nothing missing, no batchUpdate.
    fake.clearRequests();
    await provision({ writer: writer(), registryId: REGISTRY_ID, org: 'СОШ-2' });
    expect(ofKind('batchUpdate')).toHaveLength(0);
  });
});

describe('a spreadsheet the school made', () => {
  const teachers = TABS.find((t) => t.key === 'teachers')!;

  it('--dry-run reads and sends nothing', async () => {
    fake.clearRequests();
    const r = await provision({ writer: writer(), registryId: REGISTRY_ID, org: 'ДОУ-21', dryRun: true, share: 'dou21@example.org' });
    expect(kinds().every((k) => k === 'get' || k === 'values.get' || k === 'batchGet')).toBe(true);
    expect(r.requests.length).toBeGreaterThan(0);
    expect(r.dryRun).toBe(true);
  });

  it('says what the sync will refuse in the organization\'s registry row, and finds a code typed with Latin look-alikes', async () => {
    // It answered «всё на месте» for a row the sync refuses (one spreadsheet for two organizations),
    // and did not find «COШ-40» (Latin C and O) when asked for СОШ-40.
    const rows = fake.spreadsheet(REGISTRY_ID)!.tabs[0]!.rows;
    fake.setTabRows(REGISTRY_ID, 'Организации', [...rows, ['СОШ-31', 'МОУ СОШ № 31', 'Школа', SCHOOL_MADE], ['COШ-40', 'МОУ СОШ № 40', 'Школа', null]]);
    try {
      const registryFindings = (tab: RawTab) => parseRegistry(tab).issues;
      const shared = await provision({ writer: writer(), registryId: REGISTRY_ID, org: 'ДОУ-21', dryRun: true, registryFindings });
      expect(shared.notes).toEqual([
        'синхронизация не примет эту строку реестра (строка 3, столбец «Таблица»): та же таблица указана в строке 6 (СОШ-31); у каждой организации должна быть своя таблица — организация не синхронизируется, пока таблица не станет своей',
      ]);
      const latin = await provision({ writer: writer(), registryId: REGISTRY_ID, org: 'СОШ-40', dryRun: true, registryFindings });
      expect(latin.org).toBe('COШ-40');
      expect(latin.notes).toEqual(['код «COШ-40» в строке 7 реестра набран с латинскими буквами, похожими на русские; синхронизация читает его как «СОШ-40», но лучше исправить его в реестре']);
    } finally {
      fake.setTabRows(REGISTRY_ID, 'Организации', rows);
    }
  });

  it('keeps its headers (found under a title block, aliases too) and data; adds the missing columns, checks and tabs', async () => {
    const before = fake.spreadsheet(SCHOOL_MADE)!;
    fake.clearRequests();
    const r = await provision({ writer: writer(), registryId: REGISTRY_ID, org: 'ДОУ-21' });
    const requests = batchRequests();
    expect(ofKind('batchUpdate')).toHaveLength(1);
    const tId = sheetIdOf(SCHOOL_MADE, 'педагоги');
    const onTeachers = requests.filter((q) => sheetIdIn(q) === tId);
    // The header row is row 3 (index 2): missing columns go after «Стаж» (D) and the school's notes
    // without a header (E), each once, in declared order; the notes are named as left alone.
    const writes = onTeachers.filter((q) => q.updateCells).map((q) => q.updateCells);
    const present = new Set(['fio', 'position', 'category', 'experience']);
    const missing = teachers.columns.filter((c) => !present.has(c.key));
    expect(writes.map((w) => [w.start.rowIndex, w.start.columnIndex, w.rows[0].values[0].userEnteredValue.stringValue])).toEqual(
      missing.map((c, k) => [2, 5 + k, c.header]),
    );
    expect(r.changes).toContain('на листе «педагоги» в столбце E есть значения без заголовка: не тронуты, новые столбцы — правее');
    expect(r.changes).toContain(`столбец «${missing[0]!.header}» на листе «педагоги» (F3)`);
    // «Квалификационная категория» is the school's alias of «Категория»: kept, and given the list of categories under row 3.
    const cat = onTeachers.find((q) => q.setDataValidation?.range.startColumnIndex === 2)!.setDataValidation;
    expect(cat.range.startRowIndex).toBe(3);
    expect(cat.rule.condition.values.map((v: Req) => v.userEnteredValue)).toEqual(CATEGORIES.map((c) => c.value));
    // Frozen down to the header row, the header row protected.
    expect(onTeachers.find((q) => q.updateSheetProperties)!.updateSheetProperties.properties.gridProperties).toEqual({ frozenRowCount: 3 });
    expect(onTeachers.find((q) => q.addProtectedRange)!.addProtectedRange.protectedRange.range).toEqual({ sheetId: tId, startRowIndex: 2, endRowIndex: 3 });
    // The other declared tabs were missing: added; the school's own tab is left alone.
    expect(requests.filter((q) => q.addSheet).map((q) => q.addSheet.properties.title)).toEqual(TABS.filter((t) => t.key !== 'teachers').map((t) => t.title));
    expect(requests.some((q) => sheetIdIn(q) === sheetIdOf(SCHOOL_MADE, 'Заметки'))).toBe(false);

    const after = fake.spreadsheet(SCHOOL_MADE)!;
    const t = after.tabs.find((x) => x.title === 'педагоги')!;
    const old = before.tabs.find((x) => x.title === 'педагоги')!;
    expect(t.rows[0]).toEqual(old.rows[0]);
    expect(t.rows[2]!.slice(0, 4)).toEqual(old.rows[2]);
    expect(t.rows[3]).toEqual(old.rows[3]);
    expect(after.tabs.find((x) => x.title === 'Заметки')).toEqual(before.tabs.find((x) => x.title === 'Заметки'));
    expect(r.changes.length).toBeGreaterThan(missing.length);

    fake.clearRequests();
    const again = await provision({ writer: writer(), registryId: REGISTRY_ID, org: 'ДОУ-21' });
    expect(ofKind('batchUpdate')).toHaveLength(0);
    expect(again.changes).toEqual([]);
  });
});

describe('npm run provision', () => {
  const env = () => ({ SHEETS_REGISTRY_ID: REGISTRY_ID, GOOGLE_APPLICATION_CREDENTIALS: keyFile, GOOGLE_API_ROOT: fake.url, MONITOR_DB: join(tmp, 'unused.duckdb') });
  async function cli(argv: string[], e: Record<string, string | undefined> = env()) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runProvisionCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, e, { jwtAccess: true, sleep: async () => undefined });
    shown.push(...out, ...err);
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('wrong usage and missing settings: exit code 2, in Russian', async () => {
    const noOrg = await cli([]);
    expect(noOrg.code).toBe(2);
    expect(noOrg.err).toContain('не указан код организации (--org)');
    expect(noOrg.err).toContain('Использование: npm run provision');
    expect((await cli(['--org', 'СОШ-2', '--share', 'не-почта'])).err).toContain('не похоже на адрес электронной почты');
    expect((await cli(['--org', 'СОШ-2', '--bogus'])).code).toBe(2);
    const noRegistry = await cli(['--org', 'СОШ-2'], { GOOGLE_APPLICATION_CREDENTIALS: keyFile });
    expect(noRegistry.code).toBe(2);
    expect(noRegistry.err).toContain('SHEETS_REGISTRY_ID');
    const apiKeyOnly = await cli(['--org', 'СОШ-2'], { SHEETS_REGISTRY_ID: REGISTRY_ID, GOOGLE_API_KEY: 'k-123456' });
    expect(apiKeyOnly.code).toBe(2);
    expect(apiKeyOnly.err).toContain('API-ключ не даёт права записи');
  });

  it('an organization not in the registry, a registry cell that is no spreadsheet: exit code 1 with the reason', async () => {
    const absent = await cli(['--org', 'СОШ-99']);
    expect(absent.code).toBe(1);
    expect(absent.err).toContain('организации с кодом «СОШ-99» нет в реестре');
    expect(absent.err).toContain('СОШ-2, ДОУ-21');
    const garbage = await cli(['--org', 'СОШ-9']);
    expect(garbage.code).toBe(1);
    expect(garbage.err).toContain('не ID и не ссылка на Google Таблицу: «СОШ-9.xlsx»');
  });

  it('no write access: 403 explained with the service account to give «Редактор»', async () => {
    fake.setReadOnly(SCHOOL_MADE, true);
    fake.deleteTab(SCHOOL_MADE, 'Мероприятия');
    try {
      const r = await cli(['--org', 'ДОУ-21']);
      expect(r.code).toBe(1);
      expect(r.err).toBe(
        `Не выполнено: дополнение таблицы организации ДОУ-21 (ID ${SCHOOL_MADE}): нет прав на запись: откройте таблице доступ «Редактор» для сервисного аккаунта ${SA_EMAIL}`,
      );
    } finally {
      fake.setReadOnly(SCHOOL_MADE, false);
    }
    // A registry the service account may only read: the new spreadsheet's ID is printed, and what to do.
    fake.setReadOnly(REGISTRY_ID, true);
    try {
      const r = await cli(['--org', 'ЦДО-1']);
      expect(r.code).toBe(1);
      const created = fake.created[fake.created.length - 1]!;
      expect(r.err).toContain(`таблица организации ЦДО-1 создана (ID ${created}`);
      expect(r.err).toContain('Впишите ID в столбец «Таблица» вручную');
      expect(r.err).toContain(`откройте доступ «Редактор» для сервисного аккаунта ${SA_EMAIL}`);
      expect(registryCell(5)).toBeNull();
    } finally {
      fake.setReadOnly(REGISTRY_ID, false);
    }
  });

  it('--dry-run prints the requests and sends no write; a real run reports what it did', async () => {
    fake.clearRequests();
    const dry = await cli(['--org', 'ДОУ-21', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(kinds().every((k) => k === 'get' || k === 'values.get' || k === 'batchGet')).toBe(true);
    expect(dry.out).toContain('Проверка без изменений (--dry-run)');
    expect(dry.out).toContain('"addSheet"');
    expect(dry.out).toContain('Будет добавлено при запуске без --dry-run:\n  — лист «Мероприятия»');

    const real = await cli(['--org', 'ДОУ-21']);
    expect(real.code).toBe(0);
    expect(real.out).toContain('Добавлено:\n  — лист «Мероприятия»');
    const nothing = await cli(['--org', 'ДОУ-21']);
    expect(nothing.code).toBe(0);
    expect(nothing.out).toContain('изменений нет');
  });

  it('a «Таблица» cell that is a file chip (the title shown) provisions the spreadsheet it links to, as the sync reads it', async () => {
    // СОШ-9's cell shows «СОШ-9.xlsx»; made a chip of ДОУ-21's spreadsheet it is that one (it
    // was refused with advice to clear the cell: a second, empty spreadsheet — an outside review).
    fake.setCellLink(REGISTRY_ID, 'Организации', 3, 3, { chip: `https://docs.google.com/spreadsheets/d/${SCHOOL_MADE}/edit?usp=drivesdk` });
    try {
      fake.clearRequests();
      const r = await provision({ writer: writer(), registryId: REGISTRY_ID, org: 'СОШ-9' });
      expect([r.created, r.spreadsheetId]).toEqual([false, SCHOOL_MADE]);
      expect(fake.requests.filter((x) => x.kind === 'get' && x.spreadsheetId === REGISTRY_ID).map((x) => x.ranges ?? null)).toEqual([null, ["'Организации'!D4"]]);
    } finally {
      fake.setCellLink(REGISTRY_ID, 'Организации', 3, 3, {});
    }
  });
});
