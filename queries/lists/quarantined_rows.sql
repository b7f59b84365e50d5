-- The rows of an organization's sheets that failed their checks (the quarantine's history), for
-- the change log (server/db/history.ts orgChanges): each with the sync it is about and `kind` —
--   'now'    quarantined at that sync's load (it stays in the sheet, out of the data);
--   'before' quarantined at an earlier load, and that sync's load replaced it (the row was
--            corrected or deleted).
-- raw: the row's cells as typed (header → text), tab: the tab's title as found.
-- Parameters: $org (code).
SELECT q.h_from AS run, 'now' AS kind, q.tab, q.raw
FROM quarantine_history q
WHERE q.org = $org AND q.scope = 'sheet' AND q.run_id = q.h_from
UNION ALL
SELECT e.to_run, 'before', q.tab, q.raw
FROM state_version_ends e
JOIN quarantine_history q ON q.h_hash = e.h_hash AND q.h_copy = e.h_copy AND q.h_from = e.from_run
WHERE e.tbl = 'quarantine' AND q.org = $org AND q.scope = 'sheet';
