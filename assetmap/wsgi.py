"""WSGI entry point for gunicorn: ``gunicorn assetmap.wsgi:app``.

The entry point, not ``create_app``, decides where the database is: DATABASE_URL when set, else the
private cluster, which is started here if it is not running (``embedded.default_url``).
"""

from . import create_app, embedded

app = create_app({"SQLALCHEMY_URL": embedded.default_url(log=lambda *a: None)})
