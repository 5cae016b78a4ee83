#!/usr/bin/env bash
# Install everything AssetMap needs, idempotently and quickly on a second run:
# Debian packages (PostGIS, Chromium for the accessibility tests, Node for front-end assets, GDAL
# for the OGC API client tests),
# a .venv with the locked Python dependencies (runtime and development: make run and make test share
# the venv; the Docker image installs the runtime lock only), and the front-end assets served locally.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1 || need+=(postgresql-15 postgresql-15-postgis-3 postgresql-contrib)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)
dpkg -s fonts-liberation >/dev/null 2>&1 || need+=(fonts-liberation)
# GDAL's command-line tools: the tests read the OGC API - Features with ogrinfo/ogr2ogr, a real client.
command -v ogrinfo >/dev/null 2>&1 || need+=(gdal-bin)
if ((${#need[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "AssetMap needs these Debian packages: ${need[*]}. Run 'make setup' as root (or sudo)." >&2
    exit 1
  fi
  # Debian's postgresql package would create and start a system-wide cluster: AssetMap runs
  # its own private one instead, so tell postgresql-common not to create 'main'.
  mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/assetmap.conf
  echo "==> apt-get install ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

stamp_py=$(cat requirements.lock requirements-dev.lock pyproject.toml | sha1sum | cut -c1-16)
if [ ! -x .venv/bin/python ] || [ "$(cat .venv/.assetmap-stamp 2>/dev/null)" != "$stamp_py" ]; then
  echo "==> Python dependencies (.venv)"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -r requirements.lock -r requirements-dev.lock
  .venv/bin/python -m pip install -q --no-deps -e .
  echo "$stamp_py" > .venv/.assetmap-stamp
fi

stamp_js=$(cat package.json package-lock.json scripts/vendor_assets.py | sha1sum | cut -c1-16)
if [ ! -f assetmap/static/vendor/.stamp ] || [ "$(cat assetmap/static/vendor/.stamp)" != "$stamp_js" ]; then
  echo "==> front-end assets (npm ci, copied to assetmap/static/vendor)"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  .venv/bin/python scripts/vendor_assets.py
  echo "$stamp_js" > assetmap/static/vendor/.stamp
fi
