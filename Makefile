# AssetMap: two commands.  `make run` serves the app on real data; `make test` runs the suite.
SHELL := /bin/bash
.DEFAULT_GOAL := run
PORT ?= 5000
export PORT

.PHONY: setup run test lint format audit bench-search bench-coverage bench-load stop lock clean

setup:            ## install Debian packages, the Python venv and front-end assets (idempotent)
	@bash scripts/bootstrap.sh

run: setup        ## start the private PostGIS (unless DATABASE_URL), migrate, load York+Birmingham, serve
	@bash scripts/run.sh

# The whole suite (no ARGS) lints first, as CI does: a few seconds against two minutes of tests.
# A subset (`make test ARGS="tests/test_foo.py -x"`) skips lint so work in progress can be tested.
test: setup $(if $(ARGS),,lint)  ## the pytest suite against a real PostGIS (separate test database(s))
	@bash scripts/test.sh $(ARGS)

lint: setup       ## ruff (lint rules, complexity) and the mypy ratchet on the core packages
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .
	@.venv/bin/python scripts/mypy_ratchet.py

format: setup     ## sort imports and format the tree
	@.venv/bin/ruff check --fix-only . && .venv/bin/ruff format .

audit: setup      ## known vulnerabilities in both lock files (runtime and development)
	@.venv/bin/python scripts/audit.py

stop:             ## stop the private PostgreSQL cluster
	@.venv/bin/assetmap db stop

lock: setup       ## regenerate requirements.lock (runtime) and requirements-dev.lock from pyproject.toml
	@export CUSTOM_COMPILE_COMMAND="make lock"; \
	opts="--quiet --strip-extras --no-emit-index-url --no-emit-find-links"; \
	.venv/bin/pip-compile $$opts --output-file requirements.lock pyproject.toml && \
	.venv/bin/pip-compile $$opts --extra dev --constraint requirements.lock --output-file requirements-dev.lock pyproject.toml

clean:
	rm -rf .venv node_modules assetmap/static/vendor .mypy_cache .ruff_cache .coverage
