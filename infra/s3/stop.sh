#!/usr/bin/env bash
# Stop the S3 server started by infra/s3/start.sh (only that one: the pid file is checked against the
# process's command line before any signal is sent). Its data under $TUNETON_STACK_DIR/s3 is kept.
set -euo pipefail
LOG_TAG=s3
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

STATE="$STACK_DIR/s3"
stop_pid "$STATE/s3.pid" "$STATE/data" 10
