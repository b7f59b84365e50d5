/**
 * The change log of an organization (issue #20, part 3), as `GET /api/orgs/:code/changes`
 * answers it (server/db/history.ts `orgChanges`) and the organization's page shows it
 * (client/changes.ts).
 */

/** A value as the sheet holds it, in the JSON of a version: text, number, boolean, ISO date, list, or null. */
export type CellValue = string | number | boolean | string[] | null;

export interface RowRef {
  /** The row's name (ROW_NAME values joined by « — »). */
  name: string;
  /** Its row in the sheet: where the version stood when it appeared (added, changed) or last appeared (removed). */
  row_no: number;
}

export interface TabChanges {
  /** The tab's key (teachers, pairs, …). */
  tab: string;
  title: string;
  /** The tab's first load for this organization: only its row count, not every row as «added». */
  first_load: number | null;
  /** `corrected`: the row failed the checks at the load before (quarantined) and loads now — corrected, not new to the sheet. */
  added: (RowRef & { corrected?: true })[];
  /** `quarantined`: the row failed the checks at this load — still in the sheet, left out of the data (see «Качество данных»). */
  removed: (RowRef & { quarantined?: true })[];
  changed: (RowRef & { columns: { column: string; title: string; old: CellValue; new: CellValue }[] })[];
}

export interface SyncChanges {
  run_id: number;
  /** When the sync finished (its start while it runs), `YYYY-MM-DD HH:MM:SS`. */
  at: string;
  tabs: TabChanges[];
}
