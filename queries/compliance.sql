-- compliance: исполнение пункта 3 распоряжения № 116-26-93 (docs/spec/METRICS.md; deadlines in docs/spec/CONTRACT.md 2.7).
--
-- Items with a deadline: 3.1, 3.3, 3.4, 3.5 (01.03.2023), 3.6, 3.7 (31.03.2023); the others are
-- standing duties and are not scored. As of $to, an item of an organization is:
--   done_on_time = Дата исполнения ≤ deadline (and ≤ $to)
--   done_late    = deadline < Дата исполнения ≤ $to
--   not_done     = no date, or a date after $to (not yet done as of $to), or no tab at all
-- Rows:
--   (org, item)  per active organization and item: deadline, done_date (NULL when not done as of
--                $to), the three 0/1 flags, on_time_share = done_on_time / 1
--   (org, NULL)  per organization: the counts over the six items, on_time_share = on time / 6,
--                missing = the items not done («3.5, 3.7»), report_date = the day of the first
--                sync whose tab held a filled «Дата исполнения» (item 4: report due 06.03.2023;
--                a template with the items listed but no date is no report)
--   (NULL, item) per item over the active organizations: counts, on_time_share = the share of
--                active organizations that did it on time
--   (NULL, NULL) all items of all active organizations: on_time_share = on time / (orgs × 6)
-- Parameters: $to (and $from, unused), $orgs (VARCHAR[], empty = all), $type (or NULL).
-- Organizations: metric_orgs (queries/_facts_macros.sql, over the fact table fact_orgs).
WITH sel AS (
  SELECT * FROM metric_orgs($orgs, $type) WHERE active
),
items AS (
  SELECT item, rank, deadline FROM order_items WHERE deadline IS NOT NULL
),
grid AS (
  SELECT s.code AS org, s.name AS org_name, s.type AS org_type, s.org_rank,
    i.item, i.rank AS item_rank, i.deadline,
    CASE WHEN c.done_date <= CAST($to AS DATE) THEN c.done_date END AS done_date
  FROM sel s CROSS JOIN items i
  LEFT JOIN compliance c ON c.org = s.code AND c.item = i.item
),
flagged AS (
  SELECT *,
    (done_date IS NOT NULL AND done_date <= deadline)::INTEGER AS done_on_time,
    (done_date IS NOT NULL AND done_date > deadline)::INTEGER AS done_late,
    (done_date IS NULL)::INTEGER AS not_done
  FROM grid
),
per_org AS (
  SELECT org,
    sum(done_on_time)::INTEGER AS done_on_time, sum(done_late)::INTEGER AS done_late, sum(not_done)::INTEGER AS not_done,
    count(*)::INTEGER AS n,
    nullif(string_agg(item, ', ' ORDER BY item_rank) FILTER (WHERE not_done = 1), '') AS missing
  FROM flagged GROUP BY org
),
per_item AS (
  SELECT item, item_rank, deadline,
    sum(done_on_time)::INTEGER AS done_on_time, sum(done_late)::INTEGER AS done_late, sum(not_done)::INTEGER AS not_done,
    count(*)::INTEGER AS n
  FROM flagged GROUP BY ALL
),
all_rows AS (
  SELECT org, org_name, org_type, 0 AS is_total, org_rank, item, item_rank, deadline, done_date,
    done_on_time, done_late, not_done, done_on_time / 1.0 AS on_time_share, NULL AS missing, NULL::DATE AS report_date
  FROM flagged
  UNION ALL BY NAME
  SELECT p.org, s.name AS org_name, s.type AS org_type, 0 AS is_total, s.org_rank, NULL AS item, 0 AS item_rank,
    NULL::DATE AS deadline, NULL::DATE AS done_date, p.done_on_time, p.done_late, p.not_done,
    p.done_on_time / nullif(p.n, 0) AS on_time_share, p.missing, st.compliance_first_seen AS report_date
  FROM per_org p JOIN sel s ON s.code = p.org LEFT JOIN org_state st ON st.org = p.org
  UNION ALL BY NAME
  SELECT NULL AS org, NULL AS org_name, NULL AS org_type, 1 AS is_total, item, item_rank, deadline,
    done_on_time, done_late, not_done, done_on_time / nullif(n, 0) AS on_time_share
  FROM per_item
  UNION ALL BY NAME
  SELECT NULL AS org, NULL AS org_name, NULL AS org_type, 2 AS is_total, NULL AS item, 0 AS item_rank,
    coalesce(sum(done_on_time), 0)::INTEGER AS done_on_time, coalesce(sum(done_late), 0)::INTEGER AS done_late,
    coalesce(sum(not_done), 0)::INTEGER AS not_done, sum(done_on_time) / nullif(sum(n), 0) AS on_time_share
  FROM per_item
)
SELECT org, org_name, org_type, item, deadline, done_date, done_on_time, done_late, not_done, on_time_share,
  missing, report_date
FROM all_rows
ORDER BY is_total, org_rank, item_rank;
