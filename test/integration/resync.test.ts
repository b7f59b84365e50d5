/**
 * Nothing is lost: a broken organization keeps its previous rows while the others load; a bad
 * row goes to quarantine whole, with its raw values and a Russian message naming organization,
 * tab, row, column and value.
 */
import { appendFileSync, cpSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFolderSource } from '../../server/sources/folder.ts';
import { runSync } from '../../server/sync/run.ts';
import { openTempDb, type TempDb } from '../support/server.ts';

const FIXTURE = new URL('../fixtures/two-orgs/', import.meta.url).pathname;

let tmp: TempDb;
let dir: string;

beforeEach(async () => {
  tmp = await openTempDb();
  dir = mkdtempSync(join(tmpdir(), 'monitor-src-'));
  cpSync(FIXTURE, dir, { recursive: true });
});
afterEach(() => {
  tmp.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const sync = (full = false) => runSync({ db: tmp.db, source: createFolderSource(dir), trigger: 'test', full });
const count = async (sql: string, params: Record<string, string> = {}) =>
  Number((await tmp.db.query(sql, params))[0]!.n);

describe('re-sync', () => {
  it('keeps a broken organization’s previous rows and still loads the others', async () => {
    await sync();
    expect(await count(`SELECT count(*) n FROM teachers WHERE org = 'ДОУ-1'`)).toBe(10);

    // ДОУ-1 renames its teachers tab; СОШ-1 adds a teacher (row 15 of its sheet).
    renameSync(join(dir, 'ДОУ-1', 'Педагоги.csv'), join(dir, 'ДОУ-1', 'Сотрудники.csv'));
    appendFileSync(join(dir, 'СОШ-1', 'Педагоги.csv'), 'Григорьева Юлия Антоновна;учитель;география;01.02.2024;;3;;Первая;;\n');
    const second = await sync();

    expect(second.status).toBe('ok');
    expect(await count(`SELECT count(*) n FROM teachers WHERE org = 'СОШ-1'`)).toBe(12);
    // The teachers of ДОУ-1 are those of the first load; its other tabs still reloaded.
    expect(await count(`SELECT count(*) n FROM teachers WHERE org = 'ДОУ-1'`)).toBe(10);
    expect(await count(`SELECT count(*) n FROM pairs WHERE org = 'ДОУ-1'`)).toBe(5);
    const [issue] = await tmp.db.query(`SELECT message FROM issues WHERE org = 'ДОУ-1' AND level = 'error'`);
    expect(issue!.message).toBe(
      'ДОУ-1, лист «Педагоги»: нет обязательного листа «Педагоги» (листы в таблице: «Аттестация», «Наставнические пары», «Повышение квалификации», «Программы наставничества», «Сотрудники»); добавьте лист «Педагоги» (как в шаблоне) или, если он переименован, верните ему это название',
    );
  });

  it('marks an unreadable organization stale and keeps its data', async () => {
    await sync();
    rmSync(join(dir, 'ДОУ-1'), { recursive: true });
    const second = await sync();
    expect(second.status).toBe('partial');
    expect(second.totals).toMatchObject({ ok: 0, unchanged: 1, failed: 1 });
    const [state] = await tmp.db.query(`SELECT stale, last_status, last_message FROM org_state WHERE org = 'ДОУ-1'`);
    expect(state).toEqual({
      stale: true,
      last_status: 'failed',
      last_message: 'таблица организации ДОУ-1 не найдена: в папке нет «ДОУ-1» (ни .xlsx, ни папки с .csv)',
    });
    expect(await count(`SELECT count(*) n FROM teachers WHERE org = 'ДОУ-1'`)).toBe(10);
    // СОШ-1 did not change: skipped by its content hash, nothing re-read.
    expect(second.orgs.find((o) => o.org === 'СОШ-1')?.status).toBe('unchanged');
  });

  it('quarantines a bad row whole, with raw values and a precise Russian message', async () => {
    // Row 15 of СОШ-1's teachers: an impossible date and a category that does not exist.
    appendFileSync(join(dir, 'СОШ-1', 'Педагоги.csv'), 'Григорьева Юлия Антоновна;учитель;география;31.02.2024;;3;;вторая;;\n');
    // Row 9 of its pairs: a mentee that is not in `Педагоги` (a typo of «Сидорова Вера Олеговна»).
    appendFileSync(
      join(dir, 'СОШ-1', 'Наставнические пары.csv'),
      'Иванова Анна Петровна;Сидорва Вера Олеговна;Групповая;Предметное содержание;01.10.2023;;;Действует\n',
    );
    const s = await sync();
    expect(s.totals.rowsQuarantined).toBe(2);
    const rows = await tmp.db.query(`SELECT tab, row_no, raw, messages FROM quarantine WHERE org = 'СОШ-1' ORDER BY tab, row_no`);
    expect(rows).toHaveLength(2);
    const pairRow = rows.find((r) => r.tab === 'Наставнические пары')!;
    expect(pairRow.row_no).toBe(9);
    expect(JSON.parse(String(pairRow.raw))).toMatchObject({ Наставник: 'Иванова Анна Петровна', Наставляемый: 'Сидорва Вера Олеговна' });
    expect(pairRow.messages).toBe(
      'СОШ-1, лист «Наставнические пары», строка 9, столбец «Наставляемый»: значение «Сидорва Вера Олеговна» — нет такого педагога на листе «Педагоги» организации СОШ-1; возможно, имелся в виду: «Сидорова Вера Олеговна»',
    );
    const teacherRow = rows.find((r) => r.tab === 'Педагоги')!;
    expect(teacherRow.row_no).toBe(15); // 2 title rows + header on row 3 + 11 teachers = row 14; the new one is 15
    expect(JSON.parse(String(teacherRow.raw))).toMatchObject({ ФИО: 'Григорьева Юлия Антоновна', 'Дата приёма': '31.02.2024', Категория: 'вторая' });
    expect(String(teacherRow.messages).split('\n')).toEqual([
      'СОШ-1, лист «Педагоги», строка 15, столбец «Дата приёма»: значение «31.02.2024» — такой даты нет в календаре; ожидается дата в виде дд.мм.гггг (например, 01.09.2023) или гггг-мм-дд',
      'СОШ-1, лист «Педагоги», строка 15, столбец «Категория»: значение «вторая» — неизвестное значение; допустимые: «Без категории», «Соответствие занимаемой должности», «Первая», «Высшая», «Педагог-методист», «Педагог-наставник»',
    ]);
    // Never half-loaded: the rejected teacher is not in the table, the good rows are.
    expect(await count(`SELECT count(*) n FROM teachers WHERE org = 'СОШ-1'`)).toBe(11);
    expect(await count(`SELECT count(*) n FROM teachers WHERE fio = 'Григорьева Юлия Антоновна'`)).toBe(0);
    expect(await count(`SELECT count(*) n FROM pairs WHERE org = 'СОШ-1'`)).toBe(7);
    // The notice about the title rows above the header is reported once.
    const notices = await tmp.db.query(`SELECT problem FROM issues WHERE org = 'СОШ-1' AND level = 'notice'`);
    expect(notices.map((n) => n.problem)).toContain('строки 1–2 над заголовками пропущены; заголовки найдены в строке 3');
  });

  it('reports a broken registry row and skips only that organization', async () => {
    await sync();
    writeFileSync(
      join(dir, 'registry.csv'),
      [
        'Код;Наименование;Тип;Таблица;Куратор;Активна',
        'СОШ-1;МОУ «Средняя общеобразовательная школа № 1»;Школа;СОШ-1;;Да',
        'ДОУ-1;МДОУ «Детский сад № 1 «Ромашка»»;Ясли;ДОУ-1;;',
      ].join('\n'),
    );
    const s = await sync(true);
    expect(s.totals.ok).toBe(1);
    const [i] = await tmp.db.query(`SELECT message FROM issues WHERE scope = 'registry' AND level = 'error'`);
    expect(i!.message).toBe(
      'ДОУ-1, лист «Организации», строка 3, столбец «Тип»: значение «Ясли» — неизвестное значение; допустимые: «Школа», «Детский сад», «Дополнительное образование», «Другое»',
    );
    // ДОУ-1 keeps its data and is marked stale.
    expect(await count(`SELECT count(*) n FROM teachers WHERE org = 'ДОУ-1'`)).toBe(10);
    const [state] = await tmp.db.query(`SELECT stale FROM org_state WHERE org = 'ДОУ-1'`);
    expect(state!.stale).toBe(true);
  });
});
