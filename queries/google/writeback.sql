-- Write-back of the tab «Проверка данных» (server/google/writeback.ts): the organizations to
-- write, their findings, and the hash of the findings last written per organization
-- (`writeback_state`, schema migration 3). Every statement binds its parameters by name, never
-- pasted.

-- name: org_findings
-- An organization's errors and warnings from its spreadsheet (scope sheet or hold), and the
-- warnings of its teachers whose «Категория» differs from «Аттестация» (as «Качество данных»
-- lists them: lists/quality_issues.sql; they were left out of the school's sheet: an acceptance
-- run); the caller orders them.
-- Parameters: $org (VARCHAR).
SELECT level, tab, row_no, column_name, value, problem FROM issues
WHERE scope IN ('sheet', 'hold') AND org = $org AND level IN ('error', 'warning')
UNION ALL
SELECT 'warning', 'Педагоги', row_no, 'Категория', category, problem FROM category_mismatch_findings() WHERE org = $org;

-- name: tab_columns
-- The column of each header of each tab of an organization's spreadsheet at its last load (JSON:
-- header text → 0 for A; NULL when the tab was not laid out), by the tab's title (schema migration 11).
-- Parameters: $org (VARCHAR).
SELECT title, columns FROM tab_gids WHERE org = $org;

-- name: active_orgs
-- The active organizations of the current registry and their spreadsheet (may be NULL), in registry order.
-- Parameters: none.
SELECT code, sheet FROM orgs WHERE in_registry AND active ORDER BY registry_row, code;

-- name: written_hashes
-- The hash of the findings last written, per organization.
-- Parameters: none.
SELECT org, hash FROM writeback_state;

-- name: save_written_hash
-- Records that an organization's tab was written: the hash of its findings and when.
-- Parameters: $org, $hash (VARCHAR), $ts (VARCHAR, 'YYYY-MM-DD HH:MM:SS.sss', UTC).
INSERT INTO writeback_state VALUES ($org, $hash, $ts::TIMESTAMP)
ON CONFLICT (org) DO UPDATE SET hash = excluded.hash, written_at = excluded.written_at;

-- name: loaded_spreadsheets
-- The Google spreadsheet each organization was last loaded from (schema migration 13).
-- Parameters: none.
SELECT org, spreadsheet_id FROM org_sheets;

-- name: note_failed_writes
-- Adds to the organizations' lines of sync run $run why their «Проверка данных» was not written.
-- Parameters: $run (INTEGER), $orgs, $notes (VARCHAR[], in the same order).
UPDATE sync_run_orgs SET message = coalesce(message || '; ', '') || n.note
FROM (SELECT unnest($orgs) AS org, unnest($notes) AS note) n
WHERE sync_run_orgs.run_id = $run AND sync_run_orgs.org = n.org;
