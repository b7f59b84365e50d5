/**
 * The registry's «E-mail ответственного» (issue #21) never stops an organization's sync: a
 * formula error, a cell far too long or words without an address are warnings of its row, and
 * the organization is listed as usual with the addresses that are addresses.
 */
import { describe, expect, it } from 'vitest';
import { parseRegistry } from '../../server/sync/registry.ts';

const HEADER = ['Код', 'Наименование', 'Тип', 'Таблица', 'Куратор', 'Активна', 'E-mail ответственного'];
const row = (code: string, contact: string) => [code, `Школа ${code}`, 'Школа', code, '', 'Да', contact];

describe('registry addresses', () => {
  it('are warnings, never errors: every organization is still listed', () => {
    // 30 addresses of 24 characters («zam00@school1.example.ru») and «, » between: 30 × 24 + 29 × 2 = 778 characters, over any text limit.
    const many = Array.from({ length: 30 }, (_, i) => `zam${String(i).padStart(2, '0')}@school1.example.ru`).join(', ');
    expect(many.length).toBe(778);
    const res = parseRegistry({
      title: 'Организации',
      grid: [HEADER, row('СОШ-1', '#N/A'), row('СОШ-2', many), row('СОШ-3', 'Иванова А. П. <Zavuch@School3.ru>'), row('СОШ-4', 'директор')],
    });
    expect(res.fatal).toBeNull();
    expect(res.brokenCodes).toEqual([]);
    expect(res.entries.map((e) => [e.code, e.contacts.length])).toEqual([
      ['СОШ-1', 0],
      ['СОШ-2', 30],
      ['СОШ-3', 1],
      ['СОШ-4', 0],
    ]);
    expect(res.entries[2]!.contacts).toEqual(['zavuch@school3.ru']);
    // A flood of wrong words with «@» is named five at a time, the rest counted.
    const flood = parseRegistry({ title: 'Организации', grid: [HEADER, row('СОШ-5', Array.from({ length: 12 }, (_, i) => `x${i}@`).join(' '))] });
    expect(flood.issues.find((i) => i.level === 'warning')?.problem).toBe(
      '«x0@», «x1@», «x2@», «x3@», «x4@» и ещё 7 — не адрес электронной почты (пример: zavuch@school1.ru); напоминания на них не отправляются',
    );
    expect(res.issues.filter((i) => i.level !== 'notice').map((i) => [i.level, i.org, i.row, i.column, i.value])).toEqual([
      ['warning', 'СОШ-1', 2, 'E-mail ответственного', '#N/A'],
      ['warning', 'СОШ-4', 5, 'E-mail ответственного', 'директор'],
    ]);
  });

  it('a code repeated on thousands of rows: each finding lists ten rows and counts the rest', () => {
    // 3,000 copies of a row made each of 3,001 findings list every row (17,000 characters each).
    // Rows 2…13: twelve organizations under the code СОШ-1 (each its own table: not copies of one
    // row, which are read once) → rows 2…11 listed, «и ещё 2 (всего 12)».
    const res = parseRegistry({ title: 'Организации', grid: [HEADER, ...Array.from({ length: 12 }, (_, i) => ['СОШ-1', `Школа № ${i + 1}`, 'Школа', `sheet${i + 1}`, '', 'Да', ''])] });
    expect(res.entries).toEqual([]);
    expect(res.issues.filter((i) => i.level === 'error').map((i) => i.problem)).toEqual(
      Array(12).fill('код «СОШ-1» повторяется в строках 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 и ещё 2 (всего 12); у каждой организации должен быть свой код — организация не синхронизируется, пока код не станет уникальным'),
    );
  });
});
