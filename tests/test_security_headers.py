"""Security headers on every response."""

import pytest


@pytest.mark.parametrize(
    "path", ["/sign-in", "/accessibility", "/healthz", "/no-such-page", "/static/css/assetmap.css"]
)
def test_security_headers_on_every_response(client, path):
    resp = client.get(path)
    h = resp.headers
    csp = h["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "script-src 'self' 'nonce-" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["X-Frame-Options"] == "DENY"
    assert h["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in h  # plain HTTP in tests: HSTS only over TLS


def test_hsts_when_served_over_tls(client):
    resp = client.get("/sign-in", base_url="https://localhost")
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_each_response_gets_a_fresh_nonce_used_by_its_inline_scripts(client):
    a, b = client.get("/sign-in"), client.get("/sign-in")
    nonce_a = a.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    nonce_b = b.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert nonce_a != nonce_b
    html = a.get_data(as_text=True)
    assert f'nonce="{nonce_a}"' in html
    assert html.count("<script") == html.count(f'nonce="{nonce_a}"')


def test_production_cookies_are_secure_httponly_samesite(database_url, monkeypatch, rebind_session):
    from assetmap import create_app

    monkeypatch.setenv("ASSETMAP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-production-secret-for-the-test-only")
    app = create_app({"SQLALCHEMY_URL": database_url})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["CREATE_DEMO_USERS"] is False
    resp = app.test_client().get("/sign-in", base_url="https://localhost")
    cookie = next(c for c in resp.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    from assetmap.config import load_config

    monkeypatch.setenv("ASSETMAP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        load_config()
