-- ALTER ROLE and ALTER SUBSCRIPTION leave the old row versions, with production's password hashes
-- and conninfo, in the catalogs' files. VACUUM FULL writes each catalog anew with its live rows
-- only; the old file is emptied now and removed at the shutdown checkpoint. Both are shared
-- catalogs: once, from any database. (The WAL that carried the old rows is removed afterwards.)
VACUUM FULL pg_catalog.pg_authid;
VACUUM FULL pg_catalog.pg_subscription;
SELECT 'pg_authid and pg_subscription rewritten without old row versions';
