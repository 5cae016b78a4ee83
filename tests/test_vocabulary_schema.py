"""The database keeps to assetmap/vocabulary.py: every closed list's CHECK constraint allows exactly the module's
codes, and every closed list the database checks comes from the module.

The models build their CHECK constraints from the module (``models._one_of``) and carry the vocabulary in the
constraint's ``info``; these tests read what the migrations actually made (``pg_get_constraintdef``) and compare.
A change to a list in the module fails here until a migration brings the database along; the failure prints it.
"""

from __future__ import annotations

import re

import pytest
from alembic.config import Config
from sqlalchemy import CheckConstraint, create_engine, text
from sqlalchemy.exc import IntegrityError

from assetmap import vocabulary
from assetmap.config import PROJECT_ROOT
from assetmap.models import Base

_LITERAL = re.compile(r"'((?:[^']|'')*)'")
#: how PostgreSQL writes back a list of allowed values: IN (...) becomes = ANY (ARRAY[...]); <@ ARRAY[...] stays
_LIST = re.compile(r"= ANY \(|<@ ARRAY\[")

DEFS_SQL = text(
    "SELECT rel.relname, con.conname, pg_get_constraintdef(con.oid) FROM pg_constraint con "
    "JOIN pg_class rel ON rel.oid = con.conrelid JOIN pg_namespace ns ON ns.oid = rel.relnamespace "
    "WHERE con.contype = 'c' AND ns.nspname = 'public'"
)


def vocabulary_checks(metadata=Base.metadata) -> dict[tuple[str, str], CheckConstraint]:
    """(table, constraint name) -> the models' CHECK constraints generated from a vocabulary."""
    return {
        (table.name, c.name): c  # type: ignore[misc]
        for table in metadata.sorted_tables
        for c in table.constraints
        if isinstance(c, CheckConstraint) and "vocabulary" in c.info
    }


def allowed(definition: str) -> list[str]:
    """The values a CHECK definition lists, as PostgreSQL writes it back."""
    return [m.replace("''", "'") for m in _LITERAL.findall(definition)]


def mismatches(database: dict[tuple[str, str], str], checks: dict[tuple[str, str], CheckConstraint]) -> list[str]:
    """What differs between the database's CHECK definitions and the module's lists, one line each."""
    out = []
    for key, check in sorted(checks.items()):
        codes = list(check.info["vocabulary"].codes)
        found = database.get(key)
        if found is None:
            out.append(f"{key[1]} on {key[0]}: missing in the database (the module allows {codes})")
            continue
        if sorted(allowed(found)) != sorted(codes):
            out.append(f"{key[1]} on {key[0]}: the database allows {allowed(found)}, the module {codes}")
        if ("IS NULL" in found) != ("IS NULL" in str(check.sqltext)):
            out.append(f"{key[1]} on {key[0]}: NULL is allowed in one and not the other")
    for key, found in sorted(database.items()):
        if key not in checks and _LIST.search(found):
            out.append(f"{key[1]} on {key[0]}: a closed list the module does not define: {allowed(found)}")
    return out


def migration_for(checks: dict[tuple[str, str], CheckConstraint], names: list[str]) -> str:
    """The upgrade() lines that bring the named constraints to the module's lists."""
    lines = []
    for (table, name), check in sorted(checks.items()):
        if name in names:
            lines.append(f'    op.drop_constraint("{name}", "{table}", type_="check")')
            lines.append(f'    op.create_check_constraint("{name}", "{table}", "{check.sqltext}")')
    return "\n".join(lines)


def database_checks(url: str) -> dict[tuple[str, str], str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {(table, name): definition for table, name, definition in conn.execute(DEFS_SQL)}
    finally:
        engine.dispose()


def test_every_closed_list_in_the_migrated_database_is_the_modules(database_url):
    checks = vocabulary_checks()
    problems = mismatches(database_checks(database_url), checks)
    names = [p.split(" ", 1)[0] for p in problems]
    assert problems == [], (
        "The database and assetmap/vocabulary.py disagree:\n"
        + "\n".join(problems)
        + "\nAdd a migration whose upgrade() runs:\n"
        + migration_for(checks, names)
    )


def test_the_models_check_every_vocabulary_the_database_keeps_to():
    """The closed lists stored in a column, each checked by a constraint generated from the module."""
    kept = {check.info["vocabulary"] for check in vocabulary_checks().values()}
    # DAYS is kept too, as the pattern of an RFC 5545 BYDAY list (see the test below), not as a list of codes
    stored = {
        vocabulary.FREQUENCIES,
        vocabulary.MODES,
        vocabulary.VISIBILITY,
        vocabulary.VERIFICATION_METHODS,
        vocabulary.ACCESSIBILITY,
        vocabulary.SERVICE_STATUSES,
        vocabulary.LOCATION_TYPES,
        vocabulary.CHANGE_ACTIONS,
        vocabulary.SUGGESTION_KINDS,
        vocabulary.SUGGESTION_STATUSES,
        vocabulary.PROBLEM_TYPES,
        vocabulary.ROLES,
        vocabulary.AREA_TYPES,
        vocabulary.FOLLOWUP_ANSWERS,
        vocabulary.THROTTLE_SCOPES,
        vocabulary.MESSAGE_KINDS,
        vocabulary.OUTBOX_STATUSES,
        vocabulary.JOB_STATUSES,
        vocabulary.CONSENT_METHODS,
        vocabulary.PROPOSAL_KINDS,
        vocabulary.PROPOSAL_STATUSES,
        vocabulary.OPTOUT_PURPOSES,
    }
    assert kept == stored


def test_the_day_order_range_follows_the_days(database_url):
    """0 (Monday) to 6 for a session's first weekday, and one more for sessions on dates of the month."""
    definition = database_checks(database_url)[("schedule", "schedule_byday_order")]
    assert re.findall(r"\d+", definition) == ["0", str(len(vocabulary.DAYS))]


def test_the_byday_check_is_the_modules_pattern_of_the_days(database_url):
    definition = database_checks(database_url)[("schedule", "schedule_byday")]
    assert vocabulary.byday_pattern() in definition


def test_the_comparison_finds_a_changed_list_a_null_and_a_list_the_module_lacks():
    """The checker itself: drift planted in a copy of the database's definitions is reported, with the fix."""
    checks = vocabulary_checks()
    database = {
        key: f"CHECK (({c.sqltext}))".replace("IN (", "= ANY (ARRAY[") for key, c in checks.items()
    }  # what the models would make
    assert mismatches(database, checks) == []
    database[("service", "service_visibility")] = (
        "CHECK (((visibility)::text = ANY ((ARRAY['public'::character varying, 'practitioners'::character varying])::text[])))"
    )
    database[("connection_log", "connection_log_helped")] = database[
        ("connection_log", "connection_log_helped")
    ].replace("followup_helped IS NULL OR ", "")
    database[("mail", "mail_kind")] = "CHECK (((kind)::text = ANY ((ARRAY['email'::character varying])::text[])))"
    del database[("asset_change", "asset_change_action")]
    problems = mismatches(database, checks)
    assert problems == [
        "asset_change_action on asset_change: missing in the database (the module allows "
        f"{list(vocabulary.CHANGE_ACTIONS.codes)})",
        "connection_log_helped on connection_log: NULL is allowed in one and not the other",
        "service_visibility on service: the database allows ['public', 'practitioners'], "
        "the module ['public', 'practitioners', 'confidential']",
        "mail_kind on mail: a closed list the module does not define: ['email']",
    ]
    fix = migration_for(checks, ["service_visibility"])
    assert fix == (
        '    op.drop_constraint("service_visibility", "service", type_="check")\n'
        '    op.create_check_constraint("service_visibility", "service", '
        "\"visibility IN ('public','practitioners','confidential')\")"
    )


def test_a_history_line_with_an_action_outside_the_list_is_refused(db):
    from assetmap.models import AssetChange
    from tests.factories import make_asset

    service = make_asset()
    db.add(AssetChange(service_id=service.id, version=99, action="teleport", changes={}, snapshot={}))
    with pytest.raises(IntegrityError, match="asset_change_action"):
        db.flush()


def test_0008_adds_the_action_check_and_takes_it_away_again(database_url):
    """0008 both ways on a scratch database: the new constraint comes and goes; the others stay as they were."""
    from alembic import command

    from tests.factories import scratch_database

    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    with scratch_database(database_url, "_mig8") as scratch:
        url = scratch.render_as_string(hide_password=False)
        engine = create_engine(url)

        def migrate(how, target):
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                how(cfg, target)

        try:
            migrate(command.upgrade, "0007")
            before = database_checks(url)
            assert ("asset_change", "asset_change_action") not in before
            migrate(command.upgrade, "0008")
            after = database_checks(url)
            # the actions as 0008 wrote them (later migrations add more: 0010 the merges, 0011 'proposal')
            assert allowed(after.pop(("asset_change", "asset_change_action"))) == [
                "create",
                "update",
                "import",
                "archive",
                "unarchive",
                "verify",
                "restore",
                "steward",
            ]
            assert after == before
            migrate(command.downgrade, "0007")
            assert database_checks(url) == before
        finally:
            engine.dispose()
