"""Open data: the Open Referral UK 3.0 read API under /oruk, the OpenAPI document and the API page.

Open access (no key), ``Access-Control-Allow-Origin: *``, JSON errors (400 with the parameter at
fault, 404 for unknown ids and postcodes).
"""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, url_for

from ..directory.store import vocabulary
from ..errors import AppError, NotFound
from ..replicas import replica_reads
from . import gcguard, oruk, params, queries
from .openapi import document, operations

bp = replica_reads(Blueprint("opendata", __name__))  # open data: public reads only
gcguard.guard(bp)  # once, at import: every app built from this blueprint shares the hooks
PREFIX = "/oruk"


def _not_found(kind: str):
    return NotFound(f"There is no public {kind} with that id.", field="id")


def _path_id(raw: str, kind: str):
    """A record id from the path: one that is not even a UUID names nothing, so 404 like an unknown one."""
    try:
        return params.parse_id(raw)
    except AppError:
        raise _not_found(kind) from None


@bp.get(PREFIX + "/", strict_slashes=False)  # /oruk too: the ORUK validator is given the URL as typed
def api_details():
    return jsonify(oruk.api_details(url_for("opendata.openapi", _external=True)))


@bp.get(PREFIX + "/services")
def services():
    f = params.service_filter(request.args)
    page, per_page = params.paging(request.args)
    full, minimal = params.boolean(request.args, "full"), params.boolean(request.args, "minimal")
    result = queries.list_services(f, oruk.catalogue(), page, per_page, full=full and not minimal)
    ctx = oruk.context(services=result.items if full and not minimal else ())
    if minimal:
        items = [
            {k: v for k, v in oruk.service_brief(s).items() if k in ("id", "name", "status", "last_modified")}
            for s in result.items
        ]
    elif full:
        items = [oruk.service_full(s, ctx) for s in result.items]
    else:
        items = [oruk.service_brief(s) for s in result.items]
    return jsonify(oruk.page(items, result.total, page, per_page))


@bp.get(PREFIX + "/services/<service_id>")
def service(service_id):
    sid = _path_id(service_id, "service")
    found = queries.get_service(sid)
    if found is None:
        survivor = queries.merged_into(sid)
        if survivor is not None:  # merged into another listing: its record is the survivor's
            return redirect(url_for("opendata.service", service_id=str(survivor)), 301)
        raise _not_found("service")
    return jsonify(oruk.service_full(found, oruk.context(services=[found])))


@bp.get(PREFIX + "/service_at_locations")
def service_at_locations():
    f = params.service_filter(request.args)
    page, per_page = params.paging(request.args)
    full = params.boolean(request.args, "full")
    result = queries.list_service_at_locations(f, oruk.catalogue(), page, per_page, full=full)
    ctx = oruk.context(services=[sal.service for sal in result.items] if full else (), sals=result.items)
    items = [oruk.service_at_location(sal, ctx, full=full) for sal in result.items]
    return jsonify(oruk.page(items, result.total, page, per_page))


@bp.get(PREFIX + "/service_at_locations/<sal_id>")
def service_at_location(sal_id):
    found = queries.get_service_at_location(_path_id(sal_id, "service at location"))
    if found is None:
        raise _not_found("service at location")
    return jsonify(oruk.service_at_location(found, oruk.context(services=[found.service], sals=[found]), full=True))


@bp.get(PREFIX + "/organizations")
def organizations():
    params.fmt(request.args)
    search = params.text(request.args)
    page, per_page = params.paging(request.args)
    full, full_service = params.boolean(request.args, "full"), params.boolean(request.args, "full_service")
    result = queries.list_organizations(search, page, per_page)
    items = _organizations(result.items, full_service) if full else [oruk.organization(o) for o in result.items]
    return jsonify(oruk.page(items, result.total, page, per_page))


@bp.get(PREFIX + "/organizations/<org_id>")
def organization(org_id):
    found = queries.get_organization(_path_id(org_id, "organization"))
    if found is None:
        raise _not_found("organization")
    return jsonify(_organizations([found], params.boolean(request.args, "full_service"))[0])


def _organizations(orgs: list, full_service: bool) -> list[dict]:
    """Organisations with their public services (brief, or fully nested)."""
    by_org = queries.services_of([o.id for o in orgs], full=full_service)
    ctx = oruk.context(services=[s for found in by_org.values() for s in found]) if full_service else None
    out = []
    for org in orgs:
        item = oruk.organization(org)
        item["services"] = [
            oruk.service_full(s, ctx) if full_service else oruk.service_brief(s) for s in by_org[org.id]
        ]
        out.append(item)
    return out


@bp.get(PREFIX + "/taxonomies")
def taxonomies():
    params.fmt(request.args)
    search = params.text(request.args)
    page, per_page = params.paging(request.args)
    found = queries.find_taxonomies(oruk.catalogue(), search)
    items = [oruk.taxonomy(t) for t in found[(page - 1) * per_page : page * per_page]]
    return jsonify(oruk.page(items, len(found), page, per_page))


@bp.get(PREFIX + "/taxonomies/<taxonomy_id>")
def taxonomy(taxonomy_id):
    found = oruk.catalogue().taxonomy(_path_id(taxonomy_id, "taxonomy"))
    if found is None:
        raise _not_found("taxonomy")
    return jsonify(oruk.taxonomy(found, with_terms=True))


@bp.get(PREFIX + "/taxonomy_terms")
def taxonomy_terms():
    params.fmt(request.args)
    search = params.text(request.args)
    taxonomy_id, parent_id = params.an_id(request.args, "taxonomy_id"), params.an_id(request.args, "parent_id")
    top_only = params.boolean(request.args, "top_only")
    page, per_page = params.paging(request.args)
    found = queries.find_terms(oruk.catalogue(), search, taxonomy_id, parent_id, top_only)
    items = [oruk.taxonomy_term(tax, term) for tax, term in found[(page - 1) * per_page : page * per_page]]
    return jsonify(oruk.page(items, len(found), page, per_page))


@bp.get(PREFIX + "/taxonomy_terms/<term_id>")
def taxonomy_term(term_id):
    found = oruk.catalogue().by_term.get(_path_id(term_id, "taxonomy term"))
    if found is None:
        raise _not_found("taxonomy term")
    return jsonify(oruk.taxonomy_term(*found))


@bp.get("/openapi.json")
def openapi():
    return jsonify(document(vocabulary()))


@bp.get("/api-docs")
def api_docs():
    doc = document(vocabulary())
    return render_template(
        "opendata/api_docs.html",
        doc=doc,
        operations=operations(doc),
        prefix=PREFIX,
        catalogue=oruk.catalogue().taxonomies,
    )
