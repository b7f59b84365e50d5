/**
 * The demo source: deterministic, realistic, and faithful to the contract. The grids are read
 * back here with a small reader of our own (header row found by the contract's headers and
 * aliases), so the checks do not lean on the sync code they are meant to feed; one test at
 * the end runs the real validator to prove the deliberate errors are exactly what it reports.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TABS, type TabKey } from '../../server/contract/declaration.ts';
import { civilFromDays, daysFromCivil, isoFromSerial, serialFromIso } from '../../server/contract/values.ts';
import {
  DEMO_DELIBERATE_ERRORS,
  createDemoSource,
  generateMunicipality,
  type DeliberateError,
  type Municipality,
} from '../../server/sources/demo/index.ts';
import { SourceError, type Cell, type OrgEntry, type RawTab } from '../../server/sources/types.ts';

const REF = '2025-05-15';
/** The two school years before the reference date start here. */
const WINDOW_START = '2023-09-01';

// docs/spec/CONTRACT.md 2.6, typed out here on purpose: the demo must produce exactly these texts.
const FORMS = [
  'Традиционная (один на один)', 'Групповая', 'Виртуальная (дистанционная)', 'Краткосрочная (целеполагающая)',
  'Реверсивная', 'Ситуационная', 'Скоростная', 'Руководитель – педагог', 'Педагог – педагог', 'Другое',
];
const DIRECTIONS = [
  'Предметное содержание', 'Методика обучения и преподавания', 'Воспитательная деятельность',
  'Организация урочной и внеурочной деятельности', 'Психолого-педагогическое сопровождение',
];
const PROGRAM_STATUSES = ['Разрабатывается', 'Реализуется', 'Завершена', 'Прекращена'];
const PAIR_STATUSES = ['Действует', 'Завершена', 'Прекращена досрочно'];
const CATEGORY_RANK: Record<string, number> = {
  'Без категории': 0, 'Соответствие занимаемой должности': 1, 'Первая': 2, 'Высшая': 3,
  'Педагог-методист': 4, 'Педагог-наставник': 4,
};
/** The category shorthands the demo uses in careless organizations (aliases of the declaration). */
const CATEGORY_ALIASES: Record<string, string> = {
  'нет': 'Без категории', 'сзд': 'Соответствие занимаемой должности', '1': 'Первая',
  'высшая категория': 'Высшая', 'методист': 'Педагог-методист',
};

// ---- a small reader of the generated grids ---------------------------------------------------

const normName = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase().replace(/ё/g, 'е');
const matchKey = (s: string) => s.toLowerCase().replace(/ё/g, 'е').replace(/[^\p{L}\p{N}]+/gu, '');

interface Row {
  /** Sheet row number (1-based). */
  row: number;
  get(key: string): Cell;
}
interface Table {
  title: string;
  headerRow: number;
  headers: Record<string, string>;
  rows: Row[];
}

function decl(key: TabKey) {
  const t = TABS.find((x) => x.key === key);
  if (!t) throw new Error(key);
  return t;
}

function findTab(tabs: RawTab[], key: TabKey): RawTab | undefined {
  const title = matchKey(decl(key).title);
  return tabs.find((t) => matchKey(t.title) === title);
}

function readTable(tabs: RawTab[], key: TabKey): Table | null {
  const tab = findTab(tabs, key);
  if (!tab) return null;
  const d = decl(key);
  const byHeader = new Map<string, string>();
  for (const c of d.columns) for (const h of [c.header, ...c.aliases]) byHeader.set(matchKey(h), c.key);
  const required = d.columns.filter((c) => c.required).map((c) => c.key);
  const headerIdx = tab.grid.findIndex((r) => {
    const found = new Set(r.map((c) => (typeof c === 'string' ? byHeader.get(matchKey(c)) : undefined)));
    return required.every((k) => found.has(k));
  });
  if (headerIdx < 0) throw new Error(`no header row in ${tab.title}`);
  const pos = new Map<string, number>();
  const headers: Record<string, string> = {};
  tab.grid[headerIdx]!.forEach((c, i) => {
    const k = typeof c === 'string' ? byHeader.get(matchKey(c)) : undefined;
    if (k) {
      pos.set(k, i);
      headers[k] = c as string;
    }
  });
  const rows: Row[] = [];
  for (let r = headerIdx + 1; r < tab.grid.length; r++) {
    const line = tab.grid[r]!;
    rows.push({ row: r + 1, get: (k) => (pos.has(k) ? (line[pos.get(k)!] ?? '') : '') });
  }
  return { title: tab.title, headerRow: headerIdx + 1, headers, rows };
}

const DAY = 86_400_000;
const dayOf = (iso: string) => Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) / DAY;

/** A date cell as the contract reads it (serial or дд.мм.гггг) → `YYYY-MM-DD`, or null. */
function dateOf(c: Cell): string | null {
  if (typeof c === 'number') return isoFromSerial(c);
  if (typeof c !== 'string' || c === '') return null;
  const m = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(c);
  if (!m) return null;
  const iso = `${m[3]}-${m[2]}-${m[1]}`;
  return new Date(dayOf(iso) * DAY).toISOString().slice(0, 10) === iso ? iso : null;
}

function categoryOf(c: Cell): string | null {
  const s = String(c).trim();
  if (s in CATEGORY_RANK) return s;
  const lower = s.toLowerCase();
  for (const k of Object.keys(CATEGORY_RANK)) if (k.toLowerCase() === lower) return k;
  return CATEGORY_ALIASES[lower] ?? null;
}

interface OrgData {
  code: string;
  name: string;
  type: string;
  sheet: string;
  active: boolean;
  tabs: RawTab[];
}

function orgsOf(m: Municipality): OrgData[] {
  const [, ...rows] = m.registry.grid;
  return rows.map((r) => ({
    code: String(r[0]),
    name: String(r[1]),
    type: String(r[2]),
    sheet: String(r[3]),
    active: r[5] === 'Да',
    tabs: m.orgs.get(String(r[3])) ?? [],
  }));
}

const isPlanted = (errors: readonly DeliberateError[], org: string, tab: string, row: number) =>
  errors.some((e) => e.org === org && e.tab === tab && e.row === row);

const muni = generateMunicipality({ referenceDate: REF });
const orgs = orgsOf(muni);
const active = orgs.filter((o) => o.active);
const planted = muni.deliberateErrors;

function allRows(key: TabKey): { org: OrgData; table: Table; row: Row }[] {
  const out: { org: OrgData; table: Table; row: Row }[] = [];
  for (const org of active) {
    const table = readTable(org.tabs, key);
    if (table) for (const row of table.rows) out.push({ org, table, row });
  }
  return out;
}
/** Rows that are not a planted error. */
const validRows = (key: TabKey) => allRows(key).filter((x) => !isPlanted(planted, x.org.code, x.table.title, x.row.row));

function fingerprint(m: Municipality): string {
  return createHash('sha256').update(JSON.stringify([m.registry, [...m.orgs], m.deliberateErrors])).digest('hex');
}

// ---- tests ------------------------------------------------------------------------------------

describe('serial dates', () => {
  it('converts calendar dates to Google Sheets serial numbers and back (the one calendar: contract/values.ts)', () => {
    expect(serialFromIso('1899-12-30')).toBe(0);
    expect(serialFromIso('1900-03-01')).toBe(61); // no Lotus 1900 leap-year bug in Sheets
    expect(serialFromIso('2023-09-01')).toBe(45170);
    expect(serialFromIso('2024-02-29')).toBe(45351);
    expect(serialFromIso('2025-05-15')).toBe(45792);
    for (let s = 20000; s < 60000; s += 7) {
      expect(serialFromIso(isoFromSerial(s))).toBe(s);
      // The integer civil_from_days agrees with JavaScript's own UTC calendar.
      const dt = new Date((s - 25569) * 86_400_000);
      expect(civilFromDays(s - 25569)).toEqual({ y: dt.getUTCFullYear(), m: dt.getUTCMonth() + 1, d: dt.getUTCDate() });
      expect(daysFromCivil(dt.getUTCFullYear(), dt.getUTCMonth() + 1, dt.getUTCDate())).toBe(s - 25569);
    }
  });

  it('writes the dates it means: pair starts fall in the two school years before the reference date', () => {
    const starts = validRows('pairs').map((x) => dateOf(x.row.get('start_date')));
    expect(starts.every((d) => d !== null && d >= WINDOW_START && d <= REF)).toBe(true);
    // Both spellings occur, so the parser is exercised both ways.
    const cells = allRows('pairs').map((x) => x.row.get('start_date'));
    expect(cells.some((c) => typeof c === 'number')).toBe(true);
    expect(cells.some((c) => typeof c === 'string' && /^\d{2}\.\d{2}\.\d{4}$/.test(c))).toBe(true);
  });
});

describe('determinism', () => {
  it('gives equal output for equal options', () => {
    const again = generateMunicipality({ referenceDate: REF });
    expect(again.registry).toEqual(muni.registry);
    expect([...again.orgs]).toEqual([...muni.orgs]);
    expect(fingerprint(again)).toBe(fingerprint(muni));
    expect(fingerprint(generateMunicipality({ referenceDate: REF, seed: 7 }))).not.toBe(fingerprint(muni));
  });

  it('gives byte-identical output in other time zones', () => {
    const demo = fileURLToPath(new URL('../../server/sources/demo/index.ts', import.meta.url));
    const script = [
      `const { generateMunicipality } = await import(${JSON.stringify(demo)});`,
      `const { createHash } = await import('node:crypto');`,
      `const m = generateMunicipality({ referenceDate: ${JSON.stringify(REF)} });`,
      `process.stdout.write(createHash('sha256').update(JSON.stringify([m.registry, [...m.orgs], m.deliberateErrors])).digest('hex'));`,
    ].join('\n');
    for (const tz of ['Pacific/Kiritimati', 'America/Los_Angeles', 'Asia/Irkutsk']) {
      const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        env: { ...process.env, TZ: tz },
        encoding: 'utf8',
      });
      expect(out, tz).toBe(fingerprint(muni));
    }
  }, 120_000);
});

describe('the registry', () => {
  it('lists 8 schools, 14 kindergartens, 2 additional-education organizations and one inactive', () => {
    expect(muni.registry.title).toBe('Организации');
    expect(muni.registry.grid[0]).toEqual(['Код', 'Наименование', 'Тип', 'Таблица', 'Куратор', 'Активна', 'E-mail ответственного']);
    const count = (type: string) => active.filter((o) => o.type === type).length;
    expect(count('Школа')).toBe(8);
    expect(count('Детский сад')).toBe(14);
    expect(count('Дополнительное образование')).toBe(2);
    expect(active.map((o) => o.code)).toContain('СОШ-2');
    expect(active.map((o) => o.code)).toEqual(expect.arrayContaining(['ДОУ-1', 'ДОУ-14', 'ЦРТ', 'ДЮСШ']));
    expect(orgs.find((o) => o.code === 'СОШ-2')?.name).toBe('МОУ «Средняя общеобразовательная школа № 2»');
    expect(orgs.find((o) => o.code === 'ДОУ-1')?.name).toMatch(/^МДОУ «Детский сад № 1 «.+»»$/);
    for (const o of orgs) expect(o.sheet).toBe(`demo-${o.code}`);
    const inactive = orgs.filter((o) => !o.active);
    expect(inactive).toHaveLength(1);
    expect(inactive[0]!.tabs).toEqual([]);
    expect(new Set(orgs.map((o) => o.code)).size).toBe(orgs.length);
  });
});

describe('staff', () => {
  it('has realistic sizes, positions, names and hire dates', () => {
    const sizes = (type: string) =>
      active.filter((o) => o.type === type).map((o) => readTable(o.tabs, 'teachers')!.rows.length);
    for (const n of sizes('Школа')) expect(n).toBeGreaterThanOrEqual(30), expect(n).toBeLessThanOrEqual(60);
    for (const n of sizes('Детский сад')) expect(n).toBeGreaterThanOrEqual(12), expect(n).toBeLessThanOrEqual(25);
    const teachers = allRows('teachers');
    expect(teachers.length).toBeGreaterThan(400);
    expect(teachers.length).toBeLessThan(1200);

    const positions = new Set(teachers.map((x) => String(x.row.get('position'))));
    for (const p of ['учитель', 'воспитатель', 'педагог-психолог', 'музыкальный руководитель', 'инструктор по физической культуре']) {
      expect(positions).toContain(p);
    }
    // ФИО: three words; a woman's patronymic ends in -на, a man's in -ич, never mixed.
    for (const x of teachers) {
      const fio = String(x.row.get('fio'));
      expect(fio).toMatch(/^[А-ЯЁ][а-яё]+(-[А-ЯЁ][а-яё]+)? [А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+(вич|вна|ич|ична)$/);
    }
    // Young specialists: about 8% (стаж < 3).
    const young = teachers.filter((x) => Number(x.row.get('experience')) < 3).length / teachers.length;
    expect(young).toBeGreaterThan(0.04);
    expect(young).toBeLessThan(0.14);
    // Hired over decades; some hired and some dismissed within the last two school years.
    const hires = teachers.map((x) => dateOf(x.row.get('hired'))).filter((d): d is string => d !== null);
    expect(hires.some((d) => d < '1995-01-01')).toBe(true);
    expect(hires.some((d) => d >= WINDOW_START)).toBe(true);
    const dismissed = teachers.map((x) => dateOf(x.row.get('dismissed'))).filter((d): d is string => d !== null);
    expect(dismissed.length).toBeGreaterThan(10);
    expect(dismissed.every((d) => d >= WINDOW_START && d <= REF)).toBe(true);
  });

  it('varies the sheets a little, like real schools do', () => {
    const headerTexts = active.flatMap((o) => o.tabs.flatMap((t) => t.grid.flatMap((r) => r.filter((c): c is string => typeof c === 'string'))));
    expect(headerTexts).toContain('Дата приема');
    expect(headerTexts).toContain('Квалификационная категория');
    expect(headerTexts).toContain('Дата приёма');
    const titled = active.filter((o) => readTable(o.tabs, 'teachers')!.headerRow > 1).map((o) => o.code);
    expect(titled.length).toBeGreaterThanOrEqual(1);
    expect(titled.length).toBeLessThanOrEqual(3);
    // Column order never matters to the contract; one school keeps its own order.
    const order = decl('teachers').columns.map((c) => c.key);
    const reordered = active.filter((o) => {
      const table = readTable(o.tabs, 'teachers')!;
      const header = findTab(o.tabs, 'teachers')!.grid[table.headerRow - 1]!;
      const keys = Object.keys(table.headers).sort((a, b) => header.indexOf(table.headers[a]!) - header.indexOf(table.headers[b]!));
      return keys.some((k, i) => i > 0 && order.indexOf(k) < order.indexOf(keys[i - 1]!));
    });
    expect(reordered.length).toBeGreaterThanOrEqual(1);
  });
});

describe('mentoring pairs', () => {
  const pairs = validRows('pairs');

  it('covers every form and every direction with the contract texts', () => {
    const forms = new Set(pairs.map((x) => String(x.row.get('form'))));
    expect([...forms].sort()).toEqual([...FORMS].sort());
    const directions = new Set(pairs.flatMap((x) => String(x.row.get('topics')).split(';').map((s) => s.trim())));
    expect([...directions].sort()).toEqual([...DIRECTIONS].sort());
  });

  it('has consistent statuses and dates', () => {
    const statuses = new Set<string>();
    for (const { row } of pairs) {
      const status = String(row.get('status'));
      statuses.add(status);
      expect(PAIR_STATUSES).toContain(status);
      const start = dateOf(row.get('start_date'))!;
      const plan = dateOf(row.get('end_plan'));
      const fact = dateOf(row.get('end_fact'));
      if (plan) expect(plan >= start).toBe(true);
      if (status === 'Действует') expect(row.get('end_fact')).toBe('');
      else {
        expect(fact).not.toBeNull();
        expect(fact! >= start && fact! <= REF).toBe(true);
      }
    }
    expect(statuses).toEqual(new Set(PAIR_STATUSES));
  });

  it('gives most young specialists a mentor, has groups and mentors from other organizations', () => {
    let young = 0;
    let mentored = 0;
    for (const org of active) {
      const mentees = new Set(readTable(org.tabs, 'pairs')!.rows.map((r) => normName(String(r.get('mentee')))));
      for (const t of readTable(org.tabs, 'teachers')!.rows) {
        if (Number(t.get('experience')) >= 3) continue;
        young++;
        if (mentees.has(normName(String(t.get('fio'))))) mentored++;
      }
    }
    expect(mentored / young).toBeGreaterThan(0.6);
    const groups = pairs.filter((x) => x.row.get('form') === 'Групповая');
    const byMentor = new Map<string, number>();
    for (const g of groups) byMentor.set(`${g.org.code}|${String(g.row.get('mentor'))}|${String(g.row.get('start_date'))}`, (byMentor.get(`${g.org.code}|${String(g.row.get('mentor'))}|${String(g.row.get('start_date'))}`) ?? 0) + 1);
    expect([...byMentor.values()].some((n) => n >= 2)).toBe(true);
    const cross = pairs.filter((x) => /\([^()]+\)$/.test(String(x.row.get('mentor'))));
    expect(cross.length).toBeGreaterThanOrEqual(2);
  });
});

describe('programs (ППН)', () => {
  const programs = validRows('programs');

  it('occur in every status with consistent dates and events', () => {
    expect(new Set(programs.map((x) => String(x.row.get('status'))))).toEqual(new Set(PROGRAM_STATUSES));
    const pairsCount = validRows('pairs').length;
    expect(programs.length).toBeGreaterThan(pairsCount * 0.6);
    let late = 0;
    let onTime = 0;
    for (const { row } of programs) {
      const approved = dateOf(row.get('approved'))!;
      const plan = dateOf(row.get('end_plan'))!;
      const fact = dateOf(row.get('end_fact'));
      expect(plan >= approved).toBe(true);
      expect(approved <= REF).toBe(true);
      const status = String(row.get('status'));
      if (status === 'Завершена' || status === 'Прекращена') {
        expect(fact).not.toBeNull();
        expect(fact! >= approved && fact! <= REF).toBe(true);
      }
      if (status === 'Завершена') fact! > plan ? late++ : onTime++;
      const planned = Number(row.get('events_planned'));
      const done = Number(row.get('events_done'));
      expect(Number.isInteger(planned) && Number.isInteger(done)).toBe(true);
      expect(done).toBeLessThanOrEqual(planned);
      expect(['Да', 'Нет', '', true, false]).toContain(row.get('published'));
    }
    expect(late).toBeGreaterThan(0);
    expect(onTime).toBeGreaterThan(late);
  });

  it('belong to a pair of the same sheet', () => {
    for (const org of active) {
      const links = new Set(readTable(org.tabs, 'pairs')!.rows.map((r) => `${normName(String(r.get('mentor')))}|${normName(String(r.get('mentee')))}`));
      const table = readTable(org.tabs, 'programs')!;
      for (const r of table.rows) {
        if (isPlanted(planted, org.code, table.title, r.row)) continue;
        expect(links.has(`${normName(String(r.get('mentor')))}|${normName(String(r.get('mentee')))}`), `${org.code} ${r.row}`).toBe(true);
      }
    }
  });
});

describe('professional development', () => {
  it('has 0–3 courses per teacher over two years, 16–144 hours, some on mentoring', () => {
    const courses = validRows('courses');
    const perTeacher = new Map<string, number>();
    for (const { org, row } of courses) {
      const hours = row.get('hours');
      expect(typeof hours).toBe('number');
      expect(hours as number).toBeGreaterThanOrEqual(16);
      expect(hours as number).toBeLessThanOrEqual(144);
      const end = dateOf(row.get('end_date'))!;
      expect(end >= WINDOW_START && end <= REF).toBe(true);
      const k = `${org.code}|${normName(String(row.get('person')))}`;
      perTeacher.set(k, (perTeacher.get(k) ?? 0) + 1);
    }
    expect(Math.max(...perTeacher.values())).toBeLessThanOrEqual(4); // 3, plus the padding of a tiny staff
    expect(courses.some((x) => x.row.get('mentoring_topic') === 'Да' || x.row.get('mentoring_topic') === true)).toBe(true);
  });
});

describe('attestation', () => {
  const REFORM = '2023-09-01';
  const plusYears = (iso: string, k: number) => {
    const y = Number(iso.slice(0, 4)) + k;
    const md = iso.slice(4) === '-02-29' ? '-02-28' : iso.slice(4);
    return `${y}${md}`;
  };
  /** docs/spec/METRICS.md "Category at a date", terms included. */
  function heldOn(rows: { date: string; cat: string; prev: string | null }[], d: string, fallback: string): string {
    if (rows.length === 0) return fallback;
    const before = rows.filter((r) => r.date <= d);
    if (before.length === 0) return rows[0]!.prev ?? 'Без категории';
    const last = before[before.length - 1]!;
    const expires =
      last.cat === 'Соответствие занимаемой должности' ||
      ((last.cat === 'Первая' || last.cat === 'Высшая') && last.date < REFORM);
    return expires && d >= plusYears(last.date, 5) ? 'Без категории' : last.cat;
  }

  it('agrees with Педагоги.Категория (the category held now) and has a realistic history', () => {
    let multi = 0;
    let prevFilled = 0;
    let prevEmpty = 0;
    let checked = 0;
    const orderDates: string[] = [];
    for (const org of active) {
      const att = readTable(org.tabs, 'attestations')!;
      const byPerson = new Map<string, { date: string; cat: string; prev: string | null }[]>();
      for (const r of att.rows) {
        if (isPlanted(planted, org.code, att.title, r.row)) continue;
        const date = dateOf(r.get('order_date'))!;
        const cat = categoryOf(r.get('category'));
        expect(cat, `${org.code} ${att.title} ${r.row}`).not.toBeNull();
        const prevCell = r.get('prev_category');
        const prev = prevCell === '' ? null : categoryOf(prevCell);
        prev === null ? prevEmpty++ : prevFilled++;
        if (cat === 'Педагог-методист' || cat === 'Педагог-наставник') expect(date >= REFORM).toBe(true);
        orderDates.push(date);
        const k = normName(String(r.get('person')));
        byPerson.set(k, [...(byPerson.get(k) ?? []), { date, cat: cat!, prev }]);
      }
      for (const rows of byPerson.values()) if (rows.length > 1) multi++;
      for (const t of readTable(org.tabs, 'teachers')!.rows) {
        const now = categoryOf(t.get('category'));
        expect(now).not.toBeNull();
        const rows = (byPerson.get(normName(String(t.get('fio')))) ?? []).sort((a, b) => (a.date < b.date ? -1 : 1));
        expect(heldOn(rows, REF, now!), `${org.code} ${String(t.get('fio'))}`).toBe(now);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(400);
    expect(multi).toBeGreaterThan(20);
    expect(prevFilled).toBeGreaterThan(50);
    expect(prevEmpty).toBeGreaterThan(50);
    expect(orderDates.some((d) => d < REFORM)).toBe(true);
    expect(orderDates.some((d) => d >= REFORM)).toBe(true);
    const cats = allRows('teachers').map((x) => categoryOf(x.row.get('category')));
    const share = (c: string) => cats.filter((x) => x === c).length / cats.length;
    expect(share('Высшая')).toBeGreaterThan(0.1);
    expect(share('Первая')).toBeGreaterThan(0.1);
    expect(share('Без категории')).toBeGreaterThan(0.05);
    expect(share('Педагог-методист') + share('Педагог-наставник')).toBeLessThan(0.05);
  });
});

describe('item 3 of the order', () => {
  it('lists 3.1…3.13 with dates around February–April 2023, mostly on time', () => {
    const rows = allRows('compliance');
    expect(rows.length).toBe(active.length * 13);
    let onTime = 0;
    let late = 0;
    let empty = 0;
    for (const { row } of rows) {
      const item = String(row.get('item'));
      expect(item).toMatch(/^3\.(1[0-3]|[1-9])$/);
      const d = dateOf(row.get('done_date'));
      if (d === null) {
        empty++;
        continue;
      }
      expect(d >= '2023-02-17' && d <= '2023-06-30').toBe(true);
      expect(String(row.get('document'))).toMatch(/^Приказ № \d+ от \d{2}\.\d{2}\.2023$|^https:\/\//);
      const deadline = ['3.1', '3.3', '3.4', '3.5'].includes(item) ? '2023-03-01' : ['3.6', '3.7'].includes(item) ? '2023-03-31' : null;
      if (deadline) d <= deadline ? onTime++ : late++;
    }
    expect(onTime).toBeGreaterThan(late * 3);
    expect(late).toBeGreaterThan(0);
    expect(empty).toBeGreaterThan(0);
  });

  it('has best practices and events in some organizations', () => {
    expect(active.filter((o) => findTab(o.tabs, 'practices')).length).toBeGreaterThanOrEqual(3);
    expect(active.filter((o) => findTab(o.tabs, 'events')).length).toBeGreaterThanOrEqual(3);
    for (const { row } of allRows('events')) expect(Number.isInteger(row.get('participants'))).toBe(true);
  });
});

describe('people references', () => {
  it('name someone in Педагоги of this organization, or of КОД-ОО, except the planted misspelling', () => {
    const staff = new Map(active.map((o) => [o.code, new Set(readTable(o.tabs, 'teachers')!.rows.map((r) => normName(String(r.get('fio')))))]));
    const refs: [TabKey, string[]][] = [
      ['pairs', ['mentor', 'mentee']],
      ['programs', ['mentor', 'mentee']],
      ['courses', ['person']],
      ['attestations', ['person']],
      ['practices', ['author']],
    ];
    const unmatched: string[] = [];
    for (const org of active) {
      for (const [key, cols] of refs) {
        const table = readTable(org.tabs, key);
        if (!table) continue;
        for (const r of table.rows) {
          for (const col of cols) {
            const text = String(r.get(col));
            const m = /^(.*\S)\s*\(([^()]+)\)$/.exec(text);
            const [who, where] = m ? [m[1]!, m[2]!] : [text, org.code];
            if (m) expect(where).not.toBe(org.code);
            if (!staff.get(where)?.has(normName(who))) unmatched.push(`${org.code}|${table.title}|${r.row}|${table.headers[col]}`);
          }
        }
      }
    }
    const expected = planted.filter((e) => e.problem === 'unknown_person').map((e) => `${e.org}|${e.tab}|${e.row}|${e.column}`);
    expect(unmatched).toEqual(expected);
    expect(expected).toHaveLength(1);
  });
});

describe('deliberate errors', () => {
  it('are about eight, in different organizations, where the static list says', () => {
    expect(DEMO_DELIBERATE_ERRORS.length).toBeGreaterThanOrEqual(7);
    expect(DEMO_DELIBERATE_ERRORS.length).toBeLessThanOrEqual(10);
    expect(new Set(DEMO_DELIBERATE_ERRORS.map((e) => e.org)).size).toBe(DEMO_DELIBERATE_ERRORS.length);
    // The static list holds for any seed and reference date.
    for (const m of [muni, generateMunicipality({ seed: 99, referenceDate: '2024-11-30' })]) {
      expect(m.deliberateErrors.map(({ value: _v, ...rest }) => rest)).toEqual(DEMO_DELIBERATE_ERRORS.map(({ value: _v, ...rest }) => rest));
    }
    const problems = new Set(DEMO_DELIBERATE_ERRORS.map((e) => e.problem));
    for (const p of ['impossible_date', 'ambiguous_date', 'unknown_category', 'text_in_number', 'unknown_person', 'missing_required', 'events_done_gt_planned'] as const) {
      expect(problems).toContain(p);
    }
  });

  it('sit in the cells described, with the values described', () => {
    for (const e of planted) {
      const org = active.find((o) => o.code === e.org)!;
      const tab = org.tabs.find((t) => t.title === e.tab)!;
      const headerRow = tab.grid.findIndex((r) => r.includes(e.column));
      expect(headerRow, `${e.org} ${e.tab}`).toBeGreaterThanOrEqual(0);
      const col = tab.grid[headerRow]!.indexOf(e.column);
      const cell = tab.grid[e.row - 1]![col] ?? '';
      expect(cell, `${e.org} ${e.tab} ${e.row}`).toEqual(e.value);
    }
    const byProblem = (p: DeliberateError['problem']) => planted.find((e) => e.problem === p)!;
    expect(byProblem('impossible_date').value).toBe('31.02.2024');
    expect(byProblem('ambiguous_date').value).toBe('03/04/2024');
    expect(byProblem('unknown_category').value).toBe('вторая');
    expect(byProblem('events_done_gt_planned').severity).toBe('warning');
  });

  it('are exactly what the contract validator reports (notices aside)', async () => {
    const { parseOrg, resolveOrg, codeMatcher } = await import('../../server/sync/validate.ts');
    const parsed = active.map((o) => parseOrg(o.code, o.tabs));
    const people = new Map(parsed.map((p) => [p.org, p.people]));
    const dir = {
      orgCode: codeMatcher(orgs.map((o) => o.code)),
      people: (code: string) => people.get(code) ?? null,
      storedPairs: async () => new Set<string>(),
    };
    const found: string[] = [];
    for (const p of parsed) {
      const v = await resolveOrg(p, dir);
      for (const i of v.issues) if (i.level !== 'notice') found.push(`${i.level}|${i.org}|${i.tab}|${i.row}|${i.column}`);
    }
    const expected = planted.map((e) => `${e.severity}|${e.org}|${e.tab}|${e.row}|${e.column}`);
    expect(found.sort()).toEqual(expected.sort());
  }, 60_000);
});

describe('createDemoSource', () => {
  const entry = (code: string, sheet = `demo-${code}`): OrgEntry => ({
    code, name: code, type: 'Школа', sheet, curator: null, contacts: [], active: true, registryRow: 2,
  });

  it('reads the registry and the organizations, with a stable version', async () => {
    const source = createDemoSource({ referenceDate: REF });
    expect(source.kind).toBe('demo');
    expect(await source.readRegistry()).toEqual(muni.registry);
    const first = await source.fetchOrg(entry('СОШ-2'), { lastVersion: null, full: false });
    expect(first.status).toBe('ok');
    if (first.status !== 'ok') return;
    expect(first.tabs).toEqual(muni.orgs.get('demo-СОШ-2'));
    expect(first.requests).toBe(0);
    expect(first.retries).toBe(0);
    expect(first.version).toMatch(/^demo-[0-9a-f]{16}$/);
    const other = await createDemoSource({ referenceDate: REF }).fetchOrg(entry('СОШ-2'), { lastVersion: null, full: false });
    expect(other.version).toBe(first.version);
    const third = await source.fetchOrg(entry('СОШ-3'), { lastVersion: null, full: false });
    expect(third.version).not.toBe(first.version);

    expect(await source.fetchOrg(entry('СОШ-2'), { lastVersion: first.version, full: false })).toEqual({
      status: 'unchanged', version: first.version, requests: 0, retries: 0,
    });
    expect((await source.fetchOrg(entry('СОШ-2'), { lastVersion: first.version, full: true })).status).toBe('ok');
    // Callers may change what they get without changing the source.
    first.tabs[0]!.grid.length = 0;
    const again = await source.fetchOrg(entry('СОШ-2'), { lastVersion: null, full: false });
    expect(again.status === 'ok' && again.tabs).toEqual(muni.orgs.get('demo-СОШ-2'));
  });

  it('throws not_found for an unknown spreadsheet', async () => {
    const source = createDemoSource();
    const err = await source.fetchOrg(entry('СОШ-99'), { lastVersion: null, full: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).code).toBe('not_found');
    expect((err as SourceError).message).toContain('demo-СОШ-99');
    expect((err as SourceError).message).toContain('не найдена');
  });
});

describe('scale', () => {
  it('generates 1,000 organizations and about 60,000 teachers in seconds', () => {
    const t0 = performance.now();
    const big = generateMunicipality({ schools: 350, kindergartens: 600, additional: 50, teachersScale: 2.15 });
    const ms = performance.now() - t0;
    console.log(`demo: ${big.stats.organizations} organizations, ${big.stats.teachers} teachers, ` +
      `${big.stats.pairs} pairs, ${big.stats.courses} courses in ${Math.round(ms)} ms`);
    expect(big.stats.organizations).toBe(1001);
    expect(big.stats.teachers).toBeGreaterThan(50_000);
    expect(big.stats.teachers).toBeLessThan(70_000);
    expect(ms).toBeLessThan(10_000);
  }, 60_000);
});
