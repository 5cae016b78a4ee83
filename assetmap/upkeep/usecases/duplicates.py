"""Duplicates, for coordinators: what a listing may duplicate, merging two listings, "not duplicates", the list of
likely pairs in their wards and the council report.

Finding is the directory's (``directory.duplicates``: candidates by index, scored in Python, a confidential place
used only for those who may see it). Merging is one transaction: both listings are locked and must be the
versions the coordinator compared, both must be theirs to edit, the chosen fields are validated as a whole
(``parse_record``) and must stay in their wards; the store then folds one listing into the other
(``store.merge_assets``: histories kept, connections and suggestions moved, the other's address redirected).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from ...db import session, transaction
from ...directory import access, duplicates, store
from ...directory.duplicates import Match, Pair, Probe, Viewer
from ...directory.records import AssetRecord, parse_record
from ...errors import AppError, NotFound, ValidationError
from ...models import Constituency, LocalAuthority, Service, Ward
from .. import queries
from ..merging import BOTH, BY_KEY, A, B, combine, default_choice, differing


class PossibleDuplicates(AppError):
    """A new listing looks like listings already held: the coordinator is asked before it is added."""

    status = 409
    title = "This may already be listed"

    def __init__(self, matches: list[Match]):
        super().__init__(
            "This looks like a listing that is already held. Check the listings below before adding it.",
            extra={"possible_duplicates": [as_json(m) for m in matches]},
        )
        self.matches = matches


def as_json(m: Match) -> dict:
    """A match as the API shows it (no place: the reasons say only what the caller may know)."""
    return {
        "id": str(m.other.id),
        "name": m.other.name,
        "ward": m.other.ward,
        "score": m.score.total,
        "alike": [r.says for r in m.score.alike],
        "differ": [r.says for r in m.score.differ],
    }


def _editor(user) -> None:
    if access.role_of(user) not in ("admin", "coordinator"):
        access.deny(user, "duplicates")


def check_new(user, rec: AssetRecord, checked: list | None) -> list[Match]:
    """Before a listing is added by a coordinator: the likely duplicates it has. ``checked`` are the listings
    they were shown and said it is not (None: do not stop, as the API does); any other match stops the adding
    (``PossibleDuplicates``)."""
    matches = duplicates.find(Viewer.of(user), [Probe.of_record(rec)])[0]
    if checked is not None:
        seen = {str(c) for c in checked}
        if any(str(m.other.id) not in seen for m in matches):
            raise PossibleDuplicates(matches)
    return matches


def after_adding(user, service: Service, matches: list[Match]) -> None:
    """The coordinator added it having seen these: they are not raised again."""
    for m in matches:
        duplicates.mark_not_duplicates(service.id, m.other.id, actor_id=user.id)


def of_listing(user, service_id) -> list[Match]:
    """The likely duplicates of a listing the user may read (the edit page, the API)."""
    service = access.readable_service(user, service_id, include_archived=True)
    if service.archived_at is not None:
        return []
    return duplicates.duplicates_of(Viewer.of(user), service.id)


def of_records(user, records: list[AssetRecord]) -> list[list[Match]]:
    """Likely duplicates of listings not held yet (an import's new rows, a suggestion)."""
    return duplicates.find(Viewer.of(user), [Probe.of_record(r) for r in records])


def of_suggestion(user, suggestion) -> list[Match]:
    """A community suggestion of a new listing: the listings it may already be."""
    p = suggestion.proposed or {}
    lon_lat = queries.suggestion_point(suggestion.id)
    probe = Probe(
        name=p.get("name") or "",
        description=p.get("description") or "",
        lon=lon_lat[0] if lon_lat else None,
        lat=lon_lat[1] if lon_lat else None,
        url=p.get("website") or None,
    )
    return duplicates.find(Viewer.of(user), [probe])[0] if probe.name else []


def not_duplicates(user, a_id, b_id) -> bool:
    """Record that two listings are not the same: the user must read both and look after one of them."""
    _editor(user)
    if str(a_id) == str(b_id):
        raise ValidationError("Choose two different listings")
    with transaction():
        a = access.readable_service(user, a_id)
        b = access.readable_service(user, b_id)
        if not (access.can_edit(user, a) or access.can_edit(user, b)):
            access.deny(user, "not-duplicates", a.id)
        return duplicates.mark_not_duplicates(a.id, b.id, actor_id=user.id)


# --------------------------------------------------------------------------- comparing and merging


def comparison(user, a_id, b_id) -> dict:
    """Both listings as the merge page shows them, the groups that differ and the default choices."""
    _editor(user)
    if str(a_id) == str(b_id):
        raise ValidationError("A listing cannot be merged with itself")
    a = access.editable_service(user, a_id, action="merge")
    b = access.editable_service(user, b_id, action="merge")
    for s in (a, b):
        if s.archived_at is not None:
            raise ValidationError(f"“{s.name}” is archived: restore it first if it should be merged")
    snaps = store.snapshots([a, b])
    survivor = A if (a.created_at, str(a.id)) <= (b.created_at, str(b.id)) else B
    groups = differing(snaps[a.id], snaps[b.id])
    score = duplicates.compare_held(Viewer.of(user), a.id, b.id)
    return {
        "a": a,
        "b": b,
        "snap_a": snaps[a.id],
        "snap_b": snaps[b.id],
        "groups": groups,
        "survivor": survivor,
        "defaults": {g.key: default_choice(g, snaps[a.id], snaps[b.id], survivor) for g in groups},
        "score": score,
        "wards": access.ward_names(
            set(snaps[a.id]["service_area_wards"])
            | set(snaps[b.id]["service_area_wards"])
            | access.service_wards(a.id)
            | access.service_wards(b.id)
        ),
    }


def _choices(raw: dict) -> tuple[str, dict[str, str]]:
    survivor = raw.get("survivor")
    if survivor not in (A, B):
        raise ValidationError("Choose which listing's web address and history to keep", field="survivor")
    choices = {}
    for key, value in raw.items():
        group = BY_KEY.get(key)
        if group is None:
            continue
        if value not in (A, B) and not (value == BOTH and group.combinable):
            raise ValidationError(f"Choose which {group.label.lower()} to keep", field=key)
        choices[key] = value
    return survivor, choices


def merge(user, a_id, b_id, raw: dict, versions: tuple[int, int]) -> tuple[Service, Service]:
    """Fold one listing into the other with the chosen fields; returns (survivor, merged)."""
    _editor(user)
    if str(a_id) == str(b_id):
        raise ValidationError("A listing cannot be merged with itself")
    survivor_key, choices = _choices(raw)
    with transaction():
        first, second = sorted([uuid.UUID(str(a_id)), uuid.UUID(str(b_id))], key=lambda u: u.bytes)
        locked = {
            sid: access.editable_service(user, sid, action="merge", lock=True) for sid in (first, second)
        }  # always in one order, so two merges of one pair cannot deadlock
        a, b = locked[uuid.UUID(str(a_id))], locked[uuid.UUID(str(b_id))]
        store.check_version(a, versions[0])
        store.check_version(b, versions[1])
        for s in (a, b):
            if s.archived_at is not None:
                raise ValidationError(f"“{s.name}” is archived: restore it first if it should be merged")
        snaps = store.snapshots([a, b])
        survivor, other = (a, b) if survivor_key == A else (b, a)
        raw_fields = combine(snaps[a.id], snaps[b.id], choices, survivor_key)
        rec = parse_record({**raw_fields, "source_id": survivor.source_id}, store.vocabulary(), store.known_wards())
        old = access.service_wards(a.id) | access.service_wards(b.id)
        access.require_scope(
            user,
            access.record_wards(rec),
            old,
            action="merge",
            asset_id=survivor.id,
            area_wards=set(rec.service_area_wards),
        )
        store.merge_assets(survivor, other, rec, actor_id=user.id)
    return survivor, other


# --------------------------------------------------------------------------- lists of pairs


def pairs_for(user, constituency: str | None = None) -> tuple[list[Pair], str | None]:
    """Likely pairs with a listing in the user's wards (a coordinator), or in a constituency they choose (an
    admin, who must choose one: a whole council is the command line's report). Returns (pairs, area name)."""
    _editor(user)
    mine = access.editable_wards(user)
    if constituency:
        wards = set(session.execute(select(Ward.code).where(Ward.constituency_code == constituency)).scalars())
        if not wards:
            raise NotFound("There is no constituency with that code.")
        if mine is not None:
            wards &= mine
        name = session.execute(select(Constituency.name).where(Constituency.code == constituency)).scalar_one()
    elif mine is None:
        return [], None
    else:
        wards, name = mine, None
    return duplicates.pairs(Viewer.of(user), duplicates.live_ids_in_wards(wards)), name


def council_report(council: str) -> tuple[str, list[Pair]]:
    """Every likely pair in a council (code or exact name), for ``assetmap duplicates report``: listings by
    name, a confidential one never by its place."""
    la = session.execute(
        select(LocalAuthority).where(
            (LocalAuthority.code == council.strip()) | (LocalAuthority.name == council.strip())
        )
    ).scalar_one_or_none()
    if la is None:
        raise NotFound(f"No council has the code or name {council!r}.")
    wards = set(session.execute(select(Ward.code).where(Ward.lad_code == la.code)).scalars())
    return la.name, duplicates.pairs(duplicates.REPORT_VIEWER, duplicates.live_ids_in_wards(wards))
