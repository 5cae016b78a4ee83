"""Resilience: statement timeouts, a database that goes away and comes back, an import killed mid-way."""

import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from assetmap import create_app
from assetmap.config import PROJECT_ROOT
from assetmap.db import session
from assetmap.embedded import pg_bindir


def test_statement_timeout_gives_a_friendly_503_page(database_url, rebind_session):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_URL": database_url, "STATEMENT_TIMEOUT_MS": 50})
    app.add_url_rule("/_slow", "slow", lambda: str(session.execute(text("SELECT pg_sleep(2)")).scalar()))
    resp = app.test_client().get("/_slow", headers={"Accept": "text/html"})
    assert resp.status_code == 503
    html = resp.get_data(as_text=True)
    assert "Sorry, the service is unavailable" in html
    assert "Traceback" not in html and "QueryCanceled" not in html and "pg_sleep" not in html
    assert resp.headers["Retry-After"] == "30"


@pytest.mark.parametrize("plan", ["map", "search"])
def test_a_timeout_under_a_statement_s_own_plan_settings_is_still_a_503(database_url, rebind_session, plan):
    """The map's whole-view count and the search's walk set planner settings for one statement and reset them
    after it. When the statement times out the transaction is aborted (taking the settings with it): resetting
    them then failed with "current transaction is aborted", and that error, not the timeout, reached the
    handler as a 500."""
    from assetmap.practitioners import markers, queries

    settings = {"map": lambda: markers._by_bitmap(True), "search": lambda: queries._nearest_first_plan(True)}[plan]
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_URL": database_url, "STATEMENT_TIMEOUT_MS": 50})

    def slow():
        with settings():
            return str(session.execute(text("SELECT pg_sleep(2)")).scalar())

    app.add_url_rule("/_slow", "slow", slow)
    resp = app.test_client().get("/_slow", headers={"Accept": "text/html"})
    assert resp.status_code == 503
    assert "Sorry, the service is unavailable" in resp.get_data(as_text=True)


def _as_postgres(args, **kw):
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, capture_output=True, text=True, **kw)


@pytest.fixture
def throwaway_cluster():
    """A tiny PostgreSQL cluster of its own that the test can stop and start."""
    base = Path(tempfile.mkdtemp(prefix="assetmap-pg-", dir="/tmp"))
    os.chmod(base, 0o755)
    if os.geteuid() == 0:
        pg = pwd.getpwnam("postgres")
        os.chown(base, pg.pw_uid, pg.pw_gid)
    data, run = base / "data", base / "run"
    bindir = pg_bindir()
    assert _as_postgres([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]).returncode == 0
    _as_postgres(["mkdir", "-p", str(run)])
    opts = f"-k {run} -c listen_addresses='' -c fsync=off"

    def start():
        res = _as_postgres(
            [str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(base / "log"), "-w", "start"]
        )
        assert res.returncode == 0, res.stderr

    def stop():
        _as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])

    start()
    _as_postgres([str(bindir / "psql"), "-h", str(run), "-U", "postgres", "-c", "CREATE EXTENSION postgis"])
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={run}", start, stop
    finally:
        stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.commits
def test_database_going_away_gives_503_and_the_app_recovers_by_itself(throwaway_cluster, rebind_session):
    url, start, stop = throwaway_cluster
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_URL": url})
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    stop()
    down = client.get("/healthz")
    assert down.status_code == 503
    start()
    deadline = time.monotonic() + 20
    while client.get("/healthz").status_code != 200:
        assert time.monotonic() < deadline, "the app did not reconnect"
        time.sleep(0.5)


@pytest.mark.commits
def test_an_import_killed_mid_way_leaves_nothing_half_written(database_url):
    """Kill `assetmap load assets` while it writes: its single transaction leaves no rows at all."""
    from sqlalchemy import create_engine

    engine = create_engine(database_url)
    count = lambda: engine.connect().execute(text("SELECT count(*) FROM service WHERE source = 'killed'")).scalar()  # noqa: E731
    env = dict(os.environ, DATABASE_URL=database_url)
    assetmap_cmd = str(Path(sys.executable).with_name("assetmap"))
    proc = subprocess.Popen(
        [
            assetmap_cmd,
            "load",
            "assets",
            "--source",
            "killed",
            str(PROJECT_ROOT / "data" / "demo" / "community_assets_birmingham.csv"),
        ],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        # wait until the import is writing (it holds an open transaction with inserts in it)
        deadline = time.monotonic() + 60
        with engine.connect() as conn:
            while time.monotonic() < deadline:
                busy = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'assetmap' "
                        "AND state = 'idle in transaction' AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
                    )
                ).scalar()
                conn.rollback()
                if busy:
                    break
                time.sleep(0.1)
            else:
                pytest.fail("the import never started writing")
        time.sleep(1.0)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    time.sleep(0.5)
    assert count() == 0
    engine.dispose()
