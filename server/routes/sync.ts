/** `GET /api/sync/runs` (history with per-organization outcomes), `POST /api/sync` (start one). */
import { Router } from 'express';
import { auditor, requireCoordinatorAccount, requireWriter, type AuthDeps } from '../auth/http.ts';
import { sqlOf } from '../db/queries.ts';
import type { Db } from '../db/db.ts';
import { HttpError } from '../http/errors.ts';
import type { SyncSummary } from '../sync/run.ts';
import { syncInProgress } from '../sync/run.ts';

export function syncRouter(deps: { db: Db; startSync: (() => Promise<SyncSummary>) | null; auth: AuthDeps }): Router {
  const r = Router();
  const audit = auditor(deps.auth);

  r.get('/sync/runs', async (req, res) => {
    // Every organization's load messages: the coordinator's own account (a school sees its own on
    // «Качество данных»); never a read-only session — the demo one included.
    requireCoordinatorAccount(res, 'журнал синхронизаций');
    const limit = Math.min(Math.max(Number(req.query.limit ?? 20) || 20, 1), 200);
    const runs = await deps.db.query(sqlOf('lists/sync_runs'), { limit });
    const ids = runs.map((x) => String(x.id));
    const orgs = ids.length
      ? await deps.db.query(sqlOf('lists/sync_run_orgs'), { ids })
      : [];
    res.json({
      running: syncInProgress(),
      runs: runs.map((run) => ({
        ...run,
        orgs: orgs
          .filter((o) => o.run_id === run.id)
          .map(({ run_id: _r, tabs, ...o }) => ({ ...o, tabs: tabs ? JSON.parse(String(tabs)) : null })),
      })),
    });
  });

  r.post('/sync', async (req, res) => {
    requireWriter(res, 'запуск синхронизации');
    if (!deps.startSync) throw new HttpError(503, 'sync_unavailable', 'синхронизация не настроена: задайте источник данных (SHEETS_REGISTRY_ID или SOURCE_DIR) и перезапустите сервер');
    if (syncInProgress()) throw new HttpError(409, 'sync_running', 'синхронизация уже идёт; дождитесь её окончания');
    await audit(req, res, 'sync_start', null);
    const done = deps.startSync();
    done.catch(() => undefined);
    res.status(202).json({ started: true });
  });

  return r;
}
