/**
 * The metrics, declared once: name, Russian titles and description, the order item, the
 * parameters, and the columns (title, unit, kind). Everything else derives from here: the
 * server's registry and API listing (server/metrics/metrics.ts adds each metric's SQL,
 * `queries/<name>.sql`), the client's row types (`MetricRow<'engagement'>`), the report's and
 * the exports' metric lists, docs/metrics.md (`npm run docs`), the tests' lists and the mock API.
 * Pure data and types: the server and the client both import it.
 */

/** What a column's number means: people, a share 0…1, hours, percentage points, pieces; or text, a date. */
export type Unit = 'чел.' | 'доля' | 'ч' | 'п.п.' | 'шт.' | 'текст' | 'дата';

/**
 * How a value comes in the JSON: `count` a number (0 when nothing); `ratio` and `measure` a number
 * or null (a share or an average whose denominator is 0); `text` and `date` (`YYYY-MM-DD`) a string
 * or null; `flag` true, false or null; `key` a string that is never null (a key column every row has).
 */
export type ColumnKind = 'count' | 'ratio' | 'measure' | 'text' | 'date' | 'moment' | 'flag' | 'key';

export interface MetricColumn {
  readonly name: string;
  readonly title: string;
  readonly unit: Unit;
  readonly kind?: ColumnKind;
  /** The values a text column can hold (its type in the client is their union). */
  readonly values?: readonly string[];
  /** Each of `values` in the coordinator's words: what the dashboard, XLSX and titled CSV show instead of the code. */
  readonly labels?: Readonly<Record<string, string>>;
}

export type MetricParamName = 'from' | 'to' | 'org' | 'type' | 'grain' | 'as_of';

export interface MetricDecl {
  readonly name: string;
  /** A short title (≤ 31 characters): XLSX sheet names, navigation. */
  readonly short: string;
  readonly title: string;
  readonly description: string;
  /** The order item the metric reports on, for the UI. */
  readonly orderItem: string;
  /** Columns that identify a row besides the organization (e.g. `form`). */
  readonly keys: readonly MetricColumn[];
  readonly columns: readonly MetricColumn[];
  readonly params: readonly MetricParamName[];
  /** A composite: its row is made of these metrics' totals (and counts of organizations); it has no SQL of its own. */
  readonly parts?: readonly string[];
}

/** The columns every metric row starts with: the organization (null in the total row). */
export const ORG_COLUMNS = [
  { name: 'org', title: 'Код организации', unit: 'текст', kind: 'text' },
  { name: 'org_name', title: 'Организация', unit: 'текст', kind: 'text' },
  { name: 'org_type', title: 'Тип', unit: 'текст', kind: 'text' },
] as const satisfies readonly MetricColumn[];

const COMMON_PARAMS = ['from', 'to', 'org', 'type', 'grain', 'as_of'] as const;

const col = <N extends string, U extends Unit, K extends ColumnKind>(name: N, title: string, unit: U, kind: K) => ({ name, title, unit, kind }) as const;
const people = <N extends string>(name: N, title: string) => col(name, title, 'чел.', 'count');
const count = <N extends string>(name: N, title: string) => col(name, title, 'шт.', 'count');
const share = <N extends string>(name: N, title: string) => col(name, title, 'доля', 'ratio');
const hours = <N extends string>(name: N, title: string) => col(name, title, 'ч', 'measure');
const points = <N extends string>(name: N, title: string) => col(name, title, 'п.п.', 'measure');
const text = <N extends string>(name: N, title: string) => col(name, title, 'текст', 'text');
const date = <N extends string>(name: N, title: string) => col(name, title, 'дата', 'date');
/** A moment, `YYYY-MM-DD HH:MM:SS` in UTC (an organization's last load). */
const moment = <N extends string>(name: N, title: string) => col(name, title, 'дата', 'moment');
const flag = <N extends string>(name: N, title: string) => col(name, title, 'текст', 'flag');
/** A key that every row has (a total row per key value keeps it): never null. */
const key = <N extends string>(name: N, title: string) => col(name, title, 'текст', 'key');
/** Text from a fixed list of values (or null): the API sends the code, people read its label. */
const status = <N extends string, V extends string>(name: N, title: string, labels: Readonly<Record<V, string>>) =>
  ({ ...col(name, title, 'текст', 'text'), values: Object.keys(labels) as V[], labels }) as const;

/** How the last read of an organization ended (`held`: kept back by the shrink guard, awaits the coordinator), in the coordinator's words. */
export const SYNC_STATUS_LABELS = {
  ok: 'загружены',
  unchanged: 'без изменений',
  failed: 'не удалось',
  held: 'задержаны до подтверждения',
} as const satisfies Record<string, string>;
export const SYNC_STATUSES = Object.keys(SYNC_STATUS_LABELS) as (keyof typeof SYNC_STATUS_LABELS)[];

/** A value of a column as people read it: a status code in words, anything else as it is. */
export function columnLabel(column: MetricColumn, value: string): string {
  return column.labels?.[value] ?? value;
}

/** A finding's level in words: the «Качество данных» page and the findings workbook say it alike. */
export const FINDING_LEVEL_LABELS: Readonly<Record<string, string>> = { error: 'ошибка', warning: 'предупреждение', notice: 'замечание' };

/** How the last read of an organization ended, in words (a code not in the list as it is). */
export function syncStatusText(status: string): string {
  return (SYNC_STATUS_LABELS as Readonly<Record<string, string>>)[status] ?? status;
}

export const METRICS = [
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
    keys: [key('form', 'Форма наставничества')],
    columns: [count('pairs', 'Пар')],
    params: COMMON_PARAMS,
  },
  {
    name: 'pairs_by_topic',
    short: 'Пары по направлениям',
    title: 'Наставнические пары по направлениям',
    description: 'Пары, действовавшие в периоде, по направлениям (п. 2.1); пара с двумя направлениями учитывается в обоих.',
    orderItem: '2.1',
    keys: [key('topic', 'Направление')],
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
      hours('hours', 'Часов обучения'),
      hours('hours_per_teacher', 'Часов на педагога'),
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
      points('growth_pp', 'Прирост, п.п.'),
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
      'Педагоги, чья категория истекает в течение 12 месяцев после конца периода, и те, у кого срок категории кончается в периоде (пока период идёт — в том числе позже сегодняшнего дня).',
    orderItem: '2.4',
    keys: [],
    columns: [
      people('teachers', 'Педагогов на конец периода'),
      people('lapsing_12m', 'Категория истекает в 12 месяцев после конца периода'),
      people('lapsed', 'Срок категории кончается в периоде'),
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
    keys: [text('item', 'Пункт')],
    columns: [
      date('deadline', 'Срок'),
      date('done_date', 'Дата исполнения'),
      count('done_on_time', 'Исполнено в срок'),
      count('done_late', 'Исполнено с опозданием'),
      count('not_done', 'Не исполнено'),
      share('on_time_share', 'Доля исполнивших в срок'),
      text('missing', 'Не исполнены пункты'),
      date('report_date', 'Дата отчёта (п. 4)'),
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
      key('kind', 'Вид мероприятия'),
      key('level', 'Уровень'),
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
      moment('last_success', 'Последняя успешная загрузка'),
      moment('last_attempt', 'Последняя попытка'),
      status('last_status', 'Итог последней попытки', SYNC_STATUS_LABELS),
      text('last_message', 'Причина'),
      flag('stale', 'Данные устарели'),
      count('teachers_rows', 'Строк «Педагоги»'),
      count('pairs_rows', 'Строк «Наставнические пары»'),
      count('programs_rows', 'Строк «Программы наставничества»'),
      count('courses_rows', 'Строк «Повышение квалификации»'),
      count('attestations_rows', 'Строк «Аттестация»'),
      count('compliance_rows', 'Строк «Исполнение распоряжения»'),
      count('practices_rows', 'Строк «Лучшие практики»'),
      count('events_rows', 'Строк «Мероприятия»'),
      count('rows_quarantined', 'Строк в карантине'),
      count('errors', 'Ошибок'),
      count('warnings', 'Предупреждений'),
      count('category_mismatches', 'Категория в «Педагогах» не совпадает с «Аттестацией»'),
    ],
    params: ['org', 'type', 'as_of'],
  },
  {
    name: 'overview',
    short: 'Обзор',
    title: 'Обзор',
    description: 'Главные показатели на первой странице.',
    orderItem: '2.4',
    parts: ['engagement', 'young_specialists', 'professional_development', 'qualification_growth', 'program_completion', 'data_quality'],
    keys: [],
    columns: [
      share('engagement_rate', 'Вовлечённость в наставничество'),
      share('coverage', 'Молодые специалисты с наставником'),
      share('pd_coverage', 'Охват повышением квалификации'),
      points('growth_pp', 'Прирост доли с первой и высшей категорией, п.п.'),
      share('completion_rate', 'Завершение ППН'),
      count('orgs_fresh', 'Организаций со свежими данными'),
      count('orgs_active', 'Активных организаций'),
    ],
    params: COMMON_PARAMS,
  },
] as const satisfies readonly MetricDecl[];

export type MetricName = (typeof METRICS)[number]['name'];

/** The metrics with SQL of their own (the report prints them, one section each): all but the composites. */
export const SECTION_METRICS = METRICS.filter((m) => !('parts' in m)).map((m) => m.name) as readonly Exclude<MetricName, 'overview'>[];

type DeclOf<N extends MetricName> = Extract<(typeof METRICS)[number], { name: N }>;
/** The type of a column's value in the JSON, from its kind (and its list of values). */
type ValueOf<C> = C extends { values: readonly (infer V)[] } ? V | null
  : C extends { kind: 'count' } ? number
  : C extends { kind: 'key' } ? string
  : C extends { kind: 'flag' } ? boolean | null
  : C extends { kind: 'text' | 'date' | 'moment' } ? string | null
  : number | null;

/** Every metric row names its organization; the total row has `org: null`. */
export interface OrgRow {
  org: string | null;
  org_name: string | null;
  org_type: string | null;
  /** Month end (`YYYY-MM-DD`), only with `grain=month`. */
  month?: string;
}

/** A row of metric N as the API sends it: the organization, the keys (null in a total over them), the columns. */
export type MetricRow<N extends MetricName> = OrgRow & { [C in DeclOf<N>['keys'][number] as C['name']]: ValueOf<C> } & {
  [C in DeclOf<N>['columns'][number] as C['name']]: ValueOf<C>;
};
