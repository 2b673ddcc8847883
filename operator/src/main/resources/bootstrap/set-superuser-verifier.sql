-- The superuser gets the operator's SCRAM verifier while no TCP listener exists, so neither
-- production's password nor the clone's published one opens the clone before the operator has
-- prepared it. The verifier comes from psql's environment (never argv) and becomes a psql
-- variable, which :'v' quotes as a literal; VERBOSITY terse keeps the statement out of errors.
-- PostgreSQL keeps a well-formed verifier as it is: the SELECT proves it did (prints t).
-- Variables: su (the superuser); environment: PGCLONE_SUPERUSER_VERIFIER.
\set VERBOSITY terse
\set v `printenv PGCLONE_SUPERUSER_VERIFIER`
ALTER ROLE :"su" WITH LOGIN PASSWORD :'v' VALID UNTIL 'infinity';
SELECT rolpassword = :'v' FROM pg_catalog.pg_authid WHERE rolname = :'su';
\unset v
