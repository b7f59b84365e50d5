-- Shared building blocks of the queries over the loaded rows, created at start-up
-- (server/db/schema.ts): the derived facts (queries/_facts.sql), the registers (queries/registry/)
-- and mentor matching (server/matching/) read them. Each macro states one rule of docs/spec/METRICS.md so
-- that every query applies it the same way; the metrics read the facts (queries/_facts_macros.sql).

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

-- The same order as a sort key, for lists that are not metrics (the sync journal, the findings):
-- an organization's code and type (NULL: no longer in the registry, last of its prefix).
CREATE OR REPLACE MACRO org_order(code, type) AS struct_pack(
  t := CASE type WHEN 'Школа' THEN 1 WHEN 'Детский сад' THEN 2 WHEN 'Дополнительное образование' THEN 3 ELSE 4 END,
  p := regexp_replace(code, '[0-9]+', '', 'g'),
  n := coalesce(TRY_CAST(regexp_extract(code, '([0-9]+)', 1) AS INTEGER), 0),
  c := code);

-- A teacher belongs to the population of a period when employed on its last day `d`.
CREATE OR REPLACE MACRO employed_on(hired, dismissed, d) AS
  (hired IS NULL OR hired <= d) AND (dismissed IS NULL OR dismissed > d);

-- A pair is active in [d_from, d_to] when it started by d_to and had not ended before d_from.
CREATE OR REPLACE MACRO pair_active(start_date, end_fact, d_from, d_to) AS
  start_date <= d_to AND (end_fact IS NULL OR end_fact >= d_from);

-- Pair rows (of every organization's sheet) active in the period.
CREATE OR REPLACE MACRO active_pairs(d_from, d_to) AS TABLE
  SELECT * FROM pairs WHERE pair_active(start_date, end_fact, d_from, d_to);

-- A mentor's load on day d (п. 2.1: the mentor records, the matching, the load list): the
-- distinct mentees of the pair rows (of every organization's sheet) active on d; a group of
-- three = 3. Rows: org, person_key (the mentor's), n.
CREATE OR REPLACE MACRO mentor_load(d) AS TABLE
  SELECT mentor_org AS org, mentor_key AS person_key, count(DISTINCT [mentee_org, mentee_key])::INTEGER AS n
  FROM active_pairs(d, d)
  WHERE mentor_key IS NOT NULL AND mentee_key IS NOT NULL
  GROUP BY ALL;

-- Category terms (Порядок аттестации, приказ № 196 от 24.03.2023): Первая and Высшая assigned
-- before 01.09.2023 and СЗД always hold five years from the order date; the day they lapse
-- (order date + 5 years; 29 February + 5 years = 28 February) the teacher holds Без категории.
-- Other categories do not expire (lapses = NULL).
CREATE OR REPLACE VIEW attestation_terms AS
  SELECT a.*, c.rank,
    CASE
      WHEN a.category = 'Соответствие занимаемой должности' THEN (a.order_date + INTERVAL 5 YEAR)::DATE
      WHEN a.category IN ('Первая', 'Высшая') AND a.order_date < DATE '2023-09-01' THEN (a.order_date + INTERVAL 5 YEAR)::DATE
    END AS lapses
  FROM attestations a JOIN categories c ON c.name = a.category;

-- The category a teacher holds on day `d` (docs/spec/METRICS.md "Category at a date"), reading the
-- teacher's attestation rows dated up to `max_row_date` (NULL = all rows):
--   the latest row dated ≤ d (Без категории from the day its term lapses); else the Прежняя
--   категория of the earliest later row (empty → Без категории); else Педагоги.Категория.
CREATE OR REPLACE MACRO category_on(d, max_row_date) AS TABLE
  WITH rows AS (
    SELECT * FROM attestation_terms WHERE max_row_date IS NULL OR order_date <= max_row_date
  ),
  before AS (
    SELECT person_org, person_key, category, lapses, order_date,
      row_number() OVER (PARTITION BY person_org, person_key ORDER BY order_date DESC) AS n
    FROM rows WHERE order_date <= d
  ),
  after AS (
    SELECT person_org, person_key, prev_category,
      row_number() OVER (PARTITION BY person_org, person_key ORDER BY order_date) AS n
    FROM rows WHERE order_date > d
  )
  SELECT t.org, t.person_key,
    CASE
      WHEN b.person_key IS NOT NULL THEN
        CASE WHEN b.lapses IS NOT NULL AND b.lapses <= d THEN 'Без категории' ELSE b.category END
      WHEN a.person_key IS NOT NULL THEN coalesce(a.prev_category, 'Без категории')
      ELSE t.category
    END AS category,
    -- The day the held category lapses (NULL: it does not, or it is known without a term).
    CASE WHEN b.person_key IS NOT NULL AND (b.lapses IS NULL OR b.lapses > d) THEN b.lapses END AS lapses,
    -- The day a lapse that already happened took effect (the teacher holds Без категории since).
    CASE WHEN b.person_key IS NOT NULL AND b.lapses <= d THEN b.lapses END AS lapsed_on
  FROM teachers t
  LEFT JOIN before b ON b.person_org = t.org AND b.person_key = t.person_key AND b.n = 1
  LEFT JOIN after a ON a.person_org = t.org AND a.person_key = t.person_key AND a.n = 1;
