-- young_specialists: молодые специалисты — охват наставничеством и закрепление (docs/spec/METRICS.md).
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
-- Reads the facts (queries/_facts.sql, _facts_macros.sql): fact_people with on_staff = employed on a
--   day, roles_in = each person's roles in the pairs active in the period.
WITH sel AS (
  SELECT * FROM metric_orgs($orgs, $type)
),
young AS (
  SELECT org,
    count(*) FILTER (WHERE on_staff(employed_from, employed_until, CAST($to AS DATE))) AS young,
    count(*) FILTER (WHERE on_staff(employed_from, employed_until, CAST($from AS DATE))) AS young_at_start,
    count(*) FILTER (WHERE on_staff(employed_from, employed_until, CAST($from AS DATE))
                       AND on_staff(employed_from, employed_until, CAST($to AS DATE))) AS young_retained
  FROM fact_people WHERE young GROUP BY org
),
covered AS (
  SELECT org, count(*) AS young_with_mentor
  FROM roles_in(CAST($from AS DATE), CAST($to AS DATE)) WHERE young AND is_mentee GROUP BY org
),
per_org AS (
  SELECT s.code AS org, s.name AS org_name, s.type AS org_type, s.org_rank,
    coalesce(y.young, 0)::INTEGER AS young, coalesce(c.young_with_mentor, 0)::INTEGER AS young_with_mentor,
    coalesce(y.young_at_start, 0)::INTEGER AS young_at_start, coalesce(y.young_retained, 0)::INTEGER AS young_retained
  FROM sel s
  LEFT JOIN young y ON y.org = s.code
  LEFT JOIN covered c ON c.org = s.code
),
with_total AS (
  SELECT *, 0 AS is_total FROM per_org
  UNION ALL BY NAME
  -- The total: every count column of per_org summed (COLUMNS: a new column cannot miss it).
  SELECT sum(COLUMNS(* EXCLUDE (org, org_name, org_type, org_rank)))::INTEGER, 1 AS is_total FROM per_org
)
SELECT org, org_name, org_type,
  coalesce(young, 0) AS young, coalesce(young_with_mentor, 0) AS young_with_mentor,
  young_with_mentor / nullif(young, 0) AS coverage,
  coalesce(young_at_start, 0) AS young_at_start, coalesce(young_retained, 0) AS young_retained,
  young_retained / nullif(young_at_start, 0) AS retention
FROM with_total
ORDER BY is_total, org_rank;
