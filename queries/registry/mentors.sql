-- Реестр наставников (п. 2.1 распоряжения): every teacher who is or was the mentor of a pair
-- (of any organization's sheet), or whom the school marks «Наставник = Да», as of day $on.
--
--   pairs_active  = pair rows with this mentor active on $on (start ≤ $on, no actual end or end ≥ $on)
--   load          = distinct mentees of those pairs (a group of three = 3; macro mentor_load)
--   pairs_total   = every pair row with this mentor, any time
--   mentees_now   = the full names of the current mentees (another organization's: «ФИО (КОД)»;
--                   for a school's own account ($viewer), another school's mentee is «педагог КОД»:
--                   a school never reads the names of another school's staff)
--   directions    = the topics of all the mentor's pairs; forms likewise
--   category      = the category held on $on (macro category_on)
--   employed      = employed on $on (macro employed_on)
-- A mentor from another organization is listed in her own organization.
-- Parameters: $on (date), $orgs (VARCHAR[], empty = all), $type (or NULL), $viewer (the code of the
--   school whose account asks, or NULL for the coordinator).
WITH sel AS (
  SELECT * FROM selected_orgs($orgs, $type)
),
mp AS (
  SELECT p.*, pair_active(p.start_date, p.end_fact, CAST($on AS DATE), CAST($on AS DATE)) AS active,
    CASE
      WHEN p.mentee_org <> p.mentor_org AND $viewer IS NOT NULL AND p.mentee_org <> $viewer THEN 'педагог ' || p.mentee_org
      ELSE tm.fio || CASE WHEN p.mentee_org <> p.mentor_org THEN ' (' || p.mentee_org || ')' ELSE '' END
    END AS mentee_name
  FROM pairs p
  LEFT JOIN teachers tm ON tm.org = p.mentee_org AND tm.person_key = p.mentee_key
  WHERE p.mentor_key IS NOT NULL
),
agg AS (
  SELECT mentor_org AS org, mentor_key AS person_key,
    (count(*) FILTER (WHERE active))::INTEGER AS pairs_active,
    count(*)::INTEGER AS pairs_total,
    list_sort(list_distinct(list(mentee_name) FILTER (WHERE active))) AS mentees_now,
    list_sort(list_distinct(flatten(list(topics)))) AS directions,
    list_sort(list_distinct(list(form))) AS forms,
    min(start_date) AS first_pair
  FROM mp
  GROUP BY ALL
)
SELECT t.org, s.name AS org_name, s.type AS org_type, t.fio, t.position, t.subject,
  c.category, coalesce(t.mentor_trained, false) AS trained,
  employed_on(t.hired, t.dismissed, CAST($on AS DATE)) AS employed,
  coalesce(a.pairs_active, 0) AS pairs_active, coalesce(l.n, 0) AS load, coalesce(a.pairs_total, 0) AS pairs_total,
  coalesce(a.mentees_now, []) AS mentees_now, coalesce(a.directions, []) AS directions, coalesce(a.forms, []) AS forms,
  strftime(a.first_pair, '%Y-%m-%d') AS first_pair
FROM teachers t
JOIN sel s ON s.code = t.org
LEFT JOIN agg a ON a.org = t.org AND a.person_key = t.person_key
LEFT JOIN mentor_load(CAST($on AS DATE)) l ON l.org = t.org AND l.person_key = t.person_key
LEFT JOIN category_on(CAST($on AS DATE), NULL) c ON c.org = t.org AND c.person_key = t.person_key
WHERE a.person_key IS NOT NULL OR coalesce(t.is_mentor, false)
ORDER BY s.type_rank, s.code_prefix, s.code_number, t.org, t.fio, t.person_key;
