-- _facts_macros: the shared rules of the metric queries over the facts of queries/_facts.sql,
-- created at start-up once the facts exist (server/db/facts.ts; DuckDB binds a table macro when it
-- is created). Each states one rule of docs/spec/METRICS.md, as those of _macros.sql do over the rows.

-- The organizations a metric reports on (selected_orgs): filtered by code (org_codes, empty =
-- all) and type (org_type, NULL = all); org_rank is their order in an answer.
CREATE OR REPLACE MACRO metric_orgs(org_codes, org_type) AS TABLE
  SELECT * FROM fact_orgs
  WHERE (len(org_codes) = 0 OR list_contains(org_codes, code))
    AND (org_type IS NULL OR type = org_type);

-- Employed on day `d` (macro employed_on), over a fact's employed_from / employed_until.
CREATE OR REPLACE MACRO on_staff(employed_from, employed_until, d) AS
  employed_from <= d AND d < employed_until;

-- The population of a period: the teachers employed on its last day `d_to`.
CREATE OR REPLACE MACRO people_on(d_to) AS TABLE
  SELECT * FROM fact_people WHERE on_staff(employed_from, employed_until, d_to);

-- The members of the population of [d_from, d_to] in at least one pair active in the period
-- (start ≤ d_to, actual end empty or ≥ d_from) in any organization's sheet, one row each, in
-- their own organization: is_mentor, is_mentee; with_program = the mentee of an active pair
-- whose mentor and mentee have a program approved ≤ d_to (any status, any sheet);
-- mentor_trained = «Обучение наставников» = Да or a course on mentoring ended ≤ d_to; young.
CREATE OR REPLACE MACRO roles_in(d_from, d_to) AS TABLE
  SELECT org, pid, any_value(young) AS young,
    coalesce(bool_or(mentor_trained_from <= d_to), false) AS mentor_trained,
    bool_or(is_mentor) AS is_mentor, bool_or(NOT is_mentor) AS is_mentee,
    coalesce(bool_or(NOT is_mentor AND program_approved <= d_to), false) AS with_program
  FROM fact_roles
  WHERE on_staff(employed_from, employed_until, d_to) AND start_date <= d_to AND end_date >= d_from
  GROUP BY org, pid;

-- The category every teacher holds on day `d` ("Category at a date", terms included), one row
-- per teacher (employed or not: filter with on_staff), with rank, lapses (the day the held
-- category lapses, when it does) and lapsed_on (the day a lapse took effect: Без категории since).
CREATE OR REPLACE MACRO category_spans_on(d) AS TABLE
  SELECT * FROM fact_category_spans WHERE valid_from <= d AND d < valid_until;

-- The teachers whose category held on the day of their organization's last successful load
-- (the server's calendar day: server_day, server/db/zone.ts; "Category at a date", terms
-- included) differs from Педагоги.Категория — «a warning on the data quality page»: counted by
-- data_quality.sql and lists/quality_orgs.sql, listed by lists/quality_issues.sql. One row per teacher: pid, org, cat (the category held that day: what
-- «Категория» should say) and lapsed_on (the day the earlier category lapsed, when it did).
CREATE OR REPLACE MACRO category_mismatches() AS TABLE
  SELECT s.pid, s.org, s.cat, s.lapsed_on
  FROM fact_category_spans s
  JOIN org_state st ON st.org = s.org
  WHERE s.differs
    AND s.valid_from <= server_day(st.last_success) AND server_day(st.last_success) < s.valid_until;

-- The same teachers as findings of their «Педагоги» rows: org, row_no, the category typed, and
-- the problem without its place (lists/quality_issues.sql adds the place; the write-back's
-- «Проверка данных», google/writeback.sql, shows it by row). Matched by the person's key, not
-- the fact's pid: a pid is the teachers' rowid when the facts were built, and DuckDB may
-- renumber rows when it compacts the table.
CREATE OR REPLACE MACRO category_mismatch_findings() AS TABLE
  SELECT t.org, t.row_no, t.category,
    'по листу «Аттестация» (с учётом сроков действия категорий) на день загрузки категория педагога — «' || c.name || '»' ||
      CASE WHEN m.lapsed_on IS NOT NULL THEN ' (срок прежней категории истёк ' || strftime(m.lapsed_on, '%d.%m.%Y') || ')' ELSE '' END ||
      '; исправьте категорию на листе «Педагоги» или строки аттестации' AS problem
  FROM category_mismatches() m
  JOIN fact_categories c ON c.cat = m.cat
  JOIN fact_people p ON p.pid = m.pid
  JOIN teachers t ON t.org = p.org AND t.person_key = p.person_key;
