-- professional_development: повышение квалификации педагогов (METRICS.md, item 2.4).
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
WITH sel AS (
  SELECT * FROM selected_orgs($orgs, $type)
),
roles AS (
  SELECT * FROM period_roles(CAST($from AS DATE), CAST($to AS DATE))
),
in_period AS (
  SELECT c.person_org AS org, c.person_key, sum(c.hours) AS hours
  FROM courses c
  WHERE c.end_date BETWEEN CAST($from AS DATE) AND CAST($to AS DATE)
  GROUP BY ALL
),
mentoring_course AS (
  SELECT DISTINCT c.person_org AS org, c.person_key
  FROM courses c
  WHERE c.mentoring_topic AND c.end_date <= CAST($to AS DATE)
),
member AS (
  SELECT r.org, r.person_key, r.is_mentor,
    ip.person_key IS NOT NULL AS trained, coalesce(ip.hours, 0) AS hours,
    r.is_mentor AND (coalesce(r.mentor_trained, false) OR mc.person_key IS NOT NULL) AS mentor_trained_now
  FROM roles r
  LEFT JOIN in_period ip ON ip.org = r.org AND ip.person_key = r.person_key
  LEFT JOIN mentoring_course mc ON mc.org = r.org AND mc.person_key = r.person_key
),
per_org AS (
  SELECT s.code AS org, s.name AS org_name, s.type AS org_type, s.type_rank, s.code_prefix, s.code_number,
    count(m.person_key)::INTEGER AS teachers,
    (count(*) FILTER (WHERE m.trained))::INTEGER AS trained,
    coalesce(sum(m.hours), 0)::INTEGER AS hours,
    (count(*) FILTER (WHERE m.is_mentor))::INTEGER AS mentors_active,
    (count(*) FILTER (WHERE m.mentor_trained_now))::INTEGER AS mentors_trained
  FROM sel s LEFT JOIN member m ON m.org = s.code
  GROUP BY ALL
),
with_total AS (
  SELECT *, 0 AS is_total FROM per_org
  UNION ALL BY NAME
  SELECT sum(teachers)::INTEGER AS teachers, sum(trained)::INTEGER AS trained, sum(hours)::INTEGER AS hours,
    sum(mentors_active)::INTEGER AS mentors_active, sum(mentors_trained)::INTEGER AS mentors_trained, 1 AS is_total
  FROM per_org
)
SELECT org, org_name, org_type,
  coalesce(teachers, 0) AS teachers, coalesce(trained, 0) AS trained,
  trained / nullif(teachers, 0) AS pd_coverage,
  coalesce(hours, 0) AS hours, hours / nullif(teachers, 0) AS hours_per_teacher,
  coalesce(mentors_active, 0) AS mentors_active, coalesce(mentors_trained, 0) AS mentors_trained,
  mentors_trained / nullif(mentors_active, 0) AS mentors_trained_rate
FROM with_total
ORDER BY is_total, type_rank, code_prefix, code_number, org;
