-- The databases to visit: every one that accepts connections (template0 does not, and holds no
-- subscriptions, prepared transactions, jobs or user mappings that could be reached).
SELECT datname FROM pg_catalog.pg_database WHERE datallowconn ORDER BY datname;
