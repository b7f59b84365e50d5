/**
 * Period against period (issue #20, part 4): `GET /api/metrics/:name/compare` and the comparison
 * sheets of the workbook, on the fixture municipality whose numbers metrics.test.ts works out
 * by hand. Current period P1 = 2023-09-01…2024-08-31, base period P2 = 2024-01-01…2024-12-31:
 *
 *   engagement (metrics.test.ts):  P1 (current)            P2 (base)
 *     СОШ-7   teachers 14, engaged 10 → 10/14     15, 9 → 9/15
 *     ДОУ-5   10, 6 → 6/10                        10, 7 → 7/10
 *     ДДТ-1    9, 6 → 6/9                          9, 5 → 5/9
 *     total   33, 22 → 22/33                      34, 21 → 21/34
 *   so the changes (current − base): СОШ-7 teachers −1, engaged +1, share 10/14 − 9/15;
 *   ДОУ-5 0, −1, 6/10 − 7/10 = −0.1; ДДТ-1 0, +1, 6/9 − 5/9 = 1/9; total −1, +1, 22/33 − 21/34.
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareRows } from '../../shared/compare.ts';
import { createFolderSource } from '../../server/sources/folder.ts';
import { runSync } from '../../server/sync/run.ts';
import { rebuildFacts } from '../../server/db/facts.ts';
import { MetricCache } from '../../server/metrics/cache.ts';
import { compareMetric } from '../../server/metrics/compare.ts';
import { exportWorkbook } from '../../server/routes/export.ts';
import { metricDef } from '../../server/metrics/metrics.ts';
import { parseParams } from '../../server/metrics/parameters.ts';
import { openTempDb, startServer, type RunningServer, type TempDb } from '../support/server.ts';

const FIXTURE = new URL('../fixtures/municipality/', import.meta.url).pathname;
const P1 = { from: '2023-09-01', to: '2024-08-31' };
const P2 = { from: '2024-01-01', to: '2024-12-31' };
const Q = `from=${P1.from}&to=${P1.to}&cmp_from=${P2.from}&cmp_to=${P2.to}`;
const r = (x: number) => expect.closeTo(x, 11);

let tmp: TempDb;
let server: RunningServer;

beforeAll(async () => {
  tmp = await openTempDb();
  await runSync({ db: tmp.db, source: createFolderSource(FIXTURE), trigger: 'test', now: () => new Date('2025-01-20T09:00:00Z') });
  server = await startServer({ db: tmp.db, now: () => new Date('2024-06-15T10:00:00Z') });
});
afterAll(async () => {
  await server?.close();
  tmp?.cleanup();
});

describe('a comparison while a sync writes', () => {
  /** ДДТ-1's teachers in the current period (P1), the base (P2) and the change, from a comparison's rows. */
  const ddtTeachers = (rows: { org: string | null; values: Record<string, { current: unknown; base: unknown; delta: unknown } | undefined> }[]) => {
    const t = rows.find((x) => x.org === 'ДДТ-1')!.values.teachers!;
    return [t.current, t.base, t.delta];
  };
  /** A teacher of ДДТ-1 leaves, as a sync's load would: the rows, then the facts the metrics read (a transaction). */
  const leave = (db: TempDb['db'], fio: string) =>
    db.write(async (w) => {
      await w.run(`DELETE FROM teachers WHERE org = 'ДДТ-1' AND fio = $fio`, { fio });
      await rebuildFacts(w, { force: true });
    });

  it('takes both periods from one state of the data when a load commits between them', async () => {
    // During a sync the current period came from the new data and the base from the old: a
    // wrong change, nothing showing it (an outside review: 3 answers in 6 rounds; then, with a
    // check of the data version alone, 16 in 10,000 — the version moved on only after the
    // COMMIT's answer reached JavaScript).
    const own = await openTempDb();
    try {
      await runSync({ db: own.db, source: createFolderSource(FIXTURE), trigger: 'test', now: () => new Date('2025-01-20T09:00:00Z') });
      const cache = new MetricCache(own.db);
      const params = parseParams({ from: P1.from, to: P1.to }, new Date('2024-06-15T10:00:00Z'));
      // ДДТ-1 has 9 teachers at the end of both periods; Шилова (hired 01.02.2024), Харитонова
      // (01.09.2023) and Цветков (01.09.2020) are employed at both ends.
      const order: string[] = [];
      let pending: Promise<unknown> | null = null;
      let calls = 0;
      // 1. A load starts right after the first period is computed and is not waited for: its
      //    COMMIT waits for the comparison, which sees the data before it — 9 and 9, change 0.
      const during = {
        get dataVersion() {
          return cache.dataVersion;
        },
        consistently: <T>(fn: () => Promise<T>) => cache.consistently(fn),
        rows: async (...a: Parameters<MetricCache['rows']>) => {
          // The second period waits for the load's commit (or 300 ms, more than the load takes
          // when nothing holds it): without the wait for consistent reads it came from the new data.
          if (++calls === 2) await Promise.race([pending, new Promise((resolve) => setTimeout(resolve, 300))]);
          const out = await cache.rows(...a);
          if (calls === 1) pending = leave(own.db, 'Шилова Вера Артёмовна').then(() => order.push('load committed'));
          return out;
        },
      };
      expect(ddtTeachers(await compareMetric(during, metricDef('engagement'), params, P2, cache.request(null)))).toEqual([9, 9, 0]);
      order.push('comparison done');
      await pending;
      expect(order).toEqual(['comparison done', 'load committed']);
      // After it: 8 and 8.
      expect(ddtTeachers(await compareMetric(cache, metricDef('engagement'), params, P2, cache.request(null)))).toEqual([8, 8, 0]);

      // 2. Should a commit slip through all the same (a commit waits for consistent reads only so
      //    long), the data version moved on: both periods are computed again — 7 and 7, not 8
      //    (before) against 7 (after).
      calls = 0;
      const slipped = {
        get dataVersion() {
          return cache.dataVersion;
        },
        consistently: <T>(fn: () => Promise<T>) => fn(),
        rows: async (...a: Parameters<MetricCache['rows']>) => {
          const out = await cache.rows(...a);
          if (++calls === 1) await leave(own.db, 'Харитонова Алла Юрьевна');
          return out;
        },
      };
      expect(ddtTeachers(await compareMetric(slipped, metricDef('engagement'), params, P2, cache.request(null)))).toEqual([7, 7, 0]);
      expect(calls).toBe(4);

      // 3. The workbook: every sheet from one state. Цветков leaves while its first sheet is
      //    computed: the load waits, every sheet says 7 (its comparison sheet 7, 7, 0).
      calls = 0;
      pending = null;
      const bookDuring = {
        ...during,
        rows: async (...a: Parameters<MetricCache['rows']>) => {
          if (++calls === 2) await Promise.race([pending, new Promise((resolve) => setTimeout(resolve, 300))]);
          const out = await cache.rows(...a);
          if (calls === 1) pending = leave(own.db, 'Цветков Борис Олегович');
          return out;
        },
      };
      const book = await exportWorkbook(
        { db: own.db, now: () => new Date('2024-06-15T10:00:00Z'), cache: bookDuring },
        { defs: [metricDef('engagement')], params, base: P2, work: cache.request(null) },
      );
      await pending;
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(book as unknown as ArrayBuffer);
      const ddtRow = (sheet: string) => (wb.getWorksheet(sheet)!.getRow(4).values as unknown[]).slice(1);
      expect(ddtRow('Вовлечённость').slice(0, 4)).toEqual(['ДДТ-1', expect.any(String), expect.any(String), 7]);
      expect(ddtRow('Сравн. Вовлечённость').slice(3, 6)).toEqual([7, 7, 0]);
      // The load went in after it: 6.
      expect(ddtTeachers(await compareMetric(cache, metricDef('engagement'), params, P2, cache.request(null)))).toEqual([6, 6, 0]);
    } finally {
      own.cleanup();
    }
  });
});

describe('GET /api/metrics/:name/compare', () => {
  it('joins the two periods per organization and in total, with the change', async () => {
    const { status, body } = await server.getJson(`/api/metrics/engagement/compare?${Q}`);
    expect(status).toBe(200);
    expect(body.current).toEqual(P1);
    expect(body.base).toEqual(P2);
    expect(body.columns.map((c: any) => c.name)).toEqual(['teachers', 'mentors', 'mentees', 'engaged', 'engagement_rate']);
    const pick = (row: any) => [row.org, row.values.teachers.base, row.values.teachers.current, row.values.teachers.delta, row.values.engaged.base, row.values.engaged.current, row.values.engaged.delta, row.values.engagement_rate.base, row.values.engagement_rate.current, row.values.engagement_rate.delta];
    expect(body.rows.map(pick)).toEqual([
      ['СОШ-7', 15, 14, -1, 9, 10, 1, r(9 / 15), r(10 / 14), r(10 / 14 - 9 / 15)],
      ['ДОУ-5', 10, 10, 0, 7, 6, -1, r(7 / 10), r(6 / 10), r(-0.1)],
      ['ДДТ-1', 9, 9, 0, 5, 6, 1, r(5 / 9), r(6 / 9), r(1 / 9)],
      [null, 34, 33, -1, 21, 22, 1, r(21 / 34), r(22 / 33), r(22 / 33 - 21 / 34)],
    ]);
    // The change is current − base as computed, unrounded like the shares themselves: 0.6 − 0.7.
    expect(body.rows[1].values.engagement_rate.delta).toBe(body.rows[1].values.engagement_rate.current - body.rows[1].values.engagement_rate.base);
    // Each side is the metric's own answer for its period.
    const base = (await server.getJson(`/api/metrics/engagement?from=${P2.from}&to=${P2.to}`)).body.rows;
    expect(body.rows.map((x: any) => x.values.mentees.base)).toEqual(base.map((x: any) => x.mentees));
  });

  it('refuses a half-given period, a period that is not one, and «Качество данных», in Russian', async () => {
    const half = await server.getJson(`/api/metrics/engagement/compare?from=${P1.from}&to=${P1.to}&cmp_from=${P2.from}`);
    expect(half.status).toBe(400);
    expect(half.body.error.message).toBe('для сравнения нужны оба параметра: cmp_from и cmp_to (начало и конец периода сравнения)');
    const none = await server.getJson(`/api/metrics/engagement/compare?from=${P1.from}&to=${P1.to}`);
    expect(none.body.error.message).toBe('укажите период сравнения (cmp_from и cmp_to) или дату данных для сравнения (cmp_as_of)');
    const bad = await server.getJson(`/api/metrics/engagement/compare?${Q.replace(P2.to, '2024-02-30')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^период сравнения: cmp_to: такой даты нет в календаре/);
    const reversed = await server.getJson(`/api/metrics/engagement/compare?from=${P1.from}&to=${P1.to}&cmp_from=2024-12-31&cmp_to=2024-01-01`);
    expect(reversed.body.error.message).toBe('период сравнения: конец периода (01.01.2024) раньше его начала (31.12.2024)');
    const quality = await server.getJson(`/api/metrics/data_quality/compare?${Q}`);
    expect(quality.status).toBe(400);
    // The metric's own answer ignores the comparison parameters.
    expect((await server.getJson(`/api/metrics/engagement?${Q}`)).status).toBe(200);
  });
});

describe('the workbook with a comparison period', () => {
  it('adds a sheet per indicator with both periods and the change; «Параметры» names the base period', async () => {
    const res = await server.fetch(`/api/export.xlsx?${Q}&metrics=engagement,data_quality`);
    expect(res.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Параметры', 'Вовлечённость', 'Качество данных', 'Сравн. Вовлечённость']);
    const params = wb.getWorksheet('Параметры')!;
    const base = params.getColumn(1).values.findIndex((v) => v === 'Период сравнения');
    expect(String(params.getRow(base).getCell(2).value)).toMatch(/^с 01\.01\.2024 по 31\.12\.2024/);
    const ws = wb.getWorksheet('Сравн. Вовлечённость')!;
    const head = (ws.getRow(1).values as unknown[]).slice(1);
    expect(head.slice(0, 6)).toEqual([
      'Код организации',
      'Организация',
      'Тип',
      'Педагогов на конец периода, чел.: 01.01.2024–31.12.2024',
      'Педагогов на конец периода, чел.: 01.09.2023–31.08.2024',
      'Педагогов на конец периода: изменение, чел.',
    ]);
    expect(head.slice(-3)).toEqual(['Доля вовлечённых, %: 01.01.2024–31.12.2024', 'Доля вовлечённых, %: 01.09.2023–31.08.2024', 'Доля вовлечённых: изменение, п.п.']);
    // The total row: teachers 34 → 33 (−1); share 21/34 → 22/33, change in percentage points.
    const total = (ws.getRow(5).values as unknown[]).slice(1);
    expect(total[0]).toBe('Итого');
    expect(total.slice(3, 6)).toEqual([34, 33, -1]);
    expect(total.at(-3)).toBeCloseTo(21 / 34, 11);
    expect(total.at(-1)).toBeCloseTo((22 / 33 - 21 / 34) * 100, 9);
    // ДОУ-5's share: 0.7 → 0.6 is −10 percentage points.
    expect((ws.getRow(3).values as unknown[]).at(-1)).toBe(-10);
  });
});

describe('compareRows', () => {
  it('joins rows by organization and keys; a breakdown’s row of one period only counts 0 in the other', () => {
    const decl = {
      keys: [{ name: 'form', title: 'Форма', unit: 'текст', kind: 'key' }],
      columns: [{ name: 'pairs', title: 'Пар', unit: 'шт.', kind: 'count' }, { name: 'note', title: 'Примечание', unit: 'текст', kind: 'text' }],
    } as const;
    const current = [
      { org: 'А', org_name: 'Школа А', org_type: 'Школа', form: 'Групповая', pairs: 3, note: 'x' },
      { org: null, org_name: null, org_type: null, form: 'Групповая', pairs: 3 },
    ];
    const base = [
      { org: 'А', org_name: 'Школа А', org_type: 'Школа', form: 'Групповая', pairs: 1 },
      { org: 'А', org_name: 'Школа А', org_type: 'Школа', form: 'Виртуальная', pairs: 2 },
      { org: null, org_name: null, org_type: null, form: 'Групповая', pairs: 1 },
    ];
    expect(compareRows(decl, current, base)).toEqual([
      { org: 'А', org_name: 'Школа А', org_type: 'Школа', keys: { form: 'Групповая' }, values: { pairs: { base: 1, current: 3, delta: 2 } } },
      { org: null, org_name: null, org_type: null, keys: { form: 'Групповая' }, values: { pairs: { base: 1, current: 3, delta: 2 } } },
      // No «Виртуальная» pair in the current period: 0, a change of −2 (it was null and «—»: an outside review).
      { org: 'А', org_name: 'Школа А', org_type: 'Школа', keys: { form: 'Виртуальная' }, values: { pairs: { base: 2, current: 0, delta: -2 } } },
    ]);
    // A metric without keys: an organization's row missing in a period (not in the registry then) stays null.
    const plain = { keys: [], columns: [{ name: 'teachers', title: 'Педагогов', unit: 'чел.', kind: 'count' }, { name: 'rate', title: 'Доля', unit: 'доля', kind: 'ratio' }] } as const;
    expect(compareRows(plain, [{ org: 'Б', org_name: 'Школа Б', org_type: 'Школа', teachers: 4, rate: 0.5 }], [])).toEqual([
      { org: 'Б', org_name: 'Школа Б', org_type: 'Школа', keys: {}, values: { teachers: { base: null, current: 4, delta: null }, rate: { base: null, current: 0.5, delta: null } } },
    ]);
    // A breakdown's share stays null where its row is missing (no pairs: no share of them).
    const shares = { keys: [{ name: 'form', title: 'Форма', unit: 'текст', kind: 'key' }], columns: [{ name: 'pairs', title: 'Пар', unit: 'шт.', kind: 'count' }, { name: 'share', title: 'Доля', unit: 'доля', kind: 'ratio' }] } as const;
    expect(compareRows(shares, [], [{ org: null, org_name: null, org_type: null, form: 'Групповая', pairs: 2, share: 0.4 }])[0]!.values).toEqual({
      pairs: { base: 2, current: 0, delta: -2 },
      share: { base: 0.4, current: null, delta: null },
    });
  });
});
