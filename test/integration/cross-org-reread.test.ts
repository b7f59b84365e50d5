/**
 * A reference to another organization's teacher («ФИО (КОД-ОО)») is checked against the teachers
 * of this run, whichever sheet changed (docs/spec/CONTRACT.md: «as loaded in the same run»). An unchanged
 * sheet that names an organization whose teachers were read again is read again itself (run.ts
 * `readOrg`, state.ts `storedReferences`); the figures equal those of reading every sheet.
 * Real DuckDB, the real sync, sheets served from memory (unchanged by content hash).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RawTab } from '../../server/sources/types.ts';
import { SourceError } from '../../server/sources/types.ts';
import { rereadFailedNote, rereadNote, runSync } from '../../server/sync/run.ts';
import { createMemorySource, type MemorySource } from '../support/memorySource.ts';
import { openTempDb, type TempDb } from '../support/server.ts';

const TEACHERS = ['ФИО', 'Должность', 'Категория'];
const PAIRS = ['Наставник', 'Наставляемый', 'Форма', 'Направление', 'Дата начала', 'Статус'];
const pair = (mentor: string, mentee: string) => [mentor, mentee, 'Традиционная (один на один)', 'Предметное содержание', '01.09.2023', 'Действует'];
const rest = (): RawTab[] => [
  { title: 'Программы наставничества', grid: [['Наставляемый', 'Наставник', 'Дата утверждения', 'Дата завершения (план)', 'Мероприятий запланировано', 'Мероприятий выполнено', 'Статус']] },
  { title: 'Повышение квалификации', grid: [['ФИО', 'Программа', 'Часов', 'Дата окончания']] },
  { title: 'Аттестация', grid: [['ФИО', 'Дата приказа', 'Присвоена категория']] },
];
const teachers = (...names: string[]): RawTab => ({ title: 'Педагоги', grid: [TEACHERS, ...names.map((n) => [n, 'учитель', 'Первая'])] });

/**
 * ШК-1 names two teachers of ШК-2: Гусева (listed there) and Новикова (not yet). ШК-3 names
 * nobody outside. Sheet ids are the codes.
 */
function municipality() {
  return {
    registry: [
      {
        title: 'Организации',
        grid: [
          ['Код', 'Наименование', 'Тип', 'Таблица'],
          ['ШК-1', 'Школа 1', 'Школа', 'ШК-1'],
          ['ШК-2', 'Школа 2', 'Школа', 'ШК-2'],
          ['ШК-3', 'Школа 3', 'Школа', 'ШК-3'],
        ],
      },
    ],
    sheets: {
      'ШК-1': [
        teachers('Астров Антон Антонович', 'Белов Борис Борисович'),
        { title: 'Наставнические пары', grid: [PAIRS, pair('Гусева Галина Павловна (ШК-2)', 'Астров Антон Антонович'), pair('Новикова Нина Николаевна (ШК-2)', 'Белов Борис Борисович')] },
        ...rest(),
      ],
      'ШК-2': [teachers('Гусева Галина Павловна', 'Орлова Ольга Олеговна'), { title: 'Наставнические пары', grid: [PAIRS] }, ...rest()],
      'ШК-3': [teachers('Жуков Женя Женевич', 'Зуев Захар Захарович'), { title: 'Наставнические пары', grid: [PAIRS, pair('Жуков Женя Женевич', 'Зуев Захар Захарович')] }, ...rest()],
    } as Record<string, RawTab[]>,
  };
}

let tmp: TempDb;
let other: TempDb;
beforeEach(async () => {
  tmp = await openTempDb();
  other = await openTempDb();
});
afterEach(() => {
  tmp.cleanup();
  other.cleanup();
});

const sync = (db: TempDb, source: MemorySource, full = false) => runSync({ db: db.db, source, trigger: 'test', full, now: () => new Date('2024-03-01T08:00:00Z') });
/** ШК-1's pairs loaded (mentor as typed, the organization it resolved to) and its refused rows' findings. */
const state = async (db: TempDb) => ({
  pairs: await db.db.query(`SELECT org, row_no, mentor, mentor_org FROM pairs ORDER BY org, row_no`),
  errors: await db.db.query(`SELECT org, row_no, value, problem FROM issues WHERE level = 'error' ORDER BY org, row_no`),
});

describe('references to another organization', () => {
  it('an unchanged sheet is read again when an organization it names has new teachers — the same rows as reading every sheet', async () => {
    const source = createMemorySource(municipality());
    const first = await sync(tmp, source);
    expect(first.orgs.map((o) => [o.org, o.status])).toEqual([['ШК-1', 'ok'], ['ШК-2', 'ok'], ['ШК-3', 'ok']]);
    // ШК-1: Гусева's pair loaded (row 2), Новикова's refused (row 3: nobody of that name in ШК-2).
    expect((await state(tmp)).pairs.filter((p) => p.org === 'ШК-1')).toEqual([{ org: 'ШК-1', row_no: 2, mentor: 'Гусева Галина Павловна (ШК-2)', mentor_org: 'ШК-2' }]);
    expect((await state(tmp)).errors.map((e) => [e.org, e.row_no, e.value])).toEqual([['ШК-1', 3, 'Новикова Нина Николаевна (ШК-2)']]);

    // ШК-2 replaces Гусева by Новикова; ШК-1 and ШК-3 are not touched.
    source.data.sheets['ШК-2']![0] = teachers('Новикова Нина Николаевна', 'Орлова Ольга Олеговна');
    source.fetched.length = 0;
    const second = await sync(tmp, source);
    // ШК-1 read again (twice asked: unchanged, then read), its note names ШК-2; ШК-3 unchanged, asked once.
    expect(second.orgs.map((o) => [o.org, o.status])).toEqual([['ШК-1', 'ok'], ['ШК-2', 'ok'], ['ШК-3', 'unchanged']]);
    expect(second.orgs[0]!.message).toContain(rereadNote(['ШК-2']));
    expect(rereadNote(['ШК-2'])).toBe('таблица не изменилась, но перечитана: на листе «Педагоги» организации ШК-2 изменения, а её строки ссылаются на педагогов этой организации');
    expect([...source.fetched].sort()).toEqual(['ШК-1', 'ШК-1', 'ШК-2', 'ШК-3']);
    // Now Новикова's pair (row 3) is loaded and Гусева's (row 2) refused — as when every sheet is read.
    const now = await state(tmp);
    expect(now.pairs.filter((p) => p.org === 'ШК-1')).toEqual([{ org: 'ШК-1', row_no: 3, mentor: 'Новикова Нина Николаевна (ШК-2)', mentor_org: 'ШК-2' }]);
    expect(now.errors.map((e) => [e.org, e.row_no, e.value, e.problem])).toEqual([
      ['ШК-1', 2, 'Гусева Галина Павловна (ШК-2)', 'нет такого педагога на листе «Педагоги» организации ШК-2; проверьте ФИО — полностью, как в таблице организации ШК-2'],
    ]);
    const everySheet = await sync(other, createMemorySource(source.data), true);
    expect(everySheet.status).toBe('ok');
    expect(await state(other)).toEqual(now);

    // Nothing changed: nobody read again.
    source.fetched.length = 0;
    const third = await sync(tmp, source);
    expect(third.orgs.map((o) => o.status)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect([...source.fetched].sort()).toEqual(['ШК-1', 'ШК-2', 'ШК-3']);

    // ШК-2 changes another tab only (its teachers as they were): ШК-1 is not read again.
    source.data.sheets['ШК-2']![1] = { title: 'Наставнические пары', grid: [PAIRS, pair('Орлова Ольга Олеговна', 'Новикова Нина Николаевна')] };
    source.fetched.length = 0;
    const fourth = await sync(tmp, source);
    expect(fourth.orgs.map((o) => [o.org, o.status])).toEqual([['ШК-1', 'unchanged'], ['ШК-2', 'ok'], ['ШК-3', 'unchanged']]);
    expect([...source.fetched].sort()).toEqual(['ШК-1', 'ШК-2', 'ШК-3']);
    expect((await state(tmp)).pairs.filter((p) => p.org === 'ШК-1')).toEqual(now.pairs.filter((p) => p.org === 'ШК-1'));
  });

  it('names not found among the teachers of an unchanged sheet are not «сверено с прошлой загрузкой»: those teachers are the sheet’s as it is', async () => {
    const data = municipality();
    // ШК-1's «Аттестация» names somebody its «Педагоги» does not list: refused, its own sheet's finding.
    data.sheets['ШК-1']![4] = { title: 'Аттестация', grid: [['ФИО', 'Дата приказа', 'Присвоена категория'], ['Незнамов Никита Никитич', '01.02.2024', 'Первая']] };
    const source = createMemorySource(data);
    await sync(tmp, source);
    const own = 'нет такого педагога на листе «Педагоги»';
    const problemOf = async (org: string, value: string) =>
      String((await tmp.db.query(`SELECT problem FROM issues WHERE org = $org AND value = $value`, { org, value }))[0]?.problem);
    expect(await problemOf('ШК-1', 'Незнамов Никита Никитич')).toMatch(new RegExp(`^${own}`));
    const first = await problemOf('ШК-1', 'Незнамов Никита Никитич');

    // ШК-2's teachers change: ШК-1, unchanged, is read again — its own teachers as loaded are its
    // sheet's as it is. It was told «сверено с прошлой загрузкой: лист «Педагоги» организации ШК-1 в
    // этой синхронизации не загружен» of the sheet read that very sync (an acceptance run).
    data.sheets['ШК-2']![0] = teachers('Новикова Нина Николаевна', 'Орлова Ольга Олеговна');
    const second = await sync(tmp, source);
    expect(second.orgs[0]!.reread).toBe(rereadNote(['ШК-2']));
    expect(await problemOf('ШК-1', 'Незнамов Никита Никитич')).toBe(first);

    // ШК-3 changes and names a teacher ШК-2 (unchanged now) does not list: no note either.
    data.sheets['ШК-3']![1] = { title: 'Наставнические пары', grid: [PAIRS, pair('Петрова Пелагея Петровна (ШК-2)', 'Зуев Захар Захарович')] };
    const third = await sync(tmp, source);
    expect(third.orgs.map((o) => [o.org, o.status])).toEqual([['ШК-1', 'unchanged'], ['ШК-2', 'unchanged'], ['ШК-3', 'ok']]);
    expect(await problemOf('ШК-3', 'Петрова Пелагея Петровна (ШК-2)')).toBe(
      'нет такого педагога на листе «Педагоги» организации ШК-2; проверьте ФИО — полностью, как в таблице организации ШК-2',
    );
  });

  it('an organization held for a shrinking tab is named as last loaded: its new «Педагоги» loads no more than the rest', async () => {
    // ШК-2 has 12 courses; then it deletes 11 of them (held: more than half, at least 10, gone) and
    // Гусева from «Педагоги». ШК-1 names Гусева of ШК-2: checked against the teachers ШК-2 has
    // stored — its held sheet loads nothing — not against the new list, which refused ШК-1's pair
    // and took it from every figure (an acceptance run).
    const data = municipality();
    const course = (i: number) => ['Гусева Галина Павловна', `Курс ${i}`, '36', '01.02.2024'];
    data.sheets['ШК-2']![3] = { title: 'Повышение квалификации', grid: [['ФИО', 'Программа', 'Часов', 'Дата окончания'], ...Array.from({ length: 12 }, (_, i) => course(i + 1))] };
    const source = createMemorySource(data);
    await sync(tmp, source);
    expect((await state(tmp)).pairs.filter((p) => p.org === 'ШК-1').map((p) => p.row_no)).toEqual([2]);

    data.sheets['ШК-2']![3]!.grid.splice(2);
    data.sheets['ШК-2']![0] = teachers('Орлова Ольга Олеговна');
    // ШК-1 changes too: a teacher added.
    data.sheets['ШК-1']![0] = teachers('Астров Антон Антонович', 'Белов Борис Борисович', 'Волков Виктор Викторович');
    const second = await sync(tmp, source);
    expect(second.orgs.map((o) => [o.org, o.status])).toEqual([['ШК-1', 'ok'], ['ШК-2', 'held'], ['ШК-3', 'unchanged']]);
    // Гусева's pair (row 2) still loads; Новикова's (row 3) is still refused, with the note that ШК-2's sheet did not load.
    const now = await state(tmp);
    expect(now.pairs.filter((p) => p.org === 'ШК-1').map((p) => [p.row_no, p.mentor_org])).toEqual([[2, 'ШК-2']]);
    expect(now.errors.filter((e) => e.org === 'ШК-1').map((e) => [e.row_no, String(e.problem).includes('сверено с прошлой загрузкой: лист «Педагоги» организации ШК-2 в этой синхронизации не загружен')])).toEqual([[3, true]]);
  });

  it('a sheet’s own checks of its pairs against its teachers do not depend on whether the sheets it names were read before it', async () => {
    // ШК-1 names ШК-2's Гусева, and its own Белов leads a pair begun after his dismissal. When
    // ШК-2 had not been read yet, ШК-1's pairs waited for phase 2 without its «Педагоги», and the
    // warning was missing: it came and went with the order of reading (an acceptance run).
    const run = async (slowOrg: string) => {
      const data = municipality();
      data.sheets['ШК-1']![0] = {
        title: 'Педагоги',
        grid: [['ФИО', 'Должность', 'Категория', 'Дата увольнения'], ['Астров Антон Антонович', 'учитель', 'Первая', ''], ['Белов Борис Борисович', 'учитель', 'Первая', '10.01.2024']],
      };
      data.sheets['ШК-1']![1]!.grid.push([...pair('Белов Борис Борисович', 'Астров Антон Антонович').slice(0, 4), '01.02.2024', 'Действует']);
      const source = createMemorySource(data);
      const fetchOrg = source.fetchOrg.bind(source);
      // One organization answers late: ШК-2 (ШК-1 is checked before it is read: phase 2), or ШК-1 (after).
      source.fetchOrg = async (org, ctx) => {
        if (org.code === slowOrg) await new Promise((r) => setTimeout(r, 300));
        return fetchOrg(org, ctx);
      };
      const db = await openTempDb();
      try {
        await sync(db, source);
        return await db.db.query(`SELECT row_no, level, problem FROM issues WHERE org = 'ШК-1' ORDER BY row_no, problem`);
      } finally {
        db.cleanup();
      }
    };
    const deferred = await run('ШК-2');
    const direct = await run('ШК-1');
    expect(deferred).toEqual(direct);
    expect(deferred.filter((i) => i.level === 'warning').map((i) => [i.row_no, i.problem])).toEqual([
      [4, 'наставник уволен 10.01.2024 (лист «Педагоги», строка 3) — раньше начала пары; проверьте дату начала пары или дату увольнения'],
    ]);
  });

  it('a refused reference to an organization new in the registry is checked again once that organization is read', async () => {
    const data = municipality();
    const source = createMemorySource(data);
    // ШК-1 names Лаптева of ДС-4, which the registry does not list yet: refused.
    data.sheets['ШК-1']![1]!.grid.push(pair('Лаптева Лидия Львовна (ДС-4)', 'Астров Антон Антонович'));
    await sync(tmp, source);
    expect((await state(tmp)).errors.map((e) => [e.org, e.row_no, e.value])).toEqual([
      ['ШК-1', 3, 'Новикова Нина Николаевна (ШК-2)'],
      ['ШК-1', 4, 'Лаптева Лидия Львовна (ДС-4)'],
    ]);
    // ДС-4 joins with Лаптева; ШК-1 is not touched: read again, its row 4 loads.
    data.registry[0]!.grid.push(['ДС-4', 'Детский сад 4', 'Детский сад', 'ДС-4']);
    data.sheets['ДС-4'] = [teachers('Лаптева Лидия Львовна'), { title: 'Наставнические пары', grid: [PAIRS] }, ...rest()];
    const second = await sync(tmp, source);
    expect(second.orgs.map((o) => [o.org, o.status])).toEqual([['ШК-1', 'ok'], ['ШК-2', 'unchanged'], ['ШК-3', 'unchanged'], ['ДС-4', 'ok']]);
    expect(second.orgs[0]!.message).toContain(rereadNote(['ДС-4']));
    expect((await state(tmp)).pairs.filter((p) => p.org === 'ШК-1').map((p) => [p.row_no, p.mentor_org])).toEqual([
      [2, 'ШК-2'],
      [4, 'ДС-4'],
    ]);
  });

  it('an unchanged sheet that cannot be read again stays as it was — fresh, said so — and is read in full by the next sync', async () => {
    const source = createMemorySource(municipality());
    await sync(tmp, source);
    source.data.sheets['ШК-2']![0] = teachers('Новикова Нина Николаевна', 'Орлова Ольга Олеговна');
    // Google fails on ШК-1's second read of the run (the one that is not a change check).
    const fetchOrg = source.fetchOrg.bind(source);
    let failing = true;
    source.fetchOrg = async (org, ctx) => {
      if (failing && org.code === 'ШК-1' && ctx.full) throw new SourceError('Google Sheets недоступен: сетевая ошибка (чтение 1 из 1); попробуйте позже', 'unavailable');
      return fetchOrg(org, ctx);
    };
    const second = await sync(tmp, source);
    expect(second.orgs.map((o) => [o.org, o.status])).toEqual([['ШК-1', 'unchanged'], ['ШК-2', 'ok'], ['ШК-3', 'unchanged']]);
    expect(second.orgs[0]!.message).toBe(rereadFailedNote(['ШК-2'], 'Google Sheets недоступен: сетевая ошибка (чтение 1 из 1); попробуйте позже'));
    expect(second.status).toBe('ok');
    // Its rows as they were (Гусева's pair still loaded), not stale; its version forgotten.
    expect((await state(tmp)).pairs.filter((p) => p.org === 'ШК-1').map((p) => p.row_no)).toEqual([2]);
    expect(await tmp.db.query(`SELECT stale, version FROM org_state WHERE org = 'ШК-1'`)).toEqual([{ stale: false, version: null }]);

    // Google answers again; nothing changed since: ШК-1 is read in full, its references checked.
    failing = false;
    const third = await sync(tmp, source);
    expect(third.orgs.map((o) => [o.org, o.status])).toEqual([['ШК-1', 'ok'], ['ШК-2', 'unchanged'], ['ШК-3', 'unchanged']]);
    expect((await state(tmp)).pairs.filter((p) => p.org === 'ШК-1').map((p) => [p.row_no, p.mentor])).toEqual([[3, 'Новикова Нина Николаевна (ШК-2)']]);
  });

  it('counts the requests of both reads of a sheet read again; an organization dropped from the registry has its referrers checked again', async () => {
    const source = createMemorySource(municipality());
    // Every read costs one request here (as a Google read would), so the counts can be checked.
    const fetchOrg = source.fetchOrg.bind(source);
    source.fetchOrg = async (org, ctx) => ({ ...(await fetchOrg(org, ctx)), requests: 1 });
    await sync(tmp, source);
    source.data.sheets['ШК-2']![0] = teachers('Новикова Нина Николаевна', 'Орлова Ольга Олеговна');
    const second = await sync(tmp, source);
    // 4 reads: ШК-1 twice (its change check and the read again), ШК-2 and ШК-3 once each.
    expect(second.orgs.map((o) => [o.org, o.requests])).toEqual([['ШК-1', 2], ['ШК-2', 1], ['ШК-3', 1]]);
    expect(second.totals.requests).toBe(4);
    expect(second.orgs[0]!.reread).toBe(rereadNote(['ШК-2']));

    // ШК-2 leaves the registry; ШК-1 is not touched: read again, its references to ШК-2 refused.
    source.data.registry[0]!.grid = source.data.registry[0]!.grid.filter((r) => r[0] !== 'ШК-2');
    const third = await sync(tmp, source);
    expect(third.orgs.filter((o) => o.org !== 'ШК-2').map((o) => [o.org, o.status])).toEqual([['ШК-1', 'ok'], ['ШК-3', 'unchanged']]);
    expect((await state(tmp)).pairs.filter((p) => p.org === 'ШК-1')).toEqual([]);
    expect((await state(tmp)).errors.filter((e) => e.org === 'ШК-1').map((e) => e.row_no)).toEqual([2, 3]);

    // Listed again (its sheet unchanged): ШК-1 is read again, Новикова's pair (row 3) loads as before.
    source.data.registry[0]!.grid.splice(2, 0, ['ШК-2', 'Школа 2', 'Школа', 'ШК-2']);
    const fourth = await sync(tmp, source);
    expect(fourth.orgs.map((o) => [o.org, o.status])).toEqual([['ШК-1', 'ok'], ['ШК-2', 'unchanged'], ['ШК-3', 'unchanged']]);
    expect((await state(tmp)).pairs.filter((p) => p.org === 'ШК-1').map((p) => p.row_no)).toEqual([3]);
  });
});
