/**
 * Page «Качество данных»: can the numbers be trusted? Per organization: when its data was
 * loaded, whether the last attempt failed (then its numbers are from an older load: ⚠ with
 * the reason), rows loaded, rows quarantined, errors and warnings; and the list of problems
 * found in the schools' sheets, by organization and tab, with row numbers and links to the
 * sheet, so the coordinator can tell a school exactly what to fix.
 */
import { ApiError, getQuality, type DataQualityRow, type QualityIssue, type QualityOrg, type SyncStatus } from '../api.ts';
import { issuesSpec, rowsLoaded, rowsLoadedSpec } from '../charts/dataQuality.ts';
import { h, staleMark } from '../dom.ts';
import { holdBox } from '../holds.ts';
import { EMPTY, formatAsOf, formatDateTime, formatInteger, plural } from '../format.ts';
import { FINDING_LEVEL_LABELS, syncStatusText } from '../../shared/metrics.ts';
import { Panel, runPanelTasks } from '../panel.ts';
import { orgCell, renderTable, type TableRow } from '../table.ts';
import { Loader, NO_ORGS_MESSAGE, orgPageHref, totalRowLabel, type Page, type PageContext } from './page.ts';

function statusText(status: SyncStatus | null): string {
  return status ? syncStatusText(status) : 'не загружались';
}

/** `/api/quality` takes one organization; several are filtered here. */
function qualityQuery(orgs: readonly string[], asOf: string | null | undefined): URLSearchParams {
  const query = new URLSearchParams();
  if (orgs.length === 1 && orgs[0]) query.set('org', orgs[0]);
  // The findings as a past sync left them, like the figures above.
  if (asOf) query.set('as_of', asOf);
  return query;
}

/**
 * The link to the same findings as a workbook (`/api/quality.xlsx`): one organization's when one
 * is chosen, else every organization's (the file cannot take a type or a list of several).
 */
/** The most findings of one tab drawn on the page (the workbook has them all). */
const MAX_DRAWN_PER_TAB = 500;

export function findingsDownload(orgs: readonly string[], asOf: string | null | undefined): HTMLElement {
  const query = qualityQuery(orgs, asOf).toString();
  const whole = orgs.length > 1 ? ' (все организации реестра)' : '';
  return h('p', { className: 'issues__download' }, h('a', { attrs: { href: `/api/quality.xlsx${query ? `?${query}` : ''}`, download: '' } }, `Выгрузить замечания в Excel${whole}`));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The message without the place it names ("ДОУ-2, лист «Аттестация», строка 2, столбец «…»: "):
 * the table around it already says the organization, the tab, the row and the column.
 */
function messageWithoutPlace(issue: QualityIssue): string {
  if (!issue.org) return issue.message;
  const place = new RegExp(`^${escapeRegExp(issue.org)}, лист «[^»]*»(, строка \\d+)?(, столбец «[^»]*»)?: `);
  const short = issue.message.replace(place, '');
  return short.charAt(0).toLocaleUpperCase('ru') + short.slice(1);
}

function issueValue(value: QualityIssue['value']): string {
  if (value === null || value === undefined || value === '') return EMPTY;
  return String(value);
}

function externalLink(href: string, text: string): HTMLAnchorElement {
  return h('a', { attrs: { href, target: '_blank', rel: 'noopener noreferrer' } }, text);
}

/** Only http(s) links from the API become links: a sheet URL is data, not trusted markup. */
function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

function issuesByOrg(issues: readonly QualityIssue[]): Map<string, Map<string, QualityIssue[]>> {
  const groups = new Map<string, Map<string, QualityIssue[]>>();
  for (const issue of issues) {
    const org = issue.org ?? '';
    const tab = issue.tab ?? 'Без листа';
    let tabs = groups.get(org);
    if (!tabs) groups.set(org, (tabs = new Map()));
    let list = tabs.get(tab);
    if (!list) tabs.set(tab, (list = []));
    list.push(issue);
  }
  for (const tabs of groups.values()) {
    for (const list of tabs.values()) list.sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
  }
  return groups;
}

export function createDataQualityPage(container: HTMLElement, ctx: PageContext): Page {
  const { catalog, directory } = ctx;
  const state = new Panel({ id: 'freshness', title: 'Загрузка данных организаций', wide: true, chart: false, table: 'open' });
  const loaded = new Panel({ id: 'rows-loaded', title: 'Загружено строк', table: false });
  const problems = new Panel({ id: 'problems', title: 'Ошибки и предупреждения', table: false });
  const issues = new Panel({ id: 'issues', title: 'Ошибки в таблицах организаций', wide: true, chart: false, table: false });
  const panels = [state, loaded, problems, issues];
  container.replaceChildren(h('div', { className: 'panels' }, ...panels.map((panel) => panel.element)));
  const title = (column: string) => catalog.columnTitle('data_quality', column);

  return {
    title: 'Качество данных',
    description: catalog.description('data_quality'),
    // The last loads' findings and states: no period (data_quality.sql does not use one).
    scope: 'orgs',
    navPath: '/data-quality',
    metrics: ['data_quality'],

    async show(filters, signal) {
      const load = new Loader(filters, signal);
      const quality = load.metric<DataQualityRow>('data_quality');
      const orgHref = (code: string) => orgPageHref(code, filters);
      const options = { labels: directory, titles: title };

      await runPanelTasks(
        [
          {
            panel: state,
            run: async () => {
              const { rows } = await quality;
              const orgRows = rows.filter((row) => row.org !== null);
              if (orgRows.length === 0) return state.empty(NO_ORGS_MESSAGE);
              const stale = orgRows.filter((row) => row.stale === true);
              state.setNote(
                stale.length === 0
                  ? orgRows.length === 1
                    ? 'Данные организации загружены при последней синхронизации.'
                    : `Данные всех ${formatInteger(orgRows.length)} ${plural(orgRows.length, ['организации', 'организаций', 'организаций'])} загружены при последней синхронизации.`
                  : `⚠ У ${formatInteger(stale.length)} из ${formatInteger(orgRows.length)} ${plural(orgRows.length, ['организации', 'организаций', 'организаций'])} данные устарели (загрузка не удалась, задержана или давно не обновлялась): показаны их данные из прошлой загрузки.`,
              );
              state.fillTable((table) => {
                // The counts first, the reason last and only when there is one: at 1366 px the
                // counts were off to the right, behind an empty «Причина».
                const reasons = rows.some((row) => row.org !== null && (row.last_message ?? '') !== '');
                const tableRows: TableRow[] = rows.map((row) => {
                  const total = row.org === null;
                  const note = directory.staleNote(row.org);
                  const status = total
                    ? ''
                    : row.stale
                      ? h('span', { className: 'stale-text' }, staleMark(note ?? 'Данные устарели'), ` ${statusText(row.last_status)}`)
                      : statusText(row.last_status);
                  return {
                    head: total ? [totalRowLabel(filters)] : orgCell(row, { directory, orgHref }),
                    total,
                    org: row.org,
                    cells: [
                      total ? '' : formatDateTime(row.last_success),
                      total ? '' : formatDateTime(row.last_attempt),
                      status,
                      formatInteger(rowsLoaded(row)),
                      formatInteger(row.rows_quarantined),
                      formatInteger(row.errors),
                      // Every warning of the list below, the categories that differ among them: the
                      // column read 20 beside the panel's 21 and the list's 3 of a school's 2 (an acceptance run).
                      formatInteger(row.warnings + row.category_mismatches),
                      formatInteger(row.category_mismatches),
                      ...(reasons ? [row.last_message ?? ''] : []),
                    ],
                  };
                });
                renderTable(
                  table,
                  // As of a past sync: said so (it said «на сейчас» under the banner of a past date: an acceptance run).
                  `${catalog.title('data_quality')}: состояние на ${filters.asOf ? formatAsOf(filters.asOf) : 'сейчас'}`,
                  'Организация',
                  [
                    { header: title('last_success'), numeric: true, className: 'col-when' },
                    { header: title('last_attempt'), numeric: true, className: 'col-when' },
                    { header: title('last_status') },
                    { header: 'Загружено строк', numeric: true },
                    { header: title('rows_quarantined'), numeric: true },
                    { header: title('errors'), numeric: true },
                    { header: title('warnings'), numeric: true },
                    { header: 'Из них: категория в «Педагогах» не совпадает с «Аттестацией»', numeric: true },
                    ...(reasons ? [{ header: title('last_message'), className: 'col-reason' }] : []),
                  ],
                  tableRows,
                );
              });
            },
          },
          {
            panel: loaded,
            run: async () => {
              const { rows } = await quality;
              if (!rows.some((row) => row.org !== null)) return loaded.empty(NO_ORGS_MESSAGE);
              const total = rows.find((row) => row.org === null);
              if (total) {
                const n = rowsLoaded(total);
                loaded.setNote(`Всего ${formatInteger(n)} ${plural(n, ['строка прошла', 'строки прошли', 'строк прошли'])} проверку и ${plural(n, ['учтена', 'учтены', 'учтены'])} в показателях.`);
              }
              await loaded.chart(rowsLoadedSpec(rows, options), 'zagruzheno-strok');
            },
          },
          {
            panel: problems,
            run: async () => {
              const { rows } = await quality;
              const total = rows.find((row) => row.org === null);
              if (!total) return problems.empty(NO_ORGS_MESSAGE);
              if (total.errors + total.warnings + total.rows_quarantined + total.category_mismatches === 0) return problems.empty('Ошибок и предупреждений нет.');
              // Category mismatches are warnings of the list below as well: named here, not left out of the count.
              const mismatches = total.category_mismatches > 0 ? `, из них о категории, не совпадающей с «Аттестацией», — ${formatInteger(total.category_mismatches)}` : '';
              problems.setNote(
                `Строки с ошибками не учитываются в показателях (карантин), пока школа их не исправит. Ошибок: ${formatInteger(total.errors)}, предупреждений: ${formatInteger(total.warnings + total.category_mismatches)}${mismatches}.`,
              );
              // The categories that differ are warnings of the list below: counted with the others.
              const allWarnings = rows.map((row) => ({ ...row, warnings: row.warnings + row.category_mismatches }));
              await problems.chart(issuesSpec(allWarnings, options), 'oshibki-i-preduprezhdeniya');
            },
          },
          {
            panel: issues,
            run: async () => {
              let response: { orgs: QualityOrg[]; issues: QualityIssue[]; registry_hold?: string | null };
              try {
                response = await getQuality(qualityQuery(filters.orgs, filters.asOf), signal);
              } catch (error) {
                if (error instanceof ApiError && error.status === 404) {
                  return issues.empty(
                    'Перечень ошибок по строкам пока недоступен на сервере. Число ошибок и предупреждений по организациям — в таблице выше.',
                  );
                }
                throw error;
              }
              const typeOk = (code: string | null) => filters.type === null || (code !== null && directory.org(code)?.type === filters.type);
              const list = response.issues.filter(
                (issue) => typeOk(issue.org) && (filters.orgs.length === 0 || (issue.org !== null && filters.orgs.includes(issue.org))),
              );
              if (list.length === 0) return issues.empty('Ошибок и предупреждений в таблицах организаций нет.');
              issues.setNote('Сгруппировано по организациям и листам; номер строки — как в таблице организации. Ссылка открывает таблицу.');
              const sheetOf = new Map(response.orgs.map((org) => [org.org, org]));
              const groups = issuesByOrg(list);
              const nodes: HTMLElement[] = [findingsDownload(filters.orgs, filters.asOf)];
              if (response.registry_hold) {
                nodes.push(holdBox(response.registry_hold, '/api/registry/accept-shrink', 'Принять изменение реестра'));
              }
              for (const [org, tabs] of groups) {
                const all = [...tabs.values()].flat();
                const errors = all.filter((issue) => issue.level === 'error').length;
                const warnings = all.filter((issue) => issue.level === 'warning').length;
                const notices = all.length - errors - warnings;
                const sheet = safeUrl(sheetOf.get(org)?.sheet_url);
                const note = directory.staleNote(org);
                const summary = h(
                  'summary',
                  {},
                  note ? staleMark(note) : null,
                  note ? ' ' : null,
                  h('strong', {}, org ? (sheetOf.get(org)?.org_name ?? directory.name(org)) : 'Реестр организаций'),
                  ` — ${[
                    `${formatInteger(errors)} ${plural(errors, ['ошибка', 'ошибки', 'ошибок'])}`,
                    `${formatInteger(warnings)} ${plural(warnings, ['предупреждение', 'предупреждения', 'предупреждений'])}`,
                    notices > 0 ? `${formatInteger(notices)} ${plural(notices, ['замечание', 'замечания', 'замечаний'])}` : null,
                  ]
                    .filter(Boolean)
                    .join(', ')}`,
                );
                // The rows of an organization are drawn when its list is opened: a region's 24,000
                // findings drawn at once were 270,000 elements and 9 s before the page answered.
                const fill = (body: HTMLElement) => {
                  if (sheet) body.append(h('p', {}, externalLink(sheet, 'Открыть таблицу организации ↗')));
                  for (const [tab, all] of tabs) {
                    // A tab flooded with bad rows (20,000 findings of one sheet) is drawn in part: the
                    // rest are in the workbook, said above the table (they froze the page when opened).
                    const tabIssues = all.length > MAX_DRAWN_PER_TAB ? all.slice(0, MAX_DRAWN_PER_TAB) : all;
                    if (tabIssues !== all) {
                      body.append(
                        h(
                          'p',
                          { className: 'issues__more' },
                          `Лист «${tab}»: показаны первые ${formatInteger(MAX_DRAWN_PER_TAB)} замечаний из ${formatInteger(all.length)}; все — в выгрузке в Excel (ссылка над списком).`,
                        ),
                      );
                    }
                    const table = h('table', { className: 'metric-table issues-table' });
                    renderTable(
                      table,
                      `Лист «${tab}»`,
                      'Строка',
                      [{ header: 'Столбец' }, { header: 'Значение' }, { header: 'Уровень' }, { header: 'Что не так' }, { header: '' }],
                      tabIssues.map((issue) => {
                        const cellUrl = safeUrl(issue.cell_url);
                        return {
                          head: [issue.row === null ? EMPTY : String(issue.row)],
                          cells: [
                            issue.column ?? EMPTY,
                            issueValue(issue.value),
                            FINDING_LEVEL_LABELS[issue.level] ?? issue.level,
                            messageWithoutPlace(issue),
                            cellUrl ? externalLink(cellUrl, 'ячейка ↗') : '',
                          ],
                        };
                      }),
                      true,
                    );
                    body.append(h('div', { className: 'table-wrap' }, table));
                  }
                };
                const body = h('div', { className: 'issues__body' });
                const open = groups.size <= 6;
                if (open) fill(body);
                const details = h('details', { className: 'issues', attrs: { 'data-org': org, open: open ? '' : null } }, summary, body);
                if (!open) {
                  details.addEventListener('toggle', function first() {
                    if (!details.open) return;
                    details.removeEventListener('toggle', first);
                    fill(body);
                  });
                }
                nodes.push(details);
              }
              issues.setContent(...nodes);
            },
          },
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
