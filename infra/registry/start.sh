#!/usr/bin/env bash
# Start Apicurio Registry 3.3.3 on 127.0.0.1:8085 with in-memory (H2) storage,
# detached, log and pid file under $TUNETON_STACK_DIR/registry. Clients use
# its Confluent-compatible API at http://127.0.0.1:8085/apis/ccompat/v7.
#   APICURIO_JAVA=...                   java to use (needs 21+; auto-detected)
#   TUNETON_REGISTRY_COMPATIBILITY=...  default global rule (BACKWARD)
#   TUNETON_REGISTRY_PORT / _MGMT_PORT  override 8085 / 8086 (the Quarkus
#                                       management interface, health+metrics)
# Idempotent: if the ccompat API already answers it is left alone.
set -euo pipefail
LOG_TAG=registry
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

VERSION=3.3.3
TARBALL="$CACHE_DIR/dl/apicurio-registry-app-$VERSION-all.tar.gz"
APP_DIR="$CACHE_DIR/apicurio-$VERSION"
STATE="$STACK_DIR/registry"
PIDFILE="$STATE/registry.pid"
LOGFILE="$STATE/registry.log"
START_TIMEOUT=${REGISTRY_START_TIMEOUT:-120}
# Apicurio's own default global compatibility is NONE (anything registers);
# Confluent's is BACKWARD. Match Confluent so compatibility bugs show up here.
COMPAT=${TUNETON_REGISTRY_COMPATIBILITY:-BACKWARD}

if registry_answers; then
  if pid_alive "$PIDFILE" "$APP_DIR/quarkus-run.jar"; then
    log "already running (pid $(<"$PIDFILE"))"
  else
    log "a registry not started by this script already answers on $REGISTRY_URL; leaving it"
  fi
  exit 0
fi

mkdir -p "$STATE"

java_major() { "$1" -version 2>&1 | sed -nE '1s/.*version "([0-9]+).*/\1/p'; }

# Apicurio 3.3.x is compiled for Java 21 (class file 65): Debian 12's default
# OpenJDK 17 fails with UnsupportedClassVersionError. Pick the first java >= 21.
find_java() {
  local j
  for j in ${APICURIO_JAVA:+"$APICURIO_JAVA"} ${JAVA_HOME:+"$JAVA_HOME/bin/java"} \
    /usr/lib/jvm/*/bin/java "$(command -v java || true)"; do
    [[ -n $j && -x $j ]] || continue
    if (($(java_major "$j" || echo 0) >= 21)); then
      echo "$j"
      return 0
    fi
  done
  return 1
}

if pid_alive "$PIDFILE" "$APP_DIR/quarkus-run.jar"; then
  log "pid $(<"$PIDFILE") is starting; waiting for it"
else
  if (exec 3<>"/dev/tcp/127.0.0.1/$REGISTRY_PORT") 2>/dev/null; then
    die "port $REGISTRY_PORT is in use by something that does not answer $REGISTRY_URL/subjects"
  fi
  JAVA=$(find_java) ||
    die "Apicurio $VERSION needs Java 21+ (none found in APICURIO_JAVA, JAVA_HOME, /usr/lib/jvm, PATH)"

  # The 150 MB tarball is fetched once from Maven Central into the shared cache.
  if [[ ! -f $TARBALL ]]; then
    log "fetching apicurio-registry-app $VERSION (tar.gz:all) with mvn"
    mkdir -p "$CACHE_DIR/dl"
    mvn -q -B -Dstyle.color=never dependency:copy \
      -Dartifact="io.apicurio:apicurio-registry-app:$VERSION:tar.gz:all" \
      -DoutputDirectory="$CACHE_DIR/dl" || die "mvn failed to fetch Apicurio $VERSION"
  fi
  # Extract once; via a temp dir + rename so a killed tar never leaves a
  # partial app dir that looks complete.
  if [[ ! -f $APP_DIR/quarkus-run.jar ]]; then
    log "extracting into $APP_DIR"
    tmp=$(mktemp -d "$CACHE_DIR/.apicurio.XXXXXX")
    tar -xzf "$TARBALL" -C "$tmp" || { rm -rf "$tmp"; die "cannot extract $TARBALL"; }
    rm -rf "$APP_DIR"
    mv "$tmp" "$APP_DIR"
  fi

  JAVA_OPTS=(-Xms128m -Xmx384m -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
    # Bind both Quarkus listeners to loopback (management defaults to 0.0.0.0:9000).
    -Dquarkus.http.host=127.0.0.1 "-Dquarkus.http.port=$REGISTRY_PORT"
    -Dquarkus.management.host=127.0.0.1 "-Dquarkus.management.port=$REGISTRY_MGMT_PORT"
    # In-memory H2 (also Apicurio's default, stated so it can't drift):
    # schemas vanish on restart, which is what tests want.
    -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2
    "-Dapicurio.rules.global.compatibility=$COMPAT"
    # Scratch files in the state dir rather than /tmp.
    "-Dapicurio.storage.snapshot.location=$STATE" "-Dapicurio.import.work-dir=$STATE"
    # The access log would add a line per readiness poll and per request.
    '-Dquarkus.log.category."io.quarkus.http.access-log".level=WARN')

  log "starting Apicurio Registry $VERSION with $JAVA (log: $LOGFILE)"
  cd "$STATE"
  # Same detaching scheme as infra/kafka/start.sh: own session, pid of the JVM.
  # shellcheck disable=SC2016 # $$ and $1 must expand in the inner bash
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$PIDFILE" \
    "$JAVA" "${JAVA_OPTS[@]}" -jar "$APP_DIR/quarkus-run.jar" \
    </dev/null >>"$LOGFILE" 2>&1 &
  wait_until 5 test -s "$PIDFILE" || true
fi

for ((i = 0; i < START_TIMEOUT * 2; i++)); do
  if registry_answers; then
    log "ready at $REGISTRY_URL (global compatibility $COMPAT, pid $(<"$PIDFILE"))"
    exit 0
  fi
  if ! pid_alive "$PIDFILE" "$APP_DIR/quarkus-run.jar"; then
    tail_log "$LOGFILE"
    rm -f "$PIDFILE"
    die "registry process exited during start-up"
  fi
  sleep 0.5
done
tail_log "$LOGFILE"
die "registry did not answer within ${START_TIMEOUT}s (left running: pid $(<"$PIDFILE"); infra/registry/stop.sh stops it)"
