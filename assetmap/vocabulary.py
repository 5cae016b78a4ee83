"""The closed lists AssetMap speaks in, each written once: its codes, the labels people read, and the
codes other standards use for it.

Why: the weekdays were once written out nine times, the accessibility features had two label tables whose
texts had drifted apart, and every CHECK constraint repeated its list in SQL. Now parsers, forms, read
models, exports, the ORUK mapper, the OpenAPI document and templates (the ``vocabulary`` Jinja global) read
each list from here, ``models`` builds its CHECK constraints from it, and ``tests/test_vocabulary_schema.py``
checks that the migrated database allows exactly these codes. A database cannot follow a Python module by
itself, so changing a list here needs a migration too; that test fails until there is one and prints it.

Not here: the taxonomy terms (categories, audiences, "what matters", asset types). A council edits those,
so they live in the database (seeded by migration 0002, read through ``taxonomy``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar


@dataclass(frozen=True)
class Word:
    """One value of a closed list."""

    #: what is stored, imported, exported and sent by the APIs; never changes
    code: str
    #: what a person reads: pages, history, exports, ORUK term names
    label: str
    #: a form's line under the choice
    hint: str = ""
    #: how a form offers the choice, where that is worded differently from the label
    form_label: str = ""
    #: published with the value (an ORUK taxonomy term's description)
    description: str = ""


@dataclass(frozen=True)
class Day(Word):
    """A weekday; ``code`` is its RFC 5545 BYDAY code, which ORUK schedules use too."""

    @property
    def short(self) -> str:
        """'mon': how the asset template and history write a session ('mon 10:00-12:00')."""
        return self.label[:3].lower()

    @property
    def word(self) -> str:
        """'monday': the search form's and the search API's value."""
        return self.label.lower()


@dataclass(frozen=True)
class Feature(Word):
    """An accessibility feature of a place."""

    #: words that name it in another publisher's free text (ORUK has no code list for these)
    clues: tuple[str, ...] = ()


W = TypeVar("W", bound=Word)


class Vocabulary(Generic[W]):
    """An ordered closed list: membership, labels, form choices and the SQL that allows only its codes."""

    def __init__(self, *words: W):
        self.words = words
        self.codes = tuple(w.code for w in words)
        self.labels = {w.code: w.label for w in words}
        self._by_code = {w.code: w for w in words}
        if len(self._by_code) != len(words):
            raise ValueError(f"a code is listed twice: {self.codes}")

    def __iter__(self) -> Iterator[W]:
        return iter(self.words)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self._by_code

    def __getitem__(self, code: str) -> W:
        return self._by_code[code]

    def label(self, code: str | None, default: str | None = None) -> str:
        """The code's label; an unknown code reads as itself (or ``default``)."""
        word = self._by_code.get(code) if isinstance(code, str) else None
        if word is not None:
            return word.label
        return (code or "") if default is None else default

    def choices(self) -> list[tuple[str, str, str]]:
        """(code, label, hint) for the ``choices`` form macro, in order."""
        return [(w.code, w.form_label or w.label, w.hint) for w in self.words]

    def either(self) -> str:
        """'public, practitioners or confidential': the codes as a message lists them."""
        return f"{', '.join(self.codes[:-1])} or {self.codes[-1]}" if len(self.codes) > 1 else self.codes[0]

    def position(self, code: str) -> int:
        """The code's place in the list, for sorting; unknown codes sort last."""
        return self.codes.index(code) if code in self else len(self.codes)

    def in_order(self, codes: Iterable[str]) -> list[str]:
        """The known codes among ``codes``, once each, in the list's order."""
        given = set(codes)
        return [c for c in self.codes if c in given]

    def sql_one_of(self, column: str, nullable: bool = False) -> str:
        """A CHECK expression: ``column`` holds one of the codes (or NULL when ``nullable``)."""
        check = f"{column} IN ({_sql_list(self.codes)})"
        return f"{column} IS NULL OR {check}" if nullable else check

    def sql_some_of(self, column: str) -> str:
        """A CHECK expression: the text array ``column`` holds at least one code and nothing else."""
        return f"{column} <@ ARRAY[{_sql_list(self.codes)}]::text[] AND cardinality({column}) > 0"


def _sql_list(codes: Iterable[str]) -> str:
    return ",".join("'" + c.replace("'", "''") + "'" for c in codes)


# --------------------------------------------------------------------------- schedules

DAYS: Vocabulary[Day] = Vocabulary(
    Day("MO", "Monday"),
    Day("TU", "Tuesday"),
    Day("WE", "Wednesday"),
    Day("TH", "Thursday"),
    Day("FR", "Friday"),
    Day("SA", "Saturday"),
    Day("SU", "Sunday"),
)
#: every way a day may be written in a session or feed ('mo', 'mon', 'monday'; any case) -> its code
_DAY_WORDS = {w: d.code for d in DAYS for w in (d.code.lower(), d.short, d.word)}


def byday_pattern() -> str:
    """The POSIX pattern of an RFC 5545 BYDAY list ('MO,WE', '1MO,-1FR'), for the schedule table's CHECK."""
    item = f"([+-]?[1-5])?({'|'.join(DAYS.codes)})"
    return f"^{item}(,{item})*$"


def day_code(text: str) -> str | None:
    """'mo', 'Mon', 'MONDAY' -> 'MO'; None for anything else."""
    return _DAY_WORDS.get(text.strip().lower()) if isinstance(text, str) else None


def day_short(text: str) -> str | None:
    """'MO', 'mo', 'mon', 'Monday' -> 'mon' (how sessions are written); None for anything else."""
    code = day_code(text)
    return DAYS[code].short if code else None


@dataclass(frozen=True)
class PartOfDay(Word):
    """A part of the day a search can ask for: a session counts when it overlaps [starts, ends)."""

    starts: dt.time = dt.time(0, 0)
    ends: dt.time = dt.time(23, 59, 59)


PARTS_OF_DAY: Vocabulary[PartOfDay] = Vocabulary(
    PartOfDay("morning", "Morning (before 12 noon)", starts=dt.time(0, 0), ends=dt.time(12, 0)),
    PartOfDay("afternoon", "Afternoon (12 noon to 5pm)", starts=dt.time(12, 0), ends=dt.time(17, 0)),
    PartOfDay("evening", "Evening (after 5pm)", starts=dt.time(17, 0), ends=dt.time(23, 59, 59)),
)

# --------------------------------------------------------------------------- searching


@dataclass(frozen=True)
class CostBand(Word):
    """The most a person can pay: listings with a way to take part for at most ``up_to`` pounds."""

    up_to: float = 0.0


COST_BANDS: Vocabulary[CostBand] = Vocabulary(
    CostBand("free", "Free", up_to=0.0),
    CostBand("up-to-3", "Up to £3", up_to=3.0),
    CostBand("up-to-5", "Up to £5", up_to=5.0),
)


@dataclass(frozen=True)
class Pace(Word):
    """A walking pace for the minutes a search shows."""

    metres_per_minute: float = 75.0


#: about 3 mph (75 m a minute) is a common adult pace; 2 mph slower; 1 mph nearer that of someone with a walking frame or stick
#: (older adults using a frame walk at about 0.4 to 0.6 metres a second)
WALKING_PACES: Vocabulary[Pace] = Vocabulary(
    Pace("average", "Average pace (about 3 mph)", metres_per_minute=75.0),
    Pace("slower", "Slower pace (2 mph)", metres_per_minute=54.0),
    Pace("walking-aid", "With a walking aid such as a frame or stick (1 mph)", metres_per_minute=27.0),
)
#: how results are ordered
SORT_ORDERS: Vocabulary[Word] = Vocabulary(
    Word("best", "Best match", hint="The words that match, and nearness, together"),
    Word("nearest", "Nearest first"),
)


#: how a session repeats (RFC 5545 FREQ, as ORUK 3.0 allows it); a one-off session has none
#: (``assetmap.schedules`` holds the rules)
FREQUENCIES: Vocabulary[Word] = Vocabulary(Word("WEEKLY", "Weekly"), Word("MONTHLY", "Monthly"))


# --------------------------------------------------------------------------- assets

MODES: Vocabulary[Word] = Vocabulary(
    Word("in_person", "In person", form_label="In person, at a place", description="Go to a place to take part."),
    Word("online", "Online", description="Take part online."),
    Word("phone", "By phone", description="Take part by telephone."),
)
VISIBILITY: Vocabulary[Word] = Vocabulary(
    Word("public", "Public", hint="Anyone can find it, including the public."),
    Word("practitioners", "Practitioners only", hint="Only signed-in staff can find it."),
    Word(
        "confidential",
        "Confidential location",
        hint="For example a refuge. Staff can find it, but the address and map position are shown only to the "
        "coordinators who look after it; others see just the ward.",
    ),
)
VERIFICATION_METHODS: Vocabulary[Word] = Vocabulary(
    Word("visited", "Visited", form_label="Yes, I visited"),
    Word("phoned", "Phoned", form_label="Yes, I phoned them"),
    Word("emailed", "Emailed", form_label="Yes, by email"),
    Word("self-reported", "Self-reported by the group", form_label="The group told us themselves"),
    Word("organiser", "Confirmed by the organiser", hint="Through the link in a reminder email."),
)
#: what a coordinator may choose when they mark a listing "still accurate" ("organiser" is the link's alone)
STAFF_VERIFICATION_METHODS: Vocabulary[Word] = Vocabulary(*(w for w in VERIFICATION_METHODS if w.code != "organiser"))
#: the methods that mean the group itself said so: "checked by the organiser on ..." (others: "by the council")
ORGANISER_METHODS = frozenset({"organiser", "self-reported"})
#: a place's accessibility features, in the order pages and feeds list them
ACCESSIBILITY: Vocabulary[Feature] = Vocabulary(
    Feature("wheelchair", "Wheelchair accessible", clues=("wheelchair",)),
    Feature("step-free", "Step-free access", clues=("step-free", "step free", "level access", "ramp", "lift to all")),
    Feature(
        "accessible-toilet", "Accessible toilet", clues=("accessible toilet", "disabled toilet", "changing places")
    ),
    Feature("hearing-loop", "Hearing loop", clues=("hearing loop", "induction loop", "loop system")),
    Feature("quiet-space", "Quiet space", clues=("quiet space", "quiet room")),
    Feature("large-print", "Large print", clues=("large print",)),
    Feature("bsl", "British Sign Language", clues=("bsl", "sign language")),
)
#: ORUK service statuses (only active services are listed; the others come in from feeds and are skipped)
SERVICE_STATUSES: Vocabulary[Word] = Vocabulary(
    Word("active", "Active"),
    Word("inactive", "Inactive"),
    Word("defunct", "Defunct"),
    Word("temporarily closed", "Temporarily closed"),
)
#: ORUK location types
LOCATION_TYPES: Vocabulary[Word] = Vocabulary(
    Word("physical", "A place you can go to"),
    Word("postal", "A postal address"),
    Word("virtual", "Online"),
)
#: what a line of an asset's history records
CHANGE_ACTIONS: Vocabulary[Word] = Vocabulary(
    Word("create", "Added"),
    Word("update", "Changed"),
    Word("import", "Imported"),
    Word("archive", "Archived"),
    Word("unarchive", "Restored from the archive"),
    Word("verify", "Checked: still accurate"),
    Word("restore", "Restored an earlier version"),
    Word("steward", "Steward changed"),
    Word("merge", "Merged with a duplicate"),
    Word("merged", "Merged into another listing"),
    Word("proposal", "Changed as the organiser proposed"),
)


# --------------------------------------------------------------------------- community suggestions

SUGGESTION_KINDS: Vocabulary[Word] = Vocabulary(Word("new_asset", "New asset"), Word("problem", "Problem"))
SUGGESTION_STATUSES: Vocabulary[Word] = Vocabulary(
    Word("open", "Open"), Word("accepted", "Accepted"), Word("rejected", "Rejected")
)
PROBLEM_TYPES: Vocabulary[Word] = Vocabulary(
    Word("closed", "It has closed or stopped running"),
    Word("wrong_time", "The days or times are wrong"),
    Word("wrong_contact", "The contact details are wrong"),
    Word("not_suitable", "It is not suitable for the people it says it is for"),
    Word("other", "Something else"),
)


# --------------------------------------------------------------------------- organisers

#: how an organiser agreed to be emailed about their listing (kept with the date it was recorded)
CONSENT_METHODS: Vocabulary[Word] = Vocabulary(
    Word("phone", "On the phone"),
    Word("in_person", "In person"),
    Word("email", "By email"),
    Word("form", "On a paper or online form"),
    Word("link", "Through their own reminder link"),
)
#: what an organiser proposed through their link: a change to the listing, or that it has stopped
PROPOSAL_KINDS: Vocabulary[Word] = Vocabulary(
    Word("change", "Something has changed"), Word("closure", "No longer running")
)
#: where a proposed update is: waiting for the steward, or dealt with (all, some or none of it taken)
PROPOSAL_STATUSES: Vocabulary[Word] = Vocabulary(
    Word("open", "Waiting"),
    Word("accepted", "Accepted"),
    Word("partly", "Partly accepted"),
    Word("rejected", "Turned down"),
)
#: what someone may stop getting by the unsubscribe link at the foot of an email
OPTOUT_PURPOSES: Vocabulary[Word] = Vocabulary(
    Word("reminders", "Reminders to check a listing"),
    Word("digest", "The daily digest"),
    Word("account", "Invitations and password links"),
)


# --------------------------------------------------------------------------- people

ROLES: Vocabulary[Word] = Vocabulary(
    Word("admin", "Administrator", hint="Manages users and can change every asset."),
    Word("coordinator", "Coordinator", hint="Adds and keeps assets up to date in the wards or constituencies below."),
    Word("practitioner", "Practitioner", hint="Searches, shortlists and logs connections."),
    Word("commissioner", "Commissioner", hint="Reads everything including coverage; changes nothing."),
)
#: what a coordinator is assigned: a ward, or a constituency (all its wards)
AREA_TYPES: Vocabulary[Word] = Vocabulary(Word("ward", "Ward"), Word("constituency", "Constituency"))
#: a practitioner's follow-up answers (did they go, did it help)
FOLLOWUP_ANSWERS: Vocabulary[Word] = Vocabulary(Word("yes", "Yes"), Word("no", "No"), Word("not_known", "Not known"))
#: what a sign-in throttle counts failures by
THROTTLE_SCOPES: Vocabulary[Word] = Vocabulary(Word("account", "Account"), Word("address", "Client address"))


# --------------------------------------------------------------------------- mail and scheduled work

#: how a queued message is sent
MESSAGE_KINDS: Vocabulary[Word] = Vocabulary(Word("email", "Email"), Word("sms", "Text message"))
#: where a queued message is: waiting (and retried), delivered, given up, or not sent to an unreachable recipient
OUTBOX_STATUSES: Vocabulary[Word] = Vocabulary(
    Word("queued", "Queued"),
    Word("sent", "Sent"),
    Word("failed", "Failed"),
    Word("suppressed", "Not sent: the recipient cannot be reached"),
)
#: how a scheduled job's last run ended
JOB_STATUSES: Vocabulary[Word] = Vocabulary(Word("ok", "Succeeded"), Word("failed", "Failed"))
