/** Matching mentors (server/matching/): the people of a day (queries/matching/people.sql) and their keys. */
import { CATEGORIES, TOPICS, matchKey, normalizePersonName, tidy } from '../contract/index.ts';
import type { Db } from '../db/db.ts';
import { sqlOf } from '../db/queries.ts';

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

export const ALL_TOPICS = (1 << TOPICS.length) - 1;
export const MAX_RANK = Math.max(...CATEGORIES.map((c) => c.rank));

export function topicNames(mask: number): string[] {
  return TOPICS.filter((_, i) => mask & (1 << i)).map((t) => t.value);
}

export function popcount(m: number): number {
  let n = 0;
  for (let x = m; x; x &= x - 1) n++;
  return n;
}

/** Subject items as typed (tidied), with their matching keys. */
export function subjectItems(subject: string | null): { key: string; text: string }[] {
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
export function positionKey(position: string | null): string {
  if (!position) return '';
  return matchKey(normalizePersonName(position).replace(/^(старш|ведущ|главн)\S*\s+/, ''));
}

/** Names compared ignoring case and ё/е (code points of а–я are in alphabetical order). */
export function nameOrder(a: string, b: string): number {
  const x = normalizePersonName(a);
  const y = normalizePersonName(b);
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
}



export const str = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));

/** The teachers employed on `on` in the active organizations who can be a mentee or a candidate (queries/matching/people.sql). */
export async function loadPeople(db: Db, on: string, limit: number): Promise<Person[]> {
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
