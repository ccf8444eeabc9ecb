#!/usr/bin/env bash
# Stop the gateway started by infra/gateway/start.sh (only that one: the pid file is checked against
# the master process's command line before any signal is sent). Config and logs are kept.
set -euo pipefail
LOG_TAG=gateway
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

STATE="$STACK_DIR/gateway"
stop_pid "$STATE/nginx.pid" "$STATE/nginx.conf" 10
