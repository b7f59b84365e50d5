/**
 * The Express app, built without listening (tests start it on port 0). One JSON error shape:
 * `{ "error": { "code", "message" } }` with the HTTP status; unknown API routes are a JSON 404.
 *
 * Safe on a school network: security headers (helmet) with a Content-Security-Policy that
 * allows scripts from this server only — no inline script, no `eval` (the charts run vega's
 * expression interpreter) — a 100 kB body limit, no stack trace ever sent, every API route
 * behind a login or an API token with the role and organization checked on the server.
 *
 * Personal data is not cached: every answer is `Cache-Control: no-store` unless its route says
 * otherwise — which only answers without a person's name do: the static script and stylesheet,
 * the help page and the template (`no-cache` + ETag), and a metric's JSON (aggregate numbers
 * and organization names: `private, no-cache` + ETag, revalidated cheaply).
 */
import '../contract/zodRu.ts';
import express, { type ErrorRequestHandler, type Router } from 'express';
import helmet from 'helmet';
import qs from 'qs';
import { QUERY_LIST_LIMIT } from '../metrics/params.ts';
import { auditor, authenticate, csrfGuard, requireApiAuth, sessionRouter, type AuthDeps } from '../auth/http.ts';
import { pageGuard } from '../auth/pages.ts';
import { storageProblem, type Db } from '../db/db.ts';
import { HttpError, notFound } from './errors.ts';
import { escapeHtml, sendPage } from './html.ts';
import { gzipLargeJson } from './gzip.ts';
import { exportRouter } from '../routes/export.ts';
import { MetricCache } from '../metrics/cache.ts';
import { matchingRouter } from '../routes/matching.ts';
import { metricsRouter } from '../routes/metrics.ts';
import { peopleRouter } from '../routes/people.ts';
import { practicesRouter } from '../routes/practices.ts';
import { qualityRouter } from '../routes/quality.ts';
import { changesRouter } from '../routes/changes.ts';
import { reportRouter } from '../routes/report.ts';
import { helpRouter } from '../routes/help.ts';
import { syncRouter, type StartSync } from '../routes/sync.ts';
import { holdsRouter } from '../routes/holds.ts';
import { usersRouter } from '../routes/users.ts';
import { subscriptionsRouter } from '../routes/subscriptions.ts';
import { Mailer } from '../mail/mailer.ts';
import { Subscriptions } from '../mail/subscriptions.ts';
import type { Alerts } from '../mail/alerts.ts';
import { Reminders } from '../mail/reminders.ts';
import { unsubscribeRouter } from '../routes/unsubscribe.ts';

export interface AppDeps {
  db: Db;
  /** The clock (tests pin it). */
  now?: () => Date;
  /** Starts a sync in the background; null when no source is configured. */
  startSync?: StartSync | null;
  /** The client (dashboard pages); omitted in API-only tests. */
  client?: Router;
  log?: (line: string) => void;
  /** Cached metric answers; main.ts passes its own to warm it after each sync. */
  metricCache?: MetricCache;
  /** Accounts and sessions: every route but the public ones needs a session or an API token. */
  auth: AuthDeps;
  /** `trust proxy` of Express (TRUST_PROXY): behind a reverse proxy, `req.secure` and `req.ip` come from it. */
  trustProxy?: string | number | boolean;
  /** Scheduled deliveries by e-mail (issue #21); main.ts passes its own (its scheduler ticks it). Default: mail off. */
  subscriptions?: Subscriptions;
  /** The coordinator's alerts (issue #21), for the operations page to say whether they are on. */
  alerts?: Alerts | null;
  /** Reminders to schools (issue #21): their status, and the unsubscribe link they carry. Default: off. */
  reminders?: Reminders;
  /**
   * The names a request may address the server by (`Host`), or none to take any: a server that
   * listens on this computer only (main.ts localHosts) answers its own names, not another site's
   * name pointed at 127.0.0.1 (DNS rebinding: its pages were «this site» to the server).
   */
  hosts?: ReadonlySet<string> | null;
}

/** The names of a server listening on loopback (HOST), with PUBLIC_URL's; null when it listens on a network (any name its users know it by). */
export function localHosts(host: string, publicUrl: string | undefined): Set<string> | null {
  const loopback = host === 'localhost' || host === '::1' || /^127\./.test(host);
  if (!loopback) return null;
  const names = new Set(['localhost', '127.0.0.1', '[::1]', host.includes(':') ? `[${host}]` : host]);
  if (publicUrl) {
    try {
      names.add(new URL(publicUrl).hostname.toLowerCase());
    } catch {
      // PUBLIC_URL is checked where it is read (config.ts).
    }
  }
  return names;
}

/**
 * The Content-Security-Policy. Scripts: this server only. Styles: this server, plus inline
 * `<style>` elements, which vega-embed and vega-tooltip insert for the chart menu and
 * tooltips (styles cannot run code). Images: data/blob URLs for the PNG/SVG export.
 */
export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** The largest JSON body a request may send (the 413 names it). */
const BODY_LIMIT_KB = 100;
const tooLarge = () => `слишком большой запрос: тело запроса — не больше ${BODY_LIMIT_KB} КБ`;

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  const now = deps.now ?? (() => new Date());
  app.disable('x-powered-by');
  const hosts = deps.hosts ?? null;
  if (hosts) {
    app.use((req, res, next) => {
      // The name without its port, as the browser sent it (`Host`; a proxy in front would set TRUST_PROXY, and no list applies).
      const name = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
      if (hosts.has(name) || name.endsWith('.localhost')) return next();
      res
        .status(421)
        .set('Cache-Control', 'no-store')
        .json({
          error: {
            code: 'misdirected',
            message: `сервер не отвечает на имя «${name.slice(0, 100)}»: он слушает только этот компьютер (HOST) — откройте http://localhost/ с его портом; имя, под которым его открывают через прокси, задайте в PUBLIC_URL`,
          },
        });
    });
  }
  // Express's `extended` parser (qs) with room for a list per organization: past qs's 20 items a
  // repeated `org=` became an object, read as the code «[object Object]» — 21 organizations ticked
  // gave an empty report with 200. Past QUERY_LIST_LIMIT a list is still an object: refused (400).
  app.set('query parser', (query: string) => qs.parse(query, { allowPrototypes: true, arrayLimit: QUERY_LIST_LIMIT }));
  if (deps.trustProxy !== undefined) app.set('trust proxy', deps.trustProxy);
  app.use(
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
      referrerPolicy: { policy: 'same-origin' },
      frameguard: { action: 'deny' },
      // HSTS only means something over HTTPS; the proxy in front (README) sets it there.
      strictTransportSecurity: false,
    }),
  );
  // The default for every answer; the routes of answers without names override it.
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  // A body announced past the limit is refused at once, and the connection closed: the body
  // parser reads a body to its end before it answers (not to break the connection) — a request
  // announcing 10 GB got no answer at all, its connection held until the timeout (an acceptance run).
  app.use((req, res, next) => {
    const declared = Number(req.headers['content-length']);
    if (!(declared > BODY_LIMIT_KB * 1024)) return next();
    res.set('Connection', 'close').status(413).json({ error: { code: 'bad_request', message: tooLarge() } });
  });
  app.use(express.json({ limit: `${BODY_LIMIT_KB}kb` }));
  app.use(gzipLargeJson());
  app.use(authenticate(deps.auth));
  app.use(csrfGuard());

  const auth = deps.auth;
  const api = express.Router();
  // For monitoring and a proxy, without logging in: the server runs and its database serves. A
  // database that cannot (its file removed or replaced under the process, DuckDB stopped after a
  // failed write) is 503 — the reason, which names the file, goes to the server's log (once per
  // reason), not to whoever asks.
  let healthLogged: string | null = null;
  api.get('/health', async (_req, res) => {
    const problem = await deps.db.problem();
    if (problem === null) {
      healthLogged = null;
      res.json({ ok: true });
      return;
    }
    if (problem !== healthLogged) console.error(`Проверка работоспособности (/api/health): ${problem}`);
    healthLogged = problem;
    res.status(503).json({ ok: false, error: { code: 'storage', message: 'база данных не работает: перезапустите сервер (причина — в журнале сервера)' } });
  });
  // Before every other API route, the session's own included (`/audit`): who may call what,
  // and an account that must change its password reaches only that.
  api.use(requireApiAuth());
  api.use(sessionRouter({ db: deps.db, auth }));
  const cache = deps.metricCache ?? new MetricCache(deps.db);
  api.use(metricsRouter({ db: deps.db, now, cache, auth }));
  api.use(exportRouter({ db: deps.db, now, cache, auth }));
  api.use(reportRouter({ db: deps.db, now, auth }));
  api.use(syncRouter({ db: deps.db, startSync: deps.startSync ?? null, auth }));
  api.use(holdsRouter({ db: deps.db, startSync: deps.startSync ?? null, auth }));
  api.use(qualityRouter({ db: deps.db, now, audit: auditor(auth) }));
  api.use(changesRouter({ db: deps.db, auth }));
  api.use(usersRouter({ auth }));
  api.use(peopleRouter({ db: deps.db, now, auth }));
  api.use(practicesRouter({ db: deps.db, now }));
  api.use(matchingRouter({ db: deps.db, now }));
  const subscriptions = deps.subscriptions ?? new Subscriptions({ db: deps.db, cache, mailer: new Mailer(deps.db, auth.store), store: auth.store, now });
  const reminders = deps.reminders ?? new Reminders({ db: deps.db, mailer: subscriptions.mailer, publicUrl: null, now });
  api.use(subscriptionsRouter({ subscriptions, alerts: deps.alerts ?? null, reminders, auth, now }));
  api.use((req, _res, next) => next(notFound(`нет такого адреса API: ${req.method} ${req.baseUrl}${req.path}`)));
  app.use('/api', api);

  app.use(helpRouter());
  app.use(unsubscribeRouter({ reminders, store: auth.store }));
  if (deps.client) {
    app.use(pageGuard());
    app.use(deps.client);
  }
  // Anything else (a mistyped address, a method no page takes): said in Russian, not Express's «Cannot GET».
  app.use((req, res) => {
    const text = `Нет такой страницы: ${req.method} ${req.path}`;
    // A person reads the address without the HTTP method (it read «GET /…»: an outside review).
    const page = req.method === 'GET' || req.method === 'HEAD' ? `Страницы по адресу ${req.path} нет — возможно, в адресе опечатка.` : `${text}.`;
    if (req.accepts(['html', 'json']) === 'html') sendPage(res, 404, 'Страница не найдена', `<p>${escapeHtml(page)}</p><p><a href="/">На главную</a></p>`);
    else res.status(404).json({ error: { code: 'not_found', message: text } });
  });

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    if (err instanceof HttpError) {
      if (err.retryAfterSec !== undefined && !res.get('Retry-After')) res.set('Retry-After', String(err.retryAfterSec));
      res.status(err.status).json({ error: { code: err.code, message: err.message } });
      return;
    }
    // The database file cannot be written (a full disk, no rights): 503 in words, not «internal».
    const storage = storageProblem(err);
    if (storage !== null) {
      deps.log?.(`Ошибка записи в базу: ${err instanceof Error ? err.message : String(err)}`);
      res.status(503).json({ error: { code: 'storage', message: storage } });
      return;
    }
    // Body parser errors carry a status; anything else is ours: log it, never send a stack trace.
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) deps.log?.(`Ошибка сервера: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    res.status(status).json({
      error: {
        code: status === 500 ? 'internal' : 'bad_request',
        message:
          status === 500
            ? 'внутренняя ошибка сервера; подробности — в журнале сервера'
            : status === 413
              ? tooLarge()
              : err?.type === 'entity.parse.failed'
                ? 'неверный запрос: тело — не JSON'
                : 'неверный запрос',
      },
    });
  };
  app.use(onError);
  return app;
}
