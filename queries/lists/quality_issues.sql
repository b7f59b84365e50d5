-- Качество данных: the findings of the last loads (errors and warnings naming organization, tab,
-- row, column and value), of all organizations or one, of one level or both; the registry's own
-- findings (no organization) first.
-- Also, as warnings, the teachers whose category held on the day of the last successful load
-- («category at a date», terms included; data_quality.sql counts them as category_mismatches)
-- differs from their row's «Категория» (docs/spec/METRICS.md: «a warning on the data quality
-- page»): the school sees which row to check, not only how many.
-- The findings of organizations no longer in the registry are left out, as quality_orgs.sql
-- leaves them out (the registry's own findings stay: they may name a code its broken row typed).
-- A row's finding from an earlier load than the organization's last (a tab that fails as a whole
-- now keeps its rows, and their findings, of the load they came from: load.ts loadOrg) says so:
-- the school fixed the row, and still saw it named without a word why.
-- Parameters: $org (code, or NULL = all), $level ('error', 'warning' or NULL = both).
SELECT x.org, x.tab, x."row", x."column", x.value, x.level, x.message
FROM (
  SELECT org, tab, row_no AS "row", column_name AS "column", value, level,
    CASE WHEN scope = 'sheet' AND row_no IS NOT NULL AND run_id < (SELECT max(l.run_id) FROM issues l WHERE l.org = issues.org AND l.scope = 'sheet')
      THEN message || ' (замечание прежней загрузки: лист сейчас не загружается целиком — см. ошибку листа, — поэтому в данных остаются его строки той загрузки и их замечания)'
      ELSE message END AS message,
    scope <> 'registry' AS by_org
  FROM issues
  WHERE ($org IS NULL OR org = $org) AND ($level IS NULL OR level = $level)
    AND (org IS NULL OR scope = 'registry' OR org IN (SELECT code FROM orgs WHERE in_registry))
  UNION ALL
  SELECT f.org, 'Педагоги', f.row_no, 'Категория', f.category, 'warning',
    f.org || ', лист «Педагоги», строка ' || f.row_no || ', столбец «Категория»: значение «' || f.category || '» — ' || f.problem,
    true
  FROM category_mismatch_findings() f
  WHERE ($org IS NULL OR f.org = $org) AND ($level IS NULL OR $level = 'warning')
    AND f.org IN (SELECT code FROM orgs WHERE in_registry)
) x
LEFT JOIN orgs g ON g.code = x.org
-- The organizations in the order of every other list (type, then code: СОШ before ДОУ, ДОУ-2 before ДОУ-10).
ORDER BY x.by_org, x.org IS NOT NULL, org_order(x.org, g.type), x.tab, x."row" NULLS FIRST, x."column" NULLS FIRST, x.message;
