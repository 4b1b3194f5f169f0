"""Indicators computed live from the platform, behind one function.

Every dashboard, the outcome progress and GET /api/v1/impact/summary read their
numbers through `indicator_values`, so a number means the same everywhere.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from ..extensions import db
from ..i18n import BANGKOK
from ..models import (
    Application,
    ApplicationStatus,
    Attendance,
    Feedback,
    Opportunity,
    Organization,
    OrganizationStatus,
    Pledge,
    PledgeKind,
    Role,
    Shift,
    User,
    VolunteerProfile,
)
from ..models.taxonomy import opportunity_cause, organization_cause
from ..service_hours import queries as service_hours

RETURN_WINDOW = timedelta(days=90)
# An invitation is not an application until the volunteer accepts it.
NOT_APPLIED = (ApplicationStatus.INVITED, ApplicationStatus.INVITATION_DECLINED)


@dataclass(frozen=True)
class Indicator:
    """A computed indicator: its key, names and unit."""

    key: str
    name_th: str
    name_en: str
    unit: str


INDICATORS = {
    indicator.key: indicator
    for indicator in (
        Indicator(
            "volunteers_registered",
            "อาสาสมัครที่ลงทะเบียน",
            "Volunteers registered",
            "people",
        ),
        Indicator("applications", "ใบสมัคร", "Applications", "applications"),
        Indicator("approved_matches", "การจับคู่ที่อนุมัติ", "Approved matches", "matches"),
        Indicator("attended_hours", "ชั่วโมงอาสา", "Hours served", "hours"),
        Indicator(
            "reported_hours",
            "ชั่วโมงอาสาที่รายงานเองและองค์กรรับรองแล้ว",
            "Reported hours certified by organisations",
            "hours",
        ),
        Indicator(
            "returning_volunteers",
            "อาสาสมัครที่กลับมาภายใน 90 วัน",
            "Volunteers returning within 90 days",
            "people",
        ),
        Indicator(
            "new_partners", "องค์กรพันธมิตรใหม่", "New partner organisations", "orgs"
        ),
        Indicator(
            "would_volunteer_again",
            "อยากเป็นอาสาอีก",
            "Would volunteer again",
            "people",
        ),
        Indicator(
            "active_citizens",
            "รู้สึกพร้อมลงมือแก้ปัญหาสังคม",
            "Became active citizens",
            "people",
        ),
        Indicator("hours_value_thb", "มูลค่าชั่วโมงอาสา", "Value of hours served", "THB"),
        Indicator("pledged_thb", "เงินบริจาคและคำมั่น", "Pledged and donated", "THB"),
        Indicator("donated_thb", "เงินบริจาคที่ได้รับแล้ว", "Donated", "THB"),
        Indicator(
            "fulfilled_thb",
            "คำมั่นที่ได้รับผ่าน e-Donation แล้ว",
            "Pledges received through e-Donation",
            "THB",
        ),
    )
}


# The units of the computed indicators and of the demo's reported outcomes, in
# Thai and English. Outcome units are typed by people: a known one, in either
# language, is shown in the reader's; anything else is shown as typed.
UNIT_NAMES = {
    "people": ("คน", "people"),
    "applications": ("ใบ", "applications"),
    "matches": ("คู่", "matches"),
    "hours": ("ชั่วโมง", "hours"),
    "orgs": ("องค์กร", "organisations"),
    "THB": ("บาท", "THB"),
    "trees": ("ต้น", "trees"),
    "children": ("คน", "children"),
}
_UNIT_KEYS: dict[str, str] = {}
for _key, _names in UNIT_NAMES.items():
    for _spelling in (_key, *_names):
        _UNIT_KEYS.setdefault(_spelling.casefold(), _key)  # "คน" stays people


def unit_name(unit: str, locale: str) -> str:
    """A unit in the reader's language ("hours" → "ชั่วโมง"); unknown ones as typed."""
    key = _UNIT_KEYS.get((unit or "").strip().casefold())
    if key is None:
        return unit
    thai, english = UNIT_NAMES[key]
    return english if locale == "en" else thai


@dataclass(frozen=True)
class ImpactFilter:
    """Which part of the marketplace to count: all of it when every field is None."""

    cause_id: int | None = None
    organization_id: int | None = None
    province: str | None = None
    first_day: date | None = None  # Asia/Bangkok, inclusive
    last_day: date | None = None  # Asia/Bangkok, inclusive

    def between(self, column: so.InstrumentedAttribute) -> list[sa.ColumnElement]:
        """Conditions keeping a timestamp column within the filter's days."""
        conditions = []
        if self.first_day is not None:
            start = datetime.combine(self.first_day, time(), BANGKOK)
            conditions.append(column >= start)
        if self.last_day is not None:
            end = datetime.combine(self.last_day + timedelta(days=1), time(), BANGKOK)
            conditions.append(column < end)
        return conditions


def _applications(where: ImpactFilter) -> sa.Select:
    """Applications joined to their shift and opportunity, filtered."""
    query = (
        sa.select(Application)
        .join(Shift, Application.shift_id == Shift.id)
        .join(Opportunity, Shift.opportunity_id == Opportunity.id)
    )
    if where.organization_id is not None:
        query = query.where(Opportunity.organization_id == where.organization_id)
    if where.province is not None:
        query = query.where(Opportunity.province == where.province)
    if where.cause_id is not None:
        query = query.where(
            Opportunity.id.in_(
                sa.select(opportunity_cause.c.opportunity_id).where(
                    opportunity_cause.c.cause_id == where.cause_id
                )
            )
        )
    return query


def _scalar(query: sa.Select) -> float:
    return float(db.session.scalar(query) or 0)


def _count_applications(where: ImpactFilter, *conditions) -> float:
    query = _applications(where).where(*conditions)
    return _scalar(query.with_only_columns(sa.func.count(Application.id)))


def _attended(where: ImpactFilter) -> list[sa.ColumnElement]:
    return [
        Application.attendance == Attendance.ATTENDED,
        *where.between(Shift.starts_at),
    ]


def _volunteers_registered(where: ImpactFilter) -> float:
    query = sa.select(sa.func.count(User.id)).where(
        User.role == Role.VOLUNTEER,
        User.erased_at.is_(None),
        *where.between(User.created_at),
    )
    if where.province is not None:
        query = query.join(VolunteerProfile).where(
            VolunteerProfile.province == where.province
        )
    if where.organization_id is not None or where.cause_id is not None:
        applied = (
            _applications(where)
            .where(Application.status.not_in(NOT_APPLIED))
            .with_only_columns(Application.volunteer_id)
        )
        query = query.where(User.id.in_(applied))
    return _scalar(query)


def _attended_hours(where: ImpactFilter) -> float:
    query = _applications(where).where(*_attended(where))
    return _scalar(query.with_only_columns(sa.func.sum(Application.hours)))


def _reported_hours(where: ImpactFilter) -> float:
    """Approved self-reported hours (service_hours.queries), apart from attended."""
    organizations = None
    if where.organization_id or where.province or where.cause_id:
        organizations = sa.select(Organization.id)
        if where.organization_id is not None:
            organizations = organizations.where(
                Organization.id == where.organization_id
            )
        if where.province is not None:
            organizations = organizations.where(Organization.province == where.province)
        if where.cause_id is not None:
            organizations = organizations.where(
                Organization.id.in_(
                    sa.select(organization_cause.c.organization_id).where(
                        organization_cause.c.cause_id == where.cause_id
                    )
                )
            )
    return service_hours.reported_total(organizations, where.first_day, where.last_day)


def _returning_volunteers(where: ImpactFilter) -> float:
    """Volunteers who attended again within 90 days of their first attended shift."""
    rows = db.session.execute(
        _applications(where)
        .where(*_attended(where))
        .with_only_columns(Application.volunteer_id, Shift.starts_at)
        .order_by(Application.volunteer_id, Shift.starts_at)
    )
    first_start: dict[int, datetime] = {}
    returning = set()
    for volunteer_id, starts_at in rows:
        first = first_start.setdefault(volunteer_id, starts_at)
        if first < starts_at <= first + RETURN_WINDOW:
            returning.add(volunteer_id)
    return float(len(returning))


def _new_partners(where: ImpactFilter) -> float:
    """Verified organisations (verified within the filter's days, if given)."""
    query = sa.select(sa.func.count(Organization.id)).where(
        Organization.status == OrganizationStatus.VERIFIED,
        *where.between(Organization.verified_at),
    )
    if where.organization_id is not None:
        query = query.where(Organization.id == where.organization_id)
    if where.province is not None:
        query = query.where(Organization.province == where.province)
    if where.cause_id is not None:
        query = query.where(
            Organization.id.in_(
                sa.select(organization_cause.c.organization_id).where(
                    organization_cause.c.cause_id == where.cause_id
                )
            )
        )
    return _scalar(query)


def _feedback_count(where: ImpactFilter, answer: so.InstrumentedAttribute) -> float:
    """People who answered yes (once each, however many surveys they filled in)."""
    query = (
        _applications(where)
        .join(Feedback, Feedback.application_id == Application.id)
        .where(answer.is_(True), *where.between(Shift.starts_at))
    )
    return _scalar(
        query.with_only_columns(sa.func.count(sa.distinct(Application.volunteer_id)))
    )


def _pledged(
    where: ImpactFilter, kind: PledgeKind | None = None, fulfilled: bool = False
) -> float:
    """Money pledged or donated (both when kind is None) for the filter.

    `fulfilled`: only pledges their organisation marked received (e-Donation).
    """
    query = sa.select(sa.func.sum(Pledge.amount_thb))
    if kind is not None:
        query = query.where(Pledge.kind == kind)
    if fulfilled:
        query = query.where(Pledge.fulfilled_at.is_not(None))
    if where.province is not None:
        query = query.join(Organization, Pledge.organization_id == Organization.id)
        query = query.where(Organization.province == where.province)
    if where.organization_id is not None:
        query = query.where(Pledge.organization_id == where.organization_id)
    if where.cause_id is not None:
        query = query.where(Pledge.cause_id == where.cause_id)
    if where.first_day is not None:
        query = query.where(Pledge.pledged_on >= where.first_day)
    if where.last_day is not None:
        query = query.where(Pledge.pledged_on <= where.last_day)
    return _scalar(query)


def indicator_values(
    keys: list[str] | None = None, where: ImpactFilter | None = None
) -> dict[str, float]:
    """Compute the named indicators (all when keys is None) for the filter."""
    where = where or ImpactFilter()
    hours: list[float] = []

    def attended_hours() -> float:
        if not hours:
            hours.append(_attended_hours(where))
        return hours[0]

    computations = {
        "volunteers_registered": lambda: _volunteers_registered(where),
        "applications": lambda: _count_applications(
            where,
            Application.status.not_in(NOT_APPLIED),
            *where.between(Application.created_at),
        ),
        "approved_matches": lambda: _count_applications(
            where,
            Application.status == ApplicationStatus.APPROVED,
            *where.between(Shift.starts_at),
        ),
        "attended_hours": attended_hours,
        "reported_hours": lambda: _reported_hours(where),
        "returning_volunteers": lambda: _returning_volunteers(where),
        "new_partners": lambda: _new_partners(where),
        "would_volunteer_again": lambda: _feedback_count(
            where, Feedback.would_volunteer_again
        ),
        "active_citizens": lambda: _feedback_count(where, Feedback.active_citizen),
        "hours_value_thb": lambda: (
            attended_hours() * current_app.config["HOUR_VALUE_THB"]
        ),
        "pledged_thb": lambda: _pledged(where),
        "donated_thb": lambda: _pledged(where, PledgeKind.DONATION),
        "fulfilled_thb": lambda: _pledged(where, PledgeKind.PLEDGE, fulfilled=True),
    }
    unknown = set(keys or ()) - set(computations)
    if unknown:
        raise KeyError(f"unknown indicators: {', '.join(sorted(unknown))}")
    return {key: computations[key]() for key in keys or computations}
