/**
 * Scheduled deliveries of reports by e-mail (issue #21), coordinator only:
 *
 *   GET    /api/subscriptions                 the deliveries, whether mail, alerts and reminders are on (and why not), the choices
 *   GET    /api/subscriptions/preview?cron=   a schedule's Russian reading and next times
 *   POST   /api/subscriptions                 a new delivery (201)
 *   POST   /api/subscriptions/:id             a delivery edited
 *   DELETE /api/subscriptions/:id             a delivery removed (204)
 *   POST   /api/subscriptions/:id/send        «Отправить сейчас»: the outcome of the first attempt
 *   GET    /api/mail/outbox?limit=            the last messages and their attempts
 *   GET    /api/reminders                     where each school's reminders go, its last one, who unsubscribed
 *
 * Changes need a coordinator who may write (not the read-only demo session), are CSRF-checked
 * like every POST, and go to the audit log.
 */
import { Router, type Request } from 'express';
import { auditor, requireCoordinatorAccount, requireRole, requireWriter, type AuthDeps } from '../auth/http.ts';
import { HttpError, badRequest } from '../http/errors.ts';
import { FORMATS, PERIODS, type Subscriptions } from '../mail/subscriptions.ts';
import { METRICS } from '../metrics/metrics.ts';
import type { Alerts } from '../mail/alerts.ts';
import type { Reminders } from '../mail/reminders.ts';
import { selfOrigin } from './report.ts';

const WHAT = 'рассылки отчётов';

function idOf(req: Request): number {
  const id = Number(req.params.id);
  if (!Number.isInteger(id) || id <= 0 || id > 2 ** 31) throw badRequest('номер рассылки — целое положительное число');
  return id;
}

export function subscriptionsRouter(deps: { subscriptions: Subscriptions; alerts?: Alerts | null; reminders?: Reminders; auth: AuthDeps; now: () => Date }): Router {
  const r = Router();
  const audit = auditor(deps.auth);
  const subs = deps.subscriptions;

  r.get('/subscriptions', async (_req, res) => {
    // Recipients' addresses and who made each delivery: real people, never the demo login's.
    requireCoordinatorAccount(res, WHAT);
    res.set('Cache-Control', 'no-store').json({
      mail: subs.mailer.status,
      alerts: deps.alerts?.status ?? { enabled: false, reason: 'Оповещения координатору выключены: задайте ALERT_EMAILS (адреса через запятую) и перезапустите сервер.', recipients: [] },
      reminders: deps.reminders ? await deps.reminders.status() : null,
      periods: PERIODS,
      formats: FORMATS,
      metrics: METRICS.filter((m) => !m.parts).map((m) => ({ name: m.name, title: m.title })),
      subscriptions: await subs.list(),
    });
  });

  r.get('/subscriptions/preview', async (req, res) => {
    requireRole(res, ['coordinator'], WHAT);
    const cron = typeof req.query.cron === 'string' ? req.query.cron.trim() : '';
    if (!cron) throw badRequest('расписание: укажите выражение cron, например 0 8 * * 1');
    res.json(await subs.preview(cron, 3));
  });

  r.post('/subscriptions', async (req, res) => {
    const p = requireWriter(res, WHAT);
    const s = await subs.parse(req.body);
    const created = await subs.create(s, p.login);
    await audit(req, res, 'subscription_add', `№ ${created.id} «${created.name}»`, `${created.recipients.join(', ')}; ${created.cron}`);
    res.status(201).json({ subscription: created });
  });

  r.post('/subscriptions/:id', async (req, res) => {
    requireWriter(res, WHAT);
    const id = idOf(req);
    const s = await subs.parse(req.body);
    const updated = await subs.update(id, s);
    await audit(req, res, 'subscription_edit', `№ ${id} «${updated.name}»`, `${updated.recipients.join(', ')}; ${updated.cron}`);
    res.json({ subscription: updated });
  });

  r.delete('/subscriptions/:id', async (req, res) => {
    requireWriter(res, WHAT);
    const id = idOf(req);
    const old = await subs.get(id);
    await subs.remove(id);
    await audit(req, res, 'subscription_remove', `№ ${id} «${old.name}»`, null);
    res.status(204).end();
  });

  r.post('/subscriptions/:id/send', async (req, res) => {
    requireWriter(res, WHAT);
    const id = idOf(req);
    await subs.get(id);
    if (!subs.mailer.status.enabled) throw new HttpError(409, 'mail_off', subs.mailer.status.reason ?? 'почта выключена');
    // The PDF is printed from this server's own `/report`.
    subs.setOrigin(selfOrigin(req.socket));
    await audit(req, res, 'subscription_send', `№ ${id}`, null);
    res.json(await subs.deliver(id));
  });

  r.get('/reminders', async (_req, res) => {
    // Addresses of the schools' staff: the coordinator only.
    requireCoordinatorAccount(res, 'адреса напоминаний школам');
    const reminders = deps.reminders;
    res.set('Cache-Control', 'no-store').json({ status: reminders ? await reminders.status() : null, orgs: reminders ? await reminders.contacts() : [] });
  });

  r.get('/mail/outbox', async (req, res) => {
    requireCoordinatorAccount(res, 'журнал писем');
    const limit = Math.min(Math.max(Number(req.query.limit ?? 50) || 50, 1), 500);
    res.set('Cache-Control', 'no-store').json({ mail: subs.mailer.status, messages: await subs.mailer.outbox(limit) });
  });

  return r;
}
