/**
 * Alerts to the coordinator (issue #21, part 5): after a sync, one digest of what needs
 * attention and was not told yet — organizations whose data went stale (their sheet could not
 * be read), loads held by the shrink guard (waiting for the coordinator's acceptance), and
 * programs newly overdue (`program_completion.overdue` of the academic year, now against the
 * data of the last digest, read as of that sync: issue #20's history). At most one digest a
 * day; what happens after it waits for the next day's, nothing is dropped (the comparison is
 * always against the sync the last digest was measured at). ALERT_EMAILS names the recipients;
 * without them (or without mail) alerts are off, and the operations page says so.
 */
import { ruDate } from '../contract/index.ts';
import type { Db } from '../db/db.ts';
import { staleSince, type StateAlert } from '../db/history.ts';
import { sqlOf } from '../db/queries.ts';
import type { MetricCache } from '../metrics/cache.ts';
import { parseParams, type MetricParams } from '../metrics/metrics.ts';
import { isoDay } from '../metrics/period.ts';
import type { Mailer } from './mailer.ts';

const q = (name: string) => sqlOf(`mail/store#${name}`);

export interface OverdueAlert {
  org: string;
  name: string | null;
  before: number;
  now: number;
}

export interface Digest {
  stale: StateAlert[];
  held: StateAlert[];
  overdue: OverdueAlert[];
}

export interface AlertsDeps {
  db: Db;
  cache: MetricCache;
  mailer: Mailer;
  /** ALERT_EMAILS. */
  recipients: readonly string[];
  now?: () => Date;
  /** PUBLIC_URL, without a trailing slash (config.ts). */
  publicUrl?: string | null;
}

export class Alerts {
  constructor(private readonly deps: AlertsDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  get status(): { enabled: boolean; reason: string | null; recipients: readonly string[] } {
    if (!this.deps.mailer.status.enabled) return { enabled: false, reason: this.deps.mailer.status.reason, recipients: this.deps.recipients };
    if (!this.deps.recipients.length) return { enabled: false, reason: 'Оповещения координатору выключены: задайте ALERT_EMAILS (адреса через запятую) и перезапустите сервер.', recipients: [] };
    return { enabled: true, reason: null, recipients: this.deps.recipients };
  }

  /** What is new since run `base` (the data as of it against now). */
  async digest(base: { run: number; finished: string }): Promise<Digest> {
    const states = await staleSince(this.deps.db, base.run);
    const year = parseParams({}, this.now());
    const params: MetricParams = { ...year, grain: null };
    const work = this.deps.cache.request(null);
    const nowRows = (await this.deps.cache.rows('program_completion', params, work)).rows;
    const thenRows = (await this.deps.cache.rows('program_completion', { ...params, as_of: { asked: base.finished, run: base.run, finished_at: base.finished } }, work)).rows;
    const before = new Map(thenRows.map((r) => [r.org as string | null, Number(r.overdue ?? 0)]));
    const overdue = nowRows
      .filter((r) => r.org !== null && Number(r.overdue ?? 0) > (before.get(r.org as string) ?? 0))
      .map((r) => ({ org: String(r.org), name: (r.org_name as string | null) ?? null, before: before.get(r.org as string) ?? 0, now: Number(r.overdue) }));
    return { stale: states.filter((s) => !s.held), held: states.filter((s) => s.held), overdue };
  }

  /**
   * After sync `run`: the first call only sets the baseline; then a digest when anything is new
   * and none went today. Returns the digest sent, or null.
   */
  async afterSync(run: number): Promise<Digest | null> {
    if (!this.status.enabled) return null;
    const [st] = await this.deps.db.query(q('alerts_state'));
    const today = isoDay(this.now());
    const through = st?.through_run === null || st?.through_run === undefined ? null : Number(st.through_run);
    if (through === null || st?.through_finished === null) {
      await this.deps.db.write((w) => w.run(q('alerts_set'), { run: String(run), day: null }));
      return null;
    }
    if (st?.sent_day === today) return null;
    const d = await this.digest({ run: through, finished: String(st!.through_finished) });
    if (!d.stale.length && !d.held.length && !d.overdue.length) {
      await this.deps.db.write((w) => w.run(q('alerts_set'), { run: String(run), day: null }));
      return null;
    }
    await this.deps.mailer.send({ kind: 'alert', to: [...this.deps.recipients], subject: `Наставничество: требует внимания — ${ruDate(today)}`, text: this.text(d, run) });
    await this.deps.db.write((w) => w.run(q('alerts_set'), { run: String(run), day: today }));
    return d;
  }

  private text(d: Digest, run: number): string {
    const name = (a: { org: string; name: string | null }) => `${a.org}${a.name ? ` (${a.name})` : ''}`;
    const parts: string[] = [`Сводка после синхронизации № ${run}: что изменилось с прошлой сводки и требует внимания.`];
    if (d.stale.length) parts.push(`Данные устарели — таблица не прочитана, показываются прежние данные (${d.stale.length}):\n${d.stale.map((s) => `— ${name(s)}: ${s.message ?? 'причина не указана'}`).join('\n')}`);
    if (d.held.length) parts.push(`Загрузка задержана — данных стало резко меньше, нужна ваша проверка и подтверждение на странице организации (${d.held.length}):\n${d.held.map((s) => `— ${name(s)}: ${s.message ?? ''}`).join('\n')}`);
    if (d.overdue.length) parts.push(`Новые просроченные программы наставничества (учебный год):\n${d.overdue.map((o) => `— ${name(o)}: было ${o.before}, стало ${o.now}`).join('\n')}`);
    const link = this.deps.publicUrl ? `\n\nПанель мониторинга: ${this.deps.publicUrl}/data-quality` : '';
    return `${parts.join('\n\n')}${link}\n\nПисьмо отправлено автоматически, не чаще раза в день. Отключить оповещения — убрать ALERT_EMAILS из настроек сервера.`;
  }
}
