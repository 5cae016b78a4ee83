"""Pages of the practitioners' journey: search, results (list and map), asset, shortlist, sheet, logs.

Searches are POSTed, kept in the session under an opaque id and shown at /search/results/<id>
(post-redirect-get), so a postcode never reaches a URL, a log line, a referrer or browser history.
"""

from __future__ import annotations

import datetime as dt
import uuid

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from .. import mail, parsing
from ..accounts import limiter
from ..accounts.auth import roles_required
from ..directory import access
from ..directory.read import LONDON, asset_view, asset_views, now_london
from ..errors import AppError, NotFound, ValidationError
from ..once import FIELD as FORM_TOKEN
from ..once import once
from ..replicas import replica_reads
from ..taxonomy import all_terms, names
from ..vocabulary import (
    ACCESSIBILITY,
    COST_BANDS,
    DAYS,
    FOLLOWUP_ANSWERS,
    MODES,
    PARTS_OF_DAY,
    SORT_ORDERS,
    WALKING_PACES,
)
from ..web import has_endpoint
from . import maps, saved, sending, usecases
from .labels import describe, distance_label, miles_label, page_window, qr_svg, tag_label, why_matched
from .markers import grid_cells, markers
from .params import (
    DEFAULT_MILES,
    DISTANCE_MILES,
    LIST_FIELDS,
    Filters,
    miles_to_metres,
    parse_filters,
    parse_paging,
    parse_point,
)
from .queries import SCOPES, area_names
from .queries import search as run_search

bp = Blueprint("practitioners", __name__)

CONNECTING_ROLES = ("practitioner", "coordinator", "admin")
PER_PAGE = 20
MAX_VIEW_RADIUS_M = 60_000
FORM_FIELDS = ("postcode", "lat", "lon", "distance", "q", "cost", "sort", "pace")
#: fields with several values, each a GOV.UK checkbox
FORM_LISTS = LIST_FIELDS


@bp.after_request
def _private(resp):
    # searches describe a person's neighbourhood and needs: never cache, never leak a referrer
    if request.endpoint != "practitioners.ward_outlines":
        resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


def can_connect() -> bool:
    return current_user.is_authenticated and current_user.has_role(*CONNECTING_ROLES)


def form_options() -> dict[str, list[tuple[str, str]]]:
    """(value, label) choices for each select on the search form."""
    opts = {tax: [(t.code, t.name) for t in terms] for tax, terms in all_terms().items()}
    opts["open_day"] = [(d.word, d.label) for d in DAYS]
    opts["open_part"] = [(p.code, p.label) for p in PARTS_OF_DAY]
    opts["mode"] = [(m.code, m.label) for m in MODES]
    opts["access"] = [(a.code, a.label) for a in ACCESSIBILITY]
    opts["cost"] = [(c.code, c.label) for c in COST_BANDS]
    opts["sort"] = [(o.code, o.label) for o in SORT_ORDERS]
    opts["pace"] = [(p.code, p.label) for p in WALKING_PACES]
    return opts


def _form_page(values: dict, errors: list[tuple[str, str]], status: int = 200):
    ctx = {
        "options": form_options(),
        "values": values,
        "errors": errors,
        "error_for": dict(reversed(errors)),
        "distances": DISTANCE_MILES,
        "picker": maps.picker_map(),
    }
    return render_template("practitioners/search.html", **ctx), status


def _values_from_filters(f: Filters) -> dict:
    miles = f"{f.miles:g}"
    return {
        "distance": miles if miles in DISTANCE_MILES else DEFAULT_MILES,
        "q": f.q,
        **{name: list(getattr(f, name)) for name in FORM_LISTS},
        "cost": f.cost or "",
        "this_week": f.this_week,
        "sort": f.sort,
        "pace": f.pace,
    }


@bp.get("/search")
def search():
    """The search form (the home page). ``?from=<id>`` starts from an earlier search's filters."""
    previous = saved.find_search(request.args.get("from"))
    if previous is None:
        return _form_page({"distance": DEFAULT_MILES}, [])
    return _form_page({**_values_from_filters(previous.filters), "same_place": previous.sid}, [])


@bp.post("/search")
def search_submit():
    form = request.form
    values: dict = {k: form.get(k, "") for k in FORM_FIELDS}
    values.update({k: form.getlist(k) for k in FORM_LISTS})
    values["this_week"] = form.get("this_week") == "yes"
    errors: list[tuple[str, str]] = []
    radius = miles_to_metres(values["distance"], errors)
    raw = {k: values[k] for k in (*FORM_FIELDS[4:], *FORM_LISTS)}
    raw.update(free=form.get("free"), wheelchair=form.get("wheelchair"), this_week=form.get("this_week"))
    filters, filter_errors = usecases.parse_filters_fresh(
        lambda vocab: parse_filters(raw, vocab, strict=False, radius_m=radius)
    )
    errors += filter_errors
    postcode, point = values["postcode"].strip(), None
    same = saved.find_search(form.get("same_place")) if not postcode else None
    if same is not None:
        values["same_place"] = same.sid
        if errors:
            return _form_page(values, errors, 400)
        sid = saved.save_search(same.origin, filters, same.via)
        return redirect(url_for(".results", sid=sid), code=303)
    if not postcode:
        point_errors: list = []
        point = parse_point(values["lat"], values["lon"], point_errors)
        if point_errors or point is None:
            errors.insert(0, ("postcode", "Enter a postcode, or pick a point on the map"))
    if errors:
        return _form_page(values, errors, 400)
    try:
        origin = usecases.resolve_origin(postcode or None, point)
    except AppError as exc:
        return _form_page(values, [("postcode", exc.message)], exc.status)
    sid = saved.save_search(origin, filters, "postcode" if postcode else "point")
    return redirect(url_for(".results", sid=sid), code=303)


def _page_arg() -> int:
    errors: list = []
    page, _ = parse_paging({"page": request.args.get("page")}, errors)
    if errors:
        raise ValidationError(errors[0][1], field="page")
    return page


def _scope_arg(s: saved.SavedSearch) -> str:
    scope = request.args.get("scope", "near")
    if scope not in SCOPES:
        raise ValidationError("Choose nearby, this ward or this constituency", field="scope")
    if (scope == "ward" and not s.origin.ward_code) or (scope == "constituency" and not s.origin.constituency_code):
        raise NotFound(
            "This search point is outside the areas this service covers, so there is no "
            f"{scope} view. Go back to the nearby results."
        )
    return scope


@bp.get("/search/results/<sid>")
@replica_reads
def results(sid):
    s = saved.load_search(sid)
    scope = _scope_arg(s)
    result = run_search(s.origin, s.filters, current_user, scope, _page_arg(), PER_PAGE, why=True)
    views = {v["id"]: v for v in asset_views([h.id for h in result.hits], current_user)}
    items = [{"hit": h, "view": views[h.id], "why": why_matched(h)} for h in result.hits if h.id in views]
    names = area_names(s.origin)
    return render_template(
        "practitioners/results.html",
        s=s,
        scope=scope,
        result=result,
        items=items,
        names=names,
        map=maps.results_map(s, scope, names),
        terms=all_terms(),
        shortlist=set(saved.shortlist()),
        can_connect=can_connect(),
    )


@bp.get("/search/results/<sid>/refine")
def refine(sid):
    """The same search, near the same place, with one change: ``remove=<field>:<value>`` (a removed filter
    tag), ``as_typed=1`` (the words as typed, not corrected) or ``sort=best|nearest``. Kept as a new search
    in the session (the place stays sealed there, never in the address) and shown after a redirect."""
    s = saved.load_search(sid)
    f = s.filters
    removing, as_typed, sort = request.args.get("remove"), request.args.get("as_typed"), request.args.get("sort")
    if removing:
        name, _, value = removing.partition(":")
        if name != "q" and (name, value) not in f.chosen():
            raise ValidationError("That filter is not part of this search", field="remove")
        f = f.without(name, value)
    elif as_typed == "1":
        f = f.replace(as_typed=True)
    elif sort in SORT_ORDERS.codes:
        f = f.replace(sort=sort)
    else:
        raise ValidationError("Choose a filter to remove, an order, or the words as typed", field="remove")
    new_sid = saved.save_search(s.origin, f, s.via)
    return redirect(url_for(".results", sid=new_sid), code=303)


@bp.get("/search/results/<sid>/features.json")
@replica_reads
def result_features(sid):
    """Markers for the part of the results in the map view: ?lon=&lat=&r= (metres)."""
    s = saved.load_search(sid)
    scope = _scope_arg(s)
    errors: list = []
    centre = parse_point(request.args.get("lat"), request.args.get("lon"), errors)
    r = parsing.collect(errors, parsing.number, request.args.get("r"), "r", low=0, high=MAX_VIEW_RADIUS_M)
    if errors or centre is None or not r:
        raise ValidationError("Give the map view as lat, lon and r (metres, at most 60 km)", field="r")
    # the map's shorter side in pixels: fewer, bigger clusters on a phone
    px = parsing.integer(request.args.get("px"), "px", low=50, high=10000, label="the map's size", default=None)
    found = markers(s.origin, s.filters, current_user, scope, (centre[0], centre[1], r), grid_cells(px))
    clusters = found.get("clusters")
    return jsonify(
        {
            "type": "FeatureCollection",
            "clustered": clusters is not None,
            "truncated": False,
            "results_in_view": sum(c["count"] for c in clusters) if clusters is not None else len(found["points"]),
            "features": [_marker(m, sid) for m in (found["points"] if clusters is None else clusters)],
        }
    )


def _marker(m: dict, sid: str) -> dict:
    """A GeoJSON feature: one result (id, name, distance, link), or a grid cell's count of results."""
    if m.get("count", 1) > 1:
        props: dict = {"cluster": True, "count": m["count"]}
    else:
        props = {
            "id": m["id"],
            "name": m["name"],
            "distance_m": m["distance_m"],
            "url": url_for(".asset", asset_id=m["id"], **{"from": sid}),
        }
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [m["lon"], m["lat"]]}, "properties": props}


@bp.post("/search/results/<sid>/nothing-suitable")
@roles_required(*CONNECTING_ROLES)
def nothing_suitable(sid):
    s = saved.load_search(sid)
    back = url_for(".results", sid=sid)
    if s.unmet_recorded:
        flash("You have already recorded that nothing suitable was found for this search.", "important")
        return redirect(back, code=303)
    with once("unmet-need", request.form.get(FORM_TOKEN), fallback=back):
        usecases.record_unmet_need(s.filters, s.origin)
    saved.mark_unmet_recorded(sid)
    flash("Recorded that nothing suitable was found. Thank you: this helps commissioners see gaps.")
    return redirect(back, code=303)


# --------------------------------------------------------------------------- asset page


def _asset_page(
    asset_id: uuid.UUID, s: saved.SavedSearch | None, connection_error: str | None = None, status: int = 200
):
    view = asset_view(asset_id, current_user)
    if view is None:
        raise NotFound("We could not find that asset. It may have been removed, or you may need to sign in.")
    links = {"report": None, "edit": None}
    if has_endpoint("upkeep.report_problem"):
        links["report"] = url_for("upkeep.report_problem", asset_id=asset_id)
    if has_endpoint("upkeep.edit_asset") and access.can_edit(
        current_user, access.readable_service(current_user, asset_id, missing=usecases.ASSET_GONE)
    ):
        links["edit"] = url_for("upkeep.edit_asset", asset_id=asset_id)
    return render_template(
        "practitioners/asset.html",
        a=view,
        s=s,
        links=links,
        map=maps.asset_map(view),
        capabilities=all_terms()["capability"],
        can_connect=can_connect(),
        in_shortlist=asset_id in saved.shortlist(),
        via_shortlist=request.values.get("via") == "shortlist",
        connection_error=connection_error,
    ), status


def _search_for(asset_id: uuid.UUID, sid: str | None) -> saved.SavedSearch | None:
    """The search a connection to this asset comes from: the one named, else the one it was shortlisted from."""
    return saved.find_search(sid) or saved.shortlist_search(asset_id)


@bp.get("/assets/<uuid:asset_id>")
@replica_reads
def asset(asset_id: uuid.UUID):
    """Everything needed to make an introduction. ``?from=<search id>`` links back to the results."""
    return _asset_page(asset_id, _search_for(asset_id, request.args.get("from")))


class _AskFirst(Exception):
    """This browser recorded a connection to the same asset a few minutes ago: ask before another."""


@bp.post("/assets/<uuid:asset_id>/connections")
@roles_required(*CONNECTING_ROLES)
def record_connection(asset_id: uuid.UUID):
    """'I connected someone to this asset': stores the asset, date, capability and the search area only.

    A repeat of the same form goes to the connection it recorded; a new form for an asset this browser
    recorded a connection to a few minutes ago (the back button fetches a fresh form) asks first.
    """
    form = request.form
    s = _search_for(asset_id, form.get("from"))
    recent = saved.recent_connection(asset_id)
    try:
        with once("connection", form.get(FORM_TOKEN), fallback=url_for(".asset", asset_id=asset_id)) as claim:
            if recent is not None and form.get("again") != "yes":
                usecases.check_capability(form.get("capability"))
                raise _AskFirst
            row = usecases.record_connection(
                asset_id,
                form.get("capability") or None,
                s.origin if s else None,
                current_user,
                form.get("followup") == "yes",
            )
            claim.send_to(url_for(".connection_done", connection_id=row.id))
    except ValidationError as exc:
        return _asset_page(asset_id, s, exc.message, 400)
    except _AskFirst:
        return render_template(
            "practitioners/connection_again.html",
            a=asset_view(asset_id, current_user),
            recent=recent,
            at=dt.datetime.fromtimestamp(recent.at, LONDON),
            form=form,
            token=form.get(FORM_TOKEN),
            s=s,
            on_shortlist=asset_id in saved.shortlist(),
        )
    saved.remember_connection(row.id, asset_id, s.sid if s else None)
    return redirect(url_for(".connection_done", connection_id=row.id), code=303)


@bp.get("/connections/<uuid:connection_id>")
@roles_required(*CONNECTING_ROLES)
def connection_done(connection_id: uuid.UUID):
    """'Connection recorded': shown again on reload, but only in the browser that recorded it."""
    here = saved.recorded_here(connection_id)
    if here is None:
        raise NotFound(
            "This confirmation is no longer available. Connections are kept, but each one's "
            "confirmation is shown only in the browser that recorded it, for a few hours."
        )
    row = usecases.find_connection(connection_id)
    return render_template(
        "practitioners/connection_done.html",
        a=asset_view(row.service_id, current_user),
        ref=row.followup_ref,
        s=saved.find_search(here.sid),
        with_area=row.ward_code is not None,
        capability=names("capability").get(row.capability_code),
        on_shortlist=row.service_id in saved.shortlist(),
    )


def _listing_name(service_id) -> str:
    view = asset_view(service_id, current_user) if service_id else None
    return view["name"] if view else "a listing you can no longer see"


@bp.route("/connections/follow-up", methods=["GET", "POST"])
@roles_required(*CONNECTING_ROLES)
@limiter.limit("20 per minute", methods=["POST"])
def followup():
    """Did they go, did it help? A second, different answer is recorded only once the person confirms it."""
    form = request.form
    values = {"reference": form.get("reference", ""), "attended": form.get("attended"), "helped": form.get("helped")}
    if request.method == "GET":
        return render_template("practitioners/followup.html", values=values, answers=FOLLOWUP_ANSWERS.labels, errors=[])
    try:
        with once("follow-up", form.get(FORM_TOKEN), fallback=url_for(".followup")):
            done = usecases.record_followup(
                values["reference"], values["attended"], values["helped"], confirm_change=form.get("confirm") == "yes"
            )
    except usecases.FollowupChange as change:
        return render_template(
            "practitioners/followup_confirm.html",
            change=change,
            answers=FOLLOWUP_ANSWERS.labels,
            listing=_listing_name(change.service_id),
            token=form.get(FORM_TOKEN),
        )
    except (ValidationError, NotFound) as exc:
        return render_template(
            "practitioners/followup.html",
            values=values,
            answers=FOLLOWUP_ANSWERS.labels,
            errors=[(exc.field or "reference", exc.message)],
        ), exc.status
    listing = _listing_name(done.row.service_id)
    if done.outcome == "unchanged":
        flash(f"You had already recorded these answers for {listing}. Nothing has changed.", "important")
    elif done.outcome == "changed":
        flash(f"Follow-up for {listing} changed. Thank you.")
    else:
        flash(f"Follow-up recorded for {listing}. Thank you.")
    return redirect(url_for(".followup"), code=303)


# --------------------------------------------------------------------------- shortlist and sheet


def _back_to(default: str) -> str:
    target = request.form.get("next", "")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _shortlist_answer(in_list: bool, message: str, fallback: str):
    """JSON for the page's script (no reload), else a flash and back to the same place."""
    if _wants_json():
        return jsonify({"in_list": in_list, "count": len(saved.shortlist()), "message": message})
    flash(message)
    return redirect(_back_to(fallback), code=303)


@bp.post("/shortlist/add")
def shortlist_add():
    try:
        asset_id = uuid.UUID(request.form.get("asset_id", ""))
    except ValueError:
        raise ValidationError("Choose an asset to add", field="asset_id") from None
    access.readable_service(current_user, asset_id, missing=usecases.ASSET_GONE)
    view = asset_view(asset_id, current_user)
    name = view["name"] if view else "It"
    if saved.add_to_shortlist(asset_id, request.form.get("from")):
        return _shortlist_answer(True, f"{name} added to your shortlist.", url_for(".shortlist"))
    return _shortlist_answer(
        asset_id in saved.shortlist(),
        f"Your shortlist is full ({saved.MAX_SHORTLIST}). Remove something first.",
        url_for(".shortlist"),
    )


@bp.post("/shortlist/remove")
def shortlist_remove():
    try:
        asset_id = uuid.UUID(request.form.get("asset_id", ""))
    except ValueError:
        raise ValidationError("Choose an asset to remove", field="asset_id") from None
    saved.remove_from_shortlist(asset_id)
    return _shortlist_answer(False, "Removed from your shortlist.", url_for(".shortlist"))


@bp.post("/shortlist/clear")
def shortlist_clear():
    saved.clear_shortlist()
    flash("Your shortlist is now empty.")
    return redirect(url_for(".shortlist"), code=303)


@bp.get("/shortlist")
def shortlist():
    ids = saved.shortlist()
    from_search = {i: s.sid for i in ids if (s := saved.shortlist_search(i)) is not None}
    return render_template(
        "practitioners/shortlist.html",
        assets=asset_views(ids, current_user),
        from_search=from_search,
        can_connect=can_connect(),
        sms=can_connect() and mail.sms_available(),
        capabilities=all_terms()["capability"],
    )


@bp.post("/shortlist/connections")
@roles_required(*CONNECTING_ROLES)
def shortlist_connections():
    """Record connections to several shortlisted listings at once, each with its search's ward and LSOA."""
    back = url_for(".shortlist")
    ids = []
    for raw in request.form.getlist("asset_id"):
        try:
            ids.append(uuid.UUID(raw))
        except ValueError:
            raise ValidationError("Choose listings from your shortlist", field="asset_id") from None
    listed = set(saved.shortlist())
    if any(i not in listed for i in ids):
        raise ValidationError("Choose listings from your shortlist", field="asset_id")
    chosen = [(i, s.origin if (s := saved.shortlist_search(i)) else None) for i in ids]
    with once("connections", request.form.get(FORM_TOKEN), fallback=back):
        n = usecases.record_connections(chosen, request.form.get("capability") or None, current_user)
    flash(f"{n} connection{'s' if n != 1 else ''} recorded. Thank you.")
    return redirect(back, code=303)


@bp.route("/shortlist/sheet", methods=["GET", "POST"])
def sheet():
    """The connection sheet: a printable page, one block per asset; ``large=1`` for large text, ``easy=1`` for
    Easy Read (large print, plain words, one idea per line). Each listing has a QR code to its page.

    The practitioner's name and team are typed on the page and sent with a POST (never in the address, never
    stored or logged): they are printed on the sheet and forgotten."""
    args = request.form if request.method == "POST" else request.args
    errors: list = []
    who = {
        "name": parsing.collect(errors, parsing.text, args.get("practitioner", ""), "practitioner", max_len=80) or "",
        "team": parsing.collect(errors, parsing.text, args.get("team", ""), "team", max_len=120) or "",
    }
    if errors:
        raise ValidationError("Your name and team must be shorter", field=errors[0][0])
    return render_template(
        "practitioners/sheet.html",
        assets=asset_views(saved.shortlist(), current_user),
        large=args.get("large") == "1",
        easy=args.get("easy") == "1",
        who=who,
        today=now_london().date(),
        can_send=can_connect(),
        sms=can_connect() and mail.sms_available(),
    )


#: sending is a message to someone outside the service: a few a minute is plenty for a practitioner with a
#: person in front of them, and the limit stops a stolen session from becoming a mail cannon
SEND_LIMIT = "5 per minute; 30 per hour"


def _signed_in_user() -> str:
    return f"user:{current_user.get_id()}"


def _who(form, errors: list) -> sending.From:
    name = parsing.collect(
        errors, parsing.text, form.get("practitioner", ""), "practitioner", label="Your name", max_len=80
    )
    team = parsing.collect(errors, parsing.text, form.get("team", ""), "team", label="Your team", max_len=120)
    return sending.From(name or "", team or "")


def _send_page(errors: list, how: str | None = None, who: sending.From | None = None, status: int = 200):
    """The send form with the sheet below it (what is sent, still there to print). It never shows the address
    or number that was typed: after an error it is typed again."""
    items = sending.listings(saved.shortlist(), current_user)
    sms = mail.sms_available()
    if not sms:  # email is the only way: there is no choice to link to, so "how" errors point at the address
        errors = [("email" if field == "how" else field, message) for field, message in errors]
    return render_template(
        "practitioners/send.html",
        assets=items,
        hidden=any(a["place"]["hidden"] for a in items),
        errors=errors,
        error_for=dict(reversed(errors)),
        how=how,
        who=who or sending.From(),
        sms=sms,
    ), status


@bp.route("/shortlist/send", methods=["GET", "POST"])
@roles_required(*CONNECTING_ROLES)
@limiter.limit(SEND_LIMIT, methods=["POST"], key_func=_signed_in_user)
def send_sheet():
    """Send the sheet to the person by email, or by text message when GOV.UK Notify is set up. The address or
    number is used once, in this request, and kept nowhere (``sending.py``); a reload does not send again."""
    if request.method == "GET":
        return _send_page([])
    form = request.form
    errors: list = []
    how = form.get("how") if form.get("how") in sending.HOW else None
    who = _who(form, errors)
    to = None
    if how == "email":
        to = parsing.collect(
            errors, parsing.email, form.get("email"), "email", required="Enter the person's email address"
        )
    elif how == "sms" and mail.sms_available():
        to = parsing.collect(
            errors, parsing.uk_mobile, form.get("phone"), "phone", required="Enter the person's mobile number"
        )
    else:
        errors.append(("how", "Choose how to send the sheet: by email or by text message"))
    if errors or to is None or how is None:
        return _send_page(errors, how, who, 400)
    try:
        with once("sheet-send", form.get(FORM_TOKEN), fallback=url_for(".sheet_sent")):
            count = sending.send_sheet(how, to, saved.shortlist(), current_user, who)
    except (ValidationError, mail.NotSent, mail.SmsUnavailable) as exc:
        return _send_page([(exc.field or "how", exc.message)], how, who, exc.status)
    saved.remember_sheet_sent(how, count)
    return redirect(url_for(".sheet_sent"), code=303)


@bp.get("/shortlist/send/done")
@roles_required(*CONNECTING_ROLES)
def sheet_sent():
    """'Sheet sent': how, how many and when, from this browser's session (never to whom)."""
    sent = saved.sheet_sent()
    if sent is None:
        raise NotFound(
            "No sheet has been sent from this browser in the last few hours. Go back to your shortlist to send one."
        )
    return render_template("practitioners/sheet_sent.html", sent=sent, at=dt.datetime.fromtimestamp(sent.at, LONDON))


@bp.get("/search/wards.geojson")
def ward_outlines():
    """Ward outlines for the point picker (the same for everyone, so cacheable)."""
    resp = jsonify(maps.ward_outlines())
    resp.headers["Cache-Control"] = "public, max-age=3600"
    return resp


# --------------------------------------------------------------------------- template helpers


@bp.context_processor
def _helpers():
    return {
        "miles_label": miles_label,
        "distance_label": distance_label,
        "describe": describe,
        "page_window": page_window,
        "tag_label": tag_label,
        "qr_svg": qr_svg,
    }
