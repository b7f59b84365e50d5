/**
 * Reports by e-mail (issue #21, parts 1–2) against a real SMTP server started here
 * (`smtp-server`), messages parsed with `mailparser`: a scheduled delivery fires at its time
 * (injected clock) and carries a workbook whose figures equal the API's for the same parameters
 * and `as_of`; a region delivery names no teacher anywhere; an SMTP server that refuses is tried
 * again, and every attempt is in the outbox and the audit log; without mail settings the
 * feature says it is off.
 */
import { appendFileSync, cpSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthStore } from '../../server/auth/store.ts';
import { Alerts } from '../../server/mail/alerts.ts';
import { Mailer } from '../../server/mail/mailer.ts';
import { Subscriptions, periodOf } from '../../server/mail/subscriptions.ts';
import { MetricCache } from '../../server/metrics/cache.ts';
import { createFolderSource } from '../../server/sources/folder.ts';
import { runSync } from '../../server/sync/run.ts';
import { openTempDb, startServer, type RunningServer, type TempDb } from '../support/server.ts';
import { recipientsOf, startSmtp, type TestSmtp } from '../support/smtp.ts';

const FIXTURE = new URL('../fixtures/two-orgs/', import.meta.url).pathname;

let smtp: TestSmtp;
let inbox: ParsedMail[];

let tmp: TempDb;
let dir: string;
let server: RunningServer;
let mailer: Mailer;
let subs: Subscriptions;
let store: AuthStore;
let token: string;
/** The injected clock of the scheduler and the deliveries. */
let now = new Date('2024-03-03T10:00:00Z');

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${server.url}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...(init.headers as Record<string, string> | undefined) } });
const post = (path: string, body: unknown) => api(path, { method: 'POST', body: JSON.stringify(body) });

beforeAll(async () => {
  smtp = await startSmtp();
  inbox = smtp.inbox;

  dir = mkdtempSync(join(tmpdir(), 'monitor-mail-'));
  cpSync(FIXTURE, dir, { recursive: true });
  tmp = await openTempDb();
  await runSync({ db: tmp.db, source: createFolderSource(dir), trigger: 'test', now: () => new Date('2024-03-01T06:00:00Z') });
  store = new AuthStore(tmp.db);
  token = (await store.createToken({ name: 'test-coordinator', role: 'coordinator' })).token;
  const cache = new MetricCache(tmp.db);
  mailer = new Mailer(tmp.db, store, { smtpUrl: smtp.url, from: 'Мониторинг <monitor@edu.example.ru>', retryDelaysMs: [0, 0, 0], now: () => now });
  subs = new Subscriptions({ db: tmp.db, cache, mailer, store, now: () => now, timezone: 'UTC', publicUrl: 'https://monitor.example.ru' });
  server = await startServer({ db: tmp.db, now: () => now, metricCache: cache, subscriptions: subs, auth: { store, demoLogin: false } });
});

afterAll(async () => {
  await server?.close();
  await smtp?.close();
  tmp?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** Every string of every cell of a workbook. */
async function workbookText(content: Buffer): Promise<{ wb: ExcelJS.Workbook; text: string }> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(content as never);
  const parts: string[] = [];
  wb.eachSheet((ws) => ws.eachRow((row) => row.eachCell((c) => parts.push(String(c.text ?? c.value)))));
  return { wb, text: parts.join('\n') };
}

describe('reports by e-mail', () => {
  let weekly: number;

  it('a delivery fires at its scheduled time, once, with the workbook of the API’s figures as of that moment', async () => {
    const res = await post('/api/subscriptions', {
      name: 'Еженедельно координатору',
      metrics: ['engagement', 'program_completion'],
      period: 'year_to_date',
      format: 'xlsx',
      audience: 'coordinator',
      recipients: 'koord@edu.example.ru, zam@edu.example.ru',
      cron: '0 8 * * 1',
    });
    expect(res.status).toBe(201);
    const { subscription } = (await res.json()) as any;
    weekly = subscription.id;
    expect(subscription.cron_text).toBe('В 08:00, только в понедельник');
    // Created on Sunday 03.03.2024 10:00 UTC: first due on Monday 04.03 at 08:00.
    expect(subscription.next_run).toBe('2024-03-04T08:00:00.000Z');

    now = new Date('2024-03-04T07:59:00Z');
    expect((await subs.tick()).map((x) => x.id)).toEqual([]);
    now = new Date('2024-03-04T08:00:30Z');
    expect((await subs.tick()).map((x) => x.id)).toEqual([weekly]);
    // The same moment again, and a minute later: nothing more until next Monday.
    expect((await subs.tick()).map((x) => x.id)).toEqual([]);
    now = new Date('2024-03-04T08:01:30Z');
    expect((await subs.tick()).map((x) => x.id)).toEqual([]);
    expect(inbox).toHaveLength(1);

    const m = inbox[0]!;
    expect(m.subject).toBe('Наставничество: Еженедельно координатору — 04.03.2024');
    expect(recipientsOf(m)).toEqual(['koord@edu.example.ru', 'zam@edu.example.ru']);
    // The period rule on 04.03.2024: the academic year so far.
    expect(periodOf('year_to_date', '2024-03-04')).toEqual({ from: '2023-09-01', to: '2024-03-04' });
    expect(m.text).toContain('Период: с 01.09.2023 по 04.03.2024');
    expect(m.text).toContain('синхронизация № 1, завершена 01.03.2024 06:00:00 (UTC)');
    expect(m.text).toContain('as_of=2024-03-04T08:00:30.000Z');
    expect(m.attachments.map((a) => a.filename)).toEqual(['nastavnichestvo_2023-09-01_2024-03-04.xlsx']);

    // Its figures are the API's for the same parameters and as_of, row by row.
    const { wb } = await workbookText(m.attachments[0]!.content);
    const apiRows = ((await (await api('/api/metrics/engagement?from=2023-09-01&to=2024-03-04&as_of=2024-03-04T08:00:30.000Z')).json()) as any).rows as any[];
    const ws = wb.getWorksheet('Вовлечённость')!;
    const head = Array.from(ws.getRow(1).values as unknown[], (v) => String(v ?? ''));
    const rateCol = head.findIndex((h) => h.startsWith('Доля вовлечённых'));
    const teachersCol = head.findIndex((h) => h.startsWith('Педагогов'));
    expect(Math.min(rateCol, teachersCol)).toBeGreaterThan(0);
    apiRows.forEach((r, i) => {
      const row = ws.getRow(i + 2);
      expect(row.getCell(rateCol).value).toBe(r.engagement_rate);
      expect(row.getCell(teachersCol).value).toBe(r.teachers);
    });
    const paramsText = (await workbookText(m.attachments[0]!.content)).text;
    expect(paramsText).toContain('данные синхронизации № 1');

    const list = ((await (await api('/api/subscriptions')).json()) as any).subscriptions;
    expect(list[0].last_run).toMatchObject({ status: 'sent', message: null });
    expect(list[0].next_run).toBe('2024-03-11T08:00:00.000Z');
  });

  it('a region delivery has no teacher’s name in any part of the message', async () => {
    const teachers = (await tmp.db.query(`SELECT fio FROM teachers`)).map((r) => String(r.fio));
    // 11 in СОШ-1's sheet and 10 in ДОУ-1's.
    expect(teachers.length).toBe(21);
    const res = await post('/api/subscriptions', {
      name: 'В регион, ежемесячно',
      period: 'last_month',
      format: 'xlsx',
      audience: 'region',
      recipients: ['region@edu.example.ru'],
      cron: '0 9 1 * *',
    });
    expect(res.status).toBe(201);
    const id = ((await res.json()) as any).subscription.id;
    const sent = (await (await post(`/api/subscriptions/${id}/send`, {})).json()) as any;
    expect(sent).toMatchObject({ status: 'sent', message: null });
    const m = inbox.at(-1)!;
    // Last month on 04.03.2024: February.
    expect(m.text).toContain('Период: с 01.02.2024 по 29.02.2024');
    const { text: cells } = await workbookText(m.attachments[0]!.content);
    const everything = [m.subject, m.text, m.html || '', cells].join('\n');
    for (const fio of teachers) {
      expect(everything).not.toContain(fio);
      expect(everything).not.toContain(fio.split(' ')[0]!);
    }
  });

  it('an SMTP server that refuses is tried again; every attempt is in the outbox and the audit log', async () => {
    smtp.refuse(2);
    const before = inbox.length;
    const res = await post(`/api/subscriptions/${weekly}/send`, {});
    const out = (await res.json()) as any;
    expect(out.status).toBe('failed');
    expect(out.message).toMatch(/451.*будет отправлено повторно$/s);
    await mailer.idle();
    // Attempts 2 (refused) and 3 (accepted) followed in the background.
    expect(inbox.length).toBe(before + 1);
    const { messages } = (await (await api('/api/mail/outbox?limit=1')).json()) as any;
    expect(messages[0]).toMatchObject({ status: 'sent', attempts: 3, error: null });
    const audit = (await tmp.db.query(`SELECT action, detail FROM audit_log WHERE action LIKE 'mail_%' ORDER BY id DESC LIMIT 3`)).map((r) => `${r.action}: ${String(r.detail).replace(/^.*; /, '')}`);
    expect(audit.map((a) => a.split(':')[0])).toEqual(['mail_sent', 'mail_failed', 'mail_failed']);
    expect(audit[2]).toContain('попытка 1 из 4');
  });

  it('logs in with a password of # / ? @ written as codes in SMTP_URL, and never prints it (nodemailer\'s URL parsing printed such a URL)', async () => {
    const pass = 'Pa#ss/9?x@y';
    const secured = await startSmtp({ auth: { user: 'monitor', pass } });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const url = secured.url.replace('smtp://', `smtp://monitor:${encodeURIComponent(pass)}@`);
      expect(url).toContain('Pa%23ss%2F9%3Fx%40y');
      const m = new Mailer(tmp.db, store, { smtpUrl: url, from: 'monitor@edu.example.ru', retryDelaysMs: [] });
      const sent = await m.send({ kind: 'test', to: ['koord@edu.example.ru'], subject: 'Проверка пароля', text: '—' });
      expect(sent).toMatchObject({ status: 'sent', error: null });
      expect(secured.inbox.map((x) => x.subject)).toEqual(['Проверка пароля']);
      // A wrong password is refused by the server, and the message does not carry the password.
      const wrong = new Mailer(tmp.db, store, { smtpUrl: url.replace('Pa%23ss', 'Pb%23ss'), from: 'monitor@edu.example.ru', retryDelaysMs: [] });
      const refused = await wrong.send({ kind: 'test', to: ['koord@edu.example.ru'], subject: 'Неверный пароль', text: '—' });
      expect(refused.status).toBe('failed');
      expect(refused.error).not.toContain('Pb#ss');
      // Said in Russian before the server's own words (they were English only: an acceptance run).
      expect(refused.error).toMatch(/^почтовый сервер не принял логин или пароль из SMTP_URL \(/);
      // Nobody listening at the address: said so.
      const closed = await startSmtp();
      const closedUrl = closed.url;
      await closed.close();
      const nowhere = new Mailer(tmp.db, store, { smtpUrl: closedUrl, from: 'monitor@edu.example.ru', retryDelaysMs: [] });
      const unreachable = await nowhere.send({ kind: 'test', to: ['koord@edu.example.ru'], subject: 'Нет сервера', text: '—' });
      expect(unreachable.error).toMatch(/^почтовый сервер \(SMTP_URL\) не принимает соединения — он не запущен или указан не тот адрес или порт \(.*ECONNREFUSED/);
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.includes('ss/9') || w.includes('ss%2F9'))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await secured.close();
    }
  });

  it('refuses a bad schedule or address in Russian, and says when mail is off', async () => {
    const bad = await post('/api/subscriptions', { name: 'x', period: 'last_month', format: 'xlsx', audience: 'coordinator', recipients: ['koord@edu.example.ru'], cron: 'каждый понедельник' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.message).toBe('расписание «каждый понедельник» — не выражение cron; пример: 0 8 * * 1 (по понедельникам в 08:00)');
    // Seconds (a sixth field): it read «каждую секунду» and fired at every tick of the scheduler.
    const seconds = await post('/api/subscriptions', { name: 'x', period: 'last_month', format: 'xlsx', audience: 'coordinator', recipients: ['koord@edu.example.ru'], cron: '* * * * * *' });
    expect([seconds.status, ((await seconds.json()) as any).error.message]).toEqual([
      400,
      'расписание «* * * * * *» — с секундами или годом: укажите 5 полей cron (минута, час, день месяца, месяц, день недели); пример: 0 8 * * 1 (по понедельникам в 08:00)',
    ]);
    const addr = await post('/api/subscriptions', { name: 'x', period: 'last_month', format: 'xlsx', audience: 'coordinator', recipients: ['koord(at)edu.ru'], cron: '0 8 * * 1' });
    expect(((await addr.json()) as any).error.message).toBe('адреса: «koord(at)edu.ru» — не адрес электронной почты');
    // A code the data does not know: refused, as the export refuses it — not a report of nobody, every week.
    const org = await post('/api/subscriptions', { name: 'x', orgs: ['НЕТ-ТАКОЙ'], period: 'last_month', format: 'xlsx', audience: 'coordinator', recipients: ['koord@edu.example.ru'], cron: '0 8 * * 1' });
    expect([org.status, ((await org.json()) as any).error.message]).toEqual([400, 'неверный параметр org (код организации): нет организации с кодом «НЕТ-ТАКОЙ»']);

    const off = new Mailer(tmp.db, store, {});
    expect(off.status.enabled).toBe(false);
    expect(off.status.reason).toMatch(/^Почта не настроена: задайте SMTP_URL/);
    const offSubs = new Subscriptions({ db: tmp.db, cache: new MetricCache(tmp.db), mailer: off, store, now: () => now });
    const outcome = await offSubs.deliver(weekly);
    expect(outcome.status).toBe('failed');
    expect(outcome.message).toMatch(/^Почта не настроена/);
    // Recorded with the subscription: not dropped silently.
    expect((await offSubs.get(weekly)).last_run).toMatchObject({ status: 'failed' });

    // A message waiting for its retry when the server stops is marked failed at the next start, with why.
    const down = new Mailer(tmp.db, store, { from: 'monitor@edu.example.ru', send: () => Promise.reject(new Error('421 сервер перегружен')), retryDelaysMs: [3_600_000] });
    const sent = await down.send({ kind: 'test', to: ['koord@edu.example.ru'], subject: 'Проверка', text: '—' });
    expect(sent.status).toBe('failed');
    expect(await down.abandonPending()).toBe(1);
    const [row] = (await down.outbox(1));
    expect(row).toMatchObject({ status: 'failed', attempts: 1, error: '421 сервер перегружен; сервер остановлен до повторной попытки' });
  });

  it('alerts the coordinator once a day with what went stale, was held or became overdue since the last digest', async () => {
    const alerts = new Alerts({ db: tmp.db, cache: new MetricCache(tmp.db), mailer, recipients: ['koord@edu.example.ru'], now: () => now });
    const sync = async (at: string) => {
      now = new Date(at);
      const s = await runSync({ db: tmp.db, source: createFolderSource(dir), trigger: 'test', full: true, now: () => now });
      return alerts.afterSync(s.runId);
    };
    // The first call only sets the baseline (sync 1's data).
    expect(await alerts.afterSync(1)).toBeNull();
    // ДОУ-1's sheet disappears: its data goes stale — told the same day.
    renameSync(join(dir, 'ДОУ-1'), join(dir, 'ДОУ-1-убрана'));
    const before = inbox.length;
    const first = await sync('2024-03-05T06:00:00Z');
    expect(first?.stale.map((x) => x.org)).toEqual(['ДОУ-1']);
    expect(inbox.length).toBe(before + 1);
    const m = inbox.at(-1)!;
    expect(m.subject).toBe('Наставничество: требует внимания — 05.03.2024');
    expect(m.text).toMatch(/Данные устарели — таблица не прочитана, показываются прежние данные \(1\):\n— ДОУ-1 \(МДОУ «Детский сад № 1 «Ромашка»»\): /);
    // СОШ-1 adds a program under way (planned end 30.06.2024, in 2023/24): overdue 1 → 2 — but a
    // digest went today already, so it waits for tomorrow's.
    appendFileSync(join(dir, 'СОШ-1', 'Программы наставничества.csv'), 'Лебедева Ксения Юрьевна;Смирнова Дарья Сергеевна;Программа 2;15.01.2024;30.06.2024;;5;1;Реализуется;Нет\n');
    expect(await sync('2024-03-05T12:00:00Z')).toBeNull();
    expect(inbox.length).toBe(before + 1);
    const next = await sync('2024-03-06T06:00:00Z');
    // ДОУ-1 was told yesterday: only the new overdue program now.
    expect(next).toMatchObject({ stale: [], held: [], overdue: [{ org: 'СОШ-1', before: 1, now: 2 }] });
    expect(inbox.at(-1)!.text).toContain('Новые просроченные программы наставничества (учебный год):\n— СОШ-1 (МОУ «Средняя общеобразовательная школа № 1»): было 1, стало 2');
    // Nothing new: no digest.
    expect(await sync('2024-03-07T06:00:00Z')).toBeNull();
    expect(inbox.length).toBe(before + 2);
  });
});
