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
  // No "…" menu (export, "open in editor"): exports come from the server (DESIGN.md).
  actions: false,
  // vega-embed sets these as vega's global default, so axes read "40 %" and "сентябрь 2023".
  formatLocale: ruFormatLocale,
  timeFormatLocale: ruTimeFormatLocale,
  tooltip: { theme: 'light' },
  // Expressions are parsed to an AST and run by the interpreter vega-embed 7 bundles
  // (vega-interpreter, its own dependency), not compiled with `new Function`: the page then
  // works under a Content-Security-Policy without 'unsafe-eval' (checked in Chromium).
  ast: true,
};

export class ChartSlot {
  private result: Result | null = null;
  /** Bumped by every render and clear, so a slow embed that lost the race is thrown away. */
  private generation = 0;

  constructor(private readonly host: HTMLElement) {}

  async render(spec: VisualizationSpec): Promise<void> {
    this.clear();
    const generation = this.generation;
    // A fresh element per view: an embed that finishes after a newer one started only
    // touches its own, detached element.
    const target = document.createElement('div');
    target.className = 'chart-view';
    this.host.append(target);
    const result = await embed(target, spec, EMBED_OPTIONS);
    if (generation !== this.generation) {
      result.finalize();
      return;
    }
    this.result = result;
  }

  clear(): void {
    this.generation++;
    this.result?.finalize();
    this.result = null;
    this.host.replaceChildren();
  }
}
