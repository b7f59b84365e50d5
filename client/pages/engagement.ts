/**
 * Page «Вовлечённость»: the share of teachers in mentoring by organization (chart and table),
 * mentors next to mentees, active pairs by form and by direction, and young specialists'
 * coverage by mentoring and retention.
 */
import type { EngagementRow, PairsByFormRow, PairsByTopicRow, YoungSpecialistsRow } from '../api.ts';
import { engagementSpec } from '../charts/engagement.ts';
import { mentorsMenteesSpec } from '../charts/mentors.ts';
import { pairsByFormSpec, pairsByTopicSpec, totalPairs } from '../charts/pairs.ts';
import { hasYoungSpecialists, youngSpecialistsSpec } from '../charts/youngSpecialists.ts';
import { h } from '../dom.ts';
import { formatInteger } from '../format.ts';
import { Panel, runPanelTasks } from '../panel.ts';
import { renderMetricTable } from '../table.ts';
import { TRENDS, TrendPanel } from '../trend.ts';
import {
  chartFileName,
  Loader,
  NO_ORGS_MESSAGE,
  orgPageHref,
  periodText,
  totalChartLabel,
  totalRowLabel,
  type Page,
  type PageContext,
} from './page.ts';

const NO_PAIRS_MESSAGE = 'В выбранном периоде нет действующих наставнических пар.';

export function createEngagementPage(container: HTMLElement, ctx: PageContext): Page {
  const { catalog, directory } = ctx;
  const main = new Panel({ id: 'engagement', wide: true, table: 'open' });
  const mentors = new Panel({
    id: 'mentors',
    title: 'Наставники и наставляемые',
    note: 'Сколько педагогов каждой организации были в периоде наставниками и сколько — наставляемыми.',
    wide: true,
    table: false,
  });
  const forms = new Panel({ id: 'pairs-form', title: catalog.title('pairs_by_form'), note: catalog.description('pairs_by_form') ?? undefined, table: 'closed' });
  const topics = new Panel({ id: 'pairs-topic', title: catalog.title('pairs_by_topic'), note: catalog.description('pairs_by_topic') ?? undefined, table: 'closed' });
  const young = new Panel({ id: 'young', title: catalog.title('young_specialists'), note: catalog.description('young_specialists') ?? undefined, wide: true, table: 'closed' });
  const trend = new TrendPanel('engagement-trend', [TRENDS.engagement, TRENDS.youngCoverage], catalog, ctx.today);
  const panels = [main, trend.panel, mentors, forms, topics, young];
  container.replaceChildren(h('div', { className: 'panels' }, ...panels.map((panel) => panel.element)));

  return {
    title: catalog.title('engagement'),
    description: catalog.description('engagement'),
    scope: 'all',
    navPath: '/engagement',
    metrics: ['engagement', 'pairs_by_form', 'pairs_by_topic', 'young_specialists'],

    async show(filters, signal) {
      const load = new Loader(filters, signal);
      const period = periodText(filters);
      const labels = directory;
      const orgHref = (code: string) => orgPageHref(code, filters);
      const engagement = load.metric<EngagementRow>('engagement');
      const byForm = load.metric<PairsByFormRow>('pairs_by_form');

      await runPanelTasks(
        [
          {
            panel: main,
            run: async () => {
              const { rows } = await engagement;
              main.setTitle(`Доля педагогов, вовлечённых в наставничество (наставники и наставляемые), ${period}`);
              if (!rows.some((row) => row.org !== null)) return main.empty(NO_ORGS_MESSAGE);
              // Zeros of a period nobody mentored in read like a failure of every school (an outside
              // review): said as what they are.
              const total = rows.find((row) => row.org === null);
              main.setNote(
                total?.engaged === 0
                  ? 'В выбранном периоде ни один педагог не был наставником или наставляемым: нет действующих наставнических пар (возможно, период раньше начала учёта) — поэтому доли равны 0 %.'
                  : null,
              );
              main.fillTable((table) =>
                renderMetricTable(table, catalog.columns('engagement'), rows, {
                  caption: `${catalog.title('engagement')} за период ${period}`,
                  totalLabel: totalRowLabel(filters),
                  directory,
                  orgHref,
                }),
              );
              await main.chart(
                engagementSpec(rows, { labels, titles: (c) => catalog.columnTitle('engagement', c), totalLabel: totalChartLabel(filters) }),
                chartFileName('vovlechennost', filters),
              );
            },
          },
          {
            panel: mentors,
            run: async () => {
              const { rows } = await engagement;
              const total = rows.find((row) => row.org === null);
              if (!rows.some((row) => row.org !== null)) return mentors.empty(NO_ORGS_MESSAGE);
              if (!total || total.mentors + total.mentees === 0) return mentors.empty(NO_PAIRS_MESSAGE);
              mentors.setNote(
                `Сколько педагогов каждой организации были в периоде наставниками и сколько — наставляемыми. Всего: наставников ${formatInteger(total.mentors)}, наставляемых ${formatInteger(total.mentees)}.`,
              );
              await mentors.chart(
                mentorsMenteesSpec(rows, { labels, titles: (c) => catalog.columnTitle('engagement', c) }),
                chartFileName('nastavniki-i-nastavlyaemye', filters),
              );
            },
          },
          {
            panel: forms,
            run: async () => {
              const { rows } = await byForm;
              if (totalPairs(rows) === 0) return forms.empty(NO_PAIRS_MESSAGE);
              forms.fillTable((table) =>
                renderMetricTable(table, catalog.columns('pairs_by_form'), rows.filter((row) => row.org !== null), {
                  caption: `${catalog.title('pairs_by_form')} за период ${period}`,
                  totalLabel: totalRowLabel(filters),
                  keys: [catalog.column('pairs_by_form', 'form')],
                  hideType: true,
                  directory,
                  orgHref,
                }),
              );
              await forms.chart(pairsByFormSpec(rows), chartFileName('pary-po-formam', filters));
            },
          },
          {
            panel: topics,
            run: async () => {
              const [{ rows }, forms] = await Promise.all([load.metric<PairsByTopicRow>('pairs_by_topic'), byForm.catch(() => null)]);
              if (!rows.some((row) => row.org === null && row.pairs > 0)) return topics.empty(NO_PAIRS_MESSAGE);
              topics.fillTable((table) =>
                renderMetricTable(table, catalog.columns('pairs_by_topic'), rows.filter((row) => row.org !== null), {
                  caption: `${catalog.title('pairs_by_topic')} за период ${period}`,
                  totalLabel: totalRowLabel(filters),
                  keys: [catalog.column('pairs_by_topic', 'topic')],
                  hideType: true,
                  directory,
                  orgHref,
                }),
              );
              await topics.chart(
                pairsByTopicSpec(rows, { pairs: forms ? totalPairs(forms.rows) : undefined }),
                chartFileName('pary-po-napravleniyam', filters),
              );
            },
          },
          {
            panel: young,
            run: async () => {
              const { rows } = await load.metric<YoungSpecialistsRow>('young_specialists');
              if (!rows.some((row) => row.org !== null && hasYoungSpecialists(row))) {
                return young.empty('В выбранных организациях нет молодых специалистов в этом периоде.');
              }
              young.fillTable((table) =>
                renderMetricTable(table, catalog.columns('young_specialists'), rows, {
                  caption: `${catalog.title('young_specialists')} за период ${period}`,
                  totalLabel: totalRowLabel(filters),
                  directory,
                  orgHref,
                }),
              );
              await young.chart(
                youngSpecialistsSpec(rows, { labels, titles: (c) => catalog.columnTitle('young_specialists', c) }),
                chartFileName('molodye-specialisty', filters),
              );
            },
          },
          trend.task(filters, load),
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
