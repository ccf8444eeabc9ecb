#!/usr/bin/env bash
# Start an S3-compatible server for the blob store: versitygw (POSIX backend) on 127.0.0.1:9000,
# detached, data, log and pid file under $TUNETON_STACK_DIR/s3.
#   TUNETON_S3_PORT          listen port (9000)
#   TUNETON_S3_ACCESS_KEY    root access key (tuneton)
#   TUNETON_S3_SECRET_KEY    root secret key (tuneton-secret)
# versitygw is built once with `go install` from the Go module proxy into $TUNETON_CACHE_DIR/go-bin
# (about 5 minutes and 700 MB of module/build cache on a cold 2-core machine, seconds when warm).
# It is a real S3 server storing objects as plain files (metadata in xattrs), so multipart uploads,
# ranged GETs and presigned URLs behave as on MinIO or AWS. Idempotent: a server already answering
# on the port is left alone.
set -euo pipefail
LOG_TAG=s3
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

VERSION=v1.7.0
MODULE=github.com/versity/versitygw/cmd/versitygw
BIN="$CACHE_DIR/go-bin/versitygw-$VERSION"
PORT=${TUNETON_S3_PORT:-9000}
ENDPOINT="127.0.0.1:$PORT"
STATE="$STACK_DIR/s3"
DATA="$STATE/data"
PIDFILE="$STATE/s3.pid"
LOGFILE="$STATE/s3.log"
START_TIMEOUT=${S3_START_TIMEOUT:-30}

# Any S3 server answers an anonymous request with an HTTP status (403 AccessDenied, typically).
s3_answers() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$ENDPOINT/" 2>/dev/null) || return 1
  [[ $code =~ ^(200|400|403)$ ]]
}

if s3_answers; then
  if pid_alive "$PIDFILE" "$DATA"; then
    log "already running on $ENDPOINT (pid $(<"$PIDFILE"))"
  else
    log "an S3 server not started by this script already answers on $ENDPOINT; leaving it"
  fi
  exit 0
fi

mkdir -p "$DATA"

if pid_alive "$PIDFILE" "$DATA"; then
  log "pid $(<"$PIDFILE") is starting; waiting for it"
else
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    die "port $PORT is in use by something that is not an S3 server"
  fi
  if [[ ! -x $BIN ]]; then
    command -v go >/dev/null || die "Go (1.25+) is needed to build versitygw; install it or put versitygw at $BIN"
    log "building versitygw $VERSION with go install (first time only)"
    tmp=$(mktemp -d "$CACHE_DIR/.go-bin.XXXXXX")
    if ! GOBIN="$tmp" GOFLAGS=-buildvcs=false go install "$MODULE@$VERSION" >"$STATE/build.log" 2>&1; then
      tail_log "$STATE/build.log"
      rm -rf "$tmp"
      die "go install $MODULE@$VERSION failed"
    fi
    mkdir -p "$(dirname "$BIN")"
    mv "$tmp/versitygw" "$BIN"
    rm -rf "$tmp"
  fi
  log "starting versitygw $VERSION on $ENDPOINT (log: $LOGFILE)"
  # Credentials go through the environment, not the command line (ps shows argv to everyone).
  # shellcheck disable=SC2016 # $$ and $1 expand in the inner bash
  ROOT_ACCESS_KEY=${TUNETON_S3_ACCESS_KEY:-tuneton} ROOT_SECRET_KEY=${TUNETON_S3_SECRET_KEY:-tuneton-secret} \
    setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$PIDFILE" \
    "$BIN" --port "$ENDPOINT" --quiet posix "$DATA" </dev/null >>"$LOGFILE" 2>&1 &
  wait_until 5 test -s "$PIDFILE" || true
fi

for ((i = 0; i < START_TIMEOUT * 5; i++)); do
  if s3_answers; then
    log "ready on http://$ENDPOINT (pid $(<"$PIDFILE"))"
    exit 0
  fi
  if ! pid_alive "$PIDFILE" "$DATA"; then
    tail_log "$LOGFILE"
    rm -f "$PIDFILE"
    die "versitygw exited during start-up"
  fi
  sleep 0.2
done
tail_log "$LOGFILE"
die "versitygw did not answer within ${START_TIMEOUT}s (left running: pid $(<"$PIDFILE"); infra/s3/stop.sh stops it)"
