/**
 * `GET /api/orgs/:code/changes?limit=10` (issue #20, part 3): what the organization's last syncs
 * that changed anything changed — per sync and tab, rows added, removed and changed (which
 * columns, old → new) — read from the row history (db/history.ts). It quotes the rows (names):
 * a coordinator's or the organization's own account only, never a regional one.
 *
 * `GET /api/changes?since=YYYY-MM-DD`: the organizations whose data changed since the last report
 * sent to the region (the last XLSX or PDF export in the audit log, or delivery to the region by
 * mail — from the moment its figures stood), or since the start of that
 * day, or ever: per organization, rows added, changed and removed. Counts only, no names of
 * people: every role (a school its own organization).
 */
import { Router } from 'express';
import { z } from 'zod';
import { requireRole, scopeOrgs, who, type AuthDeps } from '../auth/http.ts';
import type { Db } from '../db/db.ts';
import { sqlOf } from '../db/queries.ts';
import { changesSince, orgChanges } from '../db/history.ts';
import { HISTORY_TABS } from '../db/schema.ts';
import { badRequest, notFound } from '../http/errors.ts';
import { auditedAsOf } from '../export/names.ts';
import { resolveAsOf } from '../metrics/asof.ts';
import { isoDate } from '../metrics/params.ts';
import { registryCode } from '../sync/state.ts';

/** Syncs listed by default, and at most. */
export const CHANGES_DEFAULT = 10;
const CHANGES_MAX = 100;

const limitSchema = z.coerce
  .number({ error: 'неверный параметр limit: число синхронизаций от 1 до 100' })
  .int({ error: 'неверный параметр limit: целое число от 1 до 100' })
  .min(1, { error: 'неверный параметр limit: число от 1 до 100' })
  .max(CHANGES_MAX, { error: 'неверный параметр limit: не больше 100' });

/** Audit actions that send a report to the region: the regional workbook and the printed report. */
const REPORT_ACTIONS = ['export_xlsx', 'export_pdf'];

export interface LastReport {
  /** When it was sent (`YYYY-MM-DD HH:MM:SS`, UTC). */
  at: string;
  /** `export_xlsx`, `export_pdf` (an export by the coordinator or the region) or `mail` (a delivery to the region). */
  action: string;
  /** The moment its figures stood: `at`, or the end of the sync an export was made `as_of`. */
  data_at: string;
}

/**
 * The last report sent to the region: an export by the coordinator or the region (XLSX, the
 * printed report), or a delivery to the region by mail (they were not counted: an outside
 * review). Changes count from the moment its figures stood — an export `as_of` a past sync
 * showed that sync's data, and every change after it is news to the region (it counted from
 * the export's time, hiding them all: an outside review).
 */
export async function lastReport(db: Db, store: { lastAuditAmong: AuthDeps['store']['lastAuditAmong'] }): Promise<LastReport | null> {
  const audit = await store.lastAuditAmong(REPORT_ACTIONS);
  const [mail] = await db.query(sqlOf('lists/last_region_delivery'));
  const mailAt = mail?.at === null || mail?.at === undefined ? null : String(mail.at);
  if (mailAt !== null && (audit === null || mailAt > audit.at)) return { at: mailAt, action: 'mail', data_at: mailAt };
  if (audit === null) return null;
  const asked = auditedAsOf(audit.detail);
  const asOf = asked === null ? null : await resolveAsOf(db, asked).catch(() => null);
  return { at: audit.at, action: audit.action, data_at: asOf !== null && asOf.finished_at < audit.at ? asOf.finished_at : audit.at };
}

export function changesRouter(deps: { db: Db; auth: AuthDeps }): Router {
  const r = Router();
  r.get('/orgs/:code/changes', async (req, res) => {
    const p = requireRole(res, ['coordinator', 'school'], 'журнал изменений организации (в нём ФИО)');
    const code = await registryCode(deps.db, req.params.code);
    if (code === null) throw notFound(`нет организации с кодом «${req.params.code}» в реестре`);
    // A school account reads its own organization only (another code is a 403).
    scopeOrgs(p, [code]);
    let limit = CHANGES_DEFAULT;
    if (req.query.limit !== undefined) {
      const parsed = limitSchema.safeParse(req.query.limit);
      if (!parsed.success) throw badRequest(parsed.error.issues[0]?.message ?? 'неверный параметр limit');
      limit = parsed.data;
    }
    res.set('Cache-Control', 'no-store').json({ org: code, syncs: await orgChanges(deps.db, code, limit, HISTORY_TABS) });
  });
  r.get('/changes', async (req, res) => {
    const p = who(res);
    let since: string | null = null;
    let basis: 'report' | 'date' | 'all' = 'all';
    const report = await lastReport(deps.db, deps.auth.store);
    if (req.query.since !== undefined) {
      const parsed = isoDate.safeParse(req.query.since);
      if (!parsed.success) throw badRequest('неверный параметр since: дата в виде ГГГГ-ММ-ДД');
      since = `${parsed.data} 00:00:00`;
      basis = 'date';
    } else if (report) {
      since = report.data_at;
      basis = 'report';
    }
    let orgs = await changesSince(deps.db, HISTORY_TABS, since);
    if (p.role === 'school') orgs = orgs.filter((o) => o.org === p.org);
    res.set('Cache-Control', 'no-store').json({ since, basis, report, orgs });
  });
  return r;
}
