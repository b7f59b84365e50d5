/** Matching mentors (server/matching/): the ranking: a composite numeric key per candidate, top N per mentee, the reasons. */
import { TOPICS, normalizePersonName } from '../contract/index.ts';
import { ALL_TOPICS, MAX_RANK, type Person, popcount, positionKey, subjectItems, topicNames } from './people.ts';
import type { MatchScore, MenteeSuggestions, MentorSuggestion } from './types.ts';

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
export interface Prepared {
  limit: number;
  byType: Map<string, Pool>;
  mentees: Candidate[];
}

export function prepare(people: readonly Person[], limit: number): Prepared {
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

export function rankPrepared(prep: Prepared, opts: RankOptions): MenteeSuggestions[] {
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
