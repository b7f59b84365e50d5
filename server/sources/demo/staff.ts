/** The demo municipality (server/sources/demo/): staff. */
import type { RawTab } from '../types.ts';
import { REFORM, addYears, day, fullYears, workday, ymd } from './calendar.ts';
import { FEMALE_NAMES_MID, FEMALE_NAMES_OLD, FEMALE_NAMES_YOUNG, FEMININE_SURNAMES, MALE_NAMES, PATRONYMICS, SURNAMES } from './names.ts';
import type { Layout, OrgSpec, Profile } from './organizations.ts';
import { type Rng, int, pick, stream, weighted } from './random.ts';
import type { DeliberateError } from './types.ts';
import { CAT } from './vocabulary.ts';

interface Role {
  position: string;
  subject: string;
  /** Probability the holder is a man. */
  male: number;
}

const SCHOOL_SUBJECTS: ReadonlyArray<readonly [readonly [string, number], number]> = [
  [['Начальные классы', 0.02], 22],
  [['Русский язык и литература', 0.04], 14],
  [['Математика', 0.12], 13],
  [['Английский язык', 0.06], 9],
  [['История и обществознание', 0.25], 7],
  [['Физическая культура', 0.5], 6],
  [['Биология', 0.1], 4],
  [['Физика', 0.3], 4],
  [['Информатика', 0.35], 4],
  [['География', 0.15], 3],
  [['Химия', 0.1], 3],
  [['Технология', 0.35], 3],
  [['Музыка', 0.1], 2],
  [['Изобразительное искусство', 0.1], 2],
  [['Основы безопасности и защиты Родины', 0.7], 2],
  [['Немецкий язык', 0.05], 1],
];

function rolesFor(profile: Profile, n: number, rng: Rng): Role[] {
  const roles: Role[] = [];
  const r = (position: string, subject = '', male = 0.05) => roles.push({ position, subject, male });
  switch (profile) {
    case 'school': {
      r('педагог-психолог');
      r('социальный педагог');
      if (n >= 35 || rng() < 0.5) r('учитель-логопед', '', 0.02);
      if (rng() < 0.7) r('педагог-организатор', '', 0.15);
      if (n >= 35 && rng() < 0.8) r('советник директора по воспитанию', '', 0.2);
      if (rng() < 0.6) r('педагог-библиотекарь', '', 0.02);
      if (rng() < 0.3) r('тьютор');
      for (let i = int(rng, 0, 2); i > 0; i--) {
        r('педагог дополнительного образования', pick(rng, ['Робототехника', 'Театральная студия', 'Шахматы', 'Школьный спортивный клуб', 'Хор']), 0.3);
      }
      while (roles.length < n) {
        const [subject, male] = weighted(rng, SCHOOL_SUBJECTS);
        r('учитель', subject, male);
      }
      break;
    }
    case 'kindergarten': {
      r('старший воспитатель', '', 0.01);
      r('музыкальный руководитель', 'Музыкальное развитие', 0.05);
      if (n > 18) r('музыкальный руководитель', 'Музыкальное развитие', 0.05);
      r('инструктор по физической культуре', 'Физическое развитие', 0.25);
      if (rng() < 0.7) r('учитель-логопед', 'Речевое развитие', 0.01);
      if (rng() < 0.6) r('педагог-психолог', '', 0.03);
      while (roles.length < n) r('воспитатель', '', 0.02);
      break;
    }
    case 'sport': {
      r('инструктор-методист', '', 0.5);
      const sports = ['Лыжные гонки', 'Хоккей', 'Волейбол', 'Баскетбол', 'Футбол', 'Дзюдо', 'Лёгкая атлетика', 'Самбо', 'Плавание', 'Настольный теннис'];
      while (roles.length < n) r('тренер-преподаватель', pick(rng, sports), 0.65);
      break;
    }
    case 'art': {
      r('методист', '', 0.1);
      r('концертмейстер', 'Фортепиано', 0.1);
      const arts = ['Фортепиано', 'Скрипка', 'Баян', 'Гитара', 'Хоровое пение', 'Живопись', 'Хореография'];
      while (roles.length < n) r('преподаватель', pick(rng, arts), 0.2);
      break;
    }
    case 'nature': {
      r('методист', '', 0.1);
      const topics = ['Экология', 'Биология', 'Растениеводство', 'Юный ветеринар', 'Туризм и краеведение'];
      while (roles.length < n) r('педагог дополнительного образования', pick(rng, topics), 0.2);
      break;
    }
    case 'creative': {
      r('методист', '', 0.1);
      if (rng() < 0.6) r('методист', '', 0.1);
      r('педагог-организатор', '', 0.15);
      if (rng() < 0.5) r('концертмейстер', 'Вокал', 0.2);
      const topics = ['Хореография', 'Вокал', 'Изобразительное творчество', 'Декоративно-прикладное творчество', 'Театральное творчество', 'Робототехника', 'Шахматы', 'Журналистика'];
      while (roles.length < n) r('педагог дополнительного образования', pick(rng, topics), 0.2);
      break;
    }
  }
  return roles.slice(0, n);
}

function baseStaff(spec: OrgSpec, rng: Rng): number {
  switch (spec.profile) {
    case 'school':
      return int(rng, 30, 60);
    case 'kindergarten':
      return int(rng, 12, 25);
    case 'creative':
      return int(rng, 18, 30);
    default:
      return int(rng, 14, 25);
  }
}

interface AttRow {
  date: number;
  cat: string;
  /** The category held the day before (terms included). */
  prev: string;
}

export interface Teacher {
  fio: string;
  position: string;
  subject: string;
  careerStart: number;
  hire: number;
  showHire: boolean;
  dismiss: number | null;
  stazh: number;
  young: boolean;
  /** Young at the start of the two-year window (mentoring candidates of the first year). */
  youngAtWindow: boolean;
  att: AttRow[];
  /** The category held on the reference date (Педагоги.Категория). */
  category: string;
  isMentor: boolean;
  trained: boolean;
  staffCode: string;
  /** Pairs led, to spread mentees over mentors. */
  load: number;
}

export interface Org extends OrgSpec {
  ordinal: number;
  layout: Layout;
  teachers: Teacher[];
  /** Experienced teachers (5+ years), the mentor pool. */
  seniors: Teacher[];
  /** Seniors by position and subject, to match a mentor to the mentee's speciality. */
  seniorsBySpec: Map<string, Teacher[]>;
  curator: string;
  /** Formatting decisions (serial or text date…) come from their own stream. */
  fmt: Rng;
  tabs: RawTab[];
  planted: DeliberateError[];
  counts: { pairs: number; programs: number; courses: number; attestations: number };
}

export interface Ctx {
  seed: number;
  ref: number;
  /** 1 September opening the school year before the reference date's one: the two-year window. */
  w0: number;
  scale: number;
  orgs: Org[];
}

export const specKey = (t: { position: string; subject: string }) => `${t.position}|${t.subject}`;

export function employedOn(t: Teacher, d: number): boolean {
  return t.hire <= d && (t.dismiss === null || t.dismiss > d);
}

const SENIOR_ROLES = new Set(['старший воспитатель', 'методист', 'инструктор-методист', 'советник директора по воспитанию']);

export function genStaff(org: Org, ctx: Ctx): void {
  const rng = stream(ctx.seed, org.code, 'staff');
  const n = Math.max(3, Math.round(baseStaff(org, rng) * ctx.scale));
  const roles = rolesFor(org.profile, n, rng);
  const names = new Set<string>();
  let code = int(rng, 100, 900);
  const { ref, w0 } = ctx;
  for (const role of roles) {
    const male = rng() < role.male;
    // A graduate does not start as a senior educator or a methodologist.
    const young = rng() < 0.085 && !SENIOR_ROLES.has(role.position);
    let careerStart: number;
    if (young) {
      careerStart = ref - int(rng, 5, 3 * 365 - 5);
      const [y] = ymd(careerStart);
      const august = day(y, 8, int(rng, 22, 31));
      // Most graduates start at the end of August, before the school year.
      if (rng() < 0.65 && august <= ref && fullYears(august, ref) < 3) careerStart = august;
    } else {
      const years = 3 + ((rng() + rng()) / 2) * 40;
      careerStart = ref - Math.round(years * 365.25) - int(rng, 0, 200);
      if (rng() < 0.6) {
        const [y] = ymd(careerStart);
        careerStart = Math.min(careerStart, day(y, 8, int(rng, 15, 31)));
      }
    }
    let hire = careerStart;
    if (!young && rng() < 0.55) hire = careerStart + int(rng, 0, Math.max(0, ref - careerStart - 400));
    if (!young && rng() < 0.06) hire = int(rng, w0, ref - 14); // moved here recently
    let dismiss: number | null = null;
    if (rng() < (young ? 0.12 : 0.05)) {
      const lo = Math.max(hire + 60, w0);
      if (lo <= ref) {
        dismiss = int(rng, lo, ref);
        const [y] = ymd(dismiss);
        const endOfYear = rng() < 0.5 ? day(y, 8, 31) : day(y, 6, 30);
        if (rng() < 0.5 && endOfYear >= lo && endOfYear <= ref) dismiss = endOfYear;
      }
    }

    const birthYear = ymd(careerStart)[0] - int(rng, 21, 27);
    let fio = '';
    let identity = '';
    // Unique within the organization (after ё→е, as the contract compares names): no namesakes.
    for (let attempt = 0; attempt < 50; attempt++) {
      const surname = pick(rng, male ? SURNAMES : FEMININE_SURNAMES);
      const first = male
        ? pick(rng, MALE_NAMES)
        : pick(rng, birthYear < 1968 ? FEMALE_NAMES_OLD : birthYear < 1990 ? FEMALE_NAMES_MID : FEMALE_NAMES_YOUNG);
      fio = `${surname} ${first} ${pick(rng, PATRONYMICS)[male ? 1 : 0]}`;
      identity = fio.replace(/ё/g, 'е');
      if (!names.has(identity)) break;
    }
    if (names.has(identity)) {
      fio = `${fio}а`; // practically unreachable; keeps names unique
      identity = fio.replace(/ё/g, 'е');
    }
    names.add(identity);

    const stazh = fullYears(careerStart, dismiss ?? ref);
    const { rows, now } = simulateAttestation(rng, careerStart, ref);
    code += int(rng, 1, 9);
    org.teachers.push({
      fio,
      position: role.position,
      subject: role.subject,
      careerStart,
      hire,
      showHire: !(org.layout.blankOldHires && hire < day(2012, 1, 1) && rng() < 0.6),
      dismiss,
      stazh,
      young: stazh < 3,
      youngAtWindow: fullYears(careerStart, w0) < 3 && careerStart <= ref,
      att: rows,
      category: now,
      isMentor: false,
      trained: false,
      staffCode: String(code).padStart(5, '0'),
      load: 0,
    });
  }
  for (const t of org.teachers) {
    if (t.careerStart > ref - 5 * 365) continue;
    org.seniors.push(t);
    const list = org.seniorsBySpec.get(specKey(t)) ?? [];
    list.push(t);
    org.seniorsBySpec.set(specKey(t), list);
  }
}

/** When a category assigned on `date` stops holding (docs/spec/METRICS.md, "Terms"); null = never. */
function termEnd(cat: string, date: number): number | null {
  if (cat === CAT.szd) return addYears(date, 5);
  if ((cat === CAT.first || cat === CAT.high) && date < REFORM) return addYears(date, 5);
  return null;
}

/**
 * A career of category decisions, forward in time: first attestation 2–5 years in, renewals
 * before (or after) the five-year term lapses, upgrades; from 01.09.2023 categories no longer
 * expire and the two new ones appear.
 */
function simulateAttestation(rng: Rng, careerStart: number, ref: number): { rows: AttRow[]; now: string } {
  const rows: AttRow[] = [];
  let held = CAT.none;
  let end: number | null = null;
  const heldOn = (d: number) => (end !== null && d >= end ? CAT.none : held);
  if (rng() < 0.07) return { rows, now: CAT.none }; // never applied
  let t = careerStart + int(rng, 730, 1825);
  for (let guard = 0; guard < 20 && t <= ref; guard++) {
    t = workday(t, t - 3);
    const prev = heldOn(t - 1);
    let next: string;
    if (prev === CAT.none) next = rng() < 0.55 ? CAT.first : CAT.szd;
    else if (prev === CAT.szd) next = rng() < 0.7 ? CAT.first : CAT.szd;
    else if (prev === CAT.first) next = rng() < 0.55 ? CAT.high : CAT.first;
    else if (prev === CAT.high) next = t >= REFORM && rng() < 0.15 ? (rng() < 0.5 ? CAT.methodist : CAT.mentor) : CAT.high;
    else break;
    rows.push({ date: t, cat: next, prev });
    held = next;
    end = termEnd(next, t);
    if (end !== null) {
      // Most renew in time; some let it lapse and come back; a few stop applying.
      const r = rng();
      if (r < 0.88) t = end - int(rng, 20, 160);
      else if (r < 0.97) t = end + int(rng, 30, 700);
      else break;
    } else if (next === CAT.first && rng() < 0.45) t += int(rng, 730, 1460);
    else if (next === CAT.high && rng() < 0.1) t += int(rng, 730, 1825);
    else break;
  }
  return { rows, now: heldOn(ref) };
}
