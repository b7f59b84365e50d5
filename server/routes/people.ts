/**
 * The coordinator's records of item 2.1 of the order: `GET /api/mentors` and
 * `GET /api/mentees` (`?date=&org=&type=&format=csv`) — every mentor (organization, pairs
 * now and over time, directions, trained or not, load) and every mentee (young specialist or
 * not, current mentors, program status, professional development, category path), as of a day
 * (default: today). SQL in queries/registry/*.sql, parameters bound.
 *
 * They name people: coordinator, or a school for its own organization (scope checked here);
 * a regional account gets 403. CSV exports are audited like the other exports.
 */
import { Router } from 'express';
import { z } from 'zod';
import { auditor, requireRole, scopeOrgs, type AuthDeps } from '../auth/http.ts';
import type { Db, Row, SqlParam } from '../db/db.ts';
import { badRequest } from '../http/errors.ts';
import { toCsv } from '../export/csv.ts';
import type { MetricColumn, Unit } from '../metrics/metrics.ts';
import { isoDate } from '../metrics/params.ts';
import { isoDay } from '../metrics/period.ts';
import { sqlOf } from '../db/queries.ts';
import { asOfDay, asOfParam, queryAsOf, requireKnownOrgs } from '../metrics/asof.ts';

const sql = (name: string) => sqlOf(`registry/${name}`);

const text = (name: string, title: string): MetricColumn => ({ name, title, unit: 'текст' });
const count = (name: string, title: string, unit: Unit = 'шт.'): MetricColumn => ({ name, title, unit });

export const MENTOR_COLUMNS: readonly MetricColumn[] = [
  text('org', 'Код организации'),
  text('org_name', 'Организация'),
  text('fio', 'ФИО'),
  text('position', 'Должность'),
  text('subject', 'Предмет'),
  text('category', 'Категория'),
  text('trained', 'Обучение наставников'),
  text('employed', 'Работает'),
  count('load', 'Наставляемых сейчас', 'чел.'),
  count('pairs_active', 'Пар сейчас'),
  count('pairs_total', 'Пар за всё время'),
  text('mentees_now', 'Наставляемые сейчас'),
  text('directions', 'Направления'),
  text('forms', 'Формы'),
  { name: 'first_pair', title: 'Первая пара с', unit: 'дата' },
];

export const MENTEE_COLUMNS: readonly MetricColumn[] = [
  text('org', 'Код организации'),
  text('org_name', 'Организация'),
  text('fio', 'ФИО'),
  text('position', 'Должность'),
  text('subject', 'Предмет'),
  text('young', 'Молодой специалист'),
  count('experience', 'Стаж, лет', 'шт.'),
  text('employed', 'Работает'),
  text('has_pair', 'Есть наставник'),
  text('mentors_now', 'Наставники сейчас'),
  count('pairs_total', 'Пар за всё время'),
  text('program_status', 'ППН: статус'),
  count('program_events_done', 'ППН: выполнено мероприятий'),
  count('program_events_planned', 'ППН: запланировано мероприятий'),
  count('courses', 'Курсов повышения квалификации'),
  count('pd_hours', 'Часов повышения квалификации', 'ч'),
  { name: 'last_course', title: 'Последний курс', unit: 'дата' },
  text('category', 'Категория'),
  text('category_path', 'Аттестация (история)'),
];

const query = z.object({
  date: z.string({ error: 'ожидается одна дата' }).pipe(isoDate).optional(),
  org: z.union([z.string().max(60), z.array(z.string().max(60)).max(200)], { error: 'ожидается код организации (до 60 знаков; несколько — повторите параметр, не больше 200)' }).optional(),
  type: z.string({ error: 'ожидается тип организации (текст)' }).max(100).optional(),
  format: z.enum(['json', 'csv'], { error: 'допустимы json и csv' }).optional(),
  decimal: z.enum(['point', 'comma'], { error: 'допустимы comma (по умолчанию, для Excel) и point' }).optional(),
  as_of: z.unknown().optional(),
});

/** Lists as text for CSV cells: «a; b». Booleans as Да/Нет. */
function forCsv(rows: readonly Row[]): Row[] {
  return rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [k, Array.isArray(v) ? v.join('; ') : typeof v === 'boolean' ? (v ? 'Да' : 'Нет') : v]),
    ),
  );
}

export function peopleRouter(deps: { db: Db; now: () => Date; auth: AuthDeps }): Router {
  const r = Router();
  const audit = auditor(deps.auth);

  for (const [path, file, columns, title] of [
    ['/mentors', 'mentors', MENTOR_COLUMNS, 'nastavniki'],
    ['/mentees', 'mentees', MENTEE_COLUMNS, 'nastavlyaemye'],
  ] as const) {
    const text = sql(file);
    r.get(path, async (req, res) => {
      const p = requireRole(res, ['coordinator', 'school'], 'реестр наставников и наставляемых (в нём ФИО)');
      const parsed = query.safeParse(req.query);
      if (!parsed.success) {
        const i = parsed.error.issues[0]!;
        throw badRequest(`неверный параметр ${String(i.path[0] ?? '')}: ${i.message}`);
      }
      const q = parsed.data;
      const requested = q.org === undefined ? [] : Array.isArray(q.org) ? q.org : [q.org];
      const asOf = asOfParam(req.query as Record<string, unknown>);
      // As of a past sync: its rows, on its day unless another day is asked for.
      const on = q.date ?? (asOf === null ? isoDay(deps.now()) : asOfDay(asOf, deps.now()));
      const orgs = scopeOrgs(p, requested.map((o) => o.trim()).filter(Boolean));
      // A code the data never knew is a mistake, said so (it was an empty register, 200).
      await requireKnownOrgs(deps.db, orgs);
      // The mentors' register names their mentees of other schools: to a school's account, by school only.
      const params: Record<string, SqlParam> = { on, orgs, type: q.type?.trim() || null };
      if (file === 'mentors') params.viewer = p.role === 'school' ? (p.org ?? null) : null;
      const { rows, as_of } = await queryAsOf(deps.db, asOf, text, params);
      if (q.format === 'csv') {
        await audit(req, res, 'export_csv', file, `${on}${orgs.length ? `; ${orgs.join(', ')}` : ''}${as_of ? `; на ${as_of.asked}` : ''}`);
        res
          .type('text/csv; charset=utf-8')
          .attachment(`${title}_${on}.csv`)
          .send(toCsv(columns, forCsv(rows), { decimal: q.decimal === 'point' ? 'point' : 'comma', header: 'titles' }));
        return;
      }
      res.set('Cache-Control', 'no-store').json({ date: on, orgs, ...(as_of ? { as_of } : {}), columns, rows });
    });
  }
  return r;
}
