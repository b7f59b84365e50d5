/**
 * What a page of the dashboard is, and the list of pages the navigation shows. A page draws
 * itself into the content area for the filters it is given; the shell (`main.ts`) owns the
 * filters, the URL, the loading state and the error box.
 */
import type { Filters } from '../filters.ts';

export interface PageInfo {
  title: string;
  description: string | null;
}

export interface Page {
  info: PageInfo;
  /** Loads and draws the data for `filters`; rejects with an `ApiError` (Russian message) or an `AbortError`. */
  show(filters: Filters, signal: AbortSignal): Promise<void>;
  /** Removes what `show` drew (after an error, so old numbers are not taken for the new filters). */
  clear(): void;
}

export interface NavItem {
  path: string;
  title: string;
  /** Pages not built yet are listed, greyed out, so the structure of the dashboard is visible. */
  ready: boolean;
}

/**
 * Paths the server answers with `index.html` (`server/routes/client.ts`, `PAGE_PATHS`) must
 * include every ready page. Until «Обзор» exists, `/` shows «Вовлечённость».
 */
export const NAV_ITEMS: readonly NavItem[] = [
  { path: '/', title: 'Обзор', ready: false },
  { path: '/engagement', title: 'Вовлечённость', ready: true },
  { path: '/organizations', title: 'Организации', ready: false },
  { path: '/professional-development', title: 'Повышение квалификации и аттестация', ready: false },
  { path: '/programs', title: 'Программы (ППН)', ready: false },
  { path: '/compliance', title: 'Исполнение распоряжения', ready: false },
  { path: '/data-quality', title: 'Качество данных', ready: false },
];

/** The page shown when the path names no ready page. */
export const DEFAULT_PAGE_PATH = '/engagement';
