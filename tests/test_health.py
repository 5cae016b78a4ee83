"""The health check and service-wide pages."""


def test_healthz_reports_database_and_postgis_versions(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["status"] == "ok"
    assert body["database"].startswith("PostgreSQL 15")
    assert body["postgis"].startswith("3.")


def test_healthz_is_503_when_database_unreachable(rebind_session):
    from assetmap import create_app

    bad = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_URL": "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"}
    )
    resp = bad.test_client().get("/healthz")
    assert resp.status_code == 503
    assert resp.get_json()["status"] == "unavailable"


def test_static_pages_render(client):
    for path in ("/accessibility", "/about/data", "/privacy", "/sign-in"):
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert b"AssetMap" in resp.data


def test_data_page_shows_attribution(client):
    html = client.get("/about/data").get_data(as_text=True)
    assert "Office for National Statistics" in html
    assert "Royal Mail" in html


def test_favicon_is_served(client):
    resp = client.get("/favicon.ico")
    assert resp.status_code == 200
    assert resp.mimetype == "image/svg+xml"
