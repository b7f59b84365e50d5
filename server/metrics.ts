/**
 * The metric registry: each metric of docs/spec/METRICS.md is a SQL file in `queries/` (the file name is
 * the metric's name) plus its Russian title, description and columns. Parameters are validated
 * here with zod and bound by name; no SQL is ever built from user input.
 */
import { sqlOf } from './queries.ts';
import { z } from 'zod';
import { ORG_TYPES, enumMatcher } from './contract/index.ts';
import type { Db, Row } from './db.ts';
import { badRequest, notFound } from './errors.ts';
import { isoDate, one, orgCodes } from './params.ts';
import { academicYear, isoDay, lastDayOfYears, monthEnds } from './period.ts';

export type Unit = 'чел.' | 'доля' | 'ч' | 'п.п.' | 'шт.' | 'текст' | 'дата';

export interface MetricColumn {
  name: string;
  title: string;
  unit: Unit;
}

export interface MetricDef {
  name: string;
  /** A short title (≤ 31 characters): XLSX sheet names, navigation. */
  short: string;
  title: string;
  description: string;
  /** The order item the metric reports on, for the UI. */
  orderItem: string;
  /** Columns that identify a row besides the organization (e.g. `form`). */
  keys: MetricColumn[];
  columns: MetricColumn[];
  params: readonly ('from' | 'to' | 'org' | 'type' | 'grain')[];
}

const ORG_COLUMNS: MetricColumn[] = [
  { name: 'org', title: 'Код организации', unit: 'текст' },
  { name: 'org_name', title: 'Организация', unit: 'текст' },
  { name: 'org_type', title: 'Тип', unit: 'текст' },
];

const COMMON_PARAMS = ['from', 'to', 'org', 'type', 'grain'] as const;

const people = (name: string, title: string): MetricColumn => ({ name, title, unit: 'чел.' });
const share = (name: string, title: string): MetricColumn => ({ name, title, unit: 'доля' });
const count = (name: string, title: string): MetricColumn => ({ name, title, unit: 'шт.' });

export const METRICS: readonly MetricDef[] = [
  {
    name: 'engagement',
    short: 'Вовлечённость',
    title: 'Вовлечённость педагогов в наставничество',
    description:
      'Доля педагогов, работающих на конец периода, которые были наставниками или наставляемыми хотя бы в одной паре, действовавшей в периоде.',
    orderItem: '2.4',
    keys: [],
    columns: [
      people('teachers', 'Педагогов на конец периода'),
      people('mentors', 'Наставников'),
      people('mentees', 'Наставляемых'),
      people('engaged', 'Вовлечено (без повторов)'),
      share('engagement_rate', 'Доля вовлечённых'),
    ],
    params: COMMON_PARAMS,
  },
  {
    name: 'young_specialists',
    short: 'Молодые специалисты',
    title: 'Молодые специалисты: охват наставничеством и закрепление',
    description:
      'Сколько молодых специалистов имеют наставника и сколько из работавших в начале периода продолжают работать в конце.',
    orderItem: '2.1',
    keys: [],
    columns: [
      people('young', 'Молодых специалистов'),
      people('young_with_mentor', 'Из них с наставником'),
      share('coverage', 'Охват наставничеством'),
      people('young_at_start', 'Молодых специалистов на начало периода'),
      people('young_retained', 'Из них работают на конец периода'),
      share('retention', 'Закрепление'),
    ],
    params: COMMON_PARAMS,
  },
  {
    name: 'pairs_by_form',
    short: 'Пары по формам',
    title: 'Наставнические пары по формам наставничества',
    description: 'Пары, действовавшие в периоде, по формам; группа из трёх наставляемых — три пары.',
    orderItem: '2.1',
    keys: [{ name: 'form', title: 'Форма наставничества', unit: 'текст' }],
    columns: [count('pairs', 'Пар')],
    params: COMMON_PARAMS,
  },
  {
    name: 'pairs_by_topic',
    short: 'Пары по направлениям',
    title: 'Наставнические пары по направлениям',
    description: 'Пары, действовавшие в периоде, по направлениям (п. 2.1); пара с двумя направлениями учитывается в обоих.',
    orderItem: '2.1',
    keys: [{ name: 'topic', title: 'Направление', unit: 'текст' }],
    columns: [count('pairs', 'Пар')],
    params: COMMON_PARAMS,
  },
  {
    name: 'professional_development',
    short: 'Повышение квалификации',
    title: 'Повышение квалификации',
    description:
      'Доля педагогов, завершивших курсы повышения квалификации в периоде, часы обучения и подготовка наставников.',
    orderItem: '2.4',
    keys: [],
    columns: [
      people('teachers', 'Педагогов на конец периода'),
      people('trained', 'Прошли курсы в периоде'),
      share('pd_coverage', 'Охват повышением квалификации'),
      { name: 'hours', title: 'Часов обучения', unit: 'ч' },
      { name: 'hours_per_teacher', title: 'Часов на педагога', unit: 'ч' },
      people('mentors_active', 'Наставников в периоде'),
      people('mentors_trained', 'Из них обучены наставничеству'),
      share('mentors_trained_rate', 'Доля обученных наставников'),
    ],
    params: COMMON_PARAMS,
  },
  {
    name: 'qualification_growth',
    short: 'Рост категорий',
    title: 'Рост квалификационных категорий',
    description:
      'Повышение категорий в периоде, доля педагогов с первой и высшей категорией на начало и конец периода, и сравнение наставляемых с остальными.',
    orderItem: '2.4',
    keys: [],
    columns: [
      people('teachers', 'Педагогов на конец периода'),
      people('upgraded', 'Повысили категорию'),
      share('upgrade_rate', 'Доля повысивших'),
      people('first_or_higher_start', 'С первой и выше на начало'),
      people('first_or_higher_end', 'С первой и выше на конец'),
      share('share_start', 'Доля с первой и выше на начало'),
      share('share_end', 'Доля с первой и выше на конец'),
      { name: 'growth_pp', title: 'Прирост, п.п.', unit: 'п.п.' },
      people('mentees', 'Наставляемых'),
      people('mentees_upgraded', 'Наставляемых, повысивших категорию'),
      share('mentee_upgrade_rate', 'Доля повысивших среди наставляемых'),
      people('others', 'Остальных педагогов'),
      people('others_upgraded', 'Остальных, повысивших категорию'),
      share('other_upgrade_rate', 'Доля повысивших среди остальных'),
    ],
    params: COMMON_PARAMS,
  },
  {
    name: 'attestation_due',
    short: 'Истекающие категории',
    title: 'Истекающие категории',
    description:
      'Педагоги, чья категория истекает в ближайшие 12 месяцев после конца периода, и те, у кого категория истекла в периоде.',
    orderItem: '2.4',
    keys: [],
    columns: [
      people('teachers', 'Педагогов на конец периода'),
      people('lapsing_12m', 'Категория истекает в ближайшие 12 месяцев'),
      people('lapsed', 'Категория истекла в периоде'),
    ],
    params: COMMON_PARAMS,
  },
  {
    name: 'program_completion',
    short: 'Программы (ППН)',
    title: 'Персонализированные программы наставничества (ППН)',
    description:
      'Программы со сроком завершения в периоде: завершены, в срок, прекращены, просрочены; ход действующих программ; охват наставляемых программами.',
    orderItem: '2.4',
    keys: [],
    columns: [
      count('due', 'Срок завершения в периоде'),
      count('completed', 'Завершены'),
      count('completed_on_time', 'Завершены в срок'),
      count('terminated', 'Прекращены'),
      count('overdue', 'Просрочены'),
      share('completion_rate', 'Доля завершённых'),
      share('on_time_rate', 'Доля завершённых в срок'),
      count('active_programs', 'Реализуются'),
      count('events_planned', 'Мероприятий запланировано'),
      count('events_done', 'Мероприятий выполнено'),
      share('progress', 'Выполнение мероприятий'),
      people('mentees_active', 'Наставляемых в периоде'),
      people('mentees_with_program', 'Из них с программой'),
      share('program_coverage', 'Охват программами'),
      count('programs_approved', 'Утверждено программ'),
      count('programs_published', 'Из них размещены на сайте'),
      share('published_rate', 'Доля размещённых на сайте'),
    ],
    params: COMMON_PARAMS,
  },
  {
    name: 'compliance',
    short: 'Исполнение распоряжения',
    title: 'Исполнение распоряжения № 116-26-93 (п. 3)',
    description:
      'Исполнение пунктов 3.1, 3.3–3.7 на конец периода: в срок, с опозданием, не исполнено; по организации — какие пункты не исполнены, и дата отчёта (п. 4).',
    orderItem: '3',
    keys: [{ name: 'item', title: 'Пункт', unit: 'текст' }],
    columns: [
      { name: 'deadline', title: 'Срок', unit: 'дата' },
      { name: 'done_date', title: 'Дата исполнения', unit: 'дата' },
      count('done_on_time', 'Исполнено в срок'),
      count('done_late', 'Исполнено с опозданием'),
      count('not_done', 'Не исполнено'),
      share('on_time_share', 'Доля исполнивших в срок'),
      { name: 'missing', title: 'Не исполнены пункты', unit: 'текст' },
      { name: 'report_date', title: 'Дата отчёта (п. 4)', unit: 'дата' },
    ],
    params: COMMON_PARAMS,
  },
  {
    name: 'events',
    short: 'Мероприятия',
    title: 'Мероприятия: методические объединения наставников и сетевое взаимодействие',
    description:
      'Мероприятия с датой в периоде по видам и уровням: заседания методических объединений наставников (п. 2.3), семинары, конференции, договоры о сотрудничестве (п. 3.8); число мероприятий и сумма участников тех, где число участников указано.',
    orderItem: '2.3',
    keys: [
      { name: 'kind', title: 'Вид мероприятия', unit: 'текст' },
      { name: 'level', title: 'Уровень', unit: 'текст' },
    ],
    columns: [
      count('events', 'Мероприятий'),
      count('with_participants', 'Из них с указанным числом участников'),
      people('participants', 'Участников (сумма по мероприятиям)'),
    ],
    params: COMMON_PARAMS,
  },
  {
    name: 'data_quality',
    short: 'Качество данных',
    title: 'Качество данных',
    description:
      'Можно ли доверять цифрам: когда данные организации загружены, устарели ли они, сколько строк загружено и сколько отклонено.',
    orderItem: '2.4',
    keys: [],
    columns: [
      { name: 'last_success', title: 'Последняя успешная загрузка', unit: 'дата' },
      { name: 'last_attempt', title: 'Последняя попытка', unit: 'дата' },
      { name: 'last_status', title: 'Итог последней попытки', unit: 'текст' },
      { name: 'last_message', title: 'Причина', unit: 'текст' },
      { name: 'stale', title: 'Данные устарели', unit: 'текст' },
      count('teachers_rows', 'Строк «Педагоги»'),
      count('pairs_rows', 'Строк «Наставнические пары»'),
      count('programs_rows', 'Строк «Программы наставничества»'),
      count('courses_rows', 'Строк «Повышение квалификации»'),
      count('attestations_rows', 'Строк «Аттестация»'),
      count('compliance_rows', 'Строк «Исполнение распоряжения»'),
      count('rows_quarantined', 'Строк в карантине'),
      count('errors', 'Ошибок'),
      count('warnings', 'Предупреждений'),
      count('category_mismatches', 'Категория в «Педагогах» не совпадает с «Аттестацией»'),
    ],
    params: ['org', 'type'],
  },
  {
    name: 'overview',
    short: 'Обзор',
    title: 'Обзор',
    description: 'Главные показатели на первой странице.',
    orderItem: '2.4',
    keys: [],
    columns: [
      share('engagement_rate', 'Вовлечённость в наставничество'),
      share('coverage', 'Молодые специалисты с наставником'),
      share('pd_coverage', 'Охват повышением квалификации'),
      { name: 'growth_pp', title: 'Прирост доли с первой и высшей категорией, п.п.', unit: 'п.п.' },
      share('completion_rate', 'Завершение ППН'),
      count('orgs_fresh', 'Организаций со свежими данными'),
      count('orgs_active', 'Активных организаций'),
    ],
    params: COMMON_PARAMS,
  },
];

export function metricDef(name: string): MetricDef {
  const m = METRICS.find((x) => x.name === name);
  if (!m) throw notFound(`показатель «${name}» не найден; доступны: ${METRICS.map((x) => x.name).join(', ')}`);
  return m;
}

export function allColumns(m: MetricDef): MetricColumn[] {
  return [...ORG_COLUMNS, ...m.keys, ...m.columns];
}


// ---- parameters ------------------------------------------------------------------------

const matchType = enumMatcher(ORG_TYPES);

const paramsSchema = z.object({
  from: z.preprocess(one, isoDate.optional()),
  to: z.preprocess(one, isoDate.optional()),
  org: z.preprocess(
    orgCodes,
    z.array(z.string().max(60, 'слишком длинный код организации')).max(2000),
  ),
  type: z.preprocess(
    one,
    z
      .string()
      .optional()
      .transform((s, ctx) => {
        if (s === undefined || s === '') return null;
        const t = matchType(s);
        if (t === null) {
          ctx.addIssue({ code: 'custom', message: `неизвестный тип организации; допустимые: ${ORG_TYPES.map((x) => x.value).join(', ')}` });
          return z.NEVER;
        }
        return t;
      }),
  ),
  grain: z.preprocess(one, z.enum(['month', 'period'], { message: 'допустимо grain=month' }).optional()),
});

export interface MetricParams {
  from: string;
  to: string;
  org: string[];
  type: string | null;
  grain: 'month' | null;
}

const PARAM_TITLES: Record<string, string> = { from: 'from (начало периода)', to: 'to (конец периода)', org: 'org', type: 'type', grain: 'grain' };

/**
 * The longest period: 10 years, counted as a coordinator counts academic years — `to` at most
 * the day before the same date 10 years after `from`, so 2015-09-01…2025-08-31 (ten academic
 * years) is accepted and 2015-09-01…2025-09-01 is not. Far past or future dates within it are
 * fine. The bound is there because the cost of an answer grows with the period (issue #17).
 */
export const MAX_PERIOD_YEARS = 10;
/** The most month ends in a `grain=month` trend: each month is one computation of the metric. */
export const MAX_TREND_MONTHS = 120;

/** «121 месяц», «122 месяца», «125 месяцев». */
function monthsWord(n: number): string {
  const [d10, d100] = [n % 10, n % 100];
  const word = d10 === 1 && d100 !== 11 ? 'месяц' : d10 >= 2 && d10 <= 4 && (d100 < 12 || d100 > 14) ? 'месяца' : 'месяцев';
  return `${n} ${word}`;
}

/** Validates query parameters; defaults: the academic year containing today. */
export function parseParams(query: Record<string, unknown>, now: Date): MetricParams {
  const res = paramsSchema.safeParse(query);
  if (!res.success) {
    const i = res.error.issues[0]!;
    const key = String(i.path[0] ?? '');
    throw badRequest(`неверный параметр ${PARAM_TITLES[key] ?? key}: ${i.message}`);
  }
  const year = academicYear(isoDay(now));
  const from = res.data.from ?? (res.data.to ? academicYear(res.data.to).from : year.from);
  const to = res.data.to ?? (res.data.from ? academicYear(res.data.from).to : year.to);
  if (to < from) throw badRequest(`конец периода (${to}) раньше его начала (${from})`);
  const last = lastDayOfYears(from, MAX_PERIOD_YEARS);
  if (to > last) {
    throw badRequest(
      `период ${from}…${to} длиннее ${MAX_PERIOD_YEARS} лет: при начале ${from} конец периода — не позже ${last} (например, 2015-09-01…2025-08-31 — десять учебных лет)`,
    );
  }
  const grain = res.data.grain === 'month' ? 'month' : null;
  if (grain === 'month') {
    const months = monthEnds(from, to).length;
    if (months > MAX_TREND_MONTHS) {
      throw badRequest(
        `помесячная динамика (grain=month) — не больше ${MAX_TREND_MONTHS} месяцев, а в периоде ${from}…${to} ${monthsWord(months)} (считаются месяцы, конец которых внутри периода); сократите период`,
      );
    }
  }
  return { from, to, org: res.data.org, type: res.data.type, grain };
}

// ---- running ---------------------------------------------------------------------------

export interface MetricResult {
  metric: string;
  params: MetricParams;
  rows: Row[];
}

type Period = { from: string; to: string; org: string[]; type: string | null };

/**
 * `overview` has no SQL of its own: its tiles are the totals of other metrics, so it reads
 * them (one formula per number, nowhere copied) and adds the freshness of the data.
 */
async function runOverview(db: Db, p: Period, via: Components | undefined, signal: AbortSignal | undefined): Promise<Row[]> {
  // All six settle before a failure is passed on: after a timeout, every interrupted query is
  // back in its lane by the time the request is answered.
  const parts = await Promise.allSettled(
    ['engagement', 'young_specialists', 'professional_development', 'qualification_growth', 'program_completion', 'data_quality'].map(
      async (name) => (via ? (await via(name, { ...p, grain: null })).rows : runOnce(db, metricDef(name), p, undefined, signal)),
    ),
  );
  const failed = parts.find((x) => x.status === 'rejected');
  if (failed) throw failed.reason;
  const [eng, young, pd, growth, prog, quality] = parts.map((x) => (x as PromiseFulfilledResult<Row[]>).value);
  const active = new Set(
    (await db.metricQuery(`SELECT code FROM orgs WHERE active AND in_registry`, {}, signal)).map((r) => String(r.code)),
  );
  const byOrg = (rows: Row[] | undefined) => new Map((rows ?? []).map((r) => [r.org as string | null, r]));
  const [y, d, g, c, q] = [young, pd, growth, prog, quality].map(byOrg) as Map<string | null, Row>[];
  let fresh = 0;
  let activeCount = 0;
  const rows = (eng ?? []).map((e) => {
    const org = e.org as string | null;
    const row: Row = {
      org,
      org_name: e.org_name,
      org_type: e.org_type,
      engagement_rate: e.engagement_rate,
      coverage: y!.get(org)?.coverage ?? null,
      pd_coverage: d!.get(org)?.pd_coverage ?? null,
      growth_pp: g!.get(org)?.growth_pp ?? null,
      completion_rate: c!.get(org)?.completion_rate ?? null,
    };
    if (org !== null) {
      const isActive = active.has(org);
      const qr = q!.get(org);
      const isFresh = isActive && qr !== undefined && qr.stale === false && qr.last_success !== null;
      row.orgs_fresh = isFresh ? 1 : 0;
      row.orgs_active = isActive ? 1 : 0;
      fresh += row.orgs_fresh as number;
      activeCount += row.orgs_active as number;
    }
    return row;
  });
  const total = rows.find((r) => r.org === null);
  if (total) Object.assign(total, { orgs_fresh: fresh, orgs_active: activeCount });
  return rows;
}

/** How `overview` gets the answers it is made of: a cache, or (default) straight from SQL. */
export type Components = (name: string, params: MetricParams) => Promise<MetricResult>;

async function runOnce(db: Db, m: MetricDef, p: Period, via?: Components, signal?: AbortSignal): Promise<Row[]> {
  if (m.name === 'overview') return runOverview(db, p, via, signal);
  const sql = sqlOf(m.name);
  const all = { from: p.from, to: p.to, orgs: p.org, type: p.type };
  // DuckDB refuses a bound name the statement does not use: bind only those the file names.
  const code = sql.replace(/--.*$/gm, '');
  const used = Object.fromEntries(Object.entries(all).filter(([k]) => new RegExp(`\\$${k}\\b`).test(code)));
  return db.metricQuery(sql, used, signal);
}

export interface RunOptions {
  /**
   * The request's deadline: when it aborts, the running query is interrupted and the answer
   * rejects with `signal.reason` (the months of a trend all run under the same signal).
   */
  signal?: AbortSignal;
}

/** Computes a metric on the metric lane of the database (Db.metricQuery). */
export async function runMetric(db: Db, name: string, params: MetricParams, via?: Components, opts: RunOptions = {}): Promise<MetricResult> {
  const m = metricDef(name);
  const { signal } = opts;
  if (params.grain !== 'month') return { metric: m.name, params, rows: await runOnce(db, m, params, via, signal) };
  // The trend: the same formula with `to` set to each month end inside the period, `from` kept.
  const rows: Row[] = [];
  for (const end of monthEnds(params.from, params.to)) {
    signal?.throwIfAborted();
    for (const r of await runOnce(db, m, { ...params, to: end }, via, signal)) rows.push({ month: end, ...r });
  }
  return { metric: m.name, params, rows };
}
