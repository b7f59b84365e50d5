/** The demo municipality (server/sources/demo/): deliberate errors. */
import type { TabKey } from '../../contract/declaration.ts';
import type { Cell } from '../types.ts';
import { type Layout, layoutOfCode } from './organizations.ts';
import type { DeliberateError } from './types.ts';
import { tabDecl } from './vocabulary.ts';

export interface Plant {
  org: string;
  tab: TabKey;
  /** Data row index (0 = the first row under the header). */
  pos: number;
  column: string;
  value?: Cell;
  severity: DeliberateError['severity'];
  problem: DeliberateError['problem'];
}

/**
 * Where the invalid cells go. Positions are fixed data rows, and the organizations' layouts
 * depend on their codes only, so the sheet rows below hold for every seed and reference date
 * (given the default numbers of organizations, or more).
 */
export const PLANTS: readonly Plant[] = [
  { org: 'СОШ-1', tab: 'programs', pos: 1, column: 'events_done', severity: 'warning', problem: 'events_done_gt_planned' },
  { org: 'СОШ-2', tab: 'courses', pos: 4, column: 'end_date', value: '31.02.2024', severity: 'error', problem: 'impossible_date' },
  { org: 'СОШ-3', tab: 'pairs', pos: 2, column: 'mentee', severity: 'error', problem: 'unknown_person' },
  { org: 'СОШ-5', tab: 'courses', pos: 3, column: 'hours', value: '72 ч.', severity: 'error', problem: 'text_in_number' },
  { org: 'СОШ-6', tab: 'programs', pos: 2, column: 'approved', value: '', severity: 'error', problem: 'missing_required' },
  { org: 'ДОУ-2', tab: 'attestations', pos: 0, column: 'category', value: 'вторая', severity: 'error', problem: 'unknown_category' },
  { org: 'ДОУ-4', tab: 'programs', pos: 0, column: 'end_plan', value: '03/04/2024', severity: 'error', problem: 'ambiguous_date' },
  { org: 'ЦРТ', tab: 'pairs', pos: 1, column: 'form', value: 'Сетевая', severity: 'error', problem: 'unknown_enum' },
];

/** Schools that put a title above the header do it on their main tabs, not everywhere. */
const TITLED_TABS: readonly TabKey[] = ['teachers', 'pairs', 'programs'];

export function titleRowsOf(layout: Layout, tab: TabKey): number {
  return TITLED_TABS.includes(tab) ? layout.titleRows : 0;
}

export function headerText(layout: Layout, tab: TabKey, key: string): string {
  const c = tabDecl(tab).columns.find((x) => x.key === key);
  if (!c) throw new Error(`demo: the contract has no column ${tab}.${key}`);
  if (layout.aliasVariant === 0 || c.aliases.length === 0) return c.header;
  return layout.aliasVariant === 1 ? c.aliases[0]! : c.aliases[c.aliases.length - 1]!;
}

export function tabTitle(layout: Layout, tab: TabKey): string {
  const title = tabDecl(tab).title;
  if (!layout.oddTitles) return title;
  // Titles are matched tolerantly (case, ё/е, spaces, a trailing period): schools rely on it.
  if (tab === 'programs') return `${title}.`;
  if (tab === 'attestations') return title.toLowerCase();
  return title;
}

export function describePlant(p: Plant, value?: Cell): DeliberateError {
  const layout = layoutOfCode(p.org);
  if (!layout) throw new Error(`demo: no layout for ${p.org}`);
  const c = tabDecl(p.tab).columns.find((x) => x.key === p.column)!;
  const e: DeliberateError = {
    org: p.org,
    tab: tabTitle(layout, p.tab),
    row: titleRowsOf(layout, p.tab) + 1 + 1 + p.pos,
    column: headerText(layout, p.tab, p.column),
    canonicalColumn: c.header,
    severity: p.severity,
    problem: p.problem,
  };
  const v = value !== undefined ? value : p.value;
  if (v !== undefined) e.value = v;
  return e;
}

/**
 * The invalid cells planted in the default municipality (8 schools, 14 kindergartens,
 * 2 additional), for any seed and reference date. Values that depend on the data (the
 * misspelt name, the done count) are in `generateMunicipality(...).deliberateErrors`.
 */
export const DEMO_DELIBERATE_ERRORS: readonly DeliberateError[] = PLANTS.map((p) => describePlant(p));

/** A misspelling a person could make: a doubled consonant in the surname. */
export function misspell(fio: string, taken: Set<string>): string {
  const [surname = '', ...rest] = fio.split(' ');
  for (let i = 1; i < surname.length; i++) {
    if (!'нлмрствкпд'.includes(surname[i]!)) continue;
    const s = surname.slice(0, i + 1) + surname[i] + surname.slice(i + 1);
    const candidate = [s, ...rest].join(' ');
    if (!taken.has(candidate.toLowerCase().replace(/ё/g, 'е'))) return candidate;
  }
  return [`${surname}ь`, ...rest].join(' ');
}
