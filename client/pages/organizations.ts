/**
 * Page «Организации»: every organization × the headline indicators, in a table that sorts by
 * any column. Each value has a small bar: green-blue when it is at or above the value of the
 * total row (the municipality, or the organizations selected), vermillion below it; the thin
 * mark on the track is that total. A click on a name opens the organization's page.
 */
import { isAbortError, type MetricResponse, type OrgRow } from '../api.ts';
import { h, staleMark } from '../dom.ts';
import { EMPTY, formatDateTime, formatOutOf, formatPercent, formatPoints } from '../format.ts';
import { messageOf, Panel, runPanelTasks } from '../panel.ts';
import { Loader, NO_ORGS_MESSAGE, orgPageHref, periodText, totalRowLabel, type Page, type PageContext } from './page.ts';

/** A headline indicator: a column of `overview`, computed from its detailed metric (for the counts). */
interface Indicator {
  /** The column of `overview` that titles it. */
  key: 'engagement_rate' | 'coverage' | 'pd_coverage' | 'growth_pp' | 'completion_rate';
  metric: string;
  value: (row: OrgRow) => number | null;
  /** "11 из 56", or the categories' shares at the start and the end. */
  detail: (row: OrgRow) => string;
  /** What the counts count, for the cell's tooltip ("педагогов"). */
  noun: string;
  kind: 'ratio' | 'points';
}

const n = (row: OrgRow, column: string): number | null => {
  const value = (row as unknown as Record<string, unknown>)[column];
  return typeof value === 'number' ? value : null;
};

export const INDICATORS: readonly Indicator[] = [
  {
    key: 'engagement_rate',
    metric: 'engagement',
    value: (row) => n(row, 'engagement_rate'),
    detail: (row) => formatOutOf(n(row, 'engaged'), n(row, 'teachers')),
    noun: 'педагогов',
    kind: 'ratio',
  },
  {
    key: 'coverage',
    metric: 'young_specialists',
    value: (row) => n(row, 'coverage'),
    detail: (row) => formatOutOf(n(row, 'young_with_mentor'), n(row, 'young')),
    noun: 'молодых специалистов',
    kind: 'ratio',
  },
  {
    key: 'pd_coverage',
    metric: 'professional_development',
    value: (row) => n(row, 'pd_coverage'),
    detail: (row) => formatOutOf(n(row, 'trained'), n(row, 'teachers')),
    noun: 'педагогов',
    kind: 'ratio',
  },
  {
    key: 'growth_pp',
    metric: 'qualification_growth',
    value: (row) => n(row, 'growth_pp'),
    detail: (row) => `${formatPercent(n(row, 'share_start'))} → ${formatPercent(n(row, 'share_end'))}`,
    noun: 'педагогов с первой и высшей категорией на начало и конец периода',
    kind: 'points',
  },
  {
    key: 'completion_rate',
    metric: 'program_completion',
    value: (row) => n(row, 'completion_rate'),
    detail: (row) => formatOutOf(n(row, 'completed'), n(row, 'due')),
    noun: 'программ',
    kind: 'ratio',
  },
];

type SortKey = 'name' | 'fresh' | Indicator['key'];

interface SortState {
  key: SortKey | null;
  descending: boolean;
}

interface Line {
  code: string;
  name: string;
  type: string;
  rows: Map<string, OrgRow>;
}

function formatIndicator(indicator: Indicator, value: number | null): string {
  return indicator.kind === 'points' ? formatPoints(value) : formatPercent(value);
}

/** The value, the counts behind it, and a bar with the total's mark. */
function indicatorCell(indicator: Indicator, row: OrgRow | undefined, total: OrgRow | undefined, scale: number, failed: boolean): HTMLElement {
  if (failed) return h('span', { className: 'muted', attrs: { title: 'Показатель не загрузился' } }, 'н/д');
  if (!row) return h('span', {}, EMPTY);
  const value = indicator.value(row);
  const reference = total ? indicator.value(total) : null;
  const text = formatIndicator(indicator, value);
  if (value === null) return h('span', { className: 'bar-cell', attrs: { title: 'Нет данных: знаменатель равен нулю' } }, h('span', { className: 'bar-cell__value' }, text));
  const below = reference !== null && value < reference;
  const comparison =
    reference === null
      ? ''
      : ` — ${below ? 'ниже' : 'не ниже'} итогового значения (${formatIndicator(indicator, reference)})`;
  // Shares: 0…100 % of the track. Points: the track's middle is 0, its ends ±scale.
  const position = (v: number) => (indicator.kind === 'ratio' ? Math.max(0, Math.min(1, v)) * 100 : 50 + (Math.max(-scale, Math.min(scale, v)) / scale) * 50);
  const start = indicator.kind === 'ratio' ? 0 : Math.min(50, position(value));
  const width = indicator.kind === 'ratio' ? position(value) : Math.abs(position(value) - 50);
  const detail = indicator.detail(row);
  const track = h('span', { className: 'bar-cell__track', attrs: { 'aria-hidden': 'true' } });
  const bar = h('span', { className: `bar-cell__bar ${below ? 'bar-cell__bar--below' : 'bar-cell__bar--above'}` });
  bar.style.left = `${start}%`;
  bar.style.width = `${Math.max(width, value === 0 ? 0 : 1)}%`;
  track.append(bar);
  if (reference !== null) {
    const mark = h('span', { className: 'bar-cell__ref' });
    mark.style.left = `${position(reference)}%`;
    track.append(mark);
  }
  if (indicator.kind === 'points') {
    const zero = h('span', { className: 'bar-cell__zero' });
    track.append(zero);
  }
  return h(
    'span',
    { className: 'bar-cell', attrs: { title: `${text} (${detail} ${indicator.noun})${comparison}`, 'data-below': String(below) } },
    h('span', { className: 'bar-cell__value' }, text),
    track,
    h('span', { className: 'bar-cell__detail' }, detail),
  );
}

export function createOrganizationsPage(container: HTMLElement, ctx: PageContext): Page {
  const { catalog, directory } = ctx;
  const panel = new Panel({ id: 'organizations', wide: true, chart: false, table: 'open' });
  const sort: SortState = { key: null, descending: false };
  container.replaceChildren(h('div', { className: 'panels' }, panel.element));

  const title = (key: string) => catalog.columnTitle('overview', key);

  return {
    title: 'Организации',
    description:
      'Главные показатели каждой организации за период. Нажмите на заголовок столбца, чтобы отсортировать, на название — чтобы открыть страницу организации.',
    scope: 'all',
    navPath: '/organizations',
    metrics: ['engagement', 'young_specialists', 'professional_development', 'qualification_growth', 'program_completion'],

    async show(filters, signal) {
      const load = new Loader(filters, signal);
      await runPanelTasks(
        [
          {
            panel,
            run: async () => {
              const settled = await Promise.all(
                INDICATORS.map(async (indicator) => {
                  try {
                    return { indicator, response: (await load.metric<OrgRow>(indicator.metric)) as MetricResponse<OrgRow>, error: null };
                  } catch (error) {
                    if (isAbortError(error)) throw error;
                    return { indicator, response: null, error };
                  }
                }),
              );
              const failed = settled.filter((entry) => entry.response === null);
              if (failed.length === settled.length) throw failed[0]?.error;
              const lines = new Map<string, Line>();
              const totals = new Map<string, OrgRow>();
              for (const { indicator, response } of settled) {
                for (const row of response?.rows ?? []) {
                  if (row.org === null) {
                    totals.set(indicator.key, row);
                    continue;
                  }
                  let line = lines.get(row.org);
                  if (!line) {
                    line = { code: row.org, name: row.org_name ?? row.org, type: row.org_type ?? '', rows: new Map() };
                    lines.set(row.org, line);
                  }
                  line.rows.set(indicator.key, row);
                }
              }
              if (lines.size === 0) return panel.empty(NO_ORGS_MESSAGE);
              const failedKeys = new Set(failed.map((entry) => entry.indicator.key));
              const notes: HTMLElement[] = [];
              if (failed.length > 0) {
                notes.push(
                  h(
                    'div',
                    { className: 'panel__error', attrs: { role: 'alert' } },
                    ...failed.map((entry) => h('p', {}, `«${title(entry.indicator.key)}» не загрузился: ${messageOf(entry.error)}`)),
                  ),
                );
              }
              notes.push(
                h(
                  'p',
                  { className: 'legend-line' },
                  h('span', { className: 'legend-item' }, h('span', { className: 'legend-swatch legend-swatch--above' }), ' не ниже итогового значения'),
                  h('span', { className: 'legend-item' }, h('span', { className: 'legend-swatch legend-swatch--below' }), ' ниже итогового значения'),
                  h(
                    'span',
                    { className: 'legend-item' },
                    h('span', { className: 'legend-swatch legend-swatch--ref' }),
                    ` итоговое значение (${totalRowLabel(filters).toLowerCase()})`,
                  ),
                ),
              );
              panel.setContent(...notes);
              // The points' bars share one scale: the largest change in the table.
              const growthScale = Math.max(
                5,
                ...[...lines.values()].map((line) => Math.abs(n(line.rows.get('growth_pp') ?? ({} as OrgRow), 'growth_pp') ?? 0)),
              );
              const period = periodText(filters);
              const draw = () => {
                const table = panel.table;
                if (!table) return;
                renderOrganizationsTable(table, {
                  lines: [...lines.values()],
                  totals,
                  failedKeys,
                  growthScale,
                  sort,
                  caption: `Показатели организаций за период ${period}`,
                  totalLabel: totalRowLabel(filters),
                  title,
                  href: (code) => orgPageHref(code, filters),
                  directory,
                  onSort: (key) => {
                    sort.descending = sort.key === key ? !sort.descending : key !== 'name';
                    sort.key = key;
                    draw();
                    table.querySelector<HTMLButtonElement>(`button[data-sort="${key}"]`)?.focus();
                  },
                });
              };
              panel.fillTable(() => draw());
            },
          },
        ],
        signal,
      );
    },

    clear() {
      panel.reset();
    },

    dispose() {
      panel.dispose();
    },
  };
}

interface TableInput {
  lines: Line[];
  totals: Map<string, OrgRow>;
  failedKeys: Set<string>;
  growthScale: number;
  sort: SortState;
  caption: string;
  totalLabel: string;
  title: (key: string) => string;
  href: (code: string) => string;
  directory: PageContext['directory'];
  onSort: (key: SortKey) => void;
}

function sortValue(line: Line, key: SortKey, input: TableInput): number | string | null {
  if (key === 'name') return line.name;
  if (key === 'fresh') return input.directory.isStale(line.code) ? 1 : 0;
  const indicator = INDICATORS.find((candidate) => candidate.key === key);
  const row = line.rows.get(key);
  return indicator && row ? indicator.value(row) : null;
}

function sortedLines(input: TableInput): Line[] {
  const { key, descending } = input.sort;
  if (key === null) return input.lines;
  const direction = descending ? -1 : 1;
  return [...input.lines].sort((a, b) => {
    const x = sortValue(a, key, input);
    const y = sortValue(b, key, input);
    // Organizations without a value stay at the bottom whichever way the column is sorted.
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    if (typeof x === 'string' && typeof y === 'string') return direction * x.localeCompare(y, 'ru', { numeric: true });
    return direction * ((x as number) - (y as number));
  });
}

function renderOrganizationsTable(table: HTMLTableElement, input: TableInput): void {
  const columns: Array<{ key: SortKey; title: string; numeric: boolean }> = [
    { key: 'name', title: 'Организация', numeric: false },
    ...INDICATORS.map((indicator) => ({ key: indicator.key, title: input.title(indicator.key), numeric: true })),
    { key: 'fresh', title: 'Данные загружены', numeric: false },
  ];
  const headRow = h('tr');
  for (const column of columns) {
    const active = input.sort.key === column.key;
    const arrow = active ? (input.sort.descending ? ' ▼' : ' ▲') : '';
    const button = h(
      'button',
      { className: 'sort-button', attrs: { type: 'button', 'data-sort': column.key, title: 'Сортировать по этому столбцу' } },
      column.title,
      h('span', { className: 'sort-button__arrow', attrs: { 'aria-hidden': 'true' } }, arrow),
    );
    button.addEventListener('click', () => input.onSort(column.key));
    headRow.append(
      h(
        'th',
        {
          className: column.numeric ? 'num sortable' : 'text sortable',
          attrs: { scope: 'col', 'aria-sort': active ? (input.sort.descending ? 'descending' : 'ascending') : 'none' },
        },
        button,
      ),
    );
  }
  const totalRow = h('tr', { className: 'total total--top' }, h('th', { className: 'text', attrs: { scope: 'row' } }, input.totalLabel));
  for (const indicator of INDICATORS) {
    const total = input.totals.get(indicator.key);
    totalRow.append(
      h(
        'td',
        { className: 'num' },
        input.failedKeys.has(indicator.key)
          ? 'н/д'
          : h('span', { className: 'bar-cell' }, h('span', { className: 'bar-cell__value' }, formatIndicator(indicator, total ? indicator.value(total) : null)), h('span', { className: 'bar-cell__detail' }, total ? indicator.detail(total) : '')),
      ),
    );
  }
  totalRow.append(h('td', { className: 'text' }, ''));

  const tbody = h('tbody');
  for (const line of sortedLines(input)) {
    const note = input.directory.staleNote(line.code);
    const freshness = input.directory.freshnessOf(line.code);
    const tr = h(
      'tr',
      { attrs: { 'data-org': line.code } },
      h(
        'th',
        { className: 'text', attrs: { scope: 'row' } },
        note ? staleMark(note) : null,
        note ? ' ' : null,
        h('a', { attrs: { href: input.href(line.code), title: line.code } }, line.name),
        h('span', { className: 'org-table__type' }, line.type),
      ),
    );
    for (const indicator of INDICATORS) {
      tr.append(
        h('td', { className: 'num' }, indicatorCell(indicator, line.rows.get(indicator.key), input.totals.get(indicator.key), input.growthScale, input.failedKeys.has(indicator.key))),
      );
    }
    tr.append(
      h(
        'td',
        { className: 'text nowrap' },
        note
          ? h('span', { className: 'stale-text', attrs: { title: note } }, '⚠ устарели')
          : h('span', { className: 'muted', attrs: { title: 'Последняя успешная загрузка' } }, freshness?.lastSuccess ? formatDateTime(freshness.lastSuccess) : EMPTY),
      ),
    );
    tbody.append(tr);
  }
  table.classList.add('org-table');
  table.replaceChildren(h('caption', {}, input.caption), h('thead', {}, headRow, totalRow), tbody);
}
