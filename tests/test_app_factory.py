"""create_app() builds the app and starts nothing: the entry points (the `assetmap` command and
assetmap.wsgi) decide where the database is, starting the private cluster only when DATABASE_URL is unset."""

import pytest

from assetmap import cli, create_app, embedded


def _refuse(*_a, **_kw):
    raise AssertionError("the private PostgreSQL cluster was started")


def test_create_app_without_a_database_says_so_and_starts_nothing(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(embedded, "ensure_running", _refuse)
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        create_app({"SECRET_KEY": "x"})


def test_create_app_uses_database_url_as_given(monkeypatch, rebind_session):
    monkeypatch.setenv("DATABASE_URL", "postgres://someone:secret@db.example.org/assetmap")
    monkeypatch.setattr(embedded, "ensure_running", _refuse)
    app = create_app({"SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_URL"] == "postgresql+psycopg://someone:secret@db.example.org/assetmap"


def test_the_command_starts_the_private_cluster_on_its_first_connection_only(monkeypatch, rebind_session, database_url):
    """Without DATABASE_URL the command's app points at the private cluster and starts it when a command
    first connects; listing the commands (`assetmap --help`) connects to nothing and starts nothing."""
    from click.testing import CliRunner
    from sqlalchemy import text

    from assetmap import db

    started = []
    monkeypatch.setattr(embedded, "ensure_running", lambda log=print: started.append(1) or database_url)
    monkeypatch.setattr(embedded, "url", lambda dbname="assetmap": database_url)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(cli, "_cluster_started", [])

    result = CliRunner().invoke(cli.main, ["--help"])
    assert result.exit_code == 0 and "jobs" in result.output
    app = cli._create_app()
    assert app.config["SQLALCHEMY_URL"] == database_url
    assert started == []
    db.session.get_bind().dispose()  # no pooled connection: the next use really connects
    with app.app_context():
        assert db.session.execute(text("select 1")).scalar() == 1
        db.session.execute(text("select 2"))
    assert started == [1]


def test_the_command_uses_database_url_and_never_the_private_cluster(monkeypatch, rebind_session):
    monkeypatch.setattr(embedded, "ensure_running", _refuse)
    monkeypatch.setenv("DATABASE_URL", "postgresql://someone@db.example.org/assetmap")
    assert cli._create_app().config["SQLALCHEMY_URL"] == "postgresql+psycopg://someone@db.example.org/assetmap"


def test_the_wsgi_entry_point_moves_what_it_built_out_of_the_collectors_reach(database_url):
    """``assetmap.wsgi`` freezes the objects made while building the app (a full collection of them took 130 ms
    inside a request): imported in a fresh interpreter, its heap is frozen; a bare ``create_app`` is not."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": database_url}
    probe = "import gc, {m}; print(gc.get_freeze_count())"
    frozen = subprocess.run(
        [sys.executable, "-c", probe.format(m="assetmap.wsgi")], env=env, capture_output=True, text=True, check=True
    )
    assert int(frozen.stdout.split()[-1]) > 100_000
    bare = subprocess.run(
        [sys.executable, "-c", "import gc, assetmap; assetmap.create_app(); print(gc.get_freeze_count())"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(bare.stdout.split()[-1]) == 0
