/**
 * `GET /api/report.pdf?from&to&type&org`: the printable report page (`/report`, drawn by the
 * client) printed to A4 by headless Chromium. One PDF at a time: a second request while one is
 * being printed gets 503 with `Retry-After`. Without Chromium (or playwright-core) the answer
 * is 503 with a Russian message; the report page itself still opens in a browser.
 */
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { Router } from 'express';
import { REPORT_PATH, SUMMARY_PATH } from '../../shared/routes.ts';
import { auditor, scopeParams, who, SESSION_COOKIE, type AuthDeps } from '../auth/http.ts';
import { HttpError } from '../http/errors.ts';
import { exportAuditDetail, exportFileName } from '../export/names.ts';
import { parseParamsAsOf } from '../metrics/asof.ts';
import type { MetricParams } from '../metrics/metrics.ts';
import type { Principal } from '../auth/store.ts';
import type { Db } from '../db/db.ts';

export const CHROMIUM_PATH = '/usr/bin/chromium';
/** Flags that keep Debian's Chromium offline and quiet (no sync, updates or background requests); the browser tests use them too. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** How long the page may take to draw every chart. */
const READY_TIMEOUT_MS = 60_000;

const unavailable = (message: string) => new HttpError(503, 'pdf_unavailable', message);
const noChromium = () =>
  unavailable('PDF-отчёт недоступен: на сервере не установлен Chromium (/usr/bin/chromium). Откройте «Отчёт для печати» и распечатайте его из браузера.');

/** The address this request came in on, so the browser asks this very server for `/report`. */
export function selfOrigin(socket: Socket): string {
  return localOrigin(socket.localAddress ?? '127.0.0.1', socket.localPort ?? 0);
}

/** The address this server answers on for a browser on the same machine (a wildcard listen address is the loopback). */
export function localOrigin(listenAddress: string, port: number): string {
  let address = listenAddress;
  if (address.startsWith('::ffff:')) address = address.slice('::ffff:'.length);
  if (address === '0.0.0.0' || address === '::') address = '127.0.0.1';
  const host = address.includes(':') ? `[${address}]` : address;
  return `http://${host}:${port}`;
}

/** One PDF at a time in the process (the report route and the mailed deliveries): a Chromium is heavy. */
let printing: Promise<unknown> | null = null;

/** Whether a PDF is being printed now (the route answers 503 then; a delivery waits its turn). */
export const printingNow = () => printing !== null;

/**
 * The printed report (`/report` drawn by the client, printed to A4 by headless Chromium) for
 * these parameters, seen with `principal`'s rights, from the server at `origin`. Waits for a
 * print in progress. HttpError 503 when Chromium or playwright-core is missing, 504 when the
 * page does not finish drawing.
 */
export async function printReportPdf(o: { origin: string; principal: Principal; store: AuthDeps['store']; params: MetricParams; summary?: boolean }): Promise<Buffer> {
  // Nothing is awaited before `printing` is set when no print runs: a caller that checked printingNow() holds the slot.
  while (printing) await printing.catch(() => undefined);
  const run = printOnce(o);
  printing = run;
  try {
    return await run;
  } finally {
    printing = null;
  }
}

async function printOnce(o: { origin: string; principal: Principal; store: AuthDeps['store']; params: MetricParams; summary?: boolean }): Promise<Buffer> {
  const { origin, principal, params } = o;
  if (!existsSync(CHROMIUM_PATH)) throw noChromium();
  let playwright: typeof import('playwright-core');
  try {
    playwright = await import('playwright-core');
  } catch {
    throw unavailable('PDF-отчёт недоступен: на сервере не установлен пакет playwright-core. Откройте «Отчёт для печати» и распечатайте его из браузера.');
  }
  let browser: import('playwright-core').Browser;
  try {
    browser = await playwright.chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  } catch (error) {
    throw unavailable(`PDF-отчёт недоступен: не удалось запустить Chromium (${error instanceof Error ? error.message.split('\n')[0] : String(error)}).`);
  }
  let pass: { cookie: string; revoke: () => void } | null = null;
  try {
    const query = new URLSearchParams({ from: params.from, to: params.to });
    if (params.type) query.set('type', params.type);
    for (const org of params.org) query.append('org', org);
    if (params.as_of) query.set('as_of', params.as_of.asked);
    // The printable width of A4 with the margins below, so the charts are laid out for the paper.
    const context = await browser.newContext({ viewport: { width: 720, height: 1000 }, locale: 'ru-RU' });
    // The browser sees the report with the rights of whoever asked for it, for two minutes at most.
    pass = o.store.issueEphemeral(principal, 120_000);
    if (pass) await context.addCookies([{ name: SESSION_COOKIE, value: pass.cookie, url: origin, httpOnly: true, sameSite: 'Lax' }]);
    const page = await context.newPage();
    const response = await page.goto(`${origin}${o.summary ? SUMMARY_PATH : REPORT_PATH}?${query.toString()}`, { waitUntil: 'load' });
    if (!response || !response.ok()) throw unavailable('PDF-отчёт недоступен: страница отчёта не открылась (сервер запущен без веб-интерфейса).');
    try {
      await page.waitForSelector('html[data-ready]', { timeout: READY_TIMEOUT_MS });
    } catch {
      throw new HttpError(504, 'timeout', 'Отчёт не успел построиться за отведённое время; повторите запрос позже.');
    }
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({
      format: 'A4',
      printBackground: true,
      margin: { top: '12mm', bottom: '14mm', left: '10mm', right: '10mm' },
      displayHeaderFooter: true,
      headerTemplate: '<span></span>',
      footerTemplate:
        '<div style="width:100%;font-size:8px;color:#555;text-align:center;font-family:sans-serif"><span class="pageNumber"></span> / <span class="totalPages"></span></div>',
    });
    return Buffer.from(pdf);
  } finally {
    pass?.revoke();
    await browser.close();
  }
}

export function reportRouter(deps: { db: Db; now: () => Date; auth: AuthDeps }): Router {
  const r = Router();
  const audit = auditor(deps.auth);
  r.get('/report.pdf', async (req, res) => {
    // Wrong parameters are a 400 before any browser starts.
    const { kind, ...query } = req.query as Record<string, unknown>;
    if (kind !== undefined && kind !== 'full' && kind !== 'summary') throw new HttpError(400, 'bad_request', 'неверный параметр kind: допустимы full (полный отчёт, по умолчанию) и summary (сводка на три страницы)');
    const summary = kind === 'summary';
    const parsed = await parseParamsAsOf(deps.db, query, deps.now());
    const principal = who(res);
    const params = await scopeParams(deps.db, principal, parsed);
    if (!existsSync(CHROMIUM_PATH)) throw noChromium();
    const file = exportFileName(`nastavnichestvo_${summary ? 'svodka' : 'otchet'}`, params, 'pdf');
    // HEAD: what the report would be, checked as GET is — no browser started, not recorded as a report.
    if (req.method === 'HEAD') return void res.type('application/pdf').attachment(file).status(200).end();
    if (printingNow()) {
      res.set('Retry-After', '10');
      throw new HttpError(503, 'busy', 'Сервер уже готовит другой PDF-отчёт; повторите запрос через несколько секунд.');
    }
    // The print starts before anything is awaited, so a second request sees it (the check and an
    // await between it and the print let two of six at once through: an acceptance run); the
    // report is recorded once printed.
    const printed = printReportPdf({ origin: selfOrigin(req.socket), principal, store: deps.auth.store, params, summary });
    const pdf = await printed;
    await audit(req, res, 'export_pdf', summary ? 'summary' : 'report', exportAuditDetail(params));
    res.type('application/pdf').attachment(file).send(pdf);
  });
  return r;
}
