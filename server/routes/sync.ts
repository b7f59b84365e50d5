/**
 * The sync from the browser (issue #20, the operations page):
 *  - `GET /api/sync/runs` — the history, with every organization's outcome and messages;
 *  - `GET /api/sync/status` — whether a source is configured and the progress as it stands;
 *  - `GET /api/sync/events` — the progress live (server-sent events: one `progress` event at
 *    once and at every change, at most four a second; a comment every 15 s keeps proxies open);
 *  - `POST /api/sync` — a coordinator starts a sync of every organization (one at a time);
 *  - `GET /api/sync/org`, `POST /api/sync/org` — when an organization's sheet was last read, and
 *    a re-read of it: a school account its own sheet, at most once in 10 minutes; a coordinator
 *    any organization (`org`). The POST waits for the result up to a minute.
 * The journal and the live progress name organizations and their problems: a coordinator's
 * own account only (never the read-only demo session).
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import { auditor, forbidden, requireCoordinatorAccount, requireRole, requireWriter, who, type AuthDeps } from '../auth/http.ts';
import { sqlOf } from '../db/queries.ts';
import type { Db } from '../db/db.ts';
import { HttpError, badRequest, notFound } from '../http/errors.ts';
import { onSyncProgress, syncProgress, type SyncProgress } from '../sync/progress.ts';
import type { SyncSummary } from '../sync/run.ts';
import { SyncBusyError, syncInProgress } from '../sync/run.ts';

/** What the server may be asked to sync: everything (default) or one organization. */
export interface SyncRequest {
  org?: string;
  /** `api`: from the browser (a session); `token`: by a script with an API token; `school`: a school's re-read. */
  trigger?: 'api' | 'token' | 'school';
}

export type StartSync = (request?: SyncRequest) => Promise<SyncSummary>;

/** A school may ask for a re-read of its sheet this often. */
export const REREAD_INTERVAL_S = 600;
/** How long `POST /api/sync/org` waits for the result before answering 202. */
const REREAD_WAIT_MS = 60_000;
/** Live progress connections at once (each is an open response): more are refused with 503. */
const MAX_STREAMS = 20;
const STREAM_MIN_GAP_MS = 250;
const PING_MS = 15_000;

const NOT_CONFIGURED = 'синхронизация не настроена: задайте источник данных (SHEETS_REGISTRY_ID или SOURCE_DIR) и перезапустите сервер';
const RUNNING = 'синхронизация уже идёт; дождитесь её окончания';

const orgBody = z.object({ org: z.string().trim().min(1).max(50).optional() }).strict();

export function syncRouter(deps: { db: Db; startSync: StartSync | null; auth: AuthDeps }): Router {
  const r = Router();
  const audit = auditor(deps.auth);
  let streams = 0;

  r.get('/sync/runs', async (req, res) => {
    // Every organization's load messages: the coordinator's own account (a school sees its own on
    // «Качество данных»); never a read-only session — the demo one included.
    requireCoordinatorAccount(res, 'журнал синхронизаций');
    const limit = Math.min(Math.max(Number(req.query.limit ?? 20) || 20, 1), 200);
    const runs = await deps.db.query(sqlOf('lists/sync_runs'), { limit });
    const ids = runs.map((x) => String(x.id));
    const orgs = ids.length ? await deps.db.query(sqlOf('lists/sync_run_orgs'), { ids }) : [];
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

  r.get('/sync/status', (_req, res) => {
    requireCoordinatorAccount(res, 'ход синхронизации');
    res.set('Cache-Control', 'no-store').json({ configured: deps.startSync !== null, progress: syncProgress() });
  });

  r.get('/sync/events', (_req, res) => {
    requireCoordinatorAccount(res, 'ход синхронизации');
    if (streams >= MAX_STREAMS) throw new HttpError(503, 'busy', 'слишком много открытых страниц с ходом синхронизации; закройте лишние вкладки и обновите страницу');
    streams++;
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      // A reverse proxy (nginx) must not hold the events back.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    let last = 0;
    let pending: SyncProgress | null = null;
    let timer: NodeJS.Timeout | null = null;
    const write = (p: SyncProgress) => {
      last = Date.now();
      res.write(`event: progress\ndata: ${JSON.stringify(p)}\n\n`);
    };
    const onChange = (p: SyncProgress) => {
      // The start and the end at once; the steps between at most every STREAM_MIN_GAP_MS.
      const wait = !p.running || p.done === 0 ? 0 : STREAM_MIN_GAP_MS - (Date.now() - last);
      if (wait <= 0) {
        if (timer) clearTimeout(timer);
        timer = null;
        pending = null;
        write(p);
        return;
      }
      pending = p;
      timer ??= setTimeout(() => {
        timer = null;
        if (pending) write(pending);
        pending = null;
      }, wait);
    };
    write(syncProgress());
    const off = onSyncProgress(onChange);
    const ping = setInterval(() => res.write(': ping\n\n'), PING_MS);
    // The response closes when the browser goes away (the request itself "closes" once read).
    res.on('close', () => {
      off();
      clearInterval(ping);
      if (timer) clearTimeout(timer);
      streams--;
    });
  });

  r.post('/sync', async (req, res) => {
    requireWriter(res, 'запуск синхронизации');
    if (!deps.startSync) throw new HttpError(503, 'sync_unavailable', NOT_CONFIGURED);
    if (syncInProgress()) throw new HttpError(409, 'sync_running', RUNNING);
    // Started before anything is awaited: two requests at once cannot both pass the check above.
    const done = begin({ trigger: who(res).kind === 'token' ? 'token' : 'api' }, RUNNING);
    done.catch(() => undefined);
    await audit(req, res, 'sync_start', null);
    res.status(202).json({ started: true });
  });

  r.get('/sync/org', async (req, res) => {
    const org = await orgOf(res, typeof req.query.org === 'string' ? req.query.org : undefined, 'сведения о чтении таблицы');
    res.set('Cache-Control', 'no-store').json(await readState(org, who(res).role === 'school'));
  });

  r.post('/sync/org', async (req, res) => {
    const parsed = orgBody.safeParse(req.body ?? {});
    if (!parsed.success) throw badRequest(`неверный запрос: ${parsed.error.issues[0]!.message}`);
    const p = who(res);
    if (p.readOnly) throw forbidden('перечитать таблицу — недоступно в демонстрационном входе (только просмотр).');
    const org = await orgOf(res, parsed.data.org, 'перечитать таблицу');
    if (!deps.startSync) throw new HttpError(503, 'sync_unavailable', NOT_CONFIGURED);
    await readState(org, false); // 404 for a code not in the registry, before anything starts
    if (syncInProgress()) throw new HttpError(409, 'sync_running', `${RUNNING}: таблица организации будет прочитана в ней, если изменилась`);
    if (p.role === 'school') {
      const wait = await waitSeconds(org);
      if (wait > 0) {
        res.set('Retry-After', String(wait));
        throw new HttpError(429, 'too_soon', `Таблицу можно перечитывать не чаще раза в 10 минут: следующий раз — через ${minutesText(wait)}.`);
      }
    }
    // Started before anything is awaited: eight requests at once passed the checks above while the
    // first one's audit was written, and the others' start failed as a 500 (a security review).
    const done = begin({ org, trigger: p.role === 'school' ? 'school' : p.kind === 'token' ? 'token' : 'api' }, `${RUNNING}: таблица организации будет прочитана в ней, если изменилась`);
    done.catch(() => undefined);
    await audit(req, res, 'sync_org', org);
    const summary = await Promise.race([done.catch(() => null), new Promise<'later'>((resolve) => setTimeout(() => resolve('later'), REREAD_WAIT_MS).unref())]);
    if (summary === 'later') return void res.status(202).json({ started: true, state: await readState(org, p.role === 'school') });
    const outcome = summary?.orgs.find((o) => o.org === org) ?? null;
    res.json({
      status: summary?.status ?? 'failed',
      message: outcome?.message ?? summary?.message ?? null,
      outcome,
      state: await readState(org, p.role === 'school'),
    });
  });

  /** Starts a sync now; one already running is a 409 with `busy`. */
  function begin(request: Parameters<StartSync>[0], busy: string): ReturnType<StartSync> {
    try {
      return deps.startSync!(request);
    } catch (e) {
      if (e instanceof SyncBusyError) throw new HttpError(409, 'sync_running', busy);
      throw e;
    }
  }

  /** The organization a request is about: a school's own; a coordinator's `org`. */
  async function orgOf(res: Response, asked: string | undefined, what: string): Promise<string> {
    const p = requireRole(res, ['coordinator', 'school'], what);
    if (p.role === 'school') {
      if (asked !== undefined && asked !== p.org) throw forbidden(`${what}: учётная запись организации ${p.org} видит только свою таблицу.`);
      return p.org!;
    }
    if (asked === undefined) throw badRequest('укажите организацию: org=КОД');
    return asked;
  }

  async function readState(org: string, school: boolean) {
    const [row] = await deps.db.query(sqlOf('lists/org_read'), { org });
    if (!row) throw notFound(`организации ${org} нет в реестре`);
    return { ...row, configured: deps.startSync !== null, running: syncInProgress(), wait_s: school ? await waitSeconds(org) : 0 };
  }

  async function waitSeconds(org: string): Promise<number> {
    // The school's own presses: the coordinator re-reads any table without a limit, and that does not use up the school's.
    const age = await deps.auth.store.secondsSinceAudit('sync_org', org, 'school');
    return age === null ? 0 : Math.max(0, Math.ceil(REREAD_INTERVAL_S - age));
  }

  return r;
}

/** «3 мин», «1 мин» (at least a minute). */
function minutesText(seconds: number): string {
  return `${Math.max(1, Math.ceil(seconds / 60))} мин`;
}
