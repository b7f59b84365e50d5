/**
 * The page for schools — how to fill the spreadsheet — generated from the contract
 * declaration: what each tab is for, each column with what to write and an example, the
 * allowed values, and the common errors with the exact messages the sync gives (produced by
 * running the real parsers on the example mistakes, so they cannot drift from the code).
 *
 * One model, two renderings: `docs/for-schools.md` (a test checks the committed file is
 * current) and the `/help` page of the server (HTML, every text escaped).
 */
import { escapeHtml } from '../http/html.ts';
import { CATEGORIES, ORDER_ITEMS, TABS, type ColumnDecl, type ColumnType, type TabDecl } from './declaration.ts';
import { SHEET_LIMITS, SHRINK_RULE } from './limits.ts';
import { formatIssue } from './issues.ts';
import { ROW_PARSERS, expectedValue } from './schemas.ts';
import { ruDate } from './values.ts';

type Block =
  | { kind: 'h2' | 'h3' | 'p'; text: string }
  | { kind: 'ul'; items: string[] }
  | { kind: 'table'; head: string[]; rows: string[][] };

/** Examples of a value for text columns, by column key; other types get one from their type. */
const TEXT_EXAMPLES: Record<string, string> = {
  fio: 'Иванов Иван Иванович',
  code: 'Т-017',
  position: 'учитель',
  subject: 'математика',
  title: 'Адаптация молодого учителя',
  program: 'Наставничество в образовательной организации',
  organizer: 'Институт развития образования Иркутской области',
  document: 'приказ № 45 от 28.02.2023',
  link: 'https://school2.example.ru/nastavnichestvo',
  place: 'МОУ СОШ № 2',
};

function example(c: ColumnDecl): string {
  const t: ColumnType = c.type;
  switch (t.kind) {
    case 'text':
      return TEXT_EXAMPLES[c.key] ?? '…';
    case 'date':
      return c.key === 'hired' ? '01.09.2015' : '01.09.2023';
    case 'number':
      return t.integer ? String(Math.min(t.max, Math.max(t.min, c.key === 'hours' ? 72 : 10))) : '12,5';
    case 'yesno':
      // The example teacher has 12,5 years of experience: not a young specialist.
      return c.key === 'young' ? 'Нет' : 'Да';
    case 'enum':
      return t.values[0]!.value;
    case 'enumList':
      return t.values
        .slice(0, 2)
        .map((v) => v.value)
        .join('; ');
    case 'category':
      return 'Первая';
    case 'person':
      return t.crossOrg ? 'Сергеев Сергей Сергеевич (СОШ-1)' : 'Иванов Иван Иванович';
    case 'item':
      return '3.1';
  }
}

/** A note as a sentence: capital letter, one final stop (none after «…»). */
function sentence(text: string): string {
  const t = `${text[0]!.toUpperCase()}${text.slice(1)}`;
  return /[.…!?]$/.test(t) ? t : `${t}.`;
}

function whatToWrite(c: ColumnDecl): string {
  const parts: string[] = [];
  if (c.note) parts.push(sentence(c.note));
  const expected = expectedValue(c);
  if (expected && c.type.kind !== 'enum' && c.type.kind !== 'enumList' && c.type.kind !== 'category') parts.push(sentence(expected));
  if (c.type.kind === 'enum' || c.type.kind === 'enumList') {
    parts.push(`${c.type.kind === 'enumList' ? 'Одно или несколько (через «;») из' : 'Одно из'}: ${c.type.values.map((v) => `«${v.value}»`).join(', ')}.`);
  }
  if (c.type.kind === 'category') parts.push('Одна из категорий (таблица ниже).');
  if (c.aliases.length) parts.push(`Заголовок может быть и таким: ${c.aliases.map((a) => `«${a}»`).join(', ')}.`);
  return parts.join(' ');
}

/** The sync's own message for a wrong value in a column, as a school would see it. */
function realMessage(tab: TabDecl, key: string, value: string, row = 5): string {
  const col = tab.columns.find((c) => c.key === key)!;
  const cells = Object.fromEntries(tab.columns.map((c) => [c.key, c.key === key ? value : null]));
  const res = ROW_PARSERS[tab.key](cells);
  const issue = res.success ? null : res.error.issues.find((i) => i.path[0] === key);
  if (!issue) throw new Error(`the example ${tab.key}.${key} = «${value}» is not an error`);
  return formatIssue({ org: 'СОШ-2', tab: tab.title, level: 'error', row, column: col.header, value, problem: issue.message });
}

function commonErrors(): string[] {
  const tab = (key: TabDecl['key']) => TABS.find((t) => t.key === key)!;
  return [
    realMessage(tab('teachers'), 'hired', '31.02.2023'),
    realMessage(tab('teachers'), 'hired', '03/04/2023', 6),
    realMessage(tab('teachers'), 'category', 'вторая', 7),
    realMessage(tab('pairs'), 'form', 'Парная', 4),
    realMessage(tab('pairs'), 'start_date', '1 сентября', 5),
    realMessage(tab('programs'), 'events_planned', 'много', 3),
    realMessage(tab('courses'), 'mentoring_topic', 'возможно', 8),
  ];
}

export function schoolDocBlocks(): Block[] {
  const blocks: Block[] = [
    { kind: 'p', text: 'Эта страница — для тех, кто заполняет таблицу наставничества своей школы или детского сада. Таблица читается по расписанию, которое задаёт координатор, и по кнопке «Перечитать таблицу сейчас»; всё, что не удалось прочитать, появляется у координатора, у вас в мониторинге и на листе «Проверка данных» (если он включён) — с указанием листа, строки, столбца и значения.' },
    {
      kind: 'p',
      text: 'Если координатор выдал вашей организации вход в мониторинг (логин и пароль), войдите в панель: на странице вашей организации и на странице «Качество данных» видны ваши показатели, когда таблица читалась в последний раз, сколько строк загружено и каждая ошибка со строкой и столбцом; ссылка «ячейка ↗» рядом с ошибкой открывает в вашей таблице ячейку с этой ошибкой (или её строку, если ошибка не об одной ячейке). Исправив ошибки, нажмите «Перечитать таблицу сейчас» на странице организации — таблица прочитается сразу, не дожидаясь расписания (не чаще раза в 10 минут). Данные других организаций с этим входом не видны.',
    },
    {
      kind: 'p',
      text: 'Если координатор указал в реестре организаций адрес ответственного за таблицу («E-mail ответственного»), после синхронизации на него приходит письмо, когда в таблице появились новые ошибки (в письме — все текущие ошибки: лист, строка, столбец, значение и что ожидается), и перед отчётной датой, если данные давно не менялись. Не чаще одного письма в день; отписаться — по ссылке в конце письма.',
    },
    {
      kind: 'ul',
      items: [
        'Один лист — одна тема; названия листов и заголовки столбцов — как в шаблоне (регистр, «ё/е» и лишние пробелы не важны, порядок столбцов любой).',
        'Заголовки — в первой строке (строки с названием над ними допускаются). Одна строка — одна запись; пустые строки пропускаются. Под заголовками не оставляйте строку с подсказками, а в конце листа — строку «Итого»: они читаются как записи с пустыми обязательными полями.',
        'Столбцы не из шаблона (например, «Примечание») не загружаются. К заголовку можно дописать в скобках только подсказку о записи — формат даты или единицу («Дата приёма (дд.мм.гггг)», «Часов (ак. ч.)»); любое другое пояснение в скобках («Дата увольнения (если уволен)») делает столбец чужим, и его значения не учитываются — уберите пояснение. Так же чужим становится столбец с опечаткой в заголовке («Размешена на сайте»): синхронизация предупредит и назовёт столбец шаблона — исправьте заголовок.',
        'Даты — дд.мм.гггг (01.09.2023) или ячейка в формате «Дата»; после даты ничего не пишите («01.09.2023 г.» не принимается). Две цифры года читаются как 20гг: 01.09.98 — это 2098 год, поэтому год пишите полностью. Запись 03/04/2023 не принимается: непонятно, март это или апрель.',
        'Формулы допустимы, если в ячейке видно значение; ошибка формулы (#ССЫЛКА!, #REF!, #ЗНАЧ!) — ошибка строки; только в столбцах, которые лишь описывают строку (Предмет, Название, Организатор, Документ, Ссылка), строка загружается с пустой ячейкой и предупреждением.',
        'Педагог на других листах записывается точно так же, как в столбце «ФИО» листа «Педагоги». Однофамильцев различает столбец «Код» листа «Педагоги»: на других листах пишите «ФИО (код)» или просто код. Наставник из другой организации — «ФИО (КОД-ОО)», например «Сергеев Сергей Сергеевич (СОШ-1)»; если там есть однофамильцы — код этого педагога в той организации и её код: «код (СОШ-1)». ФИО из другой организации мониторинг подсказывает только одно и только если написанное почти совпадает с ним (одна-две буквы, другой порядок слов, инициалы): её список сотрудников вам не виден — в остальных случаях сверьте ФИО с этой организацией.',
        'Строка с ошибкой не загружается (остальные загружаются); исправьте её — при следующей синхронизации она загрузится.',
        'Шаблон с готовыми листами, подсказками в заголовках и выпадающими списками — файл /template.xlsx.',
      ],
    },
  ];
  for (const t of TABS) {
    blocks.push(
      { kind: 'h2', text: `Лист «${t.title}»${t.required ? '' : ' (необязательный)'}` },
      { kind: 'p', text: sentence(t.note) },
      {
        kind: 'table',
        head: ['Столбец', 'Обязательный', 'Что писать', 'Пример'],
        rows: t.columns.map((c) => [c.header, c.required ? 'да' : 'нет', whatToWrite(c), example(c)]),
      },
    );
  }
  blocks.push(
    { kind: 'h2', text: 'Квалификационные категории' },
    {
      kind: 'table',
      head: ['Категория', 'Можно записать и так'],
      rows: CATEGORIES.map((c) => [c.value, (c.aliases ?? []).join(', ') || '—']),
    },
    { kind: 'h2', text: 'Пункты распоряжения № 116-26-93 и сроки' },
    {
      kind: 'table',
      head: ['Пункт', 'Срок'],
      rows: ORDER_ITEMS.map((i) => [i.item, i.deadline ? `до ${ruDate(i.deadline)}` : 'постоянно']),
    },
    { kind: 'h2', text: 'Частые ошибки и что они значат' },
    { kind: 'p', text: 'Так выглядят сообщения синхронизации (пример для организации СОШ-2):' },
    { kind: 'ul', items: commonErrors() },
    {
      kind: 'ul',
      items: [
        '«нет такого педагога на листе «Педагоги»» — ФИО на листе пар, программ, курсов или аттестации написано не так, как на листе «Педагоги» (опечатка, другой порядок слов, инициалы). Сообщение подсказывает похожее ФИО.',
        '«адрес почты, а не ФИО» — в ячейку вставлен чип пользователя Google (через «@»), и он показывает почту коллеги; удалите чип и впишите ФИО текстом.',
        '«нет обязательного листа» — лист переименован или удалён; верните ему название из шаблона.',
        '«нет обязательных столбцов» — заголовок столбца изменён; верните название из шаблона (или одно из допустимых).',
        '«уволен … — раньше начала пары», «принят … — позже окончания пары» (предупреждение) — даты пары не сходятся с датами приёма или увольнения на листе «Педагоги»; строка загружена, проверьте даты.',
      ],
    },
    { kind: 'h2', text: 'Когда таблица или лист не загружаются: прежние данные сохраняются' },
    {
      kind: 'p',
      text: 'Синхронизация никогда не стирает ваши данные молча. Если что-то выглядит как ошибка, в мониторинге остаются данные прошлой загрузки, а причина видна координатору (страница организации и «Качество данных»), вам — в мониторинге на тех же страницах («Итог последней попытки», «Причина») и на листе «Проверка данных» (если он включён). Знаком ⚠ «данные устарели» организация отмечается, когда её таблица целиком не читается дольше установленного срока (см. последний пункт); лист, не загрузившийся при прочитанной таблице, назван в причине.',
    },
    {
      kind: 'ul',
      items: [
        'Обязательный лист переименован, удалён или в нём нет обязательного столбца — этот лист не загружается, остальные загружаются; для него сохраняются данные прошлой загрузки — и замечания к его строкам той загрузки, с пометкой «замечание прежней загрузки»: исправленная строка перестанет называться, когда лист снова загрузится. Пока лист не загружается, его строки не проверяются: после того как лист исправлен, могут появиться замечания к его строкам — проверьте список ещё раз после следующего чтения.',
        `Необязательный лист («${TABS.filter((t) => !t.required).map((t) => t.title).join('», «')}»), в котором раньше были записи, пропал или переименован — его прежние записи сохраняются, а в замечаниях появляется предупреждение с числом сохранённых строк. Если записи удалены намеренно, оставьте на листе строку заголовков: лист без строк загружается как пустой.`,
        `С листа пропало больше половины строк (и не меньше ${SHRINK_RULE.minLostRows}) по сравнению с прошлой загрузкой — например, строки удалены по ошибке или остался один заголовок. Тогда вся таблица организации не загружается, пока координатор не подтвердит изменение; в сообщении — сколько строк было и сколько осталось. Если удаление ошибочное, верните строки (в Google Таблицах: «Файл → История версий»).`,
        `Лист слишком большой: больше ${SHEET_LIMITS.maxRowsPerTab.toLocaleString('ru-RU')} строк или ${SHEET_LIMITS.maxCellsPerSheet.toLocaleString('ru-RU')} ячеек вместе с пустыми — он не читается; удалите лишние пустые строки и столбцы в конце листа.`,
        'Таблица недоступна (закрыт доступ, удалена, Google не ответил) — сохраняются все прежние данные организации; когда доступ вернётся, таблица загрузится при следующей синхронизации.',
        'Если таблица не читалась успешно дольше установленного срока (по умолчанию — двое суток), данные организации отмечаются как устаревшие, даже когда причина на стороне мониторинга.',
      ],
    },
  );
  return blocks;
}

const TITLE = 'Как заполнять таблицу наставничества';

export function schoolDocsMarkdown(): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const out = [`# ${TITLE}`, '', '<!-- Файл создан командой `npm run docs` из server/contract/declaration.ts. Не правьте его вручную. -->', ''];
  for (const b of schoolDocBlocks()) {
    switch (b.kind) {
      case 'h2':
        out.push(`## ${b.text}`, '');
        break;
      case 'h3':
        out.push(`### ${b.text}`, '');
        break;
      case 'p':
        out.push(b.text, '');
        break;
      case 'ul':
        out.push(...b.items.map((i) => `- ${i}`), '');
        break;
      case 'table':
        out.push(`| ${b.head.join(' | ')} |`, `|${b.head.map(() => '---').join('|')}|`, ...b.rows.map((r) => `| ${r.map(esc).join(' | ')} |`), '');
    }
  }
  return out.join('\n');
}

/** The `/help` page: the same content as HTML (every text escaped), with the site's stylesheet. */
export function schoolDocsHtml(): string {
  const body: string[] = [];
  for (const b of schoolDocBlocks()) {
    if (b.kind === 'table') {
      body.push(
        `<div class="table-wrap"><table class="help-table"><thead><tr>${b.head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>` +
          b.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('') +
          '</tbody></table></div>',
      );
    } else if (b.kind === 'ul') body.push(`<ul>${b.items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`);
    else body.push(`<${b.kind}>${escapeHtml(b.text)}</${b.kind}>`);
  }
  return [
    '<!doctype html>',
    '<html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(TITLE)} — Наставничество: мониторинг</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/style.css"></head>`,
    '<body><header class="site-header"><div class="site-header__inner"><p class="site-title"><a href="/">Наставничество: мониторинг</a></p>',
    '<p class="site-subtitle">Справка для образовательных организаций</p></div></header>',
    `<main class="page help-page"><h1>${escapeHtml(TITLE)}</h1>`,
    '<p class="page-actions"><a class="action-button" href="/template.xlsx" download>Скачать шаблон таблицы (XLSX)</a></p>',
    ...body,
    '</main></body></html>',
  ].join('\n');
}
