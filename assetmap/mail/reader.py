"""Reading the outbox folder back: the ``.eml`` files the embedded default writes, newest first."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

from ..errors import NotFound

_FILE = re.compile(r"^[0-9]{8}T[0-9]{6}-[0-9a-f-]{36}\.eml$")
PAGE = 100


@dataclass(frozen=True)
class Stored:
    name: str
    kind: str
    to: str
    subject: str
    template: str
    date: dt.datetime | None
    text: str
    html: str | None
    headers: list[tuple[str, str]]


def _parse(path: Path) -> Stored:
    msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    text_part = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    try:
        date = parsedate_to_datetime(str(msg["Date"])) if msg["Date"] else None
    except (TypeError, ValueError):
        date = None
    return Stored(
        path.name,
        str(msg.get("X-AssetMap-Kind", "email")),
        str(msg.get("To", "")),
        str(msg.get("Subject", "")),
        str(msg.get("X-AssetMap-Template", "")),
        date,
        text_part.get_content() if text_part is not None else "",
        html_part.get_content() if html_part is not None else None,
        [(k, str(v)) for k, v in msg.items()],
    )


def listing(folder: str | Path, limit: int = PAGE) -> tuple[list[Stored], int]:
    """The newest ``limit`` messages and how many there are in all."""
    folder = Path(folder)
    names = (
        sorted((p.name for p in folder.glob("*.eml") if _FILE.match(p.name)), reverse=True) if folder.is_dir() else []
    )
    return [_parse(folder / n) for n in names[:limit]], len(names)


def one(folder: str | Path, name: str) -> Stored:
    if not _FILE.match(name or "") or not (Path(folder) / name).is_file():
        raise NotFound("That message is not in the outbox (it may have been deleted after MAIL_KEEP_DAYS).")
    return _parse(Path(folder) / name)
