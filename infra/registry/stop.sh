#!/usr/bin/env bash
# Stop the registry started by infra/registry/start.sh (pid file checked
# against the JVM's command line first). Storage is in-memory: data is lost.
set -euo pipefail
LOG_TAG=registry
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

STATE="$STACK_DIR/registry"
stop_pid "$STATE/registry.pid" "$CACHE_DIR/apicurio-3.3.3/quarkus-run.jar" 30
