-- data_quality: можно ли доверять цифрам (docs/spec/METRICS.md).
--
-- Per organization of the registry: last successful sync, last attempt and its outcome
--   ('ok' — loaded, 'unchanged' — nothing changed since, 'failed' — not read, previous data kept),
--   the reason, the stale flag (the last attempt failed: the numbers are from an older load),
--   rows loaded per tab (the two optional tabs «Лучшие практики» and «Мероприятия» too), rows quarantined, errors and warnings of the latest load, and
--   category_mismatches: teachers whose category held on the day of the last successful load
--   (by the «category at a date» rule, terms included) differs from Педагоги.Категория.
-- Grain: one row per organization plus the total row (org = NULL): sums of the counts; dates,
--   statuses and the stale flag NULL.
-- Parameters: $orgs (VARCHAR[], empty = all), $type (or NULL), $region (a regional account: the
--   reason's kind instead of its text); $from/$to are not used.
-- Reads the facts (queries/_facts.sql, _facts_macros.sql): fact_org_rows = rows per tab, rows
--   quarantined, errors and warnings per organization (as of the last sync); fact_category_spans
--   with fact_people for the mismatches. org_state (statuses, the stale flag) is read as it is now.
WITH sel AS (
  SELECT * FROM metric_orgs($orgs, $type)
),
-- The «category at a date» rule on the date of each organization's last successful load
-- (_facts_macros.sql category_mismatches), counted.
mismatch AS (
  SELECT org, count(*) AS n FROM category_mismatches() GROUP BY org
),
per_org AS (
  SELECT s.code AS org, s.name AS org_name, s.type AS org_type, s.org_rank,
    strftime(st.last_success, '%Y-%m-%d %H:%M:%S') AS last_success,
    strftime(st.last_attempt, '%Y-%m-%d %H:%M:%S') AS last_attempt,
    st.last_status,
    -- A regional account gets no free text from the sources ($region): the kind of the reason
    -- (the text may quote a file's tab titles, which may name a person).
    CASE WHEN NOT $region OR st.last_message IS NULL THEN st.last_message
      WHEN st.last_status = 'failed' THEN 'таблица не прочитана — подробности у муниципального координатора'
      WHEN st.last_status = 'held' THEN 'загрузка задержана до решения муниципального координатора'
      ELSE 'есть замечания к загрузке — подробности у муниципального координатора' END AS last_message,
    coalesce(st.stale, st.last_success IS NULL) AS stale,
    coalesce(fr.teachers, 0)::INTEGER AS teachers_rows,
    coalesce(fr.pairs, 0)::INTEGER AS pairs_rows,
    coalesce(fr.programs, 0)::INTEGER AS programs_rows,
    coalesce(fr.courses, 0)::INTEGER AS courses_rows,
    coalesce(fr.attestations, 0)::INTEGER AS attestations_rows,
    coalesce(fr.compliance, 0)::INTEGER AS compliance_rows,
    coalesce(fr.practices, 0)::INTEGER AS practices_rows,
    coalesce(fr.events, 0)::INTEGER AS events_rows,
    coalesce(fr.quarantined, 0)::INTEGER AS rows_quarantined,
    coalesce(fr.errors, 0)::INTEGER AS errors,
    coalesce(fr.warnings, 0)::INTEGER AS warnings,
    coalesce(mm.n, 0)::INTEGER AS category_mismatches
  FROM sel s
  LEFT JOIN org_state st ON st.org = s.code
  LEFT JOIN fact_org_rows fr ON fr.org = s.code
  LEFT JOIN mismatch mm ON mm.org = s.code
)
SELECT org, org_name, org_type, last_success, last_attempt, last_status, last_message, stale,
  teachers_rows, pairs_rows, programs_rows, courses_rows, attestations_rows, compliance_rows,
  practices_rows, events_rows, rows_quarantined, errors, warnings, category_mismatches
FROM (
  SELECT *, 0 AS is_total FROM per_org
  UNION ALL BY NAME
  -- The total: every count column of per_org summed (COLUMNS: a new count cannot miss it); the
  -- dates, status and message of the last loads belong to one organization and stay empty.
  SELECT sum(COLUMNS(* EXCLUDE (org, org_name, org_type, org_rank, last_success, last_attempt, last_status, last_message, stale)))::INTEGER, 1 AS is_total FROM per_org
)
ORDER BY is_total, org_rank;
