/**
 * Page «Повышение квалификации и аттестация»: coverage by courses and hours per teacher;
 * first-or-higher category share at the start and at the end of the period; mentees' upgrades
 * next to the other teachers'; categories that lapse soon (attestation to plan).
 */
import type { AttestationDueRow, ProfessionalDevelopmentRow, QualificationGrowthRow } from '../api.ts';
import { lapsingSpec } from '../charts/attestation.ts';
import { hoursPerTeacherSpec, pdCoverageSpec } from '../charts/professionalDevelopment.ts';
import { categoryShareSpec, upgradesSpec } from '../charts/qualification.ts';
import { h } from '../dom.ts';
import { ongoingPeriodToday } from '../filters.ts';
import { FOR_TEACHERS, formatDate, formatInteger, formatPoints, plural } from '../format.ts';
import { Panel, runPanelTasks } from '../panel.ts';
import { renderMetricTable } from '../table.ts';
import { TRENDS, TrendPanel } from '../trend.ts';
import { chartFileName, Loader, NO_ORGS_MESSAGE, orgPageHref, periodText, totalChartLabel, totalRowLabel, type Page, type PageContext } from './page.ts';

/** Twelve months after `iso`, as a date text ("31.08.2026"). */
function yearAfter(iso: string): string {
  const [year, rest] = [Number(iso.slice(0, 4)), iso.slice(4)];
  return formatDate(`${year + 1}${rest}`);
}

/** The day after an ISO day (`2027-08-31` → `2027-09-01`). */
function dayAfter(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

export function createProfessionalDevelopmentPage(container: HTMLElement, ctx: PageContext): Page {
  const { catalog, directory } = ctx;
  const coverage = new Panel({ id: 'pd-coverage', title: 'Охват повышением квалификации', table: 'closed' });
  const hours = new Panel({ id: 'pd-hours', title: 'Часы обучения на одного педагога', table: false });
  const categories = new Panel({ id: 'categories', title: 'Первая и высшая категории: начало и конец периода', wide: true, table: 'closed' });
  const upgrades = new Panel({ id: 'upgrades', title: 'Повышение категории: наставляемые и остальные', wide: true, table: false });
  const lapsing = new Panel({ id: 'lapsing', title: catalog.title('attestation_due'), wide: true, table: 'closed' });
  const trend = new TrendPanel('pd-trend', [TRENDS.pdCoverage, TRENDS.upgradeRate], catalog, ctx.today);
  const panels = [coverage, hours, trend.panel, categories, upgrades, lapsing];
  container.replaceChildren(h('div', { className: 'panels' }, ...panels.map((panel) => panel.element)));

  return {
    title: 'Повышение квалификации и аттестация',
    description: catalog.description('professional_development'),
    scope: 'all',
    navPath: '/professional-development',
    metrics: ['professional_development', 'qualification_growth', 'attestation_due'],

    async show(filters, signal) {
      const load = new Loader(filters, signal);
      const period = periodText(filters);
      const orgHref = (code: string) => orgPageHref(code, filters);
      const pd = load.metric<ProfessionalDevelopmentRow>('professional_development');
      const growth = load.metric<QualificationGrowthRow>('qualification_growth');
      const pdTitles = (c: string) => catalog.columnTitle('professional_development', c);
      const growthTitles = (c: string) => catalog.columnTitle('qualification_growth', c);
      const options = { labels: directory, totalLabel: totalChartLabel(filters) };

      await runPanelTasks(
        [
          {
            panel: coverage,
            run: async () => {
              const { rows } = await pd;
              const total = rows.find((row) => row.org === null);
              if (!total || total.teachers === 0) return coverage.empty(NO_ORGS_MESSAGE);
              coverage.setNote(`Доля педагогов, завершивших хотя бы один курс в периоде ${period}.`);
              coverage.fillTable((table) =>
                renderMetricTable(table, catalog.columns('professional_development'), rows, {
                  caption: `${catalog.title('professional_development')} за период ${period}`,
                  totalLabel: totalRowLabel(filters),
                  directory,
                  orgHref,
                }),
              );
              await coverage.chart(pdCoverageSpec(rows, { ...options, titles: pdTitles }), chartFileName('ohvat-pk', filters));
            },
          },
          {
            panel: hours,
            run: async () => {
              const { rows } = await pd;
              const total = rows.find((row) => row.org === null);
              if (!total || total.teachers === 0) return hours.empty(NO_ORGS_MESSAGE);
              if (total.hours === 0) return hours.empty('В выбранном периоде нет завершённых курсов повышения квалификации.');
              hours.setNote(`Всего ${formatInteger(total.hours)} ч курсов, завершённых в периоде, на ${formatInteger(total.teachers)} ${plural(total.teachers, FOR_TEACHERS)}.`);
              await hours.chart(hoursPerTeacherSpec(rows, { ...options, titles: pdTitles }), chartFileName('chasy-na-pedagoga', filters));
            },
          },
          {
            panel: categories,
            run: async () => {
              const { rows } = await growth;
              const total = rows.find((row) => row.org === null);
              if (!total || total.teachers === 0) return categories.empty(NO_ORGS_MESSAGE);
              categories.setNote(
                `Доля педагогов с первой или высшей категорией (и выше) на ${formatDate(filters.from)} и на ${formatDate(filters.to)} (изменение ${totalChartLabel(filters).toLowerCase()}: ${formatPoints(total.growth_pp)}); организации — по доле на конец периода.`,
              );
              categories.fillTable((table) =>
                renderMetricTable(table, catalog.columns('qualification_growth'), rows, {
                  caption: `${catalog.title('qualification_growth')} за период ${period}`,
                  totalLabel: totalRowLabel(filters),
                  directory,
                  orgHref,
                }),
              );
              await categories.chart(categoryShareSpec(rows, { labels: directory, titles: growthTitles }), chartFileName('kategorii', filters));
            },
          },
          {
            panel: upgrades,
            run: async () => {
              const { rows } = await growth;
              const total = rows.find((row) => row.org === null);
              if (!total || total.teachers === 0) return upgrades.empty(NO_ORGS_MESSAGE);
              if (total.mentees === 0) return upgrades.empty('В выбранном периоде не было наставляемых: сравнивать не с чем.');
              upgrades.setNote(
                `Доля повысивших категорию в периоде среди наставляемых и среди остальных педагогов (${totalChartLabel(filters).toLowerCase()}). Подробно по организациям — в таблице раздела выше.`,
              );
              await upgrades.chart(upgradesSpec(rows, { ...options, titles: growthTitles }), chartFileName('povyshenie-kategorii', filters));
            },
          },
          {
            panel: lapsing,
            run: async () => {
              const { rows } = await load.metric<AttestationDueRow>('attestation_due');
              const total = rows.find((row) => row.org === null);
              if (!total || total.teachers === 0) return lapsing.empty(NO_ORGS_MESSAGE);
              if (total.lapsing_12m + total.lapsed === 0) return lapsing.empty('Истекающих и истёкших категорий нет.');
              // A period under way (the default academic year): «кончается в периоде» counts terms
              // that end after today as well — said with how many have ended by today (the same
              // metric up to today), so a lapse in July is not read as one that happened.
              const today = ongoingPeriodToday(filters, ctx.today);
              const byToday = today
                ? ((await load.metric<AttestationDueRow>('attestation_due', { to: today }).catch(() => null))?.rows.find((row) => row.org === null) ?? null)
                : null;
              const lapsedText = byToday
                ? `срок категории кончается в периоде (до ${formatDate(filters.to)}): ${formatInteger(total.lapsed)}, из них уже истёк (на ${formatDate(today!)}): ${formatInteger(byToday.lapsed)}`
                : `срок категории истёк в периоде: ${formatInteger(total.lapsed)}`;
              lapsing.setNote(
                `Истекает с ${formatDate(dayAfter(filters.to))} до ${yearAfter(filters.to)}: ${formatInteger(total.lapsing_12m)} ${plural(total.lapsing_12m, ['педагог', 'педагога', 'педагогов'])} — нужно запланировать аттестацию; ${lapsedText}.`,
              );
              lapsing.fillTable((table) =>
                renderMetricTable(table, catalog.columns('attestation_due'), rows, {
                  caption: `${catalog.title('attestation_due')}, ${period}`,
                  totalLabel: totalRowLabel(filters),
                  directory,
                  orgHref,
                }),
              );
              await lapsing.chart(lapsingSpec(rows, { labels: directory, titles: (c) => catalog.columnTitle('attestation_due', c) }), chartFileName('istekayushchie-kategorii', filters));
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
