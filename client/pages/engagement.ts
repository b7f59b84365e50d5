/**
 * Page «Вовлечённость»: metric `engagement` for the filters, as a bar chart and a table of
 * the same rows.
 */
import { getMetric, type EngagementRow, type MetricColumn, type MetricInfo } from '../api.ts';
import { ChartSlot } from '../chart.ts';
import { engagementSpec } from '../charts/engagement.ts';
import { filtersToQuery, type Filters } from '../filters.ts';
import { formatDate } from '../format.ts';
import { renderMetricTable } from '../table.ts';
import type { Page, PageInfo } from './page.ts';

const METRIC = 'engagement';

/** Used only if `/api/metrics` does not describe the metric; the server's titles win. */
const FALLBACK_INFO: MetricInfo = {
  name: METRIC,
  title: 'Вовлечённость педагогов в наставничество',
  description: null,
  params: ['from', 'to', 'org', 'type', 'grain'],
  columns: [
    { name: 'teachers', title: 'Педагогов', unit: 'чел.' },
    { name: 'mentors', title: 'Наставников', unit: 'чел.' },
    { name: 'mentees', title: 'Наставляемых', unit: 'чел.' },
    { name: 'engaged', title: 'Вовлечено', unit: 'чел.' },
    { name: 'engagement_rate', title: 'Доля вовлечённых', unit: 'доля' },
  ],
};

/** A filtered view totals only the organizations shown, and must not be read as the municipality's value. */
function isFiltered(filters: Filters): boolean {
  return filters.type !== null || filters.orgs.length > 0;
}

export function createEngagementPage(container: HTMLElement, metrics: readonly MetricInfo[]): Page {
  const info = metrics.find((metric) => metric.name === METRIC) ?? FALLBACK_INFO;
  const columns: readonly MetricColumn[] = info.columns.length > 0 ? info.columns : FALLBACK_INFO.columns;

  const figure = document.createElement('figure');
  figure.className = 'chart';
  const chartTitle = document.createElement('figcaption');
  chartTitle.className = 'chart-title';
  const chartHost = document.createElement('div');
  chartHost.className = 'chart-host';
  chartHost.id = 'engagement-chart';
  const empty = document.createElement('p');
  empty.className = 'empty';
  empty.hidden = true;
  empty.textContent = 'Нет организаций, подходящих под выбранные фильтры.';
  figure.append(chartTitle, chartHost, empty);

  const tableWrap = document.createElement('div');
  tableWrap.className = 'table-wrap';
  const table = document.createElement('table');
  table.className = 'metric-table';
  table.id = 'engagement-table';
  tableWrap.append(table);

  container.replaceChildren(figure, tableWrap);
  const chart = new ChartSlot(chartHost);

  const pageInfo: PageInfo = { title: info.title, description: info.description ?? null };

  return {
    info: pageInfo,

    async show(filters, signal) {
      const response = await getMetric<EngagementRow>(METRIC, filtersToQuery(filters), signal);
      // Filters changed while the answer was on its way: a newer request draws instead.
      signal.throwIfAborted();
      // The period the server actually used (it may normalize it), else the one asked for.
      const from = response.params.from ?? filters.from;
      const to = response.params.to ?? filters.to;
      const period = `${formatDate(from)} — ${formatDate(to)}`;
      const filtered = isFiltered(filters);
      const hasOrgs = response.rows.some((row) => row.org !== null);

      chartTitle.textContent = `Доля педагогов, вовлечённых в наставничество (наставники и наставляемые), ${period}`;
      empty.hidden = hasOrgs;
      renderMetricTable(table, columns, response.rows, {
        caption: `${info.title} за период ${period}`,
        totalLabel: filtered ? 'Итого по выбранным организациям' : 'Итого по муниципалитету',
      });
      if (hasOrgs) {
        await chart.render(
          engagementSpec(response.rows, { totalLabel: filtered ? 'По выбранным организациям' : 'По муниципалитету' }),
        );
      } else {
        chart.clear();
      }
    },

    clear() {
      chart.clear();
      chartTitle.textContent = '';
      empty.hidden = true;
      table.replaceChildren();
    },
  };
}
