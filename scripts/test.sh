#!/usr/bin/env bash
# The whole test suite from a fresh clone: install, start the real servers the tests need (Kafka,
# schema registry, PostgreSQL — downloads cached outside the checkout), lint, then pytest.
# Servers this script started are stopped again at the end; a stack that was already up is left up.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
started=0
cleanup() {
  if [ "$started" = 1 ] && [ "${TUNETON_KEEP_STACK:-0}" != 1 ]; then
    infra/stack down || true
  fi
}
trap cleanup EXIT

echo "== system packages"
bash scripts/install-system.sh
echo "== install"
bash scripts/install.sh
echo "== stack"
if ! infra/stack status >/dev/null 2>&1; then
  started=1
  PYTHON="$PWD/$VENV/bin/python" infra/stack up
fi
echo "== lint"
bash scripts/lint.sh
echo "== tests"
set +e
"$VENV/bin/python" -m pytest "$@"
rc=$?
set -e
[ "$rc" = 5 ] && { echo "pytest collected no tests: failing on purpose"; rc=1; }
exit "$rc"
