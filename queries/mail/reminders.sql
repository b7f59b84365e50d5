-- Reminders to schools (server/mail/reminders.ts, issue #21 part 3): the organizations with an
-- address in the registry, their current errors, what they were last told and who unsubscribed.
-- Every statement binds its parameters by name, never pasted.

-- name: candidates
-- The active organizations of the current registry that have an «E-mail ответственного»: their
-- addresses (JSON list), sheet, how their last read ended and what they were last told.
-- Parameters: none.
SELECT o.code, o.name, o.sheet, c.emails, s.last_status,
  r.org IS NOT NULL AS known, r.told, r.sent_day::VARCHAR AS sent_day, r.deadline_told::VARCHAR AS deadline_told
FROM orgs o JOIN org_contacts c ON c.org = o.code
LEFT JOIN org_state s ON s.org = o.code
LEFT JOIN reminder_state r ON r.org = o.code
WHERE o.in_registry AND o.active
ORDER BY o.registry_row, o.code;

-- name: org_errors
-- The errors of these organizations' spreadsheets (rows and tabs not loaded, loads held); the caller orders them.
-- Parameters: $orgs (VARCHAR[]).
SELECT org, level, tab, row_no, column_name, value, problem FROM issues
WHERE scope IN ('sheet', 'hold') AND level = 'error' AND org IN (SELECT unnest($orgs));

-- name: optouts
-- Every address that unsubscribed, with its organization.
-- Parameters: none.
SELECT org, email FROM reminder_optouts;

-- name: save_state
-- What an organization was told.
-- Parameters: $org, $told (JSON list), $sent_day (DATE text or NULL), $deadline (DATE text or NULL).
INSERT OR REPLACE INTO reminder_state (org, told, sent_day, deadline_told) VALUES ($org, $told, $sent_day::DATE, $deadline::DATE);

-- name: optout
-- An address unsubscribes from its organization's reminders (again: no change).
-- Parameters: $org, $email (VARCHAR), $now (TIMESTAMP text).
INSERT INTO reminder_optouts VALUES ($org, $email, $now::TIMESTAMP) ON CONFLICT DO NOTHING;

-- name: optin
-- An address subscribes again.
-- Parameters: $org, $email (VARCHAR).
DELETE FROM reminder_optouts WHERE org = $org AND email = $email;

-- name: is_optout
-- Whether an address is unsubscribed, and the organization's name (null: no such organization).
-- Parameters: $org, $email (VARCHAR).
SELECT (SELECT name FROM orgs WHERE code = $org) AS name,
  EXISTS (SELECT 1 FROM reminder_optouts WHERE org = $org AND email = $email) AS out;

-- name: counts
-- For the operations page: organizations with an address, and unsubscribed addresses.
-- Parameters: none.
SELECT (SELECT count(*) FROM orgs o JOIN org_contacts c ON c.org = o.code WHERE o.in_registry AND o.active) AS orgs,
  (SELECT count(*) FROM reminder_optouts) AS optouts;

-- name: secret
-- The key of the unsubscribe links, made once (random, 256 bits) and kept in meta.
-- Parameters: $fresh (VARCHAR: used only when there is none yet).
INSERT INTO meta VALUES ('reminder_link_key', $fresh) ON CONFLICT (key) DO UPDATE SET value = meta.value RETURNING value;

-- name: contacts
-- For the coordinator (operations page): each organization of the registry with an address, the
-- addresses, the day of its last reminder and the addresses that unsubscribed (JSON list), in registry order.
-- Parameters: none.
SELECT o.code, o.name, o.active, c.emails, r.sent_day::VARCHAR AS sent_day,
  (SELECT to_json(list(x.email ORDER BY x.email)) FROM reminder_optouts x WHERE x.org = o.code)::VARCHAR AS optouts
FROM orgs o JOIN org_contacts c ON c.org = o.code
LEFT JOIN reminder_state r ON r.org = o.code
WHERE o.in_registry
ORDER BY o.registry_row, o.code;
