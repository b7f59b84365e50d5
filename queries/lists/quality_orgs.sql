-- Качество данных: each organization of the registry (or one, $org) with the state of its last
-- loads — last success and attempt, status and message, stale or not — and the counts of its
-- quarantined rows, errors and warnings, and its teachers whose category disagrees with the
-- «Аттестация» rows on the day of the last successful load; registry order.
-- Organizations no longer in the registry are not listed (their kept rows are in no figure), as
-- data_quality.sql leaves them out; as of a past sync, the registry of that sync.
-- Parameters: $org (code, or NULL = all).
SELECT o.code AS org, o.name AS org_name, o.sheet,
  s.last_success::VARCHAR AS last_success, s.last_attempt::VARCHAR AS last_attempt,
  s.last_status, s.last_message, coalesce(s.stale, false) AS stale,
  -- Of its own sheets, as data_quality.sql counts them (the registry's findings are the coordinator's, listed apart).
  (SELECT count(*) FROM quarantine q WHERE q.org = o.code AND q.scope <> 'registry')::INTEGER AS quarantined,
  (SELECT count(*) FROM issues i WHERE i.org = o.code AND i.scope <> 'registry' AND i.level = 'error')::INTEGER AS errors,
  (SELECT count(*) FROM issues i WHERE i.org = o.code AND i.scope <> 'registry' AND i.level = 'warning')::INTEGER AS warnings,
  -- Listed as warnings by quality_issues.sql, counted apart as data_quality.sql counts them.
  (SELECT count(*) FROM category_mismatches() c WHERE c.org = o.code)::INTEGER AS category_mismatches
FROM orgs o LEFT JOIN org_state s ON s.org = o.code
WHERE o.in_registry AND ($org IS NULL OR o.code = $org)
ORDER BY o.registry_row NULLS LAST, o.code;
