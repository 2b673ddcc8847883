-- isolation strict. pg_cron keeps its jobs in the database named by cron.database_name, wherever
-- the cron schema is. Jobs stay, inactive, so users can see and re-enable them in the clone.
-- pg_cron < 1.3 has no active column; there deleting the jobs is the only way to stop them. The
-- replica session role skips pg_cron's cache-invalidation trigger (phase 2's launcher reads the
-- table afresh).
SELECT 'pg_cron jobs deactivated in this database' WHERE pg_catalog.to_regclass('cron.job') IS NOT NULL;
\o /dev/null
SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_attribute
                          WHERE attrelid = pg_catalog.to_regclass('cron.job') AND attname = 'active' AND NOT attisdropped)
            THEN 'UPDATE cron.job SET active = false WHERE active'
            ELSE 'DELETE FROM cron.job' END
 WHERE pg_catalog.to_regclass('cron.job') IS NOT NULL \gexec
\o
