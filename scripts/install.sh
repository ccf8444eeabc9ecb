#!/usr/bin/env bash
# Create .venv (if missing) and install tuneTON with its dev extras. Pip's cache (~/.cache/pip) makes
# a fresh clone's install fast after the first one.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
"$VENV/bin/python" -m pip install -q -e ".[dev]"
