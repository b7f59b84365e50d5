/**
 * «Рассылки отчётов» on the page «Синхронизация»: the shapes of `/api/subscriptions` and
 * `/api/mail/outbox`, and how their values read in Russian. No DOM here: the section itself is
 * drawn by client/pages/operations.ts like the page's other sections.
 */

import type { Audience, Choice, LastRun, RemindersStatus, Subscription } from '../shared/subscriptions.ts';
import { plural } from './format.ts';

export type { Audience, Choice, LastRun, ReminderContact, RemindersStatus, ReportFormat, SendResult, Subscription } from '../shared/subscriptions.ts';

/** `GET /api/subscriptions`. */
export interface SubscriptionList {
  mail: { enabled: boolean; reason: string | null; from: string | null };
  /** The coordinator's alerts after each sync (ALERT_EMAILS). */
  alerts?: { enabled: boolean; reason: string | null; recipients: string[] };
  /** Reminders to schools after each sync (the registry's «E-mail ответственного»). */
  reminders?: RemindersStatus | null;
  periods: Choice[];
  formats: Choice[];
  metrics: { name: string; title: string }[];
  subscriptions: Subscription[];
}

/** One line on the reminders to schools: on or off and why, how many organizations, the reporting dates. */
export function remindersText(r: RemindersStatus): string {
  const orgs = `${r.orgs} ${plural(r.orgs, ['организации', 'организаций', 'организаций'])}`;
  if (!r.enabled) return `${r.reason ?? 'Напоминания школам выключены.'} Адрес для напоминаний указан у ${orgs} (столбец «E-mail ответственного» реестра).`;
  const dates = r.reportDates.length
    ? ` и за ${r.unchangedDays} ${plural(r.unchangedDays, ['день', 'дня', 'дней'])} до отчётной даты (${r.reportDates.map((d) => `${d.slice(3)}.${d.slice(0, 2)}`).join(', ')}), если таблица столько не менялась`
    : '; напоминаний перед отчётной датой нет (REMINDER_REPORT_DATES не задан)';
  const out = r.optouts ? `; отписались: ${r.optouts} ${plural(r.optouts, ['адрес', 'адреса', 'адресов'])}` : '';
  return `Напоминания школам — после синхронизации, не чаще раза в день, на адреса из столбца «E-mail ответственного» реестра (указан у ${orgs}): о новых ошибках в таблице${dates}${out}.`;
}

/** The body of `POST /api/subscriptions` (a new one) and `POST /api/subscriptions/:id` (a change). */
export interface SubscriptionInput {
  name: string;
  metrics: string[];
  orgs: string[];
  type: string | null;
  period: string;
  format: string;
  audience: string;
  recipients: string[];
  cron: string;
}

/** `GET /api/subscriptions/preview?cron=…`. */
export interface CronPreview {
  /** The schedule in words, its hours on the server's clock. */
  text: string;
  /** The next runs (ISO moments). */
  next: string[];
  /** The server's time zone (IANA), the clock of `text`. */
  zone?: string;
}

export interface OutboxMessage {
  id: number;
  at: string;
  kind: string;
  to: string[];
  subject: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  error: string | null;
}

export const DEFAULT_CRON = '0 8 * * 1';

export const AUDIENCES: Record<Audience, string> = {
  coordinator: 'координатор (полные таблицы)',
  region: 'регион (только сводные цифры, без ФИО)',
};

export const OUTBOX_STATUS: Record<OutboxMessage['status'], string> = {
  sent: 'отправлено',
  failed: 'ошибка',
  pending: 'ждёт',
};

function splitBy(text: string, separators: RegExp): string[] {
  const items = text
    .split(separators)
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return [...new Set(items)];
}

/** Addresses typed by hand — one a line, or separated by commas, semicolons or spaces — without blanks and repeats. */
export function splitAddresses(text: string): string[] {
  return splitBy(text, /[\s,;]+/);
}

/** Organization codes separated by commas, semicolons or new lines (a code may hold a space) — without blanks and repeats. */
export function splitCodes(text: string): string[] {
  return splitBy(text, /[\n,;]+/);
}

/** «Учебный год по день отправки, книга Excel (XLSX), для региона»: what a subscription sends (the lists' titles, first letter capital). */
export function whatText(s: Subscription, periods: readonly Choice[], formats: readonly Choice[]): string {
  const period = periods.find((p) => p.key === s.period)?.title ?? s.period;
  const format = formats.find((f) => f.key === s.format)?.title ?? s.format;
  const text = `${period}, ${format}${s.audience === 'region' ? ', для региона' : ''}`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** «отправлено» or «не отправлено: <причина>» of the last delivery; null before the first one. */
export function lastRunText(run: LastRun | null): string | null {
  if (!run) return null;
  return run.status === 'sent' ? 'отправлено' : `не отправлено${run.message ? `: ${run.message}` : ''}`;
}
