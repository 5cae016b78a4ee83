#!/bin/sh
# Migrate, load the reference data on first start, then serve with gunicorn.
set -eu
assetmap migrate
assetmap onboard data --if-empty ${ONBOARD_FLAGS:---no-demo}
exec gunicorn --config python:assetmap.gunicorn_conf --bind "0.0.0.0:${PORT:-8000}" --workers "${WEB_CONCURRENCY:-4}" --threads 1 \
  --timeout 60 --graceful-timeout 20 --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" \
  --log-level warning assetmap.wsgi:app
