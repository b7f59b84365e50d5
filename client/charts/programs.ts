/**
 * Personalized mentoring programs, ППН (metric `program_completion`): what became of the
 * programs due in the period, per organization (a stacked bar); the progress of active
 * programs (events done of planned); mentees covered by a program.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ProgramCompletionRow } from '../api.ts';
import { formatInteger, formatOutOf, formatPercent } from '../format.ts';
import { ARIA_ENCODING, BAR_STEP, frame, orgTip, ratioBarsSpec, TIP_ENCODING, topLegend, type OrgLabels, type Titles } from './templates/index.ts';

export interface ProgramSpecOptions {
  labels: OrgLabels;
  titles: Titles;
  totalLabel: string;
  /**
   * A period under way: each organization's programs overdue by today (the metric up to today).
   * The rest of its «просрочены» are not due yet, and are drawn so («Срок ещё не наступил»),
   * not in the colour of an overdue program.
   */
  overdueByToday?: ReadonlyMap<string, number> | null;
}

/** The parts of "due in the period"; `other` is what none of the statuses explains (e.g. finished after `to`). */
const OUTCOMES = [
  { key: 'on_time', title: 'Завершены в срок', color: '#3566a8' },
  { key: 'late', title: 'Завершены с опозданием', color: '#8fb3de' },
  { key: 'terminated', title: 'Прекращены', color: '#9aa0a6' },
  { key: 'overdue', title: 'Просрочены', color: '#d55e00' },
  { key: 'not_yet', title: 'Не завершены, срок ещё не наступил', color: '#f3c99b' },
  { key: 'other', title: 'Прочие', color: '#e5e7eb' },
] as const;

function outcomeCounts(row: ProgramCompletionRow, overdueByToday: number | undefined): Record<(typeof OUTCOMES)[number]['key'], number> {
  const late = Math.max(0, row.completed - row.completed_on_time);
  const other = Math.max(0, row.due - row.completed - row.terminated - row.overdue);
  const overdue = overdueByToday === undefined ? row.overdue : Math.min(row.overdue, overdueByToday);
  return { on_time: row.completed_on_time, late, terminated: row.terminated, overdue, not_yet: row.overdue - overdue, other };
}

export function programOutcomesSpec(rows: readonly ProgramCompletionRow[], options: ProgramSpecOptions): TopLevelSpec {
  const { labels, titles } = options;
  const orgRows = rows
    .filter((row): row is ProgramCompletionRow & { org: string } => row.org !== null && row.due > 0)
    .sort((a, b) => b.due - a.due || a.org.localeCompare(b.org, 'ru', { numeric: true }));
  const data = orgRows.flatMap((row) => {
    const name = row.org_name ?? row.org;
    const counts = outcomeCounts(row, options.overdueByToday ? (options.overdueByToday.get(row.org) ?? 0) : undefined);
    const tip = orgTip(labels, row.org, name, {
      [titles('due')]: formatInteger(row.due),
      [titles('completion_rate')]: `${formatPercent(row.completion_rate)} (${formatOutOf(row.completed, row.due)})`,
      [titles('on_time_rate')]: `${formatPercent(row.on_time_rate)} (${formatOutOf(row.completed_on_time, row.due)})`,
      [titles('terminated')]: formatInteger(row.terminated),
      [titles('overdue')]: formatInteger(row.overdue),
    });
    return OUTCOMES.filter((outcome) => counts[outcome.key] > 0).map((outcome) => ({
      label: labels.label(row.org),
      outcome: outcome.title,
      order: OUTCOMES.indexOf(outcome),
      count: counts[outcome.key],
      tip,
      aria: `${name}: ${outcome.title.toLowerCase()} ${formatOutOf(counts[outcome.key], row.due)}`,
    }));
  });
  const present = OUTCOMES.filter((outcome) => data.some((datum) => datum.outcome === outcome.title));
  return {
    ...frame('Программы наставничества со сроком завершения в периоде: чем они закончились, по организациям', Math.max(orgRows.length, 1) * BAR_STEP),
    data: { values: data },
    mark: { type: 'bar', height: { band: 0.75 } },
    encoding: {
      y: { field: 'label', type: 'nominal', sort: orgRows.map((row) => labels.label(row.org)), axis: { title: null, labelLimit: 160, description: 'Организации (коды)' } },
      x: { field: 'count', type: 'quantitative', stack: 'zero', axis: { title: 'Программ', tickMinStep: 1, format: 'd', description: 'Число программ' } },
      color: {
        field: 'outcome',
        type: 'nominal',
        scale: { domain: present.map((outcome) => outcome.title), range: present.map((outcome) => outcome.color) },
        legend: topLegend(null, 'Цвет обозначает, чем закончилась программа', present.map((outcome) => outcome.title)),
      },
      order: { field: 'order', type: 'quantitative' },
      tooltip: TIP_ENCODING,
      description: ARIA_ENCODING,
    },
  };
}

export function programProgressSpec(rows: readonly ProgramCompletionRow[], options: ProgramSpecOptions): TopLevelSpec {
  return ratioBarsSpec(rows, {
    labels: options.labels,
    titles: options.titles,
    ratio: 'progress',
    numerator: 'events_done',
    denominator: 'events_planned',
    extraTip: (row) => ({ [options.titles('active_programs')]: formatInteger(row.active_programs) }),
    include: (row) => row.active_programs > 0,
    totalLabel: options.totalLabel,
    axisTitle: 'Выполнено мероприятий от запланированных',
    description: 'Выполнение мероприятий действующих программ наставничества по организациям',
  });
}

export function programCoverageSpec(rows: readonly ProgramCompletionRow[], options: ProgramSpecOptions): TopLevelSpec {
  return ratioBarsSpec(rows, {
    labels: options.labels,
    titles: options.titles,
    ratio: 'program_coverage',
    numerator: 'mentees_with_program',
    denominator: 'mentees_active',
    extraTip: (row) => ({
      [options.titles('published_rate')]: `${formatPercent(row.published_rate)} (${formatOutOf(row.programs_published, row.programs_approved)})`,
    }),
    include: (row) => row.mentees_active > 0,
    totalLabel: options.totalLabel,
    axisTitle: 'Доля наставляемых с программой',
    description: 'Доля наставляемых, у которых есть персонализированная программа наставничества, по организациям',
  });
}
