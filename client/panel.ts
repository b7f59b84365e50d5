/**
 * A panel of a page: a titled card with one chart (or other content), its own empty and error
 * states, and the chart's rows as a table under a disclosure. A metric that fails shows its
 * error in its own panel; the rest of the page stays (one failing query does not blank it).
 */
import type { VisualizationSpec } from 'vega-embed';
import { ApiError, isAbortError } from './api.ts';
import { ChartSlot } from './chart.ts';
import { h } from './dom.ts';

export interface PanelOptions {
  /** Prefix of the element ids: `<id>-panel`, `<id>-chart`, `<id>-table`. */
  id: string;
  title?: string;
  /** A sentence under the title: what is counted, how to read it. */
  note?: string;
  /** Spans the whole width of the page's grid (long lists of organizations). */
  wide?: boolean;
  /** A chart host (default true). */
  chart?: boolean;
  /** A table of the rows: `open` shown, `closed` behind «Таблица с данными», or none. */
  table?: 'open' | 'closed' | false;
  /** Called when the panel is reset or disposed: a draw it was waiting to make is dropped (client/trend.ts). */
  onStop?: () => void;
}

export const UNEXPECTED_MESSAGE =
  'Не удалось показать данные из-за ошибки на странице. Обновите страницу; если ошибка повторится, сообщите администратору.';

/** A Russian message for any failure: the API's own, or a general one (and the details in the console). */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  console.error(error);
  return UNEXPECTED_MESSAGE;
}

export class Panel {
  readonly element: HTMLElement;
  /** Free content above the chart (tiles, lists, a legend of item titles). */
  readonly content: HTMLDivElement;
  readonly table: HTMLTableElement | null;
  private readonly heading: HTMLHeadingElement;
  private readonly noteElement: HTMLParagraphElement;
  private readonly message: HTMLParagraphElement;
  private readonly chartHost: HTMLDivElement | null;
  private readonly chartSlot: ChartSlot | null;
  private readonly tableBox: HTMLElement | null;

  constructor(readonly options: PanelOptions) {
    this.heading = h('h2', { className: 'panel__title', id: `${options.id}-title` }, options.title ?? '');
    this.noteElement = h('p', { className: 'panel__note', hidden: !options.note }, options.note ?? '');
    this.content = h('div', { className: 'panel__content' });
    this.message = h('p', { className: 'panel__message', hidden: true });
    this.chartHost = options.chart === false ? null : h('div', { className: 'chart-host', id: `${options.id}-chart` });
    this.chartSlot = this.chartHost ? new ChartSlot(this.chartHost) : null;
    if (options.table) {
      this.table = h('table', { className: 'metric-table', id: `${options.id}-table` });
      const wrap = h('div', { className: 'table-wrap' }, this.table);
      this.tableBox =
        options.table === 'open'
          ? wrap
          : h('details', { className: 'table-details' }, h('summary', {}, 'Таблица с данными'), wrap);
    } else {
      this.table = null;
      this.tableBox = null;
    }
    this.element = h(
      'section',
      {
        className: `panel${options.wide ? ' panel--wide' : ''}`,
        id: `${options.id}-panel`,
        attrs: { 'aria-labelledby': `${options.id}-title` },
      },
      this.heading,
      this.noteElement,
      this.message,
      this.content,
      this.chartHost,
      this.tableBox,
    );
  }

  setTitle(text: string): void {
    this.heading.textContent = text;
  }

  /** A sentence under the title for these numbers; `null` puts back the panel's own note. */
  setNote(text: string | null): void {
    const note = text ?? this.options.note ?? '';
    this.noteElement.textContent = note;
    this.noteElement.hidden = !note;
  }

  /** Replaces the free content (tiles, lists, legends) with `nodes`. */
  setContent(...nodes: Array<Node | string | null | undefined | false>): void {
    this.content.replaceChildren(...nodes.filter((node): node is Node | string => node !== null && node !== undefined && node !== false));
  }

  /** Draws a chart; `fileName` names the PNG/SVG the chart's menu saves. */
  async chart(spec: VisualizationSpec, fileName: string): Promise<void> {
    this.hideMessage();
    if (this.chartHost) this.chartHost.hidden = false;
    await this.chartSlot?.render(spec, fileName);
  }

  /** Nothing to show for these filters: a sentence instead of an empty frame that reads as "zero". */
  empty(text: string): void {
    this.clearData();
    this.setNote(null);
    this.message.className = 'panel__message empty';
    this.message.removeAttribute('role');
    this.message.textContent = text;
    this.message.hidden = false;
  }

  /** The panel's metric failed: its message here, the other panels keep their numbers. */
  error(text: string): void {
    this.clearData();
    this.setNote(null);
    this.message.className = 'panel__message panel__error';
    this.message.setAttribute('role', 'alert');
    this.message.textContent = text;
    this.message.hidden = false;
  }

  /** Fills the panel's table and shows it. */
  fillTable(fill: (table: HTMLTableElement) => void): void {
    if (!this.table || !this.tableBox) return;
    fill(this.table);
    this.tableBox.hidden = false;
  }

  /** Removes everything drawn, keeps the title. */
  reset(): void {
    this.options.onStop?.();
    this.clearData();
    this.hideMessage();
    this.setNote(null);
  }

  /** The panel goes away: its chart view is finalized. */
  dispose(): void {
    this.options.onStop?.();
    this.chartSlot?.clear();
  }

  private clearData(): void {
    this.chartSlot?.clear();
    if (this.chartHost) this.chartHost.hidden = true;
    this.content.replaceChildren();
    this.table?.replaceChildren();
    if (this.tableBox) this.tableBox.hidden = true;
  }

  private hideMessage(): void {
    this.message.hidden = true;
    this.message.textContent = '';
  }
}

/** One panel's work for a `show`: load its metrics and draw them. */
export interface PanelTask {
  panel: Panel;
  run: () => Promise<void>;
  /** Drawn later, when in view (client/trend.ts): not counted when every task of the page failed. */
  deferred?: boolean;
}

/**
 * Runs the panels' tasks side by side. A failing task shows its error in its panel; when every
 * task fails (say, the period's end before its start: every metric answers the same 400) the
 * first error is thrown, and the page shows it once instead of in every panel.
 */
export async function runPanelTasks(tasks: readonly PanelTask[], signal: AbortSignal): Promise<void> {
  const results = await Promise.allSettled(tasks.map((task) => task.run()));
  signal.throwIfAborted();
  const failures: unknown[] = [];
  results.forEach((result, index) => {
    if (result.status === 'fulfilled') return;
    if (isAbortError(result.reason)) throw result.reason;
    failures.push(result.reason);
    tasks[index]?.panel.error(messageOf(result.reason));
  });
  const counted = tasks.filter((task) => !task.deferred).length;
  if (counted > 0 && failures.length === counted) throw failures[0];
}
