/** The Russian plural (shared/plural.ts): one rule for the server's messages and the client's labels. */
import { describe, expect, it } from 'vitest';
import { plural as clientPlural } from '../../client/format.ts';
import { countOf, plural } from '../../server/contract/index.ts';

const FORMS = ['строка', 'строки', 'строк'] as const;

describe('plural', () => {
  it('picks the form by the last two digits', () => {
    // 1, 21, 101, 1001 end in 1 (not 11): «строка»; 2–4, 22–24, 102: «строки»; 0, 5–20, 25, 111–114: «строк».
    const cases: [number, string][] = [
      [0, 'строк'], [1, 'строка'], [2, 'строки'], [4, 'строки'], [5, 'строк'], [11, 'строк'], [12, 'строк'],
      [14, 'строк'], [20, 'строк'], [21, 'строка'], [22, 'строки'], [25, 'строк'], [101, 'строка'], [102, 'строки'],
      [111, 'строк'], [112, 'строк'], [114, 'строк'], [1001, 'строка'], [-1, 'строка'], [-12, 'строк'],
    ];
    for (const [n, want] of cases) {
      expect(plural(n, ...FORMS), String(n)).toBe(want);
      expect(clientPlural(n, FORMS), `client ${n}`).toBe(want);
    }
  });

  it('countOf groups digits the Russian way', () => {
    expect(countOf(1234, ...FORMS)).toBe(`${(1234).toLocaleString('ru-RU')} строки`);
    expect(countOf(21, ...FORMS)).toBe('21 строка');
  });
});
