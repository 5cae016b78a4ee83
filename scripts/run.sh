#!/usr/bin/env bash
# Serve AssetMap on real York and Birmingham data (PORT, default 5000).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${DATABASE_URL:-}" ]; then
  echo "==> private PostgreSQL + PostGIS under var/ (set DATABASE_URL to use your own server)"
fi
# one process: start the private cluster if needed, migrate, load once, demo accounts, then gunicorn
exec .venv/bin/assetmap up --port "${PORT:-5000}"
