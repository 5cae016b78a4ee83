"""Security headers on every response, with a per-request CSP nonce for inline scripts.

Framing is refused (``frame-ancestors 'none'``, ``X-Frame-Options: DENY``) except where a view lists the
parent sites allowed to frame it in ``g.frame_ancestors`` (only the embeddable search does).

Hand-rolled rather than Flask-Talisman because the policy must carry a nonce for folium's
inline map set-up and a configurable tile host; the header set follows Talisman's defaults.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import current_app, g, request


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _tile_origin() -> str:
    url = current_app.config.get("TILE_URL") or ""
    if not url:
        return ""
    parts = urlsplit(url.replace("{s}", "a"))
    host = parts.netloc.replace("a.", "*.", 1) if "{s}" in url else parts.netloc
    return f"{parts.scheme}://{host}" if parts.scheme and host else ""


def frame_ancestors() -> str:
    """'none' (no framing) unless the view allowed some parent sites (``g.frame_ancestors``: the embed page)."""
    allowed = g.get("frame_ancestors")
    return " ".join(allowed) if allowed else "'none'"


def content_security_policy() -> str:
    tiles = _tile_origin()
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{csp_nonce()}'",
            "style-src 'self' 'unsafe-inline'",  # Leaflet and folium set inline styles on map elements
            f"img-src 'self' data: blob:{' ' + tiles if tiles else ''}",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors()}",
        ]
    )


def init_app(app) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _headers(resp):
        h = resp.headers
        h.setdefault("Content-Security-Policy", content_security_policy())
        h.setdefault("X-Content-Type-Options", "nosniff")
        if not g.get("frame_ancestors"):
            h.setdefault("X-Frame-Options", "DENY")  # X-Frame-Options has no list of sites: CSP alone says who
        h.setdefault("Referrer-Policy", "no-referrer")
        h.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure or request.headers.get("X-Forwarded-Proto") == "https":
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return resp
