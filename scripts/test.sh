#!/usr/bin/env bash
# Run the whole suite against a real PostGIS: a separate test database, never the demo data.
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
exec .venv/bin/python -m pytest "$@"
