"""Engine and session handling: one scoped session per request or command, and the one unit of work.

``transaction()`` is the only place that commits or rolls back a piece of work: every use case, command
and importer runs its writes inside one, so a failure half-way leaves nothing behind. Stores and loaders
only flush; route modules never touch the session (``tests/test_architecture.py`` checks both).

Read replicas (``DATABASE_REPLICA_URLS``, PostgreSQL's own streaming replication): one machine's cores are
what limits the anonymous reads (searches, asset pages, ORUK, OGC, map markers), and those may be a
moment old, so a request to a view marked ``replica_reads`` from someone not signed in reads from a
replica. Everything else stays on the primary: writes (a flush or an INSERT/UPDATE/DELETE goes to the
primary even inside a routed request) and every request by a signed-in user (the policy, which views
may read from a replica, is ``assetmap/replicas.py``), so an editor sees their own
change at once. The replica is chosen per request by asking it how far behind it is (one round trip on
loopback, which also finds a dead connection): one that does not answer is skipped for
``REPLICA_RETRY_SECONDS``, one behind by more than ``REPLICA_MAX_LAG_SECONDS`` is skipped for this request,
and with none left the request reads from the primary. A replica that dies during a request fails that
request only (a 503, like the primary going away); the next one is routed elsewhere.
"""

from __future__ import annotations

import functools
import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from psycopg import Error as PsycopgError
from psycopg import _queries as psycopg_queries
from psycopg.pq import TransactionStatus
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, scoped_session, sessionmaker

#: how far behind the primary a replica is, in seconds: 0 when it has replayed all it has received
#: (an idle primary sends nothing, so the last replay time alone would look like lag)
LAG_SQL = text(
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0"
    " WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0"
    " ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)


class RoutingSession(Session):
    """A session whose reads go to ``info["replica"]`` when a request set one; writes always to the primary."""

    def get_bind(self, mapper=None, *, clause=None, **kw):
        replica = self.info.get("replica")
        if replica is not None and not self._flushing and not getattr(clause, "is_dml", False):
            return replica
        return super().get_bind(mapper, clause=clause, **kw)


#: psycopg turns a statement's ``%(name)s`` placeholders into ``$n`` at every execute and keeps the result (its
#: own LRU cache of 128 statements) only for a statement of at most 4,096 bytes and 50 parameters. The search's
#: statements are 6-10 KB with 40-98 parameters, so every search paid 0.19-0.32 ms of Python to convert the same
#: text again (measured on this machine). Raised here: 128 statements of at most 32 KB is 4 MB a process at most.
#: (Module settings of psycopg's, read at each execute; ``tests/test_db_prepared.py`` checks a search's are cached.)
psycopg_queries.MAX_CACHED_STATEMENT_LENGTH = 32 * 1024
psycopg_queries.MAX_CACHED_STATEMENT_PARAMS = 500

session = scoped_session(sessionmaker(class_=RoutingSession, expire_on_commit=False))
_engines: dict[str, Engine] = {}


def make_engine(url: str, statement_timeout_ms: int = 15000, connect_timeout_s: int = 5) -> Engine:
    """Create (or reuse) an engine; every connection gets a statement timeout, no JIT and no parallel workers.

    JIT: PostgreSQL compiles a statement whose estimated cost passes ``jit_above_cost``; the search's
    statements in a dense circle do (the estimate counts every place in it, the scan stops after 1,001), and
    compiling took about 35 ms of a 12 ms statement at 100,000 assets. Parallel workers: requests already
    run side by side on every core, and with them the planner chose a parallel scan of every listing
    (25 ms x 3 processes at 100,000) over the text index (0.1 ms) for a rare search word. This app runs
    short statements only.

    Custom plans: psycopg prepares a statement on the server once a connection has run it five times, and
    PostgreSQL then plans a prepared statement once for any values (a "generic" plan) when that looks no
    dearer than planning each time. The search's one statement text serves every place and radius: its
    generic plan read the words' text index for all of England, so after ten searches for "dementia" one
    in an 800 m circle in Cornwall took 50 ms instead of 2 (bench/README.md). Every statement is planned
    for its own values; it is still parsed once (a read ends in a commit for that: ``_keep_prepared``)."""
    key = f"{url}|{statement_timeout_ms}|{connect_timeout_s}"
    if key not in _engines:
        engine = create_engine(
            url,
            pool_pre_ping=True,
            pool_size=5,
            max_overflow=10,
            connect_args={
                "options": (
                    f"-c statement_timeout={int(statement_timeout_ms)} -c jit=off -c max_parallel_workers_per_gather=0"
                    " -c plan_cache_mode=force_custom_plan"
                ),
                "connect_timeout": connect_timeout_s,
                "application_name": "assetmap",
            },
        )
        event.listen(engine, "connect", _bound_prepared)
        event.listen(engine, "rollback", _keep_prepared)
        _engines[key] = engine
    return _engines[key]


#: whether this transaction has written anything: PostgreSQL gives a transaction an id at its first write
#: (or row lock), and only then
_WROTE_NOTHING = "SELECT txid_current_if_assigned() IS NULL"


#: statements psycopg keeps prepared per connection, the least used dropped first (its default is 100):
#: PostgreSQL holds about 250 KB for each of the search's (measured), so a backend holds at most about 8 MB
PREPARED_MAX = 32


def _bound_prepared(dbapi_connection, _record) -> None:
    dbapi_connection.prepared_max = PREPARED_MAX


def _keep_prepared(conn) -> None:
    """Before a rollback: end a transaction that wrote nothing with a commit instead, the same outcome.

    psycopg forgets every statement it has prepared on a connection at each rollback (the rollback might
    undo a DROP the statements depend on), and a request's session ends in one whenever it did not commit,
    that is after every read. So no statement was ever prepared, and each search's statement (6-9 KB of
    SQL) was parsed and analysed again on every request: 0.4-0.7 ms of a search without words and 0.85-0.95
    ms of one with them at 1,000,000 assets (bench/prepared.py). A transaction that has written has an id and
    is rolled back as asked; one that has failed (not plainly in a transaction) too; if asking fails, the
    rollback that follows ends the transaction, as before. (A NOTIFY would be sent by the commit; this app
    sends none.)"""
    raw = conn.connection.dbapi_connection
    if raw is None or raw.info.transaction_status != TransactionStatus.INTRANS:
        return
    try:
        with raw.cursor() as cur:
            wrote_nothing = cur.execute(_WROTE_NOTHING).fetchone()
        if wrote_nothing and wrote_nothing[0]:
            raw.commit()
    except PsycopgError:
        return


def configure(url: str, statement_timeout_ms: int = 15000) -> Engine:
    """Bind the scoped session to the database at ``url``."""
    engine = make_engine(url, statement_timeout_ms)
    session.remove()
    session.configure(bind=engine)
    return engine


class Replicas:
    """The read replicas of one app, taken in turn, with what was last seen of each."""

    def __init__(self, urls: list[str], statement_timeout_ms: int, max_lag_s: float, retry_s: float):
        self.engines = [make_engine(u, statement_timeout_ms, connect_timeout_s=2) for u in urls]
        self.max_lag_s = max_lag_s
        self.retry_s = retry_s
        self._down_until = [0.0] * len(urls)
        self._turn = itertools.count()
        self._lock = threading.Lock()

    def lag_s(self, engine: Engine) -> float:
        """How far behind the primary ``engine`` is (raises when it cannot be reached)."""
        with engine.connect() as conn:
            return float(conn.execute(LAG_SQL).scalar_one())

    def pick(self) -> Engine | None:
        """A replica that answers and is no further behind than the limit, or None (read from the primary)."""
        if not self.engines:
            return None
        with self._lock:
            start = next(self._turn)
        now = time.monotonic()
        for k in range(len(self.engines)):
            i = (start + k) % len(self.engines)
            if self._down_until[i] > now:
                continue
            try:
                lag = self.lag_s(self.engines[i])
            except SQLAlchemyError:
                self.engines[i].dispose()  # its pooled connections are dead too
                self._down_until[i] = time.monotonic() + self.retry_s
                continue
            if lag <= self.max_lag_s:
                return self.engines[i]
        return None


def replica_urls(raw: str | None) -> list[str]:
    """``DATABASE_REPLICA_URLS``: database URLs separated by commas or spaces, as psycopg URLs."""
    out = []
    for url in (raw or "").replace(",", " ").split():
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                url = "postgresql+psycopg://" + url[len(prefix) :]
        out.append(url)
    return out


def read_from_replica(app) -> Engine | None:
    """Send this request's reads (never its writes) to a replica that is up and close enough; None: the primary."""
    engine = app.extensions["assetmap_replicas"].pick()
    if engine is not None:
        session().info["replica"] = engine
    return engine


def init_app(app) -> None:
    """Bind the session for this app (and its replicas, if any), and remove it at the end of each request."""
    configure(app.config["SQLALCHEMY_URL"], app.config["STATEMENT_TIMEOUT_MS"])
    urls = replica_urls(app.config.get("DATABASE_REPLICA_URLS"))
    replicas = Replicas(
        urls,
        app.config["STATEMENT_TIMEOUT_MS"],
        float(app.config.get("REPLICA_MAX_LAG_SECONDS", 10)),
        float(app.config.get("REPLICA_RETRY_SECONDS", 5)),
    )
    app.extensions["assetmap_replicas"] = replicas

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


#: the planner's methods ``planner_off`` may turn off (``enable_<method>``)
PLAN_METHODS = frozenset({"bitmapscan", "indexscan", "sort"})


@contextmanager
def planner_off(when: bool, *methods: str, generic: bool = False) -> Iterator[None]:
    """When ``when``: for the statements inside, the planner's ``enable_<method>`` off (``PLAN_METHODS``), local
    to the transaction and on again after them (one statement each way, a round trip each).

    ``generic``: also let a prepared statement inside keep one plan for any values (``plan_cache_mode``
    ``force_generic_plan``; the connections plan each statement for its own values, ``make_engine``). Only
    for a statement whose best plan does not depend on its values: the near view without words or tests of
    the places' keys, which always walks the circle's index nearest first (``practitioners.queries``:
    ``_Shape.plan_once``, ``_nearest_first_plan``).

    Not turned on again when they raise: the error aborts the transaction, which ends the settings, and a
    statement then would fail ("current transaction is aborted") and hide the error (a statement timeout,
    a 503, became a 500; tests/test_resilience.py)."""
    if not when:
        yield
        return
    unknown = set(methods) - PLAN_METHODS
    if unknown or not methods:
        raise ValueError(f"not a planner method this app turns off: {sorted(unknown)}")
    off, on = _planner_statements(tuple(sorted(methods)), generic)
    conn = session.connection()
    conn.exec_driver_sql(off)
    yield
    conn.exec_driver_sql(on)


#: ``plan_cache_mode`` inside ``planner_off(generic=True)``, and after it (the connections' own, ``make_engine``)
_PLAN_CACHE = ("force_generic_plan", "force_custom_plan")


@functools.lru_cache(maxsize=16)
def _planner_statements(methods: tuple[str, ...], generic: bool = False) -> tuple[str, str]:
    """``planner_off``'s two statements (SQL run as it is) for these methods, built once (every plain search
    runs them)."""
    names = [f"enable_{m}" for m in methods]
    statements = []
    for value, cache in zip(("off", "on"), _PLAN_CACHE, strict=True):
        settings = [f"set_config('{n}', '{value}', true)" for n in names]
        if generic:
            settings.append(f"set_config('plan_cache_mode', '{cache}', true)")
        statements.append("SELECT " + ", ".join(settings))
    return statements[0], statements[1]
