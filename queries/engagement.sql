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
WITH params AS (
  SELECT CAST($from AS DATE) AS d_from, CAST($to AS DATE) AS d_to
),
sel AS (
  SELECT * FROM selected_orgs($orgs, $type)
),
population AS (
  SELECT t.org, t.person_key
  FROM teachers t, params p
  WHERE t.org IN (SELECT code FROM sel) AND employed_on(t.hired, t.dismissed, p.d_to)
),
active_pairs AS (
  SELECT pr.mentor_org, pr.mentor_key, pr.mentee_org, pr.mentee_key
  FROM pairs pr, params p
  WHERE pair_active(pr.start_date, pr.end_fact, p.d_from, p.d_to)
),
mentors AS (SELECT DISTINCT mentor_org AS org, mentor_key AS person_key FROM active_pairs),
mentees AS (SELECT DISTINCT mentee_org AS org, mentee_key AS person_key FROM active_pairs),
roles AS (
  SELECT pop.org, pop.person_key,
    m.person_key IS NOT NULL AS is_mentor,
    e.person_key IS NOT NULL AS is_mentee
  FROM population pop
  LEFT JOIN mentors m ON m.org = pop.org AND m.person_key = pop.person_key
  LEFT JOIN mentees e ON e.org = pop.org AND e.person_key = pop.person_key
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
  SELECT org, org_name, org_type, teachers, mentors, mentees, engaged, 0 AS is_total, type_rank, code_prefix, code_number
  FROM per_org
  UNION ALL
  SELECT NULL, NULL, NULL, sum(teachers)::INTEGER, sum(mentors)::INTEGER, sum(mentees)::INTEGER, sum(engaged)::INTEGER,
    1, NULL, NULL, NULL
  FROM per_org
)
SELECT org, org_name, org_type, coalesce(teachers, 0) AS teachers, coalesce(mentors, 0) AS mentors,
  coalesce(mentees, 0) AS mentees, coalesce(engaged, 0) AS engaged,
  engaged / nullif(teachers, 0) AS engagement_rate
FROM with_total
ORDER BY is_total, type_rank, code_prefix, code_number, org;
