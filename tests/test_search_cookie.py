"""The browser session never holds the searched point in readable form."""

from flask.sessions import SecureCookieSessionInterface

from tests.factories import BIRMINGHAM_LONLAT


def _cookie_contents(app, client) -> dict:
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    return serializer.loads(cookie.value)


def _without_times(data):
    """The cookie's contents without the times it keeps (seconds since 1970, such as 1795841152.4702098, which
    held "52.47" by chance, and the test failed on that)."""
    if isinstance(data, dict):
        return {k: _without_times(v) for k, v in data.items() if not (isinstance(v, float) and v > 1e9)}
    if isinstance(data, list | tuple):
        return [_without_times(v) for v in data]
    return data


def test_saved_search_point_is_encrypted_in_the_cookie(app, client):
    resp = client.post("/search", data={"postcode": "B1 1BA"})
    assert resp.status_code == 303
    data = _cookie_contents(app, client)
    raw = repr(_without_times(data))
    assert "B1 1BA" not in raw and "B11BA" not in raw
    assert f"{BIRMINGHAM_LONLAT[0]:.4f}"[:6] not in raw and "52.47" not in raw
    assert "E05011151" not in raw  # the ward and LSOA codes are sealed too
    # and the results still come back from the sealed search
    assert client.get(resp.headers["Location"]).status_code == 200


def test_a_tampered_saved_search_is_treated_as_expired(app, client):
    resp = client.post("/search", data={"postcode": "B1 1BA"})
    sid = resp.headers["Location"].rsplit("/", 1)[1]
    with client.session_transaction() as s:
        searches = dict(s["am_searches"])
        searches[sid] = {**searches[sid], "o": "not-a-sealed-token"}
        s["am_searches"] = searches
    assert client.get(f"/search/results/{sid}").status_code == 404


def test_background_map_fetches_do_not_rewrite_the_session(app, client, db):
    """A slow map-data response must not carry an older session over a search saved meanwhile."""
    from tests.factories import login, make_user

    user = make_user("practitioner")
    db.commit()
    login(client, user)
    client.get("/search")
    resp = client.get("/search/wards.geojson")
    assert resp.status_code == 200
    assert not [c for c in resp.headers.getlist("Set-Cookie") if c.startswith("session=")]
    # and a search saved by a page request survives a background fetch that ran alongside it
    saved = client.post("/search", data={"postcode": "B1 1BA"})
    client.get("/search/wards.geojson")
    assert client.get(saved.headers["Location"]).status_code == 200
