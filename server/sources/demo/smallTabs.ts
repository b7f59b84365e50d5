/** The demo municipality (server/sources/demo/): small tabs. */
import { EVENT_KIND, LEVEL } from './vocabulary.ts';

export const PRACTICE_TITLES = [
  'Клуб молодого педагога «Старт»',
  'Педагогическая мастерская «Ступени мастерства»',
  'Методический кейс «Первый урок молодого учителя»',
  'Адаптационный марафон для молодых воспитателей',
  'Открытые занятия наставника и наставляемого: взаимопосещение',
  'Портфолио наставляемого как инструмент самооценки',
  'Реверсивное наставничество: цифровые инструменты для опытных педагогов',
];

export const EVENT_TEMPLATES: readonly { kind: string; title: string; level: string; people: readonly [number, number] }[] = [
  { kind: EVENT_KIND.mo, title: 'Заседание МО наставников: план работы на учебный год', level: LEVEL.org, people: [4, 15] },
  { kind: EVENT_KIND.mo, title: 'Заседание МО наставников: итоги адаптации молодых специалистов', level: LEVEL.org, people: [4, 15] },
  { kind: EVENT_KIND.meeting, title: 'Совещание при директоре «Реализация программ наставничества»', level: LEVEL.org, people: [8, 40] },
  { kind: EVENT_KIND.seminar, title: 'Семинар «Индивидуальный образовательный маршрут молодого педагога»', level: LEVEL.municipal, people: [12, 45] },
  { kind: EVENT_KIND.seminar, title: 'Семинар «Наставничество в образовании Саянска и Зимы»', level: LEVEL.intermunicipal, people: [15, 60] },
  { kind: EVENT_KIND.webinar, title: 'Вебинар ИРО «Наставничество: от программы к результату»', level: LEVEL.regional, people: [1, 8] },
  { kind: EVENT_KIND.conference, title: 'Конференция «Педагогическое наставничество: опыт, проблемы, перспективы»', level: LEVEL.municipal, people: [3, 12] },
  { kind: EVENT_KIND.forum, title: 'Форум молодых педагогов Иркутской области', level: LEVEL.regional, people: [1, 5] },
  { kind: EVENT_KIND.contract, title: 'Договор о сетевом взаимодействии по наставничеству', level: LEVEL.municipal, people: [2, 2] },
  { kind: EVENT_KIND.other, title: 'Педагогическая мастерская «Открытый урок молодого специалиста»', level: LEVEL.org, people: [6, 25] },
];
