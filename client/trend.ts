/**
 * «Динамика по месяцам» on a metric page: one of the page's shares by month end (`grain=month`,
 * docs/spec/METRICS.md «Trends») for the municipality or the organizations selected, as a line
 * and a table of the counts behind it. A page with several such shares offers them in a list;
 * the overview draws engagement's by itself (pages/overview.ts) with the same month range.
 */
import type { OrgRow } from './api.ts';
import type { MetricCatalog } from './catalog.ts';
import { monthlyShareSpec, trendRows, type MonthlyShare } from './charts/trend.ts';
import { h } from './dom.ts';
import { currentMonthEnd, monthEndOf, type Filters } from './filters.ts';
import { formatInteger, formatPercent } from './format.ts';
import { isAbortError } from './api.ts';
import { messageOf, Panel, type PanelTask } from './panel.ts';
import { chartFileName, NO_ORGS_MESSAGE, totalChartLabel, type Loader } from './pages/page.ts';

/** A share a page follows by month: its metric, its columns, and the words around it. */
export interface TrendIndicator extends MonthlyShare {
  metric: string;
  /** The y axis: what the share is of («Доля вовлечённых педагогов»). */
  axisTitle: string;
  /** What a month's point is, after the line's name («доля … на конец каждого месяца»). */
  description: string;
  /** Said instead of a flat line of zeros when `whole` is 0 in every month. */
  none: string;
  /** The file name of the saved chart. */
  file: string;
}

/**
 * The month ends a trend of `filters` has up to today (a month after the current one would
 * repeat today's value): the `to` to ask the metric with, or why there is no point at all.
 */
export function trendEnd(filters: Filters, today: Date): { to: string } | { empty: string } {
  const monthEnd = currentMonthEnd(today);
  if (filters.from > monthEnd) return { empty: 'Период ещё не начался: помесячных данных пока нет.' };
  const to = filters.to < monthEnd ? filters.to : monthEnd;
  // The trend's points are month ends inside the period (docs/spec/METRICS.md): a period within one month has none.
  if (monthEndOf(filters.from) > to) {
    return {
      empty:
        'В выбранном периоде нет конца месяца, а помесячная динамика строится на последний день каждого месяца: выберите период, в который входит конец хотя бы одного месяца.',
    };
  }
  return { to };
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export class TrendPanel {
  readonly panel: Panel;
  private readonly select: HTMLSelectElement;
  /** The last filters and loader the page showed, so another choice in the list redraws for them. */
  private shown: { filters: Filters; load: Loader } | null = null;

  constructor(
    id: string,
    private readonly indicators: readonly TrendIndicator[],
    private readonly catalog: MetricCatalog,
    private readonly today: Date,
  ) {
    // A page cleared (its filters failed) or replaced: a panel waiting to be seen waits no more.
    this.panel = new Panel({ id, title: 'Динамика по месяцам', wide: true, table: 'closed', onStop: () => this.stopWaiting() });
    this.select = h(
      'select',
      { id: `${id}-indicator`, attrs: { 'aria-label': 'Показатель по месяцам' } },
      ...indicators.map((t, i) => h('option', { attrs: { value: String(i) } }, catalog.columnTitle(t.metric, t.rate))),
    );
    this.select.hidden = indicators.length < 2;
    this.select.addEventListener('change', () => {
      if (!this.shown) return;
      this.panel.reset();
      this.drawNow(this.shown.filters, this.shown.load);
    });
  }

  /**
   * The page's task for `filters` (runPanelTasks): the panel is drawn when it comes into view —
   * its month ends are the page's costliest query (a metric per month), and the panel sits below
   * the page's own charts, where many a visit never scrolls. The task itself ends at once; a
   * failure is the panel's own.
   */
  task(filters: Filters, load: Loader): PanelTask {
    return { panel: this.panel, run: async () => this.whenSeen(filters, load), deferred: true };
  }

  private seen: IntersectionObserver | null = null;

  private stopWaiting(): void {
    this.seen?.disconnect();
    this.seen = null;
  }

  /** Draws for `filters` now; a failure is the panel's own (an aborted load is the page's next filters). */
  private drawNow(filters: Filters, load: Loader): void {
    void this.draw(filters, load).catch((e: unknown) => (isAbortError(e) ? undefined : this.panel.error(messageOf(e))));
  }

  private whenSeen(filters: Filters, load: Loader): void {
    this.stopWaiting();
    if (typeof IntersectionObserver === 'undefined') return this.drawNow(filters, load);
    this.panel.setNote('Помесячные данные загружаются, когда панель появляется на экране.');
    const observer = new IntersectionObserver(
      (entries) => {
        if (!entries.some((e) => e.isIntersecting)) return;
        this.stopWaiting();
        this.drawNow(filters, load);
      },
      { rootMargin: '200px 0px' },
    );
    this.seen = observer;
    observer.observe(this.panel.element);
  }

  private async draw(filters: Filters, load: Loader): Promise<void> {
    this.shown = { filters, load };
    const t = this.indicators[Number(this.select.value)] ?? this.indicators[0]!;
    const { panel, catalog } = this;
    const controls = () => panel.setContent(h('div', { className: 'compare-controls' }, this.select));
    // Nothing to draw for this share: said, with the list still there for another one.
    const empty = (text: string) => {
      panel.empty(text);
      controls();
    };
    const end = trendEnd(filters, this.today);
    if ('empty' in end) return empty(end.empty);
    const { rows } = await load.metric<OrgRow>(t.metric, { grain: 'month', to: end.to });
    const points = trendRows(rows) as Array<OrgRow & { month: string } & Record<string, unknown>>;
    if (points.length === 0) return empty(NO_ORGS_MESSAGE);
    if (points.every((row) => !num(row[t.whole]))) return empty(t.none);
    controls();
    const title = (column: string) => catalog.columnTitle(t.metric, column);
    const label = totalChartLabel(filters);
    panel.setNote(`${label}: ${t.description}${end.to < filters.to ? ' (до текущего месяца)' : ''}.`);
    panel.fillTable((table) => {
      // Each row is a month's end: «на конец периода» of a column's title is «на конец месяца»
      // here, and «в периоде» from the period's start to the month's end.
      const head = [t.whole, t.part, t.rate].map((c) => title(c).replace('на конец периода', 'на конец месяца').replace('в периоде', 'с начала периода до конца месяца'));
      table.replaceChildren(
        h('caption', {}, `${title(t.rate)} по месяцам, ${label.toLowerCase()}`),
        h(
          'thead',
          {},
          h('tr', {}, h('th', { className: 'text', attrs: { scope: 'col' } }, 'Месяц'), ...head.map((text) => h('th', { className: 'num', attrs: { scope: 'col' } }, text))),
        ),
        h(
          'tbody',
          {},
          ...points.map((row) =>
            h(
              'tr',
              {},
              h('th', { className: 'text', attrs: { scope: 'row' } }, row.month.split('-').reverse().join('.')),
              h('td', { className: 'num' }, formatInteger(num(row[t.whole]))),
              h('td', { className: 'num' }, formatInteger(num(row[t.part]))),
              h('td', { className: 'num' }, formatPercent(num(row[t.rate]))),
            ),
          ),
        ),
      );
    });
    await panel.chart(
      monthlyShareSpec(rows, t, { titles: title, totalLabel: label, axisTitle: t.axisTitle, description: t.description }),
      chartFileName(t.file, filters),
    );
  }
}

/** The shares the metric pages follow by month (the overview draws engagement's itself). */
export const TRENDS = {
  engagement: {
    metric: 'engagement',
    rate: 'engagement_rate',
    part: 'engaged',
    whole: 'teachers',
    axisTitle: 'Доля вовлечённых педагогов',
    description: 'доля педагогов, вовлечённых в наставничество с начала периода, на конец каждого месяца',
    none: 'На конец месяцев периода в выбранных организациях нет педагогов.',
    file: 'vovlechennost-po-mesyacam',
  },
  youngCoverage: {
    metric: 'young_specialists',
    rate: 'coverage',
    part: 'young_with_mentor',
    whole: 'young',
    axisTitle: 'Доля молодых специалистов с наставником',
    description: 'доля молодых специалистов, бывших наставляемыми с начала периода, на конец каждого месяца',
    none: 'На конец месяцев периода в выбранных организациях нет молодых специалистов.',
    file: 'molodye-specialisty-po-mesyacam',
  },
  pdCoverage: {
    metric: 'professional_development',
    rate: 'pd_coverage',
    part: 'trained',
    whole: 'teachers',
    axisTitle: 'Доля педагогов, прошедших курсы',
    description: 'доля педагогов, завершивших курсы повышения квалификации с начала периода, на конец каждого месяца',
    none: 'На конец месяцев периода в выбранных организациях нет педагогов.',
    file: 'ohvat-pk-po-mesyacam',
  },
  upgradeRate: {
    metric: 'qualification_growth',
    rate: 'upgrade_rate',
    part: 'upgraded',
    whole: 'teachers',
    axisTitle: 'Доля педагогов, повысивших категорию',
    description: 'доля педагогов, повысивших квалификационную категорию с начала периода, на конец каждого месяца',
    none: 'На конец месяцев периода в выбранных организациях нет педагогов.',
    file: 'povyshenie-kategorij-po-mesyacam',
  },
  programCompletion: {
    metric: 'program_completion',
    rate: 'completion_rate',
    part: 'completed',
    whole: 'due',
    axisTitle: 'Доля завершённых программ',
    description: 'доля завершённых среди программ со сроком завершения от начала периода до конца каждого месяца',
    none: 'Ни у одной программы срок завершения не наступает в периоде до текущего месяца.',
    file: 'ppn-po-mesyacam',
  },
} as const satisfies Record<string, TrendIndicator>;
