"""Merging two listings, field by field: which fields are chosen together, and the listing the choices make.

Pure (no database): the merge page shows a choice for each group of fields on which the two listings differ;
``combine`` builds the survivor's fields from the choices, and the record parser then validates the whole, as
for any edit. A place is chosen as a whole (address, postcode, pin, directions and accessibility describe one
building), so is the cost; lists may also be combined ("both"). When each listing was last checked is not a
choice: the later check is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..directory.store import as_input

A, B, BOTH = "a", "b", "both"


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    fields: tuple[str, ...]
    #: a list whose two values can be combined
    combinable: bool = False


GROUPS = (
    Group("name", "Name", ("name",)),
    Group("organisation", "Organisation", ("organisation",)),
    Group("description", "Description", ("description",)),
    Group("categories", "Categories", ("categories",), combinable=True),
    Group("audiences", "Who it is for", ("audiences",), combinable=True),
    Group("capabilities", "What matters", ("capabilities",), combinable=True),
    Group("asset_type", "Asset type", ("asset_type",)),
    Group("modes", "How people take part", ("modes",), combinable=True),
    Group("place", "Place", ("address", "postcode", "lat", "lon", "how_to_get_there", "accessibility")),
    Group("service_area_wards", "Wards it covers", ("service_area_wards",), combinable=True),
    Group("schedule", "Weekly sessions", ("schedule",), combinable=True),
    Group("cost", "Cost", ("cost_amount", "cost_description")),
    Group("contact_name", "Contact name", ("contact_name",)),
    Group("email", "Email", ("email",)),
    Group("phone", "Phone", ("phone",)),
    Group("url", "Website", ("url",)),
    Group("charity_number", "Charity number", ("charity_number",)),
    Group("visibility", "Who can see it", ("visibility",)),
)
BY_KEY = {g.key: g for g in GROUPS}
#: a record field -> the group it is chosen in (an error on it is shown at that choice)
GROUP_OF = {f: g.key for g in GROUPS for f in g.fields}


def _part(snapshot: dict, group: Group) -> tuple:
    return tuple(snapshot.get(f) for f in group.fields)


def _empty(values: tuple) -> bool:
    return all(v in (None, "", []) for v in values)


def differing(a: dict, b: dict) -> list[Group]:
    """The groups on which the two listings say different things (each needs a choice)."""
    return [g for g in GROUPS if _part(a, g) != _part(b, g)]


def default_choice(group: Group, a: dict, b: dict, survivor: str) -> str:
    """The survivor's value, unless it has none and the other has one."""
    mine, theirs = (a, b) if survivor == A else (b, a)
    if _empty(_part(mine, group)) and not _empty(_part(theirs, group)):
        return B if survivor == A else A
    return survivor


def combine(a: dict, b: dict, choices: dict[str, str], survivor: str) -> dict:
    """The survivor's fields (``parse_record`` input) from two snapshots and a choice (a, b or both) per group
    that differs; a group with no choice takes the survivor's value."""
    base = dict(a if survivor == A else b)
    for group in differing(a, b):
        choice = choices.get(group.key) or survivor
        if choice == BOTH and group.combinable:
            for f in group.fields:
                base[f] = list(dict.fromkeys([*(a.get(f) or []), *(b.get(f) or [])]))
            continue
        source = a if choice == A else b
        for f in group.fields:
            base[f] = source.get(f)
    checks = [s for s in (a, b) if s.get("last_verified")]
    if checks:
        latest = max(checks, key=lambda s: s["last_verified"])
        base["last_verified"], base["verification_method"] = latest["last_verified"], latest["verification_method"]
    return as_input(base)
