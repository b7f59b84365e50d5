-- program_completion: персонализированные программы наставничества (ППН) (docs/spec/METRICS.md, item 2.4).
--
-- Formula. Program counts are over the organization's own program rows, whoever has left since:
--   due               = programs whose Дата завершения (план) is in [$from, $to]
--   completed         = of due: status Завершена and Дата завершения (факт) ≤ $to
--   completed_on_time = of completed: actual end ≤ planned end
--   terminated        = of due: status Прекращена
--   overdue           = of due: status Разрабатывается or Реализуется
--   completion_rate   = completed / due;  on_time_rate = completed_on_time / due
--   active_programs   = status Реализуется and Дата утверждения ≤ $to
--   events_planned, events_done = sums over the active programs; progress = done / planned
--   programs_approved = programs approved ≤ $to; programs_published = of them, «Размещена на
--                       сайте» = Да; published_rate = published / approved
-- Mentee counts are of members of the population (employed on $to), in their own organization:
--   mentees_active       = mentees of the period
--   mentees_with_program = of them, those with a program of the same mentor and mentee, from one
--                          of their active pairs, approved ≤ $to, any status (in any sheet)
--   program_coverage     = mentees_with_program / mentees_active
-- Statuses are those in the sheet now; dates decide the period.
-- Program counts read the programs tab; mentee counts read the facts (queries/_facts.sql,
--   _facts_macros.sql): people_on = the population, roles_in = roles in the pairs active in the
--   period, with_program from each pair's earliest program approval (fact_roles.program_approved).
-- Grain: one row per organization plus the total row (org = NULL) from summed counts.
-- Parameters: $from, $to, $orgs (VARCHAR[], empty = all), $type (or NULL).
WITH sel AS (
  SELECT * FROM metric_orgs($orgs, $type)
),
prog AS (
  SELECT p.*,
    p.end_plan BETWEEN CAST($from AS DATE) AND CAST($to AS DATE) AS is_due,
    p.approved <= CAST($to AS DATE) AS is_approved
  FROM programs p
),
prog_counts AS (
  SELECT org,
    count(*) FILTER (WHERE is_due) AS due,
    count(*) FILTER (WHERE is_due AND status = 'Завершена' AND end_fact <= CAST($to AS DATE)) AS completed,
    count(*) FILTER (WHERE is_due AND status = 'Завершена' AND end_fact <= CAST($to AS DATE) AND end_fact <= end_plan) AS completed_on_time,
    count(*) FILTER (WHERE is_due AND status = 'Прекращена') AS terminated,
    count(*) FILTER (WHERE is_due AND status IN ('Разрабатывается', 'Реализуется')) AS overdue,
    count(*) FILTER (WHERE status = 'Реализуется' AND is_approved) AS active_programs,
    coalesce(sum(events_planned) FILTER (WHERE status = 'Реализуется' AND is_approved), 0) AS events_planned,
    coalesce(sum(events_done) FILTER (WHERE status = 'Реализуется' AND is_approved), 0) AS events_done,
    count(*) FILTER (WHERE is_approved) AS programs_approved,
    count(*) FILTER (WHERE is_approved AND published) AS programs_published
  FROM prog GROUP BY org
),
mentee_counts AS (
  SELECT org, count(*) AS mentees_active, count(*) FILTER (WHERE with_program) AS mentees_with_program
  FROM roles_in(CAST($from AS DATE), CAST($to AS DATE)) WHERE is_mentee GROUP BY org
),
per_org AS (
  SELECT s.code AS org, s.name AS org_name, s.type AS org_type, s.org_rank,
    coalesce(pc.due, 0)::INTEGER AS due, coalesce(pc.completed, 0)::INTEGER AS completed,
    coalesce(pc.completed_on_time, 0)::INTEGER AS completed_on_time, coalesce(pc.terminated, 0)::INTEGER AS terminated,
    coalesce(pc.overdue, 0)::INTEGER AS overdue, coalesce(pc.active_programs, 0)::INTEGER AS active_programs,
    coalesce(pc.events_planned, 0)::INTEGER AS events_planned, coalesce(pc.events_done, 0)::INTEGER AS events_done,
    coalesce(mc.mentees_active, 0)::INTEGER AS mentees_active, coalesce(mc.mentees_with_program, 0)::INTEGER AS mentees_with_program,
    coalesce(pc.programs_approved, 0)::INTEGER AS programs_approved, coalesce(pc.programs_published, 0)::INTEGER AS programs_published
  FROM sel s
  LEFT JOIN prog_counts pc ON pc.org = s.code
  LEFT JOIN mentee_counts mc ON mc.org = s.code
),
with_total AS (
  SELECT *, 0 AS is_total FROM per_org
  UNION ALL BY NAME
  -- The total: every count column of per_org summed (COLUMNS: a new column cannot miss it).
  SELECT sum(COLUMNS(* EXCLUDE (org, org_name, org_type, org_rank)))::INTEGER, 1 AS is_total FROM per_org
),
counted AS (
  SELECT * REPLACE (
    coalesce(due, 0) AS due, coalesce(completed, 0) AS completed, coalesce(completed_on_time, 0) AS completed_on_time,
    coalesce(terminated, 0) AS terminated, coalesce(overdue, 0) AS overdue, coalesce(active_programs, 0) AS active_programs,
    coalesce(events_planned, 0) AS events_planned, coalesce(events_done, 0) AS events_done,
    coalesce(mentees_active, 0) AS mentees_active, coalesce(mentees_with_program, 0) AS mentees_with_program,
    coalesce(programs_approved, 0) AS programs_approved, coalesce(programs_published, 0) AS programs_published)
  FROM with_total
)
SELECT org, org_name, org_type, due, completed, completed_on_time, terminated, overdue,
  completed / nullif(due, 0) AS completion_rate,
  completed_on_time / nullif(due, 0) AS on_time_rate,
  active_programs, events_planned, events_done,
  events_done / nullif(events_planned, 0) AS progress,
  mentees_active, mentees_with_program,
  mentees_with_program / nullif(mentees_active, 0) AS program_coverage,
  programs_approved, programs_published,
  programs_published / nullif(programs_approved, 0) AS published_rate
FROM counted
ORDER BY is_total, org_rank;
