"""Which hours count, and the activities and totals behind every certificate.

Attended hours: an application marked attended with hours, whose certification
the organisation has not withdrawn. Reported hours: a volunteer's report that a
member approved (possibly changing its hours), not withdrawn since. Both are
dated in Bangkok (an attended shift by the day it starts).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from ..extensions import db
from ..i18n import BANGKOK, to_bangkok
from ..models import (
    Application,
    Attendance,
    CertifierRole,
    Opportunity,
    Organization,
    ReportedHours,
    ReportStatus,
    ServiceRecord,
    Shift,
    User,
)

ATTENDED = "attended"
REPORTED = "reported"


def attended_counts() -> list[sa.ColumnElement[bool]]:
    """Conditions on Application: attended hours that count."""
    return [
        Application.attendance == Attendance.ATTENDED,
        Application.hours.is_not(None),
        Application.certification_withdrawn_at.is_(None),
    ]


def reported_counts() -> list[sa.ColumnElement[bool]]:
    """Conditions on ReportedHours: approved reported hours that count."""
    return [
        ReportedHours.status == ReportStatus.APPROVED,
        ReportedHours.withdrawn_at.is_(None),
    ]


def day_bounds(
    column, first_day: date | None, last_day: date | None
) -> list[sa.ColumnElement[bool]]:
    """Conditions keeping a timestamp within Bangkok days (inclusive)."""
    conditions = []
    if first_day is not None:
        conditions.append(column >= datetime.combine(first_day, time(), BANGKOK))
    if last_day is not None:
        end = datetime.combine(last_day + timedelta(days=1), time(), BANGKOK)
        conditions.append(column < end)
    return conditions


def role_label(role: CertifierRole | str | None) -> str:
    """The capacity someone certified in, in the current language."""
    labels = {
        CertifierRole.ADMIN: _("Organisation admin"),
        CertifierRole.MEMBER: _("Organisation member"),
        CertifierRole.LEAD: _("Shift lead"),
    }
    return labels.get(CertifierRole(role), "") if role else ""


def certified_by(person: User | None, role: CertifierRole | str | None) -> str:
    """ "name, role" of who certified, or that it was not recorded."""
    if person is None or not role:
        return _("Not recorded")
    return _("%(name)s, %(role)s", name=person.display_name, role=role_label(role))


@dataclass(frozen=True)
class Activity:
    """One activity that counts: an attended shift or approved reported hours."""

    kind: str  # ATTENDED | REPORTED
    day: date
    organization: Organization
    activity: str
    hours: float
    certifier: User | None
    certifier_role: CertifierRole | None
    application_id: int | None = None
    reported_hours_id: int | None = None

    @property
    def certified_by(self) -> str:
        """Who certified it, "name, role", in the current language."""
        return certified_by(self.certifier, self.certifier_role)

    @property
    def source_key(self) -> tuple[str, int]:
        """The row this activity comes from."""
        return (self.kind, self.application_id or self.reported_hours_id or 0)


def activities(
    volunteer_id: int,
    first_day: date | None = None,
    last_day: date | None = None,
    organization_id: int | None = None,
) -> list[Activity]:
    """The volunteer's activities that count in the period, oldest first (2 queries)."""
    attended_query = (
        sa.select(Application)
        .join(Application.shift)
        .join(Shift.opportunity)
        .where(
            Application.volunteer_id == volunteer_id,
            *attended_counts(),
            *day_bounds(Shift.starts_at, first_day, last_day),
        )
        .options(
            so.contains_eager(Application.shift)
            .contains_eager(Shift.opportunity)
            .joinedload(Opportunity.organization),
            so.joinedload(Application.attendance_recorded_by),
        )
    )
    reported_query = (
        sa.select(ReportedHours)
        .where(ReportedHours.volunteer_id == volunteer_id, *reported_counts())
        .options(
            so.joinedload(ReportedHours.organization),
            so.joinedload(ReportedHours.reviewed_by),
        )
    )
    if first_day is not None:
        reported_query = reported_query.where(ReportedHours.day >= first_day)
    if last_day is not None:
        reported_query = reported_query.where(ReportedHours.day <= last_day)
    if organization_id is not None:
        attended_query = attended_query.where(
            Opportunity.organization_id == organization_id
        )
        reported_query = reported_query.where(
            ReportedHours.organization_id == organization_id
        )
    found = [
        Activity(
            ATTENDED,
            to_bangkok(application.shift.starts_at).date(),
            application.shift.opportunity.organization,
            application.shift.opportunity.title,
            float(application.hours or 0),
            application.attendance_recorded_by,
            application.attendance_recorder_role,
            application_id=application.id,
        )
        for application in db.session.scalars(attended_query).unique()
    ]
    found += [
        Activity(
            REPORTED,
            report.day,
            report.organization,
            report.activity,
            float(report.hours),
            report.reviewed_by,
            report.reviewer_role,
            reported_hours_id=report.id,
        )
        for report in db.session.scalars(reported_query)
    ]
    return sorted(found, key=lambda a: (a.day, a.kind, a.source_key))


@dataclass
class Totals:
    """Attended and reported hours of a list of activities."""

    attended: float = 0.0
    reported: float = 0.0
    shifts: int = 0
    reports: int = 0

    @property
    def hours(self) -> float:
        """Both together."""
        return round(self.attended + self.reported, 2)


def totals(found: list[Activity]) -> Totals:
    """Sum attended and reported hours apart."""
    result = Totals()
    for activity in found:
        if activity.kind == ATTENDED:
            result.attended += activity.hours
            result.shifts += 1
        else:
            result.reported += activity.hours
            result.reports += 1
    result.attended = round(result.attended, 2)
    result.reported = round(result.reported, 2)
    return result


@dataclass
class OrganizationTotals:
    """Hours that count with one organisation."""

    organization: Organization
    totals: Totals = field(default_factory=Totals)


def by_organization(volunteer_id: int) -> list[OrganizationTotals]:
    """Hours that count per organisation, most hours first."""
    lines: dict[int, OrganizationTotals] = {}
    grouped: dict[int, list[Activity]] = defaultdict(list)
    for activity in activities(volunteer_id):
        lines.setdefault(
            activity.organization.id, OrganizationTotals(activity.organization)
        )
        grouped[activity.organization.id].append(activity)
    for organization_id, found in grouped.items():
        lines[organization_id].totals = totals(found)
    return sorted(
        lines.values(), key=lambda line: (-line.totals.hours, line.organization.id)
    )


def hours_on_day(volunteer_id: int, day: date, leave_out: int | None = None) -> float:
    """Hours already on a day: attended, and reported ones not declined."""
    attended = db.session.scalar(
        sa.select(sa.func.sum(Application.hours))
        .join(Application.shift)
        .where(
            Application.volunteer_id == volunteer_id,
            Application.attendance == Attendance.ATTENDED,
            *day_bounds(Shift.starts_at, day, day),
        )
    )
    reported = sa.select(sa.func.sum(ReportedHours.hours)).where(
        ReportedHours.volunteer_id == volunteer_id,
        ReportedHours.day == day,
        ReportedHours.status != ReportStatus.DECLINED,
    )
    if leave_out is not None:
        reported = reported.where(ReportedHours.id != leave_out)
    return float(attended or 0) + float(db.session.scalar(reported) or 0)


def reports_of(volunteer_id: int) -> list[ReportedHours]:
    """The volunteer's reported hours, newest day first."""
    return list(
        db.session.scalars(
            sa.select(ReportedHours)
            .where(ReportedHours.volunteer_id == volunteer_id)
            .options(
                so.joinedload(ReportedHours.organization),
                so.joinedload(ReportedHours.reviewed_by),
            )
            .order_by(ReportedHours.day.desc(), ReportedHours.id.desc())
        )
    )


def pending_count(organization_id: int) -> int:
    """Reported hours waiting for the organisation's review."""
    return int(
        db.session.scalar(
            sa.select(sa.func.count(ReportedHours.id)).where(
                ReportedHours.organization_id == organization_id,
                ReportedHours.status == ReportStatus.PENDING,
            )
        )
        or 0
    )


def review_queue(organization_id: int) -> list[ReportedHours]:
    """Reported hours waiting for review, oldest first."""
    return list(
        db.session.scalars(
            sa.select(ReportedHours)
            .where(
                ReportedHours.organization_id == organization_id,
                ReportedHours.status == ReportStatus.PENDING,
            )
            .options(so.joinedload(ReportedHours.volunteer))
            .order_by(ReportedHours.created_at, ReportedHours.id)
        )
    )


CERTIFIED_SHOWN = 30


def recently_certified(organization_id: int) -> list[tuple[User, Activity]]:
    """The organisation's latest certified activities, newest first."""
    applications = db.session.scalars(
        sa.select(Application)
        .join(Application.shift)
        .join(Shift.opportunity)
        .where(Opportunity.organization_id == organization_id, *attended_counts())
        .options(
            so.contains_eager(Application.shift)
            .contains_eager(Shift.opportunity)
            .joinedload(Opportunity.organization),
            so.joinedload(Application.volunteer),
            so.joinedload(Application.attendance_recorded_by),
        )
        .order_by(Shift.starts_at.desc(), Application.id.desc())
        .limit(CERTIFIED_SHOWN)
    ).unique()
    reports = db.session.scalars(
        sa.select(ReportedHours)
        .where(ReportedHours.organization_id == organization_id, *reported_counts())
        .options(
            so.joinedload(ReportedHours.organization),
            so.joinedload(ReportedHours.volunteer),
            so.joinedload(ReportedHours.reviewed_by),
        )
        .order_by(ReportedHours.day.desc(), ReportedHours.id.desc())
        .limit(CERTIFIED_SHOWN)
    )
    found = [
        (
            a.volunteer,
            Activity(
                ATTENDED,
                to_bangkok(a.shift.starts_at).date(),
                a.shift.opportunity.organization,
                a.shift.opportunity.title,
                float(a.hours or 0),
                a.attendance_recorded_by,
                a.attendance_recorder_role,
                application_id=a.id,
            ),
        )
        for a in applications
    ] + [
        (
            r.volunteer,
            Activity(
                REPORTED,
                r.day,
                r.organization,
                r.activity,
                float(r.hours),
                r.reviewed_by,
                r.reviewer_role,
                reported_hours_id=r.id,
            ),
        )
        for r in reports
    ]
    found.sort(key=lambda pair: pair[1].day, reverse=True)
    return found[:CERTIFIED_SHOWN]


def reported_total(
    organization_ids: sa.Select | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
) -> float:
    """Approved reported hours (of organisations in a subquery), for the impact."""
    query = sa.select(sa.func.sum(ReportedHours.hours)).where(*reported_counts())
    if organization_ids is not None:
        query = query.where(ReportedHours.organization_id.in_(organization_ids))
    if first_day is not None:
        query = query.where(ReportedHours.day >= first_day)
    if last_day is not None:
        query = query.where(ReportedHours.day <= last_day)
    return float(db.session.scalar(query) or 0)


def records_of(volunteer_id: int) -> list[ServiceRecord]:
    """The volunteer's service-hour records, newest first."""
    return list(
        db.session.scalars(
            sa.select(ServiceRecord)
            .where(ServiceRecord.volunteer_id == volunteer_id)
            .order_by(ServiceRecord.issued_at.desc(), ServiceRecord.id.desc())
        )
    )
