/** The demo municipality (server/sources/demo/): contract vocabulary. */
import { CATEGORIES, EVENT_KINDS, EVENT_LEVELS, type EnumValue, FORMS, ORG_TYPES, PAIR_STATUSES, PROGRAM_STATUSES, TABS, TOPICS, type TabKey } from '../../contract/declaration.ts';

export function tabDecl(key: TabKey) {
  const t = TABS.find((x) => x.key === key);
  if (!t) throw new Error(`demo: the contract has no tab ${key}`);
  return t;
}

/** A value of a contract enumeration, checked at load so a renamed value fails loudly. */
function ev(values: readonly EnumValue[], value: string): string {
  if (!values.some((v) => v.value === value)) throw new Error(`demo: «${value}» is not in the contract`);
  return value;
}

export const FORM = {
  traditional: ev(FORMS, 'Традиционная (один на один)'),
  group: ev(FORMS, 'Групповая'),
  virtual: ev(FORMS, 'Виртуальная (дистанционная)'),
  shortTerm: ev(FORMS, 'Краткосрочная (целеполагающая)'),
  reverse: ev(FORMS, 'Реверсивная'),
  situational: ev(FORMS, 'Ситуационная'),
  speed: ev(FORMS, 'Скоростная'),
  headTeacher: ev(FORMS, 'Руководитель – педагог'),
  peer: ev(FORMS, 'Педагог – педагог'),
  other: ev(FORMS, 'Другое'),
};
/** Every form but the group one: one of them is forced per organization so all forms occur. */
export const SINGLE_FORMS = FORMS.map((f) => f.value).filter((f) => f !== FORM.group);

export const TOPIC = {
  subject: ev(TOPICS, 'Предметное содержание'),
  methods: ev(TOPICS, 'Методика обучения и преподавания'),
  upbringing: ev(TOPICS, 'Воспитательная деятельность'),
  lessons: ev(TOPICS, 'Организация урочной и внеурочной деятельности'),
  support: ev(TOPICS, 'Психолого-педагогическое сопровождение'),
};
export const TOPIC_ORDER = TOPICS.map((t) => t.value);

export const PAIR = {
  active: ev(PAIR_STATUSES, 'Действует'),
  done: ev(PAIR_STATUSES, 'Завершена'),
  stopped: ev(PAIR_STATUSES, 'Прекращена досрочно'),
};
export const PROGRAM = {
  draft: ev(PROGRAM_STATUSES, 'Разрабатывается'),
  running: ev(PROGRAM_STATUSES, 'Реализуется'),
  done: ev(PROGRAM_STATUSES, 'Завершена'),
  stopped: ev(PROGRAM_STATUSES, 'Прекращена'),
};

export const CAT = {
  none: ev(CATEGORIES, 'Без категории'),
  szd: ev(CATEGORIES, 'Соответствие занимаемой должности'),
  first: ev(CATEGORIES, 'Первая'),
  high: ev(CATEGORIES, 'Высшая'),
  methodist: ev(CATEGORIES, 'Педагог-методист'),
  mentor: ev(CATEGORIES, 'Педагог-наставник'),
};
/** How a careless school writes a category: its first listed alias (СЗД, нет, 1…), else lower case. */
export const CATEGORY_SHORTHAND = new Map(CATEGORIES.map((c) => [c.value, c.aliases?.[0] ?? c.value.toLowerCase()]));

export const ORG_TYPE = {
  school: ev(ORG_TYPES, 'Школа'),
  kindergarten: ev(ORG_TYPES, 'Детский сад'),
  additional: ev(ORG_TYPES, 'Дополнительное образование'),
};

export const EVENT_KIND = {
  mo: ev(EVENT_KINDS, 'Заседание МО наставников'),
  meeting: ev(EVENT_KINDS, 'Совещание'),
  seminar: ev(EVENT_KINDS, 'Семинар'),
  webinar: ev(EVENT_KINDS, 'Вебинар'),
  conference: ev(EVENT_KINDS, 'Конференция'),
  forum: ev(EVENT_KINDS, 'Форум'),
  contract: ev(EVENT_KINDS, 'Договор о сотрудничестве'),
  other: ev(EVENT_KINDS, 'Другое'),
};
export const LEVEL = {
  org: ev(EVENT_LEVELS, 'ОО'),
  municipal: ev(EVENT_LEVELS, 'Муниципальный'),
  intermunicipal: ev(EVENT_LEVELS, 'Межмуниципальный'),
  regional: ev(EVENT_LEVELS, 'Региональный'),
};
