"""Engine and session handling: one scoped session per request or command, and the one unit of work.

``transaction()`` is the only place that commits or rolls back a piece of work: every use case, command
and importer runs its writes inside one, so a failure half-way leaves nothing behind. Stores and loaders
only flush; route modules never touch the session (``tests/test_architecture.py`` checks both).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import scoped_session, sessionmaker

session = scoped_session(sessionmaker(expire_on_commit=False))
_engines: dict[str, Engine] = {}


def make_engine(url: str, statement_timeout_ms: int = 15000) -> Engine:
    """Create (or reuse) an engine; every connection gets a statement timeout."""
    key = f"{url}|{statement_timeout_ms}"
    if key not in _engines:
        engine = create_engine(
            url,
            pool_pre_ping=True,
            pool_size=5,
            max_overflow=10,
            connect_args={
                "options": f"-c statement_timeout={int(statement_timeout_ms)}",
                "connect_timeout": 5,
                "application_name": "assetmap",
            },
        )
        _engines[key] = engine
    return _engines[key]


def configure(url: str, statement_timeout_ms: int = 15000) -> Engine:
    """Bind the scoped session to the database at ``url``."""
    engine = make_engine(url, statement_timeout_ms)
    session.remove()
    session.configure(bind=engine)
    return engine


def init_app(app) -> None:
    """Bind the session for this app and remove it at the end of each request."""
    configure(app.config["SQLALCHEMY_URL"], app.config["STATEMENT_TIMEOUT_MS"])

    @app.teardown_appcontext
    def _remove_session(exc=None):
        session.remove()


@contextmanager
def transaction(dry_run: bool = False) -> Iterator[scoped_session]:
    """One unit of work: commit when the block ends, or roll back and re-raise when it raises.

    ``dry_run`` rolls back even when the block succeeds: the writes are made (so the database's own rules
    and triggers run and can be reported) and nothing is kept. Blocks may nest: an inner block's commit commits
    the session's whole transaction so far (a form's one-time claim, ``assetmap.once``, is committed with the
    record it guards), and a failure rolls back whatever is not committed yet. Only ``Exception`` is caught:
    an interrupted process (``KeyboardInterrupt``) closes its connection and the database rolls back for it.
    """
    try:
        yield session
        if dry_run:
            session.rollback()
        else:
            session.commit()
    except Exception:
        session.rollback()
        raise
