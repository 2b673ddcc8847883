-- Settings in postgresql.auto.conf that name production with its credentials (a standby's
-- primary_conninfo, an archive's restore or archive command with a key). The -c options already
-- keep them from acting; this removes their text from the copy. ALTER SYSTEM rewrites the file
-- through a new one, so the old bytes are not left in place.
ALTER SYSTEM RESET primary_conninfo;
ALTER SYSTEM RESET restore_command;
ALTER SYSTEM RESET archive_command;
ALTER SYSTEM RESET archive_cleanup_command;
ALTER SYSTEM RESET recovery_end_command;
SELECT 'postgresql.auto.conf: primary_conninfo, restore_command, archive_command, archive_cleanup_command and recovery_end_command reset';
