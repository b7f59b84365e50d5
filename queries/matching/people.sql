-- Подбор наставников (п. 2.1 распоряжения): the teachers of the active organizations employed
-- on $on who can be a mentee (young, not matched) or a candidate (not young, not matched, load
-- under $limit; load = macro mentor_load). Directions come as bit masks: bit i = the topic of
-- rank i + 1 in enum_order, which is TOPICS[i] (server/db/schema.ts writes them in that order).
-- The ranking is in TypeScript (server/matching/).
-- Parameters: $on (date), $all (VARCHAR[], empty = all), $limit (integer).
WITH org_sel AS (
  SELECT s.code
  FROM selected_orgs($all, NULL) s JOIN orgs o ON o.code = s.code
  WHERE o.active
),
emp AS (
  SELECT t.org, t.person_key, t.fio, t.position, t.subject, coalesce(t.young, false) AS young,
    coalesce(t.mentor_trained, false) AS mentor_trained
  FROM teachers t JOIN org_sel s ON s.code = t.org
  WHERE employed_on(t.hired, t.dismissed, CAST($on AS DATE))
),
matched AS (
  SELECT DISTINCT mentee_org AS org, mentee_key AS person_key
  FROM pairs WHERE end_fact IS NULL OR end_fact >= CAST($on AS DATE)
),
topic_bit AS (
  SELECT value AS topic, (1 << (rank - 1))::INTEGER AS bit FROM enum_order WHERE kind = 'topic'
),
mentor_topics AS (
  SELECT x.org, x.person_key, bit_or(b.bit)::INTEGER AS mask
  FROM (SELECT mentor_org AS org, mentor_key AS person_key, unnest(topics) AS topic
        FROM pairs WHERE start_date <= CAST($on AS DATE)) x
  JOIN topic_bit b ON b.topic = x.topic
  GROUP BY ALL
),
past_topics AS (
  SELECT x.org, x.person_key, bit_or(b.bit)::INTEGER AS mask
  FROM (SELECT mentee_org AS org, mentee_key AS person_key, unnest(topics) AS topic
        FROM pairs WHERE end_fact < CAST($on AS DATE)) x
  JOIN topic_bit b ON b.topic = x.topic
  GROUP BY ALL
),
mentoring_course AS (
  SELECT DISTINCT person_org AS org, person_key
  FROM courses WHERE mentoring_topic AND end_date <= CAST($on AS DATE)
),
wanted AS (
  SELECT e.*, coalesce(l.n, 0) AS load_now
  FROM emp e
  LEFT JOIN mentor_load(CAST($on AS DATE)) l ON l.org = e.org AND l.person_key = e.person_key
  LEFT JOIN matched m ON m.org = e.org AND m.person_key = e.person_key
  WHERE m.person_key IS NULL
    AND (e.young OR coalesce(l.n, 0) < $limit)
)
SELECT w.org, w.person_key, w.fio, w.position, w.subject, w.young,
  coalesce(c.category, 'Без категории') AS category, coalesce(k.rank, 0) AS category_rank,
  (w.mentor_trained OR mc.person_key IS NOT NULL) AS trained,
  w.load_now,
  coalesce(mt.mask, 0) AS mentor_mask,
  coalesce(pt.mask, 0) AS past_mask
FROM wanted w
LEFT JOIN category_on(CAST($on AS DATE), NULL) c ON c.org = w.org AND c.person_key = w.person_key
LEFT JOIN categories k ON k.name = c.category
LEFT JOIN mentoring_course mc ON mc.org = w.org AND mc.person_key = w.person_key
LEFT JOIN mentor_topics mt ON mt.org = w.org AND mt.person_key = w.person_key
LEFT JOIN past_topics pt ON pt.org = w.org AND pt.person_key = w.person_key;
