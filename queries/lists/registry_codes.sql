-- The codes the registry listed — now ($run NULL), or as the sync $run left it (the registry's
-- history: the version of each organization's row that stood at that run's end). A metric's
-- `org` filter must name one of them (metrics/asof.ts requireListedOrgs): an organization out
-- of the registry is in no figure, and a filter on it would answer a table of zeros.
-- Parameters: $run (sync_runs.id, or NULL = now).
SELECT code FROM orgs WHERE $run IS NULL AND in_registry
UNION ALL
SELECT h.code FROM orgs_history h
WHERE $run IS NOT NULL AND h.in_registry AND h.h_from <= $run
  AND NOT EXISTS (
    SELECT 1 FROM state_version_ends e
    WHERE e.tbl = 'orgs' AND e.h_hash = h.h_hash AND e.h_copy = h.h_copy AND e.from_run = h.h_from AND e.to_run <= $run
  );
