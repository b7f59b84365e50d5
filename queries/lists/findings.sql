-- `npm run sync`: every current error and warning (the registry's first, then by organization,
-- tab and row), so whoever runs the sync sees each rejected row with its reason.
SELECT level, message FROM issues WHERE level IN ('error', 'warning')
ORDER BY scope <> 'registry', org NULLS FIRST, tab, row_no NULLS FIRST, column_name;
