"""The words, terms, days and ways of taking part of a ``marker_point`` row as one text-search document, ``keys``,
indexed with the point's geography in one GiST index, so the near view's nearest-first walk skips in the index the
places that fail them instead of reading each one.

The near view walks ``marker_point``'s geography index nearest first until it has ``COUNT_CAP`` + 1 places that
pass the search's tests (``practitioners/queries.py``, ``_point_candidates``). Each place walked was read from the
table and tested there, about 2.5 microseconds a place at 1,000,000 assets, so words or a filter that few places
pass made a dense circle slow: "garden" and "free" within 5 miles of central London read 46,903 rows to keep
1,001. ``keys`` holds the service's ``search_tsv`` and, as lexemes no text can make (the English parser never
starts one with ``=`` or ``^``):

* ``=taxonomy:code`` for each of ``terms`` (0015: a category, audience, "what matters" or asset type);
* ``=day:XX`` for each of ``days`` (0018), ``=mode:x`` for each of ``modes`` (0017);
* ``^abcde``, the first five letters of each of its words of five letters or more (``BEGINNING``).

So a filter by terms, days or ways of taking part is ``keys @@ ('=category:x' | …)`` (``marker_keys_query``), and
"any of the words' ideas" ``keys @@ (text query || '=category:carers' | …)``, each meaning exactly what the test
of the source columns meant (``tests/test_marker_keys.py``). A GiST text-search key cannot test a prefix
('garde:*' passes every entry), so words with prefixes are also tested as the beginnings of words the keys hold
(``marker_keys_beginnings``: '^garde'), a test implied by theirs, and exactly on the rows it lets through.
``idx_marker_point_walk`` indexes ``(geog, keys)``: a nearest-first scan of it tests those conditions on each
entry (a leaf key holds the hashes of its lexemes) and reads a row only when its key may pass. The GIN index of
the keys, ``idx_marker_point_keys``, answers the same tests where the words are the better start; it replaces the
GIN indexes of ``search_tsv``, ``terms`` and ``modes``, which no query tests any more.

At 1,000,000 assets the migration took 50-55 s; the walk's index is 238 MB, the keys' 95 MB.

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

#: the prefix of each array's codes among the keys (the terms carry their taxonomy already)
PREFIXES = (("terms", ""), ("days", "day:"), ("modes", "mode:"))

#: a word's beginning kept among the keys: its first letters ('^garde' for 'gardening'), as many as the shortest
#: prefix a search matches (``words.SHORT_WORD``)
BEGINNING = 5

KEYS_FUNCTION = """
CREATE FUNCTION marker_keys(tsv tsvector, terms text[], days text[], modes text[]) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(tsv, ''::tsvector) || array_to_tsvector(array(
        %s
        UNION ALL SELECT '^' || left(l, %d) FROM unnest(tsvector_to_array(tsv)) AS l WHERE length(l) >= %d
    ))
$$""" % (
    "\n        UNION ALL ".join(
        f"SELECT '={prefix}' || c FROM unnest({column}) AS c WHERE c <> ''" for column, prefix in PREFIXES
    ),
    BEGINNING,
    BEGINNING,
)

#: the beginnings of a prefix query's words ('garde:* | gardenin:*' -> '^garde' | '^garde'): a row whose text
#: holds a word with one of those prefixes holds its beginning, so this test of the keys passes wherever the
#: prefix query does (the GiST index tests it; it cannot test a prefix itself). When a word of the query is
#: shorter than a beginning, the prefix query itself.
BEGINNINGS_FUNCTION = f"""
CREATE FUNCTION marker_keys_beginnings(prefixes text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN count(*) > 0 AND bool_and(length(w) >= {BEGINNING})
                THEN string_agg(DISTINCT quote_literal('^' || left(w, {BEGINNING})), ' | ')::tsquery
                ELSE to_tsquery('simple', prefixes) END
    FROM unnest(tsvector_to_array(to_tsvector('simple', prefixes))) AS w
$$"""

QUERY_FUNCTION = """
CREATE FUNCTION marker_keys_query(prefix text, codes text[]) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(string_agg(quote_literal('=' || prefix || c), ' | '), '')::tsquery
    FROM unnest(codes) AS c WHERE c <> ''
$$"""


def upgrade() -> None:
    op.execute(KEYS_FUNCTION)
    op.execute(QUERY_FUNCTION)
    op.execute(BEGINNINGS_FUNCTION)
    op.execute(
        "ALTER TABLE marker_point ADD COLUMN keys tsvector "
        "GENERATED ALWAYS AS (marker_keys(search_tsv, terms, days, modes)) STORED"
    )
    op.execute("CREATE INDEX idx_marker_point_walk ON marker_point USING gist (geog, keys)")
    op.execute("CREATE INDEX idx_marker_point_keys ON marker_point USING gin (keys)")
    op.execute("DROP INDEX idx_marker_point_tsv")
    op.execute("DROP INDEX idx_marker_point_terms")
    op.execute("DROP INDEX idx_marker_point_modes")
    op.execute("ANALYZE marker_point")


def downgrade() -> None:
    op.execute("CREATE INDEX idx_marker_point_terms ON marker_point USING gin (terms)")
    op.execute("CREATE INDEX idx_marker_point_modes ON marker_point USING gin (modes)")
    op.execute("CREATE INDEX idx_marker_point_tsv ON marker_point USING gin (search_tsv)")
    op.execute("ALTER TABLE marker_point DROP COLUMN keys")  # its indexes go with it
    op.execute("DROP FUNCTION marker_keys_beginnings(text)")
    op.execute("DROP FUNCTION marker_keys_query(text, text[])")
    op.execute("DROP FUNCTION marker_keys(tsvector, text[], text[], text[])")
