#!/usr/bin/env bash
# Static gates: ruff (style + bugs), mypy (strict on the pure layers), import-linter (layer rules).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
"$VENV/bin/ruff" check .
"$VENV/bin/mypy" tuneton commands query_api processors projections
"$VENV/bin/lint-imports"
