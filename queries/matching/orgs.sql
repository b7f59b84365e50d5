-- Подбор наставников (п. 2.1 распоряжения): the organizations taking part — in the registry and
-- active — in the usual order (type, code prefix, code number, code).
-- Parameters: $all (VARCHAR[], empty = all).
SELECT s.code, s.name, s.type
FROM selected_orgs($all, NULL) s JOIN orgs o ON o.code = s.code
WHERE o.active
ORDER BY s.type_rank, s.code_prefix, s.code_number, s.code;
