#!/usr/bin/env bash
# Start a single-node KRaft Kafka broker on 127.0.0.1:9092 (controller 9093),
# detached, with its data, log and pid file under $TUNETON_STACK_DIR/kafka.
#   KAFKA_PROFILE=kafka39 (default, Kafka 3.9.1) | kafka4 (Kafka 4.1.1)
#   PYTHON=...  interpreter with confluent_kafka, used for the readiness probe
#   TUNETON_KAFKA_PORT / TUNETON_KAFKA_CONTROLLER_PORT  override 9092 / 9093
# Idempotent: if a broker already answers on the port it is left alone.
set -euo pipefail
LOG_TAG=kafka
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

K="$INFRA_DIR/kafka"
PROFILE=${KAFKA_PROFILE:-kafka39}
# Keep in sync with the <kafka.version> of each profile in pom.xml.
case $PROFILE in
  kafka39) VERSION=3.9.1 ;;
  kafka4) VERSION=4.1.1 ;;
  *) die "unknown KAFKA_PROFILE=$PROFILE (use kafka39 or kafka4)" ;;
esac
LIBS="$CACHE_DIR/kafka-$VERSION/libs"
STATE="$STACK_DIR/kafka"
DATA="$STATE/data-$VERSION" # per version: a 4.x-formatted dir can't go back to 3.9
PIDFILE="$STATE/kafka.pid"
LOGFILE="$STATE/kafka.log"
CONF="$STATE/server.properties"
START_TIMEOUT=${KAFKA_START_TIMEOUT:-120}

"$PYTHON" -c 'import confluent_kafka' 2>/dev/null ||
  log "note: $PYTHON has no confluent_kafka; readiness uses the stdlib Metadata probe (set PYTHON=.venv/bin/python to use AdminClient)"

running_version() { cat "$STATE/version" 2>/dev/null || echo unknown; }

if kafka_answers; then
  if pid_alive "$PIDFILE" "$CONF"; then
    log "already running (Kafka $(running_version), pid $(<"$PIDFILE"))"
    [[ $(running_version) == "$VERSION" ]] ||
      log "WARNING: requested $VERSION but $(running_version) is running; run infra/kafka/stop.sh first to switch"
  else
    log "a broker not started by this script already answers on $KAFKA_BOOTSTRAP; leaving it"
  fi
  exit 0
fi

mkdir -p "$STATE"

if pid_alive "$PIDFILE" "$CONF"; then
  # Started earlier but not answering yet (e.g. a concurrent `up`): wait for it
  # rather than launching a second JVM that would fight over the ports.
  log "pid $(<"$PIDFILE") is starting; waiting for it"
else
  # A port held by something that is not an answering broker would make the
  # JVM die with a bind error after a slow start; fail fast instead.
  for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      die "port $port is in use by something that is not a working broker"
    fi
  done

  # Jars: fetched once per version into the shared cache (not the checkout).
  # Download into a temp dir and rename, so an interrupted mvn run never
  # leaves a half-filled libs/ that would be mistaken for a complete one.
  if [[ ! -f $LIBS/kafka_2.13-$VERSION.jar ]]; then
    log "fetching Kafka $VERSION jars with mvn (profile $PROFILE) into $LIBS"
    tmp=$(mktemp -d "$CACHE_DIR/.kafka-libs.XXXXXX")
    mvn -q -B -Dstyle.color=never -f "$K/pom.xml" -P "$PROFILE" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp" ||
      { rm -rf "$tmp"; die "mvn failed to fetch Kafka $VERSION"; }
    mkdir -p "$(dirname "$LIBS")"
    rm -rf "$LIBS"
    mv "$tmp" "$LIBS"
  fi

  sed -e "s#@DATA@#$DATA#" -e "s#127.0.0.1:9092#127.0.0.1:$KAFKA_PORT#g" \
    -e "s#127.0.0.1:9093#127.0.0.1:$KAFKA_CONTROLLER_PORT#g" "$K/server.properties" >"$CONF"
  if [[ $PROFILE == kafka39 ]]; then
    LOG_OPT="-Dlog4j.configuration=file:$K/log4j.properties"
  else
    LOG_OPT="-Dlog4j2.configurationFile=$K/log4j2.properties"
    # 4.x-only internal topic (share groups, KIP-932); 3.9 would warn on it.
    printf '%s\n' 'share.coordinator.state.topic.replication.factor=1' \
      'share.coordinator.state.topic.min.isr=1' >>"$CONF"
  fi
  # Small heap: the whole stack shares a 2-core CI box with the test suite.
  JAVA_OPTS=(-Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
    "-Dkafka.logs.dir=$STATE" "$LOG_OPT")

  # Format once; meta.properties marks a formatted log dir.
  if [[ ! -f $DATA/meta.properties ]]; then
    cluster_id=$("$PYTHON" -c 'import base64,uuid;print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))')
    log "formatting $DATA (cluster id $cluster_id)"
    java "${JAVA_OPTS[@]}" -cp "$LIBS/*" kafka.tools.StorageTool format \
      -t "$cluster_id" -c "$CONF" >>"$LOGFILE" 2>&1 ||
      { tail_log "$LOGFILE"; die "storage format failed"; }
  fi

  log "starting Kafka $VERSION (log: $LOGFILE)"
  echo "$VERSION" >"$STATE/version"
  # setsid: own session, so Ctrl-C in the calling terminal or the end of a CI
  # step's process group does not take the broker down. The inner bash writes
  # its own pid and then execs java, so the pid file names the JVM itself.
  # shellcheck disable=SC2016 # $$ and $1 must expand in the inner bash
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$PIDFILE" \
    java "${JAVA_OPTS[@]}" -cp "$LIBS/*" kafka.Kafka "$CONF" \
    </dev/null >>"$LOGFILE" 2>&1 &
  # Wait for the pid file so the liveness checks below see the JVM.
  wait_until 5 test -s "$PIDFILE" || true
fi

ready() {
  kafka_answers && return 0
  # Stop polling as soon as the JVM is gone (bad config, port clash...).
  pid_alive "$PIDFILE" "$CONF" || return 2
  return 1
}
for ((i = 0; i < START_TIMEOUT * 2; i++)); do
  rc=0
  ready || rc=$?
  if ((rc == 0)); then
    log "ready on $KAFKA_BOOTSTRAP (Kafka $VERSION, pid $(<"$PIDFILE"))"
    exit 0
  fi
  if ((rc == 2)); then
    tail_log "$LOGFILE"
    rm -f "$PIDFILE"
    die "broker process exited during start-up"
  fi
  sleep 0.5
done
tail_log "$LOGFILE"
die "broker did not answer metadata within ${START_TIMEOUT}s (left running: pid $(<"$PIDFILE"); infra/kafka/stop.sh stops it)"
