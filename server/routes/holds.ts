/**
 * The coordinator accepts a held load (a tab, or the registry, that would lose more than half
 * of its rows — server/sync/guard.ts):
 *
 *   POST /api/orgs/:code/accept-shrink   the organization's next load goes ahead as its sheet is now
 *   POST /api/registry/accept-shrink     the registry's next read goes ahead as it is now
 *
 * Only a held load can be accepted (409 otherwise: an acceptance waiting for a future load would
 * let an unrelated mistake through unasked). Coordinator only (not the read-only demo session),
 * CSRF-checked like every POST, audited. A
 * sync is started at once when one can be (a source is configured and none is running);
 * otherwise the acceptance waits for the next one. `npm run sync -- --accept-shrink КОД` does
 * the same from a terminal.
 */
import { Router, type Request, type Response } from 'express';
import { auditor, requireWriter, type AuthDeps } from '../auth/http.ts';
import type { StartSync } from './sync.ts';
import type { Db } from '../db/db.ts';
import { HttpError, badRequest, notFound } from '../http/errors.ts';
import { AcceptError, NotHeldError, REGISTRY_WORD, acceptShrink } from '../sync/holds.ts';
import { syncInProgress } from '../sync/run.ts';

export function holdsRouter(deps: { db: Db; startSync: StartSync | null; auth: AuthDeps }): Router {
  const r = Router();
  const audit = auditor(deps.auth);

  const accept = async (code: string, req: Request, res: Response) => {
    const p = requireWriter(res, 'подтверждение загрузки');
    let what: string;
    try {
      ({ what } = await acceptShrink(deps.db, code, p.login));
    } catch (e) {
      if (e instanceof NotHeldError) throw new HttpError(409, 'not_held', e.message);
      if (e instanceof AcceptError) throw notFound(e.message);
      throw e;
    }
    await audit(req, res, 'accept_shrink', what, null);
    let started = false;
    if (deps.startSync && !syncInProgress()) {
      deps.startSync().catch(() => undefined);
      started = true;
    }
    res.status(202).json({
      accepted: what,
      sync_started: started,
      message: started
        ? 'Принято: синхронизация запущена, данные будут загружены как есть.'
        : 'Принято: данные будут загружены как есть при следующей синхронизации.',
    });
  };

  r.post('/orgs/:code/accept-shrink', async (req, res) => {
    const code = req.params.code.trim();
    if (code === '' || code.length > 60) throw badRequest('неверный код организации');
    if (code.toLowerCase() === REGISTRY_WORD) throw badRequest('реестр подтверждается запросом POST /api/registry/accept-shrink');
    await accept(code, req, res);
  });

  r.post('/registry/accept-shrink', async (req, res) => {
    await accept(REGISTRY_WORD, req, res);
  });

  return r;
}
