/** Person references: the closest names suggested when a reference does not match (docs/spec/CONTRACT.md section 3); to another organization, one sure name at most. */
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
    // One word alone is no name to guess from: the nearest in spelling are listed, not guessed
    // (the contract: an unmatched reference names the closest existing names).
    const one = school.find('Олеговна');
    expect(!one.ok && one.problem).toBe(
      'нет такого педагога на листе «Педагоги» организации СОШ-1; ближайшие по написанию ФИО там: «Сидорова Вера Олеговна», «Иванова Анна Петровна», «Иванов Андрей Павлович» — проверьте, кого имели в виду, и напишите ФИО так же, как там',
    );
  });

  it('say that an e-mail is no ФИО: a person chip shows one (it said «нет такого педагога» only: an acceptance run)', () => {
    const r = school.find('ivanova.ap@school1.ru');
    expect(!r.ok && r.problem).toBe(
      'в ячейке адрес почты, а не ФИО (так выглядит чип пользователя Google); впишите ФИО педагога текстом, как на листе «Педагоги» организации СОШ-1',
    );
    // Another organization's sheet gets the same words (nothing of its staff in them).
    const other = school.find('ivanova.ap@school1.ru', false);
    expect(!other.ok && other.problem).toBe(!r.ok && r.problem);
  });
  it('suggest the double surname a teacher took for the name the other sheets still say (no suggestion was made: an acceptance run)', () => {
    const renamed = new OrgPeople('СОШ-1', [{ key: 'fio:никитина-петрова раиса юрьевна', fio: 'Никитина-Петрова Раиса Юрьевна', code: null }]);
    // «Никитина Раиса Юрьевна»: 8 letters off, but every word of it is a word of the new name.
    const old = renamed.find('Никитина Раиса Юрьевна');
    expect(!old.ok && old.problem).toBe('нет такого педагога на листе «Педагоги» организации СОШ-1; возможно, имелся в виду: «Никитина-Петрова Раиса Юрьевна»');
  });
});

describe('a name typed for another organization (`find` without hints)', () => {
  const problem = (people: OrgPeople, name: string) => {
    const r = people.find(name, false);
    return r.ok ? 'найден' : r.problem;
  };
  const none = 'нет такого педагога на листе «Педагоги» организации СОШ-1; проверьте ФИО — полностью, как в таблице организации СОШ-1';
  const meant = (fio: string) => `нет такого педагога на листе «Педагоги» организации СОШ-1; возможно, имелся в виду «${fio} (СОШ-1)»`;

  it('names the one teacher it surely means: a letter or two off, its words in another order, its initials', () => {
    expect(problem(school, 'Сидорова Вера Олегвна')).toBe(meant('Сидорова Вера Олеговна')); // one letter missing
    expect(problem(school, 'Сидорва Вера Олегвна')).toBe(meant('Сидорова Вера Олеговна')); // two
    expect(problem(school, 'Вера Олеговна Сидорова')).toBe(meant('Сидорова Вера Олеговна'));
    expect(problem(school, 'Сидорова В. О.')).toBe(meant('Сидорова Вера Олеговна'));
    // One letter off «Иванов Андрей Павлович»; «Иванова Анна Петровна» shares its surname and
    // initials but is a full name typed, not initials: not a sure match.
    expect(problem(school, 'Иванова Андрей Павлович')).toBe(meant('Иванов Андрей Павлович'));
  });

  it('names nobody when no teacher is that near, or when two are (no list of its staff)', () => {
    expect(problem(school, 'Смирнова Ольга Ивановна')).toBe(none);
    expect(problem(school, 'Сидрва Вера Олгвна')).toBe(none); // four letters off
    // «Ална» is one letter off both «Анна» and «Алла».
    const two = new OrgPeople('СОШ-1', [
      { key: 'fio:петрова анна ивановна', fio: 'Петрова Анна Ивановна', code: null },
      { key: 'fio:петрова алла ивановна', fio: 'Петрова Алла Ивановна', code: null },
    ]);
    expect(problem(two, 'Петрова Ална Ивановна')).toBe(none);
  });
});
