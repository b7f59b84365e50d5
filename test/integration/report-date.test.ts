/**
 * Item 4 of the order: a school reports on item 3 to the coordinator (due 06.03.2023). The
 * report date `compliance.report_date` is the day of the first sync whose «Исполнение
 * распоряжения» holds at least one filled «Дата исполнения» — not the first sync of a template
 * that only lists the items (issue #20, part 6).
 *
 * Base municipality (test/fixtures/bad/base.ts): СОШ-1 has the tab with two dated rows; ДОУ-1 has
 * no tab. Three syncs, a day apart:
 *   sync 1, 10.03.2023: СОШ-1 dated (3.1 27.02.2023, 3.4 10.03.2023); ДОУ-1 gets the template —
 *           items 3.1, 3.3, 3.4 with no date                     → СОШ-1 10.03.2023, ДОУ-1 none
 *   sync 2, 11.03.2023: ДОУ-1 still the template; a document added to 3.1, still no date
 *                                                                 → ДОУ-1 none
 *   sync 3, 12.03.2023: ДОУ-1 fills 3.1 with 28.02.2023           → ДОУ-1 12.03.2023
 *   sync 4, 13.03.2023: ДОУ-1 clears the date again; СОШ-1 edits a row → both keep their first
 *           report date (10.03.2023 and 12.03.2023): a report once made stays made.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseParams, runMetric } from '../../server/metrics/metrics.ts';
import { runSync } from '../../server/sync/run.ts';
import { baseMunicipality, setCell, setGrid } from '../fixtures/bad/base.ts';
import { createMemorySource, type MemorySource } from '../support/memorySource.ts';
import { openTempDb, type TempDb } from '../support/server.ts';

const HEADER = ['Пункт', 'Дата исполнения', 'Документ'];

let tmp: TempDb;
let source: MemorySource;
const m = baseMunicipality();

async function reportDates(): Promise<Record<string, string | null>> {
  const { rows } = await runMetric(tmp.db, 'compliance', parseParams({ from: '2022-09-01', to: '2023-08-31' }, new Date('2023-03-20T00:00:00Z')));
  return Object.fromEntries(rows.filter((r) => r.org !== null && r.item === null).map((r) => [String(r.org), (r.report_date as string | null) ?? null]));
}

async function syncOn(day: string): Promise<void> {
  const s = await runSync({ db: tmp.db, source, trigger: 'test', now: () => new Date(`${day}T09:00:00Z`) });
  expect(s.status).toBe('ok');
}

beforeAll(async () => {
  tmp = await openTempDb();
  setGrid(m, 'ДОУ-1', 'Исполнение распоряжения', [HEADER, ['3.1', '', ''], ['3.3', '', ''], ['3.4', '', '']]);
  source = createMemorySource(m);
});
afterAll(() => tmp?.cleanup());

describe('report date of item 4', () => {
  it('is the first sync with a filled «Дата исполнения», never the first sync of an empty template', async () => {
    await syncOn('2023-03-10');
    expect(await reportDates()).toEqual({ 'СОШ-1': '2023-03-10', 'ДОУ-1': null });

    setCell(m, 'ДОУ-1', 'Исполнение распоряжения', 2, 'Документ', 'Приказ № 3 (проект)');
    await syncOn('2023-03-11');
    expect(await reportDates()).toEqual({ 'СОШ-1': '2023-03-10', 'ДОУ-1': null });

    setCell(m, 'ДОУ-1', 'Исполнение распоряжения', 2, 'Дата исполнения', '28.02.2023');
    await syncOn('2023-03-12');
    expect(await reportDates()).toEqual({ 'СОШ-1': '2023-03-10', 'ДОУ-1': '2023-03-12' });

    setCell(m, 'ДОУ-1', 'Исполнение распоряжения', 2, 'Дата исполнения', '');
    setCell(m, 'СОШ-1', 'Исполнение распоряжения', 3, 'Документ', 'Приказ № 15 от 10.03.2023 (с изменениями)');
    await syncOn('2023-03-13');
    expect(await reportDates()).toEqual({ 'СОШ-1': '2023-03-10', 'ДОУ-1': '2023-03-12' });
  });
});
