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
import { CATEGORIES, TOPICS, matchKey, normalizePersonName, tidy } from './contract/index.ts';
import type { Db, Row } from './db/db.ts';
import { sqlOf } from './db/queries.ts';

export const DEFAULT_LOAD_LIMIT = 3;
export const DEFAULT_TOP = 5;
export const MAX_LOAD_LIMIT = 50;
export const MAX_TOP = 50;

export interface MatchingOptions {
  /** The day, `YYYY-MM-DD`. */
  on: string;
  /** Organizations whose mentees are listed; empty = all. */
  orgs: readonly string[];
  /** Maximum mentees per mentor; at or over it a mentor is not offered (default 3). */
  limit?: number;
  /** Suggestions per mentee (default 5). */
  top?: number;
  /**
   * `own_org`: a candidate of another organization than the requested ones is shown without
   * name, position, training and score (a school account). Default: `own_org` when `orgs` is
   * non-empty, else `all`.
   */
  details?: 'all' | 'own_org';
}

/** The ranking components (see the module comment), higher is better except `load`. */
export interface MatchScore {
  /** 2 same subject, 1 same position, 0 neither. */
  subject: 0 | 1 | 2;
  same_org: boolean;
  /** Wanted directions among the mentor's. */
  directions: number;
  category_rank: number;
  trained: boolean;
  load: number;
}

export interface MentorSuggestion {
  /** 1-based place in the list. */
  place: number;
  /** Null for another organization's candidate in a school's answer (no name, module comment). */
  fio: string | null;
  org: string;
  org_name: string;
  same_org: boolean;
  category: string;
  subject: string | null;
  /** The mentor's directions (past and current pairs), in the contract's order. */
  directions: string[];
  load: number;
  limit: number;
  /** Omitted for another organization's candidate in a school's answer. */
  position?: string | null;
  trained?: boolean;
  score?: MatchScore;
  /** Why it ranked there, one line per component, in ranking order (Russian). */
  reasons: string[];
}

export interface MenteeSuggestions {
  org: string;
  org_name: string;
  org_type: string;
  fio: string;
  position: string | null;
  subject: string | null;
  category: string;
  /** The directions looked for, in the contract's order. */
  wanted_directions: string[];
  /** Where they come from: the mentee's ended pairs, or all directions (none known). */
  wanted_from: 'past_pairs' | 'all_directions';
  /** Eligible candidates in all (the list shows the first `top`). */
  candidates: number;
  suggestions: MentorSuggestion[];
}

export interface MentorLoad {
  org: string;
  org_name: string;
  fio: string;
  position: string | null;
  subject: string | null;
  category: string;
  load: number;
  limit: number;
  /** More mentees than the limit (at the limit: false). */
  over: boolean;
}

// ---- people ------------------------------------------------------------------------------

/** One employed teacher as the ranking sees him or her. Exported for tests of the ranking. */
export interface Person {
  org: string;
  orgName: string;
  orgType: string;
  /** Position of the organization in the usual order (type, code prefix, code number, code). */
  orgOrder: number;
  personKey: string;
  fio: string;
  position: string | null;
  subject: string | null;
  young: boolean;
  category: string;
  categoryRank: number;
  trained: boolean;
  load: number;
  /** Mentee of a pair active on the day or starting after it. */
  matched: boolean;
  /** Directions as bit masks over TOPICS. */
  mentorTopics: number;
  pastTopics: number;
}

const ALL_TOPICS = (1 << TOPICS.length) - 1;
const MAX_RANK = Math.max(...CATEGORIES.map((c) => c.rank));

function topicNames(mask: number): string[] {
  return TOPICS.filter((_, i) => mask & (1 << i)).map((t) => t.value);
}

function popcount(m: number): number {
  let n = 0;
  for (let x = m; x; x &= x - 1) n++;
  return n;
}

/** Subject items as typed (tidied), with their matching keys. */
function subjectItems(subject: string | null): { key: string; text: string }[] {
  if (!subject) return [];
  const out: { key: string; text: string }[] = [];
  for (const part of subject.split(/[,;/]|\s+и\s+/i)) {
    const text = tidy(part);
    const key = matchKey(text);
    if (key && !out.some((o) => o.key === key)) out.push({ key, text });
  }
  return out;
}

/** The position's matching key, a leading «старший/ведущий/главный» dropped. */
function positionKey(position: string | null): string {
  if (!position) return '';
  return matchKey(normalizePersonName(position).replace(/^(старш|ведущ|главн)\S*\s+/, ''));
}

/** Names compared ignoring case and ё/е (code points of а–я are in alphabetical order). */
function nameOrder(a: string, b: string): number {
  const x = normalizePersonName(a);
  const y = normalizePersonName(b);
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
}



const str = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));

/** The teachers employed on `on` in the active organizations who can be a mentee or a candidate (queries/matching/people.sql). */
async function loadPeople(db: Db, on: string, limit: number): Promise<Person[]> {
  const [orgRows, rows] = await Promise.all([db.query(sqlOf('matching/orgs'), { all: [] }), db.query(sqlOf('matching/people'), { on, all: [], limit })]);
  const orgInfo = new Map(orgRows.map((o, i) => [String(o.code), { name: String(o.name), type: String(o.type), order: i }]));
  const people: Person[] = [];
  for (const r of rows) {
    const org = String(r.org);
    const info = orgInfo.get(org);
    if (!info) continue;
    people.push({
      org,
      orgName: info.name,
      orgType: info.type,
      orgOrder: info.order,
      personKey: String(r.person_key),
      fio: String(r.fio),
      position: str(r.position),
      subject: str(r.subject),
      young: r.young === true,
      category: String(r.category),
      categoryRank: Number(r.category_rank),
      trained: r.trained === true,
      load: Number(r.load_now),
      matched: false,
      mentorTopics: Number(r.mentor_mask) & ALL_TOPICS,
      pastTopics: Number(r.past_mask) & ALL_TOPICS,
    });
  }
  return people;
}

// ---- ranking -----------------------------------------------------------------------------

interface Candidate {
  p: Person;
  items: { key: string; text: string }[];
  /** Interned ids of the subject items, of the position (-1: none) and of the organization. */
  itemIds: number[];
  pos: number;
  org: number;
  /** The key's part below the directions (category, training, load) for the limit. */
  rest: number;
  /** Place in the tie order (name, organization, key): lower first. */
  tie: number;
}

interface Scored {
  c: Candidate;
  /** The ranking key without the tie place: equal keys tie on every component. */
  key: number;
  score: MatchScore;
  /** The common subject items, in the mentor's spelling. */
  common: string[];
}

const DIR_BASE = TOPICS.length + 1;
const POPCOUNT = Array.from({ length: 1 << TOPICS.length }, (_, m) => popcount(m));

function toCandidates(people: readonly Person[], limit: number): Candidate[] {
  const ids = new Map<string, number>();
  const intern = (k: string) => {
    let id = ids.get(k);
    if (id === undefined) ids.set(k, (id = ids.size));
    return id;
  };
  const list: Candidate[] = people.map((p) => {
    const items = subjectItems(p.subject);
    const pos = positionKey(p.position);
    const rank = Math.max(0, Math.min(MAX_RANK, p.categoryRank));
    return {
      p,
      items,
      itemIds: items.map((i) => intern(`s:${i.key}`)),
      pos: pos ? intern(`p:${pos}`) : -1,
      org: intern(`o:${p.org}`),
      rest: (rank * 2 + (p.trained ? 1 : 0)) * (limit + 1) + Math.max(0, limit - p.load),
      tie: 0,
    };
  });
  const names = people.map((p) => normalizePersonName(p.fio));
  const order = list.map((_, i) => i);
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  order.sort((i, j) => {
    const a = people[i]!;
    const b = people[j]!;
    return cmp(names[i]!, names[j]!) || cmp(a.fio, b.fio) || a.orgOrder - b.orgOrder || cmp(a.personKey, b.personKey);
  });
  order.forEach((i, place) => (list[i]!.tie = place));
  return list;
}

/** The eligible candidates of one organization type, with their keys per wanted-directions mask. */
interface Pool {
  list: Candidate[];
  /** Above every tie place (the tie order numbers all prepared people, not only this pool). */
  tieBase: number;
  /** Per wanted mask: each candidate's composite key with subject = 0 and same organization = 0. */
  bases: Map<number, Float64Array>;
}

function poolBase(pool: Pool, wanted: number, limit: number): Float64Array {
  let base = pool.bases.get(wanted);
  if (!base) {
    const restBase = (MAX_RANK + 1) * 2 * (limit + 1);
    const tieBase = pool.tieBase;
    base = new Float64Array(pool.list.length);
    for (const [j, c] of pool.list.entries()) {
      base[j] = (POPCOUNT[c.p.mentorTopics & wanted]! * restBase + c.rest) * tieBase + (tieBase - 1 - c.tie);
    }
    pool.bases.set(wanted, base);
  }
  return base;
}

/**
 * The `top` best of the pool (the eligible candidates of the mentee's type) for one mentee,
 * best first. One pass with numbers only: a candidate's composite key is the ranking key
 * (subject, same organization, directions, then category, training, load) times a base plus
 * the reversed tie place; all but the subject and organization parts are cached per wanted
 * mask, and the best `top` are kept in a sorted list.
 */
function rankFor(mentee: Candidate, pool: Pool, wanted: number, limit: number, top: number): Scored[] {
  const restBase = (MAX_RANK + 1) * 2 * (limit + 1);
  const tieBase = pool.tieBase;
  /** One step of (subject × 2 + same organization). */
  const unit = DIR_BASE * restBase * tieBase;
  const base = poolBase(pool, wanted, limit);
  const mItems = mentee.itemIds;
  const best: number[] = [];
  const bestKey: number[] = [];
  const list = pool.list;
  for (let j = 0; j < list.length; j++) {
    const b = base[j]!;
    // Not even a same-subject colleague with this rest could enter the list: skip.
    if (best.length === top && b + 5 * unit <= bestKey[top - 1]!) continue;
    const c = list[j]!;
    if (c === mentee) continue;
    let subject = 0;
    if (mItems.length) {
      for (const a of c.itemIds) if (mItems.includes(a)) subject = 2;
    }
    if (subject === 0 && mentee.pos >= 0 && c.pos === mentee.pos) subject = 1;
    const composite = b + (subject * 2 + (c.org === mentee.org ? 1 : 0)) * unit;
    if (best.length === top && composite <= bestKey[top - 1]!) continue;
    let i = best.length;
    while (i > 0 && bestKey[i - 1]! < composite) i--;
    best.splice(i, 0, j);
    bestKey.splice(i, 0, composite);
    if (best.length > top) {
      best.pop();
      bestKey.pop();
    }
  }
  return best.map((j, i) => {
    const c = list[j]!;
    const common = mItems.length ? c.items.filter((_, k) => mItems.includes(c.itemIds[k]!)).map((x) => x.text) : [];
    const subject: 0 | 1 | 2 = common.length ? 2 : mentee.pos >= 0 && c.pos === mentee.pos ? 1 : 0;
    const score: MatchScore = {
      subject,
      same_org: c.org === mentee.org,
      directions: POPCOUNT[c.p.mentorTopics & wanted]!,
      category_rank: c.p.categoryRank,
      trained: c.p.trained,
      load: c.p.load,
    };
    return { c, key: Math.floor(bestKey[i]! / tieBase), score, common };
  });
}

const HIDDEN_NOTE = 'должность и обучение наставников учтены в порядке; эти сведения видит координатор';

function reasonsFor(s: Scored, mentee: Candidate, wanted: number, wantedFrom: MenteeSuggestions['wanted_from'], limit: number, hidden: boolean): string[] {
  const p = s.c.p;
  const out: string[] = [];
  const sc = s.score;
  if (sc.subject === 2) out.push(`тот же предмет: ${s.common.join(', ')}`);
  else if (hidden) out.push(p.subject ? `другой предмет: ${p.subject}` : 'предмет не указан');
  else if (sc.subject === 1) {
    const other = mentee.p.subject && p.subject ? `, другой предмет: ${p.subject}` : '';
    out.push(`та же должность: ${p.position ?? ''}${other}`);
  } else {
    out.push(`другие предмет и должность: ${[p.position, p.subject].filter(Boolean).join(', ')}`);
  }
  out.push(sc.same_org ? 'та же организация' : `другая организация того же типа (${p.orgType}): ${p.org}`);
  const matched = topicNames(p.mentorTopics & wanted);
  const list = matched.length ? ` (${matched.join(', ')})` : '';
  if (wantedFrom === 'past_pairs') {
    out.push(`направления: совпадают ${sc.directions} из ${popcount(wanted)} нужных по прошлой паре${list}`);
  } else if (p.mentorTopics === 0) {
    out.push('направления: опыта наставничества в парах нет');
  } else {
    out.push(`направления: опыт наставничества по ${sc.directions} из ${TOPICS.length}${list}`);
  }
  out.push(sc.category_rank >= 2 ? `категория: ${p.category}` : `категория: ${p.category} (ниже первой)`);
  if (hidden) out.push(HIDDEN_NOTE);
  else out.push(sc.trained ? 'прошёл(а) обучение наставников' : 'обучение наставников не отмечено');
  out.push(`нагрузка: ${sc.load} из ${limit}`);
  return out;
}

/** People ready to rank at one limit: the eligible candidates by type, every mentee in order. */
interface Prepared {
  limit: number;
  byType: Map<string, Pool>;
  mentees: Candidate[];
}

function prepare(people: readonly Person[], limit: number): Prepared {
  const all = toCandidates(people, limit);
  // The eligible candidates by organization type: a mentee looks only at his or her type.
  const byType = new Map<string, Pool>();
  for (const c of all) {
    if (c.p.young || c.p.matched || c.p.load >= limit) continue;
    const pool = byType.get(c.p.orgType);
    if (pool) pool.list.push(c);
    else byType.set(c.p.orgType, { list: [c], tieBase: all.length + 1, bases: new Map() });
  }
  const mentees = all.filter((c) => c.p.young && !c.p.matched).sort((a, b) => a.p.orgOrder - b.p.orgOrder || a.tie - b.tie);
  return { limit, byType, mentees };
}

type RankOptions = { menteeOrgs: readonly string[]; top: number; details: 'all' | 'own_org' };

function rankPrepared(prep: Prepared, opts: RankOptions): MenteeSuggestions[] {
  const scope = new Set(opts.menteeOrgs);
  const inScope = (org: string) => scope.size === 0 || scope.has(org);
  const limit = prep.limit;
  return prep.mentees.filter((m) => inScope(m.p.org)).map((m) => {
    const wantedFrom = m.p.pastTopics ? 'past_pairs' : 'all_directions';
    const wanted = m.p.pastTopics || ALL_TOPICS;
    const pool = prep.byType.get(m.p.orgType) ?? { list: [], tieBase: 1, bases: new Map() };
    const best = rankFor(m, pool, wanted, limit, opts.top);
    const suggestions = best.map((s, i): MentorSuggestion => {
      const p = s.c.p;
      const hidden = opts.details === 'own_org' && !inScope(p.org);
      const reasons = reasonsFor(s, m, wanted, wantedFrom, limit, hidden);
      if (best[i - 1]?.key === s.key || best[i + 1]?.key === s.key) reasons.push('по всем признакам наравне с соседним вариантом: порядок по ФИО, затем по коду организации');
      const base: MentorSuggestion = {
        place: i + 1,
        fio: p.fio,
        org: p.org,
        org_name: p.orgName,
        same_org: s.score.same_org,
        category: p.category,
        subject: p.subject,
        directions: topicNames(p.mentorTopics),
        load: p.load,
        limit,
        reasons,
      };
      return hidden ? { ...base, fio: null } : { ...base, position: p.position, trained: p.trained, score: s.score };
    });
    return {
      org: m.p.org,
      org_name: m.p.orgName,
      org_type: m.p.orgType,
      fio: m.p.fio,
      position: m.p.position,
      subject: m.p.subject,
      category: m.p.category,
      wanted_directions: topicNames(wanted),
      wanted_from: wantedFrom,
      // Mentees are young specialists, never in the pool: every pool member is a candidate.
      candidates: pool.list.length,
      suggestions,
    };
  });
}

/**
 * Ranks the candidates for each mentee (pure: the people come from `loadPeople`). Exported
 * so the ranking rules can be tested on hand-made people.
 */
export function rankMentors(people: readonly Person[], opts: RankOptions & { limit: number }): MenteeSuggestions[] {
  return rankPrepared(prepare(people, opts.limit), opts);
}

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
