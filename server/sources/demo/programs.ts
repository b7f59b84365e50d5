/** The demo municipality (server/sources/demo/): programs (ППН). */
import { clamp, workday } from './calendar.ts';
import type { Pair } from './mentoring.ts';
import { type Rng, cmp, int, pick, weighted } from './random.ts';
import type { Ctx } from './staff.ts';
import { FORM, PAIR, PROGRAM } from './vocabulary.ts';

interface Program {
  pair: Pair;
  title: string;
  approved: number;
  planEnd: number;
  actual: number | null;
  planned: number;
  done: number;
  status: string;
  published: boolean | null;
}

const PROGRAM_TITLES = {
  young: [
    'Адаптация молодого специалиста в образовательной организации',
    'Профессиональное становление молодого педагога',
    'Первые шаги в профессии',
    'Развитие методической компетентности молодого педагога',
    'Школа молодого педагога: от теории к практике',
  ],
  newcomer: [
    'Вхождение в коллектив и освоение локальных актов организации',
    'Адаптация педагога, сменившего место работы',
  ],
  experienced: [
    'Подготовка к аттестации на квалификационную категорию',
    'Освоение цифровых образовательных ресурсов',
    'Подготовка к конкурсу профессионального мастерства',
    'Работа с обучающимися с ОВЗ в условиях инклюзии',
    'Проектирование современного занятия',
  ],
};

const PUBLISHED = [[true, 0.6], [false, 0.3], [null, 0.1]] as const;

export function genPrograms(pairs: Pair[], ctx: Ctx, rng: Rng): Program[] {
  const { ref } = ctx;
  const out: Program[] = [];
  for (const p of pairs) {
    if (p.noProgram) continue;
    const chance = p.form === FORM.speed ? 0.2 : [FORM.shortTerm, FORM.reverse, FORM.situational, FORM.other].includes(p.form) ? 0.6 : 0.9;
    if (out.length >= 3 && rng() >= chance) continue;
    const approved = Math.min(workday(p.start + int(rng, 0, 21), p.start), ref);
    const planEnd = Math.max(p.planEnd, approved + 30);
    const planned = int(rng, 6, 18);
    let status: string;
    let actual: number | null = null;
    let done: number;
    const elapsed = (approved: number) => clamp((ref - approved) / Math.max(1, planEnd - approved), 0, 1);
    if (p.status === PAIR.stopped) {
      status = PROGRAM.stopped;
      actual = Math.max(approved, p.actual ?? approved);
      done = Math.min(planned, Math.round(planned * clamp((actual - approved) / Math.max(1, planEnd - approved), 0, 1)));
    } else if (p.status === PAIR.done) {
      if (rng() < 0.08) {
        status = PROGRAM.running; // the program row was not updated: overdue
        actual = null;
        done = planned - int(rng, 1, 3);
      } else {
        status = PROGRAM.done;
        // Mostly on time; some finished late, after the planned end.
        actual = rng() < 0.25 ? Math.min(ref, planEnd + int(rng, 1, 30)) : clamp((p.actual ?? planEnd) + int(rng, -3, 0), approved, ref);
        done = rng() < 0.75 ? planned : planned - int(rng, 1, 2);
      }
    } else if (ref - p.start < 45 && rng() < 0.6) {
      status = PROGRAM.draft;
      done = 0;
    } else if (rng() < 0.05) {
      status = PROGRAM.draft; // drafted and forgotten
      done = 0;
    } else {
      status = PROGRAM.running;
      done = Math.round(planned * elapsed(approved) * (0.7 + rng() * 0.35));
    }
    done = clamp(done, 0, planned);
    const titles = PROGRAM_TITLES[p.kind];
    const title = rng() < 0.05 ? '' : p.kind === 'experienced' && p.form === FORM.reverse ? 'Освоение цифровых образовательных ресурсов' : pick(rng, titles);
    const published = weighted(rng, PUBLISHED);
    out.push({ pair: p, title, approved, planEnd, actual, planned, done, status, published });
  }
  out.sort((a, b) => a.approved - b.approved || cmp(a.pair.mentee.fio, b.pair.mentee.fio));
  return out;
}
