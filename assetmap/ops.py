"""Operations: the database's health, and backup and restore with pg_dump/pg_restore (custom format)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from .db import transaction
from .errors import AppError, ValidationError


def database_versions() -> tuple[str, str]:
    """(PostgreSQL, PostGIS) versions of the database in use, which proves it answers; raises if it does not."""
    with transaction(dry_run=True) as session:  # reads only; a failure leaves the session clean
        version, postgis = session.execute(text("SELECT version(), postgis_full_version()")).one()
    return version.split(",")[0], postgis.split('"')[1] if '"' in postgis else postgis.split()[1]


def libpq_args(url: str) -> tuple[list[str], dict]:
    """Connection arguments and environment for libpq tools from a SQLAlchemy URL."""
    u = make_url(url)
    args = []
    host = u.query.get("host") or u.host
    if isinstance(host, tuple):
        host = host[0]
    if host:
        args += ["-h", host]
    port = u.query.get("port") or u.port
    if isinstance(port, tuple):
        port = port[0]
    if port:
        args += ["-p", str(port)]
    if u.username:
        args += ["-U", u.username]
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = u.password
    return args + ["-d", u.database], env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise AppError(f"{name} is not installed (it comes with the PostgreSQL client package)")


def backup(url: str, path: str | Path) -> Path:
    """Write a consistent custom-format dump of the whole database to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn, env = libpq_args(url)
    res = subprocess.run(
        [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "-f", str(path), *conn],
        env=env,
        capture_output=True,
        text=True,
    )
    if res.returncode != 0:
        raise AppError(f"pg_dump failed: {res.stderr.strip()[:500]}")
    return path


def restore(url: str, path: str | Path) -> None:
    """Replace the database's contents with a dump made by ``backup`` (single transaction)."""
    path = Path(path)
    if not path.exists():
        raise ValidationError(f"{path} does not exist")
    conn, env = libpq_args(url)
    listing = subprocess.run([_tool("pg_restore"), "--list", str(path)], capture_output=True, text=True)
    if listing.returncode != 0:
        raise ValidationError(f"{path.name} is not a pg_dump custom-format backup")
    res = subprocess.run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            *conn,
            str(path),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if res.returncode != 0:
        raise AppError(f"pg_restore failed (nothing was changed): {res.stderr.strip()[:500]}")
