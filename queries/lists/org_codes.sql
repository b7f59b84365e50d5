-- The code of every organization the data knows: in the registry now, or loaded before and
-- no longer listed (an `org` filter of a metric, an export or a report must name one of them).
SELECT code FROM orgs;
