/** `GET /api/metrics`, `GET /api/metrics/:name` (JSON or `?format=csv`), `GET /api/orgs`. */
import { Router } from 'express';
import type { Db } from '../db.ts';
import { badRequest } from '../errors.ts';
import { toCsv } from '../export/csv.ts';
import { METRICS, allColumns, metricDef, parseParams } from '../metrics.ts';
import type { MetricCache } from '../metricCache.ts';

export function metricsRouter(deps: { db: Db; now: () => Date; cache: MetricCache }): Router {
  const r = Router();

  r.get('/metrics', (_req, res) => {
    res.json({
      metrics: METRICS.map((m) => ({
        name: m.name,
        short: m.short,
        title: m.title,
        description: m.description,
        order_item: m.orderItem,
        keys: m.keys,
        columns: m.columns,
        params: m.params,
      })),
    });
  });

  r.get('/metrics/:name', async (req, res) => {
    const m = metricDef(req.params.name);
    const { format, decimal, header, ...query } = req.query as Record<string, unknown>;
    const params = parseParams(query, deps.now());
    const answer = await deps.cache.get(m.name, params);
    const result = answer.result;
    if (format === undefined || format === 'json') {
      // The bytes serialized once; with the ETag, Express answers a matching If-None-Match with 304.
      res.set({ ETag: answer.etag, 'Cache-Control': 'private, no-cache' }).type('application/json').send(answer.json);
      return;
    }
    if (format !== 'csv') throw badRequest('неверный параметр format: допустимы json и csv');
    const columns = [...(params.grain === 'month' ? [{ name: 'month', title: 'Месяц (конец)', unit: 'текст' as const }] : []), ...allColumns(m)];
    const csv = toCsv(columns, result.rows, {
      decimal: decimal === 'comma' ? 'comma' : 'point',
      header: header === 'names' ? 'names' : 'titles',
    });
    res
      .type('text/csv; charset=utf-8')
      .attachment(`${m.name}_${params.from}_${params.to}.csv`)
      .send(csv);
  });

  r.get('/orgs', async (_req, res) => {
    const rows = await deps.db.query(
      `SELECT o.code, o.name, o.type, g.active, g.curator, s.last_success::VARCHAR AS last_success, coalesce(s.stale, false) AS stale
       FROM selected_orgs([], NULL) o JOIN orgs g ON g.code = o.code LEFT JOIN org_state s ON s.org = o.code
       ORDER BY o.type_rank, o.code_prefix, o.code_number, o.code`,
    );
    res.json({ orgs: rows });
  });

  return r;
}
