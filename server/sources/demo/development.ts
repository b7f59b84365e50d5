/** The demo municipality (server/sources/demo/): professional development. */
import type { Profile } from './organizations.ts';
import { type Rng, cmp, int, pick, weighted } from './random.ts';
import type { Ctx, Org, Teacher } from './staff.ts';

interface CourseDef {
  title: string;
  hours: readonly number[];
  mentoring: boolean;
  profiles: readonly Profile[] | 'all';
}

const COURSES: readonly CourseDef[] = [
  { title: 'Оказание первой помощи в образовательной организации', hours: [16, 24], mentoring: false, profiles: 'all' },
  { title: 'Реализация требований обновлённых ФГОС НОО, ФГОС ООО в работе учителя', hours: [36, 72], mentoring: false, profiles: ['school'] },
  { title: 'Федеральная образовательная программа: содержание и организация реализации', hours: [36, 72], mentoring: false, profiles: ['school'] },
  { title: 'Формирование функциональной грамотности обучающихся', hours: [36, 72], mentoring: false, profiles: ['school'] },
  { title: 'Разговоры о важном: система работы классного руководителя', hours: [36, 58], mentoring: false, profiles: ['school'] },
  { title: 'Школа Минпросвещения России: новые возможности для повышения качества образования', hours: [48], mentoring: false, profiles: ['school'] },
  { title: 'Федеральная образовательная программа дошкольного образования: содержание и технологии реализации', hours: [72, 36], mentoring: false, profiles: ['kindergarten'] },
  { title: 'Развитие речи детей дошкольного возраста в соответствии с ФГОС ДО', hours: [36], mentoring: false, profiles: ['kindergarten'] },
  { title: 'Дополнительные общеразвивающие программы нового поколения', hours: [36, 72], mentoring: false, profiles: ['creative', 'art', 'nature', 'sport'] },
  { title: 'Методика спортивной подготовки в учреждениях дополнительного образования', hours: [72, 108], mentoring: false, profiles: ['sport'] },
  { title: 'Организация образовательного процесса для обучающихся с ОВЗ в условиях инклюзии', hours: [72, 144], mentoring: false, profiles: 'all' },
  { title: 'Цифровые образовательные ресурсы в деятельности педагога', hours: [36, 18], mentoring: false, profiles: 'all' },
  { title: 'Профилактика деструктивного поведения обучающихся', hours: [24, 36], mentoring: false, profiles: ['school', 'creative', 'sport', 'art', 'nature'] },
  { title: 'Наставничество в образовательной организации: организация и сопровождение', hours: [36, 72], mentoring: true, profiles: 'all' },
  { title: 'Технологии наставничества педагогических работников', hours: [36], mentoring: true, profiles: 'all' },
  { title: 'Разработка и реализация персонализированных программ наставничества', hours: [24, 36], mentoring: true, profiles: 'all' },
  { title: 'Школа наставника: методическое сопровождение молодого педагога', hours: [72, 144], mentoring: true, profiles: 'all' },
];
const ORGANIZERS = [
  'ГАУ ДПО ИРО',
  'ГАУ ДПО ИРО',
  'ФГАОУ ДПО «Академия Минпросвещения России»',
  'МОУ ДПО ЦРО г. Саянска',
  'ООО «Центр инновационного образования и воспитания»',
  'АНО ДПО «Платформа»',
  'ООО «Инфоурок»',
];

interface Course {
  t: Teacher;
  def: CourseDef;
  hours: number;
  end: number;
  organizer: string;
}

const COURSES_PER_TEACHER = [[0, 0.3], [1, 0.35], [2, 0.25], [3, 0.1]] as const;

export function genCourses(org: Org, ctx: Ctx, rng: Rng): Course[] {
  const { ref, w0 } = ctx;
  const pool = COURSES.filter((c) => c.profiles === 'all' || c.profiles.includes(org.profile));
  const general = pool.filter((c) => !c.mentoring);
  const mentoring = pool.filter((c) => c.mentoring);
  const out: Course[] = [];
  const course = (t: Teacher, def: CourseDef): void => {
    const lo = Math.max(t.hire + 7, w0);
    const hi = Math.min(t.dismiss === null ? ref : t.dismiss - 1, ref);
    if (lo > hi) return;
    out.push({ t, def, hours: pick(rng, def.hours), end: int(rng, lo, hi), organizer: def.mentoring ? pick(rng, ORGANIZERS.slice(0, 4)) : pick(rng, ORGANIZERS) });
  };
  for (const t of org.teachers) {
    const n = weighted(rng, COURSES_PER_TEACHER);
    for (let i = 0; i < n; i++) {
      const mentoringCourse = (t.isMentor && i === 0 && rng() < 0.45) || rng() < 0.04;
      course(t, pick(rng, mentoringCourse ? mentoring : general));
    }
  }
  for (let guard = 0; out.length < 5 && guard < 100; guard++) course(pick(rng, org.teachers), pick(rng, general));
  out.sort((a, b) => cmp(a.t.fio, b.t.fio) || a.end - b.end);
  return out;
}
