/**
 * Cells merged down a column, as the school reads them — one rule for every source (google/answers.ts
 * fillMerges, sources/folder.ts readXlsx). A mentoring group written as several rows with the mentor
 * merged down them is that mentor on each row that holds something of its own; a row of the range
 * that holds nothing else — its top row too — is no record but an empty row: a range merged on
 * below the last record made 29 rows of nothing but «Должность» into quarantined records, and a
 * group's empty first row one with five errors (outside reviews). A range of which no row holds
 * anything else (a header merged down two rows, a lone merged cell) keeps its value in its top
 * cell only.
 */
import type { Grid } from './grid.ts';
import { statesNothing } from './values.ts';

/** Rows `top` to `end` (exclusive, 0-based) of column `col` merged: a range that spans at least two rows. */
export interface DownMerge {
  top: number;
  end: number;
  col: number;
}

/** Fills `grid` (in place) for `merges` by the rule above; ranges of one row are left alone. */
export function fillDownMerges(grid: Grid, merges: readonly DownMerge[]): Grid {
  const down = merges.filter((m) => m.end - m.top > 1);
  if (down.length === 0) return grid;
  // The cells of the ranges: their values are not the row's own.
  const merged = new Set<string>();
  for (const m of down) for (let r = m.top; r < Math.min(m.end, grid.length); r++) merged.add(`${r}:${m.col}`);
  const own = grid.map((row, r) => row.some((cell, c) => !statesNothing(cell) && !merged.has(`${r}:${c}`)));
  for (const m of down) {
    const value = grid[m.top]?.[m.col];
    if (value === undefined || statesNothing(value)) continue;
    const last = Math.min(m.end, grid.length);
    let any = false;
    for (let r = m.top; r < last; r++) any ||= own[r]!;
    for (let r = m.top; r < last; r++) {
      const row = grid[r]!;
      if (any ? own[r] : r === m.top) {
        while (row.length <= m.col) row.push(null);
        row[m.col] = value;
      } else if (m.col < row.length) {
        row[m.col] = null;
      }
    }
  }
  return grid;
}

/** «A4:B7» as a range merged down (0-based rows, the first column), or null for a range of one row or not of this form. */
export function downMergeOf(range: string): DownMerge | null {
  const m = /^([A-Z]+)(\d+):([A-Z]+)(\d+)$/.exec(range.toUpperCase());
  if (!m) return null;
  const col = [...m[1]!].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;
  const top = Number(m[2]) - 1;
  const end = Number(m[4]);
  return end - top > 1 ? { top, end, col } : null;
}
