-- When an organization's sheet was last read (the re-read button of a school, the operations
-- page): its name, the last successful load and the last attempt with its status and message,
-- and whether its data is stale. No row: no such organization in the registry.
-- Parameters: $org (VARCHAR).
SELECT o.code AS org, o.name, s.last_success::VARCHAR AS last_success, s.last_attempt::VARCHAR AS last_attempt,
  s.last_status, s.last_message, coalesce(s.stale, false) AS stale
FROM orgs o LEFT JOIN org_state s ON s.org = o.code
WHERE o.code = $org;
