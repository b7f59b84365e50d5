-- qualification_growth: рост квалификационных категорий (METRICS.md, item 2.4).
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
-- "Category at a date" (macro category_on): the latest row dated ≤ d (Без категории from the day
--   its five-year term lapses), else Прежняя категория of the earliest later row, else
--   Педагоги.Категория; all of the teacher's rows are read, also those after the period.
-- Grain: one row per organization plus the total row (org = NULL) from summed counts; ratios
--   NULL when the denominator is 0 (growth_pp too).
-- Parameters: $from, $to, $orgs (VARCHAR[], empty = all), $type (or NULL).
WITH sel AS (
  SELECT * FROM selected_orgs($orgs, $type)
),
roles AS (
  SELECT * FROM period_roles(CAST($from AS DATE), CAST($to AS DATE))
),
upgrades AS (
  SELECT DISTINCT person_org AS org, person_key
  FROM attestation_steps(CAST($from AS DATE), CAST($to AS DATE))
  WHERE rank > prev_rank
),
cat_start AS (SELECT * FROM category_on(CAST($from AS DATE) - 1, NULL)),
cat_end AS (SELECT * FROM category_on(CAST($to AS DATE), NULL)),
member AS (
  SELECT r.org, r.person_key, r.is_mentee,
    u.person_key IS NOT NULL AS upgraded,
    cs_rank.rank >= 2 AS first_start,
    ce_rank.rank >= 2 AS first_end
  FROM roles r
  LEFT JOIN upgrades u ON u.org = r.org AND u.person_key = r.person_key
  JOIN cat_start cs ON cs.org = r.org AND cs.person_key = r.person_key
  JOIN categories cs_rank ON cs_rank.name = cs.category
  JOIN cat_end ce ON ce.org = r.org AND ce.person_key = r.person_key
  JOIN categories ce_rank ON ce_rank.name = ce.category
),
per_org AS (
  SELECT s.code AS org, s.name AS org_name, s.type AS org_type, s.type_rank, s.code_prefix, s.code_number,
    count(m.person_key)::INTEGER AS teachers,
    (count(*) FILTER (WHERE m.upgraded))::INTEGER AS upgraded,
    (count(*) FILTER (WHERE m.first_start))::INTEGER AS first_or_higher_start,
    (count(*) FILTER (WHERE m.first_end))::INTEGER AS first_or_higher_end,
    (count(*) FILTER (WHERE m.is_mentee))::INTEGER AS mentees,
    (count(*) FILTER (WHERE m.is_mentee AND m.upgraded))::INTEGER AS mentees_upgraded
  FROM sel s LEFT JOIN member m ON m.org = s.code
  GROUP BY ALL
),
with_total AS (
  SELECT *, 0 AS is_total FROM per_org
  UNION ALL BY NAME
  SELECT sum(teachers)::INTEGER AS teachers, sum(upgraded)::INTEGER AS upgraded,
    sum(first_or_higher_start)::INTEGER AS first_or_higher_start, sum(first_or_higher_end)::INTEGER AS first_or_higher_end,
    sum(mentees)::INTEGER AS mentees, sum(mentees_upgraded)::INTEGER AS mentees_upgraded, 1 AS is_total
  FROM per_org
),
counted AS (
  SELECT org, org_name, org_type, is_total, type_rank, code_prefix, code_number,
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
ORDER BY is_total, type_rank, code_prefix, code_number, org;
