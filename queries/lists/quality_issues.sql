-- Качество данных: the findings of the last loads (errors and warnings naming organization, tab,
-- row, column and value), of all organizations or one, of one level or both; the registry's own
-- findings (no organization) first.
-- Parameters: $org (code, or NULL = all), $level ('error', 'warning' or NULL = both).
SELECT org, tab, row_no AS row, column_name AS "column", value, level, message
FROM issues
WHERE ($org IS NULL OR org = $org) AND ($level IS NULL OR level = $level)
ORDER BY scope <> 'registry', org NULLS FIRST, tab, row_no NULLS FIRST, column_name NULLS FIRST, message;
