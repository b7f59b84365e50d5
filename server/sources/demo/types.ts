/** The demo municipality (server/sources/demo/): options and public types. */
import type { Cell, RawTab } from '../types.ts';

export interface DemoOptions {
  /** The "today" of the generated data, `YYYY-MM-DD`. Default `2025-05-15`. */
  referenceDate?: string;
  seed?: number;
  /** Number of schools (default 8), kindergartens (14) and additional-education organizations (2). */
  schools?: number;
  kindergartens?: number;
  additional?: number;
  /** Multiplies the staff of every organization (default 1: schools 30–60, kindergartens 12–25). */
  teachersScale?: number;
  /** Organizations listed with `Активна = Нет` and no tabs (default 1). */
  inactive?: number;
}

export interface DeliberateError {
  /** Organization code. */
  org: string;
  /** Tab title as in the organization's spreadsheet. */
  tab: string;
  /** Sheet row number as the school sees it (1-based, title rows and header included). */
  row: number;
  /** Column header as written in that organization's sheet (may be an alias). */
  column: string;
  /** The contract's header of that column. */
  canonicalColumn: string;
  /** The planted value; absent in the static list when it depends on the data (a misspelt name). */
  value?: Cell;
  severity: 'error' | 'warning';
  problem:
    | 'impossible_date'
    | 'ambiguous_date'
    | 'unknown_category'
    | 'unknown_enum'
    | 'text_in_number'
    | 'unknown_person'
    | 'missing_required'
    | 'events_done_gt_planned';
}

export interface Municipality {
  /** The registry tab `Организации`, header row included. */
  registry: RawTab;
  /** Each organization's tabs, keyed by its `Таблица` value (the demo spreadsheet ID, `demo-<Код>`). */
  orgs: Map<string, RawTab[]>;
  /** The deliberately invalid cells actually planted (with their values). */
  deliberateErrors: DeliberateError[];
  stats: {
    organizations: number;
    teachers: number;
    pairs: number;
    programs: number;
    courses: number;
    attestations: number;
  };
}

export const DEFAULTS = {
  referenceDate: '2025-05-15',
  seed: 1162693, // the order № 116-26-93
  schools: 8,
  kindergartens: 14,
  additional: 2,
  teachersScale: 1,
  inactive: 1,
} as const;
