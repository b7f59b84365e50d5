/**
 * The contract page for schools (`docs/contract.md`), generated from the declaration; a test
 * checks the committed file is current, so the page can never drift from the code.
 */
import {
  CATEGORIES,
  ORDER_ITEMS,
  ORDER_REPORT_DEADLINE,
  REGISTRY_TAB,
  TABS,
  type ColumnDecl,
  type ColumnType,
} from './declaration.ts';
import { ruDate } from './values.ts';

function typeText(t: ColumnType): string {
  switch (t.kind) {
    case 'text':
      return 'текст';
    case 'date':
      return t.minYear < 2000 ? `дата (с ${t.minYear} г.)` : 'дата';
    case 'number':
      return `${t.integer ? 'целое число' : 'число'} от ${t.min} до ${t.max}`;
    case 'yesno':
      return 'Да/Нет';
    case 'enum':
      return `одно из: ${t.values.map((v) => `«${v.value}»`).join(', ')}`;
    case 'enumList':
      return `одно или несколько через «;»: ${t.values.map((v) => `«${v.value}»`).join(', ')}`;
    case 'category':
      return 'категория (см. ниже)';
    case 'person':
      return t.crossOrg ? 'педагог (ФИО или «ФИО (КОД-ОО)»)' : 'педагог (ФИО с листа «Педагоги»)';
    case 'item':
      return 'пункт 3.1 … 3.13';
  }
}

function table(columns: readonly ColumnDecl[]): string[] {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    '| столбец | другие названия | значение | обязательный | примечание |',
    '|---|---|---|---|---|',
    ...columns.map(
      (c) =>
        `| ${esc(c.header)} | ${esc(c.aliases.join(', ')) || '—'} | ${esc(typeText(c.type))} | ${c.required ? 'да' : 'нет'} | ${esc(c.note) || ''} |`,
    ),
  ];
}


export function contractMarkdown(): string {
  const out: string[] = [
    '# Шаблон таблиц: что заполняют организации',
    '',
    '<!-- Файл создан командой `npm run docs` из server/contract/declaration.ts. Не правьте его вручную. -->',
    '',
    'Названия листов и столбцов сравниваются без учёта регистра, «ё/е», лишних пробелов и точки',
    'в конце; порядок столбцов любой; строки над заголовками (название, пояснение) пропускаются;',
    'лишние столбцы не загружаются. Строка с ошибкой не загружается, а попадает в карантин —',
    'с сообщением, где указаны организация, лист, строка, столбец, значение и что ожидается.',
    '',
    '## Значения',
    '',
    '- Даты: `дд.мм.гггг`, `дд.мм.гг` (20гг), `гггг-мм-дд` или дата в ячейке формата «Дата». Запись',
    '  `03/04/2023` неоднозначна и не принимается; несуществующая дата (31.02.2023) — ошибка. Дата',
    '  того, что уже было (приём, курс, приказ), позже дня синхронизации больше чем на год',
    '  загружается с предупреждением «проверьте год»; плановые даты могут быть далеко впереди.',
    '- Да/Нет: `да`, `нет`, `+`, `-`, `1`, `0`, `true`, `false`, флажок; пусто — «не указано».',
    '- Числа: `12`, `12,5`, `12.5`, `1 234`.',
    '- Педагог указывается так же, как в столбце «ФИО» листа «Педагоги» (регистр, «ё/е» и лишние',
    '  пробелы не важны); наставник из другой организации — «ФИО (КОД-ОО)» с кодом из реестра.',
    '- Невидимые символы (пробел нулевой ширины, мягкий перенос) не учитываются, латинские буквы,',
    '  похожие на русские, внутри русского слова в ФИО читаются как русские — строка загружается,',
    '  а предупреждение просит исправить ячейку.',
    '- Ошибки формул (`#REF!`, `#N/A`, из русского Excel — `#ССЫЛКА!`, `#Н/Д`, `#ЗНАЧ!` …) и ещё не',
    '  вычисленная формула (`Loading...`) — не данные: строка с ними не загружается.',
    '',
    `## Реестр (таблица координатора), лист «${REGISTRY_TAB.title}»`,
    '',
    ...table(REGISTRY_TAB.columns),
    '',
  ];
  for (const t of TABS) {
    out.push(`## Лист «${t.title}» (${t.required ? 'обязательный' : 'необязательный'})`, '', `${t.note[0]!.toUpperCase()}${t.note.slice(1)}.`, '', ...table(t.columns), '');
  }
  out.push('## Квалификационные категории', '', '| категория | ранг | также принимается |', '|---|---|---|');
  for (const c of CATEGORIES) out.push(`| ${c.value} | ${c.rank} | ${(c.aliases ?? []).join(', ') || '—'} |`);
  out.push('', '## Пункты распоряжения и сроки', '', '| пункт | срок |', '|---|---|');
  for (const i of ORDER_ITEMS) out.push(`| ${i.item} | ${i.deadline ? `до ${ruDate(i.deadline)}` : 'постоянно'} |`);
  out.push('', `Отчёт об исполнении пункта 3 (п. 4) — до ${ruDate(ORDER_REPORT_DEADLINE)}.`, '');
  return out.join('\n');
}
