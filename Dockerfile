# Production-like image: gunicorn serving AssetMap; migrations run on start (see docker/entrypoint.sh).
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.12-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ASSETMAP_ENV=production PORT=8000
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 assetmap
WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
COPY --from=assets /src/node_modules ./node_modules
RUN pip install --no-cache-dir --no-deps -e . && python scripts/vendor_assets.py && rm -rf node_modules \
    && mkdir -p /app/var/outbox && chown -R assetmap /app/var
USER assetmap
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"
ENTRYPOINT ["docker/entrypoint.sh"]
