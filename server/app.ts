/**
 * The Express app, built without listening (tests start it on port 0). One JSON error shape:
 * `{ "error": { "code", "message" } }` with the HTTP status; unknown API routes are a JSON 404.
 */
import express, { type ErrorRequestHandler, type Router } from 'express';
import type { Db } from './db.ts';
import { HttpError, notFound } from './errors.ts';
import { exportRouter } from './routes/export.ts';
import { MetricCache } from './metricCache.ts';
import { metricsRouter } from './routes/metrics.ts';
import { qualityRouter } from './routes/quality.ts';
import { reportRouter } from './routes/report.ts';
import { syncRouter } from './routes/sync.ts';
import type { SyncSummary } from './sync/run.ts';

export interface AppDeps {
  db: Db;
  /** The clock (tests pin it). */
  now?: () => Date;
  /** Starts a sync in the background; null when no source is configured. */
  startSync?: (() => Promise<SyncSummary>) | null;
  /** The client (dashboard pages); omitted in API-only tests. */
  client?: Router;
  log?: (line: string) => void;
  /** Cached metric answers; main.ts passes its own to warm it after each sync. */
  metricCache?: MetricCache;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  const now = deps.now ?? (() => new Date());
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  app.use((_req, res, next) => {
    res.set('X-Content-Type-Options', 'nosniff');
    res.set('Referrer-Policy', 'same-origin');
    res.set('X-Frame-Options', 'DENY');
    next();
  });
  app.use(express.json({ limit: '100kb' }));

  const api = express.Router();
  api.get('/health', (_req, res) => {
    res.json({ ok: true });
  });
  const cache = deps.metricCache ?? new MetricCache(deps.db);
  api.use(metricsRouter({ db: deps.db, now, cache }));
  api.use(exportRouter({ db: deps.db, now, cache }));
  api.use(reportRouter({ now }));
  api.use(syncRouter({ db: deps.db, startSync: deps.startSync ?? null }));
  api.use(qualityRouter({ db: deps.db }));
  api.use((req, _res, next) => next(notFound(`нет такого адреса API: ${req.method} ${req.baseUrl}${req.path}`)));
  app.use('/api', api);

  if (deps.client) app.use(deps.client);

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    if (err instanceof HttpError) {
      res.status(err.status).json({ error: { code: err.code, message: err.message } });
      return;
    }
    // Body parser errors carry a status; anything else is ours: log it, never send a stack trace.
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) deps.log?.(`Ошибка сервера: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    res.status(status).json({
      error: {
        code: status === 500 ? 'internal' : 'bad_request',
        message: status === 500 ? 'внутренняя ошибка сервера; подробности — в журнале сервера' : 'неверный запрос',
      },
    });
  };
  app.use(onError);
  return app;
}
