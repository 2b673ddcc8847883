#!/bin/sh
# pgclone clone bootstrap: start PostgreSQL on a crash-consistent copy of another, running
# instance's data directory so that the copy can never reach, replicate to, archive into or
# authenticate like that instance (design.md, section 3).
#
# Phase 1: postgres on a private unix socket under the work dir only (no TCP listener, trust,
#          nothing logged that could hold a secret). Crash recovery happens here; then the
#          isolation SQL runs as the superuser through psql; then a fast shutdown, whose
#          checkpoint lets phase 2 start without recovery.
# Phase 2: exec postgres with TCP and scram. The pod's readiness probe is
#          pg_isready -q -h "$PGCLONE_SOCKET_DIR" -p "$PGCLONE_PORT", and phase 1 never opens a
#          socket there, so the pod only becomes ready once the copy is isolated.
#
# On any failure: ONE line saying what is wrong and what to change goes to
# $PGCLONE_TERMINATION_LOG (the operator copies it into the PostgresStarted condition), then exit 1.
#
# POSIX sh (dash, busybox ash). Needs only the server image's postgres, pg_ctl and psql plus
# coreutils (id, stat, od, tr, readlink, printenv), sed and grep. The superuser password never
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

# The password lives in a shell variable from here on: postgres (both phases) must not inherit it,
# or any role able to read /proc/self/environ or run COPY ... FROM PROGRAM would learn it.
SUPERUSER_PASSWORD=${PGCLONE_SUPERUSER_PASSWORD:-}
unset PGCLONE_SUPERUSER_PASSWORD
# libpq settings from the pod's environment must not redirect the bootstrap's psql sessions.
unset PGHOSTADDR PGSERVICE PGSERVICEFILE PGPASSWORD PGPASSFILE PGSSLMODE PGREQUIRESSL PGOPTIONS PGDATABASE

PHASE1_SOCKET_DIR=$WORK_DIR/phase1-socket
PHASE1_LOG=$WORK_DIR/phase1.log
PHASE1_HBA=$WORK_DIR/pg_hba_phase1.conf
PHASE2_HBA=$WORK_DIR/pg_hba.conf
IDENT_FILE=$WORK_DIR/pg_ident.conf
PSQL_ERR=$WORK_DIR/psql.err
CONFIG_FILE=
CR=$(printf '\r')

check_environment() {
    [ -n "${PGDATA:-}" ] || fail "PGDATA is not set: the operator must pass the data directory path"
    [ -n "${PGCLONE_VOLUME:-}" ] || fail "PGCLONE_VOLUME is not set: the operator must pass the volume mount path"
    [ -n "$SUPERUSER_PASSWORD" ] || fail "PGCLONE_SUPERUSER_PASSWORD is not set or empty: the operator must pass the clone's superuser password"
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
        fail "no $1 binary in ${PGCLONE_BIN_DIR:-the PATH}: spec.postgres.image must be a PostgreSQL server image (postgres, pg_ctl, psql)"
    fi
}

find_binaries() {
    POSTGRES=$(binary postgres) || exit 1
    PG_CTL=$(binary pg_ctl) || exit 1
    PSQL=$(binary psql) || exit 1
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
    [ -d "$SOCKET_DIR" ] && [ -w "$SOCKET_DIR" ] || fail "the socket directory $SOCKET_DIR is not writable by uid $(id -u) (PGCLONE_SOCKET_DIR)"

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
    fi
}

# The first FATAL/PANIC of the phase-1 log, as the operator's one-line reason.
phase1_start_failure() {
    reason=$(grep -m1 -E '(FATAL|PANIC): ' "$PHASE1_LOG" 2>/dev/null | sed 's/^.*\(FATAL\|PANIC\): *//')
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
session_options() {
    o='-c session_replication_role=replica -c default_transaction_read_only=off'
    o="$o -c statement_timeout=0 -c lock_timeout=60s -c idle_in_transaction_session_timeout=0"
    o="$o -c search_path=pg_catalog -c password_encryption=scram-sha-256"
    [ "$IMAGE_MAJOR" -lt 17 ] || o="$o -c transaction_timeout=0"
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
    grep -m1 -E '(ERROR|FATAL|PANIC|error):' "$PSQL_ERR" 2>/dev/null | sed 's/^psql:[^ ]*:[0-9]*: //' | tr -d '\n'
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

# The superuser gets the clone's own password while no TCP listener exists, so production's
# password never opens the clone. The password reaches psql through its environment only and
# becomes a psql variable, which psql quotes as a literal; VERBOSITY terse keeps the statement
# text out of any error message.
set_superuser_password() {
    PGCLONE_SUPERUSER_PASSWORD=$SUPERUSER_PASSWORD sql "$MAINTENANCE_DB" <<'SQL' >/dev/null \
        || fail "could not set the superuser password: $(psql_error)"
\set VERBOSITY terse
\set pw `printenv PGCLONE_SUPERUSER_PASSWORD`
ALTER ROLE :"su" WITH LOGIN PASSWORD :'pw' VALID UNTIL 'infinity';
\unset pw
SQL
    log "superuser $SUPERUSER has the clone's password (scram)"
}

phase1() {
    phase1_start
    log "phase 1: server ready (crash recovery done)"
    connect_as_superuser
    set_superuser_password
    phase1_stop
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
check_version
prepare_work_dir
clear_source_state
phase1
phase2
