-- young_specialists: молодые специалисты — охват наставничеством и закрепление (METRICS.md).
--
-- Formula (a young specialist: «Молодой специалист» = Да, or, when empty, стаж < 3 years):
--   young             = members of the population (employed on $to) who are young specialists
--   young_with_mentor = of them, the mentee of ≥ 1 pair active in the period (any sheet)
--   coverage          = young_with_mentor / young
--   young_at_start    = young specialists employed on $from (population of the first day)
--   young_retained    = of them, still employed on $to
--   retention         = young_retained / young_at_start
-- Grain: one row per organization plus the total row (org = NULL) from summed counts; ratios
--   NULL when the denominator is 0.
-- Parameters: $from, $to, $orgs (VARCHAR[], empty = all), $type (or NULL).
WITH sel AS (
  SELECT * FROM selected_orgs($orgs, $type)
),
roles AS (
  SELECT * FROM period_roles(CAST($from AS DATE), CAST($to AS DATE))
),
at_start AS (
  SELECT t.org, t.person_key, employed_on(t.hired, t.dismissed, CAST($to AS DATE)) AS retained
  FROM teachers t
  WHERE t.young AND employed_on(t.hired, t.dismissed, CAST($from AS DATE))
),
per_org AS (
  SELECT s.code AS org, s.name AS org_name, s.type AS org_type, s.type_rank, s.code_prefix, s.code_number,
    (SELECT count(*) FROM roles r WHERE r.org = s.code AND r.young)::INTEGER AS young,
    (SELECT count(*) FROM roles r WHERE r.org = s.code AND r.young AND r.is_mentee)::INTEGER AS young_with_mentor,
    (SELECT count(*) FROM at_start a WHERE a.org = s.code)::INTEGER AS young_at_start,
    (SELECT count(*) FROM at_start a WHERE a.org = s.code AND a.retained)::INTEGER AS young_retained
  FROM sel s
),
with_total AS (
  SELECT *, 0 AS is_total FROM per_org
  UNION ALL BY NAME
  SELECT sum(young)::INTEGER AS young, sum(young_with_mentor)::INTEGER AS young_with_mentor,
    sum(young_at_start)::INTEGER AS young_at_start, sum(young_retained)::INTEGER AS young_retained, 1 AS is_total
  FROM per_org
)
SELECT org, org_name, org_type,
  coalesce(young, 0) AS young, coalesce(young_with_mentor, 0) AS young_with_mentor,
  young_with_mentor / nullif(young, 0) AS coverage,
  coalesce(young_at_start, 0) AS young_at_start, coalesce(young_retained, 0) AS young_retained,
  young_retained / nullif(young_at_start, 0) AS retention
FROM with_total
ORDER BY is_total, type_rank, code_prefix, code_number, org;
