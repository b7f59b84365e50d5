/**
 * «Сравнение периодов» (issue #20): on any metric page, when the filters name a base period
 * (`cmp_from`, `cmp_to`), a panel above the page's own shows one of its indicators for both
 * periods side by side — per organization and in total (an indicator with keys, e.g. forms of
 * mentoring, per key in total) — as a chart of both periods and a table with the change. The
 * numbers are the server's (`GET /api/metrics/:name/compare`); «Выгрузить» puts the same
 * comparison into the workbook.
 */
import { getComparison, type ComparisonResponse, type MetricColumn } from './api.ts';
import type { MetricCatalog } from './catalog.ts';
import { groupedOrgBarsSpec, PRIMARY, type GroupedValue } from './charts/templates/index.ts';
import { h } from './dom.ts';
import { filtersToQuery, type Filters } from './filters.ts';
import { EMPTY, formatDate, formatNumber } from './format.ts';
import { formatValue, isRatio } from './table.ts';
import { Panel } from './panel.ts';
import { COMPARABLE_METRICS } from '../shared/compare.ts';

const BASE_COLOR = '#9aa5b1';

/** «01.09.2023 — 31.08.2024». */
export function periodLabel(p: { from: string; to: string; as_of?: { asked: string } }, other?: { as_of?: { asked: string } }): string {
  const period = `${formatDate(p.from)} — ${formatDate(p.to)}`;
  // Two dates of the data (the periods may be the same): each names its date, «now» included.
  if (!other || p.as_of?.asked === other.as_of?.asked) return period;
  const on = p.as_of ? (p.as_of.asked.length === 10 ? formatDate(p.as_of.asked) : `${formatDate(p.as_of.asked.slice(0, 10))} ${p.as_of.asked.slice(11, 16)}`) : 'сейчас';
  return `${period}, данные на ${on}`;
}

/** The indicators of a page that can be compared. */
export function comparableOf(metrics: readonly string[]): string[] {
  return metrics.filter((m) => COMPARABLE_METRICS.includes(m));
}


/** The change: a share's in percentage points, signed. */
function deltaText(column: MetricColumn, d: number | null): string {
  if (d === null) return EMPTY;
  const sign = d > 0 ? '+' : d < 0 ? '−' : '';
  const abs = Math.abs(d);
  if (isRatio(column)) return `${sign}${formatNumber(abs * 100)} п.п.`;
  if (column.unit === 'ч' || column.unit === 'п.п.') return `${sign}${formatNumber(abs)}`;
  return `${sign}${formatNumber(abs, 0)}`;
}

export class ComparePanel {
  readonly panel = new Panel({ id: 'compare', title: 'Сравнение периодов', wide: true, table: 'open' });
  private readonly metricSelect = h('select', { id: 'compare-metric', attrs: { 'aria-label': 'Показатель для сравнения' } });
  private readonly columnSelect = h('select', { id: 'compare-column', attrs: { 'aria-label': 'Столбец для сравнения' } });
  private answer: ComparisonResponse | null = null;
  private filters: Filters | null = null;
  private signal: AbortSignal | null = null;

  /**
   * `orgLabel`: how a chart axis names an organization — its code, with ⚠ when its data is stale
   * (OrgDirectory.label), as on the page's own charts.
   */
  constructor(
    private readonly catalog: MetricCatalog,
    private readonly orgLabel: (code: string) => string = (code) => code,
  ) {
    this.metricSelect.addEventListener('change', () => void this.load().catch((e: Error) => this.panel.error(e.message)));
    this.columnSelect.addEventListener('change', () => void this.draw());
  }

  /** Shows the comparison for `filters` of a page with `metrics`; hides the panel when there is nothing to compare. */
  async show(filters: Filters, metrics: readonly string[], signal: AbortSignal): Promise<void> {
    const names = comparableOf(metrics);
    this.panel.element.hidden = !filters.compare || names.length === 0;
    if (this.panel.element.hidden) return;
    this.filters = filters;
    this.signal = signal;
    const chosen = names.includes(this.metricSelect.value) ? this.metricSelect.value : names[0]!;
    this.metricSelect.replaceChildren(...names.map((n) => h('option', { attrs: { value: n } }, this.catalog.title(n))));
    this.metricSelect.value = chosen;
    this.metricSelect.hidden = names.length === 1;
    await this.load();
  }

  private async load(): Promise<void> {
    if (!this.filters?.compare || !this.signal) return;
    const query = filtersToQuery(this.filters);
    this.answer = await getComparison(this.metricSelect.value, query, this.signal);
    const columns = this.answer.columns;
    const keep = columns.some((c) => c.name === this.columnSelect.value) ? this.columnSelect.value : (columns.find(isRatio) ?? columns[0])?.name;
    this.columnSelect.replaceChildren(...columns.map((c) => h('option', { attrs: { value: c.name } }, c.title)));
    if (keep) this.columnSelect.value = keep;
    await this.draw();
  }

  private async draw(): Promise<void> {
    const a = this.answer;
    if (!a) return;
    const column = a.columns.find((c) => c.name === this.columnSelect.value);
    if (!column) return this.panel.empty('У этого показателя нет чисел для сравнения.');
    const keyName = Object.keys(a.rows[0]?.keys ?? {})[0] ?? null;
    // Per organization and the total; an indicator with keys: per key, in total (the selection's).
    const rows = keyName === null ? a.rows : a.rows.filter((r) => r.org === null);
    if (rows.length === 0) return this.panel.empty('Нет данных ни за один из периодов.');
    // The chart names organizations by code (as the page's own charts), the table by name.
    const label = (r: (typeof rows)[number]) => (keyName !== null ? String(r.keys[keyName] ?? EMPTY) : r.org === null ? 'Итого' : this.orgLabel(r.org));
    const name = (r: (typeof rows)[number]) => (keyName !== null || r.org === null ? label(r) : (r.org_name ?? r.org));
    const code = (r: (typeof rows)[number], i: number) => (keyName !== null ? `k${i}` : (r.org ?? '__total'));
    const base = periodLabel(a.base, a.current);
    const current = periodLabel(a.current, a.base);
    this.panel.setTitle(`Сравнение периодов: ${this.catalog.title(a.metric)}`);
    this.panel.setNote(`${column.title}: ${current} против ${base}. Изменение — текущий период минус период сравнения${isRatio(column) ? ' (в процентных пунктах)' : ''}.`);
    this.panel.setContent(
      h('div', { className: 'compare-controls' }, this.metricSelect, this.columnSelect),
    );
    const values: GroupedValue[] = rows.flatMap((r, i) => {
      const v = r.values[column.name]!;
      const title = name(r);
      const tip = { [keyName !== null ? this.catalog.columnTitle(a.metric, keyName) : 'Организация']: title, [base]: formatValue(column, v.base), [current]: formatValue(column, v.current), Изменение: deltaText(column, v.delta) };
      return [
        { code: code(r, i), series: 'base', value: v.base, valueText: formatValue(column, v.base), tip, aria: `${title}, ${base}: ${formatValue(column, v.base)}` },
        { code: code(r, i), series: 'current', value: v.current, valueText: formatValue(column, v.current), tip, aria: `${title}, ${current}: ${formatValue(column, v.current)}` },
      ];
    });
    await this.panel.chart(
      groupedOrgBarsSpec({
        orgs: rows.map((r, i) => ({ code: code(r, i), label: label(r) })),
        series: [
          { key: 'base', title: base, color: BASE_COLOR },
          { key: 'current', title: current, color: PRIMARY },
        ],
        values,
        percent: isRatio(column),
        axisTitle: column.title,
        description: `${column.title} за два периода по ${keyName !== null ? 'значениям' : 'организациям'}`,
      }),
      `sravnenie_${a.metric}`,
    );
    this.panel.fillTable((table) => {
      const head = h('tr', {}, ...[keyName !== null ? this.catalog.columnTitle(a.metric, keyName) : 'Организация', base, current, 'Изменение'].map((t, i) => h('th', { className: i === 0 ? 'text' : 'num', attrs: { scope: 'col' } }, t)));
      const body = rows.map((r) => {
        const v = r.values[column.name]!;
        return h(
          'tr',
          { className: r.org === null && keyName === null ? 'total' : '' },
          h('th', { className: 'text', attrs: { scope: 'row' } }, name(r)),
          h('td', { className: 'num' }, formatValue(column, v.base)),
          h('td', { className: 'num' }, formatValue(column, v.current)),
          h('td', { className: `num delta${v.delta !== null && v.delta > 0 ? ' delta--up' : v.delta !== null && v.delta < 0 ? ' delta--down' : ''}` }, deltaText(column, v.delta)),
        );
      });
      table.replaceChildren(h('caption', {}, `${column.title}: ${current} и ${base}`), h('thead', {}, head), h('tbody', {}, ...body));
    });
  }
}
