"""The database itself refuses hostile geometry: empty, non-finite, out of Great Britain, 3D, invalid."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DataError, IntegrityError, InternalError

from assetmap.db import session

REFUSED = (IntegrityError, DataError, InternalError)


@pytest.mark.parametrize(
    "wkt",
    [
        "POINT EMPTY",
        "POINT(NaN 52.4)",
        "POINT(-1.9 Infinity)",
        "POINT(1e308 52)",
        "POINT(52.47 -1.90)",  # lat/lon swapped: lands off Somalia
        "POINT(2.35 48.85)",  # Paris
        "POINT Z (-1.9 52.47 10)",  # a 3D point in a 2D column
    ],
)
def test_hostile_points_are_refused_by_the_database(app_ctx, wkt):
    with pytest.raises(REFUSED):
        with session.begin_nested():
            session.execute(
                text(
                    "INSERT INTO location (location_type, geom) VALUES "
                    "('physical', ST_SetSRID(ST_GeomFromText(:wkt), 4326))"
                ),
                {"wkt": wkt},
            )


def test_point_in_another_srid_is_refused(app_ctx):
    with pytest.raises(REFUSED):
        with session.begin_nested():
            session.execute(
                text(
                    "INSERT INTO location (location_type, geom) VALUES "
                    "('physical', ST_SetSRID(ST_MakePoint(406875, 286393), 27700))"
                )
            )


def test_invalid_polygon_is_refused_by_the_database(app_ctx):
    bowtie = "MULTIPOLYGON(((-1 53.9,-0.99 53.91,-0.99 53.9,-1 53.91,-1 53.9)))"
    with pytest.raises(REFUSED):
        with session.begin_nested():
            session.execute(
                text(
                    "INSERT INTO ward (code, name, lad_code, geom) VALUES "
                    "('E05999990', 'x', 'E06000014', ST_GeomFromText(:w, 4326))"
                ),
                {"w": bowtie},
            )


def test_a_good_point_gets_its_ward_constituency_and_lsoa(app_ctx):
    row = session.execute(
        text(
            "INSERT INTO location (location_type, geom) VALUES ('physical', ST_SetSRID(ST_MakePoint(-1.900211, 52.475425), 4326)) "
            "RETURNING ward_code, constituency_code, lsoa_code, lad_code"
        )
    ).one()
    assert row == ("E05011151", "E14001096", "E01033615", "E08000025")


def test_moving_a_location_reassigns_its_areas(app_ctx):
    loc_id = session.execute(
        text(
            "INSERT INTO location (location_type, geom) VALUES ('physical', ST_SetSRID(ST_MakePoint(-1.900211, 52.475425), 4326)) "
            "RETURNING id"
        )
    ).scalar()
    ward = session.execute(
        text(
            "UPDATE location SET geom = ST_SetSRID(ST_MakePoint(-1.0817, 53.9597), 4326) "
            "WHERE id = :id RETURNING ward_code, lad_code"
        ),
        {"id": loc_id},
    ).one()
    assert ward[1] == "E06000014"


def test_statement_timeout_is_configured(app_ctx):
    assert session.execute(text("SHOW statement_timeout")).scalar() not in ("0", None)


def test_connections_run_without_jit_compilation(app_ctx):
    # JIT compiling a dense search took longer than running it (assetmap/db.py)
    assert session.execute(text("SHOW jit")).scalar() == "off"


def test_connections_plan_each_statement_for_its_own_values(app_ctx):
    # a prepared search planned once for any place read the text index for all of England (assetmap/db.py)
    assert session.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"


def test_planner_off_turns_methods_off_for_the_statements_inside_and_on_after(app_ctx):
    from assetmap.db import planner_off

    def state():
        return tuple(
            session.execute(text("SELECT current_setting('enable_bitmapscan'), current_setting('enable_sort')")).one()
        )

    with planner_off(True, "bitmapscan", "sort"):
        assert state() == ("off", "off")
    assert state() == ("on", "on")
    with planner_off(False, "bitmapscan"):
        assert state() == ("on", "on")
    with pytest.raises(ValueError), planner_off(True, "seqscan; DROP TABLE service"):
        pass
