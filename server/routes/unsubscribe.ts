/**
 * «Отписаться» from a school's reminders (issue #21, part 3), without a login — the link in
 * the message is signed for the organization and the address (server/mail/reminders.ts):
 *
 *   GET  /unsubscribe?org&email&t   a page with the button (a GET changes nothing: mail scanners open links)
 *   POST /unsubscribe               unsubscribes (the form, or a mail client's one-click: RFC 8058,
 *                                   body `List-Unsubscribe=One-Click`, the parameters in the address);
 *                                   `action=subscribe` undoes it
 *
 * A wrong or altered link gets 400 and changes nothing. Each change goes to the audit log.
 */
import express, { Router, type Request, type Response } from 'express';
import type { AuthStore } from '../auth/store.ts';
import { escapeHtml, sendPage } from '../http/html.ts';
import type { Reminders } from '../mail/reminders.ts';
import { UNSUBSCRIBE_PATH } from '../../shared/routes.ts';

const one = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) && typeof v.at(-1) === 'string' ? String(v.at(-1)) : '');

/** The link's parameters, from the address or (a form) the body. */
function linkOf(req: Request): { org: string; email: string; t: string } {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const pick = (k: string) => (one(req.query[k]) || one(body[k])).slice(0, 320);
  return { org: pick('org'), email: pick('email').toLowerCase(), t: pick('t') };
}

function form(link: { org: string; email: string; t: string }, action: 'unsubscribe' | 'subscribe', label: string): string {
  const hidden = (k: string, v: string) => `<input type="hidden" name="${k}" value="${escapeHtml(v)}">`;
  // Posted back to the page's own address (a PUBLIC_URL with a path keeps it).
  return `<form method="post" action="" class="login-form">${hidden('org', link.org)}${hidden('email', link.email)}${hidden('t', link.t)}${hidden('action', action)}<button type="submit" class="action-button">${escapeHtml(label)}</button></form>`;
}

export function unsubscribeRouter(deps: { reminders: Reminders; store: AuthStore | null }): Router {
  const r = Router();
  const bad = (res: Response) =>
    sendPage(res, 400, 'Ссылка не действует', `<p>Ссылка для отписки неполная или изменена. Откройте её из письма целиком или попросите муниципального координатора убрать адрес из реестра организаций.</p>`);

  r.get(UNSUBSCRIBE_PATH, async (req, res) => {
    const link = linkOf(req);
    if (!link.org || !link.email || !(await deps.reminders.verify(link.org, link.email, link.t))) return bad(res);
    const { name, out } = await deps.reminders.optedOut(link.org, link.email);
    const who = `${escapeHtml(link.email)} (${escapeHtml(name ?? link.org)})`;
    if (out) return sendPage(res, 200, 'Вы уже отписаны', `<p>Напоминания об ошибках в таблице на адрес ${who} не отправляются.</p>${form(link, 'subscribe', 'Подписаться снова')}`);
    sendPage(
      res,
      200,
      'Отписаться от напоминаний',
      `<p>Адрес ${who} получает напоминания системы «Наставничество: мониторинг»: об ошибках в таблице организации и о приближении отчётной даты.</p>${form(link, 'unsubscribe', 'Отписаться')}`,
    );
  });

  r.post(UNSUBSCRIBE_PATH, express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    const link = linkOf(req);
    if (!link.org || !link.email || !(await deps.reminders.verify(link.org, link.email, link.t))) return bad(res);
    const subscribe = one((req.body as Record<string, unknown> | undefined)?.action) === 'subscribe';
    await deps.reminders.setOptOut(link.org, link.email, !subscribe);
    await deps.store?.audit({ actor: link.email, action: subscribe ? 'reminder_subscribe' : 'reminder_unsubscribe', target: link.org, detail: null, ip: req.ip ?? null }).catch(() => undefined);
    const { name } = await deps.reminders.optedOut(link.org, link.email);
    const who = `${escapeHtml(link.email)} (${escapeHtml(name ?? link.org)})`;
    if (subscribe) return sendPage(res, 200, 'Вы снова подписаны', `<p>Напоминания на адрес ${who} будут приходить снова — не чаще раза в день.</p>`);
    sendPage(res, 200, 'Вы отписаны', `<p>Напоминания на адрес ${who} больше не отправляются.</p>${form(link, 'subscribe', 'Подписаться снова')}`);
  });

  return r;
}
