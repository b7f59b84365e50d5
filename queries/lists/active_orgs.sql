-- The organizations taking part: in the registry and active (overview counts them and the fresh ones).
SELECT code FROM orgs WHERE active AND in_registry;
