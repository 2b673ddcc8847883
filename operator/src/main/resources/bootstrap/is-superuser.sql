-- Whether the role the bootstrap connects as (spec.postgres.superuser) is a superuser in the copy.
SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user;
