-- Журнал синхронизаций: each organization's outcome in the given runs (status, message, rows,
-- requests, time, tabs as JSON).
-- Parameters: $ids (VARCHAR[]: run ids as text).
-- In the organizations' order of every other list (type, then code, its number as a number: ДОУ-2 before ДОУ-10).
SELECT r.run_id, r.org, r.status, r.message, r.rows_loaded, r.rows_quarantined, r.warnings, r.requests, r.retries, r.duration_ms, r.tabs
FROM sync_run_orgs r LEFT JOIN orgs o ON o.code = r.org
WHERE list_contains($ids, r.run_id::VARCHAR)
ORDER BY r.run_id, org_order(r.org, o.type);
