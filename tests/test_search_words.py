"""Words as people say them (issue 14): stems and prefixes, synonyms both ways, spelling corrected to the
directory's own words, words naming categories, audiences and what matters, any word with more matches
first, "best match" beside "nearest first", and why each result matched.

Through POST /api/search and the results page, on real PostGIS, each test inside a rolled-back transaction.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from assetmap.db import session
from assetmap.practitioners import words
from tests.factories import login, make_user
from tests.test_practitioners import html, results_url
from tests.test_search import make_asset, names, near, offset

#: fields that say nothing the searches below look for
PLAIN = {
    "description": "Meets every week.",
    "categories": "community-buildings",
    "audiences": "all-adults",
    "capabilities": "independence",
}


def listing(name: str, north_m: float = 100, **kw):
    return make_asset(name=name, **{**PLAIN, **kw}, **offset(north_m))


@pytest.fixture(autouse=True)
def _fresh_words():
    words.forget_cached()
    yield
    words.forget_cached()


# --------------------------------------------------------------------------- stems, prefixes, synonyms


def test_a_long_word_matches_the_words_it_begins_and_its_stem(client, db):
    listing("Autistic adults social", 100)
    listing("Health walks", 200)
    assert names(near(client, q="autism")) == ["Autistic adults social"]
    assert names(near(client, q="walking")) == ["Health walks"]


def test_synonyms_match_both_ways(client, db):
    listing("Bereavement café", 100)
    listing("Grief walk", 200)
    listing("Lunch club", 50)
    assert sorted(names(near(client, q="grief"))) == ["Bereavement café", "Grief walk"]
    assert sorted(names(near(client, q="bereavement"))) == ["Bereavement café", "Grief walk"]


def test_a_synonym_phrase_is_one_idea(client, db):
    listing("Deaf BSL coffee and chat", 100)
    listing("Language exchange", 200)
    listing("Sign painting", 300)
    assert names(near(client, q="sign language")) == ["Deaf BSL coffee and chat"]


@pytest.mark.parametrize(
    ("q", "wanted"),
    [
        ("losing my sight", "Sight loss support group"),
        ("gardening", "Community allotment"),
        ("memory problems", "Dementia café"),
        ("food bank", "Community larder"),
        ("lonely", "Befriending by phone"),
    ],
)
def test_the_issues_examples_find_what_they_mean(client, db, q, wanted):
    for i, name in enumerate(
        ["Sight loss support group", "Community allotment", "Dementia café", "Community larder", "Befriending by phone"]
    ):
        listing(name, 100 + 50 * i)
    assert names(near(client, q=q))[:1] == [wanted]


def test_synonyms_the_admin_adds_on_the_terms_page_are_searched_and_can_be_removed(client, db):
    from assetmap.upkeep.usecases import synonyms

    listing("Bowls on the green", 100)
    assert names(near(client, q="petanque")) == []
    login(client, make_user("admin"))
    assert client.post("/admin/terms/synonyms", data={"phrases": "Petanque,  bowls"}).status_code == 302
    page = html(client.get("/admin/terms"))
    assert "bowls, petanque" in page
    words.forget_cached()  # other processes read the groups again within a minute
    assert names(near(client, q="petanque")) == ["Bowls on the green"]
    bad = client.post("/admin/terms/synonyms", data={"phrases": "only-one"})
    assert bad.status_code == 400 and "at least two" in html(bad)
    group_id = next(g for g, phrases in synonyms.groups() if phrases == ["bowls", "petanque"])
    assert client.post(f"/admin/terms/synonyms/{group_id}/remove").status_code == 302
    words.forget_cached()
    assert names(near(client, q="petanque")) == []


def test_the_ideas_of_words_searched_again_are_kept_until_the_synonyms_or_terms_are_read_again(db):
    first = words.understand("dementia carers", None)
    again = words.understand("dementia  carers", None)
    assert again.concepts is first.concepts  # kept: the words were not compared with the terms again
    words.forget_cached()
    fresh = words.understand("dementia carers", None)
    assert fresh.concepts is not first.concepts and fresh.concepts == first.concepts


# --------------------------------------------------------------------------- spelling


def test_a_misspelling_is_corrected_to_the_directorys_word_and_says_so(client, db):
    listing("Library reading group", 100)
    listing("Dementia café", 200)
    for typed, word, found in (
        ("libary", "library", "Library reading group"),
        ("demenita", "dementia", "Dementia café"),
    ):
        resp = near(client, q=typed)
        assert names(resp) == [found]
        assert resp.get_json()["corrected"] == word


def test_short_words_are_corrected_one_edit_away_only(client, db):
    listing("Choir", 100)
    assert words.understand("chior", None).corrections == {}  # two edits from a five-letter word
    assert words.understand("choirr", None).corrections == {"choirr": "choir"}


def test_words_as_typed_are_not_corrected(client, db):
    listing("Library reading group", 100)
    resp = near(client, q="libary", as_typed=True)
    assert names(resp) == [] and resp.get_json()["corrected"] is None


def test_a_new_listings_words_are_in_the_lexicon_at_once(client, db):
    listing("Quoits league", 100)
    assert session.execute(text("SELECT public FROM search_lexicon WHERE word = 'quoits'")).scalar_one() is True
    assert names(near(client, q="quoitz")) == ["Quoits league"]


def _lexicon_queries(monkeypatch) -> list:
    """The words each query of the lexicon asks about."""
    asked: list = []
    real = session.execute

    def counting(statement, params=None, *a, **kw):
        if statement is words.SPELLING_SQL:
            asked.append(params["words"])
        return real(statement, params, *a, **kw)

    monkeypatch.setattr(words.session, "execute", counting)
    return asked


def test_words_the_lexicon_holds_are_not_asked_again_and_words_it_lacks_always_are(client, db, monkeypatch):
    listing("Quoits league", 100)
    asked = _lexicon_queries(monkeypatch)
    for _ in range(2):
        assert names(near(client, q="quoits league")) == ["Quoits league"]
    assert asked == [["quoits", "leagu"]] or asked == [["quoits", "league"]]
    # a word not held is asked again each time: a listing written a moment later may hold it
    for _ in range(2):
        assert words.corrections_for(["quoits", "pétanque"], public_only=True) == {}
    assert asked[1:] == [["pétanque"], ["pétanque"]]
    listing("Pétanque club", 200)
    assert words.corrections_for(["petanqu", "pétanque"], public_only=True) == {"petanqu": "pétanque"}
    # kept for the public and for those signed in apart
    words.corrections_for(["quoits"], public_only=False)
    assert asked[-1] == ["quoits"]
    words.forget_cached()
    words.corrections_for(["quoits"], public_only=True)
    assert asked[-1] == ["quoits"] and len(asked) == 6


def test_a_word_the_daily_job_drops_is_corrected_again_at_once(client, db):
    from assetmap.directory import store
    from assetmap.directory.records import parse_record
    from assetmap.practitioners.jobs import rebuild_lexicon

    quoits = listing("Quoits league", 100)
    listing("Quoins guild", 300)
    assert words.corrections_for(["quoits"], public_only=True) == {}  # held, and kept as held
    renamed = {**store.as_input(store.service_snapshot(quoits)), "name": "Bowls league"}
    store.update_asset(quoits, parse_record(renamed, store.vocabulary(), store.known_wards()), expected_version=1)
    session.flush()
    assert words.corrections_for(["quoits"], public_only=True) == {}  # the lexicon still holds it
    rebuild_lexicon(None)
    assert words.corrections_for(["quoits"], public_only=True) == {"quoits": "quoins"}


def test_the_public_are_never_offered_a_word_only_a_practitioners_listing_holds(client, db):
    listing("Zyzzogeton circle", 100, visibility="practitioners")
    assert words.corrections_for(["zyzzogetan"], public_only=True) == {}
    assert words.corrections_for(["zyzzogetan"], public_only=False) == {"zyzzogetan": "zyzzogeton"}


def test_the_results_page_offers_the_words_as_typed(client, db):
    listing("Library reading group", 100)
    loc = results_url(client, postcode="B1 1BA", q="libary")
    page = html(client.get(loc))
    assert "Showing results for <strong>library</strong>" in page
    link = page.split('id="spelling"')[1].split('href="')[1].split('"')[0]
    assert "libary" not in link and "B1" not in link
    again = client.get(link)
    assert again.status_code == 303
    page = html(client.get(again.headers["Location"]))
    assert "Showing results for" not in page and "0 places within" in page


# --------------------------------------------------------------------------- terms, any word, ranking


def test_words_match_category_audience_and_what_matters_names(client, db):
    listing("Tuesday drop-in", 100, audiences="dementia")
    listing("Other drop-in", 200)
    resp = near(client, q="dementia")
    assert names(resp) == ["Tuesday drop-in"]
    assert resp.get_json()["features"][0]["properties"]["matched"] == ["dementia"]


def test_any_word_matches_and_more_matches_rank_first(client, db):
    listing("Singing group", 50)
    listing("Gardening and singing", 300)
    listing("Gardening club", 100)
    listing("Bowls", 20)
    assert names(near(client, q="singing or gardening")) == ["Gardening and singing", "Singing group", "Gardening club"]


def test_best_match_puts_the_listing_named_for_the_words_above_nearer_mentions(client, db):
    listing("Lunch club", 100, description="Volunteers cook; ask about volunteer roles.")
    listing("Find your volunteering role", 1200)
    assert names(near(client, q="volunteer"))[0] == "Find your volunteering role"
    assert names(near(client, q="volunteer", sort="nearest"))[0] == "Lunch club"


def test_at_equal_standing_fresh_listings_come_before_stale_ones(client, db):
    listing("Choir", 100, last_verified="2024-01-01")
    listing("Choir", 110)
    resp = near(client, q="choir").get_json()["features"]
    assert [f["properties"]["stale"] for f in resp] == [False, True]


def test_the_results_page_shows_why_each_listing_matched(client, db):
    listing("Community allotment", 100)
    listing("Tuesday drop-in", 200, audiences="dementia")
    page = html(client.get(results_url(client, postcode="B1 1BA", q="gardening dementia")))
    assert "Why it matched:" in page
    assert "<mark>allotment</mark>" in page.lower() or "<mark>allotment</mark>" in page
    assert "about dementia" in page


def test_highlighting_escapes_the_listings_text(client, db):
    listing("Choir <b>loud</b>", 100)
    page = client.get(results_url(client, postcode="B1 1BA", q="choir")).get_data(as_text=True)
    assert "<b>loud</b>" not in page and "<mark>Choir</mark>" in page


def test_why_it_matched_for_a_coordinators_search_never_shows_a_refuges_point(client, db):
    coordinator = make_user("coordinator", wards=["E05011151"])
    login(client, coordinator)
    page = client.get(results_url(client, postcode="B1 1BA", q="refuge")).get_data(as_text=True)
    assert "ST_" not in page and "Traceback" not in page


def test_concepts_without_a_database():
    ideas = words.concepts_for(["sign", "language", "grief"], [["sign language", "bsl"], ["grief", "bereavement"]], {})
    assert [c.label for c in ideas] == ["sign language", "grief"]
    assert ideas[0].tsquery() == "sign <-> language | bsl"
    assert words.concepts_for(["autism"], [], {})[0].prefix_query() == "autis:*"
