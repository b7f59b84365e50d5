/**
 * Page «Обзор»: the headline numbers of the period (metric `overview`, total row) as tiles,
 * engagement month by month, and the five organizations that lag most on engagement.
 * Stale organizations are listed on top: their numbers here are from an older load.
 */
import {
  getList,
  getMetric,
  isAbortError,
  type DataQualityRow,
  type EngagementRow,
  type MetricResponse,
  type OrgRow,
  type OverviewRow,
  type ProfessionalDevelopmentRow,
  type ProgramCompletionRow,
  type QualificationGrowthRow,
  type YoungSpecialistsRow,
} from '../api.ts';
import { ratioBarsSpec, topByValue } from '../charts/templates/index.ts';
import { engagementTrendSpec, trendRows } from '../charts/trend.ts';
import { trendEnd } from '../trend.ts';
import { h } from '../dom.ts';
import { filtersToQuery, type Filters } from '../filters.ts';
import { session } from '../session.ts';
import { changedSinceBox, getChangedSince } from '../changes.ts';
import { LOAD_LIMIT, asOf, registerQuery } from './people.ts';
import { formatDate, formatInteger, formatOutOf, formatPercent, formatPoints, plural } from '../format.ts';
import { Panel, runPanelTasks } from '../panel.ts';
import {
  chartFileName,
  isFiltered,
  Loader,
  NO_ORGS_MESSAGE,
  orgPageHref,
  pageHref,
  periodText,
  totalChartLabel,
  type Page,
  type PageContext,
} from './page.ts';

interface Tile {
  column: keyof OverviewRow & string;
  value: string;
  /** The counts behind the value, when the detailed metric answered. */
  hint: string | null;
  href: string;
  warning?: boolean;
}

function tileElement(title: string, tile: Tile): HTMLElement {
  return h(
    'a',
    { className: `tile${tile.warning ? ' tile--warning' : ''}`, attrs: { href: tile.href, 'data-column': tile.column } },
    h('span', { className: 'tile__title' }, title),
    h('span', { className: 'tile__value' }, tile.value),
    tile.hint ? h('span', { className: 'tile__hint' }, tile.hint) : null,
  );
}

/** The total row of a metric, or null when it failed: a tile's hint is not worth an error box. */
async function totalOrNull<Row extends OrgRow>(response: Promise<MetricResponse<Row>>): Promise<Row | null> {
  try {
    return (await response).rows.find((row) => row.org === null) ?? null;
  } catch (error) {
    if (isAbortError(error)) throw error;
    return null;
  }
}

/** Young specialists with no mentor and mentors at or over the load limit, as of the period's end. */
async function showAttention(panel: Panel, filters: Filters, today: Date, signal: AbortSignal): Promise<void> {
  const q = registerQuery(filters, today);
  const get = <T>(path: string): Promise<T[]> => getList<T>(path, 'rows', q, signal);
  type Person = { org: string; fio: string; employed: boolean; young?: boolean; has_pair?: boolean; load?: number };
  // Rows left out of every figure for errors (quarantined): the figures above are without them,
  // and nothing on the first page said so — a school with 18 rows held back saw 22 % for 67 %
  // (an outside review). From «Качество данных» of the same organizations.
  // The overview's own parameters: its answer computed «Качество данных» as a part, kept in the
  // server's cache under them — asked otherwise, it was computed again for every overview.
  const qualityQuery = filtersToQuery({ ...filters, compare: null });
  const [mentees, mentors, quality] = await Promise.all([
    get<Person>('/api/mentees'),
    get<Person>('/api/mentors'),
    totalOrNull(getMetric<DataQualityRow>('data_quality', qualityQuery, signal)),
  ]);
  const unpaired = mentees.filter((r) => r.employed && r.young && !r.has_pair);
  const overloaded = mentors.filter((r) => r.employed && (r.load ?? 0) >= LOAD_LIMIT);
  const held = quality && quality.rows_quarantined > 0 ? quality : null;
  const heldItem = held
    ? h(
        'li',
        { attrs: { 'data-flag': 'quarantined' } },
        h('strong', {}, `Строк не учтено в показателях из-за ошибок в таблицах: ${formatInteger(held.rows_quarantined)}`),
        ` (ошибок: ${formatInteger(held.errors)}) — исправьте их по списку на странице `,
        h('a', { attrs: { href: pageHref('/data-quality', filters) } }, '«Качество данных»'),
        '; пока они не исправлены, показатели считаются без этих строк.',
      )
    : null;
  if (!unpaired.length && !overloaded.length && heldItem) {
    panel.setNote(`На ${formatDate(asOf(filters, today))}.`);
    return panel.setContent(h('ul', { className: 'attention-list' }, heldItem));
  }
  if (!unpaired.length && !overloaded.length) {
    // Nobody to check (a filter that matches no one, a year before any data): not «all is well».
    if (!mentees.some((r) => r.employed && r.young) && !mentors.some((r) => r.employed)) {
      return panel.empty(`На ${formatDate(asOf(filters, today))} в выбранных организациях нет ни молодых специалистов, ни наставников — проверять нечего.`);
    }
    return panel.empty(`На ${formatDate(asOf(filters, today))} у каждого молодого специалиста есть действующая пара с наставником, и ни у одного наставника нет ${LOAD_LIMIT} и больше наставляемых.`);
  }
  const names = (rows: Person[], extra: (r: Person) => string) => {
    const shown = rows.slice(0, 12).map((r) => `${r.fio} (${r.org}${extra(r)})`);
    return shown.join('; ') + (rows.length > shown.length ? ` и ещё ${rows.length - shown.length}` : '');
  };
  panel.setNote(`На ${formatDate(asOf(filters, today))}.`);
  panel.setContent(
    h(
      'ul',
      { className: 'attention-list' },
      heldItem,
      unpaired.length
        ? h('li', { attrs: { 'data-flag': 'unpaired' } }, h('strong', {}, `Молодых специалистов без действующей пары на этот день: ${formatInteger(unpaired.length)}`), ' — ', names(unpaired, () => ''))
        : null,
      overloaded.length
        ? h(
            'li',
            { attrs: { 'data-flag': 'overloaded' } },
            h('strong', {}, `Наставников с ${LOAD_LIMIT} и больше наставляемыми: ${formatInteger(overloaded.length)}`),
            ' — ',
            names(overloaded, (r) => `, наставляемых: ${r.load ?? 0}`),
          )
        : null,
    ),
    h('p', {}, h('a', { attrs: { href: pageHref('/people', filters) } }, 'Подробнее — «Наставники и наставляемые»')),
  );
}

export function createOverviewPage(container: HTMLElement, ctx: PageContext): Page {
  const { catalog, directory } = ctx;
  const tiles = new Panel({ id: 'tiles', wide: true, chart: false });
  const trend = new Panel({ id: 'trend', title: 'Вовлечённость по месяцам', table: 'closed' });
  // Which organizations lag: the coordinator's and the region's; a school's answers hold its own
  // organization only, which was ranked «lagging» alone, above the municipal share (an acceptance run).
  const lagging = session()?.role === 'school' ? null : new Panel({ id: 'lagging', title: 'Отстают по вовлечённости', table: false });
  // Names: not for a regional account (its server answers 403 for the registers anyway).
  const attention = session()?.role === 'region' ? null : new Panel({ id: 'attention', title: 'Требует внимания', wide: true, chart: false, table: false });
  // Counts only (no names of people): the coordinator and the region; a school has its own change log.
  const changed = session()?.role === 'school' ? null : new Panel({ id: 'changed', title: 'Изменения с последнего отчёта', wide: true, chart: false, table: false });
  const panels = [tiles, trend, ...(lagging ? [lagging] : []), ...(attention ? [attention] : []), ...(changed ? [changed] : [])];
  tiles.element.classList.add('panel--plain');
  container.replaceChildren(h('div', { className: 'panels' }, ...panels.map((panel) => panel.element)));

  return {
    title: 'Обзор',
    description: 'Главные показатели наставничества педагогов за выбранный период. Нажмите на плитку, чтобы перейти к подробностям.',
    scope: 'all',
    navPath: '/',
    metrics: ['overview', 'engagement', 'young_specialists', 'professional_development', 'qualification_growth', 'program_completion'],

    async show(filters, signal) {
      const load = new Loader(filters, signal);
      const period = periodText(filters);
      // A tile prints its unit with the value ("−1,0 п.п."): the title goes without it.
      const title = (column: string) => catalog.tileTitle(column);
      const engagement = load.metric<EngagementRow>('engagement');

      await runPanelTasks(
        [
          ...(attention ? [{ panel: attention, run: () => showAttention(attention, filters, ctx.today, signal) }] : []),
          ...(changed
            ? [
                {
                  panel: changed,
                  run: async () => {
                    const since = await getChangedSince(signal);
                    changed.setContent(...changedSinceBox(since, (code) => orgPageHref(code, filters)));
                  },
                },
              ]
            : []),
          {
            panel: tiles,
            run: async () => {
              const [overview, eng, young, pd, growth, programs] = await Promise.all([
                load.metric<OverviewRow>('overview'),
                totalOrNull(engagement),
                totalOrNull(load.metric<YoungSpecialistsRow>('young_specialists')),
                totalOrNull(load.metric<ProfessionalDevelopmentRow>('professional_development')),
                totalOrNull(load.metric<QualificationGrowthRow>('qualification_growth')),
                totalOrNull(load.metric<ProgramCompletionRow>('program_completion')),
              ]);
              const total = overview.rows.find((row) => row.org === null);
              if (!total || !overview.rows.some((row) => row.org !== null)) return tiles.empty(NO_ORGS_MESSAGE);
              const stale = total.orgs_active - total.orgs_fresh;
              const list: Tile[] = [
                {
                  column: 'engagement_rate',
                  value: formatPercent(total.engagement_rate),
                  hint: eng ? `${formatOutOf(eng.engaged, eng.teachers)} педагогов` : null,
                  href: pageHref('/engagement', filters),
                },
                {
                  column: 'coverage',
                  value: formatPercent(total.coverage),
                  hint: young ? `${formatOutOf(young.young_with_mentor, young.young)} молодых специалистов были в паре с наставником в периоде` : null,
                  href: `${pageHref('/engagement', filters)}#young-panel`,
                },
                {
                  column: 'pd_coverage',
                  value: formatPercent(total.pd_coverage),
                  hint: pd ? `${formatOutOf(pd.trained, pd.teachers)} педагогов прошли курсы` : null,
                  href: pageHref('/professional-development', filters),
                },
                {
                  column: 'growth_pp',
                  value: formatPoints(total.growth_pp),
                  hint: growth ? `с ${formatPercent(growth.share_start)} до ${formatPercent(growth.share_end)} педагогов` : null,
                  href: `${pageHref('/professional-development', filters)}#categories-panel`,
                },
                {
                  column: 'completion_rate',
                  value: formatPercent(total.completion_rate),
                  hint: programs ? `${formatOutOf(programs.completed, programs.due)} ${plural(programs.due, ['программы', 'программ', 'программ'])} со сроком в периоде` : null,
                  href: pageHref('/programs', filters),
                },
                {
                  column: 'orgs_fresh',
                  value: formatOutOf(total.orgs_fresh, total.orgs_active),
                  hint:
                    stale > 0
                      ? `⚠ у ${formatInteger(stale)} ${plural(stale, ['организации', 'организаций', 'организаций'])} данные устарели`
                      : 'данные всех организаций актуальны',
                  href: pageHref('/data-quality', filters),
                  warning: stale > 0,
                },
              ];
              const grid = h('div', { className: 'tiles', attrs: { role: 'list' } });
              for (const tile of list) {
                const item = tileElement(title(tile.column), tile);
                item.setAttribute('role', 'listitem');
                grid.append(item);
              }
              const staleOrgs = directory.staleOrgs().filter((org) => {
                if (filters.orgs.length > 0) return filters.orgs.includes(org.code);
                return filters.type === null || org.type === filters.type;
              });
              tiles.setContent(
                grid,
                staleOrgs.length > 0 &&
                  h(
                    'div',
                    { className: 'stale-box', attrs: { role: 'note' } },
                    h('p', { className: 'stale-box__title' }, `⚠ Данные ${staleOrgs.length} ${plural(staleOrgs.length, ['организации', 'организаций', 'организаций'])} устарели — их показатели взяты из прошлой загрузки:`),
                    h(
                      'ul',
                      {},
                      ...staleOrgs.map((org) =>
                        h('li', {}, h('strong', {}, org.name), ` (${org.code}): ${directory.staleReason(org.code) ?? ''}`),
                      ),
                    ),
                    h('p', {}, h('a', { attrs: { href: pageHref('/data-quality', filters) } }, 'Подробнее на странице «Качество данных»')),
                  ),
                );
            },
          },
          {
            panel: trend,
            run: async () => {
              // Months after the current one would repeat the last value: the line stops at today.
              const end = trendEnd(filters, ctx.today);
              if ('empty' in end) return trend.empty(end.empty);
              const { to } = end;
              const { rows } = await load.metric<EngagementRow>('engagement', { grain: 'month', to });
              const points = trendRows(rows);
              if (points.length === 0) return trend.empty(NO_ORGS_MESSAGE);
              if (points.every((row) => row.engaged === 0)) return trend.empty('В выбранном периоде нет действующих наставнических пар.');
              const label = totalChartLabel(filters);
              trend.setNote(
                `${label}: доля педагогов, вовлечённых в наставничество с начала периода, на конец каждого месяца${to < filters.to ? ' (до текущего месяца)' : ''}.`,
              );
              trend.fillTable((table) => {
                table.replaceChildren(
                  h('caption', {}, `Вовлечённость по месяцам, ${period}`),
                  h(
                    'thead',
                    {},
                    h(
                      'tr',
                      {},
                      h('th', { className: 'text', attrs: { scope: 'col' } }, 'Месяц'),
                      // Each row is a month's end: «на конец периода» of the metric's own title is «на конец месяца» here.
                      ...['teachers', 'engaged', 'engagement_rate'].map((column) =>
                        h('th', { className: 'num', attrs: { scope: 'col' } }, catalog.columnTitle('engagement', column).replace('на конец периода', 'на конец месяца')),
                      ),
                    ),
                  ),
                  h(
                    'tbody',
                    {},
                    ...points.map((row) =>
                      h(
                        'tr',
                        {},
                        h('th', { className: 'text', attrs: { scope: 'row' } }, row.month.split('-').reverse().join('.')),
                        h('td', { className: 'num' }, formatInteger(row.teachers)),
                        h('td', { className: 'num' }, formatInteger(row.engaged)),
                        h('td', { className: 'num' }, formatPercent(row.engagement_rate)),
                      ),
                    ),
                  ),
                );
              });
              await trend.chart(
                engagementTrendSpec(rows, { titles: (c) => catalog.columnTitle('engagement', c), totalLabel: label }),
                chartFileName('vovlechennost-po-mesyacam', filters),
              );
            },
          },
          ...(lagging
            ? [
                {
                  panel: lagging,
                  run: async () => {
                    const { rows } = await engagement;
                    const withValue = rows.filter((row) => row.org !== null && row.engagement_rate !== null);
                    if (withValue.length === 0) return lagging.empty(NO_ORGS_MESSAGE);
                    const total = rows.find((row) => row.org === null);
                    if (!total || total.engaged === 0) return lagging.empty('В выбранном периоде нет действующих наставнических пар.');
                    const count = Math.min(5, withValue.length);
                    lagging.setNote(
                      `${count === 5 ? 'Пять организаций' : `Организации (${count})`} с наименьшей долей педагогов, вовлечённых в наставничество; пунктир — значение ${isFiltered(filters) ? 'по выбранным организациям' : 'по муниципалитету'}.`,
                    );
                    // The five as links to their pages, in the chart's order: the chart's bars led nowhere, and
                    // named the organizations by code only (an outside review).
                    const five = topByValue(withValue, (row) => row.engagement_rate, (row) => row.org!, 'asc', count);
                    lagging.setContent(
                      h(
                        'ol',
                        { className: 'lagging-list', attrs: { 'aria-label': 'Отстающие организации — открыть страницу организации' } },
                        ...five.map((row) =>
                          h('li', {}, h('a', { attrs: { href: orgPageHref(row.org!, filters) } }, directory.name(row.org!)), ` — ${formatPercent(row.engagement_rate)} (${formatOutOf(row.engaged, row.teachers)})`),
                        ),
                      ),
                      h('p', { className: 'panel__more' }, h('a', { attrs: { href: pageHref('/engagement', filters) } }, 'Все организации →')),
                    );
                    await lagging.chart(
                      ratioBarsSpec(rows, {
                        labels: directory,
                        titles: (c) => catalog.columnTitle('engagement', c),
                        ratio: 'engagement_rate',
                        numerator: 'engaged',
                        denominator: 'teachers',
                        totalLabel: totalChartLabel(filters),
                        axisTitle: 'Доля вовлечённых педагогов',
                        description: 'Пять организаций с наименьшей долей вовлечённых в наставничество педагогов',
                        order: 'asc',
                        limit: 5,
                        colorByType: false,
                      }),
                      chartFileName('otstayushchie', filters),
                    );
                  },
                },
              ]
            : []),
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
