/** `overview`, the composite (shared/metrics.ts `parts`): the totals of its parts and the counts of active and fresh organizations. */
import type { Db, Row } from '../db/db.ts';
import { sqlOf } from '../db/queries.ts';
import { metricDef } from './registry.ts';
import { runOnce, type Components, type Period } from './run.ts';

export /**
 * `overview` has no SQL of its own: its tiles are the totals of other metrics, so it reads
 * them (one formula per number, nowhere copied) and adds the freshness of the data.
 */
async function runOverview(db: Db, p: Period, via: Components | undefined, signal: AbortSignal | undefined, catalog?: string): Promise<Row[]> {
  // All six settle before a failure is passed on: after a timeout, every interrupted query is
  // back in its lane by the time the request is answered.
  const parts = await Promise.allSettled(
    (metricDef('overview').parts ?? []).map(
      async (name) => (via ? (await via(name, { ...p, grain: null })).rows : runOnce(db, metricDef(name), p, undefined, signal, catalog)),
    ),
  );
  const failed = parts.find((x) => x.status === 'rejected');
  if (failed) throw failed.reason;
  const [eng, young, pd, growth, prog, quality] = parts.map((x) => (x as PromiseFulfilledResult<Row[]>).value);
  const active = new Set(
    (await db.metricQuery(sqlOf('lists/active_orgs'), {}, signal, catalog)).map((r) => String(r.code)),
  );
  const byOrg = (rows: Row[] | undefined) => new Map((rows ?? []).map((r) => [r.org as string | null, r]));
  const [y, d, g, c, q] = [young, pd, growth, prog, quality].map(byOrg) as Map<string | null, Row>[];
  let fresh = 0;
  let activeCount = 0;
  const rows = (eng ?? []).map((e) => {
    const org = e.org as string | null;
    const row: Row = {
      org,
      org_name: e.org_name,
      org_type: e.org_type,
      engagement_rate: e.engagement_rate,
      coverage: y!.get(org)?.coverage ?? null,
      pd_coverage: d!.get(org)?.pd_coverage ?? null,
      growth_pp: g!.get(org)?.growth_pp ?? null,
      completion_rate: c!.get(org)?.completion_rate ?? null,
    };
    if (org !== null) {
      const isActive = active.has(org);
      const qr = q!.get(org);
      const isFresh = isActive && qr !== undefined && qr.stale === false && qr.last_success !== null;
      row.orgs_fresh = isFresh ? 1 : 0;
      row.orgs_active = isActive ? 1 : 0;
      fresh += row.orgs_fresh as number;
      activeCount += row.orgs_active as number;
    }
    return row;
  });
  const total = rows.find((r) => r.org === null);
  if (total) Object.assign(total, { orgs_fresh: fresh, orgs_active: activeCount });
  return rows;
}

/** How `overview` gets the answers it is made of: a cache, or (default) straight from SQL. */
