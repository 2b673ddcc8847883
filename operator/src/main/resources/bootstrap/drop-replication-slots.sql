-- Slots pin WAL (and, for logical slots, catalog rows) forever in a clone nobody will ever
-- consume them from. Logical slots can be dropped from any database.
SELECT 'replication slots dropped: ' || count(*) FROM pg_catalog.pg_replication_slots;
\o /dev/null
SELECT pg_catalog.format('SELECT pg_catalog.pg_drop_replication_slot(%L)', slot_name)
  FROM pg_catalog.pg_replication_slots \gexec
\o
