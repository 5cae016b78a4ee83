"""Uploads kept between a bulk import's dry run and its apply, for the person who uploaded them only.

Why a file and not the session or the database: an upload may be 5 MB, far too big for a cookie, and
it is only needed until the coordinator confirms (at most a day), so it lives in ``var/imports``
(``IMPORT_UPLOAD_DIR``) under a random name, with the uploader's id and the rows the dry run found
errors in beside it. Files older than a day are removed as new ones arrive.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path

from flask import current_app

from ..config import VAR_DIR
from ..directory import access
from ..errors import NotFound


def _upload_dir() -> Path:
    path = Path(current_app.config.get("IMPORT_UPLOAD_DIR") or VAR_DIR / "imports")
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def stash_upload(user, filename: str, data: bytes, source: str, error_rows: list[int] = ()) -> str:
    """Keep an uploaded file (for this user only) until it is applied or a day has passed, with the rows
    the dry run found errors in (what "import the valid rows, skip the rest" skips)."""
    folder = _upload_dir()
    for old in folder.glob("*.json"):
        if old.stat().st_mtime < time.time() - 86400:
            old.unlink(missing_ok=True)
            old.with_suffix(".bin").unlink(missing_ok=True)
    token = secrets.token_urlsafe(18)
    (folder / f"{token}.bin").write_bytes(data)
    (folder / f"{token}.json").write_text(
        json.dumps({"user_id": str(user.id), "filename": filename, "source": source, "error_rows": list(error_rows)})
    )
    return token


def load_upload(user, token: str) -> tuple[str, bytes, str, list[int]]:
    if not re.fullmatch(r"[A-Za-z0-9_-]{10,40}", token or ""):
        raise NotFound("That upload has expired. Upload the file again.")
    folder = _upload_dir()
    meta_path = folder / f"{token}.json"
    if not meta_path.exists():
        raise NotFound("That upload has expired. Upload the file again.")
    meta = json.loads(meta_path.read_text())
    if meta["user_id"] != str(user.id):
        access.deny(user, "import-apply", status=404, message="That upload has expired. Upload the file again.")
    return meta["filename"], (folder / f"{token}.bin").read_bytes(), meta["source"], meta.get("error_rows", [])


def drop_upload(token: str) -> None:
    folder = _upload_dir()
    (folder / f"{token}.bin").unlink(missing_ok=True)
    (folder / f"{token}.json").unlink(missing_ok=True)
