/**
 * `GET /api/metrics`, `GET /api/metrics/:name` (JSON or `?format=csv`), `GET /api/metrics/:name/compare`
 * (the period against the one of `cmp_from`…`cmp_to`), `GET /api/orgs`.
 */
import { Router } from 'express';
import { auditor, scopeOrgs, scopeParams, who, type AuthDeps } from '../auth/http.ts';
import { sqlOf } from '../db/queries.ts';
import type { Db } from '../db/db.ts';
import { badRequest } from '../http/errors.ts';
import { acceptsGzip, gzipEtag } from '../http/gzip.ts';
import { toCsv } from '../export/csv.ts';
import { exportAuditDetail, exportFileName } from '../export/names.ts';
import { principalKey } from '../metrics/limits.ts';
import { METRICS, allColumns, metricDef, metricInfo, type MetricDef, type MetricParams } from '../metrics/metrics.ts';
import { COMPARABLE_METRICS, comparedColumns } from '../../shared/compare.ts';
import { compareMetric } from '../metrics/compare.ts';
import { answerJson, type MetricCache } from '../metrics/cache.ts';
import { parseComparisonAsOf, parseParamsAsOf } from '../metrics/asof.ts';

export function metricsRouter(deps: { db: Db; now: () => Date; cache: MetricCache; auth: AuthDeps }): Router {
  const r = Router();
  const audit = auditor(deps.auth);

  r.get('/metrics', (_req, res) => {
    res.json({
      metrics: METRICS.map(metricInfo),
    });
  });

  r.get('/metrics/:name/compare', async (req, res) => {
    const m = metricDef(req.params.name);
    if (!COMPARABLE_METRICS.includes(m.name)) throw badRequest(`показатель «${m.name}» не сравнивается по периодам: он описывает последние загрузки, а не период`);
    const query = req.query as Record<string, unknown>;
    const parsed = await parseParamsAsOf(deps.db, query, deps.now());
    if (parsed.grain === 'month') throw badRequest('сравнение периодов — по периодам целиком, без grain=month');
    // Two dates of the same period: only cmp_as_of; two periods: cmp_from…cmp_to (as of the same date, or cmp_as_of).
    const base = await parseComparisonAsOf(deps.db, query, parsed);
    if (base === null) throw badRequest('укажите период сравнения (cmp_from и cmp_to) или дату данных для сравнения (cmp_as_of)');
    const p = who(res);
    const params = await scopeParams(deps.db, p, parsed, base);
    const work = deps.cache.request(principalKey(p), (sec) => res.set('Retry-After', String(sec)));
    res.set('Cache-Control', cacheControl(m, params)).json({
      metric: m.name,
      current: { from: params.from, to: params.to, ...(params.as_of ? { as_of: params.as_of } : {}) },
      base,
      columns: comparedColumns(m),
      rows: await compareMetric(deps.cache, m, params, base, work),
    });
  });

  r.get('/metrics/:name', async (req, res) => {
    const m = metricDef(req.params.name);
    const { format, decimal, header, ...query } = req.query as Record<string, unknown>;
    const parsed = await parseParamsAsOf(deps.db, query, deps.now());
    const p = who(res);
    // A school account reads its own organization only (another code in `org` is a 403).
    const params = await scopeParams(deps.db, p, parsed);
    // One deadline for the request; the account's computations limited (limits.ts).
    const work = deps.cache.request(principalKey(p), (sec) => res.set('Retry-After', String(sec)));
    if (format === undefined || format === 'json') {
      const answer = await deps.cache.get(m.name, params, work);
      // The bytes serialized and compressed once; the compressed bytes are another representation,
      // with a validator of their own. With the ETag, Express answers a matching If-None-Match with 304.
      const gzip = acceptsGzip(req);
      res.set({ ETag: gzip ? gzipEtag(answer.etag) : answer.etag, 'Cache-Control': cacheControl(m, params), Vary: 'Accept-Encoding' }).type('application/json');
      if (gzip) res.set('Content-Encoding', 'gzip').send(answer.gzip);
      else res.send(await answerJson(answer));
      return;
    }
    if (format !== 'csv') throw badRequest('неверный параметр format: допустимы json и csv');
    // For Russian Excel by default (decimal comma, Russian titles); `decimal=point&header=names` for programs.
    if (decimal !== undefined && decimal !== 'comma' && decimal !== 'point') throw badRequest('неверный параметр decimal: допустимы comma (по умолчанию, для Excel) и point');
    if (header !== undefined && header !== 'titles' && header !== 'names') throw badRequest('неверный параметр header: допустимы titles (по умолчанию) и names');
    const result = await deps.cache.rows(m.name, params, work);
    const columns = [...(params.grain === 'month' ? [{ name: 'month', title: 'Месяц (конец)', unit: 'текст' as const }] : []), ...allColumns(m)];
    await audit(req, res, 'export_csv', m.name, exportAuditDetail(params));
    const csv = toCsv(columns, result.rows, {
      decimal: decimal === 'point' ? 'point' : 'comma',
      header: header === 'names' ? 'names' : 'titles',
    });
    res
      .type('text/csv; charset=utf-8')
      .attachment(exportFileName(m.name, params, 'csv'))
      .send(csv);
  });

  r.get('/orgs', async (_req, res) => {
    const p = who(res);
    // The curator is a person's name: not for a regional account.
    const rows = await deps.db.query(sqlOf('lists/orgs'), { orgs: scopeOrgs(p, []), region: p.role === 'region' });
    res.json({ orgs: rows });
  });

  return r;
}

/**
 * A metric's answer is figures and organization names — kept by the browser and revalidated
 * (`private, no-cache` + ETag) — unless it carries the sources' own words (data_quality's
 * «Причина»: a school's tab title may be a person's name), which, like every answer with names,
 * is `no-store` (README «Персональные данные»; it was cached: an acceptance run). A regional
 * account gets the reason's kind only.
 */
function cacheControl(m: MetricDef, params: MetricParams): string {
  return !params.region && allColumns(m).some((c) => c.name === 'last_message') ? 'no-store' : 'private, no-cache';
}
