-- Prepared (2PC) transactions belong to production's transaction coordinators and hold locks
-- until someone resolves them; nobody will in the clone. ROLLBACK PREPARED must run in the
-- transaction's own database, outside a transaction block, which \gexec does.
SELECT 'prepared transactions rolled back: ' || count(*) FROM pg_catalog.pg_prepared_xacts
 WHERE database = pg_catalog.current_database();
\o /dev/null
SELECT pg_catalog.format('ROLLBACK PREPARED %L', gid) FROM pg_catalog.pg_prepared_xacts
 WHERE database = pg_catalog.current_database() \gexec
\o
