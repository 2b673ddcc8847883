#!/bin/sh
# pgclone clone bootstrap: start PostgreSQL on a crash-consistent copy of another, running
# instance's data directory so that the copy can never reach, replicate to, archive into or
# authenticate like that instance (docs/security.md, "How a copied data directory is made safe").
#
# Phase 1: postgres on a private unix socket under the work dir only (no TCP listener, trust,
#          nothing logged that could hold a secret). Crash recovery happens here; then the
#          isolation SQL runs as the superuser through psql; the catalogs that held production's
#          credentials are rewritten; then a fast shutdown, whose checkpoint lets phase 2 start
#          without recovery, and the WAL copied from the source is removed.
# Phase 2: exec postgres with TCP and scram. The pod's readiness probe is
#          pg_isready -q -h "$PGCLONE_SOCKET_DIR" -p "$PGCLONE_PORT", and phase 1 never opens a
#          socket there, so the pod only becomes ready once the copy is isolated.
#
# On any failure: ONE line saying what is wrong and what to change goes to
# $PGCLONE_TERMINATION_LOG (the operator copies it into the PostgresStarted condition), then exit 1.
#
# Environment (defaults in brackets):
#   PGDATA                      the copied data directory (required)
#   PGCLONE_VOLUME              mount root of the clone's volume; PGDATA is it or below it (required)
#   PGCLONE_SUPERUSER_VERIFIER  SCRAM-SHA-256 verifier of the password only the operator knows
#                               (required); the superuser gets it, so that nobody else can log in
#                               before the operator has run the masking and published passwords
#   PGCLONE_SUPERUSER           [postgres]
#   PGCLONE_WORK_DIR            writable scratch: own hba/ident, phase-1 socket and log [/tmp/pgclone]
#   PGCLONE_SOCKET_DIR          phase-2 unix socket dir, the probe's [/var/run/postgresql]
#   PGCLONE_PORT [5432]   PGCLONE_LISTEN_ADDRESSES [*]
#   PGCLONE_PARAMETERS_FILE     name=value lines appended as -c after the script's own settings
#   PGCLONE_TERMINATION_LOG     [/dev/termination-log]
#   PGCLONE_BIN_DIR             postgres binaries [found on the PATH]
#   PGCLONE_ISOLATION           strict | none (keeps pg_cron jobs and user mappings) [strict]
#   PGCLONE_RECOVERY_TIMEOUT    seconds phase 1 may spend in crash recovery [3600]
#   PGCLONE_CLONE_ID            optional, unique per clone: a restarted container does not isolate
#                               the volume again (see already_isolated)
#
# POSIX sh (dash, busybox ash). Needs only the server image's postgres, pg_ctl, psql and pg_resetwal plus
# coreutils (id, stat, od, tr, readlink, printenv), sed and grep. The superuser's verifier never
# appears in argv, in the environment of postgres, or in any log.

set -u
umask 077

log() { printf 'pgclone-bootstrap: %s\n' "$*" >&2; }

PHASE1_RUNNING=0

# fail MESSAGE: write the one-line reason for the operator, stop a phase-1 server, exit 1.
fail() {
    msg=$(printf '%s' "$*" | tr '\n\r\t' '   ' | cut -c1-1000)
    log "FAILED: $msg"
    if ! printf '%s\n' "$msg" 2>/dev/null >"$TERMINATION_LOG"; then
        log "(could not write the termination log $TERMINATION_LOG)"
    fi
    stop_phase1_immediately
    exit 1
}

stop_phase1_immediately() {
    if [ "$PHASE1_RUNNING" = 1 ]; then
        PHASE1_RUNNING=0
        show_phase1_log
        "$PG_CTL" stop -D "$PGDATA" -m immediate -w -t 60 >/dev/null 2>&1 || true
    fi
}

# A pod deletion during phase 1 must not leave a half-started server behind: sh defers traps
# while a foreground command runs, so long commands run in the background followed by `wait`,
# which a trapped signal interrupts.
on_signal() {
    log "received SIG$1 during the bootstrap; stopping"
    stop_phase1_immediately
    exit "$2"
}
trap 'on_signal TERM 143' TERM
trap 'on_signal INT 130' INT

# ------------------------------------------------------------------------------------ environment

TERMINATION_LOG=${PGCLONE_TERMINATION_LOG:-/dev/termination-log}
WORK_DIR=${PGCLONE_WORK_DIR:-/tmp/pgclone}
SOCKET_DIR=${PGCLONE_SOCKET_DIR:-/var/run/postgresql}
PORT=${PGCLONE_PORT:-5432}
LISTEN_ADDRESSES=${PGCLONE_LISTEN_ADDRESSES:-*}
SUPERUSER=${PGCLONE_SUPERUSER:-postgres}
ISOLATION=${PGCLONE_ISOLATION:-strict}
RECOVERY_TIMEOUT=${PGCLONE_RECOVERY_TIMEOUT:-3600}
PARAMETERS_FILE=${PGCLONE_PARAMETERS_FILE:-}

# The verifier lives in a shell variable from here on: postgres (both phases) must not inherit it,
# or any role able to read /proc/self/environ or run COPY ... FROM PROGRAM would learn it.
SUPERUSER_VERIFIER=${PGCLONE_SUPERUSER_VERIFIER:-}
unset PGCLONE_SUPERUSER_VERIFIER
# libpq settings from the pod's environment must not redirect the bootstrap's psql sessions.
unset PGHOSTADDR PGSERVICE PGSERVICEFILE PGPASSWORD PGPASSFILE PGSSLMODE PGREQUIRESSL PGOPTIONS PGDATABASE

PHASE1_SOCKET_DIR=$WORK_DIR/phase1-socket
PHASE1_LOG=$WORK_DIR/phase1.log
PHASE1_HBA=$WORK_DIR/pg_hba_phase1.conf
PHASE2_HBA=$WORK_DIR/pg_hba.conf
IDENT_FILE=$WORK_DIR/pg_ident.conf
PSQL_ERR=$WORK_DIR/psql.err
# where pg_cron's launcher is sent in phase 1 (add_phase1_options)
CRON_DECOY_DATABASE=pgclone_phase1_has_no_such_database
CONFIG_FILE=
CR=$(printf '\r')

check_environment() {
    [ -n "${PGDATA:-}" ] || fail "PGDATA is not set: the operator must pass the data directory path"
    [ -n "${PGCLONE_VOLUME:-}" ] || fail "PGCLONE_VOLUME is not set: the operator must pass the volume mount path"
    [ -n "$SUPERUSER_VERIFIER" ] || fail "PGCLONE_SUPERUSER_VERIFIER is not set or empty: the operator must pass the verifier of its superuser password"
    # PostgreSQL stores anything that is not a well-formed verifier as a password and hashes it:
    # the text of the Pod spec would then open the clone.
    case $SUPERUSER_VERIFIER in
        *[!A-Za-z0-9+/=:\$-]*) fail "PGCLONE_SUPERUSER_VERIFIER is not a SCRAM-SHA-256 verifier" ;;
        'SCRAM-SHA-256$'[0-9]*:?*'$'?*:?*) ;;
        *) fail "PGCLONE_SUPERUSER_VERIFIER is not a SCRAM-SHA-256 verifier" ;;
    esac
    case $PORT in ''|*[!0-9]*) fail "PGCLONE_PORT=$PORT is not a port number" ;; esac
    case $RECOVERY_TIMEOUT in ''|*[!0-9]*|0) fail "PGCLONE_RECOVERY_TIMEOUT=$RECOVERY_TIMEOUT is not a positive number of seconds" ;; esac
    case $ISOLATION in strict|none) ;; *) fail "PGCLONE_ISOLATION=$ISOLATION: expected strict or none (spec isolation)" ;; esac
    PGDATA=${PGDATA%/}
}

# binary NAME: the server image's binary, from PGCLONE_BIN_DIR or else the PATH.
binary() {
    if [ -n "${PGCLONE_BIN_DIR:-}" ] && [ -x "$PGCLONE_BIN_DIR/$1" ]; then
        printf '%s\n' "$PGCLONE_BIN_DIR/$1"
    elif [ -z "${PGCLONE_BIN_DIR:-}" ] && command -v "$1" >/dev/null 2>&1; then
        command -v "$1"
    else
        fail "no $1 binary in ${PGCLONE_BIN_DIR:-the PATH}: spec.postgres.image must be a PostgreSQL server image (postgres, pg_ctl, psql, pg_resetwal)"
    fi
}

find_binaries() {
    POSTGRES=$(binary postgres) || exit 1
    PG_CTL=$(binary pg_ctl) || exit 1
    PSQL=$(binary psql) || exit 1
    PG_RESETWAL=$(binary pg_resetwal) || exit 1
}

# ------------------------------------------------------------------------------ checks (no server)

# Where to look for PG_VERSION when PGDATA is wrong, so the message can name the right setting.
suggest_data_directory() {
    for candidate in "$PGCLONE_VOLUME" "$PGCLONE_VOLUME"/*; do
        if [ -f "$candidate/PG_VERSION" ]; then
            rel=${candidate#"$PGCLONE_VOLUME"}
            rel=${rel#/}
            printf ': the volume has a data directory at %s, so set spec.source.dataDirectory to "%s"' "$candidate" "$rel"
            return
        fi
    done
    printf ': check spec.source.dataDirectory'
}

check_data_directory_exists() {
    [ -d "$PGDATA" ] || fail "no data directory at $PGDATA in the cloned volume$(suggest_data_directory)"
}

# PostgreSQL refuses a data directory it does not own and refuses to run as root; chown -R would
# rewrite every inode of a possibly huge volume, so the uid has to come from the pod spec.
check_ownership() {
    run_uid=$(id -u)
    data_uid=$(stat -c %u "$PGDATA") || fail "cannot stat the data directory $PGDATA"
    if [ "$data_uid" = 0 ]; then
        fail "data directory $PGDATA is owned by root (uid 0), and PostgreSQL cannot run as root: the source volume must hold a data directory owned by its server's uid"
    fi
    if [ "$run_uid" = 0 ]; then
        fail "the clone runs as root (uid 0), which PostgreSQL refuses: set spec.postgres.runAsUser to $data_uid, the owner of the data directory"
    fi
    if [ "$data_uid" != "$run_uid" ]; then
        fail "data directory $PGDATA is owned by uid $data_uid, the clone runs as uid $run_uid: set spec.postgres.runAsUser to $data_uid"
    fi
    if [ -e "$PGDATA/global/pg_control" ]; then
        control_uid=$(stat -c %u "$PGDATA/global/pg_control")
        [ "$control_uid" = "$run_uid" ] || fail "$PGDATA/global/pg_control is owned by uid $control_uid while the data directory is owned by uid $run_uid: the source volume has mixed ownership and cannot be cloned without chown"
    fi
}

# PostgreSQL also refuses a data directory that others may enter or its group may write. When the
# mode is all that is wrong (a restore or an fsGroup widened it), the clone narrows the mode of
# that one directory, which it owns: O(1), and only the clone's volume is touched.
check_mode() {
    mode=$(stat -c %a "$PGDATA")
    [ $((0$mode & 027)) -eq 0 ] && return 0
    chmod g-w,o-rwx "$PGDATA" 2>/dev/null \
        || fail "data directory $PGDATA has mode $mode, PostgreSQL needs 0700 or 0750, and uid $(id -u) cannot change it: the cloned volume must be writable by spec.postgres.runAsUser"
    log "data directory had mode $mode, which PostgreSQL refuses; changed it to $(stat -c %a "$PGDATA") (that directory only)"
}

# inside PATH DIR: PATH (resolved) is DIR or below it.
inside() {
    case $1/ in "$2"/*) return 0 ;; *) return 1 ;; esac
}

# One snapshot captures one volume. WAL or tablespaces on other volumes would come from another
# moment (or not at all), which is not a consistent copy; and their paths do not exist in the pod.
check_volume_layout() {
    volume=$(readlink -f "$PGCLONE_VOLUME") || fail "the volume path $PGCLONE_VOLUME does not exist (PGCLONE_VOLUME)"
    data=$(readlink -f "$PGDATA")
    inside "$data" "$volume" || fail "data directory $PGDATA is not inside the cloned volume $PGCLONE_VOLUME: spec.source.dataDirectory must be a path inside the volume"
    if [ -L "$PGDATA/pg_wal" ]; then
        target=$(readlink "$PGDATA/pg_wal")
        resolved=$(readlink -f "$PGDATA/pg_wal" 2>/dev/null) || resolved=
        if [ -z "$resolved" ] || [ ! -d "$resolved" ] || ! inside "$resolved" "$volume"; then
            fail "pg_wal in the data directory is a symlink to $target, outside the cloned volume $PGCLONE_VOLUME: the source keeps its WAL on a separate volume, which one snapshot cannot capture; only single-volume sources can be cloned (e.g. CloudNativePG without walStorage)"
        fi
    fi
    for link in "$PGDATA"/pg_tblspc/*; do
        [ -L "$link" ] || continue
        target=$(readlink "$link")
        resolved=$(readlink -f "$link" 2>/dev/null) || resolved=
        if [ -z "$resolved" ] || [ ! -d "$resolved" ] || ! inside "$resolved" "$volume"; then
            fail "tablespace ${link##*/} is at $target, outside the cloned volume $PGCLONE_VOLUME: the source keeps a tablespace on a separate volume, which one snapshot cannot capture; only single-volume sources can be cloned"
        fi
    done
}

check_version() {
    [ -f "$PGDATA/PG_VERSION" ] || fail "$PGDATA has no PG_VERSION, so it is not a PostgreSQL data directory$(suggest_data_directory)"
    DATA_MAJOR=$(tr -d ' \r\n' <"$PGDATA/PG_VERSION")
    image_version=$("$POSTGRES" --version 2>/dev/null) || fail "$POSTGRES --version failed: spec.postgres.image must be a working PostgreSQL server image"
    IMAGE_MAJOR=$(printf '%s\n' "$image_version" | sed -n 's/^[^0-9]*\([0-9][0-9]*\).*/\1/p')
    if [ "$DATA_MAJOR" != "$IMAGE_MAJOR" ]; then
        fail "data is PostgreSQL $DATA_MAJOR, image runs $IMAGE_MAJOR: set spec.postgres.image to a postgres $DATA_MAJOR image"
    fi
    case $DATA_MAJOR in ''|*[!0-9]*) fail "data is PostgreSQL $DATA_MAJOR: only PostgreSQL 12 and newer can be cloned" ;; esac
    [ "$DATA_MAJOR" -ge 12 ] || fail "data is PostgreSQL $DATA_MAJOR: only PostgreSQL 12 and newer can be cloned"
    log "data directory $PGDATA is PostgreSQL $DATA_MAJOR; image: $image_version"
}

# ------------------------------------------------------------------------------- preparing files

prepare_work_dir() {
    mkdir -p "$WORK_DIR" "$PHASE1_SOCKET_DIR" 2>/dev/null \
        || fail "cannot create the work directory $WORK_DIR: it must be a writable emptyDir (PGCLONE_WORK_DIR)"
    [ -w "$WORK_DIR" ] || fail "the work directory $WORK_DIR is not writable by uid $(id -u) (PGCLONE_WORK_DIR)"
    chmod 0700 "$PHASE1_SOCKET_DIR" 2>/dev/null || true
    mkdir -p "$SOCKET_DIR" 2>/dev/null
    if [ ! -d "$SOCKET_DIR" ] || [ ! -w "$SOCKET_DIR" ]; then
        fail "the socket directory $SOCKET_DIR is not writable by uid $(id -u) (PGCLONE_SOCKET_DIR)"
    fi

    # The clone's own authentication: production's pg_hba.conf may trust networks that exist in
    # the pod's network too, or reject everything the operator needs.
    printf '%s\n' '# pgclone phase 1: private unix socket only; no TCP listener exists in this phase' \
        'local all all trust' >"$PHASE1_HBA"
    printf '%s\n' '# pgclone: trust only on the unix socket inside the pod; every TCP client needs scram' \
        'local all all trust' \
        'host all all 0.0.0.0/0 scram-sha-256' \
        'host all all ::/0 scram-sha-256' >"$PHASE2_HBA"
    : >"$IDENT_FILE"

    # Debian-style sources keep postgresql.conf outside the data directory (/etc/postgresql/...),
    # which the volume does not contain.
    if [ ! -f "$PGDATA/postgresql.conf" ]; then
        CONFIG_FILE=$WORK_DIR/postgresql.conf
        : >"$CONFIG_FILE"
        log "no postgresql.conf in the data directory; using an empty one"
    fi
}

# The copy carries the running source's state: its lock file, and when the source was a standby
# (or being restored) the signal files that would make the clone a standby of production.
clear_source_state() {
    for f in postmaster.pid standby.signal recovery.signal; do
        if [ -e "$PGDATA/$f" ]; then
            rm -f "$PGDATA/$f" || fail "cannot remove $PGDATA/$f: the cloned volume must be writable"
            log "removed $f copied from the source"
        fi
    done
}

# ------------------------------------------------------------------------------ server options

OPTS=
# add NAME VALUE: append -c 'NAME=VALUE', quoted for sh, to OPTS. pg_ctl -o runs the options
# through /bin/sh and phase 2 uses eval, so values with spaces and quotes survive intact.
add() {
    case $2 in
        *\'*) OPTS="$OPTS -c '$1=$(printf '%s' "$2" | sed "s/'/'\\\\''/g")'" ;;
        *) OPTS="$OPTS -c '$1=$2'" ;;
    esac
}

# spec.postgres.parameters plus the operator's computed settings (shared_buffers), one
# name=value per line; the value is everything after the first '=', verbatim.
add_user_parameters() {
    [ -n "$PARAMETERS_FILE" ] || return 0
    [ -r "$PARAMETERS_FILE" ] || fail "parameters file $PARAMETERS_FILE is not readable (PGCLONE_PARAMETERS_FILE)"
    n=0
    while IFS= read -r line || [ -n "$line" ]; do
        n=$((n + 1))
        line=${line%"$CR"}
        trimmed=${line#"${line%%[![:space:]]*}"}
        case $trimmed in ''|'#'*) continue ;; esac
        case $trimmed in
            *=*) ;;
            *) fail "line $n of the parameters file has no '=': each spec.postgres.parameters entry must be name=value" ;;
        esac
        name=${trimmed%%=*}
        name=${name%"${name##*[![:space:]]}"}
        case $name in
            ''|[!A-Za-z_]*|*[!A-Za-z0-9_.]*) fail "spec.postgres.parameters has an invalid parameter name '$name' (line $n of the parameters file)" ;;
        esac
        add "$name" "${trimmed#*=}"
    done <"$PARAMETERS_FILE"
}

# Settings that keep the copy from acting as production, in both phases.
add_safety_options() {
    add data_directory "$PGDATA"
    [ -z "$CONFIG_FILE" ] || add config_file "$CONFIG_FILE"
    add ident_file "$IDENT_FILE"
    add port "$PORT"
    # A clone archiving into production's WAL archive would overwrite or interleave segments of
    # the same timeline and corrupt production's backups.
    add archive_mode off
    add archive_command ''
    [ "$IMAGE_MAJOR" -lt 15 ] || add archive_library ''
    # postgresql.auto.conf of a standby (or a restored backup) names production as its upstream.
    add restore_command ''
    add primary_conninfo ''
    add primary_slot_name ''
    add recovery_target ''
    add recovery_target_lsn ''
    add recovery_target_name ''
    add recovery_target_time ''
    add recovery_target_xid ''
    # With production's synchronous standbys named, every commit in the clone would wait forever.
    add synchronous_standby_names ''
    # Production's certificate paths do not exist in the pod; a user may turn ssl back on with
    # their own certificates through spec.postgres.parameters.
    add ssl off
    # Sources such as CloudNativePG log through the collector into paths absent in the pod;
    # stderr is the container log.
    add logging_collector off
    add log_destination stderr
    # The source may write its pid to a path outside the volume; '' would make postgres try to
    # write a file named "" (the setting cannot be reset to unset from the command line).
    add external_pid_file "$WORK_DIR/postmaster.pid"
    # Production's huge page reservation does not exist on this node.
    add huge_pages try
    # The copy's WAL was removed after isolation (no production secret may stay in it), so every
    # segment from here on is new; zero-filling each would give every clone 16 MB of blocks of its
    # own per segment on copy-on-write storage, where a sized but unwritten file costs nothing.
    [ "$IMAGE_MAJOR" -lt 12 ] || add wal_init_zero off
    # The socket group of the source may not exist here; trust on the socket is for this uid only.
    add unix_socket_group ''
    add unix_socket_permissions 0700
    add password_encryption scram-sha-256
    # PostgreSQL <= 14 keeps statistics files in stats_temp_directory, which Debian-style sources
    # point at /var/run/postgresql/...; the data directory always has pg_stat_tmp.
    [ "$IMAGE_MAJOR" -gt 14 ] || add stats_temp_directory pg_stat_tmp
}

# Phase 1 only, after the user's parameters so that nothing can open TCP or log secrets here.
add_phase1_options() {
    add listen_addresses ''
    add unix_socket_directories "$PHASE1_SOCKET_DIR"
    add hba_file "$PHASE1_HBA"
    # No apply worker may start before the subscriptions are disabled and detached: it would
    # connect to the publisher and consume production's slot.
    add max_logical_replication_workers 0
    add max_sync_workers_per_subscription 0
    # pg_cron's launcher starts as soon as recovery ends and at once runs @reboot jobs (and, in
    # the next minute, any due job), possibly against production hosts (cron.job.nodename), before
    # the jobs are deactivated. pg_cron 1.4 has no switch for that (cron.max_running_jobs=0 is
    # raised to 1), so its launcher is pointed at a database that does not exist: it exits at
    # connect (FATAL, retried every second) without reading cron.job. cron.launch_active_jobs
    # (pg_cron >= 1.6) says the same where it exists; elsewhere both are inert placeholders.
    add cron.database_name "$CRON_DECOY_DATABASE"
    add cron.launch_active_jobs off
    # The superuser password is sent in an ALTER ROLE statement in this phase: keep statement
    # text out of the log (also on error), out of debug output and out of statement statistics.
    add log_statement none
    add log_min_duration_statement -1
    [ "$IMAGE_MAJOR" -lt 13 ] || add log_min_duration_sample -1
    add log_duration off
    add log_min_error_statement panic
    add debug_print_parse off
    add debug_print_rewritten off
    add debug_print_plan off
    # Extension settings become inert placeholders where the extension is not loaded.
    add pg_stat_statements.track none
    add pg_stat_statements.track_utility off
    add pgaudit.log none
    # English server messages, so failures can be recognised in the phase-1 log.
    add lc_messages C
}

add_phase2_options() {
    add listen_addresses "$LISTEN_ADDRESSES"
    add unix_socket_directories "$SOCKET_DIR"
    add hba_file "$PHASE2_HBA"
}

build_options() {
    OPTS=
    if [ "$1" = 1 ]; then
        # The user's settings first (shared_buffers sized for this pod applies to recovery too),
        # then everything phase 1 depends on for its privacy.
        add_user_parameters
        add_safety_options
        add_phase1_options
    else
        # The user's settings last, so spec.postgres.parameters win (e.g. ssl with own certs).
        add_safety_options
        add_phase2_options
        add_user_parameters
    fi
}

# ------------------------------------------------------------------------------------ phase 1

show_phase1_log() {
    if [ -s "$PHASE1_LOG" ]; then
        log "---- phase-1 server log ----"
        cat "$PHASE1_LOG" >&2
        log "---- end of phase-1 server log ----"
        if grep -q "$CRON_DECOY_DATABASE" "$PHASE1_LOG"; then
            log "(expected: pg_cron's launcher was pointed at the missing database $CRON_DECOY_DATABASE so that no job ran before the isolation)"
        fi
    fi
}

# The first FATAL/PANIC of the phase-1 log, as the operator's one-line reason.
phase1_start_failure() {
    reason=$(grep -E '(FATAL|PANIC): ' "$PHASE1_LOG" 2>/dev/null | grep -v "$CRON_DECOY_DATABASE" | head -n 1 \
        | sed -E 's/^.*(FATAL|PANIC): *//')
    case $reason in
        *'could not access file "'*)
            library=$(printf '%s' "$reason" | sed 's/^could not access file "\([^"]*\)".*/\1/')
            fail "postgres could not load library $library (shared_preload_libraries of the source): use a spec.postgres.image that has it, or set shared_preload_libraries in spec.postgres.parameters" ;;
        '')
            fail "postgres did not start for crash recovery (phase 1) and logged no reason: see the container log" ;;
        *)
            fail "postgres did not start for crash recovery (phase 1): $reason" ;;
    esac
}

phase1_start() {
    build_options 1
    : >"$PHASE1_LOG"
    log "phase 1: starting postgres on the private socket $PHASE1_SOCKET_DIR only (no TCP) for crash recovery and isolation; recovery may take up to $RECOVERY_TIMEOUT s"
    PHASE1_RUNNING=1
    "$PG_CTL" start -D "$PGDATA" -w -t "$RECOVERY_TIMEOUT" -l "$PHASE1_LOG" -o "$OPTS" >"$WORK_DIR/pg_ctl.out" 2>&1 </dev/null &
    wait $!
    rc=$?
    [ "$rc" = 0 ] && return 0
    if "$PG_CTL" status -D "$PGDATA" >/dev/null 2>&1; then
        fail "crash recovery did not finish within $RECOVERY_TIMEOUT s: enable spec.source.checkpoint so that the snapshot needs little recovery, or raise the recovery timeout"
    fi
    PHASE1_RUNNING=0
    show_phase1_log
    phase1_start_failure
}

phase1_stop() {
    "$PG_CTL" stop -D "$PGDATA" -m fast -w -t 600 >"$WORK_DIR/pg_ctl.out" 2>&1 </dev/null &
    wait $!
    rc=$?
    [ "$rc" = 0 ] || fail "the phase-1 server did not shut down cleanly: $(tr '\n' ' ' <"$WORK_DIR/pg_ctl.out")"
    PHASE1_RUNNING=0
    show_phase1_log
}

# Session settings for the bootstrap's own SQL: production defaults such as read-only
# transactions or short timeouts must not break it, and user triggers, event triggers and
# search_path tricks must not run code in the superuser's session (replica role skips ordinary
# and event triggers; pg_catalog first defeats shadowing functions).
# Statement logging is pinned here too, not only on the postmaster: production's ALTER ROLE or
# ALTER DATABASE ... SET log_statement='all' (or pgaudit.log) overrides the command line at
# session start, and would write the verifier into the log. A client's own settings win over
# both.
session_options() {
    o='-c session_replication_role=replica -c default_transaction_read_only=off'
    o="$o -c statement_timeout=0 -c lock_timeout=60s -c idle_in_transaction_session_timeout=0"
    o="$o -c search_path=pg_catalog -c password_encryption=scram-sha-256"
    [ "$IMAGE_MAJOR" -lt 17 ] || o="$o -c transaction_timeout=0"
    o="$o -c log_statement=none -c log_min_duration_statement=-1 -c log_min_error_statement=panic -c log_duration=off"
    [ "$IMAGE_MAJOR" -lt 13 ] || o="$o -c log_min_duration_sample=-1"
    o="$o -c debug_print_parse=off -c debug_print_rewritten=off -c debug_print_plan=off"
    o="$o -c pgaudit.log=none -c pg_stat_statements.track=none -c pg_stat_statements.track_utility=off"
    printf '%s' "$o"
}

# sql DATABASE: run the SQL on stdin as the superuser through the phase-1 socket. psql reads the
# database name from PGDATABASE, which (unlike -d) never interprets '=' as a connection string.
sql() {
    PGDATABASE=$1 PGOPTIONS=$(session_options) PGAPPNAME=pgclone-bootstrap PGCONNECT_TIMEOUT=30 \
        "$PSQL" -X -q -A -t -v ON_ERROR_STOP=1 -v "su=$SUPERUSER" \
        -h "$PHASE1_SOCKET_DIR" -p "$PORT" -U "$SUPERUSER" 2>"$PSQL_ERR"
}

# The first error psql reported, without its "psql:<stdin>:N:" prefix.
psql_error() {
    grep -E '(ERROR|FATAL|PANIC|error):' "$PSQL_ERR" 2>/dev/null | head -n 1 | sed 's/^psql:[^ ]*:[0-9]*: //' | tr -d '\n'
}

# Finds a database to connect to for cluster-wide statements and checks that the superuser is one.
connect_as_superuser() {
    for db in postgres template1; do
        if is_super=$(printf '%s\n' 'SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user;' | sql "$db"); then
            MAINTENANCE_DB=$db
            [ "$is_super" = t ] || fail "role $SUPERUSER is not a superuser in the cloned data: set spec.postgres.superuser to a superuser role of the source"
            return 0
        fi
        err=$(psql_error)
        case $err in
            *'database "'*'" does not exist'*) continue ;;
            *'role "'*'" does not exist'*) fail "the cloned data has no role $SUPERUSER: set spec.postgres.superuser to a superuser role of the source" ;;
            *'not permitted to log in'*) fail "role $SUPERUSER cannot log in (NOLOGIN) in the cloned data: set spec.postgres.superuser to a superuser role that can log in" ;;
            *) fail "cannot connect to the phase-1 server as $SUPERUSER: $err" ;;
        esac
    done
    fail "the cloned data has neither a postgres nor a template1 database to connect to"
}

# The superuser gets the operator's verifier while no TCP listener exists, so neither
# production's password nor the clone's published one opens the clone before the operator has
# prepared it. The verifier reaches psql through its environment only and becomes a psql
# variable, which psql quotes as a literal; VERBOSITY terse keeps the statement text out of any
# error message. PostgreSQL keeps a valid verifier as it is; the check proves it did.
set_superuser_verifier() {
    stored=$(PGCLONE_SUPERUSER_VERIFIER=$SUPERUSER_VERIFIER sql "$MAINTENANCE_DB" <<'SQL'
\set VERBOSITY terse
\set v `printenv PGCLONE_SUPERUSER_VERIFIER`
ALTER ROLE :"su" WITH LOGIN PASSWORD :'v' VALID UNTIL 'infinity';
SELECT rolpassword = :'v' FROM pg_catalog.pg_authid WHERE rolname = :'su';
\unset v
SQL
) || fail "could not set the superuser password: $(psql_error)"
    [ "$stored" = t ] || fail "PostgreSQL did not accept PGCLONE_SUPERUSER_VERIFIER as a SCRAM-SHA-256 verifier"
    log "superuser $SUPERUSER can log in with the operator's credential only (scram), until preparation publishes the clone's passwords"
}

# The databases to visit: every one that accepts connections (template0 does not, and holds no
# subscriptions, prepared transactions, jobs or user mappings that could be reached).
list_databases() {
    printf '%s\n' 'SELECT datname FROM pg_catalog.pg_database WHERE datallowconn ORDER BY datname;' \
        | sql "$MAINTENANCE_DB" >"$WORK_DIR/databases" \
        || fail "could not list the databases of the copy: $(psql_error)"
}

# Prepared (2PC) transactions belong to production's transaction coordinators and hold locks
# until someone resolves them; nobody will in the clone. ROLLBACK PREPARED must run in the
# transaction's own database, outside a transaction block, which \gexec does.
isolate_prepared_transactions() {
    cat <<'SQL'
SELECT 'prepared transactions rolled back: ' || count(*) FROM pg_catalog.pg_prepared_xacts
 WHERE database = pg_catalog.current_database();
\o /dev/null
SELECT pg_catalog.format('ROLLBACK PREPARED %L', gid) FROM pg_catalog.pg_prepared_xacts
 WHERE database = pg_catalog.current_database() \gexec
\o
SQL
}

# A subscription copied from production would start an apply worker that consumes production's
# slot on the publisher (advancing it past changes production never applied). Disabled, with
# slot_name NONE, it can neither start nor, when dropped, drop the publisher's slot. Its
# connection string (often with the publisher's password, readable by the clone's superuser) is
# replaced by one that resolves nowhere; the password keyword keeps PostgreSQL 16+ satisfied
# for subscriptions owned by non-superusers.
isolate_subscriptions() {
    cat <<'SQL'
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
SQL
}

# pg_cron keeps its jobs in the database named by cron.database_name, wherever the cron schema
# is. Jobs stay, inactive, so users can see and re-enable them in the clone. pg_cron < 1.3 has no
# active column; there deleting the jobs is the only way to stop them. The replica session role
# skips pg_cron's cache-invalidation trigger (phase 2's launcher reads the table afresh).
isolate_cron_jobs() {
    cat <<'SQL'
SELECT 'pg_cron jobs deactivated in this database' WHERE pg_catalog.to_regclass('cron.job') IS NOT NULL;
\o /dev/null
SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_attribute
                          WHERE attrelid = pg_catalog.to_regclass('cron.job') AND attname = 'active' AND NOT attisdropped)
            THEN 'UPDATE cron.job SET active = false WHERE active'
            ELSE 'DELETE FROM cron.job' END
 WHERE pg_catalog.to_regclass('cron.job') IS NOT NULL \gexec
\o
SQL
}

# User mappings hold the credentials foreign servers (postgres_fdw, dblink_fdw, and any other
# wrapper: each reaches an outside system, typically production's neighbours) log in with. All
# of them go; the servers stay, so a user can map them to a staging target.
isolate_user_mappings() {
    cat <<'SQL'
SELECT 'user mappings dropped: ' || count(*) FROM pg_catalog.pg_user_mapping;
\o /dev/null
SELECT pg_catalog.format('DROP USER MAPPING FOR %s SERVER %I',
       CASE WHEN um.umuser = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(r.rolname) END, s.srvname)
  FROM pg_catalog.pg_user_mapping um
  JOIN pg_catalog.pg_foreign_server s ON s.oid = um.umserver
  LEFT JOIN pg_catalog.pg_authid r ON r.oid = um.umuser \gexec
\o
SQL
}

isolate_database() {
    db=$1
    {
        printf '%s\n' '\set VERBOSITY terse'
        isolate_prepared_transactions
        isolate_subscriptions
        if [ "$ISOLATION" = strict ]; then
            isolate_cron_jobs
            isolate_user_mappings
        fi
    } | sql "$db" >"$WORK_DIR/isolation.out" || fail "isolating database $db failed: $(psql_error)"
    log "database $db: $(tr '\n' ';' <"$WORK_DIR/isolation.out" | sed 's/;$//; s/;/; /g')"
}

isolate_databases() {
    [ "$ISOLATION" = strict ] || log "isolation none: pg_cron jobs and user mappings are left as they are"
    while IFS= read -r db || [ -n "$db" ]; do
        [ -n "$db" ] && isolate_database "$db"
    done <"$WORK_DIR/databases"
}

# Production's password hashes would let production's passwords (known to its applications and
# people) open the clone. Every other role that can log in gets a password nobody knows: a
# 256-bit key read from /dev/urandom here, which only ever exists in this shell and psql's
# environment, hashed with each role's oid. Roles that cannot log in lose any stored password. The
# operator then sets known passwords for the roles a clone asks for (spec.credentials.roles).
scrub_credentials() {
    key=$(od -An -tx1 -N32 /dev/urandom 2>/dev/null | tr -d ' \n')
    [ ${#key} -eq 64 ] || fail "cannot read /dev/urandom to generate passwords"
    PGCLONE_SCRUB_KEY=$key sql "$MAINTENANCE_DB" <<'SQL' >"$WORK_DIR/scrub.out" \
        || fail "could not replace the production passwords: $(psql_error)"
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
SQL
    key=
    log "$(cat "$WORK_DIR/scrub.out")"
}

# Slots pin WAL (and, for logical slots, catalog rows) forever in a clone nobody will ever
# consume them from. Logical slots can be dropped from any database.
drop_replication_slots() {
    sql "$MAINTENANCE_DB" <<'SQL' >"$WORK_DIR/slots.out" || fail "could not drop the replication slots: $(psql_error)"
\set VERBOSITY terse
SELECT 'replication slots dropped: ' || count(*) FROM pg_catalog.pg_replication_slots;
\o /dev/null
SELECT pg_catalog.format('SELECT pg_catalog.pg_drop_replication_slot(%L)', slot_name)
  FROM pg_catalog.pg_replication_slots \gexec
\o
SQL
    log "$(cat "$WORK_DIR/slots.out")"
}

# Settings in postgresql.auto.conf that name production with its credentials (a standby's
# primary_conninfo, an archive's restore or archive command with a key). The -c options already
# keep them from acting; this removes their text from the copy. ALTER SYSTEM rewrites the file
# through a new one, so the old bytes are not left in place.
reset_credential_settings() {
    sql "$MAINTENANCE_DB" <<'SQL' >/dev/null || fail "could not remove production's connection settings from postgresql.auto.conf: $(psql_error)"
\set VERBOSITY terse
ALTER SYSTEM RESET primary_conninfo;
ALTER SYSTEM RESET restore_command;
ALTER SYSTEM RESET archive_command;
ALTER SYSTEM RESET archive_cleanup_command;
ALTER SYSTEM RESET recovery_end_command;
SQL
    log "postgresql.auto.conf: primary_conninfo, restore_command, archive_command, archive_cleanup_command and recovery_end_command reset"
}

# ALTER ROLE, DROP USER MAPPING and ALTER SUBSCRIPTION leave the old row versions, with
# production's password hashes, user-mapping options and conninfo, in the catalogs' files. VACUUM
# FULL writes each catalog anew with its live rows only; the old file is emptied now and removed
# at the shutdown checkpoint. pg_authid and pg_subscription are shared, pg_user_mapping is per
# database. (The WAL that carried the old rows goes in remove_old_wal.)
rewrite_credential_catalogs() {
    printf '%s\n' '\set VERBOSITY terse' 'VACUUM FULL pg_catalog.pg_authid;' 'VACUUM FULL pg_catalog.pg_subscription;' \
        | sql "$MAINTENANCE_DB" >/dev/null || fail "could not rewrite pg_authid and pg_subscription: $(psql_error)"
    while IFS= read -r db || [ -n "$db" ]; do
        [ -n "$db" ] || continue
        printf '%s\n' '\set VERBOSITY terse' 'VACUUM FULL pg_catalog.pg_user_mapping;' \
            | sql "$db" >/dev/null || fail "could not rewrite pg_user_mapping in database $db: $(psql_error)"
    done <"$WORK_DIR/databases"
    log "pg_authid, pg_subscription and pg_user_mapping (every database) rewritten without old row versions"
}

# The copied WAL, and the WAL phase 1 wrote, hold production's credentials (the rows as they
# were, full-page images of the catalogs); recycled segments keep the bytes of older ones. After
# the clean phase-1 shutdown every change is in the data files and the WAL is not needed:
# pg_resetwal removes every segment and starts a fresh one. It refuses a server that did not shut
# down cleanly, so it cannot lose a change.
remove_old_wal() {
    "$PG_RESETWAL" -D "$PGDATA" >"$WORK_DIR/pg_resetwal.out" 2>&1 </dev/null &
    wait $!
    rc=$?
    [ "$rc" = 0 ] || fail "could not remove the WAL copied from the source (pg_resetwal): $(tr '\n' ' ' <"$WORK_DIR/pg_resetwal.out")"
    log "WAL copied from the source removed (pg_resetwal after the clean phase-1 shutdown)"
}

# A container restart runs this script again on the same, already isolated volume. Isolating it
# again would undo what happened since: above all the passwords the operator set for
# spec.credentials.roles, which nobody would set again. With PGCLONE_CLONE_ID (a value unique to
# the clone, e.g. the DatabaseClone's uid) the script records that it isolated the volume; a
# volume copied from another clone carries a different id and is isolated in full.
ISOLATED_MARKER_NAME=pgclone_isolated

already_isolated() {
    [ -n "${PGCLONE_CLONE_ID:-}" ] && [ -f "$PGDATA/$ISOLATED_MARKER_NAME" ] \
        && [ "$(cat "$PGDATA/$ISOLATED_MARKER_NAME")" = "$PGCLONE_CLONE_ID" ]
}

mark_isolated() {
    [ -n "${PGCLONE_CLONE_ID:-}" ] || return 0
    printf '%s\n' "$PGCLONE_CLONE_ID" >"$PGDATA/$ISOLATED_MARKER_NAME" \
        || fail "cannot write $PGDATA/$ISOLATED_MARKER_NAME: the cloned volume must be writable"
}

phase1() {
    phase1_start
    log "phase 1: server ready (crash recovery done)"
    connect_as_superuser
    fresh_copy=0
    if already_isolated; then
        # the passwords preparation published, and the operator's credential before it, stay valid
        log "this volume was isolated by an earlier start of clone $PGCLONE_CLONE_ID: keeping what was changed in it since, passwords included"
    else
        list_databases
        # per database first: prepared transactions may hold locks the statements below would wait on
        isolate_databases
        set_superuser_verifier
        scrub_credentials
        drop_replication_slots
        reset_credential_settings
        rewrite_credential_catalogs
        fresh_copy=1
    fi
    phase1_stop
    if [ "$fresh_copy" = 1 ]; then
        remove_old_wal
        # only now: a restart before this point isolates the copy again, WAL included
        mark_isolated
    fi
    log "phase 1: done"
}

# ------------------------------------------------------------------------------------ phase 2

phase2() {
    build_options 2
    # Whatever ends postgres from now on, the operator gets a line pointing at the log.
    printf '%s\n' 'postgres exited after the bootstrap had finished: see the container log' 2>/dev/null >"$TERMINATION_LOG" || true
    log "phase 2: exec postgres on port $PORT (listen_addresses=$LISTEN_ADDRESSES, socket $SOCKET_DIR)"
    eval "exec \"\$POSTGRES\" -D \"\$PGDATA\" $OPTS"
}

# ------------------------------------------------------------------------------------ main

check_environment
find_binaries
check_data_directory_exists
check_ownership
check_mode
check_version
check_volume_layout
prepare_work_dir
clear_source_state
phase1
phase2
