/** The demo municipality (server/sources/demo/): emission. */
import { ORDER_ITEMS, type TabKey } from '../../contract/declaration.ts';
import { SERIAL_EPOCH } from '../../contract/values.ts';
import type { Cell, RawTab } from '../types.ts';
import { OLDEST_LISTED_ORDER, ORDER_DAY, addYears, day, parseIsoDay, ruOf, workday } from './calendar.ts';
import { genCourses } from './development.ts';
import { PLANTS, type Plant, describePlant, headerText, misspell, tabTitle, titleRowsOf } from './errors.ts';
import { type Pair, genPairs } from './mentoring.ts';
import { genPrograms } from './programs.ts';
import { type Rng, cmp, fnv1a, int, pick, stream } from './random.ts';
import { EVENT_TEMPLATES, PRACTICE_TITLES } from './smallTabs.ts';
import type { Ctx, Org } from './staff.ts';
import { CAT, CATEGORY_SHORTHAND, TOPIC_ORDER, tabDecl } from './vocabulary.ts';


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

export function trimRow(row: Cell[]): Cell[] {
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
export function buildPairs(org: Org, ctx: Ctx): Mentoring {
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

export function buildOrgTabs(org: Org, ctx: Ctx, { pairs, rng }: Mentoring): void {
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
