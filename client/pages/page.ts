/**
 * What a page of the dashboard is, the navigation, and which page a path names. A page draws
 * itself into the content area for the filters it is given; the shell (`main.ts`) owns the
 * filters, the URL, the loading state and the page-wide error box.
 */
import { getMetric, type MetricResponse, type OrgRow } from '../api.ts';
import type { MetricCatalog } from '../catalog.ts';
import type { OrgDirectory } from '../directory.ts';
import { filtersToQuery, type Filters } from '../filters.ts';
import { formatDate } from '../format.ts';

export interface Page {
  title: string;
  description: string | null;
  /**
   * Which filters apply: all of them, only the period (an organization's own page), all but the
   * period (the data quality of the last loads), or none (accounts).
   */
  scope: 'all' | 'period' | 'orgs' | 'none';
  /** The navigation item shown as current. */
  navPath: string;
  /** The indicators the page shows: what «Выгрузить» puts in the workbook (`metrics=`). */
  metrics: readonly string[];
  /** Loads and draws the data for `filters`; rejects with an `ApiError` (Russian message) or an `AbortError`. */
  show(filters: Filters, signal: AbortSignal): Promise<void>;
  /** Removes what `show` drew (after an error, so old numbers are not taken for the new filters). */
  clear(): void;
  /** The page is replaced: chart views are finalized. */
  dispose(): void;
}

export interface PageContext {
  catalog: MetricCatalog;
  directory: OrgDirectory;
  /** The browser's today (tests pin the clock). */
  today: Date;
}

export { NAV_ITEMS, ORG_PAGE_PREFIX, REPORT_PATH, routeOf, sameRoute, type NavItem, type Route } from '../../shared/routes.ts';
import { ORG_PAGE_PREFIX } from '../../shared/routes.ts';

/** A link to a page with the current filters, so switching pages keeps the period and the organizations. */
export function pageHref(path: string, filters: Filters): string {
  return `${path}?${filtersToQuery(filters).toString()}`;
}

/** «Выгрузить»: the workbook of `metrics` for `filters` (GET /api/export.xlsx). */
export function exportHref(filters: Filters, metrics: readonly string[]): string {
  const query = filtersToQuery(filters);
  if (metrics.length > 0) query.set('metrics', metrics.join(','));
  return `/api/export.xlsx?${query.toString()}`;
}

export function orgPageHref(code: string, filters: Filters): string {
  return pageHref(`${ORG_PAGE_PREFIX}${encodeURIComponent(code)}`, filters);
}

// ------------------------------------------------------------------ loading

export interface MetricRequest {
  /** `grain=month`: one row per organization and month end. */
  grain?: 'month';
  /** Another end of the period (the trend stops at the current month). */
  to?: string;
  /** Leave out the type and organization filters (an organization's page compares it with all). */
  allOrgs?: boolean;
}

/**
 * Loads the metrics of one `show`: each (metric, query) once, however many panels need it,
 * all cancelled together when the filters change again.
 */
export class Loader {
  private readonly pending = new Map<string, Promise<MetricResponse<OrgRow>>>();

  constructor(
    readonly filters: Filters,
    private readonly signal: AbortSignal,
  ) {}

  query(request: MetricRequest = {}): URLSearchParams {
    const filters: Filters = request.allOrgs ? { ...this.filters, type: null, orgs: [] } : this.filters;
    // The comparison period is the shell's comparison panel's (client/compare.ts), not the metrics'.
    const query = filtersToQuery({ ...filters, compare: null, to: request.to ?? filters.to });
    if (request.grain) query.set('grain', request.grain);
    return query;
  }

  metric<Row extends OrgRow>(name: string, request: MetricRequest = {}): Promise<MetricResponse<Row>> {
    const query = this.query(request);
    const key = `${name}?${query.toString()}`;
    let promise = this.pending.get(key);
    if (!promise) {
      promise = getMetric<OrgRow>(name, query, this.signal);
      this.pending.set(key, promise);
    }
    return promise as Promise<MetricResponse<Row>>;
  }
}

// ------------------------------------------------------------------ wording shared by pages

/** A filtered view totals only the organizations shown, and must not be read as the municipality's value. */
export function isFiltered(filters: Filters): boolean {
  return filters.type !== null || filters.orgs.length > 0;
}

/** "01.09.2024 — 31.08.2025" */
export function periodText(filters: Filters): string {
  return `${formatDate(filters.from)} — ${formatDate(filters.to)}`;
}

/** The total row's name in tables. */
export function totalRowLabel(filters: Filters): string {
  if (filters.orgs.length === 1 && filters.type === null) return 'Итого по организации';
  return isFiltered(filters) ? 'Итого по выбранным организациям' : 'Итого по муниципалитету';
}

/** The total's name on charts. */
export function totalChartLabel(filters: Filters): string {
  if (filters.orgs.length === 1 && filters.type === null) return 'По организации';
  return isFiltered(filters) ? 'По выбранным организациям' : 'По муниципалитету';
}

/** File name of a saved chart: what it shows and the period. */
export function chartFileName(name: string, filters: Filters): string {
  return `${name}_${filters.from}_${filters.to}`;
}

export const NO_ORGS_MESSAGE = 'Нет организаций, подходящих под выбранные фильтры.';
