"""The cost bands a place's least cost falls within, among its keys, so the near view's walk tests "free" (or "up to
£3", "up to £5") in its index instead of reading each place that holds the words.

0025 put a row's words, terms, days and ways of taking part in ``keys`` and the walk's GiST index tests them on
each entry; a cost band was still ``min_cost <= :cost_up_to`` on the row, so the walk read every place that passed
the rest. At 1,000,000 assets "garden" and "free" within 5 miles of central London, the slowest search of
``bench/search.py``'s densest band, spent 34.6 ms in the walk, reading each place holding "garden" to test "free".

``keys`` now also holds ``=cost:<band>`` for each of ``vocabulary.COST_BANDS`` whose amount the row's ``min_cost``
is at most (none when it has no cost option: ``NULL <= x`` is never true). So ``min_cost <= band.up_to`` is
``keys @@ '=cost:<band>'`` (``filters.point_cost_filter``), the same rows (``tests/test_marker_keys.py`` compares
the two). The bands are written here as they are in ``COST_BANDS``; a test fails when the two differ, as a new band
needs a migration of its own to key it.

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

#: ``vocabulary.COST_BANDS`` as keyed here: (code, the most its least cost may be)
COST_BANDS = (("free", 0), ("up-to-3", 3), ("up-to-5", 5))

#: the prefix of each array's codes among the keys (0025's)
PREFIXES = (("terms", ""), ("days", "day:"), ("modes", "mode:"))

#: the letters of a word's beginning among the keys (0025's ``BEGINNING``)
BEGINNING = 5

_CODES = "\n        UNION ALL ".join(
    f"SELECT '={prefix}' || c FROM unnest({column}) AS c WHERE c <> ''" for column, prefix in PREFIXES
)
_BEGINNINGS = (
    f"SELECT '^' || left(l, {BEGINNING}) FROM unnest(tsvector_to_array(tsv)) AS l WHERE length(l) >= {BEGINNING}"
)
_BANDS = ", ".join(f"('{code}', {up_to})" for code, up_to in COST_BANDS)

KEYS_FUNCTION = f"""
CREATE FUNCTION marker_keys(tsv tsvector, terms text[], days text[], modes text[], min_cost numeric) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(tsv, ''::tsvector) || array_to_tsvector(array(
        {_CODES}
        UNION ALL SELECT '=cost:' || b.code FROM (VALUES {_BANDS}) AS b(code, up_to) WHERE min_cost <= b.up_to
        UNION ALL {_BEGINNINGS}
    ))
$$"""

#: 0025's function, put back by the downgrade
OLD_KEYS_FUNCTION = f"""
CREATE FUNCTION marker_keys(tsv tsvector, terms text[], days text[], modes text[]) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(tsv, ''::tsvector) || array_to_tsvector(array(
        {_CODES}
        UNION ALL {_BEGINNINGS}
    ))
$$"""


def _keys(function: str, arguments: str, drop: str) -> None:
    """``marker_point.keys`` made again from ``function`` (a generated column's expression cannot change in place
    before PostgreSQL 17): the column and its two indexes dropped, the function replaced, then all made again."""
    op.execute("ALTER TABLE marker_point DROP COLUMN keys")  # its indexes go with it
    op.execute(f"DROP FUNCTION marker_keys({drop})")
    op.execute(function)
    op.execute(
        f"ALTER TABLE marker_point ADD COLUMN keys tsvector GENERATED ALWAYS AS (marker_keys({arguments})) STORED"
    )
    op.execute("CREATE INDEX idx_marker_point_walk ON marker_point USING gist (geog, keys)")
    op.execute("CREATE INDEX idx_marker_point_keys ON marker_point USING gin (keys)")
    op.execute("ANALYZE marker_point")


def upgrade() -> None:
    _keys(KEYS_FUNCTION, "search_tsv, terms, days, modes, min_cost", "tsvector, text[], text[], text[]")


def downgrade() -> None:
    _keys(OLD_KEYS_FUNCTION, "search_tsv, terms, days, modes", "tsvector, text[], text[], text[], numeric")
