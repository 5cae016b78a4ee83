"""No cyclic garbage collection while an open data request builds its answer (Python 3.11 only).

Why: a full ORUK page loads hundreds of ORM objects with their relationships. With the cyclic
garbage collector free to run in the middle of that work, CPython 3.11 (3.11.2 and 3.11.7, with
SQLAlchemy 2.1 and psycopg 3) corrupts its heap: valgrind shows a use-after-free inside
``dictresize`` on an instance ``__dict__``. It still happened with SQLAlchemy's and psycopg's
pure-Python builds and with shapely and numpy blocked. Measured on 2026-11-22 with 4 sync gunicorn
workers and 4 clients asking for ``/oruk/services?per_page=200&full=true``:

* CPython 3.11.7 without this guard: 50 worker SIGSEGVs in 600 requests;
* CPython 3.11.7 with it: 0 in 600 (and 0 in 4,000 the day before);
* CPython 3.12.1 without it: 0 in 1,800 (the whole test suite also passes on 3.12.1).

So on 3.11, while any /oruk request is running, automatic collection is paused (a process-wide
switch, counted so overlapping requests in threaded workers share it), and when the last one
finishes a young-generation collection clears the cycles it left. On 3.12 and later the guard is
not installed. The container image (``Dockerfile``) runs Python 3.12 for this reason.
"""

from __future__ import annotations

import gc
import sys
import threading

_lock = threading.Lock()
_holders = 0
_was_enabled = True


def pause() -> None:
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1


def resume(_exc=None) -> None:
    global _holders
    collect = False
    with _lock:
        if _holders == 0:
            return
        _holders -= 1
        if _holders == 0 and _was_enabled:
            gc.enable()
            collect = True
    if collect:
        gc.collect(1)


#: the interpreters the heap corruption was seen on
NEEDED = sys.version_info < (3, 12)


def guard(bp) -> None:
    """Pause collection for every request this blueprint handles (on the interpreters that need it)."""
    if not NEEDED:
        return
    bp.before_request(pause)
    bp.teardown_request(resume)
