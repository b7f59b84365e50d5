/**
 * docs/metrics.md from the metric declarations (shared/metrics.ts) and the headers of their SQL
 * files (queries/<name>.sql): what each metric answers, its parameters, its columns with units
 * and kinds, and its formula, grain and edge rules as the SQL file states them. Written by
 * `npm run docs`; a test checks the committed file is current.
 */
import { METRICS, ORG_COLUMNS, type MetricColumn, type MetricDecl } from '../../shared/metrics.ts';
import { sqlOf } from '../db/queries.ts';

const PARAM_TITLES: Record<string, string> = {
  from: '`from` — начало периода (`YYYY-MM-DD`, по умолчанию — начало текущего учебного года)',
  to: '`to` — конец периода (по умолчанию — его конец)',
  org: '`org` — коды организаций (можно несколько; по умолчанию — все)',
  type: '`type` — тип организации (Школа, Детский сад, Дополнительное образование)',
  grain: '`grain=month` — ряд по месяцам: та же формула на конец каждого месяца периода',
  as_of: '`as_of` — данные на дату: `YYYY-MM-DD` (конец дня) или момент ISO 8601 — как после последней синхронизации, завершившейся к нему, со статусами того времени (по умолчанию — текущие данные)',
};

const KIND_TITLES: Record<string, string> = {
  count: 'число',
  ratio: 'доля 0…1 или пусто (знаменатель 0)',
  measure: 'число или пусто',
  text: 'текст или пусто',
  date: 'дата `YYYY-MM-DD` или пусто',
  moment: 'дата и время `YYYY-MM-DD HH:MM:SS` (UTC) или пусто',
  flag: 'да / нет / пусто',
  key: 'текст (есть в каждой строке)',
};

/** The comment block a SQL file starts with, without the `-- ` marks. */
export function sqlHeader(sql: string): string {
  const out: string[] = [];
  for (const line of sql.split('\n')) {
    if (!line.startsWith('--')) break;
    out.push(line.replace(/^-- ?/, ''));
  }
  return out.join('\n').trimEnd();
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

function columnTable(columns: readonly MetricColumn[]): string[] {
  return [
    '| столбец | название | единица | значение |',
    '|---|---|---|---|',
    ...columns.map((c) => `| \`${c.name}\` | ${cell(c.title)} | ${c.unit} | ${KIND_TITLES[c.kind ?? 'text']}${c.values ? `: ${c.values.map((v) => `\`${v}\`${c.labels?.[v] ? ` («${c.labels[v]}»)` : ''}`).join(', ')}` : ''} |`),
  ];
}

function section(m: MetricDecl): string[] {
  const out = [`## ${m.title} (\`${m.name}\`)`, '', m.description, '', `Пункт распоряжения: ${m.orderItem}. Короткое название: «${m.short}».`, ''];
  out.push('Параметры запроса:', '', ...m.params.map((p) => `- ${PARAM_TITLES[p] ?? `\`${p}\``}`), '');
  out.push('Столбцы (после `org`, `org_name`, `org_type`; в строке итога `org` пустой):', '', ...columnTable([...m.keys, ...m.columns]), '');
  if (m.parts) {
    out.push(
      `Составной показатель: своего SQL нет, строка — итоги показателей ${m.parts.map((p) => `\`${p}\``).join(', ')} ` +
        'и число активных организаций (со свежими данными).',
      '',
    );
  } else {
    out.push(`Формула, строки и особые случаи — заголовок [queries/${m.name}.sql](../queries/${m.name}.sql):`, '', '```text', sqlHeader(sqlOf(m.name)), '```', '');
  }
  return out;
}

export function metricsMarkdown(): string {
  const out = [
    '# Показатели мониторинга',
    '',
    '<!-- Файл создан командой `npm run docs` из shared/metrics.ts и заголовков queries/*.sql. Не правьте его вручную. -->',
    '',
    'Определения заказчика — [docs/spec/METRICS.md](spec/METRICS.md). Каждый показатель отдаётся API ' +
      '(`GET /api/metrics/<имя>`, JSON или `?format=csv`), выгружается в Excel и печатается в отчёте. ' +
      'Доли не округляются; доля с нулевым знаменателем — пусто. Итог считается из сумм, а не как среднее долей.',
    '',
    'Столбцы организации в каждой строке:',
    '',
    ...columnTable(ORG_COLUMNS),
    '',
    ...METRICS.map((m) => `- [${m.title}](#${m.name}) — \`${m.name}\``),
    '',
  ];
  for (const m of METRICS) out.push(`<a id="${m.name}"></a>`, '', ...section(m));
  return `${out.join('\n').trimEnd()}\n`;
}
