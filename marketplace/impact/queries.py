"""Breakdowns behind the impact dashboards: by cause, week, place, organisation."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..i18n import to_bangkok
from ..models import (
    Application,
    ApplicationStatus,
    Attendance,
    Cause,
    Opportunity,
    OpportunityStatus,
    Organization,
    OrganizationKind,
    OrganizationStatus,
    Pledge,
    PledgeKind,
    Shift,
)
from ..models.taxonomy import opportunity_cause
from .indicators import ImpactFilter, _applications, indicator_values

HEADLINE_KEYS = [
    "volunteers_registered",
    "attended_hours",
    "hours_value_thb",
    "approved_matches",
    "returning_volunteers",
    "new_partners",
    "pledged_thb",
    "donated_thb",
    "fulfilled_thb",
    "reported_hours",
]

_APPROVED = sa.case((Application.status == ApplicationStatus.APPROVED, 1), else_=0)
_HOURS = sa.case(
    (Application.attendance == Attendance.ATTENDED, Application.hours), else_=0
)
_ATTENDED_PERSON = sa.case(
    (Application.attendance == Attendance.ATTENDED, Application.volunteer_id)
)


@dataclass(frozen=True)
class Tally:
    """Approved matches, hours served and people who served, for one group."""

    key: object
    label: str
    matches_approved: int
    hours_served: float
    volunteers: int = 0


def _grouped(where: ImpactFilter, *columns) -> sa.Select:
    """Approved matches, attended hours and attended people grouped by columns."""
    return (
        _applications(where)
        .where(*where.between(Shift.starts_at))
        .with_only_columns(
            *columns,
            sa.func.sum(_APPROVED),
            sa.func.sum(_HOURS),
            sa.func.count(sa.distinct(_ATTENDED_PERSON)),
        )
        .group_by(*columns)
    )


def by_cause(where: ImpactFilter, locale: str = "th") -> list[Tally]:
    """Every cause in display order (an opportunity counts for each of its causes)."""
    counted = {
        cause_id: (int(matches or 0), float(hours or 0), int(people or 0))
        for cause_id, matches, hours, people in db.session.execute(
            _grouped(
                where,
                opportunity_cause.c.cause_id,
            ).join(
                opportunity_cause, opportunity_cause.c.opportunity_id == Opportunity.id
            )
        )
    }
    causes = db.session.scalars(sa.select(Cause).order_by(Cause.position, Cause.id))
    return [
        Tally(cause.slug, cause.name(locale), *counted.get(cause.id, (0, 0.0, 0)))
        for cause in causes
        if where.cause_id is None or cause.id == where.cause_id
    ]


def by_organization(where: ImpactFilter, locale: str = "th") -> list[Tally]:
    """Organisations with any approved match or hours, busiest first."""
    rows = db.session.execute(
        _grouped(
            where, Organization.id, Organization.name_th, Organization.name_en
        ).join(Organization, Opportunity.organization_id == Organization.id)
    )
    tallies = [
        Tally(
            organization_id,
            (name_en or name_th) if locale == "en" else name_th,
            int(matches or 0),
            float(hours or 0),
            int(people or 0),
        )
        for organization_id, name_th, name_en, matches, hours, people in rows
    ]
    tallies = [t for t in tallies if t.matches_approved or t.hours_served]
    return sorted(tallies, key=lambda t: (-t.hours_served, -t.matches_approved))


def by_province(where: ImpactFilter, unknown: str) -> list[Tally]:
    """Provinces where opportunities took place (remote ones under `unknown`)."""
    rows = db.session.execute(_grouped(where, Opportunity.province))
    tallies = [
        Tally(province, province or unknown, int(m or 0), float(h or 0), int(p or 0))
        for province, m, h, p in rows
    ]
    tallies = [t for t in tallies if t.matches_approved or t.hours_served]
    return sorted(tallies, key=lambda t: (-t.hours_served, -t.matches_approved))


def by_week(where: ImpactFilter) -> list[Tally]:
    """Approved matches and hours by the week (from Monday) their shift began."""
    rows = db.session.execute(
        _applications(where)
        .where(*where.between(Shift.starts_at))
        .where(
            sa.or_(
                Application.status == ApplicationStatus.APPROVED,
                Application.attendance == Attendance.ATTENDED,
            )
        )
        .with_only_columns(
            Shift.starts_at,
            Application.status,
            Application.attendance,
            Application.hours,
        )
    )
    weeks: dict[date, list[float]] = defaultdict(lambda: [0, 0.0])
    for starts_at, status, attendance, hours in rows:
        day = to_bangkok(starts_at).date()
        week = weeks[day - timedelta(days=day.weekday())]
        week[0] += status is ApplicationStatus.APPROVED
        week[1] += (hours or 0) if attendance is Attendance.ATTENDED else 0
    return [
        Tally(week, week.isoformat(), int(values[0]), float(values[1]))
        for week, values in sorted(weeks.items())
    ]


@dataclass(frozen=True)
class Place:
    """Where volunteers served: one opportunity's location and its hours."""

    opportunity_id: int
    title: str
    organization: str
    lat: float
    lon: float
    hours: float
    volunteers: int


def places(where: ImpactFilter, locale: str = "th") -> list[Place]:
    """On-site opportunities with attended hours, most hours first."""
    name = Organization.name_en if locale == "en" else Organization.name_th
    rows = db.session.execute(
        _applications(where)
        .join(Organization, Opportunity.organization_id == Organization.id)
        .where(
            Application.attendance == Attendance.ATTENDED,
            Opportunity.lat.is_not(None),
            Opportunity.lon.is_not(None),
            *where.between(Shift.starts_at),
        )
        .with_only_columns(
            Opportunity.id,
            Opportunity.title,
            sa.func.coalesce(sa.func.nullif(name, ""), Organization.name_th),
            Opportunity.lat,
            Opportunity.lon,
            sa.func.sum(Application.hours),
            sa.func.count(sa.distinct(Application.volunteer_id)),
        )
        .group_by(
            Opportunity.id,
            Opportunity.title,
            Organization.name_th,
            Organization.name_en,
            Opportunity.lat,
            Opportunity.lon,
        )
    )
    found = [
        Place(oid, title, org, lat, lon, float(hours or 0), int(people))
        for oid, title, org, lat, lon, hours, people in rows
    ]
    return sorted(found, key=lambda p: -p.hours)


@dataclass(frozen=True)
class Giving:
    """Money pledged and donated through one giving partner."""

    partner_id: int
    partner: str
    pledged_thb: float
    donated_thb: float
    # Of the pledged: what the receiving organisations marked received (e-Donation).
    fulfilled_thb: float = 0.0


def giving(where: ImpactFilter, locale: str = "th") -> list[Giving]:
    """Pledges and donations by the giving partner they came through."""
    partner = sa.orm.aliased(Organization)
    fulfilled = Pledge.fulfilled_at.is_not(None)
    query = (
        sa.select(
            partner.id,
            partner.name_th,
            partner.name_en,
            Pledge.kind,
            fulfilled,
            sa.func.sum(Pledge.amount_thb),
        )
        .join(partner, Pledge.source_partner_id == partner.id)
        .group_by(partner.id, partner.name_th, partner.name_en, Pledge.kind, fulfilled)
    )
    if where.organization_id is not None:
        query = query.where(Pledge.organization_id == where.organization_id)
    if where.cause_id is not None:
        query = query.where(Pledge.cause_id == where.cause_id)
    if where.province is not None:
        query = query.join(
            Organization, Pledge.organization_id == Organization.id
        ).where(Organization.province == where.province)
    if where.first_day is not None:
        query = query.where(Pledge.pledged_on >= where.first_day)
    if where.last_day is not None:
        query = query.where(Pledge.pledged_on <= where.last_day)
    totals: dict[int, list] = {}
    rows = db.session.execute(query)
    for partner_id, name_th, name_en, kind, received, amount in rows:
        name = (name_en or name_th) if locale == "en" else name_th
        entry = totals.setdefault(partner_id, [name, 0.0, 0.0, 0.0])
        entry[1 if kind is PledgeKind.PLEDGE else 2] += float(amount or 0)
        if kind is PledgeKind.PLEDGE and received:
            entry[3] += float(amount or 0)
    rows = [Giving(pid, *values) for pid, values in totals.items()]
    return sorted(rows, key=lambda g: -(g.pledged_thb + g.donated_thb))


@dataclass(frozen=True)
class Summary:
    """The numbers of GET /api/v1/impact/summary."""

    volunteers: int
    organizations: int
    opportunities: int
    matches_approved: int
    hours_served: float
    by_cause: list[dict]


def summary() -> Summary:
    """Marketplace-wide totals, and approved matches and hours by cause."""
    values = indicator_values(
        ["volunteers_registered", "approved_matches", "attended_hours"]
    )
    organizations = db.session.scalar(
        sa.select(sa.func.count(Organization.id)).where(
            Organization.status == OrganizationStatus.VERIFIED
        )
    )
    opportunities = db.session.scalar(
        sa.select(sa.func.count(Opportunity.id)).where(
            Opportunity.status == OpportunityStatus.PUBLISHED
        )
    )
    return Summary(
        volunteers=int(values["volunteers_registered"]),
        organizations=organizations or 0,
        opportunities=opportunities or 0,
        matches_approved=int(values["approved_matches"]),
        hours_served=round(values["attended_hours"], 2),
        by_cause=[
            {
                "cause": tally.key,
                "matches_approved": tally.matches_approved,
                "hours_served": round(tally.hours_served, 2),
            }
            for tally in by_cause(ImpactFilter())
        ],
    )


@dataclass(frozen=True)
class Choices:
    """What the filter form offers."""

    causes: list[tuple[str, str]]
    organizations: list[tuple[int, str]]
    provinces: list[str]


def filter_choices(locale: str = "th") -> Choices:
    """Causes, verified organisations (not giving partners) and provinces in use."""
    causes = [
        (cause.slug, cause.name(locale))
        for cause in db.session.scalars(
            sa.select(Cause).order_by(Cause.position, Cause.id)
        )
    ]
    organizations = [
        (org_id, (name_en or name_th) if locale == "en" else name_th)
        for org_id, name_th, name_en in db.session.execute(
            sa.select(Organization.id, Organization.name_th, Organization.name_en)
            .where(
                Organization.status == OrganizationStatus.VERIFIED,
                Organization.kind != OrganizationKind.GIVING_PARTNER,
            )
            .order_by(Organization.name_th)
        )
    ]
    provinces = list(
        db.session.scalars(
            sa.select(Opportunity.province)
            .where(Opportunity.province.is_not(None))
            .distinct()
            .order_by(Opportunity.province)
        )
    )
    return Choices(causes, organizations, provinces)


def cause_id_of(slug: str) -> int | None:
    """The id of a cause by its slug."""
    return db.session.scalar(sa.select(Cause.id).where(Cause.slug == slug))
