/**
 * Access to the dashboard's pages, checked on the server before `index.html` is sent: nobody
 * logged in → the login page (with the address to come back to); an account that must change
 * its password → the password-change page; a school account asking for another
 * organization's page, or a regional account asking for the data-quality page (it lists
 * teachers' names), → 403. The API checks the same rules on every request.
 */
import { escapeHtml, sendPage } from '../http/html.ts';
import type { RequestHandler, Response } from 'express';
import { COORDINATOR_PAGES, LOGIN_PATH, NAMED_PAGES, PASSWORD_PATH, REPORT_PATH, SUMMARY_PATH, routeOf } from '../../shared/routes.ts';
import { principal } from './http.ts';


function deny(res: Response, message: string): void {
  sendPage(res, 403, 'Нет доступа', `<p>${escapeHtml(message)}</p><p><a href="/">На главную</a></p>`);
}

/** What an anonymous visitor may load: the login form and what it needs. */
const PUBLIC_PATHS = new Set([LOGIN_PATH, '/app.js', '/style.css', '/help', '/template.xlsx']);

export function pageGuard(): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const path = req.path;
    if (PUBLIC_PATHS.has(path)) return next();
    const route = routeOf(path);
    const p = principal(res);
    // Everything else needs a login, a path no page answers too (`/org/a%2Fb` still gets the shell).
    if (!p) {
      res.set('Cache-Control', 'no-store').redirect(302, `${LOGIN_PATH}?next=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    if (p.mustChangePassword && path !== PASSWORD_PATH) {
      res.set('Cache-Control', 'no-store').redirect(302, `${PASSWORD_PATH}?next=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    if (route.kind === 'unknown' && path !== REPORT_PATH && path !== SUMMARY_PATH) return next();
    if (p.role === 'school' && route.kind === 'org' && route.code !== p.org) {
      return deny(res, `страница организации «${route.code}» недоступна учётной записи организации ${p.org ?? ''}.`);
    }
    if ((p.role !== 'coordinator' || p.readOnly) && route.kind === 'nav' && COORDINATOR_PAGES.includes(route.path)) {
      // Each page in its own words (the region was told of accounts on «Синхронизация»: an outside review).
      return deny(
        res,
        route.path === '/users'
          ? 'управление учётными записями доступно только муниципальному координатору.'
          : 'синхронизация, журнал действий и рассылки доступны только муниципальному координатору.',
      );
    }
    if (p.role === 'region' && route.kind === 'nav' && NAMED_PAGES.includes(route.path)) {
      return deny(res, 'эта страница показывает ФИО педагогов; региональной учётной записи доступны только сводные показатели.');
    }
    next();
  };
}
