/**
 * Item 3 of the order (metric `compliance`): for each item, how many organizations did it on
 * time, late, or not at all (a stacked bar per item); and the organizations × items matrix,
 * each cell a status with a sign (✓ on time, ! late, ✗ not done), so it reads without color.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ComplianceRow } from '../api.ts';
import { OF_ORGS, formatDate, formatOutOf, formatPercent, plural } from '../format.ts';
import { orderItem } from '../orderItems.ts';
import { ARIA_ENCODING, frame, orgTip, TIP_ENCODING, topLegend, wrappedLabelsExpr, type OrgLabels, stackedCountLabels, xTickCount } from './templates/index.ts';

export type ComplianceStatus = 'on_time' | 'late' | 'not_done';

export const STATUSES: ReadonlyArray<{ key: ComplianceStatus; title: string; sign: string; color: string; ink: string }> = [
  { key: 'on_time', title: 'Исполнено в срок', sign: '✓', color: '#3566a8', ink: '#ffffff' },
  { key: 'late', title: 'Исполнено с опозданием', sign: '!', color: '#e8b33a', ink: '#1f2933' },
  { key: 'not_done', title: 'Не исполнено', sign: '✗', color: '#b5472a', ink: '#ffffff' },
];

export function statusOf(row: ComplianceRow): ComplianceStatus {
  if (row.done_on_time > 0) return 'on_time';
  if (row.done_late > 0) return 'late';
  return 'not_done';
}

function itemLabel(item: string): string {
  return `${item} ${orderItem(item).short}`;
}

const statusScale = {
  domain: STATUSES.map((status) => status.title),
  range: STATUSES.map((status) => status.color),
};

/** Rows (null, item): organizations on time / late / not done, one stacked bar per item. */
export function complianceItemsSpec(rows: readonly ComplianceRow[]): TopLevelSpec {
  const items = rows.filter((row): row is ComplianceRow & { item: string } => row.org === null && row.item !== null);
  const data = items.flatMap((row) => {
    const orgs = row.done_on_time + row.done_late + row.not_done;
    const title = orderItem(row.item).title;
    const tip = {
      title: `п. ${row.item}. ${title}`,
      Срок: row.deadline ? `до ${formatDate(row.deadline)}` : '—',
      'Исполнено в срок': `${formatOutOf(row.done_on_time, orgs)} ${plural(orgs, OF_ORGS)} (${formatPercent(row.on_time_share)})`,
      'Исполнено с опозданием': formatOutOf(row.done_late, orgs),
      'Не исполнено': formatOutOf(row.not_done, orgs),
    };
    return STATUSES.map((status) => {
      const count = status.key === 'on_time' ? row.done_on_time : status.key === 'late' ? row.done_late : row.not_done;
      return {
        label: itemLabel(row.item),
        status: status.title,
        order: STATUSES.indexOf(status),
        count,
        countText: count > 0 ? String(count) : '',
        ink: status.ink,
        tip,
        aria: `п. ${row.item}: ${status.title.toLowerCase()} — ${formatOutOf(count, orgs)} ${plural(orgs, OF_ORGS)}`,
      };
    });
  });
  const labels = items.map((row) => itemLabel(row.item));
  const maxOrgs = Math.max(1, ...items.map((row) => row.done_on_time + row.done_late + row.not_done));
  const y = {
    field: 'label',
    type: 'nominal' as const,
    sort: labels,
    // Two lines ("3.5 Утвердить / «дорожную карту»"): on a phone the bars keep their room.
    axis: { title: null, labelLimit: 230, description: 'Пункты распоряжения', labelExpr: wrappedLabelsExpr(labels, 16) },
  };
  const x = {
    field: 'count',
    type: 'quantitative' as const,
    stack: 'zero' as const,
    axis: { title: 'Организаций', tickMinStep: 1, tickCount: xTickCount(8, 45), format: 'd', description: 'Число организаций' },
  };
  return {
    ...frame('Исполнение пунктов 3.1, 3.3–3.7 распоряжения: число организаций, исполнивших в срок, с опозданием и не исполнивших', Math.max(items.length, 1) * 36),
    data: { values: data },
    encoding: { y, x, order: { field: 'order', type: 'quantitative' } },
    layer: [
      {
        name: 'bars',
        mark: { type: 'bar', height: { band: 0.75 } },
        encoding: {
          color: { field: 'status', type: 'nominal', scale: statusScale, legend: topLegend(null, 'Цвет обозначает исполнение пункта', statusScale.domain, 130) },
          tooltip: TIP_ENCODING,
          description: ARIA_ENCODING,
        },
      },
      // A count only where its piece of the bar has room for it.
      stackedCountLabels(maxOrgs),
    ],
  };
}

export interface ComplianceMatrixOptions {
  labels: OrgLabels;
}

/** Rows (org, item): one cell per organization and item, colored and signed by its status. */
export function complianceMatrixSpec(rows: readonly ComplianceRow[], options: ComplianceMatrixOptions): TopLevelSpec {
  const { labels } = options;
  const cells = rows.filter((row): row is ComplianceRow & { org: string; item: string } => row.org !== null && row.item !== null);
  const orgs = [...new Set(cells.map((row) => row.org))];
  const items = [...new Set(cells.map((row) => row.item))].sort((a, b) => a.localeCompare(b, 'ru', { numeric: true }));
  const data = cells.map((row) => {
    const status = STATUSES.find((candidate) => candidate.key === statusOf(row)) ?? STATUSES[2]!;
    const name = row.org_name ?? row.org;
    return {
      org: labels.label(row.org),
      item: row.item,
      status: status.title,
      sign: status.sign,
      ink: status.ink,
      tip: orgTip(labels, row.org, name, {
        Пункт: `${row.item}. ${orderItem(row.item).title}`,
        Срок: row.deadline ? `до ${formatDate(row.deadline)}` : '—',
        Исполнено: row.done_date ? formatDate(row.done_date) : 'нет',
        Итог: status.title.toLowerCase(),
      }),
      aria: `${name}, пункт ${row.item}: ${status.title.toLowerCase()}${row.done_date ? `, ${formatDate(row.done_date)}` : ''}`,
    };
  });
  const x = {
    field: 'item',
    type: 'nominal' as const,
    sort: items,
    axis: { title: 'Пункты распоряжения', orient: 'top' as const, labelAngle: 0, domain: false, ticks: false, description: 'Пункты распоряжения' },
  };
  const y = {
    field: 'org',
    type: 'nominal' as const,
    sort: orgs.map((code) => labels.label(code)),
    axis: { title: null, domain: false, ticks: false, labelLimit: 160, description: 'Организации (коды)' },
  };
  return {
    ...frame('Исполнение пунктов распоряжения по организациям', Math.max(orgs.length, 1) * 24),
    data: { values: data },
    encoding: { x, y },
    config: { ...frame('', 0).config, axisX: { grid: false, domain: false } },
    layer: [
      {
        name: 'cells',
        mark: { type: 'rect', stroke: '#ffffff', strokeWidth: 2, cornerRadius: 3 },
        encoding: {
          color: { field: 'status', type: 'nominal', scale: statusScale, legend: topLegend(null, 'Цвет и знак обозначают исполнение пункта', statusScale.domain) },
          tooltip: TIP_ENCODING,
          description: ARIA_ENCODING,
        },
      },
      {
        name: 'cell_signs',
        mark: { type: 'text', fontSize: 13, fontWeight: 'bold', aria: false },
        encoding: { text: { field: 'sign', type: 'nominal' }, color: { field: 'ink', type: 'nominal', scale: null }, tooltip: TIP_ENCODING },
      },
    ],
  };
}
