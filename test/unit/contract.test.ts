/** The one declaration: the docs page, the DDL and the zod schemas all come from it. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contractMarkdown } from '../../server/contract/docs.ts';
import { ROW_PARSERS, TABS, tabDecl } from '../../server/contract/index.ts';
import { tableDdl } from '../../server/db/schema.ts';

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

  it('derives the row parser: typed values, Russian problems per column', () => {
    const ok = ROW_PARSERS.courses({ person: 'Иванова А. П.', program: 'ИКТ', hours: '1 024', end_date: 45170, mentoring_topic: '+', organizer: null });
    // 45170 = days since 30.12.1899 (Sheets serial) → 01.09.2023; '1 024' with a space → 1024; '+' → yes.
    expect(ok.success && ok.data).toEqual({
      person: { text: 'Иванова А. П.', name: 'Иванова А. П.', orgHint: null },
      program: 'ИКТ',
      hours: 1024,
      end_date: '2023-09-01',
      mentoring_topic: true,
      organizer: null,
    });
    const bad = ROW_PARSERS.courses({ person: '', program: 'ИКТ', hours: 'много', end_date: '#REF!', mentoring_topic: null, organizer: null });
    expect(bad.success).toBe(false);
    if (bad.success) return;
    expect(bad.error.issues.map((i) => [i.path[0], i.message])).toEqual([
      ['person', 'обязательное поле не заполнено; ожидается ФИО педагога с листа «Педагоги»'],
      ['hours', 'это не число; ожидается целое число от 1 до 2000'],
      ['end_date', 'в ячейке ошибка формулы — исправьте формулу или введите значение'],
    ]);
  });
});
