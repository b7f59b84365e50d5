/**
 * The scheduled deliveries of reports by e-mail as the API gives them (issue #21;
 * server/mail/subscriptions.ts answers with them, client/pages/operations.ts shows them).
 */

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
  /** Who made it (login). */
  created_by: string;
}

/** `POST /api/subscriptions/:id/send`. */
export interface SendResult {
  status: 'sent' | 'failed';
  message: string | null;
  /** The moment the report's figures are of. */
  as_of: string;
}

/** Reminders to schools (issue #21), as `GET /api/subscriptions` tells them: on or off and why, and their settings. */
export interface RemindersStatus {
  enabled: boolean;
  /** Why they are off (Russian), or null. */
  reason: string | null;
  /** Organizations with an address in the registry, and addresses that unsubscribed. */
  orgs: number;
  optouts: number;
  /** Reporting dates, `MM-DD`. */
  reportDates: string[];
  unchangedDays: number;
}

/** `GET /api/reminders`: where each organization's reminders go (coordinator only). */
export interface ReminderContact {
  org: string;
  name: string;
  active: boolean;
  emails: string[];
  /** The day of its last reminder (YYYY-MM-DD), or null. */
  sent_day: string | null;
  /** Its addresses that unsubscribed. */
  optouts: string[];
}
