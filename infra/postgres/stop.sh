#!/usr/bin/env bash
# Stop the cluster started by infra/postgres/start.sh (fast shutdown: open
# sessions are disconnected, no waiting for clients). Data is kept.
set -euo pipefail
LOG_TAG=postgres
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

PGBIN=/usr/lib/postgresql/15/bin
STATE=$(readlink -m "$STACK_DIR/postgres") # as root, maybe a link into /var/lib/tuneton
DATA="$STATE/data"

if [[ ! -f $DATA/postmaster.pid ]]; then
  log "not running (no postmaster.pid)"
  rm -f "$STATE/postgres.pid"
  exit 0
fi
if [[ $(id -u) == 0 ]]; then
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null
else
  "$PGBIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null
fi
rm -f "$STATE/postgres.pid"
log "stopped"
