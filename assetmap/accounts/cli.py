"""`assetmap users …`: create users, demo accounts and API tokens from the command line."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..errors import AppError
from ..vocabulary import ROLES

users = click.Group("users", help="Manage user accounts and API tokens.")


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES.codes), required=True)
@click.option("--ward", "wards", multiple=True, help="Ward code (E05…) a coordinator looks after; repeatable.")
@click.option(
    "--constituency",
    "constituencies",
    multiple=True,
    help="Constituency code (E14…); covers all its wards; repeatable.",
)
@click.option("--name", default="")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="At least 12 characters (prompted if not given).",
)
@with_appcontext
def create(email, role, wards, constituencies, name, password):
    """Create a user with a role (and a coordinator's wards/constituencies)."""
    from .usecases import add_user

    try:
        user = add_user(email, role, password, name=name, wards=wards, constituencies=constituencies)
    except AppError as exc:
        raise click.ClickException(exc.message) from exc
    areas = ", ".join(f"{a.area_type} {a.area_code}" for a in user.areas) or "no areas"
    click.echo(f"Created {user.email} ({user.role}; {areas})")


@users.command("token")
@click.argument("email")
@click.option("--name", default="cli", help="A label for the token.")
@with_appcontext
def token(email, name):
    """Issue an API token for a coordinator or admin; it is printed once and stored hashed."""
    from .queries import user_by_email
    from .usecases import issue_token

    user = user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account for {email}")
    try:
        value = issue_token(user.id, name)
    except AppError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(value)
    click.echo("Keep this token safe: it is shown only once.", err=True)


@users.command("demo")
@with_appcontext
def demo():
    """Create one demo account per role on first run (never in production)."""
    from .usecases import create_demo_users

    if current_app.config["PRODUCTION"] or not current_app.config["CREATE_DEMO_USERS"]:
        click.echo("Production mode: no demo accounts created.")
        return
    created = create_demo_users()
    if not created:
        click.echo(
            "Demo accounts already exist (their passwords were printed on the first run; "
            "reset with `assetmap users create`)."
        )
        return
    lines = [f"  {role:<13} {email:<34} password: {password}" for email, role, password in created]
    click.echo("DEMO ACCOUNTS (for trying the service; shown once, not for real use):")
    click.echo("\n".join(lines))
    from ..config import VAR_DIR

    path = VAR_DIR / "demo_accounts.txt"
    path.write_text("AssetMap demo accounts (not for real use)\n" + "\n".join(lines) + "\n")
    path.chmod(0o600)
    click.echo(f"(also saved to {path}, readable only by you)")
