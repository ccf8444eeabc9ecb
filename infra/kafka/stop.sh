#!/usr/bin/env bash
# Stop the broker(s) started by infra/kafka/start.sh (only those: each pid file
# is checked against the JVM's command line before any signal is sent).
#   TUNETON_KAFKA_NODES=3      the 3-broker cluster's nodes instead of the single node
#   TUNETON_KAFKA_NODE=N       only node N of the cluster (a broker restart)
set -euo pipefail
LOG_TAG=kafka
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

if ((KAFKA_NODES == 1)); then
  STATE="$STACK_DIR/kafka"
  # Controlled shutdown of a single KRaft node normally takes a few seconds.
  stop_pid "$STATE/kafka.pid" "$STATE/server.properties" 60
  exit 0
fi
stop_node() {
  local state="$STACK_DIR/kafka-cluster/node-$1"
  LOG_TAG="kafka-$1" stop_pid "$state/kafka.pid" "$state/server.properties" 60
}
if [[ -n ${TUNETON_KAFKA_NODE:-} ]]; then
  stop_node "$TUNETON_KAFKA_NODE"
  exit 0
fi
# All at once: one by one, the last node would wait for a controller quorum that is gone.
pids=()
for node in 1 2 3; do
  stop_node "$node" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
