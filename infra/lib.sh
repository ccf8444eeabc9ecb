# shellcheck shell=bash
# Shared helpers for the infra/*/start.sh and stop.sh scripts and infra/stack.
# Sourced, never executed: callers already run with `set -euo pipefail`.

INFRA_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$INFRA_DIR/.." && pwd)
export INFRA_DIR REPO_ROOT

# Runtime state (data, logs, pid files) lives outside the checkout so that a
# `git clean` or a fresh worktree never loses or commits it.
STACK_DIR=${TUNETON_STACK_DIR:-$HOME/.cache/tuneton/stack}
# Downloads (jars, tarballs, extracted apps) are shared by every checkout.
CACHE_DIR=${TUNETON_CACHE_DIR:-$HOME/.cache/tuneton}
export STACK_DIR CACHE_DIR

# Fixed, well-known ports. The overrides exist only so that two checkouts on
# one machine can each run a stack (use a different TUNETON_STACK_DIR too).
KAFKA_PORT=${TUNETON_KAFKA_PORT:-9092}
# shellcheck disable=SC2034 # used by kafka/start.sh
KAFKA_CONTROLLER_PORT=${TUNETON_KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}
# TUNETON_KAFKA_NODES=3: a 3-broker KRaft cluster (every node broker + controller) instead of the single
# node. Node i (1-based) listens on KAFKA_PORT + 2(i-1), its controller on the port after it:
# 9092/9093, 9094/9095, 9096/9097 by default.
KAFKA_NODES=${TUNETON_KAFKA_NODES:-1}
[[ $KAFKA_NODES == 1 || $KAFKA_NODES == 3 ]] || { echo "TUNETON_KAFKA_NODES must be 1 or 3" >&2; exit 2; }
kafka_broker_port() { echo $((KAFKA_PORT + 2 * ($1 - 1))); }
kafka_controller_port() {
  if ((KAFKA_NODES == 1)); then echo "$KAFKA_CONTROLLER_PORT"; else echo $(($(kafka_broker_port "$1") + 1)); fi
}
KAFKA_BOOTSTRAP=127.0.0.1:$KAFKA_PORT
for ((node = 2; node <= KAFKA_NODES; node++)); do
  KAFKA_BOOTSTRAP+=",127.0.0.1:$(kafka_broker_port "$node")"
done
unset node
REGISTRY_PORT=${TUNETON_REGISTRY_PORT:-8085}
# shellcheck disable=SC2034 # used by registry/start.sh
REGISTRY_MGMT_PORT=${TUNETON_REGISTRY_MGMT_PORT:-$((REGISTRY_PORT + 1))}
REGISTRY_URL="http://127.0.0.1:${REGISTRY_PORT}/apis/ccompat/v7"
PG_PORT=${TUNETON_PG_PORT:-55432}
PG_DSN="postgresql://postgres@127.0.0.1:${PG_PORT}/tuneton"

# Interpreter for the Kafka readiness probe, preferably one with
# confluent_kafka: an explicit $PYTHON, else the checkout's own venv (where
# the app's deps live), else python3 (the probe then falls back to stdlib).
if [[ -z ${PYTHON:-} ]]; then
  if [[ -x $REPO_ROOT/.venv/bin/python ]]; then
    PYTHON=$REPO_ROOT/.venv/bin/python
  else
    PYTHON=python3
  fi
fi
export PYTHON

log() { printf '[%s] %s\n' "${LOG_TAG:-infra}" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Print the end of a service log so a failed start explains itself.
tail_log() {
  local file=$1 lines=${2:-40}
  if [[ -f $file ]]; then
    log "last $lines lines of $file:"
    tail -n "$lines" "$file" >&2 || true
  else
    log "(no log at $file)"
  fi
}

# pid_alive PIDFILE PATTERN: true when the pid file names a live process whose
# command line contains PATTERN. The pattern guards against a recycled pid
# belonging to some unrelated process that we must not signal.
pid_alive() {
  local pidfile=$1 pattern=$2 pid
  [[ -f $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$pattern"
}

# stop_pid PIDFILE PATTERN [GRACE_SECONDS]: SIGTERM, wait, then SIGKILL.
stop_pid() {
  local pidfile=$1 pattern=$2 grace=${3:-30} pid i
  if ! pid_alive "$pidfile" "$pattern"; then
    rm -f "$pidfile"
    log "not running (no live pid file)"
    return 0
  fi
  pid=$(<"$pidfile")
  log "stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 5; i++)); do
    [[ -d /proc/$pid ]] || break
    sleep 0.2
  done
  if [[ -d /proc/$pid ]]; then
    log "still alive after ${grace}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$pidfile"
  log "stopped"
}

# wait_until SECONDS CMD...: poll CMD every 0.5 s until it succeeds.
wait_until() {
  local timeout=$1 i
  shift
  for ((i = 0; i < timeout * 2; i++)); do
    if "$@"; then return 0; fi
    sleep 0.5
  done
  return 1
}

# --- probes (also used by `infra/stack status`) -----------------------------

# The broker must answer a metadata request, not merely accept TCP: during
# KRaft start-up the port opens before the broker is usable. With
# confluent_kafka available ($PYTHON) use its AdminClient; otherwise send a
# raw Metadata v4 request with the stdlib (v4 is accepted by 3.x and by 4.x,
# which dropped v0-v3), so `status` also works from a shell without the venv.
# kafka_answers [HOST:PORT]: that broker (default: the first of $KAFKA_BOOTSTRAP) answers.
kafka_answers() {
  "$PYTHON" - "${1:-${KAFKA_BOOTSTRAP%%,*}}" <<'PY' 2>/dev/null
import sys
host, port = sys.argv[1].rsplit(":", 1)
try:
    from confluent_kafka.admin import AdminClient
except ImportError:
    import socket, struct
    client = b"tuneton-probe"
    # header: api_key=3 (Metadata), version=4, correlation id, client id;
    # body: topics=null (-1 = all), allow_auto_topic_creation=false
    req = struct.pack(">hhih", 3, 4, 7, len(client)) + client + struct.pack(">ib", -1, 0)
    with socket.create_connection((host, int(port)), timeout=2) as s:
        s.settimeout(2)
        s.sendall(struct.pack(">i", len(req)) + req)
        buf = b""
        while len(buf) < 16:
            chunk = s.recv(4096)
            if not chunk:
                sys.exit(1)
            buf += chunk
    # size, correlation id, throttle_time_ms, brokers array length
    _, corr, _, n_brokers = struct.unpack(">iiii", buf[:16])
    sys.exit(0 if corr == 7 and n_brokers > 0 else 1)
md = AdminClient({"bootstrap.servers": sys.argv[1]}).list_topics(timeout=2)
sys.exit(0 if md.brokers else 1)
PY
}

registry_answers() {
  curl -fs --max-time 2 -o /dev/null "$REGISTRY_URL/subjects" 2>/dev/null
}

# "Answers" means the tuneton database accepts a query, not just the port.
pg_answers() {
  PGCONNECT_TIMEOUT=2 psql -X -q -tA "$PG_DSN" -c 'select 1' >/dev/null 2>&1
}

# The server is up (any database), used before the tuneton db exists.
pg_server_answers() {
  PGCONNECT_TIMEOUT=2 psql -X -q -tA "postgresql://postgres@127.0.0.1:${PG_PORT}/postgres" \
    -c 'select 1' >/dev/null 2>&1
}

# --- state of services that run as their own system user --------------------

# service_state_dir USER NAME: print the state directory of service NAME, which runs as the system
# user USER (postgres, Elasticsearch: both refuse to run as root). It is $STACK_DIR/NAME when USER can
# reach that path. When it cannot — the default state dir sits under root's home, and a new home is
# mode 700 — the state lives in /var/lib/tuneton/NAME-<hash of $STACK_DIR>, a directory this project
# owns, and $STACK_DIR/NAME becomes a symlink to it. Directories the project does not own are never
# loosened. The printed path is the real one (what the service's command line will show).
service_state_dir() {
  local user=$1 name=$2 link="$STACK_DIR/$2" real key
  if [[ $(id -u) != 0 ]]; then
    mkdir -p "$link"
    readlink -f "$link"
    return
  fi
  if [[ -L $link ]]; then
    readlink -f "$link"
    return
  fi
  mkdir -p "$link"
  chown "$user:" "$link"
  if runuser -u "$user" -- test -x "$link" && runuser -u "$user" -- test -w "$link"; then
    readlink -f "$link"
    return
  fi
  rmdir "$link" 2>/dev/null || die "$link exists, holds data, and $user cannot reach it"
  key=$(printf '%s' "$(readlink -f "$STACK_DIR")" | sha256sum | cut -c1-12)
  real="/var/lib/tuneton/$name-$key"
  mkdir -p /var/lib/tuneton
  chmod 755 /var/lib/tuneton
  mkdir -p "$real"
  chown "$user:" "$real"
  chmod 700 "$real"
  ln -sfn "$real" "$link"
  log "$user cannot reach $STACK_DIR; state in $real (linked from $link)"
  printf '%s\n' "$real"
}
