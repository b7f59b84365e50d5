-- Accounts, sessions, API tokens and the audit log (server/auth/store.ts). Every statement binds
-- its parameters by name ($login, ...), never pasted. Secrets arrive here as hashes only.

-- name: count_users
-- How many accounts there are: n (INTEGER).
-- Parameters: none.
SELECT count(*)::INTEGER AS n FROM users;

-- name: login_taken
-- One row when an account of this login name exists, none otherwise.
-- Parameters: $login (VARCHAR, already lower-cased).
SELECT 1 FROM users WHERE login = $login;

-- name: insert_user
-- Creates an account (the number from user_seq, both times now).
-- Parameters: $login, $role, $org, $name, $hash (VARCHAR; $org, $name may be NULL), $must (BOOLEAN).
INSERT INTO users (id, login, role, org, full_name, password_hash, created_at, password_changed_at, must_change_password)
VALUES (nextval('user_seq'), $login, $role, $org, $name, $hash, now()::TIMESTAMP, now()::TIMESTAMP, $must);

-- name: user_by_login
-- The account with this login name (no password hash), or nothing.
-- Parameters: $login (VARCHAR, already lower-cased).
SELECT id, login, role, org, full_name, created_at::VARCHAR AS created_at, password_changed_at::VARCHAR AS password_changed_at,
  coalesce(must_change_password, false) AS must_change_password
FROM users WHERE login = $login;

-- name: list_users
-- Every account (no password hash): coordinators, region, schools; then organization (none first), login.
-- Parameters: none.
SELECT id, login, role, org, full_name, created_at::VARCHAR AS created_at, password_changed_at::VARCHAR AS password_changed_at,
  coalesce(must_change_password, false) AS must_change_password
FROM users ORDER BY CASE role WHEN 'coordinator' THEN 1 WHEN 'region' THEN 2 ELSE 3 END, org NULLS FIRST, login;

-- name: count_coordinators
-- How many coordinator accounts there are: n (INTEGER).
-- Parameters: none.
SELECT count(*)::INTEGER AS n FROM users WHERE role = 'coordinator';

-- name: delete_user_sessions
-- Ends every session of an account.
-- Parameters: $id (INTEGER, users.id).
DELETE FROM sessions WHERE user_id = $id;

-- name: delete_user
-- Removes an account (its sessions are deleted first: delete_user_sessions).
-- Parameters: $id (INTEGER, users.id).
DELETE FROM users WHERE id = $id;

-- name: set_password
-- Sets an account's password hash (changed now) and whether it must be changed at the next login.
-- Parameters: $hash (VARCHAR), $id (INTEGER, users.id), $must (BOOLEAN).
UPDATE users SET password_hash = $hash, password_changed_at = now()::TIMESTAMP, must_change_password = $must WHERE id = $id;

-- name: user_password_by_id
-- The login name and password hash of an account by its number, or nothing.
-- Parameters: $id (INTEGER, users.id).
SELECT id, login, password_hash FROM users WHERE id = $id;

-- name: set_own_password
-- The owner's new password hash (changed now); clears must_change_password.
-- Parameters: $hash (VARCHAR), $id (INTEGER, users.id).
UPDATE users SET password_hash = $hash, password_changed_at = now()::TIMESTAMP, must_change_password = false WHERE id = $id;

-- name: registry_org_codes
-- The codes of the organizations in the current registry, in code order.
-- Parameters: none.
SELECT code FROM orgs WHERE in_registry ORDER BY code;

-- name: login_password_hash
-- The number and password hash of the account with this login name, or nothing.
-- Parameters: $key (VARCHAR, the lower-cased login name).
SELECT id, password_hash FROM users WHERE login = $key;

-- name: delete_expired_sessions
-- Deletes the sessions past their absolute end or idle too long.
-- Parameters: $now (BIGINT, ms), $idle (BIGINT, ms: sessions last seen at or before it are idle).
DELETE FROM sessions WHERE expires_ms <= $now OR seen_ms <= $idle;

-- name: insert_session
-- Opens a session (created and last seen now).
-- Parameters: $hash (VARCHAR), $user (INTEGER, NULL: demo), $demo (BOOLEAN), $csrf (VARCHAR), $now, $expires (BIGINT ms).
INSERT INTO sessions VALUES ($hash, $user, $demo, $csrf, $now, $expires, $now);

-- name: session_by_hash
-- A session and its account (NULLs for the demo session or a removed account), or nothing.
-- Parameters: $hash (VARCHAR, the cookie's hash).
SELECT s.user_id, s.demo, s.csrf, s.expires_ms, s.seen_ms, u.login, u.role, u.org, u.must_change_password
FROM sessions s LEFT JOIN users u ON u.id = s.user_id WHERE s.token_hash = $hash;

-- name: delete_session
-- Ends one session (logout, or found expired).
-- Parameters: $hash (VARCHAR, the cookie's hash).
DELETE FROM sessions WHERE token_hash = $hash;

-- name: touch_session
-- Marks a session as seen at $now.
-- Parameters: $now (BIGINT, ms), $hash (VARCHAR, the cookie's hash).
UPDATE sessions SET seen_ms = $now WHERE token_hash = $hash;

-- name: insert_token
-- Creates an API token (the number from token_seq, created now); returns its id.
-- Parameters: $name, $role, $org (NULL unless school), $hash (VARCHAR, the token's hash).
INSERT INTO api_tokens VALUES (nextval('token_seq'), $name, $role, $org, $hash, now()::TIMESTAMP, NULL, NULL) RETURNING id;

-- name: list_tokens
-- Every API token (no hash), revoked ones included, by number.
-- Parameters: none.
SELECT id, name, role, org, created_at::VARCHAR AS created_at, revoked_at::VARCHAR AS revoked_at, last_used_at::VARCHAR AS last_used_at
FROM api_tokens ORDER BY id;

-- name: revoke_tokens
-- Revokes now the active token numbered $id, or (when $id is NULL) every active one named $name; returns their ids.
-- Parameters: $id (INTEGER or NULL), $name (VARCHAR).
UPDATE api_tokens SET revoked_at = now()::TIMESTAMP
WHERE revoked_at IS NULL AND (CASE WHEN $id IS NULL THEN name = $name ELSE id = $id END) RETURNING id;

-- name: token_by_hash
-- The active (not revoked) token of this hash, its name as login, or nothing.
-- Parameters: $hash (VARCHAR, the token's hash).
SELECT id, name AS login, role, org, last_used_at FROM api_tokens WHERE token_hash = $hash AND revoked_at IS NULL;

-- name: touch_token
-- Marks a token as used now.
-- Parameters: $id (INTEGER, api_tokens.id).
UPDATE api_tokens SET last_used_at = now()::TIMESTAMP WHERE id = $id;

-- name: insert_audit
-- Appends an audit entry (the number from audit_seq, the time now).
-- Parameters: $actor, $action (VARCHAR), $role, $target, $detail, $ip (VARCHAR or NULL).
INSERT INTO audit_log VALUES (nextval('audit_seq'), now()::TIMESTAMP, $actor, $role, $action, $target, $detail, $ip);

-- name: latest_audit
-- The latest audit entries, newest first.
-- Parameters: $limit (INTEGER).
SELECT id, ts::VARCHAR AS ts, actor, role, action, target, detail, ip FROM audit_log ORDER BY id DESC LIMIT $limit;

-- name: audit_filtered
-- The audit entries matching the filters (each NULL = any), newest first: the operations page.
-- $actor matches a part of the login, case-insensitive (no pattern characters: `contains`).
-- Parameters: $action (VARCHAR), $actor (VARCHAR), $from, $to (DATE, both ends inclusive: days
-- of the server's calendar, server_day — ts is UTC), $limit (INTEGER).
SELECT id, ts::VARCHAR AS ts, actor, role, action, target, detail, ip FROM audit_log
WHERE ($action IS NULL OR action = $action)
  AND ($actor IS NULL OR contains(lower(actor), lower($actor)))
  AND ($from IS NULL OR server_day(ts) >= CAST($from AS DATE))
  AND ($to IS NULL OR server_day(ts) <= CAST($to AS DATE))
ORDER BY id DESC LIMIT $limit;

-- name: audit_actions
-- The actions the audit log holds (for the filter), alphabetically.
-- Parameters: none.
SELECT DISTINCT action FROM audit_log ORDER BY action;

-- name: last_audit_of
-- When the action was last recorded for the target by an account of this role, and how many
-- seconds ago (both NULL: never), on the database's clock, as the entries are written: the
-- school's re-read limit (a coordinator's re-read of the same table does not count against it).
-- Parameters: $action, $target, $role (VARCHAR).
SELECT max(ts)::VARCHAR AS ts, epoch(now()::TIMESTAMP - max(ts))::DOUBLE AS age_s FROM audit_log WHERE action = $action AND target = $target AND role = $role;

-- name: last_audit_among
-- The latest entry of any of these actions by an account of these roles (when, which, by whom, its detail),
-- or nothing; the demo login's entries never count.
-- Parameters: $actions, $roles (VARCHAR[]), $demo (VARCHAR: the demo login's actor name).
SELECT strftime(ts, '%Y-%m-%d %H:%M:%S') AS at, action, actor, detail FROM audit_log
WHERE action IN (SELECT unnest($actions)) AND role IN (SELECT unnest($roles)) AND actor <> $demo
ORDER BY ts DESC, id DESC LIMIT 1;

-- name: count_old_audit
-- How many audit entries are older than the cutoff: n (INTEGER).
-- Parameters: $cutoff (DOUBLE, seconds since the epoch).
SELECT count(*)::INTEGER AS n FROM audit_log WHERE ts < to_timestamp($cutoff)::TIMESTAMP;

-- name: delete_old_audit
-- Deletes the audit entries older than the cutoff (the rows count_old_audit counts).
-- Parameters: $cutoff (DOUBLE, seconds since the epoch).
DELETE FROM audit_log WHERE ts < to_timestamp($cutoff)::TIMESTAMP;

-- name: count_expired_sessions
-- How many sessions delete_expired_sessions deletes (past their end or idle too long): n (INTEGER).
-- Parameters: $now (BIGINT, ms), $idle (BIGINT, ms: sessions last seen at or before it are idle).
SELECT count(*)::INTEGER AS n FROM sessions WHERE expires_ms <= $now OR seen_ms <= $idle;
