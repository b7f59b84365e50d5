/**
 * Mail (issue #21): the SMTP transport (nodemailer) and the outbox. Every message is recorded
 * (`mail_outbox`: to whom, what, each attempt's outcome) and in the audit log; a failed send is
 * tried again with backoff, in the background, and a message that never went is shown on the
 * operations page. Without SMTP_URL and MAIL_FROM mail is off — visibly: the API and the pages
 * say why, and nothing is dropped silently (a delivery that cannot be sent is recorded as not sent).
 */
import type { Transporter } from 'nodemailer';
import type { AuthStore } from '../auth/store.ts';
import type { Db } from '../db/db.ts';
import { isoTs } from '../db/db.ts';
import { sqlOf } from '../db/queries.ts';
import { smtpUrlParts } from './smtpUrl.ts';

const q = (name: string) => sqlOf(`mail/store#${name}`);

export interface Attachment {
  filename: string;
  content: Buffer;
  contentType: string;
}

export interface Message {
  /** `subscription`, `test`, … (outbox and audit log). */
  kind: string;
  to: string[];
  subject: string;
  text: string;
  attachments?: Attachment[];
  /** Extra headers (a reminder's List-Unsubscribe). */
  headers?: Record<string, string>;
  subscriptionId?: number | null;
}

/** Sends one message; rejects with the server's reason. */
export type SendFn = (m: { from: string; to: string[]; subject: string; text: string; attachments: Attachment[]; headers: Record<string, string> }) => Promise<void>;

export interface MailStatus {
  enabled: boolean;
  /** Why mail is off (Russian), or null. */
  reason: string | null;
  from: string | null;
}

/** Delays between attempts: four attempts in all, the last about six minutes after the first. */
export const RETRY_DELAYS_MS: readonly number[] = [10_000, 60_000, 300_000];

export interface MailerOptions {
  smtpUrl?: string | undefined;
  from?: string | undefined;
  /** Replaces SMTP (tests of a failing server, a dry run). */
  send?: SendFn;
  retryDelaysMs?: readonly number[];
  now?: () => Date;
  /** Where failures are told (the server's log). */
  log?: (line: string) => void;
}

/** The password of an SMTP URL never reaches a message or a log. */
export function redactUrl(text: string, url: string | undefined): string {
  if (!url) return text;
  let out = text;
  try {
    const u = new URL(url);
    for (const secret of [u.password, decodeURIComponent(u.password)]) if (secret) out = out.split(secret).join('***');
  } catch {
    // not a URL: nothing to hide beyond the text itself
  }
  return out;
}

export class Mailer {
  private readonly pending = new Set<Promise<void>>();
  private transporter: Promise<Transporter> | null = null;
  readonly status: MailStatus;

  constructor(
    private readonly db: Db,
    private readonly store: AuthStore | null,
    private readonly opts: MailerOptions = {},
  ) {
    const enabled = opts.send !== undefined ? Boolean(opts.from) : Boolean(opts.smtpUrl && opts.from);
    this.status = {
      enabled,
      reason: enabled
        ? null
        : 'Почта не настроена: задайте SMTP_URL (сервер исходящей почты, например smtp://пользователь:пароль@smtp.example.ru:587) и MAIL_FROM (адрес отправителя) и перезапустите сервер. Пока почта выключена, рассылки сохраняются, но не отправляются.',
      from: opts.from ?? null,
    };
  }

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  private async sendOnce(m: Message): Promise<void> {
    const attachments = m.attachments ?? [];
    const headers = m.headers ?? {};
    if (this.opts.send) return this.opts.send({ from: this.opts.from!, to: m.to, subject: m.subject, text: m.text, attachments, headers });
    // Bounded waits: a mail server that does not answer fails the attempt (then retried) instead
    // of holding the deliveries for nodemailer's default minutes.
    this.transporter ??= import('nodemailer').then((n) => {
      // Parts, never the URL itself (smtpUrl.ts: nodemailer's URL parsing could print it).
      const parts = smtpUrlParts(this.opts.smtpUrl!);
      if (parts === null) throw new Error('SMTP_URL не разбирается как адрес сервера почты');
      const { options, ...server } = parts;
      return n.default.createTransport({ ...options, ...server, connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000 });
    });
    const t = await this.transporter;
    await t.sendMail({ from: this.opts.from!, to: m.to, subject: m.subject, text: m.text, attachments, headers });
  }

  /**
   * Records the message and makes the first attempt; when it fails, the next ones follow in the
   * background (RETRY_DELAYS_MS; none with `retry: false`). Resolves with the first attempt's
   * outcome and the outbox number.
   */
  async send(m: Message, opts: { retry?: boolean } = {}): Promise<{ id: number; status: 'sent' | 'failed'; error: string | null }> {
    if (!this.status.enabled) throw new Error(this.status.reason ?? 'почта выключена');
    const [row] = await this.db.write((w) =>
      w.query(q('insert_outbox'), { kind: m.kind, recipients: JSON.stringify(m.to), subject: m.subject, subscription: m.subscriptionId ?? null, now: isoTs(this.now()) }),
    );
    const id = Number(row!.id);
    // `retry: false`: one attempt, its outcome final (a reminder is tried again by the next sync instead).
    const delays = opts.retry === false ? [] : (this.opts.retryDelaysMs ?? RETRY_DELAYS_MS);
    const first = await this.attempt(id, m, 1, delays.length + 1);
    if (first === null) return { id, status: 'sent', error: null };
    // The rest in the background; `idle()` waits for them (tests, shutdown).
    const rest = (async () => {
      for (const [i, ms] of delays.entries()) {
        await new Promise((r) => setTimeout(r, ms).unref?.());
        if ((await this.attempt(id, m, i + 2, delays.length + 1)) === null) return;
      }
    })().catch(() => undefined);
    this.pending.add(rest);
    void rest.finally(() => this.pending.delete(rest));
    return { id, status: 'failed', error: first };
  }

  /** One attempt: recorded in the outbox and the audit log. Null when sent, else the reason (smtpProblem). */
  private async attempt(id: number, m: Message, n: number, of: number): Promise<string | null> {
    let error: string | null = null;
    try {
      await this.sendOnce(m);
    } catch (e) {
      error = redactUrl(smtpProblem(e), this.opts.smtpUrl).slice(0, 500);
    }
    const last = n >= of;
    const status = error === null ? 'sent' : last ? 'failed' : 'pending';
    // The mail server's answer is the outcome: a message it took stays sent even when recording
    // the attempt fails (told in the log), so nothing is sent twice for a full disk.
    try {
      await this.db.write((w) => w.run(q('outbox_attempt'), { id, status, error, now: isoTs(this.now()) }));
    } catch (e) {
      this.opts.log?.(`Журнал писем: попытка ${n} письма № ${id} не записана: ${(e as Error).message}`);
    }
    const detail = `${m.subject}; попытка ${n} из ${of}: ${error === null ? 'отправлено' : `не отправлено (${error})${last ? '' : ', будет повтор'}`}`;
    await this.store?.audit({ actor: 'сервер', action: error === null ? 'mail_sent' : 'mail_failed', target: m.to.join(', ').slice(0, 300), detail }).catch(() => undefined);
    if (error !== null) this.opts.log?.(`Письмо «${m.subject}» (${m.to.join(', ')}) не отправлено, попытка ${n} из ${of}: ${error}`);
    return error;
  }

  /**
   * At start: messages a stopped server left waiting for a retry (retries live in the process)
   * are marked failed with the reason, never left «pending» for ever. Returns how many.
   */
  async abandonPending(): Promise<number> {
    return (await this.db.write((w) => w.query(q('outbox_abandoned')))).length;
  }

  /** Resolves when no retry is waiting (tests; a server that stops). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  /** The last messages, newest first. */
  async outbox(limit: number) {
    const rows = await this.db.query(q('list_outbox'), { limit });
    return rows.map((r) => ({
      id: Number(r.id),
      at: String(r.created_at),
      kind: String(r.kind),
      subscription_id: r.subscription_id === null ? null : Number(r.subscription_id),
      to: JSON.parse(String(r.recipients)) as string[],
      subject: String(r.subject),
      status: String(r.status) as 'pending' | 'sent' | 'failed',
      attempts: Number(r.attempts),
      error: r.last_error === null ? null : String(r.last_error),
      sent_at: r.sent_at === null ? null : String(r.sent_at),
    }));
  }
}

/** What the mail server's failure means, in Russian, before its own words (they were English only: «connect ECONNREFUSED 127.0.0.1:2525»: an acceptance run). */
const SMTP_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'почтовый сервер (SMTP_URL) не принимает соединения — он не запущен или указан не тот адрес или порт',
  ECONNECTION: 'не удалось соединиться с почтовым сервером (SMTP_URL)',
  ETIMEDOUT: 'почтовый сервер (SMTP_URL) не ответил вовремя',
  ESOCKET: 'соединение с почтовым сервером (SMTP_URL) прервано',
  EDNS: 'адрес почтового сервера (SMTP_URL) не найден',
  ENOTFOUND: 'адрес почтового сервера (SMTP_URL) не найден',
  EAUTH: 'почтовый сервер не принял логин или пароль из SMTP_URL',
  EENVELOPE: 'почтовый сервер отказался принять письмо для этих адресов',
  EMESSAGE: 'почтовый сервер отказался принять письмо',
  ETLS: 'не удалось установить защищённое соединение (TLS) с почтовым сервером',
};

export function smtpProblem(e: unknown): string {
  const raw = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: unknown } | null)?.code;
  // nodemailer says ESOCKET of a refused connection: the system's code in its text is the sharper.
  const said = /ECONNREFUSED/.test(raw) ? SMTP_CODES.ECONNREFUSED : typeof code === 'string' ? SMTP_CODES[code] : undefined;
  return said ? `${said} (${raw})` : raw;
}
