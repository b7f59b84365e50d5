/**
 * «Рассылки отчётов» on the page «Синхронизация»: the shapes of `/api/subscriptions` and
 * `/api/mail/outbox`, and how their values read in Russian. No DOM here: the section itself is
 * drawn by client/pages/operations.ts like the page's other sections.
 */
import { formatDateTime } from './format.ts';

export interface Choice {
  key: string;
  title: string;
}

export type Audience = 'coordinator' | 'region';
export type ReportFormat = 'summary' | 'summary_xlsx' | 'xlsx' | 'pdf' | 'both';

export interface LastRun {
  at: string;
  status: 'sent' | 'failed';
  message: string | null;
}

export interface Subscription {
  id: number;
  name: string;
  /** Empty: the report's standard set of indicators. */
  metrics: string[];
  /** Empty: all organizations. */
  orgs: string[];
  type: string | null;
  /** A key of `periods`. */
  period: string;
  format: ReportFormat;
  audience: Audience;
  recipients: string[];
  cron: string;
  /** The schedule in Russian words («В 08:00, только в понедельник»). */
  cron_text: string;
  /** ISO moment of the next delivery; null when the schedule never fires again. */
  next_run: string | null;
  last_run: LastRun | null;
  created_at: string;
}

/** `GET /api/subscriptions`. */
export interface SubscriptionList {
  mail: { enabled: boolean; reason: string | null; from: string | null };
  /** The coordinator's alerts after each sync (ALERT_EMAILS). */
  alerts?: { enabled: boolean; reason: string | null; recipients: string[] };
  periods: Choice[];
  formats: Choice[];
  metrics: { name: string; title: string }[];
  subscriptions: Subscription[];
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
  text: string;
  /** The next runs (ISO moments). */
  next: string[];
}

/** `POST /api/subscriptions/:id/send`. */
export interface SendResult {
  status: 'sent' | 'failed';
  message: string | null;
  /** The moment the report's figures are of. */
  as_of: string;
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

/**
 * A moment of the API → "дд.мм.гггг чч:мм" in the browser's time zone. `formatDateTime` reads
 * the wall clock as UTC (right for "…Z" and DuckDB's timestamps); a moment with another offset
 * ("…+03:00") is brought to UTC first.
 */
export function formatMoment(moment: string | null | undefined): string {
  if (moment && /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?[+-]\d{2}:?\d{2}$/.test(moment)) {
    const date = new Date(moment);
    if (!Number.isNaN(date.getTime())) return formatDateTime(date.toISOString());
  }
  return formatDateTime(moment);
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
