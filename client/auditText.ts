/** The journal of actions (page «Синхронизация»): an entry's object in words. */
import { METRICS } from '../shared/metrics.ts';

/** What an export's journal entry names (server/routes/report.ts, export.ts, metrics.ts): in words. */
const EXPORT_TARGETS: Readonly<Record<string, string>> = { summary: 'сводка (PDF)', report: 'отчёт по всем показателям (PDF)' };

/** An entry's object as a person reads it: an export's metrics by their short titles, not by their API names. */
export function auditTargetText(action: string, target: string | null): string | null {
  if (!target || !action.startsWith('export_')) return target;
  return target
    .split(',')
    .map((t) => EXPORT_TARGETS[t] ?? METRICS.find((m) => m.name === t)?.short ?? t)
    .join(', ');
}
