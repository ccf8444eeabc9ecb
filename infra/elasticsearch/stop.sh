#!/usr/bin/env bash
# Stop the Elasticsearch started by infra/elasticsearch/start.sh (only that one: the pid file is
# checked against the JVM's command line — its temp dir — before any signal is sent). Data stays.
set -euo pipefail
LOG_TAG=elasticsearch
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# Resolved: as root the state may be a link into /var/lib/tuneton (service_state_dir), and the
# JVM's command line, which pid_alive matches, names the real path.
STATE=$(readlink -m "$STACK_DIR/elasticsearch")
stop_pid "$STATE/elasticsearch.pid" "$STATE/tmp" 60
