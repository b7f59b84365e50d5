/**
 * Page «Исполнение распоряжения»: items 3.1, 3.3–3.7 of the order as of the end of the period
 * — for each item, how many organizations did it on time, late, or not at all; the matrix of
 * organizations × items; and per organization, the items still missing and the date of its
 * report to the coordinator (item 4).
 */
import type { ComplianceRow } from '../api.ts';
import { complianceItemsSpec, complianceMatrixSpec } from '../charts/compliance.ts';
import { h } from '../dom.ts';
import { OF_ORGS, formatDate, formatInteger, formatOutOf, formatPercent, plural } from '../format.ts';
import { ORDER_NUMBER, orderItem, REPORT_ITEM } from '../orderItems.ts';
import { Panel, runPanelTasks } from '../panel.ts';
import { orgCell, renderTable, type TableRow } from '../table.ts';
import { chartFileName, Loader, NO_ORGS_MESSAGE, orgPageHref, totalRowLabel, type Page, type PageContext } from './page.ts';

export function createCompliancePage(container: HTMLElement, ctx: PageContext): Page {
  const { catalog, directory } = ctx;
  const items = new Panel({ id: 'compliance-items', title: 'Исполнение по пунктам', wide: true, table: false });
  const matrix = new Panel({ id: 'compliance-matrix', title: 'Организации и пункты распоряжения', wide: true, table: 'open' });
  const panels = [items, matrix];
  container.replaceChildren(h('div', { className: 'panels' }, ...panels.map((panel) => panel.element)));
  const title = (column: string) => catalog.columnTitle('compliance', column);

  return {
    title: 'Исполнение распоряжения',
    description: `Распоряжение управления образования ${ORDER_NUMBER} «О внедрении системы наставничества педагогических работников в муниципальных образовательных организациях», пункт 3: что исполнено на конец периода.`,
    scope: 'all',
    navPath: '/compliance',
    metrics: ['compliance'],

    async show(filters, signal) {
      const load = new Loader(filters, signal);
      const compliance = load.metric<ComplianceRow>('compliance');
      const asOf = formatDate(filters.to);

      await runPanelTasks(
        [
          {
            panel: items,
            run: async () => {
              const { rows } = await compliance;
              const itemRows = rows.filter((row) => row.org === null && row.item !== null);
              if (itemRows.length === 0 || !rows.some((row) => row.org !== null)) return items.empty(NO_ORGS_MESSAGE);
              items.setNote(`Число организаций, исполнивших пункт в срок, с опозданием и не исполнивших на ${asOf}.`);
              items.setContent(
                h(
                  'ol',
                  { className: 'item-list' },
                  ...itemRows.map((row) =>
                    h(
                      'li',
                      { attrs: { 'data-item': row.item ?? '' } },
                      h('span', { className: 'item-list__number' }, `${row.item}.`),
                      ' ',
                      orderItem(row.item ?? '').title,
                      h(
                        'span',
                        { className: 'item-list__meta' },
                        // All three counts in words, not only on the chart (an outside review: «с опозданием» and «не исполнено» were bars alone).
                        `срок — до ${formatDate(row.deadline)}; в срок — ${formatOutOf(row.done_on_time, row.done_on_time + row.done_late + row.not_done)} ${plural(row.done_on_time + row.done_late + row.not_done, OF_ORGS)} (${formatPercent(row.on_time_share)}), с опозданием — ${formatInteger(row.done_late)}, не исполнено — ${formatInteger(row.not_done)}`,
                      ),
                    ),
                  ),
                ),
              );
              await items.chart(complianceItemsSpec(rows), chartFileName('ispolnenie-po-punktam', filters));
            },
          },
          {
            panel: matrix,
            run: async () => {
              const { rows } = await compliance;
              const orgRows = rows.filter((row) => row.org !== null && row.item === null);
              if (orgRows.length === 0) return matrix.empty(NO_ORGS_MESSAGE);
              matrix.setNote(
                `Каждая клетка — пункт распоряжения в организации на ${asOf}. Наведите указатель (на телефоне — коснитесь клетки), чтобы увидеть срок и дату исполнения.`,
              );
              const total = rows.find((row) => row.org === null && row.item === null);
              matrix.fillTable((table) => {
                const tableRows: TableRow[] = orgRows.map((row) => ({
                  head: orgCell(row, { directory, orgHref: (code) => orgPageHref(code, filters) }),
                  org: row.org,
                  cells: [
                    formatInteger(row.done_on_time),
                    formatInteger(row.done_late),
                    formatInteger(row.not_done),
                    row.missing ?? '—',
                    row.report_date ? formatDate(row.report_date) : 'нет',
                  ],
                }));
                if (total) {
                  tableRows.push({
                    head: [totalRowLabel(filters)],
                    total: true,
                    cells: [formatInteger(total.done_on_time), formatInteger(total.done_late), formatInteger(total.not_done), '', ''],
                  });
                }
                renderTable(
                  table,
                  // What the report date is, and the item's deadline (an outside review: the same date at every school read as a report on time).
                  `Исполнение пунктов 3.1, 3.3–3.7 по организациям на ${asOf}; п. 4 — ${REPORT_ITEM.title.toLowerCase()} (срок — до ${formatDate(REPORT_ITEM.deadline)}); дата отчёта — день первой синхронизации, в которой на листе «Исполнение распоряжения» заполнена «Дата исполнения»`,
                  'Организация',
                  [
                    { header: `${title('done_on_time')}, пунктов`, numeric: true },
                    { header: `${title('done_late')}, пунктов`, numeric: true },
                    { header: `${title('not_done')}, пунктов`, numeric: true },
                    { header: title('missing') },
                    { header: title('report_date'), numeric: true },
                  ],
                  tableRows,
                );
              });
              await matrix.chart(complianceMatrixSpec(rows, { labels: directory }), chartFileName('ispolnenie-po-organizaciyam', filters));
            },
          },
        ],
        signal,
      );
    },

    clear() {
      for (const panel of panels) panel.reset();
    },

    dispose() {
      for (const panel of panels) panel.dispose();
    },
  };
}
