/**
 * One place on the page where a chart lives. vega-embed's `finalize()` is called before the
 * next render and when the chart goes away, so listeners, timers and tooltips of the old
 * view do not pile up as filters change.
 */
import embed, { type EmbedOptions, type Result, type VisualizationSpec } from 'vega-embed';
import { ruFormatLocale, ruTimeFormatLocale } from './format.ts';

const EMBED_OPTIONS: EmbedOptions = {
  // SVG: crisp text at any zoom, and marks are DOM elements the browser tests can count.
  renderer: 'svg',
  // The "…" menu offers the picture only (PNG for a letter, SVG for a printed report); the
  // numbers themselves come from the server's exports (docs/spec/DESIGN.md), not from "view source".
  actions: { export: { png: true, svg: true }, source: false, compiled: false, editor: false },
  i18n: {
    CLICK_TO_VIEW_ACTIONS: 'Сохранить диаграмму',
    PNG_ACTION: 'Сохранить как PNG',
    SVG_ACTION: 'Сохранить как SVG',
    SOURCE_ACTION: 'Показать исходную спецификацию',
    COMPILED_ACTION: 'Показать спецификацию Vega',
    EDITOR_ACTION: 'Открыть в редакторе Vega',
  },
  // PNG at twice the size: sharp in a document or on a projector.
  scaleFactor: { png: 2 },
  // vega-embed sets these as vega's global default, so axes read "40 %" and "сентябрь 2023".
  formatLocale: ruFormatLocale,
  timeFormatLocale: ruTimeFormatLocale,
  tooltip: { theme: 'light' },
  // Expressions are parsed to an AST and run by the interpreter vega-embed 7 bundles
  // (vega-interpreter, its own dependency), not compiled with `new Function`: the page then
  // works under a Content-Security-Policy without 'unsafe-eval' (checked in Chromium).
  ast: true,
};

// Escape closes a chart's «Сохранить диаграмму» menu, as it closes the organization picker (it
// stayed open: an outside review); the focus goes back to the menu's button.
if (typeof document !== 'undefined') {
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    for (const menu of document.querySelectorAll<HTMLDetailsElement>('.vega-embed details[open]')) {
      menu.open = false;
      menu.querySelector('summary')?.focus();
    }
  });
}

export class ChartSlot {
  private result: Result | null = null;
  /** Bumped by every render and clear, so a slow embed that lost the race is thrown away. */
  private generation = 0;

  constructor(private readonly host: HTMLElement) {}

  /** Draws `spec`; `fileName` (without extension) names the PNG/SVG the menu saves. */
  async render(spec: VisualizationSpec, fileName = 'diagramma'): Promise<void> {
    this.clear();
    const generation = this.generation;
    // A fresh element per view: an embed that finishes after a newer one started only
    // touches its own, detached element.
    const target = document.createElement('div');
    target.className = 'chart-view';
    this.host.append(target);
    const result = await embed(target, spec, { ...EMBED_OPTIONS, downloadFileName: fileName });
    if (generation !== this.generation) {
      result.finalize();
      return;
    }
    // vega-embed titles the menu's <details>, while the keyboard stops at its <summary> (three
    // dots drawn in SVG): named there, for a screen reader (it was a stop with no name: an outside review).
    target.querySelector('summary')?.setAttribute('aria-label', 'Сохранить диаграмму (PNG или SVG)');
    this.result = result;
  }

  clear(): void {
    this.generation++;
    this.result?.finalize();
    this.result = null;
    this.host.replaceChildren();
  }
}
