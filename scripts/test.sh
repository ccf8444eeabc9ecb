#!/usr/bin/env bash
# The whole test suite from a fresh clone: install, start the real servers the tests need (Kafka,
# schema registry, PostgreSQL — downloads cached outside the checkout), lint, then pytest.
# Servers this script started are stopped again at the end; a stack that was already up is left up.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
started=0
catalog_started=()
fresh_state=""
cleanup() {
  if [ "$started" = 1 ] && [ "${TUNETON_KEEP_STACK:-0}" != 1 ]; then
    infra/stack down || true
  fi
  if [ "${TUNETON_KEEP_STACK:-0}" != 1 ]; then
    for svc in "${catalog_started[@]}"; do infra/"$svc"/stop.sh || true; done
    if [ -n "$fresh_state" ]; then rm -rf "$fresh_state"; fi
  fi
}
trap cleanup EXIT

echo "== system packages"
bash scripts/install-system.sh --test
echo "== install"
bash scripts/install.sh
echo "== mini app"
bash scripts/build-miniapp.sh
echo "== stack"
if ! infra/stack status >/dev/null 2>&1; then
  started=1
  # A stack this run starts gets empty state (topics, read models, registry), removed at the end.
  # Schemas persist in that stack's PostgreSQL with the Kafka log, so a kept stack stays decodable;
  # the default stack dir is not reused because one from before that change pairs its Kafka log with
  # an in-memory registry's ids. Downloads stay cached in ~/.cache/tuneton.
  if [ -z "${TUNETON_STACK_DIR:-}" ]; then
    fresh_state=$(mktemp -d /tmp/tuneton-stack.XXXXXX)
    chmod 755 "$fresh_state"  # postgres and elasticsearch run as their own users below it
    export TUNETON_STACK_DIR="$fresh_state"
  fi
  PYTHON="$PWD/$VENV/bin/python" infra/stack up
fi
# The catalog's servers (until infra/stack knows them). Started here rather than by the test fixtures:
# a cold machine downloads Elasticsearch and builds versitygw first, longer than one test may take.
echo "== catalog servers"
if ! curl -fs --max-time 3 -o /dev/null "http://127.0.0.1:9200/_cluster/health"; then
  catalog_started+=(elasticsearch)
  infra/elasticsearch/start.sh
fi
if ! curl -s --max-time 3 -o /dev/null "http://127.0.0.1:9000/"; then
  catalog_started+=(s3)
  infra/s3/start.sh
fi
echo "== lint"
bash scripts/lint.sh
echo "== tests"
# The fault suites (marker `fault`: tests/fault, tests/faults, tests/e2e/test_broker_loss.py) stop and
# kill servers of their own private stacks, so they share nothing with the rest but PostgreSQL (each
# its own database) and the registry; the long tests marked `isolated` (the browser test, fuzzing
# through the gateway, the fresh-machine starts, the embedded runs of the long kill, rebuild and
# fuzzing tests: tests/e2e/conftest.py EMBEDDED_BESIDE) run on an embedded product or servers of their own. They spend most of their
# minutes waiting (outages, a browser, nginx), so they run beside the rest, in a second pytest process
# with its own temporary directory; the run fails if either fails. TUNETON_FAULTS_INLINE=1 runs them
# in the one process instead.
set +e
pytest_run() { "$VENV/bin/python" -m pytest --durations=25 "$@"; }  # the slowest tests, every run
if [ $# -eq 0 ] && [ "${TUNETON_FAULTS_INLINE:-0}" != 1 ]; then
  fault_dir=$(mktemp -d /tmp/tuneton-faults.XXXXXX)
  pytest_run -m "fault or isolated" --basetemp="$fault_dir/tmp" -p no:cacheprovider >"$fault_dir/log" 2>&1 &
  fault_pid=$!
  pytest_run -m "not fault and not isolated"
  rc=$?
  wait "$fault_pid"
  fault_rc=$?
  echo "== fault suites and isolated tests (run beside the rest)"
  cat "$fault_dir/log"
  rm -rf "$fault_dir"
  [ "$rc" = 0 ] && rc=$fault_rc
else
  pytest_run "$@"
  rc=$?
fi
set -e
[ "$rc" = 5 ] && { echo "pytest collected no tests: failing on purpose"; rc=1; }
exit "$rc"
