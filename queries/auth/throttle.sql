-- The failed-login counters kept across restarts (server/auth/throttle.ts; memory decides, the
-- table remembers): one row per login name, known or not. Every statement binds its parameters
-- by name ($key, ...), never pasted.

-- name: login_state
-- The counters of a login name, or nothing (no failure remembered).
-- Parameters: $key (VARCHAR, the lower-cased login name).
SELECT failures, locks, locked_until_ms, last_failure_ms FROM login_throttle WHERE login_key = $key;

-- name: save_login_state
-- Writes the counters of a login name, replacing its row.
-- Parameters: $key (VARCHAR), $failures, $locks (INTEGER), $until (BIGINT ms, NULL: no lock), $last (BIGINT ms).
INSERT OR REPLACE INTO login_throttle VALUES ($key, $failures, $locks, $until, $last);

-- name: forget_login
-- Deletes the counters of a login name (a success, a new password).
-- Parameters: $key (VARCHAR, the lower-cased login name).
DELETE FROM login_throttle WHERE login_key = $key;

-- name: count_forgotten
-- How many rows delete_forgotten deletes: n (INTEGER).
-- Parameters: $now (BIGINT ms), $before (BIGINT ms: failures at or before it are forgotten).
SELECT count(*)::INTEGER AS n FROM login_throttle
WHERE login_key NOT IN (SELECT login FROM users) AND coalesce(locked_until_ms, 0) <= $now AND last_failure_ms <= $before;

-- name: delete_forgotten
-- Deletes rows of login names that do not exist, once their lock is over and failures forgotten.
-- Parameters: $now (BIGINT ms), $before (BIGINT ms: failures at or before it are forgotten).
DELETE FROM login_throttle
WHERE login_key NOT IN (SELECT login FROM users) AND coalesce(locked_until_ms, 0) <= $now AND last_failure_ms <= $before;
