-- The last report of a delivery to the region (issue #21) that went out (server/routes/changes.ts
-- lastReport): when it was made, 'YYYY-MM-DD HH:MM:SS' (UTC) — its figures are of that moment;
-- NULL when none went out.
-- Grain: one row. Parameters: none.
SELECT strftime(max(m.created_at), '%Y-%m-%d %H:%M:%S') AS at
FROM mail_outbox m JOIN subscriptions s ON s.id = m.subscription_id
WHERE s.audience = 'region' AND m.status = 'sent';
