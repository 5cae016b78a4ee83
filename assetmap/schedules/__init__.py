"""When a group meets: one rule per session, read and written the same way by every form, file and API.

Why: groups do not all meet "every Tuesday". A lunch club meets on the first Monday of the month, a carers'
group every other Thursday, a toddler group in term time only, a walking group from April to September, a
coffee morning not on bank holidays, and a hall closes for a month's repairs. A directory that can only say
"Tuesday 10:00 to 12:00" is wrong about all of them, and a practitioner sends someone to a locked door.

The pieces, all pure Python (no database):

* ``rules``: a ``Session`` (the Open Referral UK 3.0 / RFC 5545 recurrence fields ``freq``, ``interval``,
  ``byday`` with ordinals such as ``1MO`` and ``-1FR``, ``bymonthday``, ``dtstart``, ``valid_from``,
  ``valid_to``, ``opens_at``, ``closes_at``, plus "term time only" and "not on bank holidays"), a listing's
  ``Closure`` ("temporarily closed from … to …"), the checks every session passes whatever it came from, and
  the words pages use for it.
* ``grammar``: the readable text form used by the CSV/xlsx template, history and exports
  (``1st mon 10:00-12:00``, ``every 2 weeks thu from 2026-01-08 14:00-15:30``), documented in the README.
* ``oruk``: the same sessions as ORUK schedule objects, so a feed's schedules import and export unchanged.
* ``calendar``: the dates a session really happens on (python-dateutil's ``rrule``), less bank holidays
  (the ``holidays`` library, England and Wales), school holidays (term dates held per council) and closures;
  and the next session from a moment, in UK local time across clock changes.
* ``search``: the one SQL expression the search uses to ask "does it meet on this day, at this time of day".
"""

from .calendar import Terms, next_session, occurrences
from .grammar import parse_item, parse_session, render_closure, render_session
from .rules import Closure, Session, closure_label, session_label

__all__ = [
    "Closure",
    "Session",
    "Terms",
    "closure_label",
    "next_session",
    "occurrences",
    "parse_item",
    "parse_session",
    "render_closure",
    "render_session",
    "session_label",
]
