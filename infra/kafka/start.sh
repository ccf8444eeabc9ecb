#!/usr/bin/env bash
# Start a single-node KRaft Kafka broker on 127.0.0.1:9092 (controller 9093), or
# with TUNETON_KAFKA_NODES=3 a 3-broker KRaft cluster (each node broker +
# controller: 9092/9093, 9094/9095, 9096/9097; replication factor 3,
# min.insync.replicas=2 from cluster.properties), detached, with data, log and
# pid file under $TUNETON_STACK_DIR/kafka (cluster: kafka-cluster/node-N).
#   KAFKA_PROFILE=kafka39 (default, Kafka 3.9.1) | kafka4 (Kafka 4.1.1)
#   PYTHON=...  interpreter with confluent_kafka, used for the readiness probe
#   TUNETON_KAFKA_PORT / TUNETON_KAFKA_CONTROLLER_PORT  override 9092 / 9093
#   TUNETON_KAFKA_NODES=1|3   single node (default) or the 3-broker cluster
#   KAFKA_HEAP=...  max heap per node (512m single, 256m per cluster node)
# Idempotent: a node that already answers is left alone, so after a broker
# was killed this starts just that one again.
set -euo pipefail
LOG_TAG=kafka
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# shellcheck source=jars.sh
source "$INFRA_DIR/kafka/jars.sh"
START_TIMEOUT=${KAFKA_START_TIMEOUT:-120}
if ((KAFKA_NODES == 1)); then HEAP=${KAFKA_HEAP:-512m}; else HEAP=${KAFKA_HEAP:-256m}; fi

"$PYTHON" -c 'import confluent_kafka' 2>/dev/null ||
  log "note: $PYTHON has no confluent_kafka; readiness uses the stdlib Metadata probe (set PYTHON=.venv/bin/python to use AdminClient)"

voters() {
  local i out=""
  for ((i = 1; i <= KAFKA_NODES; i++)); do out+="${out:+,}$i@127.0.0.1:$(kafka_controller_port "$i")"; done
  echo "$out"
}

# write_conf NODE STATE: the node's server.properties, from the single-node file plus, for a
# cluster, its node id, ports, voters and cluster.properties (later keys win in Java Properties).
write_conf() {
  local node=$1 state=$2 broker controller
  broker=$(kafka_broker_port "$node")
  controller=$(kafka_controller_port "$node")
  sed -e "s#@DATA@#$state/data-$VERSION#" -e "s#127.0.0.1:9092#127.0.0.1:$broker#g" \
    -e "s#127.0.0.1:9093#127.0.0.1:$controller#g" \
    -e "s#^node.id=.*#node.id=$node#" -e "s#^controller.quorum.voters=.*#controller.quorum.voters=$(voters)#" \
    "$K/server.properties" >"$state/server.properties"
  if ((KAFKA_NODES > 1)); then cat "$K/cluster.properties" >>"$state/server.properties"; fi
  if [[ $PROFILE == kafka4 ]]; then
    # 4.x-only internal topic (share groups, KIP-932); 3.9 would warn on it.
    local rf=1 isr=1
    if ((KAFKA_NODES > 1)); then rf=3 isr=2; fi
    printf '%s\n' "share.coordinator.state.topic.replication.factor=$rf" \
      "share.coordinator.state.topic.min.isr=$isr" >>"$state/server.properties"
  fi
}

node_state() { if ((KAFKA_NODES == 1)); then echo "$STACK_DIR/kafka"; else echo "$STACK_DIR/kafka-cluster/node-$1"; fi; }

if [[ $PROFILE == kafka39 ]]; then
  LOG_OPT="-Dlog4j.configuration=file:$K/log4j.properties"
else
  LOG_OPT="-Dlog4j2.configurationFile=$K/log4j2.properties"
fi

# launch NODE: format once (every node of a cluster with the same cluster id), then start detached.
launch() {
  local node=$1 state conf port
  state=$(node_state "$node")
  conf="$state/server.properties"
  for port in "$(kafka_broker_port "$node")" "$(kafka_controller_port "$node")"; do
    # A port held by something that is not our broker would make the JVM die after a slow start.
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      die "port $port is in use by something that is not a working broker"
    fi
  done
  fetch_jars
  write_conf "$node" "$state"
  # Small heap: the whole stack shares a 2-core CI box with the test suite.
  local -a java_opts=("-Xms128m" "-Xmx$HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true "-Dkafka.logs.dir=$state" "$LOG_OPT")
  if [[ ! -f $state/data-$VERSION/meta.properties ]]; then
    # --cluster-id=ID, not -t ID: a random id may start with '-', which the parser reads as an option.
    log "node $node: formatting $state/data-$VERSION (cluster id $CLUSTER_ID)"
    java "${java_opts[@]}" -cp "$LIBS/*" kafka.tools.StorageTool format \
      "--cluster-id=$CLUSTER_ID" --config "$conf" >>"$state/kafka.log" 2>&1 ||
      { tail_log "$state/kafka.log"; die "storage format failed"; }
  fi
  log "node $node: starting Kafka $VERSION on 127.0.0.1:$(kafka_broker_port "$node") (log: $state/kafka.log)"
  echo "$VERSION" >"$state/version"
  # setsid: own session, so Ctrl-C in the calling terminal or the end of a CI
  # step's process group does not take the broker down. The inner bash writes
  # its own pid and then execs java, so the pid file names the JVM itself.
  # shellcheck disable=SC2016 # $$ and $1 must expand in the inner bash
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$state/kafka.pid" \
    java "${java_opts[@]}" -cp "$LIBS/*" kafka.Kafka "$conf" \
    </dev/null >>"$state/kafka.log" 2>&1 &
  # Wait for the pid file so the liveness checks below see the JVM.
  wait_until 5 test -s "$state/kafka.pid" || true
}

# The cluster id: kept in the stack dir so a node started again later joins the same cluster.
if ((KAFKA_NODES == 1)); then CLUSTER_FILE="$STACK_DIR/kafka/cluster-id"; else CLUSTER_FILE="$STACK_DIR/kafka-cluster/cluster-id"; fi
mkdir -p "$(dirname "$CLUSTER_FILE")"
starting=()
for ((node = 1; node <= KAFKA_NODES; node++)); do
  state=$(node_state "$node")
  mkdir -p "$state"
  address=127.0.0.1:$(kafka_broker_port "$node")
  if kafka_answers "$address"; then
    if pid_alive "$state/kafka.pid" "$state/server.properties"; then
      log "node $node already running (Kafka $(cat "$state/version" 2>/dev/null || echo unknown), pid $(<"$state/kafka.pid"))"
      [[ $(cat "$state/version" 2>/dev/null) == "$VERSION" ]] ||
        log "WARNING: requested $VERSION but another version is running; run infra/kafka/stop.sh first to switch"
    else
      log "a broker not started by this script already answers on $address; leaving it"
    fi
    continue
  fi
  if pid_alive "$state/kafka.pid" "$state/server.properties"; then
    # Started earlier but not answering yet (e.g. a concurrent `up`): wait for it
    # rather than launching a second JVM that would fight over the ports.
    log "node $node: pid $(<"$state/kafka.pid") is starting; waiting for it"
  else
    if [[ ! -f $CLUSTER_FILE ]]; then
      "$PYTHON" -c 'import base64,uuid;print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))' \
        >"$CLUSTER_FILE"
    fi
    CLUSTER_ID=$(<"$CLUSTER_FILE")
    launch "$node"
  fi
  starting+=("$node")
done

# ready NODE: 0 answers, 1 not yet, 2 the JVM is gone (bad config, port clash...).
ready() {
  local state
  state=$(node_state "$1")
  kafka_answers "127.0.0.1:$(kafka_broker_port "$1")" && return 0
  pid_alive "$state/kafka.pid" "$state/server.properties" || return 2
  return 1
}
for node in "${starting[@]}"; do
  state=$(node_state "$node")
  rc=1
  for ((i = 0; i < START_TIMEOUT * 2; i++)); do
    rc=0
    ready "$node" || rc=$?
    ((rc == 1)) || break
    sleep 0.5
  done
  if ((rc == 2)); then
    tail_log "$state/kafka.log"
    rm -f "$state/kafka.pid"
    die "node $node exited during start-up"
  fi
  if ((rc == 1)); then
    tail_log "$state/kafka.log"
    die "node $node did not answer metadata within ${START_TIMEOUT}s (left running; infra/kafka/stop.sh stops it)"
  fi
  log "node $node ready on 127.0.0.1:$(kafka_broker_port "$node") (Kafka $VERSION, pid $(<"$state/kafka.pid"))"
done
log "ready on $KAFKA_BOOTSTRAP"
