-- professional_development: повышение квалификации педагогов (docs/spec/METRICS.md, item 2.4).
--
-- Formula (every count is of members of the population, employed on $to):
--   teachers             = the population
--   trained              = members with ≥ 1 course whose Дата окончания is in [$from, $to]
--   pd_coverage          = trained / teachers
--   hours                = sum of Часов of those courses (members of the population only)
--   hours_per_teacher    = hours / teachers
--   mentors_active       = mentors of the period (mentor of ≥ 1 active pair in any sheet)
--   mentors_trained      = of them, «Обучение наставников» = Да, or any course with
--                          «Тема наставничества» = Да ended on or before $to
--   mentors_trained_rate = mentors_trained / mentors_active
-- Grain: one row per organization plus the total row (org = NULL) from summed counts; ratios
--   NULL when the denominator is 0.
-- Parameters: $from, $to, $orgs (VARCHAR[], empty = all), $type (or NULL).
-- Reads the facts (queries/_facts.sql, _facts_macros.sql): people_on = the population, roles_in =
--   roles in the pairs active in the period, fact_courses = courses by the person they are of,
--   fact_people.mentoring_course_end = the first end of a course on mentoring.
WITH sel AS (
  SELECT * FROM metric_orgs($orgs, $type)
),
teachers AS (
  SELECT org, count(*) AS teachers FROM people_on(CAST($to AS DATE)) GROUP BY org
),
courses AS (
  SELECT org, count(DISTINCT pid) AS trained, sum(hours) AS hours
  FROM fact_courses
  WHERE on_staff(employed_from, employed_until, CAST($to AS DATE))
    AND end_date BETWEEN CAST($from AS DATE) AND CAST($to AS DATE)
  GROUP BY org
),
mentors AS (
  SELECT org, count(*) AS mentors_active, count(*) FILTER (WHERE mentor_trained) AS mentors_trained
  FROM roles_in(CAST($from AS DATE), CAST($to AS DATE)) WHERE is_mentor GROUP BY org
),
per_org AS (
  SELECT s.code AS org, s.name AS org_name, s.type AS org_type, s.org_rank,
    coalesce(t.teachers, 0)::INTEGER AS teachers, coalesce(c.trained, 0)::INTEGER AS trained,
    coalesce(c.hours, 0)::INTEGER AS hours,
    coalesce(m.mentors_active, 0)::INTEGER AS mentors_active, coalesce(m.mentors_trained, 0)::INTEGER AS mentors_trained
  FROM sel s
  LEFT JOIN teachers t ON t.org = s.code
  LEFT JOIN courses c ON c.org = s.code
  LEFT JOIN mentors m ON m.org = s.code
),
with_total AS (
  SELECT *, 0 AS is_total FROM per_org
  UNION ALL BY NAME
  -- The total: every count column of per_org summed (COLUMNS: a new column cannot miss it).
  SELECT sum(COLUMNS(* EXCLUDE (org, org_name, org_type, org_rank)))::INTEGER, 1 AS is_total FROM per_org
)
SELECT org, org_name, org_type,
  coalesce(teachers, 0) AS teachers, coalesce(trained, 0) AS trained,
  trained / nullif(teachers, 0) AS pd_coverage,
  coalesce(hours, 0) AS hours, hours / nullif(teachers, 0) AS hours_per_teacher,
  coalesce(mentors_active, 0) AS mentors_active, coalesce(mentors_trained, 0) AS mentors_trained,
  mentors_trained / nullif(mentors_active, 0) AS mentors_trained_rate
FROM with_total
ORDER BY is_total, org_rank;
