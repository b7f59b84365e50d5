/**
 * The page of one organization (`/org/<code>`): its headline indicators next to the
 * municipality's, its pairs by form and by direction, its programs, the items of the order,
 * and whether its data can be trusted (freshness, problems found in its sheet). The type and
 * organization filters do not apply here; the period does. Its change log lists what the last
 * syncs changed in the sheet (client/changes.ts).
 */
import {
  ApiError,
  getQuality,
  type AttestationDueRow,
  type ComplianceRow,
  type DataQualityRow,
  type EngagementRow,
  type PairsByFormRow,
  type PairsByTopicRow,
  type ProfessionalDevelopmentRow,
  type ProgramCompletionRow,
  type QualificationGrowthRow,
  type YoungSpecialistsRow,
} from '../api.ts';
import { STATUSES, statusOf } from '../charts/compliance.ts';
import { rowsLoaded } from '../charts/dataQuality.ts';
import { orgProfileSpec, type ProfileItem } from '../charts/orgProfile.ts';
import { pairsByFormSpec, pairsByTopicSpec, totalPairs } from '../charts/pairs.ts';
import { h, staleMark } from '../dom.ts';
import { holdBox } from '../holds.ts';
import { findingsDownload } from './dataQuality.ts';
import { canReread, rereadBox } from '../reread.ts';
import { changesBox, getChanges } from '../changes.ts';
import { session } from '../session.ts';
import { EMPTY, formatDate, formatDateTime, formatHours, formatInteger, formatOutOf, formatPercent, formatPoints } from '../format.ts';
import { orderItem } from '../orderItems.ts';
import { Panel, runPanelTasks } from '../panel.ts';
import { renderTable } from '../table.ts';
import { TRENDS, TrendPanel } from '../trend.ts';
import { chartFileName, Loader, pageHref, periodText, type Page, type PageContext } from './page.ts';

/** Findings listed on an organization's page; the rest are on «Качество данных». */
const SHOWN_FINDINGS = 20;

const MUNICIPALITY = 'По муниципалитету';
const LEVEL_TEXT: Record<string, string> = { error: 'Ошибка', warning: 'Предупреждение', notice: 'Замечание' };

function pickRows<Row extends { org: string | null }>(rows: readonly Row[], code: string): { own: Row | null; total: Row | null } {
  return { own: rows.find((row) => row.org === code) ?? null, total: rows.find((row) => row.org === null) ?? null };
}

export function createOrgPage(container: HTMLElement, ctx: PageContext, code: string): Page {
  const { catalog, directory } = ctx;
  const org = directory.org(code);
  const name = org?.name ?? code;
  const profile = new Panel({ id: 'org-profile', title: 'Показатели организации и муниципалитета', wide: true, table: 'open' });
  const forms = new Panel({ id: 'org-pairs-form', title: catalog.title('pairs_by_form'), table: false });
  const topics = new Panel({ id: 'org-pairs-topic', title: catalog.title('pairs_by_topic'), table: false });
  const programs = new Panel({ id: 'org-programs', title: catalog.title('program_completion'), chart: false, table: 'open' });
  const compliance = new Panel({ id: 'org-compliance', title: 'Исполнение распоряжения (п. 3)', wide: true, chart: false, table: 'open' });
  const quality = new Panel({ id: 'org-quality', title: 'Качество данных', wide: true, chart: false, table: false });
  const changes = new Panel({ id: 'org-changes', title: 'Журнал изменений', wide: true, chart: false, table: false });
  // The organization's own shares by month (its page leaves out the type and organization filters).
  const trend = new TrendPanel(
    'org-trend',
    [TRENDS.engagement, TRENDS.youngCoverage, TRENDS.pdCoverage, TRENDS.upgradeRate, TRENDS.programCompletion],
    catalog,
    ctx.today,
  );
  const panels = [profile, trend.panel, forms, topics, programs, compliance, quality, changes];
  const header = h('div', { className: 'org-header' });
  container.replaceChildren(header, h('div', { className: 'panels' }, ...panels.map((panel) => panel.element)));

  return {
    title: name,
    description: null,
    scope: 'period',
    navPath: '/organizations',
    metrics: ['engagement', 'young_specialists', 'pairs_by_form', 'pairs_by_topic', 'professional_development', 'qualification_growth', 'attestation_due', 'program_completion', 'compliance', 'data_quality'],

    async show(filters, signal) {
      // Compared with the whole municipality: the type and organization filters are left out. A
      // school account's answers hold its own organization only (the server scopes them): what
      // would be the municipality's total is its own, so there is no municipal column for it.
      const municipal = session()?.role !== 'school';
      // A school sees no municipal figures: the title does not promise them.
      profile.setTitle(municipal ? 'Показатели организации и муниципалитета' : 'Показатели организации');
      const columnsOf = (code: string) => (municipal ? [{ header: code, numeric: true }, { header: MUNICIPALITY, numeric: true }] : [{ header: code, numeric: true }]);
      const load = new Loader(filters, signal);
      const all = { allOrgs: true } as const;
      const period = periodText(filters);

      const note = directory.staleNote(code);
      const freshness = directory.freshnessOf(code);
      header.replaceChildren(
        ...[
        h('p', { className: 'org-header__back' }, h('a', { attrs: { href: pageHref('/organizations', filters) } }, '← Все организации')),
        h(
          'p',
          { className: 'org-header__meta' },
          [org?.type ?? null, `код ${code}`, org?.curator ? `куратор наставничества: ${org.curator}` : null].filter(Boolean).join(' · '),
        ),
        note
          ? h('p', { className: 'stale-box' }, staleMark(note), ' ', note)
          : freshness?.lastSuccess
            ? h('p', { className: 'org-header__meta' }, `Данные загружены ${formatDateTime(freshness.lastSuccess)}.`)
            : null,
        org ? null : h('p', { className: 'panel__error', attrs: { role: 'alert' } }, `Организации с кодом «${code}» нет в реестре.`),
        ].filter((node): node is HTMLParagraphElement => node !== null),
      );

      await runPanelTasks(
        [
          {
            panel: profile,
            run: async () => {
              const [engagement, young, pd, growth, attestation, completion] = await Promise.all([
                load.metric<EngagementRow>('engagement', all),
                load.metric<YoungSpecialistsRow>('young_specialists', all),
                load.metric<ProfessionalDevelopmentRow>('professional_development', all),
                load.metric<QualificationGrowthRow>('qualification_growth', all),
                load.metric<AttestationDueRow>('attestation_due', all),
                load.metric<ProgramCompletionRow>('program_completion', all),
              ]);
              const e = pickRows(engagement.rows, code);
              if (!e.own) return profile.empty(`Нет данных организации «${name}» за период ${period}.`);
              const y = pickRows(young.rows, code);
              const p = pickRows(pd.rows, code);
              const g = pickRows(growth.rows, code);
              const a = pickRows(attestation.rows, code);
              const c = pickRows(completion.rows, code);
              const t = (metric: string, column: string) => catalog.columnTitle(metric, column);
              const share = (value: number | null | undefined, part: number | undefined, whole: number | undefined) =>
                value === undefined ? EMPTY : `${formatPercent(value)} (${formatOutOf(part, whole)})`;

              interface Line {
                title: string;
                label?: string;
                own: string;
                total: string;
                ratio?: [number | null, number | null];
              }
              const lines: Line[] = [
                {
                  title: t('engagement', 'engagement_rate'),
                  label: 'Вовлечённость',
                  own: share(e.own.engagement_rate, e.own.engaged, e.own.teachers),
                  total: share(e.total?.engagement_rate, e.total?.engaged, e.total?.teachers),
                  ratio: [e.own.engagement_rate, e.total?.engagement_rate ?? null],
                },
                { title: t('engagement', 'mentors'), own: formatInteger(e.own.mentors), total: formatInteger(e.total?.mentors) },
                { title: t('engagement', 'mentees'), own: formatInteger(e.own.mentees), total: formatInteger(e.total?.mentees) },
                {
                  title: t('young_specialists', 'coverage'),
                  label: 'Молодые с наставником',
                  own: share(y.own?.coverage, y.own?.young_with_mentor, y.own?.young),
                  total: share(y.total?.coverage, y.total?.young_with_mentor, y.total?.young),
                  ratio: [y.own?.coverage ?? null, y.total?.coverage ?? null],
                },
                {
                  title: t('young_specialists', 'retention'),
                  label: 'Закрепление молодых',
                  own: share(y.own?.retention, y.own?.young_retained, y.own?.young_at_start),
                  total: share(y.total?.retention, y.total?.young_retained, y.total?.young_at_start),
                  ratio: [y.own?.retention ?? null, y.total?.retention ?? null],
                },
                {
                  title: t('professional_development', 'pd_coverage'),
                  label: 'Охват курсами ПК',
                  own: share(p.own?.pd_coverage, p.own?.trained, p.own?.teachers),
                  total: share(p.total?.pd_coverage, p.total?.trained, p.total?.teachers),
                  ratio: [p.own?.pd_coverage ?? null, p.total?.pd_coverage ?? null],
                },
                {
                  title: t('professional_development', 'hours_per_teacher'),
                  own: formatHours(p.own?.hours_per_teacher),
                  total: formatHours(p.total?.hours_per_teacher),
                },
                {
                  title: t('professional_development', 'mentors_trained_rate'),
                  label: 'Обученные наставники',
                  own: share(p.own?.mentors_trained_rate, p.own?.mentors_trained, p.own?.mentors_active),
                  total: share(p.total?.mentors_trained_rate, p.total?.mentors_trained, p.total?.mentors_active),
                  ratio: [p.own?.mentors_trained_rate ?? null, p.total?.mentors_trained_rate ?? null],
                },
                {
                  title: t('qualification_growth', 'share_end'),
                  label: 'С первой и высшей',
                  own: share(g.own?.share_end, g.own?.first_or_higher_end, g.own?.teachers),
                  total: share(g.total?.share_end, g.total?.first_or_higher_end, g.total?.teachers),
                  ratio: [g.own?.share_end ?? null, g.total?.share_end ?? null],
                },
                { title: t('qualification_growth', 'growth_pp'), own: formatPoints(g.own?.growth_pp), total: formatPoints(g.total?.growth_pp) },
                {
                  title: t('attestation_due', 'lapsing_12m'),
                  own: formatOutOf(a.own?.lapsing_12m, a.own?.teachers),
                  total: formatOutOf(a.total?.lapsing_12m, a.total?.teachers),
                },
                {
                  title: t('program_completion', 'completion_rate'),
                  label: 'Завершение ППН',
                  own: share(c.own?.completion_rate, c.own?.completed, c.own?.due),
                  total: share(c.total?.completion_rate, c.total?.completed, c.total?.due),
                  ratio: [c.own?.completion_rate ?? null, c.total?.completion_rate ?? null],
                },
              ];
              profile.setNote(`За период ${period}; в скобках — число из общего числа.`);
              profile.fillTable((table) =>
                renderTable(
                  table,
                  `${name}: показатели за период ${period}`,
                  'Показатель',
                  columnsOf(code),
                  lines.map((line) => ({ head: [line.title], cells: municipal ? [line.own, line.total] : [line.own] })),
                ),
              );
              const items: ProfileItem[] = lines
                .filter((line): line is Line & { ratio: [number | null, number | null]; label: string } => line.ratio !== undefined && line.label !== undefined)
                .map((line) => ({
                  label: line.label,
                  org: line.ratio[0],
                  total: line.ratio[1],
                  tip: { title: line.title, ...(note ? { '⚠ Внимание': note } : {}), [name]: line.own, ...(municipal ? { [MUNICIPALITY]: line.total } : {}) },
                }));
              await profile.chart(orgProfileSpec(items, { code: directory.label(code), name, totalLabel: municipal ? MUNICIPALITY : null }), chartFileName(`pokazateli-${code}`, filters));
            },
          },
          {
            panel: forms,
            run: async () => {
              const { rows } = await load.metric<PairsByFormRow>('pairs_by_form', all);
              const count = totalPairs(rows, code);
              if (count === 0) return forms.empty('В выбранном периоде у организации нет действующих наставнических пар.');
              forms.setNote(`Действующих пар в периоде: ${formatInteger(count)}.`);
              await forms.chart(pairsByFormSpec(rows, { org: code }), chartFileName(`pary-po-formam-${code}`, filters));
            },
          },
          {
            panel: topics,
            run: async () => {
              const [{ rows }, byForm] = await Promise.all([
                load.metric<PairsByTopicRow>('pairs_by_topic', all),
                load.metric<PairsByFormRow>('pairs_by_form', all).catch(() => null),
              ]);
              if (!rows.some((row) => row.org === code && row.pairs > 0)) return topics.empty('В выбранном периоде у организации нет действующих наставнических пар.');
              await topics.chart(
                pairsByTopicSpec(rows, { org: code, pairs: byForm ? totalPairs(byForm.rows, code) : undefined }),
                chartFileName(`pary-po-napravleniyam-${code}`, filters),
              );
            },
          },
          {
            panel: programs,
            run: async () => {
              const { rows } = await load.metric<ProgramCompletionRow>('program_completion', all);
              const { own, total } = pickRows(rows, code);
              if (!own) return programs.empty('Нет данных о программах организации.');
              const values = own as unknown as Record<string, unknown>;
              const totals = (total ?? {}) as Record<string, unknown>;
              programs.fillTable((table) =>
                renderTable(
                  table,
                  `Программы наставничества, ${period}`,
                  'Показатель',
                  columnsOf(code),
                  catalog.columns('program_completion').map((column) => {
                    const fmt = (value: unknown) =>
                      typeof value !== 'number' ? EMPTY : column.unit === 'доля' ? formatPercent(value) : formatInteger(value);
                    return { head: [column.title], cells: municipal ? [fmt(values[column.name]), fmt(totals[column.name])] : [fmt(values[column.name])] };
                  }),
                ),
              );
            },
          },
          {
            panel: compliance,
            run: async () => {
              const { rows } = await load.metric<ComplianceRow>('compliance', all);
              const own = rows.filter((row) => row.org === code && row.item !== null);
              const summary = rows.find((row) => row.org === code && row.item === null);
              if (own.length === 0) return compliance.empty('Нет сведений об исполнении распоряжения.');
              compliance.setNote(
                summary
                  ? `На ${formatDate(filters.to)}: не исполнены — ${summary.missing ?? 'нет'}; отчёт координатору (п. 4) — ${summary.report_date ? formatDate(summary.report_date) : 'не представлен'}.`
                  : null,
              );
              compliance.fillTable((table) =>
                renderTable(
                  table,
                  'Пункты 3.1, 3.3–3.7 распоряжения',
                  'Пункт',
                  [{ header: 'Срок', numeric: true }, { header: 'Исполнено', numeric: true }, { header: 'Итог' }],
                  own.map((row) => {
                    const status = STATUSES.find((candidate) => candidate.key === statusOf(row));
                    return {
                      head: [`${row.item}. ${orderItem(row.item ?? '').title}`],
                      cells: [formatDate(row.deadline), row.done_date ? formatDate(row.done_date) : 'нет', `${status?.sign ?? ''} ${status?.title.toLowerCase() ?? ''}`],
                    };
                  }),
                ),
              );
            },
          },
          {
            panel: quality,
            run: async () => {
              const { rows } = await load.metric<DataQualityRow>('data_quality', all);
              const own = rows.find((row) => row.org === code);
              if (!own) return quality.empty('Нет сведений о загрузке данных организации.');
              const facts: Array<[string, string]> = [
                [catalog.columnTitle('data_quality', 'last_success'), formatDateTime(own.last_success)],
                [catalog.columnTitle('data_quality', 'last_attempt'), formatDateTime(own.last_attempt)],
                ['Загружено строк', formatInteger(rowsLoaded(own))],
                [catalog.columnTitle('data_quality', 'rows_quarantined'), formatInteger(own.rows_quarantined)],
                [catalog.columnTitle('data_quality', 'errors'), formatInteger(own.errors)],
                // Every warning of the findings below, the categories that differ among them («Качество данных» counts so).
                [catalog.columnTitle('data_quality', 'warnings'), formatInteger(own.warnings + own.category_mismatches)],
                // Listed with the findings below as warnings: counted here too (the page said «Предупреждений 0» above one).
                ...(own.category_mismatches > 0 ? [[`Из них: ${catalog.columnTitle('data_quality', 'category_mismatches').replace(/^К/, 'к')}`, formatInteger(own.category_mismatches)] as [string, string]] : []),
              ];
              // A held load's reason is the box below: not twice.
              if (own.last_message && own.last_status !== 'held') facts.push([catalog.columnTitle('data_quality', 'last_message'), own.last_message]);
              const factList = h('dl', { className: 'facts' }, ...facts.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
              const nodes: HTMLElement[] = [factList];
              // The school that fixed its errors asks for a re-read itself (the coordinator too).
              if (canReread(code)) nodes.push(rereadBox(code, signal));
              // A held load: the previous data stays until the coordinator accepts the shrink.
              if (own.last_status === 'held' && session()?.role !== 'region') {
                nodes.unshift(holdBox(own.last_message ?? 'Загрузка задержана.', `/api/orgs/${encodeURIComponent(code)}/accept-shrink`, 'Принять уменьшение и загрузить'));
              }
              // The findings quote the cells (names): a regional account has the counts above only.
              if (session()?.role === 'region') return quality.setContent(...nodes);
              try {
                const response = await getQuality(new URLSearchParams({ org: code, ...(filters.asOf ? { as_of: filters.asOf } : {}) }), signal);
                // The tabs of its sheet with no row at all: a 0 % that is an empty sheet, not a school
                // without pairs (the two read alike: an outside review).
                const empty = response.orgs.find((o) => o.org === code)?.empty_tabs ?? [];
                if (empty.length > 0) {
                  factList.append(
                    h('dt', {}, 'Пустые листы'),
                    h('dd', { attrs: { 'data-fact': 'empty-tabs' } }, `${empty.map((t) => `«${t}»`).join(', ')} — в таблице организации на ${empty.length === 1 ? 'этом листе' : 'этих листах'} нет ни одной строки; показатели по ним — нули`),
                  );
                }
                // Errors first, then warnings and notes: cut to SHOWN_FINDINGS, the rest said to be
                // elsewhere (they were dropped without a word, always the same tabs': an outside review).
                const rank = (level: string) => (level === 'error' ? 0 : level === 'warning' ? 1 : 2);
                const list = response.issues.filter((issue) => issue.org === code).sort((a, b) => rank(a.level) - rank(b.level));
                if (list.length > 0) {
                  const items = h(
                    'ul',
                    { className: 'issue-list' },
                    ...list.slice(0, SHOWN_FINDINGS).map((issue) =>
                      h('li', {}, h('strong', {}, `${LEVEL_TEXT[issue.level] ?? issue.level}: `), issue.message),
                    ),
                  );
                  nodes.push(items);
                  if (list.length > SHOWN_FINDINGS) {
                    nodes.push(
                      h('p', { className: 'issue-list__more' }, `Показаны ${formatInteger(SHOWN_FINDINGS)} из ${formatInteger(list.length)} замечаний, сначала ошибки; все — на странице «Качество данных» и в выгрузке ниже.`),
                    );
                  }
                  nodes.push(findingsDownload([code], filters.asOf));
                }
              } catch (error) {
                if (!(error instanceof ApiError)) throw error;
                // The list is a detail; the counts above already tell whether there are problems.
              }
              nodes.push(
                h('p', {}, h('a', { attrs: { href: pageHref('/data-quality', { ...filters, type: null, orgs: [code] }) } }, 'Все ошибки организации на странице «Качество данных» →')),
              );
              quality.setContent(...nodes);
            },
          },
          {
            panel: changes,
            run: async () => {
              // The rows name people: a regional account has the counts above only.
              if (session()?.role === 'region') return changes.empty('Журнал изменений с ФИО доступен координатору и самой организации.');
              changes.setNote('Что менялось в таблице организации при последних синхронизациях: добавленные, изменённые и удалённые строки по листам.');
              changes.setContent(changesBox(await getChanges(code, signal)));
            },
          },
          trend.task({ ...filters, type: null, orgs: [code] }, new Loader({ ...filters, type: null, orgs: [code] }, signal)),
        ],
        signal,
      );
    },

    clear() {
      header.replaceChildren();
      for (const panel of panels) panel.reset();
    },

    dispose() {
      for (const panel of panels) panel.dispose();
    },
  };
}
