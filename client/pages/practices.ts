/**
 * Page «Практики и мероприятия» (items 2.2, 2.3 and 3.8 of the order): the events of the
 * period by kind and level — meetings of the methodical associations of mentors (п. 2.3),
 * seminars, conferences, cooperation agreements (п. 3.8) — as a chart and a table per
 * organization (metric `events`); and the bank of best practices (п. 2.2,
 * `GET /api/practices`), grouped by direction and organization, with links.
 *
 * Practices are typed by schools: every text goes in as a text node, and only an http(s)
 * URL becomes a link (the server already sends anything else as `link_text`; checked here
 * again). The bank names authors, so a regional account is not offered it (the server
 * refuses it too).
 */
import type { Practice } from '../../shared/practices.ts';
import { getList } from '../api.ts';
import { eventsByKindSpec, kindsOf, participantsText, type EventsRow } from '../charts/events.ts';
import { h, staleMark } from '../dom.ts';
import { formatDate, formatInteger, plural } from '../format.ts';
import { Panel, runPanelTasks } from '../panel.ts';
import { session } from '../session.ts';
import { orgCell, renderTable, type TableRow } from '../table.ts';
import type { Filters } from '../filters.ts';
import { chartFileName, Loader, NO_ORGS_MESSAGE, orgPageHref, periodText, totalChartLabel, totalRowLabel, type Page, type PageContext } from './page.ts';

// ------------------------------------------------------------------ the practices API


export interface PracticesResponse {
  practices: Practice[];
}

/** `GET /api/practices?org=&type=`: the bank of best practices of the organizations selected. */
export async function getPractices(filters: Filters, signal?: AbortSignal): Promise<PracticesResponse> {
  const query = new URLSearchParams();
  if (filters.type) query.set('type', filters.type);
  for (const org of filters.orgs) query.append('org', org);
  if (filters.asOf) query.set('as_of', filters.asOf);
  return { practices: await getList<Practice>('/api/practices', 'practices', query, signal) };
}

/** Only http(s) URLs become links: a school's text is data, not trusted markup. */
export function safeHref(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------ drawing

const NO_TOPIC = 'Направление не указано';
const MO_KIND = 'Заседание МО наставников';

/** Practices by direction (in the server's order), then by organization. */
function groupPractices(practices: readonly Practice[]): Map<string, Map<string, Practice[]>> {
  const groups = new Map<string, Map<string, Practice[]>>();
  for (const practice of practices) {
    const topic = practice.topic ?? NO_TOPIC;
    let orgs = groups.get(topic);
    if (!orgs) groups.set(topic, (orgs = new Map()));
    let list = orgs.get(practice.org);
    if (!list) orgs.set(practice.org, (list = []));
    list.push(practice);
  }
  return groups;
}

function practiceItem(practice: Practice): HTMLLIElement {
  const href = safeHref(practice.link);
  const title = href
    ? h('a', { attrs: { href, target: '_blank', rel: 'noopener noreferrer' } }, practice.title)
    : h('span', {}, practice.title);
  const meta: string[] = [practice.author];
  if (practice.practice_date) meta.push(formatDate(practice.practice_date));
  // Text that is not a web address (or an address the page does not trust) is shown as text.
  const linkText = practice.link_text ?? (practice.link && !href ? practice.link : null);
  return h(
    'li',
    { attrs: { 'data-org': practice.org } },
    title,
    h('span', { className: 'item-list__meta' }, meta.join(', ')),
    linkText ? h('span', { className: 'item-list__meta' }, `Ссылка (не веб-адрес): ${linkText}`) : null,
  );
}

function practiceGroups(practices: readonly Practice[], filters: Filters, ctx: PageContext): HTMLElement[] {
  const out: HTMLElement[] = [];
  for (const [topic, orgs] of groupPractices(practices)) {
    const count = [...orgs.values()].reduce((sum, list) => sum + list.length, 0);
    const section = h(
      'section',
      { className: 'practice-group', attrs: { 'data-topic': topic } },
      h('h3', {}, `${topic} — ${formatInteger(count)} ${plural(count, ['практика', 'практики', 'практик'])}`),
    );
    for (const [org, list] of orgs) {
      const note = ctx.directory.staleNote(org);
      const name = list[0]?.org_name ?? ctx.directory.name(org);
      section.append(
        h('h4', {}, ...(note ? [staleMark(note), ' '] : []), h('a', { attrs: { href: orgPageHref(org, filters), title: org } }, name)),
        h('ul', { className: 'item-list' }, ...list.map(practiceItem)),
      );
    }
    out.push(section);
  }
  return out;
}

/** The organizations the filters select, in the directory's order (type, then code). */
function selectedOrgs(ctx: PageContext, filters: Filters): Array<{ code: string; name: string; type: string }> {
  return ctx.directory.orgs.filter(
    (org) => (filters.type === null || org.type === filters.type) && (filters.orgs.length === 0 || filters.orgs.includes(org.code)),
  );
}

// ------------------------------------------------------------------ the page

export function createPracticesPage(container: HTMLElement, ctx: PageContext): Page {
  const { catalog, directory } = ctx;
  const kinds = new Panel({ id: 'events-kinds', title: 'Мероприятия по видам и уровням', wide: true, table: false });
  const orgs = new Panel({ id: 'events-orgs', title: 'Мероприятия по организациям', wide: true, chart: false, table: 'open' });
  const bank = new Panel({ id: 'practices', title: 'Банк лучших практик (п. 2.2)', wide: true, chart: false, table: false });
  const panels = [kinds, orgs, bank];
  container.replaceChildren(h('div', { className: 'panels' }, ...panels.map((panel) => panel.element)));

  return {
    title: 'Практики и мероприятия',
    description:
      catalog.description('events') ??
      'Мероприятия периода по видам и уровням (пп. 2.3, 3.8 распоряжения) и банк лучших практик по направлениям (п. 2.2).',
    scope: 'all',
    navPath: '/practices',
    metrics: ['events'],

    async show(filters, signal) {
      const load = new Loader(filters, signal);
      const period = periodText(filters);
      const events = load.metric<EventsRow>('events');

      await runPanelTasks(
        [
          {
            panel: kinds,
            run: async () => {
              const { rows } = await events;
              const totals = rows.filter((row) => row.org === null);
              if (totals.length === 0) return kinds.empty(`За период ${period} мероприятий нет.`);
              const all = totals.reduce((sum, row) => sum + row.events, 0);
              const stated = totals.reduce((sum, row) => sum + row.with_participants, 0);
              const participants = totals.some((row) => row.participants !== null)
                ? totals.reduce((sum, row) => sum + (row.participants ?? 0), 0)
                : null;
              const mo = totals.filter((row) => row.kind === MO_KIND).reduce((sum, row) => sum + row.events, 0);
              kinds.setNote(
                `${totalChartLabel(filters)} за период ${period}: ${formatInteger(all)} ${plural(all, ['мероприятие', 'мероприятия', 'мероприятий'])}, из них заседаний МО наставников (п. 2.3) — ${formatInteger(mo)}; участников — ${participantsText(participants, stated, all)}. Участники суммируются по мероприятиям: один педагог на двух заседаниях учтён дважды.`,
              );
              await kinds.chart(eventsByKindSpec(rows), chartFileName('meropriyatiya', filters));
            },
          },
          {
            panel: orgs,
            run: async () => {
              const { rows } = await events;
              const orgRows = rows.filter((row): row is EventsRow & { org: string } => row.org !== null);
              const selected = selectedOrgs(ctx, filters);
              // Every organization the filters select, also those without events (a zero is news here).
              const codes = [...new Set([...selected.map((org) => org.code), ...orgRows.map((row) => row.org)])];
              if (codes.length === 0) return orgs.empty(NO_ORGS_MESSAGE);
              const kindList = kindsOf(rows.filter((row) => row.org === null));
              const byOrg = new Map<string, EventsRow[]>();
              for (const row of orgRows) byOrg.set(row.org, [...(byOrg.get(row.org) ?? []), row]);
              const cells = (list: readonly EventsRow[]) => {
                const count = (kind: string) => list.filter((row) => row.kind === kind).reduce((sum, row) => sum + row.events, 0);
                const all = list.reduce((sum, row) => sum + row.events, 0);
                const stated = list.reduce((sum, row) => sum + row.with_participants, 0);
                const participants = list.some((row) => row.participants !== null) ? list.reduce((sum, row) => sum + (row.participants ?? 0), 0) : null;
                return [...kindList.map((kind) => formatInteger(count(kind))), formatInteger(all), participantsText(participants, stated, all)];
              };
              const withMo = codes.filter((code) => (byOrg.get(code) ?? []).some((row) => row.kind === MO_KIND)).length;
              orgs.setNote(
                `Заседания МО наставников (п. 2.3) провели ${formatInteger(withMo)} из ${formatInteger(codes.length)} ${plural(codes.length, ['организации', 'организаций', 'организаций'])}. Число участников — сумма по мероприятиям, где оно указано.`,
              );
              orgs.fillTable((table) => {
                const tableRows: TableRow[] = codes.map((code) => {
                  const list = byOrg.get(code) ?? [];
                  const first = list[0];
                  return {
                    head: orgCell({ org: code, org_name: first?.org_name ?? directory.name(code) }, { directory, orgHref: (c) => orgPageHref(c, filters) }),
                    org: code,
                    cells: cells(list),
                  };
                });
                tableRows.push({ head: [totalRowLabel(filters)], total: true, cells: cells(rows.filter((row) => row.org === null)) });
                renderTable(
                  table,
                  `${catalog.title('events')} за период ${period}, по организациям`,
                  'Организация',
                  [
                    ...kindList.map((kind) => ({ header: kind, numeric: true })),
                    { header: 'Всего мероприятий', numeric: true },
                    { header: catalog.columnTitle('events', 'participants'), numeric: true },
                  ],
                  tableRows,
                );
              });
            },
          },
          {
            panel: bank,
            run: async () => {
              if (session()?.role === 'region') {
                return bank.empty('Банк лучших практик недоступен для регионального уровня: в нём указаны ФИО авторов.');
              }
              const { practices } = await getPractices(filters, signal);
              if (practices.length === 0) {
                return bank.empty('Практик пока нет: организации заполняют лист «Лучшие практики» своей таблицы.');
              }
              const orgCount = new Set(practices.map((practice) => practice.org)).size;
              bank.setNote(
                `Все практики выбранных организаций (период к банку не применяется): ${formatInteger(practices.length)} ${plural(practices.length, ['практика', 'практики', 'практик'])} из ${formatInteger(orgCount)} ${plural(orgCount, ['организации', 'организаций', 'организаций'])}, по направлениям; внутри — по организациям, новые сначала.`,
              );
              bank.setContent(...practiceGroups(practices, filters, ctx));
            },
          },
        ],
        signal,
      );
    },

    clear() {
      for (const panel of panels) panel.reset();
    },

    dispose() {
      for (const panel of panels) panel.dispose();
    },
  };
}

export type { Practice };
