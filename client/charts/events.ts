/**
 * Events of the period (metric `events`, items 2.3 and 3.8 of the order): one horizontal bar
 * per kind of event, stacked by level (ОО → регион), for the total rows (the municipality, or
 * the organizations selected) or for one organization's rows. Kinds come in the server's
 * order (the contract's); levels in the contract's order, an empty level last.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { OrgRow } from '../api.ts';
import { formatInteger, formatOutOf } from '../format.ts';
import { ARIA_ENCODING, frame, TIP_ENCODING, topLegend, wrappedLabelsExpr, stackedCountLabels, xTickCount } from './templates/index.ts';

/** A row of `GET /api/metrics/events`: one (organization, kind, level), or a total (org = null). */
export interface EventsRow extends OrgRow {
  kind: string;
  /** `null`: the level was left empty on the sheet. */
  level: string | null;
  events: number;
  /** Events whose number of participants is stated. */
  with_participants: number;
  /** Sum of the stated numbers; `null` when none of the events states one. */
  participants: number | null;
}

/** The label of an empty level. */
export const NO_LEVEL = 'Уровень не указан';

/**
 * Levels of the contract (docs/spec/CONTRACT.md, «Мероприятия», Уровень) in order, with colors from
 * the Okabe–Ito palette (told apart with any kind of color blindness); others grey.
 */
export const EVENT_LEVELS: ReadonlyArray<{ level: string; color: string; ink: string }> = [
  { level: 'ОО', color: '#56b4e9', ink: '#1f2933' },
  { level: 'Муниципальный', color: '#0072b2', ink: '#ffffff' },
  { level: 'Межмуниципальный', color: '#e69f00', ink: '#1f2933' },
  { level: 'Региональный', color: '#009e73', ink: '#ffffff' },
];
const OTHER_LEVEL = { color: '#9aa0a6', ink: '#1f2933' };

export function levelTitle(level: string | null): string {
  return level ?? NO_LEVEL;
}

/** Levels present in `rows`, in the contract's order; unknown ones after, the empty one last. */
export function levelsOf(rows: readonly EventsRow[]): string[] {
  const present = new Set(rows.map((row) => levelTitle(row.level)));
  const known = EVENT_LEVELS.map((entry) => entry.level).filter((level) => present.delete(level));
  const empty = present.delete(NO_LEVEL);
  return [...known, ...[...present].sort((a, b) => a.localeCompare(b, 'ru')), ...(empty ? [NO_LEVEL] : [])];
}

/** Kinds present in `rows`, in the order the server sent them (the contract's). */
export function kindsOf(rows: readonly EventsRow[]): string[] {
  return [...new Set(rows.map((row) => row.kind))];
}

/** "120 (указано для 5 из 6 мероприятий)", "—" when no event states a number. */
export function participantsText(participants: number | null, stated: number, events: number): string {
  if (participants === null || stated === 0) return '—';
  return stated === events ? formatInteger(participants) : `${formatInteger(participants)} (указано для ${formatOutOf(stated, events)})`;
}

export interface EventsSpecOptions {
  /** Rows of one organization; default: the total rows (`org = null`). */
  org?: string | null;
}

export function eventsByKindSpec(rows: readonly EventsRow[], options: EventsSpecOptions = {}): TopLevelSpec {
  const org = options.org ?? null;
  const own = rows.filter((row) => row.org === org && row.events > 0);
  const kinds = kindsOf(own);
  const levels = levelsOf(own);
  const style = (level: string) => EVENT_LEVELS.find((entry) => entry.level === level) ?? OTHER_LEVEL;
  const all = own.reduce((sum, row) => sum + row.events, 0);
  const perKind = new Map<string, { events: number; stated: number; participants: number | null }>();
  for (const row of own) {
    const k = perKind.get(row.kind) ?? { events: 0, stated: 0, participants: null };
    k.events += row.events;
    k.stated += row.with_participants;
    if (row.participants !== null) k.participants = (k.participants ?? 0) + row.participants;
    perKind.set(row.kind, k);
  }
  const data = own.map((row) => {
    const level = levelTitle(row.level);
    const kind = perKind.get(row.kind)!;
    const { color, ink } = style(level);
    return {
      label: row.kind,
      level,
      order: levels.indexOf(level),
      count: row.events,
      countText: formatInteger(row.events),
      color,
      ink,
      tip: {
        title: row.kind,
        Уровень: level,
        Мероприятий: formatOutOf(row.events, kind.events),
        Участников: participantsText(row.participants, row.with_participants, row.events),
        [`Всего «${row.kind}»`]: `${formatInteger(kind.events)}; участников: ${participantsText(kind.participants, kind.stated, kind.events)}`,
      },
      aria: `${row.kind}, уровень ${row.level === null ? 'не указан' : `«${level}»`}: ${formatInteger(row.events)} мероприятий из ${formatInteger(kind.events)}`,
    };
  });
  const maxPerKind = Math.max(1, ...[...perKind.values()].map((k) => k.events));
  const y = {
    field: 'label',
    type: 'nominal' as const,
    sort: kinds,
    axis: { title: null, labelLimit: 230, description: 'Виды мероприятий', labelExpr: wrappedLabelsExpr(kinds, 18) },
  };
  const x = {
    field: 'count',
    type: 'quantitative' as const,
    stack: 'zero' as const,
    axis: { title: 'Мероприятий', tickMinStep: 1, tickCount: xTickCount(6, 45), format: 'd', description: 'Число мероприятий' },
  };
  const scale = { domain: levels, range: levels.map((level) => style(level).color) };
  return {
    ...frame(`Мероприятия по видам и уровням, всего: ${formatInteger(all)}`, Math.max(kinds.length, 1) * 38),
    data: { values: data },
    encoding: { y, x, order: { field: 'order', type: 'quantitative' } },
    layer: [
      {
        name: 'bars',
        mark: { type: 'bar', height: { band: 0.75 } },
        encoding: {
          color: { field: 'level', type: 'nominal', scale, legend: topLegend('Уровень', 'Цвет обозначает уровень мероприятия', levels, 150) },
          tooltip: TIP_ENCODING,
          description: ARIA_ENCODING,
        },
      },
      // A count only where its piece of the bar has room for it.
      stackedCountLabels(maxPerKind),
    ],
  };
}
