/**
 * `GET /api/practices?org=&type=&topic=&from=&to=`: the bank of best practices (item 2.2 of the
 * order), from the optional tab «Лучшие практики» of each organization — title, author (the
 * full name as on «Педагоги»), organization, direction, link and date; sorted by direction in
 * the contract's order (no direction last), then organization (type, then code), then date,
 * newest first (undated last).
 *
 * Filters: `org` (repeatable or comma-separated), `type`, `topic` (a direction of the contract,
 * aliases accepted), and `from` / `to` (each optional, inclusive): with either, only practices
 * dated inside; without them the whole bank. Every parameter is validated with zod and bound,
 * never pasted into SQL.
 *
 * Practices name their authors: a coordinator sees all, a school its own organization (another
 * code is a 403), a regional account none (403). Links are schools' text: only an http(s) URL
 * comes back as `link`; anything else (`javascript:…`, «см. сайт школы») as `link_text`.
 */
import { reversedPeriodProblem } from '../../shared/period.ts';
import type { Practice } from '../../shared/practices.ts';
import { Router } from 'express';
import { z } from 'zod';
import { requireRole, scopeOrgs } from '../auth/http.ts';
import { sqlOf } from '../db/queries.ts';
import { asOfParam, queryAsOf } from '../metrics/asof.ts';
import { ORG_TYPES, TOPICS, allowed, enumMatcher } from '../contract/index.ts';
import type { Db } from '../db/db.ts';
import { badRequest } from '../http/errors.ts';
import { QUERY_LIST_LIMIT, isoDate, one, listParam } from '../metrics/params.ts';

/** An empty value is no filter. */
const blank = (v: unknown) => {
  const s = one(v);
  return typeof s === 'string' && s.trim() === '' ? undefined : s;
};

function enumParam(values: Parameters<typeof enumMatcher>[0], what: string) {
  const match = enumMatcher(values);
  return z.preprocess(
    blank,
    z
      .string({ message: `ожидается одно значение` })
      .optional()
      .transform((s, ctx) => {
        if (s === undefined) return null;
        const v = match(s);
        if (v === null) {
          ctx.addIssue({ code: 'custom', message: `неизвестное значение «${s.slice(0, 100)}»; допустимые ${what}: ${allowed(values)}` });
          return z.NEVER;
        }
        return v;
      }),
  );
}

const querySchema = z.object({
  org: z.preprocess(
    listParam,
    z
      .array(z.string({ message: 'ожидается код организации' }).max(60, 'слишком длинный код организации'), {
        message: 'ожидается код организации',
      })
      .max(QUERY_LIST_LIMIT, `не больше ${QUERY_LIST_LIMIT} организаций`),
  ),
  type: enumParam(ORG_TYPES, 'типы'),
  topic: enumParam(TOPICS, 'направления'),
  from: z.preprocess(blank, isoDate.optional()),
  to: z.preprocess(blank, isoDate.optional()),
});

const PARAM_TITLES: Record<string, string> = {
  org: 'org (код организации)',
  type: 'type (тип организации)',
  topic: 'topic (направление)',
  from: 'from (начало периода)',
  to: 'to (конец периода)',
};

export interface PracticeQuery {
  org: string[];
  type: string | null;
  topic: string | null;
  from: string | null;
  to: string | null;
}

/** Validates the query; a Russian 400 on the first problem. */
export function parsePracticeQuery(query: Record<string, unknown>): PracticeQuery {
  const res = querySchema.safeParse({ org: query.org, type: query.type, topic: query.topic, from: query.from, to: query.to });
  if (!res.success) {
    const i = res.error.issues[0]!;
    const key = String(i.path[0] ?? '');
    throw badRequest(`неверный параметр ${PARAM_TITLES[key] ?? key}: ${i.message}`);
  }
  const { org, type, topic, from, to } = res.data;
  const reversed = from !== undefined && to !== undefined ? reversedPeriodProblem(from, to) : null;
  if (reversed) throw badRequest(reversed);
  return { org, type, topic, from: from ?? null, to: to ?? null };
}

/**
 * A link as typed by a school: an absolute http(s) URL becomes `link` (normalized by the URL
 * parser), anything else — another scheme, a relative path, words — is only text.
 */
export function splitLink(value: unknown): { link: string | null; link_text: string | null } {
  if (typeof value !== 'string' || value.trim() === '') return { link: null, link_text: null };
  const text = value.trim();
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return { link: url.href, link_text: null };
  } catch {
    // not an absolute URL
  }
  return { link: null, link_text: text };
}


/** The practices of the query, from the data now or as of a past sync (`asOf`: asof.ts asOfParam's text). */
export async function listPractices(db: Db, q: PracticeQuery, asOf: string | null = null): Promise<Practice[]> {
  const { rows } = await queryAsOf(db, asOf, sqlOf('lists/practices'), { orgs: q.org, type: q.type, topic: q.topic, from: q.from, to: q.to });
  return rows.map((r) => ({
    title: String(r.title),
    author: String(r.author),
    org: String(r.org),
    org_name: String(r.org_name),
    org_type: String(r.org_type),
    topic: (r.topic as string | null) ?? null,
    ...splitLink(r.link),
    practice_date: (r.practice_date as string | null) ?? null,
  }));
}

export function practicesRouter(deps: { db: Db; now: () => Date }): Router {
  const r = Router();

  r.get('/practices', async (req, res) => {
    // Practices name their authors: not for a regional account (aggregates only).
    const p = requireRole(res, ['coordinator', 'school'], 'банк лучших практик (в нём ФИО авторов)');
    const q = parsePracticeQuery(req.query as Record<string, unknown>);
    // A school account reads its own organization only (another code in `org` is a 403).
    const scoped = { ...q, org: scopeOrgs(p, q.org) };
    const practices = await listPractices(deps.db, scoped, asOfParam(req.query as Record<string, unknown>));
    res.set('Cache-Control', 'no-store').json({
      params: scoped,
      generated_at: deps.now().toISOString(),
      practices,
    });
  });

  return r;
}

export type { Practice };
