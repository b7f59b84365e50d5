/**
 * Page «Программы (ППН)»: personalized mentoring programs — what became of those due in the
 * period, the progress of active programs, and mentees covered by a program.
 */
import type { ProgramCompletionRow } from '../api.ts';
import { programCoverageSpec, programOutcomesSpec, programProgressSpec } from '../charts/programs.ts';
import { h } from '../dom.ts';
import { formatDate, formatInteger, formatOutOf, formatPercent, plural } from '../format.ts';
import { ongoingPeriodToday } from '../filters.ts';
import { Panel, runPanelTasks } from '../panel.ts';
import { renderMetricTable } from '../table.ts';
import { TRENDS, TrendPanel } from '../trend.ts';
import { chartFileName, Loader, NO_ORGS_MESSAGE, orgPageHref, periodText, totalChartLabel, totalRowLabel, type Page, type PageContext } from './page.ts';

export function createProgramsPage(container: HTMLElement, ctx: PageContext): Page {
  const { catalog, directory } = ctx;
  const outcomes = new Panel({ id: 'program-outcomes', title: 'Программы со сроком завершения в периоде', wide: true, table: 'closed' });
  const progress = new Panel({ id: 'program-progress', title: 'Выполнение мероприятий действующих программ', table: false });
  const coverage = new Panel({ id: 'program-coverage', title: 'Охват наставляемых программами', table: false });
  const trend = new TrendPanel('program-trend', [TRENDS.programCompletion], catalog, ctx.today);
  const panels = [outcomes, trend.panel, progress, coverage];
  container.replaceChildren(h('div', { className: 'panels' }, ...panels.map((panel) => panel.element)));

  return {
    title: 'Программы (ППН)',
    description: catalog.description('program_completion'),
    scope: 'all',
    navPath: '/programs',
    metrics: ['program_completion'],

    async show(filters, signal) {
      const load = new Loader(filters, signal);
      // A period that has begun but not ended (the default academic year): the figures are the
      // period's, as everywhere else (the tiles, the workbook), and the note says how many of the
      // «просрочены» are not due yet — 33 of 35 in December were due next spring.
      const today = ongoingPeriodToday(filters, ctx.today);
      const period = periodText(filters);
      const programs = load.metric<ProgramCompletionRow>('program_completion');
      const dueByToday = today ? load.metric<ProgramCompletionRow>('program_completion', { to: today }).catch(() => null) : Promise.resolve(null);
      const options = { labels: directory, titles: (c: string) => catalog.columnTitle('program_completion', c), totalLabel: totalChartLabel(filters) };

      await runPanelTasks(
        [
          {
            panel: outcomes,
            run: async () => {
              const { rows } = await programs;
              const total = rows.find((row) => row.org === null);
              if (!total || !rows.some((row) => row.org !== null)) return outcomes.empty(NO_ORGS_MESSAGE);
              outcomes.fillTable((table) =>
                renderMetricTable(table, catalog.columns('program_completion'), rows, {
                  caption: `${catalog.title('program_completion')} за период ${period}`,
                  totalLabel: totalRowLabel(filters),
                  directory,
                  orgHref: (code) => orgPageHref(code, filters),
                }),
              );
              if (total.due === 0) return outcomes.setNote('В выбранном периоде нет программ со сроком завершения.');
              const byToday = (await dueByToday)?.rows.find((row) => row.org === null) ?? null;
              const notYet =
                byToday && total.overdue > byToday.overdue
                  ? ` Период ещё не закончился: у ${formatInteger(total.overdue - byToday.overdue)} из «просроченных» срок завершения позже сегодняшнего дня; на сегодня (${formatDate(today!)}) просрочены ${formatInteger(byToday.overdue)}.`
                  : '';
              outcomes.setNote(
                `Всего ${formatInteger(total.due)}: завершены ${formatOutOf(total.completed, total.due)} (${formatPercent(total.completion_rate)}), из них в срок ${formatInteger(total.completed_on_time)}; прекращены ${formatInteger(total.terminated)}; просрочены ${formatInteger(total.overdue)}.${notYet}`,
              );
              const overdueByToday = byToday ? new Map(((await dueByToday)?.rows ?? []).filter((row) => row.org !== null).map((row) => [row.org!, row.overdue])) : null;
              await outcomes.chart(programOutcomesSpec(rows, { ...options, overdueByToday }), chartFileName('ppn-itogi', filters));
            },
          },
          {
            panel: progress,
            run: async () => {
              const { rows } = await programs;
              const total = rows.find((row) => row.org === null);
              if (!total || total.active_programs === 0) return progress.empty('Действующих программ нет.');
              progress.setNote(
                `${formatInteger(total.active_programs)} ${plural(total.active_programs, ['действующая программа', 'действующие программы', 'действующих программ'])}; выполнено ${formatOutOf(total.events_done, total.events_planned)} запланированных мероприятий.`,
              );
              await progress.chart(programProgressSpec(rows, options), chartFileName('ppn-meropriyatiya', filters));
            },
          },
          {
            panel: coverage,
            run: async () => {
              const { rows } = await programs;
              const total = rows.find((row) => row.org === null);
              if (!total || total.mentees_active === 0) return coverage.empty('В выбранном периоде не было наставляемых.');
              coverage.setNote(
                `У ${formatOutOf(total.mentees_with_program, total.mentees_active)} наставляемых есть персонализированная программа; на сайте размещены ${formatOutOf(total.programs_published, total.programs_approved)} утверждённых программ (${formatPercent(total.published_rate)}).`,
              );
              await coverage.chart(programCoverageSpec(rows, options), chartFileName('ppn-ohvat', filters));
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
