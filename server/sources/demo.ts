/**
 * The `demo` source: a deterministic, realistic municipality (schools, kindergartens,
 * additional education) generated in memory, so `npm start` on a fresh machine shows a
 * living dashboard with no account anywhere, and the benchmark can build a region of any size.
 *
 * Determinism: one seeded PRNG stream per organization and purpose (mulberry32), calendar
 * arithmetic in whole UTC days, no Math.random, no clock, no time zone: the same options give
 * byte-identical grids. Organization-level layout quirks (aliases, title rows, column order,
 * date style…) depend only on the organization's code, never on the seed, so the deliberately
 * invalid cells sit at fixed sheet positions (DEMO_DELIBERATE_ERRORS).
 *
 * Tab titles, headers, aliases and enumeration values come from the contract's declaration:
 * the demo writes what schools type, and must follow the contract when it changes.
 */
import { createHash } from 'node:crypto';
import {
  CATEGORIES,
  EVENT_KINDS,
  EVENT_LEVELS,
  FORMS,
  ORDER_ITEMS,
  ORG_TYPES,
  PAIR_STATUSES,
  PROGRAM_STATUSES,
  REGISTRY_TAB,
  TABS,
  TOPICS,
  type EnumValue,
  type TabKey,
} from '../contract/declaration.ts';
import { plural } from '../contract/normalize.ts';
import { SERIAL_EPOCH, civilFromDays, daysFromCivil, daysFromIso, isoFromDays } from '../contract/values.ts';
import { SourceError, type Cell, type FetchContext, type FetchResult, type OrgEntry, type RawTab, type Source } from './types.ts';

// ---- options and public types ------------------------------------------------------------

export interface DemoOptions {
  /** The "today" of the generated data, `YYYY-MM-DD`. Default `2025-05-15`. */
  referenceDate?: string;
  seed?: number;
  /** Number of schools (default 8), kindergartens (14) and additional-education organizations (2). */
  schools?: number;
  kindergartens?: number;
  additional?: number;
  /** Multiplies the staff of every organization (default 1: schools 30–60, kindergartens 12–25). */
  teachersScale?: number;
  /** Organizations listed with `Активна = Нет` and no tabs (default 1). */
  inactive?: number;
}

export interface DeliberateError {
  /** Organization code. */
  org: string;
  /** Tab title as in the organization's spreadsheet. */
  tab: string;
  /** Sheet row number as the school sees it (1-based, title rows and header included). */
  row: number;
  /** Column header as written in that organization's sheet (may be an alias). */
  column: string;
  /** The contract's header of that column. */
  canonicalColumn: string;
  /** The planted value; absent in the static list when it depends on the data (a misspelt name). */
  value?: Cell;
  severity: 'error' | 'warning';
  problem:
    | 'impossible_date'
    | 'ambiguous_date'
    | 'unknown_category'
    | 'unknown_enum'
    | 'text_in_number'
    | 'unknown_person'
    | 'missing_required'
    | 'events_done_gt_planned';
}

export interface Municipality {
  /** The registry tab `Организации`, header row included. */
  registry: RawTab;
  /** Each organization's tabs, keyed by its `Таблица` value (the demo spreadsheet ID, `demo-<Код>`). */
  orgs: Map<string, RawTab[]>;
  /** The deliberately invalid cells actually planted (with their values). */
  deliberateErrors: DeliberateError[];
  stats: {
    organizations: number;
    teachers: number;
    pairs: number;
    programs: number;
    courses: number;
    attestations: number;
  };
}

const DEFAULTS = {
  referenceDate: '2025-05-15',
  seed: 1162693, // the order № 116-26-93
  schools: 8,
  kindergartens: 14,
  additional: 2,
  teachersScale: 1,
  inactive: 1,
} as const;

// ---- contract vocabulary -------------------------------------------------------------------

function tabDecl(key: TabKey) {
  const t = TABS.find((x) => x.key === key);
  if (!t) throw new Error(`demo: the contract has no tab ${key}`);
  return t;
}

/** A value of a contract enumeration, checked at load so a renamed value fails loudly. */
function ev(values: readonly EnumValue[], value: string): string {
  if (!values.some((v) => v.value === value)) throw new Error(`demo: «${value}» is not in the contract`);
  return value;
}

const FORM = {
  traditional: ev(FORMS, 'Традиционная (один на один)'),
  group: ev(FORMS, 'Групповая'),
  virtual: ev(FORMS, 'Виртуальная (дистанционная)'),
  shortTerm: ev(FORMS, 'Краткосрочная (целеполагающая)'),
  reverse: ev(FORMS, 'Реверсивная'),
  situational: ev(FORMS, 'Ситуационная'),
  speed: ev(FORMS, 'Скоростная'),
  headTeacher: ev(FORMS, 'Руководитель – педагог'),
  peer: ev(FORMS, 'Педагог – педагог'),
  other: ev(FORMS, 'Другое'),
};
/** Every form but the group one: one of them is forced per organization so all forms occur. */
const SINGLE_FORMS = FORMS.map((f) => f.value).filter((f) => f !== FORM.group);

const TOPIC = {
  subject: ev(TOPICS, 'Предметное содержание'),
  methods: ev(TOPICS, 'Методика обучения и преподавания'),
  upbringing: ev(TOPICS, 'Воспитательная деятельность'),
  lessons: ev(TOPICS, 'Организация урочной и внеурочной деятельности'),
  support: ev(TOPICS, 'Психолого-педагогическое сопровождение'),
};
const TOPIC_ORDER = TOPICS.map((t) => t.value);

const PAIR = {
  active: ev(PAIR_STATUSES, 'Действует'),
  done: ev(PAIR_STATUSES, 'Завершена'),
  stopped: ev(PAIR_STATUSES, 'Прекращена досрочно'),
};
const PROGRAM = {
  draft: ev(PROGRAM_STATUSES, 'Разрабатывается'),
  running: ev(PROGRAM_STATUSES, 'Реализуется'),
  done: ev(PROGRAM_STATUSES, 'Завершена'),
  stopped: ev(PROGRAM_STATUSES, 'Прекращена'),
};

const CAT = {
  none: ev(CATEGORIES, 'Без категории'),
  szd: ev(CATEGORIES, 'Соответствие занимаемой должности'),
  first: ev(CATEGORIES, 'Первая'),
  high: ev(CATEGORIES, 'Высшая'),
  methodist: ev(CATEGORIES, 'Педагог-методист'),
  mentor: ev(CATEGORIES, 'Педагог-наставник'),
};
/** How a careless school writes a category: its first listed alias (СЗД, нет, 1…), else lower case. */
const CATEGORY_SHORTHAND = new Map(CATEGORIES.map((c) => [c.value, c.aliases?.[0] ?? c.value.toLowerCase()]));

const ORG_TYPE = {
  school: ev(ORG_TYPES, 'Школа'),
  kindergarten: ev(ORG_TYPES, 'Детский сад'),
  additional: ev(ORG_TYPES, 'Дополнительное образование'),
};

const EVENT_KIND = {
  mo: ev(EVENT_KINDS, 'Заседание МО наставников'),
  meeting: ev(EVENT_KINDS, 'Совещание'),
  seminar: ev(EVENT_KINDS, 'Семинар'),
  webinar: ev(EVENT_KINDS, 'Вебинар'),
  conference: ev(EVENT_KINDS, 'Конференция'),
  forum: ev(EVENT_KINDS, 'Форум'),
  contract: ev(EVENT_KINDS, 'Договор о сотрудничестве'),
  other: ev(EVENT_KINDS, 'Другое'),
};
const LEVEL = {
  org: ev(EVENT_LEVELS, 'ОО'),
  municipal: ev(EVENT_LEVELS, 'Муниципальный'),
  intermunicipal: ev(EVENT_LEVELS, 'Межмуниципальный'),
  regional: ev(EVENT_LEVELS, 'Региональный'),
};

// ---- PRNG ----------------------------------------------------------------------------------

type Rng = () => number;

/** mulberry32: a small seeded PRNG (also used by tests that need reproducible randomness). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Independent streams per organization and purpose: adding a tab never reshuffles the staff. */
const stream = (seed: number, ...parts: string[]): Rng => mulberry32(fnv1a(`${seed}|${parts.join('|')}`));

/** Uniform integer in [lo, hi]; lo when the range is empty. */
function int(rng: Rng, lo: number, hi: number): number {
  return hi <= lo ? lo : lo + Math.floor(rng() * (hi - lo + 1));
}

function pick<T>(rng: Rng, arr: readonly T[]): T {
  if (arr.length === 0) throw new Error('demo: pick from an empty list');
  return arr[Math.floor(rng() * arr.length)]!;
}

function weighted<T>(rng: Rng, items: ReadonlyArray<readonly [T, number]>): T {
  let total = 0;
  for (const [, w] of items) total += w;
  let x = rng() * total;
  for (const [v, w] of items) {
    x -= w;
    if (x < 0) return v;
  }
  return items[items.length - 1]![0];
}

// ---- calendar (whole days since 1970-01-01, UTC only) ----------------------------------------

// One calendar with the contract (contract/values.ts): day numbers since 1970-01-01, Sheets
// serials; what is here is the generator's own date logic on top of it.
const day = daysFromCivil;

function ymd(dn: number): [number, number, number] {
  const c = civilFromDays(dn);
  return [c.y, c.m, c.d];
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

const isoOf = isoFromDays;

const RU_DATES = new Map<number, string>();

/** `дд.мм.гггг`, as schools type dates; one string per day, since a region repeats them a lot. */
function ruOf(dn: number): string {
  let s = RU_DATES.get(dn);
  if (s === undefined) {
    const [y, m, d] = ymd(dn);
    s = `${pad2(d)}.${pad2(m)}.${y}`;
    if (RU_DATES.size < 100_000) RU_DATES.set(dn, s);
  }
  return s;
}

function parseIsoDay(iso: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) throw new Error(`demo: referenceDate must be YYYY-MM-DD, got «${iso}»`);
  const dn = daysFromIso(iso);
  if (isoOf(dn) !== iso) throw new Error(`demo: no such date ${iso}`);
  return dn;
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Same day k years later; 29 February becomes 28 February (as in docs/spec/METRICS.md). */
function addYears(dn: number, k: number): number {
  const [y, m, d] = ymd(dn);
  return m === 2 && d === 29 && !isLeap(y + k) ? day(y + k, 2, 28) : day(y + k, m, d);
}

/** Completed years from a to b. */
function fullYears(a: number, b: number): number {
  const [ya, ma, da] = ymd(a);
  const [yb, mb, db] = ymd(b);
  return yb - ya - (mb < ma || (mb === ma && db < da) ? 1 : 0);
}

/** 0 = Sunday … 6 = Saturday; 1970-01-01 was a Thursday. */
const weekday = (dn: number) => (((dn + 4) % 7) + 7) % 7;

/** Orders are signed on working days: step back from a weekend, but not below `lo`. */
function workday(dn: number, lo: number): number {
  let d = dn;
  while ((weekday(d) === 0 || weekday(d) === 6) && d - 1 >= lo) d--;
  return d;
}

/** 1 September that opens the school year containing dn. */
function schoolYearStart(dn: number): number {
  const [y, m] = ymd(dn);
  return day(m >= 9 ? y : y - 1, 9, 1);
}

const clamp = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);

/** The attestation reform (Порядок аттестации № 196): categories from this day do not expire. */
const REFORM = day(2023, 9, 1);
const ORDER_DAY = day(2023, 2, 17);
/** The contract dates orders from 2000; older decisions are not listed. */
const OLDEST_LISTED_ORDER = day(2005, 1, 1);

// ---- names -----------------------------------------------------------------------------------

const SURNAMES = (
  'Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков ' +
  'Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин ' +
  'Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин Фролов ' +
  'Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков Сорокин Виноградов Ковалёв ' +
  'Белов Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров Давыдов Беляев Герасимов Богданов ' +
  'Осипов Сидоров Матвеев Титов Марков Миронов Крылов Куликов Карпов Власов Мельников Денисов ' +
  'Гаврилов Тихонов Казаков Афанасьев Данилов Савельев Тимофеев Фомин Чернов Абрамов Мартынов ' +
  'Ефимов Федотов Щербаков Назаров Калинин Исаев Чернышёв Быков Маслов Родионов Коновалов Лазарев ' +
  'Воронин Климов Филатов Пономарёв Голубев Кудрявцев Прохоров Наумов Потапов Журавлёв Овчинников ' +
  'Трофимов Леонов Соболев Ермаков Колесников Гончаров Емельянов Никифоров Грачёв Котов Гришин ' +
  'Ефремов Архипов Громов Кириллов Малышев Панов Моисеев Румянцев Акимов Кондратьев Бирюков ' +
  'Горбунов Анисимов Ерёмин Тихомиров Галкин Лукьянов Михеев Скворцов Юдин Белоусов Нестеров ' +
  'Симонов Прокофьев Харитонов Князев Цветков Левин Митрофанов Воронов Аксёнов Мальцев Логинов ' +
  'Горшков Савин Краснов Майоров Демидов Елисеев Рыбаков Сафонов Плотников Дёмин Хохлов Носков ' +
  'Бобров Шестаков Батуев Дамбаев Хабаров Распутин Вишневский Покровский Островский Черных Седых ' +
  'Шевчук Кравченко Бондаренко Литвиненко Толстой Мороз Ким'
).split(' ');

const MALE_NAMES = (
  'Александр Алексей Андрей Антон Артём Борис Вадим Валерий Василий Виктор Виталий Владимир ' +
  'Вячеслав Геннадий Георгий Денис Дмитрий Евгений Егор Иван Игорь Илья Кирилл Константин Максим ' +
  'Михаил Никита Николай Олег Павел Роман Сергей Станислав Степан Фёдор Юрий'
).split(' ');
const FEMALE_NAMES_OLD = 'Галина Людмила Тамара Нина Зинаида Лидия Валентина Любовь Надежда Лариса Вера Раиса'.split(' ');
const FEMALE_NAMES_MID = (
  'Елена Ольга Наталья Татьяна Ирина Светлана Марина Оксана Юлия Анна Екатерина Жанна Алла Лариса ' +
  'Надежда Евгения Маргарита Инна'
).split(' ');
const FEMALE_NAMES_YOUNG = (
  'Анастасия Дарья Полина Алина Кристина Виктория Ксения Ангелина Диана Софья Валерия Елизавета ' +
  'Мария Анна Екатерина Алёна Олеся Яна Ульяна Александра'
).split(' ');
/** Fathers' names: patronymics are derived from them. */
const FATHERS = (
  'Александр Алексей Анатолий Андрей Борис Валентин Валерий Василий Виктор Виталий Владимир ' +
  'Вячеслав Геннадий Георгий Григорий Дмитрий Евгений Иван Игорь Илья Константин Леонид Михаил ' +
  'Николай Олег Павел Пётр Роман Сергей Станислав Степан Фёдор Юрий Яков Артём'
).split(' ');

function patronymic(father: string, male: boolean): string {
  const special: Record<string, [string, string]> = {
    Илья: ['Ильич', 'Ильинична'],
    Пётр: ['Петрович', 'Петровна'],
    Яков: ['Яковлевич', 'Яковлевна'],
    Павел: ['Павлович', 'Павловна'],
    Михаил: ['Михайлович', 'Михайловна'],
  };
  const s = special[father];
  if (s) return male ? s[0] : s[1];
  // Алексей → Алексеевич, Валерий → Валерьевич, Георгий → Георгиевич, Игорь → Игоревич
  if (/(ргий|трий)$/.test(father)) return father.slice(0, -1) + (male ? 'евич' : 'евна');
  if (/ий$/.test(father)) return father.slice(0, -2) + (male ? 'ьевич' : 'ьевна');
  if (/[йь]$/.test(father)) return father.slice(0, -1) + (male ? 'евич' : 'евна');
  return father + (male ? 'ович' : 'овна');
}

const FEMININE_SURNAMES = SURNAMES.map(feminineSurname);
const PATRONYMICS = FATHERS.map((f) => [patronymic(f, false), patronymic(f, true)] as const);

function feminineSurname(s: string): string {
  if (/(ов|ев|ёв|ин|ын)$/.test(s)) return s + 'а';
  if (/ский$/.test(s)) return s.slice(0, -4) + 'ская';
  if (/цкий$/.test(s)) return s.slice(0, -4) + 'цкая';
  if (/ой$/.test(s)) return s.slice(0, -2) + 'ая';
  return s; // Черных, Шевчук, Кравченко, Мороз…: the same for women in everyday use
}

// ---- organizations ----------------------------------------------------------------------------

type Kind = 'school' | 'kindergarten' | 'additional';
type Profile = 'school' | 'kindergarten' | 'creative' | 'sport' | 'art' | 'nature';

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
interface Layout {
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

function layoutFor(kind: Kind, n: number): Layout {
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

interface OrgSpec {
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

function orgSpecs(o: Required<DemoOptions>): OrgSpec[] {
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
function layoutOfCode(code: string): Layout | null {
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

// ---- staff ----------------------------------------------------------------------------------

interface Role {
  position: string;
  subject: string;
  /** Probability the holder is a man. */
  male: number;
}

const SCHOOL_SUBJECTS: ReadonlyArray<readonly [readonly [string, number], number]> = [
  [['Начальные классы', 0.02], 22],
  [['Русский язык и литература', 0.04], 14],
  [['Математика', 0.12], 13],
  [['Английский язык', 0.06], 9],
  [['История и обществознание', 0.25], 7],
  [['Физическая культура', 0.5], 6],
  [['Биология', 0.1], 4],
  [['Физика', 0.3], 4],
  [['Информатика', 0.35], 4],
  [['География', 0.15], 3],
  [['Химия', 0.1], 3],
  [['Технология', 0.35], 3],
  [['Музыка', 0.1], 2],
  [['Изобразительное искусство', 0.1], 2],
  [['Основы безопасности и защиты Родины', 0.7], 2],
  [['Немецкий язык', 0.05], 1],
];

function rolesFor(profile: Profile, n: number, rng: Rng): Role[] {
  const roles: Role[] = [];
  const r = (position: string, subject = '', male = 0.05) => roles.push({ position, subject, male });
  switch (profile) {
    case 'school': {
      r('педагог-психолог');
      r('социальный педагог');
      if (n >= 35 || rng() < 0.5) r('учитель-логопед', '', 0.02);
      if (rng() < 0.7) r('педагог-организатор', '', 0.15);
      if (n >= 35 && rng() < 0.8) r('советник директора по воспитанию', '', 0.2);
      if (rng() < 0.6) r('педагог-библиотекарь', '', 0.02);
      if (rng() < 0.3) r('тьютор');
      for (let i = int(rng, 0, 2); i > 0; i--) {
        r('педагог дополнительного образования', pick(rng, ['Робототехника', 'Театральная студия', 'Шахматы', 'Школьный спортивный клуб', 'Хор']), 0.3);
      }
      while (roles.length < n) {
        const [subject, male] = weighted(rng, SCHOOL_SUBJECTS);
        r('учитель', subject, male);
      }
      break;
    }
    case 'kindergarten': {
      r('старший воспитатель', '', 0.01);
      r('музыкальный руководитель', 'Музыкальное развитие', 0.05);
      if (n > 18) r('музыкальный руководитель', 'Музыкальное развитие', 0.05);
      r('инструктор по физической культуре', 'Физическое развитие', 0.25);
      if (rng() < 0.7) r('учитель-логопед', 'Речевое развитие', 0.01);
      if (rng() < 0.6) r('педагог-психолог', '', 0.03);
      while (roles.length < n) r('воспитатель', '', 0.02);
      break;
    }
    case 'sport': {
      r('инструктор-методист', '', 0.5);
      const sports = ['Лыжные гонки', 'Хоккей', 'Волейбол', 'Баскетбол', 'Футбол', 'Дзюдо', 'Лёгкая атлетика', 'Самбо', 'Плавание', 'Настольный теннис'];
      while (roles.length < n) r('тренер-преподаватель', pick(rng, sports), 0.65);
      break;
    }
    case 'art': {
      r('методист', '', 0.1);
      r('концертмейстер', 'Фортепиано', 0.1);
      const arts = ['Фортепиано', 'Скрипка', 'Баян', 'Гитара', 'Хоровое пение', 'Живопись', 'Хореография'];
      while (roles.length < n) r('преподаватель', pick(rng, arts), 0.2);
      break;
    }
    case 'nature': {
      r('методист', '', 0.1);
      const topics = ['Экология', 'Биология', 'Растениеводство', 'Юный ветеринар', 'Туризм и краеведение'];
      while (roles.length < n) r('педагог дополнительного образования', pick(rng, topics), 0.2);
      break;
    }
    case 'creative': {
      r('методист', '', 0.1);
      if (rng() < 0.6) r('методист', '', 0.1);
      r('педагог-организатор', '', 0.15);
      if (rng() < 0.5) r('концертмейстер', 'Вокал', 0.2);
      const topics = ['Хореография', 'Вокал', 'Изобразительное творчество', 'Декоративно-прикладное творчество', 'Театральное творчество', 'Робототехника', 'Шахматы', 'Журналистика'];
      while (roles.length < n) r('педагог дополнительного образования', pick(rng, topics), 0.2);
      break;
    }
  }
  return roles.slice(0, n);
}

function baseStaff(spec: OrgSpec, rng: Rng): number {
  switch (spec.profile) {
    case 'school':
      return int(rng, 30, 60);
    case 'kindergarten':
      return int(rng, 12, 25);
    case 'creative':
      return int(rng, 18, 30);
    default:
      return int(rng, 14, 25);
  }
}

interface AttRow {
  date: number;
  cat: string;
  /** The category held the day before (terms included). */
  prev: string;
}

interface Teacher {
  fio: string;
  position: string;
  subject: string;
  careerStart: number;
  hire: number;
  showHire: boolean;
  dismiss: number | null;
  stazh: number;
  young: boolean;
  /** Young at the start of the two-year window (mentoring candidates of the first year). */
  youngAtWindow: boolean;
  att: AttRow[];
  /** The category held on the reference date (Педагоги.Категория). */
  category: string;
  isMentor: boolean;
  trained: boolean;
  staffCode: string;
  /** Pairs led, to spread mentees over mentors. */
  load: number;
}

interface Org extends OrgSpec {
  ordinal: number;
  layout: Layout;
  teachers: Teacher[];
  /** Experienced teachers (5+ years), the mentor pool. */
  seniors: Teacher[];
  /** Seniors by position and subject, to match a mentor to the mentee's speciality. */
  seniorsBySpec: Map<string, Teacher[]>;
  curator: string;
  /** Formatting decisions (serial or text date…) come from their own stream. */
  fmt: Rng;
  tabs: RawTab[];
  planted: DeliberateError[];
  counts: { pairs: number; programs: number; courses: number; attestations: number };
}

interface Ctx {
  seed: number;
  ref: number;
  /** 1 September opening the school year before the reference date's one: the two-year window. */
  w0: number;
  scale: number;
  orgs: Org[];
}

const specKey = (t: { position: string; subject: string }) => `${t.position}|${t.subject}`;

function employedOn(t: Teacher, d: number): boolean {
  return t.hire <= d && (t.dismiss === null || t.dismiss > d);
}

const SENIOR_ROLES = new Set(['старший воспитатель', 'методист', 'инструктор-методист', 'советник директора по воспитанию']);

function genStaff(org: Org, ctx: Ctx): void {
  const rng = stream(ctx.seed, org.code, 'staff');
  const n = Math.max(3, Math.round(baseStaff(org, rng) * ctx.scale));
  const roles = rolesFor(org.profile, n, rng);
  const names = new Set<string>();
  let code = int(rng, 100, 900);
  const { ref, w0 } = ctx;
  for (const role of roles) {
    const male = rng() < role.male;
    // A graduate does not start as a senior educator or a methodologist.
    const young = rng() < 0.085 && !SENIOR_ROLES.has(role.position);
    let careerStart: number;
    if (young) {
      careerStart = ref - int(rng, 5, 3 * 365 - 5);
      const [y] = ymd(careerStart);
      const august = day(y, 8, int(rng, 22, 31));
      // Most graduates start at the end of August, before the school year.
      if (rng() < 0.65 && august <= ref && fullYears(august, ref) < 3) careerStart = august;
    } else {
      const years = 3 + ((rng() + rng()) / 2) * 40;
      careerStart = ref - Math.round(years * 365.25) - int(rng, 0, 200);
      if (rng() < 0.6) {
        const [y] = ymd(careerStart);
        careerStart = Math.min(careerStart, day(y, 8, int(rng, 15, 31)));
      }
    }
    let hire = careerStart;
    if (!young && rng() < 0.55) hire = careerStart + int(rng, 0, Math.max(0, ref - careerStart - 400));
    if (!young && rng() < 0.06) hire = int(rng, w0, ref - 14); // moved here recently
    let dismiss: number | null = null;
    if (rng() < (young ? 0.12 : 0.05)) {
      const lo = Math.max(hire + 60, w0);
      if (lo <= ref) {
        dismiss = int(rng, lo, ref);
        const [y] = ymd(dismiss);
        const endOfYear = rng() < 0.5 ? day(y, 8, 31) : day(y, 6, 30);
        if (rng() < 0.5 && endOfYear >= lo && endOfYear <= ref) dismiss = endOfYear;
      }
    }

    const birthYear = ymd(careerStart)[0] - int(rng, 21, 27);
    let fio = '';
    let identity = '';
    // Unique within the organization (after ё→е, as the contract compares names): no namesakes.
    for (let attempt = 0; attempt < 50; attempt++) {
      const surname = pick(rng, male ? SURNAMES : FEMININE_SURNAMES);
      const first = male
        ? pick(rng, MALE_NAMES)
        : pick(rng, birthYear < 1968 ? FEMALE_NAMES_OLD : birthYear < 1990 ? FEMALE_NAMES_MID : FEMALE_NAMES_YOUNG);
      fio = `${surname} ${first} ${pick(rng, PATRONYMICS)[male ? 1 : 0]}`;
      identity = fio.replace(/ё/g, 'е');
      if (!names.has(identity)) break;
    }
    if (names.has(identity)) {
      fio = `${fio}а`; // practically unreachable; keeps names unique
      identity = fio.replace(/ё/g, 'е');
    }
    names.add(identity);

    const stazh = fullYears(careerStart, dismiss ?? ref);
    const { rows, now } = simulateAttestation(rng, careerStart, ref);
    code += int(rng, 1, 9);
    org.teachers.push({
      fio,
      position: role.position,
      subject: role.subject,
      careerStart,
      hire,
      showHire: !(org.layout.blankOldHires && hire < day(2012, 1, 1) && rng() < 0.6),
      dismiss,
      stazh,
      young: stazh < 3,
      youngAtWindow: fullYears(careerStart, w0) < 3 && careerStart <= ref,
      att: rows,
      category: now,
      isMentor: false,
      trained: false,
      staffCode: String(code).padStart(5, '0'),
      load: 0,
    });
  }
  for (const t of org.teachers) {
    if (t.careerStart > ref - 5 * 365) continue;
    org.seniors.push(t);
    const list = org.seniorsBySpec.get(specKey(t)) ?? [];
    list.push(t);
    org.seniorsBySpec.set(specKey(t), list);
  }
}

/** When a category assigned on `date` stops holding (docs/spec/METRICS.md, "Terms"); null = never. */
function termEnd(cat: string, date: number): number | null {
  if (cat === CAT.szd) return addYears(date, 5);
  if ((cat === CAT.first || cat === CAT.high) && date < REFORM) return addYears(date, 5);
  return null;
}

/**
 * A career of category decisions, forward in time: first attestation 2–5 years in, renewals
 * before (or after) the five-year term lapses, upgrades; from 01.09.2023 categories no longer
 * expire and the two new ones appear.
 */
function simulateAttestation(rng: Rng, careerStart: number, ref: number): { rows: AttRow[]; now: string } {
  const rows: AttRow[] = [];
  let held = CAT.none;
  let end: number | null = null;
  const heldOn = (d: number) => (end !== null && d >= end ? CAT.none : held);
  if (rng() < 0.07) return { rows, now: CAT.none }; // never applied
  let t = careerStart + int(rng, 730, 1825);
  for (let guard = 0; guard < 20 && t <= ref; guard++) {
    t = workday(t, t - 3);
    const prev = heldOn(t - 1);
    let next: string;
    if (prev === CAT.none) next = rng() < 0.55 ? CAT.first : CAT.szd;
    else if (prev === CAT.szd) next = rng() < 0.7 ? CAT.first : CAT.szd;
    else if (prev === CAT.first) next = rng() < 0.55 ? CAT.high : CAT.first;
    else if (prev === CAT.high) next = t >= REFORM && rng() < 0.15 ? (rng() < 0.5 ? CAT.methodist : CAT.mentor) : CAT.high;
    else break;
    rows.push({ date: t, cat: next, prev });
    held = next;
    end = termEnd(next, t);
    if (end !== null) {
      // Most renew in time; some let it lapse and come back; a few stop applying.
      const r = rng();
      if (r < 0.88) t = end - int(rng, 20, 160);
      else if (r < 0.97) t = end + int(rng, 30, 700);
      else break;
    } else if (next === CAT.first && rng() < 0.45) t += int(rng, 730, 1460);
    else if (next === CAT.high && rng() < 0.1) t += int(rng, 730, 1825);
    else break;
  }
  return { rows, now: heldOn(ref) };
}

// ---- mentoring --------------------------------------------------------------------------------

interface Pair {
  mentor: Teacher;
  /** As written in the sheet: `ФИО`, or `ФИО (КОД-ОО)` for a mentor from another organization. */
  mentorText: string;
  mentee: Teacher;
  menteeText: string;
  form: string;
  topics: string[];
  start: number;
  planEnd: number;
  showPlanEnd: boolean;
  actual: number | null;
  status: string;
  /** Rows of one group share this id. */
  group: number;
  /** No ППН for this row (speed mentoring, or a planted error on the row). */
  noProgram: boolean;
  kind: 'young' | 'newcomer' | 'experienced';
}

const TOPICS_PRESCHOOL: ReadonlyArray<readonly [string, number]> = [[TOPIC.methods, 3], [TOPIC.upbringing, 3], [TOPIC.lessons, 1.5], [TOPIC.support, 1.5], [TOPIC.subject, 0.5]];
const TOPICS_SPECIALIST: ReadonlyArray<readonly [string, number]> = [[TOPIC.support, 3], [TOPIC.upbringing, 2], [TOPIC.methods, 1.5], [TOPIC.lessons, 1]];
const TOPICS_TEACHER: ReadonlyArray<readonly [string, number]> = [[TOPIC.subject, 3], [TOPIC.methods, 3], [TOPIC.lessons, 2], [TOPIC.upbringing, 1.5], [TOPIC.support, 0.5]];
const TOPIC_COUNT = [[1, 0.55], [2, 0.35], [3, 0.1]] as const;
const YOUNG_FORMS = [[FORM.traditional, 0.65], [FORM.peer, 0.2], [FORM.virtual, 0.07], [FORM.headTeacher, 0.08]] as const;
const EXPERIENCED_FORMS = [[FORM.shortTerm, 3], [FORM.situational, 2], [FORM.speed, 1.5], [FORM.virtual, 1.5], [FORM.reverse, 1.5], [FORM.headTeacher, 2], [FORM.peer, 2], [FORM.other, 1], [FORM.traditional, 1]] as const;

function topicsFor(rng: Rng, t: Teacher, forced?: string): string[] {
  const p = t.position;
  const pool = /воспитатель|музыкальный|инструктор по физ/.test(p)
    ? TOPICS_PRESCHOOL
    : /психолог|социальный|логопед|тьютор|советник|организатор|библиотекарь/.test(p)
      ? TOPICS_SPECIALIST
      : TOPICS_TEACHER;
  const k = weighted(rng, TOPIC_COUNT);
  const chosen = new Set<string>(forced ? [forced] : []);
  for (let i = 0; i < 10 && chosen.size < k; i++) chosen.add(weighted(rng, pool));
  return TOPIC_ORDER.filter((x) => chosen.has(x));
}

function chooseMentor(org: Org, rng: Rng, mentee: Teacher, start: number, prefer?: (t: Teacher) => boolean): Teacher | null {
  const same = org.seniorsBySpec.get(specKey(mentee)) ?? [];
  const preferred = prefer ? org.seniors.filter(prefer) : [];
  for (let attempt = 0; attempt < 24; attempt++) {
    const pool = attempt < 6 && preferred.length ? preferred : attempt < 12 && same.length ? same : org.seniors;
    if (pool.length === 0) return null;
    const c = pick(rng, pool);
    if (c !== mentee && employedOn(c, start) && c.load < (attempt < 18 ? 3 : 5)) return c;
  }
  return null;
}

/** The status a school would show now, and the actual end date it would have written. */
function settle(rng: Rng, p: Pair, ref: number): void {
  const leaves = [p.mentee.dismiss, p.mentor.dismiss].filter((x): x is number => x !== null);
  const leave = leaves.length ? Math.min(...leaves) : null;
  if (leave !== null && leave <= ref && leave <= p.planEnd) {
    p.status = PAIR.stopped;
    p.actual = Math.max(p.start, leave);
    return;
  }
  if (p.planEnd <= ref) {
    const r = rng();
    if (r < 0.78) {
      p.status = PAIR.done;
      p.actual = clamp(p.planEnd + int(rng, -10, 5), p.start, ref);
    } else if (r < 0.9) {
      p.status = PAIR.active; // nobody updated the row yet
      p.actual = null;
    } else {
      p.status = PAIR.stopped;
      p.actual = clamp(int(rng, p.start + 14, p.planEnd - 1), p.start, ref);
    }
    return;
  }
  const r = rng();
  if (r < 0.9 || ref - p.start < 21) {
    p.status = PAIR.active;
    p.actual = null;
  } else if (r < 0.97) {
    p.status = PAIR.stopped;
    p.actual = int(rng, p.start + 14, ref);
  } else {
    p.status = PAIR.done;
    p.actual = int(rng, p.start + 14, ref);
  }
}

const DURATION: Record<string, readonly [number, number]> = {
  [FORM.speed]: [1, 14],
  [FORM.situational]: [14, 60],
  [FORM.shortTerm]: [60, 150],
  [FORM.virtual]: [90, 240],
  [FORM.reverse]: [60, 180],
  [FORM.headTeacher]: [90, 270],
  [FORM.peer]: [120, 270],
  [FORM.traditional]: [180, 270],
  [FORM.other]: [60, 200],
  [FORM.group]: [180, 270],
};

function genPairs(org: Org, ctx: Ctx, rng: Rng): Pair[] {
  const { ref, w0 } = ctx;
  const pairs: Pair[] = [];
  let groupId = 0;
  const make = (mentor: Teacher, mentees: Teacher[], form: string, start: number, planEnd: number, kind: Pair['kind'], forcedTopic?: string) => {
    mentor.load++;
    mentor.isMentor = true;
    const group = ++groupId;
    const topics = topicsFor(rng, mentees[0]!, forcedTopic);
    for (const mentee of mentees) {
      const p: Pair = {
        mentor, mentorText: mentor.fio, mentee, menteeText: mentee.fio, form, topics, start,
        planEnd: Math.max(planEnd, start), showPlanEnd: true, actual: null, status: PAIR.active,
        group, noProgram: false, kind,
      };
      settle(rng, p, ref);
      pairs.push(p);
    }
  };
  /** 31 May closing the school year of `start`, or the next one for a two-year plan. */
  const yearEnd = (start: number, twoYears: boolean) => {
    const y = ymd(schoolYearStart(start))[0] + 1 + (twoYears ? 1 : 0);
    const e = day(y, 5, 31);
    return e - start < 60 ? day(y + 1, 5, 31) : e;
  };

  // (a) Young specialists: most get a mentor for their first year(s), a few in groups.
  const candidates: { t: Teacher; start: number }[] = [];
  for (const t of org.teachers) {
    if (!(t.young || t.youngAtWindow)) continue;
    if (t.hire > ref - 10 || (t.dismiss !== null && t.dismiss <= w0 + 10)) continue;
    if (rng() >= 0.88) continue;
    const lo = Math.max(t.hire, w0);
    const start = workday(t.hire >= w0 ? t.hire + int(rng, 3, 25) : w0 + int(rng, 0, 40), lo);
    if (start > ref - 3 || (t.dismiss !== null && t.dismiss <= start + 5)) continue;
    if (!t.young && start > w0 + 60) continue; // no longer young by then
    candidates.push({ t, start });
  }
  candidates.sort((a, b) => a.start - b.start || cmp(a.t.fio, b.t.fio));
  let groups = 0;
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    const next = candidates[i + 1];
    const sameYear = (x: { start: number } | undefined) => x !== undefined && schoolYearStart(x.start) === schoolYearStart(c.start);
    const wantGroup = org.kind !== 'additional' && sameYear(next) && ((org.kind === 'school' && groups === 0) || rng() < 0.2);
    if (wantGroup) {
      const members = [c, next!];
      const third = candidates[i + 2];
      if (sameYear(third) && rng() < 0.4) members.push(third!);
      const start = Math.max(...members.map((m) => m.start));
      const stillThere = members.filter((m) => m.t.dismiss === null || m.t.dismiss > start + 5);
      const mentor = stillThere.length >= 2
        ? chooseMentor(org, rng, c.t, start, (t) => /старший воспитатель|психолог/.test(t.position) || t.category === CAT.high)
        : null;
      if (mentor) {
        make(mentor, stillThere.map((m) => m.t), FORM.group, start, yearEnd(start, false), 'young');
        groups++;
        i += members.length - 1;
        continue;
      }
    }
    const form = weighted(rng, YOUNG_FORMS);
    const mentor = chooseMentor(org, rng, c.t, c.start);
    if (!mentor) continue;
    make(mentor, [c.t], form, c.start, yearEnd(c.start, rng() < 0.4), 'young');
    const first = pairs[pairs.length - 1]!;
    // A second year with a mentor (same or another) after the first one closed.
    if (first.status === PAIR.done && first.actual !== null && first.actual < ref - 60 && rng() < 0.45 && c.t.young) {
      const [y, m] = ymd(first.actual);
      const start2 = workday(day(m >= 9 ? y + 1 : y, 9, int(rng, 1, 20)), first.actual + 1);
      if (start2 < ref - 3 && employedOn(c.t, start2)) {
        const mentor2 = rng() < 0.7 && employedOn(mentor, start2) ? mentor : chooseMentor(org, rng, c.t, start2);
        if (mentor2) make(mentor2, [c.t], rng() < 0.7 ? FORM.traditional : FORM.peer, start2, yearEnd(start2, false), 'young');
      }
    }
  }

  // (b) Experienced teachers new to this organization: a short adaptation.
  const busy = new Set(pairs.map((p) => p.mentee));
  for (const t of org.teachers) {
    if (t.young || busy.has(t) || t.hire < w0 || t.hire > ref - 20 || rng() >= 0.5) continue;
    const start = workday(t.hire + int(rng, 5, 20), t.hire);
    if (!employedOn(t, start) || start > ref - 3) continue;
    const form = pick(rng, [FORM.situational, FORM.shortTerm, FORM.peer, FORM.headTeacher, FORM.traditional]);
    const [lo, hi] = DURATION[form]!;
    const mentor = chooseMentor(org, rng, t, start);
    if (!mentor) continue;
    make(mentor, [t], form, start, start + int(rng, lo, hi), 'newcomer');
    busy.add(t);
  }

  // (c) Experienced teachers: attestation, a new course, digital tools from a younger colleague…
  // The first such pair takes a form and a direction that rotate over the organizations, so
  // every form and direction occurs in any municipality of ten or more organizations.
  const wanted = Math.max(1, Math.round(org.teachers.length * 0.06 * (0.5 + rng())));
  let made = 0;
  for (let attempt = 0; attempt < Math.max(60, wanted * 8) && (made < wanted || pairs.length < 3); attempt++) {
    const forced = made === 0;
    const form = forced
      ? SINGLE_FORMS[org.ordinal % SINGLE_FORMS.length]!
      : weighted(rng, EXPERIENCED_FORMS);
    const [lo, hi] = DURATION[form]!;
    const start = workday(int(rng, w0, ref - 5), w0);
    const mentee = pick(rng, org.teachers);
    if (busy.has(mentee) || !employedOn(mentee, start)) continue;
    let mentor: Teacher | null;
    if (form === FORM.reverse) {
      // Reverse mentoring: a younger colleague teaches an experienced one.
      if (mentee.stazh < 15) continue;
      const juniors = org.teachers.filter((t) => t !== mentee && t.careerStart > ref - 8 * 365 && employedOn(t, start));
      mentor = juniors.length ? pick(rng, juniors) : null;
    } else if (form === FORM.headTeacher) {
      mentor = chooseMentor(org, rng, mentee, start, (t) => t.position === 'старший воспитатель' || t.position === 'методист' || t.category === CAT.high);
    } else {
      mentor = chooseMentor(org, rng, mentee, start);
    }
    if (!mentor) continue;
    make(mentor, [mentee], form, start, start + int(rng, lo, hi), 'experienced', forced ? TOPIC_ORDER[org.ordinal % TOPIC_ORDER.length] : undefined);
    busy.add(mentee);
    made++;
  }

  // Cross-organization mentors (municipal level, item 2.1): `ФИО (КОД-ОО)`.
  if (org.ordinal % 6 === 2 || rng() < 0.05) {
    const candidates = pairs.filter((p) => p.form !== FORM.group && p.form !== FORM.reverse);
    const others = ctx.orgs.filter((o) => o !== org && o.seniors.length > 0);
    // A colleague of the same speciality, from an organization of the same kind when possible
    // (a kindergarten's psychologist from another kindergarten, a coach from a school's PE staff).
    const sameKind = others.filter((o) => o.kind === org.kind);
    if (candidates.length && others.length) {
      const p = pick(rng, candidates);
      const fits = (t: Teacher) => t.dismiss === null && t.hire <= p.start;
      const speciality = (t: Teacher) => t.position === p.mentee.position || (t.subject !== '' && t.subject === p.mentee.subject);
      for (let attempt = 0; attempt < 12; attempt++) {
        const other = pick(rng, attempt < 8 && sameKind.length ? sameKind : others);
        const pool = other.seniors.filter(fits);
        const same = pool.filter(speciality);
        if (!same.length && attempt < 10) continue;
        if (!pool.length) continue;
        const mentor = pick(rng, same.length ? same : pool);
        p.mentor.load--;
        p.mentor = mentor;
        p.mentorText = `${mentor.fio} (${other.code})`;
        mentor.isMentor = true;
        mentor.load++;
        settle(rng, p, ref);
        break;
      }
    }
  }
  // Mentors nobody else leads any more keep the flag; a few registered mentors have no pair now.
  for (const p of pairs) p.mentor.isMentor = true;
  for (const t of org.seniors) if (!t.isMentor && rng() < 0.04) t.isMentor = true;
  // The optional planned end is sometimes left empty while the pair runs.
  for (const p of pairs) if (p.status === PAIR.active && rng() < 0.08) p.showPlanEnd = false;
  pairs.sort((a, b) => a.start - b.start || a.group - b.group || cmp(a.mentee.fio, b.mentee.fio));
  return pairs;
}

// ---- programs (ППН) ------------------------------------------------------------------------------

interface Program {
  pair: Pair;
  title: string;
  approved: number;
  planEnd: number;
  actual: number | null;
  planned: number;
  done: number;
  status: string;
  published: boolean | null;
}

const PROGRAM_TITLES = {
  young: [
    'Адаптация молодого специалиста в образовательной организации',
    'Профессиональное становление молодого педагога',
    'Первые шаги в профессии',
    'Развитие методической компетентности молодого педагога',
    'Школа молодого педагога: от теории к практике',
  ],
  newcomer: [
    'Вхождение в коллектив и освоение локальных актов организации',
    'Адаптация педагога, сменившего место работы',
  ],
  experienced: [
    'Подготовка к аттестации на квалификационную категорию',
    'Освоение цифровых образовательных ресурсов',
    'Подготовка к конкурсу профессионального мастерства',
    'Работа с обучающимися с ОВЗ в условиях инклюзии',
    'Проектирование современного занятия',
  ],
};

const PUBLISHED = [[true, 0.6], [false, 0.3], [null, 0.1]] as const;

function genPrograms(pairs: Pair[], ctx: Ctx, rng: Rng): Program[] {
  const { ref } = ctx;
  const out: Program[] = [];
  for (const p of pairs) {
    if (p.noProgram) continue;
    const chance = p.form === FORM.speed ? 0.2 : [FORM.shortTerm, FORM.reverse, FORM.situational, FORM.other].includes(p.form) ? 0.6 : 0.9;
    if (out.length >= 3 && rng() >= chance) continue;
    const approved = Math.min(workday(p.start + int(rng, 0, 21), p.start), ref);
    const planEnd = Math.max(p.planEnd, approved + 30);
    const planned = int(rng, 6, 18);
    let status: string;
    let actual: number | null = null;
    let done: number;
    const elapsed = (approved: number) => clamp((ref - approved) / Math.max(1, planEnd - approved), 0, 1);
    if (p.status === PAIR.stopped) {
      status = PROGRAM.stopped;
      actual = Math.max(approved, p.actual ?? approved);
      done = Math.min(planned, Math.round(planned * clamp((actual - approved) / Math.max(1, planEnd - approved), 0, 1)));
    } else if (p.status === PAIR.done) {
      if (rng() < 0.08) {
        status = PROGRAM.running; // the program row was not updated: overdue
        actual = null;
        done = planned - int(rng, 1, 3);
      } else {
        status = PROGRAM.done;
        // Mostly on time; some finished late, after the planned end.
        actual = rng() < 0.25 ? Math.min(ref, planEnd + int(rng, 1, 30)) : clamp((p.actual ?? planEnd) + int(rng, -3, 0), approved, ref);
        done = rng() < 0.75 ? planned : planned - int(rng, 1, 2);
      }
    } else if (ref - p.start < 45 && rng() < 0.6) {
      status = PROGRAM.draft;
      done = 0;
    } else if (rng() < 0.05) {
      status = PROGRAM.draft; // drafted and forgotten
      done = 0;
    } else {
      status = PROGRAM.running;
      done = Math.round(planned * elapsed(approved) * (0.7 + rng() * 0.35));
    }
    done = clamp(done, 0, planned);
    const titles = PROGRAM_TITLES[p.kind];
    const title = rng() < 0.05 ? '' : p.kind === 'experienced' && p.form === FORM.reverse ? 'Освоение цифровых образовательных ресурсов' : pick(rng, titles);
    const published = weighted(rng, PUBLISHED);
    out.push({ pair: p, title, approved, planEnd, actual, planned, done, status, published });
  }
  out.sort((a, b) => a.approved - b.approved || cmp(a.pair.mentee.fio, b.pair.mentee.fio));
  return out;
}

// ---- professional development ---------------------------------------------------------------------

interface CourseDef {
  title: string;
  hours: readonly number[];
  mentoring: boolean;
  profiles: readonly Profile[] | 'all';
}

const COURSES: readonly CourseDef[] = [
  { title: 'Оказание первой помощи в образовательной организации', hours: [16, 24], mentoring: false, profiles: 'all' },
  { title: 'Реализация требований обновлённых ФГОС НОО, ФГОС ООО в работе учителя', hours: [36, 72], mentoring: false, profiles: ['school'] },
  { title: 'Федеральная образовательная программа: содержание и организация реализации', hours: [36, 72], mentoring: false, profiles: ['school'] },
  { title: 'Формирование функциональной грамотности обучающихся', hours: [36, 72], mentoring: false, profiles: ['school'] },
  { title: 'Разговоры о важном: система работы классного руководителя', hours: [36, 58], mentoring: false, profiles: ['school'] },
  { title: 'Школа Минпросвещения России: новые возможности для повышения качества образования', hours: [48], mentoring: false, profiles: ['school'] },
  { title: 'Федеральная образовательная программа дошкольного образования: содержание и технологии реализации', hours: [72, 36], mentoring: false, profiles: ['kindergarten'] },
  { title: 'Развитие речи детей дошкольного возраста в соответствии с ФГОС ДО', hours: [36], mentoring: false, profiles: ['kindergarten'] },
  { title: 'Дополнительные общеразвивающие программы нового поколения', hours: [36, 72], mentoring: false, profiles: ['creative', 'art', 'nature', 'sport'] },
  { title: 'Методика спортивной подготовки в учреждениях дополнительного образования', hours: [72, 108], mentoring: false, profiles: ['sport'] },
  { title: 'Организация образовательного процесса для обучающихся с ОВЗ в условиях инклюзии', hours: [72, 144], mentoring: false, profiles: 'all' },
  { title: 'Цифровые образовательные ресурсы в деятельности педагога', hours: [36, 18], mentoring: false, profiles: 'all' },
  { title: 'Профилактика деструктивного поведения обучающихся', hours: [24, 36], mentoring: false, profiles: ['school', 'creative', 'sport', 'art', 'nature'] },
  { title: 'Наставничество в образовательной организации: организация и сопровождение', hours: [36, 72], mentoring: true, profiles: 'all' },
  { title: 'Технологии наставничества педагогических работников', hours: [36], mentoring: true, profiles: 'all' },
  { title: 'Разработка и реализация персонализированных программ наставничества', hours: [24, 36], mentoring: true, profiles: 'all' },
  { title: 'Школа наставника: методическое сопровождение молодого педагога', hours: [72, 144], mentoring: true, profiles: 'all' },
];
const ORGANIZERS = [
  'ГАУ ДПО ИРО',
  'ГАУ ДПО ИРО',
  'ФГАОУ ДПО «Академия Минпросвещения России»',
  'МОУ ДПО ЦРО г. Саянска',
  'ООО «Центр инновационного образования и воспитания»',
  'АНО ДПО «Платформа»',
  'ООО «Инфоурок»',
];

interface Course {
  t: Teacher;
  def: CourseDef;
  hours: number;
  end: number;
  organizer: string;
}

const COURSES_PER_TEACHER = [[0, 0.3], [1, 0.35], [2, 0.25], [3, 0.1]] as const;

function genCourses(org: Org, ctx: Ctx, rng: Rng): Course[] {
  const { ref, w0 } = ctx;
  const pool = COURSES.filter((c) => c.profiles === 'all' || c.profiles.includes(org.profile));
  const general = pool.filter((c) => !c.mentoring);
  const mentoring = pool.filter((c) => c.mentoring);
  const out: Course[] = [];
  const course = (t: Teacher, def: CourseDef): void => {
    const lo = Math.max(t.hire + 7, w0);
    const hi = Math.min(t.dismiss === null ? ref : t.dismiss - 1, ref);
    if (lo > hi) return;
    out.push({ t, def, hours: pick(rng, def.hours), end: int(rng, lo, hi), organizer: def.mentoring ? pick(rng, ORGANIZERS.slice(0, 4)) : pick(rng, ORGANIZERS) });
  };
  for (const t of org.teachers) {
    const n = weighted(rng, COURSES_PER_TEACHER);
    for (let i = 0; i < n; i++) {
      const mentoringCourse = (t.isMentor && i === 0 && rng() < 0.45) || rng() < 0.04;
      course(t, pick(rng, mentoringCourse ? mentoring : general));
    }
  }
  for (let guard = 0; out.length < 5 && guard < 100; guard++) course(pick(rng, org.teachers), pick(rng, general));
  out.sort((a, b) => cmp(a.t.fio, b.t.fio) || a.end - b.end);
  return out;
}

// ---- small tabs -----------------------------------------------------------------------------------

const PRACTICE_TITLES = [
  'Клуб молодого педагога «Старт»',
  'Педагогическая мастерская «Ступени мастерства»',
  'Методический кейс «Первый урок молодого учителя»',
  'Адаптационный марафон для молодых воспитателей',
  'Открытые занятия наставника и наставляемого: взаимопосещение',
  'Портфолио наставляемого как инструмент самооценки',
  'Реверсивное наставничество: цифровые инструменты для опытных педагогов',
];

const EVENT_TEMPLATES: readonly { kind: string; title: string; level: string; people: readonly [number, number] }[] = [
  { kind: EVENT_KIND.mo, title: 'Заседание МО наставников: план работы на учебный год', level: LEVEL.org, people: [4, 15] },
  { kind: EVENT_KIND.mo, title: 'Заседание МО наставников: итоги адаптации молодых специалистов', level: LEVEL.org, people: [4, 15] },
  { kind: EVENT_KIND.meeting, title: 'Совещание при директоре «Реализация программ наставничества»', level: LEVEL.org, people: [8, 40] },
  { kind: EVENT_KIND.seminar, title: 'Семинар «Индивидуальный образовательный маршрут молодого педагога»', level: LEVEL.municipal, people: [12, 45] },
  { kind: EVENT_KIND.seminar, title: 'Семинар «Наставничество в образовании Саянска и Зимы»', level: LEVEL.intermunicipal, people: [15, 60] },
  { kind: EVENT_KIND.webinar, title: 'Вебинар ИРО «Наставничество: от программы к результату»', level: LEVEL.regional, people: [1, 8] },
  { kind: EVENT_KIND.conference, title: 'Конференция «Педагогическое наставничество: опыт, проблемы, перспективы»', level: LEVEL.municipal, people: [3, 12] },
  { kind: EVENT_KIND.forum, title: 'Форум молодых педагогов Иркутской области', level: LEVEL.regional, people: [1, 5] },
  { kind: EVENT_KIND.contract, title: 'Договор о сетевом взаимодействии по наставничеству', level: LEVEL.municipal, people: [2, 2] },
  { kind: EVENT_KIND.other, title: 'Педагогическая мастерская «Открытый урок молодого специалиста»', level: LEVEL.org, people: [6, 25] },
];

// ---- deliberate errors ----------------------------------------------------------------------------

interface Plant {
  org: string;
  tab: TabKey;
  /** Data row index (0 = the first row under the header). */
  pos: number;
  column: string;
  value?: Cell;
  severity: DeliberateError['severity'];
  problem: DeliberateError['problem'];
}

/**
 * Where the invalid cells go. Positions are fixed data rows, and the organizations' layouts
 * depend on their codes only, so the sheet rows below hold for every seed and reference date
 * (given the default numbers of organizations, or more).
 */
const PLANTS: readonly Plant[] = [
  { org: 'СОШ-1', tab: 'programs', pos: 1, column: 'events_done', severity: 'warning', problem: 'events_done_gt_planned' },
  { org: 'СОШ-2', tab: 'courses', pos: 4, column: 'end_date', value: '31.02.2024', severity: 'error', problem: 'impossible_date' },
  { org: 'СОШ-3', tab: 'pairs', pos: 2, column: 'mentee', severity: 'error', problem: 'unknown_person' },
  { org: 'СОШ-5', tab: 'courses', pos: 3, column: 'hours', value: '72 ч.', severity: 'error', problem: 'text_in_number' },
  { org: 'СОШ-6', tab: 'programs', pos: 2, column: 'approved', value: '', severity: 'error', problem: 'missing_required' },
  { org: 'ДОУ-2', tab: 'attestations', pos: 0, column: 'category', value: 'вторая', severity: 'error', problem: 'unknown_category' },
  { org: 'ДОУ-4', tab: 'programs', pos: 0, column: 'end_plan', value: '03/04/2024', severity: 'error', problem: 'ambiguous_date' },
  { org: 'ЦРТ', tab: 'pairs', pos: 1, column: 'form', value: 'Сетевая', severity: 'error', problem: 'unknown_enum' },
];

/** Schools that put a title above the header do it on their main tabs, not everywhere. */
const TITLED_TABS: readonly TabKey[] = ['teachers', 'pairs', 'programs'];

function titleRowsOf(layout: Layout, tab: TabKey): number {
  return TITLED_TABS.includes(tab) ? layout.titleRows : 0;
}

function headerText(layout: Layout, tab: TabKey, key: string): string {
  const c = tabDecl(tab).columns.find((x) => x.key === key);
  if (!c) throw new Error(`demo: the contract has no column ${tab}.${key}`);
  if (layout.aliasVariant === 0 || c.aliases.length === 0) return c.header;
  return layout.aliasVariant === 1 ? c.aliases[0]! : c.aliases[c.aliases.length - 1]!;
}

function tabTitle(layout: Layout, tab: TabKey): string {
  const title = tabDecl(tab).title;
  if (!layout.oddTitles) return title;
  // Titles are matched tolerantly (case, ё/е, spaces, a trailing period): schools rely on it.
  if (tab === 'programs') return `${title}.`;
  if (tab === 'attestations') return title.toLowerCase();
  return title;
}

function describePlant(p: Plant, value?: Cell): DeliberateError {
  const layout = layoutOfCode(p.org);
  if (!layout) throw new Error(`demo: no layout for ${p.org}`);
  const c = tabDecl(p.tab).columns.find((x) => x.key === p.column)!;
  const e: DeliberateError = {
    org: p.org,
    tab: tabTitle(layout, p.tab),
    row: titleRowsOf(layout, p.tab) + 1 + 1 + p.pos,
    column: headerText(layout, p.tab, p.column),
    canonicalColumn: c.header,
    severity: p.severity,
    problem: p.problem,
  };
  const v = value !== undefined ? value : p.value;
  if (v !== undefined) e.value = v;
  return e;
}

/**
 * The invalid cells planted in the default municipality (8 schools, 14 kindergartens,
 * 2 additional), for any seed and reference date. Values that depend on the data (the
 * misspelt name, the done count) are in `generateMunicipality(...).deliberateErrors`.
 */
export const DEMO_DELIBERATE_ERRORS: readonly DeliberateError[] = PLANTS.map((p) => describePlant(p));

/** A misspelling a person could make: a doubled consonant in the surname. */
function misspell(fio: string, taken: Set<string>): string {
  const [surname = '', ...rest] = fio.split(' ');
  for (let i = 1; i < surname.length; i++) {
    if (!'нлмрствкпд'.includes(surname[i]!)) continue;
    const s = surname.slice(0, i + 1) + surname[i] + surname.slice(i + 1);
    const candidate = [s, ...rest].join(' ');
    if (!taken.has(candidate.toLowerCase().replace(/ё/g, 'е'))) return candidate;
  }
  return [`${surname}ь`, ...rest].join(' ');
}

// ---- emission -------------------------------------------------------------------------------------

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function dateCell(org: Org, dn: number | null): Cell {
  if (dn === null) return '';
  const text = org.layout.dates === 'text' || (org.layout.dates === 'mixed' && org.fmt() < 0.35);
  return text ? ruOf(dn) : dn - SERIAL_EPOCH;
}

function yesNo(org: Org, v: boolean | null): Cell {
  if (v === null) return '';
  if (org.layout.checkboxes) return v;
  return v ? 'Да' : 'Нет';
}

function categoryCell(org: Org, cat: string): Cell {
  return org.layout.categoryShorthand && org.fmt() < 0.6 ? (CATEGORY_SHORTHAND.get(cat) ?? cat) : cat;
}

/** How a school retypes a name on another tab: ё as е, a double space. Same person after normalization. */
function refText(org: Org, fio: string): string {
  if (!org.layout.sloppyRefs) return fio;
  let s = fio;
  if (org.fmt() < 0.5) s = s.replace(/ё/g, 'е').replace(/Ё/g, 'Е');
  if (org.fmt() < 0.1) s = s.replace(' ', '  ');
  return s;
}

function trimRow(row: Cell[]): Cell[] {
  let n = row.length;
  while (n > 0 && (row[n - 1] === '' || row[n - 1] === null)) n--;
  return n === row.length ? row : row.slice(0, n);
}

/** Column order for the organization that shuffles its columns: stable, by a hash of the header. */
function columnOrder(headers: string[], shuffled: boolean): number[] {
  const idx = headers.map((_, i) => i);
  if (!shuffled) return idx;
  return idx.sort((a, b) => fnv1a(headers[a]!) - fnv1a(headers[b]!));
}

/** Column key of the running-number column some schools add; not a contract column. */
const NUMBER_COLUMN = '№ п/п';

function emitTab(org: Org, tab: TabKey, keys: readonly string[], rows: Record<string, Cell>[]): RawTab {
  const title = tabTitle(org.layout, tab);
  // The staff list is the one that gets a running number.
  const allKeys = org.layout.numbered && tab === 'teachers' ? [NUMBER_COLUMN, ...keys] : [...keys];
  const headers = allKeys.map((k) => (k === NUMBER_COLUMN ? k : headerText(org.layout, tab, k)));
  const order = columnOrder(headers, org.layout.shuffled);
  const outKeys = order.map((i) => allKeys[i]!);
  const grid: Cell[][] = [];
  const titleRows = titleRowsOf(org.layout, tab);
  if (titleRows >= 1) grid.push([`${title}: ${org.name}`]);
  if (titleRows >= 2) grid.push([]);
  grid.push(order.map((i) => headers[i]!));
  // One array per row, trailing blanks dropped in place: at region scale the grids are most
  // of the garbage the generator makes.
  for (let r = 0; r < rows.length; r++) {
    const rec = rows[r]!;
    const line: Cell[] = new Array<Cell>(outKeys.length);
    let last = -1;
    for (let j = 0; j < outKeys.length; j++) {
      const k = outKeys[j]!;
      const v = k === NUMBER_COLUMN ? r + 1 : (rec[k] ?? '');
      line[j] = v;
      if (v !== '' && v !== null) last = j;
    }
    line.length = last + 1;
    grid.push(line);
  }
  return { title, grid };
}

function plantsFor(org: Org, tab: TabKey): Plant[] {
  return PLANTS.filter((p) => p.org === org.code && p.tab === tab);
}

interface Mentoring {
  pairs: Pair[];
  /** The organization's mentoring stream, continued by the programs. */
  rng: Rng;
}

/** Pairs of one organization, with the planted pair errors (those rows get no program). */
function buildPairs(org: Org, ctx: Ctx): Mentoring {
  const rng = stream(ctx.seed, org.code, 'mentoring');
  const names = new Set(org.teachers.map((t) => t.fio.toLowerCase().replace(/ё/g, 'е')));
  const pairs = genPairs(org, ctx, rng);
  for (const p of plantsFor(org, 'pairs')) {
    const row = pairs[p.pos];
    if (!row) continue;
    row.noProgram = true;
    if (p.column === 'mentee') {
      row.menteeText = misspell(row.menteeText, names);
      org.planted.push(describePlant(p, row.menteeText));
    } else if (p.column === 'form') {
      row.form = String(p.value);
      org.planted.push(describePlant(p));
    }
  }
  return { pairs, rng };
}

function buildOrgTabs(org: Org, ctx: Ctx, { pairs, rng }: Mentoring): void {
  const { ref, w0 } = ctx;
  const plant = (p: Plant, value?: Cell) => org.planted.push(describePlant(p, value));
  const programs = genPrograms(pairs, ctx, rng);

  // Mentor flags and training, then the curator (item 3.4).
  for (const t of org.teachers) t.trained = t.isMentor ? rng() < 0.6 : rng() < 0.02;
  const curatorPool = org.teachers.filter((t) => t.dismiss === null && (t.isMentor || t.category === CAT.high) && t.stazh >= 10);
  org.curator = org.layout.curatorBlank || curatorPool.length === 0 ? '' : pick(rng, curatorPool).fio;

  const courses = genCourses(org, ctx, stream(ctx.seed, org.code, 'courses'));
  const frng = stream(ctx.seed, org.code, 'extras');

  // Педагоги
  const teachers = [...org.teachers].sort((a, b) => cmp(a.fio, b.fio));
  const teacherKeys = tabDecl('teachers').columns.map((c) => c.key).filter((k) => k !== 'code' || org.layout.staffCodes);
  const teacherRows = teachers.map((t) => ({
    fio: t.fio,
    code: t.staffCode,
    position: t.position,
    subject: t.subject,
    hired: t.showHire ? dateCell(org, t.hire) : '',
    dismissed: dateCell(org, t.dismiss),
    experience: t.stazh,
    young: t.young ? yesNo(org, true) : org.layout.youngOnlyYes ? '' : yesNo(org, false),
    category: categoryCell(org, t.category),
    is_mentor: t.isMentor ? yesNo(org, true) : frng() < 0.5 ? yesNo(org, false) : '',
    mentor_trained: t.trained ? yesNo(org, true) : t.isMentor ? yesNo(org, false) : '',
  }));

  // Наставнические пары
  const pairRows = pairs.map((p) => ({
    mentor: p.mentorText,
    mentee: p.menteeText,
    form: p.form,
    topics: p.topics.join('; '),
    start_date: dateCell(org, p.start),
    end_plan: p.showPlanEnd ? dateCell(org, p.planEnd) : '',
    end_fact: dateCell(org, p.actual),
    status: p.status,
  }));

  // Программы наставничества
  const programRows: Record<string, Cell>[] = programs.map((g) => ({
    mentee: g.pair.menteeText,
    mentor: g.pair.mentorText,
    title: g.title,
    approved: dateCell(org, g.approved),
    end_plan: dateCell(org, g.planEnd),
    end_fact: dateCell(org, g.actual),
    events_planned: g.planned,
    events_done: g.done,
    status: g.status,
    published: yesNo(org, g.published),
  }));
  for (const p of plantsFor(org, 'programs')) {
    const row = programRows[p.pos];
    if (!row) continue;
    if (p.problem === 'events_done_gt_planned') {
      row.events_done = Number(row.events_planned) + 2;
      plant(p, row.events_done);
    } else {
      row[p.column] = p.value ?? '';
      plant(p);
    }
  }

  // Повышение квалификации
  const courseRows: Record<string, Cell>[] = courses.map((c) => ({
    person: refText(org, c.t.fio),
    program: c.def.title,
    hours: c.hours,
    end_date: dateCell(org, c.end),
    mentoring_topic: c.def.mentoring ? yesNo(org, true) : frng() < 0.5 ? yesNo(org, false) : '',
    organizer: frng() < 0.9 ? c.organizer : '',
  }));
  for (const p of plantsFor(org, 'courses')) {
    const row = courseRows[p.pos];
    if (!row) continue;
    row[p.column] = p.value ?? '';
    plant(p);
  }

  // Аттестация: recent decisions always, the whole history in some organizations.
  const listedFrom = Math.max(OLDEST_LISTED_ORDER, org.layout.fullHistory ? 0 : addYears(ref, -6));
  const attRows: Record<string, Cell>[] = [];
  for (const t of teachers) {
    const listed = t.att.filter((a) => a.date >= listedFrom);
    const hiddenBefore = listed.length < t.att.length;
    listed.forEach((a, i) => {
      // «Прежняя категория» is optional: filled often for the first listed row (it carries the
      // history that is not listed), sometimes afterwards. It is always what was held the day before.
      const fill = i === 0 ? (hiddenBefore && a.prev !== CAT.none ? frng() < 0.75 : frng() < 0.25) : frng() < 0.45;
      attRows.push({
        person: refText(org, t.fio),
        order_date: dateCell(org, a.date),
        category: categoryCell(org, a.cat),
        prev_category: fill ? categoryCell(org, a.prev) : '',
      });
    });
  }
  for (const p of plantsFor(org, 'attestations')) {
    // An old decision typed from a paper record, with a category that no longer exists.
    const first = attRows[p.pos];
    if (!first) continue;
    const t = teachers.find((x) => refText(org, x.fio) === first.person || x.fio === first.person);
    const firstDate = t?.att.find((a) => a.date >= listedFrom)?.date ?? day(2015, 5, 20);
    const row: Record<string, Cell> = { person: first.person ?? '', order_date: dateCell(org, Math.max(OLDEST_LISTED_ORDER, addYears(firstDate, -5))), category: p.value ?? '', prev_category: '' };
    attRows.splice(p.pos, 0, row);
    plant(p);
  }

  // Исполнение распоряжения (item 3 of the order)
  const complianceRows: Record<string, Cell>[] = [];
  let orderNo = int(frng, 18, 60);
  let lastDate = ORDER_DAY;
  const items = ORDER_ITEMS.map((it): { item: string; done: number | null; doc: string } => {
    const deadline = it.deadline === null ? null : parseIsoDay(it.deadline);
    let done: number | null;
    const r = frng();
    if (deadline === null) done = r < 0.9 ? int(frng, day(2023, 2, 20), day(2023, 4, 28)) : null;
    else if (r < 0.84) done = int(frng, Math.min(day(2023, 2, 20), deadline), deadline);
    else if (r < 0.94) done = deadline + int(frng, 1, 45);
    else done = null;
    if (done !== null) done = workday(done, ORDER_DAY);
    if (done !== null && done > ref) done = null;
    return { item: it.item, done, doc: '' };
  });
  for (const it of [...items].sort((a, b) => (a.done ?? Infinity) - (b.done ?? Infinity))) {
    if (it.done === null) continue;
    orderNo += it.done === lastDate ? 0 : int(frng, 1, 6);
    lastDate = it.done;
    it.doc = `Приказ № ${orderNo} от ${ruOf(it.done)}`;
  }
  for (const it of items) {
    complianceRows.push({
      item: it.item,
      done_date: dateCell(org, it.done),
      // Some duties are evidenced by a page on the organization's site rather than an order.
      document: it.item === '3.2' && it.doc ? `https://${org.slug}.sayansk.example/nastavnichestvo` : it.doc,
    });
  }

  // Лучшие практики, Мероприятия
  const practiceRows: Record<string, Cell>[] = [];
  if (org.layout.practices) {
    const authors = org.teachers.filter((t) => t.isMentor && t.dismiss === null);
    const n = int(frng, 1, 4);
    for (let i = 0; i < n && authors.length; i++) {
      const author = pick(frng, authors);
      practiceRows.push({
        title: pick(frng, PRACTICE_TITLES),
        author: author.fio,
        topic: pick(frng, TOPIC_ORDER),
        link: `https://${org.slug}.sayansk.example/nastavnichestvo/praktika-${i + 1}`,
        practice_date: dateCell(org, int(frng, w0, ref)),
      });
    }
  }
  const eventRows: Record<string, Cell>[] = [];
  if (org.layout.events) {
    const evs: { d: number; e: (typeof EVENT_TEMPLATES)[number] }[] = [];
    for (let i = int(frng, 3, 8); i > 0; i--) evs.push({ d: workday(int(frng, w0, ref), w0), e: pick(frng, EVENT_TEMPLATES) });
    evs.sort((a, b) => a.d - b.d);
    for (const { d, e } of evs) {
      eventRows.push({ event_date: dateCell(org, d), kind: e.kind, title: e.title, level: e.level, participants: int(frng, e.people[0], e.people[1]) });
    }
  }

  const keysOf = (tab: TabKey) => tabDecl(tab).columns.map((c) => c.key);
  const tabs: RawTab[] = [];
  if (org.layout.instructions) {
    tabs.push({ title: 'Инструкция', grid: [['Заполняйте листы по образцу, одна строка — одна запись.'], ['Даты — в формате дд.мм.гггг.'], [`Куратор: ${org.curator}`]] });
  }
  tabs.push(emitTab(org, 'teachers', teacherKeys, teacherRows));
  tabs.push(emitTab(org, 'pairs', keysOf('pairs'), pairRows));
  tabs.push(emitTab(org, 'programs', keysOf('programs'), programRows));
  tabs.push(emitTab(org, 'courses', keysOf('courses'), courseRows));
  tabs.push(emitTab(org, 'attestations', keysOf('attestations'), attRows));
  tabs.push(emitTab(org, 'compliance', keysOf('compliance'), complianceRows));
  if (org.layout.practices) tabs.push(emitTab(org, 'practices', keysOf('practices'), practiceRows));
  if (org.layout.events) tabs.push(emitTab(org, 'events', keysOf('events'), eventRows));
  org.tabs = tabs;
  org.counts = { pairs: pairRows.length, programs: programRows.length, courses: courseRows.length, attestations: attRows.length };
}

// ---- the municipality -------------------------------------------------------------------------------

function resolveOptions(opts: DemoOptions): Required<DemoOptions> {
  const o: Required<DemoOptions> = {
    referenceDate: opts.referenceDate ?? DEFAULTS.referenceDate,
    seed: opts.seed ?? DEFAULTS.seed,
    schools: opts.schools ?? DEFAULTS.schools,
    kindergartens: opts.kindergartens ?? DEFAULTS.kindergartens,
    additional: opts.additional ?? DEFAULTS.additional,
    teachersScale: opts.teachersScale ?? DEFAULTS.teachersScale,
    inactive: opts.inactive ?? DEFAULTS.inactive,
  };
  for (const k of ['schools', 'kindergartens', 'additional', 'inactive'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 0) throw new Error(`demo: ${k} must be a non-negative integer`);
  }
  if (!(o.teachersScale > 0)) throw new Error('demo: teachersScale must be positive');
  parseIsoDay(o.referenceDate);
  return o;
}

/**
 * Generates the registry and every organization's tabs. Pure: the same options give the same
 * grids, byte for byte, in any time zone. No step is quadratic in teachers: 1,000 organizations
 * with 60,000 teachers take about a second.
 */
export function generateMunicipality(opts: DemoOptions = {}): Municipality {
  const o = resolveOptions(opts);
  const ref = parseIsoDay(o.referenceDate);
  const ctx: Ctx = { seed: o.seed, ref, w0: addYears(schoolYearStart(ref), -1), scale: o.teachersScale, orgs: [] };
  const specs = orgSpecs(o);
  const active: Org[] = [];
  const all: Org[] = specs.map((s) => {
    const org: Org = {
      ...s,
      ordinal: 0,
      layout: layoutFor(s.kind, s.n),
      teachers: [],
      seniors: [],
      seniorsBySpec: new Map(),
      curator: '',
      fmt: stream(o.seed, s.code, 'format'),
      tabs: [],
      planted: [],
      counts: { pairs: 0, programs: 0, courses: 0, attestations: 0 },
    };
    if (s.active) {
      org.ordinal = active.length;
      active.push(org);
    }
    return org;
  });
  ctx.orgs = active;
  // Staff of every organization first: mentors may come from another organization.
  for (const org of active) genStaff(org, ctx);
  // All pairs before any tab is written: a mentor from another organization is flagged
  // `Наставник = Да` on that organization's own sheet.
  const mentoring = active.map((org) => buildPairs(org, ctx));
  active.forEach((org, i) => buildOrgTabs(org, ctx, mentoring[i]!));

  const reg = REGISTRY_TAB.columns;
  const registry: RawTab = {
    title: REGISTRY_TAB.title,
    grid: [
      reg.map((c) => c.header),
      ...all.map((org) => trimRow([org.code, org.name, org.type, org.sheet, org.curator, org.active ? 'Да' : 'Нет'])),
    ],
  };
  const orgs = new Map<string, RawTab[]>(all.map((org) => [org.sheet, org.tabs]));
  const stats = { organizations: all.length, teachers: 0, pairs: 0, programs: 0, courses: 0, attestations: 0 };
  for (const org of active) {
    stats.teachers += org.teachers.length;
    stats.pairs += org.counts.pairs;
    stats.programs += org.counts.programs;
    stats.courses += org.counts.courses;
    stats.attestations += org.counts.attestations;
  }
  return { registry, orgs, deliberateErrors: active.flatMap((org) => org.planted), stats };
}

// ---- the source -------------------------------------------------------------------------------------

/** A stable content hash: the version a sync stores to skip unchanged organizations. */
function versionOf(tabs: RawTab[]): string {
  return `demo-${createHash('sha256').update(JSON.stringify(tabs)).digest('hex').slice(0, 16)}`;
}

/** The demo spreadsheet ID from a bare key or a URL that carries it (`…/d/<id>/…`). */
function sheetKey(sheet: string): string {
  const m = /\/d\/([^/?#]+)/.exec(sheet);
  if (!m) return sheet.trim();
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1]!;
  }
}

export function createDemoSource(opts: DemoOptions = {}): Source {
  const o = resolveOptions(opts);
  let data: Municipality | null = null;
  const versions = new Map<string, string>();
  // Generated on first use: building the source costs nothing until a sync asks.
  const load = (): Municipality => (data ??= generateMunicipality(o));
  return {
    kind: 'demo',
    description: `демо-данные: ${o.schools} ${plural(o.schools, 'школа', 'школы', 'школ')}, ${o.kindergartens} ${plural(o.kindergartens, 'детский сад', 'детских сада', 'детских садов')}, ${o.additional} ${plural(o.additional, 'учреждение', 'учреждения', 'учреждений')} ДО на ${ruOf(parseIsoDay(o.referenceDate))}`,
    async readRegistry() {
      return structuredClone(load().registry);
    },
    async fetchOrg(org: OrgEntry, ctx: FetchContext): Promise<FetchResult> {
      const key = sheetKey(org.sheet);
      const tabs = load().orgs.get(key);
      if (!tabs) throw new SourceError(`таблица «${org.sheet}» не найдена среди демо-данных`, 'not_found');
      let version = versions.get(key);
      if (version === undefined) {
        version = versionOf(tabs);
        versions.set(key, version);
      }
      if (!ctx.full && ctx.lastVersion === version) return { status: 'unchanged', version, requests: 0, retries: 0 };
      return { status: 'ok', tabs: structuredClone(tabs), version, requests: 0, retries: 0 };
    },
  };
}
