#!/usr/bin/env bash
# Stop the broker started by infra/kafka/start.sh (only that one: the pid file
# is checked against the JVM's command line before any signal is sent).
set -euo pipefail
LOG_TAG=kafka
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

STATE="$STACK_DIR/kafka"
# Controlled shutdown of a single KRaft node normally takes a few seconds.
stop_pid "$STATE/kafka.pid" "$STATE/server.properties" 60
