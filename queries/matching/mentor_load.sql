-- Нагрузка наставников (п. 2.1 распоряжения): the mentors of the requested active organizations,
-- employed on $on, whose load (macro mentor_load: distinct mentees of the pairs active on $on, any
-- organization's sheet) is at least $limit; most loaded first, then organization order. The
-- final order by name (ё/е, case) is in TypeScript (server/matching/).
-- Parameters: $on (date), $orgs (VARCHAR[], empty = all), $limit (integer).
SELECT t.org, s.name AS org_name, s.type_rank, s.code_prefix, s.code_number, t.fio, t.position, t.subject,
  coalesce(c.category, 'Без категории') AS category, l.n AS load_now
FROM mentor_load(CAST($on AS DATE)) l
JOIN teachers t ON t.org = l.org AND t.person_key = l.person_key
JOIN selected_orgs($orgs, NULL) s ON s.code = t.org
JOIN orgs o ON o.code = t.org
LEFT JOIN category_on(CAST($on AS DATE), NULL) c ON c.org = t.org AND c.person_key = t.person_key
WHERE o.active AND employed_on(t.hired, t.dismissed, CAST($on AS DATE)) AND l.n >= $limit
ORDER BY l.n DESC, s.type_rank, s.code_prefix, s.code_number, t.org, t.person_key;
