"""The embedded default database: a private PostgreSQL + PostGIS cluster under ``var/``.

Used only when no ``DATABASE_URL`` is set. The cluster listens on a Unix socket inside its own
folder (no TCP port, nothing system-wide touched) and keeps its data between runs. PostgreSQL
refuses to run as root, so as root the cluster runs as the ``postgres`` system user; if that
user cannot reach ``var/`` (a checkout under /root, say) the cluster lives in
``/var/lib/assetmap/<hash>`` and ``var/pg`` is a symlink to it.
"""

from __future__ import annotations

import glob
import hashlib
import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

from .config import VAR_DIR

DEMO_DB = "assetmap"
PG_PORT = 5432  # only names the socket file; the cluster listens on no TCP port


class EmbeddedError(RuntimeError):
    pass


def pg_bindir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for c in candidates:
        if Path(c, "initdb").exists():
            return Path(c)
    raise EmbeddedError("PostgreSQL server binaries not found: run `make setup` (installs postgresql-15-postgis-3).")


def _is_root() -> bool:
    return os.geteuid() == 0


def _run_as_owner(args: list[str], **kw) -> subprocess.CompletedProcess:
    if _is_root():
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=False, capture_output=True, text=True, **kw)


def _postgres_can_reach(path: Path) -> bool:
    if not _is_root():
        return True
    probe = subprocess.run(["runuser", "-u", "postgres", "--", "test", "-x", str(path)], capture_output=True)
    return probe.returncode == 0


def cluster_dir() -> Path:
    """The folder holding data/, run/ (socket) and the log; created on first use."""
    link = VAR_DIR / "pg"
    if link.exists() or link.is_symlink():
        return link.resolve()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    if _postgres_can_reach(VAR_DIR):
        link.mkdir()
        target = link
    else:
        digest = hashlib.sha1(str(VAR_DIR.resolve()).encode()).hexdigest()[:12]
        target = Path("/var/lib/assetmap") / digest
        target.mkdir(parents=True, exist_ok=True)
        os.chmod(target.parent, 0o755)
        link.symlink_to(target)
    if _is_root():
        pg = pwd.getpwnam("postgres")
        os.chown(target, pg.pw_uid, pg.pw_gid)
    os.chmod(target, 0o700)
    return target.resolve()


def socket_dir() -> Path:
    return cluster_dir() / "run"


def url(dbname: str = DEMO_DB) -> str:
    """SQLAlchemy URL for a database in the embedded cluster (socket, trust auth)."""
    return f"postgresql+psycopg://postgres@/{dbname}?host={quote(str(socket_dir()))}&port={PG_PORT}"


def is_running() -> bool:
    data = cluster_dir() / "data"
    if not (data / "PG_VERSION").exists():
        return False
    res = _run_as_owner([str(pg_bindir() / "pg_ctl"), "-D", str(data), "status"])
    return res.returncode == 0


def ensure_running(log=print) -> str:
    """Create the cluster if needed and start it; return the demo database URL."""
    base = cluster_dir()
    data, run = base / "data", base / "run"
    bindir = pg_bindir()
    if not (data / "PG_VERSION").exists():
        log(f"Creating a private PostgreSQL cluster in {base} …")
        for d in (data, run):
            d.mkdir(exist_ok=True)
            if _is_root():
                pg = pwd.getpwnam("postgres")
                os.chown(d, pg.pw_uid, pg.pw_gid)
        res = _run_as_owner(
            [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"]
        )
        if res.returncode != 0:
            raise EmbeddedError(f"initdb failed: {res.stderr.strip()}")
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(
                "\n# AssetMap embedded cluster\n"
                "listen_addresses = ''\n"
                f"unix_socket_directories = '{run}'\n"
                "unix_socket_permissions = 0700\n"
                "max_connections = 200\n"
                "shared_buffers = 256MB\n"
                "fsync = on\n"
                "log_statement = 'none'\n"
                "log_min_duration_statement = -1\n"
            )
    if not is_running():
        log("Starting the private PostgreSQL cluster …")
        stale = data / "postmaster.pid"
        if stale.exists():
            stale.unlink()  # left by a machine restart; pg_ctl status already said no server runs
        res = _run_as_owner(
            [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(base / "postgres.log"), "-w", "-t", "60", "start"]
        )
        if res.returncode != 0:
            raise EmbeddedError(
                f"pg_ctl start failed: {res.stderr.strip() or res.stdout.strip()}; see {base / 'postgres.log'}"
            )
    _wait_ready(bindir, run)
    ensure_database(DEMO_DB)
    return url(DEMO_DB)


def default_url(log=print) -> str:
    """DATABASE_URL when it is set; otherwise the private cluster's demo database, started if need be.

    Called by the entry points that serve or administer the app (the ``assetmap`` command, ``assetmap.wsgi``),
    never by ``create_app``, so importing or building the app starts nothing.
    """
    return os.environ.get("DATABASE_URL") or ensure_running(log=log)


def _wait_ready(bindir: Path, run: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        res = subprocess.run([str(bindir / "pg_isready"), "-h", str(run), "-p", str(PG_PORT)], capture_output=True)
        if res.returncode == 0:
            return
        time.sleep(0.3)
    raise EmbeddedError("The private PostgreSQL cluster did not become ready in time.")


def psql(sql: str, dbname: str = "postgres") -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            shutil.which("psql") or str(pg_bindir() / "psql"),
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            str(socket_dir()),
            "-p",
            str(PG_PORT),
            "-U",
            "postgres",
            "-d",
            dbname,
            "-tAc",
            sql,
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def ensure_database(dbname: str) -> None:
    """Create ``dbname`` in the embedded cluster if it does not exist."""
    if not dbname.replace("_", "").isalnum():
        raise EmbeddedError(f"Unsafe database name {dbname!r}")
    res = psql(f"SELECT 1 FROM pg_database WHERE datname = '{dbname}'")
    if res.returncode != 0:
        raise EmbeddedError(res.stderr.strip())
    if res.stdout.strip() != "1":
        res = psql(f'CREATE DATABASE "{dbname}"')
        if res.returncode != 0 and "already exists" not in res.stderr:
            raise EmbeddedError(res.stderr.strip())


def stop() -> None:
    if is_running():
        _run_as_owner([str(pg_bindir() / "pg_ctl"), "-D", str(cluster_dir() / "data"), "-m", "fast", "-w", "stop"])
