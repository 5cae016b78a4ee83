"""Engine and session handling: one scoped session per request or command."""

from __future__ import annotations

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
