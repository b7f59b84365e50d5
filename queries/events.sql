-- events: мероприятия по видам и уровням — заседания методических объединений наставников
-- (п. 2.3) и сетевое взаимодействие (п. 3.8).
--
-- Formula: events = the rows of the organization's own «Мероприятия» tab with Дата in
--   [from, to] (both ends inclusive); participants = the sum of Участников over those rows,
--   empty cells left out (NULL when no row of the group states a number);
--   with_participants = how many of the events state a number, so an average can be read as
--   participants / with_participants. Вид is required; Уровень may be empty (level = NULL).
-- Grain: one row per (organization, kind, level) with events > 0, then one total row per
--   (kind, level) (org = NULL) summed over the selected organizations; organizations in the
--   usual order (type, then code), kinds and levels in the order of the contract, an empty
--   level last.
-- Parameters: $from, $to, $orgs (VARCHAR[], empty = all), $type (or NULL).
-- Organizations: metric_orgs (queries/_facts_macros.sql, over the fact table fact_orgs).
WITH sel AS (
  SELECT * FROM metric_orgs($orgs, $type)
),
in_period AS (
  SELECT * FROM events
  WHERE event_date >= CAST($from AS DATE) AND event_date <= CAST($to AS DATE)
),
counts AS (
  SELECT org, kind, level, count(*) AS events, count(participants) AS with_participants, sum(participants) AS participants
  FROM in_period GROUP BY org, kind, level
),
per_org AS (
  SELECT s.code AS org, s.name AS org_name, s.type AS org_type, s.org_rank, c.kind, c.level,
    c.events::INTEGER AS events, c.with_participants::INTEGER AS with_participants, c.participants::INTEGER AS participants
  FROM sel s
  JOIN counts c ON c.org = s.code
),
with_total AS (
  SELECT *, 0 AS is_total FROM per_org
  UNION ALL BY NAME
  -- The total: every count column of per_org summed per kind and level (COLUMNS: a new column cannot miss it).
  SELECT kind, level, sum(COLUMNS(* EXCLUDE (org, org_name, org_type, org_rank, kind, level)))::INTEGER, 1 AS is_total FROM per_org GROUP BY kind, level
)
SELECT w.org, w.org_name, w.org_type, w.kind, w.level, w.events, w.with_participants, w.participants
FROM with_total w
LEFT JOIN enum_order k ON k.kind = 'event_kind' AND k.value = w.kind
LEFT JOIN enum_order l ON l.kind = 'event_level' AND l.value = w.level
ORDER BY w.is_total, w.org_rank, k.rank NULLS LAST, w.kind, l.rank NULLS LAST;
