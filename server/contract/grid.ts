/**
 * Cells and grids: what every source (google, folder, demo) delivers and what the contract
 * lays out. The lowest layer: the contract, the sources and the template all import from here.
 */

/** One cell as a source delivers it: Sheets UNFORMATTED_VALUE semantics. Dates may be serial numbers. */
export type Cell = string | number | boolean | null;

/** Rows of cells; rows may be ragged (trailing empty cells omitted), like the Sheets API returns them. */
export type Grid = Cell[][];

export interface RawTab {
  /** The tab title exactly as in the spreadsheet. */
  title: string;
  grid: Grid;
  /**
   * Set when the source did not read the tab because it is over the size limits (its grid size
   * is known before reading): why, in Russian. The grid is then empty and the tab's stored rows
   * are kept.
   */
  refused?: string;
  /** The tab is hidden in the spreadsheet (Google's `properties.hidden`, an .xlsx sheet's state): its rows load, with a warning. */
  hidden?: boolean;
  /** Google's id of the tab (`properties.sheetId`, the `#gid=` of its address): a finding links to its row. */
  gid?: number;
}

/** A value of the Sheets API as a cell: strings, numbers and booleans as they are, null for nothing, anything else as text. */
export function toCell(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return String(v);
}

/** API rows (`values` of a ValueRange) → Grid. Missing `values` (an empty tab) is an empty grid; ragged rows stay ragged. */
export function toGrid(values: unknown): Grid {
  if (!Array.isArray(values)) return [];
  return values.map((row: unknown) => (Array.isArray(row) ? row.map(toCell) : []));
}

/** A column's letter, 1-based: 1 → A, 26 → Z, 27 → AA. */
export function columnLetter(n: number): string {
  let s = '';
  for (let x = n; x > 0; x = Math.floor((x - 1) / 26)) s = String.fromCharCode(65 + ((x - 1) % 26)) + s;
  return s;
}
