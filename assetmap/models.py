"""The data model, aligned with Open Referral UK 3.0.

What practitioners call an *asset* is a ``Service`` (optionally run by an ``Organisation``)
delivered at zero or more ``Location``s through ``ServiceAtLocation``. A place with no
organisation (a park, a hall) is a service with no organisation; a phone or online service
has no physical location and may carry ``ServiceArea``s of whole wards.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from geoalchemy2 import Geography, Geometry, WKBElement
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy import ForeignKeyConstraint as sa_ForeignKeyConstraint
from sqlalchemy.dialects.postgresql import DOUBLE_PRECISION, JSONB, TSVECTOR, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from . import vocabulary as v
from .geo import SRID_WGS84


class Base(DeclarativeBase):
    pass


def _uuid() -> Mapped[uuid.UUID]:
    return mapped_column(
        UUID(as_uuid=True), primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()")
    )


def _created() -> Mapped[dt.datetime]:
    return mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


def _polygon(nullable: bool = False) -> Mapped[WKBElement]:
    return mapped_column(Geometry("MULTIPOLYGON", srid=SRID_WGS84, spatial_index=True), nullable=nullable)


def _point(nullable: bool = True) -> Mapped[WKBElement | None]:
    return mapped_column(Geometry("POINT", srid=SRID_WGS84, spatial_index=True), nullable=nullable)


def _one_of(column: str, vocabulary: v.Vocabulary, name: str, nullable: bool = False) -> CheckConstraint:
    """A CHECK constraint generated from the vocabulary (``info`` lets the schema test find which)."""
    return CheckConstraint(vocabulary.sql_one_of(column, nullable), name=name, info={"vocabulary": vocabulary})


# --------------------------------------------------------------------------- areas


class LocalAuthority(Base):
    __tablename__ = "local_authority"
    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    geom: Mapped[WKBElement] = _polygon()
    population_total: Mapped[int | None] = mapped_column(Integer)
    population_65plus: Mapped[int | None] = mapped_column(Integer)
    imd_score: Mapped[float | None]
    imd_decile: Mapped[int | None]
    __table_args__ = (
        CheckConstraint("code ~ '^[EWSN][0-9]{8}$'", name="local_authority_code_format"),
        CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name="local_authority_geom_valid"),
    )


class Constituency(Base):
    __tablename__ = "constituency"
    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    geom: Mapped[WKBElement] = _polygon()
    population_total: Mapped[int | None] = mapped_column(Integer)
    population_65plus: Mapped[int | None] = mapped_column(Integer)
    imd_score: Mapped[float | None]
    imd_decile: Mapped[int | None]
    __table_args__ = (
        CheckConstraint("code ~ '^[EWSN]14[0-9]{6}$'", name="constituency_code_format"),
        CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name="constituency_geom_valid"),
    )


class Ward(Base):
    __tablename__ = "ward"
    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    lad_code: Mapped[str] = mapped_column(ForeignKey("local_authority.code"), nullable=False, index=True)
    #: the 2024 constituency holding most of the ward (wards can straddle two)
    constituency_code: Mapped[str | None] = mapped_column(ForeignKey("constituency.code"), index=True)
    geom: Mapped[WKBElement] = _polygon()
    population_total: Mapped[int | None] = mapped_column(Integer)
    population_65plus: Mapped[int | None] = mapped_column(Integer)
    imd_score: Mapped[float | None]
    imd_decile: Mapped[int | None]
    local_authority: Mapped[LocalAuthority] = relationship()
    constituency: Mapped[Constituency | None] = relationship()
    __table_args__ = (
        CheckConstraint("code ~ '^[EWSN]05[0-9]{6}$'", name="ward_code_format"),
        CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name="ward_geom_valid"),
    )


class Lsoa(Base):
    __tablename__ = "lsoa"
    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    lad_code: Mapped[str | None] = mapped_column(ForeignKey("local_authority.code"), index=True)
    ward_code: Mapped[str | None] = mapped_column(ForeignKey("ward.code"), index=True)
    constituency_code: Mapped[str | None] = mapped_column(ForeignKey("constituency.code"), index=True)
    geom: Mapped[WKBElement] = _polygon()
    #: population-weighted representative point (mean of its postcode centroids)
    pop_point: Mapped[WKBElement | None] = _point()
    imd_score: Mapped[float | None]
    imd_rank: Mapped[int | None]
    imd_decile: Mapped[int | None]
    population_total: Mapped[int | None] = mapped_column(Integer)
    population_65plus: Mapped[int | None] = mapped_column(Integer)
    __table_args__ = (
        CheckConstraint("code ~ '^[EW]01[0-9]{6}$'", name="lsoa_code_format"),
        CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name="lsoa_geom_valid"),
        CheckConstraint("imd_decile IS NULL OR imd_decile BETWEEN 1 AND 10", name="lsoa_imd_decile_range"),
        CheckConstraint("population_total IS NULL OR population_total >= 0", name="lsoa_population_nonneg"),
    )


class Postcode(Base):
    __tablename__ = "postcode"
    #: normalised: upper case, one space before the inward code ("B1 1AY")
    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)
    geom: Mapped[WKBElement] = _point(nullable=False)
    positional_quality: Mapped[int | None] = mapped_column(Integer)
    lad_code: Mapped[str | None] = mapped_column(String(9), index=True)
    ward_code: Mapped[str | None] = mapped_column(String(9), index=True)
    lsoa_code: Mapped[str | None] = mapped_column(String(9), index=True)
    source: Mapped[str] = mapped_column(String(20), nullable=False)


# --------------------------------------------------------------------------- taxonomy


class Taxonomy(Base):
    __tablename__ = "taxonomy"
    id: Mapped[uuid.UUID] = _uuid()
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    uri: Mapped[str | None] = mapped_column(Text)
    version: Mapped[str | None] = mapped_column(Text)
    terms: Mapped[list[TaxonomyTerm]] = relationship(back_populates="taxonomy", order_by="TaxonomyTerm.term_order")


class TaxonomyTerm(Base):
    __tablename__ = "taxonomy_term"
    id: Mapped[uuid.UUID] = _uuid()
    taxonomy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("taxonomy.id"), nullable=False, index=True)
    code: Mapped[str] = mapped_column(String(60), nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("taxonomy_term.id"))
    term_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    taxonomy: Mapped[Taxonomy] = relationship(back_populates="terms")
    __table_args__ = (UniqueConstraint("taxonomy_id", "code", name="taxonomy_term_code_unique"),)


# --------------------------------------------------------------------------- directory


class Organisation(Base):
    __tablename__ = "organisation"
    id: Mapped[uuid.UUID] = _uuid()
    name: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    email: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    illustrative: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    source: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = _created()
    updated_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        CheckConstraint("length(btrim(name)) > 0", name="organisation_name_not_blank"),
        UniqueConstraint("source", "source_id", name="organisation_source_unique"),
    )


#: what an anonymous visitor may read (``directory.access.readable_filter(None)``), as the open data
#: index and totals (migration 0017) hold it
PUBLIC_SQL = "archived_at IS NULL AND visibility = 'public'"
#: a registered charity number as stored (England and Wales, with a linked charity's suffix; Scotland; Northern Ireland)
CHARITY_NUMBER_SQL = "charity_number ~ '^([0-9]{6,8}(-[0-9]{1,2})?|SC[0-9]{6}|NIC[0-9]{6})$'"

SEARCH_TSV_SQL = (
    "setweight(to_tsvector('english', coalesce(name, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(description, '')), 'B')"
)


class Service(Base):
    """An asset: something a person can go to, join, phone or use."""

    __tablename__ = "service"
    id: Mapped[uuid.UUID] = _uuid()
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    url: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="active")
    #: how the service is delivered: any of in_person, online, phone
    modes: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, default=lambda: ["in_person"])
    visibility: Mapped[str] = mapped_column(String(20), nullable=False, default="public")
    illustrative: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    steward_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    last_verified_on: Mapped[dt.date | None] = mapped_column(Date)
    verification_method: Mapped[str | None] = mapped_column(String(20))
    #: the day its reminders ran their course with no check (``upkeep/reminders.py``); cleared by any check
    unconfirmed_since: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    archived_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    #: temporarily closed on these days (both included): no session happens, the listing says so
    closed_from: Mapped[dt.date | None] = mapped_column(Date)
    closed_to: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[str | None] = mapped_column(Text)
    #: the registered charity number of the group that runs it (normalised: "1123456", "SC012345", "NIC100001")
    charity_number: Mapped[str | None] = mapped_column(Text, index=True)
    #: set when this listing was merged into another: it is kept, archived, and its address leads there
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("service.id", ondelete="SET NULL", name="service_merged_into_id_fkey"), index=True
    )
    created_at: Mapped[dt.datetime] = _created()
    updated_at: Mapped[dt.datetime] = _created()
    search_tsv: Mapped[str | None] = mapped_column(TSVECTOR, Computed(SEARCH_TSV_SQL, persisted=True))

    organisation: Mapped[Organisation | None] = relationship()
    steward: Mapped[User | None] = relationship(foreign_keys=[steward_id])
    locations: Mapped[list[ServiceAtLocation]] = relationship(back_populates="service", cascade="all, delete-orphan")
    attributes: Mapped[list[Attribute]] = relationship(back_populates="service", cascade="all, delete-orphan")
    schedules: Mapped[list[Schedule]] = relationship(
        back_populates="service", cascade="all, delete-orphan", order_by="(Schedule.byday_order, Schedule.opens_at)"
    )
    cost_options: Mapped[list[CostOption]] = relationship(back_populates="service", cascade="all, delete-orphan")
    contacts: Mapped[list[Contact]] = relationship(back_populates="service", cascade="all, delete-orphan")
    phones: Mapped[list[Phone]] = relationship(back_populates="service", cascade="all, delete-orphan")
    service_areas: Mapped[list[ServiceArea]] = relationship(back_populates="service", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("length(btrim(name)) > 0", name="service_name_not_blank"),
        _one_of("visibility", v.VISIBILITY, "service_visibility"),
        _one_of("status", v.SERVICE_STATUSES, "service_status"),
        CheckConstraint(v.MODES.sql_some_of("modes"), name="service_modes", info={"vocabulary": v.MODES}),
        _one_of("verification_method", v.VERIFICATION_METHODS, "service_verification_method", nullable=True),
        CheckConstraint("version >= 1", name="service_version_positive"),
        CheckConstraint(
            "(closed_from IS NULL) = (closed_to IS NULL) AND (closed_to IS NULL OR closed_to >= closed_from)",
            name="service_closure_dates",
        ),
        UniqueConstraint("source", "source_id", name="service_source_unique"),
        Index("service_search_tsv_gin", "search_tsv", postgresql_using="gin"),
        Index("service_name_trgm_gin", "name", postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}),
        Index("service_live_idx", "visibility", postgresql_where=text("archived_at IS NULL")),
        # the open data API's list of services, in its order, over exactly what it may show (migration 0017)
        Index("service_public_name_idx", "name", "id", postgresql_where=text(PUBLIC_SQL)),
        Index("service_public_updated_idx", "updated_at", postgresql_where=text(PUBLIC_SQL)),
        # the duplicate finder looks a new listing's contacts up by these (migration 0010 defines the functions)
        Index("service_email_key", text("match_email_key(email)")),
        Index("service_name_trgm_gist", "name", postgresql_using="gist", postgresql_ops={"name": "gist_trgm_ops"}),
        Index("service_web_key", text("match_web_key(url)")),
        CheckConstraint(f"charity_number IS NULL OR {CHARITY_NUMBER_SQL}", name="service_charity_number_format"),
        CheckConstraint(
            "merged_into_id IS NULL OR (archived_at IS NOT NULL AND merged_into_id <> id)",
            name="service_merged_is_archived",
        ),
    )


class Location(Base):
    __tablename__ = "location"
    id: Mapped[uuid.UUID] = _uuid()
    name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    location_type: Mapped[str] = mapped_column(String(20), nullable=False, default="physical")
    address_1: Mapped[str | None] = mapped_column(Text)
    address_2: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(8))
    transportation: Mapped[str | None] = mapped_column(Text)
    geom: Mapped[WKBElement | None] = _point()
    #: assigned by the database trigger ``location_assign_areas`` on every insert/update
    lad_code: Mapped[str | None] = mapped_column(String(9), index=True)
    ward_code: Mapped[str | None] = mapped_column(String(9), index=True)
    constituency_code: Mapped[str | None] = mapped_column(String(9), index=True)
    lsoa_code: Mapped[str | None] = mapped_column(String(9), index=True)
    source: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[str | None] = mapped_column(Text)
    accessibility: Mapped[list[Accessibility]] = relationship(back_populates="location", cascade="all, delete-orphan")
    __table_args__ = (
        _one_of("location_type", v.LOCATION_TYPES, "location_type"),
        CheckConstraint(
            "geom IS NULL OR (NOT ST_IsEmpty(geom) AND ST_X(geom) BETWEEN -8.7 AND 1.9 "
            "AND ST_Y(geom) BETWEEN 49.8 AND 60.95)",
            name="location_geom_in_great_britain",
        ),
        # distance searches cast to geography: this index lets ST_DWithin use GiST
        Index("location_geog_gist", text("(geom::geography)"), postgresql_using="gist"),
    )


class ServiceAtLocation(Base):
    __tablename__ = "service_at_location"
    id: Mapped[uuid.UUID] = _uuid()
    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), nullable=False, index=True
    )
    location_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("location.id", ondelete="CASCADE"), nullable=False, index=True
    )
    description: Mapped[str | None] = mapped_column(Text)
    service: Mapped[Service] = relationship(back_populates="locations")
    location: Mapped[Location] = relationship()
    __table_args__ = (UniqueConstraint("service_id", "location_id", name="service_at_location_unique"),)


class Attribute(Base):
    """ORUK attribute: links a service to a taxonomy term (category, audience, capability, type)."""

    __tablename__ = "attribute"
    id: Mapped[uuid.UUID] = _uuid()
    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), nullable=False, index=True
    )
    taxonomy_term_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("taxonomy_term.id"), nullable=False, index=True)
    service: Mapped[Service] = relationship(back_populates="attributes")
    taxonomy_term: Mapped[TaxonomyTerm] = relationship()
    __table_args__ = (UniqueConstraint("service_id", "taxonomy_term_id", name="attribute_unique"),)


class Schedule(Base):
    """A session's rule, as Open Referral UK 3.0 (RFC 5545) holds it; ``assetmap.schedules`` reads and writes it."""

    __tablename__ = "schedule"
    id: Mapped[uuid.UUID] = _uuid()
    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: WEEKLY or MONTHLY; NULL for a one-off session on ``dtstart``
    freq: Mapped[str | None] = mapped_column(String(10))
    interval: Mapped[int | None] = mapped_column(Integer)
    #: an RFC 5545 BYDAY list: 'MO,WE' or, monthly, '1MO,-1FR'
    byday: Mapped[str | None] = mapped_column(String(120))
    bymonthday: Mapped[str | None] = mapped_column(String(120))
    #: the first weekday it falls on, 0 (Monday) to 6, or 7 for dates of the month: the order pages list them
    byday_order: Mapped[int] = mapped_column(Integer, nullable=False)
    dtstart: Mapped[dt.date | None] = mapped_column(Date)
    opens_at: Mapped[dt.time] = mapped_column(Time, nullable=False)
    closes_at: Mapped[dt.time] = mapped_column(Time, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    term_time: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=text("false"))
    skip_bank_holidays: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=text("false")
    )
    service: Mapped[Service] = relationship(back_populates="schedules")
    __table_args__ = (
        _one_of("freq", v.FREQUENCIES, "schedule_freq", nullable=True),
        CheckConstraint(f"byday IS NULL OR byday ~ '{v.byday_pattern()}'", name="schedule_byday"),
        CheckConstraint(
            "bymonthday IS NULL OR bymonthday ~ '^-?[0-9]{1,2}(,-?[0-9]{1,2})*$'", name="schedule_bymonthday"
        ),
        CheckConstraint("interval IS NULL OR interval BETWEEN 1 AND 52", name="schedule_interval"),
        CheckConstraint(f"byday_order BETWEEN 0 AND {len(v.DAYS)}", name="schedule_byday_order"),
        CheckConstraint("freq IS NOT NULL OR dtstart IS NOT NULL", name="schedule_one_off_has_a_date"),
        CheckConstraint("freq IS NULL OR byday IS NOT NULL OR bymonthday IS NOT NULL", name="schedule_days_or_dates"),
        CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from", name="schedule_valid_in_order"
        ),
        CheckConstraint("closes_at > opens_at", name="schedule_closes_after_opens"),
    )


class TermDate(Base):
    """A school term of a council (its first and last day): "term time only" sessions happen in them."""

    __tablename__ = "term_date"
    id: Mapped[uuid.UUID] = _uuid()
    lad_code: Mapped[str] = mapped_column(
        ForeignKey("local_authority.code", ondelete="CASCADE"), nullable=False, index=True
    )
    starts: Mapped[dt.date] = mapped_column(Date, nullable=False)
    ends: Mapped[dt.date] = mapped_column(Date, nullable=False)
    name: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        CheckConstraint("ends >= starts", name="term_date_in_order"),
        UniqueConstraint("lad_code", "starts", name="term_date_unique"),
    )


class CostOption(Base):
    __tablename__ = "cost_option"
    id: Mapped[uuid.UUID] = _uuid()
    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), nullable=False, index=True
    )
    amount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="GBP")
    option: Mapped[str | None] = mapped_column(Text)
    amount_description: Mapped[str | None] = mapped_column(Text)
    service: Mapped[Service] = relationship(back_populates="cost_options")
    __table_args__ = (
        CheckConstraint("amount IS NULL OR (amount >= 0 AND amount < 100000)", name="cost_option_amount_range"),
    )


class Contact(Base):
    __tablename__ = "contact"
    id: Mapped[uuid.UUID] = _uuid()
    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    service: Mapped[Service] = relationship(back_populates="contacts")


class Phone(Base):
    __tablename__ = "phone"
    id: Mapped[uuid.UUID] = _uuid()
    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), nullable=False, index=True
    )
    number: Mapped[str] = mapped_column(Text, nullable=False)
    type: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(Text)
    service: Mapped[Service] = relationship(back_populates="phones")
    __table_args__ = (Index("phone_number_key", text("match_phone_key(number)")),)


class Accessibility(Base):
    __tablename__ = "accessibility"
    id: Mapped[uuid.UUID] = _uuid()
    location_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("location.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    details: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    location: Mapped[Location] = relationship(back_populates="accessibility")
    __table_args__ = (
        _one_of("kind", v.ACCESSIBILITY, "accessibility_kind"),
        UniqueConstraint("location_id", "kind", name="accessibility_unique"),
    )


class ServiceArea(Base):
    """Where a service with no fixed place is offered: whole wards."""

    __tablename__ = "service_area"
    id: Mapped[uuid.UUID] = _uuid()
    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), nullable=False, index=True
    )
    ward_code: Mapped[str | None] = mapped_column(ForeignKey("ward.code"), index=True)
    name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    extent: Mapped[WKBElement | None] = _polygon(nullable=True)
    service: Mapped[Service] = relationship(back_populates="service_areas")
    __table_args__ = (
        CheckConstraint(
            "extent IS NULL OR (ST_IsValid(extent) AND NOT ST_IsEmpty(extent))", name="service_area_extent_valid"
        ),
    )


# --------------------------------------------------------------------------- words the search understands


class SearchSynonym(Base):
    """One word or phrase of a group that means the same to someone searching ("grief", "bereavement").

    Admins keep the groups on the terms page; a search expands what was typed with the rest of its group,
    both ways (migration 0011 seeds them)."""

    __tablename__ = "search_synonym"
    id: Mapped[uuid.UUID] = _uuid()
    group_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    #: lower case, single spaces: as the search's tokenizer reads it
    phrase: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        CheckConstraint(
            "phrase = lower(phrase) AND length(phrase) BETWEEN 2 AND 60 AND phrase = btrim(phrase)",
            name="search_synonym_phrase_format",
        ),
        UniqueConstraint("group_id", "phrase", name="search_synonym_unique"),
    )


class SearchLexicon(Base):
    """A word the directory holds (live listings, term names, synonyms), for spelling correction.

    Filled by triggers as listings, terms and synonyms are written, tidied daily (migration 0011)."""

    __tablename__ = "search_lexicon"
    word: Mapped[str] = mapped_column(Text, primary_key=True)
    #: its English stem, so a word whose stem the directory holds is not "corrected"
    stem: Mapped[str] = mapped_column(Text, nullable=False)
    #: held by a public listing, a term or a synonym (the public are offered only these)
    public: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    __table_args__ = (
        Index("search_lexicon_stem_idx", "stem"),
        Index("search_lexicon_word_trgm", "word", postgresql_using="gin", postgresql_ops={"word": "gin_trgm_ops"}),
    )


# --------------------------------------------------------------------------- map markers


class _MarkerColumns:
    """The columns ``marker_point`` and its narrow copy ``marker_dot`` share (each a column of its own table)."""

    link_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    service_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    geom: Mapped[WKBElement] = _point(nullable=False)
    #: ``public`` or ``practitioners``
    visibility: Mapped[str] = mapped_column(String(20), nullable=False)
    #: the place's ward and constituency, '' outside the loaded areas
    ward_code: Mapped[str] = mapped_column(String(9), nullable=False)
    constituency_code: Mapped[str] = mapped_column(String(9), nullable=False)
    #: the least amount of the service's cost options (migration 0015)
    min_cost: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    #: a copy of the service's ways to take part (migration 0017)
    modes: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default=text("'{}'::text[]"))
    #: every weekday the service's sessions fall on, ended or not (migration 0018): what a day filter can find
    days: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default=text("'{}'::text[]"))
    #: what the service's settled sessions offer, as bits (any session, a weekday, a part of the day, both), the
    #: London date they were worked out on, and whether it has other sessions (migration 0021;
    #: ``filters.point_sessions_filter``)
    slots: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default=text("0"))
    slots_settled_on: Mapped[dt.date] = mapped_column(Date, nullable=False, server_default=text("'infinity'"))
    slots_unsettled: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    #: the accessibility features of this row's place as bits, and whether its service has another place (0021)
    access: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    access_elsewhere: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))


class MarkerPoint(_MarkerColumns, Base):
    """A (service, place) pair a search without filters finds, as the map counts it: kept by triggers
    (migration 0014) for every link whose place has a point and whose service is active, not archived
    and not confidential; ``practitioners/markers.py`` explains how the map reads it."""

    __tablename__ = "marker_point"
    #: the service's terms of the filtered taxonomies as ``taxonomy:code`` (migration 0015)
    terms: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default=text("'{}'::text[]"))
    #: for the near view's candidates (migration 0017): the point as geography (``ORDER BY geog <-> point
    #: LIMIT n`` walks its index nearest first), a copy of the service's ``search_tsv``
    geog: Mapped[WKBElement] = mapped_column(Geography("POINT", srid=4326, spatial_index=False), nullable=False)
    search_tsv: Mapped[str | None] = mapped_column(TSVECTOR)
    #: copies of the service's name and when it was last checked, for ranking the near view (migration 0019)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    last_verified_on: Mapped[dt.date | None] = mapped_column(Date)
    unconfirmed_since: Mapped[dt.date | None] = mapped_column(Date)
    #: ``search_tsv``, the codes of ``terms``, ``days`` and ``modes`` as lexemes ('=category:x', '=day:MO',
    #: '=mode:online'), the first five letters of its words ('^garde') and the cost bands ``min_cost`` is within
    #: ('=cost:free'), so the near view's walk tests them in its index (migrations 0025, 0026;
    #: ``filters.keys_match``)
    keys: Mapped[str] = mapped_column(
        TSVECTOR, Computed("marker_keys(search_tsv, terms, days, modes, min_cost)", persisted=True), nullable=True
    )
    __table_args__ = (
        Index("idx_marker_point_geog", "geog", postgresql_using="gist"),
        Index("idx_marker_point_walk", "geog", "keys", postgresql_using="gist"),
        Index("idx_marker_point_keys", "keys", postgresql_using="gin"),
        Index("idx_marker_point_service", "service_id"),
    )


class MarkerDot(_MarkerColumns, Base):
    """A narrow copy of a ``marker_point`` row: the columns a map view's count tests for a search without words
    or terms, kept by statement triggers on ``marker_point`` (migration 0022), so a dense view reads a
    fraction of the pages (``practitioners/markers.py``)."""

    __tablename__ = "marker_dot"
    __table_args__ = (
        Index("idx_marker_dot_modes", "modes", postgresql_using="gin"),
        # the slots' bits as keys, so a view filtered by a day or a part of it reads only such points (0023)
        Index("idx_marker_dot_slot_keys", text("marker_slot_keys(slots, slots_unsettled)"), postgresql_using="gin"),
        Index("idx_marker_dot_settled", "slots_settled_on"),
        # the points a feature's kept count may not decide (0024)
        Index("idx_marker_dot_elsewhere", "geom", postgresql_using="gist", postgresql_where=text("access_elsewhere")),
    )


class MarkerCell(Base):
    """How many ``marker_point`` rows a grid cell holds, and the sums of their coordinates (for the mean
    position): one row per level, cell, visibility, ward and constituency, kept by triggers (migration 0014)."""

    __tablename__ = "marker_cell"
    #: the cell's side is 2**-level degrees of latitude and twice that of longitude
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    cx: Mapped[int] = mapped_column(Integer, primary_key=True)
    cy: Mapped[int] = mapped_column(Integer, primary_key=True)
    visibility: Mapped[str] = mapped_column(String(20), primary_key=True)
    #: '' for a place outside the loaded wards (constituencies)
    ward_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    constituency_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, nullable=False)
    sum_lon: Mapped[float] = mapped_column(DOUBLE_PRECISION, nullable=False)
    sum_lat: Mapped[float] = mapped_column(DOUBLE_PRECISION, nullable=False)


class MarkerBitCell(Base):
    """``marker_cell``'s counts for the points holding one kept bit (``marker_kept_bits``: "this week", a part of the
    day, an accessibility feature of the point's own place), levels 4-9, kept by triggers on ``marker_dot``
    (migration 0024)."""

    __tablename__ = "marker_bit_cell"
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    cx: Mapped[int] = mapped_column(Integer, primary_key=True)
    cy: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: 0 "this week", 8-10 a part of the day (``slots``' bits), 32 + k the accessibility feature k
    bit: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    visibility: Mapped[str] = mapped_column(String(20), primary_key=True)
    ward_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    constituency_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, nullable=False)
    sum_lon: Mapped[float] = mapped_column(DOUBLE_PRECISION, nullable=False)
    sum_lat: Mapped[float] = mapped_column(DOUBLE_PRECISION, nullable=False)


class OpenDataTotal(Base):
    """How many rows an unfiltered list of the open data API holds (``services``, ``service_at_locations``):
    kept by triggers in the same transaction as every write (migration 0017)."""

    __tablename__ = "open_data_total"
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, nullable=False)


# --------------------------------------------------------------------------- people and upkeep


class User(Base):
    __tablename__ = "app_user"
    id: Mapped[uuid.UUID] = _uuid()
    email: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    name: Mapped[str] = mapped_column(Text, nullable=False, default="")
    password_hash: Mapped[str] = mapped_column(Text, nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    is_demo: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[dt.datetime] = _created()
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    #: when the daily digest last went to them: what came in after it is "new" in the next one
    digest_sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    areas: Mapped[list[UserArea]] = relationship(back_populates="user", cascade="all, delete-orphan")
    __table_args__ = (
        _one_of("role", v.ROLES, "app_user_role"),
        CheckConstraint("email = lower(email) AND position('@' in email) > 1", name="app_user_email_format"),
    )


class UserArea(Base):
    """A coordinator's assignment: a ward, or a constituency (covering all its wards)."""

    __tablename__ = "user_area"
    id: Mapped[uuid.UUID] = _uuid()
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    area_type: Mapped[str] = mapped_column(String(20), nullable=False)
    area_code: Mapped[str] = mapped_column(String(9), nullable=False)
    user: Mapped[User] = relationship(back_populates="areas")
    __table_args__ = (
        _one_of("area_type", v.AREA_TYPES, "user_area_type"),
        UniqueConstraint("user_id", "area_type", "area_code", name="user_area_unique"),
    )


class ApiToken(Base):
    __tablename__ = "api_token"
    id: Mapped[uuid.UUID] = _uuid()
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[dt.datetime] = _created()
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    user: Mapped[User] = relationship()


class EmbedSite(Base):
    """A web site allowed to show the public search in an iframe (CSP ``frame-ancestors`` of /embed/search)."""

    __tablename__ = "embed_site"
    id: Mapped[uuid.UUID] = _uuid()
    #: a web origin, normalised: scheme, host and port only, lower case (``https://www.example.gov.uk``)
    origin: Mapped[str] = mapped_column(String(300), nullable=False, unique=True)
    added_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        # nothing that could end or extend a CSP directive: one origin, no spaces, quotes or semicolons
        CheckConstraint("origin ~ '^https?://[a-z0-9*.:\\[\\]-]+$'", name="embed_site_origin_format"),
    )


class AssetChange(Base):
    """One recorded change to an asset: who, when, which fields (old and new), and the full snapshot."""

    __tablename__ = "asset_change"
    id: Mapped[uuid.UUID] = _uuid()
    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), nullable=False, index=True
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[str] = mapped_column(String(30), nullable=False)
    changed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    changed_at: Mapped[dt.datetime] = _created()
    changes: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    snapshot: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[User | None] = relationship()
    __table_args__ = (
        UniqueConstraint("service_id", "version", name="asset_change_version_unique"),
        _one_of("action", v.CHANGE_ACTIONS, "asset_change_action"),
    )


class NotDuplicate(Base):
    """Two listings a coordinator said are not the same: the finder does not raise them again (``a < b``)."""

    __tablename__ = "not_duplicate"
    service_a_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), primary_key=True)
    service_b_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime] = _created()
    __table_args__ = (CheckConstraint("service_a_id < service_b_id", name="not_duplicate_ordered"),)


class Suggestion(Base):
    """A community suggestion of a new asset, or a problem report about a listing."""

    __tablename__ = "suggestion"
    id: Mapped[uuid.UUID] = _uuid()
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    service_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    problem_type: Mapped[str | None] = mapped_column(String(30))
    details: Mapped[str] = mapped_column(Text, nullable=False, default="")
    proposed: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    geom: Mapped[WKBElement | None] = _point()
    ward_code: Mapped[str | None] = mapped_column(String(9), index=True)
    suggester_name: Mapped[str | None] = mapped_column(Text)
    suggester_email: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="open")
    created_at: Mapped[dt.datetime] = _created()
    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        _one_of("kind", v.SUGGESTION_KINDS, "suggestion_kind"),
        _one_of("status", v.SUGGESTION_STATUSES, "suggestion_status"),
        _one_of("problem_type", v.PROBLEM_TYPES, "suggestion_problem_type", nullable=True),
    )


class ConnectionLog(Base):
    """'I connected someone to this asset' - no postcode, no name, no free text about the person."""

    __tablename__ = "connection_log"
    id: Mapped[uuid.UUID] = _uuid()
    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), nullable=False, index=True
    )
    logged_on: Mapped[dt.date] = mapped_column(Date, nullable=False, server_default=func.current_date())
    capability_code: Mapped[str | None] = mapped_column(String(60))
    ward_code: Mapped[str | None] = mapped_column(String(9), index=True)
    lsoa_code: Mapped[str | None] = mapped_column(String(9), index=True)
    followup_ref: Mapped[str | None] = mapped_column(String(32), unique=True)
    followup_attended: Mapped[str | None] = mapped_column(String(10))
    followup_helped: Mapped[str | None] = mapped_column(String(10))
    followup_on: Mapped[dt.date | None] = mapped_column(Date)
    __table_args__ = (
        _one_of("followup_attended", v.FOLLOWUP_ANSWERS, "connection_log_attended", nullable=True),
        _one_of("followup_helped", v.FOLLOWUP_ANSWERS, "connection_log_helped", nullable=True),
    )


class UnmetNeed(Base):
    """'Nothing suitable found' - an anonymous, aggregate-level signal."""

    __tablename__ = "unmet_need"
    id: Mapped[uuid.UUID] = _uuid()
    recorded_on: Mapped[dt.date] = mapped_column(Date, nullable=False, server_default=func.current_date())
    #: every term searched for (any one of them would have done)
    category_codes: Mapped[list[str]] = mapped_column(
        ARRAY(String(60)), nullable=False, default=list, server_default=text("'{}'::varchar[]")
    )
    audience_codes: Mapped[list[str]] = mapped_column(
        ARRAY(String(60)), nullable=False, default=list, server_default=text("'{}'::varchar[]")
    )
    capability_codes: Mapped[list[str]] = mapped_column(
        ARRAY(String(60)), nullable=False, default=list, server_default=text("'{}'::varchar[]")
    )
    ward_code: Mapped[str | None] = mapped_column(String(9), index=True)
    lsoa_code: Mapped[str | None] = mapped_column(String(9), index=True)
    #: the terms were matched from the search's free text (never stored) because none was chosen
    terms_matched: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=text("false"))


# --------------------------------------------------------------------------- commissioners' own areas and history


class AreaSet(Base):
    """A named set of areas a commissioner plans by (PCN footprints, neighbourhood patches), uploaded."""

    __tablename__ = "area_set"
    id: Mapped[uuid.UUID] = _uuid()
    name: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    created_at: Mapped[dt.datetime] = _created()
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    __table_args__ = (CheckConstraint("length(btrim(name)) BETWEEN 1 AND 120", name="area_set_name_length"),)


class CustomArea(Base):
    """One area of a set, with residents apportioned from LSOAs (``CustomAreaLsoa``)."""

    __tablename__ = "custom_area"
    set_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("area_set.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    geom: Mapped[WKBElement] = _polygon()
    lad_code: Mapped[str | None] = mapped_column(String(9))
    population_total: Mapped[float | None]
    population_65plus: Mapped[float | None]
    imd_rank: Mapped[float | None]
    imd_decile: Mapped[int | None]
    __table_args__ = (CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name="custom_area_geom_valid"),)


class CustomAreaLsoa(Base):
    """The share of an LSOA's residents living in a custom area; ``main`` marks the area holding most of them."""

    __tablename__ = "custom_area_lsoa"
    set_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    area_code: Mapped[str] = mapped_column(String(60), primary_key=True)
    lsoa_code: Mapped[str] = mapped_column(ForeignKey("lsoa.code", ondelete="CASCADE"), primary_key=True, index=True)
    share: Mapped[float] = mapped_column(nullable=False)
    main: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    __table_args__ = (
        sa_ForeignKeyConstraint(
            ["set_id", "area_code"], ["custom_area.set_id", "custom_area.code"], ondelete="CASCADE"
        ),
        CheckConstraint("share > 0 AND share <= 1", name="custom_area_lsoa_share"),
    )


class CoverageSnapshot(Base):
    """Every measure of one area for one view (all categories, or one), kept each month for trends."""

    __tablename__ = "coverage_snapshot"
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    geography: Mapped[str] = mapped_column(String(12), primary_key=True)
    #: '' for wards, constituencies, LSOAs and authorities; the area set's id for a custom set
    set_key: Mapped[str] = mapped_column(String(36), primary_key=True)
    area_code: Mapped[str] = mapped_column(String(60), primary_key=True)
    view: Mapped[str] = mapped_column(String(60), primary_key=True)
    la_code: Mapped[str | None] = mapped_column(String(9))
    figures: Mapped[dict] = mapped_column(JSONB, nullable=False)
    taken_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        CheckConstraint("extract(day from month) = 1", name="coverage_snapshot_first_of_month"),
        Index("ix_coverage_snapshot_area", "geography", "set_key", "area_code", "view"),
    )


# --------------------------------------------------------------------------- repeat submissions and sign-in attempts


class SubmissionReceipt(Base):
    """A form or API request that recorded something, so a repeat of it is recognised (``assetmap/once.py``).

    Holds no personal data: an HMAC of the one-time token, the kind of thing recorded, when, where to send
    someone who sends it again and (API only) an HMAC of the request body.
    """

    __tablename__ = "submission_receipt"
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now(), index=True
    )
    redirect_to: Mapped[str] = mapped_column(String(500), nullable=False)
    body_hash: Mapped[str | None] = mapped_column(String(64))


class SignInThrottle(Base):
    """Failed sign-ins in fixed windows, per account and per client address, shared by every worker.

    Keyed by an HMAC of the normalised email or of the client address (``accounts/throttle.py``): neither
    is stored, and an email with no account is counted exactly like one with an account.
    """

    __tablename__ = "signin_throttle"
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(String(10), nullable=False)
    window_start: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    __table_args__ = (
        _one_of("scope", v.THROTTLE_SCOPES, "signin_throttle_scope"),
        CheckConstraint("failures >= 0", name="signin_throttle_failures"),
    )


# --------------------------------------------------------------------------- mail and scheduled work


class MailOutbox(Base):
    """A message queued for the job runner to deliver (``assetmap/mail``).

    The address and the rendered message are ``sealed`` (Fernet, keyed from SECRET_KEY) while the row is
    queued and erased when it stops being queued (sent, failed for good, or suppressed): the CHECK
    ``mail_outbox_sealed_while_queued`` holds the database to it. What stays is the template's name, what
    the message was about (``ref``), the outcome and an HMAC of the recipient for counting hard failures.
    """

    __tablename__ = "mail_outbox"
    id: Mapped[uuid.UUID] = _uuid()
    kind: Mapped[str] = mapped_column(String(5), nullable=False)
    template: Mapped[str] = mapped_column(String(80), nullable=False)
    #: what the message is about, e.g. ``service:<uuid>`` - never personal data
    ref: Mapped[str | None] = mapped_column(String(120), index=True)
    #: queueing again with the same key queues nothing (e.g. ``reminder-1:service:<uuid>:2026-11``)
    once_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="queued", server_default="queued")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    next_attempt_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    #: the error's class (and SMTP or HTTP status), never its text, which may quote the address
    last_error: Mapped[str | None] = mapped_column(String(80))
    recipient_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: the provider's id for the message (GOV.UK Notify's notification id)
    provider_ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now(), index=True
    )
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        _one_of("kind", v.MESSAGE_KINDS, "mail_outbox_kind"),
        _one_of("status", v.OUTBOX_STATUSES, "mail_outbox_status"),
        CheckConstraint("attempts >= 0", name="mail_outbox_attempts"),
        CheckConstraint("(status = 'queued') = (sealed IS NOT NULL)", name="mail_outbox_sealed_while_queued"),
        Index("ix_mail_outbox_due", "next_attempt_at", postgresql_where=text("status = 'queued'")),
    )


class MailRecipient(Base):
    """Hard failures in a row for one recipient, keyed by an HMAC of the kind and the address (never the
    address): at ``MAIL_UNREACHABLE_AFTER`` the recipient is unreachable and nothing more is sent to it."""

    __tablename__ = "mail_recipient"
    recipient_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(5), nullable=False)
    hard_failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    last_failure_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    unreachable_since: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        _one_of("kind", v.MESSAGE_KINDS, "mail_recipient_kind"),
        CheckConstraint("hard_failures >= 0", name="mail_recipient_failures"),
    )


class ScheduledJob(Base):
    """One registered job's schedule and last run (``assetmap/jobs``); rows are added as jobs are registered."""

    __tablename__ = "scheduled_job"
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    every_seconds: Mapped[int] = mapped_column(Integer, nullable=False)
    next_due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_status: Mapped[str | None] = mapped_column(String(10))
    last_error: Mapped[str | None] = mapped_column(String(80))
    last_summary: Mapped[str | None] = mapped_column(String(300))
    runs: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    __table_args__ = (
        CheckConstraint("every_seconds > 0", name="scheduled_job_every"),
        _one_of("last_status", v.JOB_STATUSES, "scheduled_job_status", nullable=True),
    )


# --------------------------------------------------------------------------- organisers keep their own listings true


class OrganiserContact(Base):
    """Who runs a listing and agreed to be emailed about it: never published, never in history or exports.

    The name and address are ``sealed`` (Fernet, keyed from SECRET_KEY: ``directory/organisers.py``);
    ``email_hash`` (an HMAC, as the mail queue counts recipients) finds opt-outs and bounces without them.
    """

    __tablename__ = "organiser_contact"
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    email_hash: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    consent_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    consent_method: Mapped[str] = mapped_column(String(20), nullable=False)
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    #: a reminder to this address failed for good (SMTP 5xx, Notify 400): the steward's digest says so
    bounced_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (_one_of("consent_method", v.CONSENT_METHODS, "organiser_contact_consent_method"),)


class OrganiserReminder(Base):
    """A reminder sent to a listing's organiser, and the link in it: ``id`` is what the signed link names.

    ``round`` 1-3 follows the council's cadence from ``cycle_from`` (the last check); 0 is a link a
    coordinator sent by hand. A write through the link sets ``used_at``: it works once.
    """

    __tablename__ = "organiser_reminder"
    id: Mapped[uuid.UUID] = _uuid()
    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), nullable=False, index=True
    )
    round: Mapped[int] = mapped_column(Integer, nullable=False)
    cycle_from: Mapped[dt.date] = mapped_column(Date, nullable=False)
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    used_for: Mapped[str | None] = mapped_column(String(20))
    __table_args__ = (
        CheckConstraint("round BETWEEN 0 AND 3", name="organiser_reminder_round"),
        Index(
            "organiser_reminder_once",
            "service_id",
            "cycle_from",
            "round",
            unique=True,
            postgresql_where=text("round > 0"),
        ),
    )


class ProposedUpdate(Base):
    """What an organiser proposed through their link, for the steward to accept in whole or in part.

    ``fields`` holds only what they changed, in the asset template's field names (a schedule is one more
    field); ``base`` is the listing as they saw it, so the review can show what changed since.
    """

    __tablename__ = "proposed_update"
    id: Mapped[uuid.UUID] = _uuid()
    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), nullable=False, index=True
    )
    reminder_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organiser_reminder.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="open")
    fields: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    base: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    base_version: Mapped[int] = mapped_column(Integer, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_fields: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, default=list, server_default=text("'{}'::text[]")
    )
    __table_args__ = (
        _one_of("kind", v.PROPOSAL_KINDS, "proposed_update_kind"),
        _one_of("status", v.PROPOSAL_STATUSES, "proposed_update_status"),
    )


class ReminderCadence(Base):
    """A council's reminder cadence: months since the last check for each of the three reminders, and the
    days after the third before a listing shows "not confirmed for over a year". No row: 11, 12, 13 and 14."""

    __tablename__ = "reminder_cadence"
    lad_code: Mapped[str] = mapped_column(ForeignKey("local_authority.code", ondelete="CASCADE"), primary_key=True)
    first_months: Mapped[int] = mapped_column(Integer, nullable=False)
    second_months: Mapped[int] = mapped_column(Integer, nullable=False)
    third_months: Mapped[int] = mapped_column(Integer, nullable=False)
    grace_days: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    __table_args__ = (
        CheckConstraint(
            "first_months >= 1 AND first_months < second_months AND second_months < third_months "
            "AND third_months <= 36",
            name="reminder_cadence_months",
        ),
        CheckConstraint("grace_days BETWEEN 0 AND 90", name="reminder_cadence_grace"),
    )


class EmailOptout(Base):
    """Someone used the unsubscribe link at the foot of an email: keyed by an HMAC of the address (never the
    address) and what they stopped (``OPTOUT_PURPOSES``)."""

    __tablename__ = "email_optout"
    recipient_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    __table_args__ = (_one_of("purpose", v.OPTOUT_PURPOSES, "email_optout_purpose"),)
