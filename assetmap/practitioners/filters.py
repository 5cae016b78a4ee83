"""The search's filters, one small SQL expression builder each, with named parameters bound at execute time.

Each builder is given only what decides the statement's structure (is the filter there, how many ideas do
the words hold) and reads its values from named parameters, so ``queries`` can build a statement once per
"shape" of search and reuse it. Within a list any value will do; the accessibility features chosen must
all be at one of the listing's places; the filters combine with *and*.

``sessions_filter`` is the one place that says when a listing "is on": on one of the chosen days, in one of
the chosen parts of the day, in the next seven days. It reads sessions (``schedule``: byday, opens,
closes, valid from/to) through the schedules' own rule for which weekdays a session falls on.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Date,
    Float,
    Integer,
    String,
    Text,
    Time,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import TSQUERY, UUID
from sqlalchemy.orm import aliased
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ColumnElement

from ..models import (
    Accessibility,
    Attribute,
    CostOption,
    MarkerPoint,
    Schedule,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from ..schedules.search import schedule_weekdays
from ..vocabulary import ACCESSIBILITY, DAYS, PARTS_OF_DAY


def p(name: str, type_, expanding: bool = False):
    """A named parameter with no value of its own: executing without a value for it is an error."""
    return bindparam(name, type_=type_, expanding=expanding, required=True)


def exists_or_probe(*conds, probe: bool = False, correlate_except=None) -> ColumnElement:
    """``EXISTS (… WHERE conds)``; or, with ``probe``, the same test as a lookup made for each row that
    reaches it (``(SELECT 1 … LIMIT 1) IS NOT NULL``), which PostgreSQL cannot turn into a join. The near
    view's nearest-neighbour scan uses probes so that it stays the statement's driver: with EXISTS the
    planner started a 10-mile search in central London at 1,000,000 assets from the 125,000 listings of a
    category (1.1-2.3 s) instead of walking the nearest places until 1,001 matched."""
    if not probe:
        q = exists().where(*conds)
        return q.correlate_except(correlate_except) if correlate_except is not None else q
    q = select(literal(1)).where(*conds).limit(1)
    if correlate_except is not None:
        q = q.correlate_except(correlate_except)
    return q.scalar_subquery().is_not(None)


def term_filter(taxonomy: str, probe: bool = False) -> ColumnElement:
    """Tagged with one of the codes ``:<taxonomy>`` of that taxonomy."""
    return exists_or_probe(
        Attribute.service_id == Service.id,
        Attribute.taxonomy_term_id == TaxonomyTerm.id,
        TaxonomyTerm.taxonomy_id == Taxonomy.id,
        Taxonomy.code == taxonomy,
        TaxonomyTerm.code.in_(p(taxonomy, String, expanding=True)),
        probe=probe,
    )


def cost_filter(probe: bool = False) -> ColumnElement:
    """A way to take part that costs at most ``:cost_up_to`` pounds (0: free)."""
    return exists_or_probe(
        CostOption.service_id == Service.id, CostOption.amount <= p("cost_up_to", Float), probe=probe
    )


def access_filter(probe: bool = False) -> ColumnElement:
    """A place of the listing with every feature in ``:access`` (``:access_n`` of them)."""
    sal = aliased(ServiceAtLocation)
    features = (
        select(func.count())
        .where(
            Accessibility.location_id == sal.location_id,
            Accessibility.kind.in_(p("access", String, expanding=True)),
        )
        .correlate(sal)
        .scalar_subquery()
    )
    return exists_or_probe(
        sal.service_id == Service.id, features == p("access_n", Integer), probe=probe, correlate_except=sal
    )


def mode_filter() -> ColumnElement:
    """Offered in one of the ways ``:modes`` (in person, online, by phone)."""
    return Service.modes.op("&&")(p("modes", ARRAY(Text)))


def sessions_filter(days: bool, parts: bool, this_week: bool, probe: bool = False) -> ColumnElement:
    """A session on one of ``:bydays`` (RFC 5545 codes), overlapping one of the parts of the day
    ``:part_starts[i]``–``:part_ends[i]``, and (``this_week``) due to meet within ``:today`` to ``:week_end``.

    Which weekday a session falls on is the schedules' rule (``schedules.search.schedule_weekdays``: weekly,
    every N weeks, 1st/last weekday of the month, or a one-off's own day; dates of the month match no day).
    A session counts while it is valid: never one that ended before today, nor a one-off in the past. "This
    week" asks that its season (``valid_from``) and its first date (``dtstart``) be no later than
    ``:week_end``; a monthly session (1st Monday) that has started counts, although its next date may be
    later in the month: the results' next-session line gives the real date (term time, bank holidays and a
    closure allowed for)."""
    if not (days or parts or this_week):
        return true()
    today = p("today", Date)
    conds = [
        Schedule.service_id == Service.id,
        or_(Schedule.valid_to.is_(None), Schedule.valid_to >= today),
        or_(Schedule.freq.is_not(None), Schedule.dtstart >= today),
    ]
    if days:
        conds.append(schedule_weekdays().op("&&")(cast(p("bydays", ARRAY(String)), ARRAY(String))))
    if parts:
        part = (
            func.unnest(p("part_starts", ARRAY(Time)), p("part_ends", ARRAY(Time)))
            .table_valued("starts", "ends")
            .render_derived(name="part")
        )
        conds.append(
            exists().select_from(part).where(Schedule.opens_at < part.c.ends, Schedule.closes_at > part.c.starts)
        )
    if this_week:
        week_end = p("week_end", Date)
        conds += [
            or_(Schedule.valid_from.is_(None), Schedule.valid_from <= week_end),
            or_(Schedule.dtstart.is_(None), Schedule.dtstart <= week_end),
        ]
    return exists_or_probe(*conds, probe=probe)


# --------------------------------------------------------------------------- words


def tsquery(index: int | str, prefix: bool) -> ColumnElement:
    """The text query of idea ``index`` (or ``all``, ``name``): ``:q<index>_en`` in English (stems and
    phrases), with ``:q<index>_px`` as prefixes ('autis:*') when ``prefix``."""
    query = func.to_tsquery("english", p(f"q{index}_en", String))
    if prefix:
        query = query.op("||")(func.to_tsquery("simple", p(f"q{index}_px", String)))
    return query


@dataclass(frozen=True)
class Copies:
    """Where the words are tested when not on the service itself: a row's copies of its text (``search_tsv``)
    and of its terms as 'taxonomy:code' (``marker_point``'s, migrations 0015, 0017)."""

    tsv: ColumnElement
    terms: ColumnElement


def has_term(index: int | str, copies: Copies | None = None) -> ColumnElement:
    """Tagged with one of the terms ``:q<index>_terms`` (the categories, audiences or "what matters" the
    words name); on ``copies``, its terms hold one of them (``:q<index>_tcodes``, the same as 'taxonomy:code':
    the words name terms of the taxonomies ``marker_point.terms`` carries only, ``words._read_terms``)."""
    if copies is not None:
        return copies.terms.op("&&")(p(f"q{index}_tcodes", ARRAY(Text)))
    return exists().where(
        Attribute.service_id == Service.id,
        Attribute.taxonomy_term_id.in_(p(f"q{index}_terms", UUID(as_uuid=True), expanding=True)),
    )


def _tsv(copies: Copies | None) -> ColumnElement:
    return copies.tsv if copies is not None else Service.search_tsv


def text_matches(index: int | str, prefix: bool, copies: Copies | None = None) -> ColumnElement:
    return _tsv(copies).op("@@")(tsquery(index, prefix))


def any_idea(prefix: bool, terms: bool, copies: Copies | None = None) -> ColumnElement:
    """Any of the ideas matches (one text query for them all, so the GIN index can answer it)."""
    text_test = text_matches("all", prefix, copies)
    return or_(text_test, has_term("all", copies)) if terms else text_test


def ideas_counted(n: int, mask: ColumnElement) -> ColumnElement:
    """How many of the ``n`` ideas are set in ``mask`` (the bits of ``ideas_mask``): so the ideas a listing
    matches are counted from the masks a search reads anyway, each idea tested once per row, not twice."""
    if not n:
        return cast(0, Integer)
    total = None
    for i in range(n):
        one = mask.op(">>")(i).op("&")(1) if i else mask.op("&")(1)
        total = one if total is None else total + one
    return total


def ideas_mask(ideas: tuple[tuple[bool, bool], ...], in_terms: bool, copies: Copies | None = None) -> ColumnElement:
    """Bit ``i`` set when idea ``i`` is in the text (or, ``in_terms``, names one of the listing's terms)."""
    total = cast(0, Integer)
    for i, (prefix, terms) in enumerate(ideas):
        if in_terms and not terms:
            continue
        cond = has_term(i, copies) if in_terms else text_matches(i, prefix, copies)
        total = total + cast(cond, Integer) * (1 << i)
    return total


def text_strength(prefix: bool, copies: Copies | None = None) -> ColumnElement:
    """0 to 1: half for the words being in the listing's name, half for how densely the text holds them
    (``ts_rank_cd`` scaled to rank / (rank + 1)), of the words' query without the operands another covers
    (``:qrank``, ``rankquery.rank_query``: the same ranks, in about half the time for a word with synonyms)."""
    tsv = _tsv(copies)
    in_name = case((tsv.op("@@")(tsquery("name", prefix)), 1.0), else_=0.0)
    density = func.ts_rank_cd(tsv, cast(p("qrank", String), TSQUERY), 32)
    return 0.5 * in_name + 0.5 * density


# --------------------------------------------------------------------------- the same tests on marker_point
#
# ``marker_point`` (migrations 0014, 0015, 0017) carries, per (service, place) pair, what the common filters test of
# the service: each builder below means exactly what its namesake above means of that service.

#: the taxonomies whose terms ``marker_point.terms`` carries, as ``taxonomy:code`` (migration 0015)
POINT_TERM_TAXONOMIES = ("category", "audience", "capability", "asset_type")


def keys_match(query: ColumnElement) -> ColumnElement:
    """``marker_point.keys @@ query``: the form of every test on the row's own words and codes, so the near view's
    walk tests them in its index (``idx_marker_point_walk``) and the GIN index of the keys can answer them too."""
    return MarkerPoint.keys.op("@@")(query)


def keys_query(prefix: str, codes: ColumnElement) -> ColumnElement:
    """The text query "any of ``codes``" among ``marker_point.keys`` ('=<prefix><code>' | …, migration 0025)."""
    return func.marker_keys_query(literal(prefix, Text), codes)


def point_term_filter(taxonomy: str) -> ColumnElement:
    """``term_filter(taxonomy)``: ``terms && :t_<taxonomy>`` (the codes as 'taxonomy:code', ``point_term_codes``),
    asked of the keys."""
    return keys_match(keys_query("", p(f"t_{taxonomy}", ARRAY(Text))))


def point_term_codes(taxonomy: str, codes) -> list[str]:
    """The value of ``:t_<taxonomy>``."""
    return [f"{taxonomy}:{code}" for code in codes]


def point_cost_filter(keys: bool = True) -> ColumnElement:
    """``cost_filter``: the service's least cost is at most ``:cost_up_to``, the amount of the band in ``:cost_bands``.
    Asked of the keys, which hold each band the least cost is within (migration 0026: '=cost:free'), or, not
    ``keys``, of ``min_cost`` (``marker_dot`` has no keys)."""
    if keys:
        return keys_match(keys_query("cost:", p("cost_bands", ARRAY(Text))))
    return MarkerPoint.min_cost <= p("cost_up_to", Float)


def point_days_filter(keys: bool = True) -> ColumnElement:
    """A weekday of ``:bydays`` among those the service's sessions fall on, ended or not (migration 0018): true
    whenever ``sessions_filter``'s day test can be, so it drops without a lookup the points whose service
    cannot meet on those days; the exact test is still made for the rest. ``days && :bydays``, asked of the keys
    (or, not ``keys``, of ``days``: ``marker_dot`` has no keys)."""
    bydays = cast(p("bydays", ARRAY(String)), ARRAY(Text))
    return keys_match(keys_query("day:", bydays)) if keys else MarkerPoint.days.op("&&")(bydays)


def point_mode_filter(keys: bool = True) -> ColumnElement:
    """``mode_filter`` on the copy of the service's modes (migration 0017): ``modes && :modes``, asked of the
    keys (or, not ``keys``, of ``modes``)."""
    modes = p("modes", ARRAY(Text))
    return keys_match(keys_query("mode:", modes)) if keys else MarkerPoint.modes.op("&&")(modes)


#: the order of the bits of ``marker_point.slots`` and ``access`` (migration 0021 keeps the same; a test holds it)
SLOT_DAYS = tuple(d.code for d in DAYS)
SLOT_PARTS = tuple(part.code for part in PARTS_OF_DAY)
FEATURE_BITS = tuple(feature.code for feature in ACCESSIBILITY)


def point_slots(days: list[str], parts: list[str]) -> int:
    """The value of ``:slots``: the bits of ``marker_point.slots`` (migration 0021) one of which a settled session
    must offer to pass ``sessions_filter(days, parts, ...)``: a day and a part of it (11 + 3 x day + part), a
    day (1 + day), a part (8 + part), or (this week alone) any session (0)."""
    d = [SLOT_DAYS.index(day) for day in days]
    q = [SLOT_PARTS.index(part) for part in parts]
    if d and q:
        bits = [11 + 3 * i + j for i in d for j in q]
    elif d:
        bits = [1 + i for i in d]
    elif q:
        bits = [8 + j for j in q]
    else:
        bits = [0]
    return sum(1 << b for b in set(bits))


def point_features(kinds) -> int:
    """The value of ``:access_all``: the features' bits in ``marker_point.access``."""
    return sum(1 << FEATURE_BITS.index(kind) for kind in set(kinds))


def point_sessions_filter(days: bool, parts: bool, this_week: bool) -> ColumnElement:
    """``sessions_filter`` of the row's service: true when its settled sessions (worked out on a day no later
    than ``:today``, migration 0021) offer one of the bits of ``:slots``; else looked up, for the rows whose
    service has other sessions (ended, dated, not begun) or whose slots were worked out after ``:today``."""
    mp = MarkerPoint
    today = p("today", Date)
    kept = and_(mp.slots_settled_on <= today, mp.slots.op("&")(p("slots", BigInteger)) != 0)
    unsure = or_(mp.slots_unsettled, mp.slots_settled_on > today)
    return or_(kept, and_(unsure, on_points(sessions_filter(days, parts, this_week, probe=True))))


def point_access_filter() -> ColumnElement:
    """``access_filter`` of the row's service: true when the row's own place has every feature asked (the bits
    of ``:access_all``, migration 0021); looked up only for a row that lacks one and whose service has
    another place."""
    mp = MarkerPoint
    need = p("access_all", Integer)
    own = mp.access.op("&")(need) == need
    return or_(own, and_(mp.access_elsewhere, on_points(access_filter(probe=True))))


#: the words' tests on a ``marker_point`` row's own copies
POINT_COPIES = Copies(MarkerPoint.search_tsv, MarkerPoint.terms)


def point_any_idea(prefix: bool, terms: bool) -> ColumnElement:
    """``any_idea`` of a ``marker_point`` row: its copy of the service's text holds one of the ideas, or its terms
    one they name. Without prefixes, asked of the keys as one text query (``:qall_tcodes`` as '=taxonomy:code'
    lexemes), which the walk's index tests; with them, of the row's copies, on the rows that pass
    ``point_words_beginnings`` in the index (a GiST text key cannot test a prefix: asked of the keys, the test
    passed every entry and the walk read every row)."""
    if prefix:
        return any_idea(prefix, terms, POINT_COPIES)
    return keys_match(_with_terms(tsquery("all", False), terms))


def point_words_beginnings(terms: bool) -> ColumnElement:
    """A test of a ``marker_point`` row's keys that passes wherever ``point_any_idea`` with prefixes does, with
    the prefixes ('garde:*') as the beginnings of words the keys hold ('^garde', migration 0025), so the walk's
    index can make it: "garden" and "free" within 5 miles of central London at 1,000,000 assets read 46,903 rows
    to keep 1,001 (the scan 87 ms); tested in the index, 2,315 rows (25-37 ms). The query is ``:qkeys``:
    ``to_tsquery('english', :qall_en) || marker_keys_beginnings(:qall_px)`` without the words their beginnings
    cover, which the index tests in less time on each entry it walks (``rankquery.walk_query``)."""
    return keys_match(_with_terms(cast(p("qkeys", String), TSQUERY), terms))


def _with_terms(query: ColumnElement, terms: bool) -> ColumnElement:
    """``query``, or (``terms``) also the terms the words name ('=taxonomy:code' among the keys)."""
    return query.op("||")(keys_query("", p("qall_tcodes", ARRAY(Text)))) if terms else query


def on_points(expr: ColumnElement) -> ColumnElement:
    """A filter on ``Service`` (a probe of another table by ``Service.id``) asked of the ``marker_point`` row's
    service instead (the filters ``marker_point`` does not carry: days, parts of the day, accessibility)."""
    service_id = Service.__table__.c.id

    def swap(elem, **_kw):
        if getattr(elem, "table", None) is Service.__table__ and elem.name == service_id.name:
            return MarkerPoint.__table__.c.service_id
        return None

    return visitors.replacement_traverse(expr, {}, swap)


def and_all(conds) -> ColumnElement:
    return and_(*conds) if conds else true()
