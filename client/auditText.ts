/** The journal of actions (page «Синхронизация»): an entry's object in words. */
import { METRICS } from '../shared/metrics.ts';
import { ROLE_LABELS } from './accountForm.ts';
import type { Role } from './session.ts';

/** What an export's journal entry names (server/routes/report.ts, export.ts, metrics.ts): in words. */
const EXPORT_TARGETS: Readonly<Record<string, string>> = {
  summary: 'сводка (PDF)',
  report: 'отчёт по всем показателям (PDF)',
  // The lists of people (server/routes/people.ts): it showed «mentees», «mentors».
  mentees: 'список наставляемых',
  mentors: 'список наставников',
};

/** An entry's object as a person reads it: an export's metrics by their short titles, not by their API names. */
export function auditTargetText(action: string, target: string | null): string | null {
  if (!target || !action.startsWith('export_')) return target;
  return target
    .split(',')
    .map((t) => EXPORT_TARGETS[t] ?? METRICS.find((m) => m.name === t)?.short ?? t)
    .join(', ');
}

/**
 * An entry's detail as a person reads it: dates `ГГГГ-ММ-ДД` as `ДД.ММ.ГГГГ`, a role's API name
 * («роль coordinator», from the command line of older versions) in the words of the role lists.
 */
export function auditDetailText(detail: string | null): string | null {
  if (!detail) return detail;
  return detail
    .replace(/\b(\d{4})-(\d{2})-(\d{2})\b/g, '$3.$2.$1')
    .replace(/(?<![\p{L}])роль (coordinator|school|region)\b/gu, (_, role: Role) => `роль ${ROLE_LABELS[role].toLowerCase()}`);
}
