-- attestation_due: категории, которые скоро истекают, — чтобы организации планировали аттестацию
-- (docs/spec/METRICS.md).
--
-- Formula (members of the population, employed on $to; Аттестация rows dated after $to are not
--   looked at):
--   teachers    = the population
--   lapsing_12m = members whose category held on $to ends (lapses) in ($to, $to + 12 months]
--   lapsed      = members who hold Без категории on $to because a category they held lapsed on a
--                 day inside [$from, $to]
-- Terms: Первая/Высшая by an order before 01.09.2023 and СЗД hold five years from the order date
--   (the lapse day is order date + 5 years; 29.02 + 5 years = 28.02); other categories and
--   categories known only from Педагоги.Категория or Прежняя категория do not lapse.
-- Reads the facts (queries/_facts.sql, _facts_macros.sql): people_on = the population,
--   category_spans_on(d) = the category each teacher holds on d with its lapses / lapsed_on
--   (NULL before the teacher's first row: then Педагоги.Категория, which does not lapse).
-- Grain: one row per organization plus the total row (org = NULL).
-- Parameters: $from, $to, $orgs (VARCHAR[], empty = all), $type (or NULL).
WITH sel AS (
  SELECT * FROM metric_orgs($orgs, $type)
),
teachers AS (
  SELECT org, count(*) AS teachers FROM people_on(CAST($to AS DATE)) GROUP BY org
),
held AS (
  -- The span held on $to comes from the latest row dated ≤ $to: later rows only end it.
  SELECT org,
    count(*) FILTER (WHERE lapses > CAST($to AS DATE) AND lapses <= (CAST($to AS DATE) + INTERVAL 12 MONTH)::DATE) AS lapsing_12m,
    count(*) FILTER (WHERE lapsed_on BETWEEN CAST($from AS DATE) AND CAST($to AS DATE)) AS lapsed
  FROM category_spans_on(CAST($to AS DATE))
  WHERE on_staff(employed_from, employed_until, CAST($to AS DATE))
    AND (lapses IS NOT NULL OR lapsed_on IS NOT NULL)
  GROUP BY org
),
per_org AS (
  SELECT s.code AS org, s.name AS org_name, s.type AS org_type, s.org_rank,
    coalesce(t.teachers, 0)::INTEGER AS teachers, coalesce(h.lapsing_12m, 0)::INTEGER AS lapsing_12m,
    coalesce(h.lapsed, 0)::INTEGER AS lapsed
  FROM sel s
  LEFT JOIN teachers t ON t.org = s.code
  LEFT JOIN held h ON h.org = s.code
),
with_total AS (
  SELECT *, 0 AS is_total FROM per_org
  UNION ALL BY NAME
  -- The total: every count column of per_org summed (COLUMNS: a new column cannot miss it).
  SELECT sum(COLUMNS(* EXCLUDE (org, org_name, org_type, org_rank)))::INTEGER, 1 AS is_total FROM per_org
)
SELECT org, org_name, org_type, coalesce(teachers, 0) AS teachers,
  coalesce(lapsing_12m, 0) AS lapsing_12m, coalesce(lapsed, 0) AS lapsed
FROM with_total
ORDER BY is_total, org_rank;
