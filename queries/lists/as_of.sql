-- Данные на дату (as_of, server/metrics/asof.ts): which sync a moment stands for.
-- Grain: one row. Parameters: $until (TIMESTAMP text, UTC), $inclusive (boolean: the moment
-- itself counts — a moment; false: before it — the end of a day), $key (the meta key of the
-- first run the history holds whole).
-- run: the last sync finished at or before the moment (NULL: none); last_run: the newest run
-- started (when it is `run`, the live tables hold exactly its data); first_finished: when the
-- first sync finished; history_from: the first run the history holds whole (NULL: all);
-- run_finished, from_finished: when `run` and `history_from` finished.
-- The finish times are shown 'YYYY-MM-DD HH:MM:SS', rounded UP to the second (a sync finished at
-- 05:03:37.251 is shown 05:03:38): a moment typed as shown then stands for that sync; rounded
-- down, it stood for the sync before.
WITH r AS (
  SELECT
    (SELECT id FROM sync_runs
      WHERE finished_at IS NOT NULL AND (CASE WHEN $inclusive THEN finished_at <= $until::TIMESTAMP ELSE finished_at < $until::TIMESTAMP END)
      ORDER BY finished_at DESC, id DESC LIMIT 1) AS run,
    (SELECT max(id) FROM sync_runs) AS last_run,
    (SELECT min(finished_at) FROM sync_runs WHERE finished_at IS NOT NULL) AS first_at,
    (SELECT max(value::INTEGER) FROM meta WHERE key = $key) AS history_from
),
t AS (
  SELECT r.*,
    (SELECT finished_at FROM sync_runs WHERE id = r.run) AS run_at,
    (SELECT finished_at FROM sync_runs WHERE id = r.history_from) AS from_at
  FROM r
),
shown AS (
  SELECT run, last_run, history_from,
    list_transform([first_at, run_at, from_at], lambda x:
      strftime(date_trunc('second', x) + CASE WHEN x > date_trunc('second', x) THEN INTERVAL 1 SECOND ELSE INTERVAL 0 SECOND END, '%Y-%m-%d %H:%M:%S')) AS ends
  FROM t
)
SELECT run, last_run, history_from, ends[1] AS first_finished, ends[2] AS run_finished, ends[3] AS from_finished
FROM shown;
