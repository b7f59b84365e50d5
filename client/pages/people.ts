/**
 * Page «Наставники и наставляемые» (item 2.1 of the order: the coordinator keeps the records
 * of mentees and their mentors). As of the end of the period (or today, if that is later than
 * today): every mentor — organization, current mentees and load, pairs over time, directions,
 * trained or not — and every mentee or young specialist — current mentor, program, courses,
 * category path. A search box filters both lists; each is exportable as CSV. A school sees
 * its own people (the server scopes it); a regional account does not have this page.
 */
import { getList } from '../api.ts';
import { h } from '../dom.ts';
import { formatDate, formatInteger } from '../format.ts';
import { Panel, runPanelTasks } from '../panel.ts';
import { isoToday, type Filters } from '../filters.ts';
import type { Page, PageContext } from './page.ts';

interface MentorRow {
  org: string;
  org_name: string;
  fio: string;
  position: string | null;
  subject: string | null;
  category: string | null;
  trained: boolean;
  employed: boolean;
  load: number;
  pairs_active: number;
  pairs_total: number;
  mentees_now: string[];
  directions: string[];
  forms: string[];
  first_pair: string | null;
}

interface MenteeRow {
  org: string;
  org_name: string;
  fio: string;
  position: string | null;
  subject: string | null;
  young: boolean;
  experience: number | null;
  employed: boolean;
  has_pair: boolean;
  mentors_now: string[];
  pairs_total: number;
  program_status: string | null;
  program_events_done: number | null;
  program_events_planned: number | null;
  courses: number;
  pd_hours: number;
  last_course: string | null;
  category: string | null;
  category_path: string | null;
}

interface Suggested {
  org: string;
  org_type: string;
  fio: string;
  subject: string | null;
  candidates: number;
  /** `fio` is null for another organization's candidate in a school's answer: the server does not name them. */
  suggestions: { fio: string | null; org: string; org_name: string; category: string; load: number; limit: number; reasons: string[] }[];
}

/** Mentors at or over this many current mentees are marked (the default limit of the matching). */
export const LOAD_LIMIT = 3;

/** The day the lists are "as of": the end of the period, or today (the `as_of` day) if the period ends later. */
export function asOf(filters: Filters, today: Date): string {
  const t = filters.asOf ? filters.asOf.slice(0, 10) : isoToday(today);
  return filters.to < t ? filters.to : t;
}

/** The query of the registers for the filters: the day, the type, the organizations (and CSV). */
export function registerQuery(filters: Filters, today: Date, csv = false): URLSearchParams {
  const q = new URLSearchParams({ date: asOf(filters, today) });
  if (filters.type) q.set('type', filters.type);
  for (const org of filters.orgs) q.append('org', org);
  // The rows as of a past sync (the registers read its data; the matching below is for now).
  if (filters.asOf) q.set('as_of', filters.asOf);
  if (csv) q.set('format', 'csv');
  return q;
}

const load = <T>(path: string, q: URLSearchParams, signal: AbortSignal): Promise<T[]> => getList<T>(path, 'rows', q, signal);

const list = (items: readonly string[]) => (items.length ? items.join('; ') : '—');

function matches(text: string, needle: string): boolean {
  return needle === '' || text.toLocaleLowerCase('ru').replace(/ё/g, 'е').includes(needle);
}

export function createPeoplePage(container: HTMLElement, ctx: PageContext): Page {
  const search = h('input', { className: 'people-search__input', attrs: { type: 'search', placeholder: 'ФИО, предмет, организация', 'aria-label': 'Поиск по ФИО, предмету и организации' } });
  const onlyEmployed = h('input', { attrs: { type: 'checkbox', checked: '' } });
  const controls = h(
    'div',
    { className: 'people-search' },
    h('label', { className: 'field' }, h('span', { className: 'field__label' }, 'Поиск'), search),
    h('label', { className: 'people-search__check' }, onlyEmployed, ' только работающие'),
  );
  const mentors = new Panel({ id: 'mentors-register', title: 'Наставники', wide: true, chart: false, table: false });
  const mentees = new Panel({ id: 'mentees-register', title: 'Наставляемые и молодые специалисты', wide: true, chart: false, table: false });
  const matching = new Panel({
    id: 'matching',
    title: 'Подбор наставников молодым специалистам',
    note: 'Для каждого молодого специалиста без наставника — возможные наставники своей организации и организаций того же типа, по порядку: предмет, своя организация, направления, категория, обучение наставников, нагрузка (не больше 3 наставляемых). Под каждым — почему он на этом месте.',
    wide: true,
    chart: false,
    table: false,
  });
  container.replaceChildren(controls, h('div', { className: 'panels' }, matching.element, mentors.element, mentees.element));

  let mentorRows: MentorRow[] = [];
  let menteeRows: MenteeRow[] = [];
  let filters: Filters | null = null;

  const csvLink = (path: string, label: string) =>
    filters ? h('a', { className: 'button-link', attrs: { href: `${path}?${registerQuery(filters, ctx.today, true).toString()}`, download: '' } }, label) : null;

  /** Why fewer are shown than listed: the «only employed» box and the search field. */
  function shownBy(): string {
    const why = [onlyEmployed.checked ? 'только работающие' : null, search.value.trim() ? `поиск «${search.value.trim()}»` : null].filter(Boolean);
    return why.length ? ` (${why.join(', ')})` : '';
  }

  function drawMentors(): void {
    const needle = search.value.trim().toLocaleLowerCase('ru').replace(/ё/g, 'е');
    const rows = mentorRows.filter((r) => (!onlyEmployed.checked || r.employed) && matches(`${r.fio} ${r.subject ?? ''} ${r.org} ${r.org_name}`, needle));
    if (!mentorRows.length) return mentors.empty('Наставников в выбранных организациях нет.');
    const over = rows.filter((r) => r.load >= LOAD_LIMIT).length;
    mentors.setNote(
      `На ${formatDate(filters ? asOf(filters, ctx.today) : null)}: показано ${formatInteger(rows.length)} из ${formatInteger(mentorRows.length)} наставников${shownBy()}` +
        (over ? `; с нагрузкой ${LOAD_LIMIT} наставляемых и больше — ${formatInteger(over)}` : ''),
    );
    const table = h(
      'table',
      { className: 'people-table' },
      h('thead', {}, h('tr', {}, ...['ФИО', 'Организация', 'Категория', 'Обучение', 'Наставляемых сейчас', 'Пар всего', 'Направления', 'Наставляемые сейчас'].map((t) => h('th', { attrs: { scope: 'col' } }, t)))),
      h(
        'tbody',
        {},
        ...rows.map((r) =>
          h(
            'tr',
            { className: r.load >= LOAD_LIMIT ? 'people-row--over' : undefined, attrs: { 'data-org': r.org } },
            h('th', { attrs: { scope: 'row' } }, r.fio, r.employed ? '' : ' (уволен)', r.subject ? h('span', { className: 'people-sub' }, r.subject) : null),
            h('td', {}, r.org),
            h('td', {}, r.category ?? '—'),
            h('td', {}, r.trained ? 'да' : 'нет'),
            h('td', { className: 'num' }, formatInteger(r.load)),
            h('td', { className: 'num' }, formatInteger(r.pairs_total)),
            h('td', {}, list(r.directions)),
            h('td', {}, list(r.mentees_now)),
          ),
        ),
      ),
    );
    mentors.setContent(h('div', { className: 'table-wrap' }, table), h('p', {}, csvLink('/api/mentors', 'Скачать список наставников (CSV)')));
  }

  function drawMentees(): void {
    const needle = search.value.trim().toLocaleLowerCase('ru').replace(/ё/g, 'е');
    const rows = menteeRows.filter((r) => (!onlyEmployed.checked || r.employed) && matches(`${r.fio} ${r.subject ?? ''} ${r.org} ${r.org_name}`, needle));
    if (!menteeRows.length) return mentees.empty('Наставляемых и молодых специалистов в выбранных организациях нет.');
    const unpaired = rows.filter((r) => r.young && r.employed && !r.has_pair).length;
    mentees.setNote(
      `Показано ${formatInteger(rows.length)} из ${formatInteger(menteeRows.length)}${shownBy()}` + (unpaired ? `; молодых специалистов без наставника — ${formatInteger(unpaired)}` : ''),
    );
    const table = h(
      'table',
      { className: 'people-table' },
      h('thead', {}, h('tr', {}, ...['ФИО', 'Организация', 'Молодой специалист', 'Наставник сейчас', 'ППН', 'Курсы', 'Категория'].map((t) => h('th', { attrs: { scope: 'col' } }, t)))),
      h(
        'tbody',
        {},
        ...rows.map((r) =>
          h(
            'tr',
            { className: r.young && r.employed && !r.has_pair ? 'people-row--unpaired' : undefined, attrs: { 'data-org': r.org } },
            h('th', { attrs: { scope: 'row' } }, r.fio, r.employed ? '' : ' (уволен)', r.subject ? h('span', { className: 'people-sub' }, r.subject) : null),
            h('td', {}, r.org),
            h('td', {}, r.young ? 'да' : 'нет'),
            h('td', {}, r.has_pair ? list(r.mentors_now) : 'нет'),
            h(
              'td',
              {},
              r.program_status
                ? `${r.program_status}${r.program_events_planned ? `, ${formatInteger(r.program_events_done ?? 0)} из ${formatInteger(r.program_events_planned)} мероприятий` : ''}`
                : '—',
            ),
            h('td', {}, r.courses ? `${formatInteger(r.courses)} (${formatInteger(r.pd_hours)} ч)` : '—'),
            h('td', {}, r.category ?? '—', r.category_path ? h('span', { className: 'people-sub' }, r.category_path) : null),
          ),
        ),
      ),
    );
    mentees.setContent(h('div', { className: 'table-wrap' }, table), h('p', {}, csvLink('/api/mentees', 'Скачать список наставляемых (CSV)')));
  }

  const redraw = () => {
    if (mentorRows.length || menteeRows.length) {
      drawMentors();
      drawMentees();
    }
  };
  search.addEventListener('input', redraw);
  onlyEmployed.addEventListener('change', redraw);

  async function showMatching(f: Filters, signal: AbortSignal): Promise<void> {
    // A suggestion is for today's staff: over a past sync's data it would suggest the past.
    if (f.asOf) return matching.empty('Подбор наставников — только по текущим данным: очистите поле «Данные на дату», чтобы увидеть предложения.');
    const q = new URLSearchParams({ date: asOf(f, ctx.today) });
    for (const org of f.orgs) q.append('org', org);
    // The matching has no type filter: the organizations of another type are left out here.
    const list = (await getList<Suggested>('/api/matching', 'mentees', q, signal)).filter((m) => !f.type || m.org_type === f.type);
    if (!list.length) return matching.empty(`На ${formatDate(asOf(f, ctx.today))} у всех молодых специалистов выбранных организаций есть наставник.`);
    matching.setContent(
      h(
        'div',
        { className: 'matching-list' },
        ...list.map((m) =>
          h(
            'details',
            { className: 'matching', attrs: { 'data-org': m.org } },
            h(
              'summary',
              {},
              h('strong', {}, m.fio),
              ` (${m.org}${m.subject ? `, ${m.subject}` : ''}) — ${m.suggestions.length ? `кандидатов: ${formatInteger(m.candidates)}` : 'подходящих наставников нет'}`,
            ),
            m.suggestions.length
              ? h(
                  'ol',
                  {},
                  ...m.suggestions.map((s) =>
                    h(
                      'li',
                      {},
                      s.fio === null
                        ? h('strong', { attrs: { title: 'ФИО педагога другой организации видит координатор: он и договаривается о паре' } }, 'Педагог другой организации')
                        : h('strong', {}, s.fio),
                      ` (${s.fio === null ? `${s.org_name}, ${s.org}` : s.org}, ${s.category}, наставляемых: ${s.load} из ${s.limit})`,
                      h('span', { className: 'people-sub' }, s.reasons.join('; ')),
                    ),
                  ),
                )
              : null,
          ),
        ),
      ),
    );
  }

  return {
    title: 'Наставники и наставляемые',
    description: 'Учёт наставников и наставляемых (п. 2.1 распоряжения) на конец выбранного периода: кто с кем в паре сейчас, нагрузка наставников, программы, повышение квалификации и аттестация наставляемых.',
    scope: 'all',
    navPath: '/people',
    metrics: [],
    async show(f, signal) {
      filters = f;
      const q = registerQuery(f, ctx.today);
      await runPanelTasks(
        [
          { panel: matching, run: () => showMatching(f, signal) },
          {
            panel: mentors,
            run: async () => {
              mentorRows = await load<MentorRow>('/api/mentors', q, signal);
              drawMentors();
            },
          },
          {
            panel: mentees,
            run: async () => {
              menteeRows = await load<MenteeRow>('/api/mentees', q, signal);
              drawMentees();
            },
          },
        ],
        signal,
      );
    },
    clear() {
      matching.reset();
      mentors.reset();
      mentees.reset();
    },
    dispose() {
      matching.dispose();
      mentors.dispose();
      mentees.dispose();
    },
  };
}
