"""No cyclic garbage collection while an open data request builds its answer.

Why: a full ORUK page loads hundreds of ORM objects with their relationships. With the cyclic
garbage collector free to run in the middle of that work, this interpreter (CPython 3.11.2 and
3.11.7 with SQLAlchemy 2.1, psycopg 3) corrupted its heap: about 1 worker in 170 requests died with
SIGSEGV under 4 concurrent clients, with sync or threaded gunicorn workers alike. It still happened
with SQLAlchemy's and psycopg's pure-Python builds and with shapely and numpy blocked; valgrind shows
a use-after-free inside CPython's ``dictresize`` on an instance ``__dict__``; with the collector off
during the request it did not happen once in 4,000 requests.

So while any /oruk request is running, automatic collection is paused (a process-wide switch,
counted so overlapping requests in threaded workers share it), and when the last one finishes a
young-generation collection clears the cycles it left. The guard is a workaround, not a fix: remove
it once the interpreter is upgraded and ``tests``/``bench`` show no crash without it.
"""
from __future__ import annotations

import gc
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


def guard(bp) -> None:
    """Pause collection for every request this blueprint handles."""
    bp.before_request(pause)
    bp.teardown_request(resume)
