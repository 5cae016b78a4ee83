"""Service-wide pages: health check, accessibility statement, data sources and attribution."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from . import vocabulary
from .maps import ATTRIBUTION, context_layers

bp = Blueprint("web", __name__)

POSTCODE_ATTRIBUTION = (
    "Contains OS data © Crown copyright and database right 2023. Contains Royal Mail data © Royal Mail "
    "copyright and database right 2023. Contains National Statistics data © Crown copyright and database "
    "right 2023."
)
DATA_SOURCES = [
    ("2024 wards and constituencies", ATTRIBUTION + " Re-published by Open Innovations (OGL v3.0)."),
    (
        "LSOA 2011 boundaries",
        "UK-GeoJSON by Martin Chorley, CC BY 4.0. Contains Ordnance Survey and Office "
        "for National Statistics data © Crown copyright and database right 2016.",
    ),
    ("Postcode centroids (Code-Point Open)", POSTCODE_ATTRIBUTION),
    (
        "Census 2021 population",
        "Source: Office for National Statistics licensed under the Open Government Licence v.3.0 (Census 2021).",
    ),
    (
        "Index of Multiple Deprivation 2019",
        "English Indices of Deprivation 2019, Ministry of Housing, "
        "Communities & Local Government, Open Government Licence v3.0. Composite UK IMD, mySociety, CC BY 4.0.",
    ),
    (
        "Public libraries",
        "Library data: Libraries Hacked (librarydata-db), from Birmingham City Council and "
        "City of York Council; geocoded with OS Code-Point Open (© Crown copyright and database right 2023).",
    ),
    (
        "Illustrative community assets",
        "Invented for demonstration; marked 'Illustrative' wherever shown. "
        "Coordinates are real Code-Point Open postcode centroids.",
    ),
]


def has_endpoint(name: str) -> bool:
    return name in current_app.view_functions


def error_map(errors) -> dict[str, str]:
    """{field id: first message}, for marking each input of a form shown again with its errors."""
    return {k: m for k, m in reversed(list(errors)) if k}


NAV = [
    # (endpoint, text, roles that see it; None = everyone)
    ("practitioners.search", "Find local assets", None),
    ("upkeep.suggest", "Suggest an asset", None),
    ("upkeep.review_queue", "Review queue", ("coordinator", "admin")),
    ("upkeep.freshness", "Freshness", ("coordinator", "admin", "commissioner")),
    ("coverage.coverage", "Coverage", ("commissioner", "admin", "coordinator")),
    ("accounts.admin_users", "Users", ("admin",)),
    ("upkeep.admin_terms", "Terms", ("admin",)),
    ("embed.admin_sites", "Embedding", ("admin",)),
    ("mail.outbox_list", "Outbox", ("admin",)),  # outside production only
    ("accounts.account", "Your account", ("coordinator", "admin", "practitioner", "commissioner")),
]


def nav_items() -> list[dict]:
    items = []
    for endpoint, label, roles in NAV:
        if not has_endpoint(endpoint):
            continue
        if roles and not (current_user.is_authenticated and current_user.role in roles):
            continue
        href = url_for(endpoint)
        items.append({"href": href, "text": label, "active": request.path == href})
    if not current_user.is_authenticated:
        items.append(
            {
                "href": url_for("accounts.sign_in"),
                "text": "Sign in",
                "active": request.path == url_for("accounts.sign_in"),
            }
        )
    return items


@bp.get("/")
def home():
    if has_endpoint("practitioners.search"):
        return redirect(url_for("practitioners.search"))
    return render_template("home.html")


@bp.get("/healthz")
def healthz():
    from .ops import database_versions

    try:
        pg, postgis = database_versions()
    except Exception as exc:  # any failure to reach the database is "unhealthy", never a 500
        return jsonify(status="unavailable", error=type(exc).__name__), 503
    return jsonify(status="ok", database=pg, postgis=postgis)


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page's icon link says: answer it, not 404."""
    return current_app.send_static_file("images/favicon.svg"), 200, {"Cache-Control": "public, max-age=86400"}


@bp.get("/maps/context.json")
def map_context():
    """Ward outlines and names and council boundaries: the base map drawn when tiles cannot load."""
    resp = jsonify(context_layers())
    resp.headers["Cache-Control"] = "public, max-age=3600"
    return resp


@bp.get("/accessibility")
def accessibility():
    return render_template("accessibility.html")


@bp.get("/about/data")
def data_sources():
    return render_template("data_sources.html", sources=DATA_SOURCES)


@bp.get("/privacy")
def privacy():
    return render_template("privacy.html")


@bp.route("/unsubscribe", methods=["GET", "POST"])
def unsubscribe():
    """The link at the foot of every email: a page with one button, and RFC 8058's one-click POST.

    The token is in the query string (never a path, so never logged). A POST needs no CSRF token: mail
    clients send the one-click POST with no session, and the signed token is what authorises it."""
    from .mail import optout

    token = request.values.get("t")
    if request.method == "GET":
        purpose = optout.read_token(token)
        return render_template("unsubscribe.html", purpose=purpose, token=token, done=False)
    purpose = optout.unsubscribe(token)
    return render_template("unsubscribe.html", purpose=purpose, token=None, done=True)


def init_app(app) -> None:
    from .accounts import csrf

    csrf.exempt(unsubscribe)
    app.register_blueprint(bp)

    # every closed list's codes and labels (``vocabulary.MODES.choices()``), so no template writes one out
    app.jinja_env.globals.update(has_endpoint=has_endpoint, nav_items=nav_items, vocabulary=vocabulary)

    @app.context_processor
    def _globals():
        return {"map_attribution": ATTRIBUTION, "service_name": "AssetMap"}
