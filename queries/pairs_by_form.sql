-- pairs_by_form: действующие в периоде наставнические пары по формам наставничества (METRICS.md).
--
-- Formula: pairs = the pair rows of the organization's own sheet active in the period
--   (Дата начала ≤ to and (Дата окончания (факт) empty or ≥ from)); one row = one link, so a
--   group of three mentees is three; counted whoever has left since.
-- Grain: one row per (organization, form) with pairs > 0, then one total row per form
--   (org = NULL) summed over the selected organizations; forms in the order of the contract.
-- Parameters: $from, $to, $orgs (VARCHAR[], empty = all), $type (or NULL).
WITH sel AS (
  SELECT * FROM selected_orgs($orgs, $type)
),
per_org AS (
  SELECT s.code AS org, s.name AS org_name, s.type AS org_type, s.type_rank, s.code_prefix, s.code_number,
    p.form, count(*)::INTEGER AS pairs
  FROM sel s
  JOIN active_pairs(CAST($from AS DATE), CAST($to AS DATE)) p ON p.org = s.code
  GROUP BY ALL
),
with_total AS (
  SELECT *, 0 AS is_total FROM per_org
  UNION ALL BY NAME
  SELECT form, sum(pairs)::INTEGER AS pairs, 1 AS is_total FROM per_org GROUP BY form
)
SELECT w.org, w.org_name, w.org_type, w.form, w.pairs
FROM with_total w LEFT JOIN enum_order e ON e.kind = 'form' AND e.value = w.form
ORDER BY w.is_total, w.type_rank, w.code_prefix, w.code_number, w.org, e.rank;
