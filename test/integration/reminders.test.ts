/**
 * Reminders to schools (issue #21, part 3) against a real SMTP server (`smtp-server`), messages
 * parsed with `mailparser`: the registry's «E-mail ответственного» says where; after a sync a
 * school with new errors gets exactly its own errors (tab, row, column, value, what is
 * expected), with the link to its sheet's instructions and an unsubscribe link; at most one
 * message a day (what comes up later waits for the next day, not lost); errors already told are
 * not told again; the unsubscribe link works without a login, by the page's button and by a mail
 * client's one-click POST, and a forged one changes nothing; a sheet unchanged before a
 * reporting date is reminded once.
 */
import { appendFileSync, cpSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthStore } from '../../server/auth/store.ts';
import { lastDataChange } from '../../server/db/history.ts';
import { Mailer } from '../../server/mail/mailer.ts';
import { Reminders, nextDeadline } from '../../server/mail/reminders.ts';
import { createFolderSource } from '../../server/sources/folder.ts';
import { runSync } from '../../server/sync/run.ts';
import { openTempDb, startServer, type RunningServer, type TempDb } from '../support/server.ts';
import { recipientsOf, startSmtp, type TestSmtp } from '../support/smtp.ts';

const FIXTURE = new URL('../fixtures/two-orgs/', import.meta.url).pathname;
const PUBLIC = 'https://monitor.example.ru';

let smtp: TestSmtp;
let tmp: TempDb;
let dir: string;
let server: RunningServer;
let mailer: Mailer;
let reminders: Reminders;
let store: AuthStore;
let now = new Date('2024-03-04T06:00:00Z');

/** A sync of the folder at `at`, then the reminders (two passes at once, or one); the messages they sent. */
async function syncAt(at: string, r: Reminders = reminders, passes: 1 | 2 = 2): Promise<{ sent: Awaited<ReturnType<Reminders['afterSync']>>; mail: ParsedMail[] }> {
  now = new Date(at);
  const before = smtp.inbox.length;
  await runSync({ db: tmp.db, source: createFolderSource(dir), trigger: 'test', now: () => now });
  // Two syncs ending close together: their passes run one after the other, nothing told twice.
  const [sent, again] = await Promise.all([r.afterSync(), passes === 2 ? r.afterSync() : Promise.resolve([])]);
  expect(again).toEqual([]);
  await mailer.idle();
  return { sent, mail: smtp.inbox.slice(before) };
}

const numbered = (text: string) => text.split('\n').filter((l) => /^\d+\. /.test(l));
const unsubscribeLink = (m: ParsedMail) => /Отписаться от напоминаний: (\S+)/.exec(m.text ?? '')![1]!;
const local = (link: string) => link.replace(PUBLIC, server.url);

beforeAll(async () => {
  smtp = await startSmtp();
  dir = mkdtempSync(join(tmpdir(), 'monitor-remind-'));
  cpSync(FIXTURE, dir, { recursive: true });
  // The registry gains the column: СОШ-1 one address (typed with capitals), ДОУ-1 a good one and
  // a broken one, ДОУ-9 (not active) one that must never be written to.
  writeFileSync(
    join(dir, 'registry.csv'),
    [
      'Код;Наименование;Тип;Таблица;Куратор;Активна;E-mail ответственного',
      'СОШ-1;МОУ «Средняя общеобразовательная школа № 1»;Школа;СОШ-1;Иванова А. П.;Да;Zavuch@School1.example.ru',
      'ДОУ-1;МДОУ «Детский сад № 1 «Ромашка»»;Детский сад;ДОУ-1;Орлова Л. В.;;metodist@dou1.example.ru, zav.dou1@mail',
      'ДОУ-9;МДОУ «Детский сад № 9» (закрыт);Детский сад;ДОУ-9;;Нет;closed@dou9.example.ru',
      '',
    ].join('\n'),
  );
  // СОШ-1, «Педагоги» row 15 (14 lines before it): 31 February. ДОУ-1, «Наставнические пары»
  // row 7 (6 lines before it): a status the contract does not know.
  appendFileSync(join(dir, 'СОШ-1', 'Педагоги.csv'), 'Новикова Ольга Петровна;учитель;химия;31.02.2024;;1;;Без категории;;\n');
  appendFileSync(join(dir, 'ДОУ-1', 'Наставнические пары.csv'), 'Орлова Лидия Васильевна;Соколова Нина Петровна;Групповая;Воспитательная деятельность;16.09.2023;;;В работе\n');
  tmp = await openTempDb();
  store = new AuthStore(tmp.db);
  mailer = new Mailer(tmp.db, store, { smtpUrl: smtp.url, from: 'Мониторинг <monitor@edu.example.ru>', retryDelaysMs: [0], now: () => now });
  reminders = new Reminders({ db: tmp.db, mailer, publicUrl: PUBLIC, now: () => now });
  server = await startServer({ db: tmp.db, now: () => now, reminders, auth: { store, demoLogin: false } });
});

afterAll(async () => {
  await server?.close();
  await smtp?.close();
  tmp?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('reminders to schools', () => {
  let schoolLink = '';

  it('after a sync, each school with errors gets exactly its own errors; a broken address is a warning of the registry', async () => {
    const { sent, mail } = await syncAt('2024-03-04T06:00:00Z');
    expect(sent.map((s) => [s.org, s.to, s.errors, s.newErrors])).toEqual([
      ['СОШ-1', ['zavuch@school1.example.ru'], 1, 1],
      // «zav.dou1@mail» (no domain) gets nothing; ДОУ-9 (Активна = Нет) nothing either.
      ['ДОУ-1', ['metodist@dou1.example.ru'], 1, 1],
    ]);
    expect(mail.map(recipientsOf)).toEqual([['zavuch@school1.example.ru'], ['metodist@dou1.example.ru']]);
    const [school, kg] = mail as [ParsedMail, ParsedMail];
    expect(school.subject).toBe('Наставничество: ошибки в таблице СОШ-1');
    expect(school.text).toContain('для МОУ «Средняя общеобразовательная школа № 1» (код СОШ-1)');
    expect(school.text).toContain('найдена 1 ошибка'); // it said «найдено 1 ошибка» (an acceptance run)
    // Exactly its one error — tab, row, column, the value as typed and what is expected — and
    // nothing of ДОУ-1's.
    expect(numbered(school.text!)).toEqual([expect.stringMatching(/^1\. Лист «Педагоги», строка 15, столбец «Дата приёма»: «31\.02\.2024» — .*ожидается дата/)]);
    expect(school.text).not.toContain('В работе');
    expect(numbered(kg.text!)).toEqual([expect.stringMatching(/^1\. Лист «Наставнические пары», строка 7, столбец «Статус»: «В работе» — /)]);
    expect(kg.text).not.toContain('31.02.2024');
    // The instructions, and an unsubscribe link (also as the List-Unsubscribe header, one-click).
    expect(school.text).toContain(`Как заполнять таблицу: ${PUBLIC}/help`);
    schoolLink = unsubscribeLink(school);
    expect(schoolLink).toMatch(new RegExp(`^${PUBLIC}/unsubscribe\\?org=%D0%A1%D0%9E%D0%A8-1&email=zavuch%40school1\\.example\\.ru&t=[\\w-]{32}$`));
    const header = (key: string) => school.headerLines.find((h) => h.key === key)?.line.replace(/\r?\n\s+/g, ' ');
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(header('list-unsubscribe')).toBe(`List-Unsubscribe: <${schoolLink}>`);
    // In the outbox and the audit log like every message.
    const out = await mailer.outbox(5);
    expect(out.filter((m) => m.kind === 'reminder').map((m) => [m.to, m.status])).toEqual([
      [['metodist@dou1.example.ru'], 'sent'],
      [['zavuch@school1.example.ru'], 'sent'],
    ]);
    // The broken address: a warning on the registry's row 3, the organization still synced.
    const [warning] = await tmp.db.query(`SELECT tab, row_no, column_name, value, level, problem FROM issues WHERE scope = 'registry' AND org = 'ДОУ-1'`);
    expect(warning).toMatchObject({ row_no: 3, column_name: 'E-mail ответственного', value: 'metodist@dou1.example.ru, zav.dou1@mail', level: 'warning' });
    expect(String(warning!.problem)).toMatch(/^«zav\.dou1@mail» — не адрес электронной почты/);
  });

  it('at most one message a day: a new error later that day waits for the next day; errors told are not told again', async () => {
    // СОШ-1, «Наставнические пары» row 9 (8 lines before it): a form the contract does not know.
    appendFileSync(join(dir, 'СОШ-1', 'Наставнические пары.csv'), 'Иванова Анна Петровна;Сидорова Вера Олеговна;По переписке;Предметное содержание;01.10.2023;;;Действует\n');
    const same = await syncAt('2024-03-04T12:00:00Z');
    expect(same.sent).toEqual([]);
    expect(same.mail).toEqual([]);
    const next = await syncAt('2024-03-05T06:00:00Z');
    // ДОУ-1's error was told yesterday and nothing is new there: no message.
    expect(next.sent.map((s) => [s.org, s.errors, s.newErrors])).toEqual([['СОШ-1', 2, 1]]);
    const m = next.mail[0]!;
    expect(m.text).toContain('найдены 2 ошибки (новых с прошлого письма — 1, отмечены [новая])');
    const lines = numbered(m.text!);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^1\. Лист «Педагоги», строка 15, столбец «Дата приёма»: «31\.02\.2024» — такой даты нет в календаре/);
    expect(lines[1]).toMatch(/^2\. \[новая\] Лист «Наставнические пары», строка 9, столбец «Форма»: «По переписке» — неизвестное значение; допустимые: «Традиционная/);
    // Nothing new on the third day.
    expect((await syncAt('2024-03-06T06:00:00Z')).sent).toEqual([]);
  });

  it('the unsubscribe link works without a login (page, button, one-click) and a forged one changes nothing', async () => {
    const page = await fetch(local(schoolLink));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Отписаться от напоминаний');
    expect(html).toContain('zavuch@school1.example.ru (МОУ «Средняя общеобразовательная школа № 1»)');
    // A GET changes nothing (mail scanners open links).
    expect((await reminders.optedOut('СОШ-1', 'zavuch@school1.example.ru')).out).toBe(false);

    const forged = local(schoolLink).replace(/t=[\w-]+/, 't=' + 'A'.repeat(32));
    const refused = await fetch(forged, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'action=unsubscribe' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('Ссылка не действует');
    // Another organization's signature on this address does not do either.
    const crossed = local(schoolLink).replace('org=%D0%A1%D0%9E%D0%A8-1', 'org=%D0%94%D0%9E%D0%A3-1');
    expect((await fetch(crossed, { method: 'POST', body: 'action=unsubscribe', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })).status).toBe(400);

    // The page's button: a form of the link's fields, posted from the page itself.
    const fields = new URLSearchParams(Object.fromEntries(new URL(schoolLink).searchParams));
    fields.set('action', 'unsubscribe');
    const done = await fetch(`${server.url}/unsubscribe`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url }, body: fields.toString() });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Вы отписаны');
    expect((await reminders.optedOut('СОШ-1', 'zavuch@school1.example.ru')).out).toBe(true);
    const [audit] = await tmp.db.query(`SELECT actor, action, target FROM audit_log WHERE action LIKE 'reminder_%' ORDER BY id DESC LIMIT 1`);
    expect(audit).toEqual({ actor: 'zavuch@school1.example.ru', action: 'reminder_unsubscribe', target: 'СОШ-1' });

    // A new error in СОШ-1 the next day: nobody to tell.
    appendFileSync(join(dir, 'СОШ-1', 'Повышение квалификации.csv'), 'Иванова Анна Петровна;Курс;много;20.11.2023;Нет;ИРО\n');
    expect((await syncAt('2024-03-07T06:00:00Z')).sent).toEqual([]);

    // Subscribed again (the button on the «Вы отписаны» page): the errors not told come the next day.
    fields.set('action', 'subscribe');
    expect(await (await fetch(`${server.url}/unsubscribe`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: fields.toString() })).text()).toContain('Вы снова подписаны');
    // The mail server refuses (451): the refusal is in the outbox, the school stays untold…
    smtp.refuse(1);
    const refusedPass = await syncAt('2024-03-08T06:00:00Z', reminders, 1);
    expect(refusedPass.sent).toEqual([]);
    expect(refusedPass.mail).toEqual([]);
    expect((await mailer.outbox(1))[0]).toMatchObject({ kind: 'reminder', status: 'failed', attempts: 1, to: ['zavuch@school1.example.ru'] });
    // …and is told after the next sync, the same day.
    const back = await syncAt('2024-03-08T07:00:00Z');
    expect(back.sent.map((s) => [s.org, s.errors, s.newErrors])).toEqual([['СОШ-1', 3, 1]]);
    expect(back.mail).toHaveLength(1);
    expect((await mailer.outbox(1))[0]).toMatchObject({ kind: 'reminder', status: 'sent', attempts: 1, to: ['zavuch@school1.example.ru'] });
    expect(numbered(back.mail[0]!.text!)[2]).toMatch(/^3\. \[новая\] Лист «Повышение квалификации», строка 3, столбец «Часов»: «много» — /);

    // A mail client's one-click (RFC 8058): POST to the link itself, no page, no session.
    const kgLink = await reminders.unsubscribeUrl('ДОУ-1', 'metodist@dou1.example.ru');
    const click = await fetch(local(kgLink), { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(click.status).toBe(200);
    expect((await reminders.optedOut('ДОУ-1', 'metodist@dou1.example.ru')).out).toBe(true);
    // …and back, for the next test.
    await reminders.setOptOut('ДОУ-1', 'metodist@dou1.example.ru', false);
  });

  it('a sheet unchanged before a reporting date is reminded once; one changed lately is not', async () => {
    expect(nextDeadline('2024-03-14', ['03-20', '12-20'], 7)).toBe('2024-03-20');
    expect(nextDeadline('2024-03-12', ['03-20'], 7)).toBeNull();
    expect(nextDeadline('2024-12-28', ['01-03'], 7)).toBe('2025-01-03');
    expect(nextDeadline('2025-02-25', ['02-29'], 7)).toBeNull();
    const dated = new Reminders({ db: tmp.db, mailer, publicUrl: PUBLIC, now: () => now, reportDates: ['03-20'], unchangedDays: 7 });
    // 14.03.2024: 20.03 is 6 days away. Neither organization's data changed since the first
    // sync on 04.03 (10 days): every row added to СОШ-1 since had an error and was quarantined,
    // not loaded. Both have errors already told.
    const first = await syncAt('2024-03-14T06:00:00Z', dated);
    expect(first.sent.map((s) => [s.org, s.newErrors, s.deadline])).toEqual([
      ['СОШ-1', 0, '2024-03-20'],
      ['ДОУ-1', 0, '2024-03-20'],
    ]);
    const kg = first.mail.find((m) => recipientsOf(m)[0] === 'metodist@dou1.example.ru')!;
    expect(kg.subject).toBe('Наставничество: обновите таблицу ДОУ-1 к 20.03.2024');
    expect(kg.text).toContain('Ближайшая отчётная дата — 20.03.2024. Данные в таблице вашей организации не менялись с 04.03.2024 (10 дней).');
    // Its error is listed again (the whole current list), not marked new.
    expect(numbered(kg.text!)).toEqual([expect.stringMatching(/^1\. Лист «Наставнические пары», строка 7, .*«В работе» — /)]);
    // Once per reporting date.
    expect((await syncAt('2024-03-15T06:00:00Z', dated)).sent).toEqual([]);
    // Data changed within the days: not reminded (a new reporting date, an attestation of СОШ-1 loaded today).
    appendFileSync(join(dir, 'СОШ-1', 'Аттестация.csv'), 'Сидорова Вера Олеговна;01.03.2024;Первая;Без категории\n');
    const later = new Reminders({ db: tmp.db, mailer, publicUrl: PUBLIC, now: () => now, reportDates: ['03-20', '03-25'], unchangedDays: 7 });
    const after = await syncAt('2024-03-21T06:00:00Z', later);
    expect(after.sent.map((s) => [s.org, s.deadline])).toEqual([['ДОУ-1', '2024-03-25']]);
    // A sheet that cannot be read may well have changed: no «unchanged» reminder (ДОУ-1's data is
    // as of 04.03, 18 days, but its folder is gone; the coordinator's alerts tell of that).
    renameSync(join(dir, 'ДОУ-1'), join(dir, 'ДОУ-1-нет'));
    const unread = new Reminders({ db: tmp.db, mailer, publicUrl: PUBLIC, now: () => now, reportDates: ['03-28'], unchangedDays: 7 });
    expect((await syncAt('2024-03-22T06:00:00Z', unread)).sent).toEqual([]);
    renameSync(join(dir, 'ДОУ-1-нет'), join(dir, 'ДОУ-1'));
  });

  it('links a Google sheet, and lists at most 50 errors with the count of the rest', async () => {
    const id = '1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-ab';
    const found = Array.from({ length: 53 }, (_, i) => ({ level: 'error' as const, tab: 'Педагоги', row: i + 4, column: 'Категория', value: 'Самая высшая', problem: 'неизвестное значение' }));
    const m = await (reminders as unknown as { compose: (o: object, email: string) => Promise<{ subject: string; text: string }> }).compose(
      { org: 'СОШ-1', name: 'Школа', sheet: id, found, fresh: found.map(() => true), deadline: null, since: '2024-03-01T00:00:00.000Z', unchangedFor: 0 },
      'zavuch@school1.example.ru',
    );
    expect(m.text).toContain(`Таблица организации: https://docs.google.com/spreadsheets/d/${id}/edit`);
    // 53 errors, all new (no marks when every one is); 50 listed, «… и ещё 3 ошибки».
    expect(numbered(m.text)).toHaveLength(50);
    expect(numbered(m.text)[49]).toBe('50. Лист «Педагоги», строка 53, столбец «Категория»: «Самая высшая» — неизвестное значение');
    expect(m.text).toContain('… и ещё 3 ошибки: полный список');
  });

  it('shows the coordinator where each school’s reminders go, the last one and who unsubscribed; nobody else', async () => {
    const koord = (await store.createToken({ name: 'k', role: 'coordinator' })).token;
    const region = (await store.createToken({ name: 'r', role: 'region' })).token;
    const get = (token: string) => fetch(`${server.url}/api/reminders`, { headers: { Authorization: `Bearer ${token}` } });
    const body = (await (await get(koord)).json()) as any;
    // Last reminders: СОШ-1 on 14.03 (the reporting date 20.03), ДОУ-1 on 21.03 (25.03); ДОУ-9 is
    // not active and never written to; both unsubscribed addresses subscribed again above.
    expect(body.orgs).toEqual([
      { org: 'СОШ-1', name: 'МОУ «Средняя общеобразовательная школа № 1»', active: true, emails: ['zavuch@school1.example.ru'], sent_day: '2024-03-14', optouts: [] },
      { org: 'ДОУ-1', name: 'МДОУ «Детский сад № 1 «Ромашка»»', active: true, emails: ['metodist@dou1.example.ru'], sent_day: '2024-03-21', optouts: [] },
      { org: 'ДОУ-9', name: 'МДОУ «Детский сад № 9» (закрыт)', active: false, emails: ['closed@dou9.example.ru'], sent_day: null, optouts: [] },
    ]);
    await reminders.setOptOut('ДОУ-1', 'metodist@dou1.example.ru', true);
    expect(((await (await get(koord)).json()) as any).orgs[1].optouts).toEqual(['metodist@dou1.example.ru']);
    await reminders.setOptOut('ДОУ-1', 'metodist@dou1.example.ru', false);
    expect((await get(region)).status).toBe(403);
  });

  it('dates «data unchanged» from the last row added, changed or removed, or from the listing of an organization that never had rows', async () => {
    // СОШ-1: an attestation loaded by the sync of 21.03; ДОУ-1: nothing since its first load on
    // 04.03; ДОУ-9 (not active, no rows ever): listed since the first sync, 04.03.
    expect(Object.fromEntries(await lastDataChange(tmp.db, ['СОШ-1', 'ДОУ-1', 'ДОУ-9']))).toEqual({
      'СОШ-1': '2024-03-21T06:00:00.000Z',
      'ДОУ-1': '2024-03-04T06:00:00.000Z',
      'ДОУ-9': '2024-03-04T06:00:00.000Z',
    });
  });

  it('says why reminders are off', async () => {
    const noUrl = new Reminders({ db: tmp.db, mailer, publicUrl: null });
    expect(noUrl.reason).toMatch(/^Напоминания школам выключены: задайте PUBLIC_URL/);
    expect(await noUrl.afterSync()).toEqual([]);
    const off = new Reminders({ db: tmp.db, mailer: new Mailer(tmp.db, store, {}), publicUrl: PUBLIC });
    expect(off.reason).toMatch(/^Почта не настроена/);
    expect(await new Reminders({ db: tmp.db, mailer, publicUrl: PUBLIC, enabled: false }).status()).toMatchObject({
      enabled: false,
      reason: 'Напоминания школам выключены настройкой REMINDERS=off.',
      // СОШ-1 and ДОУ-1 have an address (ДОУ-9 is not active); nobody is unsubscribed now.
      orgs: 2,
      optouts: 0,
    });
  });
});
