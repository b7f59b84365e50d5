/**
 * What the sync accepts beyond the shape of the rows: how big a spreadsheet may be, and how
 * much of a tab may disappear at once before a person must confirm it (issue #17). Part of the
 * contract because schools read it (the page for schools states both) and the sync applies it.
 */

/** A tab over either limit is not read; its stored rows are kept. */
export const SHEET_LIMITS = {
  /** Rows of one tab, blank ones included (Google's grid size, or the rows delivered). */
  maxRowsPerTab: 50_000,
  /** Cells of one tab by its grid size (and of a whole spreadsheet as delivered by a source without grid sizes). */
  maxCellsPerSheet: 2_000_000,
} as const;

/**
 * The shrink guard: a load that would make a tab lose more than half of its rows, and at
 * least `minLostRows`, is held until the coordinator accepts it; a registry that would drop
 * more than half of its organizations, and at least `minLostOrgs`, likewise.
 */
export const SHRINK_RULE = { minLostRows: 10, minLostOrgs: 2 } as const;
