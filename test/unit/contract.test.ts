/** The one declaration: the docs page, the DDL and the zod schemas all come from it. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contractMarkdown } from '../../server/contract/docs.ts';
import { ROW_PARSERS, ROW_SCHEMAS, TABS, tabDecl } from '../../server/contract/index.ts';
import { tableDdl } from '../../server/schema.ts';

describe('contract declaration', () => {
  it('docs/contract.md is generated from it and current (run `npm run docs` after a change)', () => {
    const committed = readFileSync(new URL('../../docs/contract.md', import.meta.url), 'utf8');
    expect(committed).toBe(contractMarkdown());
  });

  it('declares every tab of docs/spec/CONTRACT.md with its required flag', () => {
    expect(TABS.map((t) => [t.title, t.required])).toEqual([
      ['Педагоги', true],
      ['Наставнические пары', true],
      ['Программы наставничества', true],
      ['Повышение квалификации', true],
      ['Аттестация', true],
      ['Исполнение распоряжения', false],
      ['Лучшие практики', false],
      ['Мероприятия', false],
    ]);
  });

  it('derives the DuckDB table of a tab, person references resolved into org and key', () => {
    expect(tableDdl(tabDecl('courses'))).toBe(
      [
        'CREATE TABLE IF NOT EXISTS "courses" (',
        '  "org" VARCHAR NOT NULL,',
        '  "row_no" INTEGER NOT NULL,',
        '  "run_id" INTEGER NOT NULL,',
        '  "person" VARCHAR,',
        '  "person_org" VARCHAR,',
        '  "person_key" VARCHAR,',
        '  "program" VARCHAR,',
        '  "hours" INTEGER,',
        '  "end_date" DATE,',
        '  "mentoring_topic" BOOLEAN,',
        '  "organizer" VARCHAR',
        ')',
      ].join('\n'),
    );
  });

  it('derives the zod row schema: typed values, Russian issues per column', () => {
    const ok = ROW_SCHEMAS.courses.safeParse({ person: 'Иванова А. П.', program: 'ИКТ', hours: '1 024', end_date: 45170, mentoring_topic: '+', organizer: null });
    expect(ok.success && ok.data).toEqual({
      person: { text: 'Иванова А. П.', name: 'Иванова А. П.', orgHint: null },
      program: 'ИКТ',
      hours: 1024,
      end_date: '2023-09-01',
      mentoring_topic: true,
      organizer: null,
    });
    const bad = ROW_SCHEMAS.courses.safeParse({ person: '', program: 'ИКТ', hours: 'много', end_date: '#REF!', mentoring_topic: null, organizer: null });
    expect(bad.success).toBe(false);
    if (bad.success) return;
    expect(bad.error.issues.map((i) => [i.path[0], i.message])).toEqual([
      ['person', 'обязательное поле не заполнено; ожидается ФИО педагога с листа «Педагоги»'],
      ['hours', 'это не число; ожидается целое число от 1 до 2000'],
      ['end_date', 'в ячейке ошибка формулы — исправьте формулу или введите значение'],
    ]);
  });

  it('the fast row parser of the sync gives exactly what the zod schema gives, on every tab', () => {
    // Every column of every tab gets each of these cells: blanks, formula errors, numbers,
    // serial dates, text dates, enum spellings, categories, names with org hints, junk.
    const cells: (string | number | boolean | null)[] = [
      null, '', '  ', '#REF!', '#N/A', 0, 1, 45170, 45170.5, -3, 2001, '1 024', 'много', '01.09.2023', '1.9.23', '2023-09-01',
      '31.02.2024', 'да', 'Нет', '+', true, false, 'первая', 'Высшая категория', 'СЗД', 'б/к', 'очная', 'Очная; дистанционная',
      'педагог – педагог', 'Иванова А. П.', 'Иванова Анна Петровна (СОШ-2)', 'Иванов; Петров', '1.1', 'п. 3.8', 'x'.repeat(300),
    ];
    let compared = 0;
    for (const t of TABS) {
      for (const [i, cell] of cells.entries()) {
        // A row where every column holds this cell, and one where the cells rotate by column.
        const same = Object.fromEntries(t.columns.map((c) => [c.key, cell]));
        const mixed = Object.fromEntries(t.columns.map((c, j) => [c.key, cells[(i + j) % cells.length]!]));
        for (const row of [same, mixed]) {
          const z = ROW_SCHEMAS[t.key].safeParse(row);
          const fast = ROW_PARSERS[t.key](row);
          expect(fast.success).toBe(z.success);
          if (z.success && fast.success) expect(fast.data).toEqual(z.data);
          if (!z.success && !fast.success) {
            expect(fast.error.issues.map((x) => [x.path[0], x.message])).toEqual(z.error.issues.map((x) => [x.path[0], x.message]));
          }
          compared++;
        }
      }
    }
    expect(compared).toBe(TABS.length * cells.length * 2);
  });
});
