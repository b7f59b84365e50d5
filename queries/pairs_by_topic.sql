-- pairs_by_topic: действующие в периоде наставнические пары по направлениям (docs/spec/METRICS.md, item 2.1).
--
-- Formula: pairs = the pair rows of the organization's own sheet active in the period, counted
--   under each of their directions: a pair with two directions counts under both, so the rows
--   of an organization may sum to more than its pairs.
-- Grain: one row per (organization, topic) with pairs > 0, then one total row per topic
--   (org = NULL); topics in the order of the contract.
-- Parameters: $from, $to, $orgs (VARCHAR[], empty = all), $type (or NULL).
-- Organizations: metric_orgs (queries/_facts_macros.sql, over the fact table fact_orgs).
WITH sel AS (
  SELECT * FROM metric_orgs($orgs, $type)
),
links AS (
  SELECT p.org, unnest(p.topics) AS topic
  FROM active_pairs(CAST($from AS DATE), CAST($to AS DATE)) p
),
counts AS (
  SELECT org, topic, count(*) AS pairs FROM links GROUP BY org, topic
),
per_org AS (
  SELECT s.code AS org, s.name AS org_name, s.type AS org_type, s.org_rank, c.topic, c.pairs::INTEGER AS pairs
  FROM sel s JOIN counts c ON c.org = s.code
),
with_total AS (
  SELECT *, 0 AS is_total FROM per_org
  UNION ALL BY NAME
  -- The total: every count column of per_org summed per topic (COLUMNS: a new column cannot miss it).
  SELECT topic, sum(COLUMNS(* EXCLUDE (org, org_name, org_type, org_rank, topic)))::INTEGER, 1 AS is_total FROM per_org GROUP BY topic
)
SELECT w.org, w.org_name, w.org_type, w.topic, w.pairs
FROM with_total w LEFT JOIN enum_order e ON e.kind = 'topic' AND e.value = w.topic
ORDER BY w.is_total, w.org_rank, e.rank;
