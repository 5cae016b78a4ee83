"""The outbox reader for admins (development and test only: not registered in production): the messages
the embedded default wrote to ``var/outbox/``, one by one, with the HTML version as its own page."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..accounts.auth import roles_required
from . import outbox, reader

bp = Blueprint("mail", __name__)


@bp.get("/admin/outbox")
@roles_required("admin")
def outbox_list():
    messages, total = reader.listing(outbox.settings().outbox_dir)
    return render_template(
        "outbox/list.html",
        messages=messages,
        total=total,
        transport=outbox.settings().email,
        folder=outbox.settings().outbox_dir,
    )


@bp.get("/admin/outbox/<name>")
@roles_required("admin")
def outbox_message(name: str):
    return render_template("outbox/message.html", message=reader.one(outbox.settings().outbox_dir, name))


@bp.get("/admin/outbox/<name>/html")
@roles_required("admin")
def outbox_html(name: str):
    """The HTML alternative exactly as a mail client gets it, under a policy that runs nothing in it."""
    message = reader.one(outbox.settings().outbox_dir, name)
    if message.html is None:
        return render_template("outbox/message.html", message=message), 404
    return (
        message.html,
        200,
        {
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
            "img-src 'self' data:; frame-ancestors 'none'; "
            "form-action 'none'; base-uri 'none'",
        },
    )
