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


def test_the_command_starts_the_private_cluster_only_without_database_url(monkeypatch, rebind_session):
    started = []
    monkeypatch.setattr(
        embedded,
        "ensure_running",
        lambda log=print: started.append(1) or "postgresql+psycopg://postgres@/assetmap?host=/run/x",
    )
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert cli._create_app().config["SQLALCHEMY_URL"] == "postgresql+psycopg://postgres@/assetmap?host=/run/x"
    assert started == [1]
    monkeypatch.setenv("DATABASE_URL", "postgresql://someone@db.example.org/assetmap")
    assert cli._create_app().config["SQLALCHEMY_URL"] == "postgresql+psycopg://someone@db.example.org/assetmap"
    assert started == [1]
