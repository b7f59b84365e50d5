/**
 * The municipality's clock: the server runs in its zone (here Asia/Irkutsk, UTC+8, Sayansk's).
 * «Today» is its calendar date, and every moment in the database is UTC whatever the zone. From
 * midnight to 08:00 local time the UTC date is yesterday's: the action log was written 8 hours
 * ahead (DuckDB followed TZ), and «today» was the UTC date in some places and the local one in
 * others (an acceptance run). Only in the Irkutsk project (vitest.config.ts).
 */
import { describe, expect, it } from 'vitest';
import { AuthStore } from '../../server/auth/store.ts';
import { openDatabase } from '../../server/db/schema.ts';
import { isoDay } from '../../server/metrics/period.ts';
import { asOfDay, asOfMoment } from '../../server/metrics/asof.ts';
import { parseParams } from '../../server/metrics/metrics.ts';
import { buildWorkbook, excel, momentSerial } from '../../server/export/xlsx.ts';
import { localIso, ruMoment } from '../../shared/moment.ts';
import { formatAsOf } from '../../client/format.ts';
import { runMetric } from '../../server/metrics/metrics.ts';
import { runSync } from '../../server/sync/run.ts';
import type { RawTab } from '../../server/sources/types.ts';
import { createMemorySource } from '../support/memorySource.ts';
import { openTempDb } from '../support/server.ts';

describe('the server in Asia/Irkutsk (UTC+8)', () => {
  it('runs in that zone (the project pins it)', () => {
    expect(process.env.TZ).toBe('Asia/Irkutsk');
    expect(new Date('2026-12-07T19:58:00Z').getTimezoneOffset()).toBe(-480);
  });

  it('«today» is the local calendar date: 03:58 on 08.12 is the 8th, not UTC’s 7th', () => {
    // 19:58 UTC on 07.12 + 8 h = 03:58 on 08.12 in Sayansk.
    expect(isoDay(new Date('2026-12-07T19:58:00Z'))).toBe('2026-12-08');
    // 15:59:59 UTC = 23:59:59 local: still the 7th; 16:00 UTC = midnight, the 8th.
    expect(isoDay(new Date('2026-12-07T15:59:59Z'))).toBe('2026-12-07');
    expect(isoDay(new Date('2026-12-07T16:00:00Z'))).toBe('2026-12-08');
    // An «as of» of the local today is today, not a day to come (it was «ещё не наступила»).
    expect(asOfDay('2026-12-08', new Date('2026-12-07T19:58:00Z'))).toBe('2026-12-08');
    // «As of 08.12» is the syncs finished before the 9th begins there: 16:00 UTC on the 8th
    // (it was midnight UTC, 08:00 on the 9th in Sayansk). A moment's day is its local day.
    expect(asOfMoment('2026-12-08')).toEqual({ until: '2026-12-08 16:00:00', inclusive: false, day: '2026-12-08' });
    expect(asOfMoment('2026-12-07T19:58:00Z').day).toBe('2026-12-08');
  });

  it('writes moments in UTC: the action log of an action now is now in UTC, not 8 hours ahead', async () => {
    const db = await openDatabase(':memory:');
    try {
      const store = new AuthStore(db);
      const before = Date.now();
      await store.audit({ actor: 'координатор', role: 'coordinator', action: 'sync.start', target: 'test' });
      const [row] = await db.query(`SELECT strftime(ts, '%Y-%m-%dT%H:%M:%S.%fZ') AS ts FROM audit_log`);
      const at = Date.parse(String(row!.ts));
      // Within a few seconds of the moment written; local time would be 8 h (28,800 s) off.
      expect(Math.abs(at - before)).toBeLessThan(5_000);
      const [clock] = await db.query(`SELECT current_setting('TimeZone') AS zone`);
      expect(clock!.zone).toBe('UTC');
    } finally {
      db.close();
    }
  });

  it('writes times for people on its clock, the zone said: the workbook, the messages (they were UTC: 13:21 for 21:21 in Sayansk)', async () => {
    // 20:00 UTC on 14.05 + 8 h = 04:00 on 15.05; Excel's serial of 15.05.2025 is 45792, 04:00 is 4/24 of a day.
    expect(momentSerial('2025-05-14 20:00:00')).toBeCloseTo(45792 + 4 / 24, 9);
    expect(ruMoment('2025-05-14 20:00:00')).toBe('15.05.2025 04:00:00 (UTC+8)');
    // A moment with its own offset: 10:00+03:00 = 07:00 UTC = 15:00 in Irkutsk.
    expect(ruMoment('2025-05-14T10:00:00+03:00')).toBe('14.05.2025 15:00:00 (UTC+8)');
    // The server's log stamp: its clock, its offset (it was UTC: «…T20:00:00.000Z»).
    expect(localIso(new Date('2025-05-14T20:00:00.250Z'))).toBe('2025-05-15T04:00:00.250+08:00');
    // «Данные на» as the pages say it: a moment on the reader's clock with its zone; a day as written.
    expect(formatAsOf('2025-05-14T20:00:00Z')).toBe('15.05.2025 04:00 (UTC+8)');
    expect(formatAsOf('2025-05-14')).toBe('14.05.2025');
    const generatedAt = new Date('2025-05-14T20:00:00Z');
    const xlsx = await buildWorkbook([], {
      params: { ...parseParams({ from: '2024-09-01', to: '2025-08-31' }, generatedAt), as_of: { asked: '2025-05-14T20:00:00Z', run: 3, finished_at: '2025-05-14 19:30:00' } },
      generatedAt,
      appVersion: 'test',
      dataVersion: '1',
      freshness: [{ org: 'СОШ-1', org_name: 'Школа № 1', last_success: '2025-05-14 16:30:00', last_status: 'ok', stale: false }],
    });
    const wb = new (await excel()).Workbook();
    await wb.xlsx.load(xlsx as unknown as ArrayBuffer);
    const params = wb.getWorksheet('Параметры')!;
    const rows = params.getRows(1, params.rowCount)!;
    // ExcelJS reads a dated cell back as the Date of its wall clock taken as UTC: 04:00 of the 15th.
    const made = rows.find((r) => r.getCell(1).value === 'Сформировано, UTC+8')!;
    expect(made.getCell(2).value).toEqual(new Date('2025-05-15T04:00:00Z'));
    // «Данные на»: the moment asked as typed (to repeat the export) and on the server's clock; the sync's end likewise.
    expect(rows.find((r) => r.getCell(1).value === 'Данные на')!.getCell(2).value).toBe(
      '2025-05-14T20:00:00Z — 15.05.2025 04:00:00 (UTC+8) («Данные на дату», параметр as_of): данные синхронизации № 3, завершённой 15.05.2025 03:30:00 (UTC+8) — та же выгрузка с этой датой даст те же числа',
    );
    const head = rows.find((r) => r.getCell(1).value === 'Код')!;
    expect(head.getCell(3).value).toBe('Последняя успешная загрузка, UTC+8');
    // 16:30 UTC + 8 h = 00:30 on the 15th.
    expect(params.getRow(head.number + 1).getCell(3).value).toEqual(new Date('2025-05-15T00:30:00Z'));
  });

  it('checks categories against «Аттестация» on the day of the load there: 04:00 on 15.03 is the 15th (it was UTC’s 14th)', async () => {
    // One teacher per school, «Первая» by the order of 15.03.2019: it lapses five years on, on
    // 15.03.2024. The sync runs at 20:00 UTC on 14.03 = 04:00 on 15.03 in Sayansk: that day both hold
    // «Без категории». СОШ-9 already writes so (no warning); СОШ-8 still writes «Первая» (1 warning).
    // On UTC's 14.03 both would still hold «Первая»: СОШ-9 1 warning, СОШ-8 none (an audit found it so).
    const school = (fio: string, category: string): RawTab[] => [
      { title: 'Педагоги', grid: [['ФИО', 'Должность', 'Дата приёма', 'Категория'], [fio, 'учитель', '01.09.2010', category]] },
      { title: 'Наставнические пары', grid: [['Наставник', 'Наставляемый', 'Форма', 'Направление', 'Дата начала', 'Статус']] },
      { title: 'Программы наставничества', grid: [['Наставляемый', 'Наставник', 'Название', 'Дата утверждения', 'Дата завершения (план)', 'Статус']] },
      { title: 'Повышение квалификации', grid: [['ФИО', 'Программа', 'Часов', 'Дата окончания']] },
      { title: 'Аттестация', grid: [['ФИО', 'Дата приказа', 'Присвоена категория', 'Прежняя категория'], [fio, '15.03.2019', 'Первая', 'Без категории']] },
    ];
    const tmp = await openTempDb();
    try {
      const now = new Date('2024-03-14T20:00:00Z');
      const source = createMemorySource({
        registry: [{ title: 'Организации', grid: [['Код', 'Наименование', 'Тип', 'Таблица', 'Активна'], ['СОШ-8', 'Школа № 8', 'Школа', 'sheet-8', 'Да'], ['СОШ-9', 'Школа № 9', 'Школа', 'sheet-9', 'Да']] }],
        sheets: { 'sheet-8': school('Устарелова Ульяна Ивановна', 'Первая'), 'sheet-9': school('Лапина Лариса Ивановна', 'Без категории') },
      });
      const summary = await runSync({ db: tmp.db, source, trigger: 'test', now: () => now });
      expect(summary.status).toBe('ok');
      const { rows } = await runMetric(tmp.db, 'data_quality', parseParams({ from: '2023-09-01', to: '2024-08-31' }, now));
      expect(rows.map((r) => [r.org, r.category_mismatches])).toEqual([['СОШ-8', 1], ['СОШ-9', 0], [null, 1]]);
      // The list of «Качество данных» names the same teacher.
      expect(await tmp.db.query(`SELECT org FROM category_mismatches()`)).toEqual([{ org: 'СОШ-8' }]);
    } finally {
      tmp.cleanup();
    }
  });

  it('filters the action log by the days of its calendar: an action at 03:00 on the 8th there is of the 8th', async () => {
    const db = await openDatabase(':memory:');
    try {
      // 19:00 UTC on 07.12 = 03:00 on 08.12 in Sayansk; 15:00 UTC on 07.12 = 23:00 on the 7th.
      await db.write((w) =>
        w.run(`INSERT INTO audit_log VALUES (1, TIMESTAMP '2026-12-07 19:00:00', 'a', 'admin', 'x', NULL, NULL, NULL), (2, TIMESTAMP '2026-12-07 15:00:00', 'a', 'admin', 'x', NULL, NULL, NULL)`),
      );
      const store = new AuthStore(db);
      const ids = async (from: string, to: string) => (await store.auditSearch({ from, to, limit: 10 })).entries.map((e) => Number(e.id));
      expect(await ids('2026-12-08', '2026-12-08')).toEqual([1]);
      expect(await ids('2026-12-07', '2026-12-07')).toEqual([2]);
    } finally {
      db.close();
    }
  });
});
