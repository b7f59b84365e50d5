/**
 * The printable report `/report?from&to&type&org`: every indicator (all metrics of the
 * registry except the overview, in the registry's order) as a section with its title, its
 * chart (SVG, the same spec builders as the dashboard's pages) and its table. Aggregates only:
 * metric rows name organizations, never teachers.
 *
 * The page has no navigation and no filters (`body[data-view="report"]` hides them); once
 * every section is drawn (or has failed, with its message in place) it sets `data-ready` on
 * `<html>`, which `GET /api/report.pdf` waits for before printing.
 */
import { SECTION_METRICS } from '../../shared/metrics.ts';
import { eventsByKindSpec, type EventsRow } from '../charts/events.ts';
import embed, { type VisualizationSpec } from 'vega-embed';
import { getMetric, type AttestationDueRow, type ComplianceRow, type DataQualityRow, type EngagementRow, type MetricParams, type OrgRow, type PairsByFormRow, type PairsByTopicRow, type ProfessionalDevelopmentRow, type ProgramCompletionRow, type QualificationGrowthRow, type YoungSpecialistsRow } from '../api.ts';
import { lapsingSpec } from '../charts/attestation.ts';
import { complianceItemsSpec } from '../charts/compliance.ts';
import { rowsLoadedSpec } from '../charts/dataQuality.ts';
import { engagementSpec } from '../charts/engagement.ts';
import { pairsByFormSpec, pairsByTopicSpec, totalPairs } from '../charts/pairs.ts';
import { pdCoverageSpec } from '../charts/professionalDevelopment.ts';
import { programOutcomesSpec } from '../charts/programs.ts';
import { categoryShareSpec } from '../charts/qualification.ts';
import { youngSpecialistsSpec } from '../charts/youngSpecialists.ts';
import { h } from '../dom.ts';
import { filtersToQuery, type Filters } from '../filters.ts';
import { formatDate, formatDateTime, ruFormatLocale, ruTimeFormatLocale, zoneLabel } from '../format.ts';
import { ruMoment } from '../../shared/moment.ts';
import { messageOf } from '../panel.ts';
import { renderMetricTable } from '../table.ts';
import { isFiltered, periodText, totalChartLabel, totalRowLabel, type PageContext } from './page.ts';

export const REPORT_TITLE = 'Мониторинг системы наставничества';
export const ORDER_REFERENCE = 'Распоряжение управления образования г. Саянска от 17.02.2023 № 116-26-93';

/** The sections of the report: every metric with SQL of its own, in declaration order (shared/metrics.ts); no composites. */
export const REPORT_METRICS = SECTION_METRICS;

type ReportMetric = (typeof REPORT_METRICS)[number];

/** Tables wider than this leave out the «Тип» column, so they fit an A4 page. */
const MAX_COLUMNS_WITH_TYPE = 8;
/** A wider indicator is printed as several tables of at most this many value columns each. */
const COLUMNS_PER_TABLE = 6;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function chartSpec(name: ReportMetric, rows: readonly OrgRow[], ctx: PageContext, filters: Filters, all: Map<string, OrgRow[]>): VisualizationSpec {
  const { catalog, directory } = ctx;
  const titles = (c: string) => catalog.columnTitle(name, c);
  const totalLabel = totalChartLabel(filters);
  const labels = directory;
  switch (name) {
    case 'engagement':
      return engagementSpec(rows as EngagementRow[], { labels, titles, totalLabel });
    case 'young_specialists':
      return youngSpecialistsSpec(rows as YoungSpecialistsRow[], { labels, titles });
    case 'pairs_by_form':
      return pairsByFormSpec(rows as PairsByFormRow[]);
    case 'pairs_by_topic': {
      const forms = all.get('pairs_by_form') as PairsByFormRow[] | undefined;
      return pairsByTopicSpec(rows as PairsByTopicRow[], { pairs: forms ? totalPairs(forms) : undefined });
    }
    case 'professional_development':
      return pdCoverageSpec(rows as ProfessionalDevelopmentRow[], { labels, titles, totalLabel });
    case 'qualification_growth':
      return categoryShareSpec(rows as QualificationGrowthRow[], { labels, titles });
    case 'attestation_due':
      return lapsingSpec(rows as AttestationDueRow[], { labels, titles });
    case 'program_completion':
      return programOutcomesSpec(rows as ProgramCompletionRow[], { labels, titles, totalLabel });
    case 'compliance':
      return complianceItemsSpec(rows as ComplianceRow[]);
    case 'events':
      return eventsByKindSpec(rows as unknown as EventsRow[]);
    case 'data_quality':
      return rowsLoadedSpec(rows as DataQualityRow[], { labels, titles });
  }
}

async function drawChart(host: HTMLElement, spec: VisualizationSpec): Promise<void> {
  const target = h('div', { className: 'chart-view' });
  host.append(target);
  await embed(target, spec, {
    renderer: 'svg',
    actions: false,
    formatLocale: ruFormatLocale,
    timeFormatLocale: ruTimeFormatLocale,
    ast: true,
  });
}

function filtersText(filters: Filters, ctx: PageContext): string {
  if (!isFiltered(filters)) return 'Все организации муниципалитета';
  const parts: string[] = [];
  if (filters.type) parts.push(`тип организаций: ${filters.type}`);
  if (filters.orgs.length > 0) parts.push(`организации: ${filters.orgs.map((code) => ctx.directory.name(code)).join(', ')}`);
  return parts.join('; ');
}

/** The parameters of a printed report (the full one and the summary): period, organizations, `as_of`, when made. */
export function reportParams(filters: Filters, ctx: PageContext, idPrefix: string): HTMLElement {
  return h(
    'dl',
    { className: 'report-params' },
    h('dt', {}, 'Период'),
    h('dd', { id: `${idPrefix}-period` }, periodText(filters)),
    h('dt', {}, 'Организации'),
    h('dd', {}, filtersText(filters, ctx)),
    ...(filters.asOf
      ? [
          h('dt', {}, 'Данные на'),
          h(
            'dd',
            { id: `${idPrefix}-as-of` },
            // A moment on the printing browser's clock — the server's, for a PDF it prints — with its zone; a day is the server's calendar day.
            filters.asOf.length > 10
              ? `${ruMoment(filters.asOf)} — как после последней синхронизации, завершённой к этому моменту`
              : `${formatDate(filters.asOf)} — как после последней синхронизации, завершённой к концу этого дня по часам сервера`,
          ),
        ]
      : [
          // As the workbook says it: which data, and how to have the same figures again.
          h('dt', {}, 'Данные на'),
          h('dd', { id: `${idPrefix}-as-of` }, 'текущие: после последней синхронизации (чтобы позже повторить отчёт с теми же числами, укажите момент его составления в поле «Данные на дату»)'),
        ]),
    h('dt', {}, 'Сформирован'),
    h('dd', {}, `${formatDateTime(new Date().toISOString())} (${zoneLabel()})`),
  );
}

/**
 * Names the sync whose data the report shows once an answer tells it (`as_of`): the moment alone
 * did not identify it — several syncs may finish within a minute, and the minute typed back
 * stood for another one (an outside review). As the workbook says it.
 */
export function nameAsOfSync(params: HTMLElement, idPrefix: string, asOf: MetricParams['as_of']): void {
  const dd = params.querySelector<HTMLElement>(`#${idPrefix}-as-of`);
  if (!dd || !asOf || dd.dataset.run) return;
  dd.dataset.run = String(asOf.run);
  dd.textContent = `${dd.textContent}: данные синхронизации № ${asOf.run}, завершённой ${ruMoment(asOf.finished_at)} — тот же отчёт с «Данные на» ${asOf.finished_at.replace(' ', 'T')}Z даст те же числа`;
}

/**
 * The printed report's own buttons (not printed): print it, have the server's PDF of it, back to
 * the dashboard with the same filters. The page had none: a coordinator who opened it had the
 * browser's menu to print and Back to leave (an outside review).
 */
export function reportActions(kind: 'full' | 'summary', filters: Filters): HTMLElement {
  const query = filtersToQuery(filters);
  const pdf = new URLSearchParams(query);
  // The report compares nothing: the PDF is asked for without a comparison's period.
  for (const key of ['cmp_from', 'cmp_to', 'cmp_as_of']) pdf.delete(key);
  if (kind === 'summary') pdf.set('kind', 'summary');
  const print = h('button', { className: 'action-button', attrs: { type: 'button' } }, 'Печать');
  print.addEventListener('click', () => window.print());
  return h(
    'div',
    { className: 'report-actions' },
    print,
    h('a', { className: 'action-button action-button--secondary', attrs: { href: `/api/report.pdf?${pdf.toString()}`, download: kind === 'summary' ? 'svodka.pdf' : 'otchet.pdf' } }, 'Скачать PDF'),
    h('a', { className: 'report-actions__back', attrs: { href: `/?${query.toString()}` } }, '← Вернуться к панели'),
  );
}

/** Draws the report into `container`; resolves when every section is drawn or has failed. */
export async function showReport(container: HTMLElement, ctx: PageContext, filters: Filters): Promise<void> {
  const { catalog, directory } = ctx;
  const period = periodText(filters);
  const query = filtersToQuery(filters);
  const header = h(
    'header',
    { className: 'report-header' },
    reportActions('full', filters),
    h('p', { className: 'report-order' }, ORDER_REFERENCE),
    reportParams(filters, ctx, 'report'),
    h(
      'ol',
      { className: 'report-toc' },
      ...REPORT_METRICS.map((name) => h('li', {}, h('a', { attrs: { href: `#report-${name}` } }, catalog.title(name)))),
    ),
  );
  const sections = REPORT_METRICS.map((name) => {
    const chart = h('div', { className: 'report-chart', attrs: { 'data-chart': name } });
    const tables = h('div', { className: 'report-tables' });
    const body = h('div', { className: 'report-body' }, chart, tables);
    const description = catalog.description(name);
    const element = h(
      'section',
      { className: 'report-section', id: `report-${name}`, attrs: { 'data-metric': name } },
      h('h2', {}, catalog.title(name)),
      description ? h('p', { className: 'report-description' }, description) : null,
      body,
    );
    return { name, element, chart, tables, body };
  });
  container.replaceChildren(h('div', { className: 'report' }, header, ...sections.map((s) => s.element)));

  // Each metric once; pairs_by_topic's chart also needs the total of pairs_by_form.
  const loaded = new Map<string, OrgRow[]>();
  const responses = new Map(REPORT_METRICS.map((name) => [name, getMetric<OrgRow>(name, new URLSearchParams(query))] as const));
  for (const r of responses.values()) void r.then((answer) => nameAsOfSync(header, 'report', answer.params.as_of)).catch(() => undefined);
  const formsPromise = responses.get('pairs_by_form');
  await Promise.all(
    sections.map(async (section) => {
      try {
        const { rows } = await responses.get(section.name)!;
        loaded.set(section.name, rows);
        if (section.name === 'pairs_by_topic' && formsPromise) {
          try {
            loaded.set('pairs_by_form', (await formsPromise).rows);
          } catch {
            // The topic chart then goes without the total of pairs.
          }
        }
        if (!rows.some((row) => row.org !== null)) {
          section.body.replaceChildren(h('p', { className: 'report-empty' }, 'Нет данных для выбранных организаций и периода.'));
          return;
        }
        const columns = catalog.columns(section.name);
        const keys = catalog.info(section.name)?.keys ?? [];
        // Balanced parts: 8 columns print as 4 + 4, not 6 + 2.
        const count = Math.ceil((columns.length + keys.length) / COLUMNS_PER_TABLE);
        const parts = count > 1 ? chunks(columns, Math.ceil(columns.length / count)) : [columns];
        section.tables.replaceChildren(
          ...parts.map((part, index) => {
            const table = h('table', { className: 'metric-table report-table' });
            const caption = `${catalog.title(section.name)} за период ${period}`;
            renderMetricTable(table, part, rows, {
              caption: parts.length > 1 ? `${caption} (таблица ${index + 1} из ${parts.length})` : caption,
              totalLabel: totalRowLabel(filters),
              directory,
              keys,
              hideType: part.length + keys.length > MAX_COLUMNS_WITH_TYPE || parts.length > 1,
            });
            return table;
          }),
        );
        await drawChart(section.chart, chartSpec(section.name, rows, ctx, filters, loaded));
      } catch (error) {
        section.body.replaceChildren(h('p', { className: 'error-box report-error' }, `Раздел не построен: ${messageOf(error)}`));
      }
    }),
  );
}
