"""Read-only queries: hours served, shifts awaiting feedback, certificates."""

from dataclasses import dataclass, field

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models import (
    Application,
    Attendance,
    Certificate,
    Feedback,
    Opportunity,
    Organization,
    Shift,
)
from ..service_hours import queries as service_hours
from . import signing


@dataclass
class OrganizationHours:
    """Hours a volunteer served with one organisation (attended, reported apart)."""

    organization: Organization
    hours: float
    shifts: int
    reported: float = 0.0
    reports: int = 0


@dataclass
class HoursServed:
    """Hours that count in total and per organisation.

    `hours` are attended hours (in `shifts`); `reported` are approved self-reported
    hours (in `reports`), always stated apart.
    """

    hours: float = 0.0
    shifts: int = 0
    reported: float = 0.0
    reports: int = 0
    by_organization: list[OrganizationHours] = field(default_factory=list)

    @property
    def any(self) -> bool:
        """Whether any hours count."""
        return bool(self.shifts or self.reports)

    def for_organization(self, organization_id: int) -> OrganizationHours | None:
        """The line of one organisation, if the volunteer served with it."""
        for line in self.by_organization:
            if line.organization.id == organization_id:
                return line
        return None


def _attended(volunteer_id: int) -> sa.ColumnElement[bool]:
    return sa.and_(
        Application.volunteer_id == volunteer_id,
        Application.attendance == Attendance.ATTENDED,
        Application.hours.is_not(None),
    )


def hours_served(volunteer_id: int) -> HoursServed:
    """Hours that count per organisation, most hours first (service_hours.queries)."""
    lines = [
        OrganizationHours(
            line.organization,
            line.totals.attended,
            line.totals.shifts,
            line.totals.reported,
            line.totals.reports,
        )
        for line in service_hours.by_organization(volunteer_id)
    ]
    return HoursServed(
        hours=round(sum(line.hours for line in lines), 2),
        shifts=sum(line.shifts for line in lines),
        reported=round(sum(line.reported for line in lines), 2),
        reports=sum(line.reports for line in lines),
        by_organization=lines,
    )


def awaiting_feedback(volunteer_id: int) -> list[Application]:
    """Attended shifts the volunteer has not given feedback on, latest first."""
    answered = sa.select(Feedback.id).where(Feedback.application_id == Application.id)
    return list(
        db.session.scalars(
            sa.select(Application)
            .join(Application.shift)
            .where(_attended(volunteer_id), ~answered.exists())
            .options(
                so.contains_eager(Application.shift)
                .joinedload(Shift.opportunity)
                .joinedload(Opportunity.organization)
            )
            .order_by(Shift.starts_at.desc(), Application.id)
        ).unique()
    )


def answered(application_ids: list[int]) -> set[int]:
    """Which of these applications already have feedback (one query)."""
    if not application_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(Feedback.application_id).where(
                Feedback.application_id.in_(application_ids)
            )
        )
    )


def certificates_of(volunteer_id: int) -> list[Certificate]:
    """The volunteer's certificates, newest first, with their organisations."""
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .where(Certificate.volunteer_id == volunteer_id)
            .options(so.joinedload(Certificate.organization))
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )


def certificate_by_code(code: str) -> Certificate | None:
    """The certificate a code stands for; a forged code never reaches the database."""
    serial = signing.serial_from(code)
    if serial is None:
        return None
    return db.session.scalar(
        sa.select(Certificate)
        .where(Certificate.serial == serial)
        .options(so.joinedload(Certificate.organization))
    )
