"""WSGI entry point for gunicorn: ``gunicorn assetmap.wsgi:app``.

The entry point, not ``create_app``, decides where the database is: DATABASE_URL when set, else the
private cluster, which is started here if it is not running (``embedded.default_url``).

Once the app is built, everything made so far (the imported modules, the app and its configuration) lives
as long as the process, so it is moved out of the cyclic garbage collector's reach (``gc.freeze``; with
``--preload`` this runs in gunicorn's master, before the workers fork, so their copies of those pages are
not written to either). A full collection then walks only what requests make: before, one walked the
whole heap of some 240,000 objects in 130 ms in the middle of a request, every few dozen requests, and was
the slow request behind a map view's p95 (``bench/markers.py``: "on a Monday" in central London's 10-mile
view, 102 ms at p50 and 259 ms at p95).
"""

from . import create_app, embedded, freeze_heap

app = create_app({"SQLALCHEMY_URL": embedded.default_url(log=lambda *a: None)})
freeze_heap()
