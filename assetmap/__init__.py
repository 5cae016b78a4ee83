"""AssetMap: community asset mapping for strengths-based adult social care."""

from __future__ import annotations

from flask import Flask

from .config import PROJECT_ROOT, load_config


def database_url(config: dict) -> str | None:
    """The database to use, as a psycopg URL: SQLALCHEMY_URL or DATABASE_URL; None when neither is set.

    Building the app never starts a database: the ``assetmap`` command and ``assetmap.wsgi`` start the
    private cluster first when DATABASE_URL is unset (``embedded.default_url``), and tests pass their own.
    """
    url = config.get("SQLALCHEMY_URL") or config.get("DATABASE_URL")
    if not url:
        return None
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory: config from the environment, extensions bound, blueprints registered."""
    app = Flask(
        __name__, template_folder=str(PROJECT_ROOT / "templates"), static_folder="static", static_url_path="/static"
    )
    app.config.from_mapping(load_config())
    if test_config:
        app.config.update(test_config)
    url = database_url(app.config)
    if url is None:
        raise RuntimeError(
            "No database: set DATABASE_URL, or start AssetMap with the `assetmap` command or "
            "`gunicorn assetmap.wsgi:app`, which start the private PostgreSQL cluster."
        )
    app.config["SQLALCHEMY_URL"] = url
    if app.config.get("PROXY_HOPS"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from . import db, errors, logs, once, parsing, replicas, web

    parsing.init_app(app)  # request.get_json() goes through the one JSON parser at the edge
    logs.init_app(app)
    db.init_app(app)
    errors.init_app(app)
    once.init_app(app)
    web.init_app(app)
    replicas.init_app(app)

    from . import accounts, security

    security.init_app(app)
    accounts.init_app(app)

    # the journeys: each area package registers its own blueprint(s)
    import importlib.util

    for name in ("practitioners", "upkeep", "coverage", "opendata", "ogcapi", "embed", "jobs", "mail"):
        if importlib.util.find_spec(f"{__name__}.{name}") is not None:
            importlib.import_module(f"{__name__}.{name}").init_app(app)
    return app


def freeze_heap() -> None:
    """Move every object made so far out of the cyclic garbage collector's reach (``gc.freeze``): what building
    the app made lives as long as the process, and a full collection walking it took 130 ms in the middle of
    a request (``assetmap.wsgi`` explains). For entry points, after ``create_app``; never in tests."""
    import gc

    gc.collect()
    gc.freeze()
