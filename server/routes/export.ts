/**
 * `GET /api/export.xlsx?from&to&type&org&metrics=a,b[&cmp_from&cmp_to]`: the workbook for the
 * regional report — the same rows as the API for the same parameters; `metrics` limits it to a
 * page's indicators; with a comparison period, a sheet per indicator against that period.
 */
import { lastDataRun } from '../sync/state.ts';
import { readFileSync } from 'node:fs';
import { Router } from 'express';
import { auditor, scopeParams, who, type AuthDeps } from '../auth/http.ts';
import type { Db } from '../db/db.ts';
import { badRequest } from '../http/errors.ts';
import { buildWorkbook } from '../export/xlsx.ts';
import { exportAuditDetail, exportFileName } from '../export/names.ts';
import { principalKey } from '../metrics/limits.ts';
import { METRICS, metricDef, type MetricDef, type MetricParams } from '../metrics/metrics.ts';
import { listParam } from '../metrics/params.ts';
import { parseComparisonAsOf, parseParamsAsOf } from '../metrics/asof.ts';
import { COMPARABLE_METRICS, type ComparedRow, type Period } from '../../shared/compare.ts';
import { comparePeriods, inOneState } from '../metrics/compare.ts';
import { SECTION_METRICS } from '../../shared/metrics.ts';
import type { MetricCache, MetricRequest } from '../metrics/cache.ts';

const APP_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The indicators of a regional workbook, in report order (the overview tiles repeat them). */
const DEFAULT_SHEETS: readonly string[] = SECTION_METRICS;

/**
 * The regional workbook of these indicators and parameters (and comparison base): the same
 * rows as the API for the same parameters. The export route and the mailed deliveries (issue #21).
 */
export async function exportWorkbook(
  deps: { db: Db; now: () => Date; cache: Pick<MetricCache, 'rows' | 'dataVersion' | 'consistently'> },
  o: { defs: readonly MetricDef[]; params: MetricParams; base: Period | null; work: MetricRequest },
): Promise<Buffer> {
  const { defs, params, base, work } = o;
  // Every sheet from one state of the data, as a comparison (compare.ts inOneState); the
  // comparison sheets are read inside this one read, not as reads of their own.
  const { sheets, freshness, comparison, version } = await inOneState(deps.cache, !params.as_of && !base?.as_of, async () => {
    const sheets = [];
    for (const def of defs) sheets.push({ def, rows: (await deps.cache.rows(def.name, params, work)).rows });
    const freshness = (await deps.cache.rows('data_quality', params, work)).rows;
    let comparison;
    if (base) {
      comparison = { base, sheets: [] as { def: MetricDef; rows: ComparedRow[] }[] };
      for (const def of defs.filter((d) => COMPARABLE_METRICS.includes(d.name))) {
        comparison.sheets.push({ def, rows: await comparePeriods(deps.cache, def, params, base, work) });
      }
    }
    return { sheets, freshness, comparison, version: await lastDataRun(deps.db) };
  });
  return buildWorkbook(sheets, { params, generatedAt: deps.now(), appVersion: APP_VERSION, dataVersion: version, freshness, comparison });
}

export function exportRouter(deps: { db: Db; now: () => Date; cache: MetricCache; auth: AuthDeps }): Router {
  const r = Router();
  const audit = auditor(deps.auth);
  r.get('/export.xlsx', async (req, res) => {
    const { metrics, ...query } = req.query as Record<string, unknown>;
    // Repeated and/or comma-separated, as `org` (a repeated one was ignored: the default sheets came).
    const listed = listParam(metrics);
    if (!Array.isArray(listed)) throw badRequest('неверный параметр metrics: ожидаются имена показателей через запятую');
    const given = metrics !== undefined && !(typeof metrics === 'string' && metrics.trim() === '');
    // Given but naming nothing (`metrics=,,,`) is a mistake, not a workbook without indicators.
    if (given && listed.length === 0) throw badRequest(`неверный параметр metrics: не назван ни один показатель; допустимые: ${METRICS.filter((m) => !m.parts).map((m) => m.name).join(', ')}`);
    const names = given ? (listed as string[]) : DEFAULT_SHEETS;
    if (names.length > METRICS.length * 2) throw badRequest('слишком много показателей в параметре metrics');
    // An indicator named twice is one sheet (a workbook cannot hold two sheets of one name).
    const defs = [...new Map(names.map(metricDef).map((d) => [d.name, d])).values()];
    const parsed = await parseParamsAsOf(deps.db, query, deps.now());
    // cmp_from…cmp_to: each indicator also against that period (sheets «Сравн. …»).
    const base = await parseComparisonAsOf(deps.db, query, parsed);
    const p = who(res);
    const params = { ...(await scopeParams(deps.db, p, parsed, base)), grain: null };
    // One indicator: its name in the file's (two pages' workbooks saved one after the other kept one name).
    const fileName = exportFileName(defs.length === 1 ? `nastavnichestvo_${defs[0]!.name}` : 'nastavnichestvo', params, 'xlsx');
    // Headers of the file only with the file (an error after this point is JSON, not a download).
    const asFile = () => res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').attachment(fileName);
    // HEAD: what the export would be, checked as GET is — not made, not recorded as a report.
    if (req.method === 'HEAD') return void asFile().status(200).end();
    await audit(req, res, 'export_xlsx', defs.map((d) => d.name).join(','), exportAuditDetail(params));
    // One deadline for the whole workbook (every sheet), not one per sheet (limits.ts).
    const work = deps.cache.request(principalKey(p), (sec) => res.set('Retry-After', String(sec)));
    const body = await exportWorkbook(deps, { defs, params, base, work });
    asFile().send(body);
  });
  return r;
}
