/**
 * Scheduled deliveries of reports (issue #21, part 2): the coordinator's named subscriptions —
 * which indicators, which organizations, a period rule, the format (XLSX, PDF, both), the
 * audience (the coordinator, or the region: the region's rights, aggregates only, never a
 * teacher's name — the same rule as its exports), recipients, and a cron schedule with its
 * Russian reading. Each delivery is computed `as_of` the moment it is made (the figures of the
 * last finished sync, named in the message and on the workbook's «Параметры» sheet), so the
 * attachment can be reproduced later with that `as_of`.
 *
 * The scheduler (`tick`) is called by the server every half minute with the time now: a
 * subscription whose schedule had a time after its last one and at or before now is sent once
 * (a server that was down does not send a backlog). The clock is injected, so tests run a
 * schedule without waiting.
 */
import { Cron } from 'croner';
import { z } from 'zod';
import type { AuthStore, Principal } from '../auth/store.ts';
import { isoTs, type Db, type Row } from '../db/db.ts';
import { sqlOf } from '../db/queries.ts';
import { isEmail, ruDate } from '../contract/index.ts';
import { badRequest, notFound } from '../http/errors.ts';
import { requireKnownOrgs, resolveAsOf } from '../metrics/asof.ts';
import type { MetricCache } from '../metrics/cache.ts';
import { academicYear, addDays, isoDay } from '../metrics/period.ts';
import { METRICS, metricDef, parseParams, type MetricParams } from '../metrics/metrics.ts';
import { exportWorkbook } from '../routes/export.ts';
import { printReportPdf } from '../routes/report.ts';
import { SECTION_METRICS } from '../../shared/metrics.ts';
import type { ReportFormat, SendResult, Subscription } from '../../shared/subscriptions.ts';
import { ruClock, ruMoment, zoneLabel } from '../../shared/moment.ts';
import type { Attachment, Mailer } from './mailer.ts';

const q = (name: string) => sqlOf(`mail/store#${name}`);

/** Period rules, relative to the day a delivery is made. */
export const PERIODS = [
  { key: 'year_to_date', title: 'учебный год по день отправки' },
  { key: 'academic_year', title: 'текущий учебный год целиком' },
  { key: 'previous_academic_year', title: 'прошлый учебный год' },
  { key: 'last_month', title: 'прошлый календарный месяц' },
  { key: 'calendar_year_to_date', title: 'календарный год по день отправки' },
] as const;
export type PeriodRule = (typeof PERIODS)[number]['key'];

/** What a delivery attaches; the first is the default: the summary a reader finishes (at most three pages). */
export const FORMATS = [
  { key: 'summary', title: 'сводка на 3 страницы (PDF)' },
  { key: 'summary_xlsx', title: 'сводка (PDF) и книга Excel (XLSX)' },
  { key: 'xlsx', title: 'книга Excel (XLSX)' },
  { key: 'pdf', title: 'полный отчёт для печати (PDF)' },
  { key: 'both', title: 'книга Excel (XLSX) и полный отчёт (PDF)' },
] as const satisfies readonly { key: ReportFormat; title: string }[];

/** The period a rule gives on `day` (`YYYY-MM-DD`). */
export function periodOf(rule: PeriodRule, day: string): { from: string; to: string } {
  const year = academicYear(day);
  switch (rule) {
    case 'year_to_date':
      return { from: year.from, to: day };
    case 'academic_year':
      return year;
    case 'previous_academic_year':
      return academicYear(addDays(year.from, -1));
    case 'last_month': {
      const first = `${day.slice(0, 7)}-01`;
      const to = addDays(first, -1);
      return { from: `${to.slice(0, 7)}-01`, to };
    }
    case 'calendar_year_to_date':
      return { from: `${day.slice(0, 4)}-01-01`, to: day };
  }
}


/** A cron schedule's Russian reading and its next times after `from`; a 400 in Russian when it is none. */
export async function cronPreview(expr: string, from: Date, count = 3, timezone?: string): Promise<{ text: string; next: string[]; zone: string }> {
  let job: Cron;
  try {
    job = new Cron(expr, { paused: true, ...(timezone ? { timezone } : {}) });
  } catch {
    throw badRequest(`расписание «${expr.slice(0, 60)}» — не выражение cron; пример: 0 8 * * 1 (по понедельникам в 08:00)`);
  }
  // Five fields: a sixth is seconds («* * * * * *» read «every second», and fired at every tick).
  if (!expr.trim().startsWith('@') && expr.trim().split(/\s+/).length > 5) {
    job.stop();
    throw badRequest(`расписание «${expr.slice(0, 60)}» — с секундами или годом: укажите 5 полей cron (минута, час, день месяца, месяц, день недели); пример: 0 8 * * 1 (по понедельникам в 08:00)`);
  }
  const next = job.nextRuns(count, from).map((d) => d.toISOString());
  job.stop();
  if (next.length === 0) throw badRequest(`по расписанию «${expr}» отправлять некогда: у него нет следующего срока`);
  // The library's named `toString` (its types give the module's default class; at run time both are there).
  const descriptor = (await import('cronstrue/i18n.js')).default as unknown as { toString(e: string, o: Record<string, unknown>): string };
  const describe = (e: string, o: Record<string, unknown>) => descriptor.toString(e, o);
  let text: string;
  try {
    text = describe(expr, { locale: 'ru', use24HourTimeFormat: true, verbose: false });
  } catch {
    text = expr;
  }
  // The hours of `text` are the server's clock (the schedule runs there); `next` are moments.
  return { text, next, zone: timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone };
}

const listOf = (what: string, max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.split(/[\n,;]+/) : v),
    z.array(z.string({ error: `${what}: ожидается текст` }).trim(), { error: `${what}: ожидается список` }).max(max, `${what}: не больше ${max}`),
  ).transform((a) => [...new Set(a.filter(Boolean))]);

const bodySchema = z.object({
  name: z.string({ error: 'название: ожидается текст' }).trim().min(1, 'название: укажите, как называется рассылка').max(120, 'название: не длиннее 120 знаков'),
  metrics: listOf('показатели', 20).default([]),
  orgs: listOf('организации', 2000).default([]),
  type: z.string().trim().max(100).nullable().optional(),
  period: z.enum(PERIODS.map((p) => p.key) as [PeriodRule, ...PeriodRule[]], { error: `период: допустимые значения — ${PERIODS.map((p) => p.key).join(', ')}` }),
  format: z.enum(FORMATS.map((f) => f.key) as [ReportFormat, ...ReportFormat[]], { error: `формат: допустимые значения — ${FORMATS.map((f) => f.key).join(', ')}` }).default('summary'),
  audience: z.enum(['coordinator', 'region'], { error: 'получатель: допустимые значения — coordinator (координатор), region (регион)' }),
  recipients: listOf('адреса', 50),
  cron: z.string({ error: 'расписание: ожидается выражение cron' }).trim().min(1, 'расписание: укажите, когда отправлять (cron, например 0 8 * * 1)').max(100),
});

export type SubscriptionInput = z.infer<typeof bodySchema>;

/** Validates a subscription's body: Russian 400 naming the field. */
export async function parseSubscription(body: unknown, db: Db): Promise<SubscriptionInput> {
  const r = bodySchema.safeParse(body ?? {});
  if (!r.success) throw badRequest(r.error.issues[0]!.message);
  const s = r.data;
  for (const m of s.metrics) {
    if (!METRICS.some((x) => x.name === m)) throw badRequest(`показатели: «${m}» — нет такого показателя; доступны: ${METRICS.map((x) => x.name).join(', ')}`);
  }
  if (s.recipients.length === 0) throw badRequest('адреса: укажите хотя бы один адрес электронной почты');
  for (const a of s.recipients) if (!isEmail(a)) throw badRequest(`адреса: «${a.slice(0, 80)}» — не адрес электронной почты`);
  await cronPreview(s.cron, new Date(), 1);
  // The same checks as a metric's own parameters (type, organization codes — known to the data:
  // a code typed wrong would send a report of nobody, every time).
  const params = parseParams({ org: s.orgs, ...(s.type ? { type: s.type } : {}) }, new Date());
  await requireKnownOrgs(db, params.org);
  return { ...s, type: s.type ? s.type : null };
}

/** What a delivery sends when it names no indicators: the report's sections. */
const DEFAULT_METRICS: readonly string[] = SECTION_METRICS;

export interface SubscriptionDeps {
  db: Db;
  cache: MetricCache;
  mailer: Mailer;
  store: AuthStore;
  now?: () => Date;
  /** The server's own address, for the PDF (Chromium opens `/report` there); known once it listens (setOrigin). */
  origin?: string | null;
  /** The dashboard's public address for links in messages (PUBLIC_URL, without a trailing slash: config.ts). */
  publicUrl?: string | null;
  /** The time zone schedules are read in (IANA name); default: the server's own (its TZ). */
  timezone?: string;
}

export class Subscriptions {
  private origin: string | null;

  constructor(private readonly deps: SubscriptionDeps) {
    this.origin = deps.origin ?? null;
  }

  /** A subscription's body, checked (parseSubscription) against this database's organizations. */
  parse(body: unknown): Promise<SubscriptionInput> {
    return parseSubscription(body, this.deps.db);
  }

  /** The server's own address (`http://127.0.0.1:3000`), once it listens: the PDF is printed from its `/report`. */
  setOrigin(origin: string): void {
    this.origin = origin;
  }

  get mailer(): Mailer {
    return this.deps.mailer;
  }

  /** A schedule's Russian reading and its next `count` times from now, in the schedules' time zone. */
  preview(expr: string, count = 3): Promise<{ text: string; next: string[] }> {
    return cronPreview(expr, this.now(), count, this.deps.timezone);
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  private async view(r: Row): Promise<Subscription> {
    const cron = String(r.cron);
    let cronText = cron;
    let next: string | null = null;
    try {
      const p = await cronPreview(cron, this.now(), 1, this.deps.timezone);
      cronText = p.text;
      next = p.next[0] ?? null;
    } catch {
      // a stored schedule is valid; an edited library reading of it is not worth failing the list
    }
    return {
      id: Number(r.id),
      name: String(r.name),
      metrics: JSON.parse(String(r.metrics)) as string[],
      orgs: JSON.parse(String(r.orgs)) as string[],
      type: r.type === null ? null : String(r.type),
      period: String(r.period),
      format: String(r.format) as ReportFormat,
      audience: String(r.audience) as Subscription['audience'],
      recipients: JSON.parse(String(r.recipients)) as string[],
      cron,
      cron_text: cronText,
      next_run: next,
      last_run: r.last_sent_at === null ? null : { at: String(r.last_sent_at), status: String(r.last_status) as 'sent' | 'failed', message: r.last_message === null ? null : String(r.last_message) },
      created_at: String(r.created_at),
      created_by: String(r.created_by),
    };
  }

  async list(): Promise<Subscription[]> {
    return Promise.all((await this.deps.db.query(q('list_subscriptions'))).map((r) => this.view(r)));
  }

  async get(id: number): Promise<Subscription> {
    const [r] = await this.deps.db.query(q('subscription_by_id'), { id });
    if (!r) throw notFound(`рассылки № ${id} нет`);
    return this.view(r);
  }

  private bind(s: SubscriptionInput) {
    return {
      name: s.name,
      metrics: JSON.stringify(s.metrics),
      orgs: JSON.stringify(s.orgs),
      type: s.type ?? null,
      period: s.period,
      format: s.format,
      audience: s.audience,
      recipients: JSON.stringify(s.recipients),
      cron: s.cron,
      now: isoTs(this.now()),
    };
  }

  async create(s: SubscriptionInput, by: string): Promise<Subscription> {
    const [r] = await this.deps.db.write((w) => w.query(q('insert_subscription'), { ...this.bind(s), by }));
    return this.get(Number(r!.id));
  }

  async update(id: number, s: SubscriptionInput): Promise<Subscription> {
    const rows = await this.deps.db.write((w) => w.query(q('update_subscription'), { ...this.bind(s), id }));
    if (!rows.length) throw notFound(`рассылки № ${id} нет`);
    return this.get(id);
  }

  async remove(id: number): Promise<void> {
    const rows = await this.deps.db.write((w) => w.query(q('delete_subscription'), { id }));
    if (!rows.length) throw notFound(`рассылки № ${id} нет`);
  }

  /**
   * Sends a subscription now: its period on today's date, its figures as of now (the last
   * finished sync), attachments as its format says. The outcome is stored with it; the message
   * goes through the outbox (retried in the background when the first attempt fails).
   */
  async deliver(id: number): Promise<SendResult> {
    const sub = await this.get(id);
    const at = this.now();
    const moment = at.toISOString();
    let outcome: SendResult;
    try {
      if (!this.deps.mailer.status.enabled) throw new Error(this.deps.mailer.status.reason ?? 'почта выключена');
      const { attachments, text, subject } = await this.compose(sub, at);
      const sent = await this.deps.mailer.send({ kind: 'subscription', to: sub.recipients, subject, text, attachments, subscriptionId: sub.id });
      outcome = {
        status: sent.status,
        message: sent.status === 'sent' ? null : `${sent.error ?? 'ошибка отправки'} — письмо будет отправлено повторно`,
        as_of: moment,
      };
    } catch (e) {
      outcome = { status: 'failed', message: e instanceof Error ? e.message : String(e), as_of: moment };
    }
    await this.deps.db.write((w) => w.run(q('mark_sent'), { id, at: isoTs(at), status: outcome.status, message: outcome.message }));
    return outcome;
  }

  /** The message of a delivery: its attachments computed as of `at`, and a short text saying what they hold. */
  private async compose(sub: Subscription, at: Date): Promise<{ attachments: Attachment[]; text: string; subject: string }> {
    const day = isoDay(at);
    const asOf = await resolveAsOf(this.deps.db, at.toISOString());
    const period = periodOf(sub.period as PeriodRule, day);
    const base = parseParams({ from: period.from, to: period.to, org: sub.orgs, ...(sub.type ? { type: sub.type } : {}) }, at);
    const params: MetricParams = {
      ...base,
      grain: null,
      as_of: { asked: at.toISOString(), run: asOf.run, finished_at: asOf.finished_at },
      ...(sub.audience === 'region' ? { region: true as const } : {}),
    };
    // Who the figures are for: a region delivery has the region's rights (aggregates only).
    const principal: Principal = { kind: 'token', id: null, login: `рассылка ${sub.id}`, role: sub.audience === 'region' ? 'region' : 'coordinator', org: null, readOnly: true, demo: false, csrf: null };
    const names = sub.metrics.length ? sub.metrics : DEFAULT_METRICS;
    const attachments: Attachment[] = [];
    const stem = `nastavnichestvo_${params.from}_${params.to}`;
    if (sub.format === 'xlsx' || sub.format === 'both' || sub.format === 'summary_xlsx') {
      const work = this.deps.cache.request(null);
      const xlsx = await exportWorkbook({ db: this.deps.db, now: () => at, cache: this.deps.cache }, { defs: names.map(metricDef), params, base: null, work });
      attachments.push({ filename: `${stem}.xlsx`, content: xlsx, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
    }
    for (const summary of [true, false]) {
      const wanted = summary ? sub.format === 'summary' || sub.format === 'summary_xlsx' : sub.format === 'pdf' || sub.format === 'both';
      if (!wanted) continue;
      if (!this.origin) throw new Error('PDF-отчёт недоступен: сервер ещё не принимает запросы');
      const pdf = await printReportPdf({ origin: this.origin, principal, store: this.deps.store, params, summary });
      attachments.push({ filename: `${stem}_${summary ? 'svodka' : 'otchet'}.pdf`, content: pdf, contentType: 'application/pdf' });
    }
    const link = this.deps.publicUrl ? `\n\nПанель мониторинга: ${this.deps.publicUrl}/?from=${params.from}&to=${params.to}&as_of=${encodeURIComponent(at.toISOString())}` : '';
    const text =
      `Рассылка «${sub.name}» (№ ${sub.id}).\n\n` +
      `Период: с ${ruDate(params.from)} по ${ruDate(params.to)} (${PERIODS.find((p) => p.key === sub.period)!.title}).\n` +
      `Данные на ${ruClock(at)} (${zoneLabel(at)}): синхронизация № ${asOf.run}, завершена ${ruMoment(asOf.finished_at)}; ` +
      `те же числа даёт выгрузка с параметром as_of=${at.toISOString()}.\n` +
      `Организации: ${sub.orgs.length ? sub.orgs.join(', ') : 'все'}${sub.type ? ` (тип: ${sub.type})` : ''}.\n` +
      `${sub.audience === 'region' ? 'Для региона: только сводные показатели, без персональных данных.\n' : ''}` +
      `Во вложении: ${attachments.map((a) => a.filename).join(', ')}.${link}\n\n` +
      `Письмо отправлено автоматически системой «Наставничество: мониторинг». Изменить или отключить рассылку может координатор на странице «Синхронизация» → «Рассылки отчётов».`;
    return { attachments, text, subject: `Наставничество: ${sub.name} — ${ruDate(day)}` };
  }

  /**
   * The scheduler's step: every subscription whose schedule had a time after its last one and
   * at or before `now` is sent (once, however many times were missed). Returns the ones sent.
   */
  async tick(now = this.now()): Promise<{ id: number; result: SendResult }[]> {
    const due: number[] = [];
    for (const r of await this.deps.db.query(q('list_subscriptions'))) {
      const since = r.last_fired_at ?? r.created_at;
      let next: Date | null = null;
      try {
        const job = new Cron(String(r.cron), { paused: true, ...(this.deps.timezone ? { timezone: this.deps.timezone } : {}) });
        next = job.nextRun(new Date(`${String(since).replace(' ', 'T')}Z`));
        job.stop();
      } catch {
        // A schedule that no longer reads (saved by hand in the file): its delivery waits for an edit, the others go on.
        continue;
      }
      if (next && next.getTime() <= now.getTime()) due.push(Number(r.id));
    }
    const out: { id: number; result: SendResult }[] = [];
    for (const id of due) {
      // Taken before sending: a failing delivery is reported, not repeated every tick.
      await this.deps.db.write((w) => w.run(q('mark_fired'), { id, at: isoTs(now) }));
      out.push({ id, result: await this.deliver(id) });
    }
    return out;
  }
}
