/** The lines `npm run sync` prints per organization (server/cli/sync.ts). */
import type { OrgOutcome } from '../sync/run.ts';

const STATUS: Record<OrgOutcome['status'], string> = {
  ok: 'загружена',
  unchanged: 'без изменений',
  failed: 'ОШИБКА',
  held: 'ЗАДЕРЖАНА',
  inactive: 'неактивна',
  skipped: 'пропущена',
};

/**
 * An organization's line of the sync's output (without a terminal). A load says what did not
 * load with it — a tab refused as a whole, a tab kept — which it left out («загружена — строк 0»
 * for a sheet whose only filled tab was refused: an outside review).
 */
export function outcomeLine(o: OrgOutcome): string {
  const detail = o.status === 'ok' ? [`строк ${o.rowsLoaded}, в карантине ${o.rowsQuarantined}`, o.message, o.reread].filter(Boolean).join('; ') : (o.message ?? '');
  return `${o.org}: ${STATUS[o.status]}${detail ? ` — ${detail}` : ''}`;
}

/**
 * The findings the command lists, at most `max`: as the list orders them — or, cut, the errors
 * first (300 warnings of another organization hid six new errors: an outside review).
 */
export function findingsShown<T extends Record<string, unknown>>(rows: readonly T[], max: number): readonly T[] {
  if (rows.length <= max) return rows;
  return [...rows.filter((r) => r.level === 'error'), ...rows.filter((r) => r.level !== 'error')].slice(0, max);
}
