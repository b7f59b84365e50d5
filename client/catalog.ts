/**
 * Titles and units of the metrics and their columns, as `GET /api/metrics` describes them.
 * Tables, tooltips and tiles take their titles from here, so the server's registry is the one
 * place where a column is named.
 */
import type { MetricColumn, MetricInfo } from './api.ts';

export class MetricCatalog {
  constructor(private readonly metrics: readonly MetricInfo[]) {}

  /** False when `/api/metrics` did not answer: titles are then column codes. */
  get loaded(): boolean {
    return this.metrics.length > 0;
  }

  info(metric: string): MetricInfo | null {
    return this.metrics.find((candidate) => candidate.name === metric) ?? null;
  }

  title(metric: string): string {
    return this.info(metric)?.title ?? metric;
  }

  description(metric: string): string | null {
    return this.info(metric)?.description ?? null;
  }

  /** A value or key column of a metric; a column the server does not describe is named by its code. */
  column(metric: string, name: string): MetricColumn {
    const info = this.info(metric);
    const found = info?.columns.find((column) => column.name === name) ?? info?.keys?.find((column) => column.name === name);
    return found ?? { name, title: name, unit: null };
  }

  /** The title of a column: the text used in tooltips and table headers. */
  columnTitle(metric: string, name: string): string {
    return this.column(metric, name).title;
  }

  /** An overview figure's title as its tile shows it (and the summary names it): without the unit at its end. */
  tileTitle(name: string): string {
    return this.columnTitle('overview', name).replace(/,\s*(п\.п\.|%)$/, '');
  }

  /** The value columns of a metric, optionally only `names`, in the order given. */
  columns(metric: string, names?: readonly string[]): MetricColumn[] {
    if (names) return names.map((name) => this.column(metric, name));
    return this.info(metric)?.columns ?? [];
  }
}
