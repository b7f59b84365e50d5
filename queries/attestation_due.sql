-- attestation_due: категории, которые скоро истекают, — чтобы организации планировали аттестацию
-- (METRICS.md).
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
-- Grain: one row per organization plus the total row (org = NULL).
-- Parameters: $from, $to, $orgs (VARCHAR[], empty = all), $type (or NULL).
WITH sel AS (
  SELECT * FROM selected_orgs($orgs, $type)
),
held AS (
  SELECT * FROM category_on(CAST($to AS DATE), CAST($to AS DATE))
),
member AS (
  SELECT p.org, p.person_key,
    h.lapses > CAST($to AS DATE) AND h.lapses <= (CAST($to AS DATE) + INTERVAL 12 MONTH)::DATE AS lapsing,
    h.lapsed_on BETWEEN CAST($from AS DATE) AND CAST($to AS DATE) AS lapsed
  FROM population(CAST($to AS DATE)) p
  JOIN held h ON h.org = p.org AND h.person_key = p.person_key
),
per_org AS (
  SELECT s.code AS org, s.name AS org_name, s.type AS org_type, s.type_rank, s.code_prefix, s.code_number,
    count(m.person_key)::INTEGER AS teachers,
    (count(*) FILTER (WHERE m.lapsing))::INTEGER AS lapsing_12m,
    (count(*) FILTER (WHERE m.lapsed))::INTEGER AS lapsed
  FROM sel s LEFT JOIN member m ON m.org = s.code
  GROUP BY ALL
),
with_total AS (
  SELECT *, 0 AS is_total FROM per_org
  UNION ALL BY NAME
  SELECT sum(teachers)::INTEGER AS teachers, sum(lapsing_12m)::INTEGER AS lapsing_12m, sum(lapsed)::INTEGER AS lapsed, 1 AS is_total
  FROM per_org
)
SELECT org, org_name, org_type, coalesce(teachers, 0) AS teachers,
  coalesce(lapsing_12m, 0) AS lapsing_12m, coalesce(lapsed, 0) AS lapsed
FROM with_total
ORDER BY is_total, type_rank, code_prefix, code_number, org;
