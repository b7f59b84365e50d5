/**
 * The progress of the sync running in this process (one at a time: run.ts), for the
 * operations page's live view (`GET /api/sync/events`, server-sent events). run.ts reports
 * into it as organizations are read and finished; listeners get every change. Counts and the
 * organizations that failed, never row data.
 */
import type { SyncProgress } from '../../shared/progress.ts';
import type { OrgOutcome, SyncSummary } from './run.ts';

export type { SyncProgress };


const IDLE: SyncProgress = {
  running: false,
  runId: null,
  trigger: null,
  org: null,
  startedAt: null,
  total: 0,
  fetched: 0,
  done: 0,
  counts: { ok: 0, unchanged: 0, failed: 0, held: 0 },
  problems: [],
  finished: null,
};

let state: SyncProgress = IDLE;
const listeners = new Set<(p: SyncProgress) => void>();

function emit(next: SyncProgress): void {
  state = next;
  for (const fn of listeners) {
    try {
      fn(state);
    } catch {
      // a listener's failure (a closed connection) is its own business
    }
  }
}

/** The progress as it stands (each step replaces the object; none is changed in place). */
export function syncProgress(): SyncProgress {
  return state;
}

/** Calls `fn` on every change; returns the unsubscribe. */
export function onSyncProgress(fn: (p: SyncProgress) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function progressStarted(runId: number, trigger: string, org: string | null, at: string): void {
  emit({ ...IDLE, counts: { ...IDLE.counts }, running: true, runId, trigger, org, startedAt: at });
}

/** A sync that could not even begin (its run not recorded: the database file takes no writes). */
export function progressNotStarted(trigger: string, org: string | null, line: string, at: string): void {
  emit({ ...IDLE, counts: { ...IDLE.counts }, trigger, org, startedAt: at, finished: { status: 'failed', line, at } });
}

export function progressFetched(fetched: number, total: number): void {
  emit({ ...state, fetched, total });
}

export function progressOrg(o: OrgOutcome, done: number, total: number): void {
  const counts = { ...state.counts };
  if (o.status === 'ok' || o.status === 'unchanged' || o.status === 'failed' || o.status === 'held') counts[o.status]++;
  const problems = o.status === 'failed' || o.status === 'held' ? [...state.problems, { org: o.org, status: o.status, message: o.message }].slice(-20) : state.problems;
  emit({ ...state, done, total, counts, problems });
}

export function progressFinished(summary: SyncSummary, line: string, at: string): void {
  emit({ ...state, running: false, finished: { status: summary.status, line, at } });
}
