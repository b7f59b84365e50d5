/**
 * `GET /api/matching?date=&org=&limit=&top=`: mentor suggestions for every young specialist
 * without a mentor (server/matching/ states the rules), and `GET /api/mentor-load?date=&org=&limit=`:
 * the mentors at or over the load limit. Both name teachers: a coordinator, or a school for its
 * own organization (whose mentees may be offered mentors of other organizations of its type,
 * shown without a name, with the few details item 2.1 needs); a regional account gets 403. Parameters are
 * validated with zod (Russian 400 messages) and bound, never pasted into SQL.
 */
import { Router } from 'express';
import { z } from 'zod';
import { requireRole, scopeOrgs } from '../auth/http.ts';
import type { Db } from '../db/db.ts';
import { badRequest } from '../http/errors.ts';
import { DEFAULT_LOAD_LIMIT, DEFAULT_TOP, MAX_LOAD_LIMIT, MAX_TOP, mentorLoad, suggestMentors } from '../matching/index.ts';
import { requireKnownOrgs } from '../metrics/asof.ts';
import { QUERY_LIST_LIMIT, isoDate, one, listParam } from '../metrics/params.ts';
import { isoDay } from '../metrics/period.ts';

const wholeNumber = (min: number, max: number) =>
  z.preprocess(
    one,
    z
      .string({ message: `ожидается целое число от ${min} до ${max}` })
      .regex(/^\s*\d+\s*$/, `ожидается целое число от ${min} до ${max}`)
      .transform(Number)
      .pipe(z.number().int().min(min, `ожидается целое число от ${min} до ${max}`).max(max, `ожидается целое число от ${min} до ${max}`))
      .optional(),
  );

const orgList = z.preprocess(
  listParam,
  z.array(z.string().max(60, 'слишком длинный код организации')).max(QUERY_LIST_LIMIT, `не больше ${QUERY_LIST_LIMIT} организаций`),
);

const querySchema = z.object({
  date: z.preprocess(one, isoDate.optional()),
  org: orgList,
  limit: wholeNumber(1, MAX_LOAD_LIMIT),
  top: wholeNumber(1, MAX_TOP),
});

const PARAM_TITLES: Record<string, string> = {
  date: 'date (дата)',
  org: 'org (код организации)',
  limit: 'limit (наставляемых на наставника, не больше)',
  top: 'top (вариантов на наставляемого)',
};

function parse(query: Record<string, unknown>, now: Date, withTop: boolean) {
  const parsed = querySchema.safeParse({ date: query.date, org: query.org, limit: query.limit, top: withTop ? query.top : undefined });
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    const key = String(i.path[0] ?? '');
    throw badRequest(`неверный параметр ${PARAM_TITLES[key] ?? key}: ${i.message}`);
  }
  const d = parsed.data;
  return { date: d.date ?? isoDay(now), org: d.org, limit: d.limit ?? DEFAULT_LOAD_LIMIT, top: d.top ?? DEFAULT_TOP };
}

export function matchingRouter(deps: { db: Db; now: () => Date }): Router {
  const r = Router();

  r.get('/matching', async (req, res) => {
    const p = requireRole(res, ['coordinator', 'school'], 'подбор наставников (в нём ФИО)');
    const q = parse(req.query as Record<string, unknown>, deps.now(), true);
    const org = scopeOrgs(p, q.org);
    // A code the data never knew: a 400 naming it, as the registers say (it was an empty list).
    await requireKnownOrgs(deps.db, org);
    const mentees = await suggestMentors(deps.db, {
      on: q.date,
      orgs: org,
      limit: q.limit,
      top: q.top,
      // A school sees other organizations' candidates without names, with the few details matching needs.
      details: p.role === 'school' ? 'own_org' : 'all',
    });
    res.set('Cache-Control', 'no-store').json({ params: { date: q.date, org, limit: q.limit, top: q.top }, mentees });
  });

  r.get('/mentor-load', async (req, res) => {
    const p = requireRole(res, ['coordinator', 'school'], 'нагрузка наставников (в ней ФИО)');
    const q = parse(req.query as Record<string, unknown>, deps.now(), false);
    const org = scopeOrgs(p, q.org);
    await requireKnownOrgs(deps.db, org);
    const mentors = await mentorLoad(deps.db, { on: q.date, orgs: org, limit: q.limit });
    res.set('Cache-Control', 'no-store').json({ params: { date: q.date, org, limit: q.limit }, mentors });
  });

  return r;
}
