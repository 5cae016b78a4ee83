"""Read replicas (``DATABASE_REPLICA_URLS``, assetmap/db.py and web.route_reads) against a real streaming replica.

The replica is made from the private cluster with ``pg_basebackup -R`` (its own data folder and socket folder,
started with ``pg_ctl``), so it replays the primary's WAL as a production replica does. Which database answered
is told by what it can see: with the replica's replay paused, a listing committed on the primary is on the
primary only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from assetmap import create_app, embedded
from assetmap import db as dbmod
from assetmap.db import session, transaction
from assetmap.models import SubmissionReceipt
from tests.factories import login, make_asset, make_user

pytestmark = [pytest.mark.commits, pytest.mark.xdist_group("replica")]

SOURCE = "replica-test"


def _owner(args: list[str], **kw) -> subprocess.CompletedProcess:
    return embedded._run_as_owner(args, timeout=300, **kw)


class Replica:
    """A hot standby of the private cluster in its own folders."""

    def __init__(self, base):
        self.base = base
        self.data = base / "data"
        self.run = base / "run"
        self.bindir = embedded.pg_bindir()

    def create(self) -> None:
        self.run.mkdir(parents=True)
        if embedded._is_root():
            shutil.chown(self.base, "postgres", "postgres")
            shutil.chown(self.run, "postgres", "postgres")
        res = _owner(
            [
                str(self.bindir / "pg_basebackup"),
                *("-D", str(self.data), "-R", "-X", "stream", "-c", "fast", "--no-sync"),
                *("-h", str(embedded.socket_dir()), "-p", str(embedded.PG_PORT), "-U", "postgres"),
            ]
        )
        assert res.returncode == 0, res.stderr
        # its own socket folder (the copied postgresql.conf names the primary's), still no TCP port
        with open(self.data / "postgresql.auto.conf", "a") as conf:
            conf.write(f"unix_socket_directories = '{self.run}'\nlisten_addresses = ''\n")
        self.start()

    def start(self) -> None:
        res = _owner([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.base / "log"), "-w", "start"])
        assert res.returncode == 0, res.stdout + res.stderr

    def stop(self) -> None:
        _owner([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"])

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://postgres@/{dbname}?host={quote(str(self.run))}&port={embedded.PG_PORT}"


@pytest.fixture(scope="module")
def replica(database_url):
    base = embedded.cluster_dir() / f"replica-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    rep = Replica(base)
    try:
        rep.create()
        yield rep
    finally:
        rep.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def replica_engine(replica, database_url):
    engine = create_engine(
        replica.url(make_url(database_url).database), isolation_level="AUTOCOMMIT", pool_pre_ping=True
    )
    yield engine
    with engine.connect() as conn:  # leave it replaying for the next test
        if conn.execute(text("SELECT pg_is_in_recovery()")).scalar_one():
            conn.execute(text("SELECT pg_wal_replay_resume()"))
    engine.dispose()


def routed_app(database_url, replica, max_lag_s: int):
    from tests.forms import FormClient

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_URL": database_url,
            "DATABASE_REPLICA_URLS": replica.url(make_url(database_url).database),
            "REPLICA_MAX_LAG_SECONDS": max_lag_s,
            "REPLICA_RETRY_SECONDS": 1,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "test-secret-key",
        }
    )
    app.test_client_class = FormClient
    return app


@pytest.fixture
def committed(app, rebind_session):
    """Listings and users committed on the primary for real, removed afterwards."""
    made: dict[str, list] = {"users": []}
    yield made
    dbmod.session.remove()
    with transaction():
        session.execute(text("DELETE FROM service WHERE source = :s"), {"s": SOURCE})
        session.execute(text("DELETE FROM location WHERE source = :s"), {"s": SOURCE})
        for user_id in made["users"]:
            session.execute(text("DELETE FROM app_user WHERE id = :id"), {"id": user_id})


def commit_listing(app, name: str) -> str:
    with app.app_context(), transaction():
        return str(make_asset(source=SOURCE, name=name).id)


def wait_until(check, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.1)


def on_replica(engine, service_id: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM service WHERE id = :id"), {"id": service_id}).scalar_one() == 1


def anonymous_sees(client, service_id: str) -> bool:
    status = client.get(f"/oruk/services/{service_id}").status_code
    assert status in (200, 404)
    return status == 200


def test_anonymous_reads_come_from_the_replica_and_a_signed_in_editor_reads_the_primary(
    app, database_url, replica, replica_engine, committed
):
    routed = routed_app(database_url, replica, max_lag_s=3600)
    with replica_engine.connect() as conn:
        conn.execute(text("SELECT pg_wal_replay_pause()"))
    fresh = commit_listing(routed, "Committed while the replica is paused")
    with routed.app_context(), transaction():
        editor = make_user("coordinator", wards=["E05011151"])
        committed["users"].append(editor.id)

    anonymous = routed.test_client()
    assert not anonymous_sees(anonymous, fresh)  # the replica has not replayed it
    assert anonymous.get(f"/assets/{fresh}").status_code == 404
    found = anonymous.post("/api/search", json={"postcode": "B1 1BA", "radius_m": 500}).get_json()
    assert fresh not in {f["id"] for f in found["features"]}

    signed_in = routed.test_client()
    assert login(signed_in, editor).status_code == 302
    assert anonymous_sees(signed_in, fresh)  # the same page, read from the primary
    assert signed_in.get(f"/assets/{fresh}").status_code == 200
    found = signed_in.post("/api/search", json={"postcode": "B1 1BA", "radius_m": 500}).get_json()
    assert fresh in {f["id"] for f in found["features"]}

    with replica_engine.connect() as conn:
        conn.execute(text("SELECT pg_wal_replay_resume()"))
    wait_until(lambda: on_replica(replica_engine, fresh))
    assert anonymous_sees(anonymous, fresh)


def test_a_replica_further_behind_than_the_limit_is_skipped(app, database_url, replica, replica_engine, committed):
    strict = routed_app(database_url, replica, max_lag_s=1)
    tolerant = routed_app(database_url, replica, max_lag_s=3600)
    commit_listing(strict, "Replayed before the pause")
    with replica_engine.connect() as conn:
        wait_until(lambda: conn.execute(dbmod.LAG_SQL).scalar_one() == 0)
        conn.execute(text("SELECT pg_wal_replay_pause()"))
    fresh = commit_listing(strict, "Committed while the replica is paused")
    time.sleep(1.5)  # now more than a second behind: it has received WAL it has not replayed

    assert not anonymous_sees(tolerant.test_client(), fresh)
    assert anonymous_sees(strict.test_client(), fresh)  # the strict app skipped the replica


def test_a_replica_stopped_mid_run_is_skipped_and_used_again_once_back(
    app, database_url, replica, replica_engine, committed
):
    routed = routed_app(database_url, replica, max_lag_s=3600)
    with replica_engine.connect() as conn:
        conn.execute(text("SELECT pg_wal_replay_pause()"))
    fresh = commit_listing(routed, "Only on the primary")
    client = routed.test_client()
    answers = [anonymous_sees(client, fresh) for _ in range(5)]

    replica.stop()  # as if its machine went away: pooled connections to it are now dead
    try:
        answers += [anonymous_sees(client, fresh) for _ in range(5)]
        search = client.post("/api/search", json={"postcode": "B1 1BA", "radius_m": 500})
        assert search.status_code == 200
        assert fresh in {f["id"] for f in search.get_json()["features"]}
    finally:
        replica.start()
    assert answers == [False] * 5 + [True] * 5  # the replica, then the primary: no request failed

    replicas = routed.extensions["assetmap_replicas"]
    wait_until(lambda: on_replica(replica_engine, fresh))  # a restarted standby is no longer paused
    time.sleep(1.1)  # REPLICA_RETRY_SECONDS
    with routed.app_context():
        assert replicas.pick() is replicas.engines[0]


def test_writes_in_a_routed_request_go_to_the_primary_and_reads_to_the_replica(app, database_url, replica, committed):
    routed = routed_app(database_url, replica, max_lag_s=3600)
    with routed.test_request_context("/oruk/services"):
        assert dbmod.read_from_replica(routed) is not None
        assert session.execute(text("SELECT pg_is_in_recovery()")).scalar_one() is True
        key = f"replica-{uuid.uuid4().hex}"
        with transaction():  # a read-only replica would refuse this INSERT
            session.execute(insert(SubmissionReceipt).values(key_hash=key, kind="test", redirect_to="/"))
        session.remove()
    with routed.app_context(), transaction():
        gone = session.execute(text("DELETE FROM submission_receipt WHERE key_hash = :k RETURNING 1"), {"k": key})
        assert gone.all() == [(1,)]


def test_replica_urls_are_read_from_a_list_and_made_psycopg_urls():
    assert dbmod.replica_urls(" postgresql://a/x, postgres://b/x  postgresql+psycopg://c/x ") == [
        "postgresql+psycopg://a/x",
        "postgresql+psycopg://b/x",
        "postgresql+psycopg://c/x",
    ]
    assert dbmod.replica_urls("") == []
