"""Migrations: numbered, one head, the test schema is at head, and the models match it."""

import datetime as dt
import re
from contextlib import contextmanager

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine, text

from assetmap.config import PROJECT_ROOT
from assetmap.models import Base
from tests.factories import scratch_database

VERSIONS = PROJECT_ROOT / "migrations" / "versions"


def _script():
    return ScriptDirectory.from_config(Config(str(PROJECT_ROOT / "alembic.ini")))


def test_migration_files_are_numbered_in_sequence():
    files = sorted(p.name for p in VERSIONS.glob("*.py"))
    numbers = [int(re.match(r"^(\d{4})_", f).group(1)) for f in files]
    assert numbers == list(range(1, len(files) + 1)), files
    for rev in _script().walk_revisions():
        assert rev.revision == f"{int(rev.revision):04d}"
        if rev.down_revision:
            assert int(rev.down_revision) == int(rev.revision) - 1


def test_there_is_one_head():
    assert len(_script().get_heads()) == 1


def test_test_database_is_at_head(database_url):
    engine = create_engine(database_url)
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    engine.dispose()
    assert current == _script().get_current_head()


def test_models_match_the_migrated_schema(database_url):
    engine = create_engine(database_url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"include_object": alembic_helpers.include_object, "compare_type": True}
        )
        diffs = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    assert diffs == []


#: one listing named ``:name`` (visibility and last check: the SQL given) at a place in Birmingham, linked to it:
#: the later migration tests' directory write, ``_PLACE_SQL % (visibility, last_verified_on)``
_PLACE_SQL = (
    "WITH v AS (INSERT INTO service (id, name, description, visibility, status, modes, illustrative, version, "
    "last_verified_on, created_at, updated_at) VALUES (gen_random_uuid(), :name, '', %s, 'active', "
    "ARRAY['in_person'], false, 1, %s, now(), now()) RETURNING id), l AS (INSERT INTO location (id, location_type, "
    "geom) VALUES (gen_random_uuid(), 'physical', ST_SetSRID(ST_MakePoint(-1.9, 52.48), 4326)) RETURNING id) "
    "INSERT INTO service_at_location (id, service_id, location_id) SELECT gen_random_uuid(), v.id, l.id FROM v, l"
)


#: a weekly session for every listing, on ``:day`` from ``:opens`` to ``:closes``: the later migration tests' sessions
_SESSION_SQL = (
    "INSERT INTO schedule (id, service_id, freq, byday, byday_order, opens_at, closes_at) "
    "SELECT gen_random_uuid(), id, 'WEEKLY', :day, 1, :opens, :closes FROM service"
)
TUESDAY_MORNING = {"day": "TU", "opens": "10:00", "closes": "11:00"}


def _migrator(engine, cfg):
    """``migrate(command.upgrade or command.downgrade, revision)`` on ``engine``, each in its own transaction."""

    def migrate(how, target):
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            how(cfg, target)

    return migrate


@contextmanager
def _scratch_migrations(database_url, suffix):
    """An empty database beside the test database (``scratch_database``) and ``migrate(how, revision)`` on it
    (``_migrator``): yields ``(engine, migrate)``, and disposes of the engine before the database is dropped."""
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    with scratch_database(database_url, suffix) as scratch:
        engine = create_engine(scratch)
        try:
            yield engine, _migrator(engine, cfg)
        finally:
            engine.dispose()


def test_0003_keeps_the_recorded_terms_both_ways(database_url):
    """'Nothing suitable' rows recorded before 0003 keep their term; a downgrade keeps the first."""
    with _scratch_migrations(database_url, "_mig") as (engine, migrate):
        migrate(command.upgrade, "0002")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO unmet_need (category_code, audience_code) VALUES ('transport', NULL)"))
        migrate(command.upgrade, "0003")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO unmet_need (category_codes) VALUES ('{befriending,learning}')"))
            rows = conn.execute(
                text(
                    "SELECT category_codes, audience_codes, capability_codes FROM unmet_need "
                    "ORDER BY cardinality(category_codes)"
                )
            ).all()
        assert [tuple(r) for r in rows] == [(["transport"], [], []), (["befriending", "learning"], [], [])]
        migrate(command.downgrade, "0002")
        with engine.begin() as conn:
            firsts = conn.execute(text("SELECT category_code FROM unmet_need ORDER BY category_code")).scalars().all()
        assert firsts == ["befriending", "transport"]


def test_0004_adds_and_removes_the_receipt_and_sign_in_tables(database_url):
    """0004 is reversible: down to 0003 drops both tables, up again brings them back empty."""
    from sqlalchemy import inspect

    with _scratch_migrations(database_url, "_mig4") as (engine, migrate):

        def tables():
            with engine.connect() as conn:
                return set(inspect(conn).get_table_names()) & {"submission_receipt", "signin_throttle"}

        migrate(command.upgrade, "0004")
        assert tables() == {"submission_receipt", "signin_throttle"}
        migrate(command.downgrade, "0003")
        assert tables() == set()
        migrate(command.upgrade, "0004")
        assert tables() == {"submission_receipt", "signin_throttle"}


def test_0005_gives_places_their_areas_by_the_same_rule_both_ways(database_url):
    """After 0005 the trigger calls ward_at/lsoa_at/constituency_at (the functions searches call); its
    answers are those of 0001's trigger, sliver rule included, and a downgrade restores that trigger."""
    box = "ST_GeomFromText('MULTIPOLYGON(((-5.10 50.30,{x1} 50.30,{x1} 50.33,-5.10 50.33,-5.10 50.30)))', 4326)"
    with _scratch_migrations(database_url, "_mig5") as (engine, migrate):

        def areas(lon, lat):
            with engine.begin() as conn:
                return tuple(
                    conn.execute(
                        text(
                            "INSERT INTO location (location_type, geom) VALUES ('physical', ST_SetSRID(ST_MakePoint(:x, :y), "
                            "4326)) RETURNING ward_code, lsoa_code, constituency_code, lad_code"
                        ),
                        {"x": lon, "y": lat},
                    ).one()
                )

        points = [(-5.09, 50.31), (-5.09, 50.3305), (-5.09, 50.34)]  # inside; 55 m out (a sliver); 1.1 km out
        expected = [("E05999901", "E01999901", "E14999901", "E06999901")] * 2 + [(None, None, None, None)]
        migrate(command.upgrade, "0005")
        with engine.begin() as conn:
            conn.execute(
                text(
                    f"INSERT INTO local_authority (code, name, geom) VALUES ('E06999901', 'Toy', "
                    f"{box.format(x1=-5.05)})"
                )
            )
            conn.execute(
                text(f"INSERT INTO constituency (code, name, geom) VALUES ('E14999901', 'Toy', {box.format(x1=-5.05)})")
            )
            conn.execute(
                text(
                    f"INSERT INTO ward (code, name, lad_code, constituency_code, geom) VALUES "
                    f"('E05999901', 'Toy', 'E06999901', 'E14999901', {box.format(x1=-5.05)})"
                )
            )
            conn.execute(
                text(
                    f"INSERT INTO lsoa (code, name, lad_code, geom) VALUES "
                    f"('E01999901', 'Toy 001A', 'E06999901', {box.format(x1=-5.05)})"
                )
            )
            assert (
                conn.execute(text("SELECT ward_at(ST_SetSRID(ST_MakePoint(-5.09, 50.3305), 4326))")).scalar_one()
                == "E05999901"
            )
        assert [areas(*p) for p in points] == expected
        migrate(command.downgrade, "0004")
        with engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM pg_proc WHERE proname = 'ward_at'")).scalar_one() == 0
        assert [areas(*p) for p in points] == expected


def test_0007_adds_and_removes_the_mail_and_job_tables_and_guards_the_seal(database_url):
    """0007 is reversible; a queued row must keep its seal and a finished one must not (CHECK)."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import IntegrityError

    ours = {"mail_outbox", "mail_recipient", "scheduled_job"}
    with _scratch_migrations(database_url, "_mig7") as (engine, migrate):

        def tables():
            with engine.connect() as conn:
                return set(inspect(conn).get_table_names()) & ours

        migrate(command.upgrade, "0007")
        assert tables() == ours
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO mail_outbox (kind, template, recipient_hash, sealed) VALUES ('email', 't', 'h', 'x')")
            )
        for bad in (
            "INSERT INTO mail_outbox (kind, template, recipient_hash) VALUES ('email', 't', 'h')",
            "INSERT INTO mail_outbox (kind, template, recipient_hash, status, sealed) "
            "VALUES ('email', 't', 'h', 'sent', 'x')",
        ):
            with pytest.raises(IntegrityError, match="mail_outbox_sealed_while_queued"):
                with engine.begin() as conn:
                    conn.execute(text(bad))
        migrate(command.downgrade, "0006")
        assert tables() == set()
        migrate(command.upgrade, "0007")
        assert tables() == ours


def test_0009_adds_area_sets_snapshots_and_matched_terms_and_removes_them(database_url):
    """0009 both ways: an old 'nothing suitable' row gets terms_matched = false; area sets (with their areas
    and LSOA shares, removed with the set) and snapshots can be written; a downgrade drops them all."""
    from sqlalchemy import inspect

    box = "ST_Multi(ST_GeomFromText('POLYGON((-5.1 50.3,-5.0 50.3,-5.0 50.33,-5.1 50.33,-5.1 50.3))', 4326))"
    with _scratch_migrations(database_url, "_mig9") as (engine, migrate):
        migrate(command.upgrade, "0008")
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO unmet_need (id, category_codes) VALUES (gen_random_uuid(), ARRAY['carers-support'])")
            )
        migrate(command.upgrade, "0009")
        with engine.begin() as conn:
            assert conn.execute(text("SELECT terms_matched FROM unmet_need")).scalar_one() is False
            conn.execute(text(f"INSERT INTO lsoa (code, name, geom) VALUES ('E01999901', 'Toy 001A', {box})"))
            set_id = conn.execute(text("INSERT INTO area_set (name) VALUES ('PCNs') RETURNING id")).scalar_one()
            conn.execute(
                text(f"INSERT INTO custom_area (set_id, code, name, geom) VALUES (:s, 'a', 'A', {box})"),
                {"s": set_id},
            )
            conn.execute(text("INSERT INTO custom_area_lsoa VALUES (:s, 'a', 'E01999901', 0.5, true)"), {"s": set_id})
            conn.execute(
                text(
                    "INSERT INTO coverage_snapshot (month, geography, set_key, area_code, view, figures) "
                    "VALUES ('2026-11-01', 'ward', '', 'E05999901', 'all', '{}')"
                )
            )
            with pytest.raises(Exception, match="coverage_snapshot_first_of_month"):
                with conn.begin_nested():
                    conn.execute(
                        text(
                            "INSERT INTO coverage_snapshot (month, geography, set_key, area_code, "
                            "view, figures) VALUES ('2026-11-02', 'ward', '', 'x', 'all', '{}')"
                        )
                    )
            conn.execute(text("DELETE FROM area_set"))
            assert conn.execute(text("SELECT count(*) FROM custom_area_lsoa")).scalar_one() == 0
        migrate(command.downgrade, "0008")
        tables = set(inspect(engine).get_table_names())
        assert not {"area_set", "custom_area", "custom_area_lsoa", "coverage_snapshot"} & tables
        assert "terms_matched" not in {c["name"] for c in inspect(engine).get_columns("unmet_need")}


def test_0010_adds_the_matching_keys_merges_and_not_duplicates_and_removes_them(database_url):
    """0010 both ways: the key functions answer, a charity number is checked, a merged listing must be archived,
    a 'not duplicate' pair is kept in order; a downgrade turns merge history lines into 0009's words."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import IntegrityError

    with _scratch_migrations(database_url, "_mig10") as (engine, migrate):

        def service(conn, name, **extra):
            cols = ", ".join(
                ["name", "description", "status", "modes", "visibility", "illustrative", "version", *extra]
            )
            vals = ", ".join(
                [":n", "''", "'active'", "ARRAY['in_person']", "'public'", "false", "1", *(f":{k}" for k in extra)]
            )
            return conn.execute(
                text(f"INSERT INTO service ({cols}) VALUES ({vals}) RETURNING id"), {"n": name, **extra}
            ).scalar_one()

        migrate(command.upgrade, "0010")
        with engine.begin() as conn:
            assert conn.execute(text("SELECT match_phone_key('+44 (0)121 496 0000')")).scalar_one() == "01214960000"
            a = service(conn, "A", charity_number="1123456")
            b = service(conn, "B")
            first, second = sorted([a, b], key=lambda u: u.bytes)
            conn.execute(
                text("INSERT INTO not_duplicate (service_a_id, service_b_id) VALUES (:a, :b)"),
                {"a": first, "b": second},
            )
            conn.execute(
                text(
                    "INSERT INTO asset_change (service_id, version, action, changes, snapshot) VALUES (:s, 1, 'merged', '{}', '{}')"
                ),
                {"s": b},
            )
            for bad, name in (
                ("UPDATE service SET charity_number = '12' WHERE id = :a", "service_charity_number_format"),
                ("UPDATE service SET merged_into_id = :a WHERE id = :b", "service_merged_is_archived"),
                (
                    "INSERT INTO not_duplicate (service_a_id, service_b_id) VALUES (:b2, :a2)",
                    "not_duplicate_ordered",
                ),
            ):
                with pytest.raises(IntegrityError, match=name):
                    with conn.begin_nested():
                        conn.execute(text(bad), {"a": a, "b": b, "a2": first, "b2": second})
        migrate(command.downgrade, "0009")
        with engine.connect() as conn:
            assert "not_duplicate" not in inspect(conn).get_table_names()
            assert "charity_number" not in {c["name"] for c in inspect(conn).get_columns("service")}
            assert conn.execute(text("SELECT action FROM asset_change")).scalar_one() == "archive"
        migrate(command.upgrade, "0010")


def test_0011_keeps_weekly_sessions_holds_every_kind_and_goes_back_as_far_as_the_old_table_can(database_url):
    """0011 both ways: old one-day weekly rows read the same after it; monthly, one-off, fortnightly, seasonal,
    term-time and bank-holiday rows and a closure can be written, and a rule RFC 5545 forbids cannot; a
    downgrade splits several-day weekly rows into one per day and deletes what the old table cannot hold."""
    from sqlalchemy.exc import IntegrityError

    insert = (
        "INSERT INTO schedule (id, service_id, freq, byday, byday_order, opens_at, closes_at{cols}) "
        "VALUES (gen_random_uuid(), :s, {values})"
    )
    with _scratch_migrations(database_url, "_mig11") as (engine, migrate):

        def rows(conn):
            return conn.execute(
                text("SELECT freq, byday, byday_order, opens_at::text FROM schedule ORDER BY byday_order, opens_at")
            ).all()

        migrate(command.upgrade, "0010")
        with engine.begin() as conn:
            sid = conn.execute(
                text(
                    "INSERT INTO service (id, name, description, status, modes, visibility, illustrative, "
                    "version) VALUES (gen_random_uuid(), 'Lunch club', '', 'active', ARRAY['in_person'], "
                    "'public', false, 1) RETURNING id"
                )
            ).scalar_one()
            for day, order in (("MO", 0), ("WE", 2)):
                conn.execute(
                    text(insert.format(cols="", values=f"'WEEKLY', '{day}', {order}, '10:00', '12:00'")),
                    {"s": sid},
                )
        migrate(command.upgrade, "0011")
        with engine.begin() as conn:
            assert rows(conn) == [("WEEKLY", "MO", 0, "10:00:00"), ("WEEKLY", "WE", 2, "10:00:00")]
            assert (
                conn.execute(
                    text(
                        "SELECT count(*) FROM schedule WHERE interval IS NULL AND NOT term_time AND NOT skip_bank_holidays"
                    )
                ).scalar_one()
                == 2
            )
            for values in (
                "'WEEKLY', 'TU,TH', 1, '14:00', '15:00'",
                "'MONTHLY', '1MO,-1FR', 0, '18:00', '19:00'",
            ):
                conn.execute(text(insert.format(cols="", values=values)), {"s": sid})
            conn.execute(
                text(
                    insert.format(
                        cols=", interval, dtstart, term_time",
                        values="'WEEKLY', 'TH', 3, '09:00', '10:00', 2, '2026-01-08', true",
                    )
                ),
                {"s": sid},
            )
            conn.execute(
                text(insert.format(cols=", bymonthday", values="'MONTHLY', NULL, 7, '09:00', '10:00', '15,-1'")),
                {"s": sid},
            )
            conn.execute(
                text(insert.format(cols=", dtstart", values="NULL, NULL, 5, '10:00', '16:00', '2026-03-14'")),
                {"s": sid},
            )
            conn.execute(
                text("UPDATE service SET closed_from = '2026-03-01', closed_to = '2026-03-15' WHERE id = :s"),
                {"s": sid},
            )
            conn.execute(
                text(
                    "INSERT INTO term_date (lad_code, starts, ends) SELECT code, '2026-01-05', '2026-02-13' FROM local_authority LIMIT 1"
                )
            )
            for bad, rule in (
                ("'MONTHLY', NULL, 0, '10:00', '11:00'", "schedule_days_or_dates"),
                ("'WEEKLY', 'MON', 0, '10:00', '11:00'", "schedule_byday"),
                ("NULL, NULL, 0, '10:00', '11:00'", "schedule_one_off_has_a_date"),
                ("'YEARLY', 'MO', 0, '10:00', '11:00'", "schedule_freq"),
            ):
                with pytest.raises(IntegrityError, match=rule):
                    with conn.begin_nested():
                        conn.execute(text(insert.format(cols="", values=bad)), {"s": sid})
            with pytest.raises(IntegrityError, match="service_closure_dates"):
                with conn.begin_nested():
                    conn.execute(text("UPDATE service SET closed_to = NULL WHERE id = :s"), {"s": sid})
        migrate(command.downgrade, "0010")
        with engine.begin() as conn:
            assert rows(conn) == [
                ("WEEKLY", "MO", 0, "10:00:00"),
                ("WEEKLY", "TU", 1, "14:00:00"),
                ("WEEKLY", "WE", 2, "10:00:00"),
                ("WEEKLY", "TH", 3, "14:00:00"),
            ]
        migrate(command.upgrade, "0011")


def test_0012_adds_synonyms_and_a_lexicon_kept_by_triggers_and_removes_them(database_url):
    """0012 both ways: the seeded synonyms are there; a listing written afterwards adds its words to the
    lexicon at once (public only if the listing is); the daily rebuild drops words nothing uses any more; a
    downgrade drops the tables, triggers and functions."""
    from sqlalchemy import inspect

    with _scratch_migrations(database_url, "_mig12") as (engine, migrate):
        migrate(command.upgrade, "0012")
        with engine.begin() as conn:
            groups = conn.execute(text("SELECT count(DISTINCT group_id) FROM search_synonym")).scalar_one()
            assert groups >= 30
            assert conn.execute(text("SELECT public FROM search_lexicon WHERE word = 'bereavement'")).scalar()
            conn.execute(
                text(
                    "INSERT INTO service (id, name, description, visibility, status, modes, illustrative, "
                    "version, created_at, updated_at) VALUES (gen_random_uuid(), 'Quoits league', "
                    "'Zyzzogeton spotting', 'practitioners', 'active', ARRAY['in_person'], false, 1, now(), now())"
                )
            )
            rows = dict(
                conn.execute(
                    text("SELECT word, public FROM search_lexicon WHERE word IN ('quoits', 'zyzzogeton')")
                ).all()
            )
            assert rows == {"quoits": False, "zyzzogeton": False}
            conn.execute(text("DELETE FROM service WHERE name = 'Quoits league'"))
            assert conn.execute(text("SELECT search_lexicon_rebuild()")).scalar_one() >= 2
            assert not conn.execute(text("SELECT 1 FROM search_lexicon WHERE word = 'quoits'")).first()
        migrate(command.downgrade, "0011")
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            assert not {"search_synonym", "search_lexicon"} & tables
            assert not conn.execute(text("SELECT 1 FROM pg_proc WHERE proname LIKE 'search_lexicon%'")).first()
        migrate(command.upgrade, "head")


def test_0013_adds_the_organiser_tables_and_codes_and_takes_them_away(database_url):
    """0013 both ways: a check 'confirmed by the organiser' and a 'proposal' history row become possible (and an
    unknown method is still refused); on the way down they turn into 'self-reported' and 'update' and the
    organiser tables and columns go."""
    from sqlalchemy import inspect

    with _scratch_migrations(database_url, "_mig13") as (engine, migrate):
        migrate(command.upgrade, "0013")
        with engine.begin() as conn:
            sid = conn.execute(
                text(
                    "INSERT INTO service (id, name, description, modes, status, visibility, illustrative, version, "
                    "last_verified_on, verification_method) "
                    "VALUES (gen_random_uuid(), 'Lunch club', 'Lunch', ARRAY['in_person'], 'active', 'public', false, 1, "
                    "'2026-01-01', 'organiser') "
                    "RETURNING id"
                )
            ).scalar_one()
            conn.execute(
                text(
                    "INSERT INTO organiser_contact (service_id, sealed, email_hash, consent_on, consent_method, "
                    "updated_at) VALUES (:s, 'x', :h, '2026-01-01', 'phone', now())"
                ),
                {"s": sid, "h": "a" * 64},
            )
            with pytest.raises(Exception, match="service_verification_method"):
                with conn.begin_nested():
                    conn.execute(text("UPDATE service SET verification_method = 'guessed'"))
        migrate(command.downgrade, "0012")
        with engine.begin() as conn:
            assert conn.execute(text("SELECT verification_method FROM service")).scalar_one() == "self-reported"
        tables = set(inspect(engine).get_table_names())
        assert not {"organiser_contact", "organiser_reminder", "proposed_update", "reminder_cadence"} & tables
        assert "unconfirmed_since" not in {c["name"] for c in inspect(engine).get_columns("service")}
        migrate(command.upgrade, "0013")


def test_0014_backfills_the_marker_counts_keeps_them_by_triggers_and_removes_them(database_url):
    """0014 both ways: places written before it are counted by the backfill (a confidential one not); a place
    written after it is counted at once by the triggers; a downgrade drops the tables, triggers and functions
    and the directory's writes still work."""
    from sqlalchemy import inspect

    place = _PLACE_SQL % (":vis", "NULL")
    with _scratch_migrations(database_url, "_mig14") as (engine, migrate):

        def counts(conn):
            n = conn.execute(text("SELECT count(*) FROM marker_point")).scalar_one()
            per_level = conn.execute(text("SELECT level, sum(n) FROM marker_cell GROUP BY 1 ORDER BY 1")).all()
            return n, per_level

        migrate(command.upgrade, "0013")
        with engine.begin() as conn:
            conn.execute(text(place), {"name": "Hall", "vis": "public"})
            conn.execute(text(place), {"name": "Club", "vis": "practitioners"})
            conn.execute(text(place), {"name": "Refuge", "vis": "confidential"})
        migrate(command.upgrade, "0014")
        with engine.begin() as conn:
            assert counts(conn) == (2, [(level, 2) for level in range(4, 12)])
            conn.execute(text(place), {"name": "Garden", "vis": "public"})
            assert counts(conn) == (3, [(level, 3) for level in range(4, 12)])
            conn.execute(text("UPDATE service SET archived_at = now() WHERE name = 'Hall'"))
            assert counts(conn) == (2, [(level, 2) for level in range(4, 12)])
        migrate(command.downgrade, "0013")
        with engine.begin() as conn:
            assert not {"marker_point", "marker_cell"} & set(inspect(conn).get_table_names())
            assert not conn.execute(text("SELECT 1 FROM pg_proc WHERE proname LIKE 'marker%'")).first()
            conn.execute(text(place), {"name": "Pond", "vis": "public"})
            conn.execute(text("DELETE FROM location"))
        migrate(command.upgrade, "head")


def test_0015_backfills_the_points_filter_columns_keeps_them_by_triggers_and_removes_them(database_url):
    """0015 both ways: a point written before it gets its service's terms and least cost from the backfill;
    a term or cost added, changed or removed after it is carried at once; a downgrade drops the columns,
    triggers and functions and the directory's writes still work."""
    from sqlalchemy import inspect

    place = (
        "WITH v AS (INSERT INTO service (id, name, description, visibility, status, modes, illustrative, version, "
        "created_at, updated_at) VALUES (gen_random_uuid(), :name, '', 'public', 'active', ARRAY['in_person'], false, "
        "1, now(), now()) RETURNING id), l AS (INSERT INTO location (id, location_type, geom) VALUES "
        "(gen_random_uuid(), 'physical', ST_SetSRID(ST_MakePoint(-1.9, 52.48), 4326)) RETURNING id), "
        "c AS (INSERT INTO cost_option (id, service_id, amount, currency) SELECT gen_random_uuid(), v.id, 2.5, 'GBP' "
        "FROM v), a AS (INSERT INTO attribute (id, service_id, taxonomy_term_id) SELECT gen_random_uuid(), v.id, "
        "tt.id FROM v, taxonomy_term tt JOIN taxonomy t ON t.id = tt.taxonomy_id "
        "WHERE t.code = 'category' AND tt.code = 'social-groups') "
        "INSERT INTO service_at_location (id, service_id, location_id) SELECT gen_random_uuid(), v.id, l.id FROM v, l"
    )
    vocab = (
        "WITH t AS (INSERT INTO taxonomy (id, code, name, description) VALUES (gen_random_uuid(), 'tag', 'Tags', '') "
        "RETURNING id) INSERT INTO taxonomy_term (id, taxonomy_id, code, name, description, term_order) "
        "SELECT gen_random_uuid(), t.id, 'quiet', 'x', '', 0 FROM t"
    )
    points = "SELECT terms, min_cost FROM marker_point p JOIN service v ON v.id = p.service_id ORDER BY v.name"
    with _scratch_migrations(database_url, "_mig15") as (engine, migrate):
        migrate(command.upgrade, "0014")
        with engine.begin() as conn:
            conn.execute(text(vocab))
            conn.execute(text(place), {"name": "Hall"})
        migrate(command.upgrade, "0015")
        with engine.begin() as conn:
            assert conn.execute(text(points)).all() == [(["category:social-groups"], 2.5)]
            conn.execute(text(place), {"name": "Kiln"})
            assert conn.execute(text(points)).all() == [(["category:social-groups"], 2.5)] * 2
            # a term of a taxonomy the search does not filter by is not carried; a free option lowers the cost
            conn.execute(
                text(
                    "INSERT INTO attribute (id, service_id, taxonomy_term_id) SELECT gen_random_uuid(), v.id, "
                    "tt.id FROM service v, taxonomy_term tt WHERE v.name = 'Hall' AND tt.code = 'quiet'"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO cost_option (id, service_id, amount, currency) SELECT gen_random_uuid(), id, 0, "
                    "'GBP' FROM service WHERE name = 'Hall'"
                )
            )
            assert conn.execute(text(points)).all() == [
                (["category:social-groups"], 0),
                (["category:social-groups"], 2.5),
            ]
            conn.execute(text("UPDATE taxonomy_term SET code = 'social-clubs' WHERE code = 'social-groups'"))
            conn.execute(
                text("DELETE FROM cost_option c USING service v WHERE v.id = c.service_id AND v.name = 'Kiln'")
            )
            assert conn.execute(text(points)).all() == [
                (["category:social-clubs"], 0),
                (["category:social-clubs"], None),
            ]
            conn.execute(text("DELETE FROM attribute"))
            assert conn.execute(text(points)).all() == [([], 0), ([], None)]
        migrate(command.downgrade, "0014")
        with engine.begin() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("marker_point")}
            assert not {"terms", "min_cost"} & columns
            found = "SELECT 1 FROM pg_proc WHERE proname IN ('marker_terms', 'marker_min_cost', 'marker_point_filters')"
            assert not conn.execute(text(found)).first()
            conn.execute(text(place), {"name": "Pond"})
            conn.execute(text("DELETE FROM cost_option"))
            assert conn.execute(text("SELECT count(*) FROM marker_point")).scalar_one() == 3
        migrate(command.upgrade, "head")


def test_0016_counts_the_open_data_totals_keeps_them_by_triggers_and_removes_them(database_url):
    """0016 both ways: listings written before it are counted by the recount (a confidential or
    practitioners-only one not); a listing written, archived or deleted after it moves the totals at once;
    a downgrade drops the table, index, triggers and functions and the directory's writes still work."""
    from sqlalchemy import inspect

    place = _PLACE_SQL % (":vis", "NULL")
    totals = "SELECT kind, n FROM open_data_total ORDER BY kind"
    with _scratch_migrations(database_url, "_mig16") as (engine, migrate):
        migrate(command.upgrade, "0015")
        with engine.begin() as conn:
            conn.execute(text(place), {"name": "Hall", "vis": "public"})
            conn.execute(text(place), {"name": "Club", "vis": "practitioners"})
            conn.execute(text(place), {"name": "Refuge", "vis": "confidential"})
        migrate(command.upgrade, "0016")
        with engine.begin() as conn:
            assert conn.execute(text(totals)).all() == [("service_at_locations", 1), ("services", 1)]
            conn.execute(text(place), {"name": "Garden", "vis": "public"})
            assert conn.execute(text(totals)).all() == [("service_at_locations", 2), ("services", 2)]
            conn.execute(text("UPDATE service SET archived_at = now() WHERE name = 'Hall'"))
            conn.execute(text("DELETE FROM service WHERE name = 'Garden'"))
            assert conn.execute(text(totals)).all() == [("service_at_locations", 0), ("services", 0)]
        migrate(command.downgrade, "0015")
        with engine.begin() as conn:
            assert "open_data_total" not in inspect(conn).get_table_names()
            assert not {"service_public_name_idx", "service_public_updated_idx"} & {
                i["name"] for i in inspect(conn).get_indexes("service")
            }
            assert not conn.execute(text("SELECT 1 FROM pg_proc WHERE proname LIKE 'open_data%'")).first()
            conn.execute(text(place), {"name": "Pond", "vis": "public"})
            conn.execute(text("DELETE FROM service"))
        migrate(command.upgrade, "head")


def test_0017_copies_the_services_words_and_modes_to_the_points_keeps_them_and_removes_them(database_url):
    """0017 both ways: a point written before it gets its service's text and modes from the backfill; a point
    written after it gets them at once, and a change of name, description or modes is carried to every point
    of the service; a downgrade drops the columns, indexes, trigger and function and the directory's writes
    still work."""
    from sqlalchemy import inspect

    place = (
        "WITH v AS (INSERT INTO service (id, name, description, visibility, status, modes, illustrative, version, "
        "created_at, updated_at) VALUES (gen_random_uuid(), :name, 'A choir for everyone', 'public', 'active', "
        "ARRAY['in_person'], false, 1, now(), now()) RETURNING id), l AS (INSERT INTO location (id, location_type, "
        "geom) VALUES (gen_random_uuid(), 'physical', ST_SetSRID(ST_MakePoint(-1.9, 52.48), 4326)) RETURNING id) "
        "INSERT INTO service_at_location (id, service_id, location_id) SELECT gen_random_uuid(), v.id, l.id FROM v, l"
    )
    points = (
        "SELECT p.search_tsv = v.search_tsv, p.modes, p.search_tsv @@ to_tsquery('english', 'choir') "
        "FROM marker_point p JOIN service v ON v.id = p.service_id ORDER BY v.name"
    )
    with _scratch_migrations(database_url, "_mig17") as (engine, migrate):
        migrate(command.upgrade, "0016")
        with engine.begin() as conn:
            conn.execute(text(place), {"name": "Hall"})
        migrate(command.upgrade, "0017")
        with engine.begin() as conn:
            assert conn.execute(text(points)).all() == [(True, ["in_person"], True)]
            conn.execute(text(place), {"name": "Kiln"})
            assert conn.execute(text(points)).all() == [(True, ["in_person"], True)] * 2
            conn.execute(
                text("UPDATE service SET description = 'Pottery', modes = ARRAY['online'] WHERE name = 'Kiln'")
            )
            conn.execute(text("UPDATE service SET version = 2 WHERE name = 'Hall'"))  # nothing the points carry
            assert conn.execute(text(points)).all() == [(True, ["in_person"], True), (True, ["online"], False)]
        migrate(command.downgrade, "0016")
        with engine.begin() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("marker_point")}
            assert not {"geog", "search_tsv", "modes"} & columns
            indexes = {i["name"] for i in inspect(conn).get_indexes("marker_point")}
            assert not {"idx_marker_point_geog", "idx_marker_point_tsv", "idx_marker_point_service"} & indexes
            assert not conn.execute(text("SELECT 1 FROM pg_proc WHERE proname = 'marker_services_retexted'")).first()
            conn.execute(text(place), {"name": "Pond"})
            conn.execute(text("UPDATE service SET description = 'Ducks' WHERE name = 'Pond'"))
            assert conn.execute(text("SELECT count(*) FROM marker_point")).scalar_one() == 3
        migrate(command.upgrade, "head")


def test_0018_keeps_the_weekdays_of_each_points_sessions_and_removes_them(database_url):
    """0018 both ways: a point written before it gets its service's session weekdays from the backfill (a
    one-off's own day, a monthly rule's weekdays, an ended session's too; dates of the month none); sessions
    added, moved to another service, deleted and truncated rewrite them; a downgrade drops the column,
    triggers and functions and the directory's writes still work."""
    from sqlalchemy import inspect

    place = _PLACE_SQL % ("'public'", "NULL")
    sessions = (
        "INSERT INTO schedule (id, service_id, freq, byday, bymonthday, byday_order, dtstart, valid_to, opens_at, "
        "closes_at) SELECT gen_random_uuid(), v.id, x.f, x.b, x.m, 0, x.d, x.e, '10:00', '12:00' FROM service v, "
        "(VALUES ('WEEKLY', 'TU', NULL, NULL::date, NULL::date), ('MONTHLY', '1MO,-1FR', NULL, NULL, NULL), "
        "(NULL, NULL, NULL, DATE '2026-12-05', NULL), ('WEEKLY', 'WE', NULL, NULL, DATE '2020-01-01'), "
        "('MONTHLY', NULL, '15', NULL, NULL)) AS x(f, b, m, d, e) WHERE v.name = :name"
    )
    days = "SELECT p.days FROM marker_point p JOIN service v ON v.id = p.service_id ORDER BY v.name"
    with _scratch_migrations(database_url, "_mig18") as (engine, migrate):
        migrate(command.upgrade, "0017")
        with engine.begin() as conn:
            conn.execute(text(place), {"name": "Hall"})
            conn.execute(text(sessions), {"name": "Hall"})
        migrate(command.upgrade, "0018")
        every = ["FR", "MO", "SA", "TU", "WE"]  # 2026-12-05 is a Saturday
        with engine.begin() as conn:
            assert conn.execute(text(days)).scalars().all() == [every]
            conn.execute(text(place), {"name": "Kiln"})
            assert conn.execute(text(days)).scalars().all() == [every, []]
            conn.execute(
                text("UPDATE schedule SET service_id = (SELECT id FROM service WHERE name = 'Kiln') WHERE byday = 'TU'")
            )
            assert conn.execute(text(days)).scalars().all() == [["FR", "MO", "SA", "WE"], ["TU"]]
            conn.execute(text("DELETE FROM schedule WHERE byday = '1MO,-1FR'"))
            assert conn.execute(text(days)).scalars().all() == [["SA", "WE"], ["TU"]]
            conn.execute(text("TRUNCATE schedule"))
            assert conn.execute(text(days)).scalars().all() == [[], []]
        migrate(command.downgrade, "0017")
        with engine.begin() as conn:
            assert "days" not in {c["name"] for c in inspect(conn).get_columns("marker_point")}
            assert not conn.execute(
                text("SELECT 1 FROM pg_proc WHERE proname IN ('marker_days', 'marker_sessions_added')")
            ).first()
            conn.execute(text(place), {"name": "Pond"})
            conn.execute(text(sessions), {"name": "Pond"})
            assert conn.execute(text("SELECT count(*) FROM marker_point")).scalar_one() == 3
        migrate(command.upgrade, "head")


def test_0019_copies_the_services_name_and_checks_to_the_points_keeps_them_and_removes_them(database_url):
    """0019 both ways: a point written before it gets its service's name and dates from the backfill; a point
    written after it gets them at once, and a rename, a check or a lapsed confirmation is carried to every
    point of the service; a downgrade drops the columns and the directory's writes still work."""
    from sqlalchemy import inspect

    place = _PLACE_SQL % ("'public'", "DATE '2026-03-01'")
    points = (
        "SELECT p.name, p.last_verified_on::text, p.unconfirmed_since::text FROM marker_point p "
        "JOIN service v ON v.id = p.service_id ORDER BY v.created_at"
    )
    with _scratch_migrations(database_url, "_mig19") as (engine, migrate):
        migrate(command.upgrade, "0018")
        with engine.begin() as conn:
            conn.execute(text(place), {"name": "Hall"})
        migrate(command.upgrade, "0019")
        with engine.begin() as conn:
            assert conn.execute(text(points)).all() == [("Hall", "2026-03-01", None)]
            conn.execute(text(place), {"name": "Kiln"})
            assert conn.execute(text(points)).all() == [("Hall", "2026-03-01", None), ("Kiln", "2026-03-01", None)]
            conn.execute(text("UPDATE service SET name = 'Pottery', last_verified_on = NULL WHERE name = 'Kiln'"))
            conn.execute(text("UPDATE service SET unconfirmed_since = DATE '2026-11-01' WHERE name = 'Hall'"))
            assert conn.execute(text(points)).all() == [
                ("Hall", "2026-03-01", "2026-11-01"),
                ("Pottery", None, None),
            ]
        migrate(command.downgrade, "0018")
        with engine.begin() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("marker_point")}
            assert not {"name", "last_verified_on", "unconfirmed_since"} & columns
            conn.execute(text(place), {"name": "Pond"})
            conn.execute(text("UPDATE service SET name = 'Ducks' WHERE name = 'Pond'"))
            assert conn.execute(text("SELECT count(*) FROM marker_point")).scalar_one() == 3
        migrate(command.upgrade, "head")


def test_0020_plans_the_joins_of_old_and_new_rows_for_each_write_and_puts_the_old_ones_back(database_url):
    """0020 both ways: the four statement triggers that join ``old_rows`` with ``new_rows`` run those joins through
    EXECUTE (planned for each write's own rows) and still keep the points and totals right; a downgrade puts
    the static statements back."""
    names = (
        "marker_places_moved",
        "marker_services_reclassed",
        "open_data_services_updated",
        "marker_services_retexted",
    )
    sources = "SELECT proname, prosrc FROM pg_proc WHERE proname = ANY(:names) ORDER BY proname"
    place = _PLACE_SQL % ("'public'", "NULL")
    points = "SELECT p.name, p.visibility FROM marker_point p ORDER BY p.name"
    with _scratch_migrations(database_url, "_mig20") as (engine, migrate):
        migrate(command.upgrade, "0020")
        with engine.begin() as conn:
            found = conn.execute(text(sources), {"names": list(names)}).all()
            assert len(found) == 4 and all("EXECUTE $sql$" in src for _name, src in found)
            for name in ("Hall", "Kiln"):
                conn.execute(text(place), {"name": name})
            conn.execute(text("UPDATE service SET name = name || ' club'"))  # both rows in one statement
            conn.execute(text("UPDATE service SET visibility = 'practitioners' WHERE name = 'Kiln club'"))
            conn.execute(text("UPDATE location SET geom = ST_SetSRID(ST_MakePoint(-1.91, 52.49), 4326)"))
            assert conn.execute(text(points)).all() == [("Hall club", "public"), ("Kiln club", "practitioners")]
            total = "SELECT n FROM open_data_total WHERE kind = 'services'"
            assert conn.execute(text(total)).scalar_one() == 1
        migrate(command.downgrade, "0019")
        with engine.begin() as conn:
            found = conn.execute(text(sources), {"names": list(names)}).all()
            assert len(found) == 4 and not any("EXECUTE" in src for _name, src in found)
            conn.execute(text("UPDATE service SET name = 'Pond' WHERE name = 'Hall club'"))
            assert conn.execute(text(points)).all() == [("Kiln club", "practitioners"), ("Pond", "public")]
        migrate(command.upgrade, "head")


def test_0021_keeps_the_points_settled_sessions_and_features_and_removes_them(database_url):
    """0021 both ways: a point written before it gets its service's settled sessions as slots (a weekly
    Monday morning; not an ended session, nor one that begins next year, which mark it unsettled) and its
    place's features from the backfill; sessions, features and another place added later are kept by the
    triggers; a downgrade drops the columns, index, triggers and functions, puts 0018's back, and the
    directory's writes still work."""
    from sqlalchemy import inspect

    from tests.test_markers import slot_bits

    place = _PLACE_SQL % ("'public'", "NULL")
    sessions = (
        "INSERT INTO schedule (id, service_id, freq, byday, byday_order, valid_from, valid_to, opens_at, closes_at) "
        "SELECT gen_random_uuid(), v.id, 'WEEKLY', x.b, 0, x.f, x.t, x.o, x.c FROM service v, (VALUES "
        "(CAST(:b AS varchar), CAST(:f AS date), CAST(:t AS date), CAST(:o AS time), CAST(:c AS time))) "
        "AS x(b, f, t, o, c) WHERE v.name = :name"
    )
    features = (
        "INSERT INTO accessibility (id, location_id, kind) SELECT gen_random_uuid(), s.location_id, :k "
        "FROM service_at_location s JOIN service v ON v.id = s.service_id WHERE v.name = :name"
    )
    points = (
        "SELECT p.slots, p.slots_unsettled, p.slots_settled_on = marker_today(), p.access, p.access_elsewhere "
        "FROM marker_point p JOIN service v ON v.id = p.service_id ORDER BY v.name"
    )
    monday = slot_bits(["MO:morning", "any", "d:MO", "p:morning"])
    wheelchair, loop = 1, 1 << 3  # the features' bits, in the vocabulary's order
    with _scratch_migrations(database_url, "_mig21") as (engine, migrate):
        migrate(command.upgrade, "0020")
        with engine.begin() as conn:
            conn.execute(text(place), {"name": "Hall"})
            for b, f, t in (("MO", None, None), ("TU", None, "2020-01-01"), ("WE", "2099-01-01", None)):
                conn.execute(text(sessions), {"name": "Hall", "b": b, "f": f, "t": t, "o": "10:00", "c": "11:00"})
            conn.execute(text(features), {"name": "Hall", "k": "wheelchair"})
        migrate(command.upgrade, "0021")
        with engine.begin() as conn:
            assert conn.execute(text(points)).all() == [(monday, True, True, wheelchair, False)]
            conn.execute(text(place), {"name": "Kiln"})
            conn.execute(text(sessions), {"name": "Kiln", "b": "FR", "f": None, "t": None, "o": "16:00", "c": "18:00"})
            conn.execute(text(features), {"name": "Kiln", "k": "hearing-loop"})
            conn.execute(text("DELETE FROM schedule WHERE byday IN ('TU', 'WE')"))
            friday = slot_bits(["FR:afternoon", "FR:evening", "any", "d:FR", "p:afternoon", "p:evening"])
            assert conn.execute(text(points)).all() == [
                (monday, False, True, wheelchair, False),
                (friday, False, True, loop, False),
            ]
            # Hall's listing at Kiln's place too: both of Hall's points know of the other place
            conn.execute(
                text(
                    "INSERT INTO service_at_location (id, service_id, location_id) SELECT gen_random_uuid(), "
                    "(SELECT id FROM service WHERE name = 'Hall'), s.location_id FROM service_at_location s "
                    "JOIN service v ON v.id = s.service_id WHERE v.name = 'Kiln'"
                )
            )
            shared = "SELECT p.access, p.access_elsewhere FROM marker_point p JOIN service v ON v.id = p.service_id "
            shared += "WHERE v.name = 'Hall' ORDER BY 1"
            assert conn.execute(text(shared)).all() == [(wheelchair, True), (loop, True)]
            conn.execute(text("TRUNCATE accessibility"))
            conn.execute(text("TRUNCATE schedule"))
            assert [(r[0], r[1], r[3]) for r in conn.execute(text(points))] == [(0, False, 0)] * 3
        migrate(command.downgrade, "0020")
        with engine.begin() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("marker_point")}
            assert not {"slots", "slots_unsettled", "slots_settled_on", "access", "access_elsewhere"} & columns
            gone = "SELECT 1 FROM pg_proc WHERE proname IN ('marker_slots', 'marker_access', 'marker_today', "
            gone += "'marker_access_insert', 'marker_shared_places_insert')"
            assert not conn.execute(text(gone)).first()
            conn.execute(text(place), {"name": "Pond"})
            conn.execute(text(sessions), {"name": "Pond", "b": "TU", "f": None, "t": None, "o": "10:00", "c": "11:00"})
            conn.execute(text(features), {"name": "Pond", "k": "wheelchair"})
            days = "SELECT p.days FROM marker_point p JOIN service v ON v.id = p.service_id WHERE v.name = 'Pond'"
            assert conn.execute(text(days)).scalars().all() == [["TU"]]
        migrate(command.upgrade, "head")


def test_0022_copies_the_points_to_the_narrow_dots_keeps_them_and_removes_them(database_url):
    """0022 both ways: a point written before it is copied by the fill; points added, changed (a session's
    day, a place's feature), moved and removed are kept by the triggers on ``marker_point``, and emptied with
    it; a downgrade drops the table and its triggers and the directory's writes still work."""
    from sqlalchemy import inspect

    place = _PLACE_SQL % ("'public'", "NULL")
    columns = "link_id, ST_AsText(geom), visibility, days, slots, access, access_elsewhere"
    dots = f"SELECT {columns} FROM marker_dot ORDER BY 1"
    points = f"SELECT {columns} FROM marker_point ORDER BY 1"
    with _scratch_migrations(database_url, "_mig22") as (engine, migrate):
        migrate(command.upgrade, "0021")
        with engine.begin() as conn:
            conn.execute(text(place), {"name": "Hall"})
        migrate(command.upgrade, "0022")
        with engine.begin() as conn:
            assert len(conn.execute(text(dots)).all()) == 1
            assert conn.execute(text(dots)).all() == conn.execute(text(points)).all()
            conn.execute(text(place), {"name": "Kiln"})
            conn.execute(text(_SESSION_SQL), TUESDAY_MORNING)
            conn.execute(
                text(
                    "INSERT INTO accessibility (id, location_id, kind) "
                    "SELECT gen_random_uuid(), location_id, 'bsl' FROM service_at_location"
                )
            )
            conn.execute(text("UPDATE location SET geom = ST_SetSRID(ST_MakePoint(-1.91, 52.49), 4326)"))
            conn.execute(text("UPDATE service SET visibility = 'practitioners' WHERE name = 'Kiln'"))
            found = conn.execute(text(dots)).all()
            assert len(found) == 2 and found == conn.execute(text(points)).all()
            assert {r[2] for r in found} == {"public", "practitioners"} and all(r[3] == ["TU"] for r in found)
            conn.execute(text("DELETE FROM service WHERE name = 'Hall'"))
            assert conn.execute(text(dots)).all() == conn.execute(text(points)).all()
            conn.execute(text("TRUNCATE service_at_location"))
            assert conn.execute(text(dots)).all() == []
        migrate(command.downgrade, "0021")
        with engine.begin() as conn:
            assert not inspect(conn).has_table("marker_dot")
            gone = "SELECT 1 FROM pg_proc WHERE proname LIKE 'marker_dots_%'"
            assert not conn.execute(text(gone)).first()
            conn.execute(text(place), {"name": "Pond"})
            assert conn.execute(text("SELECT count(*) FROM marker_point")).scalar_one() == 1
        migrate(command.upgrade, "head")


def test_0021_keeps_the_bits_in_the_vocabularys_order():
    """The slots' days and parts of the day, and the features' bits, are frozen in migration 0021 as the search
    asks for them (``filters.SLOT_DAYS``, ``SLOT_PARTS``, ``FEATURE_BITS``): a change to the vocabulary needs a
    migration that rewrites them."""
    import importlib.util

    from assetmap.practitioners import filters
    from assetmap.vocabulary import PARTS_OF_DAY

    path = PROJECT_ROOT / "migrations" / "versions" / "0021_marker_sessions_access.py"
    spec = importlib.util.spec_from_file_location("m0021", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.DAYS == filters.SLOT_DAYS
    assert module.FEATURES == filters.FEATURE_BITS
    assert tuple(code for code, _starts, _ends in module.PARTS) == filters.SLOT_PARTS
    times = [(dt.time.fromisoformat(starts), dt.time.fromisoformat(ends)) for _code, starts, ends in module.PARTS]
    assert times == [(part.starts, part.ends) for part in PARTS_OF_DAY]


def test_no_statement_trigger_joins_old_and_new_rows_with_a_plan_kept_from_another_write(app_ctx):
    """A PL/pgSQL statement naming no variable keeps the plan of its first run on a connection: a join of
    ``old_rows`` with ``new_rows`` planned for one row compared every row with every other on the next bulk
    write (70 s for 10,000 services at 1,000,000 assets, migration 0020). Any trigger function that joins
    the two runs that join through EXECUTE."""
    from assetmap.db import session

    rows = session.execute(
        text("SELECT proname, prosrc FROM pg_proc WHERE prosrc ~ 'old_rows' AND prosrc ~ 'new_rows'")
    ).all()
    joining = [(name, src) for name, src in rows if "JOIN old_rows" in src or "JOIN new_rows" in src]
    assert joining, "the kept tables' triggers join old and new rows (migrations 0014-0020)"
    assert [name for name, src in joining if "EXECUTE $sql$" not in src] == []


def test_0025_keeps_the_points_keys_and_goes_back(database_url):
    """0025 both ways: the points there already get their keys (the words, the first letters of each, the terms,
    the weekdays, the ways of taking part), kept as sessions change, in the walk's GiST index and a GIN index in
    place of those of the words, terms and ways; a downgrade drops them, the column and its functions and puts
    the three indexes back."""
    keys = "SELECT tsvector_to_array(keys) FROM marker_point"
    indexes = "SELECT indexname FROM pg_indexes WHERE tablename = 'marker_point' ORDER BY indexname"
    with _scratch_migrations(database_url, "_mig25") as (engine, migrate):
        migrate(command.upgrade, "0024")
        with engine.begin() as conn:
            conn.execute(text(_PLACE_SQL % ("'public'", "NULL")), {"name": "Gardening club"})
            conn.execute(text(_SESSION_SQL), TUESDAY_MORNING)
            before = set(conn.execute(text(indexes)).scalars())
        migrate(command.upgrade, "0025")
        with engine.begin() as conn:
            assert set(conn.execute(text(keys)).scalar_one()) == {
                "garden",
                "club",
                "^garde",
                "=day:TU",
                "=mode:in_person",
            }
            conn.execute(text(_SESSION_SQL), {**TUESDAY_MORNING, "day": "FR"})
            assert {"=day:TU", "=day:FR"} <= set(conn.execute(text(keys)).scalar_one())
            after = set(conn.execute(text(indexes)).scalars())
            assert after - before == {"idx_marker_point_walk", "idx_marker_point_keys"}
            assert before - after == {"idx_marker_point_tsv", "idx_marker_point_terms", "idx_marker_point_modes"}
        migrate(command.downgrade, "0024")
        with engine.begin() as conn:
            assert set(conn.execute(text(indexes)).scalars()) == before
            assert not conn.execute(
                text(
                    "SELECT 1 FROM information_schema.columns WHERE table_name = 'marker_point' AND column_name = 'keys'"
                )
            ).first()
            assert not conn.execute(text("SELECT 1 FROM pg_proc WHERE proname LIKE 'marker_keys%'")).first()
        migrate(command.upgrade, "head")


def test_0024_counts_the_kept_bits_by_cell_and_goes_back(database_url):
    """0024 both ways: ``marker_bit_cell`` is filled from the points there already (a place with a Tuesday
    morning session and step-free access: "this week", mornings, the feature, at each of levels 4-9), kept as
    sessions change, and a downgrade drops the table, its triggers and ``marker_kept_bits``."""
    bits = "SELECT bit, count(*), sum(n) FROM marker_bit_cell WHERE n <> 0 GROUP BY bit ORDER BY bit"
    with _scratch_migrations(database_url, "_mig24") as (engine, migrate):
        migrate(command.upgrade, "0023")
        with engine.begin() as conn:
            conn.execute(text(_PLACE_SQL % ("'public'", "NULL")), {"name": "Hall"})
            conn.execute(text(_SESSION_SQL), TUESDAY_MORNING)
            conn.execute(
                text(
                    "INSERT INTO accessibility (id, location_id, kind) "
                    "SELECT gen_random_uuid(), id, 'step-free' FROM location"
                )
            )
        migrate(command.upgrade, "0024")
        with engine.begin() as conn:
            # step-free is the second feature (32 + 1); one cell at each of the six levels
            assert conn.execute(text(bits)).all() == [(0, 6, 6), (8, 6, 6), (33, 6, 6)]
            conn.execute(text(_SESSION_SQL), {**TUESDAY_MORNING, "opens": "18:00", "closes": "19:00"})
            assert conn.execute(text(bits)).all() == [(0, 6, 6), (8, 6, 6), (10, 6, 6), (33, 6, 6)]
            conn.execute(text("DELETE FROM schedule"))
            assert conn.execute(text(bits)).all() == [(33, 6, 6)]
        migrate(command.downgrade, "0023")
        with engine.begin() as conn:
            assert not conn.execute(text("SELECT to_regclass('marker_bit_cell')")).scalar_one()
            assert not conn.execute(text("SELECT 1 FROM pg_proc WHERE proname = 'marker_kept_bits'")).first()
            assert not conn.execute(text("SELECT 1 FROM pg_proc WHERE proname LIKE 'marker_bits_%'")).first()
        migrate(command.upgrade, "head")


def test_0023_keys_the_dots_by_their_slots_and_goes_back(database_url):
    """0023 both ways: ``marker_slot_keys`` gives the numbers of a row's slot bits (and -1 when only the lookup can
    decide), kept in its index as sessions change; a downgrade drops the indexes and the function."""
    keys = "SELECT marker_slot_keys(slots, slots_unsettled) FROM marker_dot"
    indexes = "SELECT indexname FROM pg_indexes WHERE tablename = 'marker_dot' AND indexname LIKE 'idx_marker_dot_s%'"
    with _scratch_migrations(database_url, "_mig23") as (engine, migrate):
        migrate(command.upgrade, "0022")
        with engine.begin() as conn:
            conn.execute(text(_PLACE_SQL % ("'public'", "NULL")), {"name": "Hall"})
        migrate(command.upgrade, "0023")
        with engine.begin() as conn:
            assert set(conn.execute(text(indexes)).scalars()) == {
                "idx_marker_dot_slot_keys",
                "idx_marker_dot_settled",
            }
            assert conn.execute(text(keys)).scalar_one() == []  # no sessions
            conn.execute(text(_SESSION_SQL), TUESDAY_MORNING)
            # any session (0), Tuesday (1 + 1), morning (8 + 0), Tuesday morning (11 + 3 x 1 + 0)
            assert conn.execute(text(keys)).scalar_one() == [0, 2, 8, 14]
            conn.execute(
                text(
                    "INSERT INTO schedule (id, service_id, freq, byday, byday_order, opens_at, closes_at, "
                    "valid_to) SELECT gen_random_uuid(), id, 'WEEKLY', 'FR', 1, '18:00', '19:00', '2020-01-01' "
                    "FROM service"
                )
            )
            assert conn.execute(text(keys)).scalar_one() == [0, 2, 8, 14, -1]  # an ended session: looked up
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            found = "SELECT count(*) FROM marker_dot WHERE marker_slot_keys(slots, slots_unsettled) && CAST(:k AS integer[])"
            assert [conn.execute(text(found), {"k": k}).scalar_one() for k in ([2], [3], [-1])] == [1, 0, 1]
        migrate(command.downgrade, "0022")
        with engine.begin() as conn:
            assert not conn.execute(text(indexes)).first()
            assert not conn.execute(text("SELECT 1 FROM pg_proc WHERE proname = 'marker_slot_keys'")).first()
        migrate(command.upgrade, "head")


def test_0026_keys_the_points_cost_bands_and_goes_back(database_url):
    """0026 both ways: the points there already get a key for each cost band their least cost is within, kept as
    the cost changes, with the same indexes; a downgrade takes the bands out and puts 0025's function back."""
    bands = "SELECT array(SELECT k FROM unnest(tsvector_to_array(keys)) AS k WHERE k LIKE '=cost:%' ORDER BY k) FROM marker_point"
    indexes = "SELECT indexname FROM pg_indexes WHERE tablename = 'marker_point' ORDER BY indexname"
    cost = (
        "INSERT INTO cost_option (id, service_id, amount, currency) "
        "SELECT gen_random_uuid(), id, :amount, 'GBP' FROM service"
    )
    with _scratch_migrations(database_url, "_mig26") as (engine, migrate):
        migrate(command.upgrade, "0025")
        with engine.begin() as conn:
            conn.execute(text(_PLACE_SQL % ("'public'", "NULL")), {"name": "Gardening club"})
            conn.execute(text(cost), {"amount": "2.50"})
            before = set(conn.execute(text(indexes)).scalars())
            assert conn.execute(text(bands)).scalar_one() == []
        migrate(command.upgrade, "0026")
        with engine.begin() as conn:
            assert conn.execute(text(bands)).scalar_one() == ["=cost:up-to-3", "=cost:up-to-5"]
            assert {"garden", "^garde"} <= set(
                conn.execute(text("SELECT tsvector_to_array(keys) FROM marker_point")).scalar_one()
            )
            conn.execute(text(cost), {"amount": "0"})  # a second, free option: the least cost is 0
            assert conn.execute(text(bands)).scalar_one() == ["=cost:free", "=cost:up-to-3", "=cost:up-to-5"]
            conn.execute(text("DELETE FROM cost_option"))
            assert conn.execute(text(bands)).scalar_one() == []
            conn.execute(text(cost), {"amount": "5.01"})
            assert conn.execute(text(bands)).scalar_one() == []
            assert set(conn.execute(text(indexes)).scalars()) == before
        migrate(command.downgrade, "0025")
        with engine.begin() as conn:
            conn.execute(text("UPDATE cost_option SET amount = 0"))
            assert conn.execute(text(bands)).scalar_one() == []
            assert set(conn.execute(text(indexes)).scalars()) == before
            assert conn.execute(text("SELECT pronargs FROM pg_proc WHERE proname = 'marker_keys'")).scalars().all() == [
                4
            ]
        migrate(command.upgrade, "head")


def test_0026_keys_the_cost_bands_the_search_offers():
    """The bands 0026 keys are ``vocabulary.COST_BANDS``: a band added or moved needs a migration to key it, or
    the walk's test of it (``filters.point_cost_filter``) would find nothing."""
    import importlib.util

    from assetmap.vocabulary import COST_BANDS

    spec = importlib.util.spec_from_file_location("m0026", VERSIONS / "0026_marker_cost_keys.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.COST_BANDS == tuple((band.code, band.up_to) for band in COST_BANDS)
