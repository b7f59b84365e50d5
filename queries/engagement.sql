-- engagement: вовлечённость педагогов в наставничество (METRICS.md, item 2.4 of the order).
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
WITH sel AS (
  SELECT * FROM selected_orgs($orgs, $type)
),
roles AS (
  SELECT * FROM period_roles(CAST($from AS DATE), CAST($to AS DATE))
),
per_org AS (
  SELECT s.code AS org, s.name AS org_name, s.type AS org_type, s.type_rank, s.code_prefix, s.code_number,
    count(r.person_key)::INTEGER AS teachers,
    (count(*) FILTER (WHERE r.is_mentor))::INTEGER AS mentors,
    (count(*) FILTER (WHERE r.is_mentee))::INTEGER AS mentees,
    (count(*) FILTER (WHERE r.is_mentor OR r.is_mentee))::INTEGER AS engaged
  FROM sel s
  LEFT JOIN roles r ON r.org = s.code
  GROUP BY ALL
),
with_total AS (
  SELECT *, 0 AS is_total FROM per_org
  UNION ALL BY NAME
  SELECT sum(teachers)::INTEGER AS teachers, sum(mentors)::INTEGER AS mentors, sum(mentees)::INTEGER AS mentees,
    sum(engaged)::INTEGER AS engaged, 1 AS is_total
  FROM per_org
)
SELECT org, org_name, org_type,
  coalesce(teachers, 0) AS teachers, coalesce(mentors, 0) AS mentors,
  coalesce(mentees, 0) AS mentees, coalesce(engaged, 0) AS engaged,
  engaged / nullif(teachers, 0) AS engagement_rate
FROM with_total
ORDER BY is_total, type_rank, code_prefix, code_number, org;
