/**
 * Grids as Google Sheets would hold what a school typed (UNFORMATTED_VALUE): a valid
 * `дд.мм.гггг` becomes a date serial number (in a fake spreadsheet, formatted as a date), a whole
 * number becomes a number; everything else (`1,5`, `3.1`, `31.02.2023`, words) stays text.
 */
import { daysFromCivil, serialFromIso } from '../../server/contract/index.ts';
import type { Cell, Grid, RawTab } from '../../server/sources/types.ts';
import type { FakeTab } from '../../fakes/googleSheets.ts';

function isCalendarDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const next = m === 12 ? daysFromCivil(y + 1, 1, 1) : daysFromCivil(y, m + 1, 1);
  return d <= next - daysFromCivil(y, m, 1);
}

export function asSheetsCell(c: Cell): Cell {
  if (typeof c !== 'string') return c;
  const date = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(c);
  if (date) {
    const [d, m, y] = [Number(date[1]), Number(date[2]), Number(date[3])];
    return y >= 1900 && isCalendarDate(y, m, d) ? serialFromIso(`${date[3]}-${date[2]}-${date[1]}`) : c;
  }
  if (/^-?\d{1,9}$/.test(c)) return Number(c);
  return c;
}

export function asSheetsGrid(g: Grid): Grid {
  return g.map((row) => row.map(asSheetsCell));
}

/** As a fake spreadsheet: a date typed is a serial number in a cell Sheets formats as a date (DATE), as Sheets keeps it. */
export function asFakeTabs(tabs: readonly RawTab[]): FakeTab[] {
  return tabs.map((t) => {
    const numberFormats: NonNullable<FakeTab['numberFormats']> = [];
    const rows = t.grid.map((row, r) =>
      row.map((typed, c) => {
        const cell = asSheetsCell(typed);
        if (typeof cell === 'number' && typeof typed === 'string' && typed.includes('.')) {
          numberFormats.push({ range: { startRowIndex: r, endRowIndex: r + 1, startColumnIndex: c, endColumnIndex: c + 1 }, type: 'DATE' });
        }
        return cell;
      }),
    );
    return { title: t.title, rows, ...(numberFormats.length ? { numberFormats } : {}) };
  });
}
