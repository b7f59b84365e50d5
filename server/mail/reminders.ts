/**
 * Reminders to schools (issue #21, part 3). An organization whose registry row has an
 * «E-mail ответственного» gets, after a sync, a short Russian message
 *
 * - when its spreadsheet has **new errors** — errors it was not told about yet (each error's
 *   fingerprint: tab, row, column, value, problem). The message lists all its current errors —
 *   tab, row, column, the value and what is expected — the new ones marked, with the link to
 *   its sheet; an error fixed and made again is new again;
 * - when a **reporting date** (REMINDER_REPORT_DATES, day and month, every year) is at most
 *   REMINDER_UNCHANGED_DAYS days away and its data has not changed for that many days (no row
 *   added, changed or removed: the row history, db/history.ts lastDataChange), its last read
 *   having worked: once per reporting date.
 *
 * At most one message a day per organization: what comes up after it waits for the next day's
 * (an error not told stays «new», nothing is dropped). A message is tried once: refused by the
 * mail server, it stays untold and the pass stops — the next sync tries again (a pass never
 * waits out an outage organization by organization); what was told is saved as it goes. Each message carries an unsubscribe link
 * (and the List-Unsubscribe headers of RFC 2369/8058, so a mail client offers one click): the
 * link is signed for the organization and the address (HMAC, a key kept in the database), and
 * works without a login (server/routes/unsubscribe.ts). Off without mail, without PUBLIC_URL
 * (the link must reach the school) or with REMINDERS=off; the operations page says which.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { countOf, daysFromIso, isoFromDays, ruDate } from '../contract/index.ts';
import type { Db } from '../db/db.ts';
import { isoTs } from '../db/db.ts';
import { sqlOf } from '../db/queries.ts';
import { lastDataChange } from '../db/history.ts';
import { findingOf, sortFindings, type Finding } from '../google/writeback.ts';
import { isoDay } from '../metrics/period.ts';
import { sheetUrl } from '../routes/quality.ts';
import { HELP_PATH, UNSUBSCRIBE_PATH } from '../../shared/routes.ts';
import { plural } from '../../shared/plural.ts';
import type { ReminderContact, RemindersStatus } from '../../shared/subscriptions.ts';
import type { Mailer } from './mailer.ts';

const q = (name: string) => sqlOf(`mail/reminders#${name}`);

/** Errors listed in one message; the rest are counted, with where to see them all. */
export const MAX_LISTED = 50;

export interface RemindersDeps {
  db: Db;
  mailer: Mailer;
  /** The dashboard's address as schools reach it (PUBLIC_URL, without a trailing slash: config.ts): the unsubscribe link needs it. */
  publicUrl: string | null;
  /** REMINDERS=off turns them off. */
  enabled?: boolean;
  /** Reporting dates, `MM-DD` (REMINDER_REPORT_DATES). */
  reportDates?: readonly string[];
  /** REMINDER_UNCHANGED_DAYS. */
  unchangedDays?: number;
  /** Whether the registry's «Таблица» holds Google spreadsheet IDs (a link to the sheet) or file names. */
  googleSource?: boolean;
  now?: () => Date;
  /** Where a message that could not be sent is told (the server's log). */
  log?: (line: string) => void;
}

export interface ReminderSent {
  org: string;
  to: string[];
  /** The errors listed, and how many of them are new. */
  errors: number;
  newErrors: number;
  /** The reporting date the message reminds of, or null. */
  deadline: string | null;
  /** The outbox numbers of the messages (one per address). */
  outbox: number[];
}


const DAY_MS = 86_400_000;

/** The fingerprint of an error: what makes it «the same» from one sync to the next. */
export function fingerprint(f: Finding): string {
  return createHash('sha256').update(JSON.stringify([f.tab, f.row, f.column, f.value, f.problem])).digest('base64url').slice(0, 22);
}

/** The nearest reporting date on or after `today` (YYYY-MM-DD) no more than `days` away, or null. */
export function nextDeadline(today: string, dates: readonly string[], days: number): string | null {
  const year = Number(today.slice(0, 4));
  const t = daysFromIso(today);
  const near = dates
    .flatMap((md) => [`${year}-${md}`, `${year + 1}-${md}`])
    // 29.02 in a year without it is not a date (the calendar makes it 01.03).
    .filter((d) => isoFromDays(daysFromIso(d)) === d)
    .filter((d) => daysFromIso(d) - t >= 0 && daysFromIso(d) - t <= days)
    .sort();
  return near[0] ?? null;
}

/** «Лист «Педагоги», строка 7, столбец «Дата приёма»: «31.02.2024» — ожидается …». */
export function findingLine(f: Finding): string {
  const where = [`Лист «${f.tab}»`, f.row !== null ? `строка ${f.row}` : null, f.column ? `столбец «${f.column}»` : null].filter(Boolean).join(', ');
  const value = f.value === null || f.value === '' ? (f.row !== null && f.column ? 'пусто' : null) : `«${f.value.length > 120 ? `${f.value.slice(0, 120)}…` : f.value}»`;
  return `${where}: ${value ? `${value} — ` : ''}${f.problem}`;
}

const ts = (s: unknown) => (s === null || s === undefined ? null : String(s));

/** What an organization was last told (reminder_state). */
interface ReminderState {
  org: string;
  /** JSON list of the fingerprints of the errors it was told of (and still has). */
  told: string;
  sent_day: string | null;
  /** The reporting date it was last reminded of. */
  deadline: string | null;
}

export class Reminders {
  private key: Promise<Buffer> | null = null;

  constructor(private readonly deps: RemindersDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  private get unchangedDays(): number {
    return this.deps.unchangedDays ?? 14;
  }

  /** Why reminders are off (Russian), or null when on. */
  get reason(): string | null {
    if (this.deps.enabled === false) return 'Напоминания школам выключены настройкой REMINDERS=off.';
    if (!this.deps.mailer.status.enabled) return this.deps.mailer.status.reason;
    if (!this.deps.publicUrl) return 'Напоминания школам выключены: задайте PUBLIC_URL — адрес панели, по которому школа откроет ссылку «Отписаться» из письма, — и перезапустите сервер.';
    return null;
  }

  async status(): Promise<RemindersStatus> {
    const [c] = await this.deps.db.query(q('counts'));
    return {
      enabled: this.reason === null,
      reason: this.reason,
      orgs: Number(c?.orgs ?? 0),
      optouts: Number(c?.optouts ?? 0),
      reportDates: [...(this.deps.reportDates ?? [])],
      unchangedDays: this.unchangedDays,
    };
  }

  private async linkKey(): Promise<Buffer> {
    this.key ??= this.deps.db
      .write((w) => w.query(q('secret'), { fresh: randomBytes(32).toString('hex') }))
      .then(([r]) => Buffer.from(String(r!.value), 'hex'))
      .catch((e: unknown) => {
        this.key = null;
        throw e;
      });
    return this.key;
  }

  /** The signature of an unsubscribe link for an organization and an address. */
  async sign(org: string, email: string): Promise<string> {
    return createHmac('sha256', await this.linkKey()).update(`${org}\n${email.toLowerCase()}`).digest('base64url').slice(0, 32);
  }

  async verify(org: string, email: string, signature: string): Promise<boolean> {
    const want = Buffer.from(await this.sign(org, email));
    const got = Buffer.from(signature);
    return got.length === want.length && timingSafeEqual(got, want);
  }

  /** The unsubscribe link of an organization's address. */
  async unsubscribeUrl(org: string, email: string): Promise<string> {
    // Appended, not resolved: a PUBLIC_URL with a path (https://host/monitor) keeps it.
    const query = new URLSearchParams({ org, email: email.toLowerCase(), t: await this.sign(org, email) });
    return `${this.deps.publicUrl!}${UNSUBSCRIBE_PATH}?${query.toString()}`;
  }

  /** Whether the address is unsubscribed, and the organization's name (null: no such organization). */
  async optedOut(org: string, email: string): Promise<{ name: string | null; out: boolean }> {
    const [r] = await this.deps.db.query(q('is_optout'), { org, email: email.toLowerCase() });
    return { name: r?.name === null || r?.name === undefined ? null : String(r.name), out: Boolean(r?.out) };
  }

  async setOptOut(org: string, email: string, out: boolean): Promise<void> {
    const e = email.toLowerCase();
    await this.deps.db.write((w) => (out ? w.run(q('optout'), { org, email: e, now: isoTs(this.now()) }) : w.run(q('optin'), { org, email: e })));
  }

  /** Where each organization's reminders go, its last one and who unsubscribed (the operations page). */
  async contacts(): Promise<ReminderContact[]> {
    return (await this.deps.db.query(q('contacts'))).map((r) => ({
      org: String(r.code),
      name: String(r.name),
      active: r.active === true,
      emails: JSON.parse(String(r.emails)) as string[],
      sent_day: ts(r.sent_day),
      optouts: r.optouts === null || r.optouts === undefined ? [] : (JSON.parse(String(r.optouts)) as string[]),
    }));
  }

  /**
   * After a sync: the messages due (see the module's comment), one per organization at most,
   * and what each organization was told. Returns the messages sent.
   */
  async afterSync(): Promise<ReminderSent[]> {
    if (this.reason !== null) return [];
    // One pass at a time, in order: a sync that ends while the last one's messages are still
    // going out is looked at after that pass has saved what it told (never told twice).
    const next = this.queue.catch(() => undefined).then(() => this.pass());
    this.queue = next;
    return next;
  }

  private queue: Promise<unknown> = Promise.resolve();

  private async pass(): Promise<ReminderSent[]> {
    const { db } = this.deps;
    const now = this.now();
    const today = isoDay(now);
    const orgs = await db.query(q('candidates'));
    if (!orgs.length) return [];
    const codes = orgs.map((o) => String(o.code));
    const errors = new Map<string, Finding[]>();
    for (const r of await db.query(q('org_errors'), { orgs: codes })) {
      const org = String(r.org);
      const list = errors.get(org);
      if (list) list.push(findingOf(r));
      else errors.set(org, [findingOf(r)]);
    }
    const optouts = new Set((await db.query(q('optouts'))).map((r) => `${String(r.org)}\n${String(r.email)}`));
    const deadline = nextDeadline(today, this.deps.reportDates ?? [], this.unchangedDays);
    const sent: ReminderSent[] = [];
    const changedAt = deadline === null ? new Map<string, string>() : await lastDataChange(db, codes);
    // A state that cannot be saved is told in the log; the pass goes on (that organization may be
    // told again after the next sync — the only way not to lose it).
    const save = async (states: ReminderState[]) => {
      if (!states.length) return;
      try {
        await db.write(async (w) => {
          for (const st of states) await w.run(q('save_state'), { ...st });
        });
      } catch (e) {
        this.deps.log?.(`Напоминания школам: не записано, о чём сказано (${states.map((st) => st.org).join(', ')}): ${(e as Error).message}`);
      }
    };
    const quiet: ReminderState[] = [];
    /** Set when the mail server refused: the rest wait for the next sync (not one refusal per organization). */
    let refused: string | null = null;
    for (const o of orgs) {
      const org = String(o.code);
      const found = sortFindings(errors.get(org) ?? []);
      const prints = found.map(fingerprint);
      const told = new Set<string>(o.told === null || o.told === undefined ? [] : (JSON.parse(String(o.told)) as string[]));
      const fresh = new Set(prints.filter((p) => !told.has(p)));
      // «Unchanged» is about the data as loaded: only when the last read of the sheet worked
      // (a sheet that cannot be read, or a held load, may well have changed).
      const since = changedAt.get(org) ?? null;
      const readOk = o.last_status === 'ok' || o.last_status === 'unchanged';
      const unchangedFor = since === null ? 0 : Math.floor((now.getTime() - Date.parse(since)) / DAY_MS);
      const deadlineDue = deadline !== null && readOk && since !== null && ts(o.deadline_told) !== deadline && unchangedFor >= this.unchangedDays;
      const to = (JSON.parse(String(o.emails)) as string[]).map((e) => e.toLowerCase()).filter((e) => !optouts.has(`${org}\n${e}`));
      // Errors fixed since are forgotten (made again, they are new again); new ones stay new until told.
      const kept: ReminderState = { org, told: JSON.stringify(prints.filter((p) => told.has(p))), sent_day: ts(o.sent_day), deadline: ts(o.deadline_told) };
      if ((fresh.size || deadlineDue) && ts(o.sent_day) !== today && to.length && refused === null) {
        const what = { org, name: String(o.name), sheet: ts(o.sheet), found, fresh: prints.map((p) => fresh.has(p)), deadline: deadlineDue ? deadline : null, since: since ?? '', unchangedFor };
        // One message per address: each carries its own unsubscribe link. Told when at least one
        // address received it; a refusal leaves it untold — tried again after the next sync.
        const outbox: number[] = [];
        const delivered: string[] = [];
        try {
          for (const email of to) {
            const r = await this.deps.mailer.send({ kind: 'reminder', to: [email], ...(await this.compose(what, email)) }, { retry: false });
            outbox.push(r.id);
            if (r.status === 'sent') delivered.push(email);
            else refused = r.error;
          }
        } catch (e) {
          refused = (e as Error).message;
        }
        if (delivered.length) {
          sent.push({ org, to: delivered, errors: found.length, newErrors: what.fresh.filter(Boolean).length, deadline: what.deadline, outbox });
          // Saved at once: a pass that stops half-way never tells these again.
          await save([{ org, told: JSON.stringify(prints), sent_day: today, deadline: deadlineDue ? deadline : kept.deadline }]);
          continue;
        }
      }
      if (!o.known || kept.told !== String(o.told)) quiet.push(kept);
    }
    await save(quiet);
    if (refused !== null) this.deps.log?.(`Напоминания школам: почтовый сервер не принял письмо (${refused}); неотправленные — после следующей синхронизации.`);
    return sent;
  }

  private async compose(
    o: { org: string; name: string; sheet: string | null; found: Finding[]; fresh: boolean[]; deadline: string | null; since: string; unchangedFor: number },
    email: string,
  ): Promise<{ subject: string; text: string; headers: Record<string, string> }> {
    const parts: string[] = [`Здравствуйте!`, `Это автоматическое письмо системы «Наставничество: мониторинг» для ${o.name} (код ${o.org}).`];
    const newCount = o.fresh.filter(Boolean).length;
    if (o.found.length) {
      const lines = o.found.slice(0, MAX_LISTED).map((f, i) => `${i + 1}. ${o.fresh[i] && newCount < o.found.length ? '[новая] ' : ''}${findingLine(f)}`);
      const more = o.found.length > MAX_LISTED ? `\n… и ещё ${countOf(o.found.length - MAX_LISTED, 'ошибка', 'ошибки', 'ошибок')}: полный список — на листе «Проверка данных» вашей таблицы (если он ведётся) или у муниципального координатора.` : '';
      parts.push(
        `При проверке таблицы вашей организации ${plural(o.found.length, 'найдена', 'найдены', 'найдено')} ${countOf(o.found.length, 'ошибка', 'ошибки', 'ошибок')}` +
          `${newCount < o.found.length ? ` (новых с прошлого письма — ${newCount}, отмечены [новая])` : ''}. ` +
          `Строка с ошибкой не попадает в мониторинг, пока её не исправят; исправьте значения в таблице — при следующей синхронизации они будут проверены снова.`,
        `${lines.join('\n')}${more}`,
      );
    }
    if (o.deadline) {
      parts.push(
        `Ближайшая отчётная дата — ${ruDate(o.deadline)}. Данные в таблице вашей организации не менялись с ${ruDate(o.since.slice(0, 10))} (${countOf(o.unchangedFor, 'день', 'дня', 'дней')}). ` +
          `Проверьте, что в ней отражено всё, что произошло с тех пор: новые наставнические пары и программы, их окончание, курсы повышения квалификации, аттестации.`,
      );
    }
    const sheet = sheetUrl(o.sheet, this.deps.googleSource !== false);
    if (sheet) parts.push(`Таблица организации: ${sheet}`);
    parts.push(`Как заполнять таблицу: ${this.deps.publicUrl!}${HELP_PATH}`);
    const unsubscribe = await this.unsubscribeUrl(o.org, email);
    parts.push(
      `Письмо отправлено автоматически, не чаще одного раза в день, на адрес ${email} из реестра организаций (столбец «E-mail ответственного»). ` +
        `Отписаться от напоминаний: ${unsubscribe}`,
    );
    const subject = newCount
      ? `Наставничество: ошибки в таблице ${o.org}${o.deadline ? `, отчётная дата ${ruDate(o.deadline)}` : ''}`
      : `Наставничество: обновите таблицу ${o.org} к ${ruDate(o.deadline!)}`;
    return {
      subject,
      text: parts.join('\n\n'),
      headers: { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    };
  }
}
