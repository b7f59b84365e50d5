-- Реестр наставляемых (п. 2.1 распоряжения): every teacher who is or was the mentee of a pair
-- (of any organization's sheet), and every young specialist, as of day $on.
--
--   young        = «Молодой специалист» (or, when empty, стаж < 3 years), as loaded
--   has_pair     = the mentee of a pair active on $on; mentors_now: their names («ФИО (КОД)»
--                  for a mentor of another organization); pairs_total: every pair, any time
--   program_*    = the latest ППН of this mentee (by approval date): status, events done / planned
--   courses, pd_hours, last_course = completed courses (Повышение квалификации), any time
--   category     = held on $on; category_path = the attestation decisions in date order
--   employed     = employed on $on
-- Parameters: $on (date), $orgs (VARCHAR[], empty = all), $type (or NULL).
WITH sel AS (
  SELECT * FROM selected_orgs($orgs, $type)
),
ep AS (
  SELECT p.*, pair_active(p.start_date, p.end_fact, CAST($on AS DATE), CAST($on AS DATE)) AS active,
    tm.fio || CASE WHEN p.mentor_org <> p.mentee_org THEN ' (' || p.mentor_org || ')' ELSE '' END AS mentor_name
  FROM pairs p
  LEFT JOIN teachers tm ON tm.org = p.mentor_org AND tm.person_key = p.mentor_key
  WHERE p.mentee_key IS NOT NULL
),
pairs_of AS (
  SELECT mentee_org AS org, mentee_key AS person_key,
    bool_or(active) AS has_pair,
    list_sort(list_distinct(list(mentor_name) FILTER (WHERE active))) AS mentors_now,
    count(*)::INTEGER AS pairs_total
  FROM ep
  GROUP BY ALL
),
prog AS (
  SELECT mentee_org AS org, mentee_key AS person_key,
    arg_max(status, approved) AS program_status,
    arg_max(events_done, approved) AS program_events_done,
    arg_max(events_planned, approved) AS program_events_planned
  FROM programs
  WHERE mentee_key IS NOT NULL AND approved <= CAST($on AS DATE)
  GROUP BY ALL
),
pd AS (
  SELECT person_org AS org, person_key, count(*)::INTEGER AS courses, sum(hours)::INTEGER AS pd_hours, max(end_date) AS last_course
  FROM courses
  WHERE person_key IS NOT NULL AND end_date <= CAST($on AS DATE)
  GROUP BY ALL
),
path AS (
  SELECT person_org AS org, person_key,
    string_agg(category || ' (' || strftime(order_date, '%d.%m.%Y') || ')', ' → ' ORDER BY order_date) AS category_path
  FROM attestations
  WHERE person_key IS NOT NULL AND order_date <= CAST($on AS DATE)
  GROUP BY ALL
)
SELECT t.org, s.name AS org_name, s.type AS org_type, t.fio, t.position, t.subject,
  t.young, t.experience, employed_on(t.hired, t.dismissed, CAST($on AS DATE)) AS employed,
  coalesce(po.has_pair, false) AS has_pair, coalesce(po.mentors_now, []) AS mentors_now, coalesce(po.pairs_total, 0) AS pairs_total,
  pr.program_status, pr.program_events_done, pr.program_events_planned,
  coalesce(pd.courses, 0) AS courses, coalesce(pd.pd_hours, 0) AS pd_hours, strftime(pd.last_course, '%Y-%m-%d') AS last_course,
  c.category, pa.category_path
FROM teachers t
JOIN sel s ON s.code = t.org
LEFT JOIN pairs_of po ON po.org = t.org AND po.person_key = t.person_key
LEFT JOIN prog pr ON pr.org = t.org AND pr.person_key = t.person_key
LEFT JOIN pd ON pd.org = t.org AND pd.person_key = t.person_key
LEFT JOIN path pa ON pa.org = t.org AND pa.person_key = t.person_key
LEFT JOIN category_on(CAST($on AS DATE), NULL) c ON c.org = t.org AND c.person_key = t.person_key
WHERE po.person_key IS NOT NULL OR t.young
ORDER BY s.type_rank, s.code_prefix, s.code_number, t.org, t.fio, t.person_key;
