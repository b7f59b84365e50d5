-- Журнал синхронизаций: each organization's outcome in the given runs (status, message, rows,
-- requests, time, tabs as JSON).
-- Parameters: $ids (VARCHAR[]: run ids as text).
SELECT run_id, org, status, message, rows_loaded, rows_quarantined, warnings, requests, retries, duration_ms, tabs
FROM sync_run_orgs WHERE list_contains($ids, run_id::VARCHAR) ORDER BY run_id, org;
