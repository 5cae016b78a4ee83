# AssetMap: two commands.  `make run` serves the app on real data; `make test` runs the suite.
SHELL := /bin/bash
.DEFAULT_GOAL := run
PORT ?= 5000
export PORT

.PHONY: setup run test audit bench-search bench-coverage bench-load stop lock clean

setup:            ## install Debian packages, the Python venv and front-end assets (idempotent)
	@bash scripts/bootstrap.sh

run: setup        ## start the private PostGIS (unless DATABASE_URL), migrate, load York+Birmingham, serve
	@bash scripts/run.sh

test: setup       ## the whole pytest suite against a real PostGIS (separate test database)
	@bash scripts/test.sh $(ARGS)

audit: setup      ## known vulnerabilities in the locked Python dependencies
	@.venv/bin/python scripts/audit.py

stop:             ## stop the private PostgreSQL cluster
	@.venv/bin/assetmap db stop

lock:             ## refresh requirements.lock from the current venv
	@.venv/bin/pip freeze --exclude-editable | grep -v '^assetmap' > requirements.lock

clean:
	rm -rf .venv node_modules assetmap/static/vendor
