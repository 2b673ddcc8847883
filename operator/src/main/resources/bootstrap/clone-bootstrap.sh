#!/bin/sh
# pgclone clone bootstrap: start PostgreSQL on a crash-consistent copy of another, running
# instance's data directory so that the copy can never reach, replicate to, archive into or
# authenticate like that instance. Phase 1: postgres on a private unix socket only (no TCP, nothing
# logged that could hold a secret) for crash recovery and the isolation (*.sql), a clean shutdown,
# the WAL removed. Phase 2: exec postgres with TCP and scram; the readiness probe's socket exists
# only now. PGCLONE_BUILD=masked-snapshot: phase 2 runs postgres until the operator has masked the
# data and asks for the finish, then stops it and removes whatever may still hold unmasked values.
# A source with its WAL on a volume of its own is copied as an online backup (data volume between
# pg_backup_start and pg_backup_stop, WAL volume after): pg_wal is pointed at the restored WAL
# volume and the backup's label makes recovery run to the backup's end.
# How: docs/bootstrap.md, "A source with a WAL volume".
# Any failure: ONE line saying what to change goes to $PGCLONE_TERMINATION_LOG, exit 1.
# Why each step: docs/security.md, "How a copied data directory is made safe".
# The environment (PGCLONE_*), the files beside this script, the functions, the tests: docs/bootstrap.md.
#
# A library of functions with a guarded main, like the postgres image's docker-entrypoint.sh:
# PGCLONE_BOOTSTRAP_LIBRARY=1 makes sourcing define the functions only (tests; read_environment
# then sets the globals). An environment variable, because `. file args` is not POSIX and $0 under
# sh -c cannot tell.
#
# POSIX sh (dash, busybox ash); needs the image's postgres, pg_ctl, psql, pg_resetwal (builds also
# pg_controldata) and id, stat, od, tr, readlink, printenv, sed, grep, sleep, sync, cp, ln. The verifier
# never reaches argv, postgres's environment or a log.

log() { printf 'pgclone-bootstrap: %s\n' "$*" >&2; }

# fail MESSAGE: write the one-line reason for the operator, stop a phase-1 server, exit 1.
fail() {
    msg=$(printf '%s' "$*" | tr '\n\r\t' '   ' | cut -c1-1000)
    log "FAILED: $msg"
    printf '%s\n' "$msg" 2>/dev/null >"$TERMINATION_LOG" || log "(could not write the termination log $TERMINATION_LOG)"
    stop_phase1_immediately
    stop_build_server
    exit 1
}

stop_phase1_immediately() {
    [ "$PHASE1_RUNNING" = 1 ] || return 0
    PHASE1_RUNNING=0
    show_phase1_log
    "$PG_CTL" stop -D "$PGDATA" -m immediate -w -t 60 >/dev/null 2>&1 || true
}

# A pod deletion during phase 1 must not leave a half-started server behind: sh defers traps while
# a foreground command runs, so long commands run in the background followed by `wait`, which a
# trapped signal interrupts (in_background).
on_signal() {
    log "received SIG$1 during the bootstrap; stopping"
    stop_phase1_immediately
    stop_build_server
    exit "$2"
}

# in_background OUTPUT COMMAND...: run COMMAND with stdout and stderr to OUTPUT; its exit code.
in_background() {
    out=$1
    shift
    "$@" >"$out" 2>&1 </dev/null &
    wait $!
}

read_environment() {
    TERMINATION_LOG=${PGCLONE_TERMINATION_LOG:-/dev/termination-log}
    WORK_DIR=${PGCLONE_WORK_DIR:-/tmp/pgclone}
    SOCKET_DIR=${PGCLONE_SOCKET_DIR:-/var/run/postgresql}
    PORT=${PGCLONE_PORT:-5432}
    LISTEN_ADDRESSES=${PGCLONE_LISTEN_ADDRESSES:-*}
    SUPERUSER=${PGCLONE_SUPERUSER:-postgres}
    ISOLATION=${PGCLONE_ISOLATION:-strict}
    RECOVERY_TIMEOUT=${PGCLONE_RECOVERY_TIMEOUT:-3600}
    PARAMETERS_FILE=${PGCLONE_PARAMETERS_FILE:-}
    WAL_VOLUME=${PGCLONE_WAL_VOLUME:-}
    WAL_DIRECTORY=${PGCLONE_WAL_DIRECTORY:-pg_wal}
    WAL_DIR=${WAL_VOLUME:+${WAL_VOLUME%/}/$WAL_DIRECTORY}
    BACKUP_LABEL_FILE=${PGCLONE_BACKUP_LABEL_FILE:-}
    case $0 in */*) SQL_DIR=${0%/*} ;; *) SQL_DIR=. ;; esac
    SQL_DIR=${PGCLONE_SQL_DIR:-$SQL_DIR}
    # postgres reads the hba and ident files from here after changing into the data directory
    case $SQL_DIR in /*) ;; *) SQL_DIR=$PWD/$SQL_DIR ;; esac
    # The verifier lives in a shell variable from here on: postgres (both phases) must not inherit
    # it, or any role able to read /proc/self/environ or run COPY ... FROM PROGRAM would learn it.
    SUPERUSER_VERIFIER=${PGCLONE_SUPERUSER_VERIFIER:-}
    unset PGCLONE_SUPERUSER_VERIFIER
    # libpq settings from the pod's environment must not redirect the bootstrap's psql sessions.
    unset PGHOSTADDR PGSERVICE PGSERVICEFILE PGPASSWORD PGPASSFILE PGSSLMODE PGREQUIRESSL PGOPTIONS PGDATABASE
    PHASE1_SOCKET_DIR=$WORK_DIR/phase1-socket
    PHASE1_LOG=$WORK_DIR/phase1.log
    PSQL_ERR=$WORK_DIR/psql.err
    # where pg_cron's launcher is sent in phase 1 (see phase1.conf)
    CRON_DECOY_DATABASE=pgclone_phase1_has_no_such_database
    ISOLATED_MARKER=${PGDATA:+${PGDATA%/}/pgclone_isolated}
    BUILD=${PGCLONE_BUILD:-}
    BUILD_PID=
    # written by the server (MaskingScrub.requestFinish) when the masked data may be snapshotted
    FINISH_TRIGGER=${PGDATA:+${PGDATA%/}/pgclone-finish-requested}
    CONFIG_FILE=
    OPTS=
    PHASE1_RUNNING=0
    CR=$(printf '\r')
}

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
    case $BUILD in ''|masked-snapshot) ;; *) fail "PGCLONE_BUILD=$BUILD: expected masked-snapshot, or unset for a clone" ;; esac
    case /$WAL_DIRECTORY/ in //*|*/../*) fail "PGCLONE_WAL_DIRECTORY=$WAL_DIRECTORY: spec.source.walDirectory must be a path inside the WAL volume, relative to its root" ;; esac
    for f in safety.conf phase1.conf list-databases.sql; do
        [ -r "$SQL_DIR/$f" ] || fail "$SQL_DIR/$f is missing: the bootstrap ConfigMap must hold the script's .sql and .conf files next to it (PGCLONE_SQL_DIR)"
    done
    PGDATA=${PGDATA%/}
}

# binary NAME: the server image's binary, from PGCLONE_BIN_DIR or else the PATH.
binary() {
    if [ -n "${PGCLONE_BIN_DIR:-}" ]; then
        [ -x "$PGCLONE_BIN_DIR/$1" ] && printf '%s\n' "$PGCLONE_BIN_DIR/$1"
    else
        command -v "$1" 2>/dev/null
    fi || fail "no $1 binary in ${PGCLONE_BIN_DIR:-the PATH}: spec.postgres.image must be a PostgreSQL server image (postgres, pg_ctl, psql, pg_resetwal, pg_controldata)"
}

find_binaries() {
    POSTGRES=$(binary postgres) || exit 1
    PG_CTL=$(binary pg_ctl) || exit 1
    PSQL=$(binary psql) || exit 1
    PG_RESETWAL=$(binary pg_resetwal) || exit 1
    [ -z "$BUILD" ] || PG_CONTROLDATA=$(binary pg_controldata) || exit 1
}

# Where to look for PG_VERSION when PGDATA is wrong, so the message can name the right setting.
suggest_data_directory() {
    for candidate in "$PGCLONE_VOLUME" "$PGCLONE_VOLUME"/*; do
        [ -f "$candidate/PG_VERSION" ] || continue
        rel=${candidate#"$PGCLONE_VOLUME"}
        printf ': the volume has a data directory at %s, so set spec.source.dataDirectory to "%s"' "$candidate" "${rel#/}"
        return
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
    [ "$data_uid" != 0 ] || fail "data directory $PGDATA is owned by root (uid 0), and PostgreSQL cannot run as root: the source volume must hold a data directory owned by its server's uid"
    [ "$run_uid" != 0 ] || fail "the clone runs as root (uid 0), which PostgreSQL refuses: set spec.postgres.runAsUser to $data_uid, the owner of the data directory"
    [ "$data_uid" = "$run_uid" ] || fail "data directory $PGDATA is owned by uid $data_uid, the clone runs as uid $run_uid: set spec.postgres.runAsUser to $data_uid"
    [ -e "$PGDATA/global/pg_control" ] || return 0
    control_uid=$(stat -c %u "$PGDATA/global/pg_control")
    [ "$control_uid" = "$run_uid" ] || fail "$PGDATA/global/pg_control is owned by uid $control_uid while the data directory is owned by uid $run_uid: the source volume has mixed ownership and cannot be cloned without chown"
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
# The one exception is a WAL volume the operator copied as an online backup (check_wal_volume).
check_volume_layout() {
    volume=$(readlink -f "$PGCLONE_VOLUME") || fail "the volume path $PGCLONE_VOLUME does not exist (PGCLONE_VOLUME)"
    inside "$(readlink -f "$PGDATA")" "$volume" || fail "data directory $PGDATA is not inside the cloned volume $PGCLONE_VOLUME: spec.source.dataDirectory must be a path inside the volume"
    for link in "$PGDATA/pg_wal" "$PGDATA"/pg_tblspc/*; do
        [ -L "$link" ] || continue
        resolved=$(readlink -f "$link" 2>/dev/null) || resolved=
        [ -d "$resolved" ] && inside "$resolved" "$volume" && continue
        case $link in
            */pg_wal) [ -z "$WAL_VOLUME" ] || continue
                fail "pg_wal in the data directory is a symlink to $(readlink "$link"), outside the cloned volume $PGCLONE_VOLUME: the source keeps its WAL on a separate volume (e.g. CloudNativePG walStorage), so set spec.source.walPvcName to it (and spec.source.walDirectory to the WAL's path in it)" ;;
            *) fail "tablespace ${link##*/} is at $(readlink "$link"), outside the cloned volume $PGCLONE_VOLUME: the source keeps a tablespace on a separate volume, which one snapshot cannot capture; only sources without tablespaces on other volumes can be cloned" ;;
        esac
    done
}

# suggest_wal_directory: where in the WAL volume a WAL directory (one with archive_status) is.
suggest_wal_directory() {
    for candidate in "$WAL_VOLUME" "$WAL_VOLUME"/* "$WAL_VOLUME"/*/*; do
        [ -d "$candidate/archive_status" ] || continue
        rel=${candidate#"$WAL_VOLUME"}
        rel=${rel#/}
        printf ': the WAL volume has one at %s, so set spec.source.walDirectory to "%s"' "$candidate" "${rel:-.}"
        return
    done
    printf ': set spec.source.walDirectory to the path of pg_wal in the volume spec.source.walPvcName'
}

# The source's pg_wal links to the WAL volume's path on the source's node; the operator restored
# that volume at PGCLONE_WAL_VOLUME. Only the link must say so, which link_wal_volume changes.
check_wal_volume() {
    [ -n "$WAL_VOLUME" ] || return 0
    if [ ! -L "$PGDATA/pg_wal" ] || inside "$(readlink -f "$PGDATA/pg_wal")" "$(readlink -f "$PGCLONE_VOLUME")"; then
        fail "pg_wal in $PGDATA is not a symlink to another volume: the data directory keeps its WAL inside the data volume: remove spec.source.walPvcName"
    fi
    [ -d "$WAL_DIR" ] || fail "no WAL directory at $WAL_DIR in the restored WAL volume$(suggest_wal_directory)"
    wal_uid=$(stat -c %u "$WAL_DIR")
    [ "$wal_uid" = "$(id -u)" ] || fail "WAL directory $WAL_DIR is owned by uid $wal_uid, the clone runs as uid $(id -u): spec.source.walPvcName must be the WAL volume of the same source as the data volume"
}

check_version() {
    [ -f "$PGDATA/PG_VERSION" ] || fail "$PGDATA has no PG_VERSION, so it is not a PostgreSQL data directory$(suggest_data_directory)"
    DATA_MAJOR=$(tr -d ' \r\n' <"$PGDATA/PG_VERSION")
    image_version=$("$POSTGRES" --version 2>/dev/null) || fail "$POSTGRES --version failed: spec.postgres.image must be a working PostgreSQL server image"
    IMAGE_MAJOR=$(printf '%s\n' "$image_version" | sed -n 's/^[^0-9]*\([0-9][0-9]*\).*/\1/p')
    [ "$DATA_MAJOR" = "$IMAGE_MAJOR" ] || fail "data is PostgreSQL $DATA_MAJOR, image runs $IMAGE_MAJOR: set spec.postgres.image to a postgres $DATA_MAJOR image"
    [ "$DATA_MAJOR" -ge 12 ] 2>/dev/null || fail "data is PostgreSQL $DATA_MAJOR: only PostgreSQL 12 and newer can be cloned"
    log "data directory $PGDATA is PostgreSQL $DATA_MAJOR; image: $image_version"
}

prepare_work_dir() {
    mkdir -p "$WORK_DIR" "$PHASE1_SOCKET_DIR" 2>/dev/null \
        || fail "cannot create the work directory $WORK_DIR: it must be a writable emptyDir (PGCLONE_WORK_DIR)"
    [ -w "$WORK_DIR" ] || fail "the work directory $WORK_DIR is not writable by uid $(id -u) (PGCLONE_WORK_DIR)"
    chmod 0700 "$PHASE1_SOCKET_DIR" 2>/dev/null || true
    mkdir -p "$SOCKET_DIR" 2>/dev/null
    if [ ! -d "$SOCKET_DIR" ] || [ ! -w "$SOCKET_DIR" ]; then
        fail "the socket directory $SOCKET_DIR is not writable by uid $(id -u) (PGCLONE_SOCKET_DIR)"
    fi
    if [ ! -f "$PGDATA/postgresql.conf" ]; then # (why: see empty.conf)
        CONFIG_FILE=$SQL_DIR/empty.conf
        log "no postgresql.conf in the data directory; using an empty one"
    fi
}

# Only the clone's own copy of the data volume changes: the link, not the WAL volume.
link_wal_volume() {
    [ -n "$WAL_VOLUME" ] || return 0
    was=$(readlink "$PGDATA/pg_wal")
    [ "$was" = "$WAL_DIR" ] && return 0
    { rm -f "$PGDATA/pg_wal" && ln -s "$WAL_DIR" "$PGDATA/pg_wal"; } \
        || fail "cannot replace the symlink $PGDATA/pg_wal: the cloned volume must be writable"
    log "pg_wal linked to the restored WAL volume at $WAL_DIR (on the source: $was)"
}

# The data volume's snapshot was taken after pg_backup_start: its pg_control may name a later
# checkpoint than the one the backup starts from, and the WAL volume's snapshot (taken after
# pg_backup_stop) is of another moment. The label makes recovery start at the backup's checkpoint
# and refuse to end before the backup's end. Only before the first isolation: afterwards the WAL
# it needs is gone (pg_resetwal).
install_backup_label() {
    [ -n "$BACKUP_LABEL_FILE" ] || return 0
    first=$(head -n 1 "$BACKUP_LABEL_FILE" 2>/dev/null) || fail "cannot read the backup label $BACKUP_LABEL_FILE (PGCLONE_BACKUP_LABEL_FILE)"
    case $first in 'START WAL LOCATION: '?*) ;;
        *) fail "$BACKUP_LABEL_FILE is not a backup label (its first line is not START WAL LOCATION: ...): the bootstrap ConfigMap's backup_label must be the labelfile pg_backup_stop returned" ;;
    esac
    { cp "$BACKUP_LABEL_FILE" "$PGDATA/backup_label" && chmod 0600 "$PGDATA/backup_label"; } \
        || fail "cannot write $PGDATA/backup_label: the cloned volume must be writable"
    log "backup label installed: recovery starts from the backup's checkpoint ($(sed -n 's/^CHECKPOINT LOCATION: //p' "$BACKUP_LABEL_FILE")) and must reach the backup's end"
}

# The copy carries the running source's state: its lock file, and when the source was a standby
# (or being restored) the signal files that would make the clone a standby of production.
clear_source_state() {
    for f in postmaster.pid standby.signal recovery.signal; do
        [ -e "$PGDATA/$f" ] || continue
        rm -f "$PGDATA/$f" || fail "cannot remove $PGDATA/$f: the cloned volume must be writable"
        log "removed $f copied from the source"
    done
}

# add NAME VALUE: append -c 'NAME=VALUE', quoted for sh, to OPTS. pg_ctl -o runs the options
# through /bin/sh and phase 2 uses eval, so values with spaces and quotes survive intact.
add() {
    case $2 in
        *\'*) OPTS="$OPTS -c '$1=$(printf '%s' "$2" | sed "s/'/'\\\\''/g")'" ;;
        *) OPTS="$OPTS -c '$1=$2'" ;;
    esac
}

# add_settings FILE: one `add` per name=value line (the value is everything after the first '=',
# verbatim; blank lines and # comments skipped): the operator's safety.conf and phase1.conf, and
# PGCLONE_PARAMETERS_FILE (spec.postgres.parameters plus the operator's shared_buffers).
add_settings() {
    [ -r "$1" ] || fail "settings file $1 is not readable (PGCLONE_PARAMETERS_FILE or the bootstrap ConfigMap)"
    n=0
    while IFS= read -r line || [ -n "$line" ]; do
        n=$((n + 1))
        line=${line%"$CR"}
        trimmed=${line#"${line%%[![:space:]]*}"}
        case $trimmed in ''|'#'*) continue ;; *=*) ;;
            *) fail "line $n of $1 has no '=': each spec.postgres.parameters entry must be name=value" ;;
        esac
        name=${trimmed%%=*}
        name=${name%"${name##*[![:space:]]}"}
        case $name in
            ''|[!A-Za-z_]*|*[!A-Za-z0-9_.]*) fail "spec.postgres.parameters has an invalid parameter name '$name' (line $n of $1)" ;;
        esac
        add "$name" "${trimmed#*=}"
    done <"$1"
}

# build_options PHASE: the -c options of phase 1 or 2 in OPTS: safety.conf plus what names this
# Pod's paths or depends on the major, then the phase's own. Phase 1 reads the user's settings
# first (shared_buffers sized for this pod applies to recovery too), so that everything its privacy
# depends on comes after them; phase 2 last, so spec.postgres.parameters win (e.g. ssl with own certs).
build_options() {
    OPTS=
    [ "$1" = 2 ] || [ -z "$PARAMETERS_FILE" ] || add_settings "$PARAMETERS_FILE"
    add data_directory "$PGDATA"
    [ -z "$CONFIG_FILE" ] || add config_file "$CONFIG_FILE"
    add ident_file "$SQL_DIR/empty.conf"
    add port "$PORT"
    [ "$IMAGE_MAJOR" -lt 15 ] || add archive_library ''
    # The source may write its pid to a path outside the volume; '' would make postgres try to
    # write a file named "" (the setting cannot be reset to unset from the command line).
    add external_pid_file "$WORK_DIR/postmaster.pid"
    # PostgreSQL <= 14 keeps statistics files in stats_temp_directory, which Debian-style sources
    # point at /var/run/postgresql/...; the data directory always has pg_stat_tmp.
    [ "$IMAGE_MAJOR" -gt 14 ] || add stats_temp_directory pg_stat_tmp
    add_settings "$SQL_DIR/safety.conf"
    if [ "$1" = 1 ]; then
        add unix_socket_directories "$PHASE1_SOCKET_DIR"
        add hba_file "$SQL_DIR/phase1-hba.conf"
        add cron.database_name "$CRON_DECOY_DATABASE"
        [ "$IMAGE_MAJOR" -lt 13 ] || add log_min_duration_sample -1
        add_settings "$SQL_DIR/phase1.conf"
    else
        add listen_addresses "$LISTEN_ADDRESSES"
        add unix_socket_directories "$SOCKET_DIR"
        add hba_file "$SQL_DIR/phase2-hba.conf"
        [ -z "$PARAMETERS_FILE" ] || add_settings "$PARAMETERS_FILE"
    fi
}

show_phase1_log() {
    [ -s "$PHASE1_LOG" ] || return 0
    log "---- phase-1 server log ----"
    cat "$PHASE1_LOG" >&2
    log "---- end of phase-1 server log ----"
    if grep -q "$CRON_DECOY_DATABASE" "$PHASE1_LOG"; then
        log "(expected: pg_cron's launcher was pointed at the missing database $CRON_DECOY_DATABASE so that no job ran before the isolation)"
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
        *'WAL ends before end of online backup'*)
            fail "recovery from the backup label reached the end of the WAL before the backup's end ($reason): the WAL volume's snapshot lacks segments written during the backup, e.g. it was taken before pg_backup_stop returned" ;;
        *'could not locate required checkpoint record'*)
            fail "recovery from the backup label found no checkpoint record at the backup's start ($reason): the WAL volume's snapshot lacks the backup's first segments, or spec.source.walPvcName is not the WAL volume of the same source" ;;
        '') fail "postgres did not start for crash recovery (phase 1) and logged no reason: see the container log" ;;
        *) fail "postgres did not start for crash recovery (phase 1): $reason" ;;
    esac
}

phase1_start() {
    build_options 1
    : >"$PHASE1_LOG"
    log "phase 1: starting postgres on the private socket $PHASE1_SOCKET_DIR only (no TCP) for crash recovery and isolation; recovery may take up to $RECOVERY_TIMEOUT s"
    PHASE1_RUNNING=1
    in_background "$WORK_DIR/pg_ctl.out" "$PG_CTL" start -D "$PGDATA" -w -t "$RECOVERY_TIMEOUT" -l "$PHASE1_LOG" -o "$OPTS" && return 0
    if "$PG_CTL" status -D "$PGDATA" >/dev/null 2>&1; then
        fail "crash recovery did not finish within $RECOVERY_TIMEOUT s: enable spec.source.checkpoint so that the snapshot needs little recovery, or raise the recovery timeout"
    fi
    PHASE1_RUNNING=0
    show_phase1_log
    phase1_start_failure
}

phase1_stop() {
    in_background "$WORK_DIR/pg_ctl.out" "$PG_CTL" stop -D "$PGDATA" -m fast -w -t 600 \
        || fail "the phase-1 server did not shut down cleanly: $(cat "$WORK_DIR/pg_ctl.out")"
    PHASE1_RUNNING=0
    show_phase1_log
}

# PGOPTIONS of the bootstrap's sessions: session.conf (why: see there) and what depends on the major.
session_options() {
    sed -n 's/^[a-z]/-c &/p' "$SQL_DIR/session.conf" | tr '\n' ' '
    [ "$IMAGE_MAJOR" -lt 17 ] || printf '%s ' '-c transaction_timeout=0'
    [ "$IMAGE_MAJOR" -lt 13 ] || printf '%s ' '-c log_min_duration_sample=-1'
}

# sql DATABASE FILE...: run the .sql files, in one session, as the superuser through the phase-1
# socket; psql variable su is the superuser. psql reads the database name from PGDATABASE, which
# (unlike -d) never interprets '=' as a connection string.
sql() {
    db=$1
    shift
    for f do set -- "$@" -f "$SQL_DIR/$f.sql"; shift; done
    PGDATABASE=$db PGOPTIONS=$(session_options) PGAPPNAME=pgclone-bootstrap PGCONNECT_TIMEOUT=30 \
        "$PSQL" -X -q -A -t -v ON_ERROR_STOP=1 -v VERBOSITY=terse -v "su=$SUPERUSER" \
        -h "$PHASE1_SOCKET_DIR" -p "$PORT" -U "$SUPERUSER" "$@" </dev/null 2>"$PSQL_ERR"
}

# The first error psql reported, without its "psql:<file>:N:" prefix.
psql_error() {
    grep -E '(ERROR|FATAL|PANIC|error):' "$PSQL_ERR" 2>/dev/null | head -n 1 | sed 's/^psql:[^ ]*:[0-9]*: //' | tr -d '\n'
}

# step FILE FAILURE: run FILE.sql in the maintenance database and log what it printed, one line;
# if it fails, fail with FAILURE and psql's first error.
step() {
    out=$(sql "$MAINTENANCE_DB" "$1") || fail "$2: $(psql_error)"
    log "$out"
}

# Finds a database to connect to for cluster-wide statements and checks that the superuser is one.
connect_as_superuser() {
    for db in postgres template1; do
        if is_super=$(sql "$db" is-superuser); then
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

set_superuser_verifier() {
    stored=$(PGCLONE_SUPERUSER_VERIFIER=$SUPERUSER_VERIFIER sql "$MAINTENANCE_DB" set-superuser-verifier) \
        || fail "could not set the superuser password: $(psql_error)"
    [ "$stored" = t ] || fail "PostgreSQL did not accept PGCLONE_SUPERUSER_VERIFIER as a SCRAM-SHA-256 verifier"
    log "superuser $SUPERUSER can log in with the operator's credential only (scram), until preparation publishes the clone's passwords"
}

# each_database FAILURE FILE...: run the files in each database of the copy, one session each, and
# log what they printed as one line; if they fail, fail with FAILURE (a printf format for the
# database's name) and psql's first error.
each_database() {
    failure=$1
    shift
    while IFS= read -r db || [ -n "$db" ]; do
        [ -n "$db" ] || continue
        # shellcheck disable=SC2059 # the format is the caller's, the name an argument
        out=$(sql "$db" "$@") || fail "$(printf "$failure" "$db"): $(psql_error)"
        log "database $db: $(printf '%s' "$out" | tr '\n' ';' | sed 's/;/; /g')"
    done <"$WORK_DIR/databases"
}

# Prepared transactions first: they may hold locks the statements after them would wait on.
isolate_databases() {
    strict_only=
    [ "$ISOLATION" != strict ] || strict_only='deactivate-cron-jobs drop-user-mappings'
    [ -n "$strict_only" ] || log "isolation none: pg_cron jobs and user mappings are left as they are"
    # shellcheck disable=SC2086 # strict_only: file names without spaces, split on purpose
    each_database 'isolating database %s failed' rollback-prepared-transactions detach-subscriptions $strict_only
}

# The key behind scrub-passwords.sql (why: see there).
scrub_credentials() {
    key=$(od -An -tx1 -N32 /dev/urandom 2>/dev/null | tr -d ' \n')
    [ ${#key} -eq 64 ] || fail "cannot read /dev/urandom to generate passwords"
    PGCLONE_SCRUB_KEY=$key step scrub-passwords "could not replace the production passwords"
    key=
}

# The copied WAL, and the WAL phase 1 wrote, hold production's credentials (the rows as they were,
# full-page images of the catalogs); recycled segments keep the bytes of older ones. After the
# clean phase-1 shutdown every change is in the data files and the WAL is not needed: pg_resetwal
# removes every segment and starts a fresh one. It refuses a server that did not shut down
# cleanly, so it cannot lose a change.
remove_old_wal() {
    in_background "$WORK_DIR/pg_resetwal.out" "$PG_RESETWAL" -D "$PGDATA" \
        || fail "could not remove the old WAL (pg_resetwal): $(cat "$WORK_DIR/pg_resetwal.out")"
    log "WAL removed (pg_resetwal after a clean shutdown)"
}

# A container restart runs this script again on the same, already isolated volume. Isolating it
# again would undo what happened since: above all the passwords the operator set for
# spec.credentials.roles, which nobody would set again. With PGCLONE_CLONE_ID (a value unique to
# the clone, e.g. the DatabaseClone's uid) the script records that it isolated the volume; a
# volume copied from another clone carries a different id and is isolated in full.
already_isolated() {
    [ -n "${PGCLONE_CLONE_ID:-}" ] && [ -f "$ISOLATED_MARKER" ] && [ "$(cat "$ISOLATED_MARKER")" = "$PGCLONE_CLONE_ID" ]
}

mark_isolated() {
    [ -n "${PGCLONE_CLONE_ID:-}" ] || return 0
    printf '%s\n' "$PGCLONE_CLONE_ID" >"$ISOLATED_MARKER" || fail "cannot write $ISOLATED_MARKER: the cloned volume must be writable"
}

phase1() {
    phase1_start
    log "phase 1: server ready (crash recovery done)"
    connect_as_superuser
    if already_isolated; then
        # the passwords preparation published, and the operator's credential before it, stay valid
        log "this volume was isolated by an earlier start of clone $PGCLONE_CLONE_ID: keeping what was changed in it since, passwords included"
        phase1_stop
    else
        sql "$MAINTENANCE_DB" list-databases >"$WORK_DIR/databases" \
            || fail "could not list the databases of the copy: $(psql_error)"
        isolate_databases
        set_superuser_verifier
        scrub_credentials
        step drop-replication-slots "could not drop the replication slots"
        step reset-credential-settings "could not remove production's connection settings from postgresql.auto.conf"
        step rewrite-shared-catalogs "could not rewrite pg_authid and pg_subscription"
        each_database 'could not rewrite pg_user_mapping in database %s' rewrite-user-mappings
        phase1_stop
        remove_old_wal
        # only now: a restart before this point isolates the copy again, WAL included
        mark_isolated
    fi
    log "phase 1: done"
}

phase2() {
    build_options 2
    # Whatever ends postgres from now on, the operator gets a line pointing at the log.
    printf '%s\n' 'postgres exited after the bootstrap had finished: see the container log' 2>/dev/null >"$TERMINATION_LOG" || true
    log "phase 2: exec postgres on port $PORT (listen_addresses=$LISTEN_ADDRESSES, socket $SOCKET_DIR)"
    eval "exec \"\$POSTGRES\" -D \"\$PGDATA\" $OPTS"
}

# ---- PGCLONE_BUILD=masked-snapshot: the operator masks and scrubs the data over TCP, then asks for
# the finish; the volume is then snapshotted and shared, so no value from before the masking may
# stay in any of its files. Why each removal: docs/bootstrap.md, "Masked-snapshot build".

stop_build_server() {
    [ -n "$BUILD_PID" ] || return 0
    BUILD_PID=
    "$PG_CTL" stop -D "$PGDATA" -m immediate -w -t 60 >/dev/null 2>&1 || true
}

build_start() {
    # a trigger left on the volume would finish the build before any masking
    rm -f "$FINISH_TRIGGER" || fail "cannot remove $FINISH_TRIGGER: the cloned volume must be writable"
    build_options 2
    # nothing may hold back the old row versions the operator's rewrite removes (MaskingScrub checks it too)
    add autovacuum off
    [ "$IMAGE_MAJOR" -gt 15 ] || add vacuum_defer_cleanup_age 0
    log "masked-snapshot build: postgres on port $PORT (listen_addresses=$LISTEN_ADDRESSES) until $FINISH_TRIGGER appears"
    eval "\"\$POSTGRES\" -D \"\$PGDATA\" $OPTS </dev/null &"
    BUILD_PID=$!
}

await_finish_request() {
    until [ -e "$FINISH_TRIGGER" ]; do
        if ! kill -0 "$BUILD_PID" 2>/dev/null; then
            BUILD_PID=
            fail "postgres exited before the masked snapshot was finished: see the container log"
        fi
        in_background /dev/null sleep 1
    done
}

# pg_resetwal would refuse an unclean data directory too; this says why in the operator's terms.
build_stop() {
    log "masked-snapshot build: finish requested; stopping postgres"
    in_background "$WORK_DIR/pg_ctl.out" "$PG_CTL" stop -D "$PGDATA" -m fast -w -t 600 \
        || fail "postgres did not shut down cleanly after the masking: $(cat "$WORK_DIR/pg_ctl.out")"
    BUILD_PID=
    state=$(LC_ALL=C "$PG_CONTROLDATA" -D "$PGDATA" 2>/dev/null | sed -n 's/^Database cluster state: *//p')
    [ "$state" = "shut down" ] || fail "after the masking the data directory is not shut down cleanly (pg_controldata: ${state:-no state}): it cannot be snapshotted"
}

# configured_log_directory: log_directory as the configuration sets it, when it is a directory
# below the data directory and not one of postgres's own (pg_log is removed anyway); else nothing.
configured_log_directory() {
    dir=$(eval "\"\$POSTGRES\" -D \"\$PGDATA\" $OPTS -C log_directory" 2>/dev/null) || return 0
    case /$dir/ in //|/[/.]*|*/./*|*/../*|/base/*|/global/*|/pg_*) return 0 ;; esac
    [ ! -d "$PGDATA/$dir" ] || printf '%s\n' "${dir%/}"
}

# empty_directory DIR: what postgres left in one of its own directories (it needs the directory).
empty_directory() {
    [ -d "$1" ] || return 0
    rm -rf "${1:?}"/* "$1"/.[!.]* "$1"/..?* || fail "cannot empty $1: the cloned volume must be writable"
}

# kept PATH: 0 if PATH is the data directory, or the WAL or a tablespace it links to elsewhere on
# the volume; 1 if it is a directory on the way to one; 2 otherwise.
kept() {
    r=2
    for k in "$PGDATA" "$PGDATA/pg_wal" "$PGDATA"/pg_tblspc/*; do
        k=$(readlink -f "$k") || continue
        [ "$k" != "$1" ] || return 0
        ! inside "$k" "$1" || r=1
    done
    return $r
}

# remove_outside_data_directory DIR: every entry of DIR that is not kept, descending into the
# directories on the way to what is: production's dumps or logs beside the data directory.
remove_outside_data_directory() {
    for entry in "$1"/* "$1"/.[!.]* "$1"/..?*; do
        [ -e "$entry" ] || [ -L "$entry" ] || continue
        if [ -L "$entry" ]; then where=2; else kept "$entry"; where=$?; fi
        case $where in
            0) ;;
            1) remove_outside_data_directory "$entry" ;;
            *)
                rm -rf "$entry" 2>/dev/null && { log "removed $entry (outside the data directory)"; continue; }
                # the filesystem's own, root's: only fsck writes there
                case $entry in */lost+found) log "left $entry (not removable by uid $(id -u))"; continue ;; esac
                fail "cannot remove $entry from the volume: everything outside the data directory must be removable by uid $(id -u) for a masked snapshot" ;;
        esac
    done
}

# A masked snapshot is one volume: the fresh segment pg_resetwal wrote (nothing from before the
# masking) is copied from the WAL volume into a real pg_wal, so the snapshot needs no other volume.
move_wal_into_data_directory() {
    [ -n "$WAL_VOLUME" ] || return 0
    { rm -f "$PGDATA/pg_wal" && mkdir "$PGDATA/pg_wal" && cp -Rp "$WAL_DIR"/. "$PGDATA/pg_wal"; } \
        || fail "cannot copy the WAL from $WAL_DIR into $PGDATA/pg_wal: the cloned volume must be writable"
    log "pg_wal is now a directory of the data volume, holding the one segment pg_resetwal started"
}

# After pg_resetwal: statistics files (pg_stat_statements keeps query texts there), temporary
# files, production's server logs, this build's own files, and everything else on the volume.
remove_masking_leftovers() {
    # pg_notify: a trigger's NOTIFY payload can hold a row; postgres itself clears it only at its next start
    for d in "$PGDATA/pg_stat" "$PGDATA/pg_stat_tmp" "$PGDATA/base/pgsql_tmp" "$PGDATA"/pg_tblspc/*/PG_*/pgsql_tmp "$PGDATA/pg_notify"; do
        empty_directory "$d"
    done
    logs=$(configured_log_directory)
    rm -rf "$PGDATA/log" "$PGDATA/pg_log" ${logs:+"$PGDATA/$logs"} "$PGDATA/current_logfiles" "$PGDATA/postmaster.opts" \
        "$FINISH_TRIGGER" || fail "cannot remove the server logs from $PGDATA: the cloned volume must be writable"
    volume=$(readlink -f "$PGCLONE_VOLUME")
    [ "$(readlink -f "$PGDATA")" = "$volume" ] || remove_outside_data_directory "$volume"
}

masked_snapshot_build() {
    build_start
    await_finish_request
    build_stop
    remove_old_wal
    move_wal_into_data_directory
    remove_masking_leftovers
    in_background /dev/null sync
    msg="masked snapshot finished: postgres shut down cleanly; WAL reset with pg_resetwal (no segment from before or during the masking remains); statistics files, temporary files, server logs and files outside the data directory removed"
    printf '%s\n' "$msg" 2>/dev/null >"$TERMINATION_LOG" || log "(could not write the termination log $TERMINATION_LOG)"
    log "$msg"
    exit 0
}

bootstrap_main() {
    set -u
    umask 077
    read_environment
    trap 'on_signal TERM 143' TERM
    trap 'on_signal INT 130' INT
    check_environment
    find_binaries
    check_data_directory_exists
    check_ownership
    check_mode
    check_version
    check_volume_layout
    check_wal_volume
    prepare_work_dir
    clear_source_state
    link_wal_volume
    already_isolated || install_backup_label
    phase1
    [ -z "$BUILD" ] || masked_snapshot_build
    phase2
}

[ "${PGCLONE_BOOTSTRAP_LIBRARY:-}" = 1 ] || bootstrap_main
