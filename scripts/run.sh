#!/usr/bin/env bash
# Serve AssetMap on real York and Birmingham data (PORT, default 5000).
set -euo pipefail
cd "$(dirname "$0")/.."
AM=.venv/bin/assetmap
if [ -z "${DATABASE_URL:-}" ]; then
  echo "==> private PostgreSQL + PostGIS under var/ (set DATABASE_URL to use your own server)"
  $AM db start >/dev/null
fi
$AM migrate
$AM onboard data --if-empty
$AM users demo
exec $AM serve --port "${PORT:-5000}"
