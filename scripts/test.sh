#!/usr/bin/env bash
# Run the suite against a real PostGIS: a separate test database, never the demo data.
# With no arguments (`make test`, CI): the whole suite in parallel (pytest-xdist, one test database per worker,
# PYTEST_WORKERS of them, default one per core) under the coverage floor (fail_under in pyproject.toml).
# With arguments (`make test ARGS="tests/test_foo.py -x"`): exactly those, in one process; add `-n auto` to share
# them out, `--cov` to measure.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  if [ -n "${DATABASE_URL:-}" ]; then
    echo "Set TEST_DATABASE_URL to a scratch database on your server: the tests never touch DATABASE_URL." >&2
    exit 2
  fi
  TEST_DATABASE_URL=$(.venv/bin/assetmap db url "${ASSETMAP_TEST_DB:-assetmap_test}")
  export TEST_DATABASE_URL
fi
if [ $# -eq 0 ]; then
  set -- -n "${PYTEST_WORKERS:-auto}" --dist loadgroup --cov --cov-report=term
fi
exec .venv/bin/python -m pytest --durations=15 "$@"
