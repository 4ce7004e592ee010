#!/bin/sh
# Backup of the registers (database `ppid`), of Temporal's databases and of the documents' files.
#
#   backup.sh              one backup now, into $PPID_BACKUP_DIR/<YYYYmmddTHHMMSS>/
#   backup.sh schedule     forever: one backup every day at $PPID_BACKUP_AT (HH:MM, in $TZ)
#
# Usable outside compose too: it needs only pg_dump (of the server's major version) and the usual libpq
# variables (PGHOST, PGPORT, PGUSER, PGPASSWORD or PGPASSFILE) for a role that may read every database
# (the `postgres` superuser in compose). Restore steps: README, "Backups and restore".
#
# Settings (environment):
#   PPID_BACKUP_DIR        where the backups go (default /backups)
#   PPID_BACKUP_DATABASES  the databases, in dump order (default "temporal temporal_visibility ppid")
#   PPID_BACKUP_FILES_DIR  the documents' file store to archive after the databases (empty: none)
#   PPID_BACKUP_KEEP_DAYS  backups older than this many days are deleted after a good backup (default 14)
#   PPID_BACKUP_AT         the daily time of `schedule` (default 02:00)
set -eu
# The dumps hold personal data (names, NIK, addresses): readable by their owner only.
umask 077

BACKUP_DIR="${PPID_BACKUP_DIR:-/backups}"
# Temporal's databases first, the registers after them: a register dumped later than Temporal's history
# may hold a case whose workflow the restored history lacks, which the worker's reconciler starts again;
# the other way round a restored workflow would point at a case the restored register has never seen.
DATABASES="${PPID_BACKUP_DATABASES:-temporal temporal_visibility ppid}"
FILES_DIR="${PPID_BACKUP_FILES_DIR:-}"
KEEP_DAYS="${PPID_BACKUP_KEEP_DAYS:-14}"
BACKUP_AT="${PPID_BACKUP_AT:-02:00}"

log() { printf '%s backup: %s\n' "$(date '+%Y-%m-%dT%H:%M:%S%z')" "$*"; }

backup_once() {
    stamp="$(date '+%Y%m%dT%H%M%S')"
    target="$BACKUP_DIR/$stamp"
    work="$BACKUP_DIR/.$stamp.partial"
    mkdir -p "$work"
    for db in $DATABASES; do
        log "pg_dump $db"
        # Custom format: compressed, and pg_restore can recreate the database from it (--create).
        pg_dump --format=custom --no-password --file="$work/$db.dump" "$db"
    done
    # Roles (with their password hashes) and other cluster-wide objects, for a restore onto a new cluster.
    # Needs a superuser; a missing right is not worth failing the database dumps for.
    if ! pg_dumpall --globals-only --no-password --file="$work/globals.sql" 2>"$work/globals.err"; then
        log "warning: pg_dumpall --globals-only failed: $(cat "$work/globals.err")"
    fi
    rm -f "$work/globals.err"
    if [ -n "$FILES_DIR" ]; then
        # After the databases: files are written before the rows that name them commit and are never
        # changed, so every file a dumped row refers to is already there.
        log "archive $FILES_DIR"
        tar -C "$FILES_DIR" -czf "$work/files.tar.gz" .
    fi
    (cd "$work" && sha256sum -- * >SHA256SUMS)
    # Only a complete backup gets its final name: a partial one never looks restorable.
    mv "$work" "$target"
    log "done: $target"
    case "$KEEP_DAYS" in
        '' | *[!0-9]*) log "PPID_BACKUP_KEEP_DAYS is not a number: nothing deleted" ;;
        0) ;;
        *) find "$BACKUP_DIR" -mindepth 1 -maxdepth 1 -type d -name '20*' -mtime +"$KEEP_DAYS" \
            -exec rm -rf {} + ;;
    esac
    # What a failed run left behind.
    find "$BACKUP_DIR" -mindepth 1 -maxdepth 1 -type d -name '.*.partial' -mtime +1 -exec rm -rf {} +
}

seconds_until() {
    # Seconds from now until the next $1 (HH:MM) in local time (GNU date, as in the postgres image).
    now="$(date +%s)"
    next="$(date -d "today $1" +%s)"
    if [ "$next" -le "$now" ]; then
        next="$(date -d "tomorrow $1" +%s)"
    fi
    echo $((next - now))
}

case "${1:-once}" in
    once)
        backup_once
        ;;
    schedule)
        case "$BACKUP_AT" in
            [01][0-9]:[0-5][0-9] | 2[0-3]:[0-5][0-9]) ;;
            *) log "PPID_BACKUP_AT must be HH:MM (00:00 to 23:59), not '$BACKUP_AT'"; exit 2 ;;
        esac
        log "daily at $BACKUP_AT (TZ=${TZ:-UTC}) into $BACKUP_DIR"
        trap 'exit 0' TERM INT
        while :; do
            wait_s="$(seconds_until "$BACKUP_AT")"
            sleep "$wait_s" &
            # `wait` returns at once on SIGTERM (docker stop), unlike a foreground sleep.
            wait $! || exit 0
            # A failed night (database restarting) is logged and retried the next night; the container
            # keeps running so that the schedule survives it. A child process, so that `set -e` holds in
            # it (a function called on the left of `||` would run on past a failed pg_dump).
            sh "$0" once || log "error: the backup failed (exit $?); the next try is tomorrow at $BACKUP_AT"
        done
        ;;
    *)
        echo "usage: $0 [once|schedule]" >&2
        exit 2
        ;;
esac
