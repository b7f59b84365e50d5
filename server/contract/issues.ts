/** A finding about the data, addressed the way a school sees its sheet. */
export type Level = 'error' | 'warning' | 'notice';

export interface DataIssue {
  level: Level;
  /** Organization code; null for the registry as a whole. */
  org: string | null;
  /** Tab title as the contract names it (or as found in the sheet). */
  tab: string;
  /** Row number as the school sees it (1-based); null for a tab-level finding. */
  row: number | null;
  /** Column header as in the sheet (or the contract's header when missing). */
  column: string | null;
  /** The raw value as typed; null when not about one value. */
  value: string | null;
  /** What is wrong and what is expected, in Russian, without the location. */
  problem: string;
}

/** The full Russian message: organization, tab, row, column, value, then the problem. */
export function formatIssue(i: DataIssue): string {
  const parts: string[] = [];
  if (i.org) parts.push(i.org);
  parts.push(`лист «${i.tab}»`);
  if (i.row !== null) parts.push(`строка ${i.row}`);
  if (i.column !== null) parts.push(`столбец «${i.column}»`);
  const where = parts.join(', ');
  const value = i.value !== null ? `значение «${i.value.length > 80 ? i.value.slice(0, 80) + '…' : i.value}» — ` : '';
  return `${where}: ${value}${i.problem}`;
}
