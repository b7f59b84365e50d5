/**
 * The spreadsheet contract (docs/spec/CONTRACT.md) as the one machine-readable declaration.
 * The zod row schemas, the DuckDB DDL, the generated docs page and the templates all derive
 * from this file; nothing about a tab is written anywhere else.
 */

export interface EnumValue {
  /** The canonical value, stored in the database and shown to users. */
  value: string;
  /** Other spellings schools use; matched after normalization (see matchKey). */
  aliases?: readonly string[];
}

export type ColumnType =
  /** `name`: a person's name (the teachers' «ФИО»): it has letters — a number or a checkbox is no one. */
  | { kind: 'text'; maxLength: number; name?: true }
  | { kind: 'date'; minYear: number }
  | { kind: 'number'; min: number; max: number; integer: boolean }
  | { kind: 'yesno' }
  | { kind: 'enum'; values: readonly EnumValue[] }
  | { kind: 'enumList'; values: readonly EnumValue[] }
  | { kind: 'category' }
  /** A reference to a row of `Педагоги` (of this organization, or `ФИО (КОД-ОО)` when crossOrg). */
  | { kind: 'person'; crossOrg: boolean }
  /** An item of the order, `3.1` … `3.13`. */
  | { kind: 'item' };

export interface ColumnDecl {
  /** Database column name (English). */
  key: string;
  /** The header text schools see. */
  header: string;
  aliases: readonly string[];
  type: ColumnType;
  required: boolean;
  /** Russian note for the docs and the template. */
  note: string;
}

export interface TabDecl {
  /** Internal key, also the DuckDB table name. */
  key: TabKey;
  title: string;
  required: boolean;
  note: string;
  columns: readonly ColumnDecl[];
}

export type TabKey =
  | 'teachers'
  | 'pairs'
  | 'programs'
  | 'courses'
  | 'attestations'
  | 'compliance'
  | 'practices'
  | 'events';

const text = (maxLength = 500): ColumnType => ({ kind: 'text', maxLength });
/** Dates in the sheets are this century's, except hire dates, which may be decades old. */
const date = (minYear = 2000): ColumnType => ({ kind: 'date', minYear });
const int = (min: number, max: number): ColumnType => ({ kind: 'number', min, max, integer: true });
const yesno: ColumnType = { kind: 'yesno' };
const category: ColumnType = { kind: 'category' };
const person = (crossOrg = false): ColumnType => ({ kind: 'person', crossOrg });

function col(
  key: string,
  header: string,
  type: ColumnType,
  required: boolean,
  aliases: readonly string[] = [],
  note = '',
): ColumnDecl {
  return { key, header, aliases, type, required, note };
}

export const ORG_TYPES: readonly EnumValue[] = [
  { value: 'Школа', aliases: ['ОУ', 'СОШ', 'общеобразовательная организация'] },
  { value: 'Детский сад', aliases: ['ДОУ', 'дошкольная образовательная организация', 'детсад'] },
  { value: 'Дополнительное образование', aliases: ['ДО', 'УДО', 'организация дополнительного образования'] },
  { value: 'Другое' },
];

/** Category order (rank) of docs/spec/CONTRACT.md 2.5; the two 2023 categories share rank 4. */
export const CATEGORIES: readonly (EnumValue & { rank: number })[] = [
  {
    value: 'Без категории',
    rank: 0,
    aliases: ['нет', 'б/к', 'бк', 'без кат.', 'без квалификационной категории', 'не имеет', 'отсутствует'],
  },
  {
    value: 'Соответствие занимаемой должности',
    rank: 1,
    aliases: ['СЗД', 'соответствие', 'соответствие должности', 'соответствие занимаемой должности (СЗД)'],
  },
  {
    value: 'Первая',
    rank: 2,
    aliases: [
      '1',
      'I',
      'первая категория',
      'первая кв. категория',
      'первая квалификационная категория',
      '1 категория',
      '1 кв. категория',
      '1 квалификационная категория',
    ],
  },
  {
    value: 'Высшая',
    rank: 3,
    aliases: ['высшая категория', 'высшая кв. категория', 'высшая квалификационная категория', 'ВКК'],
  },
  { value: 'Педагог-методист', rank: 4, aliases: ['методист'] },
  { value: 'Педагог-наставник', rank: 4, aliases: [] },
];

/** Category ranks at or above this are "first or higher" (METRICS qualification_growth). */
export const FIRST_OR_HIGHER_RANK = 2;

export const FORMS: readonly EnumValue[] = [
  { value: 'Традиционная (один на один)', aliases: ['традиционная', 'один на один', 'индивидуальная'] },
  { value: 'Групповая' },
  { value: 'Виртуальная (дистанционная)', aliases: ['виртуальная', 'дистанционная'] },
  { value: 'Краткосрочная (целеполагающая)', aliases: ['краткосрочная', 'целеполагающая'] },
  { value: 'Реверсивная' },
  { value: 'Ситуационная' },
  { value: 'Скоростная' },
  { value: 'Руководитель – педагог' },
  { value: 'Педагог – педагог' },
  { value: 'Другое' },
];

export const TOPICS: readonly EnumValue[] = [
  { value: 'Предметное содержание' },
  { value: 'Методика обучения и преподавания', aliases: ['методика обучения', 'методика преподавания'] },
  { value: 'Воспитательная деятельность' },
  { value: 'Организация урочной и внеурочной деятельности' },
  { value: 'Психолого-педагогическое сопровождение' },
];

export const PAIR_STATUSES: readonly EnumValue[] = [
  { value: 'Действует', aliases: ['действующая', 'активна', 'активная'] },
  { value: 'Завершена', aliases: ['завершено', 'завершён', 'завершен'] },
  { value: 'Прекращена досрочно', aliases: ['прекращена', 'расторгнута'] },
];

export const PROGRAM_STATUSES: readonly EnumValue[] = [
  { value: 'Разрабатывается', aliases: ['в разработке'] },
  { value: 'Реализуется', aliases: ['в работе', 'реализуется (в работе)'] },
  { value: 'Завершена', aliases: ['завершено', 'выполнена', 'реализована'] },
  { value: 'Прекращена', aliases: ['прекращена досрочно', 'прекращено'] },
];

export const EVENT_KINDS: readonly EnumValue[] = [
  { value: 'Заседание МО наставников', aliases: ['заседание МО', 'МО наставников'] },
  { value: 'Совещание' },
  { value: 'Семинар' },
  { value: 'Вебинар' },
  { value: 'Конференция' },
  { value: 'Форум' },
  { value: 'Договор о сотрудничестве', aliases: ['договор'] },
  { value: 'Другое' },
];

export const EVENT_LEVELS: readonly EnumValue[] = [
  { value: 'ОО', aliases: ['уровень ОО', 'школьный', 'образовательная организация'] },
  { value: 'Муниципальный' },
  { value: 'Межмуниципальный' },
  { value: 'Региональный' },
];

/** Items of the order (section 3) with deadlines; `null` = a standing duty (постоянно). */
export const ORDER_ITEMS: readonly { item: string; deadline: string | null }[] = [
  { item: '3.1', deadline: '2023-03-01' },
  { item: '3.2', deadline: null },
  { item: '3.3', deadline: '2023-03-01' },
  { item: '3.4', deadline: '2023-03-01' },
  { item: '3.5', deadline: '2023-03-01' },
  { item: '3.6', deadline: '2023-03-31' },
  { item: '3.7', deadline: '2023-03-31' },
  { item: '3.8', deadline: null },
  { item: '3.9', deadline: null },
  { item: '3.10', deadline: null },
  { item: '3.11', deadline: null },
  { item: '3.12', deadline: null },
  { item: '3.13', deadline: null },
];
/** Item 4: the report on item 3 is due on this date. */
export const ORDER_REPORT_DEADLINE = '2023-03-06';

export const REGISTRY_TAB = {
  title: 'Организации',
  columns: [
    col('code', 'Код', text(40), true, [], 'уникальный короткий код, например СОШ-2, ДОУ-21'),
    col('name', 'Наименование', text(300), true, [], 'полное наименование'),
    col('type', 'Тип', { kind: 'enum', values: ORG_TYPES }, true),
    col('sheet', 'Таблица', text(500), true, ['ID таблицы', 'Ссылка'], 'ID таблицы или её полный адрес'),
    col('curator', 'Куратор', text(200), false, [], 'куратор наставничества в организации (п. 3.4)'),
    col('active', 'Активна', yesno, false, [], 'по умолчанию «Да»; «Нет» — не синхронизировать, история сохраняется'),
    col(
      'contact',
      'E-mail ответственного',
      text(500),
      false,
      ['Email ответственного', 'Электронная почта ответственного', 'E-mail ответственного лица'],
      'кому писать напоминания об ошибках в таблице организации; несколько адресов — через запятую; пусто — не писать',
    ),
  ],
} as const satisfies { title: string; columns: readonly ColumnDecl[] };

export const TABS: readonly TabDecl[] = [
  {
    key: 'teachers',
    title: 'Педагоги',
    required: true,
    note: 'каждый педагогический работник — одна строка',
    columns: [
      col('fio', 'ФИО', { kind: 'text', maxLength: 200, name: true }, true, ['Фамилия Имя Отчество', 'Педагог'], 'идентичность в организации'),
      col('code', 'Код', text(60), false, ['Табельный номер'], 'если указан, педагог определяется по коду (однофамильцы)'),
      col('position', 'Должность', text(200), true, [], 'учитель, воспитатель, педагог-психолог, …'),
      col('subject', 'Предмет', text(300), false, ['Предмет / направление']),
      col('hired', 'Дата приёма', date(1940), false, ['Дата приема'], 'пусто — работает с начала любого периода'),
      col('dismissed', 'Дата увольнения', date(1940), false, [], 'пусто — работает'),
      col('experience', 'Педагогический стаж', { kind: 'number', min: 0, max: 60, integer: false }, false, ['Стаж', 'Стаж (лет)'], 'лет на дату синхронизации'),
      col('young', 'Молодой специалист', yesno, false, [], 'пусто — по стажу: меньше 3 лет'),
      col('category', 'Категория', category, true, ['Квалификационная категория'], 'категория, которая действует сейчас'),
      col('is_mentor', 'Наставник', yesno, false, ['Является наставником']),
      col('mentor_trained', 'Обучение наставников', yesno, false, ['Прошёл обучение наставников', 'Прошел обучение наставников']),
    ],
  },
  {
    key: 'pairs',
    title: 'Наставнические пары',
    required: true,
    note: 'одна строка — одна связь наставник–наставляемый (группа — несколько строк)',
    columns: [
      col('mentor', 'Наставник', person(true), true, ['ФИО наставника'], 'педагог этой организации или «ФИО (КОД-ОО)» из другой'),
      col('mentee', 'Наставляемый', person(), true, ['ФИО наставляемого']),
      col('form', 'Форма', { kind: 'enum', values: FORMS }, true, ['Форма наставничества']),
      col('topics', 'Направление', { kind: 'enumList', values: TOPICS }, true, ['Направления', 'Вопросы'], 'несколько — через «;»'),
      col('start_date', 'Дата начала', date(), true),
      col('end_plan', 'Дата окончания (план)', date(), false, ['Плановая дата окончания']),
      col('end_fact', 'Дата окончания (факт)', date(), false, ['Фактическая дата окончания'], 'обязательна, если статус не «Действует»'),
      col('status', 'Статус', { kind: 'enum', values: PAIR_STATUSES }, true),
    ],
  },
  {
    key: 'programs',
    title: 'Программы наставничества',
    required: true,
    note: 'персонализированные программы наставничества (ППН)',
    columns: [
      col('mentee', 'Наставляемый', person(), true),
      col('mentor', 'Наставник', person(true), true, [], 'пара должна быть на листе «Наставнические пары»'),
      col('title', 'Название', text(500), false, ['Тема', 'Цель']),
      col('approved', 'Дата утверждения', date(), true),
      col('end_plan', 'Дата завершения (план)', date(), true, [], 'не раньше даты утверждения'),
      col('end_fact', 'Дата завершения (факт)', date(), false, [], 'обязательна для статусов «Завершена» и «Прекращена»'),
      col('events_planned', 'Мероприятий запланировано', int(0, 10000), true, ['План мероприятий']),
      col('events_done', 'Мероприятий выполнено', int(0, 10000), true, ['Выполнено мероприятий'], 'не больше запланированных'),
      col('status', 'Статус', { kind: 'enum', values: PROGRAM_STATUSES }, true),
      col('published', 'Размещена на сайте', yesno, false, [], 'п. 2.2 распоряжения'),
    ],
  },
  {
    key: 'courses',
    title: 'Повышение квалификации',
    required: true,
    note: 'завершённые курсы повышения квалификации',
    columns: [
      col('person', 'ФИО', person(), true, ['Педагог']),
      col('program', 'Программа', text(500), true, ['Название программы', 'Курс']),
      col('hours', 'Часов', int(1, 2000), true, ['Объём, часов', 'Объем, часов', 'Объём', 'Объем']),
      col('end_date', 'Дата окончания', date(), true, ['Дата']),
      col('mentoring_topic', 'Тема наставничества', yesno, false, ['По теме наставничества'], 'по умолчанию «Нет»'),
      col('organizer', 'Организатор', text(300), false),
    ],
  },
  {
    key: 'attestations',
    title: 'Аттестация',
    required: true,
    note: 'каждое решение о категории',
    columns: [
      col('person', 'ФИО', person(), true, ['Педагог']),
      col('order_date', 'Дата приказа', date(), true, ['Дата присвоения']),
      col('category', 'Присвоена категория', category, true, ['Категория']),
      col('prev_category', 'Прежняя категория', category, false, [], 'пусто — по предыдущим строкам или «Без категории»'),
    ],
  },
  {
    key: 'compliance',
    title: 'Исполнение распоряжения',
    required: false,
    note: 'пункт 3 распоряжения № 116-26-93',
    columns: [
      col('item', 'Пункт', { kind: 'item' }, true, [], '3.1 … 3.13'),
      col('done_date', 'Дата исполнения', date(), false, [], 'пусто — не исполнено'),
      col('document', 'Документ', text(500), false, [], 'номер и дата локального акта или ссылка'),
    ],
  },
  {
    key: 'practices',
    title: 'Лучшие практики',
    required: false,
    note: 'банк лучших практик (п. 2.2)',
    columns: [
      col('title', 'Название', text(500), true),
      col('author', 'Автор', person(), true),
      col('topic', 'Направление', { kind: 'enum', values: TOPICS }, false),
      col('link', 'Ссылка', text(1000), false),
      col('practice_date', 'Дата', date(), false),
    ],
  },
  {
    key: 'events',
    title: 'Мероприятия',
    required: false,
    note: 'мероприятия (пп. 2.3, 3.8)',
    columns: [
      col('event_date', 'Дата', date(), true),
      col('kind', 'Вид', { kind: 'enum', values: EVENT_KINDS }, true),
      col('title', 'Название', text(500), false),
      col('level', 'Уровень', { kind: 'enum', values: EVENT_LEVELS }, false),
      col('participants', 'Участников', int(0, 100000), false),
    ],
  },
];

export function tabDecl(key: TabKey): TabDecl {
  const t = TABS.find((x) => x.key === key);
  if (!t) throw new Error(`unknown tab ${key}`);
  return t;
}
