/**
 * An organization whose registry row is pointed at another spreadsheet (an outside review: the
 * new spreadsheet's Drive modifiedTime equalled the old one's, and the sync said «без изменений»
 * and never read it). Change detection compares versions of one spreadsheet; another
 * spreadsheet is read in full — and when that read fails, the next sync reads it in full too.
 * Real `googleapis` client (API-key mode: one Drive `files.get` per sheet) against the fake.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGoogleSource } from '../../server/sources/google.ts';
import { runSync } from '../../server/sync/run.ts';
import { startFakeSheets, type FakeSheets, type FakeTab } from '../../fakes/googleSheets.ts';
import { openTempDb, type TempDb } from '../support/server.ts';

const REGISTRY_ID = '1RegistryMovedAbCdEfGhIjKl';
const OLD = '1SheetOldAbCdEfGhIjKlMnOp';
const NEW = '1SheetNewAbCdEfGhIjKlMnOp';
/** Both spreadsheets were last changed at the same moment. */
const SAME_TIME = '2026-11-30T10:00:00.000Z';

const orgTabs = (teacher: string): FakeTab[] => [{ title: 'Педагоги', rows: [['ФИО', 'Должность', 'Категория'], [teacher, 'учитель', 'Первая']] }];
const registry = (sheet: string): FakeTab[] => [
  { title: 'Организации', rows: [['Код', 'Наименование', 'Тип', 'Таблица'], ['СОШ-5', 'МОУ СОШ № 5', 'Школа', sheet]] },
];

let fake: FakeSheets;
let tmp: TempDb;
const sync = () =>
  runSync({
    db: tmp.db,
    source: createGoogleSource({ registryId: REGISTRY_ID, apiKey: 'moved-key', rootUrl: fake.url, sleep: async () => undefined, random: () => 0.5 }),
    trigger: 'test',
  });
const teachers = async () => (await tmp.db.query(`SELECT fio FROM teachers WHERE org = 'СОШ-5'`)).map((r) => r.fio);

beforeAll(async () => {
  fake = await startFakeSheets({ requireKey: 'moved-key' });
  tmp = await openTempDb();
  fake.setSpreadsheet(OLD, { tabs: orgTabs('Грачёва Анна Ивановна'), modifiedTime: SAME_TIME });
  fake.setSpreadsheet(NEW, { tabs: orgTabs('Ершова Ольга Петровна'), modifiedTime: SAME_TIME });
});
afterAll(async () => {
  await fake.close();
  tmp.cleanup();
});

describe('a registry row pointed at another spreadsheet', () => {
  it('reads the new spreadsheet even when Drive gives it the old one’s modifiedTime', async () => {
    fake.setSpreadsheet(REGISTRY_ID, { tabs: registry(OLD) });
    expect((await sync()).totals).toMatchObject({ ok: 1, unchanged: 0, failed: 0 });
    expect(await teachers()).toEqual(['Грачёва Анна Ивановна']);
    // The same registry again: unchanged, as before (one Drive request, no Sheets read).
    fake.clearRequests();
    expect((await sync()).totals).toMatchObject({ ok: 0, unchanged: 1 });
    expect(fake.count({ spreadsheetId: OLD, kind: 'get' })).toBe(0);
    // Pointed at NEW (same modifiedTime): read and loaded — it said «без изменений» and kept Грачёва.
    fake.setSpreadsheet(REGISTRY_ID, { tabs: registry(NEW) });
    fake.clearRequests();
    expect((await sync()).totals).toMatchObject({ ok: 1, unchanged: 0, failed: 0 });
    expect(fake.count({ spreadsheetId: NEW, kind: 'get' })).toBe(1);
    expect(await teachers()).toEqual(['Ершова Ольга Петровна']);
  });

  it('reads it in full at the next sync when the first read of the new spreadsheet failed', async () => {
    fake.setSpreadsheet(REGISTRY_ID, { tabs: registry(OLD) });
    fake.setSpreadsheet(OLD, { tabs: orgTabs('Грачёва Анна Ивановна'), modifiedTime: SAME_TIME });
    expect((await sync()).totals).toMatchObject({ ok: 1 });
    expect(await teachers()).toEqual(['Грачёва Анна Ивановна']);
    // Pointed at NEW, which answers 403 (not shared yet): failed, Грачёва kept, the version forgotten.
    fake.setStatus(NEW, 403);
    fake.setSpreadsheet(REGISTRY_ID, { tabs: registry(NEW) });
    expect((await sync()).totals).toMatchObject({ ok: 0, failed: 1 });
    expect(await teachers()).toEqual(['Грачёва Анна Ивановна']);
    const [state] = await tmp.db.query(`SELECT version FROM org_state WHERE org = 'СОШ-5'`);
    expect(state!.version).toBeNull();
    // Shared now, still with OLD's modifiedTime; the registry as in the failed sync: read, loaded.
    fake.setStatus(NEW, null);
    expect((await sync()).totals).toMatchObject({ ok: 1, unchanged: 0 });
    expect(await teachers()).toEqual(['Ершова Ольга Петровна']);
  });
});
