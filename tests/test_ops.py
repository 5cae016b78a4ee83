"""Backup and restore: back up, wipe, restore, compare row counts."""

import pytest
from sqlalchemy import create_engine, text

from assetmap.ops import backup, libpq_args, restore
from tests.factories import scratch_database

TABLES = ("ward", "constituency", "lsoa", "postcode", "local_authority", "taxonomy", "taxonomy_term")


def counts(url):
    engine = create_engine(url)
    with engine.connect() as conn:
        out = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}
        out["wards_md5"] = conn.execute(
            text("SELECT md5(string_agg((code, population_total)::text, ',' ORDER BY code)) FROM ward")
        ).scalar()
    engine.dispose()
    return out


@pytest.mark.commits
def test_backup_wipe_restore_gives_back_the_same_rows(database_url, tmp_path, app):
    with scratch_database(database_url, "_restore") as scratch:
        scratch_url = scratch.render_as_string(hide_password=False)
        original = counts(database_url)
        dump = backup(database_url, tmp_path / "assetmap.dump")
        assert dump.stat().st_size > 100_000
        restore(scratch_url, dump)
        assert counts(scratch_url) == original
        # wipe the restored copy, restore again: everything comes back
        eng = create_engine(scratch_url)
        with eng.begin() as conn:
            conn.execute(text("TRUNCATE ward, lsoa, postcode, constituency, local_authority CASCADE"))
        eng.dispose()
        assert counts(scratch_url)["postcode"] == 0
        restore(scratch_url, dump)
        assert counts(scratch_url) == original


def test_restore_refuses_a_file_that_is_not_a_backup(database_url, tmp_path):
    from assetmap.errors import ValidationError

    bad = tmp_path / "not.dump"
    bad.write_text("hello")
    with pytest.raises(ValidationError):
        restore(database_url, bad)


def test_libpq_args_from_a_socket_url():
    args, _ = libpq_args("postgresql+psycopg://postgres@/assetmap?host=/tmp/run&port=5432")
    assert args == ["-h", "/tmp/run", "-p", "5432", "-U", "postgres", "-d", "assetmap"]
