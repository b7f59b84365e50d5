-- _facts: the derived facts every metric used to recompute at each query (issue #18), rebuilt in
-- full after each sync that changed their rows (server/db/facts.ts rebuildFacts, in the write that
-- ends the run; facts of people and of organizations separately) and at start when missing or
-- older than the rows, so that a metric is a plain aggregate over them.
-- Each table is a pure function of the loaded rows: no parameter, no date of today.
-- Grain: per table, as listed below. Parameters: none (the metrics filter the facts by their
--   $from, $to, $orgs, $type; queries/_facts_macros.sql holds the rules they filter with).
--
-- The person's columns. Every fact the metrics read about teachers (fact_people, fact_roles,
-- fact_category_spans, fact_upgrades, fact_courses) carries the teacher's `pid` (an integer key:
-- the teachers row), `org` (the teacher's own organization: a mentor or a course of another
-- organization's sheet counts there) and employment as a half-open interval, so that
--   employed on d (docs/spec/METRICS.md: Дата приёма empty or ≤ d, Дата увольнения empty or > d)
--     = employed_from <= d AND d < employed_until      (empty dates as -infinity / infinity)
-- and a metric counts members of the population by filtering a fact table, without a join.
--
-- Tables:
--   fact_orgs           the organizations a metric reports on (macro selected_orgs without filters:
--                       in the registry, and active or holding teachers), active, and org_rank: their
--                       order in every answer (type, then code with its number compared as a
--                       number: СОШ-2 before СОШ-10)
--   fact_categories     the categories with a small key `cat` (rank, then name) and their rank
--   fact_people         one row per teacher: young, cat (Педагоги.Категория), mentor_trained_from =
--                       the day from which the teacher counts as trained for mentoring (-infinity
--                       when «Обучение наставников» = Да, else the earliest Дата окончания of a
--                       course with «Тема наставничества» = Да, NULL when none)
--   fact_roles          every pair row (any organization's sheet) seen from each of its two people
--                       who is a teacher: is_mentor, start_date, end_date (Дата окончания (факт),
--                       empty = infinity), so that the pair is active in [from, to] when
--                       start_date <= to AND end_date >= from; program_approved (mentee side) =
--                       the earliest Дата утверждения of a program of the same mentor and mentee
--                       (any sheet), NULL when none; the person's young and mentor_trained_from
--   fact_attestations   each teacher's Аттестация rows (any sheet) in order (n): cat and rank of
--                       the Присвоена категория, prev_cat and prev_rank of the Прежняя категория
--                       (NULL when empty), the term's end (lapses, view attestation_terms: five
--                       years for Первая and Высшая before 01.09.2023 and for СЗД) and the next
--                       row's date (next_date, infinity after the last)
--   fact_category_spans docs/spec/METRICS.md "Category at a date" (macro category_on, terms included) as
--                       intervals [valid_from, valid_until) covering every day once per teacher:
--                       before the first row, the Прежняя категория of that row (empty → Без
--                       категории); from each row, its Присвоена категория until the next row or
--                       its lapse (lapses = that day), then Без категории until the next row
--                       (lapsed_on = the lapse day); without rows, Педагоги.Категория for all time.
--                       rank of the category held; differs = it is not Педагоги.Категория
--   fact_upgrades       the Аттестация rows above their previous category (the Прежняя категория,
--                       else the category held on the day before the order, terms included):
--                       order_date
--   fact_courses        courses by the teacher they are of (any sheet) with an end date: end_date,
--                       hours
--   fact_org_rows       per organization: rows loaded per tab, rows quarantined, errors, warnings
-- The sync accepts only the contract's categories (the list of the categories table), so every
-- category has a rank. Two Аттестация rows of one teacher on the same day (two sheets) are taken
-- in sheet and row order, the later one holding from that day.
CREATE OR REPLACE TABLE fact_orgs AS
  SELECT o.code, o.name, o.type, g.active,
    row_number() OVER (ORDER BY o.type_rank, o.code_prefix, o.code_number, o.code)::INTEGER AS org_rank
  FROM selected_orgs([], NULL) o JOIN orgs g ON g.code = o.code
  ORDER BY org_rank;

CREATE OR REPLACE TABLE fact_categories AS
  SELECT row_number() OVER (ORDER BY rank, name)::TINYINT AS cat, name, rank FROM categories;

CREATE OR REPLACE TABLE fact_people AS
  SELECT t.rowid::INTEGER AS pid, t.org, t.person_key,
    coalesce(t.hired, DATE '-infinity') AS employed_from,
    coalesce(t.dismissed, DATE 'infinity') AS employed_until,
    t.young, c.cat,
    CASE WHEN t.mentor_trained THEN DATE '-infinity' ELSE mc.first_end END AS mentor_trained_from
  FROM teachers t
  LEFT JOIN fact_categories c ON c.name = t.category
  LEFT JOIN (
    SELECT person_org, person_key, min(end_date) AS first_end
    FROM courses WHERE mentoring_topic GROUP BY ALL
  ) mc ON mc.person_org = t.org AND mc.person_key = t.person_key;

CREATE OR REPLACE TABLE fact_roles AS
  WITH programs_of_pair AS (
    SELECT mentor_org, mentor_key, mentee_org, mentee_key, min(approved) AS approved
    FROM programs GROUP BY ALL
  ),
  sides AS (
    SELECT mentor_org AS org, mentor_key AS person_key, true AS is_mentor, start_date,
      coalesce(end_fact, DATE 'infinity') AS end_date, NULL::DATE AS program_approved
    FROM pairs
    UNION ALL
    SELECT a.mentee_org, a.mentee_key, false, a.start_date, coalesce(a.end_fact, DATE 'infinity'), g.approved
    FROM pairs a
    LEFT JOIN programs_of_pair g
      ON g.mentor_org = a.mentor_org AND g.mentor_key = a.mentor_key
     AND g.mentee_org = a.mentee_org AND g.mentee_key = a.mentee_key
  )
  SELECT DISTINCT p.pid, p.org, p.employed_from, p.employed_until, p.young, p.mentor_trained_from,
    s.is_mentor, s.start_date, s.end_date, s.program_approved
  FROM sides s JOIN fact_people p ON p.org = s.org AND p.person_key = s.person_key
  WHERE s.start_date IS NOT NULL;

CREATE OR REPLACE TABLE fact_attestations AS
  SELECT p.pid, a.order_date, c.cat, a.rank, pc.cat AS prev_cat, pc.rank AS prev_rank, a.lapses,
    coalesce(lead(a.order_date) OVER w, DATE 'infinity') AS next_date,
    row_number() OVER w AS n
  FROM attestation_terms a
  JOIN fact_people p ON p.org = a.person_org AND p.person_key = a.person_key
  JOIN fact_categories c ON c.name = a.category
  LEFT JOIN fact_categories pc ON pc.name = a.prev_category
  WINDOW w AS (PARTITION BY p.pid ORDER BY a.order_date, a.org, a.row_no);

CREATE OR REPLACE TABLE fact_category_spans AS
  WITH none AS (
    SELECT cat, rank FROM fact_categories WHERE name = 'Без категории'
  ),
  spans AS (
    SELECT pid, DATE '-infinity' AS valid_from, order_date AS valid_until,
      coalesce(prev_cat, (SELECT cat FROM none)) AS cat, coalesce(prev_rank, (SELECT rank FROM none)) AS rank,
      NULL::DATE AS lapses, NULL::DATE AS lapsed_on
    FROM fact_attestations WHERE n = 1
    UNION ALL
    SELECT pid, order_date, CASE WHEN lapses < next_date THEN lapses ELSE next_date END, cat, rank, lapses, NULL
    FROM fact_attestations WHERE order_date < next_date
    UNION ALL
    SELECT pid, lapses, next_date, (SELECT cat FROM none), (SELECT rank FROM none), NULL, lapses
    FROM fact_attestations WHERE lapses < next_date
  )
  SELECT p.pid, p.org, p.employed_from, p.employed_until, s.valid_from, s.valid_until, s.rank, s.lapses, s.lapsed_on,
    coalesce(s.cat <> p.cat, false) AS differs, s.cat
  FROM spans s JOIN fact_people p ON p.pid = s.pid
  UNION ALL
  SELECT p.pid, p.org, p.employed_from, p.employed_until, DATE '-infinity', DATE 'infinity', c.rank, NULL, NULL, false, p.cat
  FROM fact_people p
  LEFT JOIN fact_categories c ON c.cat = p.cat
  WHERE p.pid NOT IN (SELECT pid FROM fact_attestations);

CREATE OR REPLACE TABLE fact_upgrades AS
  SELECT DISTINCT a.pid, held.org, held.employed_from, held.employed_until, a.order_date
  FROM fact_attestations a
  JOIN fact_category_spans held ON held.pid = a.pid
   AND held.valid_from <= a.order_date - 1 AND a.order_date - 1 < held.valid_until
  WHERE a.rank > coalesce(a.prev_rank, held.rank);

CREATE OR REPLACE TABLE fact_courses AS
  SELECT p.pid, p.org, p.employed_from, p.employed_until, c.end_date, c.hours
  FROM courses c JOIN fact_people p ON p.org = c.person_org AND p.person_key = c.person_key
  WHERE c.end_date IS NOT NULL;

CREATE OR REPLACE TABLE fact_org_rows AS
  SELECT org, sum(teachers)::INTEGER AS teachers, sum(pairs)::INTEGER AS pairs, sum(programs)::INTEGER AS programs,
    sum(courses)::INTEGER AS courses, sum(attestations)::INTEGER AS attestations, sum(compliance)::INTEGER AS compliance,
    sum(practices)::INTEGER AS practices, sum(events)::INTEGER AS events,
    sum(quarantined)::INTEGER AS quarantined, sum(errors)::INTEGER AS errors, sum(warnings)::INTEGER AS warnings
  FROM (
    SELECT org, count(*) AS teachers, 0 AS pairs, 0 AS programs, 0 AS courses, 0 AS attestations, 0 AS compliance,
      0 AS practices, 0 AS events, 0 AS quarantined, 0 AS errors, 0 AS warnings FROM teachers GROUP BY org
    UNION ALL SELECT org, 0, count(*), 0, 0, 0, 0, 0, 0, 0, 0, 0 FROM pairs GROUP BY org
    UNION ALL SELECT org, 0, 0, count(*), 0, 0, 0, 0, 0, 0, 0, 0 FROM programs GROUP BY org
    UNION ALL SELECT org, 0, 0, 0, count(*), 0, 0, 0, 0, 0, 0, 0 FROM courses GROUP BY org
    UNION ALL SELECT org, 0, 0, 0, 0, count(*), 0, 0, 0, 0, 0, 0 FROM attestations GROUP BY org
    UNION ALL SELECT org, 0, 0, 0, 0, 0, count(*), 0, 0, 0, 0, 0 FROM compliance GROUP BY org
    UNION ALL SELECT org, 0, 0, 0, 0, 0, 0, count(*), 0, 0, 0, 0 FROM practices GROUP BY org
    UNION ALL SELECT org, 0, 0, 0, 0, 0, 0, 0, count(*), 0, 0, 0 FROM events GROUP BY org
    -- The organization's own sheets only: a registry row that names it is the coordinator's
    -- (75 copies of its registry row were 75 of its «rows in quarantine», none on its sheet).
    UNION ALL SELECT org, 0, 0, 0, 0, 0, 0, 0, 0, count(*), 0, 0 FROM quarantine WHERE org IS NOT NULL AND scope <> 'registry' GROUP BY org
    UNION ALL SELECT org, 0, 0, 0, 0, 0, 0, 0, 0, 0, count(*) FILTER (WHERE level = 'error'), count(*) FILTER (WHERE level = 'warning')
      FROM issues WHERE org IS NOT NULL AND scope <> 'registry' GROUP BY org
  )
  GROUP BY org;
