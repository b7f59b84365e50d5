-- Лучшие практики наставничества (п. 2.2 распоряжения): the practices of the selected
-- organizations, of one topic or all, in a period or any time; the author as the teachers' tab
-- names her when the reference resolved, else as typed. Ordered by topic (enum order),
-- organization order, newest first, title.
-- Parameters: $orgs (VARCHAR[], empty = all), $type (or NULL), $topic (or NULL), $from, $to (dates or NULL).
SELECT p.title, coalesce(t.fio, p.author) AS author, s.code AS org, s.name AS org_name, s.type AS org_type,
  p.topic, p.link, p.practice_date::VARCHAR AS practice_date
FROM practices p
JOIN selected_orgs($orgs, $type) s ON s.code = p.org
LEFT JOIN teachers t ON t.org = p.author_org AND t.person_key = p.author_key
LEFT JOIN enum_order e ON e.kind = 'topic' AND e.value = p.topic
WHERE ($topic IS NULL OR p.topic = $topic)
  AND ($from IS NULL OR p.practice_date >= CAST($from AS DATE))
  AND ($to IS NULL OR p.practice_date <= CAST($to AS DATE))
ORDER BY e.rank NULLS LAST, s.type_rank, s.code_prefix, s.code_number, s.code,
  p.practice_date DESC NULLS LAST, p.title, p.row_no;
