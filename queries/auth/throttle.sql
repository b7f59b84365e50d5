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
-- Deletes the counters of a login name, or of a login and an address (a success).
-- Parameters: $key (VARCHAR, the lower-cased login name, or the throttle's key of a login and an address).
DELETE FROM login_throttle WHERE login_key = $key;

-- name: forget_login_everywhere
-- Deletes every counter of a login name: its own and those of it and each address (a new password).
-- Parameters: $key (VARCHAR, the lower-cased login name), $prefix (VARCHAR: the key, then the separator of an address).
DELETE FROM login_throttle WHERE login_key = $key OR starts_with(login_key, $prefix);

-- name: forget_addresses
-- Deletes the addresses a login signed in from (a new password).
-- Parameters: $key (VARCHAR, the lower-cased login name).
DELETE FROM login_addresses WHERE login_key = $key;

-- name: known_address
-- When the login last signed in from the address: last_success_ms (BIGINT), or no row.
-- Parameters: $key (VARCHAR), $address (VARCHAR).
SELECT last_success_ms FROM login_addresses WHERE login_key = $key AND address = $address;

-- name: save_known_address
-- Notes a sign-in of the login from the address.
-- Parameters: $key (VARCHAR), $address (VARCHAR), $at (BIGINT ms).
INSERT OR REPLACE INTO login_addresses VALUES ($key, $address, $at);

-- name: forget_old_addresses
-- Deletes the addresses not signed in from since $since, and those of logins that no longer exist.
-- Parameters: $since (BIGINT ms).
DELETE FROM login_addresses WHERE last_success_ms < $since OR login_key NOT IN (SELECT login FROM users);

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
