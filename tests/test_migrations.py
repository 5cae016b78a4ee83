"""Migrations: numbered, one head, the test schema is at head, and the models match it."""
import re

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine

from assetmap.config import PROJECT_ROOT
from assetmap.models import Base

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
        ctx = MigrationContext.configure(conn, opts={
            "include_object": alembic_helpers.include_object, "compare_type": True})
        diffs = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    assert diffs == []
