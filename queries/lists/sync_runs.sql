-- Журнал синхронизаций: the last $limit sync runs, newest first, with their counts.
-- Parameters: $limit (integer).
SELECT id, started_at::VARCHAR AS started_at, finished_at::VARCHAR AS finished_at, source, trigger, status,
  orgs_total, orgs_ok, orgs_unchanged, orgs_failed, rows_loaded, rows_quarantined, warnings, requests, retries, message
FROM sync_runs ORDER BY id DESC LIMIT $limit;
