-- Production's password hashes would let production's passwords (known to its applications and
-- people) open the clone. Every other login role gets a password nobody knows: a 256-bit key the
-- script reads from /dev/urandom, which only ever exists in its shell and psql's environment,
-- hashed with each role's oid. Roles that cannot log in lose any stored password. The operator
-- then sets known passwords for the roles a clone asks for (spec.credentials.roles).
-- Variables: su (the superuser, left alone); environment: PGCLONE_SCRUB_KEY.
\set VERBOSITY terse
\set key `printenv PGCLONE_SCRUB_KEY`
SELECT 'login roles given an unknown password: ' || count(*) FROM pg_catalog.pg_authid
 WHERE rolcanlogin AND rolname <> :'su';
\o /dev/null
SELECT pg_catalog.format('ALTER ROLE %I WITH PASSWORD %L', rolname,
       pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(:'key' || oid::text, 'UTF8')), 'hex'))
  FROM pg_catalog.pg_authid WHERE rolcanlogin AND rolname <> :'su' \gexec
SELECT pg_catalog.format('ALTER ROLE %I WITH PASSWORD NULL', rolname)
  FROM pg_catalog.pg_authid WHERE NOT rolcanlogin AND rolpassword IS NOT NULL AND rolname <> :'su' \gexec
\o
\unset key
