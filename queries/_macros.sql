-- Shared building blocks of the metric queries, created at start-up (server/schema.ts).
-- Each macro states one rule of METRICS.md so that every metric applies it the same way.

-- The organizations a metric reports on: listed in the registry and active (an inactive one
-- only while it has data, so its history still counts), filtered by code ($orgs, empty = all)
-- and type ($type, NULL = all); type_rank/code_prefix/code_number order them type first, then
-- code with its number compared as a number (СОШ-2 before СОШ-10).
CREATE OR REPLACE MACRO selected_orgs(org_codes, org_type) AS TABLE
  SELECT code, name, type,
    CASE type WHEN 'Школа' THEN 1 WHEN 'Детский сад' THEN 2 WHEN 'Дополнительное образование' THEN 3 ELSE 4 END AS type_rank,
    regexp_replace(code, '[0-9]+', '', 'g') AS code_prefix,
    coalesce(TRY_CAST(regexp_extract(code, '([0-9]+)', 1) AS INTEGER), 0) AS code_number
  FROM orgs
  WHERE in_registry
    AND (active OR code IN (SELECT DISTINCT org FROM teachers))
    AND (len(org_codes) = 0 OR list_contains(org_codes, code))
    AND (org_type IS NULL OR type = org_type);

-- A teacher belongs to the population of a period when employed on its last day `d`.
CREATE OR REPLACE MACRO employed_on(hired, dismissed, d) AS
  (hired IS NULL OR hired <= d) AND (dismissed IS NULL OR dismissed > d);

-- A pair is active in [d_from, d_to] when it started by d_to and had not ended before d_from.
CREATE OR REPLACE MACRO pair_active(start_date, end_fact, d_from, d_to) AS
  start_date <= d_to AND (end_fact IS NULL OR end_fact >= d_from);
