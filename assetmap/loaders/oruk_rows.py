"""A coordinator's Open Referral UK (3.0) upload -> rows in the asset CSV template's field names.

Accepts a single service, a list of services, or a paginated ORUK response (``{"contents": [...]}``, or
version 1's ``{"content": [...]}`` with its services' version 1 names, read as ``opendata.feed`` reads them).
Each service is mapped exactly as a feed import maps it (``assetmap.opendata.mapping``: one asset per
place, taxonomy terms found by id, URI, code or name, weekly sessions, service areas naming a ward);
unlike a feed, a service needs no id, and nothing is left out quietly: every row is then validated by
the same ``parse_record`` as any other import, so the report lists each error to correct. A service
that cannot become an asset at all (no name, nowhere to place it) is reported against its number.
"""

from __future__ import annotations

from ..errors import ValidationError
from .assets import RowError


def services_in(obj) -> list:
    """The list of service objects in an ORUK document."""
    if isinstance(obj, list):
        return obj
    if isinstance(obj, dict) and isinstance(obj.get("contents"), list):
        return obj["contents"]
    if isinstance(obj, dict) and isinstance(obj.get("content"), list):
        return obj["content"]
    if isinstance(obj, dict) and "name" in obj:
        return [obj]
    raise ValidationError(
        'This is not Open Referral UK JSON: expected a service, a list of services or a page with "contents"'
    )


def oruk_rows(
    obj, vocab: dict[str, set[str]], ward_names: dict[str, str]
) -> tuple[list[dict], list[int], list[RowError], list[str]]:
    """(rows, the number of the service each row came from, refused services, notes)."""
    from ..opendata.feed import upgrade_v1
    from ..opendata.mapping import Skip, TermIndex, map_service
    from ..opendata.oruk import catalogue

    index, known = TermIndex(catalogue()), set(ward_names)
    rows, numbers, errors, notes = [], [], [], []
    for n, svc in enumerate(services_in(obj), start=1):
        try:
            m = map_service(
                upgrade_v1(svc), index, vocab, known, ward_names=ward_names, require_id=False, validate=False
            )
        except Skip as exc:
            errors.append(RowError(n, "service", f"This service cannot become an asset: {exc}"))
            continue
        rows.extend(m.rows)
        numbers.extend([n] * len(m.rows))
        notes.extend(f"Service {n} ({m.name}): {note}" for note in dict.fromkeys(m.notes))
        if m.unmapped_terms:
            notes.append(
                f"Service {n} ({m.name}): taxonomy terms we do not hold were left out: "
                + ", ".join(dict.fromkeys(m.unmapped_terms))
            )
        if m.defaulted_category:
            notes.append(f"Service {n} ({m.name}): no category we hold, so it is listed as information and advice")
    return rows, numbers, errors, notes
