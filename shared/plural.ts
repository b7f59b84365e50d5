/**
 * The Russian plural, once for the server and the client (the only code both import: pure,
 * no Node and no DOM).
 */

/** The form of a noun for a count: 1 строка, 2 строки, 5 строк, 21 строка, 11 строк, 112 строк. */
export function plural(n: number, one: string, few: string, many: string): string {
  const m100 = Math.abs(n) % 100;
  const m10 = m100 % 10;
  if (m10 === 1 && m100 !== 11) return one;
  if (m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14)) return few;
  return many;
}
