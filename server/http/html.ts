import type { Response } from 'express';

/** Text put into HTML the server writes itself (the 403 page, /help): every special character as an entity. */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A page the server writes itself (no access, no such page, an unsubscribe link's answer): the
 * product's stylesheet, the title as the heading, `body` as given (HTML, its text escaped by the
 * caller); never cached, never indexed.
 */
export function sendPage(res: Response, status: number, title: string, body: string): void {
  res
    .status(status)
    .type('text/html; charset=utf-8')
    .set('Cache-Control', 'no-store')
    .send(
      `<!doctype html><html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<meta name="robots" content="noindex"><title>${escapeHtml(title)} — Наставничество: мониторинг</title>` +
        `<link rel="icon" href="data:,"><link rel="stylesheet" href="/style.css"></head><body><main class="page"><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`,
    );
}
