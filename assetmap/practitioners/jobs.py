"""The search's own upkeep: the lexicon spelling correction reads (``search_lexicon``, migration 0011).

Triggers add a listing's, term's or synonym's words as they are written, but never take words away (so no
edit waits on another's lexicon rows); this daily job drops words nothing live uses any more and words that
stopped being in a public listing, so the public are never offered them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from ..db import session, transaction
from ..jobs import job


@job("search-lexicon", every="1d")
def rebuild_lexicon(now: dt.datetime) -> str:
    """Tidy the spelling lexicon: words no live listing, term or synonym holds go; public flags are redone."""
    with transaction():
        changed = session.execute(text("SELECT search_lexicon_rebuild()")).scalar_one()
    return f"{changed} lexicon words added, changed or removed"
