"""The `assetmap` command: every operation, with progress on long work and a summary at the end."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from . import create_app
from .errors import AppError

_cluster_started: list[bool] = []


def _start_the_cluster_first(*_connect_args) -> None:
    """Before the first connection to the private cluster: create and start it if need be (once)."""
    from . import embedded

    if not _cluster_started:
        embedded.ensure_running(log=lambda msg: click.echo(msg, err=True))
        _cluster_started.append(True)


def _database_up() -> None:
    """For commands that connect without the app's engine (migrations, pg_dump): start the private cluster
    first when the app uses it."""
    from . import embedded

    if current_app.config["SQLALCHEMY_URL"] == embedded.url():
        _start_the_cluster_first()


def _create_app(*_args, **_kwargs):
    """The app for commands: DATABASE_URL, or the private cluster, started on the first connection.

    Listing the commands (``assetmap --help``) builds the app too, so the cluster is started only when a
    command first connects to it, not when the app is built.
    """
    from sqlalchemy import event

    from . import db, embedded

    if os.environ.get("DATABASE_URL"):
        return create_app({"SQLALCHEMY_URL": os.environ["DATABASE_URL"]})
    app = create_app({"SQLALCHEMY_URL": embedded.url()})
    engine = db.session.get_bind()
    if not event.contains(engine, "do_connect", _start_the_cluster_first):
        event.listen(engine, "do_connect", _start_the_cluster_first)
    return app


main = FlaskGroup(create_app=_create_app, help="AssetMap: community asset mapping for councils.")


def fail(exc: Exception) -> None:
    message = getattr(exc, "message", None) or str(exc)
    raise click.ClickException(message)


def run_step(label: str, fn, *args, **kwargs):
    """Run one loader in its own transaction; print its summary or a clear error."""
    from .db import transaction

    started = time.perf_counter()
    try:
        with transaction():
            result = fn(*args, **kwargs)
    except AppError as exc:
        fail(exc)
    summary = result.summary() if hasattr(result, "summary") else str(result)
    click.echo(f"  {label}: {summary} ({time.perf_counter() - started:.1f} s)")
    return result


# --------------------------------------------------------------------------- database


@main.group("db")
def db_group():
    """The embedded private PostgreSQL + PostGIS cluster (used when DATABASE_URL is not set)."""


@db_group.command("start")
def db_start():
    """Create (first time) and start the private cluster; print its URL."""
    from . import embedded

    click.echo(embedded.ensure_running())


@db_group.command("stop")
def db_stop():
    from . import embedded

    embedded.stop()
    click.echo("stopped")


@db_group.command("url")
@click.argument("dbname", default="assetmap")
def db_url(dbname):
    """Print the URL of a database in the private cluster, creating the database if needed."""
    from . import embedded

    embedded.ensure_running(log=lambda *a: None)
    embedded.ensure_database(dbname)
    click.echo(embedded.url(dbname))


def upgrade_database(url: str) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from .config import PROJECT_ROOT

    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    finally:
        engine.dispose()


@main.command("migrate")
@with_appcontext
def migrate():
    """Bring the database schema to the latest migration."""
    _database_up()
    upgrade_database(current_app.config["SQLALCHEMY_URL"])
    click.echo("database at the latest migration")


# --------------------------------------------------------------------------- loaders


@main.group("load")
def load_group():
    """Load reference data (idempotent; each load is all-or-nothing)."""


@load_group.command("boundaries")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option(
    "--kind",
    type=click.Choice(["ward", "constituency", "lsoa", "local_authority"]),
    help="Which areas the file holds (detected from its columns if omitted).",
)
@with_appcontext
def load_boundaries_cmd(path, kind):
    """Load a GeoJSON, GeoPackage or zipped shapefile of areas (any declared CRS)."""
    from .loaders.boundaries import load_boundaries

    run_step(Path(path).name, load_boundaries, path, kind=kind)


@load_group.command("postcodes")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def load_postcodes_cmd(path):
    """Load Code-Point Open or ONS Postcode Directory CSV."""
    from .loaders.postcodes import load_postcodes

    run_step(Path(path).name, load_postcodes, path)


@load_group.command("population")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def load_population_cmd(path):
    """Load Census 2021 population by LSOA (total and aged 65+)."""
    from .loaders.population import load_population

    run_step(Path(path).name, load_population, path)


@load_group.command("deprivation")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def load_deprivation_cmd(path):
    """Load IMD 2019 by LSOA 2011."""
    from .loaders.deprivation import load_deprivation

    run_step(Path(path).name, load_deprivation, path)


@load_group.command("term-dates")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def load_term_dates_cmd(path):
    """Load councils' school term dates (CSV: lad_code, starts, ends, name) for "term time only" sessions."""
    from .loaders.term_dates import load_term_dates

    run_step(Path(path).name, load_term_dates, path)


@load_group.command("libraries")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def load_libraries_cmd(path):
    """Load public libraries in the Libraries Hacked schema."""
    _load_libraries(Path(path))


def _load_libraries(path: Path):
    from .loaders.libraries import load_libraries

    result = run_step(path.name, lambda p: _PlanSummary(*load_libraries(p)), path)
    return result


class _PlanSummary:
    def __init__(self, plan, skipped=()):
        self.plan, self.skipped = plan, list(skipped)

    def summary(self):
        extra = f"; skipped {len(self.skipped)}: {'; '.join(self.skipped)}" if self.skipped else ""
        return self.plan.summary() + extra


@load_group.command("assets")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--source", default="demo", show_default=True, help="Source name that re-loads match on.")
@with_appcontext
def load_assets_cmd(path, source):
    """Load assets from a CSV in the asset template (used for the illustrative demo data)."""
    _load_assets(Path(path), source)


def _load_assets(path: Path, source: str):
    from .directory.imports.apply import apply_plan
    from .directory.imports.plan import plan_rows
    from .directory.imports.read import read_template_csv

    def step(p):
        plan = plan_rows(read_template_csv(p), source=source)
        if not plan.ok:
            shown = "\n".join(f"    row {e.row}, {e.field}: {e.message}" for e in plan.errors[:20])
            raise AppError(f"{p.name}: {len(plan.errors)} errors, nothing loaded:\n{shown}")
        apply_plan(plan, source=source)
        return _PlanSummary(plan)

    return run_step(path.name, step, path)


@main.command("onboard")
@click.argument("folder", type=click.Path(file_okay=False), default="data")
@click.option("--if-empty", is_flag=True, help="Do nothing if areas are already loaded (fast restarts).")
@click.option("--no-demo", is_flag=True, help="Skip the illustrative demo assets.")
@with_appcontext
def onboard(folder, if_empty, no_demo):
    """Load a whole local authority (or several) from a folder laid out like data/."""
    from .loaders import find_files, status_counts
    from .loaders.boundaries import load_boundaries
    from .loaders.deprivation import load_deprivation
    from .loaders.population import load_population
    from .loaders.postcodes import load_postcodes

    if if_empty:
        counts = status_counts()
        if counts["wards"] and counts["postcodes"]:
            click.echo(
                f"Data already loaded ({counts['wards']} wards, {counts['postcodes']:,} postcodes, "
                f"{counts['assets']} assets): skipping onboarding."
            )
            return
    started = time.perf_counter()
    try:
        plan = find_files(Path(folder))
    except AppError as exc:
        fail(exc)
    click.echo(f"Onboarding from {folder} …")
    for p in plan.boundaries:
        run_step(p.name, load_boundaries, p)
    for p in plan.postcodes:
        with click.progressbar(length=30000, label=f"  reading {p.name}") as bar:
            run_step(p.name, load_postcodes, p, progress=bar.update)
    # LSOA population-weighted points need postcodes; recompute now both are in
    from .db import session
    from .geo import LSOA_POP_POINTS_SQL

    run_step("LSOA population-weighted points", lambda: session.execute(LSOA_POP_POINTS_SQL) and "done")
    for p in plan.population:
        run_step(p.name, load_population, p)
    for p in plan.deprivation:
        run_step(p.name, load_deprivation, p)
    for p in plan.libraries:
        _load_libraries(p)
    if not no_demo:
        for p in plan.assets:
            _load_assets(p, "demo")
    counts = status_counts()
    click.echo(
        f"Onboarded in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in counts.items())
    )


@main.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@with_appcontext
def status(as_json):
    """Which database is in use and how much is loaded."""
    from sqlalchemy.engine import make_url

    from .loaders import status_counts

    counts = status_counts()
    url = make_url(current_app.config["SQLALCHEMY_URL"])
    where = url.render_as_string(hide_password=True)
    if as_json:
        click.echo(json.dumps({"database": where, **counts}))
        return
    click.echo(f"Database: {where}")
    for k, v in counts.items():
        click.echo(f"  {k.replace('_', ' ')}: {v:,}")


# --------------------------------------------------------------------------- serving


@main.command("serve")
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT", "5000")), show_default="5000 or $PORT")
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="127.0.0.1 or $HOST")
@click.option("--workers", type=int, default=lambda: int(os.environ.get("WEB_CONCURRENCY", "4")))
def serve(port, host, workers):
    """Serve the app with gunicorn (no access log: the app writes its own, without query strings)."""
    from . import embedded

    embedded.default_url(log=click.echo)  # the private cluster, unless DATABASE_URL is set: up before gunicorn
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:assetmap.gunicorn_conf",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        "1",
        "--timeout",
        "60",
        "--graceful-timeout",
        "20",
        "--log-level",
        "warning",
        "assetmap.wsgi:app",
    ]
    click.echo(f"AssetMap is running on http://{host}:{port}  (Ctrl+C to stop)")
    os.execv(sys.executable, args)


@main.command("up")
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT", "5000")), show_default="5000 or $PORT")
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="127.0.0.1 or $HOST")
@click.option("--workers", type=int, default=lambda: int(os.environ.get("WEB_CONCURRENCY", "4")))
@click.option(
    "--jobs-every",
    type=click.IntRange(0, 3600),
    default=60,
    show_default=True,
    help="Run due scheduled jobs (mail delivery, tidying) every this many seconds beside gunicorn, "
    "stopped with it; 0 for none (when cron, a systemd timer or another service runs them).",
)
@click.pass_context
def up(ctx, port, host, workers, jobs_every):
    """What `make run` does, in one process: migrate, load York and Birmingham if empty, demo
    accounts (never in production), then serve, with the scheduled jobs' loop beside gunicorn.
    The app is loaded once, so a second run is quick."""
    from .accounts.cli import demo

    ctx.invoke(migrate)
    ctx.invoke(onboard, folder="data", if_empty=True, no_demo=False)
    ctx.invoke(demo)
    if jobs_every:
        os.environ["ASSETMAP_JOBS_LOOP"] = str(jobs_every)  # gunicorn_conf starts and stops the loop
        click.echo(f"Scheduled jobs run every {jobs_every} s beside the web server (assetmap jobs list)")
    ctx.invoke(serve, port=port, host=host, workers=workers)


from .accounts.cli import users  # noqa: E402
from .jobs.cli import jobs  # noqa: E402
from .mail.cli import mail  # noqa: E402

main.add_command(users)
main.add_command(jobs)
main.add_command(mail)


@main.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def backup_cmd(path):
    """Back up the whole database to PATH (pg_dump custom format)."""
    from .ops import backup

    _database_up()
    try:
        out = backup(current_app.config["SQLALCHEMY_URL"], path)
    except AppError as exc:
        fail(exc)
    click.echo(f"Backed up to {out} ({out.stat().st_size / 1e6:.1f} MB)")


@main.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_cmd(path, yes):
    """Replace the database's contents with the backup at PATH (one transaction)."""
    from .ops import restore

    if not yes:
        click.confirm("This replaces everything in the database. Continue?", abort=True)
    _database_up()
    try:
        restore(current_app.config["SQLALCHEMY_URL"], path)
    except AppError as exc:
        fail(exc)
    click.echo(f"Restored from {path}")


def _add_to_group(group_name: str, help_: str, command: click.Command, name: str) -> None:
    """``assetmap GROUP NAME``: the journeys' commands share the `import`, `export` and `report` groups."""
    group = main.commands.get(group_name)
    if group is None:
        group = click.Group(group_name, help=help_)
        main.add_command(group)
    group.add_command(command, name)


from .coverage.cli import coverage_report, load_area_set, snapshot  # noqa: E402
from .opendata.cli import oruk as _oruk_import  # noqa: E402
from .upkeep.cli import duplicates_report_cmd, export_assets_cmd, import_assets_cmd  # noqa: E402

_add_to_group("import", "Import data from files (dry run first).", import_assets_cmd, "assets")
_add_to_group("export", "Export data to files.", export_assets_cmd, "assets")
_add_to_group("report", "Reports for commissioners and managers.", coverage_report, "coverage")
_add_to_group("report", "Reports for commissioners and managers.", snapshot, "snapshot")
_add_to_group("load", "Load reference data.", load_area_set, "area-set")
_add_to_group("import", "Import data from files or feeds (dry run first).", _oruk_import, "oruk")
_add_to_group("duplicates", "Listings that may be the same group twice.", duplicates_report_cmd, "report")
