/** The demo municipality (server/sources/demo/): mentoring. */
import { clamp, day, schoolYearStart, workday, ymd } from './calendar.ts';
import { type Rng, cmp, int, pick, weighted } from './random.ts';
import { type Ctx, type Org, type Teacher, employedOn, specKey } from './staff.ts';
import { CAT, FORM, PAIR, SINGLE_FORMS, TOPIC, TOPIC_ORDER } from './vocabulary.ts';

export interface Pair {
  mentor: Teacher;
  /** As written in the sheet: `ФИО`, or `ФИО (КОД-ОО)` for a mentor from another organization. */
  mentorText: string;
  mentee: Teacher;
  menteeText: string;
  form: string;
  topics: string[];
  start: number;
  planEnd: number;
  showPlanEnd: boolean;
  actual: number | null;
  status: string;
  /** Rows of one group share this id. */
  group: number;
  /** No ППН for this row (speed mentoring, or a planted error on the row). */
  noProgram: boolean;
  kind: 'young' | 'newcomer' | 'experienced';
}

const TOPICS_PRESCHOOL: ReadonlyArray<readonly [string, number]> = [[TOPIC.methods, 3], [TOPIC.upbringing, 3], [TOPIC.lessons, 1.5], [TOPIC.support, 1.5], [TOPIC.subject, 0.5]];
const TOPICS_SPECIALIST: ReadonlyArray<readonly [string, number]> = [[TOPIC.support, 3], [TOPIC.upbringing, 2], [TOPIC.methods, 1.5], [TOPIC.lessons, 1]];
const TOPICS_TEACHER: ReadonlyArray<readonly [string, number]> = [[TOPIC.subject, 3], [TOPIC.methods, 3], [TOPIC.lessons, 2], [TOPIC.upbringing, 1.5], [TOPIC.support, 0.5]];
const TOPIC_COUNT = [[1, 0.55], [2, 0.35], [3, 0.1]] as const;
const YOUNG_FORMS = [[FORM.traditional, 0.65], [FORM.peer, 0.2], [FORM.virtual, 0.07], [FORM.headTeacher, 0.08]] as const;
const EXPERIENCED_FORMS = [[FORM.shortTerm, 3], [FORM.situational, 2], [FORM.speed, 1.5], [FORM.virtual, 1.5], [FORM.reverse, 1.5], [FORM.headTeacher, 2], [FORM.peer, 2], [FORM.other, 1], [FORM.traditional, 1]] as const;

function topicsFor(rng: Rng, t: Teacher, forced?: string): string[] {
  const p = t.position;
  const pool = /воспитатель|музыкальный|инструктор по физ/.test(p)
    ? TOPICS_PRESCHOOL
    : /психолог|социальный|логопед|тьютор|советник|организатор|библиотекарь/.test(p)
      ? TOPICS_SPECIALIST
      : TOPICS_TEACHER;
  const k = weighted(rng, TOPIC_COUNT);
  const chosen = new Set<string>(forced ? [forced] : []);
  for (let i = 0; i < 10 && chosen.size < k; i++) chosen.add(weighted(rng, pool));
  return TOPIC_ORDER.filter((x) => chosen.has(x));
}

function chooseMentor(org: Org, rng: Rng, mentee: Teacher, start: number, prefer?: (t: Teacher) => boolean): Teacher | null {
  const same = org.seniorsBySpec.get(specKey(mentee)) ?? [];
  const preferred = prefer ? org.seniors.filter(prefer) : [];
  for (let attempt = 0; attempt < 24; attempt++) {
    const pool = attempt < 6 && preferred.length ? preferred : attempt < 12 && same.length ? same : org.seniors;
    if (pool.length === 0) return null;
    const c = pick(rng, pool);
    if (c !== mentee && employedOn(c, start) && c.load < (attempt < 18 ? 3 : 5)) return c;
  }
  return null;
}

/** The status a school would show now, and the actual end date it would have written. */
function settle(rng: Rng, p: Pair, ref: number): void {
  const leaves = [p.mentee.dismiss, p.mentor.dismiss].filter((x): x is number => x !== null);
  const leave = leaves.length ? Math.min(...leaves) : null;
  if (leave !== null && leave <= ref && leave <= p.planEnd) {
    p.status = PAIR.stopped;
    p.actual = Math.max(p.start, leave);
    return;
  }
  if (p.planEnd <= ref) {
    const r = rng();
    if (r < 0.78) {
      p.status = PAIR.done;
      p.actual = clamp(p.planEnd + int(rng, -10, 5), p.start, ref);
    } else if (r < 0.9) {
      p.status = PAIR.active; // nobody updated the row yet
      p.actual = null;
    } else {
      p.status = PAIR.stopped;
      p.actual = clamp(int(rng, p.start + 14, p.planEnd - 1), p.start, ref);
    }
    return;
  }
  const r = rng();
  if (r < 0.9 || ref - p.start < 21) {
    p.status = PAIR.active;
    p.actual = null;
  } else if (r < 0.97) {
    p.status = PAIR.stopped;
    p.actual = int(rng, p.start + 14, ref);
  } else {
    p.status = PAIR.done;
    p.actual = int(rng, p.start + 14, ref);
  }
}

const DURATION: Record<string, readonly [number, number]> = {
  [FORM.speed]: [1, 14],
  [FORM.situational]: [14, 60],
  [FORM.shortTerm]: [60, 150],
  [FORM.virtual]: [90, 240],
  [FORM.reverse]: [60, 180],
  [FORM.headTeacher]: [90, 270],
  [FORM.peer]: [120, 270],
  [FORM.traditional]: [180, 270],
  [FORM.other]: [60, 200],
  [FORM.group]: [180, 270],
};

export function genPairs(org: Org, ctx: Ctx, rng: Rng): Pair[] {
  const { ref, w0 } = ctx;
  const pairs: Pair[] = [];
  let groupId = 0;
  const make = (mentor: Teacher, mentees: Teacher[], form: string, start: number, planEnd: number, kind: Pair['kind'], forcedTopic?: string) => {
    mentor.load++;
    mentor.isMentor = true;
    const group = ++groupId;
    const topics = topicsFor(rng, mentees[0]!, forcedTopic);
    for (const mentee of mentees) {
      const p: Pair = {
        mentor, mentorText: mentor.fio, mentee, menteeText: mentee.fio, form, topics, start,
        planEnd: Math.max(planEnd, start), showPlanEnd: true, actual: null, status: PAIR.active,
        group, noProgram: false, kind,
      };
      settle(rng, p, ref);
      pairs.push(p);
    }
  };
  /** 31 May closing the school year of `start`, or the next one for a two-year plan. */
  const yearEnd = (start: number, twoYears: boolean) => {
    const y = ymd(schoolYearStart(start))[0] + 1 + (twoYears ? 1 : 0);
    const e = day(y, 5, 31);
    return e - start < 60 ? day(y + 1, 5, 31) : e;
  };

  // (a) Young specialists: most get a mentor for their first year(s), a few in groups.
  const candidates: { t: Teacher; start: number }[] = [];
  for (const t of org.teachers) {
    if (!(t.young || t.youngAtWindow)) continue;
    if (t.hire > ref - 10 || (t.dismiss !== null && t.dismiss <= w0 + 10)) continue;
    if (rng() >= 0.88) continue;
    const lo = Math.max(t.hire, w0);
    const start = workday(t.hire >= w0 ? t.hire + int(rng, 3, 25) : w0 + int(rng, 0, 40), lo);
    if (start > ref - 3 || (t.dismiss !== null && t.dismiss <= start + 5)) continue;
    if (!t.young && start > w0 + 60) continue; // no longer young by then
    candidates.push({ t, start });
  }
  candidates.sort((a, b) => a.start - b.start || cmp(a.t.fio, b.t.fio));
  let groups = 0;
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    const next = candidates[i + 1];
    const sameYear = (x: { start: number } | undefined) => x !== undefined && schoolYearStart(x.start) === schoolYearStart(c.start);
    const wantGroup = org.kind !== 'additional' && sameYear(next) && ((org.kind === 'school' && groups === 0) || rng() < 0.2);
    if (wantGroup) {
      const members = [c, next!];
      const third = candidates[i + 2];
      if (sameYear(third) && rng() < 0.4) members.push(third!);
      const start = Math.max(...members.map((m) => m.start));
      const stillThere = members.filter((m) => m.t.dismiss === null || m.t.dismiss > start + 5);
      const mentor = stillThere.length >= 2
        ? chooseMentor(org, rng, c.t, start, (t) => /старший воспитатель|психолог/.test(t.position) || t.category === CAT.high)
        : null;
      if (mentor) {
        make(mentor, stillThere.map((m) => m.t), FORM.group, start, yearEnd(start, false), 'young');
        groups++;
        i += members.length - 1;
        continue;
      }
    }
    const form = weighted(rng, YOUNG_FORMS);
    const mentor = chooseMentor(org, rng, c.t, c.start);
    if (!mentor) continue;
    make(mentor, [c.t], form, c.start, yearEnd(c.start, rng() < 0.4), 'young');
    const first = pairs[pairs.length - 1]!;
    // A second year with a mentor (same or another) after the first one closed.
    if (first.status === PAIR.done && first.actual !== null && first.actual < ref - 60 && rng() < 0.45 && c.t.young) {
      const [y, m] = ymd(first.actual);
      const start2 = workday(day(m >= 9 ? y + 1 : y, 9, int(rng, 1, 20)), first.actual + 1);
      if (start2 < ref - 3 && employedOn(c.t, start2)) {
        const mentor2 = rng() < 0.7 && employedOn(mentor, start2) ? mentor : chooseMentor(org, rng, c.t, start2);
        if (mentor2) make(mentor2, [c.t], rng() < 0.7 ? FORM.traditional : FORM.peer, start2, yearEnd(start2, false), 'young');
      }
    }
  }

  // (b) Experienced teachers new to this organization: a short adaptation.
  const busy = new Set(pairs.map((p) => p.mentee));
  for (const t of org.teachers) {
    if (t.young || busy.has(t) || t.hire < w0 || t.hire > ref - 20 || rng() >= 0.5) continue;
    const start = workday(t.hire + int(rng, 5, 20), t.hire);
    if (!employedOn(t, start) || start > ref - 3) continue;
    const form = pick(rng, [FORM.situational, FORM.shortTerm, FORM.peer, FORM.headTeacher, FORM.traditional]);
    const [lo, hi] = DURATION[form]!;
    const mentor = chooseMentor(org, rng, t, start);
    if (!mentor) continue;
    make(mentor, [t], form, start, start + int(rng, lo, hi), 'newcomer');
    busy.add(t);
  }

  // (c) Experienced teachers: attestation, a new course, digital tools from a younger colleague…
  // The first such pair takes a form and a direction that rotate over the organizations, so
  // every form and direction occurs in any municipality of ten or more organizations.
  const wanted = Math.max(1, Math.round(org.teachers.length * 0.06 * (0.5 + rng())));
  let made = 0;
  for (let attempt = 0; attempt < Math.max(60, wanted * 8) && (made < wanted || pairs.length < 3); attempt++) {
    const forced = made === 0;
    const form = forced
      ? SINGLE_FORMS[org.ordinal % SINGLE_FORMS.length]!
      : weighted(rng, EXPERIENCED_FORMS);
    const [lo, hi] = DURATION[form]!;
    const start = workday(int(rng, w0, ref - 5), w0);
    const mentee = pick(rng, org.teachers);
    if (busy.has(mentee) || !employedOn(mentee, start)) continue;
    let mentor: Teacher | null;
    if (form === FORM.reverse) {
      // Reverse mentoring: a younger colleague teaches an experienced one.
      if (mentee.stazh < 15) continue;
      const juniors = org.teachers.filter((t) => t !== mentee && t.careerStart > ref - 8 * 365 && employedOn(t, start));
      mentor = juniors.length ? pick(rng, juniors) : null;
    } else if (form === FORM.headTeacher) {
      mentor = chooseMentor(org, rng, mentee, start, (t) => t.position === 'старший воспитатель' || t.position === 'методист' || t.category === CAT.high);
    } else {
      mentor = chooseMentor(org, rng, mentee, start);
    }
    if (!mentor) continue;
    make(mentor, [mentee], form, start, start + int(rng, lo, hi), 'experienced', forced ? TOPIC_ORDER[org.ordinal % TOPIC_ORDER.length] : undefined);
    busy.add(mentee);
    made++;
  }

  // Cross-organization mentors (municipal level, item 2.1): `ФИО (КОД-ОО)`.
  if (org.ordinal % 6 === 2 || rng() < 0.05) {
    const candidates = pairs.filter((p) => p.form !== FORM.group && p.form !== FORM.reverse);
    const others = ctx.orgs.filter((o) => o !== org && o.seniors.length > 0);
    // A colleague of the same speciality, from an organization of the same kind when possible
    // (a kindergarten's psychologist from another kindergarten, a coach from a school's PE staff).
    const sameKind = others.filter((o) => o.kind === org.kind);
    if (candidates.length && others.length) {
      const p = pick(rng, candidates);
      const fits = (t: Teacher) => t.dismiss === null && t.hire <= p.start;
      const speciality = (t: Teacher) => t.position === p.mentee.position || (t.subject !== '' && t.subject === p.mentee.subject);
      for (let attempt = 0; attempt < 12; attempt++) {
        const other = pick(rng, attempt < 8 && sameKind.length ? sameKind : others);
        const pool = other.seniors.filter(fits);
        const same = pool.filter(speciality);
        if (!same.length && attempt < 10) continue;
        if (!pool.length) continue;
        const mentor = pick(rng, same.length ? same : pool);
        p.mentor.load--;
        p.mentor = mentor;
        p.mentorText = `${mentor.fio} (${other.code})`;
        mentor.isMentor = true;
        mentor.load++;
        settle(rng, p, ref);
        break;
      }
    }
  }
  // Mentors nobody else leads any more keep the flag; a few registered mentors have no pair now.
  for (const p of pairs) p.mentor.isMentor = true;
  for (const t of org.seniors) if (!t.isMentor && rng() < 0.04) t.isMentor = true;
  // The optional planned end is sometimes left empty while the pair runs.
  for (const p of pairs) if (p.status === PAIR.active && rng() < 0.08) p.showPlanEnd = false;
  pairs.sort((a, b) => a.start - b.start || a.group - b.group || cmp(a.mentee.fio, b.mentee.fio));
  return pairs;
}
