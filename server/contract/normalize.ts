/**
 * Text normalization shared by every tolerant match of the contract (tab titles, headers,
 * enum values, categories, organization codes) and by person identity.
 */

import { plural } from '../../shared/plural.ts';

/**
 * A bounded memo of a pure function (its results never undefined, never changed by callers):
 * the sync applies these to every cell of a region (~260,000 rows), where the same values
 * recur (enum values, dates, names of the same teachers); forgotten wholesale when full, so it
 * never grows with the input.
 */
export function memo<K, V>(fn: (k: K) => V, max = 10_000): (k: K) => V {
  let cache = new Map<K, V>();
  return (k) => {
    let out = cache.get(k);
    if (out === undefined) {
      out = fn(k);
      if (cache.size >= max) cache = new Map();
      cache.set(k, out);
    }
    return out;
  };
}

/**
 * Characters that show nothing: soft hyphen, zero-width space and joiners, word joiner, BOM,
 * and the marks and overrides of writing direction (LRM, RLM, ALM, LRE…RLO, LRI…PDI). Pasted
 * from Word or a web page they make «Петров» and «Петров\u200b» two people, and a date that
 * looks right «not a date»; a direction override shows a name or a code reversed on the
 * dashboard and in exports («\u202e1-ШОС» is drawn as «СОШ-1»). Russian text has no use for any of
 * them: text is read without them.
 */
/** Their character class (the body of `[…]`): one list for every pattern that reads past them. */
export const INVISIBLE_CLASS = '\\u00ad\\u061c\\u200b-\\u200f\\u202a-\\u202e\\u2060\\u2066-\\u2069\\ufeff';
export const INVISIBLE = new RegExp(`[${INVISIBLE_CLASS}]`, 'g');

const INVISIBLE_NAMES: Record<string, string> = {
  '\u00ad': 'мягкий перенос',
  '\u200b': 'пробел нулевой ширины',
  '\u200c': 'разделитель нулевой ширины',
  '\u200d': 'соединитель нулевой ширины',
  '\u2060': 'неразрывный соединитель',
  '\u200e': 'знак направления письма слева направо',
  '\u200f': 'знак направления письма справа налево',
  '\u061c': 'арабский знак направления письма',
  '\u202a': 'управляющий символ направления письма',
  '\u202b': 'управляющий символ направления письма',
  '\u202c': 'управляющий символ направления письма',
  '\u202d': 'управляющий символ направления письма',
  '\u202e': 'управляющий символ направления письма',
  '\u2066': 'управляющий символ направления письма',
  '\u2067': 'управляющий символ направления письма',
  '\u2068': 'управляющий символ направления письма',
  '\u2069': 'управляющий символ направления письма',
  '\ufeff': 'метка порядка байтов (BOM)',
};

/**
 * What a school should be told about a text it cannot see is odd, or null: the invisible
 * characters in it (read without them), and — in a name (`name`) — Latin letters drawn like
 * Russian ones inside a Russian word (read as the Russian letter). Either is read as the
 * school meant it; the message asks to correct the cell, so that others reading it see it so too.
 */
export function hiddenOddities(text: string, name: boolean): string | null {
  const parts: string[] = [];
  const invisible = [...new Set(text.match(INVISIBLE) ?? [])];
  if (invisible.length) {
    const one = invisible.length === 1;
    parts.push(`в тексте ${one ? 'невидимый символ' : 'невидимые символы'} (${[...new Set(invisible.map((c) => INVISIBLE_NAMES[c]))].join(', ')}): при чтении ${one ? 'он не учитывается; удалите его' : 'они не учитываются; удалите их'}`);
  }
  if (name && /[a-z]/i.test(text) && /[а-яё]/i.test(text)) {
    const words = (tidy(text).match(/\p{L}+/gu) ?? []).filter((w) => /[а-яё]/i.test(w) && /[a-z]/i.test(w));
    if (words.length) {
      const latin = [...new Set(words.join('').match(/[a-z]/gi) ?? [])].map((c) => `«${c}»`).join(', ');
      parts.push(`в ${words.length === 1 ? 'слове' : 'словах'} ${words.map((w) => `«${w}»`).join(', ')} латинские буквы вместо русских (${latin}): при сверке педагогов они читаются как русские; исправьте их`);
    }
  }
  return parts.length ? parts.join('; ') : null;
}

/** Whitespace tidy() would change: other than single spaces between words (JS `\s` covers the no-break spaces), or an invisible character. */
const UNTIDY = new RegExp(`[^\\S ]| {2}|^ | $|[${INVISIBLE_CLASS}]`);

/** Latin letters drawn like Russian ones (lower case), as the Russian letter. */
const LOOKALIKE: Record<string, string> = { a: 'а', b: 'в', c: 'с', e: 'е', h: 'н', k: 'к', m: 'м', o: 'о', p: 'р', t: 'т', x: 'х', y: 'у' };
const LOOKALIKE_LETTERS = new RegExp(`[${Object.keys(LOOKALIKE).join('')}]`, 'g');

/** Lower-case text whose Latin look-alike letters are read as the Russian ones. */
const asCyrillic = (s: string) => s.replace(LOOKALIKE_LETTERS, (ch) => LOOKALIKE[ch]!);

/**
 * Lower case, ё→е, whitespace collapsed, trimmed (CONTRACT 2.1), and — beyond the contract's
 * list — invisible characters dropped (tidy) and, inside a word written in Russian letters, a
 * Latin letter drawn like a Russian one read as that letter («Белoва» with a Latin «o» is
 * «Белова»): a typo no school can see must not make one teacher two people, or a reference
 * «not found» next to the name it quotes. Words wholly in Latin letters are kept as they are.
 */
export const normalizePersonName: (s: string) => string = memo((s) => {
  let t = tidy(s).toLowerCase();
  // «Иванова, Анна Петровна» is «Иванова Анна Петровна»: a comma after the surname, written on one
  // tab and not on another, made the same person two (an outside review).
  if (t.includes(',')) t = t.replace(/\s*,\s*/g, ' ').trim();
  if (t.includes('ё')) t = t.replace(/ё/g, 'е');
  if (/[a-z]/.test(t) && /[а-я]/.test(t)) {
    t = t.replace(/\p{L}+/gu, (word) => (/[а-я]/.test(word) ? asCyrillic(word) : word));
  }
  return t;
});

/**
 * A matching key that ignores case, ё/е, spaces, dashes, quotes and punctuation: only letters
 * and digits survive. Used for titles, headers, enum values and codes. It never guesses: two
 * texts match only when they differ in formatting alone.
 */
export const matchKey: (s: string) => string = memo((s) =>
  s
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[^\p{L}\p{N}]+/gu, ''),
);

/**
 * The key of an organization's code: matchKey, and a Latin letter drawn like a Russian one read
 * as that letter when the code has Russian letters («COШ-7» typed with a Latin C and O is
 * «СОШ-7»). Codes wholly in Latin letters are kept as they are.
 */
export const codeKey: (s: string) => string = memo((s) => {
  const k = matchKey(s);
  return /[a-z]/.test(k) && /[а-я]/.test(k) ? asCyrillic(k) : k;
});

/** Collapse whitespace, drop invisible characters and trim, keep case: how we display a value a school typed. */
export function tidy(s: string): string {
  // Most cells are tidy already: one test instead of two replacements and a trim.
  if (!UNTIDY.test(s)) return s;
  return s.replace(INVISIBLE, '').replace(/[\u00a0\u2007\u202f]/g, ' ').replace(/\s+/g, ' ').trim();
}

/** Levenshtein distance, bounded work for short strings (names, titles). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (!a.length) return b.length;
  if (!b.length) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  let cur = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/** The `limit` candidates closest to `target` (by edit distance of normalized names), close enough to be a typo. */
/** «Иванова Анна Петровна» → «иванова а п»: the form schools use when they write initials. */
function initialsForm(name: string): string {
  const [surname, ...rest] = normalizePersonName(name).split(/[\s.]+/).filter(Boolean);
  return [surname, ...rest.map((p) => p[0])].join(' ');
}

/** The words of a name, in order of the alphabet: «Андрей Петрович Борисов» and «Борисов Андрей Петрович» are alike. */
function wordSet(name: string): string[] {
  // A double surname's parts are words too: «Никитина Раиса Юрьевна» is all words of
  // «Никитина-Петрова Раиса Юрьевна» (the name she took, while other sheets still say the old one).
  return normalizePersonName(name).split(/[\s.\-\u2010\u2011\u2013]+/).filter(Boolean).sort();
}

export function closest(target: string, candidates: Iterable<string>, limit = 3): string[] {
  const t = normalizePersonName(target);
  const ti = initialsForm(target);
  const tw = wordSet(target);
  const scored: { c: string; d: number }[] = [];
  for (const c of candidates) {
    const d = editDistance(t, normalizePersonName(c));
    if (d <= Math.max(3, Math.floor(t.length / 3))) scored.push({ c, d });
    // «Иванова А.П.» for «Иванова Анна Петровна»: a sure suggestion, first in the list.
    else if (initialsForm(c) === ti && ti.includes(' ')) scored.push({ c, d: 0 });
    else if (tw.length >= 2) {
      const cw = wordSet(c);
      // The same words in another order (name first): as sure.
      if (cw.join(' ') === tw.join(' ')) scored.push({ c, d: 0 });
      // Surname and name without the patronymic («Борисов Андрей»): every word typed is a word of the name.
      else if (tw.length < cw.length && tw.every((w) => cw.includes(w))) scored.push({ c, d: 1 });
    }
  }
  scored.sort((x, y) => x.d - y.d || x.c.localeCompare(y.c, 'ru'));
  return [...new Set(scored.map((s) => s.c))].slice(0, limit);
}

/**
 * The one name of `candidates` that `target` surely means — the same words in another order, its
 * initials («Иванова А. П.»), or at most two letters off — or null when none is, or several are.
 * For a name typed for another organization (people.ts): it names only a person the school
 * nearly wrote already, never a list of that organization's staff.
 */
export function sureMatch(target: string, candidates: Iterable<string>): string | null {
  const t = normalizePersonName(target);
  const ti = initialsForm(target);
  // Initials only when the name is written with them («Иванова А. П.»), not for any full name
  // sharing a surname and initials.
  const initials = ti.includes(' ') && t.split(/[\s.]+/).filter(Boolean).join(' ') === ti ? ti : null;
  const tw = wordSet(target).join(' ');
  const found = new Set<string>();
  for (const c of candidates) {
    const sure =
      editDistance(t, normalizePersonName(c)) <= 2 || (initials !== null && initialsForm(c) === initials) || (tw.includes(' ') && wordSet(c).join(' ') === tw);
    if (sure) found.add(c);
  }
  return found.size === 1 ? [...found][0]! : null;
}

/** Russian plural form for a count (shared with the client). */
export { plural };

/** A count with its noun, digits grouped the Russian way: «1 234 знака». */
export function countOf(n: number, one: string, few: string, many: string): string {
  return `${n.toLocaleString('ru-RU')} ${plural(n, one, few, many)}`;
}
