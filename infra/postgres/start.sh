#!/usr/bin/env bash
# Start PostgreSQL 15 on 127.0.0.1:55432 (socket in the state dir) without
# systemd, with its cluster under $TUNETON_STACK_DIR/postgres, and make sure
# the `tuneton` database exists. Installs postgresql-15 from apt if missing.
# TUNETON_PG_PORT overrides the port. Idempotent: a server that already
# answers is left alone.
set -euo pipefail
LOG_TAG=postgres
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

PGBIN=/usr/lib/postgresql/15/bin
PG_USER=postgres # initdb and postgres refuse to run as root

# Run as the postgres OS user when we are root (the usual CI case).
as_pg() {
  if [[ $(id -u) == 0 ]]; then
    runuser -u "$PG_USER" -- "$@"
  else
    "$@"
  fi
}

ensure_db() {
  local exists
  exists=$(psql -X -q -tA "postgresql://postgres@127.0.0.1:${PG_PORT}/postgres" \
    -c "select 1 from pg_database where datname = 'tuneton'")
  if [[ $exists != 1 ]]; then
    log "creating database tuneton"
    psql -X -q "postgresql://postgres@127.0.0.1:${PG_PORT}/postgres" -c 'create database tuneton' >/dev/null
  fi
}

if pg_answers; then
  log "already running on 127.0.0.1:$PG_PORT"
  exit 0
fi
if pg_server_answers; then
  # Up but without our database (first start interrupted, or dropped).
  ensure_db
  log "ready: $PG_DSN"
  exit 0
fi

if [[ ! -x $PGBIN/postgres ]]; then
  log "installing postgresql-15 from apt"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
fi
id "$PG_USER" >/dev/null 2>&1 || die "OS user $PG_USER missing (it comes with the postgresql-common package)"

# The state dir defaults to root's home (mode 700 on a new machine), which the postgres user cannot
# enter: service_state_dir then keeps the cluster in a directory of ours under /var/lib/tuneton.
STATE=$(service_state_dir "$PG_USER" postgres)
DATA="$STATE/data"
LOGFILE="$STATE/postgres.log"

if [[ ! -f $DATA/PG_VERSION ]]; then
  log "initdb $DATA"
  # trust auth: loopback-only throwaway cluster, no password to manage.
  as_pg "$PGBIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$STATE/initdb.log" 2>&1 || { tail_log "$STATE/initdb.log"; die "initdb failed"; }
  # Settings live in the cluster's own config so a manual `pg_ctl start`
  # behaves the same. fsync & co. off: dev/CI data is disposable, speed wins.
  cat >>"$DATA/postgresql.conf" <<CONF

# --- tuneton infra/postgres/start.sh ---
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$STATE'
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
fi

log "starting PostgreSQL 15 (log: $LOGFILE)"
# pg_ctl detaches the postmaster itself (own session, stdin from /dev/null)
# and -w waits until it accepts connections. The port is given on the command line as well: a cluster
# kept from an earlier run may have been initialised under another TUNETON_PG_PORT.
if ! as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$LOGFILE" -o "-p $PG_PORT" -w -t 60 start >/dev/null; then
  tail_log "$LOGFILE"
  die "pg_ctl start failed"
fi
head -n 1 "$DATA/postmaster.pid" >"$STATE/postgres.pid"
ensure_db
log "ready: $PG_DSN"
