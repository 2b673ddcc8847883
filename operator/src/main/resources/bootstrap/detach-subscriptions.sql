-- A subscription copied from production would start an apply worker that consumes production's
-- slot on the publisher (advancing it past changes production never applied). Disabled, with
-- slot_name NONE, it can neither start nor, when dropped, drop the publisher's slot. Its
-- connection string (often with the publisher's password, readable by the clone's superuser) is
-- replaced by one that resolves nowhere; the password keyword keeps PostgreSQL 16+ satisfied
-- for subscriptions owned by non-superusers.
SELECT 'subscriptions disabled and detached: ' || count(*) FROM pg_catalog.pg_subscription s
 WHERE s.subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database());
\o /dev/null
SELECT pg_catalog.format('ALTER SUBSCRIPTION %I DISABLE', s.subname) FROM pg_catalog.pg_subscription s
 WHERE s.subenabled
   AND s.subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) \gexec
SELECT pg_catalog.format('ALTER SUBSCRIPTION %I SET (slot_name = NONE)', s.subname) FROM pg_catalog.pg_subscription s
 WHERE s.subslotname IS NOT NULL
   AND s.subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) \gexec
SELECT pg_catalog.format('ALTER SUBSCRIPTION %I CONNECTION %L', s.subname,
       'host=detached-by-pgclone.invalid password=none') FROM pg_catalog.pg_subscription s
 WHERE s.subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) \gexec
\o
