"""The mail component's scheduled work: deliver what is due, and forget what is old."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import current_app

from ..db import transaction
from ..jobs import job
from . import delivery, outbox


@job("deliver-mail", every="1m")
def deliver_mail(now: dt.datetime) -> str:
    """Send queued emails and text messages that are due (retries back off exponentially)."""
    return delivery.deliver_due(now).summary()


@job("mail-retention", every="1d")
def mail_retention(now: dt.datetime) -> str:
    """Delete outbox rows and .eml files older than MAIL_KEEP_DAYS, and old failure counts."""
    with transaction():
        rows = outbox.forget_old(now)
    cutoff = (now - dt.timedelta(days=int(current_app.config.get("MAIL_KEEP_DAYS", 90)))).timestamp()
    files = 0
    folder = Path(outbox.settings().outbox_dir)
    if folder.is_dir():
        for path in folder.glob("*.eml"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    files += 1
            except OSError:
                continue
    return f"{rows} outbox rows, {files} .eml files deleted"
