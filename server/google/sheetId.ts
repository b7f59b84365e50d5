/** Google spreadsheet IDs as the registry's «Таблица» column may give them (an ID or a URL). */

export const ID_RE = /^[A-Za-z0-9_-]{5,}$/;

/**
 * The spreadsheet ID from a bare ID or a Google Sheets/Drive URL (`…/d/<id>/…`, `?id=<id>`).
 * Returns null for anything else, including "published to the web" links (`/d/e/…`), whose
 * ID the API does not accept.
 */
export function extractSpreadsheetId(s: string): string | null {
  const text = s.trim();
  if (text === '') return null;
  if (ID_RE.test(text)) return /[A-Za-z0-9]/.test(text) ? text : null;
  if (!/^https?:\/\//i.test(text) && !/^(docs|drive)\.google\.com\//i.test(text)) return null;
  if (/\/d\/e\//.test(text)) return null;
  const m = /\/d\/([A-Za-z0-9_-]+)(?:[/?#]|$)/.exec(text) ?? /[?&]id=([A-Za-z0-9_-]+)(?:[&#]|$)/.exec(text);
  const id = m?.[1];
  return id !== undefined && ID_RE.test(id) ? id : null;
}


/** A1 notation of a whole tab: the title in single quotes, apostrophes doubled (`'Дела''2024'`). */
export function quoteSheetTitle(title: string): string {
  return `'${title.replace(/'/g, "''")}'`;
}
