"""``assetmap mail send-test ADDRESS``: check the mail set-up by sending one message now."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..db import session, transaction
from ..errors import AppError
from ..models import MailOutbox

mail = click.Group("mail", help="Mail: check the set-up.")


@mail.command("send-test")
@click.argument("address")
@click.option("--sms", is_flag=True, help="ADDRESS is a mobile number: send a text message.")
@with_appcontext
def send_test(address, sms):
    """Queue a test message to ADDRESS and deliver what is due now; print what happened."""
    from . import delivery, outbox

    try:
        with transaction():
            if sms:
                msg_id = outbox.queue_sms(address, "test_message")
            else:
                msg_id = outbox.queue_email(address, "test_message")
    except AppError as exc:
        raise click.ClickException(exc.message) from None
    delivery.deliver_due()
    row = session.get(MailOutbox, msg_id, populate_existing=True)
    how = outbox.settings().email if not sms else outbox.settings().sms
    if row.status == "sent":
        click.echo(f"Sent through {how}" + (f" ({row.provider_ref})" if row.provider_ref else "") + ".")
    elif row.status == "queued":
        click.echo(f"Not sent yet ({row.last_error}); the job runner will try again.")
        raise SystemExit(1)
    else:
        click.echo(f"{row.status.capitalize()}: {row.last_error}.")
        raise SystemExit(1)
