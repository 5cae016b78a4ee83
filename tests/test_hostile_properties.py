"""Generated hostile input at every edge: the JSON API, the forms (sent with their CSRF token), query strings
and import files. Whatever Hypothesis sends, the answer is below 500, and the database is unchanged unless
the request was accepted (a 2xx or 3xx); searches, pages and dry-run imports never write at all.

Each ``@example`` is one of the inputs that reached a 500 before assetmap/parsing.py existed (issue 11).
tests/test_parsing.py checks the parsers themselves; tests/test_hostile_inputs.py holds the hand-picked cases.
"""

from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assetmap.accounts.store import issue_token
from assetmap.db import session
from assetmap.directory.records import TEMPLATE_FIELDS
from assetmap.practitioners.params import API_KEYS
from tests.factories import BIRMINGHAM_POSTCODE, login, make_user
from tests.hostile_helpers import auth, fingerprint, good_asset, signed_in, world  # noqa: F401 (fixtures)
from tests.upkeep_helpers import ACOMB, LADYWOOD, build_strict_app

ENDPOINT = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
FEW = settings(ENDPOINT, max_examples=20)

# --------------------------------------------------------------------------- what Hypothesis sends

#: inputs that broke a parser once, and values that are valid, so that some combinations pass
NASTY = [
    "²",
    "١٢",
    "NaN",
    "nan",
    "Infinity",
    "-inf",
    "1e400",
    "9" * 5000,
    "1" + "0" * 400,
    "0x10",
    "1_000",
    " ",
    "",
    "\x00",
    "\x07bell",
    "a\tb\nc",
    "<script>alert(1)</script>",
    "'; DROP TABLE service;--",
    "http://[",
    "https://x:99999999",
    "javascript:alert(1)",
    "a@" + "a." * 2000 + "@",
    "x" * 3000,
    "B1 1BA",
    "YO1 7HH",
    "52.4754",
    "-1.9002",
    "1",
    "2",
    "50",
    "yes",
    "true",
    "social-groups",
    "in_person",
    "phone",
    "public",
    "confidential",
    "mon 10:00-12:00",
    LADYWOOD,
    ACOMB,
    "name@example.org",
    "https://example.org",
    "monday",
    "morning",
]
FORM_TEXT = st.one_of(st.text(st.characters(exclude_categories=("Cs",)), max_size=40), st.sampled_from(NASTY))
FORM_LIST = st.lists(FORM_TEXT, max_size=3)
#: every code point, lone surrogates included: JSON can carry them as escapes
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=30)
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.integers(10**300, 10**400),
    st.floats(),
    ANY_TEXT,
    st.sampled_from(NASTY),
)
JSON_VALUE = st.recursive(
    SCALAR, lambda c: st.lists(c, max_size=3) | st.dictionaries(ANY_TEXT, c, max_size=3), max_leaves=6
)
RAW_JSON = st.one_of(
    st.sampled_from(
        [
            '{"lat": NaN, "lon": -1.9}',
            '{"a": Infinity}',
            "[]",
            "null",
            '"\\ud800"',
            '{"a": 1',
            '{"q": "\\udc00"}',
            '{"\\ud800": 1}',
            "1e400",
            '"' + '\\"' * 500,
        ]
    ),
    st.integers(1, 100_000).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 20_000).map(lambda n: '{"a":' * n + "1" + "}" * n),
    st.integers(1, 6_000).map(lambda n: '{"lat": ' + "9" * n + ', "lon": -1.9}'),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=60),
    st.binary(max_size=60),
)


def as_json(value) -> str:
    """JSON text as a hostile client writes it: NaN and Infinity allowed, surrogates as escapes."""
    return json.dumps(value, allow_nan=True, ensure_ascii=True)


def json_body(keys) -> st.SearchStrategy:
    known = st.fixed_dictionaries({}, optional={k: JSON_VALUE for k in sorted(keys)})
    return st.one_of(
        known.map(as_json),
        st.tuples(known, st.dictionaries(ANY_TEXT, JSON_VALUE, max_size=2)).map(lambda kv: as_json({**kv[1], **kv[0]})),
        RAW_JSON,
    )


def form(fields: dict) -> st.SearchStrategy:
    return st.fixed_dictionaries({}, optional=fields)


def query(names) -> st.SearchStrategy:
    return st.dictionaries(st.one_of(st.sampled_from(sorted(names)), FORM_TEXT), FORM_TEXT, max_size=4)


# --------------------------------------------------------------------------- checks


def check(resp, before: dict, *, writes: bool = True, json_errors: bool = False) -> None:
    """Below 500; the database unchanged unless the request was accepted (or unchanged always)."""
    assert resp.status_code < 500, resp.get_data(as_text=True)[:500]
    if json_errors and resp.status_code >= 400:
        assert resp.get_json()["error"]
    if not writes or resp.status_code >= 400:
        assert fingerprint() == before


def post_json(client, path, body, headers=None, method="post"):
    data = body.encode() if isinstance(body, str) else body
    return getattr(client, method)(path, data=data, content_type="application/json", headers=headers or {})


# --------------------------------------------------------------------------- JSON API


@pytest.fixture(scope="module")
def strict_app(app):
    """The app as deployed: CSRF on. Its requests each get a fresh app context, as in production (the main
    test app shares the test's app context, so Flask-Login would keep the first caller as ``current_user``)."""
    return build_strict_app(app)


@pytest.fixture
def api(strict_app):
    return strict_app.test_client()


@ENDPOINT
@given(body=json_body(API_KEYS))
@example(body='{"postcode": "B1 1BA", "page": "²"}')
@example(body='{"postcode": "B1 1BA", "per_page": "²"}')
@example(body='{"lat": 1' + "0" * 400 + ', "lon": -1.9}')
@example(body='{"postcode": "B1 1BA", "radius_m": 1' + "0" * 400 + "}")
@example(body="[" * 50_000 + "]" * 50_000)
@example(body='{"postcode": "B1 1BA", "page": ' + "1" * 5000 + "}")
@example(body='{"postcode": "B1 1BA", "q": "\\ud800"}')
@example(body='{"lat": NaN, "lon": -1.9}')
def test_api_search_answers_any_body_below_500_and_writes_nothing(api, world, body):
    before = fingerprint()
    check(post_json(api, "/api/search", body), before, writes=False, json_errors=True)


ASSET_KEYS = set(TEMPLATE_FIELDS) | {"cost", "contact", "version"}


@ENDPOINT
@given(body=json_body(ASSET_KEYS))
@example(body=as_json(good_asset(name="\ud800")))
@example(body=as_json(good_asset()).replace('"lat": 52.475425', '"lat": 1' + "0" * 400))
@example(body=as_json(good_asset(lat=float("nan"))))
@example(body=as_json(good_asset(url="http://[")))
@example(body="[" * 50_000 + "]" * 50_000)
def test_api_asset_create_answers_any_body_below_500(api, world, body):
    before = fingerprint()
    check(post_json(api, "/api/assets", body, auth(world)), before, json_errors=True)


@pytest.fixture
def outsider(world):
    """A coordinator of a York ward, with a token: the world's Birmingham asset is not theirs to change."""
    user = make_user("coordinator", wards=[ACOMB])
    token = issue_token(user, "outsider")
    session.commit()
    return {"Authorization": f"Bearer {token}"}


@ENDPOINT
@given(body=json_body(ASSET_KEYS), mine=st.booleans())
@example(body='{"version": 1, "lat": 1' + "0" * 400 + "}", mine=False)
@example(body='{"version": 1, "name": "\\ud800"}', mine=False)
@example(body='{"version": 1, "lat": NaN}', mine=False)
@example(body='{"version": ' + "9" * 5000 + "}", mine=True)
def test_api_asset_patch_answers_any_body_below_500_and_outsiders_get_a_4xx(api, world, outsider, body, mine):
    before = fingerprint()
    resp = post_json(api, f"/api/assets/{world['asset'].id}", body, auth(world) if mine else outsider, "patch")
    check(resp, before, json_errors=True)
    if not mine:
        assert 400 <= resp.status_code < 500
        assert fingerprint() == before


@ENDPOINT
@given(version=FORM_TEXT, mine=st.booleans())
@example(version="²", mine=True)
@example(version="²", mine=False)
def test_api_asset_archive_answers_any_version_below_500(api, world, outsider, version, mine):
    before = fingerprint()
    resp = api.delete(
        f"/api/assets/{world['asset'].id}?{urlencode({'version': version})}", headers=auth(world) if mine else outsider
    )
    check(resp, before, json_errors=True)
    if not mine:
        assert 400 <= resp.status_code < 500


# --------------------------------------------------------------------------- forms, with their CSRF token

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, path
    return _CSRF.search(page.get_data(as_text=True)).group(1)


def strict_client(strict_app, user=None):
    """A browser on the CSRF-protected app, signed in as ``user`` through the real form; and its token."""
    c = strict_app.test_client()
    if user is not None:
        resp = c.post(
            "/sign-in",
            data={"email": user.email, "password": "correct horse battery", "csrf_token": csrf_token(c, "/sign-in")},
        )
        assert resp.status_code == 302
    return c, csrf_token(c, "/search")


@pytest.fixture
def browser(strict_app):
    """``browser(user)``: one signed-in browser per person for the whole test (all its examples)."""
    made: dict = {}

    def get(user=None):
        key = user.id if user is not None else None
        if key not in made:
            made[key] = strict_client(strict_app, user)
        return made[key]

    return get


@pytest.fixture
def people(world):
    users = {role: make_user(role) for role in ("practitioner", "admin")}
    session.commit()
    return users


@FEW
@given(
    fields=form(
        {
            "email": st.one_of(FORM_TEXT, st.just("a@" + "a." * 20000 + "@"), st.just("a" * 300_000 + "@example.org")),
            "password": st.one_of(FORM_TEXT, st.just("p" * 300_000)),
        }
    )
)
@example(fields={"email": "a@" + "a." * 20000 + "@", "password": "x"})
def test_sign_in_answers_any_form_below_500_and_writes_nothing(browser, world, fields):
    c, token = browser()
    before = fingerprint()
    resp = c.post("/sign-in", data={**fields, "csrf_token": token})
    # 413: more than the sign-in form's 16 KB; 429: this address has failed too often (accounts/throttle.py)
    assert resp.status_code in (400, 413, 429)
    check(resp, before, writes=False)


SEARCH_FORM = {
    k: FORM_TEXT
    for k in (
        "postcode",
        "lat",
        "lon",
        "distance",
        "q",
        "category",
        "audience",
        "capability",
        "asset_type",
        "open_day",
        "open_part",
        "mode",
        "free",
        "wheelchair",
    )
}


@ENDPOINT
@given(fields=form(SEARCH_FORM))
@example(fields={"lat": "NaN", "lon": "-1.9"})
@example(fields={"lat": "1" + "0" * 400, "lon": "-1.9"})
def test_search_form_answers_below_500_and_writes_nothing(browser, world, fields):
    c, token = browser()
    before = fingerprint()
    check(c.post("/search", data={**fields, "csrf_token": token}), before, writes=False)


ASSET_FORM = {
    **{
        k: FORM_TEXT
        for k in (
            "name",
            "organisation",
            "description",
            "asset_type",
            "address",
            "postcode",
            "lat",
            "lon",
            "how_to_get_there",
            "cost_amount",
            "cost_description",
            "contact_name",
            "email",
            "phone",
            "url",
            "visibility",
            "version",
            "verification_method",
            "steward_id",
            "original_lat",
            "original_lon",
            "schedule-0-row",
            "schedule-0-how",
            "schedule-0-opens",
            "schedule-0-closes",
            "schedule-0-text",
            "closed-from-day",
        )
    },
    **{
        k: FORM_LIST
        for k in ("categories", "audiences", "capabilities", "modes", "service_area_wards", "accessibility")
    },
}


@ENDPOINT
@given(fields=form(ASSET_FORM), edit=st.booleans())
@example(
    fields={"name": "A group", "categories": ["social-groups"], "modes": ["in_person"], "lat": "NaN", "lon": "-1.9"},
    edit=False,
)
@example(
    fields={
        "name": "A group",
        "categories": ["social-groups"],
        "modes": ["in_person"],
        "lat": "inf",
        "lon": "-1.9",
        "version": "1",
    },
    edit=True,
)
@example(fields={"name": "A group", "url": "http://["}, edit=False)
def test_asset_form_answers_below_500(browser, world, fields, edit):
    c, token = browser(world["coordinator"])
    path = f"/assets/{world['asset'].id}/edit" if edit else "/assets/new"
    before = fingerprint()
    resp = c.post(path, data={**fields, "csrf_token": token})
    check(resp, before)
    if resp.status_code == 400:  # the form again: its map never sees NaN, infinity or a point off the map
        html = resp.get_data(as_text=True)
        assert not re.search(r"\[\s*-?(NaN|Infinity)\s*,|,\s*-?(NaN|Infinity)\s*\]", html)


@ENDPOINT
@given(
    action=st.sampled_from(["archive", "verify", "history/1/restore"]),
    fields=form({"version": FORM_TEXT, "method": FORM_TEXT, "next": FORM_TEXT}),
)
@example(action="archive", fields={"version": "²"})
@example(action="history/1/restore", fields={"version": "²"})
def test_asset_actions_answer_below_500(browser, world, action, fields):
    c, token = browser(world["coordinator"])
    before = fingerprint()
    check(c.post(f"/assets/{world['asset'].id}/{action}", data={**fields, "csrf_token": token}), before)


@ENDPOINT
@given(
    fields=form(
        {
            k: FORM_TEXT
            for k in (
                "name",
                "description",
                "when",
                "website",
                "group_contact",
                "suggester_name",
                "suggester_email",
                "postcode",
                "ward",
            )
        }
    )
)
@example(fields={"name": "My group", "description": "Mondays", "postcode": "B1 1BA", "website": "http://["})
@example(
    fields={
        "name": "My group",
        "description": "Mondays",
        "postcode": "B1 1BA",
        "suggester_email": "a@" + "a." * 2000 + "@",
    }
)
def test_suggest_form_answers_below_500(browser, world, fields):
    c, token = browser()
    before = fingerprint()
    check(c.post("/suggest", data={**fields, "csrf_token": token}), before)


@ENDPOINT
@given(fields=form({k: FORM_TEXT for k in ("problem_type", "details", "suggester_name", "suggester_email")}))
@example(fields={"problem_type": "other", "details": "\x00", "suggester_email": "a@" + "a." * 2000 + "@"})
def test_report_a_problem_form_answers_below_500(browser, world, fields):
    c, token = browser()
    before = fingerprint()
    check(c.post(f"/assets/{world['asset'].id}/report", data={**fields, "csrf_token": token}), before)


@ENDPOINT
@given(fields=form({k: FORM_TEXT for k in ("reference", "attended", "helped")}))
@example(fields={"reference": "²" * 8, "attended": "yes", "helped": "yes"})
def test_follow_up_form_answers_below_500(browser, people, fields):
    c, token = browser(people["practitioner"])
    before = fingerprint()
    check(c.post("/connections/follow-up", data={**fields, "csrf_token": token}), before)


USER_FORM = {
    "email": FORM_TEXT,
    "name": FORM_TEXT,
    "role": st.one_of(FORM_TEXT, st.sampled_from(["admin", "coordinator", "practitioner", "commissioner"])),
    "active": FORM_TEXT,
    "wards": FORM_LIST,
    "constituencies": FORM_LIST,
}


@ENDPOINT
@given(fields=form(USER_FORM), new=st.booleans())
@example(fields={"email": "a@" + "a." * 20000 + "@", "role": "practitioner"}, new=True)
@example(fields={"email": "b@example.org", "name": "x" * 3000, "role": "practitioner"}, new=False)
def test_admin_user_form_answers_below_500(browser, world, people, fields, new):
    c, token = browser(people["admin"])
    path = "/admin/users/new" if new else f"/admin/users/{world['coordinator'].id}"
    before = fingerprint()
    check(c.post(path, data={**fields, "csrf_token": token}), before)


@ENDPOINT
@given(
    taxonomy=st.sampled_from(["category", "audience", "capability", "asset_type", "nonsense"]),
    fields=form({"name": FORM_TEXT, "description": FORM_TEXT}),
)
@example(taxonomy="category", fields={"name": "Bad\x07bell"})
def test_terms_form_answers_below_500(browser, people, taxonomy, fields):
    c, token = browser(people["admin"])
    before = fingerprint()
    check(c.post(f"/admin/terms/{taxonomy}/new", data={**fields, "csrf_token": token}), before)


# --------------------------------------------------------------------------- query strings

ORUK_PATHS = [
    "/oruk/services",
    "/oruk/service_at_locations",
    "/oruk/organizations",
    "/oruk/taxonomies",
    "/oruk/taxonomy_terms",
]
ORUK_PARAMS = [
    "page",
    "per_page",
    "search",
    "taxonomy_term_id",
    "taxonomy_id",
    "organization_id",
    "modified_after",
    "postcode",
    "proximity",
    "full",
    "minimal",
    "full_service",
    "top_only",
    "parent_id",
    "format",
]


@ENDPOINT
@given(path=st.sampled_from(ORUK_PATHS), args=query(ORUK_PARAMS))
@example(path="/oruk/services", args={"page": "²"})
@example(path="/oruk/services", args={"per_page": "9" * 5000})
@example(path="/oruk/services", args={"postcode": "B1 1BA", "proximity": "²"})
def test_open_data_query_strings_answer_json_below_500(client, world, path, args):
    before = fingerprint()
    resp = client.get(f"{path}?{urlencode(args)}")
    check(resp, before, writes=False, json_errors=True)
    assert resp.headers["Content-Type"].startswith("application/json")


@pytest.fixture
def commissioner(client, world):
    login(client, make_user("commissioner"))
    return client


@FEW
@given(
    path=st.sampled_from(["/coverage", "/coverage/report", "/coverage/gaps.csv"]),
    args=query(["geography", "la", "category", "audience", "capability", "verified", "days", "measure"]),
)
@example(path="/coverage", args={"days": "²"})
@example(path="/coverage", args={"days": "9" * 5000})
def test_coverage_query_strings_answer_below_500(commissioner, path, args):
    client = commissioner
    before = fingerprint()
    check(client.get(f"{path}?{urlencode(args)}"), before, writes=False)


@pytest.fixture
def saved_search(client, world):
    resp = client.post("/search", data={"postcode": BIRMINGHAM_POSTCODE})
    assert resp.status_code == 303
    return resp.headers["Location"]


@ENDPOINT
@given(args=query(["page", "scope"]), features=st.booleans(), map_args=query(["lat", "lon", "r"]))
@example(args={"page": "²"}, features=False, map_args={})
@example(args={"scope": "ward", "page": "9" * 5000}, features=False, map_args={})
@example(args={}, features=True, map_args={"lat": "52.47", "lon": "-1.9", "r": "NaN"})
@example(args={}, features=True, map_args={"lat": "NaN", "lon": "-1.9", "r": "1e400"})
def test_results_paging_scope_and_map_view_answer_below_500(client, world, saved_search, args, features, map_args):
    before = fingerprint()
    path = saved_search + ("/features.json" if features else "")
    check(client.get(f"{path}?{urlencode({**args, **(map_args if features else {})})}"), before, writes=False)


@ENDPOINT
@given(args=query(["page", "mine"]))
@example(args={"page": "²"})
def test_review_queue_paging_answers_below_500(signed_in, args):
    before = fingerprint()
    check(signed_in.get(f"/review?{urlencode(args)}"), before, writes=False)


# --------------------------------------------------------------------------- import files (dry runs)


def upload(client, filename: str, payload: bytes):
    return client.post("/import", data={"file": (io.BytesIO(payload), filename)}, content_type="multipart/form-data")


def csv_file(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_FIELDS)
    for row in rows:
        writer.writerow([row.get(k, "") for k in TEMPLATE_FIELDS])
    return out.getvalue().encode()


CSV_ROW = form({k: FORM_TEXT for k in TEMPLATE_FIELDS})


@ENDPOINT
@given(payload=st.one_of(st.lists(CSV_ROW, min_size=1, max_size=3).map(csv_file), st.binary(max_size=200)))
@example(
    payload=csv_file([{"source_id": "x1", "name": "A", "categories": "social-groups", "lat": "NaN", "lon": "-1.9"}])
)
@example(
    payload=csv_file(
        [
            {
                "source_id": "x2",
                "name": "A",
                "categories": "social-groups",
                "lat": "²",
                "lon": "1" + "0" * 400,
                "url": "http://[",
            }
        ]
    )
)
def test_csv_import_dry_run_answers_below_500_and_writes_nothing(signed_in, payload):
    before = fingerprint()
    check(upload(signed_in, "a.csv", payload), before, writes=False)


def feature_collection(features) -> str:
    return as_json({"type": "FeatureCollection", "features": features})


FEATURE = st.fixed_dictionaries(
    {
        "type": st.just("Feature"),
        "properties": st.dictionaries(st.sampled_from(TEMPLATE_FIELDS), JSON_VALUE, max_size=5),
        "geometry": st.one_of(
            st.fixed_dictionaries(
                {"type": st.just("Point"), "coordinates": st.lists(JSON_VALUE, min_size=2, max_size=3)}
            ),
            JSON_VALUE,
        ),
    }
)
BIG = "1" + "0" * 400


@ENDPOINT
@given(
    payload=st.one_of(
        st.lists(FEATURE, max_size=3).map(feature_collection),
        RAW_JSON.map(lambda raw: raw if isinstance(raw, str) else raw.decode("latin-1")),
    )
)
@example(
    payload='{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"source_id": "a", '
    '"name": "A", "categories": "social-groups"}, "geometry": {"type": "Point", "coordinates": '
    f"[-1.9, {BIG}]}}}}]}}"
)
@example(
    payload='{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"source_id": "a", '
    '"name": "A\\udc00"}, "geometry": null}]}'
)
@example(payload='{"type": "FeatureCollection", "features": ' + "[" * 50_000 + "]" * 50_000 + "}")
def test_geojson_import_dry_run_answers_below_500_and_writes_nothing(signed_in, payload):
    before = fingerprint()
    check(upload(signed_in, "a.geojson", payload.encode()), before, writes=False)


ORUK_SERVICE = st.fixed_dictionaries(
    {"name": JSON_VALUE},
    optional={
        "id": JSON_VALUE,
        "description": JSON_VALUE,
        "email": JSON_VALUE,
        "url": JSON_VALUE,
        "status": JSON_VALUE,
        "service_at_locations": st.lists(
            st.fixed_dictionaries(
                {
                    "location": st.fixed_dictionaries(
                        {},
                        optional={
                            "latitude": JSON_VALUE,
                            "longitude": JSON_VALUE,
                            "location_type": JSON_VALUE,
                            "addresses": st.lists(
                                st.fixed_dictionaries(
                                    {}, optional={"postal_code": JSON_VALUE, "address_1": JSON_VALUE}
                                ),
                                max_size=2,
                            ),
                        },
                    )
                }
            ),
            max_size=2,
        ),
        "schedules": st.lists(
            st.fixed_dictionaries(
                {}, optional={k: JSON_VALUE for k in ("freq", "interval", "byday", "opens_at", "closes_at")}
            ),
            max_size=2,
        ),
        "cost_options": st.lists(st.fixed_dictionaries({}, optional={"amount": JSON_VALUE}), max_size=2),
        "service_areas": st.lists(
            st.fixed_dictionaries({}, optional={"name": JSON_VALUE, "uri": JSON_VALUE}), max_size=2
        ),
        "attributes": st.lists(JSON_VALUE, max_size=2),
    },
)


@ENDPOINT
@given(
    payload=st.one_of(
        st.lists(ORUK_SERVICE, max_size=3).map(lambda s: as_json({"contents": s})), ORUK_SERVICE.map(as_json)
    )
)
@example(
    payload='{"contents": [{"name": "A", "service_at_locations": [{"location": {"latitude": '
    + BIG
    + ', "longitude": -1.9}}]}]}'
)
@example(payload='{"name": "A", "service_at_locations": [{"location": {"latitude": NaN, "longitude": -1.9}}]}')
@example(payload='{"name": "A", "url": "http://[", "service_areas": [{"name": "\\ud800"}]}')
def test_oruk_import_dry_run_answers_below_500_and_writes_nothing(signed_in, payload):
    before = fingerprint()
    check(upload(signed_in, "a.json", payload.encode()), before, writes=False)
