/**
 * Access control of the HTTP layer: who is asking (session cookie or bearer token), CSRF
 * protection of every state-changing request, the login/logout endpoints, and the checks
 * every route uses — role and organization scope — on the server, whatever the UI shows.
 *
 * Sessions: cookie `nm_session` (HttpOnly, SameSite=Lax, Secure when the request came over
 * HTTPS — behind a proxy with TRUST_PROXY set), no Max-Age: it ends with the browser, and the
 * server ends it after 8 hours idle or 7 days. CSRF: a per-session token the page reads from
 * `GET /api/session` and sends as `X-CSRF-Token` on every POST; and a cross-site Origin or
 * `Sec-Fetch-Site: cross-site` is refused outright. Bearer tokens carry no cookie, so they
 * need no CSRF token.
 *
 * The read-only demo login exists only while it is switched on (`AuthDeps.demoLogin`, from the
 * configuration) AND the database holds demo data only (server/sync/state.ts, provenance): otherwise
 * it is not offered, not opened, and an existing demo session counts as no session at all.
 * An account whose password was set by somebody else (`mustChangePassword`) reaches only the
 * session endpoints and `POST /api/session/password` until it sets its own.
 */
import { registryName } from '../sync/state.ts';
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { isoDate } from '../metrics/params.ts';
import { requireListed } from '../metrics/asof.ts';
import type { MetricParams } from '../metrics/parameters.ts';
import { ruDate } from '../contract/index.ts';
import type { Db } from '../db/db.ts';
import { HttpError } from '../http/errors.ts';
import { sameSecret } from './secrets.ts';
import { AuthError, DEMO_LOGIN, ROLE_TITLES, type AuthStore, type Principal, type Role } from './store.ts';
import { UNSUBSCRIBE_PATH } from '../../shared/routes.ts';

export const SESSION_COOKIE = 'nm_session';

export interface AuthDeps {
  store: AuthStore;
  /**
   * The configuration allows the read-only demo login (DEMO_LOGIN=auto, no source configured).
   * It is offered only while the database also holds demo data only (`demoLoginOpen`).
   */
  demoLogin: boolean;
}

/** The demo login is offered, accepted and honoured: switched on, and demo data only in the database. */
export async function demoLoginOpen(auth: AuthDeps): Promise<boolean> {
  return auth.demoLogin && (await auth.store.holdsOnlyDemoData());
}

export const unauthenticated = () => new HttpError(401, 'unauthenticated', 'Требуется вход: откройте страницу входа и введите логин и пароль.');
export const forbidden = (message: string) => new HttpError(403, 'forbidden', `Нет доступа: ${message}`);
export const passwordChangeRequired = () =>
  new HttpError(
    403,
    'password_change_required',
    'Сначала смените пароль: его выдал администратор или он создан при первом запуске. Откройте страницу «Сменить пароль» (/password) и задайте свой.',
  );

/** The principal of this request (set by `authenticate`); null when nobody is logged in. */
export function principal(res: Response): Principal | null {
  return (res.locals.principal as Principal | undefined) ?? null;
}

/** The principal, or 401. */
export function who(res: Response): Principal {
  const p = principal(res);
  if (!p) throw unauthenticated();
  return p;
}

export function requireRole(res: Response, roles: readonly Role[], what: string): Principal {
  const p = who(res);
  if (!roles.includes(p.role)) throw forbidden(`${what} — только для роли «${roles.map((r) => ROLE_TITLES[r]).join('» или «')}».`);
  return p;
}

/** A change (sync, user management): a coordinator, not the read-only demo session. */
export function requireWriter(res: Response, what: string): Principal {
  const p = requireRole(res, ['coordinator'], what);
  if (p.readOnly) throw forbidden(`${what} — недоступно в демонстрационном входе (только просмотр).`);
  return p;
}

/**
 * What only a coordinator's own account reads — the audit log, the sync journal (they name
 * real people, whatever data the dashboard shows): never a read-only session.
 */
export function requireCoordinatorAccount(res: Response, what: string): Principal {
  const p = requireRole(res, ['coordinator'], what);
  if (p.readOnly) throw forbidden(`${what} — недоступно в демонстрационном входе.`);
  return p;
}

/**
 * The organizations a request may read. A school user reads its own organization only: an
 * empty filter becomes it, any other code is refused (403) rather than silently dropped.
 */
export function scopeOrgs(p: Principal, requested: readonly string[]): string[] {
  if (p.role !== 'school') return [...requested];
  const own = p.org ?? '';
  const other = requested.find((o) => o !== own);
  if (other !== undefined) throw forbidden(`данные организации «${other}» недоступны учётной записи организации ${own}.`);
  return [own];
}

/**
 * A metric request's parameters scoped to the account (scopeOrgs). A school's own organization
 * is added after the parameters were checked, so it is checked here as an `org` filter is: one
 * out of the registry the answer reads is told so, not given a table of zeros. With a comparison
 * `base` as of another sync (cmp_as_of), the organizations are checked against that sync's
 * registry too: one not listed then had its base figures all zero, as if it had nobody.
 */
export async function scopeParams<P extends Pick<MetricParams, 'org' | 'as_of' | 'region'>>(db: Db, p: Principal, params: P, base?: Pick<MetricParams, 'as_of'> | null): Promise<P> {
  const scoped: P = { ...params, org: scopeOrgs(p, params.org), ...(p.role === 'region' ? { region: true as const } : {}) };
  if (p.role === 'school') await requireListed(db, scoped);
  if (base?.as_of && base.as_of.run !== scoped.as_of?.run) await requireListed(db, { org: scoped.org, as_of: base.as_of });
  return scoped;
}

function cookieValue(req: Request, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const v = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(v);
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** Sets `res.locals.principal` from a bearer token or the session cookie. An unknown bearer token is a 401. */
export function authenticate(deps: AuthDeps): RequestHandler {
  return (req, res, next) => {
    void (async () => {
      const auth = req.headers.authorization;
      if (auth !== undefined) {
        const m = /^Bearer\s+(\S+)$/i.exec(auth);
        const p = m ? await deps.store.tokenFor(m[1]!) : null;
        if (!p) throw new HttpError(401, 'bad_token', 'Токен доступа не принят: он неверен или отозван.');
        res.locals.principal = p;
        return;
      }
      const cookie = cookieValue(req, SESSION_COOKIE);
      if (!cookie) return;
      const p = await deps.store.sessionFor(cookie);
      // A demo session outlives neither the switch nor the demo data: then it is no session.
      if (p?.demo && !(await demoLoginOpen(deps))) {
        if (p.kind === 'session' && p.csrf !== null) await deps.store.logout(cookie);
        return;
      }
      res.locals.principal = p;
    })().then(() => next(), next);
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The origin this server is reached at, as the browser sees it. */
function ownOrigin(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? ''}`;
}

/** GET answers that make a file and record it as an export (the audit log; «Что изменилось с последнего отчёта» counts from it). */
const EXPORT_PATHS = new Set(['/api/export.xlsx', '/api/report.pdf', '/api/quality.xlsx']);
const makesExport = (req: Request) => EXPORT_PATHS.has(req.path) || (req.path.startsWith('/api/') && req.query['format'] === 'csv');

/**
 * CSRF: every state-changing request made with a session cookie carries the session's token
 * in `X-CSRF-Token`; a request from another site (Origin or Sec-Fetch-Site) is refused even
 * without a session (the login form: no logging a victim into the attacker's account).
 */
export function csrfGuard(): RequestHandler {
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) {
      // An export opened by another site's link in a logged-in browser (the session cookie goes
      // with a top-level navigation): it was recorded as the coordinator's report — moving the
      // baseline of «что изменилось», and a PDF started the server's browser (an acceptance run).
      // A script with an API token sends no cookie: not concerned.
      if (req.headers['sec-fetch-site'] === 'cross-site' && principal(res)?.kind === 'session' && makesExport(req)) {
        return next(forbidden('выгрузка по ссылке с другого сайта не выполняется (защита от подделки запросов): откройте мониторинг и выгрузите со страницы.'));
      }
      return next();
    }
    const origin = req.headers.origin;
    if (req.headers['sec-fetch-site'] === 'cross-site' || (origin !== undefined && origin !== ownOrigin(req))) {
      return next(forbidden('запрос с другого сайта отклонён (защита от подделки запросов).'));
    }
    const p = principal(res);
    // «Отписаться» is authorized by its signed link, not by the session (a plain form, or a
    // mail client's one-click POST): a coordinator logged in in the same browser must not break it.
    if (p?.kind === 'session' && req.path !== UNSUBSCRIBE_PATH) {
      const sent = req.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !p.csrf || !sameSecret(sent, p.csrf)) {
        return next(new HttpError(403, 'csrf', 'Запрос отклонён: нет или неверен токен защиты от подделки запросов (X-CSRF-Token). Обновите страницу и повторите.'));
      }
    }
    next();
  };
}

/** Demo logins from one address in DEMO_WINDOW_MS at most. */
const DEMO_PER_ADDRESS = 20;
const DEMO_WINDOW_MS = 60_000;

/** Every API path but these needs a principal. */
const PUBLIC_API = new Set(['/health', '/session', '/session/options', '/session/demo']);
/** ...and these are all an account that must change its password reaches. */
const PASSWORD_CHANGE_API = new Set([...PUBLIC_API, '/session/logout', '/session/password']);

export function requireApiAuth(): RequestHandler {
  return (req, res, next) => {
    const p = principal(res);
    if (p?.mustChangePassword && !PASSWORD_CHANGE_API.has(req.path)) return next(passwordChangeRequired());
    if (PUBLIC_API.has(req.path) || p) return next();
    next(unauthenticated());
  };
}

const loginSchema = z.object({
  login: z.string({ error: 'введите логин (поле login, текст)' }).trim().min(1, 'введите логин').max(100, 'слишком длинный логин'),
  password: z.string({ error: 'введите пароль (поле password, текст)' }).min(1, 'введите пароль').max(200, 'слишком длинный пароль'),
});

const passwordSchema = z.object({
  current: z.string({ error: 'введите текущий пароль' }).min(1, 'введите текущий пароль').max(200, 'слишком длинный текущий пароль'),
  password: z.string({ error: 'введите новый пароль' }).min(1, 'введите новый пароль').max(200, 'новый пароль слишком длинный: не больше 200 знаков'),
});

/** Refusals because too much is in flight are audited once a minute per address, not each. */
const FLOOD_NOTE_MS = 60_000;
const FLOOD_NOTES_MAX = 1000;

function sessionBody(p: Principal, orgName: string | null) {
  return {
    login: p.login,
    role: p.role,
    role_title: ROLE_TITLES[p.role],
    org: p.org,
    org_name: orgName,
    read_only: p.readOnly,
    demo: p.demo,
    via: p.kind,
    csrf: p.csrf,
    must_change_password: p.mustChangePassword === true,
  };
}

export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? '?';
}

/**
 * `GET /api/session` (who am I, and the CSRF token), `POST /api/session` (log in),
 * `POST /api/session/logout`, `POST /api/session/password` (change one's own password),
 * `GET /api/session/options`, `POST /api/session/demo`, `GET /api/audit`.
 */
/** `GET /api/audit` filters: each optional; days both inclusive. */
const auditQuery = z.object({
  action: z.string({ error: 'неверный параметр action: одно действие' }).trim().min(1).max(60, 'неверный параметр action').optional(),
  actor: z.string({ error: 'неверный параметр actor: одна строка' }).trim().min(1).max(100, 'неверный параметр actor: длиннее 100 знаков').optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  limit: z.string({ error: 'неверный параметр limit: число' }).regex(/^\d{1,4}$/, 'неверный параметр limit: число от 1 до 1000').optional(),
});

export function sessionRouter(deps: { db: Db; auth: AuthDeps }): Router {
  const r = Router();
  const orgName = async (org: string | null) => (org ? registryName(deps.db, org) : null);

  const floodNoted = new Map<string, number>();
  /** Audits a refused login; a refusal for too much in flight only once a minute per address. */
  const auditRefusal = async (login: string, ip: string, status: number, code: string, message: string) => {
    if (code === 'too_many_attempts' || code === 'busy') {
      const now = Date.now();
      if (now - (floodNoted.get(ip) ?? 0) < FLOOD_NOTE_MS) return;
      floodNoted.delete(ip);
      floodNoted.set(ip, now);
      if (floodNoted.size > FLOOD_NOTES_MAX) floodNoted.delete(floodNoted.keys().next().value as string);
      await deps.auth.store.audit({ actor: login.slice(0, 100), action: 'login_flood', ip, detail: `${message} (такие отказы записываются не чаще раза в минуту с одного адреса)` });
      return;
    }
    await deps.auth.store.audit({ actor: login.slice(0, 100), action: status === 429 ? 'login_refused' : 'login_failed', ip, detail: message });
  };

  r.get('/session/options', async (_req, res) => {
    res.json({ auth: true, demo_login: await demoLoginOpen(deps.auth) });
  });

  r.get('/session', async (_req, res) => {
    const p = who(res);
    res.set('Cache-Control', 'no-store').json(sessionBody(p, await orgName(p.org)));
  });

  r.post('/session', async (req, res) => {
    const parsed = loginSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw new HttpError(400, 'bad_request', parsed.error.issues[0]!.message);
    const { login, password } = parsed.data;
    const ip = clientIp(req);
    const result = await deps.auth.store.login(login, password, ip);
    if (!result.ok) {
      await auditRefusal(login, ip, result.status, result.code, result.message);
      if (result.retryAfterSec) res.set('Retry-After', String(result.retryAfterSec));
      throw new HttpError(result.status, result.code, result.message);
    }
    await deps.auth.store.audit({ actor: result.principal.login, role: result.principal.role, action: 'login', ip });
    setSessionCookie(req, res, result.cookie);
    res.set('Cache-Control', 'no-store').json(sessionBody(result.principal, await orgName(result.principal.org)));
  });

  /** Demo logins per address in the last minute (times, ms): each makes a session and a journal entry. */
  const demoOpened = new Map<string, number[]>();
  r.post('/session/demo', async (req, res) => {
    if (!deps.auth.demoLogin) throw new HttpError(404, 'not_found', 'демонстрационный вход выключен');
    if (!(await demoLoginOpen(deps.auth))) {
      throw new HttpError(404, 'not_found', 'демонстрационный вход недоступен: в базе данные организаций, а не демонстрационные');
    }
    // Bounded per address (anyone may ask, without an account): 1,000 in 14 s made 1,000 sessions
    // and as many journal entries, kept a year (an outside review).
    const ip = clientIp(req);
    const now = Date.now();
    const recent = (demoOpened.get(ip) ?? []).filter((t) => now - t < DEMO_WINDOW_MS);
    if (recent.length >= DEMO_PER_ADDRESS) {
      const wait = Math.max(1, Math.ceil((recent[0]! + DEMO_WINDOW_MS - now) / 1000));
      throw new HttpError(429, 'too_many_requests', `Слишком много демонстрационных входов с этого адреса: не больше ${DEMO_PER_ADDRESS} в минуту; повторите через ${wait} с.`, wait);
    }
    recent.push(now);
    if (!demoOpened.has(ip) && demoOpened.size >= 10_000) demoOpened.clear();
    demoOpened.set(ip, recent);
    const result = await deps.auth.store.demoLogin();
    if (!result.ok) throw new HttpError(500, 'internal', 'не удалось открыть демонстрационный вход');
    await deps.auth.store.audit({ actor: DEMO_LOGIN, role: 'coordinator', action: 'login_demo', ip });
    setSessionCookie(req, res, result.cookie);
    res.set('Cache-Control', 'no-store').json(sessionBody(result.principal, null));
  });

  r.post('/session/logout', async (req, res) => {
    const p = who(res);
    const cookie = cookieValue(req, SESSION_COOKIE);
    if (cookie) {
      await deps.auth.store.logout(cookie);
      await deps.auth.store.audit({ actor: p.login, role: p.role, action: 'logout', ip: clientIp(req) });
    }
    res.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: req.secure });
    res.json({ ok: true });
  });

  r.post('/session/password', async (req, res) => {
    const p = who(res);
    const auth = deps.auth;
    if (p.kind !== 'session' || p.id === null || p.demo || p.readOnly) {
      throw forbidden('пароль меняется только у своей учётной записи после входа по логину и паролю.');
    }
    const parsed = passwordSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw new HttpError(400, 'bad_request', parsed.error.issues[0]!.message);
    const ip = clientIp(req);
    let result;
    try {
      result = await auth.store.changeOwnPassword(p.id, parsed.data.current, parsed.data.password, ip);
    } catch (e) {
      if (e instanceof AuthError) throw new HttpError(400, 'bad_request', e.message);
      throw e;
    }
    if (!result.ok) {
      await auditRefusal(p.login, ip, result.status, result.code, `смена пароля: ${result.message}`);
      if (result.retryAfterSec) res.set('Retry-After', String(result.retryAfterSec));
      throw new HttpError(result.status, result.code, result.message);
    }
    await auth.store.audit({ actor: p.login, role: p.role, action: 'password_change', target: p.login, ip });
    // Every session of the account ended; this browser continues in a new one.
    setSessionCookie(req, res, result.cookie);
    res.set('Cache-Control', 'no-store').json(sessionBody(result.principal, await orgName(result.principal.org)));
  });

  r.get('/audit', async (req, res) => {
    requireCoordinatorAccount(res, 'журнал действий');
    const parsed = auditQuery.safeParse(req.query);
    if (!parsed.success) {
      // The date checks say what is wrong, not with which parameter: named here.
      const issue = parsed.error.issues[0]!;
      const key = String(issue.path[0] ?? '');
      throw new HttpError(400, 'bad_request', key === 'from' || key === 'to' ? `неверный параметр ${key}: ${issue.message}` : issue.message);
    }
    const f = parsed.data;
    if (f.from && f.to && f.from > f.to) throw new HttpError(400, 'bad_request', `конец периода (${ruDate(f.to)}) раньше его начала (${ruDate(f.from)})`);
    const limit = Math.min(Math.max(Number(f.limit ?? 100) || 100, 1), 1000);
    const { entries, actions } = await deps.auth.store.auditSearch({ action: f.action, actor: f.actor, from: f.from, to: f.to, limit });
    res.set('Cache-Control', 'no-store').json({ entries, actions });
  });

  return r;
}

function setSessionCookie(req: Request, res: Response, cookie: string): void {
  res.cookie(SESSION_COOKIE, cookie, { path: '/', httpOnly: true, sameSite: 'lax', secure: req.secure });
}

/** Writes an audit entry for this request's principal. */
export function auditor(auth: AuthDeps) {
  return async (req: Request, res: Response, action: string, target: string | null, detail: string | null = null): Promise<void> => {
    // HEAD: what the answer would be, nothing handed over — not an export (it was recorded as one: an acceptance run).
    if (req.method === 'HEAD') return;
    const p = principal(res);
    await auth.store.audit({ actor: p?.login ?? '—', role: p?.role ?? null, action, target, detail, ip: clientIp(req) });
  };
}

export type Audit = ReturnType<typeof auditor>;

/** Express 5 runs async handlers' rejections into `next`; this keeps the signature for guards. */
export type Guard = (req: Request, res: Response, next: NextFunction) => void;
