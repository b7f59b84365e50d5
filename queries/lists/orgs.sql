-- The organizations an account may see (the dashboard's organization list and filters): code,
-- name, type, active, curator (NULL for a regional account: a person's name), last successful
-- load and whether the data is stale; organization order.
-- Parameters: $orgs (VARCHAR[], empty = all), $region (boolean).
SELECT o.code, o.name, o.type, g.active, CASE WHEN $region THEN NULL ELSE g.curator END AS curator,
  s.last_success::VARCHAR AS last_success, coalesce(s.stale, false) AS stale
FROM selected_orgs($orgs, NULL) o JOIN orgs g ON g.code = o.code LEFT JOIN org_state s ON s.org = o.code
ORDER BY o.type_rank, o.code_prefix, o.code_number, o.code;
