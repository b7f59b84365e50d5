-- qualification_growth: рост квалификационных категорий (docs/spec/METRICS.md, item 2.4).
--
-- Formula (every count is of members of the population, employed on $to):
--   teachers              = the population
--   upgraded              = members with ≥ 1 Аттестация row dated in [$from, $to] whose rank is
--                           above its previous category (Прежняя категория, else the category
--                           held on the day before the order, terms included)
--   upgrade_rate          = upgraded / teachers
--   first_or_higher_start = members holding rank ≥ 2 (Первая or higher) on the day before $from
--   first_or_higher_end   = members holding rank ≥ 2 on $to
--   share_start, share_end = those counts / teachers;  growth_pp = (share_end − share_start) × 100
--   mentees               = mentees of the period; mentees_upgraded = of them, upgraded;
--   mentee_upgrade_rate   = mentees_upgraded / mentees
--   others                = teachers − mentees; others_upgraded = upgraded − mentees_upgraded;
--   other_upgrade_rate    = others_upgraded / others
-- "Category at a date": the latest row dated ≤ d (Без категории from the day its five-year term
--   lapses), else Прежняя категория of the earliest later row, else Педагоги.Категория; all of
--   the teacher's rows are read, also those after the period.
-- Reads the facts (queries/_facts.sql, _facts_macros.sql): people_on = the population, roles_in =
--   roles in the pairs active in the period, fact_upgrades = the Аттестация rows above their
--   previous category, category_spans_on(d) = the category each teacher holds on d.
-- Grain: one row per organization plus the total row (org = NULL) from summed counts; ratios
--   NULL when the denominator is 0 (growth_pp too).
-- Parameters: $from, $to, $orgs (VARCHAR[], empty = all), $type (or NULL).
WITH sel AS (
  SELECT * FROM metric_orgs($orgs, $type)
),
teachers AS (
  SELECT org, count(*) AS teachers FROM people_on(CAST($to AS DATE)) GROUP BY org
),
held_start AS (
  SELECT org, count(*) AS first_or_higher_start
  FROM category_spans_on(CAST($from AS DATE) - 1)
  WHERE on_staff(employed_from, employed_until, CAST($to AS DATE)) AND rank >= 2
  GROUP BY org
),
held_end AS (
  SELECT org, count(*) AS first_or_higher_end
  FROM category_spans_on(CAST($to AS DATE))
  WHERE on_staff(employed_from, employed_until, CAST($to AS DATE)) AND rank >= 2
  GROUP BY org
),
mentees AS (
  SELECT org, pid FROM roles_in(CAST($from AS DATE), CAST($to AS DATE)) WHERE is_mentee
),
upgraded AS (
  SELECT DISTINCT org, pid
  FROM fact_upgrades
  WHERE on_staff(employed_from, employed_until, CAST($to AS DATE))
    AND order_date BETWEEN CAST($from AS DATE) AND CAST($to AS DATE)
),
upgrades AS (
  SELECT u.org, count(*) AS upgraded, count(m.pid) AS mentees_upgraded
  FROM upgraded u LEFT JOIN mentees m ON m.pid = u.pid
  GROUP BY u.org
),
mentee_counts AS (
  SELECT org, count(*) AS mentees FROM mentees GROUP BY org
),
per_org AS (
  SELECT s.code AS org, s.name AS org_name, s.type AS org_type, s.org_rank,
    coalesce(t.teachers, 0)::INTEGER AS teachers, coalesce(u.upgraded, 0)::INTEGER AS upgraded,
    coalesce(hs.first_or_higher_start, 0)::INTEGER AS first_or_higher_start,
    coalesce(he.first_or_higher_end, 0)::INTEGER AS first_or_higher_end,
    coalesce(mc.mentees, 0)::INTEGER AS mentees, coalesce(u.mentees_upgraded, 0)::INTEGER AS mentees_upgraded
  FROM sel s
  LEFT JOIN teachers t ON t.org = s.code
  LEFT JOIN held_start hs ON hs.org = s.code
  LEFT JOIN held_end he ON he.org = s.code
  LEFT JOIN upgrades u ON u.org = s.code
  LEFT JOIN mentee_counts mc ON mc.org = s.code
),
with_total AS (
  SELECT *, 0 AS is_total FROM per_org
  UNION ALL BY NAME
  -- The total: every count column of per_org summed (COLUMNS: a new column cannot miss it).
  SELECT sum(COLUMNS(* EXCLUDE (org, org_name, org_type, org_rank)))::INTEGER, 1 AS is_total FROM per_org
),
counted AS (
  SELECT org, org_name, org_type, is_total, org_rank,
    coalesce(teachers, 0) AS teachers, coalesce(upgraded, 0) AS upgraded,
    coalesce(first_or_higher_start, 0) AS first_or_higher_start, coalesce(first_or_higher_end, 0) AS first_or_higher_end,
    coalesce(mentees, 0) AS mentees, coalesce(mentees_upgraded, 0) AS mentees_upgraded
  FROM with_total
)
SELECT org, org_name, org_type, teachers, upgraded,
  upgraded / nullif(teachers, 0) AS upgrade_rate,
  first_or_higher_start, first_or_higher_end,
  first_or_higher_start / nullif(teachers, 0) AS share_start,
  first_or_higher_end / nullif(teachers, 0) AS share_end,
  (first_or_higher_end - first_or_higher_start) * 100.0 / nullif(teachers, 0) AS growth_pp,
  mentees, mentees_upgraded, mentees_upgraded / nullif(mentees, 0) AS mentee_upgrade_rate,
  (teachers - mentees)::INTEGER AS others, (upgraded - mentees_upgraded)::INTEGER AS others_upgraded,
  (upgraded - mentees_upgraded) / nullif(teachers - mentees, 0) AS other_upgrade_rate
FROM counted
ORDER BY is_total, org_rank;
