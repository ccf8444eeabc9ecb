#!/usr/bin/env bash
# Start Apicurio Registry 3.3.3 on 127.0.0.1:8085, detached, log and pid file
# under $TUNETON_STACK_DIR/registry. Clients use its Confluent-compatible API at
# http://127.0.0.1:8085/apis/ccompat/v7. Schemas are stored in the project's
# PostgreSQL (database `apicurio`, started by infra/postgres/start.sh first if it
# does not answer), so a registry restart keeps every schema id: records already
# in Kafka stay decodable and running clients' cached ids stay valid.
#   APICURIO_JAVA=...                   java to use (needs 21+; auto-detected)
#   TUNETON_REGISTRY_COMPATIBILITY=...  default global rule (BACKWARD)
#   TUNETON_REGISTRY_STORAGE=...        postgresql (default) | memory (H2: every
#                                       schema is lost on restart; scratch only)
#   TUNETON_REGISTRY_DB=...             PostgreSQL database of the registry (apicurio)
#   TUNETON_REGISTRY_PORT / _MGMT_PORT  override 8085 / 8086 (the Quarkus
#                                       management interface, health+metrics)
#   TUNETON_PG_PORT                     the PostgreSQL it stores into (55432)
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
STORAGE=${TUNETON_REGISTRY_STORAGE:-postgresql}
REGISTRY_DB=${TUNETON_REGISTRY_DB:-apicurio}
case $STORAGE in
  postgresql | memory) ;;
  *) die "unknown TUNETON_REGISTRY_STORAGE=$STORAGE (use postgresql or memory)" ;;
esac
[[ $REGISTRY_DB =~ ^[a-z_][a-z0-9_]*$ ]] || die "TUNETON_REGISTRY_DB must be a plain lower-case identifier"

# The registry's own database beside `tuneton` (its tables must not mix with the read models').
ensure_registry_db() {
  local admin="postgresql://postgres@127.0.0.1:${PG_PORT}/postgres" exists
  pg_server_answers || "$INFRA_DIR/postgres/start.sh" || die "PostgreSQL (schema storage) did not start"
  exists=$(psql -X -q -tA "$admin" -c "select 1 from pg_database where datname = '$REGISTRY_DB'")
  if [[ $exists != 1 ]]; then
    log "creating database $REGISTRY_DB (schema storage)"
    psql -X -q "$admin" -c "create database $REGISTRY_DB" >/dev/null
  fi
}

# -D options selecting the storage, one a line. Apicurio opens 20 connections by default: 2..8 is
# plenty here. No password: the loopback cluster of infra/postgres trusts local connections.
storage_opts() {
  if [[ $STORAGE == memory ]]; then
    printf '%s\n' -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2
    return
  fi
  printf '%s\n' -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=postgresql \
    "-Dapicurio.datasource.url=jdbc:postgresql://127.0.0.1:${PG_PORT}/${REGISTRY_DB}" \
    -Dapicurio.datasource.username=postgres \
    -Dapicurio.datasource.jdbc.initial-size=2 -Dapicurio.datasource.jdbc.min-size=2 \
    -Dapicurio.datasource.jdbc.max-size=8
}

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
  [[ $STORAGE == memory ]] || ensure_registry_db
  mapfile -t STORAGE_OPTS < <(storage_opts)

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
    "${STORAGE_OPTS[@]}"
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
    log "ready at $REGISTRY_URL (storage $STORAGE, global compatibility $COMPAT, pid $(<"$PIDFILE"))"
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
