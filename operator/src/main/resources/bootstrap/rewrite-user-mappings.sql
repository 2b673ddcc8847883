-- As rewrite-shared-catalogs.sql, for the options (passwords) of dropped user mappings:
-- pg_user_mapping is per database, so this runs in every database.
VACUUM FULL pg_catalog.pg_user_mapping;
SELECT 'pg_user_mapping rewritten without old row versions';
