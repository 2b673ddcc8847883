-- isolation strict. User mappings hold the credentials foreign servers (postgres_fdw, dblink_fdw,
-- and any other wrapper: each reaches an outside system, typically production's neighbours) log
-- in with. All of them go; the servers stay, so a user can map them to a staging target.
SELECT 'user mappings dropped: ' || count(*) FROM pg_catalog.pg_user_mapping;
\o /dev/null
SELECT pg_catalog.format('DROP USER MAPPING FOR %s SERVER %I',
       CASE WHEN um.umuser = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(r.rolname) END, s.srvname)
  FROM pg_catalog.pg_user_mapping um
  JOIN pg_catalog.pg_foreign_server s ON s.oid = um.umserver
  LEFT JOIN pg_catalog.pg_authid r ON r.oid = um.umuser \gexec
\o
