/**
 * The summary report `/summary?from&to&type&org[&as_of]` (issue #21, part 4): what a reader
 * finishes — at most three printed pages, where the full report (`/report`) runs to dozens. The
 * key figures of the overview with their change against the same period a year earlier (or the
 * comparison period of the filters), the organizations that lag on each (the three lowest), and
 * what needs attention (stale data, data errors, overdue programs). Every number is the API's
 * (`overview`, `data_quality`, `program_completion`); the full tables stay in the workbook and
 * the full report. `GET /api/report.pdf?kind=summary` prints it; it is the default attachment
 * of a mailed delivery.
 */
import { getMetric, type DataQualityRow, type OrgRow, type ProgramCompletionRow } from '../api.ts';
import { h } from '../dom.ts';
import { filtersToQuery, ongoingPeriodToday, yearEarlier, type Filters } from '../filters.ts';
import { formatDate, formatInteger, formatOutOf, formatPercent, formatPoints, plural } from '../format.ts';
import { periodText, type PageContext } from './page.ts';
import { ORDER_REFERENCE, nameAsOfSync, reportActions, reportParams } from './report.ts';

export const SUMMARY_TITLE = 'Сводка мониторинга наставничества';

interface OverviewRow extends OrgRow {
  engagement_rate: number | null;
  coverage: number | null;
  pd_coverage: number | null;
  growth_pp: number | null;
  completion_rate: number | null;
  orgs_fresh?: number;
  orgs_active?: number;
}

/** The overview's figures, titled as its tiles are (the catalog's titles, without the unit): one name per indicator everywhere. */
const FIGURES = [
  { key: 'engagement_rate', points: false },
  { key: 'coverage', points: false },
  { key: 'pd_coverage', points: false },
  { key: 'growth_pp', points: true },
  { key: 'completion_rate', points: false },
] as const;

/** Organizations named per list at most (a region has a thousand: the rest are counted). */
const LIST_LIMIT = 5;
/** Organizations that lag on a figure: the lowest few. */
const LAGGING = 3;

const value = (points: boolean, v: number | null | undefined) => (points ? formatPoints(v) : formatPercent(v));

/** The change of a share in percentage points, of points in points: «+2,5 п.п.», «—» when either is unknown. */
function change(points: boolean, now: number | null | undefined, then: number | null | undefined): string {
  if (now === null || now === undefined || then === null || then === undefined) return '—';
  const d = points ? now - then : (now - then) * 100;
  const text = formatPoints(Math.round(d * 10) / 10);
  return d > 0 && !text.startsWith('+') ? `+${text}` : text;
}

function list(items: readonly string[], none: string): HTMLElement {
  if (!items.length) return h('p', { className: 'summary-none' }, none);
  const shown = items.slice(0, LIST_LIMIT);
  return h(
    'ul',
    { className: 'summary-list' },
    ...shown.map((t) => h('li', {}, t)),
    ...(items.length > shown.length ? [h('li', { className: 'summary-more' }, `и ещё ${formatInteger(items.length - shown.length)}`)] : []),
  );
}

/** «5 программ», «1 234 организации». */
const countOf = (n: number, one: string, few: string, many: string) => `${formatInteger(n)} ${plural(n, [one, few, many])}`;

/** Draws the summary into `container`; resolves when drawn (a failure is thrown: the page says it). */
export async function showSummary(container: HTMLElement, ctx: PageContext, filters: Filters): Promise<void> {
  // A period that has begun and not ended (the default academic year): the figures are the
  // period's, as the tiles and the workbook give them, and the table says so; the overdue programs
  // listed are those overdue today — as of the period's end, programs due next spring were listed.
  const today = ongoingPeriodToday(filters, ctx.today);
  // Against the year before, a period under way is compared by its part so far: the figures from
  // its start to today against the same days a year earlier. Its figures as of its last day (what
  // the tiles show) against a whole year before read as collapses that are only the calendar
  // («Охват повышением квалификации 21,5 % | 57,8 %» in December). A comparison period the
  // coordinator chose is compared as chosen.
  const soFar = today !== null && !filters.compare;
  const shown = soFar ? { ...filters, to: today } : filters;
  const base = filters.compare ?? yearEarlier(shown);
  const query = filtersToQuery({ ...shown, compare: null });
  const baseQuery = filtersToQuery({ ...filters, from: base.from, to: base.to, compare: null, ...(filters.compare?.asOf ? { asOf: filters.compare.asOf } : {}) });
  const [now, then, quality, programs] = await Promise.all([
    getMetric<OverviewRow>('overview', new URLSearchParams(query)),
    getMetric<OverviewRow>('overview', new URLSearchParams(baseQuery)),
    getMetric<DataQualityRow>('data_quality', new URLSearchParams(query)),
    getMetric<ProgramCompletionRow>('program_completion', today ? filtersToQuery({ ...filters, to: today, compare: null }) : new URLSearchParams(query)),
  ]);
  const total = now.rows.find((r) => r.org === null);
  const baseTotal = then.rows.find((r) => r.org === null);
  const name = (r: OrgRow) => ctx.directory.name(r.org ?? '') || (r.org ?? '');

  const figures = h(
    'table',
    { className: 'summary-figures', id: 'summary-figures' },
    h(
      'caption',
      {},
      soFar
        ? `Ключевые показатели с начала периода по сегодня: ${periodText(shown)} и ${formatDate(base.from)} — ${formatDate(base.to)} (период ${periodText(filters)} ещё не закончился: сравнивается одна и та же его часть в этом году и годом раньше)`
        : `Ключевые показатели: ${periodText(filters)} и ${formatDate(base.from)} — ${formatDate(base.to)}${today ? ` (период ещё не закончился: цифры — на его последний день по данным сегодняшнего дня)` : ''}`,
    ),
    h(
      'thead',
      {},
      h('tr', {}, ...['Показатель', periodText(shown), `${formatDate(base.from)} — ${formatDate(base.to)}`, 'Изменение'].map((t, i) => h('th', { className: i ? 'num' : 'text', attrs: { scope: 'col' } }, t))),
    ),
    h(
      'tbody',
      {},
      ...FIGURES.map((f) =>
        h(
          'tr',
          { attrs: { 'data-figure': f.key } },
          h('th', { className: 'text', attrs: { scope: 'row' } }, ctx.catalog.tileTitle(f.key)),
          h('td', { className: 'num' }, value(f.points, total?.[f.key])),
          h('td', { className: 'num' }, value(f.points, baseTotal?.[f.key])),
          h('td', { className: 'num' }, change(f.points, total?.[f.key], baseTotal?.[f.key])),
        ),
      ),
      h(
        'tr',
        { attrs: { 'data-figure': 'orgs_fresh' } },
        h('th', { className: 'text', attrs: { scope: 'row' } }, 'Организации со свежими данными'),
        h('td', { className: 'num' }, formatOutOf(total?.orgs_fresh, total?.orgs_active)),
        h('td', { className: 'num' }, '—'),
        h('td', { className: 'num' }, '—'),
      ),
    ),
  );

  // Who lags: per figure, the lowest few organizations with a value.
  const orgRows = now.rows.filter((r) => r.org !== null);
  const lagging = h(
    'div',
    { className: 'summary-lagging', id: 'summary-lagging' },
    ...FIGURES.map((f) => {
      const sorted = orgRows
        .filter((r) => typeof r[f.key] === 'number')
        .sort((a, b) => (a[f.key] as number) - (b[f.key] as number) || String(a.org).localeCompare(String(b.org), 'ru'));
      const low = sorted.slice(0, LAGGING);
      // Others with the value of the last one named (as shown): said, not left out in silence — a
      // fourth school at 66,7 % was missing from three listed at 66,7 % (an acceptance run).
      const last = low.length > 0 ? value(f.points, low[low.length - 1]![f.key]) : null;
      const tied = last === null ? 0 : sorted.slice(LAGGING).filter((r) => value(f.points, r[f.key]) === last).length;
      const lines = low.map((r) => `${name(r)}: ${value(f.points, r[f.key])}`);
      if (tied > 0) lines.push(`и ещё ${formatInteger(tied)} ${plural(tied, ['организация', 'организации', 'организаций'])} с тем же значением (${last})`);
      return h('section', { className: 'summary-block' }, h('h3', {}, ctx.catalog.tileTitle(f.key)), list(lines, 'Нет данных.'));
    }),
  );

  const orgQuality = quality.rows.filter((r) => r.org !== null);
  const stale = orgQuality.filter((r) => r.stale).map((r) => `${name(r)}: ${r.last_message ?? 'таблица давно не читалась'}`);
  const errors = orgQuality
    .filter((r) => (r.errors ?? 0) > 0)
    .sort((a, b) => (b.errors ?? 0) - (a.errors ?? 0))
    .map((r) => `${name(r)}: ошибок ${formatInteger(r.errors)}, строк в карантине ${formatInteger(r.rows_quarantined)}`);
  const overdueRows = programs.rows.filter((r) => r.org !== null && (r.overdue ?? 0) > 0);
  const overdueTotal = overdueRows.reduce((n, r) => n + (r.overdue ?? 0), 0);
  const overdue = overdueRows
    .sort((a, b) => (b.overdue ?? 0) - (a.overdue ?? 0))
    .map((r) => `${name(r)}: просрочено программ — ${formatInteger(r.overdue)}`);
  const attention = h(
    'div',
    { className: 'summary-attention', id: 'summary-attention' },
    h('section', { className: 'summary-block' }, h('h3', {}, `Данные устарели (${formatInteger(stale.length)})`), list(stale, 'Нет: данные всех организаций свежие.')),
    h('section', { className: 'summary-block' }, h('h3', {}, `Ошибки в таблицах (${formatInteger(errors.length)})`), list(errors, 'Нет ошибок в таблицах.')),
    h(
      'section',
      { className: 'summary-block' },
      h(
        'h3',
        {},
        `Просроченные программы${today ? ` на сегодня (${formatDate(today)})` : ''}${overdue.length ? `: ${countOf(overdueTotal, 'программа', 'программы', 'программ')} в ${countOf(overdue.length, 'организации', 'организациях', 'организациях')}` : ''}`,
      ),
      list(overdue, 'Просроченных программ нет.'),
    ),
  );

  const params = reportParams(filters, ctx, 'summary');
  // A period still going on: its key figures are of the part so far, said where the period is
  // named — the summary's figures differed from the overview's tiles for the whole period, said
  // only above the table (an outside review).
  const periodCell = params.querySelector<HTMLElement>('#summary-period');
  if (today && periodCell) periodCell.textContent = `${periodCell.textContent} — период ещё идёт: ключевые показатели ниже — с его начала по ${formatDate(today)}`;
  nameAsOfSync(params, 'summary', now.params.as_of);
  container.replaceChildren(
    h(
      'header',
      { className: 'report-header' },
      reportActions('summary', filters),
      h('p', { className: 'report-order' }, ORDER_REFERENCE),
      params,
    ),
    h('section', { className: 'summary-section' }, figures),
    h('section', { className: 'summary-section' }, h('h2', {}, 'Кто отстаёт'), lagging),
    h('section', { className: 'summary-section' }, h('h2', {}, 'Что требует внимания'), attention),
    h('p', { className: 'summary-foot' }, 'Полные таблицы по каждой организации — в книге Excel («Выгрузить») и в полном отчёте для печати.'),
  );
}
