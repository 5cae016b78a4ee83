"""The embeddable search: framable only by the sites an admin allowed, stateless, public listings only; the
"Embed this search" page's snippet; the admin's list of sites. (The browser check - the embed on a plain host
page from another origin, and a host that is not allowed - is in test_accessibility.py.)"""

from __future__ import annotations

import re

import pytest

from assetmap.embed.usecases import parse_origin
from assetmap.errors import ValidationError
from assetmap.models import EmbedSite
from tests.factories import BIRMINGHAM_POSTCODE, login
from tests.upkeep_helpers import build_strict_app, limits_on, make_asset, make_user

HOST = "https://www.example.gov.uk"


def csp(resp) -> dict[str, str]:
    return {
        d.split(" ", 1)[0]: d.split(" ", 1)[1] if " " in d else ""
        for d in (p.strip() for p in resp.headers["Content-Security-Policy"].split(";"))
    }


@pytest.fixture
def allowed(db):
    db.add(EmbedSite(origin=HOST))
    db.add(EmbedSite(origin="https://*.nhs.uk"))
    db.commit()


# --------------------------------------------------------------------------- who may frame what


def test_the_embed_page_lists_the_allowed_sites_in_frame_ancestors_and_sends_no_x_frame_options(client, allowed):
    resp = client.get("/embed/search")
    assert resp.status_code == 200
    assert csp(resp)["frame-ancestors"] == f"'self' https://*.nhs.uk {HOST}"
    assert "X-Frame-Options" not in resp.headers
    assert resp.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "path", ["/search", "/embed", "/", "/oruk/services", "/ogc", "/sign-in", "/admin/embed", "/no-such-page"]
)
def test_every_other_page_still_refuses_framing(client, allowed, path):
    resp = client.get(path, follow_redirects=True)
    assert csp(resp)["frame-ancestors"] == "'none'", path
    assert resp.headers["X-Frame-Options"] == "DENY", path


def test_with_no_site_allowed_only_assetmap_itself_may_frame_it(client, db):
    assert csp(client.get("/embed/search"))["frame-ancestors"] == "'self'"


# --------------------------------------------------------------------------- searching


@pytest.fixture
def listings(db):
    return {
        "club": make_asset(name="Embed Lunch Club", categories="community-meals-and-food"),
        "walk": make_asset(name="Embed Walk", categories="physical-activity", lon=-1.8939, lat=52.4779),
        "refuge": make_asset(name="Embed Refuge", visibility="confidential"),
        "private": make_asset(name="Embed Practitioners Group", visibility="practitioners"),
    }


def search(client, **form):
    return client.post("/embed/search", data={"postcode": BIRMINGHAM_POSTCODE, "distance": "1", **form})


def test_a_postcode_search_shows_the_nearest_public_listings_in_the_response(client, listings):
    resp = search(client)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Embed Lunch Club" in html and "Embed Walk" in html
    assert "Embed Refuge" not in html and "Embed Practitioners Group" not in html
    assert html.index("Embed Lunch Club") < html.index("Embed Walk")  # nearest first
    assert resp.headers["Cache-Control"] == "no-store" and "Set-Cookie" not in resp.headers
    assert f"/assets/{listings['club'].id}" in html and 'target="_blank"' in html
    only_food = search(client, category="community-meals-and-food").get_data(as_text=True)
    assert "Embed Lunch Club" in only_food and "Embed Walk" not in only_food


def test_signed_in_or_not_the_embed_shows_only_public_listings(client, listings):
    login(client, make_user("practitioner"))
    html = search(client).get_data(as_text=True)
    assert "Embed Lunch Club" in html and "Embed Practitioners Group" not in html and "Embed Refuge" not in html


@pytest.mark.parametrize(
    "form, status, field, message",
    [
        ({"postcode": ""}, 400, "postcode", "Enter a postcode"),
        ({"postcode": "not a postcode"}, 400, "postcode", "postcode"),
        ({"postcode": "ZZ99 9ZZ"}, 404, "postcode", "postcode"),
        ({"category": "nonsense"}, 400, "category", "category"),
        ({"distance": "500"}, 400, "distance", "distance"),
    ],
)
def test_a_bad_search_is_shown_on_the_form_with_the_field_at_fault(client, db, form, status, field, message):
    resp = search(client, **form)
    html = resp.get_data(as_text=True)
    assert resp.status_code == status
    assert f'<a href="#{field}">' in html and message.lower() in html.lower()
    assert "frame-ancestors 'self'" in resp.headers["Content-Security-Policy"]  # errors show inside the frame too


@pytest.fixture(scope="module")
def strict_app(app):
    return build_strict_app(app, csrf=True)


def test_the_search_needs_no_csrf_token_or_cookie_but_is_rate_limited(strict_app, listings):
    strict = strict_app.test_client()
    resp = strict.post("/embed/search", data={"postcode": BIRMINGHAM_POSTCODE})
    assert resp.status_code == 200 and "Embed Lunch Club" in resp.get_data(as_text=True)
    with limits_on():
        codes = [strict.post("/embed/search", data={"postcode": BIRMINGHAM_POSTCODE}).status_code for _ in range(31)]
    assert codes[:30] == [200] * 30 and codes[30] == 429


# --------------------------------------------------------------------------- the snippet page


def test_the_embed_this_search_page_gives_a_one_line_snippet(client, allowed):
    html = client.get("/embed").get_data(as_text=True)
    snippet = re.search(r'<textarea[^>]*id="snippet"[^>]*>(.*?)</textarea>', html, re.S)[1]
    assert "\n" not in snippet.strip()
    assert snippet.startswith(
        (
            "&lt;iframe src=&#34;http://localhost/embed/search&#34; title=",
            '&lt;iframe src="http://localhost/embed/search" title=',
        )
    )
    assert f"<code>{HOST}</code>" in html
    assert "Embed this search" in client.get("/accessibility").get_data(as_text=True)  # linked from the footer


# --------------------------------------------------------------------------- the admin's list


@pytest.mark.parametrize(
    "raw, origin",
    [
        ("https://www.Example.gov.uk/", "https://www.example.gov.uk"),
        ("  https://www.example.gov.uk:8443 ", "https://www.example.gov.uk:8443"),
        ("https://*.example.gov.uk", "https://*.example.gov.uk"),
        ("http://localhost:8000", "http://localhost:8000"),
        ("http://127.0.0.1:5001", "http://127.0.0.1:5001"),
        ("http://[::1]:5001", "http://[::1]:5001"),
    ],
)
def test_site_addresses_are_normalised_to_origins(raw, origin):
    assert parse_origin(raw) == origin


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "www.example.gov.uk",
        "http://www.example.gov.uk",
        "https://www.example.gov.uk/page",
        "https://www.example.gov.uk?x=1",
        "https://user@www.example.gov.uk",
        "https://*.uk",
        "https://exa mple.org",
        "https://example.org;script-src *",
        "https://example.org 'unsafe-inline'",
        "ftp://example.org",
        "https://-bad-.example.org",
        "javascript:alert(1)",
        "https://" + "a" * 300 + ".org",
        "https://example.org:99999",
    ],
)
def test_anything_but_a_site_address_is_refused(raw):
    with pytest.raises(ValidationError):
        parse_origin(raw)


def test_an_admin_allows_and_removes_sites(client, db):
    login(client, make_user("admin"))
    assert client.get("/admin/embed").status_code == 200
    resp = client.post("/admin/embed", data={"origin": "https://www.Example.gov.uk/"})
    assert resp.status_code == 303
    assert client.post("/admin/embed", data={"origin": "https://www.example.gov.uk"}).status_code == 303  # again
    assert db.query(EmbedSite).count() == 1
    assert csp(client.get("/embed/search"))["frame-ancestors"] == "'self' https://www.example.gov.uk"
    bad = client.post("/admin/embed", data={"origin": "http://www.example.org"})
    assert bad.status_code == 400 and "must use https://" in bad.get_data(as_text=True)
    site = db.query(EmbedSite).one()
    assert client.post(f"/admin/embed/{site.id}/remove").status_code == 303
    assert db.query(EmbedSite).count() == 0
    assert client.post(f"/admin/embed/{site.id}/remove").status_code == 404  # sent again: already gone
    assert csp(client.get("/embed/search"))["frame-ancestors"] == "'self'"


def test_only_admins_manage_the_list(client, db):
    login(client, make_user("coordinator"))
    assert client.get("/admin/embed").status_code == 403
    assert client.post("/admin/embed", data={"origin": HOST}).status_code == 403
    assert db.query(EmbedSite).count() == 0
