-- engagement: вовлечённость педагогов в наставничество (docs/spec/METRICS.md, item 2.4 of the order).
--
-- Formula:
--   teachers        = population: teachers employed on $to (Дата приёма empty or ≤ to,
--                     Дата увольнения empty or > to)
--   mentors         = members of the population who are the mentor of ≥ 1 pair active in the
--                     period (Дата начала ≤ to and (Дата окончания (факт) empty or ≥ from)),
--                     in any organization's sheet
--   mentees         = the same for the mentee side
--   engaged         = distinct members who are mentors or mentees (one person counted once)
--   engagement_rate = engaged / teachers, NULL when teachers = 0
-- Grain: one row per organization of the registry (after filters) plus the total row
--   (org = NULL), whose ratio is computed from the summed counts, never averaged.
-- Parameters: $from, $to ('YYYY-MM-DD'), $orgs (VARCHAR[], empty = all), $type (or NULL).
-- Edge cases: a mentor from another organization (`ФИО (КОД-ОО)`) counts in his or her own
--   organization; a group of three mentees makes its mentor one mentor; rejected rows are not
--   in the tables and count nowhere.
-- Reads the facts (queries/_facts.sql, _facts_macros.sql): people_on = the population,
--   roles_in = each person's roles in the pairs active in the period.
WITH sel AS (
  SELECT * FROM metric_orgs($orgs, $type)
),
teachers AS (
  SELECT org, count(*) AS teachers FROM people_on(CAST($to AS DATE)) GROUP BY org
),
roles AS (
  SELECT org, count(*) FILTER (WHERE is_mentor) AS mentors, count(*) FILTER (WHERE is_mentee) AS mentees,
    count(*) AS engaged
  FROM roles_in(CAST($from AS DATE), CAST($to AS DATE)) GROUP BY org
),
per_org AS (
  SELECT s.code AS org, s.name AS org_name, s.type AS org_type, s.org_rank,
    coalesce(t.teachers, 0)::INTEGER AS teachers, coalesce(r.mentors, 0)::INTEGER AS mentors,
    coalesce(r.mentees, 0)::INTEGER AS mentees, coalesce(r.engaged, 0)::INTEGER AS engaged
  FROM sel s
  LEFT JOIN teachers t ON t.org = s.code
  LEFT JOIN roles r ON r.org = s.code
),
with_total AS (
  SELECT *, 0 AS is_total FROM per_org
  UNION ALL BY NAME
  -- The total: every count column of per_org summed (COLUMNS: a new column cannot miss it).
  SELECT sum(COLUMNS(* EXCLUDE (org, org_name, org_type, org_rank)))::INTEGER, 1 AS is_total FROM per_org
)
SELECT org, org_name, org_type,
  coalesce(teachers, 0) AS teachers, coalesce(mentors, 0) AS mentors,
  coalesce(mentees, 0) AS mentees, coalesce(engaged, 0) AS engaged,
  engaged / nullif(teachers, 0) AS engagement_rate
FROM with_total
ORDER BY is_total, org_rank;
