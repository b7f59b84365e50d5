/** The demo municipality (server/sources/demo/): organizations. */
import type { DemoOptions } from './types.ts';
import { ORG_TYPE } from './vocabulary.ts';

type Kind = 'school' | 'kindergarten' | 'additional';
export type Profile = 'school' | 'kindergarten' | 'creative' | 'sport' | 'art' | 'nature';

const KINDERGARTEN_NAMES = [
  'Солнышко', 'Ромашка', 'Берёзка', 'Теремок', 'Сказка', 'Радуга', 'Колокольчик', 'Алёнушка',
  'Светлячок', 'Журавушка', 'Рябинка', 'Лукоморье', 'Золотой ключик', 'Улыбка', 'Дюймовочка',
  'Родничок', 'Ладушки', 'Белочка', 'Снежинка', 'Буратино', 'Кораблик', 'Тополёк', 'Незабудка', 'Огонёк',
];

const ADDITIONAL_ORGS: readonly { code: string; name: string; profile: Profile; slug: string }[] = [
  { code: 'ЦРТ', name: 'МУ ДО «Центр развития творчества детей и юношества»', profile: 'creative', slug: 'crt' },
  { code: 'ДЮСШ', name: 'МУ ДО «Детско-юношеская спортивная школа»', profile: 'sport', slug: 'dyussh' },
  { code: 'ДШИ', name: 'МУ ДО «Детская школа искусств»', profile: 'art', slug: 'dshi' },
  { code: 'СЮН', name: 'МУ ДО «Станция юных натуралистов»', profile: 'nature', slug: 'syun' },
];

/** Per-organization quirks of how the sheet is kept; a function of the code only (see header). */
export interface Layout {
  /** 0: contract headers; 1: first listed alias; 2: last listed alias. */
  aliasVariant: 0 | 1 | 2;
  /** Rows above the header (on the main tabs): none, a title, or a title and a blank row. */
  titleRows: 0 | 1 | 2;
  shuffled: boolean;
  dates: 'serial' | 'text' | 'mixed';
  checkboxes: boolean;
  categoryShorthand: boolean;
  staffCodes: boolean;
  numbered: boolean;
  sloppyRefs: boolean;
  blankOldHires: boolean;
  fullHistory: boolean;
  practices: boolean;
  events: boolean;
  instructions: boolean;
  oddTitles: boolean;
  curatorBlank: boolean;
  /** `Молодой специалист` filled only for the young; empty cells are derived from the stazh. */
  youngOnlyYes: boolean;
}

export function layoutFor(kind: Kind, n: number): Layout {
  const s = kind === 'school';
  const k = kind === 'kindergarten';
  const a = kind === 'additional';
  return {
    aliasVariant: s && n % 5 === 3 ? (n % 10 === 3 ? 1 : 2) : k && n % 5 === 0 ? (n % 10 === 5 ? 2 : 1) : a && n === 2 ? 1 : 0,
    titleRows: s && n % 11 === 6 ? 2 : k && n % 11 === 9 ? 1 : 0,
    shuffled: (s && n % 13 === 7) || (k && n % 26 === 24),
    dates: (s && n % 4 === 0) || (k && n % 4 === 2) ? 'text' : n % 7 === 3 || (a && n === 1) ? 'mixed' : 'serial',
    checkboxes: (s && n % 6 === 5) || (k && n % 6 === 1),
    categoryShorthand: (s && n % 9 === 2) || (k && n % 9 === 4),
    staffCodes: (s && n % 10 === 1) || (k && n % 20 === 17),
    numbered: (s && n % 4 === 1) || (k && n % 6 === 3),
    sloppyRefs: (s && n % 7 === 4) || (k && n % 7 === 6),
    blankOldHires: (s && n % 8 === 2) || (k && n % 8 === 5),
    fullHistory: n % 3 === 1,
    practices: (s && n % 3 === 0) || (k && n % 5 === 1) || (a && n === 1),
    events: (s && n % 2 === 0) || (k && n % 4 === 1) || a,
    instructions: s && n % 15 === 1,
    oddTitles: s && n % 12 === 8,
    curatorBlank: k && n % 9 === 7,
    youngOnlyYes: (s && n % 5 === 0) || (k && n % 7 === 2),
  };
}

export interface OrgSpec {
  code: string;
  name: string;
  type: string;
  kind: Kind;
  profile: Profile;
  /** Number within its kind (СОШ-n, ДОУ-n, n-th additional). */
  n: number;
  slug: string;
  sheet: string;
  active: boolean;
}

export function orgSpecs(o: Required<DemoOptions>): OrgSpec[] {
  const out: OrgSpec[] = [];
  const add = (s: Omit<OrgSpec, 'sheet'>) => out.push({ ...s, sheet: `demo-${s.code}` });
  for (let n = 1; n <= o.schools; n++) {
    add({ code: `СОШ-${n}`, name: `МОУ «Средняя общеобразовательная школа № ${n}»`, type: ORG_TYPE.school, kind: 'school', profile: 'school', n, slug: `sosh${n}`, active: true });
  }
  for (let n = 1; n <= o.kindergartens; n++) {
    const title = KINDERGARTEN_NAMES[(n - 1) % KINDERGARTEN_NAMES.length]!;
    add({ code: `ДОУ-${n}`, name: `МДОУ «Детский сад № ${n} «${title}»»`, type: ORG_TYPE.kindergarten, kind: 'kindergarten', profile: 'kindergarten', n, slug: `dou${n}`, active: true });
  }
  for (let n = 1; n <= o.additional; n++) {
    const known = ADDITIONAL_ORGS[n - 1];
    add(
      known
        ? { ...known, type: ORG_TYPE.additional, kind: 'additional', n, active: true }
        : { code: `ДО-${n}`, name: `МУ ДО «Дом детского творчества № ${n}»`, type: ORG_TYPE.additional, kind: 'additional', profile: 'creative', n, slug: `ddt${n}`, active: true },
    );
  }
  for (let n = 1; n <= o.inactive; n++) {
    const code = n === 1 ? 'ВСОШ' : `ВСОШ-${n}`;
    add({ code, name: `МОУ «Вечерняя (сменная) общеобразовательная школа${n === 1 ? '' : ` № ${n}`}» (реорганизована)`, type: ORG_TYPE.school, kind: 'school', profile: 'school', n: 0, slug: `vsosh${n}`, active: false });
  }
  return out;
}

/** Layout by code alone, for the static list of deliberate errors. */
export function layoutOfCode(code: string): Layout | null {
  let m = /^СОШ-(\d+)$/.exec(code);
  if (m) return layoutFor('school', Number(m[1]));
  m = /^ДОУ-(\d+)$/.exec(code);
  if (m) return layoutFor('kindergarten', Number(m[1]));
  const i = ADDITIONAL_ORGS.findIndex((x) => x.code === code);
  if (i >= 0) return layoutFor('additional', i + 1);
  m = /^ДО-(\d+)$/.exec(code);
  if (m) return layoutFor('additional', Number(m[1]));
  return null;
}
