"""Words as people say them: the synonyms admins keep, and the lexicon spelling correction reads.

Why: the search matched only the words a listing used ("autism" found nothing where a group says
"autistic", "grief" no bereavement group, "libary" nothing). The search now expands what was typed with
synonyms (``search_synonym``: groups of words and phrases that mean the same here, seeded below and kept
on the admin's terms page), and corrects a word the directory does not hold to the nearest one it does
(``search_lexicon``: every word of the live listings, term names and synonyms, with a trigram index to
find candidates; ``fuzzystrmatch``'s levenshtein picks the nearest).

The lexicon is kept current by statement-level triggers: a new or changed listing, term or synonym adds
its words at once (``INSERT ... ON CONFLICT DO NOTHING``, so no edit ever waits on another's lexicon row
or deadlocks with it); words that no listing uses any more, and words that stopped being in a public
listing, are tidied by ``search_lexicon_rebuild()``, which the ``search-lexicon`` job runs daily (and this
migration runs once to fill the table). ``public`` says whether a public listing, a term or a synonym
holds the word: the public are offered corrections only to those, never to a word that only a
practitioners-only or confidential listing uses.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

#: each line one group: the words and phrases in it mean the same thing to someone searching
SEED_SYNONYMS = [
    ["singing", "choir", "songs", "sing along"],
    ["gardening", "garden", "allotment", "growing", "grow your own", "orchard", "horticulture"],
    ["grief", "bereavement", "bereaved", "mourning", "widowed"],
    ["sign language", "bsl", "british sign language", "deaf"],
    ["sight loss", "low vision", "blind", "visually impaired", "visual impairment", "partially sighted"],
    ["memory", "memory loss", "dementia", "alzheimer", "alzheimers", "forgetful", "forgetfulness"],
    ["food bank", "pantry", "larder", "food parcel", "free food", "community fridge"],
    ["lonely", "loneliness", "isolated", "isolation", "befriending", "friendship", "companionship"],
    ["hearing loss", "hard of hearing", "deaf", "hearing aid"],
    ["exercise", "fitness", "keep fit", "physical activity"],
    ["walking", "rambling", "stroll", "hiking"],
    ["dance", "dancing", "zumba", "ballroom"],
    ["knitting", "crochet", "sewing", "natter"],
    ["crafts", "craft", "crafting", "art", "painting"],
    ["money", "benefits", "debt", "bills", "pension credit", "financial help"],
    ["computer", "digital", "internet", "smartphone", "tablet", "get online"],
    ["lunch", "meal", "dinner", "hot food"],
    ["low mood", "depression", "depressed", "feeling down", "mental health"],
    ["anxiety", "anxious", "worry", "worries", "panic", "mental health"],
    ["autism", "autistic", "asd", "asperger"],
    ["stroke", "stroke survivors", "life after stroke"],
    ["volunteer", "volunteering", "give time", "helping out"],
    ["job", "jobs", "work", "employment", "careers", "cv"],
    ["housing", "accommodation", "tenants", "landlord"],
    ["transport", "minibus", "dial a ride", "car scheme", "getting about"],
    ["faith", "church", "mosque", "gurdwara", "mandir", "temple", "worship", "prayer"],
    ["tai chi", "qigong"],
    ["bowls", "bowling"],
    ["english classes", "esol", "english conversation", "learn english", "speaking english"],
    ["mens shed", "men s shed", "woodwork"],
    ["learning disabilities", "learning disability", "learning difficulties"],
    ["domestic abuse", "domestic violence", "abusive relationship"],
    ["recovery", "addiction", "alcohol", "substance misuse"],
    ["library", "libraries", "books", "book club", "reading"],
    ["hoarding", "clutter"],
    ["cycling", "bike", "bicycle"],
    ["carer", "carers", "caring for someone", "looking after someone", "unpaid carer"],
    ["falls", "balance", "steady"],
]
#: the seeded groups' ids, the same in every installation
GROUP_BASE = "https://assetmap.org.uk/search-synonym"

#: a listing's, term's or synonym's words: lower case (the 'simple' configuration splits words the same
#: whatever the database's locale), 3 to 40 characters, no digits or punctuation, no English stop words
WORDS_SQL = """
CREATE FUNCTION search_words(doc text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT w FROM unnest(tsvector_to_array(to_tsvector('simple', coalesce(doc, '')))) AS w
    WHERE length(w) BETWEEN 3 AND 40 AND w !~ '[0-9[:punct:][:space:]]'
      AND ts_lexize('english_stem', w) <> '{}'
$$;
"""
#: add words (with whether a public listing, term or synonym holds them); never waits on another's row
ADD_SQL = """
CREATE FUNCTION search_lexicon_add(docs text[], public boolean[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO search_lexicon AS l (word, stem, public)
    SELECT w, coalesce((ts_lexize('english_stem', w))[1], w), bool_or(d.public)
    FROM unnest(docs, public) AS d(doc, public) CROSS JOIN LATERAL search_words(d.doc) AS w
    GROUP BY w ORDER BY w
    ON CONFLICT (word) DO UPDATE SET public = true WHERE excluded.public AND NOT l.public;
$$;
"""
TRIGGERS_SQL = """
CREATE FUNCTION search_lexicon_from_services() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM search_lexicon_add(array_agg(n.name || ' ' || n.description), array_agg(n.visibility = 'public'))
    FROM new_rows n WHERE n.status = 'active' AND n.archived_at IS NULL;
    RETURN NULL;
END $$;
CREATE FUNCTION search_lexicon_from_terms() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM search_lexicon_add(array_agg(n.name), array_agg(true)) FROM new_rows n;
    RETURN NULL;
END $$;
CREATE FUNCTION search_lexicon_from_synonyms() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM search_lexicon_add(array_agg(n.phrase), array_agg(true)) FROM new_rows n;
    RETURN NULL;
END $$;
CREATE TRIGGER search_lexicon_service_insert AFTER INSERT ON service
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_lexicon_from_services();
CREATE TRIGGER search_lexicon_service_update AFTER UPDATE ON service
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_lexicon_from_services();
CREATE TRIGGER search_lexicon_term_insert AFTER INSERT ON taxonomy_term
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_lexicon_from_terms();
CREATE TRIGGER search_lexicon_term_update AFTER UPDATE ON taxonomy_term
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_lexicon_from_terms();
CREATE TRIGGER search_lexicon_synonym_insert AFTER INSERT ON search_synonym
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_lexicon_from_synonyms();
"""
#: the whole lexicon again from what the directory holds now (the daily job, and this migration once)
REBUILD_SQL = """
CREATE FUNCTION search_lexicon_rebuild() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE changed integer := 0; n integer;
BEGIN
    CREATE TEMP TABLE search_lexicon_now ON COMMIT DROP AS
    SELECT w AS word, bool_or(d.public) AS public
    FROM (
        SELECT name || ' ' || description AS doc, visibility = 'public' AS public FROM service
        WHERE status = 'active' AND archived_at IS NULL
        UNION ALL SELECT name, true FROM taxonomy_term
        UNION ALL SELECT phrase, true FROM search_synonym
    ) d CROSS JOIN LATERAL search_words(d.doc) AS w
    GROUP BY w;
    DELETE FROM search_lexicon l WHERE NOT EXISTS (SELECT 1 FROM search_lexicon_now x WHERE x.word = l.word);
    GET DIAGNOSTICS n = ROW_COUNT; changed := changed + n;
    UPDATE search_lexicon l SET public = x.public FROM search_lexicon_now x
    WHERE x.word = l.word AND l.public IS DISTINCT FROM x.public;
    GET DIAGNOSTICS n = ROW_COUNT; changed := changed + n;
    INSERT INTO search_lexicon (word, stem, public)
    SELECT x.word, coalesce((ts_lexize('english_stem', x.word))[1], x.word), x.public FROM search_lexicon_now x
    ORDER BY x.word
    ON CONFLICT (word) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT; changed := changed + n;
    DROP TABLE search_lexicon_now;
    RETURN changed;
END $$;
"""


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS fuzzystrmatch")
    op.create_table(
        "search_synonym",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("group_id", sa.UUID(), nullable=False),
        sa.Column("phrase", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "phrase = lower(phrase) AND length(phrase) BETWEEN 2 AND 60 AND phrase = btrim(phrase)",
            name="search_synonym_phrase_format",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "phrase", name="search_synonym_unique"),
    )
    op.create_table(
        "search_lexicon",
        sa.Column("word", sa.Text(), nullable=False),
        sa.Column("stem", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("word"),
    )
    op.create_index("search_lexicon_stem_idx", "search_lexicon", ["stem"])
    op.create_index(
        "search_lexicon_word_trgm",
        "search_lexicon",
        ["word"],
        postgresql_using="gin",
        postgresql_ops={"word": "gin_trgm_ops"},
    )
    for sql in (WORDS_SQL, ADD_SQL, TRIGGERS_SQL, REBUILD_SQL):
        op.execute(sql)
    rows = [
        {"group_id": uuid.uuid5(uuid.NAMESPACE_URL, f"{GROUP_BASE}/{group[0]}"), "phrase": phrase}
        for group in SEED_SYNONYMS
        for phrase in group
    ]
    table = sa.table("search_synonym", sa.column("group_id", sa.UUID()), sa.column("phrase", sa.Text()))
    op.bulk_insert(table, rows)
    op.execute("SELECT search_lexicon_rebuild()")


def downgrade() -> None:
    for trigger, table in (
        ("search_lexicon_service_insert", "service"),
        ("search_lexicon_service_update", "service"),
        ("search_lexicon_term_insert", "taxonomy_term"),
        ("search_lexicon_term_update", "taxonomy_term"),
        ("search_lexicon_synonym_insert", "search_synonym"),
    ):
        op.execute(f"DROP TRIGGER {trigger} ON {table}")
    for function in (
        "search_lexicon_rebuild()",
        "search_lexicon_from_services()",
        "search_lexicon_from_terms()",
        "search_lexicon_from_synonyms()",
        "search_lexicon_add(text[], boolean[])",
        "search_words(text)",
    ):
        op.execute(f"DROP FUNCTION {function}")
    op.drop_index("search_lexicon_word_trgm", table_name="search_lexicon", postgresql_using="gin")
    op.drop_index("search_lexicon_stem_idx", table_name="search_lexicon")
    op.drop_table("search_lexicon")
    op.drop_table("search_synonym")
    # fuzzystrmatch stays: other databases' objects may use it, and it costs nothing
