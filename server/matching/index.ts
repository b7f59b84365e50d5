/**
 * Matching suggestions (issue #12, part 2; order item 2.1: the coordinator helps to match
 * mentoring pairs by direction, at the level of one organization and across organizations).
 * For every young specialist without a mentor, a ranked list of possible mentors, each with
 * the reasons of its place. Everything is as of one day `on`.
 *
 * Who needs a mentor (the mentees listed), all of:
 *   - a teacher of a requested organization (`orgs`, empty = all) that is in the registry and
 *     active (`Активна` ≠ Нет: an inactive organization keeps its history in the metrics but
 *     takes no part in matching);
 *   - employed on `on` (macro `employed_on`: hired empty or ≤ on, dismissed empty or > on);
 *   - a young specialist by the rule of the `young_specialists` metric: `Молодой специалист`
 *     = Да, or, when empty, `Педагогический стаж` < 3 (both empty: not young) — the column
 *     `teachers.young` holds that rule, applied at the sync;
 *   - not already matched as a mentee: no pair (in any organization's sheet) naming the
 *     teacher as mentee that is active on `on` (`pair_active`: start ≤ on, actual end empty
 *     or ≥ on) or starts after `on` (a pair already agreed, not begun yet). That is the same
 *     as: no pair as mentee whose `Дата окончания (факт)` is empty or ≥ on.
 *   The contract has no column "needs a mentor", so other categories of mentees are not
 *   guessed: young specialists only.
 *
 * Who may mentor (the candidates), all of:
 *   - a teacher employed on `on` of an organization active in the registry, of the same
 *     registry type (`Тип`) as the mentee's organization — the mentee's own organization or
 *     another one of that type (item 2.1, municipal level); never an organization of another
 *     type (a kindergarten's teacher is never offered to a school);
 *   - not a young specialist (they are the ones being matched) and not matched as a mentee
 *     (the rule above): someone being mentored is not offered as a mentor;
 *   - load below the limit: load = the number of distinct mentees of the teacher's pairs
 *     active on `on`, in any organization's sheet (a mentor from another organization counts
 *     in his or her own one, docs/spec/METRICS.md); a teacher with load ≥ `limit` (default 3) is at
 *     capacity and not offered.
 *
 * Ranking: a lexicographic tuple, every component "more is better" except the load:
 *   1. subject: 2 = a common item of `Предмет` (items split at `,` `;` `/` and « и », compared
 *      ignoring case, ё/е, spaces and punctuation); 1 = the same `Должность` (a leading
 *      «старший/ведущий/главный» ignored: «старший воспитатель» = «воспитатель»); 0 = neither.
 *      First, because a young specialist needs a mentor of his or her own subject most, and so
 *      that a same-subject mentor of another organization is not buried under every teacher of
 *      the own one (in a big school the top 5 would never reach another organization).
 *   2. organization: 1 = the mentee's own, 0 = another of the same type (easier to meet).
 *   3. directions: the mentor's directions = the `Направление` values of the pairs where the
 *      teacher is the mentor and that started on or before `on` (past and current). The
 *      directions wanted: a young specialist states none in the data, so
 *        - when the mentee had pairs that ended before `on`, the directions of those pairs
 *          (the work that stopped, to be continued);
 *        - otherwise all five directions of the contract (item 2.1 lists them all: a beginner
 *          needs each), which makes this component the breadth of the mentor's experience.
 *      The component is the number of wanted directions among the mentor's.
 *   4. category held on `on` (docs/spec/METRICS.md "Category at a date", macro `category_on`), by its
 *      rank: Педагог-методист / Педагог-наставник 4, Высшая 3, Первая 2 (first or higher:
 *      rank ≥ 2), СЗД 1, Без категории 0.
 *   5. trained in mentoring: `Обучение наставников` = Да, or a course with `Тема
 *      наставничества` = Да ended on or before `on` (the rule of `mentors_trained`).
 *   6. load: fewer current mentees first.
 *   Ties: by ФИО (compared ignoring case and ё/е), then by the organization (type, then code
 *   with its number compared as a number, as everywhere), then by the teacher's key.
 * Each suggestion carries `reasons` (Russian), one per component in that order, and a note
 * when it ties with a neighbour on every component. The top `top` (default 5) are returned,
 * with `candidates` = how many were eligible.
 *
 * Data shown: a school account asks for its own mentees; a candidate from another
 * organization is then shown without a name (`fio: null`: a teacher's name is personal data
 * the school has no business with until the coordinator arranges the pair) — organization,
 * category, subject, directions and load only; no position, no training, no score (the
 * ranking still uses them, and the reasons say the coordinator sees those details). The
 * coordinator sees every candidate with every detail. `mentorLoad` lists the mentors (employed on `on`) whose
 * load is at or over the limit, `over` = strictly more than the limit.
 *
 * SQL reads the data (parameters bound, never pasted); the ranking is in TypeScript: per
 * mentee one pass over the candidates of the type with a composite numeric key and a top-N
 * insertion. The people read and prepared for a (day, limit) are kept per data version
 * (`Db.dataVersion`, bumped by every load), so only the first request after a sync reads the
 * region (about 1.5 s for 1,000 organizations and 32,000 teachers); then a school's answer takes
 * a few milliseconds and the whole region's (1,200 mentees) about half a second.
 */
import type { Db, Row } from '../db/db.ts';
import { sqlOf } from '../db/queries.ts';
import { loadPeople, nameOrder, str } from './people.ts';
import { type Prepared, prepare, rankPrepared } from './rank.ts';
import { DEFAULT_LOAD_LIMIT, DEFAULT_TOP, MAX_LOAD_LIMIT, MAX_TOP, type MatchingOptions, type MenteeSuggestions, type MentorLoad } from './types.ts';

/**
 * Prepared people per database, data version, day and limit. Reading and preparing a region
 * (tens of thousands of teachers) is most of the cost of an answer and changes only when a
 * sync loads data (which bumps the data version), so a school's request after the first one
 * only ranks its own few mentees. A failed load is not kept.
 */
const PREPARED = new WeakMap<Db, Map<string, Promise<Prepared>>>();
const MAX_PREPARED = 4;

function preparedFor(db: Db, on: string, limit: number): Promise<Prepared> {
  let cache = PREPARED.get(db);
  if (!cache) PREPARED.set(db, (cache = new Map()));
  const key = `${db.dataVersion}|${on}|${limit}`;
  let hit = cache.get(key);
  if (hit) {
    cache.delete(key);
  } else {
    hit = loadPeople(db, on, limit).then((people) => prepare(people, limit));
    const mine = hit;
    mine.catch(() => {
      if (cache.get(key) === mine) cache.delete(key);
    });
  }
  cache.set(key, hit);
  while (cache.size > MAX_PREPARED) cache.delete(cache.keys().next().value!);
  return hit;
}

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LOAD_LIMIT) throw new RangeError(`limit must be an integer 1…${MAX_LOAD_LIMIT}`);
}

/** Ranked mentor suggestions for every young specialist without a mentor (module comment). */
export async function suggestMentors(db: Db, opts: MatchingOptions): Promise<MenteeSuggestions[]> {
  const limit = opts.limit ?? DEFAULT_LOAD_LIMIT;
  const top = opts.top ?? DEFAULT_TOP;
  checkLimit(limit);
  if (!Number.isInteger(top) || top < 1 || top > MAX_TOP) throw new RangeError(`top must be an integer 1…${MAX_TOP}`);
  return rankPrepared(await preparedFor(db, opts.on, limit), {
    menteeOrgs: opts.orgs,
    top,
    details: opts.details ?? (opts.orgs.length ? 'own_org' : 'all'),
  });
}

/**
 * Mentors of the requested organizations (empty = all active ones), employed on `on`, whose
 * load (distinct mentees of pairs active on `on`, any sheet) is at or over `limit`: most
 * loaded first, then organization order and name. `over` = load > limit.
 */
export async function mentorLoad(db: Db, opts: { on: string; orgs: readonly string[]; limit?: number }): Promise<MentorLoad[]> {
  const limit = opts.limit ?? DEFAULT_LOAD_LIMIT;
  checkLimit(limit);
  const rows = await db.query(sqlOf('matching/mentor_load'), { on: opts.on, orgs: [...opts.orgs], limit });
  const orgOrder = (r: Row) => [Number(r.type_rank), String(r.code_prefix), Number(r.code_number), String(r.org)] as const;
  const byOrg = (a: Row, b: Row) => {
    const x = orgOrder(a);
    const y = orgOrder(b);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
    return 0;
  };
  return rows
    .sort((a, b) => Number(b.load_now) - Number(a.load_now) || byOrg(a, b) || nameOrder(String(a.fio), String(b.fio)))
    .map((r) => ({
      org: String(r.org),
      org_name: String(r.org_name),
      fio: String(r.fio),
      position: str(r.position),
      subject: str(r.subject),
      category: String(r.category),
      load: Number(r.load_now),
      limit,
      over: Number(r.load_now) > limit,
    }));
}

export * from './types.ts';
export { rankMentors } from './rank.ts';
export type { Person } from './people.ts';
