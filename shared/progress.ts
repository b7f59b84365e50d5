/**
 * The progress of a running sync as the server streams it (`GET /api/sync/events`,
 * server/sync/progress.ts) and the operations page draws it (client/pages/operations.ts).
 */

/** How an organization's read ended (server/sync/run.ts OrgStatus). */
export type SyncOrgStatus = 'ok' | 'unchanged' | 'failed' | 'held' | 'inactive' | 'skipped';

export interface SyncProgress {
  running: boolean;
  /** sync_runs.id of the running (or last) sync of this process; null before the first. */
  runId: number | null;
  /** 'start' | 'schedule' | 'api' (the browser) | 'token' (a script with an API token) | 'school' | 'cli' | 'test'. */
  trigger: string | null;
  /** The organization of a one-organization re-read, else null. */
  org: string | null;
  startedAt: string | null;
  /** Organizations to read, read so far, finished (loaded, unchanged, failed, held). */
  total: number;
  fetched: number;
  done: number;
  counts: Record<'ok' | 'unchanged' | 'failed' | 'held', number>;
  /** The last organizations that failed or were held, newest last (at most 20). */
  problems: { org: string; status: SyncOrgStatus; message: string | null }[];
  /** Set when the sync has finished: its status and the one-line summary. */
  finished: { status: 'ok' | 'partial' | 'failed'; line: string; at: string } | null;
}
