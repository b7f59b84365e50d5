/**
 * What every source (google, folder, demo) produces: the registry as a grid and, for each
 * organization, its tabs as grids of cell values. Nothing here knows the contract; parsing
 * and validation happen in `sync/`.
 */

import type { RawTab } from '../contract/grid.ts';

export type { Cell, Grid, RawTab } from '../contract/grid.ts';

/** One organization as listed in the registry (already validated). */
export interface OrgEntry {
  code: string;
  name: string;
  type: string;
  /** Spreadsheet ID (google), file or folder name (folder), or the demo key. */
  sheet: string;
  curator: string | null;
  /** «E-mail ответственного»: where the school's reminders go (issue #21); empty = none. */
  contacts: string[];
  active: boolean;
  /** Row number of the registry tab as the coordinator sees it (1-based). */
  registryRow: number;
}

export interface FetchContext {
  /** The version stored after the last successful load (e.g. Drive modifiedTime); null when never loaded. */
  lastVersion: string | null;
  /** Force a full read even when the source says nothing changed. */
  full: boolean;
  /**
   * The version this run has already found (an unchanged sheet read again, run.ts `readOrg`): a
   * source that would ask for it (Google with an API key: a Drive request) takes it as it is.
   */
  knownVersion?: string | null;
  /**
   * The tabs the sync needs (the contract's), by title. A source that can list titles before
   * reading reads only these; the others are returned by title with an empty grid (their
   * titles still name what the spreadsheet holds in messages). Default: every tab.
   */
  wantTab?: (title: string) => boolean;
  /**
   * Size limits of one tab. A source that knows a tab's grid size before reading it (Google)
   * refuses a tab over them unread (`RawTab.refused`).
   */
  limits?: { maxRowsPerTab: number; maxCellsPerSheet: number };
}

export type FetchResult =
  | {
      status: 'ok';
      tabs: RawTab[];
      version: string | null;
      requests: number;
      retries: number;
      /** The Google spreadsheet read, when the registry's «Таблица» named it by a link or a file chip rather than its ID (Google source). */
      spreadsheetId?: string;
    }
  | { status: 'unchanged'; version: string | null; requests: number; retries: number };

/**
 * A failure to read one organization's spreadsheet (no access, not found, network...).
 * `message` is Russian and is shown to the coordinator as is.
 */
export class SourceError extends Error {
  constructor(
    message: string,
    readonly code: 'forbidden' | 'not_found' | 'unavailable' | 'bad_shape' | 'too_big' | 'quota' | 'other',
    readonly requests = 0,
    readonly retries = 0,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}

export interface Source {
  readonly kind: 'demo' | 'folder' | 'google';
  /** A short human description for logs and sync_runs (never a secret). */
  readonly description: string;
  /**
   * The registry tab (`Организации`) as a grid, header row included. `counts`, when given, is
   * added the requests the read made and the retries among them (a failed read's too).
   */
  readRegistry(counts?: { requests: number; retries: number }): Promise<RawTab>;
  /** One organization's tabs. Throws SourceError when the spreadsheet cannot be read. */
  fetchOrg(org: OrgEntry, ctx: FetchContext): Promise<FetchResult>;
  /**
   * How long the reads of a sync of `orgs` organizations still need at the source's budget, in
   * ms (an upper bound, for the progress line); absent: the source has no budget.
   */
  etaMs?(orgs: number): number;
  /** What the sync's reading could not do as usual though nothing failed (google.ts: change detection), in Russian; absent or empty: nothing. */
  syncNotes?(): string[];
  /**
   * Requests of the sync that belong to no organization (google.ts: the change detection's
   * listing, one for every sheet), and the retries among them: the run's totals count them,
   * no organization's outcome does. Absent: none.
   */
  syncCounts?(): { requests: number; retries: number };
}
