"""Open data: the Open Referral UK 3.0 API (/oruk), the OpenAPI document (/openapi.json), the API page
(/api-docs) and ``assetmap import oruk`` for other councils' feeds."""

from __future__ import annotations

from flask import request

OPEN_PREFIXES = ("/oruk", "/ogc")  # Open Referral UK, and OGC API - Features (assetmap.ogcapi)


def is_open_data_path(path: str) -> bool:
    return path == "/openapi.json" or any(path == p or path.startswith(p + "/") for p in OPEN_PREFIXES)


def init_app(app) -> None:
    from . import views

    app.register_blueprint(views.bp)

    @app.after_request
    def _open_access(resp):
        # every response on the open API, errors included, may be read by any web page
        if is_open_data_path(request.path):
            resp.headers["Access-Control-Allow-Origin"] = "*"
        return resp
