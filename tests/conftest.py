"""Test fixtures: a real PostGIS test database built by running the migrations.

The database named by TEST_DATABASE_URL (set by `make test`; the embedded cluster's
``assetmap_test`` otherwise) is wiped and migrated at the start of the session, and the real
York and Birmingham reference data (areas, postcodes, population, deprivation) is loaded once.
Each test then runs inside a transaction that is rolled back, so tests never see each other's
rows. Tests marked ``commits`` run outside that transaction and must clean up after themselves.

Under pytest-xdist (``make test`` runs the whole suite with ``-n auto --dist loadgroup``) every worker
has a database of its own beside that one, named after it (``assetmap_test_gw0``, ``assetmap_test_gw1``,
…), which the worker creates if need be, wipes, migrates and loads. So ``commits`` tests and scratch
databases (named after the worker's database) never meet another worker's. Tests that share something
outside the database (a fixed file name, a port, an expensive module fixture) carry the same
``@pytest.mark.xdist_group("name")``, which runs them one after another on one worker; better still, give
each its own (``tmp_path``, port 0). Test ids must be unique and the same in every worker (no random
values in a parametrize id): xdist schedules by id, so collection refuses duplicates.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from assetmap import create_app
from assetmap import db as dbmod
from assetmap.config import PROJECT_ROOT

DATA = PROJECT_ROOT / "data"


def _base_url() -> str:
    """TEST_DATABASE_URL, or the private cluster's ``assetmap_test`` (ASSETMAP_TEST_DB), started if need be."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    from assetmap import embedded

    embedded.ensure_running(log=lambda *a: None)
    name = os.environ.get("ASSETMAP_TEST_DB", "assetmap_test")
    embedded.ensure_database(name)
    return embedded.url(name)


def _test_url() -> str:
    """This process's test database: the base one, or under pytest-xdist the worker's own beside it."""
    url = _base_url()
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    mine = base.set(database=f"{base.database}_{worker}")
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": mine.database}
            ).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{mine.database}"'))
    finally:
        admin.dispose()
    return mine.render_as_string(hide_password=False)


def reset_database(url: str) -> None:
    """Drop everything and rebuild the schema by running the migrations (not create_all)."""
    from assetmap.cli import upgrade_database

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade_database(url)


def load_reference_data(app) -> None:
    from assetmap.db import session, transaction
    from assetmap.geo import LSOA_POP_POINTS_SQL
    from assetmap.loaders import find_files
    from assetmap.loaders.boundaries import load_boundaries
    from assetmap.loaders.deprivation import load_deprivation
    from assetmap.loaders.population import load_population
    from assetmap.loaders.postcodes import load_postcodes

    plan = find_files(DATA)
    with app.app_context():
        with transaction():
            for p in plan.boundaries:
                load_boundaries(p)
            for p in plan.postcodes:
                load_postcodes(p)
            session.execute(LSOA_POP_POINTS_SQL)
            for p in plan.population:
                load_population(p)
            for p in plan.deprivation:
                load_deprivation(p)
        session.remove()


@pytest.fixture(scope="session")
def database_url() -> str:
    url = _test_url()
    reset_database(url)
    return url


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_URL": database_url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "test-secret-key",
            "SERVER_NAME": None,
        }
    )
    load_reference_data(app)
    from tests.forms import FormClient

    app.test_client_class = FormClient  # form POSTs carry a one-time token, as the pages' forms do
    return app


@pytest.fixture(autouse=True)
def _transaction(request, app):
    """Run each test inside a transaction that is rolled back afterwards (and forget the words the search found
    in the lexicon: another test's listings held them)."""
    from assetmap.practitioners.words import KNOWN_WORDS

    KNOWN_WORDS.forget()
    if request.node.get_closest_marker("commits"):
        yield None
        return
    engine = dbmod.make_engine(app.config["SQLALCHEMY_URL"], app.config["STATEMENT_TIMEOUT_MS"])
    connection = engine.connect()
    outer = connection.begin()
    dbmod.session.remove()
    dbmod.session.configure(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield connection
    finally:
        dbmod.session.remove()
        outer.rollback()
        connection.close()
        dbmod.session.session_factory.kw.pop("join_transaction_mode", None)
        dbmod.session.configure(bind=engine)


@pytest.fixture
def db(_transaction):
    """The scoped session, bound to this test's transaction."""
    return dbmod.session


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


class AssetmapRunner:
    """Invokes the `assetmap` command group against the test app."""

    def __init__(self, app):
        self._runner = app.test_cli_runner()

    def invoke(self, cli=None, args=None, **kw):
        from assetmap.cli import main

        return self._runner.invoke(cli or main, args, **kw)


@pytest.fixture
def runner(app):
    return AssetmapRunner(app)


@pytest.fixture
def rebind_session(database_url):
    """For a test that builds its own app: afterwards the shared session is bound to the test database again.

    ``create_app`` binds the process-wide scoped session to its database, so an app built on another
    database (or one that fails half-way) would leave every later test talking to it.
    """
    yield
    dbmod.session.remove()
    dbmod.configure(database_url)


def pytest_collection_modifyitems(session, config, items):
    """Refuse two tests with one id: pytest-xdist schedules by id and would run only one of them."""
    seen, twice = set(), set()
    for item in items:
        (twice if item.nodeid in seen else seen).add(item.nodeid)
    if twice:
        raise pytest.UsageError(f"tests share an id (under xdist only one would run): {sorted(twice)[:5]}")


def pytest_configure(config):
    config.addinivalue_line("markers", "commits: the test commits for real and cleans up after itself")
    xdist_controller = getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput")
    if xdist_controller and not os.environ.get("TEST_DATABASE_URL"):
        # start the private cluster once, here, rather than in every xdist worker at the same moment;
        # the workers inherit the URL
        os.environ["TEST_DATABASE_URL"] = _base_url()
