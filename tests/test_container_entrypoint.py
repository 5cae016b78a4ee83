"""The container's start-up path (docker/entrypoint.sh), run without a container engine.

docker-compose.yml runs this script in the app image against an empty PostGIS: it must migrate,
load the reference data on first start, and serve under gunicorn until /healthz answers. Here it
runs against a fresh database on the test server, in production mode, on a free loopback port;
then it is started a second time to show a restart finds everything in place and loads nothing twice.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.factories import scratch_database

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str):
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.status, resp.headers, resp.read()


def _start(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        ["sh", str(ROOT / "docker/entrypoint.sh")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait_healthy(proc: subprocess.Popen, port: int, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"entrypoint exited with {proc.returncode}:\n{proc.stdout.read().decode()[-3000:]}")
        try:
            status, _, body = _get(f"http://127.0.0.1:{port}/healthz")
            if status == 200:
                return json.loads(body)
        except OSError:
            pass
        time.sleep(1)
    pytest.fail("the app did not answer /healthz in time")


def _stop(proc: subprocess.Popen) -> str:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.stdout.read().decode()


@pytest.mark.commits
def test_entrypoint_migrates_loads_and_serves_an_empty_database(database_url):
    with scratch_database(database_url, "_container") as scratch:
        _start_twice(scratch)


def _start_twice(scratch) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": scratch.render_as_string(hide_password=False),
        "ASSETMAP_ENV": "production",
        "SECRET_KEY": "x" * 64,
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    env.pop("TEST_DATABASE_URL", None)
    proc = _start(env)
    try:
        health = _wait_healthy(proc, port, seconds=420)
        assert health["status"] == "ok"
        status, headers, body = _get(f"http://127.0.0.1:{port}/search")
        assert status == 200 and b"postcode" in body.lower()
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        status, _, body = _get(f"http://127.0.0.1:{port}/oruk/services?per_page=1")
        assert status == 200 and json.loads(body)["total_items"] > 0
    finally:
        first_log = _stop(proc)
    assert "Traceback" not in first_log

    engine = create_engine(scratch)
    try:
        with engine.connect() as conn:
            counts = {
                t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                for t in ("ward", "constituency", "lsoa", "postcode", "service")
            }
            illustrative = conn.execute(text("SELECT count(*) FROM service WHERE illustrative")).scalar()
        assert counts["ward"] == 90 and counts["constituency"] == 12 and counts["lsoa"] == 759
        assert counts["postcode"] > 27_000 and counts["service"] > 50
        assert illustrative == 0  # production start-up loads no demo assets

        # a restart (container recreated on the same volume) loads nothing twice
        proc = _start(env)
        try:
            _wait_healthy(proc, port, seconds=120)
        finally:
            _stop(proc)
        with engine.connect() as conn:
            again = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in counts}
        assert again == counts
    finally:
        engine.dispose()
