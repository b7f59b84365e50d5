/**
 * `GET /api/quality?org=СОШ-1&level=error`: the data quality of the last loads — per
 * organization its sync state and counts of quarantined rows, errors and warnings, and every
 * finding (`issues`) with a link to the spreadsheet. Parameters are validated with zod and
 * bound, never pasted into SQL; an unknown organization is a JSON 404.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { requireRole, scopeOrgs, type Audit } from '../auth/http.ts';
import { buildFindingsWorkbook } from '../export/findings.ts';
import { exportOrgPart } from '../export/names.ts';
import { sqlOf } from '../db/queries.ts';
import { TABS } from '../contract/index.ts';
import { AnswerStore, answerJson, compressAnswer } from '../metrics/answers.ts';
import { asOfParam, queryAsOf } from '../metrics/asof.ts';
import type { Db } from '../db/db.ts';
import { badRequest, notFound } from '../http/errors.ts';
import { acceptsGzip } from '../http/gzip.ts';
import { lastRunSource, registryCode, registryHold, storedCounts, storedSpreadsheets, storedTabGids, type SheetTab } from '../sync/state.ts';
import { findingUrl, spreadsheetUrl } from '../google/write.ts';

const LEVELS = ['error', 'warning', 'notice'] as const;

const querySchema = z.object({
  org: z
    .string({ message: 'ожидается один код организации' })
    .trim()
    .min(1, 'ожидается код организации')
    .max(60, 'слишком длинный код организации')
    .optional(),
  level: z.enum(LEVELS, { message: 'допустимые значения: error, warning, notice' }).optional(),
});

const PARAM_TITLES: Record<string, string> = { org: 'org (код организации)', level: 'level (уровень)' };

/** A Google spreadsheet ID as the registry stores it (folder and demo sheets are file names and keys). */
const GOOGLE_ID = /^[A-Za-z0-9_-]{20,}$/;

/** The spreadsheet's ID when the data comes from Google Sheets and the registry names one, else null. */
function googleId(sheet: unknown, googleSource: boolean): string | null {
  return googleSource && typeof sheet === 'string' && GOOGLE_ID.test(sheet) ? sheet : null;
}

/** The tabs of the template each organization holds no row of (their titles, in the template's order), from the rows stored per tab (storedCounts). */
async function emptyTabs(db: Db, orgs: readonly string[]): Promise<Map<string, string[]>> {
  if (orgs.length === 0) return new Map();
  const counts = await storedCounts(db);
  return new Map(orgs.map((o) => [o, TABS.filter((t) => !(counts.get(o)?.[t.key] ?? 0)).map((t) => t.title)]));
}

export function sheetUrl(sheet: unknown, googleSource: boolean): string | null {
  const id = googleId(sheet, googleSource);
  return id === null ? null : spreadsheetUrl(id);
}

/** Answers kept per data version: a few views (all, one organization, a level) at a time, and their (compressed) bytes bounded. */
const KEPT_ANSWERS = 16;
const KEPT_BYTES = 32 * 1024 * 1024;

export function qualityRouter(deps: { db: Db; now?: () => Date; audit?: Audit }): Router {
  const r = Router();
  /**
   * The answers of the current data version, shared: a school whose sheet has 50,000 bad rows
   * makes its list 35 MB of JSON, and 20 people refreshing the page at once built it 20 times —
   * on the connections logins and short lists use, so those waited 25 s. Now it is read once per
   * sync on the metric lane (queryAsOf `heavy`), serialized and compressed once (zlib's fastest
   * level: ~3 MB), and sent as those bytes; only the compressed bytes are kept (metrics/answers.ts).
   */
  const answers = new AnswerStore(() => deps.db.dataVersion, KEPT_ANSWERS, KEPT_BYTES);

  /**
   * The parameters of both routes, checked: the level, the organization (a school's own; one
   * in the registry) and the as-of date. Findings quote the cells (teachers' names): coordinator,
   * or a school for its own organization — `what` says what was refused.
   */
  async function qualityRequest(req: Request, res: Response, what: string) {
    const parsed = querySchema.safeParse({ org: req.query.org, level: req.query.level });
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      const key = String(i.path[0]);
      throw badRequest(`неверный параметр ${PARAM_TITLES[key] ?? key}: ${i.message}`);
    }
    const p = requireRole(res, ['coordinator', 'school'], what);
    const { level } = parsed.data;
    const org = p.role === 'school' ? scopeOrgs(p, parsed.data.org === undefined ? [] : [parsed.data.org])[0] : parsed.data.org;
    if (org !== undefined && (await registryCode(deps.db, org)) !== org) throw notFound(`нет организации с кодом «${org}» в реестре`);
    return { p, org, level, asOf: asOfParam(req.query as Record<string, unknown>) };
  }

  /** The organizations' states and the findings the page and the workbook show, now or as of a past sync (asof.ts). */
  async function readFindings(org: string | undefined, level: string | undefined, asOf: string | null) {
    const { rows: orgs, as_of } = await queryAsOf(deps.db, asOf, sqlOf('lists/quality_orgs'), { org: org ?? null }, true);
    // Registry-wide findings (no organization) belong to the whole list, not to one organization.
    const { rows: issues } = await queryAsOf(deps.db, asOf, sqlOf('lists/quality_issues'), { org: org ?? null, level: level ?? null }, true);
    return { orgs, issues, as_of };
  }

  r.get('/quality', async (req, res) => {
    const { p, org, level, asOf } = await qualityRequest(req, res, 'подробности качества данных (в них ФИО педагогов)');
    const { db } = deps;
    // The registry hold is the coordinator's (a school sees null): part of who is asking.
    const coordinator = p.role === 'coordinator';
    const answer = await answers.shared(JSON.stringify([coordinator, org ?? null, level ?? null, asOf]), async () => {
      // Sheet links only make sense when the data comes from Google Sheets (the last run's source).
      const google = (await lastRunSource(db))?.startsWith('Google Sheets') ?? false;

      // As of a past sync: the states and findings it left; the registry hold below is now.
      const { orgs, issues, as_of } = await readFindings(org, level, asOf);
      const codes = orgs.map((o) => String(o.org));
      // The spreadsheet each organization was last loaded from (its findings are about it): the
      // registry's «Таблица» may name it by a file chip, or hold a mistyped value since.
      const loaded = google ? await storedSpreadsheets(db, codes) : new Map<string, string>();
      const ids = new Map(orgs.map((o) => [String(o.org), loaded.get(String(o.org)) ?? googleId(o.sheet, google)]));
      // A finding opens its cell on its tab (the tab's gid and the column of its header at the last
      // load; the row's first cell when its column is not known), as the write-back's «Проверка
      // данных» links it; else the spreadsheet.
      const gids = google ? await storedTabGids(db, codes) : new Map<string, Map<string, SheetTab>>();
      const cellUrl = (i: Record<string, unknown>): string | null => {
        const id = i.org === null ? null : (ids.get(String(i.org)) ?? null);
        if (id === null) return null;
        const tabs = [...(gids.get(String(i.org)) ?? [])].map(([title, t]) => ({ title, sheetId: t.gid, columns: t.columns }));
        return findingUrl(id, tabs, { tab: String(i.tab), row: typeof i.row === 'number' ? i.row : null, column: typeof i.column === 'string' ? i.column : null });
      };

      // The tabs each organization has no row on now: «школа не заполняет лист» told apart from
      // «в школе нет пар» (both read as 0 % with no finding: an outside review). Of the data now only.
      const empty = as_of ? null : await emptyTabs(db, orgs.filter((o) => o.last_success !== null).map((o) => String(o.org)));

      return compressAnswer({
        ...(as_of ? { as_of } : {}),
        // The registry held for dropping more than half of its organizations (sync/guard.ts).
        registry_hold: coordinator ? await registryHold(db) : null,
        orgs: orgs.map((o) => ({
          org: o.org,
          org_name: o.org_name,
          last_success: o.last_success,
          last_attempt: o.last_attempt,
          last_status: o.last_status,
          last_message: o.last_message,
          stale: o.stale,
          // The registry's spreadsheet (where the school works now), else the one last loaded.
          sheet_url: sheetUrl(o.sheet, google) ?? (loaded.has(String(o.org)) ? spreadsheetUrl(loaded.get(String(o.org))!) : null),
          quarantined: o.quarantined,
          errors: o.errors,
          warnings: o.warnings,
          category_mismatches: o.category_mismatches,
          empty_tabs: empty?.get(String(o.org)) ?? null,
        })),
        issues: issues.map((i) => ({ ...i, cell_url: cellUrl(i) })),
      });
    });
    res.type('application/json').vary('Accept-Encoding');
    if (acceptsGzip(req)) res.set('Content-Encoding', 'gzip').send(answer.gzip);
    else res.send(await answerJson(answer));
  });

  /**
   * `GET /api/quality.xlsx?org&level&as_of`: the same findings and states as a workbook
   * (export/findings.ts) — the list a school works through, not a page of JSON. Same parameters
   * and the same who-may-see-it; recorded in the audit log, as the other exports are (it quotes names).
   */
  r.get('/quality.xlsx', async (req, res) => {
    const { org, level, asOf } = await qualityRequest(req, res, 'замечания к данным (в них ФИО педагогов)');
    const { orgs, issues, as_of } = await readFindings(org, level, asOf);
    const scope = [
      org === undefined ? 'все организации реестра' : `организация ${org}`,
      level === undefined ? 'все уровни' : `только: ${LEVEL_WORDS[level]}`,
      ...(as_of ? [`на ${as_of.asked}`] : []),
    ].join('; ');
    const body = await buildFindingsWorkbook({ orgs, issues, generatedAt: deps.now?.() ?? new Date(), scope });
    if (deps.audit) await deps.audit(req, res, 'export_quality_xlsx', org ?? null, scope);
    const name = `zamechaniya${org === undefined ? '' : `_${exportOrgPart(org)}`}${level ? `_${level}` : ''}.xlsx`;
    res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').attachment(name).send(body);
  });

  return r;
}

const LEVEL_WORDS: Record<(typeof LEVELS)[number], string> = { error: 'ошибки', warning: 'предупреждения', notice: 'замечания' };
