-- pairs_by_form: действующие в периоде наставнические пары по формам наставничества (docs/spec/METRICS.md).
--
-- Formula: pairs = the pair rows of the organization's own sheet active in the period
--   (Дата начала ≤ to and (Дата окончания (факт) empty or ≥ from)); one row = one link, so a
--   group of three mentees is three; counted whoever has left since.
-- Grain: one row per (organization, form) with pairs > 0, then one total row per form
--   (org = NULL) summed over the selected organizations; forms in the order of the contract.
-- Parameters: $from, $to, $orgs (VARCHAR[], empty = all), $type (or NULL).
-- Organizations: metric_orgs (queries/_facts_macros.sql, over the fact table fact_orgs).
WITH sel AS (
  SELECT * FROM metric_orgs($orgs, $type)
),
counts AS (
  SELECT org, form, count(*) AS pairs
  FROM active_pairs(CAST($from AS DATE), CAST($to AS DATE))
  GROUP BY org, form
),
per_org AS (
  SELECT s.code AS org, s.name AS org_name, s.type AS org_type, s.org_rank, c.form, c.pairs::INTEGER AS pairs
  FROM sel s
  JOIN counts c ON c.org = s.code
),
with_total AS (
  SELECT *, 0 AS is_total FROM per_org
  UNION ALL BY NAME
  -- The total: every count column of per_org summed per form (COLUMNS: a new column cannot miss it).
  SELECT form, sum(COLUMNS(* EXCLUDE (org, org_name, org_type, org_rank, form)))::INTEGER, 1 AS is_total FROM per_org GROUP BY form
)
SELECT w.org, w.org_name, w.org_type, w.form, w.pairs
FROM with_total w LEFT JOIN enum_order e ON e.kind = 'form' AND e.value = w.form
ORDER BY w.is_total, w.org_rank, e.rank;
