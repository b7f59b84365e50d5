-- Данные на дату (as_of, server/metrics/asof.ts): which sync a moment stands for.
-- Grain: one row. Parameters: $until (TIMESTAMP text, UTC), $inclusive (boolean: the moment
-- itself counts — a moment; false: before it — the end of a day), $key (the meta key of the
-- first run the history holds whole).
-- run: the last sync finished at or before the moment (NULL: none); last_run: the newest run
-- started (when it is `run`, the live tables hold exactly its data); first_finished: when the
-- first sync finished; history_from: the first run the history holds whole (NULL: all);
-- run_finished, from_finished: when `run` and `history_from` finished, 'YYYY-MM-DD HH:MM:SS'.
WITH r AS (
  SELECT
    (SELECT id FROM sync_runs
      WHERE finished_at IS NOT NULL AND (CASE WHEN $inclusive THEN finished_at <= $until::TIMESTAMP ELSE finished_at < $until::TIMESTAMP END)
      ORDER BY finished_at DESC, id DESC LIMIT 1) AS run,
    (SELECT max(id) FROM sync_runs) AS last_run,
    (SELECT strftime(min(finished_at), '%Y-%m-%d %H:%M:%S') FROM sync_runs WHERE finished_at IS NOT NULL) AS first_finished,
    (SELECT max(value::INTEGER) FROM meta WHERE key = $key) AS history_from
)
SELECT r.*,
  (SELECT strftime(finished_at, '%Y-%m-%d %H:%M:%S') FROM sync_runs WHERE id = r.run) AS run_finished,
  (SELECT strftime(finished_at, '%Y-%m-%d %H:%M:%S') FROM sync_runs WHERE id = r.history_from) AS from_finished
FROM r;
