-- data_quality: можно ли доверять цифрам (METRICS.md).
--
-- Per organization of the registry: last successful sync, last attempt and its outcome
--   ('ok' — loaded, 'unchanged' — nothing changed since, 'failed' — not read, previous data kept),
--   the reason, the stale flag (the last attempt failed: the numbers are from an older load),
--   rows loaded per tab, rows quarantined, errors and warnings of the latest load, and
--   category_mismatches: teachers whose category held on the day of the last successful load
--   (by the «category at a date» rule, terms included) differs from Педагоги.Категория.
-- Grain: one row per organization plus the total row (org = NULL): sums of the counts; dates,
--   statuses and the stale flag NULL.
-- Parameters: $orgs (VARCHAR[], empty = all), $type (or NULL); $from/$to are not used.
WITH sel AS (
  SELECT * FROM selected_orgs($orgs, $type)
),
tab_rows AS (
  -- One row per organization with the row count of each tab (joined once, not looked up per tab).
  SELECT org, sum(teachers) AS teachers, sum(pairs) AS pairs, sum(programs) AS programs,
    sum(courses) AS courses, sum(attestations) AS attestations, sum(compliance) AS compliance
  FROM (
    SELECT org, count(*) AS teachers, 0 AS pairs, 0 AS programs, 0 AS courses, 0 AS attestations, 0 AS compliance FROM teachers GROUP BY org
    UNION ALL SELECT org, 0, count(*), 0, 0, 0, 0 FROM pairs GROUP BY org
    UNION ALL SELECT org, 0, 0, count(*), 0, 0, 0 FROM programs GROUP BY org
    UNION ALL SELECT org, 0, 0, 0, count(*), 0, 0 FROM courses GROUP BY org
    UNION ALL SELECT org, 0, 0, 0, 0, count(*), 0 FROM attestations GROUP BY org
    UNION ALL SELECT org, 0, 0, 0, 0, 0, count(*) FROM compliance GROUP BY org
  )
  GROUP BY org
),
q AS (SELECT org, count(*) AS n FROM quarantine WHERE org IS NOT NULL GROUP BY org),
iss AS (
  SELECT org, count(*) FILTER (WHERE level = 'error') AS errors, count(*) FILTER (WHERE level = 'warning') AS warnings
  FROM issues WHERE org IS NOT NULL GROUP BY org
),
-- The «category at a date» rule of category_on(), evaluated for every teacher on the date of
-- his or her organization's last successful load (one date per organization, so the rule is
-- written out here over a probe table instead of calling the one-date macro per organization).
probe AS (
  SELECT t.org, t.person_key, t.category, CAST(st.last_success AS DATE) AS d
  FROM teachers t JOIN org_state st ON st.org = t.org AND st.last_success IS NOT NULL
),
latest_before AS (
  SELECT p.org, p.person_key,
    arg_max(CASE WHEN a.lapses IS NOT NULL AND a.lapses <= p.d THEN 'Без категории' ELSE a.category END, a.order_date) AS held
  FROM probe p
  JOIN attestation_terms a ON a.person_org = p.org AND a.person_key = p.person_key AND a.order_date <= p.d
  GROUP BY p.org, p.person_key
),
earliest_after AS (
  SELECT p.org, p.person_key, arg_min(coalesce(a.prev_category, 'Без категории'), a.order_date) AS held
  FROM probe p
  JOIN attestation_terms a ON a.person_org = p.org AND a.person_key = p.person_key AND a.order_date > p.d
  GROUP BY p.org, p.person_key
),
mismatch AS (
  SELECT p.org, count(*) AS n
  FROM probe p
  LEFT JOIN latest_before b ON b.org = p.org AND b.person_key = p.person_key
  LEFT JOIN earliest_after e ON e.org = p.org AND e.person_key = p.person_key
  WHERE coalesce(b.held, e.held, p.category) <> p.category
  GROUP BY p.org
),
per_org AS (
  SELECT s.code AS org, s.name AS org_name, s.type AS org_type, s.type_rank, s.code_prefix, s.code_number,
    strftime(st.last_success, '%Y-%m-%d %H:%M:%S') AS last_success,
    strftime(st.last_attempt, '%Y-%m-%d %H:%M:%S') AS last_attempt,
    st.last_status, st.last_message,
    coalesce(st.stale, st.last_success IS NULL) AS stale,
    coalesce(tr.teachers, 0)::INTEGER AS teachers_rows,
    coalesce(tr.pairs, 0)::INTEGER AS pairs_rows,
    coalesce(tr.programs, 0)::INTEGER AS programs_rows,
    coalesce(tr.courses, 0)::INTEGER AS courses_rows,
    coalesce(tr.attestations, 0)::INTEGER AS attestations_rows,
    coalesce(tr.compliance, 0)::INTEGER AS compliance_rows,
    coalesce(q.n, 0)::INTEGER AS rows_quarantined,
    coalesce(iss.errors, 0)::INTEGER AS errors,
    coalesce(iss.warnings, 0)::INTEGER AS warnings,
    coalesce(mm.n, 0)::INTEGER AS category_mismatches
  FROM sel s
  LEFT JOIN org_state st ON st.org = s.code
  LEFT JOIN tab_rows tr ON tr.org = s.code
  LEFT JOIN q ON q.org = s.code
  LEFT JOIN iss ON iss.org = s.code
  LEFT JOIN mismatch mm ON mm.org = s.code
)
SELECT org, org_name, org_type, last_success, last_attempt, last_status, last_message, stale,
  teachers_rows, pairs_rows, programs_rows, courses_rows, attestations_rows, compliance_rows,
  rows_quarantined, errors, warnings, category_mismatches
FROM (
  SELECT *, 0 AS is_total FROM per_org
  UNION ALL BY NAME
  SELECT NULL AS org,
    sum(teachers_rows)::INTEGER AS teachers_rows, sum(pairs_rows)::INTEGER AS pairs_rows,
    sum(programs_rows)::INTEGER AS programs_rows, sum(courses_rows)::INTEGER AS courses_rows,
    sum(attestations_rows)::INTEGER AS attestations_rows, sum(compliance_rows)::INTEGER AS compliance_rows,
    sum(rows_quarantined)::INTEGER AS rows_quarantined, sum(errors)::INTEGER AS errors,
    sum(warnings)::INTEGER AS warnings, sum(category_mismatches)::INTEGER AS category_mismatches, 1 AS is_total
  FROM per_org
)
ORDER BY is_total, type_rank, code_prefix, code_number, org;
