"""Search synonyms the admin keeps on the terms page: groups of words and phrases that mean the same thing
to someone searching ("grief", "bereavement"). The search expands what was typed with the rest of the group,
both ways (``practitioners.words``); it reads the groups again within a minute of a change.

A phrase is kept as the search reads it: lower case, single spaces, 2 to 60 characters of letters, digits,
spaces, hyphens and apostrophes. A group holds 2 to 20 phrases.
"""

from __future__ import annotations

import re
import uuid

from sqlalchemy import delete, select

from ...db import session, transaction
from ...errors import NotFound, ValidationError
from ...models import SearchSynonym

PHRASE = re.compile(r"[^\W_][\w' -]{0,58}[^\W_]", re.UNICODE)
MAX_GROUP = 20


class Invalid(ValidationError):
    pass


def parse_group(raw) -> list[str]:
    """The phrases of a group as typed, one per comma or line; Invalid with a plain-English message."""
    if not isinstance(raw, str):
        raise Invalid("Enter the words that mean the same, separated by commas", field="phrases")
    phrases = list(dict.fromkeys(" ".join(p.lower().split()) for p in re.split(r"[,\n]", raw) if p.strip()))
    if len(phrases) < 2:
        raise Invalid("Enter at least two words or phrases, separated by commas", field="phrases")
    if len(phrases) > MAX_GROUP:
        raise Invalid(f"A group can hold at most {MAX_GROUP} words or phrases", field="phrases")
    bad = [p for p in phrases if not PHRASE.fullmatch(p)]
    if bad:
        raise Invalid(
            f"“{bad[0][:60]}” cannot be used: use 2 to 60 letters, digits, spaces, hyphens or apostrophes",
            field="phrases",
        )
    return phrases


def groups() -> list[tuple[uuid.UUID, list[str]]]:
    """Every group, its phrases in alphabetical order; groups by their first phrase."""
    rows = session.execute(select(SearchSynonym.group_id, SearchSynonym.phrase).order_by(SearchSynonym.phrase)).all()
    found: dict[uuid.UUID, list[str]] = {}
    for group_id, phrase in rows:
        found.setdefault(group_id, []).append(phrase)
    return sorted(found.items(), key=lambda kv: kv[1][0])


def add_group(raw) -> uuid.UUID:
    """Add a group of synonyms (a comma-separated string or a list)."""
    phrases = parse_group(", ".join(raw) if isinstance(raw, list) else raw)
    group_id = uuid.uuid4()
    with transaction():
        session.add_all(SearchSynonym(group_id=group_id, phrase=p) for p in phrases)
    return group_id


def remove_group(group_id) -> list[str]:
    try:
        gid = uuid.UUID(str(group_id))
    except ValueError:
        raise NotFound("That group of synonyms does not exist.") from None
    with transaction():
        gone = session.execute(
            delete(SearchSynonym).where(SearchSynonym.group_id == gid).returning(SearchSynonym.phrase)
        )
        phrases = [p for (p,) in gone]
    if not phrases:
        raise NotFound("That group of synonyms has already been removed.")
    return phrases
