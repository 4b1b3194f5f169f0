"""Read-only queries over applications, each a constant number of SQL queries."""

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..i18n import BANGKOK
from ..models import (
    Application,
    ApplicationStatus,
    Cause,
    Opportunity,
    Shift,
    User,
    VolunteerProfile,
)


def _with_context(query: sa.Select) -> sa.Select:
    """Load the shift, opportunity, organisation and volunteer in the same query."""
    return (
        query.join(Application.shift)
        .join(Shift.opportunity)
        .options(
            so.contains_eager(Application.shift)
            .contains_eager(Shift.opportunity)
            .joinedload(Opportunity.organization),
            so.joinedload(Application.volunteer),
        )
    )


def applications_to(opportunity_id: int) -> sa.Select:
    """Every application to an opportunity, by shift then by when it arrived."""
    return (
        _with_context(sa.select(Application))
        .where(Opportunity.id == opportunity_id)
        .order_by(Shift.starts_at, Application.status_changed_at, Application.id)
    )


def applications_to_shift(shift_id: int) -> sa.Select:
    """Every application to one shift, the waitlist in its order."""
    return (
        _with_context(sa.select(Application))
        .where(Application.shift_id == shift_id)
        .order_by(Application.status_changed_at, Application.id)
    )


def approval_queue(
    status: ApplicationStatus = ApplicationStatus.ACCEPTED,
    organization_id: int | None = None,
    cause: str | None = None,
    starts_after: date | None = None,
    starts_before: date | None = None,
) -> sa.Select:
    """Applications waiting for staff, longest waiting first, with filters."""
    query = (
        _with_context(sa.select(Application))
        .where(Application.status == status)
        .options(
            # What staff weigh: the skills asked for and held, who accepted.
            so.joinedload(Application.volunteer)
            .selectinload(User.profile)
            .selectinload(VolunteerProfile.skills),
            so.contains_eager(Application.shift)
            .contains_eager(Shift.opportunity)
            .selectinload(Opportunity.skills),
            so.selectinload(Application.decided_by),
        )
    )
    if organization_id:
        query = query.where(Opportunity.organization_id == organization_id)
    if cause:
        query = query.where(Opportunity.causes.any(Cause.slug == cause))
    if starts_after:
        query = query.where(Shift.starts_at >= _bangkok_midnight(starts_after))
    if starts_before:
        day_after = _bangkok_midnight(starts_before + timedelta(days=1))
        query = query.where(Shift.starts_at < day_after)
    return query.order_by(Application.status_changed_at, Application.id)


def _bangkok_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, BANGKOK)
