-- Scheduled deliveries of reports and the mail sent (server/mail/, issue #21). Every statement
-- binds its parameters by name, never pasted. Lists are stored as JSON text.

-- name: list_subscriptions
-- Every delivery, oldest first, with its last send.
-- Parameters: none.
SELECT id, name, metrics, orgs, type, period, format, audience, recipients, cron,
  created_at::VARCHAR AS created_at, created_by, last_fired_at::VARCHAR AS last_fired_at,
  last_sent_at::VARCHAR AS last_sent_at, last_status, last_message
FROM subscriptions ORDER BY id;

-- name: subscription_by_id
-- One delivery, or nothing.
-- Parameters: $id (INTEGER).
SELECT id, name, metrics, orgs, type, period, format, audience, recipients, cron,
  created_at::VARCHAR AS created_at, created_by, last_fired_at::VARCHAR AS last_fired_at,
  last_sent_at::VARCHAR AS last_sent_at, last_status, last_message
FROM subscriptions WHERE id = $id;

-- name: insert_subscription
-- A new delivery (its number from subscription_seq); it fires first at its schedule's next time after now.
-- Parameters: $name, $metrics, $orgs, $type, $period, $format, $audience, $recipients, $cron, $by (VARCHAR; lists as JSON), $now (TIMESTAMP text).
INSERT INTO subscriptions (id, name, metrics, orgs, type, period, format, audience, recipients, cron, created_at, created_by, last_fired_at)
VALUES (nextval('subscription_seq'), $name, $metrics, $orgs, $type, $period, $format, $audience, $recipients, $cron, $now::TIMESTAMP, $by, $now::TIMESTAMP)
RETURNING id;

-- name: update_subscription
-- A delivery edited; its schedule counts from now.
-- Parameters: as insert_subscription, and $id (INTEGER).
UPDATE subscriptions SET name = $name, metrics = $metrics, orgs = $orgs, type = $type, period = $period, format = $format,
  audience = $audience, recipients = $recipients, cron = $cron, last_fired_at = $now::TIMESTAMP
WHERE id = $id RETURNING id;

-- name: delete_subscription
-- Removes a delivery.
-- Parameters: $id (INTEGER).
DELETE FROM subscriptions WHERE id = $id RETURNING id;

-- name: mark_fired
-- The scheduler took a delivery's time (before sending: a failing send is not repeated every tick).
-- Parameters: $id (INTEGER), $at (TIMESTAMP text).
UPDATE subscriptions SET last_fired_at = $at::TIMESTAMP WHERE id = $id;

-- name: mark_sent
-- A delivery's last send and its outcome.
-- Parameters: $id (INTEGER), $at (TIMESTAMP text), $status ('sent' | 'failed'), $message (VARCHAR or NULL).
UPDATE subscriptions SET last_sent_at = $at::TIMESTAMP, last_status = $status, last_message = $message WHERE id = $id;

-- name: insert_outbox
-- A message about to be sent.
-- Parameters: $kind, $recipients (JSON), $subject (VARCHAR), $subscription (INTEGER or NULL), $now (TIMESTAMP text).
INSERT INTO mail_outbox (id, created_at, kind, subscription_id, recipients, subject, status, attempts)
VALUES (nextval('mail_seq'), $now::TIMESTAMP, $kind, $subscription, $recipients, $subject, 'pending', 0)
RETURNING id;

-- name: outbox_attempt
-- The outcome of one attempt to send a message.
-- Parameters: $id (INTEGER), $status ('pending' | 'sent' | 'failed'), $error (VARCHAR or NULL), $now (TIMESTAMP text).
UPDATE mail_outbox SET attempts = attempts + 1, status = $status, last_error = $error,
  sent_at = CASE WHEN $status = 'sent' THEN $now::TIMESTAMP ELSE sent_at END
WHERE id = $id;

-- name: outbox_abandoned
-- Messages whose retries a stopped server never made: failed, saying why (at start).
-- Parameters: none.
UPDATE mail_outbox SET status = 'failed', last_error = coalesce(last_error || '; ', '') || 'сервер остановлен до повторной попытки'
WHERE status = 'pending' RETURNING id;

-- name: list_outbox
-- The last $limit messages, newest first.
-- Parameters: $limit (INTEGER).
SELECT id, created_at::VARCHAR AS created_at, kind, subscription_id, recipients, subject, status, attempts, last_error,
  sent_at::VARCHAR AS sent_at
FROM mail_outbox ORDER BY id DESC LIMIT $limit;

-- name: alerts_state
-- The coordinator's alerts: the run the last digest was measured against and the day it was sent (meta).
-- Parameters: none.
SELECT (SELECT value FROM meta WHERE key = 'alerts_through_run') AS through_run,
  (SELECT value FROM meta WHERE key = 'alerts_sent_day') AS sent_day,
  (SELECT strftime(finished_at, '%Y-%m-%dT%H:%M:%S.%gZ') FROM sync_runs WHERE id = (SELECT value::INTEGER FROM meta WHERE key = 'alerts_through_run')) AS through_finished;

-- name: alerts_set
-- Records the alerts' baseline run and, when a digest went, its day.
-- Parameters: $run (VARCHAR), $day (VARCHAR or NULL: unchanged).
INSERT OR REPLACE INTO meta
SELECT 'alerts_through_run', $run
UNION ALL SELECT 'alerts_sent_day', coalesce($day, (SELECT value FROM meta WHERE key = 'alerts_sent_day'))
  WHERE coalesce($day, (SELECT value FROM meta WHERE key = 'alerts_sent_day')) IS NOT NULL;
