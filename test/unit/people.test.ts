/** Person references: the closest names suggested when a reference does not match (docs/spec/CONTRACT.md section 3). */
import { describe, expect, it } from 'vitest';
import { OrgPeople } from '../../server/sync/people.ts';

const school = new OrgPeople('СОШ-1', [
  { key: 'fio:иванова анна петровна', fio: 'Иванова Анна Петровна', code: null },
  { key: 'fio:иванов андрей павлович', fio: 'Иванов Андрей Павлович', code: null },
  { key: 'fio:сидорова вера олеговна', fio: 'Сидорова Вера Олеговна', code: null },
]);

describe('person references', () => {
  it('match by the normalized ФИО (case, ё/е, spaces)', () => {
    const r = school.find('  иванова   АННА петровна ');
    expect(r.ok && r.person.fio).toBe('Иванова Анна Петровна');
  });
  it('suggest a name with one typo', () => {
    const r = school.find('Сидорва Вера Олеговна');
    expect(!r.ok && r.problem).toBe(
      'нет такого педагога на листе «Педагоги» организации СОШ-1; возможно, имелся в виду: «Сидорова Вера Олеговна»',
    );
  });
  it('suggest the full name for initials, but never guess it', () => {
    // «Иванова А.П.» is not the same text as «Иванова Анна Петровна»: an error, with the one
    // name whose initials agree suggested (not «Иванов Андрей Павлович»: another surname).
    const r = school.find('Иванова А.П.');
    expect(!r.ok && r.problem).toBe(
      'нет такого педагога на листе «Педагоги» организации СОШ-1; возможно, имелся в виду: «Иванова Анна Петровна»',
    );
  });
  it('suggest the name for another word order and for a name without the patronymic (no suggestion was made: an acceptance run)', () => {
    // Name first: the same three words.
    const order = school.find('Вера Олеговна Сидорова');
    expect(!order.ok && order.problem).toBe('нет такого педагога на листе «Педагоги» организации СОШ-1; возможно, имелся в виду: «Сидорова Вера Олеговна»');
    // Surname and name, «ё» for «е»: every word typed is a word of one name (not of «Иванов Андрей Павлович»).
    const short = school.find('Сидорова Вёра');
    expect(!short.ok && short.problem).toBe('нет такого педагога на листе «Педагоги» организации СОШ-1; возможно, имелся в виду: «Сидорова Вера Олеговна»');
    // One word alone is no name to guess from.
    const one = school.find('Олеговна');
    expect(!one.ok && one.problem).toBe('нет такого педагога на листе «Педагоги» организации СОШ-1');
  });
});
